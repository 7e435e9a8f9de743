"""Doing the checks: the list, one check with its inspectors and result, review, attachments, follow-up."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.permissions import require
from core.web import add_errors, error_text, filter_params, form_error_text, list_context, xlsx_download

from .. import services
from ..choices import PROBLEM_CODES, SUGGESTED_MEASURE, CheckStatus
from ..excel import checks_workbook, follow_ups_workbook
from ..filters import CheckFilter, FollowUpFilter
from ..forms import FollowUpCloseForm, FollowUpForm, ResultForm, ReviewForm
from ..models import CheckAttachment, FollowUp, SpotCheck
from ..permissions import (
    can_add_attachment,
    can_close_follow_up,
    can_follow_up,
    can_manage_inspections,
    can_record_result,
    can_review,
    can_view_certificates,
    can_view_checks,
)
from ..selectors import checks_for, follow_ups_for
from .common import CRUMB

CHECKS = ("抽查检查", "inspections:check_list")


def _checks(request):
    return CheckFilter(request.GET, queryset=checks_for(request.user), user=request.user)


@require(can_view_checks)
def check_list(request):
    context = list_context(request, _checks(request))
    context.update(today=timezone.localdate(), breadcrumbs=[CRUMB, (CHECKS[0], None)])
    return render(request, "inspections/check_list.html", context)


@require(can_view_checks)
def check_export(request):
    queryset = _checks(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出抽查检查 {queryset.count()} 户",
          extra={"filters": filter_params(request)})
    return xlsx_download(checks_workbook(queryset), "抽查检查", "checks")


def _check(request, pk: int) -> SpotCheck:
    """A check within the user's scope (another office's answers 404)."""
    return get_object_or_404(
        checks_for(request.user).select_related("recorded_by", "reviewed_by", "published_by", "visit")
        .prefetch_related("assignments__inspector__office", "assignments__inspector__department"), pk=pk)


@require(can_view_checks)
def check_detail(request, pk: int):
    check = _check(request, pk)
    user = request.user
    follow_ups = check.follow_ups.select_related("transfer_to", "opened_by", "closed_by")
    context = {
        "check": check, "assignments": check.assignments.all(), "follow_ups": follow_ups,
        "attachments": check.attachments.select_related("uploaded_by"), "today": timezone.localdate(),
        "items": check.task.items.all(), "can_record": can_record_result(user, check),
        "can_attach": can_add_attachment(user, check), "can_review": can_review(user, check),
        "can_follow_up": can_follow_up(user, check), "show_stratum": can_view_certificates(user),
        "breadcrumbs": [CRUMB, CHECKS, (check.entity.name, None)],
    }
    if context["can_review"]:
        context["review_form"] = ReviewForm()
    if context["can_follow_up"]:
        context["follow_up_form"] = FollowUpForm(initial={"measure": SUGGESTED_MEASURE.get(check.result_code,
                                                                                            "rectification")})
        context["close_form"] = FollowUpCloseForm()
        context["closable"] = {f.pk for f in follow_ups if can_close_follow_up(user, f)}
    if check.visit_id:
        context["visit_checks"] = check.visit.checks.exclude(pk=check.pk).select_related("task")
        context["visit_team"] = check.visit.team.all()
    return render(request, "inspections/check_detail.html", context)


@require(can_view_checks)
def check_result(request, pk: int):
    """The result form (made for a phone): result code, check date, findings, an attachment."""
    check = _check(request, pk)
    if not can_record_result(request.user, check):
        raise PermissionDenied("该检查结果当前不能由您录入。")
    initial = {"checked_on": check.checked_on or timezone.localdate(), "result_code": check.result_code,
               "findings": check.findings}
    form = ResultForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data.get("attachment"):
                services.attachment_add(spot_check=check, upload=form.cleaned_data["attachment"], by=request.user)
            services.check_submit_result(spot_check=check, result_code=form.cleaned_data["result_code"],
                                         findings=form.cleaned_data["findings"],
                                         checked_on=form.cleaned_data["checked_on"], by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "检查结果已提交审核。")
            return redirect(check)
    return render(request, "inspections/check_result.html", {
        "check": check, "form": form, "attachments": check.attachments.all(),
        "breadcrumbs": [CRUMB, CHECKS, (check.entity.name, "inspections:check_list"), ("录入检查结果", None)],
    })


@require(can_view_checks)
@require_POST
def check_review(request, pk: int):
    check = _check(request, pk)
    if not can_review(request.user, check):
        raise PermissionDenied("您不能审核该检查结果。")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结论。")
        return redirect(check)
    try:
        services.check_review(spot_check=check, approve=form.cleaned_data["decision"] == "approve",
                              note=form.cleaned_data["note"], by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "审核通过。" if form.cleaned_data["decision"] == "approve" else "已退回修改。")
    return redirect(check)


@require(can_view_checks)
@require_POST
def attachment_upload(request, pk: int):
    check = _check(request, pk)
    if not can_add_attachment(request.user, check):
        raise PermissionDenied("当前不能添加附件。")
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要上传的文件。")
        return redirect(check)
    try:
        services.attachment_add(spot_check=check, upload=upload, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已上传附件 {upload.name}。")
    return redirect(check)


def _attachment(request, pk: int) -> CheckAttachment:
    attachment = get_object_or_404(CheckAttachment, pk=pk)
    _check(request, attachment.spot_check_id)  # the same scope as the check: another office's answers 404
    return attachment


@require(can_view_checks)
def attachment_download(request, pk: int):
    """Attachments are served only through here: logged in, and within the check's scope."""
    attachment = _attachment(request, pk)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
    response["Cache-Control"] = "private, no-store"
    return response


@require(can_view_checks)
@require_POST
def attachment_delete(request, pk: int):
    attachment = _attachment(request, pk)
    check = attachment.spot_check
    if not can_add_attachment(request.user, check):
        raise PermissionDenied("当前不能删除附件。")
    try:
        services.attachment_delete(attachment=attachment, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已删除附件 {attachment.name}。")
    return redirect(check)


@require(can_view_checks)
@require_POST
def follow_up_create(request, pk: int):
    check = _check(request, pk)
    if not can_follow_up(request.user, check):
        raise PermissionDenied("您不能登记该检查的后续处置。")
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(check)
    data = form.cleaned_data
    try:
        services.follow_up_open(spot_check=check, measure=data["measure"], deadline=data["deadline"],
                                case_number=data["case_number"], transfer_to=data["transfer_to"], note=data["note"],
                                by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "已登记后续处置；措施完成后请办结。")
    return redirect(check)


@require(can_view_checks)
@require_POST
def follow_up_close(request, pk: int):
    follow_up = get_object_or_404(FollowUp, pk=pk)
    check = _check(request, follow_up.spot_check_id)
    follow_up.spot_check = check
    if not can_close_follow_up(request.user, follow_up):
        raise PermissionDenied("您不能办结该处置。")
    form = FollowUpCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(check)
    try:
        services.follow_up_close(follow_up=follow_up, completed_on=form.cleaned_data["completed_on"],
                                 note=form.cleaned_data["note"], by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "后续处置已办结。")
    return redirect(check)


def _follow_ups(request):
    return FollowUpFilter(request.GET, queryset=follow_ups_for(request.user))


@require(can_view_checks)
def follow_up_list(request):
    context = list_context(request, _follow_ups(request))
    context.update(today=timezone.localdate(), breadcrumbs=[CRUMB, ("后续处置", None)],
                   pending=checks_for(request.user).filter(
                       result_code__in=PROBLEM_CODES,
                       status__in=[CheckStatus.SUBMITTED, CheckStatus.APPROVED, CheckStatus.PUBLISHED],
                       follow_up_count=0).order_by("checked_on")[:50],
                   can_manage=can_manage_inspections(request.user))
    return render(request, "inspections/follow_up_list.html", context)


@require(can_view_checks)
def follow_up_export(request):
    queryset = _follow_ups(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出后续处置 {queryset.count()} 条",
          extra={"filters": filter_params(request)})
    return xlsx_download(follow_ups_workbook(queryset), "后续处置", "follow_ups")
