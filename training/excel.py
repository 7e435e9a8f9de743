"""The attendance import (its template headers are a public interface) and the .xlsx exports of training and conduct."""
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.db.models import Q
from django.utils import timezone

from core.models import User
from core.xlsx import Workbook

from .selectors import trainees

# Column key → the template header; aliases are other spellings accepted on import.
USERNAME, NAME, SIGNED_IN, SCORE = "username", "name", "signed_in_at", "score"
HEADERS = {USERNAME: "用户名", NAME: "姓名", SIGNED_IN: "签到时间", SCORE: "测验成绩"}
HEADER_ALIASES = {
    "账号": USERNAME, "登录名": USERNAME, "用户名（账号）": USERNAME,
    "人员姓名": NAME, "参训人员": NAME,
    "签到": SIGNED_IN, "签到日期时间": SIGNED_IN,
    "成绩": SCORE, "测验分数": SCORE, "考试成绩": SCORE, "测试成绩": SCORE,
}
PERSON_COLUMN = "用户名/姓名"
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 3000
HEADER_SEARCH_ROWS = 10  # a title line or two above the header is common in the bureau's sign-in sheets

TEMPLATE_NOTES = [
    ["“用户名”与“姓名”至少填写一列；两列都填时须一致。同名人员请填写用户名。"],
    ["“签到时间”可填“2023-05-12 09:00”或只填“09:00”（视为培训当天），不填则记为培训开始时间。"],
    ["“测验成绩”可不填；填写时为 0 到 100 的数，最多一位小数。"],
    ["表头须在前 10 行内；可保留标题行。空行会被忽略。"],
    ["整个文件全部正确才会导入；有任何错误时不导入任何一行，并逐行列出错误（第 N 行 · 列名 · 原因）。"],
    ["已签到的人员不能重复导入；同一人在文件中出现两次也会报错。"],
]


@dataclass(frozen=True)
class RowError:
    """One problem of an import file, shown as 第 N 行 · 列名 · 原因."""

    row: int
    column: str
    message: str

    def __str__(self):
        return f"第 {self.row} 行 · {self.column} · {self.message}"


class ImportRejected(Exception):
    """The file imported nothing: a file-level problem (``message``) or a list of row errors."""

    def __init__(self, errors: list[RowError] | None = None, message: str = ""):
        self.errors = errors or []
        self.message = message
        super().__init__(message or f"{len(self.errors)} 处错误")


def attendance_template() -> Workbook:
    """The sign-in sheet template: the four headers and a sheet of instructions."""
    book = Workbook()
    book.add_sheet("签到表", list(HEADERS.values()), [], widths=[16, 12, 20, 10])
    book.add_sheet("填写说明", ["填写说明"], TEMPLATE_NOTES, widths=[100])
    return book


def _header_key(value) -> str | None:
    text = re.sub(r"\s+", "", str(value or ""))
    text = text.replace("*", "").replace("＊", "")
    for key, header in HEADERS.items():
        if text == header:
            return key
    return HEADER_ALIASES.get(text)


@dataclass
class SheetRow:
    """One data row of an import file: its Excel row number and the values of the recognised columns."""

    number: int
    values: dict


def read_attendance_file(upload) -> list[SheetRow]:
    """The rows of an uploaded sign-in sheet; a file that cannot be read, or has no header, is rejected whole."""
    from openpyxl import load_workbook

    name = getattr(upload, "name", "") or ""
    suffix = PurePath(name).suffix.lower()
    if suffix != ".xlsx":
        hint = "请在 Excel 或 WPS 中另存为 Excel 工作簿（.xlsx）后再导入。" if suffix in (".xls", ".csv", ".et") else ""
        raise ImportRejected(message=f"只能导入 .xlsx 格式的 Excel 文件，所选文件是“{suffix or '无扩展名'}”。{hint}")
    if upload.size > MAX_IMPORT_BYTES:
        raise ImportRejected(message=f"文件过大：签到表不能超过 {MAX_IMPORT_BYTES // 1048576} MB。")
    try:
        upload.seek(0)
        book = load_workbook(upload, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ImportRejected(message="文件不是有效的 .xlsx 工作簿，无法读取（可能已损坏或只是改了扩展名）。"
                                     "请下载模板填写后再导入。") from exc
    except Exception as exc:  # openpyxl raises assorted errors for malformed packages
        raise ImportRejected(message=f"文件无法读取：{exc.__class__.__name__}。请下载模板填写后再导入。") from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        columns, header_row = None, 0
        for number, values in enumerate(rows, start=1):
            keys = [_header_key(v) for v in values]
            if USERNAME in keys or NAME in keys:
                columns, header_row = {i: k for i, k in enumerate(keys) if k}, number
                break
            if number >= HEADER_SEARCH_ROWS:
                break
        if columns is None:
            raise ImportRejected(message="未找到表头：第一个工作表的前 10 行中应有一行包含“用户名”或“姓名”列"
                                         "（可下载模板对照）。")
        result = []
        for number, values in enumerate(rows, start=header_row + 1):
            cells = {key: values[i] for i, key in columns.items() if i < len(values)}
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
                continue
            result.append(SheetRow(number, cells))
            if len(result) > MAX_IMPORT_ROWS:
                raise ImportRejected(message=f"行数过多：一次最多导入 {MAX_IMPORT_ROWS} 人。")
        return result
    finally:
        book.close()


# -- validating rows ----------------------------------------------------------------------------------------

_TIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y.%m.%d %H:%M",
                 "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
_CLOCK_FORMATS = ["%H:%M", "%H:%M:%S"]


def parse_sign_in(value, session) -> datetime:
    """A sign-in cell as an aware datetime on the session's day; a blank cell is the session's start."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return session.starts_at
    moment = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, time):
        moment = datetime.combine(session.date, value)
    elif isinstance(value, date):
        raise ValueError("只有日期，请同时填写时间（如 09:00）")
    elif isinstance(value, str):
        text = re.sub(r"\s+", " ", value.strip().replace("：", ":"))
        for fmt in _TIME_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                pass
        else:
            for fmt in _CLOCK_FORMATS:
                try:
                    moment = datetime.combine(session.date, datetime.strptime(text, fmt).time())
                    break
                except ValueError:
                    pass
    if moment is None:
        raise ValueError(f"无法识别“{value}”，请填写如 2023-05-12 09:00 或 09:00")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if timezone.localtime(moment).date() != session.date:
        raise ValueError(f"签到时间须在培训当天（{session.date:%Y-%m-%d}）")
    return moment


def parse_score(value) -> Decimal | None:
    """A quiz score: blank, or 0–100 with at most one decimal."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("不是有效的成绩")
    try:
        text = value.strip().removesuffix("分") if isinstance(value, str) else repr(value)
        score = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValueError(f"“{value}”不是有效的成绩")
    if not score.is_finite():
        raise ValueError(f"“{value}”不是有效的成绩")
    if not Decimal("0") <= score <= Decimal("100"):
        raise ValueError(f"成绩须在 0 到 100 之间，填写的是 {value}")
    if score != score.quantize(Decimal("0.1")):
        raise ValueError("成绩最多保留一位小数")
    return score.quantize(Decimal("0.1"))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric user name typed into Excel
    return str(value).strip()


@dataclass
class ResolvedRow:
    row: int
    user: User
    signed_in_at: datetime
    score: Decimal | None


def resolve_attendance_rows(session, rows: list[SheetRow]) -> tuple[list[ResolvedRow], list[RowError]]:
    """Match every row to a staff member and check its time and score; the errors list every problem found."""
    usernames = {_text(r.values.get(USERNAME)) for r in rows} - {""}
    names = {_text(r.values.get(NAME)) for r in rows} - {""}
    by_username = {u.username: u for u in User.objects.filter(username__in=usernames)}
    missing = usernames - set(by_username)
    by_username_ci = {}
    if missing and len(missing) <= 200:  # user names typed with a different case
        query = Q()
        for n in missing:
            query |= Q(username__iexact=n)
        by_username_ci = {u.username.casefold(): u for u in User.objects.filter(query)}
    by_name: dict[str, list[User]] = {}
    for u in trainees().filter(full_name__in=names):
        by_name.setdefault(u.full_name, []).append(u)
    candidate_ids = {u.pk for u in by_username.values()} | {u.pk for u in by_username_ci.values()}
    staff_ids = set(trainees().filter(pk__in=candidate_ids).values_list("pk", flat=True))
    staff_ids |= {u.pk for group in by_name.values() for u in group}
    already = dict(session.attendances.values_list("user_id", "signed_in_at"))

    resolved, errors, seen = [], [], {}
    for r in rows:
        errors_before = len(errors)
        username, name = _text(r.values.get(USERNAME)), _text(r.values.get(NAME))
        user, column = None, HEADERS[USERNAME] if username else HEADERS[NAME]
        if not username and not name:
            errors.append(RowError(r.number, PERSON_COLUMN, "用户名和姓名都没有填写"))
        elif username:
            user = by_username.get(username) or by_username_ci.get(username.casefold())
            if user is None:
                errors.append(RowError(r.number, column, f"系统中没有用户名“{username}”"))
            elif name and name not in (user.full_name, user.display_name):
                errors.append(RowError(r.number, HEADERS[NAME],
                                       f"与用户名“{username}”对应的姓名是“{user.display_name}”，与填写的“{name}”不一致"))
                user = None
        else:
            found = by_name.get(name, [])
            if not found:
                errors.append(RowError(r.number, column, f"系统中没有名为“{name}”的在册工作人员"))
            elif len(found) > 1:
                errors.append(RowError(r.number, column, f"有 {len(found)} 名工作人员同名“{name}”，请改填用户名"))
            else:
                user = found[0]
        if user is not None:
            if not user.is_active:
                errors.append(RowError(r.number, column, f"“{user.display_name}”的账号已停用"))
                user = None
            elif user.pk not in staff_ids:
                errors.append(RowError(r.number, column, f"“{user.display_name}”未分配角色，不是在册工作人员"))
                user = None
        if user is not None:
            if user.pk in seen:
                errors.append(RowError(r.number, column, f"与第 {seen[user.pk]} 行是同一人（{user.display_name}），"
                                                         "请删除重复行"))
                user = None
            else:
                seen[user.pk] = r.number
                if user.pk in already:
                    at = timezone.localtime(already[user.pk])
                    errors.append(RowError(r.number, column,
                                           f"“{user.display_name}”已于 {at:%H:%M} 签到，不能重复录入"))
                    user = None
        signed_in_at = score = None
        try:
            signed_in_at = parse_sign_in(r.values.get(SIGNED_IN), session)
        except ValueError as exc:
            errors.append(RowError(r.number, HEADERS[SIGNED_IN], str(exc)))
        try:
            score = parse_score(r.values.get(SCORE))
        except ValueError as exc:
            errors.append(RowError(r.number, HEADERS[SCORE], str(exc)))
        if user is not None and signed_in_at is not None and len(errors) == errors_before:
            resolved.append(ResolvedRow(r.number, user, signed_in_at, score))
    errors.sort(key=lambda e: e.row)
    return resolved, errors


# -- exports ------------------------------------------------------------------------------------------------


def _local(moment: datetime | None) -> datetime | None:
    """An aware datetime as the bureau's wall-clock time (the workbook stores no time zone)."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


SESSION_HEADERS = ["培训日期", "开始时间", "结束时间", "培训主题", "培训类别", "主讲人", "学时", "培训地点", "参训对象",
                   "主办股室", "签到人数", "资料数"]


def sessions_workbook(queryset) -> Workbook:
    """The session list as filtered on the page (the queryset carries attendee and material counts)."""
    rows = (
        [s.date, s.start_time, s.end_time, s.topic, s.get_kind_display(), s.lecturer, s.hours, s.place, s.audience,
         s.organiser.name if s.organiser else "", s.attendee_count, s.material_count]
        for s in queryset.iterator(chunk_size=2000)
    )
    book = Workbook()
    book.add_sheet("培训场次", SESSION_HEADERS, rows, widths=[12, 10, 10, 40, 18, 12, 8, 24, 24, 18, 10, 8])
    return book


ATTENDANCE_HEADERS = ["用户名", "姓名", "所属单位", "签到时间", "测验成绩", "学时", "来源"]


def session_attendance_workbook(session, attendances) -> Workbook:
    """One session's sign-in sheet (same first columns as the import template)."""
    rows = (
        [a.user.username, a.user.display_name, _unit(a.user), _local(a.signed_in_at), a.score, session.hours,
         a.get_source_display()]
        for a in attendances
    )
    book = Workbook()
    book.add_sheet("签到表", ATTENDANCE_HEADERS, rows, widths=[16, 12, 24, 20, 10, 8, 12])
    return book


def _unit(user) -> str:
    if user.office_id:
        return user.office.name
    if user.department_id:
        return user.department.name
    return ""


STAFF_HEADERS = ["用户名", "姓名", "所属单位", "年度", "参训场次", "年度学时", "要求学时", "差额学时", "是否达标"]


def staff_hours_workbook(queryset, *, year: int, required: Decimal | None) -> Workbook:
    """Staff with their hours in the year against the requirement (the list of staff behind when filtered so)."""
    def rows():
        for u in queryset.iterator(chunk_size=2000):
            short = None if required is None else max(required - u.year_hours, Decimal("0"))
            met = "" if required is None else ("是" if u.year_hours >= required else "否")
            yield [u.username, u.display_name, _unit(u), year, u.year_sessions, u.year_hours, required, short, met]

    book = Workbook()
    book.add_sheet(f"{year}年学时", STAFF_HEADERS, rows(), widths=[16, 12, 26, 8, 10, 10, 10, 10, 10])
    return book


FINDING_HEADERS = ["督查计划", "督查类型", "被督查单位", "督查日期", "发现问题", "整改要求", "整改责任人", "整改期限",
                   "状态", "是否逾期", "整改完成日期", "整改情况", "销号日期", "销号说明"]


def findings_workbook(queryset) -> Workbook:
    """Conduct findings and their rectification, as filtered on the tracking page."""
    today = timezone.localdate()
    rows = (
        [f.inspection.plan.title, f.inspection.plan.get_kind_display(), str(f.inspection.unit),
         f.inspection.inspected_on, f.problem, f.requirement, str(f.responsible), f.deadline, f.get_status_display(),
         "是" if f.status == "pending" and f.deadline < today else "", f.rectified_on, f.rectification_note,
         f.closed_on, f.closing_note]
        for f in queryset.iterator(chunk_size=2000)
    )
    book = Workbook()
    book.add_sheet("督查问题整改", FINDING_HEADERS, rows,
                   widths=[28, 14, 22, 12, 40, 40, 12, 12, 8, 8, 12, 40, 12, 30])
    return book


CLUE_HEADERS = ["线索编号", "收到日期", "线索来源", "涉及单位或人员", "线索内容", "状态", "办结结论", "办结日期",
                "核查情况"]


def clues_workbook(clues) -> Workbook:
    """Clue records for the discipline role (the only role that can reach this export)."""
    rows = (
        [c.number, c.received_on, c.get_source_display(), c.subject, c.content, c.get_status_display(),
         c.get_outcome_display() if c.outcome else "", c.concluded_on, c.verification_note]
        for c in clues
    )
    book = Workbook()
    book.add_sheet("问题线索", CLUE_HEADERS, rows, widths=[14, 12, 14, 24, 60, 8, 10, 12, 40])
    return book
