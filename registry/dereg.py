"""Forced deregistration (强制注销): candidate screening by the rules kept as data, and every step of the pipeline.

candidate → 催告 (30 days) → member departments' feedback → statement and defence (hearing on request) →
public announcement → objection handling → decision (the register is updated) — or termination at any step.
Each step is a service here: atomic, the case row locked, audited, refusing a step out of order in Chinese.
"""
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from core.audit import audit
from core.choices import AuditAction, DepartmentKind
from core.documents import chinese_date
from core.models import Department
from core.workdays import RuleNotFound, add_period, deadline, rule_for

from .choices import RegistrationStatus
from .models import MarketEntity, StatusChange
from .supervision_choices import (
    DeregStatus,
    DeregTrigger,
    FeedbackAnswer,
    FeedbackStatus,
    ObjectionOutcome,
)
from .supervision_models import DeregCase, DeregChase, DeregFeedback, DeregObjection, DeregRule

REMINDER_RULE = "forced_dereg_reminder"
FEEDBACK_RULE = "forced_dereg_feedback"
STATEMENT_RULE = "forced_dereg_statement"
ANNOUNCEMENT_RULE = "forced_dereg_announcement"
DECISION_SOURCE = "强制注销"


class DeregError(ValidationError):
    """A step the case cannot take now; the message says why, in Chinese."""


def _today() -> date:
    return timezone.localdate()


def _lock(case: DeregCase) -> DeregCase:
    return DeregCase.objects.select_for_update(of=("self",)).select_related("entity", "rule", "entity__office") \
        .get(pk=case.pk)


def _expect(case: DeregCase, *statuses: str, action: str) -> None:
    if case.status not in statuses:
        allowed = "、".join(DeregStatus(s).label for s in statuses)
        raise DeregError(
            f"案件当前环节为“{case.get_status_display()}”，不能{action}（只能在“{allowed}”环节{action}）。")


def _not_future(day: date, label: str) -> None:
    if day > _today():
        raise DeregError(f"{label}不能晚于今天。")


def _step_audit(case: DeregCase, by, summary: str, before: str, extra: dict | None = None) -> None:
    changes = {"status": [before, case.status]} if before != case.status else {}
    audit(actor=by, action=AuditAction.STATUS, target=case, summary=f"{summary}：{case.entity}", changes=changes,
          extra=extra or {})


def _entity_context(entity: MarketEntity) -> dict:
    return {"entity_name": entity.name, "uscc": entity.uscc, "legal_rep": entity.legal_rep,
            "address": entity.address}


def _revocation_text(case: DeregCase) -> str:
    day = f"{case.trigger_date.year}年{case.trigger_date.month}月{case.trigger_date.day}日"
    if case.rule.trigger == DeregTrigger.ABNORMAL_IDLE:
        return f"你（单位）于{day}被列入经营异常名录，此后未履行相关义务且无经营活动"
    return f"你（单位）于{day}被吊销营业执照"


def _legal_basis(case: DeregCase) -> str:
    """The legal basis of the waiting period that made the entity a candidate (the version of its screening)."""
    return rule_for(case.rule.period_code, on=case.screened_on).legal_basis


def _issue(code: str, case: DeregCase, context: dict, by, on: date):
    """Issue a standard document for the case inside the step's transaction (a failure rolls the step back)."""
    from core.documents import DocumentError, issue_document

    try:
        return issue_document(code, {**_entity_context(case.entity), **context}, user=by, subject=case,
                              office=case.entity.office, on=on)
    except DocumentError as exc:
        raise DeregError(exc.message) from exc


# ---------------------------------------------------------------------------------------------------------
# Screening
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    """An entity a rule makes a candidate on a screening date, with the period that applied."""

    entity_id: int
    rule: DeregRule
    trigger_date: date
    eligible_on: date
    period_text: str


def _period(rule: DeregRule, trigger: date, on: date) -> tuple[date, str]:
    version = rule_for(rule.period_code, on=on)
    eligible = add_period(trigger, version.amount, version.unit)
    text = (f"{version.name}：{version.amount}{version.get_unit_display()}（{version.basis_label}，"
            f"{version.effective_from:%Y-%m-%d} 起施行）")
    return eligible, text


def _revoked_candidates(rule: DeregRule, on: date, only: set[int] | None = None) -> list[Candidate]:
    revoked_at = StatusChange.objects.filter(entity=OuterRef("pk"), new_status=RegistrationStatus.REVOKED) \
        .order_by().values("entity").annotate(at=Max("changed_at")).values("at")
    qs = MarketEntity.objects.filter(status=RegistrationStatus.REVOKED).annotate(revoked_at=Subquery(revoked_at)) \
        .filter(revoked_at__isnull=False)
    if only is not None:
        qs = qs.filter(pk__in=only)
    if rule.type_list:
        qs = qs.filter(entity_type__in=rule.type_list)
    found = []
    for entity_id, revoked_at in qs.values_list("id", "revoked_at").iterator(chunk_size=2000):
        trigger = timezone.localtime(revoked_at).date()
        eligible, text = _period(rule, trigger, on)
        if eligible <= on:
            found.append(Candidate(entity_id, rule, trigger, eligible, text))
    return found


def _abnormal_idle_candidates(rule: DeregRule, on: date, only: set[int] | None = None) -> list[Candidate]:
    """Entities on the abnormal-operation list since the period with no sign of business since they were listed:
    no annual report filed, no spot check that found them trading, no registration change since the listing."""
    listings = abnormal_listings()
    from inspections.models import SpotCheck

    # A check that found the entity trading is activity; "unreachable", "closed", "deregistered" etc. are not.
    idle_codes = {"6", "7", "9", "10", "11", "12", "F"}
    by_entity: dict[int, date] = {}
    for listing in listings:
        if only is not None and listing.entity_id not in only:
            continue
        listed = listing.listed_on
        if listing.entity_id not in by_entity or listed < by_entity[listing.entity_id]:
            by_entity[listing.entity_id] = listed
    if not by_entity:
        return []
    entities = MarketEntity.objects.filter(pk__in=by_entity).exclude(
        status__in=[RegistrationStatus.DEREGISTERED, RegistrationStatus.MOVED_OUT])
    if rule.type_list:
        entities = entities.filter(entity_type__in=rule.type_list)
    ids = set(entities.values_list("id", flat=True))
    last_filed = last_annual_report_filed(ids)
    found = []
    for entity_id in sorted(ids):
        trigger = by_entity[entity_id]
        eligible, text = _period(rule, trigger, on)
        if eligible > on:
            continue
        if last_filed.get(entity_id) and last_filed[entity_id] > trigger:
            continue  # an annual report filed since the listing is activity
        active_check = SpotCheck.objects.filter(entity_id=entity_id, checked_on__gt=trigger) \
            .exclude(result_code__in=idle_codes).exclude(result_code="").exists()
        changed = StatusChange.objects.filter(entity_id=entity_id, changed_at__date__gt=trigger).exists()
        if not active_check and not changed:
            found.append(Candidate(entity_id, rule, trigger, eligible, text))
    return found


def last_annual_report_filed(entity_ids) -> dict[int, date]:
    """The latest day each entity filed an annual report (annual_reports' filing records, read only)."""
    from annual_reports.models import AnnualReport

    rows = AnnualReport.objects.filter(entity_id__in=list(entity_ids), filed_on__isnull=False).order_by() \
        .values("entity_id").annotate(last=Max("filed_on")).values_list("entity_id", "last")
    return dict(rows)


def abnormal_listings() -> list:
    """The abnormal-operation listings and individual businesses' abnormal marks in force (credit's listings)."""
    from credit.selectors import active_listings

    return list(active_listings().filter(kind__in=ABNORMAL_KINDS).only("entity_id", "kind", "listed_on"))


ABNORMAL_KINDS = ["abnormal", "individual_abnormal"]


def find_candidates(on: date | None = None, only: set[int] | None = None) -> tuple[list[Candidate], list[str]]:
    """Every entity an active rule makes a candidate on a date (``only``: among these entities), and notes on rules
    that could not be applied."""
    on = on or _today()
    candidates, notes = [], []
    for rule in DeregRule.objects.filter(is_active=True):
        try:
            if rule.trigger == DeregTrigger.REVOKED:
                candidates.extend(_revoked_candidates(rule, on, only))
            elif rule.trigger == DeregTrigger.ABNORMAL_IDLE:
                candidates.extend(_abnormal_idle_candidates(rule, on, only))
        except RuleNotFound as exc:
            notes.append(f"“{rule.name}”：{exc}")
    return candidates, notes


@transaction.atomic
def candidates_screen(*, by, on: date | None = None) -> tuple[list[DeregCase], list[str]]:
    """Screen the register by the active rules and put the new candidates in the pipeline (each entity once, a
    terminated case included)."""
    on = on or _today()
    candidates, notes = find_candidates(on)
    # An entity is screened into the pipeline once: a terminated case (a department's objection, an upheld
    # objection) is not put back automatically by the next screening — the reason that ended it may still hold.
    # Once it is resolved, staff open a new case from the terminated one (case_rescreen), the history kept.
    existing = dict(DeregCase.objects.filter(entity_id__in=[c.entity_id for c in candidates]).order_by()
                    .values_list("entity_id", "status"))
    busy = set(existing)
    ended = {e for e, status in existing.items() if status == DeregStatus.TERMINATED}
    ended -= set(DeregCase.objects.filter(entity_id__in=ended).exclude(status=DeregStatus.TERMINATED)
                 .values_list("entity_id", flat=True))
    if ended:
        notes.append(f"{len(ended)} 户此前的强制注销案件已终止，本次未自动重新列入；终止原因消除的，可在原案件页"
                     "“重新列为候选”。")
    created = []
    for c in candidates:
        if c.entity_id in busy:
            continue
        busy.add(c.entity_id)
        case = DeregCase.objects.create(entity_id=c.entity_id, rule=c.rule, trigger_date=c.trigger_date,
                                        eligible_on=c.eligible_on, period_text=c.period_text[:400], screened_on=on,
                                        screened_by=by)
        audit(actor=by, action=AuditAction.CREATE, target=case, summary=f"列为强制注销候选：{case.entity}",
              extra={"rule": c.rule.code, "trigger_date": c.trigger_date.isoformat(),
                     "eligible_on": c.eligible_on.isoformat(), "period": c.period_text})
        created.append(case)
    return created, notes


@transaction.atomic
def case_rescreen(*, case: DeregCase, reason: str, by, on: date | None = None) -> DeregCase:
    """Open a new case for the entity of a terminated case when an active rule still makes it a candidate (the
    department's objection resolved, a mistaken termination …); the terminated case stays as it was."""
    on = on or _today()
    case = _lock(case)
    if case.status != DeregStatus.TERMINATED:
        raise DeregError("只有已终止的案件才能重新列为候选。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请写明重新列为候选的理由（如：税务部门确认欠税已缴清）。"})
    MarketEntity.objects.select_for_update().get(pk=case.entity_id)  # one re-screening of an entity at a time
    if DeregCase.objects.filter(entity_id=case.entity_id).exclude(status=DeregStatus.TERMINATED).exists():
        raise DeregError("该市场主体已有办理中或已决定的强制注销案件。")
    candidates, notes = find_candidates(on, only={case.entity_id})
    if not candidates:
        detail = f"（{'；'.join(notes)}）" if notes else ""
        raise DeregError(f"按 {on:%Y-%m-%d} 生效的候选规则，该市场主体已不符合强制注销候选条件，不能重新列为候选"
                         f"{detail}。")
    c = candidates[0]
    new = DeregCase.objects.create(entity_id=c.entity_id, rule=c.rule, trigger_date=c.trigger_date,
                                   eligible_on=c.eligible_on, period_text=c.period_text[:400], screened_on=on,
                                   screened_by=by)
    audit(actor=by, action=AuditAction.CREATE, target=new, summary=f"重新列为强制注销候选：{new.entity}",
          extra={"rule": c.rule.code, "trigger_date": c.trigger_date.isoformat(), "previous_case": case.pk,
                 "reason": reason, "period": c.period_text})
    audit(actor=by, action=AuditAction.UPDATE, target=case, summary=f"已重新列为候选（新案件 {new.pk}）：{case.entity}",
          extra={"new_case": new.pk, "reason": reason})
    return new


# ---------------------------------------------------------------------------------------------------------
# The pipeline
# ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def case_send_reminder(*, case: DeregCase, sent_on: date, by) -> DeregCase:
    """催告: tell the entity to deregister itself within the reminder period; the 催告书 is issued."""
    case = _lock(case)
    _expect(case, DeregStatus.CANDIDATE, action="发出催告")
    _not_future(sent_on, "催告日期")
    if sent_on < case.screened_on:
        raise DeregError("催告日期不能早于列为候选的日期。")
    before = case.status
    case.reminder_sent_on = sent_on
    case.reminder_due, _rule = deadline(REMINDER_RULE, sent_on)
    case.status = DeregStatus.REMINDED
    case.save()
    _issue("forced_dereg_reminder", case, {
        "revocation": _revocation_text(case), "legal_basis": _legal_basis(case),
        "deadline": case.reminder_due}, by, sent_on)
    _step_audit(case, by, "发出强制注销催告", before, {"reminder_due": case.reminder_due.isoformat()})
    return case


BATCH_LIMIT = 200


@transaction.atomic
def cases_send_reminders(*, cases, sent_on: date, by) -> list[DeregCase]:
    """催告 a batch of candidates on one day, all or none (the message names the case that could not be sent)."""
    cases = list(cases)
    if not cases:
        raise DeregError("请至少勾选一户候选。")
    if len(cases) > BATCH_LIMIT:
        raise DeregError(f"一次最多批量催告 {BATCH_LIMIT} 户。")
    done = []
    for case in cases:
        try:
            done.append(case_send_reminder(case=case, sent_on=sent_on, by=by))
        except ValidationError as exc:
            raise DeregError(f"{case.entity.name}：{'；'.join(exc.messages)}（本批均未发出）") from exc
    return done


def member_departments():
    return Department.objects.filter(kind=DepartmentKind.MEMBER, is_active=True)


@transaction.atomic
def case_request_feedback(*, case: DeregCase, departments, requested_on: date, by) -> list[DeregFeedback]:
    """Ask the member departments (tax, courts, natural resources, HR and social security, medical insurance)."""
    case = _lock(case)
    _expect(case, DeregStatus.REMINDED, action="征求成员单位意见")
    _not_future(requested_on, "征求意见日期")
    if requested_on <= case.reminder_due:
        raise DeregError(f"催告期至 {case.reminder_due:%Y-%m-%d} 届满，期满后才能征求成员单位意见。")
    departments = list(departments)
    if not departments:
        raise DeregError("请至少选择一个成员单位。")
    wrong = [d.name for d in departments if d.kind != DepartmentKind.MEMBER or not d.is_active]
    if wrong:
        raise DeregError("只能向在用的成员单位征求意见：" + "、".join(wrong))
    due, _rule = deadline(FEEDBACK_RULE, requested_on)
    rows = [DeregFeedback.objects.create(case=case, department=d, requested_on=requested_on, due_on=due)
            for d in departments]
    before = case.status
    case.feedback_requested_on = requested_on
    case.status = DeregStatus.FEEDBACK
    case.save()
    _step_audit(case, by, "征求成员单位意见", before,
                {"departments": [d.name for d in departments], "due_on": due.isoformat()})
    return rows


@transaction.atomic
def case_add_feedback_department(*, case: DeregCase, department: Department, by) -> DeregFeedback:
    """Ask one more member department while the case is waiting for feedback."""
    case = _lock(case)
    _expect(case, DeregStatus.FEEDBACK, action="增加征求意见的成员单位")
    if department.kind != DepartmentKind.MEMBER or not department.is_active:
        raise DeregError("只能向在用的成员单位征求意见。")
    today = _today()
    due, _rule = deadline(FEEDBACK_RULE, today)
    try:
        with transaction.atomic():
            row = DeregFeedback.objects.create(case=case, department=department, requested_on=today, due_on=due)
    except IntegrityError:
        raise DeregError(f"已向{department.name}征求过意见。")
    _step_audit(case, by, f"增加征求{department.name}意见", case.status, {"due_on": due.isoformat()})
    return row


@transaction.atomic
def feedback_answer(*, feedback: DeregFeedback, answer: str, reason: str, by,
                    on: date | None = None) -> DeregFeedback:
    """A member department answers: no objection, or an objection with its reason (e.g. taxes owed, a lawsuit).
    ``on`` records a written answer received earlier (entered later by bureau staff); default today."""
    feedback = DeregFeedback.objects.select_for_update(of=("self",)).select_related("case__entity", "department") \
        .get(pk=feedback.pk)
    if feedback.status != FeedbackStatus.PENDING:
        raise DeregError(f"该征求意见已{feedback.get_status_display()}，不能再次反馈。")
    if feedback.case.status != DeregStatus.FEEDBACK:
        raise DeregError("该案件已不在征求意见环节，不能反馈。")
    if answer not in FeedbackAnswer.values:
        raise DeregError("请选择“无异议”或“有异议”。")
    reason = (reason or "").strip()
    if answer == FeedbackAnswer.OBJECTION and not reason:
        raise ValidationError({"reason": "有异议的，请写明理由（如：尚有欠缴税款、涉及未结诉讼）。"})
    on = on or _today()
    if on > _today() or on < feedback.requested_on:
        raise DeregError("反馈日期须在征求日期与今天之间。")
    feedback.status = FeedbackStatus.ANSWERED
    feedback.answer = answer
    feedback.reason = reason
    feedback.answered_on = on
    feedback.answered_by = by
    feedback.save()
    audit(actor=by, action=AuditAction.STATUS, target=feedback.case,
          summary=f"{feedback.department.name}反馈：{feedback.get_answer_display()}（{feedback.case.entity}）",
          changes={"feedback": [FeedbackStatus.PENDING.label, feedback.get_answer_display()]},
          extra={"feedback": feedback.pk, "reason": reason})
    return feedback


@transaction.atomic
def feedback_chase(*, feedback: DeregFeedback, by, on: date | None = None) -> DeregFeedback:
    """催办 an overdue request: recorded (DeregChase), counted and audited. No e-mail or SMS exists on the intranet:
    the department's account sees the chased request highlighted on its list and its detail page."""
    on = on or _today()
    feedback = DeregFeedback.objects.select_for_update(of=("self",)).select_related("case__entity", "department") \
        .get(pk=feedback.pk)
    if not feedback.is_overdue(on):
        raise DeregError("只有逾期未反馈的征求意见才能催办。")
    if feedback.last_chased_on == on:
        raise DeregError("今天已催办过该单位。")
    feedback.chase_count += 1
    feedback.last_chased_on = on
    feedback.save(update_fields=["chase_count", "last_chased_on"])
    # The department sees the chase on its list (highlighted, with the date and count); the case lists it.
    DeregChase.objects.create(feedback=feedback, chased_on=on, number=feedback.chase_count, chased_by=by,
                              days_overdue=(on - feedback.due_on).days)
    audit(actor=by, action=AuditAction.UPDATE, target=feedback.case,
          summary=f"催办{feedback.department.name}反馈意见（第 {feedback.chase_count} 次）：{feedback.case.entity}",
          extra={"feedback": feedback.pk, "due_on": feedback.due_on.isoformat()})
    return feedback


def chase_overdue_feedback(*, by=None, on: date | None = None) -> int:
    """Chase every overdue request not yet chased today (the daily command); returns how many were chased."""
    on = on or _today()
    chased = 0
    for feedback in DeregFeedback.objects.filter(status=FeedbackStatus.PENDING, due_on__lt=on,
                                                 case__status=DeregStatus.FEEDBACK).exclude(last_chased_on=on):
        try:
            feedback_chase(feedback=feedback, by=by, on=on)
        except DeregError:
            continue
        chased += 1
    return chased


@transaction.atomic
def case_notify_statement(*, case: DeregCase, notified_on: date, by) -> DeregCase:
    """Notify the entity of the intended forced deregistration and its right to statement, defence and a hearing."""
    case = _lock(case)
    _expect(case, DeregStatus.FEEDBACK, action="告知陈述申辩")
    _not_future(notified_on, "告知日期")
    rows = list(case.feedback.exclude(status=FeedbackStatus.WITHDRAWN).select_related("department"))
    pending = [f.department.name for f in rows if f.status == FeedbackStatus.PENDING]
    if pending:
        raise DeregError("以下成员单位尚未反馈意见：" + "、".join(pending))
    objections = [f.department.name for f in rows if f.answer == FeedbackAnswer.OBJECTION]
    if objections:
        raise DeregError("以下成员单位提出异议，不能继续办理，请核实后终止案件：" + "、".join(objections))
    before = case.status
    case.statement_notified_on = notified_on
    case.statement_due, _rule = deadline(STATEMENT_RULE, notified_on)
    case.status = DeregStatus.STATEMENT
    case.save()
    _step_audit(case, by, "告知拟强制注销及陈述申辩、听证权利", before,
                {"statement_due": case.statement_due.isoformat()})
    return case


@transaction.atomic
def case_record_statement(*, case: DeregCase, statement: str, hearing_requested: bool, by) -> DeregCase:
    """Record the entity's statement and defence, and whether it asks for a hearing."""
    case = _lock(case)
    _expect(case, DeregStatus.STATEMENT, action="登记陈述申辩")
    statement = (statement or "").strip()
    if not statement and not hearing_requested:
        raise DeregError("请填写陈述申辩意见，或勾选申请听证。")
    case.statement = statement
    case.hearing_requested = hearing_requested
    case.save(update_fields=["statement", "hearing_requested"])
    _step_audit(case, by, "登记陈述申辩" + ("并申请听证" if hearing_requested else ""), case.status)
    return case


@transaction.atomic
def case_record_hearing(*, case: DeregCase, held_on: date, note: str, by) -> DeregCase:
    case = _lock(case)
    _expect(case, DeregStatus.STATEMENT, action="登记听证")
    if not case.hearing_requested:
        raise DeregError("当事人未申请听证。")
    _not_future(held_on, "听证日期")
    if held_on < case.statement_notified_on:
        raise DeregError("听证日期不能早于告知日期。")
    if not (note or "").strip():
        raise ValidationError({"note": "请填写听证情况。"})
    case.hearing_held_on = held_on
    case.hearing_note = note.strip()
    case.save(update_fields=["hearing_held_on", "hearing_note"])
    _step_audit(case, by, "登记听证情况", case.status)
    return case


@transaction.atomic
def case_announce(*, case: DeregCase, start: date, media: str, by) -> DeregCase:
    """Publish the announcement; its period is the rule version in effect on the start date (≥ 60 days since 2024)."""
    case = _lock(case)
    _expect(case, DeregStatus.STATEMENT, action="发布公告")
    _not_future(start, "公告开始日期")
    if start <= case.statement_due and not case.statement and not case.hearing_requested:
        raise DeregError(f"陈述申辩期至 {case.statement_due:%Y-%m-%d} 届满，期满或当事人已陈述申辩后才能公告。")
    if case.hearing_requested and not case.hearing_held_on:
        raise DeregError("当事人申请了听证，请先组织听证并登记听证情况。")
    if not (media or "").strip():
        raise ValidationError({"media": "请填写公告途径（如：国家企业信用信息公示系统）。"})
    before = case.status
    case.announcement_start = start
    case.announcement_end, _rule = deadline(ANNOUNCEMENT_RULE, start)
    case.announcement_media = media.strip()
    case.status = DeregStatus.ANNOUNCED
    case.save()
    _step_audit(case, by, "发布强制注销公告", before, {"announcement_end": case.announcement_end.isoformat()})
    return case


@transaction.atomic
def case_record_objection(*, case: DeregCase, received_on: date, objector: str, content: str,
                          by) -> DeregObjection:
    """An objection received during the announcement suspends the case until it is handled."""
    case = _lock(case)
    _expect(case, DeregStatus.ANNOUNCED, DeregStatus.OBJECTION, action="登记异议")
    _not_future(received_on, "收到日期")
    if received_on < case.announcement_start or received_on > case.announcement_end:
        raise DeregError(f"异议须在公告期内（{case.announcement_start:%Y-%m-%d} 至 "
                         f"{case.announcement_end:%Y-%m-%d}）提出。")
    if not (objector or "").strip() or not (content or "").strip():
        raise DeregError("请填写异议人和异议内容。")
    objection = DeregObjection.objects.create(case=case, received_on=received_on, objector=objector.strip(),
                                              content=content.strip(), recorded_by=by)
    before = case.status
    case.status = DeregStatus.OBJECTION
    case.save(update_fields=["status"])
    _step_audit(case, by, f"登记公告期异议（{objection.objector}）", before)
    return objection


@transaction.atomic
def objection_handle(*, objection: DeregObjection, outcome: str, note: str, by) -> DeregObjection:
    """Handle an objection: upheld ends the case; rejected lets it continue once no objection is pending."""
    case = _lock(objection.case)
    objection = DeregObjection.objects.select_for_update().get(pk=objection.pk)
    _expect(case, DeregStatus.OBJECTION, action="处理异议")
    if objection.outcome:
        raise DeregError("该异议已处理。")
    if outcome not in ObjectionOutcome.values:
        raise DeregError("请选择异议处理结果。")
    if not (note or "").strip():
        raise ValidationError({"note": "请填写处理意见。"})
    today = _today()
    objection.outcome, objection.outcome_note = outcome, note.strip()
    objection.handled_on, objection.handled_by = today, by
    objection.save()
    before = case.status
    if outcome == ObjectionOutcome.UPHELD:
        case.status = DeregStatus.TERMINATED
        case.terminated_on = today
        case.termination_reason = f"公告期异议成立：{objection.objector}。{objection.outcome_note}"[:300]
    elif not case.objections.filter(outcome="").exists():
        case.status = DeregStatus.ANNOUNCED
    case.save()
    _step_audit(case, by, f"处理公告期异议：{objection.get_outcome_display()}", before)
    return objection


def decision_ready(case: DeregCase, today: date | None = None) -> str:
    """Empty when the case can be decided today, else what it still waits for."""
    today = today or _today()
    if case.status != DeregStatus.ANNOUNCED:
        return f"当前环节为“{case.get_status_display()}”"
    if today <= case.announcement_end:
        return f"公告期至 {case.announcement_end:%Y-%m-%d} 届满"
    return ""


@transaction.atomic
def case_decide(*, case: DeregCase, decided_on: date, by) -> DeregCase:
    """决定强制注销: the decision is issued and the register updated (status 注销, with its history)."""
    case = _lock(case)
    _expect(case, DeregStatus.ANNOUNCED, action="作出强制注销决定")
    _not_future(decided_on, "决定日期")
    waiting = decision_ready(case, decided_on)
    if waiting:
        raise DeregError(f"尚不能作出决定：{waiting}。")
    entity = MarketEntity.objects.select_for_update().get(pk=case.entity_id)
    if entity.status == RegistrationStatus.DEREGISTERED:
        raise DeregError("该市场主体已注销，请终止案件。")
    before = case.status
    case.status = DeregStatus.DECIDED
    case.decided_on, case.decided_by = decided_on, by
    case.save()
    old_status = entity.status
    entity.status = RegistrationStatus.DEREGISTERED
    entity.save(update_fields=["status", "updated_at"])
    StatusChange.objects.create(entity=entity, old_status=old_status, new_status=RegistrationStatus.DEREGISTERED,
                                changed_by=by, source=DECISION_SOURCE, note=f"强制注销决定（{decided_on:%Y-%m-%d}）")
    audit(actor=by, action=AuditAction.STATUS, target=entity, summary=f"强制注销：{entity}",
          changes={"status": [old_status, RegistrationStatus.DEREGISTERED]}, extra={"dereg_case": case.pk})
    handled = list(case.objections.exclude(outcome=""))
    _issue("forced_dereg_decision", case, {
        "revocation": _revocation_text(case),
        "procedure": (f"于{chinese_date(case.reminder_sent_on)}发出催告，并于{chinese_date(case.announcement_start)}"
                      f"至{chinese_date(case.announcement_end)}通过{case.announcement_media}公告"),
        "objection_summary": "；".join(f"公告期间{o.objector}提出异议，经核实{o.get_outcome_display()}"
                                       for o in handled),
        "legal_basis": _legal_basis(case)}, by, decided_on)
    _step_audit(case, by, "作出强制注销决定", before)
    return case


@transaction.atomic
def case_terminate(*, case: DeregCase, reason: str, by) -> DeregCase:
    """End a case before decision (the entity deregistered itself, a department objected, a mistake …)."""
    case = _lock(case)
    if not case.is_open:
        raise DeregError(f"案件已{case.get_status_display()}，不能终止。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写终止原因。"})
    before = case.status
    case.status = DeregStatus.TERMINATED
    case.terminated_on = _today()
    case.termination_reason = reason[:300]
    case.save()
    case.feedback.filter(status=FeedbackStatus.PENDING).update(status=FeedbackStatus.WITHDRAWN)
    _step_audit(case, by, "终止强制注销", before, {"reason": reason})
    return case


# ---------------------------------------------------------------------------------------------------------
# What each case waits for (the board)
# ---------------------------------------------------------------------------------------------------------

STEP_LIMITS = [  # (status whose wait the limit times, label, rule code, start field, end field)
    (DeregStatus.REMINDED, "催告期", REMINDER_RULE, "reminder_sent_on", "reminder_due"),
    (DeregStatus.FEEDBACK, "成员单位反馈期限", FEEDBACK_RULE, "feedback_requested_on", None),
    (DeregStatus.STATEMENT, "陈述申辩期", STATEMENT_RULE, "statement_notified_on", "statement_due"),
    (DeregStatus.ANNOUNCED, "公告期", ANNOUNCEMENT_RULE, "announcement_start", "announcement_end"),
]


def _version(code: str, on: date):
    try:
        return rule_for(code, on=on)
    except RuleNotFound:
        return None


def applied_limits(case: DeregCase) -> list[dict]:
    """The time-limit rule version each step of the case was timed by (the version in effect on the step's start),
    the candidate period's first; an unverified default shows as 待核实."""
    rows = [{"label": "候选期限", "start": case.trigger_date, "end": case.eligible_on,
             "rule": _version(case.rule.period_code, case.screened_on)}]
    for _status, label, code, start_field, end_field in STEP_LIMITS:
        start = getattr(case, start_field)
        if start is not None:
            rows.append({"label": label, "start": start, "end": getattr(case, end_field) if end_field else None,
                         "rule": _version(code, start)})
    return rows


def current_limit(case: DeregCase):
    """The rule version timing the step the case is in now (None when the step has no time limit)."""
    for status, _label, code, start_field, _end in STEP_LIMITS:
        if case.status == status and getattr(case, start_field):
            return _version(code, getattr(case, start_field))
    if case.status == DeregStatus.CANDIDATE:
        return _version(case.rule.period_code, case.screened_on)
    return None


def limits_in_force(on: date | None = None) -> list[tuple[str, object]]:
    """Each forced-deregistration time limit and the version in force on a day (the board's legend)."""
    on = on or _today()
    rows = [(f"候选期限：{rule.name}", _version(rule.period_code, on))
            for rule in DeregRule.objects.filter(is_active=True)]
    rows += [(label, _version(code, on)) for _status, label, code, _s, _e in STEP_LIMITS]
    return rows

def waiting_for(case: DeregCase, today: date | None = None) -> tuple[str, bool]:
    """The next step and what it waits for, in the bureau's words, and whether something is overdue."""
    today = today or _today()
    s = case.status
    if s == DeregStatus.CANDIDATE:
        return "待发出催告", False
    if s == DeregStatus.REMINDED:
        if today <= case.reminder_due:
            return f"催告期至 {case.reminder_due:%Y-%m-%d}，等待当事人自行办理注销", False
        return "催告期已满，待征求成员单位意见", False
    if s == DeregStatus.FEEDBACK:
        rows = [f for f in case.feedback.all() if f.status == FeedbackStatus.PENDING]
        if rows:
            overdue = [f for f in rows if f.due_on < today]
            names = "、".join(f.department.name for f in rows)
            text = f"待 {len(rows)} 个成员单位反馈：{names}"
            if overdue:
                text += f"（{len(overdue)} 个逾期）"
            return text, bool(overdue)
        if any(f.answer == FeedbackAnswer.OBJECTION for f in case.feedback.all()):
            return "成员单位提出异议，待核实处理", False
        return "成员单位均无异议，待告知陈述申辩", False
    if s == DeregStatus.STATEMENT:
        if case.hearing_requested and not case.hearing_held_on:
            return "当事人申请听证，待组织听证", False
        if today <= case.statement_due and not case.statement:
            return f"陈述申辩期至 {case.statement_due:%Y-%m-%d}", False
        return "待发布公告", False
    if s == DeregStatus.ANNOUNCED:
        if today <= case.announcement_end:
            return f"公告期至 {case.announcement_end:%Y-%m-%d}", False
        return "公告期满，待作出决定", False
    if s == DeregStatus.OBJECTION:
        return "公告期异议待处理", False
    if s == DeregStatus.DECIDED:
        return f"{case.decided_on:%Y-%m-%d} 已决定强制注销", False
    return f"已终止：{case.termination_reason}", False
