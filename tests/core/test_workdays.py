"""The deadline engine against the official calendar; every expected date is written by hand from the
State Council's announcements (国务院办公厅关于2023年、2024年部分节假日安排的通知), never computed by the code."""
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import transaction

from core import workdays
from core.choices import LimitUnit
from core.models import CalendarDay, CalendarYear, TimeLimitRule
from core.workdays import (
    RuleNotFound,
    WorkdayError,
    add_period,
    add_workdays,
    calendar_covers,
    deadline,
    is_workday,
    rule_for,
    uncovered_years,
    workdays_between,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts from what the database holds, not from another test's cached copy."""
    workdays._forget()
    yield
    workdays._forget()


# ---- the seeded calendar --------------------------------------------------------------------------------------

def test_seed_covers_the_package_years():
    assert calendar_covers(2004) and calendar_covers(2023) and calendar_covers(2026)
    assert not calendar_covers(2003) and not calendar_covers(2027)
    assert CalendarDay.objects.get(date=date(2023, 1, 22)).name == "春节"
    assert CalendarDay.objects.get(date=date(2023, 1, 28)).name == "春节调休上班"
    assert CalendarDay.objects.get(date=date(2015, 9, 3)).name == "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"
    assert CalendarDay.objects.get(date=date(2024, 4, 4)).name == "清明节"
    assert CalendarDay.objects.get(date=date(2023, 1, 28)).source == "chinesecalendar 1.11.0"


@pytest.mark.parametrize("day, expected", [
    # 2023 春节：1月21日至27日放假，1月28日（周六）、29日（周日）上班
    (date(2023, 1, 20), True), (date(2023, 1, 21), False), (date(2023, 1, 23), False), (date(2023, 1, 27), False),
    (date(2023, 1, 28), True), (date(2023, 1, 29), True), (date(2023, 1, 30), True),
    # 2024 春节：2月10日至17日放假，2月4日（周日）、18日（周日）上班
    (date(2024, 2, 4), True), (date(2024, 2, 9), True), (date(2024, 2, 10), False), (date(2024, 2, 15), False),
    (date(2024, 2, 17), False), (date(2024, 2, 18), True), (date(2024, 2, 24), False),
    # 2023 劳动节：4月29日至5月3日放假，4月23日（周日）、5月6日（周六）上班
    (date(2023, 4, 23), True), (date(2023, 4, 28), True), (date(2023, 4, 29), False), (date(2023, 5, 2), False),
    (date(2023, 5, 3), False), (date(2023, 5, 4), True), (date(2023, 5, 6), True), (date(2023, 5, 7), False),
    # 2024 劳动节：5月1日至5日放假，4月28日（周日）、5月11日（周六）上班
    (date(2024, 4, 28), True), (date(2024, 5, 1), False), (date(2024, 5, 3), False), (date(2024, 5, 6), True),
    (date(2024, 5, 11), True), (date(2024, 5, 12), False),
    # 2023 中秋、国庆：9月29日至10月6日放假，10月7日（周六）、8日（周日）上班
    (date(2023, 9, 28), True), (date(2023, 9, 29), False), (date(2023, 10, 2), False), (date(2023, 10, 6), False),
    (date(2023, 10, 7), True), (date(2023, 10, 8), True),
    # 2024 国庆：10月1日至7日放假，9月29日（周日）、10月12日（周六）上班
    (date(2024, 9, 29), True), (date(2024, 9, 30), True), (date(2024, 10, 1), False), (date(2024, 10, 7), False),
    (date(2024, 10, 8), True), (date(2024, 10, 12), True), (date(2024, 10, 13), False),
])
def test_is_workday_follows_the_official_calendar(day, expected):
    assert is_workday(day) is expected


@pytest.mark.parametrize("start, n, expected", [
    # 春节 2023
    (date(2023, 1, 20), 1, date(2023, 1, 28)),
    (date(2023, 1, 20), 2, date(2023, 1, 29)),
    (date(2023, 1, 20), 3, date(2023, 1, 30)),
    (date(2023, 1, 19), 10, date(2023, 2, 7)),
    # 春节 2024
    (date(2024, 2, 2), 1, date(2024, 2, 4)),
    (date(2024, 2, 2), 6, date(2024, 2, 9)),
    (date(2024, 2, 2), 7, date(2024, 2, 18)),
    (date(2024, 2, 8), 10, date(2024, 2, 28)),
    # 劳动节 2023
    (date(2023, 4, 21), 1, date(2023, 4, 23)),
    (date(2023, 4, 27), 3, date(2023, 5, 5)),
    (date(2023, 4, 27), 4, date(2023, 5, 6)),
    (date(2023, 4, 27), 5, date(2023, 5, 8)),
    # 劳动节 2024
    (date(2024, 4, 26), 1, date(2024, 4, 28)),
    (date(2024, 4, 30), 1, date(2024, 5, 6)),
    (date(2024, 5, 9), 2, date(2024, 5, 11)),
    # 国庆 2023
    (date(2023, 9, 27), 3, date(2023, 10, 8)),
    (date(2023, 9, 28), 1, date(2023, 10, 7)),
    (date(2023, 9, 25), 10, date(2023, 10, 13)),
    # 国庆 2024
    (date(2024, 9, 27), 1, date(2024, 9, 29)),
    (date(2024, 9, 27), 3, date(2024, 10, 8)),
    (date(2024, 9, 30), 5, date(2024, 10, 12)),
])
def test_add_workdays_around_holidays(start, n, expected):
    assert add_workdays(start, n) == expected


def test_add_zero_workdays_gives_the_day_itself_or_the_next_working_day():
    assert add_workdays(date(2024, 2, 9), 0) == date(2024, 2, 9)
    assert add_workdays(date(2024, 2, 11), 0) == date(2024, 2, 18)  # inside the Spring Festival
    assert add_workdays(date(2023, 4, 29), 0) == date(2023, 5, 4)


@pytest.mark.parametrize("n", [-1, 1.5, "3", True])
def test_add_workdays_refuses_bad_counts(n):
    with pytest.raises(WorkdayError, match="不小于 0 的整数"):
        add_workdays(date(2024, 1, 1), n)


@pytest.mark.parametrize("d1, d2, expected", [
    (date(2023, 1, 20), date(2023, 1, 31), 4),  # 1-28, 1-29, 1-30, 1-31
    (date(2023, 4, 28), date(2023, 5, 7), 3),  # 5-4, 5-5, 5-6
    (date(2024, 4, 26), date(2024, 5, 12), 9),
    (date(2023, 9, 28), date(2023, 10, 9), 3),  # 10-7, 10-8, 10-9
    (date(2024, 9, 27), date(2024, 10, 13), 7),
    (date(2024, 10, 1), date(2024, 10, 7), 0),
    (date(2024, 3, 4), date(2024, 3, 4), 0),
    (date(2023, 10, 9), date(2023, 9, 28), -3),
])
def test_workdays_between(d1, d2, expected):
    assert workdays_between(d1, d2) == expected


def test_workdays_between_undoes_add_workdays():
    start = date(2023, 12, 20)
    for n in (1, 5, 17, 60, 250):
        assert workdays_between(start, add_workdays(start, n)) == n


# ---- years not entered ----------------------------------------------------------------------------------------

def test_a_year_not_entered_counts_weekends_only():
    # 2031-01-01 is a Wednesday; no holidays are known for 2031.
    assert not calendar_covers(2031)
    assert add_workdays(date(2031, 1, 1), 3) == date(2031, 1, 6)
    assert workdays_between(date(2031, 1, 2), date(2031, 1, 13)) == 7
    assert uncovered_years(date(2026, 12, 1), date(2028, 1, 5)) == [2027, 2028]
    assert uncovered_years(date(2024, 1, 1), date(2023, 1, 1)) == []


def test_holidays_of_a_year_count_only_once_the_year_is_marked_entered():
    CalendarDay.objects.create(date=date(2031, 1, 2), is_workday=False, name="元旦")
    assert add_workdays(date(2031, 1, 1), 1) == date(2031, 1, 2)  # entered, but 2031 is not marked complete
    CalendarYear.objects.create(year=2031, source="测试")
    assert calendar_covers(2031)
    assert add_workdays(date(2031, 1, 1), 1) == date(2031, 1, 3)


# ---- periods --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("start, amount, unit, expected", [
    (date(2023, 1, 31), 1, LimitUnit.MONTH, date(2023, 2, 28)),
    (date(2024, 1, 31), 1, LimitUnit.MONTH, date(2024, 2, 29)),
    (date(2023, 8, 31), 3, LimitUnit.MONTH, date(2023, 11, 30)),
    (date(2023, 11, 30), 3, LimitUnit.MONTH, date(2024, 2, 29)),
    (date(2023, 10, 15), 6, LimitUnit.MONTH, date(2024, 4, 15)),
    (date(2024, 5, 31), -3, LimitUnit.MONTH, date(2024, 2, 29)),
    (date(2024, 2, 29), 1, LimitUnit.YEAR, date(2025, 2, 28)),
    (date(2024, 2, 29), 4, LimitUnit.YEAR, date(2028, 2, 29)),
    (date(2021, 9, 1), 3, LimitUnit.YEAR, date(2024, 9, 1)),
    (date(2024, 2, 20), 30, LimitUnit.DAY, date(2024, 3, 21)),
    (date(2024, 3, 1), -60, LimitUnit.DAY, date(2024, 1, 1)),
    (date(2023, 9, 28), 1, LimitUnit.WORKDAY, date(2023, 10, 7)),
    (date(2023, 9, 28), 1, "workday", date(2023, 10, 7)),
])
def test_add_period(start, amount, unit, expected):
    assert add_period(start, amount, unit) == expected


def test_add_period_refuses_an_unknown_unit():
    with pytest.raises(WorkdayError, match="未知的期限单位"):
        add_period(date(2024, 1, 1), 1, "fortnight")


# ---- rules ----------------------------------------------------------------------------------------------------

def test_rule_table_holds_the_time_limits_of_rules_md():
    listing = rule_for("abnormal_list_listing", on=date(2024, 1, 1))
    assert (listing.amount, listing.unit) == (10, LimitUnit.WORKDAY)
    assert "企业经营异常名录管理暂行办法" in listing.basis_label and "待核实" not in listing.basis_label
    repair = rule_for("penalty_repair_decision", on=date(2024, 1, 1))
    assert (repair.amount, repair.unit, repair.verified) == (15, LimitUnit.WORKDAY, False)
    assert repair.basis_label.endswith("（待核实）")
    national = rule_for("forced_dereg_announcement", on=date(2024, 7, 1))
    assert national.amount == 60 and "公司法" in national.legal_basis
    # Before 1 July 2024 the Fujian pilot's version applies (registry.0008, an unverified default).
    pilot = rule_for("forced_dereg_announcement", on=date(2024, 6, 30))
    assert "试点" in pilot.legal_basis and pilot.basis_label.endswith("（待核实）")


def test_rule_for_picks_the_version_in_effect():
    TimeLimitRule.objects.create(
        code="simple_dereg_publicity", name="简易注销公示期", amount=45, unit=LimitUnit.DAY,
        legal_basis="测试用旧版本", effective_from=date(2017, 3, 1),
    )
    assert rule_for("simple_dereg_publicity", on=date(2020, 1, 1)).amount == 45
    assert rule_for("simple_dereg_publicity", on=date(2022, 2, 28)).amount == 45
    assert rule_for("simple_dereg_publicity", on=date(2022, 3, 1)).amount == 20
    due, rule = deadline("simple_dereg_publicity", date(2021, 6, 1))
    assert (due, rule.amount) == (date(2021, 7, 16), 45)
    due, rule = deadline("simple_dereg_publicity", date(2023, 6, 1))
    assert (due, rule.amount) == (date(2023, 6, 21), 20)
    with pytest.raises(RuleNotFound, match="2017-02-28"):
        rule_for("simple_dereg_publicity", on=date(2017, 2, 28))


def test_unknown_rule_has_a_chinese_error():
    with pytest.raises(RuleNotFound) as excinfo:
        deadline("no_such_rule", date(2024, 1, 1))
    assert "没有找到时限规则“no_such_rule”" in str(excinfo.value)
    assert excinfo.value.code == "no_such_rule"


def test_deadline_counts_working_days_through_national_day():
    due, rule = deadline("abnormal_list_listing", date(2023, 9, 25))
    assert due == date(2023, 10, 13) and rule.code == "abnormal_list_listing"
    due, _ = deadline("penalty_publicity", date(2024, 9, 20))
    assert due == date(2024, 10, 23)
    due, _ = deadline("abnormal_list_objection", date(2024, 9, 20))
    assert due == date(2024, 10, 20)  # 30 calendar days


def test_deadline_sees_a_rule_edited_in_the_same_process():
    assert deadline("repair_acceptance", date(2024, 3, 4))[0] == date(2024, 3, 7)
    TimeLimitRule.objects.filter(code="repair_acceptance").update(amount=5)
    workdays.calendar_changed()  # bulk updates send no signals
    assert deadline("repair_acceptance", date(2024, 3, 4))[0] == date(2024, 3, 11)
    rule = TimeLimitRule.objects.get(code="repair_acceptance")
    rule.amount = 2
    rule.save()
    assert deadline("repair_acceptance", date(2024, 3, 4))[0] == date(2024, 3, 6)


def test_rolled_back_calendar_change_leaves_no_trace():
    class Boom(Exception):
        pass

    assert add_workdays(date(2024, 10, 11), 1) == date(2024, 10, 12)
    with pytest.raises(Boom), transaction.atomic():
        CalendarDay.objects.filter(date=date(2024, 10, 12)).delete()
        assert add_workdays(date(2024, 10, 11), 1) == date(2024, 10, 14)  # the transaction sees its own change
        raise Boom
    assert add_workdays(date(2024, 10, 11), 1) == date(2024, 10, 12)


def test_deadlines_in_a_loop_read_the_database_a_bounded_number_of_times(django_assert_max_num_queries):
    starts = [date(2023, 1, 1) + timedelta(days=i) for i in range(730)]
    with django_assert_max_num_queries(3):
        for _ in range(5):
            for start in starts:
                deadline("abnormal_list_listing", start)
                deadline("penalty_publicity_long", start)
        assert calendar_covers(2024)


# ---- the management command -----------------------------------------------------------------------------------

def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("workdays", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def test_command_add_and_between():
    assert _run("add", "2023-09-27", "3") == ("2023-10-08", "")
    assert _run("add", "2024-02-08", "10") == ("2024-02-28", "")
    assert _run("between", "2023-09-28", "2023-10-09") == ("3", "")
    assert _run("between", "2023-10-09", "2023-09-28") == ("-3", "")


def test_command_warns_about_a_year_not_entered():
    out, err = _run("add", "2031-01-01", "3")
    assert out == "2031-01-06"
    assert "2031 年节假日安排尚未录入" in err


@pytest.mark.parametrize("args, message", [
    (("add", "2023-13-01", "3"), "日期格式不正确"),
    (("add", "2023-10-01", "-2"), "不小于 0 的整数"),
    (("add", "2023-10-01", "三"), "不小于 0 的整数"),
    (("between", "2023-10-01", "昨天"), "日期格式不正确"),
    (("subtract", "2023-10-01", "3"), "用法"),
    (("add", "2023-10-01"), "用法"),
])
def test_command_refuses_bad_input_in_chinese(args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)


def test_command_exit_codes(capsys):
    execute_from_command_line(["manage.py", "workdays", "between", "2024-09-27", "2024-10-13"])
    assert capsys.readouterr().out.strip() == "7"
    with pytest.raises(SystemExit) as excinfo:
        execute_from_command_line(["manage.py", "workdays", "add", "2024-02-30", "1"])
    assert excinfo.value.code != 0
    assert "日期格式不正确：2024-02-30" in capsys.readouterr().err
