"""Registration-supervision pages: access by role and office (owner, colleague, outsider), the member department's
scope (only its own requests, 404 for others), every page rendering, exports of the filtered rows, step buttons."""
from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.choices import DepartmentKind
from core.navigation import nav_for
from registry import dereg, three_lists, unlicensed
from registry.supervision_choices import DeregStatus, FeedbackAnswer, MissingKind
from registry.supervision_models import DeregCase, DeregFeedback, InfoNotification
from tests.factories import make_department, make_entity, make_user
from tests.registry.supervision_fixtures import revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(section_user, office_a, office_b, tax, court):
    """A case in each office waiting for feedback from tax (office A) and the court (office B)."""
    a = revoke(make_entity(office_a, name="山腰甲公司"), date(2021, 5, 1))
    b = revoke(make_entity(office_b, name="南埔乙公司"), date(2021, 5, 1))
    created, _ = dereg.candidates_screen(by=section_user, on=date(2025, 3, 3))
    cases = {c.entity_id: c for c in created}
    for case, dept in ((cases[a.pk], tax), (cases[b.pk], court)):
        dereg.case_send_reminder(case=case, sent_on=date(2025, 3, 4), by=section_user)
        dereg.case_request_feedback(case=case, departments=[dept], requested_on=date(2025, 4, 28), by=section_user)
    case_a = unlicensed.case_create(data={
        "office": office_a, "place": "山腰街道驿峰东路 18 号", "operator": "王某", "activity": "餐饮",
        "missing": MissingKind.BOTH, "permit_name": "食品经营许可证", "responsible_department": None,
        "source": "patrol", "discovered_on": date(2025, 5, 6)}, by=section_user)
    notice = unlicensed.notification_send(case=case_a, department=tax, content="请处理", sent_on=date(2025, 5, 7),
                                          by=section_user)
    finding = three_lists.finding_create(data={"entity": a, "source": "routine", "matter": "address",
                                               "description": "住所变更未办理变更登记", "found_on": date(2025, 6, 3)},
                                         by=section_user)
    return {"a": cases[a.pk], "b": cases[b.pk], "unlicensed": case_a, "notice": notice, "finding": finding}


PAGES = ["registry:supervision_home", "registry:dereg_board", "registry:dereg_list", "registry:feedback_list",
         "registry:finding_list", "registry:catalogue", "registry:unlicensed_list", "registry:notification_list",
         "registry:unlicensed_assessment", "registry:joint_action_list"]


@pytest.mark.parametrize("name", PAGES)
def test_every_list_page_renders_for_section_staff(client, section_user, world, name):
    client.force_login(section_user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "登记监管" in response.content.decode()


def test_detail_pages_render(client, section_user, world):
    client.force_login(section_user)
    for url in (world["a"].get_absolute_url(), world["unlicensed"].get_absolute_url(),
                world["notice"].get_absolute_url(), world["finding"].get_absolute_url(),
                reverse("registry:feedback_detail", args=[world["a"].feedback.get().pk])):
        assert client.get(url).status_code == 200, url


def test_office_staff_see_their_office_and_get_404_for_another(client, owner, colleague, outsider, world):
    for user in (owner, colleague):
        client.force_login(user)
        assert client.get(world["a"].get_absolute_url()).status_code == 200
        assert client.get(world["b"].get_absolute_url()).status_code == 404
        board = client.get(reverse("registry:dereg_board")).content.decode()
        assert "山腰甲公司" in board and "南埔乙公司" not in board
    client.force_login(outsider)
    assert client.get(world["a"].get_absolute_url()).status_code == 404
    assert client.get(world["unlicensed"].get_absolute_url()).status_code == 404
    assert client.get(world["finding"].get_absolute_url()).status_code == 404


def test_office_staff_cannot_take_forced_dereg_steps(client, owner, world):
    client.force_login(owner)
    response = client.post(reverse("registry:dereg_terminate", args=[world["a"].pk]), {"reason": "x"})
    assert response.status_code == 403
    assert DeregCase.objects.get(pk=world["a"].pk).status == DeregStatus.FEEDBACK


def test_member_department_sees_only_its_own_requests(client, tax_user, world):
    client.force_login(tax_user)
    page = client.get(reverse("registry:feedback_list")).content.decode()
    assert "山腰甲公司" in page and "南埔乙公司" not in page
    own = world["a"].feedback.get()
    other = world["b"].feedback.get()
    assert client.get(reverse("registry:feedback_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("registry:feedback_detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("registry:feedback_detail", args=[other.pk]),
                       {"answer": "no_objection"}).status_code == 404
    # the bureau's pages are not theirs
    for name in ("registry:dereg_board", "registry:supervision_home", "registry:unlicensed_list",
                 "registry:finding_list", "registry:entity_list"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(world["a"].get_absolute_url()).status_code == 403
    labels = [item["label"] for item in nav_for(tax_user)]
    assert "强制注销征求意见" in labels and "信息抄告" in labels and "登记监管" not in labels
    # their notifications: own one visible, acknowledged and answered
    assert client.get(world["notice"].get_absolute_url()).status_code == 200


def test_member_department_answers_with_an_objection_reason(client, tax_user, world):
    client.force_login(tax_user)
    own = world["a"].feedback.get()
    url = reverse("registry:feedback_detail", args=[own.pk])
    response = client.post(url, {"answer": "objection", "reason": ""})
    assert response.status_code == 200 and "请写明理由" in response.content.decode()
    own.refresh_from_db()
    assert own.status == "pending"
    response = client.post(url, {"answer": "objection", "reason": "尚有欠缴税款 3,200 元"}, follow=True)
    assert "意见已反馈" in response.content.decode()
    own.refresh_from_db()
    assert (own.answer, own.answered_by) == (FeedbackAnswer.OBJECTION, tax_user)


def test_another_member_department_gets_404_for_the_notification(client, court_user, tax_user, world):
    client.force_login(court_user)
    assert client.get(world["notice"].get_absolute_url()).status_code == 404
    assert client.post(reverse("registry:notification_reply", args=[world["notice"].pk]),
                       {"reply": "x"}).status_code == 404
    client.force_login(tax_user)
    client.post(reverse("registry:notification_acknowledge", args=[world["notice"].pk]))
    client.post(reverse("registry:notification_reply", args=[world["notice"].pk]), {"reply": "已责令补办许可"})
    notice = InfoNotification.objects.get()
    assert (notice.status, notice.reply, notice.acknowledged_by) == ("replied", "已责令补办许可", tax_user)


def test_a_section_member_department_user_is_not_a_member_account(client, section_user):
    section = make_department(DepartmentKind.SECTION)
    user = make_user(username="nobody", department=section)
    client.force_login(user)
    assert client.get(reverse("registry:feedback_list")).status_code == 403


def test_leadership_decides_and_section_staff_may_not(client, section_user, leader, world, tax_user):
    case = world["a"]
    dereg.feedback_answer(feedback=case.feedback.get(), answer=FeedbackAnswer.NO_OBJECTION, reason="", by=tax_user)
    dereg.case_notify_statement(case=case, notified_on=date(2025, 5, 20), by=section_user)
    dereg.case_announce(case=case, start=date(2025, 5, 26), media="公示系统", by=section_user)
    client.force_login(section_user)
    assert client.post(reverse("registry:dereg_decide", args=[case.pk]), {"on": "2025-07-28"}).status_code == 403
    client.force_login(leader)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "决定强制注销" in page
    response = client.post(reverse("registry:dereg_decide", args=[case.pk]), {"on": "2025-07-28"}, follow=True)
    assert "已作出强制注销决定" in response.content.decode()
    assert DeregCase.objects.get(pk=case.pk).status == DeregStatus.DECIDED


def test_refused_step_shows_the_chinese_reason_and_changes_nothing(client, section_user, world):
    client.force_login(section_user)
    response = client.post(reverse("registry:dereg_notify", args=[world["a"].pk]), {"on": "2025-05-20"},
                           follow=True)
    assert "尚未反馈意见" in response.content.decode()
    assert DeregCase.objects.get(pk=world["a"].pk).status == DeregStatus.FEEDBACK


def test_exports_hold_exactly_the_filtered_rows(client, section_user, world, office_a):
    client.force_login(section_user)
    response = client.get(reverse("registry:dereg_export"), {"office": office_a.pk})
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.values)
    assert [r[1] for r in rows[1:]] == ["山腰甲公司"]
    response = client.get(reverse("registry:feedback_export"), {"overdue": "true"})
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.values)
    assert len(rows) == 1 + DeregFeedback.objects.filter(status="pending").count()
    for name in ("registry:unlicensed_export", "registry:finding_export", "registry:notification_export"):
        response = client.get(reverse(name))
        rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.values)
        assert len(rows) == 2, name


def test_screening_button_creates_candidates(client, section_user, office_a):
    revoke(make_entity(office_a, name="峰尾丙公司"), date(2020, 1, 2))
    client.force_login(section_user)
    response = client.post(reverse("registry:dereg_screen"), follow=True)
    assert "新增候选 1 户" in response.content.decode()
    assert "峰尾丙公司" in response.content.decode()


def test_board_lists_overdue_feedback_to_chase(client, section_user, world):
    client.force_login(section_user)
    page = client.get(reverse("registry:dereg_board")).content.decode()
    assert "逾期未反馈的成员单位意见" in page
    row = world["a"].feedback.get()
    client.post(reverse("registry:feedback_chase", args=[row.pk]), {"next": reverse("registry:dereg_board")})
    row.refresh_from_db()
    assert row.chase_count == 1


def test_entity_timeline_shows_supervision_events(client, section_user, world):
    client.force_login(section_user)
    page = client.get(reverse("registry:entity_detail", args=[world["a"].entity_id])).content.decode()
    assert "列为强制注销候选" in page and "发出强制注销催告" in page and "登记事项问题" in page


def test_the_board_reads_in_a_fixed_number_of_queries(section_user, world, office_a, django_assert_max_num_queries):
    from registry.supervision_selectors import board

    for i in range(5):
        revoke(make_entity(office_a, name=f"批量公司{i}"), date(2021, 1, 4))
    for case in dereg.candidates_screen(by=section_user, on=date(2025, 3, 3))[0]:
        dereg.case_send_reminder(case=case, sent_on=date(2025, 3, 4), by=section_user)
    with django_assert_max_num_queries(3):
        rows = board(section_user)
    assert len(rows) == 7


def test_catalogue_and_assessment_exports(client, section_user, world):
    client.force_login(section_user)
    response = client.get(reverse("registry:catalogue"), {"year": 2024, "kind": "no_penalty", "export": "1"})
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.values)
    assert rows[0][0] == "年度" and {r[1] for r in rows[1:]} == {"不予处罚"} and len(rows) == 1 + 7
    response = client.get(reverse("registry:unlicensed_assessment"), {"year": 2025, "export": "1"})
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["按市场监管所", "按许可主管部门", "考核口径"]
    district = list(book["按市场监管所"].values)[-1]
    assert district[:3] == ("全区合计", 1, 0)


def test_staff_enter_a_paper_reply_but_leadership_and_departments_cannot(client, section_user, leader, tax_user,
                                                                         world):
    url = reverse("registry:notification_paper_reply", args=[world["notice"].pk])
    for user in (leader, tax_user):
        client.force_login(user)
        assert client.post(url, {"reply": "x", "on": "2025-05-08"}).status_code == 403
    client.force_login(section_user)
    assert "登记部门回复" in client.get(world["notice"].get_absolute_url()).content.decode()
    response = client.post(url, {"reply": "书面回复：已责令停业", "on": "2025-05-06"}, follow=True)
    assert "须在抄告日期与今天之间" in response.content.decode()
    client.post(url, {"reply": "书面回复：已责令停业", "on": "2025-05-12"})
    notice = InfoNotification.objects.get()
    assert (notice.status, notice.replied_on, notice.replied_by) == ("replied", date(2025, 5, 12), section_user)


def test_the_rule_decides_which_departments_are_asked_by_default(tax, court):
    from registry.supervision_forms import FeedbackRequestForm
    from registry.supervision_models import DeregRule

    rule = DeregRule.objects.get(code="forced_dereg_revoked")
    assert set(FeedbackRequestForm(rule=rule).fields["departments"].initial) == {tax, court}  # none set: all
    rule.feedback_departments.set([court])
    assert FeedbackRequestForm(rule=rule).fields["departments"].initial == [court]


def test_batch_reminder_from_the_candidate_list_all_or_none(client, section_user, office_a, owner):
    from core.models import IssuedDocument

    entities = [revoke(make_entity(office_a, name=f"批量候选{i}"), date(2021, 1, 4)) for i in range(3)]
    cases = dereg.candidates_screen(by=section_user, on=date(2025, 3, 3))[0]
    client.force_login(owner)
    assert 'name="cases"' not in client.get(reverse("registry:dereg_list"), {"status": "candidate"}).content.decode()
    assert client.post(reverse("registry:dereg_batch_remind"), {"on": "2025-03-04"}).status_code == 403
    client.force_login(section_user)
    page = client.get(reverse("registry:dereg_list"), {"status": "candidate"}).content.decode()
    assert page.count('name="cases"') == 3
    dereg.case_send_reminder(case=cases[0], sent_on=date(2025, 3, 4), by=section_user)  # one already reminded
    ids = [c.pk for c in cases]
    response = client.post(reverse("registry:dereg_batch_remind"), {"on": "2025-03-05", "cases": ids}, follow=True)
    assert "本批均未发出" in response.content.decode()
    assert DeregCase.objects.filter(status="reminded").count() == 1
    response = client.post(reverse("registry:dereg_batch_remind"), {"on": "2025-03-05", "cases": ids[1:]},
                           follow=True)
    assert "已批量发出催告 2 户" in response.content.decode()
    assert IssuedDocument.objects.filter(title="强制注销催告书").count() == 3
    assert {c.entity for c in cases} == set(entities)


def test_a_chase_reaches_the_department_and_is_listed_on_the_case(client, section_user, tax_user, court_user, world):
    """催办 is not only counted: the department lands on its list, sees the chased request highlighted with the date
    and count, its detail lists the chases; the case lists them; another department sees none of it."""
    row = world["a"].feedback.get()
    dereg.feedback_chase(feedback=row, by=section_user, on=date(2025, 5, 20))
    dereg.chase_overdue_feedback(on=date(2025, 5, 21))  # the daily command: no user
    client.force_login(tax_user)
    landing = client.get(reverse("home"))
    assert landing.status_code == 302 and landing["Location"] == reverse("registry:feedback_list")
    page = client.get(reverse("registry:feedback_list")).content.decode()
    assert "已对本单位 <strong>1</strong> 件逾期未反馈的征求意见催办" in page and "最近一次 2025-05-21" in page
    assert 'class="row-chased"' in page and "催办 2 次" in page and "不发送短信或电子邮件" in page
    detail = client.get(reverse("registry:feedback_detail", args=[row.pk])).content.decode()
    assert "2025-05-20 第 1 次催办" in detail and "2025-05-21 第 2 次催办" in detail
    # A member account's menu holds what is addressed to its department and nothing of the bureau's (its own joint
    # spot checks come from inspections, the repair results shared with it from credit).
    labels = {item["label"] for item in nav_for(tax_user)}
    assert labels == {"首页", "强制注销征求意见", "信息抄告", "我的抽查检查", "信用修复结果"}
    client.force_login(court_user)
    court_page = client.get(reverse("registry:feedback_list")).content.decode()  # its own request, chased once
    assert "山腰甲公司" not in court_page and "南埔乙公司" in court_page and "催办 1 次" in court_page
    client.force_login(section_user)
    case_page = client.get(world["a"].get_absolute_url()).content.decode()
    assert "催办记录" in case_page and "系统每日自动催办" in case_page and str(section_user) in case_page


def test_case_and_board_show_the_time_limit_versions_applied(client, section_user, world):
    client.force_login(section_user)
    page = client.get(world["a"].get_absolute_url()).content.decode()
    assert "适用的时限规则（版本）" in page and "催告期" in page and "成员单位反馈期限" in page
    board_page = client.get(reverse("registry:dereg_board")).content.decode()
    assert "适用时限（版本）" in board_page and "今天生效的时限规则版本" in board_page
