"""The deadline engine: working days on the Chinese calendar and the rule table, for every capability.

Every later capability computes a statutory deadline with ``deadline(code, start)``; nothing else counts days.

The calendar is the Monday–Friday week corrected by ``CalendarDay`` rows (holidays on weekdays, make-up
working days on weekends), but only for years marked entered by a ``CalendarYear`` row: an administrator enters
a year's holidays and then marks the year complete, so deadlines never shift on a half-entered year. Years not
entered count weekends only; pages warn with ``calendar_covers(year)`` / ``uncovered_years(first, last)``.

The calendar and the rules are read in three small queries and kept per process. The copy is dropped when a
``CalendarDay``, ``CalendarYear`` or ``TimeLimitRule`` is saved or deleted in this process (again when that
transaction commits), and reloaded at most ``CACHE_SECONDS`` later in every other process. A transaction that
changes the calendar reads its own uncommitted rows without sharing them, so a rollback leaves no trace.
Code writing rows in bulk (``bulk_create``, ``QuerySet.update``/``delete``) calls ``calendar_changed()``.
"""
from __future__ import annotations

import calendar as _calendar
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .choices import LimitUnit
from .models import CalendarDay, CalendarYear, TimeLimitRule

CACHE_SECONDS = 60
MAX_WORKDAYS = 20_000  # about eighty years: beyond it the input is a mistake, not a deadline

__all__ = [
    "RuleNotFound", "WorkdayError", "add_period", "add_workdays", "calendar_changed", "calendar_covers", "deadline",
    "is_workday", "rule_for", "uncovered_years", "workdays_between",
]


class WorkdayError(ValueError):
    """A day count or period the engine cannot compute (negative working days, an unknown unit)."""


class RuleNotFound(LookupError):
    """No version of a time-limit rule is in effect on the requested date."""

    def __init__(self, code: str, on: date):
        self.code, self.on = code, on
        super().__init__(
            f"没有找到时限规则“{code}”在 {on.isoformat()} 生效的版本，请在 系统管理 › 时限规则 中添加或检查生效日期。"
        )


@dataclass(frozen=True)
class _Snapshot:
    """The calendar exceptions of the entered years and every rule version, as read at one moment."""

    exceptions: dict[date, bool]
    covered: frozenset[int]
    rules: dict[str, tuple[TimeLimitRule, ...]]  # newest effective_from first
    loaded_at: float


_lock = threading.Lock()
_cached: _Snapshot | None = None
_generation = 0
_local = threading.local()  # .atomic: the outermost atomic block of this thread that changed the calendar


def _load() -> _Snapshot:
    """Read the entered years, their exceptions and the rule table (three queries)."""
    covered = frozenset(CalendarYear.objects.values_list("year", flat=True))
    exceptions = {
        d: workday for d, workday in CalendarDay.objects.values_list("date", "is_workday") if d.year in covered
    }
    rules: dict[str, list[TimeLimitRule]] = {}
    for rule in TimeLimitRule.objects.order_by("code", "-effective_from"):
        rules.setdefault(rule.code, []).append(rule)
    return _Snapshot(exceptions, covered, {c: tuple(v) for c, v in rules.items()}, time.monotonic())


def _changing_transaction_open() -> bool:
    """True while this thread is inside the transaction that changed the calendar or the rules."""
    block = getattr(_local, "atomic", None)
    if block is None:
        return False
    if connection.in_atomic_block and connection.atomic_blocks and connection.atomic_blocks[0] is block:
        return True
    _local.atomic = None  # that transaction has ended: committed (the cache was dropped) or rolled back
    return False


def _snapshot() -> _Snapshot:
    """The current calendar and rules: the per-process copy, reloaded when stale or changed."""
    global _cached
    if _changing_transaction_open():
        return _load()
    snap = _cached
    if snap is not None and time.monotonic() - snap.loaded_at < CACHE_SECONDS:
        return snap
    generation = _generation
    snap = _load()
    with _lock:
        if generation == _generation:  # nobody changed the calendar while we were reading it
            _cached = snap
    return snap


def _forget() -> None:
    global _cached, _generation
    with _lock:
        _cached = None
        _generation += 1


def calendar_changed() -> None:
    """Drop the cached calendar and rules; call after writing rows in bulk (signals cover ordinary saves)."""
    _forget()
    if connection.in_atomic_block and connection.atomic_blocks:
        _local.atomic = connection.atomic_blocks[0]
        transaction.on_commit(_forget)


def _on_change(sender, **kwargs) -> None:
    calendar_changed()


for _model in (CalendarDay, CalendarYear, TimeLimitRule):
    post_save.connect(_on_change, sender=_model, dispatch_uid=f"workdays_changed_save_{_model.__name__}")
    post_delete.connect(_on_change, sender=_model, dispatch_uid=f"workdays_changed_delete_{_model.__name__}")


def calendar_covers(year: int) -> bool:
    """Whether the year's official holiday arrangement has been entered (otherwise only weekends count)."""
    return year in _snapshot().covered


def uncovered_years(first: date, last: date) -> list[int]:
    """The years from first to last (either order) whose holidays have not been entered."""
    covered = _snapshot().covered
    low, high = sorted((first.year, last.year))
    return [y for y in range(low, high + 1) if y not in covered]


def _is_workday(d: date, exceptions: dict[date, bool]) -> bool:
    return exceptions.get(d, d.weekday() < 5)


def is_workday(d: date) -> bool:
    """Whether d is a working day: Monday to Friday, unless the entered calendar says otherwise."""
    return _is_workday(d, _snapshot().exceptions)


def add_workdays(start: date, n: int) -> date:
    """The date n working days after start, start not counted; n = 0 gives start or the next working day.

    Statutory periods start counting on the day after the triggering event, so add_workdays(d, 1) is the
    first working day after d. With n = 0 the answer is start itself when it is a working day, otherwise
    the first working day after it (the earliest day an office can act on).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise WorkdayError(f"工作日数必须是不小于 0 的整数，收到：{n!r}")
    if n > MAX_WORKDAYS:
        raise WorkdayError(f"工作日数过大（{n}），最多 {MAX_WORKDAYS}。")
    exceptions = _snapshot().exceptions
    d = start
    if n == 0:
        while not _is_workday(d, exceptions):
            d += timedelta(days=1)
        return d
    remaining = n
    while remaining:
        d += timedelta(days=1)
        if _is_workday(d, exceptions):
            remaining -= 1
    return d


def workdays_between(d1: date, d2: date) -> int:
    """The working days after d1 up to and including d2; negative (minus those after d2 up to d1) if d2 < d1.

    So workdays_between(d, add_workdays(d, n)) == n for every n ≥ 1, and workdays_between(d, d) == 0.
    """
    if d2 < d1:
        return -workdays_between(d2, d1)
    exceptions = _snapshot().exceptions
    count, d = 0, d1
    while d < d2:
        d += timedelta(days=1)
        count += _is_workday(d, exceptions)
    return count


def _add_months(start: date, months: int) -> date:
    """The same day of the month, months later (or earlier), clamped to the month's last day."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise WorkdayError(f"期限超出可计算的日期范围：{start.isoformat()} 加 {months} 个月。")
    return date(year, month, min(start.day, _calendar.monthrange(year, month)[1]))


def add_period(start: date, amount: int, unit: LimitUnit | str) -> date:
    """The end of a period of amount units from start: working days, calendar days, months or years.

    Months and years keep the day of the month, clamped to the month's end (1-31 + 1 month = 2-28 or 2-29,
    2024-02-29 + 1 year = 2025-02-28). Calendar units accept a negative amount for "N days before" reminders.
    """
    if unit == LimitUnit.WORKDAY:
        return add_workdays(start, amount)
    if unit == LimitUnit.DAY:
        try:
            return start + timedelta(days=amount)
        except OverflowError:
            raise WorkdayError(f"期限超出可计算的日期范围：{start.isoformat()} 加 {amount} 日。")
    if unit == LimitUnit.MONTH:
        return _add_months(start, amount)
    if unit == LimitUnit.YEAR:
        return _add_months(start, amount * 12)
    raise WorkdayError(f"未知的期限单位：{unit!r}")


def rule_for(code: str, on: date | None = None) -> TimeLimitRule:
    """The version of a rule in effect on a date (today if omitted): the latest effective_from on or before it.

    The returned row is shared by the per-process cache: read it, do not modify it.
    """
    on = on or timezone.localdate()
    for rule in _snapshot().rules.get(code, ()):
        if rule.effective_from <= on:
            return rule
    raise RuleNotFound(code, on)


def deadline(code: str, start: date) -> tuple[date, TimeLimitRule]:
    """The due date of a statutory time limit counted from start, and the rule version in effect on start."""
    rule = rule_for(code, on=start)
    return add_period(start, rule.amount, rule.unit), rule
