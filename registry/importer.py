"""Importing the entity register from .xlsx: read, check every row, then write all of it or nothing.

Reading (core.importing) uses python-calamine (Rust, releases the GIL): the sheet is parsed once and its rows
are checked one by one; each valid row goes straight to a staging file on disk, so the rows are never held twice
in memory.
Writing happens only when every row is valid, in one transaction: on PostgreSQL a COPY into a temporary table
and set-based merges, elsewhere (the SQLite demo) bulk_create / bulk_update.
"""
import csv
import json
import logging
import re
import tempfile
import time
from datetime import date
from operator import mul

from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from core.audit import audit, diff, model_values
from core.choices import AuditAction
from core.importing import (  # noqa: F401  (cell_text, col_letter, parse_date, RowError: part of this module's API)
    DATE_FORMATS,
    EARLIEST_DATE,
    HeaderSpec,
    ImportFileError,
    RowError,
    Sheet,
    cell_text,
    col_letter,
    open_sheet,
    open_workbook,
    parse_date,
)
from core.importing import ImportReport as BaseImportReport
from core.models import AuditLog, Job, Office
from core.services import job_create, job_enqueue, job_progress

from .codes import (
    USCC_CHARSET,
    USCC_VALUES,
    USCC_WEIGHTS,
    industry_code_error,
    normalise_industry_code,
    normalise_uscc,
    uscc_error,
)
from .excel import COLUMNS, HEADER_ALIASES, REQUIRED, STATUS_BY_LABEL, STATUS_LABEL, TYPE_BY_LABEL, TYPE_LABEL
from .models import MarketEntity, StatusChange, UsccException
from .selectors import division_sections

logger = logging.getLogger(__name__)

IMPORT_JOB_KIND = "registry.import_entities"
MAX_STORED_ERRORS = 1000  # a job keeps this many row errors for its report; all of them are counted
PROGRESS_EVERY = 5000

FIELDS = [key for key, _ in COLUMNS]  # the entity fields, in template order; "office" stands for office_id
LABELS = dict(COLUMNS)
MAX_LENGTHS = {
    key: MarketEntity._meta.get_field(key).max_length
    for key in ("name", "legal_rep", "address", "registration_authority", "phone")
}
# The staged row: the spreadsheet row number, then the entity's values as the database stores them.
STAGE_COLUMNS = ["rn", "uscc", "name", "entity_type", "legal_rep", "industry_code", "address",
                 "registration_authority", "office_id", "established_on", "status", "phone"]

_USCC_SHAPE = re.compile(f"[{USCC_CHARSET}]{{18}}")


class ImportReport(BaseImportReport):
    """The register import's report: counts in 户."""

    def counts_text(self) -> str:
        return f"共 {self.rows} 行：新增 {self.created} 户，更新 {self.updated} 户，无变化 {self.unchanged} 户"


SPEC = HeaderSpec(COLUMNS, REQUIRED, HEADER_ALIASES)


# ---------------------------------------------------------------------------------------------------------
# Checking every row
# ---------------------------------------------------------------------------------------------------------

def uscc_is_valid(code: str) -> bool:
    """The GB 32100 check of registry.codes.uscc_error, in a form fast enough for 100,000 rows; on False,
    uscc_error says why (and accepts an approved legacy code)."""
    if not _USCC_SHAPE.fullmatch(code):
        return False
    return USCC_CHARSET[-sum(map(mul, map(USCC_VALUES.__getitem__, code[:17]), USCC_WEIGHTS)) % 31] == code[17]


def _check_rows(sheet: Sheet, report: ImportReport, *, job: Job | None, max_errors: int | None) -> object:
    """Check every data row; while all are valid, stage them as CSV. Returns the staging file."""
    positions, names, overrides = sheet.positions, sheet.names, sheet.overrides
    offices = dict(Office.objects.values_list("name", "id"))
    sections = division_sections()
    exceptions = frozenset(UsccException.objects.values_list("uscc", flat=True))
    today = timezone.localdate()

    staging = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="")
    writer = csv.writer(staging)
    write = writer.writerow
    errors = report.errors
    error_count = bad_rows = n = 0
    seen: dict[str, int] = {}
    industry_cache: dict[str, tuple[str, str | None]] = {}
    date_cache: dict[object, tuple[str, str | None]] = {}

    p = {key: positions.get(key) for key in FIELDS}
    i_uscc, i_name, i_type, i_rep = p["uscc"], p["name"], p["entity_type"], p["legal_rep"]
    i_ind, i_addr, i_auth, i_office = p["industry_code"], p["address"], p["registration_authority"], p["office"]
    i_date, i_status, i_phone = p["established_on"], p["status"], p["phone"]
    max_name, max_rep, max_addr = MAX_LENGTHS["name"], MAX_LENGTHS["legal_rep"], MAX_LENGTHS["address"]
    max_auth, max_phone = MAX_LENGTHS["registration_authority"], MAX_LENGTHS["phone"]
    col = {key: names.get(key, LABELS[key]) for key in FIELDS}
    key_at = {pos: key for key, pos in positions.items()}
    type_labels = "、".join(TYPE_LABEL.values())
    status_labels = "、".join(STATUS_LABEL.values())

    if job is not None:
        job_progress(job, done=0, total=sheet.estimate + sheet.estimate // 4 + 1, stage="校验数据")

    for idx, row in enumerate(sheet.rows, start=sheet.first_row):
        if not any(row):
            continue
        rn = idx + 1
        bad = None  # [(field, message)] for this row; rare, so built only when needed

        v = row[i_uscc]
        uscc = normalise_uscc(v if v.__class__ is str else cell_text(v))
        v = row[i_name]
        name = v.strip() if v.__class__ is str else cell_text(v)
        v = row[i_type]
        type_text = v.strip() if v.__class__ is str else cell_text(v)
        v = row[i_ind]
        ind_raw = v if v.__class__ is str else cell_text(v)
        v = row[i_office]
        office_name = v.strip() if v.__class__ is str else cell_text(v)
        date_raw = row[i_date]
        v = row[i_status]
        status_text = v.strip() if v.__class__ is str else cell_text(v)
        legal_rep = "" if i_rep is None else row[i_rep]
        legal_rep = legal_rep.strip() if legal_rep.__class__ is str else cell_text(legal_rep)
        address = "" if i_addr is None else row[i_addr]
        address = address.strip() if address.__class__ is str else cell_text(address)
        authority = "" if i_auth is None else row[i_auth]
        authority = authority.strip() if authority.__class__ is str else cell_text(authority)
        phone = "" if i_phone is None else row[i_phone]
        phone = phone.strip() if phone.__class__ is str else cell_text(phone)

        if not (uscc or name or type_text or ind_raw.strip() or office_name or status_text or legal_rep or address
                or authority or phone or cell_text(date_raw)):
            continue  # only cells outside the template's columns (a 序号 column, a note): not a data row
        n += 1

        if not uscc:
            bad = [("uscc", "必填项为空")]
        else:
            problem = None if uscc_is_valid(uscc) else uscc_error(uscc, exceptions)
            if problem:
                bad = [("uscc", problem)]
            else:
                first = seen.setdefault(uscc, rn)
                if first != rn:
                    bad = [("uscc", f"统一社会信用代码 {uscc} 与第 {first} 行重复")]
        if not name:
            bad = (bad or []) + [("name", "必填项为空")]
        elif len(name) > max_name:
            bad = (bad or []) + [("name", f"超过 {max_name} 个字符")]
        entity_type = TYPE_BY_LABEL.get(type_text)
        if entity_type is None:
            bad = (bad or []) + [("entity_type", "必填项为空" if not type_text else
                                  f"“{type_text}”不是有效的市场主体类型，应为：{type_labels}")]
        if len(legal_rep) > max_rep:
            bad = (bad or []) + [("legal_rep", f"超过 {max_rep} 个字符")]
        industry = industry_cache.get(ind_raw)
        if industry is None:
            code = normalise_industry_code(ind_raw)
            problem = industry_code_error(code, sections)
            industry = industry_cache[ind_raw] = (code, ("必填项为空" if not code else problem) if problem else None)
        if industry[1]:
            bad = (bad or []) + [("industry_code", industry[1])]
        if len(address) > max_addr:
            bad = (bad or []) + [("address", f"超过 {max_addr} 个字符")]
        if len(authority) > max_auth:
            bad = (bad or []) + [("registration_authority", f"超过 {max_auth} 个字符")]
        office_id = offices.get(office_name)
        if office_id is None:
            bad = (bad or []) + [("office", "必填项为空" if not office_name else
                                  f"“{office_name}”不是系统中的管辖单位，应填写已有市场监督管理所的全称")]
        established = date_cache.get(date_raw)
        if established is None:
            parsed = parse_date(date_raw)
            if parsed is None:
                text = cell_text(date_raw)
                problem = "必填项为空" if not text else f"“{text}”不是有效日期（{DATE_FORMATS}）"
            elif parsed > today:
                problem = f"成立日期 {parsed.isoformat()} 晚于今天"
            elif parsed < EARLIEST_DATE:
                problem = f"成立日期 {parsed.isoformat()} 早于 1900 年，请核对"
            else:
                problem = None
            established = date_cache[date_raw] = (parsed.isoformat() if parsed else "", problem)
        if established[1]:
            bad = (bad or []) + [("established_on", established[1])]
        status = STATUS_BY_LABEL.get(status_text)
        if status is None:
            bad = (bad or []) + [("status", "必填项为空" if not status_text else
                                  f"“{status_text}”不是有效的登记状态，应为：{status_labels}")]
        if len(phone) > max_phone:
            bad = (bad or []) + [("phone", f"超过 {max_phone} 个字符")]
        elif "*" in phone:  # an export for a role that may not see phones: importing it would erase the numbers
            bad = (bad or []) + [("phone", f"“{phone}”是脱敏后的号码，导入会覆盖真实号码；请使用含完整号码的文件")]

        special = overrides.get(idx) if overrides else None
        if special:  # a merged or formula cell: its own message replaces what its emptiness would say
            special = {key_at[pos]: message for pos, message in special.items()}
            bad = [(key, message) for key, message in bad or [] if key not in special] + list(special.items())
            bad.sort(key=lambda item: FIELDS.index(item[0]))
        found = [(col[key], message) for key, message in bad] if bad else None

        if found:
            bad_rows += 1
            error_count += len(found)
            if staging is not None:
                staging.close()  # the file will not be written: stop staging
                staging = write = None
            for column, message in found:
                if max_errors is None or len(errors) < max_errors:
                    errors.append(RowError(rn, column, message))
        elif write is not None:
            write((rn, uscc, name, entity_type, legal_rep, industry[0], address, authority, office_id,
                   established[0], status, phone))

        if job is not None and n % PROGRESS_EVERY == 0:
            job_progress(job, done=n)

    report.rows, report.error_count, report.bad_rows = n, error_count, bad_rows
    return staging


# ---------------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------------

def _source(job: Job | None, file_name: str) -> str:
    return (f"导入批次 #{job.pk}" if job is not None else f"导入文件 {file_name}")[:100]


_CHANGE_FIELDS = ["name", "entity_type", "legal_rep", "industry_code", "address", "registration_authority",
                  "office_id", "established_on", "status", "phone"]


# A load at least this large, into a register holding no more rows than it brings, rebuilds the secondary indexes
# instead of maintaining them row by row (see _large_load_indexes).
LARGE_LOAD_MIN_ROWS = 20_000
LARGE_LOAD_WORK_MEM = "256MB"


def _large_load_indexes(cursor, table: str, rows: int) -> list[tuple[str, str, str]] | None:
    """For a load that is large relative to the register, drop its non-unique indexes; return what to recreate.

    Building an index once over the finished table is several times cheaper than maintaining it for each inserted
    row (the two pg_trgm GIN indexes above all). The cost is an ACCESS EXCLUSIVE lock on the entity table until
    the import commits: nobody can read the register meanwhile (a few seconds for 100,000 rows). That is
    acceptable only when the register is (nearly) empty, i.e. the first load of a district, so this applies only
    when the new rows are at least LARGE_LOAD_MIN_ROWS and at least as many as the register already holds, and
    only when the lock is free right now (NOWAIT; otherwise the indexes are maintained as usual). Everything
    happens inside the import's transaction: on any error the drop is rolled back with the rows.
    """
    if rows < LARGE_LOAD_MIN_ROWS:
        return None
    cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) t", [rows + 1])
    current = cursor.fetchone()[0]
    if current > rows:
        return None
    if current:
        cursor.execute(f"SELECT count(*) FROM import_stage s WHERE NOT EXISTS "
                       f"(SELECT 1 FROM {table} e WHERE e.uscc = s.uscc)")
        new = cursor.fetchone()[0]
        if new < max(current, LARGE_LOAD_MIN_ROWS):
            return None
    try:
        with transaction.atomic():  # a savepoint: a busy table just means the usual path
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE NOWAIT")
    except OperationalError:
        return None
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) ORDER BY c.relname",
        [table],
    )
    indexes = [("INDEX", name, definition) for name, definition in cursor.fetchall()]
    # The table's own foreign keys likewise: one validating join when re-added, instead of a deferred check per row.
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype = 'f' ORDER BY conname",
        [table],
    )
    foreign_keys = [("FK", name, definition) for name, definition in cursor.fetchall()]
    for _kind, name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    for _kind, name, _definition in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return foreign_keys + indexes


def _recreate_indexes(cursor, table: str, dropped: list[tuple[str, str, str]]) -> None:
    """Re-add what _large_load_indexes dropped: foreign keys (validated), then indexes with memory to sort in."""
    for kind, name, definition in dropped:
        if kind == "FK":
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    # CREATE INDEX refuses a table with pending deferred foreign-key checks (left by the updates of a re-import):
    # run them now, as the commit would.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{LARGE_LOAD_WORK_MEM}'")
    cursor.execute("SET LOCAL max_parallel_maintenance_workers = 1")
    for kind, _name, definition in dropped:
        if kind == "INDEX":
            cursor.execute(definition)


def _write_postgres(staging, *, user, source: str, rows: int = 0) -> tuple[int, int]:
    """COPY the staged rows into a temporary table, then merge them set-based; returns (created, updated)."""
    entity_table = MarketEntity._meta.db_table
    status_table = StatusChange._meta.db_table
    audit_table = AuditLog._meta.db_table
    office_table = Office._meta.db_table
    content_type = ContentType.objects.get_for_model(MarketEntity).pk
    actor = user.pk if getattr(user, "pk", None) else None
    text_columns = [c for c in STAGE_COLUMNS if c not in ("rn", "office_id", "established_on")]
    fields = ", ".join(_CHANGE_FIELDS)
    staged = ", ".join(f"s.{c}" for c in _CHANGE_FIELDS)
    old = ", ".join(f"e.{c} AS old_{c}" for c in _CHANGE_FIELDS)
    changed_labels = ", ".join(
        f"CASE WHEN c.{c} <> c.old_{c} THEN '{LABELS['office' if c == 'office_id' else c]}' END"
        for c in _CHANGE_FIELDS
    )

    def pair(c):
        if c == "office_id":
            return "'office', CASE WHEN c.office_id <> c.old_office_id THEN jsonb_build_array(oo.name, no.name) END"
        if c == "established_on":
            return ("'established_on', CASE WHEN c.established_on <> c.old_established_on THEN jsonb_build_array("
                    "to_char(c.old_established_on, 'YYYY-MM-DD'), to_char(c.established_on, 'YYYY-MM-DD')) END")
        return f"'{c}', CASE WHEN c.{c} <> c.old_{c} THEN jsonb_build_array(c.old_{c}, c.{c}) END"

    changes = "jsonb_strip_nulls(jsonb_build_object(" + ", ".join(pair(c) for c in _CHANGE_FIELDS) + "))"
    staging.seek(0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('registry.import_entities'))")
        cursor.execute(
            "CREATE TEMP TABLE import_stage (rn integer NOT NULL, uscc varchar(18) NOT NULL, name text NOT NULL, "
            "entity_type text NOT NULL, legal_rep text NOT NULL, industry_code text NOT NULL, address text NOT NULL, "
            "registration_authority text NOT NULL, office_id bigint NOT NULL, established_on date NOT NULL, "
            "status text NOT NULL, phone text NOT NULL) ON COMMIT DROP"
        )
        cursor.copy_expert(
            f"COPY import_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN "
            f"WITH (FORMAT csv, FORCE_NOT_NULL ({', '.join(text_columns)}))",
            staging,
        )
        # The rows that differ from the register, with their values before the change.
        cursor.execute(
            f"CREATE TEMP TABLE import_changed ON COMMIT DROP AS "
            f"SELECT e.id, s.rn, {staged}, {old} FROM import_stage s JOIN {entity_table} e ON e.uscc = s.uscc "
            f"WHERE ({staged}) IS DISTINCT FROM ({', '.join('e.' + c for c in _CHANGE_FIELDS)})"
        )
        updated = cursor.rowcount
        if updated:
            cursor.execute(
                f"UPDATE {entity_table} e SET {', '.join(f'{c} = c.{c}' for c in _CHANGE_FIELDS)}, "
                f"updated_at = now() FROM import_changed c WHERE e.id = c.id"
            )
            cursor.execute(
                f"INSERT INTO {audit_table} (at, actor_id, action, target_type_id, target_id, target_repr, summary, "
                f"changes, extra) "
                f"SELECT now(), %s, %s, %s, c.id::text, left(c.name, 200), "
                f"left(%s || concat_ws('、', {changed_labels}), 500), {changes}, %s::jsonb "
                f"FROM import_changed c JOIN {office_table} oo ON oo.id = c.old_office_id "
                f"JOIN {office_table} no ON no.id = c.office_id ORDER BY c.rn",
                [actor, AuditAction.UPDATE.value, content_type, f"{source} 更新：", json.dumps({"source": source})],
            )
            cursor.execute(
                f"INSERT INTO {status_table} (entity_id, old_status, new_status, changed_at, changed_by_id, source, "
                f"note) SELECT c.id, c.old_status, c.status, now(), %s, %s, '' FROM import_changed c "
                f"WHERE c.status <> c.old_status ORDER BY c.rn",
                [actor, source],
            )
        # New entities in code order: the unique-index inserts stay local (measured 5–10 % faster than file order).
        # A new entity gets no StatusChange row: its status and created_at are on the entity itself, the timeline
        # shows 成立登记 from established_on, and the import's audit record says who imported which file.
        # StatusChange keeps the real changes (above).
        insert_new = (
            f"INSERT INTO {entity_table} (uscc, {fields}, created_at, updated_at) "
            f"SELECT s.uscc, {staged}, now(), now() FROM import_stage s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {entity_table} e WHERE e.uscc = s.uscc) ORDER BY s.uscc"
        )
        rebuild = _large_load_indexes(cursor, entity_table, rows)
        cursor.execute(insert_new)
        created = cursor.rowcount
        if rebuild:
            _recreate_indexes(cursor, entity_table, rebuild)
        # ON COMMIT DROP covers the usual case; drop now as well in case an outer transaction stays open.
        cursor.execute("DROP TABLE import_stage, import_changed")
    return created, updated


_ORM_BATCH = 1000


def _staged_rows(staging):
    staging.seek(0)
    for row in csv.reader(staging):
        yield (int(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], row[7], int(row[8]),
               date.fromisoformat(row[9]), row[10], row[11])


def _write_orm(staging, *, user, source: str, rows: int = 0) -> tuple[int, int]:
    """The portable writer (the SQLite demo): the same result as the PostgreSQL merge, batch by batch."""
    offices = {o.pk: o for o in Office.objects.all()}
    actor = user if getattr(user, "pk", None) else None
    created = updated = 0
    compared = [f for f in FIELDS if f != "uscc"]
    batch = []

    def flush():
        nonlocal created, updated
        existing = {e.uscc: e for e in MarketEntity.objects.filter(uscc__in=[r[1] for r in batch])}
        new, changed, status_changes, audits = [], [], [], []
        now = timezone.now()
        for (_rn, uscc, name, entity_type, legal_rep, industry_code, address, authority, office_id,
             established_on, status, phone) in batch:
            values = {"name": name, "entity_type": entity_type, "legal_rep": legal_rep,
                      "industry_code": industry_code, "address": address, "registration_authority": authority,
                      "office": offices[office_id], "established_on": established_on, "status": status,
                      "phone": phone}
            entity = existing.get(uscc)
            if entity is None:
                new.append(MarketEntity(uscc=uscc, **values))
                continue
            entity.office = offices[entity.office_id]
            before = model_values(entity, compared)
            for key, value in values.items():
                setattr(entity, key, value)
            changes = diff(before, model_values(entity, compared))
            if not changes:
                continue
            entity.updated_at = now
            changed.append(entity)
            audits.append((entity, changes))
            if "status" in changes:
                status_changes.append(StatusChange(entity=entity, old_status=before["status"], new_status=status,
                                                   changed_by=actor, source=source))
        MarketEntity.objects.bulk_create(new)  # no StatusChange for a new entity (see _write_postgres)
        if changed:
            MarketEntity.objects.bulk_update(changed, [*FIELDS[1:], "updated_at"])
        StatusChange.objects.bulk_create(status_changes)
        for entity, changes in audits:
            labels = "、".join(LABELS[k] for k in FIELDS if k in changes)
            audit(actor=actor, action=AuditAction.UPDATE, target=entity, summary=f"{source} 更新：{labels}",
                  changes=changes, extra={"source": source})
        created += len(new)
        updated += len(changed)
        batch.clear()

    for row in _staged_rows(staging):
        batch.append(row)
        if len(batch) >= _ORM_BATCH:
            flush()
    if batch:
        flush()
    return created, updated


# ---------------------------------------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------------------------------------

def entities_import(
    *, path, file_name: str, user=None, job: Job | None = None, dry_run: bool = False,
    max_errors: int | None = MAX_STORED_ERRORS, writer: str | None = None,
) -> ImportReport:
    """Import the bureau's register spreadsheet: check every row, then write all of it or nothing.

    Checking runs outside the write transaction so that a polling page sees progress; a file with any bad row
    writes nothing. ``writer`` picks "postgres" or "orm" (default: by database). Raises ImportFileError for a
    file that cannot be read as the register template.
    """
    report = ImportReport(file_name=file_name, dry_run=dry_run)
    started = time.perf_counter()
    if job is not None:
        job_progress(job, done=0, stage="读取文件")
    workbook = open_workbook(path, file_name=file_name)
    try:
        sheet = open_sheet(path, workbook, SPEC, file_name=file_name)
        read = time.perf_counter()
        staging = _check_rows(sheet, report, job=job, max_errors=max_errors)
    finally:
        workbook.close()  # free the parsed sheet before writing
    checked = time.perf_counter()
    report.timings = {"read": round(read - started, 3), "check": round(checked - read, 3)}
    if report.rows == 0 and report.ok:
        staging.close()
        raise ImportFileError("表头下面没有数据行，没有可导入的内容。")
    if not report.ok:
        return report

    writer = writer or ("postgres" if connection.vendor == "postgresql" else "orm")
    write = _write_postgres if writer == "postgres" else _write_orm
    source = _source(job, file_name)
    if job is not None:
        job_progress(job, done=report.rows, total=report.rows + report.rows // 4 + 1, stage="写入数据库")
    try:
        with transaction.atomic():
            report.created, report.updated = write(staging, user=user, source=source, rows=report.rows)
            report.unchanged = report.rows - report.created - report.updated
            audit(
                actor=user, action=AuditAction.IMPORT, target=job,
                summary=f"导入市场主体名录 {file_name}：共 {report.rows} 行，新增 {report.created}，"
                        f"更新 {report.updated}，无变化 {report.unchanged}",
                extra={"file": file_name, "rows": report.rows, "created": report.created,
                       "updated": report.updated, "unchanged": report.unchanged,
                       "job": job.pk if job is not None else None},
            )
            if dry_run:
                transaction.set_rollback(True)
    finally:
        staging.close()
    report.timings["write"] = round(time.perf_counter() - checked, 3)  # including the commit
    report.written = not dry_run
    return report


@transaction.atomic
def entities_import_queue(*, user, upload, dry_run: bool = False) -> Job:
    """Accept a register spreadsheet uploaded on the import page and queue its import as a job the page follows."""
    from .tasks import import_entities_task

    job = job_create(kind=IMPORT_JOB_KIND, user=user, params={"dry_run": dry_run}, input_file=upload,
                     input_name=upload.name)
    # Redis down: the job stays queued with a message and is sent again when Redis is back (nothing is lost).
    job_enqueue(job=job, task=import_entities_task)
    return job


def entities_import_job(*, job: Job) -> ImportReport:
    """Run an uploaded register import for its job (called by the Celery task)."""
    return entities_import(
        path=job.input_file.path, file_name=job.input_name or job.input_file.name, user=job.created_by, job=job,
        dry_run=bool(job.params.get("dry_run")),
    )
