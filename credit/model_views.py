"""The scoring model's pages: the model and its indicators, runs with progress, results and their explanation."""
from datetime import date
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.models import Office
from core.permissions import can_manage_credit_analysis, can_view_risk_class, is_admin, require
from core.xlsx import XLSX_CONTENT_TYPE, Workbook
from registry.choices import EntityType

from .choices import VersionStatus
from .indicators import NOT_AVAILABLE
from .models import ModelVersion, ScoringModel
from .scoring import agreement_matrix, explain, plan_for
from .selectors import reproduction_differences, results_for, runs_for
from .services import classification_run_queue, classification_run_reproduce, current_version

RECENT_RUNS = 30
BREADCRUMB = ("信用风险评价模型", "credit:model_home")


class RunForm(forms.Form):
    version = forms.ModelChoiceField(label="模型版本", queryset=ModelVersion.objects.none(), empty_label=None)
    entity_type = forms.ChoiceField(label="评价对象", choices=[
        (EntityType.INDIVIDUAL, "个体工商户（试点评价）"), (EntityType.ENTERPRISE, "企业（与上级分类对比）")])
    as_of = forms.DateField(label="评价基准日", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = ModelVersion.objects.filter(
            status__in=[VersionStatus.PUBLISHED, VersionStatus.RETIRED]).select_related("model")
        self.fields["version"].label_from_instance = lambda v: f"{v}（{v.get_status_display()}）"


def _plan_rows(version):
    return [{"item": item, "rule": item.kind.describe(item.params), "live": item.kind.available}
            for item in plan_for(version)]


def _home(request, form, status=200):
    models = []
    for model in ScoringModel.objects.all():
        version = current_version(model)
        plan = _plan_rows(version) if version else []
        models.append({"model": model, "version": version, "plan": plan,
                       "not_live": sum(1 for row in plan if not row["live"]),
                       "drafts": model.versions.filter(status=VersionStatus.DRAFT).count()})
    return render(request, "credit/model_home.html", {
        "models": models,
        "runs": runs_for(request.user)[:RECENT_RUNS],
        "form": form if can_manage_credit_analysis(request.user) else None,
        "is_admin": is_admin(request.user),
        "whole_district": request.user.sees_whole_district,
        "not_available": NOT_AVAILABLE,
        "breadcrumbs": [(BREADCRUMB[0], None)],
    }, status=status)


@require(can_view_risk_class)
def model_home(request):
    """Each model's current version (indicators, weights, thresholds in plain words), the runs, a new run."""
    return _home(request, RunForm(initial={"as_of": timezone.localdate(), "entity_type": EntityType.INDIVIDUAL}))


@require(can_manage_credit_analysis)
@require_POST
def run_start(request):
    form = RunForm(request.POST)
    if form.is_valid():
        try:
            run = classification_run_queue(version=form.cleaned_data["version"],
                                           entity_type=form.cleaned_data["entity_type"],
                                           as_of=form.cleaned_data["as_of"], by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("credit:run_detail", pk=run.pk)
    return _home(request, form, status=400)


def _run(request, pk: int):
    return get_object_or_404(runs_for(request.user), pk=pk)


def _filtered_results(request, run):
    results = results_for(request.user, run).select_related("entity", "entity__office")
    risk_class = request.GET.get("class", "")
    if risk_class in ("A", "B", "C", "D"):
        results = results.filter(risk_class=risk_class)
    office = request.GET.get("office", "")
    if office.isdigit() and request.user.sees_whole_district:
        results = results.filter(entity__office_id=int(office))
    q = request.GET.get("q", "").strip()
    if q:
        results = results.filter(Q(entity__name__icontains=q) | Q(entity__uscc__startswith=q.upper()))
    return results.order_by("-score", "entity_id"), {"class": risk_class, "office": office, "q": q}


@require(can_view_risk_class)
def run_detail(request, pk: int):
    """A run: progress while it runs, then its class distribution, per office, the comparison and the results."""
    run = _run(request, pk)
    visible = results_for(request.user, run)
    context = {"run": run, "job": run.job, "breadcrumbs": [BREADCRUMB, (f"评价 #{run.pk}", None)],
               "can_run": can_manage_credit_analysis(request.user)}
    if run.job.status == "succeeded":
        # Counts stored by the run (per office and class), so the page does not count a million results.
        per = {int(office): cells for office, cells in run.office_counts.items()}
        if not request.user.sees_whole_district:
            per = {office: cells for office, cells in per.items() if office == request.user.office_id}
        counts = {c: sum(cells.get(c, 0) for cells in per.values()) for c in "ABCD"}
        total = sum(counts.values())
        context["cards"] = [(c, counts[c], round(counts[c] * 100 / total, 1) if total else 0) for c in "ABCD"]
        context["total"] = total
        if request.user.sees_whole_district:
            context["offices"] = [
                {"office": o, "cells": [per[o.pk].get(c, 0) for c in "ABCD"], "total": sum(per[o.pk].values())}
                for o in Office.objects.filter(pk__in=per)]
        if run.is_comparison:
            context["matrix"] = agreement_matrix(run, visible)
        if run.reproduces_id:
            context["differences"] = reproduction_differences(run)
        results, params = _filtered_results(request, run)
        page = Paginator(results, settings.PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context.update({"page": page, "params": params, "query": query.urlencode(),
                        "office_choices": Office.objects.all() if request.user.sees_whole_district else []})
    return render(request, "credit/run_detail.html", context)


@require(can_view_risk_class)
def result_detail(request, pk: int, entity_id: int):
    """Why an entity got its class: each indicator's value and contribution, summed, against the thresholds."""
    run = _run(request, pk)
    result = get_object_or_404(results_for(request.user, run).select_related("entity", "entity__office"),
                               entity_id=entity_id)
    lines = explain(result)
    return render(request, "credit/result_detail.html", {
        "run": run, "result": result, "entity": result.entity, "lines": lines, "version": run.version,
        "total_weight": sum(line.weight for line in lines if not line.state),
        "breadcrumbs": [BREADCRUMB, (f"评价 #{run.pk}", None), (result.entity.name, None)],
    })


@require(can_view_risk_class)
def run_export(request, pk: int):
    """The run's (visible, filtered) results with every indicator's value and points: an internal export."""
    run = _run(request, pk)
    if run.job.status != "succeeded":
        raise Http404
    results, params = _filtered_results(request, run)
    plan = plan_for(run.version, run.excluded_kinds)
    headers = ["统一社会信用代码", "名称", "管辖单位", "风险分", "评价类别"]
    for item in plan:
        headers += [f"{item.kind.label}（指标值）", f"{item.kind.label}（得分）"]

    def rows():
        for result in results.iterator(chunk_size=2000):
            row = [result.entity.uscc, result.entity.name, result.entity.office.name, result.score, result.risk_class]
            for item, value, points in zip(plan, result.values, result.contributions, strict=True):
                row += [item.state or (item.kind.show(value, item.params) if item.kind.show else value),
                        float(points)]
            yield row

    count = results.count()
    audit(actor=request.user, action=AuditAction.EXPORT, target=run,
          summary=f"导出信用风险评价 #{run.pk} 结果 {count} 户（内部）", extra={"filters": params, "rows": count})
    book = Workbook()
    book.add_sheet(f"评价{run.pk}", headers, rows())
    response = StreamingHttpResponse(book.iter_bytes(), content_type=XLSX_CONTENT_TYPE)
    name = f"信用风险评价{run.pk}_{date.today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"run_{run.pk}.xlsx\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store"
    return response


@require(can_manage_credit_analysis)
@require_POST
def run_reproduce(request, pk: int):
    run = _run(request, pk)
    again = classification_run_reproduce(run=run, by=request.user)
    return redirect("credit:run_detail", pk=again.pk)
