"""Importing complaints and reports (投诉举报) from .xlsx: check every row, write all or nothing."""
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.audit import audit
from core.choices import AuditAction
from core.importing import (
    DATE_FORMATS,
    EARLIEST_DATE,
    MAX_STORED_ERRORS,
    HeaderSpec,
    ImportFileError,
    ImportReport,
    RowError,
    cell_text,
    cell_value,
    open_sheet,
    open_workbook,
    parse_date,
)
from core.models import Job
from core.services import job_create, job_enqueue, job_progress
from registry.codes import normalise_uscc
from registry.models import MarketEntity

from .choices import ComplaintKind
from .excel import COMPLAINT_ALIASES, COMPLAINT_COLUMNS, COMPLAINT_REQUIRED, NO, YES
from .importer import LOOKUP_BATCH
from .models import Complaint

COMPLAINT_JOB_KIND = "credit.import_complaints"
SPEC = HeaderSpec(COMPLAINT_COLUMNS, COMPLAINT_REQUIRED, COMPLAINT_ALIASES, hint="“登记编号”“统一社会信用代码”等列名")
LABELS = dict(COMPLAINT_COLUMNS)
KIND_BY_LABEL = {label: value for value, label in ComplaintKind.choices}
MAX_SUMMARY = Complaint._meta.get_field("summary").max_length
MAX_NUMBER = Complaint._meta.get_field("number").max_length


class ComplaintImportReport(ImportReport):
    """The complaints import's report: counts of complaints (件)."""

    def counts_text(self) -> str:
        return f"共 {self.rows} 行：新增 {self.created} 件，更新 {self.updated} 件，无变化 {self.unchanged} 件"


@dataclass
class _Row:
    rn: int
    number: str
    uscc: str
    kind: str
    received_on: object
    substantiated: bool | None
    summary: str


def _check(sheet, report, *, job) -> tuple[list[_Row], list[RowError]]:
    p = sheet.positions
    col = {key: sheet.names.get(key, LABELS[key]) for key in LABELS}
    today = timezone.localdate()
    rows, errors, seen, n = [], [], {}, 0
    for idx, raw in enumerate(sheet.rows, start=sheet.first_row):
        if not any(raw):
            continue
        rn = idx + 1
        number = cell_value(raw, p["number"])
        uscc = normalise_uscc(cell_value(raw, p["uscc"]))
        kind_text = cell_value(raw, p["kind"])
        date_raw = raw[p["received_on"]]
        verdict = cell_value(raw, p.get("substantiated"))
        summary = cell_value(raw, p.get("summary"))
        if not (number or uscc or kind_text or cell_text(date_raw) or verdict or summary):
            continue
        n += 1
        bad = []
        if not number:
            bad.append(("number", "必填项为空"))
        elif len(number) > MAX_NUMBER:
            bad.append(("number", f"超过 {MAX_NUMBER} 个字符"))
        elif seen.setdefault(number, rn) != rn:
            bad.append(("number", f"登记编号 {number} 与第 {seen[number]} 行重复"))
        if not uscc:
            bad.append(("uscc", "必填项为空"))
        kind = KIND_BY_LABEL.get(kind_text)
        if kind is None:
            bad.append(("kind", "必填项为空" if not kind_text else f"“{kind_text}”不是有效的类型，应为：投诉、举报"))
        received = parse_date(date_raw)
        if received is None:
            text = cell_text(date_raw)
            bad.append(("received_on", "必填项为空" if not text else f"“{text}”不是有效日期（{DATE_FORMATS}）"))
        elif received > today:
            bad.append(("received_on", f"受理日期 {received.isoformat()} 晚于今天"))
        elif received < EARLIEST_DATE:
            bad.append(("received_on", f"受理日期 {received.isoformat()} 早于 1900 年，请核对"))
        substantiated = True if verdict in YES else False if verdict in NO else None
        if verdict and substantiated is None:
            bad.append(("substantiated", f"“{verdict}”无法识别，应为：是、否，或留空（尚未核查）"))
        if len(summary) > MAX_SUMMARY:
            bad.append(("summary", f"超过 {MAX_SUMMARY} 个字符"))
        if bad:
            report.bad_rows += 1
            errors.extend(RowError(rn, col[key], message) for key, message in bad)
        else:
            rows.append(_Row(rn, number, uscc, kind, received, substantiated, summary))
        if job is not None and n % 5000 == 0:
            job_progress(job, done=n)
    report.rows = n
    return rows, errors


def complaints_import(*, path, file_name: str, user=None, job: Job | None = None, dry_run: bool = False,
                      max_errors: int | None = MAX_STORED_ERRORS) -> ComplaintImportReport:
    """Import complaints and reports: every row valid and every code in the register, or nothing is written.
    A number already held is updated from the file."""
    report = ComplaintImportReport(file_name=file_name, dry_run=dry_run)
    if job is not None:
        job_progress(job, done=0, stage="读取文件")
    workbook = open_workbook(path, file_name=file_name)
    try:
        sheet = open_sheet(path, workbook, SPEC, file_name=file_name)
        if job is not None:
            job_progress(job, done=0, total=sheet.estimate * 2 + 1, stage="校验数据")
        rows, errors = _check(sheet, report, job=job)
    finally:
        workbook.close()
    if report.rows == 0 and not errors:
        raise ImportFileError("表头下面没有数据行，没有可导入的内容。")
    codes = sorted({r.uscc for r in rows})
    ids = {}
    for start in range(0, len(codes), LOOKUP_BATCH):
        ids.update(MarketEntity.objects.filter(uscc__in=codes[start:start + LOOKUP_BATCH]).values_list("uscc", "id"))
    column = sheet.names.get("uscc", LABELS["uscc"])
    for r in rows:
        if r.uscc not in ids:
            report.bad_rows += 1
            errors.append(RowError(r.rn, column, f"统一社会信用代码 {r.uscc} 不在市场主体名录中，请先导入该主体"))
    if errors:
        errors.sort(key=lambda e: e.row)
        report.error_count = len(errors)
        report.errors = errors if max_errors is None else errors[:max_errors]
        return report
    if job is not None:
        job_progress(job, done=report.rows, total=report.rows * 2 + 1, stage="写入数据库")
    fields = ["entity_id", "kind", "received_on", "substantiated", "summary"]
    with transaction.atomic():
        existing = {}
        numbers = [r.number for r in rows]
        for start in range(0, len(numbers), LOOKUP_BATCH):
            batch = numbers[start:start + LOOKUP_BATCH]
            existing.update({c.number: c for c in Complaint.objects.filter(number__in=batch)})
        new, changed = [], []
        for r in rows:
            values = {"entity_id": ids[r.uscc], "kind": r.kind, "received_on": r.received_on,
                      "substantiated": r.substantiated, "summary": r.summary}
            found = existing.get(r.number)
            if found is None:
                new.append(Complaint(number=r.number, job=job, **values))
            elif any(getattr(found, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(found, f, v)
                found.job = job
                changed.append(found)
        Complaint.objects.bulk_create(new, batch_size=2000)
        Complaint.objects.bulk_update(changed, [*fields, "job"], batch_size=2000)
        report.created, report.updated = len(new), len(changed)
        report.unchanged = report.rows - report.created - report.updated
        audit(actor=user, action=AuditAction.IMPORT, target=job,
              summary=f"导入投诉举报记录 {file_name}：共 {report.rows} 行，新增 {report.created}，"
                      f"更新 {report.updated}，无变化 {report.unchanged}",
              extra={"file": file_name, "rows": report.rows, "created": report.created, "updated": report.updated,
                     "job": job.pk if job is not None else None})
        if dry_run:
            transaction.set_rollback(True)
    report.written = not dry_run
    return report


@transaction.atomic
def complaints_import_queue(*, user, upload, dry_run: bool = False) -> Job:
    """Accept a complaints file uploaded on the import page and queue its import as a job the page follows."""
    from .tasks import import_complaints_task

    job = job_create(kind=COMPLAINT_JOB_KIND, user=user, params={"dry_run": dry_run}, input_file=upload,
                     input_name=upload.name)
    job_enqueue(job=job, task=import_complaints_task)
    return job


def complaints_import_job(*, job: Job) -> ComplaintImportReport:
    """Run an uploaded complaints import for its job (called by the Celery task)."""
    return complaints_import(path=job.input_file.path, file_name=job.input_name or job.input_file.name,
                             user=job.created_by, job=job, dry_run=bool(job.params.get("dry_run")))
