"""Choices shared across the platform."""
from django.db import models


class Role(models.TextChoices):
    """A staff role; each is a Django group whose name is the value."""

    ADMIN = "系统管理员", "系统管理员"
    LEADER = "局领导", "局领导"
    SECTION = "股室人员", "股室人员（全区）"
    OFFICE = "市场监管所人员", "市场监管所人员"
    DISCIPLINE = "纪检监察", "纪检监察"


class DepartmentKind(models.TextChoices):
    SECTION = "section", "局机关股室"
    BRIGADE = "brigade", "执法大队"
    MEMBER = "member", "成员单位"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "执行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    IMPORT = "import", "导入"
    EXPORT = "export", "导出"
    STATUS = "status", "状态变更"
    LOGIN_LOCKED = "login_locked", "登录锁定"


class LimitUnit(models.TextChoices):
    WORKDAY = "workday", "工作日"
    DAY = "day", "自然日"
    MONTH = "month", "月"
    YEAR = "year", "年"
