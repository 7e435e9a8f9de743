"""Risk warnings and guidance (draft → approved, export of approved text only) and target lists (rules, scope,
export, contacted marks)."""
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from credit.choices import TextStatus
from credit.models import RiskWarning, TargetEntry, TargetList
from credit.targets import RULES
from registry.choices import RegistrationStatus
from registry.models import StatusChange
from tests.credit.test_scoring import complaint
from tests.factories import make_entity

pytestmark = pytest.mark.django_db

WARNING = {"kind": "warning", "category": "annual_report", "title": "关于按时报送年度报告的提示",
           "audience": "全区各类市场主体", "body": "请于 6 月 30 日前通过国家企业信用信息公示系统报送上一年度报告。"}


def rows_of(response):
    data = b"".join(response.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def test_draft_approve_and_export_only_the_approved_text(client, section_user, leader, owner):
    client.force_login(section_user)
    response = client.post(reverse("credit:warning_new"), WARNING)
    warning = RiskWarning.objects.get()
    assert response.url == reverse("credit:warning_detail", args=[warning.pk])
    client.post(reverse("credit:warning_new"), {**WARNING, "title": "仍是草稿的提示"})
    assert rows_of(client.get(reverse("credit:warning_export"))) == [
        ["类型", "类别", "标题", "面向对象", "正文", "审核日期"]]
    assert client.post(reverse("credit:warning_approve", args=[warning.pk])).status_code == 403

    client.force_login(leader)
    client.post(reverse("credit:warning_approve", args=[warning.pk]))
    warning.refresh_from_db()
    assert warning.status == TextStatus.APPROVED
    client.force_login(owner)  # office staff may export the approved text for publication
    rows = rows_of(client.get(reverse("credit:warning_export")))
    assert len(rows) == 2 and rows[1][2] == "关于按时报送年度报告的提示" and rows[1][0] == "信用风险提示"

    client.force_login(section_user)
    response = client.get(reverse("credit:warning_edit", args=[warning.pk]), follow=True)
    assert "已审核的内容不能修改" in response.content.decode()


def test_a_warning_that_names_a_class_cannot_be_published(client, section_user, leader):
    client.force_login(section_user)
    client.post(reverse("credit:warning_new"), {**WARNING, "body": "经查，某公司为D类（信用风险高）。"})
    warning = RiskWarning.objects.get()
    client.force_login(leader)
    client.post(reverse("credit:warning_approve", args=[warning.pk]))
    response = client.get(reverse("credit:warning_export"))
    from credit.publication import InternalDataError

    with pytest.raises(InternalDataError):
        b"".join(response.streaming_content)


def test_warning_pages_access(client, owner, discipline_user):
    client.force_login(owner)
    assert client.get(reverse("credit:warning_list")).status_code == 200
    assert client.get(reverse("credit:warning_new")).status_code == 403
    client.force_login(discipline_user)
    assert client.get(reverse("credit:warning_list")).status_code == 403
    assert client.get(reverse("credit:target_lists")).status_code == 403


def suspended_since(entity, day):
    entity.status = RegistrationStatus.SUSPENDED
    entity.save()
    change = StatusChange.objects.create(entity=entity, old_status="active", new_status="suspended")
    StatusChange.objects.filter(pk=change.pk).update(
        changed_at=timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time())))


def test_suspension_rule_uses_the_time_limit_table(office_a):
    today = timezone.localdate()
    ending = make_entity(office_a)
    suspended_since(ending, today.replace(year=today.year - 3) + timedelta(days=30))  # ends in about 30 days
    fresh = make_entity(office_a)
    suspended_since(fresh, today - timedelta(days=100))
    found = dict(RULES["suspension_ending"].find({"within_days": 60}))
    assert set(found) == {ending.pk}
    assert "最长 3 年" in found[ending.pk] and "天后期满" in found[ending.pk]


def test_generate_a_list_mark_contacts_and_keep_office_scope(client, section_user, owner, outsider, office_a,
                                                              office_b):
    mine, theirs = make_entity(office_a, phone="13905951234"), make_entity(office_b)
    complaint(mine, timezone.localdate() - timedelta(days=10))
    complaint(theirs, timezone.localdate() - timedelta(days=20))
    client.force_login(owner)
    assert client.post(reverse("credit:target_lists"), {"rule": "recent_complaints"}).status_code == 404
    client.force_login(section_user)
    response = client.post(reverse("credit:target_lists"), {"rule": "recent_complaints", "days": "30"})
    target = TargetList.objects.get()
    assert response.url == reverse("credit:target_list_detail", args=[target.pk])
    assert target.entries.count() == 2 and target.params == {"days": 30}
    response = client.post(reverse("credit:target_lists"), {"rule": "annual_report_missing"}, follow=True)
    assert "数据来源尚未上线，暂不能生成名单" in response.content.decode()

    client.force_login(owner)
    html = client.get(reverse("credit:target_list_detail", args=[target.pk])).content.decode()
    assert mine.name in html and theirs.name not in html and "139****1234" not in html
    entry = target.entries.get(entity=mine)
    client.post(reverse("credit:target_entry_contact", args=[target.pk, entry.pk]),
                {"contacted": "on", "note": "已电话提醒"})
    entry.refresh_from_db()
    assert entry.contacted_at and entry.contacted_by == owner and entry.contact_note == "已电话提醒"
    other = target.entries.get(entity=theirs)
    assert client.post(reverse("credit:target_entry_contact", args=[target.pk, other.pk]),
                       {"contacted": "on"}).status_code == 404  # another office's entity
    rows = rows_of(client.get(reverse("credit:target_list_export", args=[target.pk])))
    assert len(rows) == 2 and rows[1][1] == mine.name and rows[1][7] == "是" and rows[1][3] == "13905951234"

    client.force_login(outsider)
    rows = rows_of(client.get(reverse("credit:target_list_export", args=[target.pk]) + "?state=todo"))
    assert [r[1] for r in rows[1:]] == [theirs.name]


def test_high_risk_individuals_from_the_latest_run(section_user, office_a, django_capture_on_commit_callbacks):
    from credit.models import ModelVersion
    from credit.services import classification_run_queue, target_list_generate
    from tests.credit.test_scoring import shop

    risky = shop(office_a, established=date(2024, 1, 1))
    for day in (1, 2, 3):
        complaint(risky, date(2024, 3, day))
    shop(office_a, established=date(2010, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        classification_run_queue(version=ModelVersion.objects.get(number=1), entity_type="individual",
                                 as_of=date(2024, 6, 30), by=section_user)
    target = target_list_generate(rule="model_high_risk", by=section_user)
    assert list(target.entries.values_list("entity_id", flat=True)) == [risky.pk]
    assert TargetEntry.objects.get().reason.endswith("为 C 类，风险分 40.00")  # 15 (new) + 25 (3 complaints)


def test_warning_and_target_list_pages_have_bounded_queries(client, section_user, office_a, leader,
                                                            django_assert_max_num_queries):
    from credit.services import target_list_generate, text_approve, text_save

    for i in range(12):
        warning = text_save(obj=RiskWarning(), values={**WARNING, "title": f"提示{i}"}, by=section_user)
        if i % 2:
            text_approve(obj=warning, by=leader)
        complaint(make_entity(office_a), timezone.localdate() - timedelta(days=i + 1))
    target = target_list_generate(rule="recent_complaints", by=section_user)
    client.force_login(section_user)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("credit:warning_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("credit:target_list_detail", args=[target.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("credit:target_lists")).status_code == 200
