"""The one shape of every `manage.py import_…` command: FILE, --dry-run, --user, and the exit codes."""
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from .importing import ImportFileError

EXIT_ROW_ERRORS = 1
EXIT_FILE_ERROR = 2


class ImportCommand(BaseCommand):
    """Subclasses set ``help`` and ``run(path=, file_name=, user=, dry_run=, max_errors=)`` → a report."""

    user_help = "记为操作人的用户名（写入操作日志）"

    def run(self, **kwargs):
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的 .xlsx 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验并统计，不写入数据库")
        parser.add_argument("--user", help=self.user_help)

    def handle(self, *args, file, dry_run, user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}", returncode=EXIT_FILE_ERROR)
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"用户 {user} 不存在。", returncode=EXIT_FILE_ERROR)
        try:
            report = self.run(path=path, file_name=path.name, user=actor, dry_run=dry_run, max_errors=None)
        except ImportFileError as exc:
            raise CommandError(f"{path.name}：{exc}", returncode=EXIT_FILE_ERROR)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{path.name}：{report.summary()}", returncode=EXIT_ROW_ERRORS)
        self.stdout.write(self.style.SUCCESS(f"{path.name}：{report.summary()}"))
