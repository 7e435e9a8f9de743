"""The rules that propose target lists for warnings and guidance (who to send an SMS or call).

Each rule finds entities from the data held today. Rules whose data source is not live yet (annual reports, the
abnormal-operation list) are declared with ``available = False``: they show on the page and cannot be run.
Time limits come from the rule table (core.workdays.deadline), never from literals here.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Max
from django.utils import timezone

from core.workdays import deadline
from registry.choices import EntityType, RegistrationStatus
from registry.models import MarketEntity, StatusChange

from .choices import TargetRule
from .models import Complaint, ModelRun
from .scoring import SCORED_STATUSES


@dataclass(frozen=True)
class RuleSpec:
    code: str
    explains: str  # what the rule finds, in the bureau's words ({params} filled in)
    defaults: dict = field(default_factory=dict)
    available: bool = True
    find: Callable | None = None  # params -> [(entity id, reason)]

    @property
    def label(self) -> str:
        return TargetRule(self.code).label

    def params(self, given: dict) -> dict:
        values = {**self.defaults}
        for key, default in self.defaults.items():
            if key in given and str(given[key]).strip():
                values[key] = type(default)(given[key])
        return values

    def name(self, params: dict) -> str:
        return f"{self.label.split('（')[0]}（{timezone.localdate():%Y-%m-%d} 生成）"

    def describe(self, params: dict | None = None) -> str:
        return self.explains.format(**self.params(params or {}))


def _suspension_ending(params: dict) -> list[tuple[int, str]]:
    today = timezone.localdate()
    horizon = today + timedelta(days=params["within_days"])
    starts = dict(StatusChange.objects.filter(entity__status=RegistrationStatus.SUSPENDED,
                                              new_status=RegistrationStatus.SUSPENDED)
                  .values("entity_id").annotate(start=Max("changed_at")).values_list("entity_id", "start"))
    found = []
    for entity_id, started in sorted(starts.items()):
        start = timezone.localtime(started).date()
        end, rule = deadline("suspension_max", start)
        if end <= horizon:
            state = "已期满" if end < today else f"{(end - today).days} 天后期满"
            found.append((entity_id, f"{start:%Y-%m-%d} 起歇业，最长 {rule.amount} {rule.get_unit_display()}，"
                                     f"{end:%Y-%m-%d} {state}"))
    return found


def _recent_complaints(params: dict) -> list[tuple[int, str]]:
    since = timezone.localdate() - timedelta(days=params["days"])
    rows = (Complaint.objects.filter(received_on__gt=since, entity__status__in=SCORED_STATUSES).order_by()
            .values("entity_id").annotate(n=Count("id")).values_list("entity_id", "n"))
    return [(entity_id, f"近 {params['days']} 天投诉举报 {n} 件") for entity_id, n in sorted(rows)]


def _model_high_risk(params: dict) -> list[tuple[int, str]]:
    run = (ModelRun.objects.filter(entity_type=EntityType.INDIVIDUAL, job__status="succeeded",
                                   reproduces__isnull=True).order_by("-as_of", "-id").first())
    if run is None:
        return []
    results = (run.results.filter(risk_class__in=["C", "D"], entity__status__in=SCORED_STATUSES)
               .values_list("entity_id", "risk_class", "score").order_by("entity_id"))
    return [(entity_id, f"评价 #{run.pk}（基准日 {run.as_of:%Y-%m-%d}）为 {c} 类，风险分 {score}")
            for entity_id, c, score in results]


def _abnormal_third_year(params: dict) -> list[tuple[int, str]]:
    from .choices import LISTING_OPEN, ListingKind, ListingStatus
    from .listings import reminder_window_start, third_anniversary
    from .models import ListingCase

    today = timezone.localdate()
    listings = (ListingCase.objects.filter(kind=ListingKind.ABNORMAL, status=ListingStatus.LISTED)
                .exclude(serious_cases__status__in=LISTING_OPEN).order_by("entity_id", "listed_on"))
    found = {}
    for listing in listings:
        if listing.entity_id in found or reminder_window_start(listing) > today:
            continue
        anniversary = third_anniversary(listing)
        state = "已届满三年" if anniversary <= today else f"{anniversary:%Y-%m-%d} 届满三年"
        found[listing.entity_id] = (f"{listing.listed_on:%Y-%m-%d} 因“{listing.get_reason_display()}”"
                                    f"列入经营异常名录，{state}")
    return sorted(found.items())


RULES: dict[str, RuleSpec] = {r.code: r for r in (
    RuleSpec(TargetRule.SUSPENSION_ENDING,
             explains="目前处于歇业状态、本次歇业将在 {within_days} 天内期满或已经期满的主体"
                      "（期限按时限规则“歇业累计最长期限”计算）",
             defaults={"within_days": 60}, find=_suspension_ending),
    RuleSpec(TargetRule.RECENT_COMPLAINTS, explains="在营主体中，近 {days} 天受理过投诉举报的",
             defaults={"days": 180}, find=_recent_complaints),
    RuleSpec(TargetRule.MODEL_HIGH_RISK, explains="最近一次个体工商户评价中为 C 类或 D 类、目前仍在营的个体工商户",
             find=_model_high_risk),
    RuleSpec(TargetRule.ANNUAL_REPORT_MISSING,
             explains="截至 6 月 1 日尚未报送上一年度年度报告的主体（年报功能上线后可用）",
             available=False),
    RuleSpec(TargetRule.ABNORMAL_THIRD_YEAR,
             explains="在列的经营异常名录记录已进入届满三年前的提醒期（时限规则“届满三年前提醒履行义务”）或已届满、"
                      "尚未启动列严程序的企业（提醒其履行义务、申请信用修复）",
             find=_abnormal_third_year),
)}


def entities_for_list(target, user):
    """The list's entries a user may see: the whole district, or their own office's entities."""
    entries = target.entries.select_related("entity", "entity__office", "contacted_by")
    if user.sees_whole_district:
        return entries
    return entries.filter(entity__in=MarketEntity.objects.for_user(user))
