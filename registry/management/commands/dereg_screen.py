"""`manage.py dereg_screen [--date D] [--user NAME]`: screen the register for forced-deregistration candidates."""
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from core.models import User


class Command(BaseCommand):
    help = "按启用的强制注销候选规则筛查名录，新增候选案件（每户只列入一次，可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="筛查日（默认今天），格式 YYYY-MM-DD")
        parser.add_argument("--user", help="记为筛查人的用户名")

    def handle(self, *args, date: str | None = None, user: str | None = None, **options):
        from registry.dereg import candidates_screen

        on = _parse(date)
        by = None
        if user:
            by = User.objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"没有用户名为 {user} 的用户")
        created, notes = candidates_screen(by=by, on=on)
        for note in notes:
            self.stderr.write(note)
        self.stdout.write(f"新增强制注销候选 {len(created)} 户")


def _parse(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}")
