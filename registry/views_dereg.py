"""强制注销 pages: the board, a case with its steps, screening; every step a POST calling one service."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.models import Department
from core.permissions import (
    can_decide_forced_dereg,
    can_run_forced_dereg,
    can_view_registration_supervision,
    require,
)
from core.web import error_text, filter_params, form_step, list_context, xlsx_download

from . import dereg
from .supervision_choices import DeregStatus
from .supervision_excel import dereg_workbook
from .supervision_filters import DeregFilter
from .supervision_forms import (
    AnnounceForm,
    DateStepForm,
    FeedbackRequestForm,
    HearingForm,
    ObjectionForm,
    ObjectionHandleForm,
    ReasonForm,
    RescreenForm,
    StatementForm,
)
from .supervision_models import DeregChase, DeregFeedback, DeregObjection, DeregRule
from .supervision_selectors import board, board_counts, dereg_cases, overdue_feedback

CRUMB = ("强制注销", "registry:dereg_board")


@require(can_view_registration_supervision)
def dereg_board(request):
    """The board: every open case's step and what it waits for; overdue feedback to chase."""
    rows = board(request.user)
    return render(request, "registry/supervision/dereg_board.html", {
        "rows": rows, "counts": board_counts(request.user), "overdue": overdue_feedback(request.user)[:50],
        "rules": DeregRule.objects.all(), "can_run": can_run_forced_dereg(request.user),
        "limits": dereg.limits_in_force(),
        "tab": "dereg", "breadcrumbs": [("登记监管", "registry:supervision_home"), ("强制注销", None)],
    })


def _filtered(request):
    return DeregFilter(request.GET, queryset=dereg_cases(request.user), user=request.user)


@require(can_view_registration_supervision)
def dereg_list(request):
    context = list_context(request, _filtered(request))
    context.update(tab="dereg", breadcrumbs=[CRUMB, ("全部案件", None)], today=timezone.localdate(),
                   can_batch=can_run_forced_dereg(request.user) and request.GET.get("status") == DeregStatus.CANDIDATE)
    return render(request, "registry/supervision/dereg_list.html", context)


@require(can_view_registration_supervision)
def dereg_export(request):
    queryset = _filtered(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出强制注销案件 {queryset.count()} 件",
          extra={"filters": filter_params(request)})
    return xlsx_download(dereg_workbook(queryset), "强制注销案件", "forced_dereg")


@require_POST
@require(can_run_forced_dereg)
def dereg_screen(request):
    created, notes = dereg.candidates_screen(by=request.user)
    for note in notes:
        messages.warning(request, note)
    if created:
        messages.success(request, f"按候选规则筛查，新增候选 {len(created)} 户。")
    else:
        messages.info(request, "按候选规则筛查，没有新的候选。")
    return redirect(reverse("registry:dereg_list") + "?status=candidate")


@require(can_view_registration_supervision)
def dereg_detail(request, pk: int):
    case = get_object_or_404(dereg_cases(request.user), pk=pk)
    from core.documents import documents_for

    waiting, overdue = dereg.waiting_for(case)
    can_run = can_run_forced_dereg(request.user)
    forms = {}
    if can_run and case.is_open:
        s = case.status
        if s == DeregStatus.CANDIDATE:
            forms["remind"] = DateStepForm(label="催告日期")
        elif s == DeregStatus.REMINDED:
            forms["feedback"] = FeedbackRequestForm(rule=case.rule)
        elif s == DeregStatus.FEEDBACK:
            forms["notify"] = DateStepForm(label="告知日期")
            asked = case.feedback.values_list("department_id", flat=True)
            forms["more"] = dereg.member_departments().exclude(pk__in=asked)
        elif s == DeregStatus.STATEMENT:
            forms["statement"] = StatementForm(initial={"statement": case.statement,
                                                        "hearing_requested": case.hearing_requested})
            if case.hearing_requested and not case.hearing_held_on:
                forms["hearing"] = HearingForm(initial={"held_on": timezone.localdate()})
            forms["announce"] = AnnounceForm()
        elif s in (DeregStatus.ANNOUNCED, DeregStatus.OBJECTION):
            forms["objection"] = ObjectionForm(initial={"received_on": timezone.localdate()})
            forms["handle"] = ObjectionHandleForm()
        forms["terminate"] = ReasonForm()
    if can_run and case.status == DeregStatus.TERMINATED and not dereg_cases(request.user).filter(
            entity_id=case.entity_id).exclude(status=DeregStatus.TERMINATED).exists():
        forms["rescreen"] = RescreenForm()
    return render(request, "registry/supervision/dereg_detail.html", {
        "case": case, "waiting": waiting, "overdue": overdue, "forms": forms, "can_run": can_run,
        "can_decide": can_decide_forced_dereg(request.user) and case.status == DeregStatus.ANNOUNCED,
        "decision_waiting": dereg.decision_ready(case), "decide_form": DateStepForm(label="决定日期"),
        "feedback": case.feedback.select_related("department", "answered_by"),
        "chases": DeregChase.objects.filter(feedback__case=case).select_related("feedback__department",
                                                                                 "chased_by"),
        "limits": dereg.applied_limits(case),
        "history": dereg_cases(request.user).filter(entity_id=case.entity_id).exclude(pk=case.pk),
        "objections": case.objections.select_related("handled_by"),
        "documents": documents_for(case), "today": timezone.localdate(), "tab": "dereg",
        "breadcrumbs": [CRUMB, (case.entity.name, None)],
    })


def _step(request, pk: int, form_class, act, *, form_kwargs=None):
    """Run one step on a case the user may see: validate, call the service, show its message, back to the case."""
    case = get_object_or_404(dereg_cases(request.user), pk=pk)
    return form_step(request, form_class(request.POST, **(form_kwargs or {})), lambda data: act(case, data), case)


@require_POST
@require(can_run_forced_dereg)
def dereg_batch_remind(request):
    """催告 the candidates ticked on the candidate list, on one date."""
    back = reverse("registry:dereg_list") + "?status=candidate"
    form = DateStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写催告日期。")
        return redirect(back)
    ids = [int(i) for i in request.POST.getlist("cases") if i.isdigit()]
    cases = dereg_cases(request.user).filter(pk__in=ids).order_by("entity__uscc")
    try:
        done = dereg.cases_send_reminders(cases=cases, sent_on=form.cleaned_data["on"], by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已批量发出催告 {len(done)} 户，各生成一份催告书。")
    return redirect(back)


@require_POST
@require(can_run_forced_dereg)
def dereg_remind(request, pk: int):
    def act(case, data):
        case = dereg.case_send_reminder(case=case, sent_on=data["on"], by=request.user)
        return f"已发出催告，催告期至 {case.reminder_due:%Y-%m-%d}；催告书已生成。"
    return _step(request, pk, DateStepForm, act)


@require_POST
@require(can_run_forced_dereg)
def dereg_request_feedback(request, pk: int):
    def act(case, data):
        rows = dereg.case_request_feedback(case=case, departments=data["departments"], requested_on=data["on"],
                                           by=request.user)
        return f"已向 {len(rows)} 个成员单位征求意见，反馈期限 {rows[0].due_on:%Y-%m-%d}。"
    return _step(request, pk, FeedbackRequestForm, act)


@require_POST
@require(can_run_forced_dereg)
def dereg_add_department(request, pk: int):
    case = get_object_or_404(dereg_cases(request.user), pk=pk)
    department = get_object_or_404(Department, pk=request.POST.get("department") or 0)
    try:
        dereg.case_add_feedback_department(case=case, department=department, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已增加向{department.name}征求意见。")
    return redirect(case)


@require_POST
@require(can_run_forced_dereg)
def dereg_notify(request, pk: int):
    def act(case, data):
        case = dereg.case_notify_statement(case=case, notified_on=data["on"], by=request.user)
        return f"已告知陈述申辩、听证权利，期限至 {case.statement_due:%Y-%m-%d}。"
    return _step(request, pk, DateStepForm, act)


@require_POST
@require(can_run_forced_dereg)
def dereg_statement(request, pk: int):
    def act(case, data):
        dereg.case_record_statement(case=case, statement=data["statement"],
                                    hearing_requested=data["hearing_requested"], by=request.user)
        return "已登记陈述申辩。"
    return _step(request, pk, StatementForm, act)


@require_POST
@require(can_run_forced_dereg)
def dereg_hearing(request, pk: int):
    def act(case, data):
        dereg.case_record_hearing(case=case, held_on=data["held_on"], note=data["note"], by=request.user)
        return "已登记听证情况。"
    return _step(request, pk, HearingForm, act)


@require_POST
@require(can_run_forced_dereg)
def dereg_announce(request, pk: int):
    def act(case, data):
        case = dereg.case_announce(case=case, start=data["start"], media=data["media"], by=request.user)
        return f"已发布公告，公告期至 {case.announcement_end:%Y-%m-%d}。"
    return _step(request, pk, AnnounceForm, act)


@require_POST
@require(can_run_forced_dereg)
def dereg_objection(request, pk: int):
    def act(case, data):
        dereg.case_record_objection(case=case, received_on=data["received_on"], objector=data["objector"],
                                    content=data["content"], by=request.user)
        return "已登记异议，案件转入异议处理。"
    return _step(request, pk, ObjectionForm, act)


@require_POST
@require(can_run_forced_dereg)
def dereg_objection_handle(request, pk: int, objection_pk: int):
    def act(case, data):
        objection = get_object_or_404(DeregObjection, pk=objection_pk, case=case)
        objection = dereg.objection_handle(objection=objection, outcome=data["outcome"], note=data["note"],
                                           by=request.user)
        return f"异议已处理：{objection.get_outcome_display()}。"
    return _step(request, pk, ObjectionHandleForm, act)


@require_POST
@require(can_decide_forced_dereg)
def dereg_decide(request, pk: int):
    def act(case, data):
        dereg.case_decide(case=case, decided_on=data["on"], by=request.user)
        return "已作出强制注销决定，登记状态已改为“注销”；决定书已生成。"
    return _step(request, pk, DateStepForm, act)


@require_POST
@require(can_run_forced_dereg)
def dereg_rescreen(request, pk: int):
    """A terminated case's entity back in the pipeline as a new case (when a rule still matches)."""
    case = get_object_or_404(dereg_cases(request.user), pk=pk)
    form = RescreenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请写明重新列为候选的理由。")
        return redirect(case)
    try:
        new = dereg.case_rescreen(case=case, reason=form.cleaned_data["reason"], by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(case)
    messages.success(request, "已重新列为强制注销候选（新案件），原案件保留。")
    return redirect(new)


@require_POST
@require(can_run_forced_dereg)
def dereg_terminate(request, pk: int):
    def act(case, data):
        dereg.case_terminate(case=case, reason=data["reason"], by=request.user)
        return "案件已终止。"
    return _step(request, pk, ReasonForm, act)


@require_POST
@require(can_run_forced_dereg)
def feedback_chase(request, pk: int):
    feedback = get_object_or_404(DeregFeedback.objects.for_user(request.user), pk=pk)
    try:
        feedback = dereg.feedback_chase(feedback=feedback, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已催办{feedback.department.name}（第 {feedback.chase_count} 次）。")
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/registry/") else feedback.case.get_absolute_url())

