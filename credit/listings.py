"""Listing cases (列异列严): the state transitions of the abnormal-operation list, the individual business's
经营异常状态 mark and the serious-violation list, on the working-day deadlines of the rule table.

The API other capabilities call (annual reports, spot checks):

``open_trigger(entity, reason, *, source, occurred_on, user, source_ref="", note="") -> ListingCase``
    A listing reason has arisen for an entity (reason: ``ListingReason.ANNUAL_REPORT``, ``INSTANT_INFO``,
    ``FALSE_INFO`` or ``UNREACHABLE``; source: ``TriggerSource.ANNUAL_REPORT`` / ``SPOT_CHECK`` / ``STAFF``, or
    their values "annual_report" / "spot_check" / "staff"). Opens a case in 待提醒 with the reminder's deadline;
    an enterprise's (or cooperative's) case leads to the abnormal-operation list, an individual business's to the
    经营异常状态 mark. Idempotent: when the entity already has an open case for the reason, that case is returned
    unchanged.

``cure(entity, reason, *, cured_on, source, user, source_ref="", note="") -> ListingCase | None``
    The cause is gone (the late annual report was filed, the information published or corrected, the entity is
    reachable again). A case still before listing (reminder, buffer, proposal) is closed without a listing; a
    listed or marked case moves to 待移出 / 待恢复 with the removal deadline (abnormal_list_removal /
    individual_abnormal_restore from cured_on) and a credit-repair case is opened for it (credit.repair), whose
    decision removes the listing. Returns None when the entity has no open case for the reason; calling it again
    for a case already waiting for removal returns the case unchanged.

The whole flow (DESIGN §1 item 1, the eight measures): trigger → reminder (提醒提示, with channel and date) →
buffer (信用惩戒缓冲, length from rule ``listing_buffer``) → proposal → a second reviewer's approval (审慎列异)
→ listed or marked → objection (30 days / 5 / 20 working days) → removal or restoration. The serious list:
candidate (the three-year rule or other grounds) → notice of reasons and basis → statement and defence →
hearing on request → the level above's approval (recorded) → listed for the publicity term → removed at term
or on repair.

Every transition locks the case row, checks the status it starts from, saves and writes its audit record in
one transaction; a transition the rules do not allow raises a ValidationError with a Chinese message.
"""
from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit
from core.choices import AuditAction
from core.dates import recorded_date
from core.workdays import add_period, deadline, rule_for
from registry.choices import EntityType

from .choices import (
    ABNORMAL_REASONS,
    LISTING_BEFORE,
    LISTING_IN_FORCE,
    LISTING_OPEN,
    SERIOUS_REASONS,
    ListingKind,
    ListingReason,
    ListingStatus,
    ObjectionStatus,
    ReminderChannel,
    TriggerSource,
)
from .models import ListingCase, ListingObjection

__all__ = [
    "open_trigger", "cure", "listing_remind", "listing_propose", "listing_approve", "listing_reject",
    "listing_remove", "objection_receive", "objection_accept", "objection_refuse", "objection_conclude",
    "serious_open", "serious_notify", "serious_statement", "serious_hearing", "serious_submit",
    "serious_approve", "serious_close", "serious_remove_expired", "listing_actions", "kind_for_entity",
]

# Rule codes (core.workdays) per kind and step.
REMINDER_RULE = "listing_reminder"
BUFFER_RULE = "listing_buffer"
LISTING_RULE = {ListingKind.ABNORMAL: "abnormal_list_listing",
                ListingKind.INDIVIDUAL_ABNORMAL: "individual_abnormal_mark"}
REMOVAL_RULE = {ListingKind.ABNORMAL: "abnormal_list_removal",
                ListingKind.INDIVIDUAL_ABNORMAL: "individual_abnormal_restore",
                ListingKind.SERIOUS: "serious_list_publicity"}
OBJECTION_RULES = {
    ListingKind.ABNORMAL: ("abnormal_list_objection", "abnormal_list_objection_acceptance",
                           "abnormal_list_objection_verification"),
    ListingKind.INDIVIDUAL_ABNORMAL: ("individual_abnormal_objection", "individual_abnormal_objection_acceptance",
                                      "individual_abnormal_objection_verification"),
}
SERIOUS_TERM_RULE = "serious_list_publicity"
SERIOUS_AFTER_RULE = "abnormal_list_to_serious"
SERIOUS_LEAD_RULE = "serious_list_reminder_lead"
STATEMENT_RULE = "serious_list_statement"

logger = logging.getLogger(__name__)


def _today() -> date:
    return timezone.localdate()


def kind_for_entity(entity) -> str:
    """Individual businesses are marked (经营异常状态); enterprises and cooperatives are listed."""
    return ListingKind.INDIVIDUAL_ABNORMAL if entity.entity_type == EntityType.INDIVIDUAL else ListingKind.ABNORMAL


def _locked(case: ListingCase) -> ListingCase:
    return ListingCase.objects.select_for_update().select_related("entity").get(pk=case.pk)


def _require(case: ListingCase, allowed, action: str) -> None:
    if case.status not in allowed:
        raise ValidationError(f"该案件当前为“{case.status_label}”，不能{action}。请刷新页面查看最新状态。")


def _require_kind(case: ListingCase, kinds, action: str) -> None:
    if case.kind not in kinds:
        raise ValidationError(f"{case.get_kind_display()}案件不能{action}。")



def _set_due(case: ListingCase, code: str | None, start: date | None) -> None:
    if code is None:
        case.due_on, case.due_rule = None, ""
    else:
        case.due_on, _rule = deadline(code, start)
        case.due_rule = code


def _log(case: ListingCase, by, before: str, summary: str, **extra) -> None:
    audit(actor=by, action=AuditAction.STATUS, target=case, summary=summary,
          changes={"status": [before, case.status]} if before != case.status else {},
          extra={k: (v.isoformat() if isinstance(v, date) else v) for k, v in extra.items()})


# ---- the API for other capabilities ----------------------------------------------------------------------------

def open_trigger(entity, reason, *, source, occurred_on: date, user, source_ref: str = "",
                 note: str = "") -> ListingCase:
    """Open a listing case for one of the four reasons (idempotent per entity and reason while a case is open)."""
    if reason not in ABNORMAL_REASONS:
        raise ValidationError(f"不是列入经营异常名录的事由：{reason}")
    if source not in TriggerSource.values:
        raise ValidationError(f"未知的触发来源：{source}")
    recorded_date(occurred_on, "事由发生或查实日期")
    existing = ListingCase.objects.filter(entity=entity, reason=reason, status__in=LISTING_OPEN).first()
    if existing is not None:
        return existing
    case = ListingCase(entity=entity, office_id=entity.office_id, kind=kind_for_entity(entity), reason=reason,
                       source=source, source_ref=source_ref[:100], note=note[:500], occurred_on=occurred_on,
                       opened_by=user if getattr(user, "pk", None) else None, status=ListingStatus.REMINDER)
    _set_due(case, REMINDER_RULE, occurred_on)
    try:
        with transaction.atomic():
            case.save()
            audit(actor=user, action=AuditAction.CREATE, target=case,
                  summary=f"列异触发：{case.get_reason_display()}（{case.get_source_display()}）",
                  extra={"entity": entity.pk, "kind": case.kind, "source_ref": source_ref})
    except IntegrityError:
        # Another request opened the same case at the same moment: theirs is the case.
        existing = ListingCase.objects.filter(entity=entity, reason=reason, status__in=LISTING_OPEN).first()
        if existing is None:
            raise
        return existing
    return case


@transaction.atomic
def cure(entity, reason, *, cured_on: date, source, user, source_ref: str = "", note: str = "") -> ListingCase | None:
    """The cause of a listing is gone: close the case before listing, or start the removal after it."""
    if reason not in ABNORMAL_REASONS:
        raise ValidationError(f"不是列入经营异常名录的事由：{reason}")
    if source not in TriggerSource.values:
        raise ValidationError(f"未知的消除来源：{source}")
    recorded_date(cured_on, "事由消除日期")
    found = (ListingCase.objects.select_for_update().select_related("entity")
             .filter(entity=entity, reason=reason, status__in=LISTING_OPEN).first())
    if found is None:
        return None
    case = found
    if case.status == ListingStatus.REMOVAL:
        return case
    before = case.status
    case.cured_on, case.cure_source = cured_on, source
    case.cure_note = "；".join(filter(None, [note, source_ref]))[:300]
    if case.status in LISTING_BEFORE:
        case.status = ListingStatus.CLOSED
        case.closed_on = cured_on
        _set_due(case, None, None)
        case.save()
        _log(case, user, before, f"事由已消除，未{'标记' if case.kind == ListingKind.INDIVIDUAL_ABNORMAL else '列入'}，"
             f"案件办结（{TriggerSource(source).label}）", cured_on=cured_on, source_ref=source_ref)
        _close_serious_candidates(case, user, cured_on)
        return case
    # Listed or marked: the removal (restoration) is due within the rule's period and decided by a repair case.
    case.status = ListingStatus.REMOVAL
    case.removal_due, _rule = deadline(REMOVAL_RULE[case.kind], cured_on)
    case.due_on, case.due_rule = case.removal_due, REMOVAL_RULE[case.kind]
    case.save()
    word = "恢复正常记载状态" if case.kind == ListingKind.INDIVIDUAL_ABNORMAL else "移出"
    _log(case, user, before, f"事由已消除，待{word}（期限 {case.removal_due.isoformat()}）", cured_on=cured_on,
         source_ref=source_ref)
    from .repair import repair_open_for_cure

    repair_open_for_cure(case=case, by=user, on=cured_on, source=source, note=note)
    _close_serious_candidates(case, user, cured_on)
    return case


def _close_serious_candidates(case: ListingCase, by, on: date) -> None:
    """A cured abnormal listing ends the serious-list procedure built on it, if it has not reached the list."""
    for serious in ListingCase.objects.select_for_update().filter(source_listing=case, status__in=LISTING_BEFORE):
        before = serious.status
        serious.status, serious.closed_on = ListingStatus.CLOSED, on
        _set_due(serious, None, None)
        serious.save()
        _log(serious, by, before, "原经营异常名录事由已消除，不再列入严重违法失信名单")


# ---- abnormal list and individual mark -------------------------------------------------------------------------

@transaction.atomic
def listing_remind(*, case: ListingCase, by, on: date, channel: str, note: str = "") -> ListingCase:
    """提醒提示: record the notice to the entity; the buffer period (信用惩戒缓冲) starts."""
    case = _locked(case)
    _require(case, [ListingStatus.REMINDER], "登记提醒")
    _require_kind(case, [ListingKind.ABNORMAL, ListingKind.INDIVIDUAL_ABNORMAL], "按列异流程登记提醒")
    if channel not in ReminderChannel.values:
        raise ValidationError("请选择提醒方式。")
    recorded_date(on, "提醒日期", not_before=case.occurred_on, not_before_label="事由发生日期")
    before = case.status
    case.reminded_on, case.reminder_channel, case.reminder_note, case.reminded_by = on, channel, note[:300], by
    case.buffer_until, _rule = deadline(BUFFER_RULE, on)
    case.status = ListingStatus.BUFFER
    _set_due(case, LISTING_RULE[case.kind], case.buffer_until)
    case.save()
    _log(case, by, before, f"已提醒（{ReminderChannel(channel).label}），缓冲期至 {case.buffer_until.isoformat()}",
         reminded_on=on, buffer_until=case.buffer_until)
    _issue(case, "listing_reminder", by, on)
    return case


@transaction.atomic
def listing_propose(*, case: ListingCase, by, on: date, note: str) -> ListingCase:
    """The buffer has run out without a cure: propose the listing (or mark) for a second reviewer."""
    case = _locked(case)
    _require(case, [ListingStatus.BUFFER], "提出拟列入意见")
    _require_kind(case, [ListingKind.ABNORMAL, ListingKind.INDIVIDUAL_ABNORMAL], "按列异流程提出拟列入意见")
    if case.buffer_until and on <= case.buffer_until:
        raise ValidationError(f"缓冲期至 {case.buffer_until.isoformat()} 届满，届满后才能提出拟列入意见。")
    recorded_date(on, "拟列入日期")
    if not note.strip():
        raise ValidationError("请填写拟列入意见（事实和依据）。")
    before = case.status
    case.status, case.proposed_on, case.proposed_by, case.proposal_note = ListingStatus.PROPOSED, on, by, note[:500]
    case.save()
    _log(case, by, before, "提出拟列入意见，待审核", proposed_on=on)
    return case


@transaction.atomic
def listing_approve(*, case: ListingCase, by, on: date) -> ListingCase:
    """Prudent listing: a second reviewer (not the proposer) approves; the entity is listed or marked."""
    case = _locked(case)
    _require(case, [ListingStatus.PROPOSED], "审核列入")
    _require_kind(case, [ListingKind.ABNORMAL, ListingKind.INDIVIDUAL_ABNORMAL], "按列异流程审核列入")
    if case.proposed_by_id == getattr(by, "pk", None):
        raise ValidationError("审慎列异：拟列入意见须由另一名工作人员审核，提出人不能审核自己的意见。")
    recorded_date(on, "审核日期", not_before=case.proposed_on, not_before_label="拟列入日期")
    before = case.status
    case.status, case.approved_on, case.approved_by, case.listed_on = ListingStatus.LISTED, on, by, on
    _set_due(case, None, None)
    case.save()
    word = "标记经营异常状态" if case.kind == ListingKind.INDIVIDUAL_ABNORMAL else "列入经营异常名录"
    _log(case, by, before, f"审核同意，{word}（{on.isoformat()}）", listed_on=on)
    code = "individual_abnormal_notice" if case.kind == ListingKind.INDIVIDUAL_ABNORMAL else "abnormal_listing_decision"
    doc = _issue(case, code, by, on)
    if doc is not None and getattr(doc, "number", ""):
        case.decision_no = doc.number[:60]
        case.save(update_fields=["decision_no"])
    return case


@transaction.atomic
def listing_reject(*, case: ListingCase, by, on: date, reason: str) -> ListingCase:
    """The second reviewer does not agree (or the level above refuses): the case closes without a listing."""
    case = _locked(case)
    _require(case, [ListingStatus.PROPOSED, ListingStatus.APPROVAL], "作出不予列入的决定")
    if (case.status == ListingStatus.APPROVAL) != (case.kind == ListingKind.SERIOUS):
        raise ValidationError(f"{case.get_kind_display()}案件在“{case.status_label}”步骤不能作出不予列入的决定。")
    if case.status == ListingStatus.PROPOSED and case.proposed_by_id == getattr(by, "pk", None):
        raise ValidationError("拟列入意见须由另一名工作人员审核，提出人不能审核自己的意见。")
    if not reason.strip():
        raise ValidationError("请填写不予列入的理由。")
    recorded_date(on, "审核日期")
    before = case.status
    case.status, case.closed_on, case.removal_reason = ListingStatus.CLOSED, on, reason[:300]
    _set_due(case, None, None)
    case.save()
    _log(case, by, before, f"不予列入：{reason[:200]}")
    return case


@transaction.atomic
def listing_remove(*, case: ListingCase, by, on: date, reason: str, repair_case=None) -> ListingCase:
    """Remove the listing (restore the mark): on a repair decision, at the serious list's term, or ex officio."""
    case = _locked(case)
    _require(case, LISTING_IN_FORCE, "移出（恢复）")
    if not reason.strip():
        raise ValidationError("请填写移出（恢复）原因。")
    recorded_date(on, "移出（恢复）日期", not_before=case.listed_on, not_before_label="列入日期")
    before = case.status
    case.status, case.removed_on, case.removal_reason, case.closed_on = ListingStatus.REMOVED, on, reason[:300], on
    _set_due(case, None, None)
    case.save()
    _log(case, by, before, f"{'恢复正常记载状态' if case.kind == ListingKind.INDIVIDUAL_ABNORMAL else '移出'}："
         f"{reason[:200]}", removed_on=on, repair_case=getattr(repair_case, "number", ""))
    if repair_case is None:  # ex officio or at the serious list's term; a repair case's decision is its document
        from .listing_documents import REMOVAL_DOCUMENT

        _issue(case, REMOVAL_DOCUMENT[case.kind], by, on)
    return case


# ---- objections ------------------------------------------------------------------------------------------------

@transaction.atomic
def objection_receive(*, case: ListingCase, by, received_on: date, grounds: str) -> ListingObjection:
    """An objection to a listing or mark, within the objection period from the listing's publicity."""
    case = _locked(case)
    _require(case, LISTING_IN_FORCE, "登记异议")
    _require_kind(case, OBJECTION_RULES, "在此登记异议")
    recorded_date(received_on, "收到异议日期", not_before=case.listed_on, not_before_label="列入日期")
    period, acceptance, _verify = OBJECTION_RULES[case.kind]
    last_day, _rule = deadline(period, case.listed_on)
    if received_on > last_day:
        raise ValidationError(f"异议期限至 {last_day.isoformat()} 届满（自公示之日起），已超过期限，不能登记异议。")
    if not grounds.strip():
        raise ValidationError("请填写异议理由。")
    if case.objections.filter(status__in=[ObjectionStatus.RECEIVED, ObjectionStatus.ACCEPTED]).exists():
        raise ValidationError("该案件已有尚未办结的异议。")
    objection = ListingObjection.objects.create(
        case=case, received_on=received_on, grounds=grounds, received_by=by,
        acceptance_due=deadline(acceptance, received_on)[0])
    audit(actor=by, action=AuditAction.CREATE, target=case, summary=f"收到异议（{received_on.isoformat()}）",
          extra={"objection": objection.pk})
    return objection


def _locked_objection(objection: ListingObjection) -> ListingObjection:
    return ListingObjection.objects.select_for_update().select_related("case", "case__entity").get(pk=objection.pk)


@transaction.atomic
def objection_accept(*, objection: ListingObjection, by, on: date) -> ListingObjection:
    objection = _locked_objection(objection)
    if objection.status != ObjectionStatus.RECEIVED:
        raise ValidationError(f"该异议当前为“{objection.get_status_display()}”，不能受理。")
    recorded_date(on, "受理日期", not_before=objection.received_on, not_before_label="收到异议日期")
    objection.status, objection.accepted_on, objection.handled_by = ObjectionStatus.ACCEPTED, on, by
    objection.verification_due = deadline(OBJECTION_RULES[objection.case.kind][2], on)[0]
    objection.save()
    audit(actor=by, action=AuditAction.STATUS, target=objection.case, summary="受理异议，开始核实",
          extra={"objection": objection.pk, "verification_due": objection.verification_due.isoformat()})
    return objection


@transaction.atomic
def objection_refuse(*, objection: ListingObjection, by, on: date, reason: str) -> ListingObjection:
    objection = _locked_objection(objection)
    if objection.status != ObjectionStatus.RECEIVED:
        raise ValidationError(f"该异议当前为“{objection.get_status_display()}”，不能作出不予受理决定。")
    if not reason.strip():
        raise ValidationError("请填写不予受理的理由。")
    recorded_date(on, "决定日期", not_before=objection.received_on, not_before_label="收到异议日期")
    objection.status, objection.accepted_on, objection.handled_by = ObjectionStatus.REFUSED, on, by
    objection.conclusion = reason[:500]
    objection.save()
    audit(actor=by, action=AuditAction.STATUS, target=objection.case, summary=f"异议不予受理：{reason[:200]}",
          extra={"objection": objection.pk})
    _issue_objection(objection, "listing_objection_refusal_notice", by, on)
    return objection


@transaction.atomic
def objection_conclude(*, objection: ListingObjection, by, on: date, upheld: bool, conclusion: str) -> ListingObjection:
    """The verification's result: an upheld objection revokes the listing; a rejected one leaves it in force."""
    objection = _locked_objection(objection)
    if objection.status != ObjectionStatus.ACCEPTED:
        raise ValidationError(f"该异议当前为“{objection.get_status_display()}”，不能作出核实结论。")
    if not conclusion.strip():
        raise ValidationError("请填写核实结论。")
    recorded_date(on, "核实结论日期", not_before=objection.accepted_on, not_before_label="受理日期")
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED
    objection.decided_on, objection.conclusion, objection.handled_by = on, conclusion[:500], by
    objection.save()
    case = _locked(objection.case)
    if upheld:
        _require(case, LISTING_IN_FORCE, "因异议成立撤销")
        before = case.status
        case.status, case.closed_on, case.removal_reason = ListingStatus.REVOKED, on, f"异议成立：{conclusion[:280]}"
        _set_due(case, None, None)
        case.save()
        _log(case, by, before, "异议成立，撤销列入（标记）", objection=objection.pk)
    else:
        audit(actor=by, action=AuditAction.STATUS, target=case, summary="异议不成立，维持列入（标记）",
              extra={"objection": objection.pk})
    objection.case = case
    _issue_objection(objection, "listing_objection_upheld_decision" if upheld else "listing_objection_rejected_notice",
                     by, on)
    return objection


# ---- serious-violation list ------------------------------------------------------------------------------------

def third_anniversary(listing: ListingCase) -> date:
    """The day an abnormal listing has lasted three years (the rule abnormal_list_to_serious)."""
    return deadline(SERIOUS_AFTER_RULE, listing.listed_on)[0]


def reminder_window_start(listing: ListingCase) -> date:
    """The first day of the reminder window before the third anniversary (rule serious_list_reminder_lead)."""
    anniversary = third_anniversary(listing)
    lead = rule_for(SERIOUS_LEAD_RULE, anniversary)
    return add_period(anniversary, -lead.amount, lead.unit)


@transaction.atomic
def serious_open(*, entity, reason: str, by, occurred_on: date, source_listing: ListingCase | None = None,
                 note: str = "") -> ListingCase:
    """Open a serious-list procedure: from an abnormal listing nearing three years, or on other grounds."""
    if reason not in SERIOUS_REASONS:
        raise ValidationError("请选择列入严重违法失信名单的事由。")
    recorded_date(occurred_on, "立案日期")
    if reason == ListingReason.THREE_YEARS:
        if source_listing is None:
            raise ValidationError("“届满三年”事由须关联原经营异常名录记录。")
        source_listing = ListingCase.objects.select_for_update().get(pk=source_listing.pk)
        if source_listing.kind != ListingKind.ABNORMAL or source_listing.status != ListingStatus.LISTED:
            raise ValidationError("原记录不是在列的经营异常名录记录（个体工商户不适用；已消除的不再列严）。")
        if source_listing.entity_id != entity.pk:
            raise ValidationError("原经营异常名录记录不属于该市场主体。")
        start = reminder_window_start(source_listing)
        if occurred_on < start:
            raise ValidationError(f"列入经营异常名录届满三年前 60 日（{start.isoformat()}）起才能启动。")
    elif not note.strip():
        raise ValidationError("请填写列入严重违法失信名单的事实和依据。")
    if ListingCase.objects.filter(entity=entity, reason=reason, status__in=LISTING_OPEN).exists():
        raise ValidationError("该市场主体已有同一事由的严重违法失信名单案件在办。")
    case = ListingCase(entity=entity, office_id=entity.office_id, kind=ListingKind.SERIOUS, reason=reason,
                       source=TriggerSource.STAFF, occurred_on=occurred_on, opened_by=by, note=note[:500],
                       source_listing=source_listing, status=ListingStatus.REMINDER)
    if source_listing is not None:
        case.due_on, case.due_rule = third_anniversary(source_listing), SERIOUS_AFTER_RULE
    case.save()
    audit(actor=by, action=AuditAction.CREATE, target=case,
          summary=f"严重违法失信名单立案：{case.get_reason_display()}",
          extra={"source_listing": getattr(source_listing, "pk", None)})
    return case


@transaction.atomic
def serious_notify(*, case: ListingCase, by, on: date, channel: str, note: str = "") -> ListingCase:
    """Notice of the reasons and basis (告知): the statement-and-defence period starts."""
    case = _locked(case)
    _require_kind(case, [ListingKind.SERIOUS], "发出列严告知")
    _require(case, [ListingStatus.REMINDER], "发出告知")
    if channel not in ReminderChannel.values:
        raise ValidationError("请选择告知方式。")
    recorded_date(on, "告知日期", not_before=case.occurred_on, not_before_label="立案日期")
    if case.source_listing_id:
        source = ListingCase.objects.get(pk=case.source_listing_id)
        if source.status != ListingStatus.LISTED:
            raise ValidationError("原经营异常名录记录已不在列，不能列入严重违法失信名单。")
        anniversary = third_anniversary(source)
        if on < anniversary:
            raise ValidationError(f"列入经营异常名录届满三年之日（{anniversary.isoformat()}）后才能告知拟列严。")
    before = case.status
    case.status, case.notified_on, case.reminder_channel, case.reminder_note = ListingStatus.NOTIFIED, on, channel, note
    case.statement_due, _rule = deadline(STATEMENT_RULE, on)
    _set_due(case, None, None)  # the statement period is the entity's, not a step the bureau can be late for
    case.save()
    _log(case, by, before, f"告知拟列入严重违法失信名单，陈述申辩期至 {case.statement_due.isoformat()}")
    _issue(case, "serious_listing_notice", by, on)
    return case


@transaction.atomic
def serious_statement(*, case: ListingCase, by, statement: str, hearing_requested: bool) -> ListingCase:
    """Record the entity's statement and defence; a hearing request moves the case to the hearing step."""
    case = _locked(case)
    _require_kind(case, [ListingKind.SERIOUS], "登记陈述申辩")
    _require(case, [ListingStatus.NOTIFIED], "登记陈述申辩")
    if not statement.strip() and not hearing_requested:
        raise ValidationError("请填写陈述申辩意见，或勾选“申请听证”。")
    before = case.status
    case.statement, case.hearing_requested = statement, hearing_requested
    if hearing_requested:
        case.status = ListingStatus.HEARING
        _set_due(case, None, None)
    case.save()
    _log(case, by, before, "登记陈述申辩" + ("，当事人申请听证" if hearing_requested else ""))
    return case


@transaction.atomic
def serious_hearing(*, case: ListingCase, by, held_on: date, note: str) -> ListingCase:
    case = _locked(case)
    _require_kind(case, [ListingKind.SERIOUS], "登记听证")
    _require(case, [ListingStatus.HEARING], "登记听证")
    recorded_date(held_on, "听证日期", not_before=case.notified_on, not_before_label="告知日期")
    if not note.strip():
        raise ValidationError("请填写听证情况。")
    before = case.status
    case.hearing_on, case.hearing_note, case.status = held_on, note[:500], ListingStatus.APPROVAL
    _set_due(case, None, None)
    case.save()
    _log(case, by, before, "听证已举行，报上级机关批准", hearing_on=held_on)
    return case


@transaction.atomic
def serious_submit(*, case: ListingCase, by, on: date, authority: str) -> ListingCase:
    """After the statement period (no hearing requested): submit to the level above for approval."""
    case = _locked(case)
    _require_kind(case, [ListingKind.SERIOUS], "报上级机关批准")
    _require(case, [ListingStatus.NOTIFIED], "报上级机关批准")
    if case.statement_due and on <= case.statement_due and not case.statement:
        raise ValidationError(f"陈述申辩期至 {case.statement_due.isoformat()}，期满或当事人已陈述申辩后才能报批。")
    if not authority.strip():
        raise ValidationError("请填写批准机关。")
    recorded_date(on, "报批日期", not_before=case.notified_on, not_before_label="告知日期")
    before = case.status
    case.status, case.superior_authority = ListingStatus.APPROVAL, authority[:100]
    _set_due(case, None, None)
    case.save()
    _log(case, by, before, f"报{authority[:50]}批准")
    return case


@transaction.atomic
def serious_approve(*, case: ListingCase, by, approved_on: date, authority: str, approver: str,
                    document: str) -> ListingCase:
    """The level above's approval is recorded (who, when, which document); the entity is listed for the term."""
    case = _locked(case)
    _require_kind(case, [ListingKind.SERIOUS], "登记上级批准并列入")
    _require(case, [ListingStatus.APPROVAL], "登记上级批准并列入")
    if not (authority.strip() and approver.strip() and document.strip()):
        raise ValidationError("请填写批准机关、批准人和批准文件。")
    recorded_date(approved_on, "批准日期", not_before=case.notified_on, not_before_label="告知日期")
    before = case.status
    case.superior_authority, case.superior_approver = authority[:100], approver[:50]
    case.superior_approved_on, case.superior_document = approved_on, document[:100]
    case.status, case.listed_on, case.approved_on, case.approved_by = ListingStatus.LISTED, approved_on, approved_on, by
    case.term_end, _rule = deadline(SERIOUS_TERM_RULE, approved_on)
    case.due_on, case.due_rule = case.term_end, SERIOUS_TERM_RULE
    case.save()
    _log(case, by, before, f"经{authority[:50]}批准（{document[:50]}），列入严重违法失信名单，"
         f"公示期至 {case.term_end.isoformat()}", approved_on=approved_on)
    doc = _issue(case, "serious_listing_decision", by, approved_on)
    if doc is not None and getattr(doc, "number", ""):
        case.decision_no = doc.number[:60]
        case.save(update_fields=["decision_no"])
    return case


@transaction.atomic
def serious_close(*, case: ListingCase, by, on: date, reason: str) -> ListingCase:
    """End a serious-list procedure before listing (the statement is accepted, the grounds fall away)."""
    case = _locked(case)
    _require_kind(case, [ListingKind.SERIOUS], "按列严流程终止")
    _require(case, [ListingStatus.REMINDER, ListingStatus.NOTIFIED, ListingStatus.HEARING, ListingStatus.APPROVAL],
             "终止")
    if not reason.strip():
        raise ValidationError("请填写终止理由。")
    before = case.status
    case.status, case.closed_on, case.removal_reason = ListingStatus.CLOSED, on, reason[:300]
    _set_due(case, None, None)
    case.save()
    _log(case, by, before, f"终止列严程序：{reason[:200]}")
    return case


def serious_remove_expired(*, on: date | None = None, by=None) -> int:
    """Remove from the serious list every listing whose publicity term has ended (nightly; idempotent). Each removal
    issues its 移出严重违法失信名单决定书 (made by 系统自动 when ``by`` is None); a removal whose document cannot be
    issued (template switched off) stays listed, is logged, and is tried again the next night."""
    on = on or _today()
    removed = 0
    for case in ListingCase.objects.filter(kind=ListingKind.SERIOUS, status__in=LISTING_IN_FORCE,
                                           term_end__lt=on).order_by("id"):
        try:
            listing_remove(case=case, by=by, on=case.term_end, reason="严重违法失信名单公示期届满")
        except ValidationError as exc:
            logger.error("serious listing %s not removed at term: %s", case.pk, "；".join(exc.messages))
            continue
        removed += 1
    return removed


# ---- documents (core.documents, when present) -------------------------------------------------------------------

def _issue(case: ListingCase, code: str, by, on: date):
    """Issue the step's standard document from the administrator's template; None while none is available."""
    from .listing_documents import issue_for_listing

    return issue_for_listing(case, code, by, on)


def _issue_objection(objection: ListingObjection, code: str, by, on: date):
    from .listing_documents import issue_for_objection

    return issue_for_objection(objection, code, by, on)


# ---- what a page offers -----------------------------------------------------------------------------------------

def listing_actions(case: ListingCase) -> list[str]:
    """The transitions the case's status allows (the page shows these forms; the services still check)."""
    s, k = case.status, case.kind
    if k == ListingKind.SERIOUS:
        return {
            ListingStatus.REMINDER: ["notify", "close_serious"],
            ListingStatus.NOTIFIED: ["statement", "submit", "close_serious"],
            ListingStatus.HEARING: ["hearing", "close_serious"],
            ListingStatus.APPROVAL: ["approve_serious", "reject", "close_serious"],
            ListingStatus.LISTED: ["remove"],
            ListingStatus.REMOVAL: ["remove"],
        }.get(s, [])
    return {
        ListingStatus.REMINDER: ["remind", "cure"],
        ListingStatus.BUFFER: ["propose", "cure"],
        ListingStatus.PROPOSED: ["approve", "reject", "cure"],
        ListingStatus.LISTED: ["cure", "objection", "remove"],
        ListingStatus.REMOVAL: ["objection", "remove"],
    }.get(s, [])
