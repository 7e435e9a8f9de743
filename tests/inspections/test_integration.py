"""Task integration (one joint visit for an entity drawn by several tasks, visits saved) and the yearly A-class
control sample."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.choices import AuditAction
from core.models import AuditLog
from inspections import services
from inspections.models import JointVisit, SpotCheck
from inspections.selectors import control_comparison, integration_candidates, visits_saved
from tests.inspections.conftest import TODAY, YEAR, draw_now, make_item, make_task

pytestmark = pytest.mark.django_db

EVERYONE = {"ratio_a": Decimal("1"), "ratio_b": Decimal("1"), "ratio_c": Decimal("1"), "ratio_d": Decimal("1"),
            "ratio_u": Decimal("1")}


@pytest.fixture
def two_tasks(plan, item, section_dept, district, office_a):
    other_item = make_item(section_dept, code="SC-002")
    for inspector in district["inspectors"]:
        inspector.qualified_items.add(other_item)
    first = make_task(plan, [item], section_dept, name="公示信息抽查", **EVERYONE,
                      population_filter={"offices": [office_a.code]})
    second = make_task(plan, [other_item], section_dept, name="登记事项抽查", **EVERYONE,
                       population_filter={"offices": [office_a.code]})
    draw_now(first)
    draw_now(second)
    return first, second


def test_entities_drawn_by_two_tasks_are_offered_for_merging(plan, two_tasks):
    groups = integration_candidates(plan)
    assert len(groups) == 30 and all(len(g["checks"]) == 2 for g in groups)
    assert {c.task.name for c in groups[0]["checks"]} == {"公示信息抽查", "登记事项抽查"}
    assert integration_candidates(plan, tasks=[two_tasks[0]]) == []


def test_merging_makes_one_visit_and_counts_the_visits_saved(plan, two_tasks, district, section_user):
    group = integration_candidates(plan)[0]
    team = district["inspectors"][:3]
    visit = services.visit_create(checks=group["checks"], team=team, planned_on=TODAY, note="一次上门", by=section_user)
    assert set(SpotCheck.objects.filter(visit=visit).values_list("pk", flat=True)) == {c.pk for c in group["checks"]}
    assert visits_saved(plan) == {"visits": 1, "checks": 2, "saved": 1}
    assert len(integration_candidates(plan)) == 29
    assert AuditLog.objects.filter(action=AuditAction.CREATE, summary__contains="节省 1 次").exists()
    with pytest.raises(ValidationError, match="已并入另一次联合检查"):
        services.visit_create(checks=group["checks"], team=team, planned_on=None, note="", by=section_user)
    services.visit_dissolve(visit=visit, by=section_user)
    assert not JointVisit.objects.exists() and len(integration_candidates(plan)) == 30


def test_a_merge_is_checked(plan, two_tasks, district, section_user):
    groups = integration_candidates(plan)
    team = district["inspectors"][:2]
    with pytest.raises(ValidationError, match="同一市场主体"):
        services.visit_create(checks=[groups[0]["checks"][0], groups[1]["checks"][1]], team=team, planned_on=None,
                              note="", by=section_user)
    with pytest.raises(ValidationError, match="至少选择两项"):
        services.visit_create(checks=groups[0]["checks"][:1], team=team, planned_on=None, note="", by=section_user)
    entity = groups[0]["entity"]
    services.conflict_declare(inspector=team[0], entity=entity, reason="亲属", declared_on=TODAY, by=None)
    with pytest.raises(ValidationError, match="已申报回避"):
        services.visit_create(checks=groups[0]["checks"], team=team, planned_on=None, note="", by=section_user)


def test_the_integration_page_merges(client, plan, two_tasks, district, section_user):
    client.force_login(section_user)
    url = reverse("inspections:integration") + f"?plan={plan.pk}"
    page = client.get(url).content.decode()
    assert "被多个任务抽中、未合并的主体" in page and "合并为一次联合检查" in page
    group = integration_candidates(plan)[0]
    response = client.post(reverse("inspections:visit_create"), {
        "check": [c.pk for c in group["checks"]], "team": [i.pk for i in district["inspectors"][:2]],
        "planned_on": TODAY.isoformat(), "note": "", "next": url})
    assert response.status_code == 302 and response.url == url
    assert "节省上门" in client.get(url).content.decode() and JointVisit.objects.count() == 1
    check = group["checks"][0]
    detail = client.get(reverse("inspections:check_detail", args=[check.pk])).content.decode()
    assert "合并为一次上门" in detail


# ------------------------------------------------------------------------------------------------------------
# The A-class control sample
# ------------------------------------------------------------------------------------------------------------

def test_a_control_sample_draws_a_class_only(plan, item, section_dept, district):
    with pytest.raises(ValidationError) as error:
        make_task(plan, [item], section_dept, kind="control", name="对照", ratio_a=Decimal("0.2"))
    assert "ratio_a" in error.value.message_dict
    control = make_task(plan, [item], section_dept, kind="control", name=f"{YEAR} 年 A 类对照抽样",
                        ratio_a=Decimal("0.5"), ratio_b=Decimal("0"), ratio_c=Decimal("0"), ratio_d=Decimal("0"),
                        ratio_u=Decimal("0"))
    cert = draw_now(control).certificate()
    sizes = {s["class"]: s["sample_size"] for s in cert["strata"]}
    assert sizes["A"] > 0 and sizes["B"] == sizes["C"] == sizes["D"] == sizes["U"] == 0
    assert set(SpotCheck.objects.filter(task=control).values_list("stratum", flat=True)) == {"A"}


def test_the_control_comparison_sets_a_class_problems_beside_the_others(plan, item, section_dept, district, owner):
    control = make_task(plan, [item], section_dept, kind="control", name="对照抽样", ratio_a=Decimal("1"),
                        ratio_b=Decimal("0"), ratio_c=Decimal("0"), ratio_d=Decimal("0"), ratio_u=Decimal("0"))
    draw_now(control)
    regular = make_task(plan, [item], section_dept, name="常规", exclude_recent_months=None, **EVERYONE)
    draw_now(regular)
    for n, check in enumerate(SpotCheck.objects.filter(task=control).select_related("draw")):
        services.check_submit_result(spot_check=check, result_code="A" if n == 0 else "1", findings="问题",
                                     checked_on=TODAY, by=owner)
    for check in SpotCheck.objects.filter(task=regular, stratum="D").select_related("draw"):
        services.check_submit_result(spot_check=check, result_code="D", findings="问题", checked_on=TODAY, by=owner)
    rows = {row["key"]: row for row in control_comparison(YEAR)}
    control_n = SpotCheck.objects.filter(task=control).count()
    assert rows["control"]["checks"] == control_n and rows["control"]["problems"] == 1
    assert rows["D"]["rate"] == Decimal("1.0000") and rows["A"]["checks"] == 0
