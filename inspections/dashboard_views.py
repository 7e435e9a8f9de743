"""The leadership dashboard (领导驾驶舱): the page (also `/` for leadership), its print view and .xlsx export, the
refresh button's rollup job, and the business-environment figures staff enter. Reads only the summary tables."""
import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.models import Job
from core.permissions import require
from core.web import add_errors, xlsx_download
from core.xlsx import Workbook

from .dashboard import build, dashboard_years, default_dashboard_year, load_rows
from .forms import BusinessIndicatorForm
from .models import BusinessIndicator, DashboardBlock
from .permissions import can_manage_business_indicators, can_view_dashboard
from .rollup import ROLLUP_JOB_KIND
from .services.dashboard import business_indicator_delete, business_indicator_save, rollup_queue

CRUMB = ("领导驾驶舱", "inspections:dashboard")


def _year(request) -> tuple[int, list[int]]:
    years = dashboard_years()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = default_dashboard_year(years)
    if year not in years:
        year = default_dashboard_year(years)
    return year, years


def dashboard_context(request, rows=None) -> dict:
    """The export's context; ``rows`` (inspections.dashboard.Rows) defaults to the summary tables of the year."""
    year, years = _year(request)
    context = build(rows if rows is not None else load_rows(year))
    context.update(years=years)
    return context


def _stamp(year: int) -> str:
    """What the blocks depend on: the year's last rollup and the business-environment figures entered."""
    rolled = DashboardBlock.objects.filter(year=year).aggregate(at=Max("attempted_at"), n=Count("id"))
    entered = BusinessIndicator.objects.filter(year=year).aggregate(at=Max("updated_at"), n=Count("id"))
    return f"{rolled['at']}|{rolled['n']}|{entered['at']}|{entered['n']}|{timezone.localdate()}"


def dashboard_body(year: int, rows=None) -> str:
    """The blocks, rendered from the summary tables once per rollup (cached under the rollup's time, so the next
    rollup or a figure entered shows at once); ``rows`` given: rendered from them, not cached."""
    if rows is not None:
        return render_to_string("inspections/_dashboard_body.html", build(rows))
    key = f"dashboard-body:{year}:{hashlib.sha1(_stamp(year).encode()).hexdigest()}"
    body = cache.get(key)
    if body is None:
        body = render_to_string("inspections/_dashboard_body.html", build(load_rows(year)))
        cache.set(key, body, 24 * 3600)
    return body


def dashboard_page(request, rows=None):
    year, years = _year(request)
    return render(request, "inspections/dashboard.html", {
        "year": year, "years": years, "body": dashboard_body(year, rows), "print_view": request.GET.get("print") == "1",
        "running": Job.objects.filter(kind=ROLLUP_JOB_KIND, status__in=["queued", "running"])
        .order_by("-created_at").first(),
        "breadcrumbs": [] if request.path == reverse("home") else [("领导驾驶舱", None)]})


@require(can_view_dashboard)
def dashboard(request):
    """The five KPIs beside their targets, the offices' ranking, the monthly trend, the ABCD distributions and every
    other capability's block, as of each block's last rollup."""
    return dashboard_page(request)


@require(can_view_dashboard)
@require_POST
def dashboard_refresh(request):
    """Start a rollup of the chosen year (or follow the one already running) and show its progress."""
    year, _ = _year(request)
    job = rollup_queue(by=request.user, years=[year])
    return redirect(reverse("inspections:dashboard_job", args=[job.pk]) + f"?year={year}")


@require(can_view_dashboard)
def dashboard_job(request, job_id: int):
    job = get_object_or_404(Job, pk=job_id, kind=ROLLUP_JOB_KIND)
    year, _ = _year(request)
    return render(request, "inspections/dashboard_job.html", {
        "job": job, "year": year, "breadcrumbs": [CRUMB, (f"更新驾驶舱数据 #{job.pk}", None)]})


def _pct(value):
    return None if value is None else (value * 100).quantize(value.__class__("0.01"))


@require(can_view_dashboard)
def dashboard_export(request):
    """The dashboard for the monthly meeting: one sheet per block."""
    context = dashboard_context(request)
    year = context["year"]
    book = Workbook()
    book.add_sheet("五项指标", ["指标", "分子", "分母", "完成值（%）", "目标值（%）", "是否达标", "差距"], [
        (k["figure"].label, k["figure"].numerator, k["figure"].denominator, _pct(k["figure"].rate),
         _pct(k["figure"].target), "达标" if k["figure"].met else "未达标", k["figure"].shortfall_text)
        for k in context["kpis"]])
    labels = context["kpi_labels"]
    book.add_sheet("各所排名", ["排名", "市场监管所", "达标项数", *(f"{label}（%）" for label in labels)], [
        (r["rank"], r["office"].name, r["met"], *(_pct(f.rate) if f else None for f in r["figures"]))
        for r in context["ranking"]])
    months = range(1, context["trend_months"] + 1)
    book.add_sheet("月度趋势", ["月份", *(f"{label}累计（%）" for label in labels)], [
        (f"{m}月", *(_pct(k["points"][m - 1][1]) for k in context["kpis"])) for m in months])
    book.add_sheet("风险分类分布", ["风险类别", "存续主体（户）", "占比（%）", "年度抽中检查（户次）", "占比（%）"], [
        (r["label"], r["population"], _pct(r["population_share"]), r["drawn"], _pct(r["drawn_share"]))
        for r in context["classes"]["rows"]])
    for block in context["blocks"]:
        rows = []
        if not block.available:
            rows.append(("全区", block.status_text, None, ""))
        rows += [("全区", f.label, f.value, f.unit) for f in block.district]
        rows += [(row["office"], label, cell.value if cell else None, unit) for row in block.office_rows
                 for (_, label, unit), cell in zip(block.office_keys, row["cells"], strict=True)]
        rows += [(f"{m}月", trend["label"], value, trend["unit"]) for trend in block.trends
                 for m, value, _ in trend["months"] if value is not None]
        book.add_sheet(block.title[:31], ["范围", "指标", "数值", "单位"], rows)
    book.add_sheet("营商环境（填报）", ["指标", "统计期", "数值", "单位", "目标值", "是否达到", "数据来源", "备注"], [
        (i.name, i.get_period_display(), i.value, i.unit, i.target,
         "" if i.met is None else "达到" if i.met else "未达到", i.source, i.note) for i in context["indicators"]])
    def fresh(state):
        if state is None:
            return ("尚未汇总", None, "")
        at = timezone.localtime(state.refreshed_at).strftime("%Y-%m-%d %H:%M") if state.refreshed_at else None
        return (state.get_status_display(), at, state.message)

    book.add_sheet("数据更新时间", ["板块", "状态", "更新于", "说明"], [
        *((title, *fresh(context["kpi_state"])) for title in ("五项指标", "各所排名", "月度趋势")),
        ("风险分类分布", *fresh(context["class_state"])),
        *((block.title[:31], *fresh(block.state)) for block in context["blocks"]),
        ("营商环境（填报）", "实时", timezone.localtime().strftime("%Y-%m-%d %H:%M"), "填报后即时显示，不经汇总")])
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出 {year} 年领导驾驶舱")
    return xlsx_download(book, f"领导驾驶舱_{year}年", f"dashboard_{year}")


# ---------------------------------------------------------------------------------------------------------
# Business-environment figures (营商环境)
# ---------------------------------------------------------------------------------------------------------

@require(can_view_dashboard)
def indicator_list(request):
    years = sorted(set(BusinessIndicator.objects.values_list("year", flat=True)) | {timezone.localdate().year},
                   reverse=True)
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = years[0]
    return render(request, "inspections/indicator_list.html", {
        "year": year, "years": years, "indicators": BusinessIndicator.objects.filter(year=year)
        .select_related("entered_by"), "can_manage": can_manage_business_indicators(request.user),
        "breadcrumbs": [CRUMB, ("营商环境指标", None)]})


def _indicator_form(request, indicator=None):
    form = BusinessIndicatorForm(request.POST or None, instance=indicator)
    if request.method == "POST" and form.is_valid():
        try:
            saved = business_indicator_save(data=form.cleaned_data, by=request.user, indicator=indicator)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已保存：{saved}")
            return redirect(reverse("inspections:indicator_list") + f"?year={saved.year}")
    title = "修改营商环境指标" if indicator else "填报营商环境指标"
    return render(request, "inspections/form.html", {
        "form": form, "title": title, "back": reverse("inspections:indicator_list"),
        "intro": "填报本局上报或上级通报的营商环境指标数值；驾驶舱在“营商环境”板块显示，并与目标值比较。",
        "breadcrumbs": [CRUMB, ("营商环境指标", "inspections:indicator_list"), (title, None)]})


@require(can_manage_business_indicators)
def indicator_create(request):
    return _indicator_form(request)


@require(can_manage_business_indicators)
def indicator_update(request, pk: int):
    return _indicator_form(request, get_object_or_404(BusinessIndicator, pk=pk))


@require(can_manage_business_indicators)
@require_POST
def indicator_delete(request, pk: int):
    indicator = get_object_or_404(BusinessIndicator, pk=pk)
    business_indicator_delete(indicator=indicator, by=request.user)
    messages.success(request, f"已删除：{indicator}")
    return redirect(reverse("inspections:indicator_list") + f"?year={indicator.year}")
