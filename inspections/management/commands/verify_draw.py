"""`manage.py verify_draw DRAW_ID` or `--certificate FILE`: recompute a draw from its certificate, exit 0 if same."""
import json

from django.core.management.base import BaseCommand, CommandError

from inspections.algorithm import verify_certificate
from inspections.models import Draw
from inspections.verification import verify_stored_draw


class Command(BaseCommand):
    help = ("按 hmac-sha256-rank/v1 由抽取凭证重新计算抽中名单和人员分派，并与记录比对："
            "一致时退出码为 0，否则指出第一处不一致并以非 0 退出")

    def add_arguments(self, parser):
        parser.add_argument("draw_id", nargs="?", type=int,
                            help="抽取记录编号（核对数据库中的凭证、抽查名单和人员分派）")
        parser.add_argument("--certificate", metavar="FILE", help="核对一个凭证文件（JSON）")

    def handle(self, *args, draw_id=None, certificate=None, **options):
        if (draw_id is None) == (certificate is None):
            raise CommandError("请给出抽取记录编号，或用 --certificate 指定凭证文件（二者选一）。")
        if certificate:
            try:
                with open(certificate, encoding="utf-8") as f:
                    cert = json.load(f)
            except (OSError, ValueError) as exc:
                raise CommandError(f"无法读取凭证文件：{exc}", returncode=2)
            problems, what = verify_certificate(cert), f"凭证文件 {certificate}"
        else:
            draw = Draw.objects.select_related("task").filter(pk=draw_id).first()
            if draw is None:
                raise CommandError(f"没有编号为 {draw_id} 的抽取记录。", returncode=2)
            problems, what = verify_stored_draw(draw), f"抽取记录 #{draw.pk}（{draw}）"
        if problems:
            raise CommandError(f"{what} 不一致：{problems[0]}" + (f"（另有 {len(problems) - 1} 处）"
                                                                 if len(problems) > 1 else ""), returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{what} 核对一致：抽中名单与人员分派均可由凭证重新算出。"))
