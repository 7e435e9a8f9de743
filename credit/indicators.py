"""The indicator kinds of the scoring model: what each measures, from which data, and how its value becomes points.

An indicator's contribution is ``weight × factor(value)`` rounded to 0.01, where the factor lies between 0 (no
risk shown) and 1 (the indicator's full weight). Weights and parameters are data on each model version
(credit.ModelIndicator); the computations below are code. A kind whose data source the system does not hold yet
is declared with ``available = False``: it contributes nothing and is shown as 数据来源尚未上线, never guessed.

Every value is taken as of the run's base date (评价基准日): only records dated on or before it count, so a run
can be reproduced later.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Q

from registry.choices import RegistrationStatus

from .choices import IndicatorKind

CENT = Decimal("0.01")
NOT_AVAILABLE = "数据来源尚未上线"
EXCLUDED = "本次评价不计入"


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Kind:
    """An indicator kind: its label, source, parameters with defaults, and how to compute and score it."""

    code: str
    source: str  # where the data comes from, in the bureau's words
    explains: str  # how the value becomes points, in plain Chinese (with {params})
    defaults: dict = field(default_factory=dict)
    available: bool = True
    sparse: Callable | None = None  # (as_of, params, entities) -> {entity_id: value}; absent: 0/None
    factor: Callable | None = None  # (value, params) -> Decimal between 0 and 1
    show: Callable | None = None  # (value, params) -> text

    @property
    def label(self) -> str:
        return IndicatorKind(self.code).label

    def params_with_defaults(self, params: dict | None) -> dict:
        return {**self.defaults, **(params or {})}

    def describe(self, params: dict | None) -> str:
        p = self.params_with_defaults(params)
        if isinstance(p.get("points"), dict):
            p["points"] = "、".join(f"{c} 类 {p['points'].get(c, 0)}" for c in "ABCD")
        return self.explains.format(**p)


# ---- the computations (set-based: one query per indicator for the whole population) -----------------------

def _complaints(as_of: date, params: dict, entities) -> dict[int, int]:
    from .models import Complaint

    qs = Complaint.objects.filter(received_on__gt=years_before(as_of, int(params["years"])), received_on__lte=as_of,
                                  entity__in=entities)
    if params.get("substantiated_only"):
        qs = qs.filter(substantiated=True)
    return dict(qs.order_by().values("entity_id").annotate(n=Count("id")).values_list("entity_id", "n"))


def _suspensions(as_of: date, params: dict, entities) -> dict[int, int]:
    from registry.models import StatusChange

    start = years_before(as_of, int(params["years"]))
    qs = StatusChange.objects.filter(new_status=RegistrationStatus.SUSPENDED, changed_at__date__gt=start,
                                     changed_at__date__lte=as_of, entity__in=entities)
    return dict(qs.order_by().values("entity_id").annotate(n=Count("id")).values_list("entity_id", "n"))


def _worst_class(as_of: date, params: dict, entities) -> dict[int, str]:
    from .models import EntityRiskClass

    qs = EntityRiskClass.objects.filter(classified_on__gt=years_before(as_of, int(params["years"])),
                                        classified_on__lte=as_of, entity__in=entities)
    # "A" < "B" < "C" < "D": the highest letter is the worst class, general or professional.
    return dict(qs.order_by().values("entity_id").annotate(worst=Max("risk_class")).values_list("entity_id", "worst"))


def _listings(as_of: date, params: dict, entities) -> dict[int, int]:
    """Listings and marks in force on the base date or listed within the last years (removed or not)."""
    from .models import ListingCase

    since = years_before(as_of, int(params["years"]))
    in_force_then = Q(closed_on__isnull=True) | Q(closed_on__gt=as_of)  # removal and revocation close the case
    qs = ListingCase.objects.filter(listed_on__isnull=False, listed_on__lte=as_of, entity__in=entities).filter(
        in_force_then | Q(listed_on__gt=since))
    return dict(qs.order_by().values("entity_id").annotate(n=Count("id")).values_list("entity_id", "n"))


def _penalties(as_of: date, params: dict, entities) -> dict[int, int]:
    """Penalty decisions published within the last years, as of the base date; revoked decisions do not count."""
    from .models import PenaltyRecord

    since = years_before(as_of, int(params["years"]))
    qs = PenaltyRecord.objects.filter(published_on__gt=since, published_on__lte=as_of, entity__in=entities).filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=as_of))
    return dict(qs.order_by().values("entity_id").annotate(n=Count("id")).values_list("entity_id", "n"))


def _unlicensed(as_of: date, params: dict, entities) -> dict[int, int]:
    """Unlicensed-operation cases of a registered entity (a permit missing) discovered within the last years."""
    from registry.supervision_selectors import unlicensed_counts

    return unlicensed_counts(years_before(as_of, int(params["years"])), as_of, entities)


def _annual_reports(as_of: date, params: dict, entities) -> dict[int, int]:
    """Report years (the last ones whose deadline had passed on the base date) not filed on time: 未报送 or 补报."""
    from annual_reports.choices import FilingStatus
    from annual_reports.models import AnnualReport, FilingSeason

    seasons = list(FilingSeason.objects.filter(due_on__lt=as_of).order_by("-year")[:int(params["years"])])
    qs = AnnualReport.objects.filter(season__in=seasons, entity__in=entities,
                                     status__in=[FilingStatus.NOT_FILED, FilingStatus.LATE])
    return dict(qs.order_by().values("entity_id").annotate(n=Count("id")).values_list("entity_id", "n"))


def _spot_check_problems(as_of: date, params: dict, entities) -> dict[int, int]:
    """Spot checks of a valid draw, recorded (submitted, approved or published), checked within the last years
    up to the base date, whose result found a problem (inspections.choices.PROBLEM_CODES)."""
    from inspections.choices import PROBLEM_CODES
    from inspections.models import SpotCheck
    from inspections.selectors import RECORDED

    qs = SpotCheck.objects.valid().filter(status__in=RECORDED, result_code__in=PROBLEM_CODES,
                                          checked_on__gt=years_before(as_of, int(params["years"])),
                                          checked_on__lte=as_of, entity__in=entities)
    return dict(qs.order_by().values("entity_id").annotate(n=Count("id")).values_list("entity_id", "n"))


def _ratio(value, params) -> Decimal:
    cap = Decimal(str(params["cap"]))
    return min(Decimal(value or 0), cap) / cap


def _newness(value, params) -> Decimal:
    full = Decimal(str(params["full_after_years"]))
    return max(Decimal(0), (full - Decimal(value)) / full)


def _class_points(value, params) -> Decimal:
    return Decimal(str(params["points"].get(value, 0))) if value else Decimal(0)


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind(IndicatorKind.YEARS_IN_OPERATION, source="市场主体名录（成立日期）",
         explains="成立不满 {full_after_years} 年的按差额年数折算：刚成立得全部权重分，"
                  "满 {full_after_years} 年及以上不得分",
         defaults={"full_after_years": 3}, factor=_newness, show=lambda v, p: f"经营 {v} 年"),
    Kind(IndicatorKind.SUSPENSIONS, source="登记状态变更记录",
         explains="近 {years} 年每办理 1 次歇业得权重的 1/{cap}，{cap} 次及以上得全部权重分",
         defaults={"years": 3, "cap": 1}, sparse=_suspensions, factor=_ratio,
         show=lambda v, p: f"近 {p['years']} 年歇业 {v or 0} 次"),
    Kind(IndicatorKind.COMPLAINTS, source="投诉举报记录（导入）",
         explains="近 {years} 年每有 1 件投诉举报得权重的 1/{cap}，{cap} 件及以上得全部权重分",
         defaults={"years": 2, "cap": 3, "substantiated_only": False}, sparse=_complaints, factor=_ratio,
         show=lambda v, p: f"近 {p['years']} 年{'属实' if p.get('substantiated_only') else ''}投诉举报 {v or 0} 件"),
    Kind(IndicatorKind.RISK_CLASS_HISTORY, source="上级平台信用风险分类结果（通用与专业）",
         explains="取近 {years} 年最差的分类结果：各类得权重的比例为 {points}；无分类不得分",
         defaults={"years": 2, "points": {"A": 0, "B": 0.3, "C": 0.7, "D": 1}}, sparse=_worst_class,
         factor=_class_points, show=lambda v, p: f"近 {p['years']} 年最差 {v} 类" if v else "无分类记录"),
    Kind(IndicatorKind.ANNUAL_REPORTS, source="年度报告报送情况（年报）",
         explains="近 {years} 个已截止的报告年度中，每有 1 年未按时报送（未报送或补报）得权重的 1/{cap}，"
                  "{cap} 年及以上得全部权重分",
         defaults={"years": 2, "cap": 2}, sparse=_annual_reports, factor=_ratio,
         show=lambda v, p: f"近 {p['years']} 个报告年度未按时报送 {v or 0} 年"),
    Kind(IndicatorKind.ABNORMAL_MARKS, source="经营异常名录、经营异常状态与严重违法失信名单（列异列严记录）",
         explains="评价基准日在列（标记）或近 {years} 年内曾被列入经营异常名录、标记经营异常状态、"
                  "列入严重违法失信名单的，每 1 条得权重的 1/{cap}，{cap} 条及以上得全部权重分",
         defaults={"years": 2, "cap": 1}, sparse=_listings, factor=_ratio,
         show=lambda v, p: f"近 {p['years']} 年列异（标记）{v or 0} 条"),
    Kind(IndicatorKind.PENALTY_PUBLICITY, source="行政处罚信息公示记录",
         explains="近 {years} 年公示的行政处罚（不含已撤销的决定）每 1 件得权重的 1/{cap}，{cap} 件及以上得全部权重分",
         defaults={"years": 2, "cap": 2}, sparse=_penalties, factor=_ratio,
         show=lambda v, p: f"近 {p['years']} 年行政处罚公示 {v or 0} 件"),
    Kind(IndicatorKind.SPOT_CHECK_PROBLEMS, source="双随机抽查结果（有效抽取、已录入的检查结果）",
         explains="近 {years} 年双随机抽查每有 1 次发现问题（检查结果为发现问题的各项，不含责令已改正）"
                  "得权重的 1/{cap}，{cap} 次及以上得全部权重分",
         defaults={"years": 2, "cap": 2}, sparse=_spot_check_problems, factor=_ratio,
         show=lambda v, p: f"近 {p['years']} 年抽查发现问题 {v or 0} 次"),
    Kind(IndicatorKind.UNLICENSED_OPERATION, source="无证无照经营查处记录（登记监管，关联到已登记主体的案件）",
         explains="近 {years} 年每有 1 件无证无照经营案件得权重的 1/{cap}，{cap} 件及以上得全部权重分",
         defaults={"years": 2, "cap": 1}, sparse=_unlicensed, factor=_ratio,
         show=lambda v, p: f"近 {p['years']} 年无证无照经营 {v or 0} 件"),
)}


def contribution(kind: Kind, weight: Decimal, value, params: dict) -> Decimal:
    """weight × factor(value), rounded half up to 0.01."""
    return (Decimal(weight) * kind.factor(value, params)).quantize(CENT, rounding=ROUND_HALF_UP)


def check_params(kind_code: str, params: dict) -> list[str]:
    """Problems with an indicator's parameters, in Chinese (empty when they are usable)."""
    kind = KINDS[kind_code]
    p = kind.params_with_defaults(params)
    problems = []
    unknown = set(params or {}) - set(kind.defaults)
    if unknown:
        problems.append(f"{kind.label}：不认识的参数 {'、'.join(sorted(unknown))}")
    for key in ("years", "cap", "full_after_years"):
        if key in kind.defaults:
            try:
                ok = Decimal(str(p[key])) > 0
            except Exception:
                ok = False
            if not ok:
                problems.append(f"{kind.label}：参数 {key} 应为大于 0 的数")
    if "points" in kind.defaults:
        points = p["points"]
        if not isinstance(points, dict) or set(points) != {"A", "B", "C", "D"}:
            problems.append(f"{kind.label}：参数 points 应给出 A、B、C、D 各类的比例")
        elif not all(0 <= Decimal(str(v)) <= 1 for v in points.values()):
            problems.append(f"{kind.label}：参数 points 的比例应在 0 到 1 之间")
    return problems
