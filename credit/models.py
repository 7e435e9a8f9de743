"""Credit-risk classes: the professional domains and each entity's class history by type and date."""
from django.db import models
from django.db.models import Q

from core.models import Job
from registry.models import MarketEntity

from .choices import RiskClass


class RiskDomain(models.Model):
    """A professional classification domain (专业领域: 食品, 特种设备 …) an administrator maintains."""

    code = models.SlugField("编码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=30, unique=True)
    is_active = models.BooleanField("在用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "专业分类领域"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class EntityRiskClass(models.Model):
    """One classification result of an entity: its class on a date, general (no domain) or for one domain."""

    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.CASCADE,
                               related_name="risk_classes")
    risk_class = models.CharField("风险类别", max_length=1, choices=RiskClass.choices)
    classified_on = models.DateField("分类日期")
    domain = models.ForeignKey(RiskDomain, verbose_name="专业领域（空为通用）", on_delete=models.PROTECT,
                               null=True, blank=True, related_name="classes")
    job = models.ForeignKey(Job, verbose_name="导入批次", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "信用风险分类结果"
        ordering = ["-classified_on", "domain_id", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "classified_on"], condition=Q(domain__isnull=True),
                                    name="riskclass_general_unique"),
            models.UniqueConstraint(fields=["entity", "domain", "classified_on"], condition=Q(domain__isnull=False),
                                    name="riskclass_domain_unique"),
            models.CheckConstraint(condition=Q(risk_class__in=["A", "B", "C", "D"]), name="riskclass_class_valid"),
        ]
        indexes = [
            # The current general class of every entity: DISTINCT ON (entity) walks this index in order.
            models.Index(fields=["entity", "-classified_on"], condition=Q(domain__isnull=True),
                         include=["risk_class"], name="riskclass_general_current_idx"),
            models.Index(fields=["domain", "entity", "-classified_on"], include=["risk_class"],
                         name="riskclass_domain_current_idx"),
        ]

    def __str__(self):
        return f"{self.entity} {self.risk_class}（{self.type_label}，{self.classified_on}）"

    @property
    def type_label(self) -> str:
        return self.domain.name if self.domain_id else "通用"
