"""What member departments see: the forced-deregistration feedback requests and the unlicensed-operation
notifications addressed to their department (404 for any other), and their answers. Bureau staff see the same
lists within their scope, read-only."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.permissions import (
    can_answer_department_requests,
    can_manage_registration_supervision,
    can_view_department_requests,
    require,
)
from core.web import add_errors, error_text, filter_params, list_context, xlsx_download

from . import dereg, unlicensed
from .supervision_choices import DeregStatus, FeedbackStatus, NotificationStatus
from .supervision_excel import feedback_workbook, notifications_workbook
from .supervision_filters import FeedbackFilter, NotificationFilter
from .supervision_forms import FeedbackAnswerForm, PaperReplyForm, ReplyForm
from .supervision_models import DeregFeedback, InfoNotification


def _feedback(request):
    qs = DeregFeedback.objects.for_user(request.user).select_related("case__entity", "case__entity__office",
                                                                     "department")
    return FeedbackFilter(request.GET, queryset=qs, user=request.user)


def _crumbs(request, label, *more):
    if can_answer_department_requests(request.user):
        return [(label, None) if not more else (label, "registry:feedback_list"), *more]
    return [("登记监管", "registry:supervision_home"), (label, None), *more]


@require(can_view_department_requests)
def feedback_list(request):
    context = list_context(request, _feedback(request))
    pending = DeregFeedback.objects.for_user(request.user).filter(status=FeedbackStatus.PENDING)
    chased = pending.filter(chase_count__gt=0, case__status=DeregStatus.FEEDBACK)
    context.update(today=timezone.localdate(), pending=pending.count(),
                   overdue=pending.filter(due_on__lt=timezone.localdate()).count(),
                   chased=chased.count(), last_chase=chased.aggregate(d=Max("last_chased_on"))["d"],
                   member=can_answer_department_requests(request.user), tab="feedback",
                   breadcrumbs=_crumbs(request, "强制注销征求意见"))
    return render(request, "registry/supervision/feedback_list.html", context)


@require(can_view_department_requests)
def feedback_export(request):
    queryset = _feedback(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出强制注销征求意见 {queryset.count()} 条",
          extra={"filters": filter_params(request)})
    return xlsx_download(feedback_workbook(queryset), "强制注销征求意见", "dereg_feedback")


@require(can_view_department_requests)
def feedback_detail(request, pk: int):
    feedback = get_object_or_404(DeregFeedback.objects.for_user(request.user).select_related(
        "case__entity", "case__entity__office", "case__rule", "department", "answered_by"), pk=pk)
    member = can_answer_department_requests(request.user)
    form = None
    if member and feedback.status == FeedbackStatus.PENDING:
        form = FeedbackAnswerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                dereg.feedback_answer(feedback=feedback, answer=form.cleaned_data["answer"],
                                      reason=form.cleaned_data["reason"], by=request.user)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "意见已反馈，市场监管局将据此办理。")
                return redirect("registry:feedback_detail", pk=feedback.pk)
    return render(request, "registry/supervision/feedback_detail.html", {
        "feedback": feedback, "case": feedback.case, "form": form, "member": member,
        "chases": feedback.chases.all(),
        "today": timezone.localdate(), "tab": "feedback",
        "breadcrumbs": _crumbs(request, "强制注销征求意见", (feedback.case.entity.name, None)),
    })


def _notifications(request):
    qs = InfoNotification.objects.for_user(request.user).select_related("case", "case__office", "department")
    return NotificationFilter(request.GET, queryset=qs, user=request.user)


@require(can_view_department_requests)
def notification_list(request):
    context = list_context(request, _notifications(request))
    context.update(today=timezone.localdate(), member=can_answer_department_requests(request.user),
                   tab="notifications", breadcrumbs=_crumbs(request, "信息抄告"))
    return render(request, "registry/supervision/notification_list.html", context)


@require(can_view_department_requests)
def notification_export(request):
    queryset = _notifications(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出信息抄告 {queryset.count()} 条",
          extra={"filters": filter_params(request)})
    return xlsx_download(notifications_workbook(queryset), "无证无照信息抄告", "unlicensed_notifications")


@require(can_view_department_requests)
def notification_detail(request, pk: int):
    notice = get_object_or_404(InfoNotification.objects.for_user(request.user).select_related(
        "case", "case__office", "department", "acknowledged_by", "replied_by", "sent_by"), pk=pk)
    member = can_answer_department_requests(request.user)
    return render(request, "registry/supervision/notification_detail.html", {
        "notice": notice, "case": notice.case, "member": member,
        "reply_form": ReplyForm() if member and notice.status != NotificationStatus.REPLIED else None,
        "paper_form": PaperReplyForm(initial={"on": timezone.localdate()}) if (
            not member and can_manage_registration_supervision(request.user)
            and notice.status != NotificationStatus.REPLIED) else None,
        "today": timezone.localdate(), "tab": "notifications",
        "breadcrumbs": _crumbs(request, "信息抄告", (notice.case.number, None)),
    })


@require_POST
@require(can_answer_department_requests)
def notification_acknowledge(request, pk: int):
    notice = get_object_or_404(InfoNotification.objects.for_user(request.user), pk=pk)
    try:
        unlicensed.notification_acknowledge(notice=notice, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "已签收。")
    return redirect(notice)


@require_POST
@require(can_answer_department_requests)
def notification_reply(request, pk: int):
    notice = get_object_or_404(InfoNotification.objects.for_user(request.user), pk=pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写回复内容。")
        return redirect(notice)
    try:
        unlicensed.notification_reply(notice=notice, reply=form.cleaned_data["reply"], by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "已回复。")
    return redirect(notice)


@require_POST
@require(can_manage_registration_supervision)
def notification_paper_reply(request, pk: int):
    """Bureau staff enter a department's reply received on paper (a department without an account)."""
    notice = get_object_or_404(InfoNotification.objects.for_user(request.user), pk=pk)
    form = PaperReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写回复内容和回复日期。")
        return redirect(notice)
    try:
        unlicensed.notification_reply(notice=notice, reply=form.cleaned_data["reply"], by=request.user,
                                      on=form.cleaned_data["on"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已登记{notice.department.name}的回复。")
    return redirect(notice)
