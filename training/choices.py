"""Choices of training sessions, conduct supervision and clue records."""
from django.db import models


class TrainingKind(models.TextChoices):
    LECTURE = "lecture", "市场监管大讲堂"
    CREDIT = "credit", "信用监管业务培训"
    ENFORCEMENT = "enforcement", "执法培训"
    MEMBER = "member", "成员单位培训"


class AttendanceSource(models.TextChoices):
    MANUAL = "manual", "页面录入"
    IMPORT = "import", "Excel 导入"


class PlanKind(models.TextChoices):
    GENERAL = "general", "“1” 常态化监督"
    SPECIAL = "special", "“X” 专项督查"


class FindingStatus(models.TextChoices):
    PENDING = "pending", "待整改"
    RECTIFIED = "rectified", "已整改"
    CLOSED = "closed", "已销号"


class ClueSource(models.TextChoices):
    INSPECTION = "inspection", "专项督查发现"
    REPORT = "report", "信访举报"
    ASSIGNED = "assigned", "上级交办"
    OTHER = "other", "其他"


class ClueStatus(models.TextChoices):
    REGISTERED = "registered", "已登记"
    VERIFYING = "verifying", "核查中"
    CONCLUDED = "concluded", "已办结"


class ClueOutcome(models.TextChoices):
    CONFIRMED = "confirmed", "查实"
    PARTLY = "partly", "部分查实"
    UNFOUNDED = "unfounded", "查无实据"
    TRANSFERRED = "transferred", "移交处理"


class ClueAccess(models.TextChoices):
    VIEW = "view", "查看"
    EDIT = "edit", "打开编辑"
    EXPORT = "export", "导出"


# Topics offered for a conduct plan; the field is free text, these are suggestions (the plan names two).
PLAN_TOPIC_SUGGESTIONS = ["结合双随机抽查", "节日市场监管", "窗口服务作风", "执法办案规范", "廉洁自律"]
