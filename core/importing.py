"""Shared parts of the all-or-nothing .xlsx imports: reading the file, finding the header row, cell values.

Each import (the register, the risk classes, complaints …) describes its columns with a HeaderSpec, opens the
file with open_workbook / open_sheet, checks every row itself and reports RowErrors ("第 N 行 · 列名 · 原因").
Reading uses python-calamine (Rust, releases the GIL).
"""
import io
import logging
import re
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import chain
from xml.etree import ElementTree

import python_calamine
from django import forms
from django.conf import settings
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat

from .xlsx import XLSX_CONTENT_TYPE

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 1000  # a job keeps this many row errors for its report; all of them are counted
HEADER_SCAN_ROWS = 10  # the header row may sit below a title row or two
EARLIEST_DATE = date(1900, 1, 1)
EXCEL_EPOCH = date(1899, 12, 30)
DATE_FORMATS = "可写作 2023-05-01、2023/5/1、2023年5月1日、20230501，或使用 Excel 日期格式"

_XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # OLE2: Excel 97-2003, or an .xlsx encrypted with a password
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_HEADER_NOISE = re.compile(r"[\s\u3000*＊※]+|[（(]必填[)）]|[（(]选填[)）]")
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


class ImportFileError(Exception):
    """The file as a whole cannot be imported (not an .xlsx, no header row, …); the message is for the user."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return f"第 {self.row} 行 · {self.column} · {self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportReport:
    """What an all-or-nothing import found and did: row counts, and every bad row (capped for storage, all
    counted). Each import words its counts in its own terms by overriding ``counts_text``."""

    file_name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    bad_rows: int = 0
    dry_run: bool = False
    written: bool = False
    timings: dict = field(default_factory=dict)  # seconds spent reading, checking and writing

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)

    def counts_text(self) -> str:
        return f"共 {self.rows} 行：新增 {self.created} 条，更新 {self.updated} 条，无变化 {self.unchanged} 条"

    def summary(self) -> str:
        if not self.ok:
            return f"文件中有 {self.error_count} 处错误（涉及 {self.bad_rows} 行），未导入任何数据。"
        if self.dry_run:
            return f"试运行：校验通过。{self.counts_text()}（仅为预演，未写入任何数据）。"
        return f"导入完成。{self.counts_text()}。"

    def as_result(self) -> dict:
        """The job's stored result (JSON)."""
        return {
            "file": self.file_name, "rows": self.rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "error_count": self.error_count, "bad_rows": self.bad_rows,
            "errors": [e.as_dict() for e in self.errors], "dry_run": self.dry_run, "written": self.written,
            "summary": self.summary(), "timings": self.timings,
        }



# ---------------------------------------------------------------------------------------------------------
# The file: container checks, sheet and header row
# ---------------------------------------------------------------------------------------------------------

def check_xlsx_container(path) -> None:
    """Refuse what is not an .xlsx workbook, with one message a clerk can act on."""
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        raise ImportFileError("文件是空的（0 字节），请重新选择文件。")
    if head.startswith(_XLS_MAGIC):
        raise ImportFileError(
            "这是旧版 Excel 97-2003（.xls）文件或设置了打开密码的工作簿。请在 Excel 或 WPS 中“另存为” .xlsx 格式"
            "（不设密码）后再导入。"
        )
    if not head.startswith(b"PK"):
        raise ImportFileError(
            "文件不是 Excel 工作簿（.xlsx）。请上传用 Excel、WPS 或 LibreOffice 保存的 .xlsx 文件；"
            "CSV、文本或改了扩展名的文件不能导入。"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise ImportFileError("文件已损坏（压缩结构不完整），无法读取。请在 Excel 或 WPS 中重新保存后再导入。")
    if "xl/workbook.xml" not in names:
        raise ImportFileError("文件是 zip 压缩包，但不是 Excel 工作簿（.xlsx）。请上传 .xlsx 文件。")


def header_key(value) -> str:
    """A header cell as compared with the template: no spaces, stars or (必填)/(选填), ASCII brackets."""
    text = value if isinstance(value, str) else str(value)
    return _HEADER_NOISE.sub("", text).replace("（", "(").replace("）", ")")


@dataclass
class HeaderSpec:
    """An import's columns: key → header text in template order, the required keys and accepted aliases."""

    columns: list[tuple[str, str]]
    required: set[str]
    aliases: dict[str, str] = field(default_factory=dict)
    hint: str = "“统一社会信用代码”“名称”等列名"  # what the header row is recognised by, for the error message

    def __post_init__(self):
        self.labels = dict(self.columns)
        self.lookup = {header_key(label): key for key, label in self.columns}
        self.lookup.update({header_key(alias): key for alias, key in self.aliases.items()})

def col_letter(index: int) -> str:
    """0-based column number → spreadsheet letters (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1



def find_header(rows: list[list], spec: HeaderSpec) -> int | None:
    """The first of the top rows that names at least two template columns."""
    lookup = spec.lookup
    for i, row in enumerate(rows):
        if sum(1 for v in row if v != "" and header_key(v) in lookup) >= 2:
            return i
    return None


def map_columns(header: list, col0: int, spec: HeaderSpec) -> tuple[dict[str, int], dict[str, str]]:
    """Field → position in the row and field → the header text as the file spells it."""
    positions, names = {}, {}
    for i, value in enumerate(header):
        key = spec.lookup.get(header_key(value)) if value != "" else None
        if key is None:
            continue  # a column the template does not have (序号, 备注 …) is ignored
        if key in positions:
            raise ImportFileError(
                f"表头中“{spec.labels[key]}”列出现了两次（第 {col_letter(positions[key] + col0)} 列和第 "
                f"{col_letter(i + col0)} 列），请删除多余的一列。"
            )
        positions[key] = i
        names[key] = str(value).strip()
    missing = [spec.labels[key] for key, _ in spec.columns if key in spec.required and key not in positions]
    if missing:
        raise ImportFileError(
            f"缺少必填列：{'、'.join(missing)}。请使用导入模板的表头（列的顺序不限）。"
        )
    return positions, names

def _sheet_xml_paths(archive: zipfile.ZipFile) -> list[str]:
    """The worksheet XML parts in workbook order, the order calamine numbers the sheets in."""
    def local(tag):
        return tag.rsplit("}", 1)[-1]

    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels if local(r.tag) == "Relationship"}
    paths = []
    for sheet in workbook.iter():
        if local(sheet.tag) != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if local(k) == "id"), None)
        target = targets.get(rid, "")
        paths.append(target.lstrip("/") if target.startswith("/") else "xl/" + target)
    return paths


def _formula_cells_without_value(path, sheet_index: int) -> set[tuple[int, int]]:
    """(row, column), 0-based, of formula cells saved without a computed value (files written by scripts).

    Excel, WPS and LibreOffice save each formula's result beside it and we import that result; a formula with no
    saved result would import as an empty cell, so it is reported instead.
    """
    found = set()
    with zipfile.ZipFile(path) as archive:
        try:
            part = _sheet_xml_paths(archive)[sheet_index]
        except (KeyError, IndexError, ElementTree.ParseError):
            return found
        with archive.open(part) as stream:  # a cheap scan first: most files hold no formula at all
            tail = b""
            while chunk := stream.read(1 << 20):
                if _FORMULA_TAG.search(tail + chunk):
                    break
                tail = chunk[-8:]
            else:
                return found
        with archive.open(part) as stream:
            sheet_data = None
            for event, elem in ElementTree.iterparse(stream, events=("start", "end")):
                tag = elem.tag.rsplit("}", 1)[-1]
                if event == "start":
                    if tag == "sheetData":
                        sheet_data = elem
                    continue
                if tag == "c":
                    children = {child.tag.rsplit("}", 1)[-1]: child for child in elem}
                    if "f" in children:
                        v = children.get("v")
                        if v is None or (not v.text and elem.get("t") != "str"):
                            m = _CELL_REF.match(elem.get("r", ""))
                            if m:
                                found.add((int(m.group(2)) - 1, _col_index(m.group(1))))
                elif tag == "row" and sheet_data is not None:
                    sheet_data.clear()
    return found


class _FormulaScan(threading.Thread):
    """Runs the formula scan while calamine parses the sheet (calamine releases the GIL)."""

    def __init__(self, path, sheet_index: int):
        super().__init__(daemon=True)
        self.path, self.sheet_index, self.cells, self.failed = path, sheet_index, set(), False

    def run(self):
        try:
            self.cells = _formula_cells_without_value(self.path, self.sheet_index)
        except Exception:  # a malformed part: calamine's own error decides what the user hears
            logger.warning("formula scan failed for %s", self.path, exc_info=True)
            self.failed = True


@dataclass
class Sheet:
    rows: Iterator[list]  # iterator over the data rows (each a list), after the header
    first_row: int  # 0-based spreadsheet row of the first data row
    col0: int  # 0-based spreadsheet column of position 0 in each row
    positions: dict[str, int]
    names: dict[str, str]
    estimate: int
    overrides: dict[int, dict[int, str]]  # row → {position: why the cell cannot be read}


def _open_sheet(path, workbook, spec: HeaderSpec) -> Sheet:
    """The first worksheet with a header row, its column map and the cells that need a special message."""
    metadata = workbook.sheets_metadata
    order = sorted(
        (i for i, m in enumerate(metadata) if m.typ == python_calamine.SheetTypeEnum.WorkSheet),
        key=lambda i: metadata[i].visible != python_calamine.SheetVisibleEnum.Visible,
    )
    scan = _FormulaScan(path, order[0]) if order else None
    if scan:
        scan.start()
    any_cells = False
    for index in order:
        sheet = workbook.get_sheet_by_index(index)
        if sheet.start is None:
            continue
        any_cells = True
        rows = sheet.iter_rows()  # calamine yields rows from spreadsheet row 1, columns from the first used one
        top = []
        for row in rows:
            top.append(row)
            if len(top) >= HEADER_SCAN_ROWS:
                break
        header_at = find_header(top, spec)
        if header_at is None:
            continue
        col0 = sheet.start[1]
        positions, names = map_columns(top[header_at], col0, spec)
        if scan is None or scan.sheet_index != index:
            scan = _FormulaScan(path, index)
            scan.run()
        else:
            scan.join()
        overrides = _cell_overrides(sheet, scan.cells, header_at, col0, positions)
        return Sheet(
            rows=chain(top[header_at + 1:], rows), first_row=header_at + 1, col0=col0, positions=positions,
            names=names, estimate=max(sheet.end[0] - header_at, 0), overrides=overrides,
        )
    if not any_cells:
        raise ImportFileError("工作簿是空的，没有任何数据。")
    raise ImportFileError(
        f"未找到表头行：前 {HEADER_SCAN_ROWS} 行中没有包含{spec.hint}的一行。"
        "请使用导入模板，把表头放在数据上方。"
    )


def _cell_overrides(sheet, formula_cells, header_at: int, col0: int, positions: dict) -> dict:
    """Cells below the header that sit inside a merged range, or hold a formula with no saved result."""
    wanted = {pos + col0: pos for pos in positions.values()}
    overrides: dict[int, dict[int, str]] = {}
    for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or []:
        if r2 <= header_at:
            continue
        ref = f"{col_letter(c1)}{r1 + 1}:{col_letter(c2)}{r2 + 1}"
        for r in range(max(r1, header_at + 1), r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1) and c in wanted:
                    overrides.setdefault(r, {})[wanted[c]] = (
                        f"位于合并单元格 {ref} 中，只有首格有值；请取消合并，并在每一行填写完整后再导入"
                    )
    for r, c in formula_cells:
        if r > header_at and c in wanted:
            overrides.setdefault(r, {})[wanted[c]] = (
                "单元格是公式，但文件中没有保存计算结果；请用 Excel 或 WPS 打开并保存，或将公式“粘贴为数值”后再导入"
            )
    return overrides


# ---------------------------------------------------------------------------------------------------------
# Cell values
# ---------------------------------------------------------------------------------------------------------

def cell_text(value) -> str:
    """A cell as text: numbers typed into text columns lose Excel's ".0", dates become 2023-05-01."""
    cls = value.__class__
    if cls is str:
        return value.strip()
    if cls is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if cls is datetime:
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if cls is date:
        return value.isoformat()
    return str(value).strip()


def parse_date(value) -> date | None:
    """A date from an Excel date, an Excel serial number, or text such as 2023-05-01, 2023/5/1, 2023年5月1日,
    20230501; None when it cannot be read."""
    cls = value.__class__
    try:
        if cls is date:
            return value
        if cls is datetime:
            return value.date()
        if cls is float or cls is int:
            if not float(value).is_integer():
                return None
            number = int(value)
            if 19000101 <= number <= 99991231:
                return date(number // 10000, number // 100 % 100, number % 100)
            if 1 <= number < 2958466:
                return EXCEL_EPOCH + timedelta(days=number)
            return None
        if cls is str:
            text = value.strip()
            m = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
            if m:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:  # 2023-02-30 and the like
        return None
    return None



def open_workbook(path, *, file_name: str):
    """The workbook of an uploaded file, or ImportFileError with a message a clerk can act on. Close it after."""
    check_xlsx_container(path)
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise ImportFileError("工作簿设置了打开密码，请取消密码后再导入。")
    except Exception as exc:
        logger.info("calamine could not open %s: %s", file_name, exc)
        raise ImportFileError("文件已损坏或不是有效的 Excel 工作簿，无法读取。请在 Excel 或 WPS 中重新保存为 .xlsx。")


def open_sheet(path, workbook, spec: HeaderSpec, *, file_name: str) -> Sheet:
    """The first worksheet with the spec's header row, or ImportFileError."""
    try:
        return _open_sheet(path, workbook, spec)
    except ImportFileError:
        raise
    except Exception as exc:
        logger.info("calamine could not read %s: %s", file_name, exc)
        raise ImportFileError("文件内容已损坏，无法读取工作表。请在 Excel 或 WPS 中重新保存为 .xlsx 后再导入。")


def cell_value(row: list, position: int | None) -> str:
    """The text of a row's cell at a mapped position ("" for a column the file does not have)."""
    if position is None:
        return ""
    value = row[position]
    return value.strip() if value.__class__ is str else cell_text(value)


# ---------------------------------------------------------------------------------------------------------
# The pages: the upload form, the template and the error report as .xlsx
# ---------------------------------------------------------------------------------------------------------

class ImportUploadForm(forms.Form):
    """An .xlsx upload with a dry-run choice, checked for type and size before it is stored."""

    file = forms.FileField(label="导入文件（.xlsx）")
    dry_run = forms.BooleanField(label="试运行：只校验，不写入数据库", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                "只能导入 .xlsx 格式的 Excel 文件。旧版 .xls、CSV 或 WPS 格式的文件，"
                "请先在 Excel 或 WPS 中“另存为” .xlsx。"
            )
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"文件太大（{filesizeformat(upload.size)}），上限为 {filesizeformat(limit)}。请拆分成几个文件分批导入。"
            )
        if upload.size == 0:
            raise forms.ValidationError("文件是空的（0 字节），请重新选择文件。")
        return upload


def xlsx_response(workbook, filename: str) -> FileResponse:
    """An openpyxl workbook (a template, an error report) as a download that no cache keeps."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    response = FileResponse(buffer, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def style_header(ws, widths) -> None:
    """Bold, shaded first row, the given column widths, and the header frozen."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F2")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center")
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"


def error_report_workbook(job):
    """A job's row-level errors as a workbook: 行号 · 列名 · 原因, and a sheet saying what to do next."""
    from openpyxl import Workbook

    result = job.result or {}
    errors = result.get("errors", [])
    wb = Workbook()
    ws = wb.active
    ws.title = "错误报告"
    ws.append(["行号", "列名", "原因"])
    for error in errors:
        ws.append([error["row"], error["column"], error["message"]])
    style_header(ws, [8, 20, 90])
    notes = wb.create_sheet("说明")
    notes.append(["文件", job.input_name])
    notes.append(["导入任务", f"#{job.pk}"])
    notes.append(["错误总数", result.get("error_count", len(errors))])
    if result.get("error_count", 0) > len(errors):
        notes.append(["", f"只列出前 {len(errors)} 处错误；改正后重新上传即可看到其余错误。"])
    notes.append(["", "文件中只要有一行有错，整批都不会导入。改正以上各行后重新上传。"])
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 12, 80
    return wb


# ---------------------------------------------------------------------------------------------------------
# The Celery side: one job, claimed once, never left running
# ---------------------------------------------------------------------------------------------------------

def run_import_task(task, job_id: int, *, run, what: str = "导入") -> None:
    """The body of an import task: claim the job, run ``run(job)`` (returns a report with ok, summary() and
    as_result()), and record success, row errors or a clear failure. File errors and unexpected errors fail at
    once; a lost database connection is retried with back-off. A duplicate delivery does nothing."""
    from celery.exceptions import SoftTimeLimitExceeded
    from django.db import InterfaceError, OperationalError

    from .choices import JobStatus
    from .models import Job
    from .services import job_claim, job_fail, job_finish

    job = job_claim(job_id)
    if job is None:
        fail_if_abandoned(job_id, what=what)
        return
    try:
        report = run(job)
    except ImportFileError as exc:  # the file itself: retrying cannot help
        job_fail(job, error=str(exc))
        return
    except SoftTimeLimitExceeded:
        job_fail(job, error=f"{what}超时，未写入任何数据。请把文件拆分成几份后分别{what}。")
        return
    except (OperationalError, InterfaceError) as exc:
        if task.request.retries < task.max_retries:
            # Hand the job back to the queue so that the retry can claim it again.
            Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(status=JobStatus.QUEUED)
            raise task.retry(exc=exc, countdown=5 * 2 ** task.request.retries)
        logger.exception("%s job %s: database unavailable", task.name, job_id)
        job_fail(job, error=f"数据库连接失败，{what}未完成，未写入任何数据。请稍后重试。")
        return
    except Exception:
        logger.exception("%s job %s failed", task.name, job_id)
        job_fail(job, error=f"{what}时发生系统错误，未写入任何数据。请联系系统管理员（任务编号 #{job_id}）。")
        return
    if report.ok:
        job_finish(job, result=report.as_result())
    else:
        job_fail(job, error=report.summary(), result=report.as_result())


def fail_if_abandoned(job_id: int, *, what: str = "导入") -> None:
    """A job left running past the hard time limit lost its worker (killed, restarted): say so on its page."""
    from django.utils import timezone

    from .choices import JobStatus
    from .models import Job
    from .services import job_fail

    cutoff = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    job = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, started_at__lt=cutoff).first()
    if job is not None:
        job_fail(job, error=f"{what}任务中断（后台进程意外退出），未写入任何数据。请重新提交。")
