"""Clue records: the discipline role only; every other role gets 404 everywhere; every view is logged."""
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.choices import AuditAction, Role
from core.models import AuditLog
from tests.factories import make_user
from training import services
from training.choices import ClueAccess, ClueOutcome, ClueSource, ClueStatus
from training.models import Clue, ClueView

SECRET = "某所副所长节日期间收受辖区企业购物卡"


@pytest.fixture
def clue(discipline_user):
    return services.clue_create(data={"received_on": date(2023, 9, 28), "source": ClueSource.REPORT,
                                      "subject": "某市场监管所", "content": SECRET}, by=discipline_user)


@pytest.fixture
def discipline_superuser(db):
    """A superuser who was also put in the discipline group: still refused (superusers never see clues)."""
    user = make_user(Role.DISCIPLINE, username="root-discipline", is_superuser=True, is_staff=True)
    return user


def _clue_urls(pk):
    return [
        ("get", reverse("training:clue_list"), {}),
        ("get", reverse("training:clue_list") + "?q=购物卡", {}),
        ("get", reverse("training:clue_export"), {}),
        ("get", reverse("training:clue_create"), {}),
        ("post", reverse("training:clue_create"), {"received_on": "2023-10-01", "source": "report",
                                                   "subject": "试探", "content": "试探"}),
        ("get", reverse("training:clue_detail", args=[pk]), {}),
        ("get", reverse("training:clue_update", args=[pk]), {}),
        ("post", reverse("training:clue_update", args=[pk]), {"received_on": "2023-09-28", "source": "report",
                                                              "subject": "改", "content": "改"}),
        ("get", reverse("training:clue_start", args=[pk]), {}),
        ("post", reverse("training:clue_start", args=[pk]), {}),
        ("post", reverse("training:clue_conclude", args=[pk]), {"outcome": "unfounded", "concluded_on": "2023-10-01",
                                                                "note": "x"}),
        ("get", reverse("training:clue_detail", args=[pk + 1000]), {}),
    ]


@pytest.mark.parametrize("who", ["owner", "section_user", "leader", "superuser", "admin_user",
                                 "discipline_superuser"])
def test_every_clue_url_answers_404_to_every_other_role(client, request, who, clue):
    client.force_login(request.getfixturevalue(who))
    for method, url, data in _clue_urls(clue.pk):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (who, method, url, response.status_code)
        assert SECRET not in response.content.decode(errors="ignore")
    clue.refresh_from_db()
    assert (clue.status, clue.subject, Clue.objects.count()) == (ClueStatus.REGISTERED, "某市场监管所", 1)
    assert not ClueView.objects.exists()


@pytest.mark.parametrize("who", ["owner", "section_user", "leader", "superuser", "admin_user"])
def test_other_roles_never_see_a_clue_link_or_count(client, request, who, clue):
    client.force_login(request.getfixturevalue(who))
    for url in (reverse("home"), reverse("training:overview"), reverse("training:conduct_plan_list")):
        response = client.get(url)
        if response.status_code != 200:
            continue
        html = response.content.decode()
        assert "线索" not in html and reverse("training:clue_list") not in html, (who, url)


def test_clue_models_are_not_in_django_admin():
    registered = {m._meta.label for m in admin.site._registry}
    assert "training.Clue" not in registered and "training.ClueView" not in registered


def test_anonymous_is_sent_to_login(client, clue):
    response = client.get(reverse("training:clue_detail", args=[clue.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_discipline_sees_the_list_and_the_nav_entry(client, discipline_user, clue):
    client.force_login(discipline_user)
    html = client.get(reverse("training:clue_list")).content.decode()
    assert clue.number in html and "某市场监管所" in html
    assert ">线索管理</a>" in html


def test_every_view_of_a_clue_is_recorded_with_who_and_when(client, discipline_user, clue):
    colleague = make_user(Role.DISCIPLINE, username="jijian2", full_name="纪检二")
    client.force_login(discipline_user)
    before = timezone.now()
    assert client.get(reverse("training:clue_detail", args=[clue.pk])).status_code == 200
    client.force_login(colleague)
    html = client.get(reverse("training:clue_detail", args=[clue.pk])).content.decode()
    views = list(ClueView.objects.filter(clue=clue).order_by("viewed_at"))
    assert [(v.viewer, v.access) for v in views] == [(discipline_user, ClueAccess.VIEW), (colleague, ClueAccess.VIEW)]
    assert all(before <= v.viewed_at <= timezone.now() for v in views)
    assert views[0].ip == "127.0.0.1"
    # the page shows the log, including the view that produced it
    assert "查阅记录（2 次）" in html and "纪检二" in html
    assert timezone.localtime(views[1].viewed_at).strftime("%Y-%m-%d %H:%M:%S") in html
    assert SECRET in html


def test_opening_the_edit_form_is_recorded_too(client, discipline_user, clue):
    client.force_login(discipline_user)
    client.get(reverse("training:clue_update", args=[clue.pk]))
    assert ClueView.objects.get().access == ClueAccess.EDIT


def test_export_for_discipline_is_audited_and_logged_per_clue(client, discipline_user, clue):
    client.force_login(discipline_user)
    response = client.get(reverse("training:clue_export"))
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)
                .worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == clue.number and rows[1][4] == SECRET
    assert ClueView.objects.get().access == ClueAccess.EXPORT
    log = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert log.actor == discipline_user and log.summary == "导出问题线索清单"


def test_the_audit_trail_names_the_clue_number_but_not_its_content(discipline_user, clue):
    services.clue_update(clue=clue, data={"content": SECRET + "（补充）"}, by=discipline_user)
    services.clue_start_verification(clue=clue, by=discipline_user)
    services.clue_conclude(clue=clue, outcome=ClueOutcome.CONFIRMED, concluded_on=date(2023, 10, 20),
                           note="经核查属实，已移送处理", by=discipline_user)
    logs = AuditLog.objects.for_object(clue)
    assert [log.action for log in logs.order_by("at", "id")] == [
        AuditAction.CREATE, AuditAction.UPDATE, AuditAction.STATUS, AuditAction.STATUS]
    for log in logs:
        text = log.summary + log.target_repr + str(log.changes) + str(log.extra)
        assert clue.number in log.target_repr
        assert "购物卡" not in text and "某市场监管所" not in text and "移送" not in text


def test_clue_numbers_follow_the_year(discipline_user, clue):
    second = services.clue_create(data={"received_on": date(2023, 10, 2), "source": ClueSource.INSPECTION,
                                        "subject": "某股室", "content": "公车私用"}, by=discipline_user)
    assert (clue.number, second.number) == ("XS2023-0001", "XS2023-0002")


def test_clue_transitions_are_guarded(discipline_user, clue):
    with pytest.raises(ValidationError, match="只有“核查中”的线索可以办结"):
        services.clue_conclude(clue=clue, outcome=ClueOutcome.UNFOUNDED, concluded_on=date(2023, 10, 1),
                               note="无", by=discipline_user)
    services.clue_start_verification(clue=clue, by=discipline_user)
    with pytest.raises(ValidationError, match="已不是“已登记”状态"):
        services.clue_start_verification(clue=clue, by=discipline_user)
    with pytest.raises(ValidationError, match="办结日期不能晚于今天"):
        services.clue_conclude(clue=clue, outcome=ClueOutcome.UNFOUNDED,
                               concluded_on=timezone.localdate() + timedelta(days=1), note="无", by=discipline_user)
    services.clue_conclude(clue=clue, outcome=ClueOutcome.UNFOUNDED, concluded_on=date(2023, 10, 1), note="查无实据",
                           by=discipline_user)
    with pytest.raises(ValidationError, match="已办结，不能修改"):
        services.clue_update(clue=clue, data={"subject": "改"}, by=discipline_user)


def test_a_double_submitted_clue_is_refused(client, discipline_user, clue):
    client.force_login(discipline_user)
    html = client.post(reverse("training:clue_create"), {
        "received_on": "2023-09-28", "source": ClueSource.REPORT, "subject": "某市场监管所", "content": "重复"},
    ).content.decode()
    assert "请勿重复提交" in html
    assert Clue.objects.count() == 1


def test_discipline_can_walk_a_clue_to_conclusion_through_the_pages(client, discipline_user):
    client.force_login(discipline_user)
    response = client.post(reverse("training:clue_create"), {
        "received_on": "2023-02-03", "source": ClueSource.INSPECTION, "subject": "某执法中队", "content": "违规吃请"})
    clue = Clue.objects.get()
    assert response.status_code == 302 and response.url == clue.get_absolute_url()
    client.post(reverse("training:clue_start", args=[clue.pk]))
    client.post(reverse("training:clue_conclude", args=[clue.pk]),
                {"outcome": ClueOutcome.PARTLY, "concluded_on": "2023-03-01", "note": "部分属实，已诫勉谈话"})
    clue.refresh_from_db()
    assert (clue.status, clue.outcome, clue.concluded_on) == (ClueStatus.CONCLUDED, ClueOutcome.PARTLY,
                                                              date(2023, 3, 1))


def test_removing_the_discipline_role_removes_access(client, discipline_user, clue):
    discipline_user.groups.remove(Group.objects.get(name=Role.DISCIPLINE.value))
    client.force_login(discipline_user)
    assert client.get(reverse("training:clue_detail", args=[clue.pk])).status_code == 404


def test_clue_list_has_a_bounded_number_of_queries(client, discipline_user, django_assert_max_num_queries):
    for n in range(30):
        services.clue_create(data={"received_on": date(2023, 1, 1) + timedelta(days=n), "source": ClueSource.OTHER,
                                   "subject": f"对象{n}", "content": "内容"}, by=discipline_user)
    client.force_login(discipline_user)
    client.get(reverse("training:clue_list"))
    with django_assert_max_num_queries(8):
        html = client.get(reverse("training:clue_list"), {"sort": "number"}).content.decode()
    assert html.index("XS2023-0001") < html.index("XS2023-0030")


def test_a_clue_found_by_an_inspection_links_to_it(client, discipline_user, office_a):
    plan = services.conduct_plan_create(data={
        "year": 2023, "kind": "general", "title": "常态化监督", "topic": "结合双随机抽查",
        "starts_on": date(2023, 1, 1), "ends_on": date(2023, 12, 31), "description": ""}, by=discipline_user)
    inspection = services.conduct_inspection_create(plan=plan, data={
        "office": office_a, "department": None, "inspected_on": date(2023, 5, 6), "summary": "随机抽查执法过程"},
        inspectors=[discipline_user], by=discipline_user)
    client.force_login(discipline_user)
    assert client.post(reverse("training:clue_create"), {
        "received_on": "2023-05-06", "source": ClueSource.INSPECTION, "inspection": inspection.pk,
        "subject": "某执法人员", "content": "检查中收受礼品"}).status_code == 302
    clue = Clue.objects.get()
    assert clue.inspection == inspection
    html = client.get(clue.get_absolute_url()).content.decode()
    assert reverse("training:conduct_inspection_detail", args=[inspection.pk]) in html
