"""Pages of 列异列严, 行政处罚公示 and 信用修复: scope (owner, colleague, outsider), actions through the pages,
disallowed transitions shown as messages, exports of the filtered rows, the dashboard facts."""
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from core.choices import Role
from credit.choices import ListingReason, ListingStatus, RepairStatus
from credit.listings import listing_approve, listing_propose, listing_remind, open_trigger
from credit.models import ListingCase, PenaltyRecord, RepairCase
from credit.penalties import penalty_publish, penalty_record_create
from credit.repair import repair_receive
from credit.selectors import dashboard_facts
from tests.factories import make_user

pytestmark = pytest.mark.django_db
D = date(2026, 9, 1)


@pytest.fixture
def case(entity_a, owner):
    return open_trigger(entity_a, ListingReason.UNREACHABLE, source="spot_check", occurred_on=D, user=owner)


@pytest.fixture
def listed(case, owner, colleague):
    c = listing_remind(case=case, by=owner, on=D, channel="phone")
    c = listing_propose(case=c, by=owner, on=c.buffer_until + timedelta(days=1), note="缓冲期届满仍无法联系")
    return listing_approve(case=c, by=colleague, on=c.proposed_on)


@pytest.fixture
def repair(listed, owner):
    return repair_receive(entity=listed.entity, kind="abnormal", target=listed, channel="counter",
                          applied_on=listed.listed_on + timedelta(days=3), applicant="张三", by=owner,
                          materials=["application", "pledge", "address"])


@pytest.fixture
def penalty(entity_a, owner):
    record = penalty_record_create(entity=entity_a, decision_no="泉港市监罚〔2026〕5号", decided_on=date(2026, 1, 5),
                                   kind="fine", violation="虚假宣传", authority="泉港区市场监督管理局", by=owner)
    return penalty_publish(record=record, by=owner, on=date(2026, 1, 9))


def get(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, url
    return response


def test_pages_answer_by_scope(client, case, repair, penalty, owner, colleague, outsider, section_user, leader):
    pages = [reverse("credit:listing_detail", args=[case.pk]), reverse("credit:repair_detail", args=[repair.pk]),
             reverse("credit:penalty_detail", args=[penalty.pk])]
    for url in pages:
        for user in (owner, colleague, section_user, leader):
            get(client, user, url)
        get(client, outsider, url, 404)
    for name in ("credit:listing_list", "credit:repair_list", "credit:penalty_list"):
        html = get(client, outsider, reverse(name)).content.decode()
        assert case.entity.name not in html
        assert case.entity.name in get(client, owner, reverse(name) + "?status=").content.decode()
    discipline = make_user(Role.DISCIPLINE, username="d1")
    get(client, discipline, reverse("credit:repair_list"), 403)


def test_leader_reads_but_cannot_enter(client, case, leader):
    get(client, leader, reverse("credit:listing_new"), 403)
    client.force_login(leader)
    response = client.post(reverse("credit:listing_action", args=[case.pk, "remind"]),
                           {"remind-on": "2026-09-02", "remind-channel": "sms"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == ListingStatus.REMINDER


def test_staff_trigger_by_hand_and_idempotent(client, entity_a, owner):
    client.force_login(owner)
    data = {"entity": entity_a.uscc, "reason": "false_info", "occurred_on": "2026-09-01", "note": "抽查发现年报虚假"}
    response = client.post(reverse("credit:listing_new"), data)
    case = ListingCase.objects.get()
    assert response.url == reverse("credit:listing_detail", args=[case.pk])
    client.post(reverse("credit:listing_new"), data)
    assert ListingCase.objects.count() == 1


def test_trigger_for_another_offices_entity_refused(client, entity_b, owner):
    client.force_login(owner)
    response = client.post(reverse("credit:listing_new"), {"entity": entity_b.uscc, "reason": "false_info",
                                                           "occurred_on": "2026-09-01", "note": "x"})
    assert response.status_code == 200 and "没有找到" in response.content.decode()
    assert not ListingCase.objects.exists()


def test_actions_through_the_page_and_refusals_as_messages(client, case, owner, colleague):
    client.force_login(owner)
    url = reverse("credit:listing_detail", args=[case.pk])
    response = client.post(reverse("credit:listing_action", args=[case.pk, "propose"]),
                           {"propose-on": "2026-09-02", "propose-note": "x"}, follow=True)
    assert "拟列入意见未保存" in response.content.decode() and "不能提出拟列入意见" in response.content.decode()
    response = client.post(reverse("credit:listing_action", args=[case.pk, "remind"]),
                           {"remind-on": "2026-09-02", "remind-channel": "sms", "remind-note": "短信"})
    assert response.url == url
    case.refresh_from_db()
    assert case.status == ListingStatus.BUFFER
    html = client.get(url).content.decode()
    assert "提出拟列入意见" in html and "登记事由消除" in html and "提醒提示函" in html
    response = client.post(reverse("credit:listing_action", args=[case.pk, "nonsense"]))
    assert response.status_code == 404


def test_another_offices_case_action_is_404(client, case, outsider):
    client.force_login(outsider)
    response = client.post(reverse("credit:listing_action", args=[case.pk, "remind"]),
                           {"remind-on": "2026-09-02", "remind-channel": "sms"})
    assert response.status_code == 404


def test_repair_flow_through_the_pages(client, listed, owner, colleague):
    client.force_login(owner)
    html = client.get(reverse("credit:repair_start") + f"?entity={listed.entity.uscc}").content.decode()
    assert "移出经营异常名录" in html and "记录在经营异常名录中" in html
    new_url = reverse("credit:repair_new") + f"?listing={listed.pk}"
    assert "修复条件" in client.get(new_url).content.decode()
    response = client.post(new_url, {"channel": "counter", "applied_on": "2026-10-20", "applicant": "张三",
                                     "materials": ["application", "pledge"]})
    case = RepairCase.objects.get()
    detail = reverse("credit:repair_detail", args=[case.pk])
    assert response.url == detail
    response = client.post(reverse("credit:repair_action", args=[case.pk, "accept"]), {"accept-on": "2026-10-21"},
                           follow=True)
    assert "缺少住所变更登记或可以联系的证明" in response.content.decode()
    client.post(reverse("credit:repair_action", args=[case.pk, "materials"]),
                {"materials-materials": ["application", "pledge", "address"]})
    client.post(reverse("credit:repair_action", args=[case.pk, "accept"]), {"accept-on": "2026-10-21"})
    client.post(reverse("credit:repair_action", args=[case.pk, "review"]),
                {"review-on": "2026-10-21", "review-opinion": "已办理住所变更登记"})
    client.force_login(colleague)
    client.post(reverse("credit:repair_action", args=[case.pk, "decide"]),
                {"decide-on": "2026-10-22", "decide-repaired": "1", "decide-reason": "符合移出条件"})
    case.refresh_from_db()
    assert case.status == RepairStatus.APPROVED
    response = client.post(reverse("credit:repair_action", args=[case.pk, "decide"]),
                           {"decide-on": "2026-10-22", "decide-repaired": "0", "decide-reason": "again"}, follow=True)
    assert "不能再次决定" in response.content.decode()
    html = client.get(detail).content.decode()
    assert "信用修复决定书" in html and "信用修复受理通知书" in html


def test_exports_hold_the_filtered_rows(client, case, penalty, repair, owner, outsider):
    client.force_login(owner)
    for name, expected in (("credit:listing_export", 2), ("credit:penalty_export", 2),
                           ("credit:repair_export", 2)):
        data = b"".join(client.get(reverse(name) + "?status=").streaming_content)
        rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        assert len(rows) == expected, name
    data = b"".join(client.get(reverse("credit:listing_export") + "?kind=serious").streaming_content)
    assert len(CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()) == 1
    client.force_login(outsider)
    data = b"".join(client.get(reverse("credit:repair_export") + "?status=").streaming_content)
    assert len(CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()) == 1


def test_penalty_pages(client, entity_a, owner):
    client.force_login(owner)
    response = client.post(reverse("credit:penalty_new"), {
        "entity": entity_a.uscc, "decision_no": "泉港市监罚〔2026〕9号", "decided_on": "2026-10-09", "kind": "low_fine",
        "domain": "food", "violation": "销售不合格食品", "authority": "泉港区市场监督管理局", "fine_amount": "2000"})
    record = PenaltyRecord.objects.get()
    assert response.url == reverse("credit:penalty_detail", args=[record.pk])
    client.post(reverse("credit:penalty_action", args=[record.pk, "publish"]), {"publish-on": "2026-10-12"})
    record.refresh_from_db()
    assert record.status == "published" and record.publicity_end == date(2027, 1, 12)
    html = client.get(reverse("credit:penalty_list") + "?domain=food").content.decode()
    assert "泉港市监罚〔2026〕9号" in html


def test_repair_list_ordered_by_nearest_deadline(client, listed, penalty, owner):
    late = repair_receive(entity=listed.entity, kind="abnormal", target=listed, channel="post",
                          applied_on=date(2026, 11, 20), applicant="张三", by=owner)
    early = repair_receive(entity=penalty.entity, kind="penalty", target=penalty, channel="online",
                           applied_on=date(2026, 10, 9), applicant="张三", by=owner)
    client.force_login(owner)
    html = client.get(reverse("credit:repair_list")).content.decode()
    assert html.index(early.number) < html.index(late.number)
    assert "row-overdue" in html  # the October application is past its acceptance deadline


def test_dashboard_facts(listed, repair, penalty, owner, office_a):
    facts = dashboard_facts(2026)
    def fact(block, key, office=None, month=None):
        return next(f for f in facts if (f.block, f.key, f.office_id, f.month) == (block, key, office, month))
    assert fact("listings", "listed").value == 1
    assert fact("listings", "listed", office_a.pk, listed.listed_on.month).value == 1
    assert fact("listings", "marked").value == 0
    assert fact("listings", "penalties_published", month=1).value == 1
    assert fact("repair", "cases").value == 1 and fact("repair", "decided").value == 0
    assert fact("repair", "average_workdays").value is None
    url = fact("repair", "cases", office_a.pk, repair.applied_on.month).drill_url
    assert url == (reverse("credit:repair_list") + f"?year=2026&month={repair.applied_on.month}"
                   f"&office={office_a.pk}&basis=applied")
    assert {f.block for f in facts} == {"repair", "listings"}


def test_entity_timeline_shows_listings_penalties_and_repairs(client, listed, repair, penalty, owner):
    from registry.timeline import events_for

    titles = [e.title for e in events_for(listed.entity)]
    assert "列入经营异常名录" in titles and "提醒提示" in titles
    assert f"申请信用修复 {repair.number}" in titles and "行政处罚信息公示" in titles
    html = get(client, owner, reverse("registry:entity_detail", args=[listed.entity.pk])).content.decode()
    assert "列入经营异常名录" in html and repair.number in html


def test_list_pages_query_count_does_not_grow_with_rows(client, office_a, owner, section_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_entity

    def add(n):
        for _ in range(n):
            entity = make_entity(office_a)
            case = open_trigger(entity, ListingReason.UNREACHABLE, source="staff", occurred_on=D, user=owner)
            case = listing_remind(case=case, by=owner, on=D, channel="phone")
            case = listing_propose(case=case, by=owner, on=case.buffer_until + timedelta(days=1), note="x")
            case = listing_approve(case=case, by=section_user, on=case.proposed_on)
            repair_receive(entity=entity, kind="abnormal", target=case, channel="counter", applied_on=case.listed_on,
                           applicant="张三", by=owner)
            record = penalty_record_create(entity=entity, decision_no=f"罚{entity.pk}", decided_on=D, kind="fine",
                                           violation="x", authority="y", by=owner)
            penalty_publish(record=record, by=owner, on=D)

    client.force_login(owner)
    urls = [reverse("credit:listing_list") + "?status=", reverse("credit:repair_list"),
            reverse("credit:penalty_list")]

    def counts():
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    add(2)
    few = counts()
    add(4)
    assert counts() == few


def test_case_pages_say_which_rule_and_version_set_each_deadline(client, listed, repair, owner, admin_user):
    from core.models import TimeLimitRule

    buffer = TimeLimitRule.objects.filter(code="listing_buffer").order_by("-effective_from").first()
    html = get(client, owner, reverse("credit:listing_detail", args=[listed.pk])).content.decode()
    assert "适用的时限规则" in html and buffer.name in html and "listing_reminder" in html
    assert f"{buffer.effective_from:%Y-%m-%d} 起施行" in html
    assert ("待核实" in html) == (not buffer.verified)
    assert "查看/修改" not in html  # office staff do not edit rules
    html = get(client, admin_user, reverse("credit:listing_detail", args=[listed.pk])).content.decode()
    assert reverse("admin:core_timelimitrule_change", args=[buffer.pk]) in html
    html = get(client, owner, reverse("credit:repair_detail", args=[repair.pk])).content.decode()
    assert "repair_acceptance" in html


def test_office_staff_open_their_cases_documents_and_not_another_offices(client, listed, owner, outsider):
    from core.documents import documents_for

    documents = list(documents_for(listed))
    assert documents and all(d.office_id == listed.office_id for d in documents)
    for document in documents:
        get(client, owner, reverse("core:document_print", args=[document.pk]))
        get(client, owner, reverse("core:document_docx", args=[document.pk]))
        get(client, outsider, reverse("core:document_print", args=[document.pk]), status=404)


def test_dashboard_counts_repairs_decided_on_time(listed, repair, owner, colleague, office_a):
    from credit.repair import repair_accept, repair_decide, repair_review

    on = repair.applied_on
    case = repair_accept(case=repair, by=owner, on=on)
    case = repair_review(case=case, by=owner, on=on, opinion="已办理住所变更登记")
    case = repair_decide(case=case, by=colleague, on=on + timedelta(days=1), repaired=True, reason="符合条件")

    def fact(key, office=None):
        return next(f for f in dashboard_facts(on.year)
                    if (f.block, f.key, f.office_id, f.month) == ("repair", key, office, None))
    assert fact("decided").value == 1 and fact("decided_on_time").value == 1
    assert fact("decided_on_time", office_a.pk).value == 1
    RepairCase.objects.filter(pk=case.pk).update(decision_due=case.decided_on - timedelta(days=1))
    assert fact("decided").value == 1 and fact("decided_on_time").value == 0


def test_member_department_reads_the_repair_results_shared_with_it(client, listed, repair, owner, colleague, outsider):
    from credit.repair import repair_accept, repair_decide, repair_effect, repair_notify, repair_review, repair_share
    from tests.factories import make_department

    tax, court = make_department("member", "泉港区税务局"), make_department("member", "泉港区人民法院")
    on = repair.applied_on
    case = repair_accept(case=repair, by=owner, on=on)
    case = repair_review(case=case, by=owner, on=on, opinion="内部审查意见不外传")
    case = repair_decide(case=case, by=colleague, on=on, repaired=True, reason="符合条件")
    case = repair_effect(case=case, by=owner, on=on)
    case = repair_notify(case=case, by=owner, on=on, channel="sms")
    repair_share(case=case, by=owner, on=on, departments=[tax], note="请同步解除联合惩戒")
    tax_user = make_user(username="taxclerk", department=tax)
    court_user = make_user(username="courtclerk", department=court)
    html = get(client, tax_user, reverse("credit:repair_shared_list")).content.decode()
    assert case.number in html and listed.entity.name in html and "准予修复" in html and "请同步解除联合惩戒" in html
    assert "内部审查意见不外传" not in html and reverse("credit:repair_shared_list") in html  # in the nav
    response = get(client, tax_user, reverse("credit:repair_shared_export") + "?q=" + listed.entity.name[:4])
    data = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert len(rows) == 2 and rows[1][0] == case.number
    html = get(client, court_user, reverse("credit:repair_shared_list")).content.decode()
    assert case.number not in html and "暂无共享给本单位" in html
    get(client, owner, reverse("credit:repair_shared_list"), status=403)
    get(client, tax_user, reverse("credit:repair_detail", args=[case.pk]), status=403)
