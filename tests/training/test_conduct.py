"""行风建设: "1+X" plans, inspections, findings rectified and closed; who may manage and who may read."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.choices import AuditAction, Role
from core.models import AuditLog
from tests.factories import make_department, make_user
from training import services
from training.choices import FindingStatus, PlanKind
from training.models import ConductFinding, ConductInspection, ConductPlan
from training.selectors import conduct_summary

TODAY = timezone.localdate()


@pytest.fixture
def plan(discipline_user):
    return services.conduct_plan_create(data={
        "year": 2023, "kind": PlanKind.SPECIAL, "title": "中秋国庆节日市场监管作风专项督查", "topic": "节日市场监管",
        "starts_on": date(2023, 9, 1), "ends_on": date(2023, 10, 31), "description": "结合节日市场检查开展",
    }, by=discipline_user)


@pytest.fixture
def inspection(plan, office_a, discipline_user):
    return services.conduct_inspection_create(plan=plan, data={
        "office": office_a, "department": None, "inspected_on": date(2023, 9, 20), "summary": "抽查窗口服务和执法记录",
    }, inspectors=[discipline_user], by=discipline_user)


@pytest.fixture
def finding(inspection, owner, discipline_user):
    return services.conduct_finding_create(inspection=inspection, data={
        "problem": "执法记录仪未全程开启", "requirement": "组织全所学习执法全过程记录制度", "responsible": owner,
        "deadline": date(2023, 10, 20)}, by=discipline_user)


def test_a_finding_is_tracked_to_closure_and_every_step_is_audited(finding, discipline_user):
    services.conduct_finding_rectify(finding=finding, rectified_on=date(2023, 10, 18),
                                     note="已组织学习并逐台检查记录仪", by=discipline_user)
    finding.refresh_from_db()
    assert (finding.status, finding.rectified_on) == (FindingStatus.RECTIFIED, date(2023, 10, 18))
    services.conduct_finding_close(finding=finding, closed_on=date(2023, 10, 25), note="现场复查到位",
                                   by=discipline_user)
    finding.refresh_from_db()
    assert (finding.status, finding.closed_on, finding.closed_by) == (FindingStatus.CLOSED, date(2023, 10, 25),
                                                                      discipline_user)
    actions = list(AuditLog.objects.for_object(finding).order_by("at", "id").values_list("action", "changes"))
    assert [a for a, _ in actions] == [AuditAction.CREATE, AuditAction.STATUS, AuditAction.STATUS]
    assert actions[1][1]["status"] == ["待整改", "已整改"] and actions[2][1]["status"] == ["已整改", "已销号"]


def test_transitions_are_guarded_against_double_submission(finding, discipline_user):
    with pytest.raises(ValidationError, match="只有“已整改”的问题可以销号"):
        services.conduct_finding_close(finding=finding, closed_on=date(2023, 10, 25), note="x", by=discipline_user)
    services.conduct_finding_rectify(finding=finding, rectified_on=date(2023, 10, 18), note="已整改",
                                     by=discipline_user)
    with pytest.raises(ValidationError, match="已不是“待整改”状态"):
        services.conduct_finding_rectify(finding=finding, rectified_on=date(2023, 10, 18), note="已整改",
                                         by=discipline_user)
    assert AuditLog.objects.for_object(finding).filter(action=AuditAction.STATUS).count() == 1


def test_a_rejected_rectification_goes_back_to_pending_with_the_reason(finding, discipline_user):
    services.conduct_finding_rectify(finding=finding, rectified_on=date(2023, 10, 18), note="已学习",
                                     by=discipline_user)
    services.conduct_finding_reject(finding=finding, reason="未见学习记录", by=discipline_user)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.PENDING and finding.rectified_on is None
    assert "已学习" in finding.rectification_note and "退回】未见学习记录" in finding.rectification_note


def test_dates_must_make_sense(finding, inspection, discipline_user, owner):
    with pytest.raises(ValidationError, match="整改完成日期不能早于督查日期"):
        services.conduct_finding_rectify(finding=finding, rectified_on=date(2023, 9, 1), note="x", by=discipline_user)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.conduct_finding_rectify(finding=finding, rectified_on=TODAY + timedelta(days=3), note="x",
                                         by=discipline_user)
    with pytest.raises(ValidationError, match="请填写整改情况"):
        services.conduct_finding_rectify(finding=finding, rectified_on=date(2023, 10, 1), note=" ", by=discipline_user)
    with pytest.raises(ValidationError) as exc_info:
        services.conduct_finding_create(inspection=inspection, data={
            "problem": "另一个问题", "requirement": "x", "responsible": owner, "deadline": date(2023, 9, 1)},
            by=discipline_user)
    assert "整改期限不能早于督查日期" in str(exc_info.value)
    with pytest.raises(ValidationError) as exc_info:
        services.conduct_inspection_create(plan=inspection.plan, data={
            "office": inspection.office, "department": None, "inspected_on": date(2023, 12, 1), "summary": "x"},
            inspectors=[discipline_user], by=discipline_user)
    assert "督查日期须在督查计划的起止日期内" in str(exc_info.value)


def test_an_inspection_names_exactly_one_unit(plan, office_a, discipline_user):
    section = make_department(name="信用监管股")
    for office, department in [(None, None), (office_a, section)]:
        with pytest.raises(ValidationError, match="选择且只选择一个"):
            services.conduct_inspection_create(plan=plan, data={
                "office": office, "department": department, "inspected_on": date(2023, 9, 5), "summary": "x"},
                inspectors=[discipline_user], by=discipline_user)
    inspection = services.conduct_inspection_create(plan=plan, data={
        "office": None, "department": section, "inspected_on": date(2023, 9, 5), "summary": "股室作风"},
        inspectors=[discipline_user], by=discipline_user)
    assert inspection.unit == section


def test_a_double_submitted_inspection_is_refused(client, discipline_user, plan, office_a):
    client.force_login(discipline_user)
    data = {"office": office_a.pk, "department": "", "inspected_on": "2023-09-20", "summary": "窗口服务",
            "inspectors": [discipline_user.pk]}
    url = reverse("training:conduct_inspection_create", args=[plan.pk])
    assert client.post(url, data).status_code == 302
    html = client.post(url, data).content.decode()
    assert "请勿重复提交" in html
    assert ConductInspection.objects.count() == 1


def test_overdue_findings_are_red_on_the_tracking_list(client, leader, inspection, owner, discipline_user):
    late = services.conduct_finding_create(inspection=inspection, data={
        "problem": "办事指南未更新", "requirement": "更新", "responsible": owner,
        "deadline": date(2023, 10, 1)}, by=discipline_user)
    in_time = services.conduct_finding_create(inspection=inspection, data={
        "problem": "意见箱未定期开启", "requirement": "每周开启", "responsible": owner,
        "deadline": TODAY + timedelta(days=30)}, by=discipline_user)
    assert late.is_overdue and not in_time.is_overdue
    client.force_login(leader)
    html = client.get(reverse("training:conduct_finding_list")).content.decode()
    row_late = html[html.index("办事指南未更新") - 400:html.index("办事指南未更新")]
    row_ok = html[html.index("意见箱未定期开启") - 400:html.index("意见箱未定期开启")]
    assert 'class="row-overdue"' in row_late and 'class="row-overdue"' not in row_ok
    html = client.get(reverse("training:conduct_finding_list"), {"overdue": "on"}).content.decode()
    assert "办事指南未更新" in html and "意见箱未定期开启" not in html


def test_summary_counts_findings_by_state(finding, inspection, owner, discipline_user):
    services.conduct_finding_rectify(finding=finding, rectified_on=date(2023, 10, 1), note="x", by=discipline_user)
    services.conduct_finding_close(finding=finding, closed_on=date(2023, 10, 2), note="x", by=discipline_user)
    services.conduct_finding_create(inspection=inspection, data={
        "problem": "台账不全", "requirement": "补全", "responsible": owner, "deadline": date(2023, 10, 30)},
        by=discipline_user)
    s = conduct_summary(2023)
    assert (s["plans"], s["inspections"], s["total"], s["pending"], s["closed"], s["overdue"]) == (1, 1, 2, 1, 1, 1)
    assert str(s["closure_rate"]) == "50.0"


def test_discipline_walks_a_finding_through_the_pages(client, discipline_user, finding):
    client.force_login(discipline_user)
    url = reverse("training:conduct_finding_detail", args=[finding.pk])
    assert "登记整改情况" in client.get(url).content.decode()
    client.post(reverse("training:conduct_finding_rectify", args=[finding.pk]),
                {"rectified_on": "2023-10-10", "note": "已整改"})
    html = client.get(url).content.decode()
    assert "核查销号" in html and "退回重新整改" in html
    client.post(reverse("training:conduct_finding_close", args=[finding.pk]),
                {"closed_on": "2023-10-12", "note": "复查通过"})
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED
    html = client.post(reverse("training:conduct_finding_close", args=[finding.pk]),
                       {"closed_on": "2023-10-12", "note": "再来一次"}, follow=True).content.decode()
    assert "只有“已整改”的问题可以销号" in html


@pytest.mark.parametrize("who", ["discipline_user", "admin_user", "superuser"])
def test_discipline_and_admins_manage_conduct(client, request, who, inspection):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("training:conduct_plan_create")).status_code == 200
    assert client.get(reverse("training:conduct_inspection_create", args=[inspection.plan_id])).status_code == 200
    assert client.get(reverse("training:conduct_inspection_detail", args=[inspection.pk])).status_code == 200


def test_leadership_reads_but_does_not_write(client, leader, finding):
    client.force_login(leader)
    urls = (reverse("training:conduct_plan_list"),
            reverse("training:conduct_plan_detail", args=[finding.inspection.plan_id]),
            reverse("training:conduct_inspection_detail", args=[finding.inspection_id]),
            reverse("training:conduct_finding_list"),
            reverse("training:conduct_finding_detail", args=[finding.pk]))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert "登记整改情况" not in response.content.decode()
    assert client.get(reverse("training:conduct_plan_create")).status_code == 403
    assert client.post(reverse("training:conduct_finding_rectify", args=[finding.pk]),
                       {"rectified_on": "2023-10-10", "note": "x"}).status_code == 403
    finding.refresh_from_db()
    assert finding.status == FindingStatus.PENDING


@pytest.mark.parametrize("who", ["owner", "section_user"])
def test_other_roles_may_not_open_conduct_pages(client, request, who, finding):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("training:conduct_plan_list")).status_code == 403
    assert client.get(reverse("training:conduct_finding_detail", args=[finding.pk])).status_code == 403
    assert ">行风建设</a>" not in client.get(reverse("home")).content.decode()


def test_plan_list_filters_and_empty_state(client, leader, plan):
    client.force_login(leader)
    assert plan.title in client.get(reverse("training:conduct_plan_list"), {"kind": "special"}).content.decode()
    html = client.get(reverse("training:conduct_plan_list"), {"kind": "general"}).content.decode()
    assert plan.title not in html and "没有符合条件的督查计划" in html


def test_finding_export_is_audited(client, leader, finding):
    client.force_login(leader)
    response = client.get(reverse("training:conduct_finding_export"))
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, actor=leader).exists()


@pytest.fixture
def many_findings(discipline_user, office_a, office_b, owner):
    for n in range(6):
        plan = ConductPlan.objects.create(year=2023, kind=PlanKind.GENERAL, title=f"常态化监督第{n}期",
                                          topic="结合双随机抽查", starts_on=date(2023, 1, 1),
                                          ends_on=date(2023, 12, 31), created_by=discipline_user)
        for office in (office_a, office_b):
            inspection = ConductInspection.objects.create(plan=plan, office=office, inspected_on=date(2023, 3, n + 1),
                                                          summary="x", created_by=discipline_user)
            inspection.inspectors.add(discipline_user, make_user(Role.DISCIPLINE))
            for k in range(3):
                ConductFinding.objects.create(inspection=inspection, problem=f"问题{n}-{k}", requirement="改",
                                              responsible=owner, deadline=date(2023, 4, 1), created_by=discipline_user)


@pytest.mark.parametrize("url_name", ["training:conduct_plan_list", "training:conduct_finding_list"])
def test_conduct_lists_have_a_bounded_number_of_queries(client, leader, many_findings, url_name,
                                                        django_assert_max_num_queries):
    client.force_login(leader)
    client.get(reverse(url_name))
    with django_assert_max_num_queries(12):
        assert client.get(reverse(url_name)).status_code == 200


def test_plan_detail_queries_do_not_grow_with_inspections(client, leader, many_findings,
                                                          django_assert_max_num_queries):
    client.force_login(leader)
    plan = ConductPlan.objects.first()
    client.get(reverse("training:conduct_plan_detail", args=[plan.pk]))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("training:conduct_plan_detail", args=[plan.pk])).status_code == 200


def test_the_inspection_forms_list_staff_and_keep_the_current_inspectors(client, discipline_user, inspection, owner):
    client.force_login(discipline_user)
    html = client.get(reverse("training:conduct_inspection_create", args=[inspection.plan_id])).content.decode()
    assert f'name="inspectors" value="{owner.pk}">' in html and "没有可选择的人员" not in html
    html = client.get(reverse("training:conduct_inspection_update", args=[inspection.pk])).content.decode()
    assert f'name="inspectors" value="{discipline_user.pk}" checked>' in html
    assert f'name="inspectors" value="{owner.pk}">' in html
    client.post(reverse("training:conduct_inspection_update", args=[inspection.pk]), {
        "office": inspection.office_id, "department": "", "inspected_on": "2023-09-20",
        "summary": inspection.summary, "inspectors": [discipline_user.pk, owner.pk]})
    assert set(inspection.inspectors.all()) == {discipline_user, owner}
    log = AuditLog.objects.for_object(inspection).get(action=AuditAction.UPDATE)
    assert log.changes["inspectors"] == [["discipline"], sorted(["discipline", "owner"])]
