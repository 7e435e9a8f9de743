"""`manage.py export_entities FILE`: the whole register as .xlsx with the import template's headers, phones in full."""
import errno
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.audit import audit
from core.choices import AuditAction
from registry.exporter import entity_workbook
from registry.models import MarketEntity

_REASONS = {
    errno.ENOENT: "目录不存在",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EISDIR: "这是一个目录",
    errno.EROFS: "文件系统只读",
    errno.ENOSPC: "磁盘空间不足",
}


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno, exc.strerror or str(exc))


class Command(BaseCommand):
    help = "导出全部市场主体为 .xlsx（表头与导入模板相同，联系电话不脱敏）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="要写入的 .xlsx 文件路径")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        try:
            out = open(path, "wb")  # opened before any query, so a bad path fails at once
        except OSError as exc:
            raise CommandError(f"无法写入文件 {path}：{_reason(exc)}")
        book = entity_workbook(MarketEntity.objects.order_by("name", "id"), show_phone=True)
        try:
            with out:
                book.save(out)
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise CommandError(f"写入文件 {path} 失败：{_reason(exc)}")
        except BaseException:
            path.unlink(missing_ok=True)  # no half-written file left behind
            raise
        audit(actor=None, action=AuditAction.EXPORT, summary=f"命令行导出市场主体名录 {book.rows_written} 户",
              extra={"file": str(path), "rows": book.rows_written, "scope": "全区", "phone": "明文"})
        self.stdout.write(f"已导出 {book.rows_written} 户市场主体到 {path}")
