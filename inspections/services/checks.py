"""Doing the checks: results (未录入 → 待审核 → 审核退回 / 已审核 → 已公示), attachments, follow-up, publication."""
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import audit
from core.choices import AuditAction
from core.models import AuditLog

from ..choices import PROBLEM_CODES, CheckStatus, FollowUpMeasure, FollowUpStatus, ResultCode
from ..models import CheckAttachment, FollowUp, SpotCheck

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = {".jpg", ".jpeg", ".png", ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ofd", ".zip"}


def _move(spot_check: SpotCheck, allowed: tuple, to: CheckStatus, values: dict) -> SpotCheck:
    """A guarded state change: only from the allowed states, refused if someone else moved it first."""
    updated = SpotCheck.objects.filter(pk=spot_check.pk, status__in=allowed).update(status=to, **values)
    if not updated:
        current = SpotCheck.objects.get(pk=spot_check.pk).get_status_display()
        raise ValidationError(f"检查当前状态为“{current}”，不能执行此操作（可能已被他人处理，请刷新页面）。")
    spot_check.refresh_from_db()
    return spot_check


@transaction.atomic
def check_submit_result(*, spot_check: SpotCheck, result_code: str, findings: str, checked_on: date,
                        by) -> SpotCheck:
    """Record a check's result and send it for review (from 未录入 or 审核退回)."""
    errors = {}
    if result_code not in ResultCode.values:
        errors["result_code"] = "请选择检查结果。"
    if checked_on is None:
        errors["checked_on"] = "请填写检查日期。"
    elif checked_on > timezone.localdate():
        errors["checked_on"] = "检查日期不能晚于今天。"
    elif checked_on < timezone.localtime(spot_check.draw.drawn_at).date():
        errors["checked_on"] = f"检查日期不能早于抽取日期（{timezone.localtime(spot_check.draw.drawn_at):%Y-%m-%d}）。"
    findings = (findings or "").strip()
    if result_code in PROBLEM_CODES and not findings:
        errors["findings"] = "发现问题的，请写明检查情况。"
    if errors:
        raise ValidationError(errors)
    before = spot_check.get_status_display()
    spot_check = _move(spot_check, (CheckStatus.PENDING, CheckStatus.RETURNED), CheckStatus.SUBMITTED, {
        "result_code": result_code, "findings": findings, "checked_on": checked_on, "recorded_by": by,
        "submitted_at": timezone.now(), "review_note": "",
    })
    audit(actor=by, action=AuditAction.STATUS, target=spot_check,
          summary=f"录入检查结果并提交审核：{spot_check.entity.name} {spot_check.get_result_code_display()}",
          changes={"status": [before, spot_check.get_status_display()], "result_code": [None, result_code],
                   "checked_on": [None, checked_on.isoformat()]})
    return spot_check


@transaction.atomic
def check_review(*, spot_check: SpotCheck, approve: bool, note: str, by) -> SpotCheck:
    """Review a submitted result: approve it (已审核) or return it with the reason (审核退回)."""
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "退回时请写明原因。"})
    if spot_check.recorded_by_id == by.pk:
        raise ValidationError("不能审核自己录入的检查结果。")
    to = CheckStatus.APPROVED if approve else CheckStatus.RETURNED
    spot_check = _move(spot_check, (CheckStatus.SUBMITTED,), to, {
        "reviewed_by": by, "reviewed_at": timezone.now(), "review_note": note[:300]})
    audit(actor=by, action=AuditAction.STATUS, target=spot_check,
          summary=f"审核检查结果：{spot_check.entity.name} {to.label}",
          changes={"status": [CheckStatus.SUBMITTED.label, to.label]}, extra={"note": note})
    if approve and spot_check.result_code == ResultCode.UNREACHABLE:
        # An approved "unreachable at the registered address" result is a listing trigger (列异: reminder first).
        from credit.choices import ListingReason, TriggerSource
        from credit.listings import open_trigger

        open_trigger(spot_check.entity, ListingReason.UNREACHABLE, source=TriggerSource.SPOT_CHECK,
                     occurred_on=spot_check.checked_on, user=by, source_ref=f"抽查检查结果 {spot_check.pk}")
    return spot_check


@transaction.atomic
def check_publish(*, spot_check: SpotCheck, published_on: date, by) -> SpotCheck:
    """Mark one reviewed result as published (已公示) on the collaborative platform."""
    return checks_publish(ids=[spot_check.pk], published_on=published_on, by=by)[0]


@transaction.atomic
def checks_publish(*, ids: list[int], published_on: date, by) -> list[SpotCheck]:
    """Mark reviewed results published on a date, all or none; one audit record per check."""
    if published_on is None:
        raise ValidationError({"published_on": "请填写公示日期。"})
    if published_on > timezone.localdate():
        raise ValidationError({"published_on": "公示日期不能晚于今天。"})
    checks = list(SpotCheck.objects.select_for_update().filter(pk__in=ids).select_related("entity"))
    if not checks:
        raise ValidationError("请选择要标记公示的检查结果。")
    not_ready = [c for c in checks if c.status != CheckStatus.APPROVED]
    if not_ready:
        raise ValidationError(f"{not_ready[0].entity.name} 的结果状态为“{not_ready[0].get_status_display()}”，"
                              "只有已审核的结果可以标记公示。")
    early = [c for c in checks if c.checked_on and published_on < c.checked_on]
    if early:
        raise ValidationError(f"公示日期不能早于 {early[0].entity.name} 的检查日期（{early[0].checked_on}）。")
    SpotCheck.objects.filter(pk__in=[c.pk for c in checks], status=CheckStatus.APPROVED).update(
        status=CheckStatus.PUBLISHED, published_on=published_on, published_by=by)
    content_type = ContentType.objects.get_for_model(SpotCheck)
    AuditLog.objects.bulk_create(
        AuditLog(actor=by, action=AuditAction.STATUS, target_type=content_type, target_id=str(c.pk),
                 target_repr=str(c)[:200], summary=f"标记已公示：{c.entity.name}（公示日期 {published_on}）",
                 changes={"status": [CheckStatus.APPROVED.label, CheckStatus.PUBLISHED.label],
                          "published_on": [None, published_on.isoformat()]})
        for c in checks)
    for c in checks:
        c.status, c.published_on, c.published_by = CheckStatus.PUBLISHED, published_on, by
    return checks


@transaction.atomic
def attachment_add(*, spot_check: SpotCheck, upload, by) -> CheckAttachment:
    """Keep a file with a check's result (photos, on-site records), before the result is reviewed."""
    import os

    if spot_check.status not in (CheckStatus.PENDING, CheckStatus.RETURNED, CheckStatus.SUBMITTED):
        raise ValidationError("结果已审核，不能再添加附件。")
    extension = os.path.splitext(upload.name)[1].lower()
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError(f"不支持“{extension or '无扩展名'}”类型的文件，"
                              "可上传图片、PDF、OFD、Word、Excel 或 ZIP。")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(f"文件不能超过 {MAX_ATTACHMENT_BYTES // 1048576} MB。")
    attachment = CheckAttachment(spot_check=spot_check, name=upload.name[:200], size=upload.size, uploaded_by=by)
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    audit(actor=by, action=AuditAction.CREATE, target=spot_check, summary=f"上传检查附件 {attachment.name}",
          extra={"attachment": attachment.pk, "size": attachment.size})
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: CheckAttachment, by) -> None:
    """Remove an attachment added by mistake, while the result can still change."""
    spot_check = attachment.spot_check
    if spot_check.status not in (CheckStatus.PENDING, CheckStatus.RETURNED, CheckStatus.SUBMITTED):
        raise ValidationError("结果已审核，附件不能删除。")
    audit(actor=by, action=AuditAction.DELETE, target=spot_check, summary=f"删除检查附件 {attachment.name}",
          extra={"attachment": attachment.pk})
    attachment.file.delete(save=False)
    attachment.delete()


@transaction.atomic
def follow_up_open(*, spot_check: SpotCheck, measure: str, note: str, by, deadline: date | None = None,
                   case_number: str = "", transfer_to=None) -> FollowUp:
    """Open follow-up handling of a problem the check found: rectification, case, listing proposal, transfer."""
    errors = {}
    if spot_check.result_code not in PROBLEM_CODES or spot_check.status in (CheckStatus.PENDING,
                                                                           CheckStatus.RETURNED):
        raise ValidationError("只有已录入且发现问题的检查结果需要后续处置。")
    if measure not in FollowUpMeasure.values:
        errors["measure"] = "请选择处置措施。"
    if measure == FollowUpMeasure.RECTIFICATION:
        if deadline is None:
            errors["deadline"] = "责令整改须填写整改期限。"
        elif spot_check.checked_on and deadline < spot_check.checked_on:
            errors["deadline"] = "整改期限不能早于检查日期。"
    if measure == FollowUpMeasure.TRANSFER and transfer_to is None:
        errors["transfer_to"] = "移送须选择接收部门。"
    if measure == FollowUpMeasure.CASE and not (case_number or "").strip():
        errors["case_number"] = "立案查处请填写立案文号。"
    if errors:
        raise ValidationError(errors)
    follow_up = FollowUp.objects.create(
        spot_check=spot_check, measure=measure, deadline=deadline if measure == FollowUpMeasure.RECTIFICATION else None,
        case_number=(case_number or "").strip()[:60], transfer_to=transfer_to if measure == "transfer" else None,
        note=(note or "").strip(), opened_by=by)
    audit(actor=by, action=AuditAction.CREATE, target=spot_check,
          summary=f"后续处置：{follow_up.get_measure_display()}（{spot_check.entity.name}）",
          extra={"follow_up": follow_up.pk, "deadline": deadline.isoformat() if deadline else None})
    return follow_up


@transaction.atomic
def follow_up_close(*, follow_up: FollowUp, completed_on: date, note: str, by) -> FollowUp:
    """Close a follow-up once its measure is done; only then does the problem count as handled."""
    note = (note or "").strip()
    if completed_on is None:
        raise ValidationError({"completed_on": "请填写办结日期。"})
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "办结日期不能晚于今天。"})
    checked_on = follow_up.spot_check.checked_on
    if checked_on and completed_on < checked_on:
        raise ValidationError({"completed_on": f"办结日期不能早于检查日期（{checked_on}）。"})
    if not note:
        raise ValidationError({"note": "请写明办结情况（整改结果、处罚决定、列异决定或接收部门反馈）。"})
    updated = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUpStatus.OPEN).update(
        status=FollowUpStatus.CLOSED, completed_on=completed_on, completion_note=note, closed_by=by)
    if not updated:
        raise ValidationError("该处置已办结。")
    follow_up.refresh_from_db()
    audit(actor=by, action=AuditAction.STATUS, target=follow_up.spot_check,
          summary=f"后续处置办结：{follow_up.get_measure_display()}（{follow_up.spot_check.entity.name}）",
          changes={"follow_up_status": [FollowUpStatus.OPEN.label, FollowUpStatus.CLOSED.label]},
          extra={"follow_up": follow_up.pk, "completed_on": completed_on.isoformat()})
    return follow_up
