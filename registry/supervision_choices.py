"""Choices of registration supervision: forced deregistration, registration-matter findings, unlicensed operation."""
from django.db import models

# -- 强制注销 --------------------------------------------------------------------------------------------------

class DeregTrigger(models.TextChoices):
    REVOKED = "revoked", "被吊销营业执照、责令关闭或者被撤销"
    ABNORMAL_IDLE = "abnormal_idle", "长期列入经营异常名录且无经营活动"


class DeregStatus(models.TextChoices):
    CANDIDATE = "candidate", "候选"
    REMINDED = "reminded", "催告中"
    FEEDBACK = "feedback", "征求成员单位意见"
    STATEMENT = "statement", "陈述申辩"
    ANNOUNCED = "announced", "公告中"
    OBJECTION = "objection", "异议处理"
    DECIDED = "decided", "已决定强制注销"
    TERMINATED = "terminated", "已终止"


DEREG_OPEN = [s for s in DeregStatus.values if s not in (DeregStatus.DECIDED, DeregStatus.TERMINATED)]


class FeedbackStatus(models.TextChoices):
    PENDING = "pending", "待反馈"
    ANSWERED = "answered", "已反馈"
    WITHDRAWN = "withdrawn", "已撤回"


class FeedbackAnswer(models.TextChoices):
    NO_OBJECTION = "no_objection", "无异议"
    OBJECTION = "objection", "有异议"


class ObjectionOutcome(models.TextChoices):
    UPHELD = "upheld", "异议成立（终止强制注销）"
    REJECTED = "rejected", "异议不成立（继续办理）"


# -- 登记事项监管与三张清单 ------------------------------------------------------------------------------------

class ListKind(models.TextChoices):
    NO_PENALTY = "no_penalty", "不予处罚"
    LIGHTER = "lighter", "从轻处罚"
    REDUCED = "reduced", "减轻处罚"


class RegistrationMatter(models.TextChoices):
    ADDRESS = "address", "住所（经营场所）"
    NAME = "name", "名称"
    SCOPE = "scope", "经营范围"
    LEGAL_REP = "legal_rep", "法定代表人（负责人）"
    CAPITAL = "capital", "注册资本（出资）"
    FILING = "filing", "备案事项"
    LICENCE = "licence", "营业执照使用"
    OTHER = "other", "其他登记事项"


class FindingSource(models.TextChoices):
    SPOT_CHECK = "spot_check", "双随机抽查"
    ROUTINE = "routine", "日常检查"
    COMPLAINT = "complaint", "投诉举报"
    OTHER = "other", "其他"


class FindingStatus(models.TextChoices):
    RECORDED = "recorded", "待处理"
    RECTIFYING = "rectifying", "责令改正中"
    RECTIFIED = "rectified", "已改正"
    CLOSED = "closed", "已办结"
    TRANSFERRED = "transferred", "转立案查处"


class Handling(models.TextChoices):
    NO_PENALTY = "no_penalty", "不予处罚（责令改正并教育）"
    LIGHTER = "lighter", "从轻处罚"
    REDUCED = "reduced", "减轻处罚"
    CASE = "case", "不适用清单，依法立案查处"


class LetterKind(models.TextChoices):
    WARNING = "warning_letter", "预警提醒函"
    PROMPT = "prompt_letter", "行政提示函"


# -- 无证无照 ---------------------------------------------------------------------------------------------------

class MissingKind(models.TextChoices):
    LICENCE = "licence", "无照（未取得营业执照）"
    PERMIT = "permit", "无证（未取得许可证件）"
    BOTH = "both", "无证无照"


class LicenceExemption(models.TextChoices):
    """无证无照经营查处办法 第三条: business activities that need no business licence (blank: none applies)."""
    DESIGNATED = "designated", ("第三条第一项：在政府指定的场所和时间销售农副产品、日常生活用品，"
                                  "或个人利用自己的技能从事无须许可的便民劳务")
    BY_LAW = "by_law", "第三条第二项：法律、行政法规、国务院决定规定无须办理注册登记的经营活动"


class CaseSource(models.TextChoices):
    PATROL = "patrol", "日常巡查"
    COMPLAINT = "complaint", "投诉举报"
    TRANSFER = "transfer", "部门移送"
    SPOT_CHECK = "spot_check", "抽查检查"


class UnlicensedStatus(models.TextChoices):
    OPEN = "open", "待处置"
    HANDLING = "handling", "处置中"
    CLOSED = "closed", "已办结"


class UnlicensedHandling(models.TextChoices):
    GUIDANCE = "guidance", "引导办证办照"
    CORRECTION = "correction", "责令改正"
    BAN = "ban", "依法取缔"
    TRANSFER = "transfer", "移送相关部门"


class UnlicensedResult(models.TextChoices):
    LICENSED = "licensed", "已办证照"
    CEASED = "ceased", "已停止经营"
    BANNED = "banned", "已取缔"
    PENALISED = "penalised", "拒不改正，已立案处罚"
    TRANSFERRED = "transferred", "已移送主管部门"


class FineSeverity(models.TextChoices):
    """The two fine ranges of unlicensed operation (the amounts are data: UnlicensedFineScale)."""

    REFUSAL = "refusal", "拒不改正"
    SERIOUS = "serious", "情节严重"


class NotificationStatus(models.TextChoices):
    SENT = "sent", "已抄告"
    ACKNOWLEDGED = "acknowledged", "已签收"
    REPLIED = "replied", "已回复"
