"""Plans, tasks, the pre-draw preview, the draw with its progress, the certificate, and re-draws."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction, JobStatus
from core.models import Department
from core.permissions import require
from core.selectors import job_for_user
from core.web import add_errors, error_text, form_error_text, list_context
from registry.models import MarketEntity

from .. import services
from ..choices import STRATUM_LABELS, CheckStatus, DrawStatus, RedrawStatus, TaskStatus
from ..filters import TaskFilter
from ..forms import DecisionForm, PlanForm, RedrawRequestForm, TaskForm
from ..models import Draw, Inspector, Plan, RedrawRequest, Task
from ..permissions import can_approve_redraw, can_manage_inspections, can_view_certificates, can_view_tasks
from ..selectors import (
    checks_for,
    control_comparison,
    default_year,
    draws_of,
    kpis,
    plan_years,
    task_preview,
    visits_saved,
)
from ..services.draws import DRAW_JOB_KIND, draw_interrupted, draw_jobs
from .common import CRUMB

PLANS = ("抽查计划", "inspections:plan_list")
TASKS = ("抽查任务", "inspections:task_list")


def _year(request) -> int:
    years = plan_years()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return default_year()
    return year if year in years else default_year()


@require(can_view_tasks)
def home(request):
    """The year at a glance: tasks, checks by state, what is overdue, the five figures, where to go next."""
    year = _year(request)
    checks = checks_for(request.user).filter(task__plan__year=year)
    by_status = dict(checks.order_by().values_list("status").annotate(n=Count("id", distinct=True)))
    today = timezone.localdate()
    office = None if request.user.sees_whole_district else request.user.office
    return render(request, "inspections/home.html", {
        "year": year, "years": plan_years(), "plan": Plan.objects.filter(year=year).first(),
        "by_status": [(value, label, by_status.get(value, 0)) for value, label in CheckStatus.choices],
        "overdue_checks": checks.filter(status__in=[CheckStatus.PENDING, CheckStatus.RETURNED,
                                                    CheckStatus.SUBMITTED], task__deadline__lt=today).count(),
        "tasks": Task.objects.filter(plan__year=year).values("status").annotate(n=Count("id")),
        "kpis": kpis(year, office), "office": office,
        "pending_redraws": RedrawRequest.objects.filter(status=RedrawStatus.PENDING).count()
        if can_approve_redraw(request.user) else 0,
        "can_manage": can_manage_inspections(request.user), "breadcrumbs": [(CRUMB[0], None)],
    })


# ---------------------------------------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------------------------------------

@require(can_view_tasks)
def plan_list(request):
    plans = Plan.objects.annotate(n_tasks=Count("tasks", distinct=True))
    return render(request, "inspections/plan_list.html", {
        "plans": plans, "can_manage": can_manage_inspections(request.user), "breadcrumbs": [CRUMB, (PLANS[0], None)],
    })


@require(can_manage_inspections)
def plan_create(request):
    form = PlanForm(request.POST or None, initial={"year": timezone.localdate().year,
                                                   "name": f"{timezone.localdate().year} 年度双随机抽查工作计划"})
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已新建“{plan}”。")
            return redirect(plan)
    return render(request, "inspections/form.html", {
        "form": form, "title": "新建抽查计划", "back": reverse("inspections:plan_list"),
        "breadcrumbs": [CRUMB, PLANS, ("新建抽查计划", None)]})


@require(can_view_tasks)
def plan_detail(request, pk: int):
    plan = get_object_or_404(Plan, pk=pk)
    tasks = (plan.tasks.select_related("lead_department", "domain")
             .annotate(n_checks=Count("checks", filter=Q(checks__draw__status=DrawStatus.VALID), distinct=True))
             .order_by("starts_on", "id"))
    return render(request, "inspections/plan_detail.html", {
        "plan": plan, "tasks": tasks, "saved": visits_saved(plan), "control": control_comparison(plan.year),
        "can_manage": can_manage_inspections(request.user), "today": timezone.localdate(),
        "breadcrumbs": [CRUMB, PLANS, (plan.name, None)],
    })


# ---------------------------------------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------------------------------------

@require(can_view_tasks)
def task_list(request):
    queryset = Task.objects.select_related("plan", "lead_department", "domain").annotate(
        n_checks=Count("checks", filter=Q(checks__draw__status=DrawStatus.VALID), distinct=True))
    context = list_context(request, TaskFilter(request.GET, queryset=queryset))
    context.update(can_manage=can_manage_inspections(request.user), today=timezone.localdate(),
                   breadcrumbs=[CRUMB, (TASKS[0], None)])
    return render(request, "inspections/task_list.html", context)


def _task_form(request, *, plan: Plan, task: Task | None = None):
    form = TaskForm(request.POST or None, instance=task, initial=None if task else {
        "starts_on": max(timezone.localdate(), timezone.datetime(plan.year, 1, 1).date()),
        "f_statuses": ["active"], "inspectors_per_check": 2})
    if request.method == "POST" and form.is_valid():
        kwargs = {"data": form.task_data(), "items": form.cleaned_data["items"],
                  "participants": list(form.cleaned_data["participants"]), "by": request.user}
        try:
            if task is None:
                task = services.task_create(plan=plan, **kwargs)
            else:
                task = services.task_update(task=task, **kwargs)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已保存抽查任务“{task}”。请核对抽取前预览后再抽取。")
            return redirect(task)
    title = f"新建抽查任务（{plan.year} 年）" if task is None else f"修改抽查任务：{task.name}"
    return render(request, "inspections/task_form.html", {
        "form": form, "title": title, "plan": plan, "back": (task or plan).get_absolute_url(),
        "breadcrumbs": [CRUMB, PLANS, (plan.name, None), (title, None)]})


@require(can_manage_inspections)
def task_create(request, plan_pk: int):
    return _task_form(request, plan=get_object_or_404(Plan, pk=plan_pk))


@require(can_manage_inspections)
def task_update(request, pk: int):
    task = get_object_or_404(Task.objects.select_related("plan"), pk=pk)
    if task.status != TaskStatus.DRAFT:
        messages.error(request, "任务已抽取或正在抽取，不能再修改。")
        return redirect(task)
    return _task_form(request, plan=task.plan, task=task)


@require(can_manage_inspections)
@require_POST
def task_delete(request, pk: int):
    task = get_object_or_404(Task.objects.select_related("plan"), pk=pk)
    try:
        services.task_delete(task=task, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(task)
    messages.success(request, f"已删除抽查任务“{task.name}”。")
    return redirect(task.plan)


@require(can_view_tasks)
def task_detail(request, pk: int):
    task = get_object_or_404(Task.objects.select_related("plan", "lead_department", "domain", "created_by"), pk=pk)
    draw = task.draws.filter(status=DrawStatus.VALID).defer("certificate_gz").first()
    can_manage = can_manage_inspections(request.user)
    context = {
        "task": task, "draw": draw, "draws": draws_of(task), "items": task.items.select_related("department"),
        "participants": task.participants.select_related("department"), "can_manage": can_manage,
        "can_view_certificate": can_view_certificates(request.user), "filter": task.population_filter,
        "ratios": [(STRATUM_LABELS[k], v) for k, v in task.stratum_ratios().items()],
        "pending_redraw": task.redraw_requests.filter(status=RedrawStatus.PENDING).select_related(
            "requested_by").first(),
        "redraws": task.redraw_requests.select_related("requested_by", "decided_by"),
        "job": draw_jobs(task).first() if task.status == TaskStatus.DRAWING else None,
        "interrupted": draw_interrupted(task),
        "breadcrumbs": [CRUMB, PLANS, (task.plan.name, None), (task.name, None)],
    }
    if task.status == TaskStatus.DRAFT:
        try:
            context["preview"] = task_preview(task)
        except ValueError as exc:  # a ratio left empty: the task page says what to fill in
            context["preview_error"] = str(exc)
    if draw is not None:
        checks = checks_for(request.user).filter(draw=draw)
        context["check_counts"] = dict(checks.order_by().values_list("status").annotate(n=Count("id", distinct=True)))
        context["check_total"] = sum(context["check_counts"].values())
        context["status_choices"] = CheckStatus.choices
        if can_manage and not context["pending_redraw"]:
            context["redraw_form"] = RedrawRequestForm()
    return render(request, "inspections/task_detail.html", context)


@require(can_manage_inspections)
@require_POST
def task_draw(request, pk: int):
    task = get_object_or_404(Task, pk=pk)
    try:
        job = services.task_draw_request(task=task, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(task)
    return redirect("inspections:draw_job", job_id=job.pk)


@require(can_manage_inspections)
@require_POST
def task_draw_resume(request, pk: int):
    task = get_object_or_404(Task, pk=pk)
    try:
        job = services.draw_resume(task=task, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(task)
    return redirect("inspections:draw_job", job_id=job.pk)


@require(can_view_tasks)
def draw_job(request, job_id: int):
    """A draw's progress bar, then its outcome (the certificate, or why it failed)."""
    job = job_for_user(request.user, job_id)
    if job.kind != DRAW_JOB_KIND:
        raise Http404
    task = get_object_or_404(Task, pk=job.params.get("task"))
    draw = Draw.objects.filter(job=job).defer("certificate_gz").first()
    return render(request, "inspections/draw_job.html", {
        "job": job, "task": task, "draw": draw, "running": job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        "interrupted": draw_interrupted(task),
        "breadcrumbs": [CRUMB, TASKS, (task.name, None), (f"抽取 #{job.pk}", None)],
    })


# ---------------------------------------------------------------------------------------------------------
# The certificate
# ---------------------------------------------------------------------------------------------------------

def _draw(pk: int) -> Draw:
    return get_object_or_404(Draw.objects.select_related("task", "task__plan", "drawn_by", "voided_by"), pk=pk)


@require(can_view_certificates)
def draw_detail(request, pk: int):
    """The draw certificate: seed, strata, exclusions, pool, assignments, and how to verify it."""
    draw = _draw(pk)
    cert = draw.certificate()
    names = dict(Inspector.objects.filter(code__in=[p["code"] for p in cert["pool"]]).values_list("code", "name"))
    page = Paginator(cert["assignments"], 100).get_page(request.GET.get("page"))
    entity_names = dict(MarketEntity.objects.filter(uscc__in=[a["uscc"] for a in page.object_list])
                        .values_list("uscc", "name"))
    rows = [{"n": page.start_index() + i, "uscc": a["uscc"], "name": entity_names.get(a["uscc"], ""),
             "office": cert["entity_offices"].get(a["uscc"], ""),
             "inspectors": [(code, names.get(code, "")) for code in a["inspectors"]]}
            for i, a in enumerate(page.object_list)]
    codes = cert["task"]["departments"]
    department_names = dict(Department.objects.filter(code__in=codes).values_list("code", "name"))
    strata = [{**{k: v for k, v in s.items() if k not in ("population", "selected")},
               "label": STRATUM_LABELS[s["class"]]} for s in cert["strata"]]
    return render(request, "inspections/draw_detail.html", {
        "draw": draw, "cert": cert, "strata": strata,
        "departments": [(code, department_names.get(code, "")) for code in codes],
        "exclusions": cert["exclusions"][:200], "exclusion_count": len(cert["exclusions"]),
        "pool": [{**p, "name": names.get(p["code"], "")} for p in cert["pool"]], "rows": rows, "page": page,
        "query": "", "breadcrumbs": [CRUMB, TASKS, (draw.task.name, None), (f"抽取凭证（第 {draw.number} 次）", None)],
    })


@require(can_view_certificates)
def draw_certificate(request, pk: int):
    """The certificate JSON exactly as stored (its digest checks with tools/verify_draw.py)."""
    draw = _draw(pk)
    audit(actor=request.user, action=AuditAction.EXPORT, target=draw, summary=f"下载抽取凭证：{draw}")
    response = HttpResponse(draw.certificate_bytes(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="draw-{draw.pk}-certificate.json"'
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------------------
# Re-draws
# ---------------------------------------------------------------------------------------------------------

@require(can_manage_inspections)
@require_POST
def redraw_request(request, pk: int):
    task = get_object_or_404(Task, pk=pk)
    form = RedrawRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(task)
    try:
        services.redraw_request(task=task, reason=form.cleaned_data["reason"], by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "重新抽取申请已提交，等待局领导审批。")
    return redirect(task)


@require(can_view_tasks)
def redraw_list(request):
    requests = RedrawRequest.objects.select_related("task", "task__plan", "draw", "requested_by", "decided_by")
    return render(request, "inspections/redraw_list.html", {
        "requests": requests[:200], "can_approve": can_approve_redraw(request.user),
        "form": DecisionForm(), "breadcrumbs": [CRUMB, ("重新抽取审批", None)],
    })


@require(can_approve_redraw)
@require_POST
def redraw_decide(request, pk: int):
    redraw = get_object_or_404(RedrawRequest.objects.select_related("task"), pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "")
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, "请选择审批结论：批准或不批准。")
        return redirect("inspections:redraw_list")
    try:
        if decision == "approve":
            job = services.redraw_approve(request=redraw, note=note, by=request.user)
            messages.success(request, f"已批准重新抽取，原抽取已作废并保留；新的抽取已提交（后台任务 #{job.pk}）。")
        else:
            services.redraw_reject(request=redraw, note=note, by=request.user)
            messages.success(request, "已不予批准，原抽取继续有效。")
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("inspections:redraw_list")
