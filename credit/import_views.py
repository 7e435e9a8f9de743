"""The credit app's import pages (risk classes, complaints): template, upload, job progress, row-level errors.

Both imports share these views; an ImportPage says what differs (the job kind, the service, the template, the
words on the page).
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
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
from .complaint_importer import COMPLAINT_JOB_KIND, complaints_import_queue
from .excel import COMPLAINT_COLUMNS, COMPLAINT_REQUIRED, RISK_COLUMNS, RISK_REQUIRED
from .importer import IMPORT_JOB_KIND, risk_classes_import_queue
from .models import RiskDomain

RECENT_JOBS = 20


@dataclass(frozen=True)
class ImportPage:
    """What one import's pages say and do."""

    key: str  # "risk" or "complaints": the URL segment
    job_kind: str
    title: str
    file_label: str
    queue: Callable
    columns: list
    required: set
    help: dict
    rules: tuple
    lists: Callable  # () -> {column key: allowed values} for drop-downs and the instructions
    counts: tuple  # labels for created, updated, unchanged
    filename: str
    parent: tuple  # breadcrumb before this page

    def url(self, name: str, *args) -> str:
        return reverse(f"credit:{self.key}_{name}", args=args)


def _risk_lists() -> dict:
    return {"risk_class": ["A", "B", "C", "D"],
            "class_type": [GENERAL_LABEL, *RiskDomain.objects.filter(is_active=True).values_list("name", flat=True)]}


PAGES = {
    "risk": ImportPage(
        key="risk", job_kind=IMPORT_JOB_KIND, title="信用风险分类结果导入", file_label="分类结果文件（.xlsx）",
        queue=risk_classes_import_queue, columns=RISK_COLUMNS, required=RISK_REQUIRED,
        help={"uscc": "18 位统一社会信用代码，须是名录中已有的市场主体（名录中没有的请先导入名录）。",
              "name": "可留空，仅供核对，不导入。",
              "risk_class": "A、B、C、D 之一（也可写作“A类”）。A 信用风险低，B 一般，C 较高，D 高。",
              "classified_on": DATE_FORMATS + "；不能晚于今天。",
              "class_type": f"“{GENERAL_LABEL}”表示通用型分类；专业分类填写领域名称，见“可选值”。"},
        rules=("可直接导入省级平台导出的分类结果文件；表头按列名识别，列的顺序不限，表头上方可以有一两行标题。",
               "整批导入：只要有一行有错（代码不在名录中、类别或分类类型不对、日期无效），整个文件都不会导入，"
               "系统会列出每一处错误（第几行、哪一列、原因）。",
               "同一主体、同一分类类型、同一分类日期只保留一条结果：类别相同的不做改动，类别不同的按文件更正并记入操作日志。",
               "风险分类结果仅供内部确定检查比例和频次使用，不得公开或用于对外公示。"),
        lists=_risk_lists, counts=("新增", "更正", "无变化"), filename="信用风险分类结果导入模板.xlsx",
        parent=("信用风险分类", "credit:risk_overview"),
    ),
    "complaints": ImportPage(
        key="complaints", job_kind=COMPLAINT_JOB_KIND, title="投诉举报记录导入", file_label="投诉举报文件（.xlsx）",
        queue=complaints_import_queue, columns=COMPLAINT_COLUMNS, required=COMPLAINT_REQUIRED,
        help={"number": "12315 平台的登记（工单）编号，同一编号再次导入时按文件更新。",
              "uscc": "被投诉举报主体的统一社会信用代码，须是名录中已有的市场主体。",
              "name": "可留空，仅供核对，不导入。",
              "kind": "投诉 或 举报。",
              "received_on": DATE_FORMATS + "；不能晚于今天。",
              "substantiated": "是、否，或留空（尚未核查）。",
              "summary": "不超过 300 字。"},
        rules=("表头按列名识别，列的顺序不限。",
               "整批导入：只要有一行有错，整个文件都不会导入，系统会列出每一处错误（第几行、哪一列、原因）。",
               "投诉举报记录用于信用风险评价模型的“投诉举报”指标。"),
        lists=lambda: {"kind": ["投诉", "举报"], "substantiated": ["是", "否"]},
        counts=("新增", "更新", "无变化"), filename="投诉举报记录导入模板.xlsx",
        parent=("信用风险评价模型", "credit:model_home"),
    ),
}


def _page(key: str) -> ImportPage:
    if key not in PAGES:
        raise Http404
    return PAGES[key]


def import_jobs_for(user, page: ImportPage):
    """An import's jobs a user may see: their own, or everyone's for administrators."""
    jobs = Job.objects.filter(kind=page.job_kind).select_related("created_by")
    if not (user.is_superuser or user.has_role(Role.ADMIN)):
        jobs = jobs.filter(created_by=user)
    return jobs


@require(can_import_risk_classes)
def import_home(request, page: str):
    """Upload a file; download the template; the recent imports."""
    page = _page(page)
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            job = page.queue(user=request.user, upload=form.cleaned_data["file"],
                             dry_run=form.cleaned_data["dry_run"])
            if job.status == JobStatus.QUEUED and job.stage == JOB_UNSENT_STAGE:
                messages.warning(request, JOB_UNSENT_ERROR)
            return redirect(page.url("import_job", job.pk))
    else:
        form = ImportUploadForm()
    form.fields["file"].label = page.file_label
    return render(request, "credit/import.html", {
        "page": page,
        "form": form,
        "headers": " · ".join(label for _, label in page.columns),
        "jobs": import_jobs_for(request.user, page)[:RECENT_JOBS],
        "max_upload": settings.IMPORT_MAX_UPLOAD_BYTES,
        "template_url": page.url("import_template"),
        "breadcrumbs": [page.parent, (page.title, None)],
    })


def _job(request, page: ImportPage, job_id: int) -> Job:
    job = job_for_user(request.user, job_id)  # someone else's job answers 404
    if job.kind != page.job_kind:
        raise Http404
    return job


@require(can_import_risk_classes)
def import_job(request, page: str, job_id: int):
    """One import: a progress bar while it runs, then its counts or its row-level error report."""
    page = _page(page)
    job = _job(request, page, job_id)
    result = job.result or {}
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    stalled = job.status == JobStatus.RUNNING and job.started_at and timezone.now() - job.started_at > limit
    return render(request, "credit/import_job.html", {
        "page": page,
        "job": job,
        "result": result,
        "counts": list(zip(page.counts, [result.get("created"), result.get("updated"), result.get("unchanged")],
                           strict=True)),
        "errors": result.get("errors", []),
        "truncated": result.get("error_count", 0) > len(result.get("errors", [])),
        "max_errors": MAX_STORED_ERRORS,
        "stalled": stalled,
        "report_url": page.url("import_report", job.pk),
        "home_url": page.url("import"),
        "breadcrumbs": [page.parent, (page.title, f"credit:{page.key}_import"), (f"导入任务 #{job.pk}", None)],
    })


@require(can_import_risk_classes)
def import_report(request, page: str, job_id: int):
    """The job's row-level error report as .xlsx (row, column, reason)."""
    page = _page(page)
    job = _job(request, page, job_id)
    if not (job.result or {}).get("errors"):
        raise Http404
    return xlsx_response(error_report_workbook(job), f"导入错误报告_任务{job.pk}.xlsx")


@require(can_import_risk_classes)
def import_template(request, page: str):
    """The template: the exact headers, drop-down lists, and a sheet explaining each column."""
    page = _page(page)
    lists = page.lists()
    wb = Workbook()
    ws = wb.active
    ws.title = page.title.removesuffix("导入")
    ws.append([label for _, label in page.columns])
    style_header(ws, [36 if key in ("name", "summary") else 22 if key == "uscc" else 14 for key, _ in page.columns])
    letter = {key: get_column_letter(i) for i, (key, _) in enumerate(page.columns, start=1)}
    ws.column_dimensions[letter["uscc"]].number_format = "@"
    labels = dict(page.columns)
    for key, values in lists.items():
        formula = '"' + ",".join(values) + '"'
        if len(formula) > 255:  # Excel's limit for a literal list
            continue
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                    errorTitle="请从列表中选择", error=f"“{labels[key]}”请从下拉列表中选择。")
        validation.add(f"{letter[key]}2:{letter[key]}200000")
        ws.add_data_validation(validation)
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "填写要求", "可选值"])
    for key, header in page.columns:
        required = "必填" if key in page.required else "选填"
        notes.append([header, required, page.help[key], "、".join(lists.get(key, []))])
    style_header(notes, [18, 10, 70, 40])
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    notes.append([])
    notes.append(["导入规则"])
    for i, rule in enumerate(page.rules, start=1):
        notes.append([f"{i}. {rule}"])
    return xlsx_response(wb, page.filename)
