"""Dormant entities: the list of likely dormant entities with their signals, the guidance given and its outcome,
and suspension periods (歇业) with their extension window and 3-year limit."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.permissions import can_view_annual_reports, can_work_annual_reports, require
from core.web import add_errors, form_step, list_context
from registry.models import MarketEntity

from .. import dormancy
from ..choices import DormantSignal, GuidanceOutcome
from ..filters import DormantFilter, GuidanceFilter
from ..forms import ExtendForm, GuidanceForm, OutcomeForm, ResumeForm, SuspensionForm
from ..models import DormancyGuidance, SuspensionPeriod

CRUMB = ("年报", "annual_reports:home")
DORMANT_CRUMB = ("休眠主体引导", "annual_reports:dormant_list")
SIGNAL_LABELS = dict(DormantSignal.choices)


@require(can_view_annual_reports)
def dormant_list(request):
    """Likely dormant entities: no annual report for two or more years, unreachable in a spot check, a
    suspension near its limit or expiring."""
    queryset = dormancy.dormant_candidates(request.user).select_related("office")
    filterset = DormantFilter(request.GET, queryset=queryset)
    if not request.user.sees_whole_district:
        del filterset.filters["office"]
    context = list_context(request, filterset)
    entities = list(context["page"].object_list)
    last = {}
    for g in DormancyGuidance.objects.filter(entity__in=entities).order_by("entity_id", "-guided_on", "-id"):
        last.setdefault(g.entity_id, g)
    context.update(
        rows=[{"entity": e, "signals": [SIGNAL_LABELS[s] for s in dormancy.signals_of(e)],
               "guidance": last.get(e.pk)} for e in entities],
        seasons=dormancy.no_report_seasons(), can_work=can_work_annual_reports(request.user),
        breadcrumbs=[CRUMB, ("休眠主体引导", None)])
    return render(request, "annual_reports/dormant_list.html", context)


@require(can_work_annual_reports)
def guidance_create(request, entity_pk: int):
    entity = get_object_or_404(MarketEntity.objects.for_user(request.user).select_related("office"), pk=entity_pk)
    candidate = dormancy.dormant_candidates(request.user).filter(pk=entity.pk).first()
    signals = dormancy.signals_of(candidate) if candidate else []
    form = GuidanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dormancy.guidance_record(entity=entity, signals=signals, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已记录对 {entity.name} 的引导。")
            return redirect("annual_reports:guidance_list")
    return render(request, "annual_reports/guidance_form.html", {
        "form": form, "entity": entity, "signals": [SIGNAL_LABELS[s] for s in signals],
        "history": DormancyGuidance.objects.filter(entity=entity).select_related("recorded_by"),
        "breadcrumbs": [CRUMB, DORMANT_CRUMB, (f"引导 {entity.name}", None)]})


@require(can_view_annual_reports)
def guidance_list(request):
    queryset = DormancyGuidance.objects.for_user(request.user).select_related("entity", "entity__office",
                                                                              "recorded_by")
    filterset = GuidanceFilter(request.GET, queryset=queryset)
    if not request.user.sees_whole_district:
        del filterset.filters["office"]
    context = list_context(request, filterset)
    context.update(outcome_form=OutcomeForm(), can_work=can_work_annual_reports(request.user),
                   pending=GuidanceOutcome.PENDING, signal_labels=SIGNAL_LABELS,
                   breadcrumbs=[CRUMB, DORMANT_CRUMB, ("引导记录", None)])
    return render(request, "annual_reports/guidance_list.html", context)


@require_POST
@require(can_work_annual_reports)
def guidance_outcome(request, pk: int):
    guidance = get_object_or_404(DormancyGuidance.objects.for_user(request.user).select_related("entity"), pk=pk)
    def act(data):
        dormancy.guidance_outcome(guidance=guidance, by=request.user, **data)
        return f"已记录 {guidance.entity.name} 的引导结果。"
    return form_step(request, OutcomeForm(request.POST), act, "annual_reports:guidance_list")


@require(can_view_annual_reports)
def suspension_list(request):
    """Suspension periods with what to remind: the extension window, the approaching 3-year limit."""
    queryset = SuspensionPeriod.objects.for_user(request.user).select_related("entity", "entity__office")
    show = request.GET.get("show", "active")
    if show == "active":
        from django.utils import timezone

        queryset = queryset.filter(resumed_on__isnull=True, planned_end__gte=timezone.localdate())
    page = Paginator(queryset.order_by("planned_end", "id"), 30).get_page(request.GET.get("page"))
    return render(request, "annual_reports/suspension_list.html", {
        "page": page, "states": dormancy.suspension_states(page.object_list), "show": show,
        "query": f"show={show}", "can_work": can_work_annual_reports(request.user),
        "extend_form": ExtendForm(), "resume_form": ResumeForm(),
        "breadcrumbs": [CRUMB, DORMANT_CRUMB, ("歇业期", None)]})


@require(can_work_annual_reports)
def suspension_create(request):
    form = SuspensionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dormancy.suspension_record(entity=form.entity, starts_on=data["starts_on"],
                                       planned_end=data["planned_end"], note=data["note"], by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已登记 {form.entity.name} 的歇业期。")
            return redirect("annual_reports:suspension_list")
    return render(request, "annual_reports/suspension_form.html", {
        "form": form, "breadcrumbs": [CRUMB, DORMANT_CRUMB, ("歇业期", "annual_reports:suspension_list"),
                                      ("登记歇业", None)]})


def _period(request, pk):
    return get_object_or_404(SuspensionPeriod.objects.for_user(request.user).select_related("entity"), pk=pk)


@require_POST
@require(can_work_annual_reports)
def suspension_extend(request, pk: int):
    period = _period(request, pk)

    def act(data):
        dormancy.suspension_extend(period=period, by=request.user, **data)
        return f"{period.entity.name} 的歇业期已延长至 {data['new_end']}。"
    return form_step(request, ExtendForm(request.POST), act, "annual_reports:suspension_list",
                     prefix=f"{period.entity.name}：")


@require_POST
@require(can_work_annual_reports)
def suspension_resume(request, pk: int):
    period = _period(request, pk)

    def act(data):
        dormancy.suspension_resume(period=period, by=request.user, **data)
        return f"已登记 {period.entity.name} 恢复营业。"
    return form_step(request, ResumeForm(request.POST), act, "annual_reports:suspension_list",
                     prefix=f"{period.entity.name}：")
