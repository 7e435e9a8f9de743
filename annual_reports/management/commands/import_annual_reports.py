"""`manage.py import_annual_reports FILE [--dry-run] [--user NAME]`: filing status from the publicity system."""
from core.import_command import ImportCommand


class Command(ImportCommand):
    help = "导入公示系统导出的年报报送情况（统一社会信用代码 · 报告年度 · 报送日期 · 报送方式），整批校验通过才写入"

    def run(self, **kwargs):
        from annual_reports.importer import annual_reports_import

        return annual_reports_import(**kwargs)
