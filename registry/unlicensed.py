"""Unlicensed operation (无证无照综合治理): cases, their handling and result, information notification (信息抄告)
to the department responsible for the missing permit, and joint enforcement actions.

Handling follows the regulation: correction first (guidance to obtain the licence, or an order to correct), a ban
or a penalty case when the operator refuses, transfer when another department is competent. A case is linked
to a registered entity only when the operator is one (a company trading without a required permit).
"""
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from core.audit import audit, diff, model_values
from core.choices import AuditAction, DepartmentKind
from core.workdays import deadline

from .codes import normalise_uscc
from .models import MarketEntity
from .supervision_choices import (
    FineSeverity,
    MissingKind,
    NotificationStatus,
    UnlicensedHandling,
    UnlicensedResult,
    UnlicensedStatus,
)
from .supervision_models import InfoNotification, JointAction, UnlicensedCase, UnlicensedFineScale

REPLY_RULE = "unlicensed_notification_reply"
CASE_FIELDS = ["office", "place", "operator", "activity", "entity", "missing", "permit_name", "licence_exemption",
               "responsible_department", "source", "discovered_on", "joint_action"]


def _today() -> date:
    return timezone.localdate()


def entity_by_code(code: str) -> MarketEntity | None:
    """The registered entity with this code (the operator is a registered entity), or None for an empty code."""
    code = normalise_uscc(code or "")
    if not code:
        return None
    entity = MarketEntity.objects.filter(uscc=code).first()
    if entity is None:
        raise ValidationError({"entity_code": f"名录中没有统一社会信用代码为 {code} 的市场主体。"})
    return entity


def _next_number(year: int) -> str:
    prefix = f"WZWZ{year}"
    last = UnlicensedCase.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    seq = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def _check_case(case: UnlicensedCase) -> None:
    if case.discovered_on and case.discovered_on > _today():
        raise ValidationError({"discovered_on": "发现日期不能晚于今天。"})
    if case.licence_exemption and case.missing in (MissingKind.LICENCE, MissingKind.BOTH):
        raise ValidationError({"missing": "该经营活动属于《无证无照经营查处办法》第三条规定的无须办理营业执照的情形，"
                                          "不按无照经营登记；缺少许可证件的，请选择“无证（未取得许可证件）”。"})
    if case.missing in (MissingKind.PERMIT, MissingKind.BOTH) and not case.permit_name.strip():
        raise ValidationError({"permit_name": "无证的，请写明所缺许可证件（如：食品经营许可证）。"})
    if case.responsible_department and case.responsible_department.kind != DepartmentKind.MEMBER:
        raise ValidationError({"responsible_department": "许可主管部门应为成员单位。"})


@transaction.atomic
def case_create(*, data: dict, by) -> UnlicensedCase:
    """Register an unlicensed-operation case found on patrol, from a complaint, a transfer or a spot check."""
    case = UnlicensedCase(recorded_by=by, **{k: data[k] for k in CASE_FIELDS if k in data})
    if case.office_id is None and case.entity is not None:
        case.office = case.entity.office
    if not by.sees_whole_district and case.office_id != by.office_id:
        raise ValidationError({"office": "只能登记本所承办的案件。"})
    _check_case(case)
    # A per-year number: lock the year's rows so that two simultaneous registrations do not take the same one.
    year = (case.discovered_on or _today()).year
    list(UnlicensedCase.objects.select_for_update().filter(number__startswith=f"WZWZ{year}").values_list("pk"))
    case.number = _next_number(year)
    case.full_clean()
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        raise ValidationError("编号冲突，请重新提交。")
    audit(actor=by, action=AuditAction.CREATE, target=case, summary=f"登记无证无照案件：{case}",
          changes={k: [None, v] for k, v in model_values(case, CASE_FIELDS).items() if v not in (None, "")})
    return case


def _lock(case) -> UnlicensedCase:
    return UnlicensedCase.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def case_handle(*, case: UnlicensedCase, handling: str, handled_on: date, correction_due: date | None, note: str,
                by) -> UnlicensedCase:
    """Record the handling: guidance, a correction order (with its deadline), a ban, or a transfer."""
    case = _lock(case)
    if case.status == UnlicensedStatus.CLOSED:
        raise ValidationError("案件已办结，不能再登记处置。")
    if handling not in UnlicensedHandling.values:
        raise ValidationError({"handling": "请选择处置方式。"})
    if handled_on < case.discovered_on or handled_on > _today():
        raise ValidationError({"handled_on": "处置日期须在发现日期与今天之间。"})
    if handling in (UnlicensedHandling.GUIDANCE, UnlicensedHandling.CORRECTION):
        if correction_due is None or correction_due <= handled_on:
            raise ValidationError({"correction_due": "引导办证照或责令改正的，请给出晚于处置日期的改正期限。"})
    else:
        correction_due = None
    if not (note or "").strip():
        raise ValidationError({"note": "请填写处置情况。"})
    before = model_values(case, ["status", "handling", "handled_on", "correction_due"])
    case.status = UnlicensedStatus.HANDLING
    case.handling, case.handled_on, case.correction_due = handling, handled_on, correction_due
    case.handling_note = note.strip()
    case.save()
    audit(actor=by, action=AuditAction.STATUS, target=case,
          summary=f"无证无照案件处置（{case.get_handling_display()}）",
          changes=diff(before, model_values(case, list(before))))
    return case


def fine_scale_for(severity: str, on: date) -> UnlicensedFineScale | None:
    """The fine range of a severity in force on a day (the latest version effective by then)."""
    return UnlicensedFineScale.objects.filter(severity=severity, effective_from__lte=on) \
        .order_by("-effective_from").first()


def _check_fine(case: UnlicensedCase, result: str, closed_on: date, severity: str, amount) -> \
        UnlicensedFineScale | None:
    """A fine only with a penalty result, for trading without a business licence, after a correction order the
    operator did not follow (or when serious), and within the range kept as data for the closing day."""
    if result != UnlicensedResult.PENALISED:
        if severity or amount is not None:
            raise ValidationError({"fine_amount": "只有办理结果为“拒不改正，已立案处罚”的，才登记罚款。"})
        return None
    if case.missing not in (MissingKind.LICENCE, MissingKind.BOTH):
        raise ValidationError({"result": "仅无照经营由登记机关罚款；无证经营请移送许可主管部门处理。"})
    if severity not in FineSeverity.values:
        raise ValidationError({"fine_severity": "请选择罚款情形（拒不改正 / 情节严重）。"})
    if amount is None:
        raise ValidationError({"fine_amount": "请填写罚款金额。"})
    if severity == FineSeverity.REFUSAL:
        if case.handling not in (UnlicensedHandling.GUIDANCE, UnlicensedHandling.CORRECTION):
            raise ValidationError({"fine_severity": "拒不改正的罚款须先责令改正（或引导办照）：本案处置方式为"
                                                    f"“{case.get_handling_display()}”。"})
        if case.correction_due and closed_on <= case.correction_due:
            raise ValidationError({"closed_on": f"改正期限至 {case.correction_due:%Y-%m-%d}，期满仍未改正的"
                                                "才能以拒不改正处罚。"})
    elif case.handling == UnlicensedHandling.TRANSFER:
        raise ValidationError({"fine_severity": "已移送其他部门的案件不由本局罚款。"})
    scale = fine_scale_for(severity, closed_on)
    if scale is None:
        raise ValidationError({"fine_severity": f"{closed_on:%Y-%m-%d} 没有生效的“{FineSeverity(severity).label}”"
                                                "罚款幅度，请管理员在 系统管理 › 无证无照罚款幅度 中维护。"})
    if not scale.min_amount <= amount <= scale.max_amount:
        raise ValidationError({"fine_amount": f"{scale.get_severity_display()}的罚款幅度为 {scale.range_text}"
                                              f"（{scale.basis_label}），{amount:,.2f} 元不在幅度内。"})
    return scale


@transaction.atomic
def case_close(*, case: UnlicensedCase, result: str, closed_on: date, note: str, by, fine_severity: str = "",
               fine_amount=None) -> UnlicensedCase:
    """Close a handled case with its result; a penalty result records the fine within the range in force."""
    case = _lock(case)
    if case.status != UnlicensedStatus.HANDLING:
        raise ValidationError("请先登记处置情况，再办结。" if case.status == UnlicensedStatus.OPEN else "案件已办结。")
    if result not in UnlicensedResult.values:
        raise ValidationError({"result": "请选择办理结果。"})
    if closed_on < case.handled_on or closed_on > _today():
        raise ValidationError({"closed_on": "办结日期须在处置日期与今天之间。"})
    if result == UnlicensedResult.TRANSFERRED and case.handling != UnlicensedHandling.TRANSFER:
        raise ValidationError({"result": "处置方式不是移送的，结果不能为“已移送主管部门”。"})
    scale = _check_fine(case, result, closed_on, fine_severity or "", fine_amount)
    case.status = UnlicensedStatus.CLOSED
    case.result, case.closed_on, case.result_note = result, closed_on, (note or "").strip()
    case.fine_scale = scale
    case.fine_severity = fine_severity if scale else ""
    case.fine_amount = Decimal(fine_amount).quantize(Decimal("0.01")) if scale else None
    case.save()
    extra = {}
    if scale:
        extra = {"fine_severity": case.fine_severity, "fine_amount": str(case.fine_amount),
                 "fine_range": scale.range_text, "fine_basis": scale.legal_basis}
    audit(actor=by, action=AuditAction.STATUS, target=case, summary=f"无证无照案件办结（{case.get_result_display()}）",
          changes={"status": [UnlicensedStatus.HANDLING, UnlicensedStatus.CLOSED]}, extra=extra)
    return case


@transaction.atomic
def notification_send(*, case: UnlicensedCase, department, content: str, sent_on: date, by) -> InfoNotification:
    """信息抄告 to the department responsible for the missing permit; its reply is due by the rule's deadline."""
    case = _lock(case)
    if department is None or department.kind != DepartmentKind.MEMBER:
        raise ValidationError({"department": "请选择抄告的成员单位。"})
    if sent_on < case.discovered_on or sent_on > _today():
        raise ValidationError({"sent_on": "抄告日期须在发现日期与今天之间。"})
    if not (content or "").strip():
        raise ValidationError({"content": "请填写抄告内容。"})
    reply_due, _rule = deadline(REPLY_RULE, sent_on)
    try:
        with transaction.atomic():
            notice = InfoNotification.objects.create(case=case, department=department, sent_on=sent_on,
                                                     content=content.strip(), reply_due=reply_due, sent_by=by)
    except IntegrityError:
        raise ValidationError(f"该案件已抄告{department.name}。")
    audit(actor=by, action=AuditAction.CREATE, target=case, summary=f"信息抄告{department.name}：{case}",
          extra={"notification": notice.pk, "reply_due": reply_due.isoformat()})
    return notice


def _answer_day(notice: InfoNotification, on: date | None) -> date:
    on = on or _today()
    if on > _today() or on < notice.sent_on:
        raise ValidationError("签收或回复日期须在抄告日期与今天之间。")
    return on


@transaction.atomic
def notification_acknowledge(*, notice: InfoNotification, by, on: date | None = None) -> InfoNotification:
    """The department confirms receipt (签收); ``on`` for a receipt given earlier on paper (default today)."""
    notice = InfoNotification.objects.select_for_update(of=("self",)).select_related("case", "department") \
        .get(pk=notice.pk)
    if notice.status != NotificationStatus.SENT:
        raise ValidationError("该抄告已签收。")
    notice.status = NotificationStatus.ACKNOWLEDGED
    notice.acknowledged_on, notice.acknowledged_by = _answer_day(notice, on), by
    notice.save()
    audit(actor=by, action=AuditAction.STATUS, target=notice.case, summary=f"{notice.department.name}签收信息抄告",
          changes={"notification": [NotificationStatus.SENT, NotificationStatus.ACKNOWLEDGED]})
    return notice


@transaction.atomic
def notification_reply(*, notice: InfoNotification, reply: str, by, on: date | None = None) -> InfoNotification:
    """The department's reply (what it did about the missing permit); signing for it on the way if needed."""
    notice = InfoNotification.objects.select_for_update(of=("self",)).select_related("case", "department") \
        .get(pk=notice.pk)
    if notice.status == NotificationStatus.REPLIED:
        raise ValidationError("该抄告已回复。")
    if not (reply or "").strip():
        raise ValidationError({"reply": "请填写回复内容。"})
    today = _answer_day(notice, on)
    if notice.acknowledged_on and today < notice.acknowledged_on:
        raise ValidationError("回复日期不能早于签收日期。")
    before = notice.status
    if notice.acknowledged_on is None:
        notice.acknowledged_on, notice.acknowledged_by = today, by
    notice.status = NotificationStatus.REPLIED
    notice.reply, notice.replied_on, notice.replied_by = reply.strip(), today, by
    notice.save()
    audit(actor=by, action=AuditAction.STATUS, target=notice.case, summary=f"{notice.department.name}回复信息抄告",
          changes={"notification": [before, NotificationStatus.REPLIED]})
    return notice


@transaction.atomic
def joint_action_create(*, data: dict, departments, cases, by) -> JointAction:
    """Record a joint enforcement action with the departments that took part and the cases it handled."""
    departments = list(departments)
    if len(departments) < 1:
        raise ValidationError({"departments": "联合执法行动至少有一个协同部门参加。"})
    if data.get("held_on") and data["held_on"] > _today():
        raise ValidationError({"held_on": "行动日期不能晚于今天。"})
    action = JointAction(created_by=by, **{k: data[k] for k in ("title", "held_on", "place", "lead_office",
                                                                 "summary") if k in data})
    action.full_clean()
    action.save()
    action.departments.set(departments)
    linked = UnlicensedCase.objects.filter(pk__in=[c.pk for c in cases]).update(joint_action=action)
    audit(actor=by, action=AuditAction.CREATE, target=action, summary=f"登记联合执法行动：{action}",
          extra={"departments": [d.name for d in departments], "cases": linked})
    return action
