"""The leadership dashboard's rollups: the five KPIs per office and month, the ABCD distributions and every other
capability's dashboard facts, computed with grouped queries and stored in the summary tables the dashboard reads.

A rollup of a year computes everything and replaces that year's rows in one transaction (an advisory lock keeps
two rollups of the same year from interleaving), so it is idempotent: a rollup killed half-way leaves the previous
figures, and running it again gives the same figures as one that was never interrupted, never counted twice.

The KPIs are counted exactly as inspections.selectors counts them one office at a time (tests compare the two),
but with one query per KPI grouped by office and month. Month rows count the records dated in that month (the
first recorded check of an enterprise, a task's deadline, a result's check date, the start of the first task that
drew an entity — and of the first differentiated one for the numerator); records dated outside the year fold into
its first or last month, so the year row is the sum of the month rows (an entity is counted in one month only).
A district row sums every office and the entities without one. The coverage denominator (enterprises 存续 now) has
no month: each month row carries the office's whole denominator.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, DateField, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.module_loading import import_string

from core.dashboard import Fact
from registry.choices import EntityType, RegistrationStatus
from registry.models import MarketEntity

from .choices import PROBLEM_CODES, STRATA, CheckStatus, FollowUpStatus, Kpi, Sampling
from .models import ClassCount, DashboardBlock, DashboardFact, FollowUp, KpiFigure, Plan, SpotCheck
from .selectors import (
    COMPLETED,
    RECORDED,
    publication_due,
    publication_overdue_before,
    regular_draws,
    target_for,
)

logger = logging.getLogger(__name__)

ROLLUP_JOB_KIND = "kpi_rollup"
KPI_BLOCK, CLASS_BLOCK = "kpis", "classes"
UNAVAILABLE_MESSAGE = "数据来源尚未上线"
# The public names of the five figures in kpi_report's JSON (an interface: do not rename).
REPORT_KEYS = {Kpi.COVERAGE: "sampling_ratio", Kpi.ON_TIME: "on_time_completion", Kpi.PUBLICITY: "publication_rate",
               Kpi.FOLLOW_UP: "follow_up_rate", Kpi.DIFFERENTIATED: "differentiated_share"}


@dataclass(frozen=True)
class Source:
    """A capability's dashboard_facts(year) and the dashboard blocks it fills, with their Chinese titles."""

    provider: str  # dotted path of the function
    blocks: tuple[tuple[str, str], ...]


# Every capability the dashboard shows beside the KPIs, in the order of the page. A provider that cannot be
# imported yet (its capability has not landed) shows its blocks as “数据来源尚未上线”. settings may replace the list
# (DASHBOARD_FACT_SOURCES, same shape).
SOURCES = [
    Source("credit.selectors.dashboard_facts", (("repair", "信用修复"), ("listings", "列入与移出经营异常名录"))),
    Source("annual_reports.selectors.dashboard_facts", (("annual_reports", "年度报告"),)),
    Source("registry.selectors.dashboard_facts", (("unlicensed", "无证无照经营"), ("dereg", "强制注销"))),
    Source("training.selectors.dashboard_facts", (("training", "业务培训"),)),
    Source("inspections.selectors.business_environment_facts", (("business_env", "营商环境（系统计算）"),)),
]


def sources() -> list[Source]:
    return list(getattr(settings, "DASHBOARD_FACT_SOURCES", SOURCES))


def block_titles() -> dict[str, str]:
    titles = {KPI_BLOCK: "双随机抽查五项指标", CLASS_BLOCK: "信用风险分类分布"}
    for source in sources():
        titles.update(dict(source.blocks))
    return titles


# ---------------------------------------------------------------------------------------------------------
# The computation (reads only; shared by the rollup, kpi_report and the benchmark's baseline)
# ---------------------------------------------------------------------------------------------------------

Counts = dict[tuple[int | None, int], list[int]]  # (office id, month) → [numerator, denominator]


def _fold(year: int, y: int, m: int) -> int:
    return 1 if y < year else 12 if y > year else m


def _office_month(rows, year: int, *, dated: bool = True) -> Counts:
    counts: Counts = defaultdict(lambda: [0, 0])
    for row in rows:
        month = _fold(year, row["y"], row["m"]) if dated else row["m"]
        cell = counts[(row["office"], month)]
        cell[0] += row["num"]
        cell[1] += row["den"]
    return counts


def _coverage(year: int) -> tuple[Counts, dict[int | None, int]]:
    """Enterprises by the month of their first recorded check of the year; enterprises 存续 per office."""
    recorded = SpotCheck.objects.valid().filter(status__in=RECORDED, checked_on__year=year,
                                                entity__entity_type=EntityType.ENTERPRISE)
    earlier = recorded.filter(entity_id=OuterRef("entity_id")).filter(
        Q(checked_on__lt=OuterRef("checked_on")) | Q(checked_on=OuterRef("checked_on"), pk__lt=OuterRef("pk")))
    rows = (recorded.filter(~Exists(earlier)).order_by()
            .values(office=F("entity__office_id"), m=ExtractMonth("checked_on"))
            .annotate(num=Count("id"), den=Value(0)))
    counts = _office_month(rows, year, dated=False)
    enterprises = (MarketEntity.objects.filter(entity_type=EntityType.ENTERPRISE, status=RegistrationStatus.ACTIVE)
                   .order_by().values("office_id").annotate(n=Count("id")))
    return counts, {row["office_id"]: row["n"] for row in enterprises}


def _on_time(year: int, today: date) -> Counts:
    due = SpotCheck.objects.valid().filter(task__plan__year=year, task__deadline__lt=today)
    rows = (due.order_by().values(office=F("entity__office_id"), y=ExtractYear("task__deadline"),
                                  m=ExtractMonth("task__deadline"))
            .annotate(den=Count("id"),
                      num=Count("id", filter=Q(status__in=COMPLETED, checked_on__lte=F("task__deadline")))))
    return _office_month(rows, year)


def _publicity(year: int, today: date) -> Counts:
    completed = SpotCheck.objects.valid().filter(status__in=COMPLETED, checked_on__year=year)
    counted = completed.filter(Q(status=CheckStatus.PUBLISHED) | Q(checked_on__lte=publication_overdue_before(today)))
    # The deadline depends only on the check date: at most 366 of them, looked up once on the working-day calendar.
    dates = (counted.filter(status=CheckStatus.PUBLISHED).order_by().values_list("checked_on", flat=True)
             .distinct())
    due = Case(*[When(checked_on=d, then=Value(publication_due(d))) for d in dates], default=Value(None),
               output_field=DateField())
    rows = (counted.order_by().values(office=F("entity__office_id"), m=ExtractMonth("checked_on"))
            .annotate(den=Count("id"), num=Count("id", filter=Q(status=CheckStatus.PUBLISHED, published_on__lte=due))))
    return _office_month(rows, year, dated=False)


def _follow_up(year: int) -> Counts:
    problems = SpotCheck.objects.valid().filter(status__in=RECORDED, checked_on__year=year,
                                                result_code__in=PROBLEM_CODES)
    any_one = FollowUp.objects.filter(spot_check=OuterRef("pk"))
    open_ones = any_one.filter(status=FollowUpStatus.OPEN)
    rows = (problems.order_by().values(office=F("entity__office_id"), m=ExtractMonth("checked_on"))
            .annotate(den=Count("id"), num=Count("id", filter=Q(Exists(any_one)) & ~Q(Exists(open_ones)))))
    return _office_month(rows, year, dated=False)


def _differentiated(year: int) -> Counts:
    """Entities by the month of their first regular draw of the year (the earliest task start, then the lowest id),
    and — for the numerator — by the month of their first differentiated draw: each entity once, so the year is the
    sum of the months. One statement: the two halves, each a grouped query keeping the draws with no earlier one of
    the same entity (NOT EXISTS in the WHERE clause, which PostgreSQL runs as a hash anti-join), joined by UNION ALL.
    (The same test inside two aggregate FILTERs runs as a subplan per check: ten times slower at 100,000 checks.)"""
    zero = Value(0, output_field=IntegerField())
    group = {"office": F("entity__office_id"), "y": ExtractYear("starts"), "m": ExtractMonth("starts")}

    def first_draws(draws):
        earlier = draws.filter(entity_id=OuterRef("entity_id")).filter(
            Q(task__starts_on__lt=OuterRef("starts")) | Q(task__starts_on=OuterRef("starts"), pk__lt=OuterRef("pk")))
        return draws.annotate(starts=F("task__starts_on")).filter(~Exists(earlier)).order_by().values(**group)

    regular = regular_draws(year)
    differentiated = regular.filter(task__sampling=Sampling.DIFFERENTIATED)
    entities = first_draws(regular).annotate(den=Count("id"), num=zero)
    hits = first_draws(differentiated).annotate(den=zero, num=Count("id"))
    return _office_month(entities.union(hits, all=True), year)


def kpi_figures(year: int, *, today: date | None = None) -> list[KpiFigure]:
    """The five figures of a year per office and month, per office and district for the year (unsaved rows)."""
    today = today or timezone.localdate()
    coverage, enterprises = _coverage(year)
    counted = {Kpi.COVERAGE: coverage, Kpi.ON_TIME: _on_time(year, today), Kpi.PUBLICITY: _publicity(year, today),
               Kpi.FOLLOW_UP: _follow_up(year), Kpi.DIFFERENTIATED: _differentiated(year)}
    from core.models import Office

    offices = set(Office.objects.filter(is_active=True).values_list("pk", flat=True))
    offices |= {office for office in enterprises if office is not None}
    figures = []
    for kpi, counts in counted.items():
        target = target_for(year, kpi)
        for office in counts:
            if office[0] is not None:
                offices.add(office[0])
        # (office or None for the district, month or None for the year) → [numerator, denominator]
        cells: dict[tuple[int | None, int | None], list[int]] = defaultdict(lambda: [0, 0])
        for (office, month), (num, den) in counts.items():
            for key in ([(office, month), (office, None)] if office is not None else []) + [(None, month),
                                                                                            (None, None)]:
                cells[key][0] += num
                cells[key][1] += den
        for office in offices:
            cells[(office, None)]  # every office has a year row, even an office with nothing to count
        cells[(None, None)]
        if kpi == Kpi.COVERAGE:  # the denominator is the enterprises 存续 now, the same in every month
            district = sum(enterprises.values())
            for (office, _month), cell in cells.items():
                cell[1] = district if office is None else enterprises.get(office, 0)
        figures += [KpiFigure(year=year, kpi=kpi, office_id=office, month=month, numerator=num, denominator=den,
                              target=target)
                    for (office, month), (num, den) in sorted(cells.items(), key=_cell_order)]
    return figures


def _cell_order(item):
    (office, month), _ = item
    return (office is not None, office or 0, month is not None, month or 0)


def class_counts(year: int) -> list[ClassCount]:
    """The ABCD distribution of the population (存续 entities by their current class, credit.selectors) and of the
    checks drawn by the year's tasks (their class at the draw), per office (unsaved rows)."""
    from credit.selectors import class_distribution

    population = class_distribution(MarketEntity.objects.filter(status=RegistrationStatus.ACTIVE))
    rows = [ClassCount(year=year, scope=ClassCount.POPULATION, office_id=office, risk_class=cls or "U", count=n)
            for (office, cls), n in population.items()]
    drawn = (SpotCheck.objects.valid().filter(task__plan__year=year).order_by()
             .values(office=F("entity__office_id"), cls=F("stratum")).annotate(n=Count("id")))
    rows += [ClassCount(year=year, scope=ClassCount.DRAWN, office_id=row["office"],
                        risk_class=row["cls"] if row["cls"] in STRATA else "U", count=row["n"]) for row in drawn]
    merged: dict[tuple, ClassCount] = {}
    for row in rows:  # an unclassified group may come twice (no class / an unknown letter)
        key = (row.scope, row.office_id, row.risk_class)
        if key in merged:
            merged[key].count += row.count
        else:
            merged[key] = row
    return list(merged.values())


@dataclass
class SourceOutcome:
    blocks: dict[str, str]  # block → title
    status: str
    message: str = ""
    facts: list[DashboardFact] = field(default_factory=list)


def source_facts(year: int, source: Source) -> SourceOutcome:
    """Call one capability's dashboard_facts(year); unavailable when it is not importable yet, failed on an error
    (inside a savepoint, so that the rest of the rollup goes on)."""
    blocks = dict(source.blocks)
    try:
        provider = import_string(source.provider)
    except ImportError:
        return SourceOutcome(blocks, DashboardBlock.UNAVAILABLE, UNAVAILABLE_MESSAGE)
    try:
        with transaction.atomic():
            facts = list(provider(year))
            rows = [_fact_row(year, position, fact) for position, fact in enumerate(facts)]
    except Exception as exc:  # one capability's bug must not take the whole dashboard down
        logger.exception("dashboard facts %s failed for %s", source.provider, year)
        return SourceOutcome(blocks, DashboardBlock.FAILED, f"汇总出错（{type(exc).__name__}），沿用上次数据")
    for row in rows:
        blocks.setdefault(row.block, row.block)
    return SourceOutcome(blocks, DashboardBlock.OK, facts=rows)


def _fact_row(year: int, position: int, fact: Fact) -> DashboardFact:
    if not isinstance(fact, Fact):
        raise TypeError(f"dashboard_facts must return core.dashboard.Fact, got {type(fact).__name__}")
    value = None if fact.value is None else Decimal(fact.value)
    return DashboardFact(year=year, block=fact.block, key=fact.key, label=fact.label, value=value,
                         office_id=fact.office_id, month=fact.month, unit=fact.unit, drill_url=fact.drill_url,
                         position=position)


# ---------------------------------------------------------------------------------------------------------
# The rollup (writes)
# ---------------------------------------------------------------------------------------------------------

def _lock(year: int) -> None:
    """Serialise rollups of one year (PostgreSQL; SQLite serialises every write transaction anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x4B5049, year])


def rollup_year(year: int, *, today: date | None = None, progress: Callable[[str], None] | None = None) -> dict:
    """Recompute one year's dashboard and replace its rows in one transaction; returns what it wrote."""
    report = progress or (lambda stage: None)
    now = timezone.now()
    with transaction.atomic():
        _lock(year)
        report(f"{year} 年：五项指标")
        figures = kpi_figures(year, today=today)
        report(f"{year} 年：风险分类分布")
        classes = class_counts(year)
        outcomes = []
        for source in sources():
            report(f"{year} 年：{'、'.join(title for _, title in source.blocks)}")
            outcomes.append(source_facts(year, source))
        report(f"{year} 年：写入汇总表")
        KpiFigure.objects.filter(year=year).delete()
        KpiFigure.objects.bulk_create(figures)
        ClassCount.objects.filter(year=year).delete()
        ClassCount.objects.bulk_create(classes)
        fresh = [block for o in outcomes if o.status != DashboardBlock.FAILED for block in o.blocks]
        DashboardFact.objects.filter(year=year, block__in=fresh).delete()
        DashboardFact.objects.bulk_create([fact for o in outcomes for fact in o.facts])
        # The blocks' state last: a rollup that stops before this line leaves every row of the year as it was.
        states = {KPI_BLOCK: (DashboardBlock.OK, ""), CLASS_BLOCK: (DashboardBlock.OK, "")}
        for outcome in outcomes:
            for block in outcome.blocks:
                states[block] = (outcome.status, outcome.message)
        previous = {b.block: b for b in DashboardBlock.objects.filter(year=year)}
        DashboardBlock.objects.filter(year=year).delete()
        DashboardBlock.objects.bulk_create([
            DashboardBlock(year=year, block=block, status=status, message=message, attempted_at=now,
                           refreshed_at=(previous[block].refreshed_at if block in previous else None)
                           if status == DashboardBlock.FAILED else now if status == DashboardBlock.OK else None)
            for block, (status, message) in states.items()])
    return {"year": year, "figures": len(figures), "classes": len(classes),
            "facts": sum(len(o.facts) for o in outcomes),
            "unavailable": [b for o in outcomes if o.status == DashboardBlock.UNAVAILABLE for b in o.blocks],
            "failed": [b for o in outcomes if o.status == DashboardBlock.FAILED for b in o.blocks]}


def rollup_years(*, full: bool = False, today: date | None = None) -> list[int]:
    """The years a rollup covers: the current year (and the latest plan's) incrementally; every year with a plan
    or earlier figures in the full nightly run."""
    from .selectors import default_year

    today = today or timezone.localdate()
    years = {today.year, default_year()}
    if full:
        years |= set(Plan.objects.values_list("year", flat=True))
        years |= set(DashboardBlock.objects.values_list("year", flat=True).distinct())
    return sorted(years)


def rollup(*, years: list[int] | None = None, full: bool = False, today: date | None = None,
           progress: Callable[[int, int, str], None] | None = None) -> dict:
    """Roll up the given years (default: rollup_years), one transaction per year."""
    years = years or rollup_years(full=full, today=today)
    stages_per_year = 3 + len(sources())
    total = stages_per_year * len(years)
    done = 0
    results = []

    def step(stage: str):
        nonlocal done
        if progress:
            progress(done, total, stage)
        done += 1

    for year in years:
        results.append(rollup_year(year, today=today, progress=step))
    if progress:
        progress(total, total, "完成")
    return {"years": years, "full": full, "results": results,
            "summary": f"已汇总 {'、'.join(str(y) for y in years)} 年驾驶舱数据"}


def rollup_job_run(*, job) -> dict:
    """The body of a rollup job: its progress on the job's page."""
    from core.services import job_progress

    def progress(done: int, total: int, stage: str):
        job_progress(job, done=done, total=total, stage=stage)

    years = [int(y) for y in job.params.get("years") or []] or None
    return rollup(years=years, full=bool(job.params.get("full")), progress=progress)
