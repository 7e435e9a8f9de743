"""Publication (公示), task integration (整合抽查任务), and the five KPIs with the records behind them."""
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.models import Office
from core.permissions import require
from core.web import error_text, form_error_text, xlsx_download

from .. import services
from ..choices import Kpi, Sampling
from ..excel import publication_workbook
from ..forms import PublishForm, VisitForm
from ..models import Inspector, JointVisit, Plan, SpotCheck, Task
from ..permissions import can_manage_inspections, can_view_kpis
from ..selectors import (
    default_year,
    integration_candidates,
    kpi_month,
    kpis,
    plan_years,
    publication_due,
    publication_queue,
    regular_draws,
    visits_saved,
)
from .common import CRUMB


@require(can_manage_inspections)
def publication_list(request):
    """Reviewed results waiting for publication, ordered by their deadline; overdue ones in red."""
    queue = publication_queue(request.user).prefetch_related("assignments__inspector")
    page = Paginator(queue, 100).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [{"check": c, "due": publication_due(c.checked_on)} for c in page.object_list]
    for row in rows:
        row["overdue"] = row["due"] < today
        row["days_left"] = (row["due"] - today).days
    return render(request, "inspections/publication_list.html", {
        "page": page, "rows": rows, "query": "", "form": PublishForm(), "today": today,
        "breadcrumbs": [CRUMB, ("结果公示", None)],
    })


@require(can_manage_inspections)
def publication_export(request):
    """The queue in the collaborative platform's upload layout (no risk class anywhere)."""
    checks = publication_queue(request.user).prefetch_related("assignments__inspector", "task__items")
    ids = request.GET.getlist("id")
    if ids:
        checks = checks.filter(pk__in=ids)
    checks = list(checks)
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出抽查结果公示上传文件 {len(checks)} 条",
          extra={"checks": [c.pk for c in checks][:1000]})
    return xlsx_download(publication_workbook(checks), "抽查结果公示", "publication")


@require(can_manage_inspections)
@require_POST
def publication_mark(request):
    form = PublishForm(request.POST)
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    if not form.is_valid():
        messages.error(request, "请填写公示日期。")
        return redirect("inspections:publication_list")
    allowed = list(publication_queue(request.user).filter(pk__in=ids).values_list("pk", flat=True))
    try:
        checks = services.checks_publish(ids=allowed, published_on=form.cleaned_data["published_on"], by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已将 {len(checks)} 条结果标记为已公示（{form.cleaned_data['published_on']}）。")
    return redirect("inspections:publication_list")


# ---------------------------------------------------------------------------------------------------------
# 整合抽查任务
# ---------------------------------------------------------------------------------------------------------

def _period(request) -> tuple[date, date] | None:
    try:
        start = date.fromisoformat(request.GET.get("from", ""))
        end = date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        return None
    return (start, end) if start <= end else None


@require(can_manage_inspections)
def integration(request):
    """Entities drawn by more than one task of a period: merge their checks into one visit with one team."""
    plans = Plan.objects.all()
    plan = plans.filter(pk=request.GET.get("plan")).first() if request.GET.get("plan", "").isdigit() else None
    plan = plan or plans.filter(year=default_year()).first() or plans.first()
    if plan is None:
        return render(request, "inspections/integration.html", {"plans": plans,
                                                               "breadcrumbs": [CRUMB, ("任务整合", None)]})
    period = _period(request)
    task_ids = [int(t) for t in request.GET.getlist("task") if t.isdigit()]
    tasks = Task.objects.filter(plan=plan).order_by("starts_on", "id")
    candidates = integration_candidates(plan, tasks=[t for t in tasks if t.pk in task_ids] or None, period=period)
    page = Paginator(candidates, 30).get_page(request.GET.get("page"))
    for group in page.object_list:
        team = {a.inspector_id for c in group["checks"] for a in c.assignments.all()}
        group["team"] = [a.inspector for c in group["checks"] for a in c.assignments.all()]
        group["team_ids"] = team
    params = request.GET.copy()
    params.pop("page", None)
    visits = (JointVisit.objects.filter(plan=plan).select_related("entity", "created_by")
              .prefetch_related("team", "checks__task")[:50])
    return render(request, "inspections/integration.html", {
        "plans": plans, "plan": plan, "tasks": tasks, "selected_tasks": task_ids, "period": period,
        "page": page, "query": params.urlencode(), "candidate_count": len(candidates), "saved": visits_saved(plan),
        "visits": visits, "breadcrumbs": [CRUMB, ("任务整合", None)],
    })


def _back(request) -> str:
    """Where to return after a merge: the integration page as the user had it filtered."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("inspections:integration")


@require(can_manage_inspections)
@require_POST
def visit_create(request):
    ids = [int(i) for i in request.POST.getlist("check") if i.isdigit()]
    checks = list(SpotCheck.objects.filter(pk__in=ids))
    form = VisitForm(request.POST, team_choices=Inspector.objects.all())
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(_back(request))
    try:
        visit = services.visit_create(checks=checks, team=form.cleaned_data["team"],
                                      planned_on=form.cleaned_data["planned_on"], note=form.cleaned_data["note"],
                                      by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已将 {visit.entity.name} 的 {len(checks)} 项检查合并为一次联合检查，节省上门 "
                                  f"{len(checks) - 1} 次。")
    return redirect(_back(request))


@require(can_manage_inspections)
@require_POST
def visit_dissolve(request, pk: int):
    visit = get_object_or_404(JointVisit.objects.select_related("entity", "plan"), pk=pk)
    services.visit_dissolve(visit=visit, by=request.user)
    messages.success(request, f"已取消 {visit.entity.name} 的联合检查。")
    return redirect(_back(request))


# ---------------------------------------------------------------------------------------------------------
# KPIs
# ---------------------------------------------------------------------------------------------------------

def _kpi_scope(request):
    years = plan_years() or [timezone.localdate().year]
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = default_year()
    if year not in years:
        year = default_year()
    office = None
    if request.user.sees_whole_district:
        office = Office.objects.filter(pk=request.GET.get("office")).first() if request.GET.get(
            "office", "").isdigit() else None
    else:
        office = request.user.office
    return year, years, office


@require(can_view_kpis)
def kpi_overview(request):
    """The five figures of the plan beside their targets, district-wide and per office."""
    year, years, office = _kpi_scope(request)
    offices = Office.objects.filter(is_active=True) if request.user.sees_whole_district else []
    by_office = [(o, kpis(year, o)) for o in offices] if office is None and request.user.sees_whole_district else []
    return render(request, "inspections/kpi_overview.html", {
        "year": year, "years": years, "office": office, "offices": offices, "results": kpis(year, office),
        "by_office": by_office, "kpi_labels": Kpi.choices, "breadcrumbs": [CRUMB, ("指标完成情况", None)],
    })


ENTITY_KPIS = (Kpi.COVERAGE, Kpi.DIFFERENTIATED)  # figures counted in entities: their records are entities


@require(can_view_kpis)
def kpi_records(request, code: str):
    """The records behind one figure: which count, which do not yet."""
    if code not in Kpi.values:
        raise Http404
    year, years, office = _kpi_scope(request)
    month = request.GET.get("month", "")
    month = int(month) if month.isdigit() and 1 <= int(month) <= 12 else None
    result = kpi_month(year, code, office, month)
    which = request.GET.get("show", "missing")
    records = result.records
    if which == "missing":  # a month's records that the year's numerator does not count
        records = records.exclude(pk__in=result.extra.get("year_hits", result.hits).values("pk"))
    elif which == "hits":
        records = result.hits
    by_entity = code in ENTITY_KPIS
    if by_entity:
        records = records.select_related("office").order_by("name", "id")
    else:
        records = records.select_related("entity", "entity__office", "task").order_by("task__deadline", "id")
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    hits = set(result.hits.filter(pk__in=[r.pk for r in page.object_list]).values_list("pk", flat=True))
    if code == Kpi.DIFFERENTIATED:  # the tasks that drew each entity of the page (regular tasks of the year)
        drew: dict[int, list] = {}
        for entity_id, task_id, name, sampling in (
                regular_draws(year).filter(entity_id__in=[e.pk for e in page.object_list])
                .order_by("task__starts_on", "task_id")
                .values_list("entity_id", "task_id", "task__name", "task__sampling")):
            drew.setdefault(entity_id, []).append(
                {"pk": task_id, "name": name, "differentiated": sampling == Sampling.DIFFERENTIATED})
        for entity in page.object_list:
            entity.drawn_by = drew.get(entity.pk, [])
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "inspections/kpi_records.html", {
        "result": result, "year": year, "office": office, "page": page, "hits": hits, "show": which,
        "query": params.urlencode(), "code": code, "today": timezone.localdate(), "by_entity": by_entity,
        "month": month, "breadcrumbs": [CRUMB, ("指标完成情况", "inspections:kpi_overview"), (result.label, None)],
    })
