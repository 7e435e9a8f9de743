"""Dormant entities (引导歇业备案或注销): suspension periods (歇业) with their limit and extension window, the
signals that an entity has gone dormant, and the guidance staff give and its outcome.

Limits are rules of core.workdays: ``suspension_max`` (3 years in total), ``suspension_extension_filing`` (the
30 days before expiry in which an extension is filed), ``suspension_limit_lead`` (how early the approaching limit
is flagged), ``dormant_no_report_years`` and ``dormant_unreachable_window`` (annual_reports' migration 0002).
"""
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Value
from django.utils import timezone

from core.audit import audit, diff, model_values
from core.choices import AuditAction
from core.workdays import add_period, deadline, rule_for
from registry.choices import RegistrationStatus
from registry.models import MarketEntity

from .choices import DormantSignal, FilingStatus, GuidanceKind, GuidanceOutcome
from .models import AnnualReport, DormancyGuidance, FilingSeason, SuspensionPeriod

MAX_RULE = "suspension_max"
EXTENSION_RULE = "suspension_extension_filing"
LEAD_RULE = "suspension_limit_lead"
NO_REPORT_RULE = "dormant_no_report_years"
UNREACHABLE_RULE = "dormant_unreachable_window"
UNREACHABLE_CODE = "6"  # inspections.choices.ResultCode.UNREACHABLE


def _before(day: date, code: str) -> date:
    """The day a rule's period before ``day`` starts (e.g. 30 days, 3 months before)."""
    rule = rule_for(code, day)
    return add_period(day, -rule.amount, rule.unit)


@dataclass(frozen=True)
class SuspensionState:
    """Where a suspension stands: its cumulative limit, the extension window, and what to remind."""

    period: SuspensionPeriod
    limit_on: date  # the last day the entity's suspensions may reach in total
    window_start: date  # the extension may be filed from here up to planned_end
    active: bool
    in_window: bool
    near_limit: bool

    @property
    def days_left(self) -> int:
        return (self.period.planned_end - timezone.localdate()).days

    @property
    def reminder(self) -> str:
        if not self.active:
            return ""
        if self.near_limit:
            return f"累计歇业将于 {self.limit_on} 届满三年，请引导恢复营业或办理注销"
        if self.in_window:
            return f"可在 {self.period.planned_end} 前申请延长歇业期"
        return ""


def _used_before(period: SuspensionPeriod, others) -> int:
    """Days of the entity's earlier suspensions (they count toward the 3-year total)."""
    return sum(((o.ends_on - o.starts_on).days for o in others
                if o.pk != period.pk and o.starts_on < period.starts_on), 0)


def suspension_limit(period: SuspensionPeriod, others) -> date:
    """The last day this period may reach: the rule in force today (suspensions filed before the 2022 regulation
    are judged by it too), less the days of the entity's earlier suspensions."""
    rule = rule_for(MAX_RULE, max(period.starts_on, timezone.localdate()))
    end = add_period(period.starts_on, rule.amount, rule.unit)
    return end - timedelta(days=_used_before(period, others))


def suspension_state(period: SuspensionPeriod, others=None, today: date | None = None) -> SuspensionState:
    today = today or timezone.localdate()
    others = list(others) if others is not None else list(
        SuspensionPeriod.objects.filter(entity_id=period.entity_id))
    limit_on = suspension_limit(period, others)
    window_start = _before(period.planned_end, EXTENSION_RULE)
    active = period.resumed_on is None and period.starts_on <= today <= period.planned_end
    return SuspensionState(
        period=period, limit_on=limit_on, window_start=window_start, active=active,
        in_window=active and window_start <= today,
        near_limit=active and _before(limit_on, LEAD_RULE) <= today,
    )


def suspension_states(queryset, today: date | None = None) -> list[SuspensionState]:
    """The state of each period of a queryset, reading every entity's other periods in one query."""
    periods = list(queryset)
    others: dict[int, list] = {}
    for p in SuspensionPeriod.objects.filter(entity_id__in={p.entity_id for p in periods}):
        others.setdefault(p.entity_id, []).append(p)
    return [suspension_state(p, others.get(p.entity_id, [p]), today) for p in periods]


def _check_period(entity, starts_on: date, planned_end: date, *, exclude_pk=None) -> None:
    if planned_end <= starts_on:
        raise ValidationError({"planned_end": "歇业期满日期应晚于开始日期。"})
    overlapping = SuspensionPeriod.objects.filter(entity=entity, starts_on__lte=planned_end).exclude(pk=exclude_pk)
    for other in overlapping:
        if other.ends_on >= starts_on:
            raise ValidationError({"starts_on": f"与已登记的歇业期 {other.starts_on}–{other.ends_on} 重叠。"})


@transaction.atomic
def suspension_record(*, entity: MarketEntity, starts_on: date, planned_end: date, note: str, by) -> SuspensionPeriod:
    """Record a suspension filing (歇业备案); the whole of an entity's suspensions may not pass the 3-year limit."""
    MarketEntity.objects.select_for_update().filter(pk=entity.pk).first()
    _check_period(entity, starts_on, planned_end)
    period = SuspensionPeriod(entity=entity, starts_on=starts_on, planned_end=planned_end, note=note[:300],
                              created_by=by)
    limit_on = suspension_limit(period, SuspensionPeriod.objects.filter(entity=entity))
    if planned_end > limit_on:
        raise ValidationError({"planned_end": f"累计歇业不得超过三年：本次最迟至 {limit_on}。"})
    period.save()
    audit(actor=by, action=AuditAction.CREATE, target=period,
          summary=f"登记歇业：{entity.name}，{starts_on} 至 {planned_end}", extra={"entity": entity.pk})
    return period


@transaction.atomic
def suspension_extend(*, period: SuspensionPeriod, new_end: date, filed_on: date, by) -> SuspensionPeriod:
    """An extension filed in the window before expiry, within the 3-year total."""
    period = SuspensionPeriod.objects.select_for_update().select_related("entity").get(pk=period.pk)
    state = suspension_state(period, today=filed_on)
    if period.resumed_on:
        raise ValidationError("该主体已恢复营业，不能延长歇业期。")
    if filed_on > timezone.localdate():
        raise ValidationError({"filed_on": "申请日期不能晚于今天。"})
    if not state.window_start <= filed_on <= period.planned_end:
        raise ValidationError({"filed_on": f"延长歇业应在期满前的申请期内提出（{state.window_start} 至 "
                                           f"{period.planned_end}）。"})
    if new_end <= period.planned_end:
        raise ValidationError({"new_end": f"延长后的期满日期应晚于原期满日期 {period.planned_end}。"})
    if new_end > state.limit_on:
        raise ValidationError({"new_end": f"累计歇业不得超过三年：最迟至 {state.limit_on}。"})
    before = model_values(period, ["planned_end", "extension_filed_on"])
    period.planned_end, period.extension_filed_on = new_end, filed_on
    period.save(update_fields=["planned_end", "extension_filed_on"])
    audit(actor=by, action=AuditAction.UPDATE, target=period, summary=f"延长歇业期至 {new_end}：{period.entity.name}",
          changes=diff(before, model_values(period, ["planned_end", "extension_filed_on"])),
          extra={"entity": period.entity_id})
    return period


@transaction.atomic
def suspension_resume(*, period: SuspensionPeriod, resumed_on: date, by) -> SuspensionPeriod:
    """The entity resumed business before the term; its publicity is due within the rule's 30 days."""
    period = SuspensionPeriod.objects.select_for_update().select_related("entity").get(pk=period.pk)
    if period.resumed_on:
        raise ValidationError(f"已于 {period.resumed_on} 登记恢复营业。")
    if not period.starts_on <= resumed_on <= period.planned_end:
        raise ValidationError(
            {"resumed_on": f"恢复营业日期应在歇业期内（{period.starts_on} 至 {period.planned_end}）。"})
    if resumed_on > timezone.localdate():
        raise ValidationError({"resumed_on": "恢复营业日期不能晚于今天。"})
    period.resumed_on = resumed_on
    period.save(update_fields=["resumed_on"])
    due, _rule = deadline("suspension_resumption_publicity", resumed_on)
    audit(actor=by, action=AuditAction.STATUS, target=period,
          summary=f"{period.entity.name} 恢复营业（{resumed_on}），应于 {due} 前公示",
          extra={"entity": period.entity_id})
    return period


# ---- dormant signals -----------------------------------------------------------------------------------------

def no_report_seasons(today: date | None = None) -> list[FilingSeason]:
    """The closed seasons the "no annual report" signal looks at (the last N, N from the rule), or [] if fewer."""
    today = today or timezone.localdate()
    years = rule_for(NO_REPORT_RULE, today).amount
    seasons = list(FilingSeason.objects.filter(due_on__lt=today).order_by("-year")[:years])
    return seasons if len(seasons) == years else []


def _suspension_signal_ids(user, today: date) -> tuple[set, set]:
    """Entity ids with an active suspension near the 3-year limit, and those in the extension window."""
    periods = SuspensionPeriod.objects.for_user(user).filter(resumed_on__isnull=True, starts_on__lte=today,
                                                              planned_end__gte=today)
    near, expiring = set(), set()
    for state in suspension_states(periods, today):
        if state.near_limit:
            near.add(state.period.entity_id)
        elif state.in_window:
            expiring.add(state.period.entity_id)
    return near, expiring


def dormant_candidates(user, today: date | None = None):
    """The likely dormant entities a user may see, each annotated with its signals (booleans)."""
    from inspections.models import SpotCheck

    today = today or timezone.localdate()
    entities = MarketEntity.objects.for_user(user).filter(
        status__in=[RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED])
    seasons = no_report_seasons(today)
    no_report = Value(False)
    for i, season in enumerate(seasons):
        exists = Exists(AnnualReport.objects.filter(entity=OuterRef("pk"), season=season,
                                                    status=FilingStatus.NOT_FILED))
        no_report = exists if i == 0 else ExpressionWrapper(Q(no_report) & Q(exists), output_field=BooleanField())
    since = _before(today, UNREACHABLE_RULE)
    unreachable = Exists(SpotCheck.objects.filter(entity=OuterRef("pk"), result_code=UNREACHABLE_CODE,
                                                  checked_on__gte=since))
    near, expiring = _suspension_signal_ids(user, today)
    annotated = entities.annotate(
        sig_no_report=no_report, sig_unreachable=unreachable,
        sig_suspension_limit=ExpressionWrapper(Q(pk__in=near), output_field=BooleanField()),
        sig_suspension_expiring=ExpressionWrapper(Q(pk__in=expiring), output_field=BooleanField()),
    )
    return annotated.filter(Q(sig_no_report=True) | Q(sig_unreachable=True) | Q(pk__in=near | expiring))


def signals_of(entity) -> list[str]:
    """An annotated candidate's signals as DormantSignal values."""
    return [signal.value for signal, attr in (
        (DormantSignal.NO_REPORT, "sig_no_report"), (DormantSignal.UNREACHABLE, "sig_unreachable"),
        (DormantSignal.SUSPENSION_LIMIT, "sig_suspension_limit"),
        (DormantSignal.SUSPENSION_EXPIRING, "sig_suspension_expiring")) if getattr(entity, attr, False)]


# ---- guidance ----------------------------------------------------------------------------------------------------

@transaction.atomic
def guidance_record(*, entity: MarketEntity, kind: str, guided_on: date, signals: list[str], note: str,
                    by) -> DormancyGuidance:
    """Record the guidance given to a likely dormant entity (suspension filing, simplified or ordinary dereg)."""
    if kind not in GuidanceKind.values:
        raise ValidationError({"kind": "请选择引导事项。"})
    if guided_on > timezone.localdate():
        raise ValidationError({"guided_on": "引导日期不能晚于今天。"})
    unknown = set(signals) - set(DormantSignal.values)
    if unknown:
        raise ValidationError(f"未知的识别依据：{'、'.join(sorted(unknown))}")
    guidance = DormancyGuidance.objects.create(entity=entity, kind=kind, guided_on=guided_on, signals=signals,
                                               note=note[:300], recorded_by=by)
    audit(actor=by, action=AuditAction.CREATE, target=guidance,
          summary=f"休眠主体引导：{entity.name}，{guidance.get_kind_display()}（{guided_on}）",
          extra={"entity": entity.pk})
    return guidance


@transaction.atomic
def guidance_outcome(*, guidance: DormancyGuidance, outcome: str, outcome_on: date, note: str,
                     by) -> DormancyGuidance:
    """Record what came of the guidance; a guidance with an outcome is closed."""
    guidance = DormancyGuidance.objects.select_for_update().select_related("entity").get(pk=guidance.pk)
    if guidance.outcome != GuidanceOutcome.PENDING:
        raise ValidationError(f"该引导已记录结果（{guidance.get_outcome_display()}），不能重复记录。")
    if outcome not in GuidanceOutcome.values or outcome == GuidanceOutcome.PENDING:
        raise ValidationError({"outcome": "请选择引导结果。"})
    if outcome_on < guidance.guided_on:
        raise ValidationError({"outcome_on": f"结果日期不能早于引导日期 {guidance.guided_on}。"})
    if outcome_on > timezone.localdate():
        raise ValidationError({"outcome_on": "结果日期不能晚于今天。"})
    before = model_values(guidance, ["outcome", "outcome_on", "note"])
    guidance.outcome, guidance.outcome_on = outcome, outcome_on
    if note:
        guidance.note = "；".join(filter(None, [guidance.note, note]))[:300]
    guidance.save(update_fields=["outcome", "outcome_on", "note"])
    audit(actor=by, action=AuditAction.STATUS, target=guidance,
          summary=f"休眠主体引导结果：{guidance.entity.name}，{guidance.get_outcome_display()}（{outcome_on}）",
          changes=diff(before, model_values(guidance, ["outcome", "outcome_on", "note"])),
          extra={"entity": guidance.entity_id})
    return guidance
