"""`manage.py draw_certificate DRAW_ID` or `--latest`: print a draw's certificate (JSON) to stdout."""
from django.core.management.base import BaseCommand, CommandError

from inspections.choices import DrawStatus
from inspections.models import Draw


class Command(BaseCommand):
    help = "把抽取凭证（JSON，含 certificate_sha256）输出到标准输出"

    def add_arguments(self, parser):
        parser.add_argument("draw_id", nargs="?", type=int, help="抽取记录编号")
        parser.add_argument("--latest", action="store_true", help="最近一次有效抽取的凭证")

    def handle(self, *args, draw_id=None, latest=False, **options):
        if (draw_id is None) == (not latest):
            raise CommandError("请给出抽取记录编号，或使用 --latest（二者选一）。")
        draws = Draw.objects.all()
        draw = (draws.filter(status=DrawStatus.VALID).order_by("-drawn_at", "-id").first() if latest
                else draws.filter(pk=draw_id).first())
        if draw is None:
            raise CommandError("还没有任何有效抽取。" if latest else f"没有编号为 {draw_id} 的抽取记录。")
        self.stdout.write(draw.certificate_bytes().decode("utf-8"))
