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
from tests.factories import make_entity
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


def uniform_task(plan, item, section_dept, name, **fields):
    return make_task(plan, [item], section_dept, name=name, sampling="uniform", ratio=Decimal("1"),
                     exclude_recent_months=None, ratio_a=None, ratio_b=None, ratio_c=None, ratio_d=None, ratio_u=None,
                     **fields)


@pytest.fixture
def regular_and_professional(year_of_work, item, section_dept, office_a, office_b):
    """After the first task (differentiated, every one of the 60 entities): five new entities of office A, drawn with
    office A's 30 by a uniform task; then three new entities of office B, drawn only by a professional-domain task
    (which draws all 68)."""
    plan = year_of_work["plan"]
    late_a = [make_entity(office_a) for _ in range(5)]
    uniform = uniform_task(plan, item, section_dept, "统一比例任务", population_filter={"offices": [office_a.code]})
    draw_now(uniform)
    only_professional = [make_entity(office_b) for _ in range(3)]
    domain = RiskDomain.objects.first() or RiskDomain.objects.create(code="food", name="食品")
    professional = uniform_task(plan, item, section_dept, "食品专项", domain=domain)
    draw_now(professional)
    return {**year_of_work, "late_a": late_a, "only_professional": only_professional, "uniform": uniform,
            "professional": professional}


def test_differentiated_share_counts_entities_once_outside_professional_domain_tasks(regular_and_professional):
    first = {c.entity_id for c in regular_and_professional["checks"]}
    late_a = {e.pk for e in regular_and_professional["late_a"]}
    assert SpotCheck.objects.filter(task=regular_and_professional["uniform"]).count() == 35
    assert SpotCheck.objects.filter(task=regular_and_professional["professional"]).count() == 68
    result = kpi_differentiated(LAST)
    # 60 + 35 regular checks, but 65 entities: office A's 30 drawn by both regular tasks count once in the
    # denominator and once in the numerator; the 5 drawn only by the uniform task are in the denominator only; the
    # 3 drawn only by the food task are in neither, and the food task's 68 checks add nothing.
    assert (result.numerator, result.denominator) == (60, 65)
    assert set(result.records.values_list("pk", flat=True)) == first | late_a
    assert set(result.hits.values_list("pk", flat=True)) == first
    assert result.rate == Decimal("0.9231") and result.met


def test_differentiated_share_per_office(regular_and_professional, office_a, office_b):
    mine = kpi_differentiated(LAST, office_a)
    assert (mine.numerator, mine.denominator) == (30, 35)
    # Office B's 30 were drawn by the differentiated task and the food task: counted once, through the regular task.
    theirs = kpi_differentiated(LAST, office_b)
    assert (theirs.numerator, theirs.denominator) == (30, 30)
    assert not set(theirs.records.values_list("pk", flat=True)) & {
        e.pk for e in regular_and_professional["only_professional"]}


def test_differentiated_share_falls_short_in_entities(year_of_work, item, section_dept, office_a):
    """Entities drawn only by uniform tasks pull the share below the target: the shortfall is in entities."""
    plan = year_of_work["plan"]
    for _ in range(40):
        make_entity(office_a)
    draw_now(uniform_task(plan, item, section_dept, "统一比例任务", population_filter={"offices": [office_a.code]}))
    draw_now(uniform_task(plan, item, section_dept, "第二批统一比例任务",
                          population_filter={"offices": [office_a.code]}))
    result = kpi_differentiated(LAST)
    assert (result.numerator, result.denominator) == (60, 100)  # the 40 new ones count once, not twice
    assert not result.met and result.shortfall == 10  # ceil(0.7 × 100) − 60


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


def test_the_preview_moves_the_differentiated_share_by_entities_not_drawn_yet(regular_and_professional, item,
                                                                               section_dept, office_a):
    plan = regular_and_professional["plan"]
    # A differentiated task over office A (every class in full): its 35 entities are all drawn already, so the
    # denominator stays; the 5 drawn so far only by the uniform task join the numerator.
    again = make_task(plan, [item], section_dept, name="差异化复查", exclude_recent_months=None,
                      population_filter={"offices": [office_a.code]}, **EVERYONE)
    preview = task_preview(again)
    assert preview.sample == 35
    # All 68 enterprises were drawn this year already: drawing office A again adds none to the coverage.
    assert (preview.drawn_enterprises, preview.expected_enterprises) == (68, 0)
    assert preview.coverage_after == Decimal(68) / preview.coverage_now.denominator
    assert (preview.differentiated_now.numerator, preview.differentiated_now.denominator) == (60, 65)
    assert (preview.differentiated_new_hits, preview.differentiated_new_entities) == (5, 0)
    assert preview.differentiated_after == Decimal("1.0000")
    # A uniform task over the district: only the 3 never drawn by a regular task join, and only the denominator.
    wide = uniform_task(plan, item, section_dept, "统一比例补充任务")
    preview = task_preview(wide)
    assert (preview.differentiated_new_hits, preview.differentiated_new_entities) == (0, 3)
    assert preview.differentiated_after == Decimal("0.8824")  # 60 / 68
    domain = RiskDomain.objects.first()
    food = uniform_task(plan, item, section_dept, "食品专项二", domain=domain)
    preview = task_preview(food)
    assert preview.differentiated_after == preview.differentiated_now.rate == Decimal("0.9231")
    assert (preview.differentiated_new_hits, preview.differentiated_new_entities) == (0, 0)


def test_the_differentiated_records_page_lists_entities_with_the_tasks_that_drew_them(
        client, regular_and_professional, section_user, owner, office_a):
    url = reverse("inspections:kpi_records", args=["differentiated"])
    late = regular_and_professional["late_a"]
    client.force_login(section_user)
    missing = client.get(url, {"year": LAST, "show": "missing"})
    html = missing.content.decode()
    assert missing.status_code == 200 and missing.context["page"].paginator.count == 5
    assert {e.pk for e in missing.context["page"].object_list} == {e.pk for e in late}
    assert "统一比例任务" in html and "共 5 户" in html and "食品专项" not in html
    every = client.get(url, {"year": LAST, "show": "all"})
    assert every.context["page"].paginator.count == 65
    hits = client.get(url, {"year": LAST, "show": "hits", "page": 1}).context
    assert hits["page"].paginator.count == 60
    drawn_twice = next(e for e in hits["page"].object_list if e.office_id == office_a.pk)
    assert [t["name"] for t in drawn_twice.drawn_by] == ["全覆盖任务", "统一比例任务"]
    assert [t["differentiated"] for t in drawn_twice.drawn_by] == [True, False]
    client.force_login(owner)  # office staff: their office's entities only
    mine = client.get(url, {"year": LAST, "show": "all"}).context
    assert mine["page"].paginator.count == 35 and all(e.office_id == office_a.pk for e in mine["page"].object_list)


def test_the_kpi_pages(client, year_of_work, section_user, owner, office_a):
    client.force_login(section_user)
    page = client.get(reverse("inspections:kpi_overview") + f"?year={LAST}").content.decode()
    assert "按时完成率" in page and "还差 47 户" in page and office_a.name in page
    records = client.get(reverse("inspections:kpi_records", args=["on_time"]) + f"?year={LAST}&show=missing")
    assert records.status_code == 200 and year_of_work["checks"][13].entity.name in records.content.decode()
    client.force_login(owner)
    mine = client.get(reverse("inspections:kpi_overview") + f"?year={LAST}").content.decode()
    assert office_a.name in mine and "各市场监管所" not in mine
