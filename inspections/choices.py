"""Choices of 双随机、一公开: item kinds, inspector status, task and draw states, result codes and states."""
from django.db import models

ALGORITHM = "hmac-sha256-rank/v1"
STRATA = ("A", "B", "C", "D", "U")  # the risk classes, and U for entities without one
STRATUM_LABELS = {"A": "A 类", "B": "B 类", "C": "C 类", "D": "D 类", "U": "未分类"}
PUBLICITY_RULE = "spot_check_result_publicity"  # core.TimeLimitRule: 20 working days after the check


class ItemKind(models.TextChoices):
    KEY = "key", "重点检查事项"
    GENERAL = "general", "一般检查事项"


class InspectorStatus(models.TextChoices):
    ACTIVE = "active", "在岗"
    LEAVE = "leave", "休假/借调"
    LEFT = "left", "调离/退休"


class TaskKind(models.TextChoices):
    REGULAR = "regular", "抽查任务"
    CONTROL = "control", "A 类对照抽样"


class Sampling(models.TextChoices):
    DIFFERENTIATED = "differentiated", "按风险分类差异化抽取"
    UNIFORM = "uniform", "统一比例抽取"


class TaskStatus(models.TextChoices):
    DRAFT = "draft", "待抽取"
    DRAWING = "drawing", "抽取中"
    DRAWN = "drawn", "已抽取"


class DrawStatus(models.TextChoices):
    VALID = "valid", "有效"
    VOIDED = "voided", "已作废"


class RedrawStatus(models.TextChoices):
    PENDING = "pending", "待领导审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class CheckStatus(models.TextChoices):
    PENDING = "pending", "未录入"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "审核退回"
    APPROVED = "approved", "已审核"
    PUBLISHED = "published", "已公示"


class ResultCode(models.TextChoices):
    """The national result list (as a provincial system uses it)."""

    NO_PROBLEM = "1", "1 未发现问题"
    VIOLATION_2 = "2", "2 违反（具体法规）规定"
    VIOLATION_3 = "3", "3 违反（具体法规）规定"
    VIOLATION_4 = "4", "4 违反（具体法规）规定"
    VIOLATION_5 = "5", "5 违反（具体法规）规定"
    UNREACHABLE = "6", "6 通过登记的住所（经营场所）无法联系"
    CLOSED = "7", "7 已关闭停业或正在清算"
    NOT_COOPERATING = "8", "8 不配合检查情节严重"
    DEREGISTERED = "9", "9 已注销"
    REVOKED = "10", "10 已吊销"
    CANCELLED = "11", "11 已撤销"
    MOVED_OUT = "12", "12 已迁出"
    PENDING_ACTION = "A", "A 发现问题待后续处理"
    NOT_PUBLISHED = "B", "B 未按规定公示应当公示的信息"
    FALSE_INFO = "C", "C 公示信息隐瞒真实情况弄虚作假"
    OTHER_VIOLATION = "D", "D 违反其他规定"
    CORRECTED = "E", "E 发现问题经责令已改正"
    NO_ACTIVITY = "F", "F 未发现开展本次抽查涉及的经营活动"


# Results that found a problem needing follow-up handling (后续处置); E was corrected during the check.
PROBLEM_CODES = frozenset({"2", "3", "4", "5", "6", "8", "A", "B", "C", "D"})
# Suggested measure per problem: unreachable at the address → a proposal for the abnormal-operation list.
SUGGESTED_MEASURE = {"6": "listing"}


class FollowUpMeasure(models.TextChoices):
    RECTIFICATION = "rectification", "责令限期整改"
    CASE = "case", "立案查处"
    LISTING = "listing", "提请列入经营异常名录"
    TRANSFER = "transfer", "移送有关部门处理"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "处置中"
    CLOSED = "closed", "已办结"


class Kpi(models.TextChoices):
    """The five figures of the plan's item 5 (DESIGN.md §5)."""

    COVERAGE = "coverage", "抽查比例"
    ON_TIME = "on_time", "按时完成率"
    PUBLICITY = "publicity", "公示率"
    FOLLOW_UP = "follow_up", "后续处置率"
    DIFFERENTIATED = "differentiated", "差异化抽查户数占比"
