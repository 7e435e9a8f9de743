"""Reads of 双随机: lists, the pre-draw preview, the publication queue, task integration, the A-class control
sample, and the five KPIs of DESIGN.md §5 per year and office, each with the records behind it.

The KPIs, as counted here (valid draws only; "office" is the entity's supervising office):
- 抽查比例: enterprises with a result recorded (待审核 or later) dated in the year ÷ enterprises 存续 now.
- 按时完成率: checks of the year's tasks whose deadline has passed, completed (已审核 / 已公示) with a check date
  on or before the deadline ÷ those checks.
- 公示率: completed results of the year whose 20-working-day publication deadline has passed or that are
  published, published by that deadline ÷ those results.
- 后续处置率: results of the year with a problem (PROBLEM_CODES), with at least one follow-up and none open ÷
  those results.
- 差异化抽查户数占比: entities (户数, each counted once however many tasks drew it) drawn by at least one of the
  year's tasks with per-class ratios ÷ entities drawn by any of the year's tasks, both outside professional-domain
  tasks (an entity drawn only by a professional-domain task is in neither).
"""
import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from core.workdays import deadline
from registry.choices import EntityType, RegistrationStatus
from registry.models import MarketEntity

from .choices import (
    PROBLEM_CODES,
    PUBLICITY_RULE,
    STRATA,
    STRATUM_LABELS,
    CheckStatus,
    FollowUpStatus,
    Kpi,
    Sampling,
    TaskKind,
)
from .models import Draw, FollowUp, JointVisit, KpiTarget, Plan, SpotCheck, Task

RECORDED = (CheckStatus.SUBMITTED, CheckStatus.APPROVED, CheckStatus.PUBLISHED)
COMPLETED = (CheckStatus.APPROVED, CheckStatus.PUBLISHED)
DEFAULT_TARGETS = {Kpi.COVERAGE: Decimal("0.035"), Kpi.ON_TIME: Decimal("1"), Kpi.PUBLICITY: Decimal("1"),
                   Kpi.FOLLOW_UP: Decimal("1"), Kpi.DIFFERENTIATED: Decimal("0.70")}


# ---------------------------------------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------------------------------------

def checks_for(user) -> QuerySet:
    """The checks of valid draws a user may see, with what the lists show."""
    return (SpotCheck.objects.for_user(user).valid()
            .select_related("task", "task__plan", "entity", "entity__office", "draw")
            .annotate(open_follow_ups=Count("follow_ups", filter=Q(follow_ups__status=FollowUpStatus.OPEN),
                                            distinct=True),
                      follow_up_count=Count("follow_ups", distinct=True)))


def follow_ups_for(user) -> QuerySet:
    return (FollowUp.objects.filter(spot_check__in=SpotCheck.objects.for_user(user).valid().values("pk"))
            .select_related("spot_check", "spot_check__entity", "spot_check__task", "transfer_to", "opened_by"))


def plan_years() -> list[int]:
    return list(Plan.objects.order_by("-year").values_list("year", flat=True))


def default_year() -> int:
    years = plan_years()
    today = timezone.localdate().year
    return today if today in years or not years else years[0]


# ---------------------------------------------------------------------------------------------------------
# Deadlines
# ---------------------------------------------------------------------------------------------------------

def publication_due(checked_on: date) -> date:
    """The last day to publish a result: 20 working days after the check (core.workdays)."""
    return deadline(PUBLICITY_RULE, checked_on)[0]


def publication_overdue_before(today: date | None = None) -> date:
    """Results checked on or before this date are overdue for publication today (the deadline only moves
    forward with the check date, so the overdue ones are a prefix of the queue)."""
    today = today or timezone.localdate()
    low, high = today - timedelta(days=400), today
    while low < high:  # the largest date whose deadline is before today
        mid = low + timedelta(days=((high - low).days + 1) // 2)
        if publication_due(mid) < today:
            low = mid
        else:
            high = mid - timedelta(days=1)
    return low


def publication_queue(user) -> QuerySet:
    """Reviewed results waiting for publication, the most urgent first (the deadline follows the check date)."""
    return checks_for(user).filter(status=CheckStatus.APPROVED).order_by("checked_on", "id")


# ---------------------------------------------------------------------------------------------------------
# Targets and KPIs
# ---------------------------------------------------------------------------------------------------------

def target_for(year: int, kpi: str) -> Decimal:
    """The year's target, else the latest earlier year's, else the plan's default."""
    row = (KpiTarget.objects.filter(kpi=kpi, year__lte=year).order_by("-year").first()
           or KpiTarget.objects.filter(kpi=kpi).order_by("year").first())
    return row.target if row else DEFAULT_TARGETS[Kpi(kpi)]


@dataclass
class KpiResult:
    """One figure beside its target, with the shortfall in entities and the records behind it."""

    kpi: str
    year: int
    office: object
    numerator: int
    denominator: int
    target: Decimal
    records: QuerySet  # the denominator's records
    hits: QuerySet  # the numerator's records
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return Kpi(self.kpi).label

    @property
    def rate(self) -> Decimal | None:
        if not self.denominator:
            return None
        return (Decimal(self.numerator) / Decimal(self.denominator)).quantize(Decimal("0.0001"))

    @property
    def met(self) -> bool:
        return self.denominator == 0 or Decimal(self.numerator) >= self.target * self.denominator

    @property
    def shortfall(self) -> int:
        """How many more entities (or results) the target needs."""
        return max(0, math.ceil(self.target * self.denominator) - self.numerator)


def kpi_coverage(year: int, office=None) -> KpiResult:
    enterprises = MarketEntity.objects.filter(entity_type=EntityType.ENTERPRISE, status=RegistrationStatus.ACTIVE)
    checked = SpotCheck.objects.valid().filter(status__in=RECORDED, checked_on__year=year,
                                               entity__entity_type=EntityType.ENTERPRISE)
    if office is not None:
        enterprises = enterprises.filter(office=office)
        checked = checked.filter(entity__office=office)
    hits = MarketEntity.objects.filter(Exists(checked.filter(entity=OuterRef("pk"))))
    return KpiResult(Kpi.COVERAGE, year, office, hits.count(), enterprises.count(), target_for(year, Kpi.COVERAGE),
                     records=enterprises, hits=hits, note="年内录入检查结果的企业户数 ÷ 存续企业户数")


def kpi_on_time(year: int, office=None, *, today: date | None = None) -> KpiResult:
    today = today or timezone.localdate()
    due = SpotCheck.objects.valid().filter(task__plan__year=year, task__deadline__lt=today)
    if office is not None:
        due = due.filter(entity__office=office)
    hits = due.filter(status__in=COMPLETED, checked_on__lte=F("task__deadline"))
    return KpiResult(Kpi.ON_TIME, year, office, hits.count(), due.count(), target_for(year, Kpi.ON_TIME),
                     records=due, hits=hits, note="完成期限已过的检查中，按期完成（已审核）的比例")


def kpi_publicity(year: int, office=None, *, today: date | None = None) -> KpiResult:
    today = today or timezone.localdate()
    completed = SpotCheck.objects.valid().filter(status__in=COMPLETED, checked_on__year=year)
    if office is not None:
        completed = completed.filter(entity__office=office)
    cutoff = publication_overdue_before(today)
    counted = completed.filter(Q(status=CheckStatus.PUBLISHED) | Q(checked_on__lte=cutoff))
    on_time_ids = [pk for pk, checked_on, published_on in
                   counted.filter(status=CheckStatus.PUBLISHED).values_list("pk", "checked_on", "published_on")
                   if published_on <= publication_due(checked_on)]
    hits = counted.filter(pk__in=on_time_ids)
    return KpiResult(Kpi.PUBLICITY, year, office, len(on_time_ids), counted.count(), target_for(year, Kpi.PUBLICITY),
                     records=counted, hits=hits, note="应公示的已审核结果中，在检查后 20 个工作日内公示的比例")


def kpi_follow_up(year: int, office=None) -> KpiResult:
    problems = SpotCheck.objects.valid().filter(status__in=RECORDED, checked_on__year=year,
                                                result_code__in=PROBLEM_CODES)
    if office is not None:
        problems = problems.filter(entity__office=office)
    open_ones = FollowUp.objects.filter(spot_check=OuterRef("pk"), status=FollowUpStatus.OPEN)
    any_one = FollowUp.objects.filter(spot_check=OuterRef("pk"))
    hits = problems.filter(Exists(any_one), ~Exists(open_ones))
    return KpiResult(Kpi.FOLLOW_UP, year, office, hits.count(), problems.count(), target_for(year, Kpi.FOLLOW_UP),
                     records=problems, hits=hits, note="发现问题的检查中，后续处置全部办结的比例")


def regular_draws(year: int) -> QuerySet:
    """The valid checks of the year's tasks without a professional domain: what 差异化抽查户数占比 counts."""
    return SpotCheck.objects.valid().filter(task__plan__year=year, task__domain__isnull=True)


def kpi_differentiated(year: int, office=None) -> KpiResult:
    drawn = regular_draws(year)
    entities = MarketEntity.objects.all()
    if office is not None:
        entities = entities.filter(office=office)
    records = entities.filter(Exists(drawn.filter(entity=OuterRef("pk"))))
    hits = entities.filter(Exists(drawn.filter(entity=OuterRef("pk"), task__sampling=Sampling.DIFFERENTIATED)))
    return KpiResult(Kpi.DIFFERENTIATED, year, office, hits.count(), records.count(),
                     target_for(year, Kpi.DIFFERENTIATED), records=records, hits=hits,
                     note="专业领域任务以外，按风险分类差异化比例抽取的户数 ÷ 抽取的户数"
                          "（同一户被多个任务抽中只计一户）")


KPI_FUNCTIONS = {Kpi.COVERAGE: kpi_coverage, Kpi.ON_TIME: kpi_on_time, Kpi.PUBLICITY: kpi_publicity,
                 Kpi.FOLLOW_UP: kpi_follow_up, Kpi.DIFFERENTIATED: kpi_differentiated}


def kpis(year: int, office=None) -> list[KpiResult]:
    """The five figures for a year, district-wide or for one office."""
    return [function(year, office) for function in KPI_FUNCTIONS.values()]


def kpi(year: int, code: str, office=None) -> KpiResult:
    return KPI_FUNCTIONS[Kpi(code)](year, office)


def month_bounds(year: int, month: int) -> tuple[date | None, date | None]:
    """The dates the rollup attributes to a month: records dated outside the year fold into January or December."""
    return (date(year, month, 1) if month > 1 else None, date(year, month + 1, 1) if month < 12 else None)


def _in_month(name: str, year: int, month: int) -> Q:
    low, high = month_bounds(year, month)
    q = Q()
    if low:
        q &= Q(**{f"{name}__gte": low})
    if high:
        q &= Q(**{f"{name}__lt": high})
    return q


def _first_in_month(rows: QuerySet, name: str, year: int, month: int) -> Q:
    """Entities whose first row (by ``name``) of ``rows`` falls in the month: one in it, none before it."""
    low, _ = month_bounds(year, month)
    q = Q(Exists(rows.filter(_in_month(name, year, month), entity=OuterRef("pk"))))
    if low:
        q &= ~Q(Exists(rows.filter(entity=OuterRef("pk"), **{f"{name}__lt": low})))
    return q


def kpi_month(year: int, code: str, office=None, month: int | None = None) -> KpiResult:
    """One figure's records of one month, attributed as the rollup attributes them (inspections.rollup): coverage by
    the enterprise's first recorded check of the year (its denominator has no month: the enterprises 存续 now), on
    time by the task's deadline, publicity and follow-up by the check date, differentiated by the entity's first
    regular draw (numerator: its first differentiated draw). The counts equal the dashboard's month figures."""
    result = kpi(year, code, office)
    if month is None:
        return result
    if code == Kpi.COVERAGE:
        checked = SpotCheck.objects.valid().filter(status__in=RECORDED, checked_on__year=year,
                                                   entity__entity_type=EntityType.ENTERPRISE)
        hits = result.hits.filter(_first_in_month(checked, "checked_on", year, month))
        records, denominator = result.records, result.denominator  # the denominator has no month
    elif code == Kpi.DIFFERENTIATED:
        drawn = regular_draws(year)
        records = result.records.filter(_first_in_month(drawn, "task__starts_on", year, month))
        hits = result.hits.filter(_first_in_month(drawn.filter(task__sampling=Sampling.DIFFERENTIATED),
                                                  "task__starts_on", year, month))
        denominator = records.count()
    else:
        name = "task__deadline" if code == Kpi.ON_TIME else "checked_on"
        records = result.records.filter(_in_month(name, year, month))
        hits = result.hits.filter(_in_month(name, year, month))
        denominator = records.count()
    return replace(result, records=records, hits=hits, numerator=hits.count(), denominator=denominator,
                   extra={**result.extra, "month": month, "year_hits": result.hits})


# ---------------------------------------------------------------------------------------------------------
# Before the draw: population per class, sample sizes, the effect on the year's figures
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Preview:
    strata: list[dict]
    population: int
    sample: int
    exclusions: dict
    coverage_now: KpiResult
    drawn_enterprises: int
    expected_enterprises: int
    coverage_after: Decimal | None
    differentiated_now: KpiResult
    differentiated_after: Decimal | None
    pool_size: int
    # 差异化抽查户数占比 after the draw, in entities: those of the population not drawn yet by a regular task of the
    # year join the denominator; with per-class ratios, those not yet drawn that way join the numerator (expected
    # values: each stratum's k spread evenly over its population).
    differentiated_new_entities: int = 0
    differentiated_new_hits: int = 0


def task_preview(task: Task) -> Preview:
    """What the draw would take now: the population per class, k per class, and the figures it moves."""
    from .algorithm import ratio_text, sample_size
    from .population import freeze
    from .services.draws import freeze_pool

    population = freeze(task, count_enterprises=True)
    ratios = task.stratum_ratios()
    year = task.plan.year
    # Enterprises (存续) already drawn by a valid check of the year: drawing them again adds nothing to the coverage.
    drawn_codes = set(
        MarketEntity.objects.filter(entity_type=EntityType.ENTERPRISE, status=RegistrationStatus.ACTIVE)
        .filter(Exists(SpotCheck.objects.valid().filter(entity=OuterRef("pk"), task__plan__year=year)))
        .values_list("uscc", flat=True))
    strata, total_k, expected = [], 0, Decimal(0)
    for cls in STRATA:
        n = len(population.strata[cls])
        ratio = ratios[cls]
        k = sample_size(n, ratio_text(ratio)) if ratio is not None else 0
        total_k += k
        if n:
            # Expected value: k spread evenly over the stratum, counting only enterprises not drawn yet this year.
            not_drawn_yet = population.enterprises[cls] - len(drawn_codes.intersection(population.strata[cls]))
            expected += Decimal(k) * not_drawn_yet / n
        strata.append({"class": cls, "label": STRATUM_LABELS[cls], "population": n, "ratio": ratio, "sample": k,
                       "enterprises": population.enterprises[cls]})
    reasons: dict[str, int] = {}
    for exclusion in population.exclusions:
        reasons[exclusion["reason"]] = reasons.get(exclusion["reason"], 0) + 1
    coverage = kpi_coverage(year)
    drawn = len(drawn_codes)
    expected_enterprises = round(expected)
    coverage_after = (Decimal(drawn + expected_enterprises) / coverage.denominator).quantize(Decimal("0.0001")) \
        if coverage.denominator else None
    differentiated = kpi_differentiated(year)
    new_entities = new_hits = 0
    if task.is_professional:
        differentiated_after = differentiated.rate
    else:
        sizes = {s["class"]: s["sample"] for s in strata}
        new_entities = _expected_new(population.strata, sizes, differentiated.records)
        if task.sampling == Sampling.DIFFERENTIATED:
            new_hits = _expected_new(population.strata, sizes, differentiated.hits)
        num = differentiated.numerator + new_hits
        den = differentiated.denominator + new_entities
        differentiated_after = (Decimal(num) / den).quantize(Decimal("0.0001")) if den else None
    pool, _ = freeze_pool(task)
    return Preview(strata=strata, population=population.size, sample=total_k, exclusions=reasons,
                   coverage_now=coverage, drawn_enterprises=drawn, expected_enterprises=expected_enterprises,
                   coverage_after=coverage_after, differentiated_now=differentiated,
                   differentiated_after=differentiated_after, pool_size=len(pool),
                   differentiated_new_entities=new_entities, differentiated_new_hits=new_hits)


def _expected_new(strata: dict[str, list[str]], sizes: dict[str, int], already: QuerySet) -> int:
    """How many entities a draw of sizes[class] per stratum is expected to add to `already` (entities): per
    stratum, k × the share of its population not in it yet."""
    counted = set(already.values_list("uscc", flat=True))
    expected = Decimal(0)
    for cls, codes in strata.items():
        if codes and sizes.get(cls):
            fresh = sum(1 for code in codes if code not in counted)
            expected += Decimal(sizes[cls]) * fresh / len(codes)
    return round(expected)


# ---------------------------------------------------------------------------------------------------------
# Task integration and the control sample
# ---------------------------------------------------------------------------------------------------------

def integration_candidates(plan: Plan, *, tasks=None, period: tuple[date, date] | None = None) -> list[dict]:
    """Entities drawn by more than one task of the plan (in the period), with their checks not yet merged."""
    checks = SpotCheck.objects.valid().filter(task__plan=plan, visit__isnull=True)
    if tasks:
        checks = checks.filter(task__in=tasks)
    if period:
        checks = checks.filter(task__starts_on__lte=period[1], task__deadline__gte=period[0])
    multi = checks.values("entity_id").annotate(n=Count("task", distinct=True)).filter(n__gte=2)
    entity_ids = [row["entity_id"] for row in multi]
    grouped: dict[int, list] = {}
    for check in (checks.filter(entity_id__in=entity_ids)
                  .select_related("entity", "entity__office", "task").prefetch_related("assignments__inspector")
                  .order_by("entity__name", "task__starts_on", "id")):
        grouped.setdefault(check.entity_id, []).append(check)
    return [{"entity": group[0].entity, "checks": group} for group in grouped.values()]


def visits_saved(plan: Plan) -> dict:
    """Joint visits made in the plan and the visits they saved (merged checks − 1 per visit)."""
    visits = JointVisit.objects.filter(plan=plan).annotate(n=Count("checks"))
    merged = sum(v.n for v in visits)
    return {"visits": len(visits), "checks": merged, "saved": merged - len(visits)}


def control_comparison(year: int) -> list[dict]:
    """Problem rates of the year's A-class control sample beside the regular checks by risk class."""
    recorded = SpotCheck.objects.valid().filter(task__plan__year=year, status__in=RECORDED)
    rows = []
    control = recorded.filter(task__kind=TaskKind.CONTROL)
    groups = [("control", "A 类对照样本", control)]
    regular = recorded.filter(task__kind=TaskKind.REGULAR)
    groups += [(cls, f"常规抽查 · {STRATUM_LABELS[cls]}", regular.filter(stratum=cls)) for cls in STRATA]
    for key, label, qs in groups:
        figures = qs.aggregate(n=Count("id"), problems=Count("id", filter=Q(result_code__in=PROBLEM_CODES)))
        n, problems = figures["n"], figures["problems"]
        rate = (Decimal(problems) / n).quantize(Decimal("0.0001")) if n else None
        rows.append({"key": key, "label": label, "checks": n, "problems": problems, "rate": rate})
    return rows


def draws_of(task: Task) -> QuerySet:
    return Draw.objects.filter(task=task).select_related("drawn_by", "voided_by").defer("certificate_gz")


# ---------------------------------------------------------------------------------------------------------
# The dashboard: business-environment figures the records support (营商环境, computed)
# ---------------------------------------------------------------------------------------------------------

def business_environment_facts(year: int) -> list:
    """Entities established in the year (per office and per month) and the register's size now: the
    business-environment figures the register supports (core.dashboard.Fact, block "business_env")."""
    from django.db.models.functions import ExtractMonth
    from django.urls import reverse

    from core.dashboard import Fact

    entity_list = reverse("registry:entity_list")
    first, last = date(year, 1, 1), date(year, 12, 31)
    established = (MarketEntity.objects.filter(established_on__gte=first, established_on__lte=last).order_by()
                   .values("office_id", "entity_type", m=ExtractMonth("established_on")).annotate(n=Count("id")))
    by_office: dict = {}
    by_month: dict = {}
    total = enterprises = 0
    for row in established:
        by_office[row["office_id"]] = by_office.get(row["office_id"], 0) + row["n"]
        by_month[row["m"]] = by_month.get(row["m"], 0) + row["n"]
        total += row["n"]
        enterprises += row["n"] if row["entity_type"] == EntityType.ENTERPRISE else 0

    def url(**params) -> str:
        query = {"established_after": first.isoformat(), "established_before": last.isoformat(), **params}
        return entity_list + "?" + "&".join(f"{k}={v}" for k, v in query.items())

    active = MarketEntity.objects.filter(status=RegistrationStatus.ACTIVE).count()
    facts = [
        Fact("business_env", "established", "新设市场主体", total, unit="户", drill_url=url()),
        Fact("business_env", "established_enterprises", "其中新设企业", enterprises, unit="户",
             drill_url=url(entity_type=EntityType.ENTERPRISE)),
        Fact("business_env", "active", "存续市场主体（当前）", active, unit="户",
             drill_url=f"{entity_list}?status={RegistrationStatus.ACTIVE}"),
    ]
    facts += [Fact("business_env", "established", "新设市场主体", n, office_id=office, unit="户",
                   drill_url=url(office=office)) for office, n in sorted(by_office.items()) if office is not None]
    for month, n in sorted(by_month.items()):
        start = date(year, month, 1)
        end = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1))
        facts.append(Fact("business_env", "established", "新设市场主体", n, month=month, unit="户",
                          drill_url=f"{entity_list}?established_after={start}&established_before={end}"))
    return facts
