"""Importing the filing status from the publicity system's export (.xlsx): every row valid, or nothing written.

Template: 统一社会信用代码 · 报告年度 · 报送日期 · 报送方式 (and, optionally, 名称 to check by eye and 是否公示 for
individual businesses). A row with a date is a filing (按时 up to the season's deadline, 补报 after it); a row
without a date says the entity has not filed — it never erases a filing already recorded (a paper report, say).
Re-importing the same file changes nothing. Built for a million rows: on PostgreSQL the checked rows are COPYed
into a temporary table and merged with two set-based statements; the progress tallies are recounted once.
"""
import csv
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from core.audit import audit
from core.choices import AuditAction
from core.importing import (
    DATE_FORMATS,
    MAX_STORED_ERRORS,
    HeaderSpec,
    ImportFileError,
    RowError,
    cell_text,
    cell_value,
    open_sheet,
    open_workbook,
    parse_date,
)
from core.importing import ImportReport as BaseImportReport
from core.models import Job
from core.services import job_create, job_enqueue, job_progress
from registry.codes import normalise_uscc
from registry.models import MarketEntity

from .choices import Channel, FilingStatus, RecordSource
from .models import AnnualReport, FilingSeason
from .services import listing_cure, tally_rebuild

IMPORT_JOB_KIND = "annual_reports.import"
COLUMNS = [("uscc", "统一社会信用代码"), ("year", "报告年度"), ("filed_on", "报送日期"), ("channel", "报送方式"),
           ("name", "名称"), ("publish", "是否公示")]
REQUIRED = {"uscc", "year", "filed_on", "channel"}
ALIASES = {"信用代码": "uscc", "统一代码": "uscc", "年报年度": "year", "年度": "year", "报送时间": "filed_on",
           "年报报送日期": "filed_on", "报送渠道": "channel", "企业名称": "name", "主体名称": "name",
           "是否对外公示": "publish"}
SPEC = HeaderSpec(COLUMNS, REQUIRED, ALIASES, hint="“统一社会信用代码”“报告年度”“报送日期”等列名")
LABELS = dict(COLUMNS)
CHANNEL_WORDS = {
    Channel.WEB: ("网页", "网上", "网上报送", "电脑", "PC", "WEB", "网页端", "公示系统"),
    Channel.MOBILE: ("手机", "移动端", "APP", "手机APP", "小程序", "微信", "手机端"),
    Channel.PAPER: ("纸质", "纸质报送", "书面", "窗口", "纸质年报"),
}
CHANNELS = {word.upper(): value for value, words in CHANNEL_WORDS.items() for word in (*words, Channel(value).label)}
PUBLISH_WORDS = {"是": True, "公示": True, "否": False, "不公示": False, "Y": True, "N": False}
PROGRESS_EVERY = 20000
LOOKUP_BATCH = 5000
WRITE_BATCH = 2000


@dataclass
class ImportReport(BaseImportReport):
    """The filing-status import's report; ``cured`` counts late filings handed to the listing removal."""

    cured: int = 0

    def counts_text(self) -> str:
        counts = (f"共 {self.rows} 行：新增 {self.created} 条报送记录，更新 {self.updated} 条，"
                  f"无变化 {self.unchanged} 条")
        if self.cured:
            counts += f"；补报后转列异移出（恢复）流程 {self.cured} 户"
        return counts

    def as_result(self) -> dict:
        return {**super().as_result(), "cured": self.cured}


def _parse_channel(text: str):
    return CHANNELS.get(text.replace(" ", "").upper())


def _check_rows(sheet, report: ImportReport, *, job: Job | None, staging) -> tuple[list[RowError], int]:
    """Check each row on its own and stage the good ones as CSV (rn, uscc, season id, date, channel, publish).

    The loop is the import's hot path at a million rows: the common cell types (text code, numeric year, Excel
    date, known channel word) are taken directly; anything else goes through the general helpers."""
    p = sheet.positions
    col = {key: sheet.names.get(key, LABELS[key]) for key in LABELS}
    seasons = {s.year: s for s in FilingSeason.objects.all()}
    season_ids = {year: (s.pk, s.opens_on) for year, s in seasons.items()}
    years_text = "、".join(str(y) for y in sorted(seasons)) or "（尚未开启任何年报季）"
    today = timezone.localdate()
    write = csv.writer(staging).writerow
    errors, seen = [], {}
    p_uscc, p_year, p_date, p_channel = p["uscc"], p["year"], p["filed_on"], p["channel"]
    p_name, p_publish = p.get("name"), p.get("publish")
    n = staged = 0
    str_, float_, int_, datetime_ = str, float, int, datetime
    for idx, raw in enumerate(sheet.rows, start=sheet.first_row):
        rn = idx + 1
        uscc_raw, year_raw, date_raw, channel_raw = raw[p_uscc], raw[p_year], raw[p_date], raw[p_channel]
        publish_text = cell_value(raw, p_publish) if p_publish is not None else ""
        if uscc_raw == "" and year_raw == "" and date_raw == "" and channel_raw == "" and not publish_text and (
                p_name is None or raw[p_name] == ""):
            continue
        uscc = uscc_raw.strip().upper() if uscc_raw.__class__ is str_ else ""
        if len(uscc) != 18 or " " in uscc:
            uscc = normalise_uscc(cell_text(uscc_raw))
        channel_text = channel_raw.strip() if channel_raw.__class__ is str_ else cell_text(channel_raw)
        if not (uscc or cell_text(year_raw) or cell_text(date_raw) or channel_text or publish_text
                or cell_value(raw, p_name)):
            continue
        n += 1
        bad = None
        if len(uscc) != 18:
            bad = [("uscc", "必填项为空" if not uscc else f"“{cell_text(uscc_raw)}”不是 18 位统一社会信用代码")]
        # 报告年度: a number, or text such as 2024 / 2024年度
        year = int(year_raw) if year_raw.__class__ in (float_, int_) and year_raw == int(year_raw) else None
        if year is None:
            year_text = cell_text(year_raw).removesuffix("年度").removesuffix("年")
            if not year_text:
                bad = (bad or []) + [("year", "必填项为空")]
            elif not year_text.isdigit():
                bad = (bad or []) + [("year", f"“{cell_text(year_raw)}”不是有效年度，应写作 2025")]
            else:
                year = int(year_text)
        season = None
        if year is not None:
            season = season_ids.get(year)
            if season is None:
                bad = (bad or []) + [("year", f"{year} 年度年报季尚未开启（已开启：{years_text}），"
                                              "请先在“年报”中开启该年度")]
        # 报送日期: an Excel date, or text; empty means not filed
        if date_raw.__class__ is datetime_:
            filed_on = date_raw.date()
        elif date_raw == "" or date_raw is None:
            filed_on = None
        else:
            filed_on = parse_date(date_raw)
            if filed_on is None:
                date_text = cell_text(date_raw)
                if date_text:
                    bad = (bad or []) + [("filed_on", f"“{date_text}”不是有效日期（{DATE_FORMATS}）")]
                    filed_on = False  # present but unreadable
        if filed_on:
            if filed_on > today:
                bad = (bad or []) + [("filed_on", f"报送日期 {filed_on} 晚于今天")]
            elif season is not None and filed_on < season[1]:
                bad = (bad or []) + [("filed_on", f"报送日期 {filed_on} 早于{seasons[year]}的报送开始日期 {season[1]}")]
        channel = ""
        if channel_text:
            channel = CHANNELS.get(channel_text) or _parse_channel(channel_text)
            if channel is None:
                bad = (bad or []) + [("channel", f"“{channel_text}”不是有效的报送方式，应为 网页、手机 或 纸质")]
            elif filed_on is None:
                bad = (bad or []) + [("filed_on", "填写了报送方式，但报送日期为空；未报送的主体两列都应留空")]
        elif filed_on:
            bad = (bad or []) + [("channel", "已报送（有报送日期）的，报送方式不能为空，应为 网页、手机 或 纸质")]
        publish = ""
        if publish_text:
            value = PUBLISH_WORDS.get(publish_text.upper())
            if value is None:
                bad = (bad or []) + [("publish", f"“{publish_text}”无法识别，应为 是 或 否（仅个体工商户填写）")]
            else:
                publish = "t" if value else "f"
        if bad is None:
            first = seen.setdefault((uscc, year), rn)
            if first != rn:
                bad = [("uscc", f"{uscc} 的 {year} 年度与第 {first} 行重复")]
        if bad is not None:
            report.bad_rows += 1
            errors.extend(RowError(rn, col[key], message) for key, message in bad)
        elif not errors:  # once a row is bad nothing will be written: stop staging, keep checking
            write((rn, uscc, season[0], filed_on.isoformat() if filed_on else "", channel, publish))
            staged += 1
        if job is not None and n % PROGRESS_EVERY == 0:
            job_progress(job, done=n)
    report.rows = n
    return errors, staged


# ---- writing: PostgreSQL (COPY + set-based merge) -------------------------------------------------------------

def _status_sql() -> str:
    return ("CASE WHEN s.filed_on IS NULL THEN CASE WHEN e.established_on < fs.required_established_before "
            f"THEN '{FilingStatus.NOT_FILED}' ELSE '{FilingStatus.NOT_REQUIRED}' END "
            f"WHEN s.filed_on <= fs.due_on THEN '{FilingStatus.ON_TIME}' ELSE '{FilingStatus.LATE}' END")


def _write_postgres(staging, report: ImportReport, col: str) -> tuple[list[RowError], list[int]]:
    """Stage, resolve codes, then merge; returns (unknown-code errors, ids of records now 补报 and handed over)."""
    table, entity_table = AnnualReport._meta.db_table, MarketEntity._meta.db_table
    season_table = FilingSeason._meta.db_table
    staging.seek(0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('annual_reports.import'))")
        cursor.execute("SET LOCAL work_mem = '128MB'")
        # ON COMMIT DROP does not fire inside an outer transaction (a test, a caller's atomic block): drop first.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.ar_rows, pg_temp.ar_stage")
        cursor.execute("CREATE TEMP TABLE ar_stage (rn integer NOT NULL, uscc varchar(18) NOT NULL, "
                       "season_id bigint NOT NULL, filed_on date, channel varchar(8) NOT NULL, publish boolean) "
                       "ON COMMIT DROP")
        cursor.copy_expert("COPY ar_stage FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (channel))", staging)
        # One join resolves the codes: rows without an entity are the unknown codes.
        cursor.execute(
            f"CREATE TEMP TABLE ar_rows ON COMMIT DROP AS SELECT s.rn, s.uscc, e.id AS entity_id, s.season_id, "
            f"s.filed_on, s.channel, CASE WHEN e.entity_type = 'individual' THEN s.publish END AS publish, "
            f"{_status_sql()} AS status FROM ar_stage s LEFT JOIN {entity_table} e ON e.uscc = s.uscc "
            f"JOIN {season_table} fs ON fs.id = s.season_id")
        cursor.execute("SELECT rn, uscc FROM ar_rows WHERE entity_id IS NULL ORDER BY rn")
        unknown = [RowError(rn, col, f"统一社会信用代码 {uscc} 不在市场主体名录中，请先导入该主体")
                   for rn, uscc in cursor.fetchall()]
        if unknown:
            return unknown, []
        cursor.execute("ANALYZE ar_rows")
        # Only the count and the ids that need a listing cure come back, not a row per updated record.
        cursor.execute(
            f"WITH changed AS (UPDATE {table} r SET status = x.status, filed_on = x.filed_on, channel = x.channel, "
            f"publish = x.publish, source = %s, updated_at = now() FROM ar_rows x "
            f"WHERE r.entity_id = x.entity_id AND r.season_id = x.season_id AND x.filed_on IS NOT NULL "
            f"AND (r.status, r.filed_on, r.channel, r.publish) IS DISTINCT FROM "
            f"(x.status, x.filed_on, x.channel, x.publish) RETURNING r.id, r.status, r.listing_opened_on) "
            f"SELECT count(*), coalesce(array_agg(id) FILTER (WHERE status = %s AND listing_opened_on IS NOT NULL), "
            f"'{{}}') FROM changed",
            [RecordSource.IMPORT, FilingStatus.LATE])
        report.updated, cure_ids = cursor.fetchone()
        cure_ids = list(cure_ids)
        cursor.execute(
            f"INSERT INTO {table} (season_id, entity_id, status, filed_on, channel, publish, source, "
            f"listing_opened_on, recorded_by_id, updated_at) "
            f"SELECT x.season_id, x.entity_id, x.status, x.filed_on, x.channel, x.publish, %s, NULL, NULL, now() "
            f"FROM ar_rows x WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.entity_id = x.entity_id "
            f"AND r.season_id = x.season_id)", [RecordSource.IMPORT])
        report.created = cursor.rowcount
        cursor.execute("SELECT DISTINCT season_id FROM ar_stage")
        report.timings["seasons"] = [row[0] for row in cursor.fetchall()]
    return [], cure_ids


# ---- writing: any other database (the SQLite demo) ----------------------------------------------------------

def _write_orm(staging, report: ImportReport, col: str) -> tuple[list[RowError], list[int]]:
    staging.seek(0)
    rows = list(csv.reader(staging))
    seasons = {s.pk: s for s in FilingSeason.objects.all()}
    codes = sorted({r[1] for r in rows})
    entities = {}
    for start in range(0, len(codes), LOOKUP_BATCH):
        entities.update({e.uscc: e for e in MarketEntity.objects.filter(uscc__in=codes[start:start + LOOKUP_BATCH])
                         .only("id", "uscc", "entity_type", "established_on")})
    unknown = [RowError(int(r[0]), col, f"统一社会信用代码 {r[1]} 不在市场主体名录中，请先导入该主体")
               for r in rows if r[1] not in entities]
    if unknown:
        return unknown, []
    cure_ids = []
    for start in range(0, len(rows), WRITE_BATCH):
        batch = rows[start:start + WRITE_BATCH]
        existing = {(r.entity_id, r.season_id): r for r in AnnualReport.objects.filter(
            entity_id__in=[entities[row[1]].pk for row in batch], season_id__in={int(row[2]) for row in batch})}
        new, changed = [], []
        for _rn, uscc, season_id, filed_text, channel, publish_text in batch:
            entity, season = entities[uscc], seasons[int(season_id)]
            filed_on = timezone.datetime.fromisoformat(filed_text).date() if filed_text else None
            publish = {"t": True, "f": False}.get(publish_text) if entity.entity_type == "individual" else None
            if filed_on is None:
                status = (FilingStatus.NOT_FILED if entity.established_on < season.required_established_before
                          else FilingStatus.NOT_REQUIRED)
            else:
                status = FilingStatus.ON_TIME if filed_on <= season.due_on else FilingStatus.LATE
            found = existing.get((entity.pk, season.pk))
            if found is None:
                new.append(AnnualReport(season=season, entity=entity, status=status, filed_on=filed_on,
                                        channel=channel, publish=publish, source=RecordSource.IMPORT))
            elif filed_on is not None and (found.status, found.filed_on, found.channel, found.publish) != (
                    status, filed_on, channel, publish):
                found.status, found.filed_on, found.channel, found.publish = status, filed_on, channel, publish
                found.source = RecordSource.IMPORT
                changed.append(found)
                if status == FilingStatus.LATE and found.listing_opened_on:
                    cure_ids.append(found.pk)
        AnnualReport.objects.bulk_create(new)
        AnnualReport.objects.bulk_update(changed, ["status", "filed_on", "channel", "publish", "source",
                                                   "updated_at"])
        report.created += len(new)
        report.updated += len(changed)
    report.timings["seasons"] = sorted({int(r[2]) for r in rows})
    return [], cure_ids


def annual_reports_import(*, path, file_name: str, user=None, job: Job | None = None, dry_run: bool = False,
                          max_errors: int | None = MAX_STORED_ERRORS, writer: str | None = None) -> ImportReport:
    """Import the publicity system's filing status: every row valid, or nothing is written."""
    report = ImportReport(file_name=file_name, dry_run=dry_run)
    started = time.perf_counter()
    if job is not None:
        job_progress(job, done=0, stage="读取文件")
    workbook = open_workbook(path, file_name=file_name)
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="") as staging:
        try:
            sheet = open_sheet(path, workbook, SPEC, file_name=file_name)
            if job is not None:
                job_progress(job, done=0, total=sheet.estimate + 1, stage="校验数据")
            read = time.perf_counter()
            errors, _staged = _check_rows(sheet, report, job=job, staging=staging)
        finally:
            workbook.close()
        if report.rows == 0 and not errors:
            raise ImportFileError("表头下面没有数据行，没有可导入的内容。")
        checked = time.perf_counter()
        report.timings.update(read=round(read - started, 3), check=round(checked - read, 3))
        col = sheet.names.get("uscc", LABELS["uscc"])
        if not errors:
            if job is not None:
                job_progress(job, done=report.rows, total=report.rows + 1, stage="写入数据库")
            write = _write_postgres if (writer or connection.vendor) == "postgresql" else _write_orm
            with transaction.atomic():
                errors, cure_ids = write(staging, report, col)
                if errors:
                    report.bad_rows += len(errors)
                    transaction.set_rollback(True)
                else:
                    merged = time.perf_counter()
                    seasons = FilingSeason.objects.filter(pk__in=report.timings.pop("seasons"))
                    for season in seasons:
                        tally_rebuild(season)
                    tallied = time.perf_counter()
                    for record in AnnualReport.objects.filter(pk__in=cure_ids).select_related("entity", "season"):
                        listing_cure(report=record, by=user)
                    report.cured = len(cure_ids)
                    report.unchanged = report.rows - report.created - report.updated
                    audit(actor=user, action=AuditAction.IMPORT, target=job,
                          summary=f"导入年报报送情况 {file_name}：共 {report.rows} 行，新增 {report.created}，"
                                  f"更新 {report.updated}，无变化 {report.unchanged}",
                          extra={"file": file_name, "rows": report.rows, "created": report.created,
                                 "updated": report.updated, "unchanged": report.unchanged, "cured": report.cured,
                                 "seasons": sorted(s.year for s in seasons),
                                 "job": job.pk if job is not None else None})
                    report.timings.update(merge=round(merged - checked, 3), tally=round(tallied - merged, 3))
                    if dry_run:
                        transaction.set_rollback(True)
            report.timings.pop("seasons", None)
    if errors:
        errors.sort(key=lambda e: e.row)
        report.error_count = len(errors)
        report.errors = errors if max_errors is None else errors[:max_errors]
        return report
    report.timings["total"] = round(time.perf_counter() - started, 3)
    report.written = not dry_run
    return report


@transaction.atomic
def annual_reports_import_queue(*, user, upload, dry_run: bool = False) -> Job:
    """Accept an uploaded export and queue its import as a job the page follows."""
    from .tasks import import_annual_reports_task

    job = job_create(kind=IMPORT_JOB_KIND, user=user, params={"dry_run": dry_run}, input_file=upload,
                     input_name=upload.name)
    job_enqueue(job=job, task=import_annual_reports_task)
    return job


def annual_reports_import_job(*, job: Job) -> ImportReport:
    return annual_reports_import(path=job.input_file.path, file_name=job.input_name or job.input_file.name,
                                 user=job.created_by, job=job, dry_run=bool(job.params.get("dry_run")))
