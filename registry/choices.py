"""Choices of the market-entity register."""
from django.db import models


class EntityType(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    INDIVIDUAL = "individual", "个体工商户"
    COOPERATIVE = "cooperative", "农民专业合作社"


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", "存续"
    SUSPENDED = "suspended", "歇业"
    REVOKED = "revoked", "吊销"
    DEREGISTERED = "deregistered", "注销"
    MOVED_OUT = "moved_out", "迁出"


class IndustryLevel(models.TextChoices):
    SECTION = "section", "门类"
    DIVISION = "division", "大类"
    GROUP = "group", "中类"
    CLASS = "class", "小类"
