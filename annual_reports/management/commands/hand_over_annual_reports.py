"""`manage.py hand_over_annual_reports [--date YYYY-MM-DD]`: the nightly hand-over of the latest past-deadline
season's non-filers to the listings workflow, run by hand (idempotent)."""
from datetime import date as Date

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("将已过报送截止日期的最近一个年度中仍未报送、尚未移交的主体移交列异流程"
            "（每天夜间定时任务也会执行；可重复运行）")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="移交日（默认今天），格式 YYYY-MM-DD")

    def handle(self, *args, date: str | None = None, **options):
        from annual_reports.services import season_hand_over_due

        try:
            today = Date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{date}") from None
        result = season_hand_over_due(today=today)
        if result["season"] is None:
            self.stdout.write("没有已过报送截止日期的年报季，或列异功能尚未上线，未移交任何主体")
        else:
            self.stdout.write(f"{result['season']} 年度年报：本次移交列异流程 {result['opened']} 户")
