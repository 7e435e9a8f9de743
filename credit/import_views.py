"""The risk-class import pages: the template, the upload, the job's progress and its row-level error report."""
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.choices import JobStatus, Role
from core.importing import (
    DATE_FORMATS,
    MAX_STORED_ERRORS,
    ImportUploadForm,
    error_report_workbook,
    style_header,
    xlsx_response,
)
from core.models import Job
from core.permissions import can_import_risk_classes, require
from core.selectors import job_for_user
from core.services import JOB_UNSENT_ERROR, JOB_UNSENT_STAGE

from .choices import GENERAL_LABEL
from .excel import RISK_COLUMNS, RISK_HEADERS, RISK_REQUIRED
from .importer import IMPORT_JOB_KIND, risk_classes_import_queue
from .models import RiskDomain

RECENT_JOBS = 20
BREADCRUMBS = [("信用风险分类", "credit:risk_overview"), ("分类结果导入", "credit:risk_import")]

COLUMN_HELP = {
    "uscc": "18 位统一社会信用代码，须是名录中已有的市场主体（名录中没有的请先导入名录）。",
    "name": "可留空，仅供核对，不导入。",
    "risk_class": "A、B、C、D 之一（也可写作“A类”）。A 信用风险低，B 一般，C 较高，D 高。",
    "classified_on": DATE_FORMATS + "；不能晚于今天。",
    "class_type": f"“{GENERAL_LABEL}”表示通用型分类；专业分类填写领域名称，见下方列表。",
}


def import_jobs_for(user):
    """The risk-class import jobs a user may see: their own, or everyone's for administrators."""
    jobs = Job.objects.filter(kind=IMPORT_JOB_KIND).select_related("created_by")
    if not (user.is_superuser or user.has_role(Role.ADMIN)):
        jobs = jobs.filter(created_by=user)
    return jobs


@require(can_import_risk_classes)
def import_home(request):
    """Upload the provincial platform's results; download the template; the recent imports."""
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            job = risk_classes_import_queue(user=request.user, upload=form.cleaned_data["file"],
                                            dry_run=form.cleaned_data["dry_run"])
            if job.status == JobStatus.QUEUED and job.stage == JOB_UNSENT_STAGE:
                messages.warning(request, JOB_UNSENT_ERROR)
            return redirect("credit:risk_import_job", job_id=job.pk)
    else:
        form = ImportUploadForm()
    form.fields["file"].label = "分类结果文件（.xlsx）"
    return render(request, "credit/risk_import.html", {
        "form": form,
        "jobs": import_jobs_for(request.user)[:RECENT_JOBS],
        "max_upload": settings.IMPORT_MAX_UPLOAD_BYTES,
        "domains": RiskDomain.objects.filter(is_active=True),
        "breadcrumbs": [BREADCRUMBS[0], ("分类结果导入", None)],
    })


def _import_job(request, job_id: int) -> Job:
    job = job_for_user(request.user, job_id)  # someone else's job answers 404
    if job.kind != IMPORT_JOB_KIND:
        raise Http404
    return job


@require(can_import_risk_classes)
def import_job(request, job_id: int):
    """One import: a progress bar while it runs, then its counts or its row-level error report."""
    job = _import_job(request, job_id)
    result = job.result or {}
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    stalled = job.status == JobStatus.RUNNING and job.started_at and timezone.now() - job.started_at > limit
    return render(request, "credit/risk_import_job.html", {
        "job": job,
        "result": result,
        "errors": result.get("errors", []),
        "truncated": result.get("error_count", 0) > len(result.get("errors", [])),
        "max_errors": MAX_STORED_ERRORS,
        "stalled": stalled,
        "breadcrumbs": [*BREADCRUMBS, (f"导入任务 #{job.pk}", None)],
    })


@require(can_import_risk_classes)
def import_report(request, job_id: int):
    """The job's row-level error report as .xlsx (row, column, reason)."""
    job = _import_job(request, job_id)
    if not (job.result or {}).get("errors"):
        raise Http404
    return xlsx_response(error_report_workbook(job), f"分类导入错误报告_任务{job.pk}.xlsx")


@require(can_import_risk_classes)
def import_template(request):
    """The template: the provincial platform's headers, drop-down lists, and a sheet explaining each column."""
    types = [GENERAL_LABEL, *RiskDomain.objects.filter(is_active=True).values_list("name", flat=True)]
    wb = Workbook()
    ws = wb.active
    ws.title = "信用风险分类结果"
    ws.append(RISK_HEADERS)
    widths = {"uscc": 22, "name": 36, "risk_class": 10, "classified_on": 12, "class_type": 14}
    style_header(ws, [widths[key] for key, _ in RISK_COLUMNS])
    letter = {key: get_column_letter(i) for i, (key, _) in enumerate(RISK_COLUMNS, start=1)}
    ws.column_dimensions[letter["uscc"]].number_format = "@"
    ws.column_dimensions[letter["classified_on"]].number_format = "yyyy-mm-dd"
    for key, values in {"risk_class": ["A", "B", "C", "D"], "class_type": types}.items():
        formula = '"' + ",".join(values) + '"'
        if len(formula) > 255:  # Excel's limit for a literal list
            continue
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                    errorTitle="请从列表中选择",
                                    error=f"“{dict(RISK_COLUMNS)[key]}”请从下拉列表中选择。")
        validation.add(f"{letter[key]}2:{letter[key]}200000")
        ws.add_data_validation(validation)
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "填写要求", "可选值"])
    allowed = {"risk_class": "A、B、C、D", "class_type": "、".join(types)}
    for key, header in RISK_COLUMNS:
        notes.append([header, "必填" if key in RISK_REQUIRED else "选填", COLUMN_HELP[key], allowed.get(key, "")])
    style_header(notes, [18, 10, 70, 40])
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    notes.append([])
    for line in (
        "导入规则",
        "1. 可直接导入省级平台导出的分类结果文件；表头按列名识别，列的顺序不限，表头上方可以有一两行标题。",
        "2. 整批导入：只要有一行有错，整个文件都不会导入，系统会列出每一处错误（第几行、哪一列、原因）。",
        "3. 同一主体、同一分类类型、同一分类日期只保留一条结果：再次导入类别相同的不做改动，"
        "类别不同的按文件更正并记入操作日志。",
        "4. 风险分类结果仅供内部确定检查比例和频次使用，不得公开或用于对外公示。",
    ):
        notes.append([line])
    return xlsx_response(wb, "信用风险分类结果导入模板.xlsx")
