"""年报: the season's progress, the filing records, paper reports, seasons and the hand-over, the import."""
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Alignment

from core.audit import audit
from core.choices import AuditAction, JobStatus, Role
from core.importing import (
    DATE_FORMATS,
    MAX_STORED_ERRORS,
    ImportUploadForm,
    error_report_workbook,
    style_header,
    xlsx_response,
)
from core.models import Job, Office
from core.permissions import (
    can_manage_annual_reports,
    can_view_annual_reports,
    can_view_phone,
    can_work_annual_reports,
    require,
)
from core.selectors import job_for_user
from core.services import JOB_UNSENT_ERROR, JOB_UNSENT_STAGE
from core.web import add_errors, error_text, filter_params, form_error_text, xlsx_download
from core.xlsx import Workbook as StreamingWorkbook
from credit.charts import line_chart
from registry.masking import mask_phone

from .. import services
from ..filters import ReportFilter
from ..forms import PaperReportForm, SeasonEditForm, SeasonOpenForm
from ..importer import COLUMNS, IMPORT_JOB_KIND, REQUIRED, annual_reports_import_queue
from ..models import FilingSeason
from ..selectors import report_count_from_tallies, report_list_queryset, season_progress, season_years

CRUMB = ("年报", "annual_reports:home")


def _season(request) -> FilingSeason | None:
    years = season_years()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    if year not in years:
        year = years[0] if years else None
    return FilingSeason.objects.filter(year=year).first() if year else None


@require(can_view_annual_reports)
def home(request):
    """The season's progress: filing rate by day against the same day last year, by office and type."""
    season = _season(request)
    context = {"years": season_years(), "season": season, "breadcrumbs": [("年报", None)],
               "can_manage": can_manage_annual_reports(request.user),
               "can_work": can_work_annual_reports(request.user)}
    if season is not None:
        office_id = None
        if request.user.sees_whole_district:
            try:
                office_id = int(request.GET.get("office") or 0) or None
            except ValueError:
                office_id = None
        else:
            office_id = request.user.office_id
        progress = season_progress(season, office_id=office_id)
        context.update(
            progress=progress, office_id=office_id,
            offices=Office.objects.filter(is_active=True) if request.user.sees_whole_district else [],
            chart=line_chart(progress.chart_labels, progress.chart_series, y_max=100,
                             title="企业（含农专社）累计年报率，与上年同期对比（%）"),
            can_hand_over=(can_manage_annual_reports(request.user) and timezone.localdate() > season.due_on
                           and services.listings_available()),
            listings_ready=services.listings_available(),
            # From the tallies, not by counting the records (the page stays cheap at a million entities).
            not_filed_total=progress.bureau.not_filed + progress.individual.not_filed,
        )
    context["suspension_reminders"] = _suspension_reminders(request.user)
    return render(request, "annual_reports/home.html", context)


def _suspension_reminders(user) -> dict:
    """How many suspensions the user's scope has in their extension window or near the 3-year limit."""
    from ..dormancy import suspension_states
    from ..models import SuspensionPeriod

    today = timezone.localdate()
    states = suspension_states(SuspensionPeriod.objects.for_user(user).filter(
        resumed_on__isnull=True, starts_on__lte=today, planned_end__gte=today))
    return {"near_limit": sum(s.near_limit for s in states),
            "in_window": sum(s.in_window and not s.near_limit for s in states)}


def _filtered_reports(request):
    data = request.GET.copy()
    if not data.get("year"):
        season = _season(request)
        if season:
            data["year"] = str(season.year)
    return ReportFilter(data, queryset=report_list_queryset(request.user), user=request.user)


class TallyCountPaginator(Paginator):
    """A paginator whose total is given (from the tallies) rather than counted; the last page is counted exactly,
    so a total that drifted from the records since the last import still ends the list at its real end."""

    def __init__(self, object_list, per_page, *, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.given = count is not None
        if self.given:
            self.__dict__["count"] = count  # Paginator.count is a cached_property

    def page(self, number):
        if self.given:
            try:
                wanted = int(number)
            except (TypeError, ValueError):
                wanted = 1
            if wanted >= self.num_pages:
                self.given = False
                self.__dict__.pop("count", None)
                self.__dict__.pop("num_pages", None)
                number = max(1, min(wanted, self.num_pages))
        return super().page(number)


@require(can_view_annual_reports)
def report_list(request):
    filterset = _filtered_reports(request)
    paginator = TallyCountPaginator(filterset.qs, settings.PAGE_SIZE,
                                    count=report_count_from_tallies(filterset, request.user))
    params = request.GET.copy()
    params.pop("page", None)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    # core.web.list_context's context, with the paginator above (list_context would count the records).
    context = {"filter": filterset, "page": paginator.get_page(request.GET.get("page")),
               "query": params.urlencode(), "sort_query": sort_params.urlencode(), "sort": filterset.current_sort}
    context.update(year=filterset.data.get("year"), years=season_years(),
                   breadcrumbs=[CRUMB, ("报送情况", None)])
    return render(request, "annual_reports/report_list.html", context)


REPORT_HEADERS = ["报告年度", "统一社会信用代码", "名称", "主体类型", "管辖单位", "行业代码", "报送状态", "报送日期",
                  "报送方式", "个体户选择公示", "联系电话"]


@require(can_view_annual_reports)
def report_export(request):
    queryset = _filtered_reports(request).qs
    show_phone = can_view_phone(request.user)
    rows = ([r.season.year, r.entity.uscc, r.entity.name, r.entity.get_entity_type_display(), r.entity.office.name,
             r.entity.industry_code, r.get_status_display(), r.filed_on, r.get_channel_display(),
             "" if r.publish is None else ("是" if r.publish else "否"),
             r.entity.phone if show_phone else mask_phone(r.entity.phone)]
            for r in queryset.iterator(chunk_size=2000))
    book = StreamingWorkbook()
    book.add_sheet("年报报送情况", REPORT_HEADERS, rows, widths=[10, 22, 36, 14, 20, 10, 10, 12, 10, 12, 16])
    audit(actor=request.user, action=AuditAction.EXPORT, summary="导出年报报送情况",
          extra={"filters": filter_params(request), "phone_masked": not show_phone})
    return xlsx_download(book, "年报报送情况", "annual_reports")


@require(can_work_annual_reports)
def paper_report(request):
    """个体工商户纸质年报录入: a short form usable on a phone; the next one starts right after saving."""
    form = PaperReportForm(request.POST or None, user=request.user)
    if not FilingSeason.objects.exists():
        messages.warning(request, "尚未开启任何年报季，请先由股室人员开启年报季。")
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_record_paper(
                entity=form.entity, season=form.cleaned_data["season"], filed_on=form.cleaned_data["filed_on"],
                publish=form.cleaned_data["publish"], by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已录入 {form.entity.name} 的{report.season}（{report.get_status_display()}，"
                                      f"{report.filed_on}）。可继续录入下一户。")
            return redirect("annual_reports:paper_report")
    return render(request, "annual_reports/paper_report.html",
                  {"form": form, "breadcrumbs": [CRUMB, ("纸质年报录入", None)]})


@require(can_view_annual_reports)
def season_list(request):
    return render(request, "annual_reports/season_list.html", {
        "seasons": FilingSeason.objects.all(), "form": SeasonOpenForm(),
        "can_manage": can_manage_annual_reports(request.user),
        "breadcrumbs": [CRUMB, ("年报季设置", None)]})


@require_POST
@require(can_manage_annual_reports)
def season_open(request):
    form = SeasonOpenForm(request.POST)
    if form.is_valid():
        try:
            job = services.season_open_queue(
                year=form.cleaned_data["year"], due_on=form.cleaned_data["due_on"], note=form.cleaned_data["note"],
                required_established_before=form.cleaned_data["required_established_before"], by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            if job.status == JobStatus.QUEUED and job.stage == JOB_UNSENT_STAGE:
                messages.warning(request, JOB_UNSENT_ERROR)
            return redirect("annual_reports:job", job.pk)
    else:
        messages.error(request, form_error_text(form))
    return redirect("annual_reports:season_list")


@require(can_manage_annual_reports)
def season_edit(request, year: int):
    season = get_object_or_404(FilingSeason, year=year)
    form = SeasonEditForm(request.POST or None, instance=FilingSeason.objects.get(pk=season.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.season_update(season=season, due_on=form.cleaned_data["due_on"], note=form.cleaned_data["note"],
                                   required_established_before=form.cleaned_data["required_established_before"],
                                   by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"{season}的设置已保存。")
            return redirect("annual_reports:season_list")
    return render(request, "annual_reports/season_edit.html", {
        "form": form, "season": season,
        "breadcrumbs": [CRUMB, ("年报季设置", "annual_reports:season_list"), (str(season), None)]})


@require_POST
@require(can_manage_annual_reports)
def season_hand_over(request, year: int):
    season = get_object_or_404(FilingSeason, year=year)
    try:
        job = services.season_hand_over_queue(season=season, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(f"{redirect('annual_reports:home').url}?year={season.year}")
    if job.status == JobStatus.QUEUED and job.stage == JOB_UNSENT_STAGE:
        messages.warning(request, JOB_UNSENT_ERROR)
    messages.info(request, f"已提交移交任务 #{job.pk}。")
    return redirect("annual_reports:job", job.pk)


# ---- the import -------------------------------------------------------------------------------------------------

HELP = {
    "uscc": "18 位统一社会信用代码，须是名录中已有的市场主体。",
    "year": "报告年度，如 2025（也可写作“2025年度”）；该年度的年报季须已开启。",
    "filed_on": DATE_FORMATS + "；未报送的留空。不能早于该年度的报送开始日期，不能晚于今天。",
    "channel": "网页、手机 或 纸质；未报送的留空。",
    "name": "可留空，仅供核对，不导入。",
    "publish": "仅个体工商户：是 或 否（是否选择公示年报）；可留空。",
}
RULES = (
    "可直接导入国家企业信用信息公示系统导出的年报报送情况；表头按列名识别，列的顺序不限，表头上方可以有一两行标题。",
    "整批导入：只要有一行有错，整个文件都不会导入，系统会列出每一处错误（第几行、哪一列、原因）。",
    "有报送日期的为已报送：截止日期（含）前为按时报送，之后为补报；补报的主体如已移交列异，自动转入移出（恢复）和信用修复流程。",
    "报送日期为空的表示未报送；已记录的报送（如纸质年报）不会因此被清除。同一文件重复导入不会产生任何变化。",
)


def _jobs(user, kind):
    jobs = Job.objects.filter(kind=kind).select_related("created_by")
    if not (user.is_superuser or user.has_role(Role.ADMIN)):
        jobs = jobs.filter(created_by=user)
    return jobs


@require(can_manage_annual_reports)
def import_home(request):
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            job = annual_reports_import_queue(user=request.user, upload=form.cleaned_data["file"],
                                              dry_run=form.cleaned_data["dry_run"])
            if job.status == JobStatus.QUEUED and job.stage == JOB_UNSENT_STAGE:
                messages.warning(request, JOB_UNSENT_ERROR)
            return redirect("annual_reports:job", job.pk)
    else:
        form = ImportUploadForm()
    form.fields["file"].label = "年报报送情况文件（.xlsx）"
    return render(request, "annual_reports/import.html", {
        "form": form, "headers": " · ".join(label for key, label in COLUMNS if key in REQUIRED),
        "rules": RULES, "jobs": _jobs(request.user, IMPORT_JOB_KIND)[:20],
        "max_upload": settings.IMPORT_MAX_UPLOAD_BYTES, "breadcrumbs": [CRUMB, ("年报报送情况导入", None)]})


@require(can_manage_annual_reports)
def job_page(request, job_id: int):
    """One import or hand-over job: progress while it runs, then its counts or its row-level errors."""
    job = job_for_user(request.user, job_id)
    if job.kind not in (IMPORT_JOB_KIND, services.HAND_OVER_JOB_KIND, services.OPEN_JOB_KIND):
        raise Http404
    result = job.result or {}
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    is_import = job.kind == IMPORT_JOB_KIND
    title = {IMPORT_JOB_KIND: "年报报送情况导入", services.HAND_OVER_JOB_KIND: "到期未报送移交列异",
             services.OPEN_JOB_KIND: "开启年报季"}[job.kind]
    return render(request, "annual_reports/job.html", {
        "job": job, "result": result, "is_import": is_import, "title": title,
        "errors": result.get("errors", []), "truncated": result.get("error_count", 0) > len(result.get("errors", [])),
        "max_errors": MAX_STORED_ERRORS,
        "stalled": job.status == JobStatus.RUNNING and job.started_at and timezone.now() - job.started_at > limit,
        "breadcrumbs": [CRUMB, ("年报报送情况导入", "annual_reports:import") if is_import else ("年报", None),
                        (f"任务 #{job.pk}", None)]})


@require(can_manage_annual_reports)
def import_report(request, job_id: int):
    job = job_for_user(request.user, job_id)
    if job.kind != IMPORT_JOB_KIND or not (job.result or {}).get("errors"):
        raise Http404
    return xlsx_response(error_report_workbook(job), f"年报导入错误报告_任务{job.pk}.xlsx")


@require(can_manage_annual_reports)
def import_template(request):
    wb = Workbook()
    ws = wb.active
    ws.title = "年报报送情况"
    ws.append([label for _, label in COLUMNS])
    style_header(ws, [22, 10, 14, 10, 36, 10])
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "填写要求"])
    for key, label in COLUMNS:
        notes.append([label, "必填列" if key in REQUIRED else "选填列", HELP[key]])
    style_header(notes, [18, 10, 90])
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    notes.append([])
    notes.append(["导入规则"])
    for i, rule in enumerate(RULES, start=1):
        notes.append([f"{i}. {rule}"])
    return xlsx_response(wb, "年报报送情况导入模板.xlsx")
