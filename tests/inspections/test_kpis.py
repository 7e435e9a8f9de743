"""The five KPIs of DESIGN.md §5, counted by hand on a small year, per district and per office, with their records,
targets as data, and the pre-draw preview's effect on the year's figures."""
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from credit.models import RiskDomain
from inspections import services
from inspections.choices import Kpi
from inspections.models import Draw, KpiTarget, Plan, SpotCheck
from inspections.selectors import kpi_coverage, kpi_differentiated, kpis, target_for, task_preview
from tests.inspections.conftest import YEAR, draw_now, make_task

pytestmark = pytest.mark.django_db

LAST = YEAR - 1
EVERYONE = {"ratio_a": Decimal("1"), "ratio_b": Decimal("1"), "ratio_c": Decimal("1"), "ratio_d": Decimal("1"),
            "ratio_u": Decimal("1")}


def on(month, day):
    return date(LAST, month, day)


@pytest.fixture
def year_of_work(item, section_dept, district, section_user, owner, office_a):
    """Last year's plan: a differentiated task drawing all 60 entities, results in every state."""
    plan = Plan.objects.create(year=LAST, name=f"{LAST} 年度计划")
    task = make_task(plan, [item], section_dept, name="全覆盖任务", exclude_recent_months=None,
                     deadline=on(6, 30), **EVERYONE)
    draw = draw_now(task, by=section_user)
    Draw.objects.filter(pk=draw.pk).update(drawn_at=timezone.make_aware(timezone.datetime(LAST, 2, 1, 9, 0)))
    checks = list(SpotCheck.objects.filter(draw=draw).select_related("entity", "draw", "task").order_by("walk_order"))

    def record(check, code, day, findings=""):
        check = services.check_submit_result(spot_check=check, result_code=code, findings=findings,
                                             checked_on=day, by=owner)
        return check

    def approve(check):
        return services.check_review(spot_check=check, approve=True, note="", by=section_user)

    for n in range(10):
        approve(record(checks[n], "1", on(3, 1)))
    services.checks_publish(ids=[c.pk for c in checks[0:6]], published_on=on(3, 10), by=section_user)
    services.checks_publish(ids=[c.pk for c in checks[6:8]], published_on=on(6, 1), by=section_user)
    problems = [approve(record(checks[n], "A", on(3, 2), "未公示年报")) for n in (10, 11, 12)]
    for check, close in ((problems[0], True), (problems[1], False)):
        follow_up = services.follow_up_open(spot_check=check, measure="rectification", deadline=on(4, 1), note="",
                                            by=owner)
        if close:
            services.follow_up_close(follow_up=follow_up, completed_on=on(3, 20), note="已改正", by=owner)
    approve(record(checks[13], "1", on(7, 15)))
    record(checks[14], "1", on(3, 1))
    return {"plan": plan, "task": task, "checks": checks}


def test_the_five_figures_by_hand(year_of_work):
    results = {r.kpi: r for r in kpis(LAST)}
    assert (results[Kpi.COVERAGE].numerator, results[Kpi.COVERAGE].denominator) == (15, 60)
    assert (results[Kpi.ON_TIME].numerator, results[Kpi.ON_TIME].denominator) == (13, 60)
    assert (results[Kpi.PUBLICITY].numerator, results[Kpi.PUBLICITY].denominator) == (6, 14)
    assert (results[Kpi.FOLLOW_UP].numerator, results[Kpi.FOLLOW_UP].denominator) == (1, 3)
    assert (results[Kpi.DIFFERENTIATED].numerator, results[Kpi.DIFFERENTIATED].denominator) == (60, 60)
    coverage = results[Kpi.COVERAGE]
    assert coverage.rate == Decimal("0.2500") and coverage.met and coverage.shortfall == 0
    on_time = results[Kpi.ON_TIME]
    assert on_time.target == Decimal("1") and not on_time.met and on_time.shortfall == 47
    assert results[Kpi.PUBLICITY].shortfall == 8 and results[Kpi.FOLLOW_UP].shortfall == 2


def test_each_figure_lists_the_records_behind_it(year_of_work):
    checks = year_of_work["checks"]
    results = {r.kpi: r for r in kpis(LAST)}
    publicity = results[Kpi.PUBLICITY]
    assert set(publicity.hits.values_list("pk", flat=True)) == {c.pk for c in checks[0:6]}
    assert set(publicity.records.values_list("pk", flat=True)) == {c.pk for c in checks[0:14]}
    follow_up = results[Kpi.FOLLOW_UP]
    assert list(follow_up.hits.values_list("pk", flat=True)) == [checks[10].pk]
    late = results[Kpi.ON_TIME].records.exclude(pk__in=results[Kpi.ON_TIME].hits.values("pk"))
    assert checks[13].pk in set(late.values_list("pk", flat=True))
    assert set(results[Kpi.COVERAGE].hits.values_list("pk", flat=True)) == {c.entity_id for c in checks[0:15]}


def test_figures_per_office(year_of_work, office_a):
    checks = year_of_work["checks"]
    mine = [c for c in checks[0:15] if c.entity.office_id == office_a.pk]
    coverage = kpi_coverage(LAST, office_a)
    assert (coverage.numerator, coverage.denominator) == (len(mine), 30)


def test_differentiated_share_leaves_out_professional_domain_tasks(year_of_work, item, section_dept, office_a):
    plan = year_of_work["plan"]
    uniform = make_task(plan, [item], section_dept, name="统一比例任务", sampling="uniform", ratio=Decimal("1"),
                        exclude_recent_months=None, population_filter={"offices": [office_a.code]},
                        ratio_a=None, ratio_b=None, ratio_c=None, ratio_d=None, ratio_u=None)
    draw_now(uniform)
    domain = RiskDomain.objects.first() or RiskDomain.objects.create(code="food", name="食品")
    professional = make_task(plan, [item], section_dept, name="食品专项", sampling="uniform", domain=domain,
                             ratio=Decimal("1"), exclude_recent_months=None, ratio_a=None, ratio_b=None,
                             ratio_c=None, ratio_d=None, ratio_u=None)
    draw_now(professional)
    result = kpi_differentiated(LAST)
    assert (result.numerator, result.denominator) == (60, 90)
    assert result.rate == Decimal("0.6667") and not result.met and result.shortfall == 3  # ceil(0.7 × 90) − 60


def test_targets_are_data_per_year():
    assert target_for(2023, Kpi.COVERAGE) == Decimal("0.035")
    assert target_for(2030, Kpi.DIFFERENTIATED) == Decimal("0.70")  # the latest earlier year's
    services.kpi_target_set(year=2030, kpi=Kpi.COVERAGE, target=Decimal("0.04"), basis="2030 年计划", by=None)
    assert target_for(2030, Kpi.COVERAGE) == Decimal("0.04") and target_for(2029, Kpi.COVERAGE) == Decimal("0.035")
    assert KpiTarget.objects.filter(year=2023).count() == 5


def test_the_preview_shows_population_sample_sizes_and_the_years_figures(task, district):
    preview = task_preview(task)
    by_class = {s["class"]: s for s in preview.strata}
    assert preview.population == 60 and sum(s["population"] for s in preview.strata) == 60
    assert by_class["U"]["population"] == 12 and by_class["U"]["sample"] == 4  # ceil(12 × 0.3)
    assert preview.sample == sum(s["sample"] for s in preview.strata)
    assert preview.differentiated_after == Decimal("1.0000")
    assert preview.coverage_now.denominator == 60 and preview.expected_enterprises == preview.sample
    assert preview.pool_size == 6


def test_the_kpi_pages(client, year_of_work, section_user, owner, office_a):
    client.force_login(section_user)
    page = client.get(reverse("inspections:kpi_overview") + f"?year={LAST}").content.decode()
    assert "按时完成率" in page and "还差 47 户" in page and office_a.name in page
    records = client.get(reverse("inspections:kpi_records", args=["on_time"]) + f"?year={LAST}&show=missing")
    assert records.status_code == 200 and year_of_work["checks"][13].entity.name in records.content.decode()
    client.force_login(owner)
    mine = client.get(reverse("inspections:kpi_overview") + f"?year={LAST}").content.decode()
    assert office_a.name in mine and "各市场监管所" not in mine
