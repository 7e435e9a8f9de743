"""The register import pages: the template, the upload, the job's progress and its row-level error report."""
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
from core.importing import ImportUploadForm, error_report_workbook, style_header, xlsx_response
from core.models import Job, Office
from core.permissions import can_import_entities, require
from core.selectors import job_for_user
from core.services import JOB_UNSENT_ERROR, JOB_UNSENT_STAGE

from .excel import COLUMNS, HEADERS, REQUIRED, STATUS_LABEL, TYPE_LABEL
from .importer import DATE_FORMATS, IMPORT_JOB_KIND, MAX_STORED_ERRORS, entities_import_queue

RECENT_JOBS = 20
BREADCRUMBS = [("市场主体名录", "registry:entity_list"), ("名录导入", "registry:import")]

# What the instructions sheet of the template says about each column.
COLUMN_HELP = {
    "uscc": "18 位，按 GB 32100-2015 校验最后一位校验码；字母大小写、空格和连字符会自动规范。同一文件内不得重复。"
            "系统中已有的代码会更新该主体，没有的会新增。",
    "name": "市场主体的登记名称，不超过 200 字。",
    "entity_type": "填写下列之一。",
    "legal_rep": "法定代表人、负责人或经营者姓名；表头也可写作“法定代表人（负责人/经营者）”“负责人”“经营者”。",
    "industry_code": "GB/T 4754-2017 小类代码：门类字母加 4 位数字，如 C2651；前两位数字须是该门类下的大类。",
    "address": "住所（经营场所），不超过 300 字。",
    "registration_authority": "如：泉州市泉港区市场监督管理局。",
    "office": "须与系统中市场监督管理所的名称完全一致，见下方列表。",
    "established_on": DATE_FORMATS + "；不能晚于今天。",
    "status": "填写下列之一。",
    "phone": "可留空；不能填写脱敏后的号码（含 *）。",
}


def import_jobs_for(user):
    """The import jobs a user may see: their own, or everyone's for administrators."""
    jobs = Job.objects.filter(kind=IMPORT_JOB_KIND).select_related("created_by")
    if not (user.is_superuser or user.has_role(Role.ADMIN)):
        jobs = jobs.filter(created_by=user)
    return jobs


@require(can_import_entities)
def import_home(request):
    """Upload a register spreadsheet; download the template; the recent imports."""
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            job = entities_import_queue(user=request.user, upload=form.cleaned_data["file"],
                                        dry_run=form.cleaned_data["dry_run"])
            if job.status == JobStatus.QUEUED and job.stage == JOB_UNSENT_STAGE:
                messages.warning(request, JOB_UNSENT_ERROR)
            return redirect("registry:import_job", job_id=job.pk)
    else:
        form = ImportUploadForm()
    return render(request, "registry/import.html", {
        "form": form,
        "jobs": import_jobs_for(request.user)[:RECENT_JOBS],
        "max_upload": settings.IMPORT_MAX_UPLOAD_BYTES,
        "breadcrumbs": [BREADCRUMBS[0], ("名录导入", None)],
    })


def _import_job(request, job_id: int) -> Job:
    job = job_for_user(request.user, job_id)  # someone else's job answers 404
    if job.kind != IMPORT_JOB_KIND:
        raise Http404
    return job


@require(can_import_entities)
def import_job(request, job_id: int):
    """One import: a progress bar while it runs, then its counts or its row-level error report."""
    job = _import_job(request, job_id)
    result = job.result or {}
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    stalled = job.status == JobStatus.RUNNING and job.started_at and timezone.now() - job.started_at > limit
    return render(request, "registry/import_job.html", {
        "job": job,
        "result": result,
        "errors": result.get("errors", []),
        "truncated": result.get("error_count", 0) > len(result.get("errors", [])),
        "max_errors": MAX_STORED_ERRORS,
        "stalled": stalled,
        "breadcrumbs": [*BREADCRUMBS, (f"导入任务 #{job.pk}", None)],
    })


@require(can_import_entities)
def import_report(request, job_id: int):
    """The job's row-level error report as .xlsx (row, column, reason)."""
    job = _import_job(request, job_id)
    if not (job.result or {}).get("errors"):
        raise Http404
    return xlsx_response(error_report_workbook(job), f"导入错误报告_任务{job.pk}.xlsx")


@require(can_import_entities)
def import_template(request):
    """The import template: the exact headers, drop-down lists, and a sheet explaining each column."""
    offices = list(Office.objects.filter(is_active=True).values_list("name", flat=True))
    wb = Workbook()
    ws = wb.active
    ws.title = "市场主体名录"
    ws.append(HEADERS)
    widths = {"uscc": 22, "name": 36, "entity_type": 14, "legal_rep": 14, "industry_code": 10, "address": 40,
              "registration_authority": 28, "office": 22, "established_on": 12, "status": 10, "phone": 15}
    style_header(ws, [widths[key] for key, _ in COLUMNS])
    letter = {key: get_column_letter(i) for i, (key, _) in enumerate(COLUMNS, start=1)}
    for key in ("uscc", "industry_code", "phone"):  # text, so that Excel keeps leading zeros and long digits
        ws.column_dimensions[letter[key]].number_format = "@"
    ws.column_dimensions[letter["established_on"]].number_format = "yyyy-mm-dd"
    lists = {"entity_type": list(TYPE_LABEL.values()), "status": list(STATUS_LABEL.values()), "office": offices}
    for key, values in lists.items():
        formula = '"' + ",".join(values) + '"'
        if not values or len(formula) > 255:  # Excel's limit for a literal list
            continue
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                    errorTitle="请从列表中选择", error=f"“{dict(COLUMNS)[key]}”请从下拉列表中选择。")
        validation.add(f"{letter[key]}2:{letter[key]}100000")
        ws.add_data_validation(validation)

    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "填写要求", "可选值"])
    allowed = {"entity_type": "、".join(TYPE_LABEL.values()), "status": "、".join(STATUS_LABEL.values()),
               "office": "、".join(offices)}
    for key, header in COLUMNS:
        notes.append([header, "必填" if key in REQUIRED else "选填", COLUMN_HELP[key], allowed.get(key, "")])
    style_header(notes, [18, 10, 70, 40])
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    notes.append([])
    for line in (
        "导入规则",
        "1. 在第一个工作表“市场主体名录”中从第 2 行起逐行填写，每行一户；表头按列名识别，列的顺序可以调整，"
        "表头上方可以有一两行标题。",
        "2. 整批导入：只要有一行有错，整个文件都不会导入，系统会列出每一处错误（第几行、哪一列、原因）。",
        "3. 统一社会信用代码已在系统中的，按文件内容更新该主体并记录修改前后的值；登记状态的变化记入状态变更记录。",
        "4. 不要使用合并单元格；公式请“粘贴为数值”后再导入。",
    ):
        notes.append([line])
    return xlsx_response(wb, "市场主体名录导入模板.xlsx")
