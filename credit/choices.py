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


# ---- listings (列异列严), penalty publicity and credit repair --------------------------------------------------

class ListingReason(models.TextChoices):
    """The four reasons an entity is put on the abnormal-operation list (or an individual business marked)."""

    ANNUAL_REPORT = "annual_report", "未按规定报送年度报告"
    INSTANT_INFO = "instant_info", "未在责令期限内公示即时信息"
    FALSE_INFO = "false_info", "公示信息隐瞒真实情况、弄虚作假"
    UNREACHABLE = "unreachable", "通过登记的住所或经营场所无法联系"
    # Serious-violation list grounds (严重违法失信名单)
    THREE_YEARS = "three_years", "列入经营异常名录届满三年仍未履行相关义务"
    SERIOUS_OTHER = "serious_other", "其他严重违法失信情形"


ABNORMAL_REASONS = [ListingReason.ANNUAL_REPORT, ListingReason.INSTANT_INFO, ListingReason.FALSE_INFO,
                    ListingReason.UNREACHABLE]
SERIOUS_REASONS = [ListingReason.THREE_YEARS, ListingReason.SERIOUS_OTHER]


class ListingKind(models.TextChoices):
    ABNORMAL = "abnormal", "经营异常名录"
    INDIVIDUAL_ABNORMAL = "individual_abnormal", "经营异常状态（个体工商户）"
    SERIOUS = "serious", "严重违法失信名单"


class TriggerSource(models.TextChoices):
    ANNUAL_REPORT = "annual_report", "年报跟踪"
    SPOT_CHECK = "spot_check", "双随机抽查结果"
    STAFF = "staff", "工作人员录入"


class ListingStatus(models.TextChoices):
    """Where a listing case stands; abnormal/individual cases and serious cases use their own subsets."""

    REMINDER = "reminder", "待提醒"
    BUFFER = "buffer", "缓冲期"
    PROPOSED = "proposed", "拟列入待审核"
    NOTIFIED = "notified", "已告知，陈述申辩期"
    HEARING = "hearing", "听证"
    APPROVAL = "approval", "报上级机关批准"
    LISTED = "listed", "已列入"
    REMOVAL = "removal", "待移出"
    REMOVED = "removed", "已移出"
    CLOSED = "closed", "已消除，未列入"
    REVOKED = "revoked", "异议成立，已撤销"


LISTING_OPEN = [ListingStatus.REMINDER, ListingStatus.BUFFER, ListingStatus.PROPOSED, ListingStatus.NOTIFIED,
                ListingStatus.HEARING, ListingStatus.APPROVAL, ListingStatus.LISTED, ListingStatus.REMOVAL]
LISTING_IN_FORCE = [ListingStatus.LISTED, ListingStatus.REMOVAL]
LISTING_BEFORE = [ListingStatus.REMINDER, ListingStatus.BUFFER, ListingStatus.PROPOSED, ListingStatus.NOTIFIED,
                  ListingStatus.HEARING, ListingStatus.APPROVAL]


class ReminderChannel(models.TextChoices):
    PHONE = "phone", "电话"
    SMS = "sms", "短信"
    VISIT = "visit", "上门"
    MAIL = "mail", "邮寄"
    ONLINE = "online", "网上（信用信息公示系统）"


class ObjectionStatus(models.TextChoices):
    RECEIVED = "received", "待决定是否受理"
    REFUSED = "refused", "不予受理"
    ACCEPTED = "accepted", "已受理，核实中"
    UPHELD = "upheld", "异议成立"
    REJECTED = "rejected", "异议不成立"


class PenaltyKind(models.TextChoices):
    """行政处罚的种类, as the publicity rules tell them apart (warnings are not published)."""

    WARNING = "warning", "警告"
    CRITICISM = "criticism", "通报批评"
    LOW_FINE = "low_fine", "较低数额罚款"
    FINE = "fine", "罚款（较低数额以外）"
    CONFISCATION = "confiscation", "没收违法所得、没收非法财物"
    DOWNGRADE = "downgrade", "降低资质等级"
    SUSPENSION = "suspension", "责令停产停业"
    RESTRICTION = "restriction", "限制开展生产经营活动、限制从业"
    LICENCE_REVOCATION = "licence_revocation", "吊销许可证件、营业执照"
    OTHER = "other", "其他行政处罚"


# Publicity that stops after the short period; warnings are not published at all; the rest run the long period.
PENALTY_SHORT_KINDS = [PenaltyKind.CRITICISM, PenaltyKind.LOW_FINE]
PENALTY_UNPUBLISHED_KINDS = [PenaltyKind.WARNING]
# Kinds whose publicity can never be ended early by credit repair.
PENALTY_NEVER_REPAIRED = [PenaltyKind.SUSPENSION, PenaltyKind.RESTRICTION, PenaltyKind.LICENCE_REVOCATION]


class PenaltyDomain(models.TextChoices):
    GENERAL = "general", "一般领域"
    FOOD = "food", "食品"
    DRUGS = "drugs", "药品"
    SPECIAL_EQUIPMENT = "special_equipment", "特种设备"


PENALTY_SPECIAL_DOMAINS = [PenaltyDomain.FOOD, PenaltyDomain.DRUGS, PenaltyDomain.SPECIAL_EQUIPMENT]


class PenaltyStatus(models.TextChoices):
    PENDING = "pending", "待公示"
    NOT_PUBLISHED = "not_published", "不予公示（警告）"
    PUBLISHED = "published", "公示中"
    ENDED = "ended", "公示期满"
    REPAIRED = "repaired", "信用修复，提前停止公示"
    REVOKED = "revoked", "处罚决定被撤销，待撤下"
    WITHDRAWN = "withdrawn", "已撤下"


class RepairKind(models.TextChoices):
    """The four kinds of credit repair (市场监督管理信用修复管理办法)."""

    ABNORMAL = "abnormal", "移出经营异常名录"
    INDIVIDUAL = "individual", "恢复个体工商户正常记载状态"
    SERIOUS = "serious", "提前移出严重违法失信名单"
    PENALTY = "penalty", "提前停止公示行政处罚信息"


REPAIR_LISTING_KIND = {RepairKind.ABNORMAL: ListingKind.ABNORMAL,
                       RepairKind.INDIVIDUAL: ListingKind.INDIVIDUAL_ABNORMAL,
                       RepairKind.SERIOUS: ListingKind.SERIOUS}


class RepairChannel(models.TextChoices):
    COUNTER = "counter", "窗口"
    ONLINE = "online", "网上"
    POST = "post", "邮寄"


class RepairStatus(models.TextChoices):
    RECEIVED = "received", "已申请，待受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    ACCEPTED = "accepted", "已受理，待审查"
    REVIEWED = "reviewed", "已审查，待决定"
    APPROVED = "approved", "准予修复，待移出或停止公示"
    REFUSED = "refused", "不予修复，待告知"
    EFFECTED = "effected", "已移出或停止公示，待告知"
    NOTIFIED = "notified", "已告知，待共享"
    CLOSED = "closed", "已办结"


REPAIR_OPEN = [RepairStatus.RECEIVED, RepairStatus.ACCEPTED, RepairStatus.REVIEWED, RepairStatus.APPROVED,
               RepairStatus.REFUSED, RepairStatus.EFFECTED, RepairStatus.NOTIFIED]
# The statuses a case reaches only through a decision (repair or refuse).
REPAIR_DECIDED = [RepairStatus.APPROVED, RepairStatus.REFUSED, RepairStatus.EFFECTED, RepairStatus.NOTIFIED,
                  RepairStatus.CLOSED]


class RepairMaterial(models.TextChoices):
    APPLICATION = "application", "信用修复申请书"
    PLEDGE = "pledge", "守信承诺书"
    REPORT_FILED = "report_filed", "已补报年度报告的证明"
    INFO_PUBLISHED = "info_published", "已公示即时信息的证明"
    INFO_CORRECTED = "info_corrected", "已更正虚假公示信息的证明"
    ADDRESS = "address", "住所变更登记或可以联系的证明"
    PENALTY_DONE = "penalty_done", "已履行行政处罚决定的证明（缴款凭证等）"
    HARM_REMOVED = "harm_removed", "已消除危害后果、不良影响的说明或证明"
    OBLIGATIONS_MET = "obligations_met", "已履行相关义务、纠正违法行为的证明"


# The materials checklist of each kind of repair (the reason-specific proof of the abnormal kinds is added by
# credit.repair.required_materials from the listing's reason).
REPAIR_MATERIALS = {
    RepairKind.ABNORMAL: [RepairMaterial.APPLICATION, RepairMaterial.PLEDGE],
    RepairKind.INDIVIDUAL: [RepairMaterial.APPLICATION, RepairMaterial.PLEDGE],
    RepairKind.SERIOUS: [RepairMaterial.APPLICATION, RepairMaterial.PLEDGE, RepairMaterial.OBLIGATIONS_MET],
    RepairKind.PENALTY: [RepairMaterial.APPLICATION, RepairMaterial.PLEDGE, RepairMaterial.PENALTY_DONE,
                         RepairMaterial.HARM_REMOVED],
}
REASON_PROOF = {
    ListingReason.ANNUAL_REPORT: RepairMaterial.REPORT_FILED,
    ListingReason.INSTANT_INFO: RepairMaterial.INFO_PUBLISHED,
    ListingReason.FALSE_INFO: RepairMaterial.INFO_CORRECTED,
    ListingReason.UNREACHABLE: RepairMaterial.ADDRESS,
}


# ---- 信用宣传: the repair handbook, typical cases, briefings and policy explanations -----------------------------

class PublicationKind(models.TextChoices):
    HANDBOOK = "handbook", "信用修复手册"
    CASE = "case", "典型案例"
    BRIEFING = "briefing", "工作简报"
    POLICY = "policy", "政策解读"


class PublicationStatus(models.TextChoices):
    """draft → approved (leadership, not the author) → published → withdrawn; approved or withdrawn back to draft."""

    DRAFT = "draft", "草稿"
    APPROVED = "approved", "已审核"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"
