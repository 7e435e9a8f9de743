"""Importing the provincial platform's risk-class results from .xlsx: check every row, write all or nothing."""
import logging
import time
from dataclasses import dataclass
from datetime import date

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

from .choices import GENERAL_LABEL
from .excel import GENERAL_ALIASES, RISK_ALIASES, RISK_COLUMNS, RISK_REQUIRED, normalise_class
from .models import EntityRiskClass, RiskDomain
from .services import current_classes_refresh

logger = logging.getLogger(__name__)

IMPORT_JOB_KIND = "credit.import_risk_classes"
SPEC = HeaderSpec(RISK_COLUMNS, RISK_REQUIRED, RISK_ALIASES)
LABELS = dict(RISK_COLUMNS)
ORDER = {key: i for i, (key, _) in enumerate(RISK_COLUMNS)}
PROGRESS_EVERY = 5000
LOOKUP_BATCH = 5000
WRITE_BATCH = 2000


class RiskImportReport(ImportReport):
    """The risk-class import's report: counts of classification results."""

    def counts_text(self) -> str:
        return f"共 {self.rows} 行：新增 {self.created} 条分类结果，更正 {self.updated} 条，无变化 {self.unchanged} 条"


@dataclass
class _Row:
    rn: int
    uscc: str
    risk_class: str
    classified_on: date
    domain_id: int | None


def _check_rows(sheet, report: RiskImportReport, *, job: Job | None) -> tuple[list[_Row], list[RowError]]:
    """Check every data row on its own; returns the good rows and the errors found so far."""
    p = sheet.positions
    col = {key: sheet.names.get(key, LABELS[key]) for key in LABELS}
    domains = {d.name: d.pk for d in RiskDomain.objects.filter(is_active=True)}
    type_names = "、".join([GENERAL_LABEL, *domains])
    today = timezone.localdate()
    rows, errors, seen = [], [], {}
    n = 0
    for idx, raw in enumerate(sheet.rows, start=sheet.first_row):
        if not any(raw):
            continue
        rn = idx + 1
        uscc = normalise_uscc(cell_value(raw, p["uscc"]))
        class_text = cell_value(raw, p["risk_class"])
        type_text = cell_value(raw, p["class_type"])
        date_raw = raw[p["classified_on"]]
        if not (uscc or class_text or type_text or cell_text(date_raw) or cell_value(raw, p.get("name"))):
            continue
        n += 1
        bad = []
        if not uscc:
            bad.append(("uscc", "必填项为空"))
        risk_class = normalise_class(class_text)
        if risk_class is None:
            bad.append(("risk_class", "必填项为空" if not class_text else
                        f"“{class_text}”不是有效的风险类别，应为 A、B、C、D 之一"))
        on = parse_date(date_raw)
        if on is None:
            text = cell_text(date_raw)
            bad.append(("classified_on", "必填项为空" if not text else f"“{text}”不是有效日期（{DATE_FORMATS}）"))
        elif on > today:
            bad.append(("classified_on", f"分类日期 {on.isoformat()} 晚于今天"))
        elif on < EARLIEST_DATE:
            bad.append(("classified_on", f"分类日期 {on.isoformat()} 早于 1900 年，请核对"))
        domain_id = None
        if type_text in GENERAL_ALIASES:
            pass
        elif type_text in domains:
            domain_id = domains[type_text]
        else:
            bad.append(("class_type", "必填项为空" if not type_text else
                        f"“{type_text}”不是系统中的分类类型，应为：{type_names}"))
        if not bad:
            first = seen.setdefault((uscc, domain_id, on), rn)
            if first != rn:
                bad.append(("uscc", f"{uscc} 的{type_text}分类（{on.isoformat()}）与第 {first} 行重复"))
        if bad:
            report.bad_rows += 1
            errors.extend(RowError(rn, col[key], message) for key, message in bad)
        else:
            rows.append(_Row(rn, uscc, risk_class, on, domain_id))
        if job is not None and n % PROGRESS_EVERY == 0:
            job_progress(job, done=n)
    report.rows = n
    return rows, errors


def _resolve_entities(rows: list[_Row], report: RiskImportReport, errors: list[RowError], col: str) -> dict:
    """Code → entity id for the file's codes; a code the register does not hold is a row error."""
    codes = sorted({r.uscc for r in rows})
    ids = {}
    for start in range(0, len(codes), LOOKUP_BATCH):
        ids.update(MarketEntity.objects.filter(uscc__in=codes[start:start + LOOKUP_BATCH]).values_list("uscc", "id"))
    unknown_rows = {r.rn for r in rows if r.uscc not in ids}
    for r in rows:
        if r.rn in unknown_rows:
            errors.append(RowError(r.rn, col, f"统一社会信用代码 {r.uscc} 不在市场主体名录中，请先导入该主体"))
    report.bad_rows += len(unknown_rows)
    return ids


def _write(rows: list[_Row], ids: dict, *, job: Job | None, user) -> tuple[int, int]:
    """Create the new results, correct the ones whose class changed; returns (created, updated)."""
    created = updated = 0
    actor = user if getattr(user, "pk", None) else None
    for start in range(0, len(rows), WRITE_BATCH):
        batch = rows[start:start + WRITE_BATCH]
        entity_ids = {ids[r.uscc] for r in batch}
        dates = {r.classified_on for r in batch}
        existing = {
            (rc.entity_id, rc.domain_id, rc.classified_on): rc
            for rc in EntityRiskClass.objects.filter(entity_id__in=entity_ids, classified_on__in=dates)
            .select_related("entity", "domain")
        }
        new, changed = [], []
        for r in batch:
            key = (ids[r.uscc], r.domain_id, r.classified_on)
            found = existing.get(key)
            if found is None:
                new.append(EntityRiskClass(entity_id=key[0], domain_id=r.domain_id, classified_on=r.classified_on,
                                           risk_class=r.risk_class, job=job))
            elif found.risk_class != r.risk_class:
                audit(actor=actor, action=AuditAction.UPDATE, target=found.entity,
                      summary=f"更正信用风险分类（{found.type_label}，{r.classified_on.isoformat()}）",
                      changes={"risk_class": [found.risk_class, r.risk_class]},
                      extra={"job": job.pk if job else None, "classified_on": r.classified_on.isoformat(),
                             "type": found.type_label})
                found.risk_class, found.job = r.risk_class, job
                changed.append(found)
        EntityRiskClass.objects.bulk_create(new)
        EntityRiskClass.objects.bulk_update(changed, ["risk_class", "job"])
        created += len(new)
        updated += len(changed)
    return created, updated


def risk_classes_import(
    *, path, file_name: str, user=None, job: Job | None = None, dry_run: bool = False,
    max_errors: int | None = MAX_STORED_ERRORS,
) -> RiskImportReport:
    """Import the provincial platform's classification results: every row valid, or nothing is written.

    Unknown codes, classes, types and bad dates are row errors; a result already held for the same entity, type
    and date is left alone when the class agrees and corrected (audited) when it differs.
    """
    report = RiskImportReport(file_name=file_name, dry_run=dry_run)
    started = time.perf_counter()
    if job is not None:
        job_progress(job, done=0, stage="读取文件")
    workbook = open_workbook(path, file_name=file_name)
    try:
        sheet = open_sheet(path, workbook, SPEC, file_name=file_name)
        if job is not None:
            job_progress(job, done=0, total=sheet.estimate * 2 + 1, stage="校验数据")
        read = time.perf_counter()
        rows, errors = _check_rows(sheet, report, job=job)
    finally:
        workbook.close()
    if report.rows == 0 and not errors:
        raise ImportFileError("表头下面没有数据行，没有可导入的内容。")
    ids = _resolve_entities(rows, report, errors, sheet.names.get("uscc", LABELS["uscc"]))
    checked = time.perf_counter()
    report.timings = {"read": round(read - started, 3), "check": round(checked - read, 3)}
    if errors:
        errors.sort(key=lambda e: e.row)
        report.error_count = len(errors)
        report.errors = errors if max_errors is None else errors[:max_errors]
        return report
    if job is not None:
        job_progress(job, done=report.rows, total=report.rows * 2 + 1, stage="写入数据库")
    with transaction.atomic():
        report.created, report.updated = _write(rows, ids, job=job, user=user)
        current_classes_refresh({ids[r.uscc] for r in rows if r.domain_id is None})
        report.unchanged = report.rows - report.created - report.updated
        audit(
            actor=user, action=AuditAction.IMPORT, target=job,
            summary=f"导入信用风险分类结果 {file_name}：共 {report.rows} 行，新增 {report.created}，"
                    f"更正 {report.updated}，无变化 {report.unchanged}",
            extra={"file": file_name, "rows": report.rows, "created": report.created, "updated": report.updated,
                   "unchanged": report.unchanged, "job": job.pk if job is not None else None},
        )
        if dry_run:
            transaction.set_rollback(True)
    report.timings["write"] = round(time.perf_counter() - checked, 3)
    report.written = not dry_run
    return report


@transaction.atomic
def risk_classes_import_queue(*, user, upload, dry_run: bool = False) -> Job:
    """Accept a results file uploaded on the import page and queue its import as a job the page follows."""
    from .tasks import import_risk_classes_task

    job = job_create(kind=IMPORT_JOB_KIND, user=user, params={"dry_run": dry_run}, input_file=upload,
                     input_name=upload.name)
    job_enqueue(job=job, task=import_risk_classes_task)  # Redis down: kept queued and sent again when it is back
    return job


def risk_classes_import_job(*, job: Job) -> RiskImportReport:
    """Run an uploaded risk-class import for its job (called by the Celery task)."""
    return risk_classes_import(
        path=job.input_file.path, file_name=job.input_name or job.input_file.name, user=job.created_by, job=job,
        dry_run=bool(job.params.get("dry_run")),
    )
