"""Writes of training and conduct: each change validated, audited in its transaction, safe against double submits."""
import hashlib
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from core.audit import audit, diff, model_values
from core.choices import AuditAction
from core.dates import recorded_date

from .choices import AttendanceSource, ClueAccess, ClueStatus, FindingStatus
from .excel import ImportRejected, resolve_attendance_rows
from .materials import check_material
from .models import (
    Attendance,
    Clue,
    ClueView,
    ConductFinding,
    ConductInspection,
    ConductPlan,
    TrainingMaterial,
    TrainingSession,
)
from .selectors import trainees

SESSION_FIELDS = ["topic", "kind", "lecturer", "date", "start_time", "end_time", "hours", "place", "audience",
                  "organiser", "description"]
PLAN_FIELDS = ["year", "kind", "title", "topic", "starts_on", "ends_on", "description"]
INSPECTION_FIELDS = ["office", "department", "inspected_on", "summary"]
FINDING_FIELDS = ["problem", "requirement", "responsible", "deadline"]
CLUE_FIELDS = ["received_on", "source", "inspection", "subject", "content"]


def _save_validated(obj, duplicate_message: str) -> None:
    """full_clean (fields, clean(), constraints) then save; a race past the check still reads as a duplicate."""
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError(duplicate_message)


def _values(obj, fields) -> dict:
    """model_values, with times of day as text too (the audit trail stores JSON)."""
    return {k: v.isoformat(timespec="minutes") if isinstance(v, time) else v
            for k, v in model_values(obj, fields).items()}


def _apply(obj, data: dict, fields: list[str]) -> None:
    for field in fields:
        if field in data:
            setattr(obj, field, data[field])


def _created(obj, fields) -> dict:
    return {f: [None, v] for f, v in _values(obj, fields).items() if v not in (None, "")}


def _local_today() -> date:
    return timezone.localdate()


# -- Training sessions --------------------------------------------------------------------------------------


@transaction.atomic
def session_create(*, data: dict, by) -> TrainingSession:
    """Register a training session (a 大讲堂 lecture, a course) with its date, time and hours."""
    session = TrainingSession(created_by=by)
    _apply(session, data, SESSION_FIELDS)
    _save_validated(session, "同一日期、同一开始时间的同主题培训已登记，请勿重复提交。")
    audit(actor=by, action=AuditAction.CREATE, target=session, summary=f"登记培训：{session}",
          changes=_created(session, SESSION_FIELDS))
    return session


@transaction.atomic
def session_update(*, session: TrainingSession, data: dict, by) -> TrainingSession:
    """Correct a session's details; a change of hours changes every attendee's credited hours."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    before = _values(session, SESSION_FIELDS)
    _apply(session, data, SESSION_FIELDS)
    changes = diff(before, _values(session, SESSION_FIELDS))
    if not changes:
        return session
    _save_validated(session, "同一日期、同一开始时间的同主题培训已登记。")
    audit(actor=by, action=AuditAction.UPDATE, target=session, summary=f"修改培训：{session}", changes=changes,
          extra={"attendees": session.attendances.count()})
    return session


@transaction.atomic
def session_delete(*, session: TrainingSession, by) -> None:
    """Delete a session entered by mistake; refused once anyone has signed in (their hours depend on it)."""
    session = TrainingSession.objects.select_for_update().filter(pk=session.pk).first()
    if session is None:
        raise ValidationError("该培训已被删除。")
    signed = session.attendances.count()
    if signed:
        raise ValidationError(f"该培训已有 {signed} 人签到，不能删除；如确属误录，请先移除全部签到记录。")
    files = [m.file.name for m in session.materials.all()]
    audit(actor=by, action=AuditAction.DELETE, target=session, summary=f"删除培训：{session}",
          changes={f: [v, None] for f, v in _values(session, SESSION_FIELDS).items()},
          extra={"materials": [m.original_name for m in session.materials.all()]})
    session.materials.all().delete()
    session.delete()
    transaction.on_commit(lambda: _remove_files(files))


# -- Materials ----------------------------------------------------------------------------------------------


def _remove_files(names: Iterable[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        if name:
            default_storage.delete(name)


@transaction.atomic
def material_upload(*, session: TrainingSession, upload, by) -> TrainingMaterial:
    """Attach a file to a session; it is stored under MEDIA_ROOT and only served through the download view."""
    check_material(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    sha = digest.hexdigest()
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.materials.filter(sha256=sha).exists():
        raise ValidationError("该文件已上传到本次培训。")
    material = TrainingMaterial(session=session, original_name=upload.name[-255:], size=upload.size, sha256=sha,
                                uploaded_by=by)
    material.file.save(upload.name, upload, save=False)
    try:
        material.save()
    except Exception:
        _remove_files([material.file.name])
        raise
    audit(actor=by, action=AuditAction.CREATE, target=material,
          summary=f"上传培训资料：{material.original_name}（{session}）",
          extra={"session": session.pk, "size": material.size, "sha256": sha})
    return material


@transaction.atomic
def material_delete(*, material: TrainingMaterial, by) -> None:
    """Remove a material from a session; the file is deleted once the removal is committed."""
    name, label, session = material.file.name, material.original_name, material.session
    audit(actor=by, action=AuditAction.DELETE, target=material, summary=f"删除培训资料：{label}（{session}）",
          extra={"session": session.pk, "sha256": material.sha256})
    deleted, _ = TrainingMaterial.objects.filter(pk=material.pk).delete()
    if not deleted:
        raise ValidationError("该资料已被删除。")
    transaction.on_commit(lambda: _remove_files([name]))


# -- Attendance ---------------------------------------------------------------------------------------------


def _check_sign_in(session: TrainingSession, signed_in_at: datetime) -> None:
    if timezone.localtime(signed_in_at).date() != session.date:
        raise ValidationError(f"签到时间须在培训当天（{session.date:%Y-%m-%d}）。")


def _check_score(score: Decimal | None) -> None:
    if score is not None and not (Decimal("0") <= score <= Decimal("100")):
        raise ValidationError("测验成绩须在 0 到 100 之间。")


@transaction.atomic
def attendance_record(*, session: TrainingSession, users: Iterable, signed_in_at: datetime | None = None,
                      score: Decimal | None = None, by) -> tuple[list[Attendance], list]:
    """Sign staff in to a session; people already signed in are left as they are (a resubmit adds nobody twice)."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    users = list(users)
    if not users:
        raise ValidationError("请至少选择一名参训人员。")
    allowed = set(trainees().filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True))
    strangers = [u for u in users if u.pk not in allowed]
    if strangers:
        raise ValidationError("以下人员不是在册工作人员（账号已停用或未分配角色）：" + "、".join(map(str, strangers)))
    signed_in_at = signed_in_at or session.starts_at
    _check_sign_in(session, signed_in_at)
    _check_score(score)
    already = set(session.attendances.filter(user__in=users).values_list("user_id", flat=True))
    new = [Attendance(session=session, user=u, signed_in_at=signed_in_at, score=score,
                      source=AttendanceSource.MANUAL, recorded_by=by) for u in users if u.pk not in already]
    skipped = [u for u in users if u.pk in already]
    Attendance.objects.bulk_create(new)
    if new:
        audit(actor=by, action=AuditAction.CREATE, target=session,
              summary=f"录入签到 {len(new)} 人：{session}",
              extra={"users": [a.user.username for a in new], "signed_in_at": signed_in_at.isoformat(),
                     "score": None if score is None else str(score), "skipped": [u.username for u in skipped]})
    return new, skipped


@transaction.atomic
def attendance_remove(*, attendance: Attendance, by) -> None:
    """Withdraw a sign-in entered by mistake (the person loses the session's hours)."""
    session = TrainingSession.objects.select_for_update().get(pk=attendance.session_id)
    deleted, _ = Attendance.objects.filter(pk=attendance.pk).delete()
    if not deleted:
        raise ValidationError("该签到记录已被移除。")
    audit(actor=by, action=AuditAction.DELETE, target=session,
          summary=f"移除签到：{attendance.user}（{session}）",
          extra={"user": attendance.user.username, "signed_in_at": attendance.signed_in_at.isoformat(),
                 "score": None if attendance.score is None else str(attendance.score)})


@transaction.atomic
def attendance_import(*, session: TrainingSession, rows: list, by, filename: str = "") -> list[Attendance]:
    """Import a sign-in sheet: every row valid or nothing saved; errors name the row, the column and the reason."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    resolved, errors = resolve_attendance_rows(session, rows)
    if errors:
        raise ImportRejected(errors)
    if not resolved:
        raise ImportRejected(message="文件中没有签到数据：表头下方没有任何人员。")
    new = [Attendance(session=session, user=r.user, signed_in_at=r.signed_in_at, score=r.score,
                      source=AttendanceSource.IMPORT, recorded_by=by) for r in resolved]
    Attendance.objects.bulk_create(new)
    audit(actor=by, action=AuditAction.IMPORT, target=session, summary=f"导入签到 {len(new)} 人：{session}",
          extra={"file": filename[:200], "users": [a.user.username for a in new]})
    return new


# -- Conduct supervision ------------------------------------------------------------------------------------


@transaction.atomic
def conduct_plan_create(*, data: dict, by) -> ConductPlan:
    """Register a "1+X" conduct supervision plan for a year."""
    plan = ConductPlan(created_by=by)
    _apply(plan, data, PLAN_FIELDS)
    _save_validated(plan, "本年度已有同类型、同名称的督查计划，请勿重复提交。")
    audit(actor=by, action=AuditAction.CREATE, target=plan, summary=f"登记行风督查计划：{plan}",
          changes=_created(plan, PLAN_FIELDS))
    return plan


@transaction.atomic
def conduct_plan_update(*, plan: ConductPlan, data: dict, by) -> ConductPlan:
    """Correct a plan; its period must still contain every inspection already recorded under it."""
    plan = ConductPlan.objects.select_for_update().get(pk=plan.pk)
    before = _values(plan, PLAN_FIELDS)
    _apply(plan, data, PLAN_FIELDS)
    changes = diff(before, _values(plan, PLAN_FIELDS))
    if not changes:
        return plan
    outside = plan.inspections.exclude(inspected_on__range=(plan.starts_on, plan.ends_on)).count()
    if outside:
        raise ValidationError(f"有 {outside} 次督查不在新的起止日期内，请先调整督查日期。")
    _save_validated(plan, "本年度已有同类型、同名称的督查计划。")
    audit(actor=by, action=AuditAction.UPDATE, target=plan, summary=f"修改行风督查计划：{plan}", changes=changes)
    return plan


@transaction.atomic
def conduct_inspection_create(*, plan: ConductPlan, data: dict, inspectors: Iterable, by) -> ConductInspection:
    """Record an inspection of an office or a section under a plan, with the inspectors who carried it out."""
    inspectors = list(inspectors)
    if not inspectors:
        raise ValidationError("请至少选择一名督查人员。")
    inspection = ConductInspection(plan=plan, created_by=by)
    _apply(inspection, data, INSPECTION_FIELDS)
    _save_validated(inspection, "该单位当天的督查记录已登记，请勿重复提交。")
    inspection.inspectors.set(inspectors)
    audit(actor=by, action=AuditAction.CREATE, target=inspection, summary=f"登记行风督查：{inspection}（{plan}）",
          changes={**_created(inspection, INSPECTION_FIELDS),
                   "inspectors": [None, sorted(str(u) for u in inspectors)]})
    return inspection


@transaction.atomic
def conduct_inspection_update(*, inspection: ConductInspection, data: dict, inspectors: Iterable,
                              by) -> ConductInspection:
    """Correct an inspection record."""
    inspection = ConductInspection.objects.select_for_update().get(pk=inspection.pk)
    inspectors = list(inspectors)
    if not inspectors:
        raise ValidationError("请至少选择一名督查人员。")
    before = {**_values(inspection, INSPECTION_FIELDS),
              "inspectors": sorted(str(u) for u in inspection.inspectors.all())}
    _apply(inspection, data, INSPECTION_FIELDS)
    after = {**_values(inspection, INSPECTION_FIELDS), "inspectors": sorted(str(u) for u in inspectors)}
    changes = diff(before, after)
    if not changes:
        return inspection
    _save_validated(inspection, "该单位当天的督查记录已登记。")
    inspection.inspectors.set(inspectors)
    audit(actor=by, action=AuditAction.UPDATE, target=inspection, summary=f"修改行风督查：{inspection}",
          changes=changes)
    return inspection


@transaction.atomic
def conduct_finding_create(*, inspection: ConductInspection, data: dict, by) -> ConductFinding:
    """Record a problem an inspection found, with the rectification required, who answers for it and by when."""
    finding = ConductFinding(inspection=inspection, created_by=by, status=FindingStatus.PENDING)
    _apply(finding, data, FINDING_FIELDS)
    if finding.deadline and finding.deadline < inspection.inspected_on:
        raise ValidationError({"deadline": "整改期限不能早于督查日期。"})
    _save_validated(finding, "本次督查已登记相同的问题，请勿重复提交。")
    audit(actor=by, action=AuditAction.CREATE, target=finding, summary=f"登记督查发现问题：{finding}",
          changes=_created(finding, FINDING_FIELDS))
    return finding



@transaction.atomic
def conduct_finding_rectify(*, finding: ConductFinding, rectified_on: date, note: str, by) -> ConductFinding:
    """待整改 → 已整改: the responsible unit reports what it did."""
    note = (note or "").strip()
    if not note:
        raise ValidationError("请填写整改情况。")
    inspection = finding.inspection
    recorded_date(rectified_on, "整改完成日期", not_before=inspection.inspected_on, not_before_label="督查日期")
    updated = ConductFinding.objects.filter(pk=finding.pk, status=FindingStatus.PENDING).update(
        status=FindingStatus.RECTIFIED, rectified_on=rectified_on, rectification_note=note)
    if not updated:
        raise ValidationError("该问题已不是“待整改”状态，可能已被他人处理，请刷新页面。")
    audit(actor=by, action=AuditAction.STATUS, target=finding, summary=f"督查问题已整改：{finding}",
          changes={"status": [FindingStatus.PENDING.label, FindingStatus.RECTIFIED.label],
                   "rectified_on": [None, rectified_on.isoformat()], "rectification_note": [None, note]},
          extra={"overdue": rectified_on > finding.deadline})
    finding.refresh_from_db()
    return finding


@transaction.atomic
def conduct_finding_reject(*, finding: ConductFinding, reason: str, by) -> ConductFinding:
    """已整改 → 待整改: the rectification was not accepted; the reason is kept in the rectification record."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写退回原因。")
    current = ConductFinding.objects.select_for_update().get(pk=finding.pk)
    if current.status != FindingStatus.RECTIFIED:
        raise ValidationError("只有“已整改”的问题可以退回重新整改，请刷新页面。")
    note = f"{current.rectification_note}\n【{_local_today():%Y-%m-%d} 退回】{reason}".strip()
    ConductFinding.objects.filter(pk=current.pk).update(
        status=FindingStatus.PENDING, rectified_on=None, rectification_note=note)
    audit(actor=by, action=AuditAction.STATUS, target=current, summary=f"督查问题整改退回：{current}",
          changes={"status": [FindingStatus.RECTIFIED.label, FindingStatus.PENDING.label],
                   "rectified_on": [current.rectified_on.isoformat(), None]},
          extra={"reason": reason})
    current.refresh_from_db()
    return current


@transaction.atomic
def conduct_finding_close(*, finding: ConductFinding, closed_on: date, note: str, by) -> ConductFinding:
    """已整改 → 已销号: the discipline office checks the rectification and closes the item."""
    note = (note or "").strip()
    if not note:
        raise ValidationError("请填写销号说明。")
    current = ConductFinding.objects.select_for_update().get(pk=finding.pk)
    if current.status != FindingStatus.RECTIFIED:
        raise ValidationError("只有“已整改”的问题可以销号，请刷新页面。")
    recorded_date(closed_on, "销号日期", not_before=current.rectified_on, not_before_label="整改完成日期")
    ConductFinding.objects.filter(pk=current.pk, status=FindingStatus.RECTIFIED).update(
        status=FindingStatus.CLOSED, closed_on=closed_on, closing_note=note, closed_by=by)
    audit(actor=by, action=AuditAction.STATUS, target=current, summary=f"督查问题销号：{current}",
          changes={"status": [FindingStatus.RECTIFIED.label, FindingStatus.CLOSED.label],
                   "closed_on": [None, closed_on.isoformat()], "closing_note": [None, note]})
    current.refresh_from_db()
    return current


# -- Clue records (discipline only) ------------------------------------------------------------------------
# Audit records of clues name only the clue's number: the shared audit trail is readable by administrators,
# who must not learn what a clue is about.


def _next_clue_number(year: int) -> str:
    prefix = f"XS{year}-"
    last = Clue.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    seq = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


@transaction.atomic
def clue_create(*, data: dict, by) -> Clue:
    """Register a clue about a possible breach of the eight-point rules; it gets the year's next number."""
    clue = Clue(created_by=by, status=ClueStatus.REGISTERED)
    _apply(clue, data, CLUE_FIELDS)
    if clue.received_on and clue.received_on > _local_today():
        raise ValidationError({"received_on": "收到日期不能晚于今天。"})
    clue.number = _next_clue_number((clue.received_on or _local_today()).year)
    clue.full_clean()
    for _ in range(5):  # two people registering at once may take the same number: take the next one
        try:
            with transaction.atomic():
                clue.save()
            break
        except IntegrityError:
            if Clue.objects.filter(received_on=clue.received_on, source=clue.source, subject=clue.subject).exists():
                raise ValidationError("同一天、同一来源涉及该对象的线索已登记，请勿重复提交。")
            clue.number = _next_clue_number(clue.received_on.year)
    else:
        raise ValidationError("线索编号分配冲突，请重新提交。")
    audit(actor=by, action=AuditAction.CREATE, target=clue, summary=f"登记{clue}")
    return clue


@transaction.atomic
def clue_update(*, clue: Clue, data: dict, by) -> Clue:
    """Correct a clue's registration details while it is still open."""
    clue = Clue.objects.select_for_update().get(pk=clue.pk)
    if clue.status == ClueStatus.CONCLUDED:
        raise ValidationError("线索已办结，不能修改。")
    before = _values(clue, CLUE_FIELDS)
    _apply(clue, data, CLUE_FIELDS)
    changed = sorted(diff(before, _values(clue, CLUE_FIELDS)))
    if not changed:
        return clue
    _save_validated(clue, "同一天、同一来源涉及该对象的线索已登记。")
    audit(actor=by, action=AuditAction.UPDATE, target=clue, summary=f"修改{clue}", extra={"fields": changed})
    return clue


@transaction.atomic
def clue_start_verification(*, clue: Clue, by) -> Clue:
    """已登记 → 核查中."""
    updated = Clue.objects.filter(pk=clue.pk, status=ClueStatus.REGISTERED).update(status=ClueStatus.VERIFYING)
    if not updated:
        raise ValidationError("该线索已不是“已登记”状态，可能已被他人处理，请刷新页面。")
    audit(actor=by, action=AuditAction.STATUS, target=clue, summary=f"{clue} 开始核查",
          changes={"status": [ClueStatus.REGISTERED.label, ClueStatus.VERIFYING.label]})
    clue.refresh_from_db()
    return clue


@transaction.atomic
def clue_conclude(*, clue: Clue, outcome: str, concluded_on: date, note: str, by) -> Clue:
    """核查中 → 已办结, with the outcome and what the verification found."""
    note = (note or "").strip()
    if not note:
        raise ValidationError("请填写核查情况。")
    if not outcome:
        raise ValidationError("请选择办结结论。")
    recorded_date(concluded_on, "办结日期", not_before=clue.received_on, not_before_label="收到日期")
    updated = Clue.objects.filter(pk=clue.pk, status=ClueStatus.VERIFYING).update(
        status=ClueStatus.CONCLUDED, outcome=outcome, concluded_on=concluded_on, verification_note=note)
    if not updated:
        raise ValidationError("只有“核查中”的线索可以办结，请刷新页面。")
    audit(actor=by, action=AuditAction.STATUS, target=clue, summary=f"{clue} 办结",
          changes={"status": [ClueStatus.VERIFYING.label, ClueStatus.CONCLUDED.label]})
    clue.refresh_from_db()
    return clue


def clue_access_record(*, clues: Iterable[Clue], viewer, access: str = ClueAccess.VIEW,
                       ip: str | None = None) -> list[ClueView]:
    """Record who opened, edited or exported which clues, and when (the clue page lists these)."""
    views = [ClueView(clue=c, viewer=viewer, access=access, ip=ip or None) for c in clues]
    return ClueView.objects.bulk_create(views)


@transaction.atomic
def clue_export_record(*, clues: list[Clue], by, ip: str | None = None) -> None:
    """An export of the clue list: each clue's access log gets an entry, and the export is audited."""
    clue_access_record(clues=clues, viewer=by, access=ClueAccess.EXPORT, ip=ip)
    audit(actor=by, action=AuditAction.EXPORT, summary="导出问题线索清单")
