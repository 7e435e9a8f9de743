"""Credit repair (信用修复): one procedure for the four kinds, on the statutory deadlines of the rule table.

received (counter, online or post, with the materials checklist of its kind) → accepted, or not accepted with
reasons → reviewed → decided: repair or refuse, with reasons → the listing removed or the publicity ended →
notice to the entity → shared with the departments concerned → closed. The eligibility is computed from the
records (``eligibility``) and shown before acceptance; a case that fails it cannot be accepted or repaired.

Every transition locks the case row (select_for_update), checks the status it starts from, saves and audits in
one transaction, so two requests deciding the same case at once produce one decision and one refusal message.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from core.audit import audit
from core.choices import AuditAction
from core.dates import recorded_date
from core.workdays import add_period, deadline, rule_for

from .choices import (
    LISTING_IN_FORCE,
    PENALTY_NEVER_REPAIRED,
    PENALTY_SPECIAL_DOMAINS,
    REASON_PROOF,
    REPAIR_LISTING_KIND,
    REPAIR_MATERIALS,
    REPAIR_OPEN,
    ListingKind,
    PenaltyStatus,
    ReminderChannel,
    RepairChannel,
    RepairKind,
    RepairMaterial,
    RepairStatus,
    TriggerSource,
)
from .models import ListingCase, PenaltyRecord, RepairCase, RepairShare

ACCEPTANCE_RULE = "repair_acceptance"
DECISION_RULE = {RepairKind.ABNORMAL: "abnormal_repair_decision", RepairKind.INDIVIDUAL: "abnormal_repair_decision",
                 RepairKind.SERIOUS: "serious_repair_decision", RepairKind.PENALTY: "penalty_repair_decision"}
EFFECT_RULE = "repair_publicity_stop"
NOTICE_RULE = "repair_notice"
SERIOUS_EARLY_RULE = "serious_list_early_removal"
PENALTY_MIN_RULE = "penalty_repair_min_publicity"
PENALTY_MIN_SPECIAL_RULE = "penalty_repair_min_publicity_special"


def _today() -> date:
    return timezone.localdate()


# ---- eligibility and materials ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    """One condition of repair: met (True), not met (False, blocks acceptance and repair) or to verify (None)."""

    label: str
    ok: bool | None
    detail: str = ""

    @property
    def state(self) -> str:
        return {True: "符合", False: "不符合", None: "待核实"}[self.ok]


def eligibility(kind: str, target, on: date | None = None) -> list[Check]:
    """The repair conditions of the kind, computed from the records as of ``on`` (today by default)."""
    on = on or _today()
    if kind == RepairKind.PENALTY:
        return _penalty_checks(target, on)
    return _listing_checks(kind, target, on)


def _listing_checks(kind: str, listing: ListingCase, on: date) -> list[Check]:
    checks = []
    wanted = REPAIR_LISTING_KIND[kind]
    in_force = listing.kind == wanted and listing.status in LISTING_IN_FORCE
    checks.append(Check(f"记录在{ListingKind(wanted).label}中", in_force,
                        f"当前状态：{listing.status_label}" if not in_force else f"列入日期 {listing.listed_on}"))
    if kind == RepairKind.SERIOUS:
        if listing.listed_on:
            earliest = deadline(SERIOUS_EARLY_RULE, listing.listed_on)[0]
            checks.append(Check("列入满一年", on >= earliest, f"{earliest.isoformat()} 起可申请提前移出"))
        other = PenaltyRecord.objects.filter(entity_id=listing.entity_id, decided_on__gt=listing.listed_on or on)
        checks.append(Check("列入后未再受到行政处罚", not other.exists(),
                            "、".join(other.values_list("decision_no", flat=True)[:3]) or "无"))
        checks.append(Check("已履行相关义务、纠正违法行为", None, "凭证明材料核实"))
    else:
        if listing.cured_on:
            checks.append(Check("列入事由已消除", True,
                                f"{listing.cured_on.isoformat()}（{listing.get_cure_source_display()}）"))
        else:
            checks.append(Check("列入事由已消除", None, "凭证明材料核实：" + REASON_PROOF[listing.reason].label))
    return checks


def _penalty_checks(record: PenaltyRecord, on: date) -> list[Check]:
    checks = [Check("处罚信息在公示中", record.status == PenaltyStatus.PUBLISHED,
                    f"当前状态：{record.get_status_display()}")]
    never = record.kind in PENALTY_NEVER_REPAIRED
    checks.append(Check("处罚种类可以修复", not never,
                        f"“{record.get_kind_display()}”不得申请提前停止公示" if never else record.get_kind_display()))
    if record.published_on:
        code = PENALTY_MIN_SPECIAL_RULE if record.domain in PENALTY_SPECIAL_DOMAINS else PENALTY_MIN_RULE
        rule = rule_for(code, record.published_on)
        earliest = add_period(record.published_on, rule.amount, rule.unit)
        checks.append(Check(f"公示满{rule.amount}{rule.get_unit_display()}", on >= earliest,
                            f"{record.get_domain_display()}领域，{earliest.isoformat()} 起可申请"))
    repeat = PenaltyRecord.objects.filter(entity_id=record.entity_id, violation=record.violation,
                                          decided_on__gt=record.decided_on).exclude(pk=record.pk)
    checks.append(Check("未再发生同类违法行为", not repeat.exists(),
                        "、".join(repeat.values_list("decision_no", flat=True)[:3]) or f"同类：{record.violation}"))
    listed = ListingCase.objects.filter(entity_id=record.entity_id, status__in=LISTING_IN_FORCE)
    names = sorted({c.get_kind_display() for c in listed})
    checks.append(Check("未被列入经营异常名录（标记经营异常状态）或严重违法失信名单", not names,
                        "、".join(names) if names else "无"))
    checks.append(Check("已履行行政处罚决定、消除危害后果", None, "凭证明材料核实"))
    return checks


def blocking(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.ok is False]


def required_materials(kind: str, target) -> list[str]:
    """The materials checklist of the kind (the abnormal kinds add the proof that fits the listing's reason)."""
    items = list(REPAIR_MATERIALS[kind])
    if kind in (RepairKind.ABNORMAL, RepairKind.INDIVIDUAL) and target is not None:
        items.append(REASON_PROOF[target.reason])
    return [str(i) for i in items]


# ---- helpers ---------------------------------------------------------------------------------------------------

def _locked(case: RepairCase) -> RepairCase:
    return (RepairCase.objects.select_for_update(of=("self",))
            .select_related("entity", "listing", "penalty", "office").get(pk=case.pk))


def _require(case: RepairCase, allowed, action: str) -> None:
    if case.status not in allowed:
        raise ValidationError(f"该修复案件当前为“{case.get_status_display()}”，不能{action}。请刷新页面查看最新状态。")



def _log(case: RepairCase, by, before: str, summary: str, **extra) -> None:
    audit(actor=by, action=AuditAction.STATUS, target=case, summary=summary,
          changes={"status": [before, case.status]} if before != case.status else {},
          extra={k: (v.isoformat() if isinstance(v, date) else v) for k, v in extra.items()})


def _next_number(year: int) -> str:
    prefix = f"XF{year}-"
    last = RepairCase.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    seq = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def _issue(case: RepairCase, code: str, by, on: date):
    from .listing_documents import issue_for_repair

    return issue_for_repair(case, code, by, on)


def _target_for(kind: str, target):
    if kind == RepairKind.PENALTY:
        if not isinstance(target, PenaltyRecord):
            raise ValidationError("请选择要提前停止公示的行政处罚信息。")
        return None, target
    if not isinstance(target, ListingCase):
        raise ValidationError("请选择要修复的名录记录。")
    if target.kind != REPAIR_LISTING_KIND[kind]:
        raise ValidationError(f"所选记录属于{target.get_kind_display()}，与修复类别“{RepairKind(kind).label}”不符。")
    return target, None


# ---- transitions -----------------------------------------------------------------------------------------------

def repair_receive(*, entity, kind: str, target, channel: str, applied_on: date, applicant: str, by,
                   contact: str = "", materials: list[str] | None = None, note: str = "") -> RepairCase:
    """Register an application (申请) with the materials received; acceptance is due in working days."""
    if kind not in RepairKind.values:
        raise ValidationError("请选择修复类别。")
    if channel not in RepairChannel.values:
        raise ValidationError("请选择申请渠道。")
    recorded_date(applied_on, "申请日期")
    if not applicant.strip():
        raise ValidationError("请填写申请人（经办人）。")
    listing, penalty = _target_for(kind, target)
    if (listing or penalty).entity_id != entity.pk:
        raise ValidationError("所选记录不属于该市场主体。")
    allowed = set(required_materials(kind, listing)) | set(RepairMaterial.values)
    materials = [m for m in (materials or []) if m in allowed]
    open_cases = RepairCase.objects.filter(status__in=REPAIR_OPEN)
    if (listing and open_cases.filter(listing=listing).exists()
            or penalty and open_cases.filter(penalty=penalty).exists()):
        raise ValidationError("该记录已有在办的信用修复申请，不能重复申请。")
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case = RepairCase(
                    number=_next_number(applied_on.year), entity=entity, office_id=entity.office_id, kind=kind,
                    listing=listing, penalty=penalty, channel=channel, applied_on=applied_on,
                    applicant=applicant[:50], contact=contact[:40], materials=materials, note=note[:300],
                    received_by=by if getattr(by, "pk", None) else None, status=RepairStatus.RECEIVED)
                case.due_on, _rule = deadline(ACCEPTANCE_RULE, applied_on)
                case.due_rule = ACCEPTANCE_RULE
                case.save()
                audit(actor=by, action=AuditAction.CREATE, target=case,
                      summary=f"收到信用修复申请（{RepairChannel(channel).label}）：{RepairKind(kind).label}",
                      extra={"materials": materials})
                return case
        except IntegrityError:
            if listing and open_cases.filter(listing=listing).exists() or (
                    penalty and open_cases.filter(penalty=penalty).exists()):
                raise ValidationError("该记录已有在办的信用修复申请，不能重复申请。")
    raise ValidationError("案件编号分配冲突，请重试。")


def repair_open_for_cure(*, case: ListingCase, by, on: date, source: str, note: str = "") -> RepairCase | None:
    """A listed case whose cause is gone gets its repair case (an online application when the system saw the cure,
    e.g. the late annual report filed); None when one is already open."""
    kind = RepairKind.INDIVIDUAL if case.kind == ListingKind.INDIVIDUAL_ABNORMAL else RepairKind.ABNORMAL
    if RepairCase.objects.filter(listing=case, status__in=REPAIR_OPEN).exists():
        return None
    known = source != TriggerSource.STAFF
    materials = [str(REASON_PROOF[case.reason])] if known else []
    return repair_receive(
        entity=case.entity, kind=kind, target=case, by=by, applied_on=on,
        channel=RepairChannel.ONLINE if known else RepairChannel.COUNTER,
        applicant=case.entity.legal_rep or case.entity.name, materials=materials,
        note=(note or f"事由消除（{TriggerSource(source).label}）后登记")[:300])


@transaction.atomic
def repair_update_materials(*, case: RepairCase, by, materials: list[str]) -> RepairCase:
    """Tick the materials received (before acceptance)."""
    case = _locked(case)
    _require(case, [RepairStatus.RECEIVED], "修改材料清单")
    allowed = set(RepairMaterial.values)
    before = list(case.materials)
    case.materials = [m for m in materials if m in allowed]
    case.save(update_fields=["materials"])
    audit(actor=by, action=AuditAction.UPDATE, target=case, summary="更新已提交材料",
          changes={"materials": [before, case.materials]})
    return case


@transaction.atomic
def repair_accept(*, case: RepairCase, by, on: date) -> RepairCase:
    """受理: the conditions met and the checklist complete; the decision is due in the kind's working days."""
    case = _locked(case)
    _require(case, [RepairStatus.RECEIVED], "受理")
    recorded_date(on, "受理日期", not_before=case.applied_on, not_before_label="申请日期")
    checks = eligibility(case.kind, case.target, on)
    failed = blocking(checks)
    if failed:
        raise ValidationError("不符合信用修复条件，不能受理（可作出不予受理决定）："
                              + "；".join(f"{c.label}（{c.detail}）" for c in failed))
    missing = [RepairMaterial(m).label for m in required_materials(case.kind, case.listing) if m not in case.materials]
    if missing:
        raise ValidationError("申请材料不齐全，不能受理：缺少" + "、".join(missing))
    before = case.status
    case.status, case.accepted_on, case.accepted_by = RepairStatus.ACCEPTED, on, by
    case.eligibility = [asdict(c) for c in checks]
    case.decision_due, _rule = deadline(DECISION_RULE[case.kind], on)
    case.due_on, case.due_rule = case.decision_due, DECISION_RULE[case.kind]
    case.save()
    _log(case, by, before, f"受理信用修复申请，决定期限 {case.decision_due.isoformat()}", accepted_on=on)
    _issue(case, "repair_acceptance_notice", by, on)
    return case


@transaction.atomic
def repair_refuse_acceptance(*, case: RepairCase, by, on: date, reason: str) -> RepairCase:
    """不予受理, with the reasons; the case ends and the notice goes to the applicant."""
    case = _locked(case)
    _require(case, [RepairStatus.RECEIVED], "作出不予受理决定")
    if not reason.strip():
        raise ValidationError("请填写不予受理的理由。")
    recorded_date(on, "决定日期", not_before=case.applied_on, not_before_label="申请日期")
    before = case.status
    case.status, case.accepted_on, case.accepted_by = RepairStatus.NOT_ACCEPTED, on, by
    case.acceptance_reason = reason[:500]
    case.eligibility = [asdict(c) for c in eligibility(case.kind, case.target, on)]
    case.closed_on, case.due_on, case.due_rule = on, None, ""
    case.save()
    _log(case, by, before, f"不予受理：{reason[:200]}")
    _issue(case, "repair_refusal_notice", by, on)
    return case


@transaction.atomic
def repair_review(*, case: RepairCase, by, on: date, opinion: str) -> RepairCase:
    """审查: the reviewer's opinion on the materials and the conditions."""
    case = _locked(case)
    _require(case, [RepairStatus.ACCEPTED], "登记审查意见")
    if not opinion.strip():
        raise ValidationError("请填写审查意见。")
    recorded_date(on, "审查日期", not_before=case.accepted_on, not_before_label="受理日期")
    before = case.status
    case.status, case.reviewed_on, case.reviewed_by, case.review_opinion = RepairStatus.REVIEWED, on, by, opinion
    case.save()
    _log(case, by, before, "审查完毕，待决定", reviewed_on=on)
    return case


@transaction.atomic
def repair_decide(*, case: RepairCase, by, on: date, repaired: bool, reason: str) -> RepairCase:
    """决定: repair or refuse, with reasons. The row lock makes a second (or simultaneous) decision fail."""
    case = _locked(case)
    if case.status in REPAIR_DECIDED_STATES:
        word = "准予修复" if case.repaired else "不予修复"
        raise ValidationError(f"该修复案件已于 {case.decided_on} 作出决定（{word}），不能再次决定。")
    if case.status in (RepairStatus.RECEIVED, RepairStatus.ACCEPTED):
        raise ValidationError("该修复案件尚未" + ("受理" if case.status == RepairStatus.RECEIVED else "审查") +
                              "，不能作出决定。")
    _require(case, [RepairStatus.REVIEWED], "作出决定")
    if not reason.strip():
        raise ValidationError("请填写决定理由。")
    recorded_date(on, "决定日期", not_before=case.reviewed_on, not_before_label="审查日期")
    if repaired:
        failed = blocking(eligibility(case.kind, case.target, on))
        if failed:
            raise ValidationError("不符合信用修复条件，不能准予修复："
                                  + "；".join(f"{c.label}（{c.detail}）" for c in failed))
    before = case.status
    case.decided_on, case.decided_by, case.repaired, case.decision_reason = on, by, repaired, reason
    if repaired:
        case.status = RepairStatus.APPROVED
        case.effect_due, _rule = deadline(EFFECT_RULE, on)
        case.due_on, case.due_rule = case.effect_due, EFFECT_RULE
    else:
        case.status = RepairStatus.REFUSED
        case.due_on, _rule = deadline(NOTICE_RULE, on)
        case.due_rule = NOTICE_RULE
    case.save()
    _log(case, by, before, ("准予信用修复" if repaired else "不予信用修复") + f"：{reason[:200]}",
         decided_on=on, on_time=bool(case.decision_due and on <= case.decision_due))
    _issue(case, "repair_decision" if repaired else "repair_refusal_decision", by, on)
    return case


REPAIR_DECIDED_STATES = [RepairStatus.APPROVED, RepairStatus.REFUSED, RepairStatus.EFFECTED, RepairStatus.NOTIFIED,
                         RepairStatus.CLOSED]


@transaction.atomic
def repair_effect(*, case: RepairCase, by, on: date) -> RepairCase:
    """Carry out the repair: remove the listing (restore the mark) or stop the penalty's publicity."""
    case = _locked(case)
    _require(case, [RepairStatus.APPROVED], "执行移出或停止公示")
    recorded_date(on, "执行日期", not_before=case.decided_on, not_before_label="决定日期")
    if case.kind == RepairKind.PENALTY:
        from .penalties import penalty_end_by_repair

        penalty_end_by_repair(record=case.penalty, by=by, on=on, case=case)
    else:
        from .listings import listing_remove

        listing_remove(case=case.listing, by=by, on=on, repair_case=case, reason=f"信用修复（{case.number}）")
    before = case.status
    case.status, case.effected_on = RepairStatus.EFFECTED, on
    case.due_on, _rule = deadline(NOTICE_RULE, on)
    case.due_rule = NOTICE_RULE
    case.save()
    _log(case, by, before, "已" + ("停止公示" if case.kind == RepairKind.PENALTY else "移出（恢复）") + "，待告知",
         effected_on=on)
    return case


@transaction.atomic
def repair_notify(*, case: RepairCase, by, on: date, channel: str) -> RepairCase:
    """告知 the entity of the result; a refused case ends here, a repaired one goes on to be shared."""
    case = _locked(case)
    _require(case, [RepairStatus.EFFECTED, RepairStatus.REFUSED], "登记告知")
    if channel not in ReminderChannel.values:
        raise ValidationError("请选择告知方式。")
    recorded_date(on, "告知日期", not_before=case.decided_on, not_before_label="决定日期")
    before = case.status
    case.notified_on, case.notice_channel = on, channel
    if case.status == RepairStatus.REFUSED:
        case.status, case.closed_on, case.due_on, case.due_rule = RepairStatus.CLOSED, on, None, ""
    else:
        case.status = RepairStatus.NOTIFIED
        case.due_on, _rule = deadline(NOTICE_RULE, on)
        case.due_rule = NOTICE_RULE
    case.save()
    _log(case, by, before, f"已告知当事人（{ReminderChannel(channel).label}）", notified_on=on)
    return case


@transaction.atomic
def repair_share(*, case: RepairCase, by, on: date, departments, note: str = "") -> RepairCase:
    """共享: the repair result sent to the departments concerned (recorded per department); the case closes."""
    case = _locked(case)
    _require(case, [RepairStatus.NOTIFIED], "登记共享")
    departments = list(departments)
    if not departments:
        raise ValidationError("请选择共享的部门。")
    recorded_date(on, "共享日期", not_before=case.notified_on, not_before_label="告知日期")
    for department in departments:
        RepairShare.objects.create(case=case, department=department, shared_on=on, shared_by=by, note=note[:200])
    before = case.status
    case.status, case.closed_on, case.due_on, case.due_rule = RepairStatus.CLOSED, on, None, ""
    case.save()
    _log(case, by, before, "修复结果已共享：" + "、".join(d.name for d in departments), shared_on=on)
    return case


def repair_actions(case: RepairCase) -> list[str]:
    """The transitions the case's status allows (pages show these; the services still check)."""
    return {
        RepairStatus.RECEIVED: ["materials", "accept", "refuse_acceptance"],
        RepairStatus.ACCEPTED: ["review"],
        RepairStatus.REVIEWED: ["decide"],
        RepairStatus.APPROVED: ["effect"],
        RepairStatus.REFUSED: ["notify"],
        RepairStatus.EFFECTED: ["notify"],
        RepairStatus.NOTIFIED: ["share"],
    }.get(case.status, [])


__all__ = [
    "Check", "eligibility", "blocking", "required_materials", "repair_receive", "repair_open_for_cure",
    "repair_update_materials", "repair_accept", "repair_refuse_acceptance", "repair_review", "repair_decide",
    "repair_effect", "repair_notify", "repair_share", "repair_actions",
]
