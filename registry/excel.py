"""The register's exchange format: the template headers (a public interface) and their value labels."""
from .choices import EntityType, RegistrationStatus

# Column key → header text, in the order the template and the export use. Keep these names: the
# provincial platform and the bureau's own spreadsheets use them.
COLUMNS = [
    ("uscc", "统一社会信用代码"),
    ("name", "名称"),
    ("entity_type", "市场主体类型"),
    ("legal_rep", "法定代表人"),
    ("industry_code", "行业代码"),
    ("address", "住所"),
    ("registration_authority", "登记机关"),
    ("office", "管辖单位"),
    ("established_on", "成立日期"),
    ("status", "登记状态"),
    ("phone", "联系电话"),
]
HEADERS = [header for _, header in COLUMNS]
# The export adds the entity's current general credit-risk class (internal: the export is an internal export).
# The import ignores columns the template does not have, so an export can be imported back.
EXPORT_COLUMNS = [*COLUMNS, ("risk_class", "风险类别")]
EXPORT_HEADERS = [header for _, header in EXPORT_COLUMNS]
REQUIRED = {"uscc", "name", "entity_type", "industry_code", "office", "established_on", "status"}
# Header spellings accepted on import besides the canonical one.
HEADER_ALIASES = {
    "法定代表人（负责人/经营者）": "legal_rep",
    "法定代表人(负责人/经营者)": "legal_rep",
    "负责人": "legal_rep",
    "经营者": "legal_rep",
}

TYPE_BY_LABEL = {label: value for value, label in EntityType.choices}
STATUS_BY_LABEL = {label: value for value, label in RegistrationStatus.choices}
TYPE_LABEL = dict(EntityType.choices)
STATUS_LABEL = dict(RegistrationStatus.choices)
