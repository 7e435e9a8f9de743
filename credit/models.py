"""Credit-risk classes and their history, complaints, and the bureau's own scoring model with its runs."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import Job
from registry.choices import EntityType
from registry.models import MarketEntity

from .choices import (
    ComplaintKind,
    IndexDimension,
    IndicatorKind,
    PublicationKind,
    PublicationStatus,
    RiskClass,
    TargetRule,
    TextStatus,
    VersionStatus,
    WarningCategory,
    WarningKind,
)


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


class CurrentRiskClass(models.Model):
    """An entity's latest general class, kept beside the history so that lists, filters and counts over a million
    entities read one row per entity. Refreshed by credit.services.current_classes_refresh whenever results are
    written (the import, the demo); the history in EntityRiskClass stays the record."""

    entity = models.OneToOneField(MarketEntity, verbose_name="市场主体", on_delete=models.CASCADE, primary_key=True,
                                  related_name="current_risk_class")
    risk_class = models.CharField("风险类别", max_length=1, choices=RiskClass.choices)
    classified_on = models.DateField("分类日期")

    class Meta:
        verbose_name = verbose_name_plural = "当前通用风险类别"
        indexes = [models.Index(fields=["risk_class"], name="currentclass_class_idx")]

    def __str__(self):
        return f"{self.entity_id} {self.risk_class}"


class Complaint(models.Model):
    """A complaint or report (投诉举报) about an entity, imported from the 12315 platform's records."""

    number = models.CharField("登记编号", max_length=40, unique=True)
    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.CASCADE,
                               related_name="complaints")
    kind = models.CharField("类型", max_length=10, choices=ComplaintKind.choices)
    received_on = models.DateField("受理日期")
    substantiated = models.BooleanField("是否属实", null=True, blank=True)
    summary = models.CharField("简要内容", max_length=300, blank=True)
    job = models.ForeignKey(Job, verbose_name="导入批次", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "投诉举报记录"
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["entity", "received_on"], name="complaint_entity_date_idx")]

    def __str__(self):
        return f"{self.number} {self.entity}"


class ScoringModel(models.Model):
    """The bureau's own credit-risk scoring model (e.g. the 个体工商户 pilot); its content lives in versions."""

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    entity_type = models.CharField("适用主体类型", max_length=12, choices=EntityType.choices)
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "信用风险评价模型"
        ordering = ["code"]

    def __str__(self):
        return self.name


class ModelVersion(models.Model):
    """One version of a model: its indicators, weights and class thresholds. Frozen once published, so every run
    that used it can be explained and reproduced; changes go into a new version."""

    model = models.ForeignKey(ScoringModel, verbose_name="模型", on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    status = models.CharField("状态", max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    note = models.CharField("修订说明", max_length=300, blank=True)
    threshold_b = models.DecimalField("B 类起点（风险分 ≥）", max_digits=7, decimal_places=2)
    threshold_c = models.DecimalField("C 类起点（风险分 ≥）", max_digits=7, decimal_places=2)
    threshold_d = models.DecimalField("D 类起点（风险分 ≥）", max_digits=7, decimal_places=2)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "模型版本"
        ordering = ["model", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["model", "number"], name="modelversion_number_unique"),
            models.CheckConstraint(
                condition=Q(threshold_b__lte=F("threshold_c")) & Q(threshold_c__lte=F("threshold_d")),
                name="modelversion_thresholds_ordered"),
        ]

    def __str__(self):
        return f"{self.model.name} 第 {self.number} 版"

    @property
    def is_frozen(self) -> bool:
        return self.status != VersionStatus.DRAFT

    def class_for(self, score) -> str:
        """The class a score falls in: each threshold is the first score of the next class."""
        if score >= self.threshold_d:
            return "D"
        if score >= self.threshold_c:
            return "C"
        if score >= self.threshold_b:
            return "B"
        return "A"


class ModelIndicator(models.Model):
    """An indicator of a model version: what it measures, its weight (the most points it adds) and parameters."""

    version = models.ForeignKey(ModelVersion, verbose_name="模型版本", on_delete=models.CASCADE,
                                related_name="indicators")
    kind = models.CharField("指标", max_length=30, choices=IndicatorKind.choices)
    weight = models.DecimalField("权重（最高分值）", max_digits=6, decimal_places=2)
    params = models.JSONField("参数", default=dict, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "模型指标"
        ordering = ["version", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "kind"], name="modelindicator_kind_unique"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="modelindicator_weight_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.weight}）"

    def clean(self):
        from django.core.exceptions import ValidationError

        from .indicators import check_params

        problems = check_params(self.kind, self.params) if self.kind else []
        if problems:
            raise ValidationError({"params": problems})


class ModelRun(models.Model):
    """One classification run: a model version applied to a population as of a date, with every result."""

    version = models.ForeignKey(ModelVersion, verbose_name="模型版本", on_delete=models.PROTECT, related_name="runs")
    entity_type = models.CharField("评价对象", max_length=12, choices=EntityType.choices)
    as_of = models.DateField("评价基准日")
    excluded_kinds = models.JSONField("不计入的指标", default=list, blank=True)
    reproduces = models.ForeignKey("self", verbose_name="重现的评价", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="reproductions")
    job = models.OneToOneField(Job, verbose_name="后台任务", on_delete=models.PROTECT, related_name="model_run")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    population = models.PositiveIntegerField("评价户数", default=0)
    class_counts = models.JSONField("各类户数", default=dict, blank=True)
    office_counts = models.JSONField("各所各类户数", default=dict, blank=True)  # {office id: {class: n}}

    class Meta:
        verbose_name = verbose_name_plural = "信用风险评价（分类运行）"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"评价 #{self.pk}（{self.version}，基准日 {self.as_of}）"

    @property
    def is_comparison(self) -> bool:
        """Enterprises scored by an individual-business model, to compare with the upstream class."""
        return self.entity_type != self.version.model.entity_type


class ModelResult(models.Model):
    """One entity's result in a run: its score, class, and each indicator's value and contribution (the
    explanation; contributions sum to the score)."""

    # A run writes up to a million rows with COPY. Database foreign-key checks on them would cost more than the
    # scoring itself (two trigger calls per row at commit), so these two keys are declared to Django only: the
    # rows are written by the run service from ids it has just read, and deletions cascade through the ORM.
    run = models.ForeignKey(ModelRun, verbose_name="评价", on_delete=models.CASCADE, related_name="results",
                            db_constraint=False, db_index=False)  # indexed by the unique (run, entity) below
    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.CASCADE, related_name="+",
                               db_constraint=False)
    score = models.DecimalField("风险分", max_digits=8, decimal_places=2)
    risk_class = models.CharField("评价类别", max_length=1, choices=RiskClass.choices)
    values = models.JSONField("指标值")  # in the version's indicator order; null = no data source yet
    contributions = models.JSONField("指标得分")  # decimal strings, same order

    class Meta:
        verbose_name = verbose_name_plural = "评价结果"
        ordering = ["run", "-score", "entity_id"]
        constraints = [models.UniqueConstraint(fields=["run", "entity"], name="modelresult_run_entity_unique")]
        # Class counts, and a class's results by score, read from the index.
        indexes = [models.Index(fields=["run", "risk_class", "-score", "entity"], name="modelresult_run_class_idx")]

    def __str__(self):
        return f"{self.entity_id} {self.risk_class} {self.score}"


class CreditIndex(models.Model):
    """One industry or regional credit index (行业性、区域性信用指数) for a quarter or a year, with its components."""

    period = models.CharField("期间", max_length=7)  # "2024Q1" … "2024Q4", or "2024" for the year
    year = models.PositiveSmallIntegerField("年度")
    period_end = models.DateField("期末")
    dimension = models.CharField("维度", max_length=10, choices=IndexDimension.choices)
    group_code = models.CharField("分组代码", max_length=20)  # a section letter, a division ("C26"), an office code
    group_name = models.CharField("分组名称", max_length=100)
    value = models.DecimalField("信用指数", max_digits=5, decimal_places=2, null=True)  # null: nothing to compute
    components = models.JSONField("分项", default=dict)
    population = models.PositiveIntegerField("在营主体户数", default=0)
    formula = models.CharField("公式版本", max_length=20)
    job = models.ForeignKey(Job, verbose_name="计算任务", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+")
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "信用指数"
        ordering = ["year", "period", "dimension", "group_code"]
        constraints = [models.UniqueConstraint(fields=["period", "dimension", "group_code"],
                                               name="creditindex_period_group_unique")]
        indexes = [models.Index(fields=["dimension", "group_code", "period"], name="creditindex_group_idx")]

    def __str__(self):
        return f"{self.group_name} {self.period} {self.value}"


class ApprovedText(models.Model):
    """Shared fields of a text staff draft and leadership approves; once approved it no longer changes."""

    status = models.CharField("状态", max_length=10, choices=TextStatus.choices, default=TextStatus.DRAFT)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="起草人", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField("最近修改", auto_now=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        abstract = True


class AnalysisReport(ApprovedText):
    """The yearly credit-status analysis (信用状况分析): its tables come from the data, its text from staff."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    findings = models.TextField("主要发现", blank=True)
    recommendations = models.TextField("意见建议", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "信用状况分析报告"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year} 年度信用状况分析"


class RiskWarning(ApprovedText):
    """A credit-risk warning or compliance guidance note for the bureau's website and WeChat account."""

    kind = models.CharField("类型", max_length=10, choices=WarningKind.choices)
    category = models.CharField("类别", max_length=20, choices=WarningCategory.choices)
    title = models.CharField("标题", max_length=100)
    audience = models.CharField("面向对象", max_length=100)
    body = models.TextField("正文")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "信用风险提示与合规指引"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class TargetList(models.Model):
    """Entities the system proposed for a warning or guidance (by SMS or a call), with who has been contacted."""

    rule = models.CharField("生成规则", max_length=30, choices=TargetRule.choices)
    name = models.CharField("名称", max_length=100)
    params = models.JSONField("参数", default=dict, blank=True)
    warning = models.ForeignKey(RiskWarning, verbose_name="关联提示", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="target_lists")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="生成人", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "提示对象名单"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class TargetEntry(models.Model):
    """One entity on a target list, why it is there, and whether it has been contacted."""

    target_list = models.ForeignKey(TargetList, verbose_name="名单", on_delete=models.CASCADE,
                                    related_name="entries")
    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("列入原因", max_length=200)
    contacted_at = models.DateTimeField("联系时间", null=True, blank=True)
    contacted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="联系人", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    contact_note = models.CharField("联系情况", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "名单中的主体"
        ordering = ["target_list", "entity__name", "id"]
        constraints = [models.UniqueConstraint(fields=["target_list", "entity"], name="targetentry_unique")]

    def __str__(self):
        return f"{self.target_list} · {self.entity}"


from .listing_models import (  # noqa: E402,F401  (listings, penalty publicity, credit repair)
    ListingCase,
    ListingObjection,
    PenaltyRecord,
    RepairCase,
    RepairShare,
)

# ---- 信用宣传 (plan item 4): the repair handbook, typical cases, briefings, policy explanations --------------------

class Publication(models.Model):
    """A text the bureau publishes on its website: drafted by staff, approved by leadership, published, withdrawn."""

    kind = models.CharField("类别", max_length=10, choices=PublicationKind.choices)
    title = models.CharField("标题", max_length=120)
    summary = models.CharField("摘要", max_length=300, blank=True)
    body = models.TextField("正文", help_text="纯文本，空行分段；以“一、”“（一）”开头的短行作为小标题。")
    status = models.CharField("状态", max_length=10, choices=PublicationStatus.choices,
                              default=PublicationStatus.DRAFT, db_index=True)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="起草人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("起草时间", auto_now_add=True)
    updated_at = models.DateTimeField("最近修改", auto_now=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    published_on = models.DateField("发布日期", null=True, blank=True, db_index=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="撤回人", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤回原因", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "信用宣传材料"
        ordering = ["-published_on", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["published", "withdrawn"]) | models.Q(published_on__isnull=False),
                name="publication_published_has_date"),
        ]

    def __str__(self):
        return self.title

    @property
    def year(self) -> int:
        return (self.published_on or self.created_at.date()).year


class PublicationAttachment(models.Model):
    """A file that goes with a publication (a form, a scanned decision); public once the publication is."""

    publication = models.ForeignKey(Publication, verbose_name="宣传材料", on_delete=models.CASCADE,
                                    related_name="attachments")
    file = models.FileField("文件", upload_to="publications/%Y/")
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "宣传材料附件"
        ordering = ["publication", "id"]

    def __str__(self):
        return self.name
