"""The credit app's exchange formats: the provincial platform's risk-class results (a public interface)."""
from .choices import GENERAL_LABEL, RISK_CLASSES

# Column key → header text, in template order. Keep these names: they are the provincial platform's export.
RISK_COLUMNS = [
    ("uscc", "统一社会信用代码"),
    ("name", "名称"),
    ("risk_class", "风险类别"),
    ("classified_on", "分类日期"),
    ("class_type", "分类类型"),
]
RISK_HEADERS = [header for _, header in RISK_COLUMNS]
RISK_REQUIRED = {"uscc", "risk_class", "classified_on", "class_type"}
RISK_ALIASES = {
    "企业名称": "name",
    "主体名称": "name",
    "信用风险分类": "risk_class",
    "风险分类": "risk_class",
    "分类结果": "risk_class",
    "分类时间": "classified_on",
    "分类模型": "class_type",
    "专业领域": "class_type",
}
GENERAL_ALIASES = {GENERAL_LABEL, "通用型", "通用模型", "综合"}


def normalise_class(text: str) -> str | None:
    """"A", "a", "A类", "A 类" → "A"; None when it is not one of A–D."""
    value = text.strip().upper().replace("类", "").replace(" ", "")
    return value if value in RISK_CLASSES else None

# Complaints and reports (投诉举报), as exported from the 12315 platform's register of cases.
COMPLAINT_COLUMNS = [
    ("number", "登记编号"),
    ("uscc", "统一社会信用代码"),
    ("name", "名称"),
    ("kind", "类型"),
    ("received_on", "受理日期"),
    ("substantiated", "是否属实"),
    ("summary", "简要内容"),
]
COMPLAINT_HEADERS = [header for _, header in COMPLAINT_COLUMNS]
COMPLAINT_REQUIRED = {"number", "uscc", "kind", "received_on"}
COMPLAINT_ALIASES = {"工单编号": "number", "编号": "number", "被投诉主体": "name", "登记日期": "received_on",
                     "受理时间": "received_on", "核查结果": "substantiated", "内容摘要": "summary"}
YES = {"是", "属实", "部分属实"}
NO = {"否", "不属实"}


# The approved warnings and guidance notes, as exported for the website and the WeChat account (a publication).
PUBLICATION_HEADERS = ["类型", "类别", "标题", "面向对象", "正文", "审核日期"]


def approved_warnings_workbook(warnings=None):
    """The approved texts for publication, built through the internal-only rule (credit.publication)."""
    from django.utils import timezone

    from .choices import TextStatus
    from .models import RiskWarning
    from .publication import publication_workbook

    warnings = warnings if warnings is not None else RiskWarning.objects.all()
    rows = ([w.get_kind_display(), w.get_category_display(), w.title, w.audience, w.body,
             timezone.localtime(w.approved_at).date() if w.approved_at else None]
            for w in warnings.filter(status=TextStatus.APPROVED).order_by("-approved_at", "-id"))
    return publication_workbook([("信用风险提示与合规指引", PUBLICATION_HEADERS, rows)])
