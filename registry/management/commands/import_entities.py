"""python manage.py import_entities FILE [--dry-run] [--user USERNAME]: import the register from .xlsx."""
from core.import_command import ImportCommand
from registry.importer import entities_import


class Command(ImportCommand):
    help = (
        "从 .xlsx 文件导入市场主体名录（表头按名称匹配）。有任何错误行则整批不导入。"
        "退出码：0 成功；1 有错误行；2 文件无法导入（格式、表头、参数错误）。"
    )
    user_help = "记为操作人的用户名（写入操作日志和登记状态变更）"

    def run(self, **kwargs):
        return entities_import(**kwargs)
