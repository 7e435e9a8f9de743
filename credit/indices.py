"""Industry and regional credit indices (行业性、区域性信用指数) per quarter and year.

The formula (version FORMULA_VERSION) is written out in FORMULA_TEXT, which the index page shows as it is:
each component is a score from 0 to 100 (higher is better credit), the index is their weighted average over the
components that can be computed for the group: class structure, complaints, listings, credit repairs and problems
found in spot checks. Each row stores the formula version it was computed with (CreditIndex.formula).

Since 2026-v3 the two "per 100 entities a year" components (complaints, listings) count the 12 months ending at
the period end: a quarter counts itself and the three quarters before it (reaching into the previous year), the year
counts itself; nothing is multiplied up. (2026-v2 counted the quarter and multiplied it by 4, which made the listing
score collapse every third quarter, when the listings for annual reports not filed by 30 June are made.) Repairs and
spot checks count the period itself (a share, not a rate a year).

A year is computed at once: one query counts the classified enterprises per quarter end, office, industry
division and class (the class as of that date: one index probe per enterprise and quarter); one query counts
the entities in business per office and division at the four quarter ends; one query each counts complaints,
listings, repair decisions and recorded spot checks per office, division and quarter (complaints and listings from
the previous year's second quarter on; each period's twelve months are summed in Python).
Sections, divisions and offices are rolled up from those counts in Python.
"""
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr, TruncQuarter

from core.models import Job, Office
from core.services import job_create, job_enqueue, job_progress
from registry.choices import EntityType
from registry.models import Industry, MarketEntity

from .choices import IndexDimension
from .models import Complaint, CreditIndex, EntityRiskClass
from .scoring import SCORED_STATUSES
from .selectors import current_class_subquery

INDEX_JOB_KIND = "credit.indices"
# Version history: 2024-v1 had the class structure (70%) and complaints (30%) only; 2026-v2 adds the listing,
# repair and spot-check components; 2026-v3 counts complaints and listings over the 12 months ending at the period
# end instead of a quarter × 4 (same weights). Stored rows keep the version they were computed with
# (CreditIndex.formula).
FORMULA_VERSION = "2026-v3"
CLASS_POINTS = {"A": 100, "B": 75, "C": 40, "D": 0}
COMPLAINTS_PER_100_PENALTY = 10  # points off the complaint score per complaint per 100 entities in 12 months
LISTINGS_PER_100_PENALTY = 10  # points off the listing score per listing per 100 entities in 12 months
NOT_YET_LIVE: list = []  # every component's source is live since 2026-v2
# The components a row's ``components`` may hold, in the order the tables show them.
COMPONENTS = [("class_score", "分类结构得分"), ("complaint_score", "投诉举报得分"),
              ("listing_score", "列入经营异常名录率得分"), ("repair_score", "信用修复完成率得分"),
              ("problem_score", "抽查发现问题率得分")]
_INTRO = "信用指数满分 100 分，分数越高，说明该行业或辖区的信用状况越好。"
_CLASS = ("期末时已有上级平台通用分类的企业中，A 类每户记 100 分、B 类 75 分、C 类 40 分、D 类 0 分，取平均分。")
_COMPLAINTS = (f"100 分减去“每百户投诉举报件数（按全年折算）× {COMPLAINTS_PER_100_PENALTY}”，最低 0 分。"
               "每百户件数 = 期内受理的投诉举报件数 ÷ 期末在营主体户数 × 100；季度数乘以 4 折算为全年。")
_COMPLAINTS_12M = (f"100 分减去“每百户投诉举报件数 × {COMPLAINTS_PER_100_PENALTY}”，最低 0 分。每百户件数 = "
                   "截至期末的近 12 个月受理的投诉举报件数 ÷ 期末在营主体户数 × 100。季度指数计该季度及此前三个季度"
                   "（跨入上一年度），年度指数计该年度全年，均不再乘以倍数。")
# Since 2026-v2: the weights of the five components, and the two components counted within the period itself.
_WEIGHTS_2026 = {"class_score": Decimal("0.5"), "complaint_score": Decimal("0.2"), "listing_score": Decimal("0.1"),
                 "repair_score": Decimal("0.1"), "problem_score": Decimal("0.1")}
_REPAIRS = ("分项四“信用修复完成率得分”（权重 10%）：期内作出决定的信用修复申请中，准予修复的占比 × 100；"
            "期内没有决定时不计入。")
_PROBLEMS = ("分项五“抽查发现问题率得分”（权重 10%）：100 分减去“期内双随机抽查已录入结果（有效抽取）中"
             "发现问题的占比 × 100”；期内没有检查结果时不计入。")
_AVERAGE = ("信用指数 = 各分项得分 × 权重之和 ÷ 参与计算的权重之和。某一分项无法计算时（如该组没有已分类的企业），"
            "只按其余分项计算。")
_PERIOD = "“期末”指季度或年度的最后一天；在营主体指目前登记状态为存续或歇业、且成立于期末之前的主体。"


@dataclass(frozen=True)
class Formula:
    """One version of the index formula: its weights per component and its text in plain Chinese."""

    version: str
    weights: dict
    text: list
    # True: complaints and listings count the 12 months ending at the period end (2026-v3 on); False: the period
    # itself, a quarter multiplied by 4 (2024-v1, 2026-v2).
    trailing_year: bool = False

    @property
    def components(self) -> list[tuple[str, str]]:
        """(key, label) of the components this version has, in table order."""
        return [(key, label) for key, label in COMPONENTS if key in self.weights]

    def counted_from(self, period: "Period") -> date:
        """The first day of the days a row of this version counts complaints and listings over (to the period end)."""
        return period.twelve_months_start if self.trailing_year else period.start


FORMULAS = {f.version: f for f in (
    Formula("2024-v1", {"class_score": Decimal("0.7"), "complaint_score": Decimal("0.3")}, [
        _INTRO,
        f"分项一“分类结构得分”（权重 70%）：{_CLASS}",
        f"分项二“投诉举报得分”（权重 30%）：{_COMPLAINTS}",
        _AVERAGE,
        "本版本不含列入经营异常名录率、信用修复完成率、抽查发现问题率三个分项（当时数据来源尚未上线），"
        "自公式版本 2026-v2 起纳入。",
        _PERIOD,
    ]),
    Formula("2026-v2", _WEIGHTS_2026, [
        _INTRO,
        f"分项一“分类结构得分”（权重 50%）：{_CLASS}",
        f"分项二“投诉举报得分”（权重 20%）：{_COMPLAINTS}",
        f"分项三“列入经营异常名录率得分”（权重 10%）：100 分减去“每百户列入（标记）件数（按全年折算）× "
        f"{LISTINGS_PER_100_PENALTY}”，最低 0 分；件数为期内列入经营异常名录、标记经营异常状态或"
        "列入严重违法失信名单的记录数。",
        _REPAIRS,
        _PROBLEMS,
        _AVERAGE,
        "公式版本 2024-v1 只有分项一（权重 70%）和分项二（权重 30%）；按旧版本计算的指数保留原结果，"
        "重新计算该年度后按新版本。",
        _PERIOD,
    ]),
    Formula("2026-v3", _WEIGHTS_2026, [
        _INTRO,
        f"分项一“分类结构得分”（权重 50%）：{_CLASS}",
        f"分项二“投诉举报得分”（权重 20%）：{_COMPLAINTS_12M}",
        f"分项三“列入经营异常名录率得分”（权重 10%）：100 分减去“每百户列入（标记）件数 × "
        f"{LISTINGS_PER_100_PENALTY}”，最低 0 分；件数为截至期末的近 12 个月内列入经营异常名录、标记经营异常状态或"
        "列入严重违法失信名单的记录数（期间同分项二），每百户件数 = 件数 ÷ 期末在营主体户数 × 100。",
        _REPAIRS,
        _PROBLEMS,
        _AVERAGE,
        "公式版本 2026-v2 的分项二、分项三只计本季度的件数再乘以 4；年报未报送的列入集中在第三季度，季度得分因此"
        "随季节大起大落，本版本改为截至期末的近 12 个月，权重不变。公式版本 2024-v1 只有分项一（权重 70%）和"
        "分项二（权重 30%）。按旧版本计算的指数保留原结果，重新计算该年度后按本版本。",
        _PERIOD,
    ], trailing_year=True),
)}
FORMULA_TEXT = FORMULAS[FORMULA_VERSION].text


def formula_of(version: str) -> Formula:
    """The formula a stored row was computed with (its CreditIndex.formula); an unknown version says so."""
    return FORMULAS.get(version) or Formula(version, {}, [f"公式版本 {version} 的说明未收录。"])


CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    code: str
    year: int
    quarter: int | None  # None for the year
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.year} 年第 {self.quarter} 季度" if self.quarter else f"{self.year} 年"

    @property
    def twelve_months_start(self) -> date:
        """The first day of the 12 months ending at the period end: the year's 1 January for the fourth quarter and
        the year, the first day of the quarter after this one in the previous year otherwise."""
        if self.quarter is None or self.quarter == 4:
            return date(self.year, 1, 1)
        return date(self.year - 1, 3 * self.quarter + 1, 1)


def _periods_counting(year: int, day: date, trailing: bool) -> list[str]:
    """The codes of the year's periods whose counts include a record of the quarter starting on ``day``: with
    ``trailing``, every quarter of the year whose 12 months reach it (itself and the next three) and the year if
    it is in the year; otherwise its own quarter and the year."""
    k = (day.year - year) * 4 + (day.month - 1) // 3 + 1  # 1..4: the year's quarters; 0, -1, -2: the year before
    if not trailing:
        return [f"{year}Q{k}", str(year)] if 1 <= k <= 4 else []
    return [f"{year}Q{q}" for q in range(max(1, k), min(4, k + 3) + 1)] + ([str(year)] if k >= 1 else [])


def periods_of(year: int) -> list[Period]:
    """The four quarters and the year."""
    ends = [date(year, 3, 31), date(year, 6, 30), date(year, 9, 30), date(year, 12, 31)]
    quarters = [Period(f"{year}Q{q}", year, q, date(year, 3 * q - 2, 1), ends[q - 1]) for q in range(1, 5)]
    return [*quarters, Period(str(year), year, None, date(year, 1, 1), ends[3])]


def _round(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def index_components(counts: dict, population: int, complaints: int, *, listings: int | None = None,
                     decided: int = 0, repaired: int = 0, checked: int = 0, problems: int = 0) -> dict:
    """The components and the index for one group and period (current formula), from its class counts at the period
    end, entities in business then, complaints and listings (None: not counted) of the 12 months ending then, and
    the period's repair decisions and recorded spot checks."""
    classified = sum(counts.get(c, 0) for c in "ABCD")
    class_score = (_round(Decimal(sum(CLASS_POINTS[c] * counts.get(c, 0) for c in "ABCD")) / classified)
                   if classified else None)
    per100 = _round(Decimal(complaints * 100) / population) if population else None
    complaint_score = (_round(max(Decimal(0), 100 - per100 * COMPLAINTS_PER_100_PENALTY))
                       if per100 is not None else None)
    listing_per100 = (_round(Decimal(listings * 100) / population)
                      if population and listings is not None else None)
    listing_score = (_round(max(Decimal(0), 100 - listing_per100 * LISTINGS_PER_100_PENALTY))
                     if listing_per100 is not None else None)
    repair_score = _round(Decimal(repaired * 100) / decided) if decided else None
    problem_score = _round(100 - Decimal(problems * 100) / checked) if checked else None
    scores = {"class_score": class_score, "complaint_score": complaint_score, "listing_score": listing_score,
              "repair_score": repair_score, "problem_score": problem_score}
    used = {k: w for k, w in FORMULAS[FORMULA_VERSION].weights.items() if scores[k] is not None}
    value = _round(sum(scores[k] * w for k, w in used.items()) / sum(used.values())) if used else None
    return {
        "value": value,
        "components": {"counts": {c: counts.get(c, 0) for c in "ABCD"}, "classified": classified,
                       "class_score": str(class_score) if class_score is not None else None,
                       "complaints": complaints, "complaints_per_100": str(per100) if per100 is not None else None,
                       "complaint_score": str(complaint_score) if complaint_score is not None else None,
                       **({} if listings is None else {
                           "listings": listings, "listings_per_100": _text(listing_per100),
                           "listing_score": _text(listing_score), "repairs_decided": decided,
                           "repairs_repaired": repaired, "repair_score": _text(repair_score),
                           "checks": checked, "problems": problems, "problem_score": _text(problem_score)})},
    }


def _text(value) -> str | None:
    return None if value is None else str(value)


def _group_keys(office_id: int, division: str) -> list[tuple[str, str]]:
    return [(IndexDimension.OFFICE, office_id), (IndexDimension.SECTION, division[:1]),
            (IndexDimension.DIVISION, division)]


def _class_counts(quarters: list[Period]):
    """(quarter code, office id, division, class, enterprises) for the classified enterprises in business at each
    quarter end, by their general class as of that date. On PostgreSQL one pass over the enterprises probes the
    class index once per quarter; elsewhere one query per quarter."""
    enterprises = MarketEntity.objects.filter(status__in=SCORED_STATUSES, entity_type=EntityType.ENTERPRISE)
    if connection.vendor != "postgresql":
        for p in quarters:
            rows = (enterprises.filter(established_on__lte=p.end).order_by()
                    .annotate(div=Substr("industry_code", 1, 3), rc=current_class_subquery(on=p.end))
                    .values_list("office_id", "div", "rc").annotate(n=Count("id")))
            yield from ((p.code, office_id, div, rc, n) for office_id, div, rc, n in rows if rc is not None)
        return
    columns = enterprises.order_by().values("id", "office_id", "industry_code", "established_on")  # no sort needed
    entity_sql, entity_params = columns.query.sql_with_params()
    table = EntityRiskClass._meta.db_table
    probes = ", ".join(
        f"(%s, %s::date, (SELECT c.risk_class FROM {table} c WHERE c.entity_id = e.id AND c.domain_id IS NULL "
        f"AND c.classified_on <= %s::date ORDER BY c.classified_on DESC LIMIT 1))" for _ in quarters)
    probe_params = [value for p in quarters for value in (p.code, p.end, p.end)]
    sql = (f"SELECT q.code, e.office_id, substr(e.industry_code, 1, 3), q.rc, count(*) FROM ({entity_sql}) e "
           f"CROSS JOIN LATERAL (VALUES {probes}) AS q(code, quarter_end, rc) "
           f"WHERE q.rc IS NOT NULL AND e.established_on <= q.quarter_end GROUP BY 1, 2, 3, 4")
    with transaction.atomic(), connection.cursor() as cursor:
        # One hash aggregate in memory instead of a sort on disk; the plan is simple, so JIT would only cost time.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, [*entity_params, *probe_params])
        yield from cursor.fetchall()


def compute_year(year: int, *, job: Job | None = None) -> int:
    """Compute and store every index of a year (quarters and year, every dimension); returns the rows written."""
    periods = periods_of(year)
    quarters = periods[:4]
    in_business = MarketEntity.objects.filter(status__in=SCORED_STATUSES).order_by()
    steps = 4
    if job is not None:
        job_progress(job, done=0, total=steps, stage="统计在营主体")

    population: dict = {}  # (period code, dim, key) → entities
    rows = (in_business.annotate(div=Substr("industry_code", 1, 3)).values("office_id", "div")
            .annotate(**{p.code: Count("id", filter=Q(established_on__lte=p.end)) for p in quarters}))
    for row in rows:
        for dim, key in _group_keys(row["office_id"], row["div"]):
            for p in quarters:
                population[(p.code, dim, key)] = population.get((p.code, dim, key), 0) + row[p.code]
    for dim, key in {(d, k) for (_, d, k) in population}:
        population[(str(year), dim, key)] = population.get((quarters[-1].code, dim, key), 0)

    classes: dict = {}  # (period code, dim, key) → {class: enterprises}
    if job is not None:
        job_progress(job, done=1, stage="统计各季度末分类结构")
    for code, office_id, div, risk_class, n in _class_counts(quarters):
        for dim, key in _group_keys(office_id, div):
            bucket = classes.setdefault((code, dim, key), {})
            bucket[risk_class] = bucket.get(risk_class, 0) + n
    for (code, dim, key), bucket in list(classes.items()):
        if code == quarters[-1].code:
            classes[(str(year), dim, key)] = dict(bucket)

    if job is not None:
        job_progress(job, done=2, stage="统计投诉举报")
    # Complaints and listings: each period counts the 12 months ending at its end, so from the previous year's
    # second quarter on; one grouped query per source by quarter, each quarter summed into the periods reaching it.
    since = quarters[0].twelve_months_start
    complaints: dict = {}
    rows = (Complaint.objects.filter(received_on__range=(since, quarters[-1].end),
                                     entity__status__in=SCORED_STATUSES).order_by()
            .annotate(div=Substr("entity__industry_code", 1, 3), q=TruncQuarter("received_on"))
            .values("entity__office_id", "div", "q").annotate(n=Count("id")))
    for row in rows:
        codes = _periods_counting(year, row["q"], trailing=True)
        for dim, key in _group_keys(row["entity__office_id"], row["div"]):
            for code in codes:
                complaints[(code, dim, key)] = complaints.get((code, dim, key), 0) + row["n"]

    # Listings, repair decisions and recorded spot checks per office, division and quarter: one grouped query each.
    from inspections.choices import PROBLEM_CODES
    from inspections.models import SpotCheck
    from inspections.selectors import RECORDED

    from .models import ListingCase, RepairCase

    records: dict = {}  # (period code, dim, key) → {figure: n}
    sources = (  # (records, their day, figures, counted over the 12 months to the period end)
        (ListingCase.objects.filter(listed_on__range=(since, quarters[-1].end)), "listed_on",
         {"listings": Count("id")}, True),
        (RepairCase.objects.filter(decided_on__year=year, repaired__isnull=False), "decided_on",
         {"decided": Count("id"), "repaired": Count("id", filter=Q(repaired=True))}, False),
        (SpotCheck.objects.valid().filter(status__in=RECORDED, checked_on__year=year), "checked_on",
         {"checked": Count("id"), "problems": Count("id", filter=Q(result_code__in=PROBLEM_CODES))}, False),
    )
    for qs, day, figures, trailing in sources:
        rows = (qs.filter(entity__status__in=SCORED_STATUSES).order_by()
                .annotate(div=Substr("entity__industry_code", 1, 3), q=TruncQuarter(day))
                .values("entity__office_id", "div", "q").annotate(**figures))
        for row in rows:
            codes = _periods_counting(year, row["q"], trailing)
            for dim, key in _group_keys(row["entity__office_id"], row["div"]):
                for code in codes:
                    bucket = records.setdefault((code, dim, key), {})
                    for name in figures:
                        bucket[name] = bucket.get(name, 0) + row[name]

    if job is not None:
        job_progress(job, done=3, stage="计算指数")
    offices = {o.pk: (o.code, o.name) for o in Office.objects.all()}
    industries = dict(Industry.objects.filter(level__in=["section", "division"]).values_list("code", "name"))
    by_code = {p.code: p for p in periods}
    indices = []
    for (code, dim, key), entities in population.items():
        period = by_code[code]
        if dim == IndexDimension.OFFICE:
            group_code, group_name = offices[key]
        else:
            group_code, group_name = key, industries.get(key, key)
        figures = index_components(classes.get((code, dim, key), {}), entities, complaints.get((code, dim, key), 0),
                                   **{"listings": 0, **records.get((code, dim, key), {})})
        indices.append(CreditIndex(period=code, year=year, period_end=period.end, dimension=dim,
                                   group_code=group_code, group_name=group_name, value=figures["value"],
                                   components=figures["components"], population=entities, formula=FORMULA_VERSION,
                                   job=job))
    with transaction.atomic():
        CreditIndex.objects.filter(year=year).delete()
        CreditIndex.objects.bulk_create(indices, batch_size=2000)
    return len(indices)


class IndexReport:
    ok = True

    def __init__(self, year: int, rows: int):
        self.year, self.rows = year, rows

    def summary(self) -> str:
        return f"{self.year} 年信用指数计算完成：共 {self.rows} 项（各季度和全年，按行业门类、大类和辖区）。"

    def as_result(self) -> dict:
        return {"year": self.year, "rows": self.rows, "summary": self.summary()}


@transaction.atomic
def indices_compute_queue(*, year: int, by) -> Job:
    """Queue the computation of a year's indices as a job the page follows."""
    from .tasks import compute_indices_task

    job = job_create(kind=INDEX_JOB_KIND, user=by, params={"year": year})
    job_enqueue(job=job, task=compute_indices_task)
    return job


def indices_compute_job(*, job: Job) -> IndexReport:
    year = int(job.params["year"])
    return IndexReport(year, compute_year(year, job=job))
