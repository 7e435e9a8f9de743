"""行风建设: "1+X" conduct supervision plans, inspections, findings and their rectification to closure."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.permissions import can_manage_conduct, can_view_conduct, require
from core.web import add_errors, error_text, filter_params, form_error_text, list_context, xlsx_download

from .. import services
from ..choices import FindingStatus
from ..excel import findings_workbook
from ..filters import ConductPlanFilter, FindingFilter
from ..forms import (
    CloseForm,
    ConductFindingForm,
    ConductInspectionForm,
    ConductPlanForm,
    RectifyForm,
    RejectForm,
    staff_groups,
)
from ..models import ConductFinding, ConductInspection, ConductPlan
from ..selectors import conduct_findings, conduct_inspections, conduct_plans, conduct_summary, conduct_years

CRUMB = ("行风建设", "training:conduct_plan_list")


@require(can_view_conduct)
def plan_list(request):
    years = conduct_years()
    filterset = ConductPlanFilter(request.GET, queryset=conduct_plans(), years=years)
    context = list_context(request, filterset)
    year = filterset.form.cleaned_data.get("year") if filterset.is_valid() else None
    context.update(
        summary=conduct_summary(year or timezone.localdate().year),
        can_manage=can_manage_conduct(request.user),
        breadcrumbs=[("行风建设", None)],
    )
    return render(request, "training/conduct_plan_list.html", context)


def _form_page(request, template_title: str, form, *, back, crumbs, extra=None):
    context = {"form": form, "title": template_title, "back": back,
               "breadcrumbs": [CRUMB, *crumbs, (template_title, None)], **(extra or {})}
    for name, field in form.fields.items():
        if getattr(field, "picker", False):  # the staff picker lists the choices grouped by unit
            context["picker_groups"] = staff_groups(field, form[name].value() or [])
    return render(request, "training/conduct_form.html", context)


@require(can_manage_conduct)
def plan_create(request):
    form = ConductPlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.conduct_plan_create(data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已登记督查计划“{plan.title}”。")
            return redirect(plan)
    return _form_page(request, "登记督查计划", form, back=reverse("training:conduct_plan_list"), crumbs=[],
                      extra={"datalist": ConductPlanForm.topic_suggestions})


@require(can_view_conduct)
def plan_detail(request, pk: int):
    plan = get_object_or_404(conduct_plans(), pk=pk)
    inspections = conduct_inspections().filter(plan=plan).prefetch_related("inspectors").order_by("-inspected_on")
    return render(request, "training/conduct_plan_detail.html", {
        "plan": plan, "inspections": inspections, "can_manage": can_manage_conduct(request.user),
        "breadcrumbs": [CRUMB, (plan.title, None)],
    })


@require(can_manage_conduct)
def plan_update(request, pk: int):
    plan = get_object_or_404(ConductPlan, pk=pk)
    form = ConductPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.conduct_plan_update(plan=plan, data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "督查计划已保存。")
            return redirect(plan)
    return _form_page(request, "修改督查计划", form, back=plan.get_absolute_url(), crumbs=[(plan.title, None)],
                      extra={"datalist": ConductPlanForm.topic_suggestions})


@require(can_manage_conduct)
def inspection_create(request, plan_pk: int):
    plan = get_object_or_404(ConductPlan, pk=plan_pk)
    form = ConductInspectionForm(request.POST or None, instance=ConductInspection(plan=plan),
                                 initial={"inspected_on": min(timezone.localdate(), plan.ends_on)})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "inspectors"}
        try:
            inspection = services.conduct_inspection_create(plan=plan, data=data,
                                                            inspectors=form.cleaned_data["inspectors"],
                                                            by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已登记对{inspection.unit}的督查。可继续登记发现的问题。")
            return redirect(inspection)
    return _form_page(request, "登记督查记录", form, back=plan.get_absolute_url(), crumbs=[(plan.title, None)],
                      extra={"plan": plan})


@require(can_view_conduct)
def inspection_detail(request, pk: int):
    inspection = get_object_or_404(conduct_inspections().prefetch_related("inspectors"), pk=pk)
    can_manage = can_manage_conduct(request.user)
    findings = conduct_findings().filter(inspection=inspection).order_by("deadline", "id")
    context = {
        "inspection": inspection, "plan": inspection.plan, "findings": findings, "can_manage": can_manage,
        "today": timezone.localdate(),
        "breadcrumbs": [CRUMB, (inspection.plan.title, None), (f"督查 {inspection.unit}", None)],
    }
    if can_manage:
        context["finding_form"] = ConductFindingForm(instance=ConductFinding(inspection=inspection))
    return render(request, "training/conduct_inspection_detail.html", context)


@require(can_manage_conduct)
def inspection_update(request, pk: int):
    inspection = get_object_or_404(ConductInspection.objects.select_related("plan"), pk=pk)
    form = ConductInspectionForm(request.POST or None, instance=inspection)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "inspectors"}
        try:
            services.conduct_inspection_update(inspection=inspection, data=data,
                                               inspectors=form.cleaned_data["inspectors"], by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "督查记录已保存。")
            return redirect(inspection)
    return _form_page(request, "修改督查记录", form, back=inspection.get_absolute_url(),
                      crumbs=[(inspection.plan.title, None)], extra={"plan": inspection.plan})


@require(can_manage_conduct)
def finding_create(request, inspection_pk: int):
    inspection = get_object_or_404(ConductInspection.objects.select_related("plan", "office", "department"),
                                   pk=inspection_pk)
    form = ConductFindingForm(request.POST or None, instance=ConductFinding(inspection=inspection))
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.conduct_finding_create(inspection=inspection, data=form.cleaned_data,
                                                      by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已登记问题“{finding}”，整改期限 {finding.deadline:%Y-%m-%d}。")
            return redirect(inspection)
    return _form_page(request, "登记发现问题", form, back=inspection.get_absolute_url(),
                      crumbs=[(inspection.plan.title, None), (f"督查 {inspection.unit}", None)])


def _filtered_findings(request):
    return FindingFilter(request.GET, queryset=conduct_findings(), years=conduct_years())


@require(can_view_conduct)
def finding_list(request):
    """Rectification tracking: every finding with its deadline and state; overdue ones in red."""
    context = list_context(request, _filtered_findings(request))
    context.update(today=timezone.localdate(), breadcrumbs=[CRUMB, ("问题整改跟踪", None)])
    return render(request, "training/conduct_finding_list.html", context)


@require(can_view_conduct)
def finding_export(request):
    queryset = _filtered_findings(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出督查问题整改 {queryset.count()} 条",
          extra={"filters": filter_params(request)})
    return xlsx_download(findings_workbook(queryset), "督查问题整改", "conduct_findings")


@require(can_view_conduct)
def finding_detail(request, pk: int):
    finding = get_object_or_404(conduct_findings(), pk=pk)
    can_manage = can_manage_conduct(request.user)
    context = {
        "finding": finding, "inspection": finding.inspection, "can_manage": can_manage,
        "breadcrumbs": [CRUMB, ("问题整改跟踪", "training:conduct_finding_list"), (str(finding), None)],
    }
    if can_manage:
        if finding.status == FindingStatus.PENDING:
            context["rectify_form"] = RectifyForm()
        elif finding.status == FindingStatus.RECTIFIED:
            context["close_form"] = CloseForm()
            context["reject_form"] = RejectForm()
    return render(request, "training/conduct_finding_detail.html", context)


def _finding_transition(request, pk: int, form_class, action):
    finding = get_object_or_404(conduct_findings(), pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(finding)
    try:
        action(finding, form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(finding)


@require_POST
@require(can_manage_conduct)
def finding_rectify(request, pk: int):
    def act(finding, data):
        services.conduct_finding_rectify(finding=finding, rectified_on=data["rectified_on"], note=data["note"],
                                         by=request.user)
        messages.success(request, "已登记整改情况，状态改为“已整改”，待核查销号。")
    return _finding_transition(request, pk, RectifyForm, act)


@require_POST
@require(can_manage_conduct)
def finding_reject(request, pk: int):
    def act(finding, data):
        services.conduct_finding_reject(finding=finding, reason=data["reason"], by=request.user)
        messages.success(request, "已退回重新整改，状态改为“待整改”。")
    return _finding_transition(request, pk, RejectForm, act)


@require_POST
@require(can_manage_conduct)
def finding_close(request, pk: int):
    def act(finding, data):
        services.conduct_finding_close(finding=finding, closed_on=data["closed_on"], note=data["note"],
                                       by=request.user)
        messages.success(request, "已销号。")
    return _finding_transition(request, pk, CloseForm, act)
