"""工作日历: the administrator's page to enter each year's announced holidays and make-up working days."""
import calendar as _calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from .audit import audit
from .choices import AuditAction
from .models import CalendarDay, CalendarYear
from .permissions import is_admin, require
from .workdays import calendar_changed, calendar_covers

MAX_PERIOD_DAYS = 15
MAX_MAKEUP_DISTANCE = 45  # days between a make-up working day and its holiday period
MAKEUP_SUFFIX = "调休上班"
ENTERED_SOURCE = "管理员录入"
YEAR_RANGE = range(2000, 2101)
WEEKDAYS = "一二三四五六日"


def _today() -> date:
    return timezone.localdate()


def _label(d: date) -> str:
    return f"{d.isoformat()}（星期{WEEKDAYS[d.weekday()]}）"


# ---- the form -------------------------------------------------------------------------------------------------

class HolidayPeriodForm(forms.Form):
    """One holiday period of the State Council's announcement, with its make-up working days."""

    name = forms.CharField(
        label="假日名称", max_length=50 - len(MAKEUP_SUFFIX), help_text="如 春节、劳动节、中秋节、国庆节",
        error_messages={"required": "请填写假日名称。", "max_length": "假日名称不能超过 %(limit_value)d 个字。"},
    )
    first_day = forms.DateField(
        label="放假第一天", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写放假第一天。", "invalid": "请按 2025-10-01 的格式填写日期。"},
    )
    last_day = forms.DateField(
        label="放假最后一天", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写放假最后一天。", "invalid": "请按 2025-10-08 的格式填写日期。"},
    )
    makeup_days = forms.CharField(
        label="调休上班日期", required=False, help_text="周六或周日；多个日期用逗号、空格或换行分隔，没有则留空",
        widget=forms.TextInput(attrs={"placeholder": "例如 2025-09-28, 2025-10-11"}),
    )

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_makeup_days(self) -> list[date]:
        days = set()
        for token in re.split(r"[\s,，、;；]+", self.cleaned_data["makeup_days"].strip()):
            if not token:
                continue
            try:
                day = date.fromisoformat(token)
            except ValueError:
                raise ValidationError(f"无法识别的日期：{token}，请按 2025-09-28 的格式填写。")
            if day.weekday() < 5:
                raise ValidationError(f"调休上班日必须是周六或周日：{_label(day)}。")
            days.add(day)
        return sorted(days)

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and first.year not in YEAR_RANGE:
            self.add_error("first_day", "日期应在 2000 年至 2100 年之间。")
        if first and last:
            if last < first:
                self.add_error("last_day", "放假最后一天不能早于第一天。")
            elif (length := (last - first).days + 1) > MAX_PERIOD_DAYS:
                self.add_error("last_day", f"放假期间不能超过 {MAX_PERIOD_DAYS} 天（本次 {length} 天），"
                                           "请检查日期或分段录入。")
            else:
                for day in cleaned.get("makeup_days") or []:
                    if first <= day <= last:
                        self.add_error("makeup_days", f"调休上班日 {_label(day)} 在放假期间之内。")
                    elif min(abs((day - first).days), abs((day - last).days)) > MAX_MAKEUP_DISTANCE:
                        self.add_error("makeup_days", f"调休上班日 {_label(day)} 离放假期间超过 "
                                                      f"{MAX_MAKEUP_DISTANCE} 天，请检查年份和日期。")
        return cleaned


# ---- writes ---------------------------------------------------------------------------------------------------

def _meaning(is_workday: bool) -> str:
    return "调休上班日" if is_workday else "休息日"


@transaction.atomic
def holiday_period_add(*, name: str, first_day: date, last_day: date, makeup_days: list[date], by) -> dict:
    """Enter one announced holiday period and its make-up working days: all rows or none, audited."""
    wanted = {first_day + timedelta(days=i): (False, name) for i in range((last_day - first_day).days + 1)}
    wanted.update({d: (True, name + MAKEUP_SUFFIX) for d in makeup_days})
    existing = {row.date: row for row in CalendarDay.objects.select_for_update().filter(date__in=list(wanted))}
    conflicts = [
        f"{_label(d)} 已录入为“{row.name or '未命名'}”（{_meaning(row.is_workday)}），与本次录入冲突，请先删除原记录。"
        for d, row in sorted(existing.items()) if row.is_workday != wanted[d][0]
    ]
    if conflicts:
        raise ValidationError(conflicts)
    rows = [
        CalendarDay(date=d, is_workday=workday, name=label, source=ENTERED_SOURCE)
        for d, (workday, label) in sorted(wanted.items()) if d not in existing
    ]
    if not rows:
        raise ValidationError("这些日期均已按相同安排录入，没有新增记录。")
    try:
        with transaction.atomic():
            created = CalendarDay.objects.bulk_create(rows)
    except IntegrityError:
        raise ValidationError("部分日期刚被其他人录入，请刷新页面后重试。")
    calendar_changed()
    off = [r.date.isoformat() for r in created if not r.is_workday]
    work = [r.date.isoformat() for r in created if r.is_workday]
    summary = f"工作日历：录入{name} {first_day.isoformat()} 至 {last_day.isoformat()}，新增休息日 {len(off)} 天"
    summary += f"、调休上班日 {'、'.join(work)}" if work else "，无调休上班日"
    audit(actor=by, action=AuditAction.CREATE, target=created[0], summary=summary,
          extra={"name": name, "holidays": off, "makeup_days": work,
                 "already_entered": sorted(d.isoformat() for d in existing)})
    return {"holidays": len(off), "makeup_days": len(work), "skipped": len(existing)}


@transaction.atomic
def calendar_days_delete(*, ids: list[int], by) -> list[CalendarDay]:
    """Delete entered holidays or make-up working days, audited with what each day was."""
    rows = list(CalendarDay.objects.select_for_update().filter(pk__in=ids).order_by("date"))
    if not rows:
        raise ValidationError("要删除的记录不存在或已被删除。")
    names = "、".join(dict.fromkeys(r.name or "未命名" for r in rows))
    dates = "、".join(r.date.isoformat() for r in rows)
    audit(actor=by, action=AuditAction.DELETE, target=rows[0],
          summary=f"工作日历：删除{names}（{len(rows)} 天：{dates}）"[:500],
          extra={"days": [{"date": r.date.isoformat(), "is_workday": r.is_workday, "name": r.name,
                           "source": r.source} for r in rows]})
    CalendarDay.objects.filter(pk__in=[r.pk for r in rows]).delete()
    calendar_changed()
    return rows


@transaction.atomic
def calendar_year_complete(*, year: int, by) -> CalendarYear:
    """Mark a year's holiday arrangement entered: from now on its deadlines count its holidays."""
    if year not in YEAR_RANGE:
        raise ValidationError("年度应在 2000 年至 2100 年之间。")
    counts = CalendarDay.objects.filter(date__year=year).aggregate(
        off=Count("pk", filter=Q(is_workday=False)), work=Count("pk", filter=Q(is_workday=True))
    )
    if not counts["off"]:
        raise ValidationError(f"{year} 年尚未录入任何节假日，不能标记为录入完毕。")
    record, created = CalendarYear.objects.get_or_create(
        year=year, defaults={"source": f"{ENTERED_SOURCE}（国务院办公厅部分节假日安排的通知）", "entered_by": by}
    )
    if not created:
        raise ValidationError(f"{year} 年已标记为录入完毕。")
    calendar_changed()
    audit(actor=by, action=AuditAction.CREATE, target=record,
          summary=f"工作日历：标记 {year} 年节假日安排已录入完毕"
                  f"（休息日 {counts['off']} 天、调休上班日 {counts['work']} 天）",
          extra={"year": year, **counts})
    return record


# ---- reads for the page ---------------------------------------------------------------------------------------

@dataclass
class Period:
    """A run of consecutive holidays of one name, with the make-up working days named after it."""

    name: str
    days: list[CalendarDay]
    makeup: list[CalendarDay] = field(default_factory=list)

    @property
    def first(self) -> date:
        return self.days[0].date if self.days else self.makeup[0].date

    @property
    def last(self) -> date:
        return self.days[-1].date if self.days else self.makeup[-1].date

    @property
    def ids(self) -> list[int]:
        return [r.pk for r in self.days + self.makeup]


def periods_of(rows: list[CalendarDay]) -> list[Period]:
    """Group a year's rows into holiday periods; each make-up day joins the nearest period it is named after."""
    periods: list[Period] = []
    for row in rows:
        if row.is_workday:
            continue
        current = periods[-1] if periods else None
        if current and current.name == row.name and row.date - current.last == timedelta(days=1):
            current.days.append(row)
        else:
            periods.append(Period(row.name, [row]))
    loose: list[Period] = []
    for row in rows:
        if not row.is_workday:
            continue
        owners = [p for p in periods if p.name + MAKEUP_SUFFIX == row.name]
        if owners:
            owner = min(owners, key=lambda p: min(abs((row.date - p.first).days), abs((row.date - p.last).days)))
            owner.makeup.append(row)
        else:
            loose.append(Period(row.name, [], [row]))
    return sorted(periods + loose, key=lambda p: p.first)


def month_grids(year: int, rows: list[CalendarDay]) -> list[dict]:
    """Twelve month grids (Monday first) marking holidays, make-up working days and weekends."""
    by_date = {r.date: r for r in rows}
    months = []
    for month in range(1, 13):
        weeks = []
        for week in _calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells = []
            for d in week:
                row = by_date.get(d)
                if d.month != month:
                    kind, title = "outside", ""
                elif row is not None:
                    kind, title = ("work" if row.is_workday else "off"), row.name
                else:
                    kind, title = ("weekend" if d.weekday() >= 5 else "plain"), ""
                cells.append({"day": d.day if d.month == month else "", "kind": kind, "title": title})
            weeks.append(cells)
        months.append({"month": month, "weeks": weeks})
    return months


def year_overview(today: date) -> list[dict]:
    """Every year with entered rows or marked entered, plus this year and next: counts and status."""
    counts = {
        row["y"]: row for row in CalendarDay.objects.annotate(y=ExtractYear("date")).values("y").annotate(
            off=Count("pk", filter=Q(is_workday=False)), work=Count("pk", filter=Q(is_workday=True))
        )
    }
    entered = {y.year: y for y in CalendarYear.objects.select_related("entered_by")}
    years = sorted(set(counts) | set(entered) | {today.year, today.year + 1}, reverse=True)
    return [
        {"year": y, "off": counts.get(y, {}).get("off", 0), "work": counts.get(y, {}).get("work", 0),
         "record": entered.get(y)}
        for y in years
    ]


def _chosen_year(request, today: date) -> int:
    default = today.year + 1 if today.month == 12 else today.year
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if year in YEAR_RANGE else default


# ---- views ----------------------------------------------------------------------------------------------------

def _calendar_url(year: int) -> str:
    return f"{reverse('core:calendar')}?year={year}"


@require(is_admin)
def calendar(request):
    """The years entered and, for one year, its holidays and make-up working days; POST adds a holiday period."""
    today = _today()
    year = _chosen_year(request, today)
    if request.method == "POST":
        form = HolidayPeriodForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = holiday_period_add(name=data["name"], first_day=data["first_day"],
                                            last_day=data["last_day"], makeup_days=data["makeup_days"],
                                            by=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                text = f"已录入{data['name']}：休息日 {result['holidays']} 天，调休上班日 {result['makeup_days']} 天"
                if result["skipped"]:
                    text += f"（{result['skipped']} 天此前已按相同安排录入，未改动）"
                messages.success(request, text + "。")
                return redirect(_calendar_url(data["first_day"].year))
        if form.cleaned_data.get("first_day"):
            year = form.cleaned_data["first_day"].year
    else:
        form = HolidayPeriodForm()
    rows = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
    next_year = today.year + 1
    return render(request, "core/calendar.html", {
        "form": form,
        "year": year,
        "years": year_overview(today),
        "record": CalendarYear.objects.filter(year=year).select_related("entered_by").first(),
        "periods": periods_of(rows),
        "months": month_grids(year, rows),
        "weekdays": WEEKDAYS,
        "off_count": sum(not r.is_workday for r in rows),
        "work_count": sum(r.is_workday for r in rows),
        "next_year": next_year,
        "next_year_missing": today.month == 12 and not calendar_covers(next_year),
        "breadcrumbs": [("工作日历", None)],
    })


@require(is_admin)
@require_POST
def calendar_delete(request):
    """Delete a holiday period (its holidays and make-up working days) or a single entered day."""
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    year = _chosen_year(request, _today())
    try:
        rows = calendar_days_delete(ids=ids, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        year = rows[0].date.year
        messages.success(request, f"已删除 {len(rows)} 天：{'、'.join(r.date.isoformat() for r in rows)}。")
    return redirect(_calendar_url(year))


@require(is_admin)
@require_POST
def calendar_complete(request, year: int):
    """Mark a year's holiday arrangement as completely entered."""
    try:
        calendar_year_complete(year=year, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已标记 {year} 年节假日安排录入完毕，自现在起该年的期限按此安排计算。")
    return redirect(_calendar_url(year) if year in YEAR_RANGE else reverse("core:calendar"))
