"""`manage.py end_expired_publicity [--date YYYY-MM-DD]`: stop publishing penalty records whose publicity period has
run out and remove serious-list listings whose term has ended (what the nightly task does; repeatable)."""
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "停止公示已届满公示期的行政处罚信息，移出公示期届满的严重违法失信名单（与夜间定时任务相同，可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按哪一天判断是否届满（默认今天，格式 YYYY-MM-DD）")

    def handle(self, *args, **options):
        from credit.listings import serious_remove_expired
        from credit.penalties import penalty_end_expired

        try:
            on = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError("日期格式应为 YYYY-MM-DD")
        if on > timezone.localdate():
            raise CommandError("日期不能晚于今天")
        ended = penalty_end_expired(on=on)
        removed = serious_remove_expired(on=on)
        self.stdout.write(f"截至 {on.isoformat()}：停止公示行政处罚信息 {ended} 条，"
                          f"移出公示期届满的严重违法失信名单 {removed} 户")
