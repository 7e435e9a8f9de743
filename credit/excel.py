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
