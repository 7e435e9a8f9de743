"""python manage.py import_risk_classes FILE [--dry-run] [--user USERNAME]: import risk-class results from .xlsx."""
from core.import_command import ImportCommand
from credit.importer import risk_classes_import


class Command(ImportCommand):
    help = (
        "从 .xlsx 文件导入省级平台的企业信用风险分类结果"
        "（表头：统一社会信用代码、名称、风险类别、分类日期、分类类型）。"
        "有任何错误行则整批不导入。退出码：0 成功；1 有错误行；2 文件无法导入。"
    )

    def run(self, **kwargs):
        return risk_classes_import(**kwargs)
