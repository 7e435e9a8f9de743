"""The dashboard rollup: each KPI's numerator and denominator on hand-built data with the edge cases, the grouped
figures equal to the per-office selectors, rows replaced per year (idempotent), the ABCD distributions, other
capabilities' facts (unavailable, failing, landed), and kpi_report's JSON."""
import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.dashboard import Fact
from core.workdays import add_workdays
from credit.models import RiskDomain
from credit.services import current_classes_refresh
from inspections import services
from inspections.choices import Kpi
from inspections.models import ClassCount, DashboardBlock, DashboardFact, Draw, KpiFigure, Plan, SpotCheck, Task
from inspections.rollup import REPORT_KEYS, Source, kpi_figures, rollup, rollup_year
from inspections.selectors import kpi as direct_kpi
from inspections.selectors import kpi_month, publication_due
from tests.factories import make_entity
from tests.inspections.conftest import YEAR, draw_now, make_task
from tests.inspections.test_kpis import EVERYONE, LAST, on, uniform_task
from tests.inspections.test_kpis import year_of_work as year_of_work_fixture  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

ONLY_TEST_SOURCES = [
    Source("not_landed_yet.selectors.dashboard_facts", (("ghost", "尚未开发的板块"),)),
    Source("tests.inspections.test_rollup.failing_facts", (("broken", "出错的板块"),)),
    Source("tests.inspections.test_rollup.landed_facts", (("landed", "已上线的板块"),)),
]
FAIL = {"now": False}


def failing_facts(year):
    if FAIL["now"]:
        raise RuntimeError("boom")
    return [Fact("broken", "cases", "案件", 5, unit="件")]


def landed_facts(year):
    return [Fact("landed", "cases", "案件", 12, unit="件", drill_url="/registry/entities/"),
            Fact("landed", "cases", "案件", 7, month=3, unit="件"),
            Fact("landed", "average", "平均用时", Decimal("4.5"), unit="个工作日")]


@pytest.fixture
def last_year(year_of_work_fixture):  # noqa: F811
    """Last year's plan of tests/inspections/test_kpis.py: 60 entities drawn, results in every state."""
    return year_of_work_fixture


def draw_back_then(task, month: int):
    """Draw a task of last year as if drawn then (results may not predate their draw)."""
    draw = draw_now(task)
    Draw.objects.filter(pk=draw.pk).update(drawn_at=timezone.make_aware(timezone.datetime(LAST, month, 1, 9, 0)))
    return draw


def stored(year, kpi, office=None):
    row = KpiFigure.objects.get(year=year, kpi=kpi, office=office, month=None)
    return row.numerator, row.denominator


def assert_rollup_equals_selectors(year, offices):
    for kpi in Kpi.values:
        for office in (None, *offices):
            expected = direct_kpi(year, kpi, office)
            assert stored(year, kpi, office) == (expected.numerator, expected.denominator), (kpi, office)
            months = KpiFigure.objects.filter(year=year, kpi=kpi, office=office, month__isnull=False)
            assert sum(m.numerator for m in months) == expected.numerator
            if kpi != Kpi.COVERAGE:
                assert sum(m.denominator for m in months) == expected.denominator


@pytest.fixture
def edge_cases(last_year, item, section_dept, office_a, owner, section_user):
    """Last year's work plus the issue's edge cases."""
    checks = last_year["checks"]
    due = publication_due(on(3, 1))
    services.checks_publish(ids=[checks[8].pk], published_on=due, by=section_user)  # on its 20th working day
    services.checks_publish(ids=[checks[9].pk], published_on=add_workdays(due, 1), by=section_user)  # a day late
    open_one = checks[11].follow_ups.get(status="open")  # opened in the year, closed in January of the next
    services.follow_up_close(follow_up=open_one, completed_on=date(LAST + 1, 1, 15), note="次年办结", by=owner)
    plan = last_year["plan"]
    second = make_task(plan, [item], section_dept, name="第二批统一比例任务", sampling="uniform", ratio=Decimal("1"),
                       exclude_recent_months=None, population_filter={"offices": [office_a.code]},
                       starts_on=on(5, 1), deadline=on(9, 30), ratio_a=None, ratio_b=None, ratio_c=None,
                       ratio_d=None, ratio_u=None)
    draw_back_then(second, 4)
    first_checked = next(c for c in checks[0:10] if c.entity.office_id == office_a.pk)
    again = SpotCheck.objects.get(task=second, entity=first_checked.entity)
    services.check_submit_result(spot_check=again, result_code="1", findings="", checked_on=on(5, 10), by=owner)
    fresh_entity_ids = {c.entity_id for c in checks[0:15]}
    fresh = SpotCheck.objects.filter(task=second).exclude(entity_id__in=fresh_entity_ids).order_by("walk_order")[0]
    services.check_submit_result(spot_check=fresh, result_code="1", findings="", checked_on=on(5, 11), by=owner)
    domain = RiskDomain.objects.first() or RiskDomain.objects.create(code="food", name="食品")
    professional = make_task(plan, [item], section_dept, name="食品专项", sampling="uniform", domain=domain,
                             ratio=Decimal("1"), exclude_recent_months=None, ratio_a=None, ratio_b=None,
                             ratio_c=None, ratio_d=None, ratio_u=None, starts_on=on(6, 1), deadline=on(8, 31))
    draw_back_then(professional, 5)
    return {**last_year, "second": second, "professional": professional, "again": again, "fresh": fresh}


def test_each_kpi_counted_by_hand_with_the_edge_cases(edge_cases, office_a, office_b):
    rollup_year(LAST)
    # 抽查比例: 15 enterprises checked in the first task; the one checked again by the second task counts once,
    # the one only the second task checked adds one.
    assert stored(LAST, Kpi.COVERAGE) == (16, 60)
    # 公示率: the result published on its 20th working day is on time, the one a working day later is not.
    assert stored(LAST, Kpi.PUBLICITY) == (7, 14)
    # 后续处置率: the follow-up closed in January of the next year counts for the year of its check.
    assert stored(LAST, Kpi.FOLLOW_UP) == (2, 3)
    # 按时完成率: every check of the year's tasks whose deadline has passed (60 + 30 + 60).
    assert stored(LAST, Kpi.ON_TIME) == (13, 150)
    # 差异化占比, in entities: the 60 drawn by the differentiated task; office A's 30 drawn again by the uniform task
    # count once; the food task's 60 checks are outside the share.
    assert stored(LAST, Kpi.DIFFERENTIATED) == (60, 60)
    assert_rollup_equals_selectors(LAST, [office_a, office_b])


def test_month_rows_follow_the_records_dates(edge_cases):
    rollup_year(LAST)
    march = KpiFigure.objects.get(year=LAST, kpi=Kpi.COVERAGE, office=None, month=3)
    may = KpiFigure.objects.get(year=LAST, kpi=Kpi.COVERAGE, office=None, month=5)
    july = KpiFigure.objects.get(year=LAST, kpi=Kpi.COVERAGE, office=None, month=7)
    assert (march.numerator, march.denominator) == (14, 60) and (may.numerator, may.denominator) == (1, 60)
    assert july.numerator == 1  # checked on 15 July
    june = KpiFigure.objects.get(year=LAST, kpi=Kpi.ON_TIME, office=None, month=6)
    assert (june.numerator, june.denominator) == (13, 60)  # the first task's deadline is 30 June
    # 差异化占比 by the start of the task that first drew each entity: all in January (the second task, from May,
    # drew no entity for the first time).
    assert differentiated_months() == {1: (60, 60)}


@pytest.fixture
def drawn_again(last_year, item, section_dept, office_a, office_b):
    """Last year's first task (differentiated, the 60 entities, from 1 January), then: a food task from 1 February
    drawing everyone, three entities of office B among them that nothing else draws; a uniform task from 1 March
    drawing office A's 30 and five new entities of office A; a differentiated task from 1 May drawing the same 35."""
    plan = last_year["plan"]
    domain = RiskDomain.objects.first() or RiskDomain.objects.create(code="food", name="食品")
    late_a = [make_entity(office_a) for _ in range(5)]
    only_food = [make_entity(office_b) for _ in range(3)]
    food = uniform_task(plan, item, section_dept, "食品专项", domain=domain, starts_on=on(2, 1), deadline=on(11, 30))
    draw_back_then(food, 1)
    uniform = uniform_task(plan, item, section_dept, "三月统一比例任务", population_filter={"offices": [office_a.code]},
                           starts_on=on(3, 1), deadline=on(11, 30))
    draw_back_then(uniform, 2)
    again = make_task(plan, [item], section_dept, name="五月差异化任务", exclude_recent_months=None,
                      population_filter={"offices": [office_a.code]}, starts_on=on(5, 1), deadline=on(11, 30),
                      **EVERYONE)
    draw_back_then(again, 4)
    return {**last_year, "late_a": late_a, "only_food": only_food, "food": food, "uniform": uniform, "again": again}


def differentiated_months(office=None):
    return {f.month: (f.numerator, f.denominator) for f in KpiFigure.objects.filter(
        year=LAST, kpi=Kpi.DIFFERENTIATED, office=office, month__isnull=False) if f.numerator or f.denominator}


def test_differentiated_share_month_rows_count_each_entity_once(drawn_again, office_a, office_b):
    assert SpotCheck.objects.filter(task=drawn_again["food"]).count() == 68
    rollup_year(LAST)
    # The denominator in the month of an entity's first regular draw (the food task's February never counts), the
    # numerator in the month of its first differentiated draw: office A's five new entities join the denominator in
    # March (uniform task) and the numerator in May; office A's 30, drawn three times, count once, in January.
    assert differentiated_months() == {1: (60, 60), 3: (0, 5), 5: (5, 0)}
    assert differentiated_months(office_a) == {1: (30, 30), 3: (0, 5), 5: (5, 0)}
    assert differentiated_months(office_b) == {1: (30, 30)}
    # The year row is the distinct count, the sum of the month rows, and what the selector counts.
    assert stored(LAST, Kpi.DIFFERENTIATED) == (65, 65)
    assert stored(LAST, Kpi.DIFFERENTIATED, office_a) == (35, 35)
    assert stored(LAST, Kpi.DIFFERENTIATED, office_b) == (30, 30)
    assert_rollup_equals_selectors(LAST, [office_a, office_b])


def test_differentiated_share_dates_outside_the_year_fold_into_its_last_month(drawn_again, office_a, office_b):
    Task.objects.filter(pk=drawn_again["again"].pk).update(starts_on=date(LAST + 1, 2, 1),
                                                            deadline=date(LAST + 1, 3, 31))
    rollup_year(LAST)
    assert differentiated_months() == {1: (60, 60), 3: (0, 5), 12: (5, 0)}
    assert stored(LAST, Kpi.DIFFERENTIATED) == (65, 65)
    assert_rollup_equals_selectors(LAST, [office_a, office_b])


def test_a_rollup_replaces_the_years_rows_and_never_counts_twice(edge_cases, office_a, office_b, owner):
    rollup_year(LAST)
    first = sorted(KpiFigure.objects.filter(year=LAST).values_list("kpi", "office", "month", "numerator",
                                                                     "denominator"), key=str)
    classes = sorted(ClassCount.objects.filter(year=LAST).values_list("scope", "office", "risk_class", "count"),
                     key=str)
    rollup_year(LAST)
    rollup_year(LAST)
    assert sorted(KpiFigure.objects.filter(year=LAST).values_list("kpi", "office", "month", "numerator",
                                                                    "denominator"), key=str) == first
    assert sorted(ClassCount.objects.filter(year=LAST).values_list("scope", "office", "risk_class", "count"),
                  key=str) == classes
    # A record that changes after the rollup shows at the next one.
    check = edge_cases["checks"][12]
    services.follow_up_close(
        follow_up=services.follow_up_open(spot_check=check, measure="listing", note="", by=owner),
        completed_on=on(4, 1), note="已列入经营异常名录", by=owner)
    assert stored(LAST, Kpi.FOLLOW_UP) == (2, 3)
    rollup_year(LAST)
    assert stored(LAST, Kpi.FOLLOW_UP) == (3, 3)
    assert_rollup_equals_selectors(LAST, [office_a, office_b])


def test_the_rollup_computes_what_it_stores(edge_cases):
    rows = {(f.kpi, f.office_id, f.month): (f.numerator, f.denominator) for f in kpi_figures(LAST)}
    rollup_year(LAST)
    assert {(f.kpi, f.office_id, f.month): (f.numerator, f.denominator)
            for f in KpiFigure.objects.filter(year=LAST)} == rows


def test_the_abcd_distributions(task, district, office_a):
    current_classes_refresh()
    draw_now(task)
    rollup_year(YEAR)
    population = {cls: 0 for cls in "ABCDU"}
    for row in ClassCount.objects.filter(year=YEAR, scope=ClassCount.POPULATION):
        population[row.risk_class] += row.count
    assert population == {"A": 12, "B": 12, "C": 12, "D": 12, "U": 12}  # i % 5 == 0 left unclassified
    drawn = {}
    for row in ClassCount.objects.filter(year=YEAR, scope=ClassCount.DRAWN):
        drawn[row.risk_class] = drawn.get(row.risk_class, 0) + row.count
    by_stratum = {}
    for stratum in SpotCheck.objects.filter(task=task).values_list("stratum", flat=True):
        by_stratum[stratum] = by_stratum.get(stratum, 0) + 1
    assert drawn == by_stratum and sum(drawn.values()) == task.draws.get().sample_size


@override_settings(DASHBOARD_FACT_SOURCES=ONLY_TEST_SOURCES)
def test_other_blocks_unavailable_failing_and_landed(last_year):
    FAIL["now"] = False
    result = rollup_year(LAST)
    assert result["unavailable"] == ["ghost"] and result["failed"] == []
    states = {b.block: b for b in DashboardBlock.objects.filter(year=LAST)}
    assert states["ghost"].status == DashboardBlock.UNAVAILABLE and states["ghost"].message == "数据来源尚未上线"
    assert states["landed"].status == DashboardBlock.OK and states["kpis"].refreshed_at is not None
    landed = DashboardFact.objects.filter(year=LAST, block="landed")
    assert sorted((f.key, f.month or 0, f.value) for f in landed) == [
        ("average", 0, Decimal("4.5")), ("cases", 0, Decimal(12)), ("cases", 3, Decimal(7))]
    broken_at = states["broken"].refreshed_at
    FAIL["now"] = True
    try:
        result = rollup_year(LAST)
    finally:
        FAIL["now"] = False
    assert result["failed"] == ["broken"]
    broken = DashboardBlock.objects.get(year=LAST, block="broken")
    assert broken.status == DashboardBlock.FAILED and broken.refreshed_at == broken_at  # the last good figures stay
    assert DashboardFact.objects.get(year=LAST, block="broken").value == 5
    assert DashboardFact.objects.filter(year=LAST, block="landed").count() == 3  # replaced, not added


def test_the_training_and_register_facts_land_in_their_blocks(last_year):
    from training.models import HoursRequirement

    HoursRequirement.objects.create(year=LAST, hours=Decimal("40"))
    with override_settings(DASHBOARD_FACT_SOURCES=[
            Source("training.selectors.dashboard_facts", (("training", "业务培训"),)),
            Source("inspections.selectors.business_environment_facts", (("business_env", "营商环境"),))]):
        rollup_year(LAST)
    training = {f.key: f for f in DashboardFact.objects.filter(year=LAST, block="training", office=None)}
    assert training["required"].value == Decimal("40") and training["sessions"].value == 0
    assert training["staff"].value == training["behind"].value  # nobody trained yet
    established = DashboardFact.objects.get(year=LAST, block="business_env", key="established", office=None,
                                            month=None)
    assert established.drill_url.startswith("/registry/entities/?established_after=")


def test_incremental_and_full_rollups_cover_their_years(last_year):
    Plan.objects.create(year=LAST - 1, name="前年计划")
    result = rollup()
    assert result["years"] == [LAST, YEAR]  # the current year and the latest plan's (this year has no plan)
    result = rollup(full=True)
    assert result["years"] == [LAST - 1, LAST, YEAR]
    assert DashboardBlock.objects.filter(year=LAST - 1, block="kpis").exists()


def test_kpi_report_prints_the_public_json_shape(edge_cases, office_a, office_b):
    rollup_year(LAST)
    out = StringIO()
    call_command("kpi_report", "--year", str(LAST), "--json", stdout=out)
    data = json.loads(out.getvalue())
    keys = set(REPORT_KEYS.values())
    assert set(data) == {"year", "district", "offices"} and data["year"] == LAST
    assert set(data["district"]) == keys == {"sampling_ratio", "on_time_completion", "publication_rate",
                                              "follow_up_rate", "differentiated_share"}
    assert data["district"]["sampling_ratio"] == {"numerator": 16, "denominator": 60, "value": 16 / 60,
                                                  "target": 0.035}
    assert data["district"]["publication_rate"]["value"] == 0.5
    # In entities: office A's 30 drawn by both regular tasks count once (the 60 + 30 checks are 60 entities).
    assert data["district"]["differentiated_share"] == {"numerator": 60, "denominator": 60, "value": 1.0,
                                                        "target": 0.7}
    assert set(data["offices"]) == {office_a.name, office_b.name}
    for name, office in ((office_a.name, office_a), (office_b.name, office_b)):
        assert set(data["offices"][name]) == keys
        for kpi, key in REPORT_KEYS.items():
            expected = direct_kpi(LAST, kpi, office)
            entry = data["offices"][name][key]
            assert set(entry) == {"numerator", "denominator", "value", "target"}
            assert (entry["numerator"], entry["denominator"]) == (expected.numerator, expected.denominator)
    direct = StringIO()
    call_command("kpi_report", "--year", str(LAST), "--json", "--direct", stdout=direct)
    assert json.loads(direct.getvalue()) == data


def test_rollup_kpis_command(last_year):
    out = StringIO()
    call_command("rollup_kpis", "--year", str(LAST), stdout=out)
    assert f"{LAST} 年：指标" in out.getvalue() and KpiFigure.objects.filter(year=LAST).exists()


def test_every_capability_that_landed_fills_its_blocks(last_year):
    """The providers listed in inspections.rollup.SOURCES, as they are in the repository now."""
    from inspections.rollup import block_titles, sources

    result = rollup_year(LAST)
    assert result["failed"] == [] and result["unavailable"] == [], result  # credit, 年报, registry, training landed
    declared = {block for source in sources() for block, _ in source.blocks}
    states = {b.block: b.status for b in DashboardBlock.objects.filter(year=LAST)}
    for block in declared - set(result["unavailable"]):
        assert states[block] == DashboardBlock.OK, block
    reported = set(DashboardFact.objects.filter(year=LAST).values_list("block", flat=True))
    assert reported <= set(block_titles()), reported - set(block_titles())  # every block has its Chinese title


def assert_months_list_their_records(offices):
    """Every month row of every KPI equals the records the KPI records page lists for that month."""
    checked = 0
    for kpi in Kpi.values:
        for office in (None, *offices):
            for month in range(1, 13):
                row = KpiFigure.objects.filter(year=LAST, kpi=kpi, office=office, month=month).first()
                numerator = row.numerator if row else 0  # a month with nothing to count has no row
                listed = kpi_month(LAST, kpi, office, month)
                assert (listed.numerator, listed.hits.count()) == (numerator, numerator), (kpi, office, month)
                # coverage's denominator has no month: every month row carries the enterprises 存续 now
                denominator = row.denominator if row else listed.denominator if kpi == Kpi.COVERAGE else 0
                assert listed.denominator == listed.records.count() == denominator, (kpi, office, month)
                checked += bool(numerator or denominator)
    assert checked


def test_a_months_records_are_the_months_figures(edge_cases, office_a, office_b):
    rollup_year(LAST)
    assert_months_list_their_records([office_a, office_b])


def test_a_months_records_differentiated_and_folded(drawn_again, office_a, office_b):
    Task.objects.filter(pk=drawn_again["again"].pk).update(starts_on=date(LAST + 1, 2, 1),
                                                            deadline=date(LAST + 1, 3, 31))
    rollup_year(LAST)
    assert differentiated_months() == {1: (60, 60), 3: (0, 5), 12: (5, 0)}
    assert_months_list_their_records([office_a, office_b])


def test_the_records_page_of_a_month_counts_the_dashboards_month(client, edge_cases, leader):
    rollup_year(LAST)
    client.force_login(leader)
    url = reverse("inspections:kpi_records", args=[Kpi.ON_TIME])
    june = KpiFigure.objects.get(year=LAST, kpi=Kpi.ON_TIME, office=None, month=6)
    response = client.get(url, {"year": LAST, "month": 6, "show": "all"})
    assert response.context["page"].paginator.count == june.denominator == 60
    assert f"{LAST} 年 6 月" in response.content.decode()
    response = client.get(url, {"year": LAST, "month": 6, "show": "hits"})
    assert response.context["page"].paginator.count == june.numerator == 13
    url = reverse("inspections:kpi_records", args=[Kpi.COVERAGE])
    march = KpiFigure.objects.get(year=LAST, kpi=Kpi.COVERAGE, office=None, month=3)
    response = client.get(url, {"year": LAST, "month": 3, "show": "hits"})
    assert response.context["page"].paginator.count == march.numerator == 14
    response = client.get(url, {"year": LAST, "month": 3, "show": "all"})  # the denominator has no month
    assert response.context["page"].paginator.count == march.denominator == 60
    response = client.get(url, {"year": LAST, "month": 13, "show": "hits"})  # not a month: the whole year
    assert response.context["page"].paginator.count == KpiFigure.objects.get(
        year=LAST, kpi=Kpi.COVERAGE, office=None, month=None).numerator == 16
    # The dashboard's trend cells link to these pages.
    html = client.get(reverse("inspections:dashboard"), {"year": LAST}).content.decode()
    assert f"{url}?year={LAST}&amp;month=3&amp;show=hits" in html
