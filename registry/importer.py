"""Importing the entity register from .xlsx: read, check every row, then write all of it or nothing.

Reading (core.importing) uses python-calamine (Rust): the sheet is parsed once and its rows are checked one by
one (_check_rows: a fast path of look-ups for the usual row); each valid row becomes a line of COPY text, handed
on in chunks, so the rows are never held twice in memory.
Writing is one transaction that commits only when every row is valid. On PostgreSQL, outside any transaction,
the chunks are merged while checking goes on, by a writer thread on a connection of its own (_StreamWriter:
COPY into a temporary table and set-based merges, or straight into an empty register); a bad row rolls it all
back. Inside a caller's transaction the chunks are spooled to disk and merged in that transaction afterwards;
elsewhere (the SQLite demo) bulk_create / bulk_update. After a merge into a maintained register a job merges the
search indexes' GIN pending lists (gin_cleanup_task).
"""
import io
import json
import logging
import queue
import re
import tempfile
import threading
import time
from datetime import date
from operator import itemgetter

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
# The staged row: the entity's values as the database stores them (the staging table numbers the rows in file
# order as they arrive).
STAGE_COLUMNS = ["uscc", "name", "entity_type", "legal_rep", "industry_code", "address", "registration_authority",
                 "office_id", "established_on", "status", "phone"]

_USCC_SHAPE = re.compile(f"[{USCC_CHARSET}]{{18}}")


class ImportReport(BaseImportReport):
    """The register import's report: counts in 户."""

    def counts_text(self) -> str:
        return f"共 {self.rows} 行：新增 {self.created} 户，更新 {self.updated} 户，无变化 {self.unchanged} 户"


SPEC = HeaderSpec(COLUMNS, REQUIRED, HEADER_ALIASES)


# ---------------------------------------------------------------------------------------------------------
# Checking every row
# ---------------------------------------------------------------------------------------------------------

# The check character by table: GB 32100 weighs the 17 characters with 3**i (mod 31), and 34 ≡ 3 (mod 31), so the
# weighted sum is the reversed characters read as one base-34 number (each character written as the base-34 digit
# of its value), taken mod 31 — one translate() and one int() in C instead of a Python loop.
_BASE34_DIGITS = "0123456789abcdefghijklmnopqrstu"  # the digits 0..30 of base 34
_TO_BASE34 = bytes.maketrans(USCC_CHARSET.encode(), _BASE34_DIGITS.encode())
assert all(w == 3 ** i % 31 for i, w in enumerate(USCC_WEIGHTS))  # what the table relies on


def uscc_is_valid(code: str) -> bool:
    """The GB 32100 check of registry.codes.uscc_error, in a form fast enough for 100,000 rows; on False,
    uscc_error says why (and accepts an approved legacy code)."""
    if not _USCC_SHAPE.fullmatch(code):
        return False
    return USCC_CHARSET[-int(code.encode()[16::-1].translate(_TO_BASE34), 34) % 31] == code[17]


CHUNK_ROWS = 10_000  # valid rows handed to the writer at a time (about 1.5 MB of COPY text)
COPY_BLOCK = 1 << 20  # bytes psycopg2 reads per call while sending a chunk (each read takes the GIL)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_UNESCAPE = re.compile(r"\\(.)")
_COPY_UNESCAPED = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def _copy_line(values) -> str:
    """One row in COPY's text format (tab-separated, backslash escapes)."""
    return "\t".join(str(v).translate(_COPY_ESCAPES) for v in values)


def _copy_fields(line: str) -> list[str]:
    fields = line.split("\t")
    if "\\" in line:
        fields = [_COPY_UNESCAPE.sub(lambda m: _COPY_UNESCAPED.get(m.group(1), m.group(1)), f) for f in fields]
    return fields


class _Slow(Exception):
    """The fast path of _check_rows cannot vouch for a row: check it field by field."""


def _good(known: dict, check, value) -> str:
    """The first row with this value (an industry code, a date): check it once; remember it if it is good."""
    stored, problem = check(value)
    if problem:
        raise _Slow
    known[value] = stored
    return stored


def _check_rows(sheet: Sheet, report: ImportReport, *, job: Job | None, max_errors: int | None, out) -> None:
    """Check every data row; while all are valid, hand them to ``out`` in chunks of COPY text.

    ``out.feed(bytes)`` receives the valid rows (the values as the database stores them, in STAGE_COLUMNS
    order); ``out.abort()`` is called at the first bad row, after which nothing more is fed and checking goes on
    only to report every bad row. The usual row (text cells, known values, a valid code)
    takes a fast path of dictionary look-ups built once per file; anything unusual is checked field by field,
    which words the messages.
    """
    positions, names, overrides = sheet.positions, sheet.names, sheet.overrides
    offices = dict(Office.objects.values_list("name", "id"))
    office_ids = {name: str(pk) for name, pk in offices.items()}
    sections = division_sections()
    exceptions = frozenset(UsccException.objects.values_list("uscc", flat=True))
    today = timezone.localdate()

    errors = report.errors
    error_count = bad_rows = n = 0
    seen: dict[str, int] = {}
    industry_cache: dict[str, tuple[str, str | None]] = {}
    date_cache: dict[object, tuple[str, str | None]] = {}
    good_industries: dict[object, str] = {}  # raw cell → code, for the fast path (checked once per value)
    good_dates: dict[object, str] = {}  # raw cell → ISO date, for the fast path (checked once per value)

    p = {key: positions.get(key) for key in FIELDS}
    max_name, max_rep, max_addr = MAX_LENGTHS["name"], MAX_LENGTHS["legal_rep"], MAX_LENGTHS["address"]
    max_auth, max_phone = MAX_LENGTHS["registration_authority"], MAX_LENGTHS["phone"]
    col = {key: names.get(key, LABELS[key]) for key in FIELDS}
    key_at = {pos: key for key, pos in positions.items()}
    type_labels = "、".join(TYPE_LABEL.values())
    status_labels = "、".join(STATUS_LABEL.values())
    # The cells of a row in template order; a column the file lacks reads an empty cell appended to the row.
    missing = any(pos is None for pos in p.values())
    pick = itemgetter(*(-1 if p[key] is None else p[key] for key in FIELDS))
    uscc_shape = _USCC_SHAPE.fullmatch
    charset, to_base34 = USCC_CHARSET, _TO_BASE34

    def cell(row, key):
        v = "" if p[key] is None else row[p[key]]
        return v.strip() if v.__class__ is str else cell_text(v)

    def check_slowly(row, idx: int, rn: int):
        """A row the fast path would not vouch for: every field checked and worded. Returns the row's COPY
        line, None for a row with nothing in the template's columns, or a list of (field, message)."""
        uscc = normalise_uscc(cell(row, "uscc"))
        name, type_text, ind_raw = cell(row, "name"), cell(row, "entity_type"), row[p["industry_code"]]
        ind_raw = ind_raw if ind_raw.__class__ is str else cell_text(ind_raw)
        office_name, date_raw, status_text = cell(row, "office"), row[p["established_on"]], cell(row, "status")
        legal_rep, address, authority, phone = (cell(row, key) for key in
                                                ("legal_rep", "address", "registration_authority", "phone"))
        if not (uscc or name or type_text or ind_raw.strip() or office_name or status_text or legal_rep or address
                or authority or phone or cell_text(date_raw)):
            return None  # only cells outside the template's columns (a 序号 column, a note): not a data row
        bad = []
        if not uscc:
            bad.append(("uscc", "必填项为空"))
        else:
            problem = None if uscc_is_valid(uscc) else uscc_error(uscc, exceptions)
            if problem:
                bad.append(("uscc", problem))
            else:
                first = seen.setdefault(uscc, rn)
                if first != rn:
                    bad.append(("uscc", f"统一社会信用代码 {uscc} 与第 {first} 行重复"))
        if not name:
            bad.append(("name", "必填项为空"))
        elif len(name) > max_name:
            bad.append(("name", f"超过 {max_name} 个字符"))
        entity_type = TYPE_BY_LABEL.get(type_text)
        if entity_type is None:
            bad.append(("entity_type", "必填项为空" if not type_text else
                        f"“{type_text}”不是有效的市场主体类型，应为：{type_labels}"))
        if len(legal_rep) > max_rep:
            bad.append(("legal_rep", f"超过 {max_rep} 个字符"))
        industry = _industry_of(ind_raw)
        if industry[1]:
            bad.append(("industry_code", industry[1]))
        if len(address) > max_addr:
            bad.append(("address", f"超过 {max_addr} 个字符"))
        if len(authority) > max_auth:
            bad.append(("registration_authority", f"超过 {max_auth} 个字符"))
        office_id = offices.get(office_name)
        if office_id is None:
            bad.append(("office", "必填项为空" if not office_name else
                        f"“{office_name}”不是系统中的管辖单位，应填写已有市场监督管理所的全称"))
        established = _date_of(date_raw)
        if established[1]:
            bad.append(("established_on", established[1]))
        status = STATUS_BY_LABEL.get(status_text)
        if status is None:
            bad.append(("status", "必填项为空" if not status_text else
                        f"“{status_text}”不是有效的登记状态，应为：{status_labels}"))
        if len(phone) > max_phone:
            bad.append(("phone", f"超过 {max_phone} 个字符"))
        elif "*" in phone:  # an export for a role that may not see phones: importing it would erase the numbers
            bad.append(("phone", f"“{phone}”是脱敏后的号码，导入会覆盖真实号码；请使用含完整号码的文件"))

        special = overrides.get(idx) if overrides else None
        if special:  # a merged or formula cell: its own message replaces what its emptiness would say
            special = {key_at[pos]: message for pos, message in special.items()}
            bad = [(key, message) for key, message in bad if key not in special] + list(special.items())
            bad.sort(key=lambda item: FIELDS.index(item[0]))
        if bad:
            return bad
        return _copy_line((uscc, name, entity_type, legal_rep, industry[0], address, authority, office_id,
                           established[0], status, phone))

    def _industry_of(raw: str) -> tuple[str, str | None]:
        industry = industry_cache.get(raw)
        if industry is None:
            code = normalise_industry_code(raw)
            problem = industry_code_error(code, sections)
            industry = industry_cache[raw] = (code, ("必填项为空" if not code else problem) if problem else None)
        return industry

    def _date_of(value) -> tuple[str, str | None]:
        established = date_cache.get(value)
        if established is None:
            parsed = parse_date(value)
            if parsed is None:
                text = cell_text(value)
                problem = "必填项为空" if not text else f"“{text}”不是有效日期（{DATE_FORMATS}）"
            elif parsed > today:
                problem = f"成立日期 {parsed.isoformat()} 晚于今天"
            elif parsed < EARLIEST_DATE:
                problem = f"成立日期 {parsed.isoformat()} 早于 1900 年，请核对"
            else:
                problem = None
            established = date_cache[value] = (parsed.isoformat() if parsed else "", problem)
        return established

    if job is not None:
        job_progress(job, done=0, total=sheet.estimate + sheet.estimate // 4 + 1, stage="校验数据")

    lines: list[str] | None = []
    append = lines.append
    progress_at = PROGRESS_EVERY if job is not None else -1
    for idx, row in enumerate(sheet.rows, start=sheet.first_row):
        if not any(row):
            continue
        rn = idx + 1
        if missing:
            row.append("")
        try:
            if overrides and idx in overrides:
                raise _Slow
            uscc, name, type_text, legal_rep, ind_raw, address, authority, office_name, date_raw, status_text, \
                phone = pick(row)
            name, legal_rep, address, authority, phone = (
                name.strip(), legal_rep.strip(), address.strip(), authority.strip(), phone.strip())
            industry = good_industries.get(ind_raw) or _good(good_industries, _industry_of, ind_raw)
            established = good_dates.get(date_raw) or _good(good_dates, _date_of, date_raw)
            line = (f"{uscc}\t{name}\t{TYPE_BY_LABEL[type_text]}\t{legal_rep}\t{industry}\t"
                    f"{address}\t{authority}\t{office_ids[office_name]}\t{established}\t"
                    f"{STATUS_BY_LABEL[status_text]}\t{phone}")
            if not (name and uscc_shape(uscc)
                    and charset[-int(uscc.encode()[16::-1].translate(to_base34), 34) % 31] == uscc[17]
                    and len(name) <= max_name and len(legal_rep) <= max_rep and len(address) <= max_addr
                    and len(authority) <= max_auth and len(phone) <= max_phone and "*" not in phone
                    and seen.setdefault(uscc, rn) == rn):
                raise _Slow
            if "\\" in line or "\n" in line or "\r" in line or line.count("\t") != 10:
                raise _Slow  # a tab, line break or backslash inside a value: escape it
        except (_Slow, KeyError, AttributeError, TypeError):
            line = check_slowly(row, idx, rn)
            if line is None:
                continue  # not a data row
            if line.__class__ is list:
                bad_rows += 1
                error_count += len(line)
                if lines is not None:
                    out.abort()  # nothing of this file will be written: stop feeding the writer
                    lines = None
                for key, message in line:
                    if max_errors is None or len(errors) < max_errors:
                        errors.append(RowError(rn, col[key], message))
                n += 1
                if n == progress_at:
                    job_progress(job, done=n)
                    progress_at += PROGRESS_EVERY
                continue
        n += 1
        if lines is not None:
            append(line)
            if len(lines) >= CHUNK_ROWS:
                out.feed(("\n".join(lines) + "\n").encode())
                lines.clear()
        if n == progress_at:
            job_progress(job, done=n)
            progress_at += PROGRESS_EVERY

    if lines:
        out.feed(("\n".join(lines) + "\n").encode())
    report.rows, report.error_count, report.bad_rows = n, error_count, bad_rows


# ---------------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------------

def _source(job: Job | None, file_name: str) -> str:
    return (f"导入批次 #{job.pk}" if job is not None else f"导入文件 {file_name}")[:100]


_CHANGE_FIELDS = ["name", "entity_type", "legal_rep", "industry_code", "address", "registration_authority",
                  "office_id", "established_on", "status", "phone"]


# A load at least this large, into a register holding at most half as many rows as it brings, rebuilds the
# secondary indexes instead of maintaining them row by row (see _large_load_indexes).
LARGE_LOAD_MIN_ROWS = 20_000
LARGE_LOAD_WORK_MEM = "256MB"
# Rows merged into a register whose indexes are maintained (not rebuilt) put their name and legal-representative
# trigrams on the two GIN indexes' pending lists (fastupdate); PostgreSQL merges a list into its index whenever it
# passes gin_pending_list_limit (4 MB by default), and what is left after the import (up to 4 MB: 700 pages for
# 50,000 new rows) is scanned by every search until autovacuum merges it. So gin_cleanup_task, queued on the
# import's commit, merges it at once (0.13 s there; searches 50–60 ms → 20 ms again). A larger limit for the
# import's transaction (this setting; None keeps PostgreSQL's) was measured and not adopted: writing 50,000 new
# rows into 100,000 took as long (2.3–2.5 s either way, three paired runs of bench/import_bench.py --gin-check),
# while searches ran at 110–180 ms instead of 30–60 ms until the clean-up.
GIN_PENDING_LIST_LIMIT = None


def _large_load_indexes(cursor, table: str, rows: int) -> list[tuple[str, str, str]] | None:
    """For a load that is large relative to the register, drop its non-unique indexes; return what to recreate.

    Building an index once over the finished table is several times cheaper than maintaining it for each inserted
    row (the two pg_trgm GIN indexes above all). The cost is an ACCESS EXCLUSIVE lock on the entity table until
    the import commits: nobody can read the register meanwhile (a few seconds for 100,000 rows). That is
    acceptable only when the register is (nearly) empty, i.e. the first load of a district, so this applies only
    when the file brings at least LARGE_LOAD_MIN_ROWS rows and the register holds at most half as many (so that
    most of the file is new: decided before the first row is written, as the rows are streamed in), and only
    when the lock is free right now (NOWAIT; otherwise the indexes are maintained as usual). Everything happens
    inside the import's transaction: on any error the drop is rolled back with the rows.
    """
    if rows < LARGE_LOAD_MIN_ROWS:
        return None
    cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) t", [rows // 2 + 1])
    if cursor.fetchone()[0] * 2 > rows:
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


class _PostgresLoad:
    """One import's write on PostgreSQL, chunk by chunk inside the caller's transaction: each chunk of valid rows
    is COPYed into a temporary table and merged into the register at once (changed rows updated, with their audit
    records and status changes; new rows inserted). ``rows`` (the rows the file brings, or the sheet's estimate
    of them) decides whether the secondary indexes are rebuilt instead of maintained (_large_load_indexes)."""

    def __init__(self, *, user, source: str, rows: int):
        self.user, self.source, self.rows = user, source, rows
        self.created = self.updated = 0
        self.rebuild = None
        self.fresh = False  # the register was empty when the import locked it (see begin)
        self.analyzed = False
        # Time spent in the database, for the report's timings: COPY of the chunks, finding and updating changed
        # rows, inserting new ones, rebuilding indexes.
        self.seconds = {"copy": 0.0, "update": 0.0, "insert": 0.0, "indexes": 0.0}

    def begin(self, cursor) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('registry.import_entities'))")
        cursor.execute(
            "CREATE TEMP TABLE import_stage (rn bigint GENERATED ALWAYS AS IDENTITY, uscc varchar(18) NOT NULL, "
            "name text NOT NULL, entity_type text NOT NULL, legal_rep text NOT NULL, industry_code text NOT NULL, "
            "address text NOT NULL, registration_authority text NOT NULL, office_id bigint NOT NULL, "
            "established_on date NOT NULL, status text NOT NULL, phone text NOT NULL) ON COMMIT DROP"
        )
        entity_table = MarketEntity._meta.db_table
        cursor.execute(
            f"CREATE TEMP TABLE import_changed ON COMMIT DROP AS SELECT e.id, s.rn, "
            f"{', '.join('s.' + c for c in _CHANGE_FIELDS)}, "
            f"{', '.join(f'e.{c} AS old_{c}' for c in _CHANGE_FIELDS)} FROM import_stage s, {entity_table} e "
            f"WITH NO DATA"
        )
        self.rebuild = _large_load_indexes(cursor, entity_table, self.rows)
        if self.rebuild:
            # Under the rebuild's ACCESS EXCLUSIVE lock nobody else writes the register: if it is empty now, every
            # row of the file is new (a code repeated within the file is a row error, which rolls everything back),
            # so the chunks are inserted without being compared with the register first.
            cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {entity_table})")
            self.fresh = cursor.fetchone()[0]
        if not self.rebuild and GIN_PENDING_LIST_LIMIT:
            cursor.execute(f"SET LOCAL gin_pending_list_limit = '{GIN_PENDING_LIST_LIMIT}'")
        if self.fresh:
            # The chunks are then COPYed straight into the register (no staging table, no INSERT … SELECT): the
            # two timestamps get the transaction's time from a default set for this transaction only (end()
            # removes it again; a rollback does too).
            cursor.execute(f"ALTER TABLE {entity_table} ALTER COLUMN created_at SET DEFAULT now(), "
                           f"ALTER COLUMN updated_at SET DEFAULT now()")

    @property
    def gin_pending(self) -> bool:
        """Whether this load may have left entries on the GIN pending lists (see GIN_PENDING_LIST_LIMIT)."""
        return bool(not self.rebuild and (self.created or self.updated))

    def load(self, cursor, data) -> None:
        """Merge one chunk of valid rows (COPY text, a file object or bytes) into the register."""
        started = time.perf_counter()
        entity_table = MarketEntity._meta.db_table
        fields = ", ".join(_CHANGE_FIELDS)
        staged = ", ".join(f"s.{c}" for c in _CHANGE_FIELDS)
        data = io.BytesIO(data) if isinstance(data, bytes) else data
        if self.fresh:
            cursor.copy_expert(f"COPY {entity_table} ({', '.join(STAGE_COLUMNS)}) FROM STDIN", data, COPY_BLOCK)
            self.created += cursor.rowcount
            self.seconds["insert"] += time.perf_counter() - started
            return
        cursor.execute("TRUNCATE import_stage")
        cursor.copy_expert(f"COPY import_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN", data, COPY_BLOCK)
        if not self.analyzed and not self.fresh:
            # Let the planner see a chunk's size once (the statistics outlast TRUNCATE; every chunk but the last is
            # as large): joined with a large register, a chunk is looked up by index, not by scanning the register.
            cursor.execute("ANALYZE import_stage")
            self.analyzed = True
        copied = time.perf_counter()
        self.seconds["copy"] += copied - started
        if not self.fresh:
            # The rows that differ from the register, with their values before the change.
            cursor.execute("TRUNCATE import_changed")
            cursor.execute(
                f"INSERT INTO import_changed SELECT e.id, s.rn, {staged}, "
                f"{', '.join('e.' + c for c in _CHANGE_FIELDS)} FROM import_stage s JOIN {entity_table} e "
                f"ON e.uscc = s.uscc "
                f"WHERE ({staged}) IS DISTINCT FROM ({', '.join('e.' + c for c in _CHANGE_FIELDS)})"
            )
            if cursor.rowcount:
                self.updated += cursor.rowcount
                self._update(cursor)
        compared = time.perf_counter()
        self.seconds["update"] += compared - copied
        # New entities in code order: the unique-index inserts stay local (measured 5–10 % faster than file order).
        # A new entity gets no StatusChange row: its status and created_at are on the entity itself, the timeline
        # shows 成立登记 from established_on, and the import's audit record says who imported which file.
        # StatusChange keeps the real changes (_update).
        new_only = "" if self.fresh else \
            f"WHERE NOT EXISTS (SELECT 1 FROM {entity_table} e WHERE e.uscc = s.uscc) "
        cursor.execute(
            f"INSERT INTO {entity_table} (uscc, {fields}, created_at, updated_at) "
            f"SELECT s.uscc, {staged}, now(), now() FROM import_stage s {new_only}ORDER BY s.uscc"
        )
        self.created += cursor.rowcount
        self.seconds["insert"] += time.perf_counter() - compared

    def _update(self, cursor) -> None:
        entity_table = MarketEntity._meta.db_table
        office_table = Office._meta.db_table
        content_type = ContentType.objects.get_for_model(MarketEntity).pk
        actor = self.user.pk if getattr(self.user, "pk", None) else None
        changed_labels = ", ".join(
            f"CASE WHEN c.{c} <> c.old_{c} THEN '{LABELS['office' if c == 'office_id' else c]}' END"
            for c in _CHANGE_FIELDS
        )

        def pair(c):
            if c == "office_id":
                return ("'office', CASE WHEN c.office_id <> c.old_office_id "
                        "THEN jsonb_build_array(oo.name, no.name) END")
            if c == "established_on":
                return ("'established_on', CASE WHEN c.established_on <> c.old_established_on THEN "
                        "jsonb_build_array(to_char(c.old_established_on, 'YYYY-MM-DD'), "
                        "to_char(c.established_on, 'YYYY-MM-DD')) END")
            return f"'{c}', CASE WHEN c.{c} <> c.old_{c} THEN jsonb_build_array(c.old_{c}, c.{c}) END"

        changes = "jsonb_strip_nulls(jsonb_build_object(" + ", ".join(pair(c) for c in _CHANGE_FIELDS) + "))"
        cursor.execute(
            f"UPDATE {entity_table} e SET {', '.join(f'{c} = c.{c}' for c in _CHANGE_FIELDS)}, "
            f"updated_at = now() FROM import_changed c WHERE e.id = c.id"
        )
        cursor.execute(
            f"INSERT INTO {AuditLog._meta.db_table} (at, actor_id, action, target_type_id, target_id, target_repr, "
            f"summary, changes, extra) "
            f"SELECT now(), %s, %s, %s, c.id::text, left(c.name, 200), "
            f"left(%s || concat_ws('、', {changed_labels}), 500), {changes}, %s::jsonb "
            f"FROM import_changed c JOIN {office_table} oo ON oo.id = c.old_office_id "
            f"JOIN {office_table} no ON no.id = c.office_id ORDER BY c.rn",
            [actor, AuditAction.UPDATE.value, content_type, f"{self.source} 更新：",
             json.dumps({"source": self.source})],
        )
        cursor.execute(
            f"INSERT INTO {StatusChange._meta.db_table} (entity_id, old_status, new_status, changed_at, "
            f"changed_by_id, source, note) SELECT c.id, c.old_status, c.status, now(), %s, %s, '' "
            f"FROM import_changed c WHERE c.status <> c.old_status ORDER BY c.rn",
            [actor, self.source],
        )

    def end(self, cursor) -> None:
        if self.fresh:
            cursor.execute(f"ALTER TABLE {MarketEntity._meta.db_table} ALTER COLUMN created_at DROP DEFAULT, "
                           f"ALTER COLUMN updated_at DROP DEFAULT")
        if self.rebuild:
            started = time.perf_counter()
            _recreate_indexes(cursor, MarketEntity._meta.db_table, self.rebuild)
            self.seconds["indexes"] = time.perf_counter() - started
        # ON COMMIT DROP covers the usual case; drop now as well in case an outer transaction stays open.
        cursor.execute("DROP TABLE import_stage, import_changed")


class _Spool:
    """The valid rows as COPY text in a temporary file on disk, for a writer that runs once checking is done."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()
        self.aborted = False

    def feed(self, data: bytes) -> None:
        self.file.write(data)

    def abort(self) -> None:
        self.aborted = True

    def rewind(self):
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        self.file.close()


_END, _ABORT = object(), object()


class _Aborted(Exception):
    pass


class _StreamWriter:
    """A _PostgresLoad run on a thread of its own, with that thread's own database connection and transaction,
    fed chunk by chunk while the rows are still being checked: PostgreSQL merges a chunk on one core while Python
    checks the next on the other (psycopg2 releases the GIL while the server works). The main thread's
    connection stays outside the import's transaction, so the progress it writes is seen by the job's page.

    ``finish()`` runs on the writer thread inside the transaction once every row is in (the import's audit
    record, a dry run's rollback). A bad row aborts the transaction: nothing is committed."""

    QUEUE_CHUNKS = 4  # at most this many chunks wait for the writer (bounded memory when the database is slower)

    def __init__(self, load: _PostgresLoad, *, finish):
        self.load, self.finish = load, finish
        self.queue: queue.Queue = queue.Queue(maxsize=self.QUEUE_CHUNKS)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="registry-import-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    self.load.begin(cursor)
                    while (item := self.queue.get()) is not _END:
                        if item is _ABORT:
                            raise _Aborted
                        self.load.load(cursor, item)
                    self.load.end(cursor)
                self.finish()
        except _Aborted:
            pass
        except BaseException as exc:  # handed to the main thread by close()
            self.error = exc
        finally:
            connection.close()  # this thread's own connection

    def _put(self, item) -> None:
        while self.thread.is_alive():  # a writer that failed takes nothing more; close() raises its error
            try:
                self.queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def feed(self, data: bytes) -> None:
        self._put(data)

    def abort(self) -> None:
        self._put(_ABORT)

    def close(self) -> None:
        """Wait for the writer: after abort(), for its rollback; otherwise for the merge and the commit."""
        self._put(_END)
        self.thread.join()
        if self.error is not None:
            raise self.error


_ORM_BATCH = 1000


def _staged_rows(staging):
    for raw in staging:
        row = _copy_fields(raw.decode().rstrip("\n"))
        yield (row[0], row[1], row[2], row[3], row[4], row[5], row[6], int(row[7]), date.fromisoformat(row[8]),
               row[9], row[10])


def _write_orm(staging, *, user, source: str, rows: int = 0) -> tuple[int, int]:
    """The portable writer (the SQLite demo): the same result as the PostgreSQL merge, batch by batch."""
    offices = {o.pk: o for o in Office.objects.all()}
    actor = user if getattr(user, "pk", None) else None
    created = updated = 0
    compared = [f for f in FIELDS if f != "uscc"]
    batch = []

    def flush():
        nonlocal created, updated
        existing = {e.uscc: e for e in MarketEntity.objects.filter(uscc__in=[r[0] for r in batch])}
        new, changed, status_changes, audits = [], [], [], []
        now = timezone.now()
        for (uscc, name, entity_type, legal_rep, industry_code, address, authority, office_id,
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

    A file with any bad row writes nothing. ``writer`` picks "postgres" or "orm" (default: by database). Raises
    ImportFileError for a file that cannot be read as the register template.

    On PostgreSQL, called outside any transaction (the Celery task, the command), the valid rows are streamed
    to a writer thread while checking goes on (_StreamWriter): the import's transaction lives on that thread's
    connection, so the progress this thread writes is seen by the job's page, and a bad row anywhere in the file
    rolls back whatever was streamed before it. Inside a caller's transaction (and for the ORM writer) the rows
    are spooled to disk and written in that transaction once every row has been checked.
    """
    report = ImportReport(file_name=file_name, dry_run=dry_run)
    started = time.perf_counter()
    if job is not None:
        job_progress(job, done=0, stage="读取文件")
    writer = writer or ("postgres" if connection.vendor == "postgresql" else "orm")
    source = _source(job, file_name)

    def finish(load) -> None:
        """Inside the import's transaction, once every row is in: the counts and the import's audit record."""
        created, updated = (load.created, load.updated) if isinstance(load, _PostgresLoad) else load
        if isinstance(load, _PostgresLoad):  # where the writing went (the merges overlap the checking when streamed)
            report.timings.update({key: round(value, 3) for key, value in load.seconds.items()})
        report.created, report.updated = created, updated
        report.unchanged = report.rows - created - updated
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

    workbook = open_workbook(path, file_name=file_name)
    out = None
    try:
        sheet = open_sheet(path, workbook, SPEC, file_name=file_name)
        read = time.perf_counter()
        if writer == "postgres" and not connection.in_atomic_block:
            load = _PostgresLoad(user=user, source=source, rows=sheet.estimate)
            out = _StreamWriter(load, finish=lambda: finish(load))
        else:
            out = _Spool()
        _check_rows(sheet, report, job=job, max_errors=max_errors, out=out)
        checked = time.perf_counter()
        report.timings = {"read": round(read - started, 3), "check": round(checked - read, 3)}
        if report.rows == 0 and report.ok:
            raise ImportFileError("表头下面没有数据行，没有可导入的内容。")
        if not report.ok:
            return report
        if job is not None:
            job_progress(job, done=report.rows, total=report.rows + report.rows // 4 + 1, stage="写入数据库")
        workbook.close()  # free the parsed sheet before the rest of the writing
        if isinstance(out, _StreamWriter):
            out.close()  # the last chunks, the merge and the commit
            out = None
        else:
            with transaction.atomic():
                if writer == "postgres":
                    load = _PostgresLoad(user=user, source=source, rows=report.rows)
                    with connection.cursor() as cursor:
                        load.begin(cursor)
                        load.load(cursor, out.rewind())
                        load.end(cursor)
                    finish(load)
                else:
                    finish(_write_orm(out.rewind(), user=user, source=source))
    finally:
        if out is not None:
            if isinstance(out, _StreamWriter):
                out.abort()  # a bad row or an error: the writer rolls back
                try:
                    out.close()
                except Exception:  # the error that brought us here is the one to report
                    logger.warning("register import writer failed while aborting", exc_info=True)
            else:
                out.close()
        try:
            workbook.close()
        except Exception:  # already closed above
            pass
    report.timings["write"] = round(time.perf_counter() - checked, 3)  # including the commit
    report.written = not dry_run
    if report.written and writer == "postgres" and load.gin_pending:
        # After the commit (at once when there is no outer transaction): with a broker the worker merges the
        # pending lists while the user reads the report; without one (the demo, the benchmark) it runs here.
        transaction.on_commit(lambda: _queue_gin_cleanup(report))
    return report


def _queue_gin_cleanup(report: ImportReport) -> None:
    from .tasks import gin_cleanup_task

    started = time.perf_counter()
    try:
        gin_cleanup_task.delay()
    except Exception:  # the broker is down: autovacuum merges the pending lists later; searches are just slower
        logger.warning("could not queue the register's GIN clean-up after an import", exc_info=True)
    report.timings["gin_cleanup"] = round(time.perf_counter() - started, 3)  # in-process (eager) only


def gin_clean_pending_lists() -> int:
    """Merge the pending lists of the register's GIN (pg_trgm) indexes into the indexes; returns the pages
    merged. Run by gin_cleanup_task after an import that left rows there (GIN_PENDING_LIST_LIMIT)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(gin_clean_pending_list(x.indexrelid::regclass)), 0) FROM pg_index x "
            "JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE x.indrelid = %s::regclass AND a.amname = 'gin'",
            [MarketEntity._meta.db_table],
        )
        return int(cursor.fetchone()[0])


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
