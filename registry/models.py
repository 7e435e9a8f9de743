"""The register of market entities (市场主体名录) and the industry catalogue it is classified by."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from core.models import Office

from .choices import EntityType, IndustryLevel, RegistrationStatus


class Industry(models.Model):
    """One node of GB/T 4754-2017: a section letter, or the letter plus a 2/3/4-digit code ("C2651")."""

    code = models.CharField("代码", max_length=5, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=IndustryLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        verbose_name = verbose_name_plural = "国民经济行业分类"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class MarketEntityQuerySet(models.QuerySet):
    def for_user(self, user):
        """The entities a user may see: the whole district, or their own office's."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_whole_district:
            return self
        from core.choices import Role

        if user.has_role(Role.OFFICE) and user.office_id:
            return self.filter(office_id=user.office_id)
        return self.none()


class MarketEntity(models.Model):
    """A market entity registered in the district: enterprise, individual business or cooperative."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    entity_type = models.CharField("市场主体类型", max_length=12, choices=EntityType.choices)
    legal_rep = models.CharField("法定代表人（负责人/经营者）", max_length=100, blank=True)
    industry_code = models.CharField("行业代码", max_length=5, db_index=True)
    address = models.CharField("住所", max_length=300, blank=True)
    registration_authority = models.CharField("登记机关", max_length=100, blank=True)
    # No index of its own: the (office, …) indexes of Meta.indexes lead with it and serve the foreign key.
    office = models.ForeignKey(Office, verbose_name="管辖单位", on_delete=models.PROTECT, related_name="entities",
                               db_index=False)
    established_on = models.DateField("成立日期", db_index=True)
    status = models.CharField(
        "登记状态", max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.ACTIVE
    )
    phone = models.CharField("联系电话", max_length=40, blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = MarketEntityQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "市场主体"
        ordering = ["name", "id"]
        permissions = [("view_entity_phone", "可查看市场主体联系电话")]
        indexes = [
            models.Index(fields=["status", "entity_type"], name="entity_status_type_idx"),
            # Office staff's lists and the office + status + type filter: counted from this index alone.
            models.Index(fields=["office", "status", "entity_type"], name="entity_office_status_type_idx"),
            # The list's page of ids in name order, with the filter and search columns carried in the index so
            # PostgreSQL checks them without reading the table (see registry.views.EntityPaginator).
            models.Index(fields=["name", "id"], name="entity_name_cover_idx",
                         include=["office", "status", "entity_type", "legal_rep"]),
            models.Index(fields=["office", "name", "id"], name="entity_office_name_cover_idx",
                         include=["status", "entity_type", "legal_rep"]),
        ]

    def __str__(self):
        return self.name

    @property
    def industry_section(self) -> str:
        return self.industry_code[:1]


class StatusChange(models.Model):
    """One change of an entity's registration status, kept as its history."""

    entity = models.ForeignKey(
        MarketEntity, verbose_name="市场主体", on_delete=models.CASCADE, related_name="status_changes"
    )
    old_status = models.CharField("原状态", max_length=12, choices=RegistrationStatus.choices, blank=True)
    new_status = models.CharField("新状态", max_length=12, choices=RegistrationStatus.choices)
    changed_at = models.DateTimeField("变更时间", auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, null=True, blank=True
    )
    source = models.CharField("来源", max_length=100, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "登记状态变更"
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.entity} {self.get_old_status_display()} → {self.get_new_status_display()}"


class UsccException(models.Model):
    """A legacy code that fails the GB 32100 check but is accepted, with who approved it and why."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    reason = models.CharField("原因", max_length=300)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="批准人", on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "校验码例外（历史代码）"
        ordering = ["-created_at"]

    def __str__(self):
        return self.uscc

    def clean(self):
        from .codes import normalise_uscc, uscc_error

        self.uscc = normalise_uscc(self.uscc)
        error = uscc_error(self.uscc, exceptions={self.uscc})  # only the check character may fail
        if error:
            raise ValidationError({"uscc": error})


# Registration supervision (强制注销, 登记事项与三张清单, 无证无照) lives in its own module.
from .supervision_models import (  # noqa: E402
    DeregCase,
    DeregChase,
    DeregFeedback,
    DeregObjection,
    DeregRule,
    InfoNotification,
    JointAction,
    ListCatalogue,
    ListItem,
    RegistrationFinding,
    UnlicensedCase,
    UnlicensedFineScale,
    UnlicensedRule,
)

__all__ = [
    "DeregCase", "DeregChase", "DeregFeedback", "DeregObjection", "DeregRule", "InfoNotification", "Industry",
    "JointAction", "ListCatalogue", "ListItem", "MarketEntity", "RegistrationFinding", "StatusChange", "UnlicensedCase",
    "UnlicensedFineScale", "UnlicensedRule", "UsccException",
]
