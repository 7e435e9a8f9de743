"""Choices of the credit app."""
from django.db import models


class RiskClass(models.TextChoices):
    """企业信用风险分类: A low risk … D high risk (an internal basis for inspections, never published)."""

    A = "A", "A 类（信用风险低）"
    B = "B", "B 类（信用风险一般）"
    C = "C", "C 类（信用风险较高）"
    D = "D", "D 类（信用风险高）"


RISK_CLASSES = [c.value for c in RiskClass]
GENERAL_LABEL = "通用"  # the classification type of the general model (通用型), as the import file writes it


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"


class IndicatorKind(models.TextChoices):
    """What an indicator measures; each kind's computation lives in credit.indicators."""

    YEARS_IN_OPERATION = "years_in_operation", "经营年限"
    SUSPENSIONS = "suspensions", "登记状态：歇业记录"
    COMPLAINTS = "complaints", "投诉举报"
    RISK_CLASS_HISTORY = "risk_class_history", "上级信用风险分类记录"
    ANNUAL_REPORTS = "annual_reports", "近两年年报按时报送"
    ABNORMAL_MARKS = "abnormal_marks", "经营异常标记与名录"
    PENALTY_PUBLICITY = "penalty_publicity", "行政处罚公示记录"
    SPOT_CHECK_PROBLEMS = "spot_check_problems", "近两年抽查发现问题"
    UNLICENSED_OPERATION = "unlicensed_operation", "无证无照经营记录"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    RETIRED = "retired", "已停用"


class IndexDimension(models.TextChoices):
    SECTION = "section", "行业门类"
    DIVISION = "division", "行业大类"
    OFFICE = "office", "市场监管所辖区"


class TextStatus(models.TextChoices):
    """Texts staff write for leadership's approval (the analysis findings, warnings and guidance)."""

    DRAFT = "draft", "草稿"
    APPROVED = "approved", "已审核"


class WarningKind(models.TextChoices):
    WARNING = "warning", "信用风险提示"
    GUIDANCE = "guidance", "合规经营指引"


class WarningCategory(models.TextChoices):
    ANNUAL_REPORT = "annual_report", "年度报告"
    ABNORMAL = "abnormal", "经营异常"
    REPAIR = "repair", "信用修复"
    SUSPENSION = "suspension", "歇业与注销"
    FOOD = "food", "食品安全"
    SPECIAL_EQUIPMENT = "special_equipment", "特种设备"
    PRICE = "price", "价格与收费"
    OTHER = "other", "其他"


class TargetRule(models.TextChoices):
    """How a target list is proposed; the rules whose data source is not live yet are listed but cannot run."""

    SUSPENSION_ENDING = "suspension_ending", "歇业即将期满的主体（引导恢复营业、延期或注销）"
    RECENT_COMPLAINTS = "recent_complaints", "近期有投诉举报的主体（合规经营提醒）"
    MODEL_HIGH_RISK = "model_high_risk", "最近一次评价为 C、D 类的个体工商户（信用风险提示）"
    ANNUAL_REPORT_MISSING = "annual_report_missing", "截至 6 月 1 日尚未报送上年度年报的主体"
    ABNORMAL_THIRD_YEAR = "abnormal_third_year", "列入经营异常名录即将满三年的主体"
