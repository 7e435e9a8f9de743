"""Penalty publicity (行政处罚信息公示): record a decision, publish it within the time limit, end it at the end of
its publicity period, withdraw it when the decision is revoked, end it early on credit repair.

Periods come from the rule table: penalty_publicity (publish within, from the decision), penalty_publicity_short
(通报批评 and low fines) and penalty_publicity_long (the rest) from the publication, penalty_publicity_withdrawal
(withdraw after revocation). Warnings are not published.
"""
from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import audit
from core.choices import AuditAction
from core.workdays import deadline

from .choices import (
    PENALTY_SHORT_KINDS,
    PENALTY_UNPUBLISHED_KINDS,
    PenaltyDomain,
    PenaltyKind,
    PenaltyStatus,
)
from .models import PenaltyRecord

PUBLISH_RULE = "penalty_publicity"
SHORT_RULE = "penalty_publicity_short"
LONG_RULE = "penalty_publicity_long"
WITHDRAW_RULE = "penalty_publicity_withdrawal"


def _today() -> date:
    return timezone.localdate()


def _locked(record: PenaltyRecord) -> PenaltyRecord:
    return PenaltyRecord.objects.select_for_update().get(pk=record.pk)


def _log(record: PenaltyRecord, by, before: str, summary: str) -> None:
    audit(actor=by, action=AuditAction.STATUS, target=record, summary=summary,
          changes={"status": [before, record.status]} if before != record.status else {})


def publicity_period_rule(kind: str) -> str | None:
    """The rule code of the kind's publicity period; None for the kinds not published (warnings)."""
    if kind in PENALTY_UNPUBLISHED_KINDS:
        return None
    return SHORT_RULE if kind in PENALTY_SHORT_KINDS else LONG_RULE


@transaction.atomic
def penalty_record_create(*, entity, decision_no: str, decided_on: date, kind: str, violation: str, authority: str,
                          by, domain: str = PenaltyDomain.GENERAL, fine_amount=None, note: str = "") -> PenaltyRecord:
    """Record a penalty decision; it is due for publicity within the rule's working days (warnings never)."""
    decision_no = decision_no.strip()
    if not decision_no:
        raise ValidationError("请填写处罚决定书文号。")
    if PenaltyRecord.objects.filter(decision_no=decision_no).exists():
        raise ValidationError(f"处罚决定书文号“{decision_no}”已登记。")
    if kind not in PenaltyKind.values:
        raise ValidationError("请选择处罚种类。")
    if domain not in PenaltyDomain.values:
        raise ValidationError("请选择领域。")
    if decided_on is None or decided_on > _today():
        raise ValidationError("处罚决定日期不能为空，也不能晚于今天。")
    if not violation.strip() or not authority.strip():
        raise ValidationError("请填写违法行为类型和作出决定机关。")
    if fine_amount is not None and fine_amount < 0:
        raise ValidationError("罚没金额不能为负数。")
    record = PenaltyRecord(entity=entity, office_id=entity.office_id, decision_no=decision_no[:60],
                           decided_on=decided_on, kind=kind, domain=domain, violation=violation.strip()[:100],
                           authority=authority.strip()[:100], fine_amount=fine_amount, note=note[:300],
                           created_by=by if getattr(by, "pk", None) else None)
    if kind in PENALTY_UNPUBLISHED_KINDS:
        record.status = PenaltyStatus.NOT_PUBLISHED
    else:
        record.publish_due = deadline(PUBLISH_RULE, decided_on)[0]
    record.save()
    audit(actor=by, action=AuditAction.CREATE, target=record,
          summary=f"登记行政处罚决定 {record.decision_no}（{record.get_kind_display()}）")
    return record


@transaction.atomic
def penalty_publish(*, record: PenaltyRecord, by, on: date) -> PenaltyRecord:
    """Published on the credit information system; the publicity end follows from the kind's period."""
    record = _locked(record)
    if record.status != PenaltyStatus.PENDING:
        raise ValidationError(f"该处罚信息当前为“{record.get_status_display()}”，不能公示。")
    if on is None or on > _today() or on < record.decided_on:
        raise ValidationError("公示日期不能晚于今天，也不能早于处罚决定日期。")
    before = record.status
    record.status, record.published_on = PenaltyStatus.PUBLISHED, on
    record.publicity_end = deadline(publicity_period_rule(record.kind), on)[0]
    record.save()
    _log(record, by, before, f"公示，公示期至 {record.publicity_end.isoformat()}")
    return record


@transaction.atomic
def penalty_revoke(*, record: PenaltyRecord, by, revoked_on: date, note: str = "") -> PenaltyRecord:
    """The decision was revoked (复议、诉讼): a published record must be withdrawn within the rule's working days;
    one not yet published is simply never published."""
    record = _locked(record)
    if record.status not in (PenaltyStatus.PENDING, PenaltyStatus.PUBLISHED, PenaltyStatus.NOT_PUBLISHED):
        raise ValidationError(f"该处罚信息当前为“{record.get_status_display()}”，不能登记撤销。")
    if revoked_on is None or revoked_on > _today() or revoked_on < record.decided_on:
        raise ValidationError("撤销日期不能晚于今天，也不能早于处罚决定日期。")
    before = record.status
    record.revoked_on, record.note = revoked_on, (note or record.note)[:300]
    if record.status == PenaltyStatus.PUBLISHED:
        record.status = PenaltyStatus.REVOKED
        record.withdrawal_due = deadline(WITHDRAW_RULE, revoked_on)[0]
        summary = f"处罚决定被撤销，应于 {record.withdrawal_due.isoformat()} 前撤下公示"
    else:
        record.status = PenaltyStatus.WITHDRAWN
        record.withdrawn_on = revoked_on
        summary = "处罚决定被撤销（尚未公示，不再公示）"
    record.save()
    _log(record, by, before, summary)
    return record


@transaction.atomic
def penalty_withdraw(*, record: PenaltyRecord, by, on: date) -> PenaltyRecord:
    record = _locked(record)
    if record.status != PenaltyStatus.REVOKED:
        raise ValidationError(f"该处罚信息当前为“{record.get_status_display()}”，不能撤下。")
    if on is None or on > _today() or on < record.revoked_on:
        raise ValidationError("撤下日期不能晚于今天，也不能早于撤销日期。")
    before = record.status
    record.status, record.withdrawn_on, record.ended_on = PenaltyStatus.WITHDRAWN, on, on
    record.save()
    _log(record, by, before, "已撤下公示" + ("（逾期）" if on > record.withdrawal_due else ""))
    return record


def penalty_end_by_repair(*, record: PenaltyRecord, by, on: date, case) -> PenaltyRecord:
    """Credit repair approved: the publicity stops early (called inside the repair case's transaction)."""
    record = _locked(record)
    if record.status != PenaltyStatus.PUBLISHED:
        raise ValidationError(f"该处罚信息当前为“{record.get_status_display()}”，不能停止公示。")
    before = record.status
    record.status, record.ended_on = PenaltyStatus.REPAIRED, on
    record.save()
    _log(record, by, before, f"信用修复（{case.number}），提前停止公示")
    return record


@transaction.atomic
def penalty_end_expired(*, on: date | None = None, by=None) -> int:
    """End the publicity of every record whose period has run out (daily; idempotent). Returns how many."""
    on = on or _today()
    ended = 0
    for record in PenaltyRecord.objects.select_for_update(skip_locked=True).filter(
            status=PenaltyStatus.PUBLISHED, publicity_end__lt=on):
        record.status, record.ended_on = PenaltyStatus.ENDED, record.publicity_end
        record.save(update_fields=["status", "ended_on"])
        _log(record, by, PenaltyStatus.PUBLISHED, f"公示期于 {record.publicity_end.isoformat()} 届满，停止公示")
        ended += 1
    return ended
