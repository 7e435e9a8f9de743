"""`manage.py dereg_chase_feedback [--date YYYY-MM-DD]`: chase overdue member-department feedback (once a day)."""
from django.core.management.base import BaseCommand

from .dereg_screen import _parse


class Command(BaseCommand):
    help = "催办逾期未反馈强制注销征求意见的成员单位（同一天只催办一次；每天早上定时任务也会执行）"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="催办日（默认今天），格式 YYYY-MM-DD")

    def handle(self, *args, date: str | None = None, **options):
        from registry.dereg import chase_overdue_feedback

        chased = chase_overdue_feedback(on=_parse(date))
        self.stdout.write(f"已催办 {chased} 件逾期未反馈的征求意见")
