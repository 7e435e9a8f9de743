"""`manage.py workdays add DATE N` and `workdays between DATE1 DATE2`: the deadline engine, for checks by hand."""
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from core.workdays import WorkdayError, add_workdays, uncovered_years, workdays_between

USAGE = "用法：manage.py workdays add 日期 N  或  manage.py workdays between 日期1 日期2（日期格式 YYYY-MM-DD）"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式不正确：{text}，应为 YYYY-MM-DD，例如 2023-10-09。")


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise CommandError(f"工作日数必须是不小于 0 的整数：{text}")
    return n


class Command(BaseCommand):
    help = (
        "按工作日历计算：add 日期 N 输出该日期之后第 N 个工作日（当天不计）；"
        "between 日期1 日期2 输出日期1之后至日期2（含）的工作日数，日期2早于日期1时为负数。"
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("words", nargs="*", metavar="参数", help="add 日期 N，或 between 日期1 日期2")

    def handle(self, *args, words: list[str], **options):
        if len(words) != 3 or words[0] not in ("add", "between"):
            raise CommandError(USAGE)
        action, first, second = words
        start = _date(first)
        try:
            if action == "add":
                result = add_workdays(start, _count(second))
                end, output = result, result.isoformat()
            else:
                end = _date(second)
                output = str(workdays_between(start, end))
        except WorkdayError as exc:
            raise CommandError(str(exc))
        for year in uncovered_years(start, end):
            self.stderr.write(f"警告：{year} 年节假日安排尚未录入，该年只按周末计算。")
        self.stdout.write(output)
