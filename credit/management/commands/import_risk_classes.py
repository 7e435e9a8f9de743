"""python manage.py import_risk_classes FILE [--dry-run] [--user USERNAME]: import risk-class results from .xlsx."""
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.importing import ImportFileError
from credit.importer import risk_classes_import

EXIT_ROW_ERRORS = 1
EXIT_FILE_ERROR = 2


class Command(BaseCommand):
    help = (
        "从 .xlsx 文件导入省级平台的企业信用风险分类结果"
        "（表头：统一社会信用代码、名称、风险类别、分类日期、分类类型）。"
        "有任何错误行则整批不导入。退出码：0 成功；1 有错误行；2 文件无法导入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的 .xlsx 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验并统计，不写入数据库")
        parser.add_argument("--user", help="记为操作人的用户名（写入操作日志）")

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
            report = risk_classes_import(path=path, file_name=path.name, user=actor, dry_run=dry_run, max_errors=None)
        except ImportFileError as exc:
            raise CommandError(f"{path.name}：{exc}", returncode=EXIT_FILE_ERROR)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{path.name}：{report.summary()}", returncode=EXIT_ROW_ERRORS)
        self.stdout.write(self.style.SUCCESS(f"{path.name}：{report.summary()}"))
