"""Registration supervision (登记监管): forced deregistration, registration-matter findings and the three lists,
unlicensed-operation cases. Imported by registry.models so that Django registers them with the registry app."""
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.choices import DepartmentKind
from core.models import Department, Office

from .supervision_choices import (
    CaseSource,
    DeregStatus,
    DeregTrigger,
    FeedbackAnswer,
    FeedbackStatus,
    FindingSource,
    FindingStatus,
    FineSeverity,
    Handling,
    LetterKind,
    LicenceExemption,
    ListKind,
    MissingKind,
    NotificationStatus,
    ObjectionOutcome,
    RegistrationMatter,
    UnlicensedHandling,
    UnlicensedResult,
    UnlicensedStatus,
)

USER = settings.AUTH_USER_MODEL
MEMBER_DEPARTMENTS = {"kind": DepartmentKind.MEMBER}


def _member_user(user) -> bool:
    return (user.department_id is not None and user.department.kind == DepartmentKind.MEMBER
            and not user.sees_whole_district)


def _office_scope(qs, user, office_field: str):
    """District roles: everything; office staff: their office's rows; anyone else: nothing."""
    if not user.is_authenticated:
        return qs.none()
    if user.sees_whole_district:
        return qs
    from core.choices import Role

    if user.has_role(Role.OFFICE) and user.office_id:
        return qs.filter(**{office_field: user.office_id})
    return qs.none()


# ---------------------------------------------------------------------------------------------------------
# 强制注销
# ---------------------------------------------------------------------------------------------------------

class DeregRule(models.Model):
    """A rule that makes an entity a forced-deregistration candidate; its waiting period is a versioned time limit.

    The period itself (and its legal basis and effective date) lives in core.TimeLimitRule under
    ``period_code``: the 2024 national change is a new version of that code, not a change here.
    """

    code = models.CharField("规则编码", max_length=60, unique=True)
    name = models.CharField("名称", max_length=200)
    trigger = models.CharField("触发情形", max_length=20, choices=DeregTrigger.choices)
    period_code = models.CharField("期限规则编码", max_length=60,
                                   help_text="系统管理 › 时限规则 中的编码；按筛查日生效的版本计算期限")
    entity_types = models.CharField("适用主体类型", max_length=100, blank=True,
                                    help_text="逗号分隔的主体类型（enterprise, individual, cooperative），空为全部")
    feedback_departments = models.ManyToManyField(
        Department, verbose_name="默认征求意见的成员单位", blank=True, related_name="+",
        limit_choices_to=MEMBER_DEPARTMENTS, help_text="办理时默认勾选；为空时默认勾选全部在用的成员单位")
    is_active = models.BooleanField("启用", default=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "强制注销候选规则"
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def type_list(self) -> list[str]:
        return [t.strip() for t in self.entity_types.split(",") if t.strip()]


class DeregCaseQuerySet(models.QuerySet):
    def for_user(self, user):
        return _office_scope(self, user, "entity__office_id")

    def open(self):
        from .supervision_choices import DEREG_OPEN

        return self.filter(status__in=DEREG_OPEN)


class DeregCase(models.Model):
    """One entity in the forced-deregistration pipeline, from candidate to decision (or termination)."""

    entity = models.ForeignKey("registry.MarketEntity", verbose_name="市场主体", on_delete=models.PROTECT,
                               related_name="dereg_cases")
    rule = models.ForeignKey(DeregRule, verbose_name="候选规则", on_delete=models.PROTECT, related_name="cases")
    trigger_date = models.DateField("触发日期", help_text="吊销日期或列入经营异常名录日期")
    eligible_on = models.DateField("满足期限日期")
    period_text = models.CharField("适用期限及依据", max_length=400)
    status = models.CharField("环节", max_length=12, choices=DeregStatus.choices, default=DeregStatus.CANDIDATE)
    screened_on = models.DateField("筛查日期")
    screened_by = models.ForeignKey(USER, verbose_name="筛查人", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    reminder_sent_on = models.DateField("催告日期", null=True, blank=True)
    reminder_due = models.DateField("催告期满", null=True, blank=True)
    feedback_requested_on = models.DateField("征求意见日期", null=True, blank=True)
    statement_notified_on = models.DateField("告知陈述申辩日期", null=True, blank=True)
    statement_due = models.DateField("陈述申辩期满", null=True, blank=True)
    statement = models.TextField("陈述申辩意见", blank=True)
    hearing_requested = models.BooleanField("申请听证", default=False)
    hearing_held_on = models.DateField("听证日期", null=True, blank=True)
    hearing_note = models.TextField("听证情况", blank=True)
    announcement_start = models.DateField("公告开始", null=True, blank=True)
    announcement_end = models.DateField("公告期满", null=True, blank=True)
    announcement_media = models.CharField("公告途径", max_length=200, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decided_by = models.ForeignKey(USER, verbose_name="决定人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    terminated_on = models.DateField("终止日期", null=True, blank=True)
    termination_reason = models.CharField("终止原因", max_length=300, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = DeregCaseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "强制注销案件"
        ordering = ["-screened_on", "-id"]
        constraints = [
            # An entity is in the pipeline at most once at a time.
            models.UniqueConstraint(fields=["entity"], condition=~Q(status__in=["decided", "terminated"]),
                                    name="dereg_one_open_case_per_entity",
                                    violation_error_message="该市场主体已有办理中的强制注销案件。"),
            models.CheckConstraint(condition=~Q(status="decided") | Q(decided_on__isnull=False),
                                   name="dereg_decided_has_date"),
        ]
        indexes = [models.Index(fields=["status", "screened_on"], name="dereg_status_idx")]

    def __str__(self):
        return f"{self.entity} 强制注销"

    def get_absolute_url(self):
        return reverse("registry:dereg_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status not in (DeregStatus.DECIDED, DeregStatus.TERMINATED)


class DeregFeedbackQuerySet(models.QuerySet):
    def for_user(self, user):
        """A member department's staff see only the requests addressed to their department; bureau staff by case."""
        if not user.is_authenticated:
            return self.none()
        if _member_user(user):
            return self.filter(department_id=user.department_id).exclude(status=FeedbackStatus.WITHDRAWN)
        return _office_scope(self, user, "case__entity__office_id")


class DeregFeedback(models.Model):
    """A request to a member department for its opinion on one forced-deregistration case, and its answer."""

    case = models.ForeignKey(DeregCase, verbose_name="强制注销案件", on_delete=models.CASCADE,
                             related_name="feedback")
    department = models.ForeignKey(Department, verbose_name="成员单位", on_delete=models.PROTECT,
                                   related_name="dereg_feedback", limit_choices_to=MEMBER_DEPARTMENTS)
    requested_on = models.DateField("征求日期")
    due_on = models.DateField("反馈期限")
    status = models.CharField("状态", max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.PENDING)
    answer = models.CharField("意见", max_length=15, choices=FeedbackAnswer.choices, blank=True)
    reason = models.TextField("异议理由", blank=True)
    answered_on = models.DateField("反馈日期", null=True, blank=True)
    answered_by = models.ForeignKey(USER, verbose_name="反馈人", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    chase_count = models.PositiveSmallIntegerField("催办次数", default=0)
    last_chased_on = models.DateField("最近催办日期", null=True, blank=True)

    objects = DeregFeedbackQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "成员单位反馈"
        ordering = ["due_on", "department__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "department"], name="dereg_feedback_once"),
            models.CheckConstraint(condition=~Q(status="answered") | ~Q(answer="") & Q(answered_on__isnull=False),
                                   name="dereg_feedback_answered_has_answer"),
            models.CheckConstraint(condition=~Q(answer="objection") | ~Q(reason=""),
                                   name="dereg_feedback_objection_reason"),
        ]

    def __str__(self):
        return f"{self.department} · {self.case.entity}"

    def get_absolute_url(self):
        return reverse("registry:feedback_detail", args=[self.pk])

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status == FeedbackStatus.PENDING and self.due_on < (today or timezone.localdate())


class DeregChase(models.Model):
    """One 催办 of an overdue feedback request: shown to the department on its list and listed on the case."""

    feedback = models.ForeignKey(DeregFeedback, verbose_name="征求意见", on_delete=models.CASCADE,
                                 related_name="chases")
    chased_on = models.DateField("催办日期")
    number = models.PositiveSmallIntegerField("第几次催办")
    chased_by = models.ForeignKey(USER, verbose_name="催办人", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", help_text="空为每日自动催办")
    days_overdue = models.PositiveIntegerField("逾期天数")

    class Meta:
        verbose_name = verbose_name_plural = "成员单位反馈催办记录"
        ordering = ["chased_on", "id"]
        constraints = [models.UniqueConstraint(fields=["feedback", "chased_on"], name="dereg_chase_once_a_day")]

    def __str__(self):
        return f"{self.chased_on:%Y-%m-%d} 第 {self.number} 次催办 {self.feedback.department}"


class DeregObjection(models.Model):
    """An objection received during the public announcement, and how it was handled."""

    case = models.ForeignKey(DeregCase, verbose_name="强制注销案件", on_delete=models.CASCADE,
                             related_name="objections")
    received_on = models.DateField("收到日期")
    objector = models.CharField("异议人", max_length=200)
    content = models.TextField("异议内容")
    outcome = models.CharField("处理结果", max_length=10, choices=ObjectionOutcome.choices, blank=True)
    outcome_note = models.TextField("处理意见", blank=True)
    handled_on = models.DateField("处理日期", null=True, blank=True)
    handled_by = models.ForeignKey(USER, verbose_name="处理人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    recorded_by = models.ForeignKey(USER, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "强制注销公告异议"
        ordering = ["received_on", "id"]

    def __str__(self):
        return f"{self.objector} 对 {self.case.entity} 的异议"


# ---------------------------------------------------------------------------------------------------------
# 三张清单 and registration-matter findings
# ---------------------------------------------------------------------------------------------------------

class ListCatalogue(models.Model):
    """One year's version of the three lists (不予处罚 / 从轻 / 减轻), as published by the province or city."""

    year = models.PositiveSmallIntegerField("年度", unique=True, validators=[MinValueValidator(2000)])
    title = models.CharField("清单名称", max_length=200)
    issued_by = models.CharField("发布机关", max_length=200)
    document_no = models.CharField("文号", max_length=100, blank=True)
    effective_from = models.DateField("施行日期")
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "三张清单（年度版本）"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year} 年 {self.title}"


class ListItem(models.Model):
    """One item of a list: the violation, its legal basis, the conditions, and the handling it allows."""

    catalogue = models.ForeignKey(ListCatalogue, verbose_name="清单版本", on_delete=models.CASCADE,
                                  related_name="items")
    kind = models.CharField("所属清单", max_length=12, choices=ListKind.choices)
    number = models.PositiveSmallIntegerField("序号")
    matter = models.CharField("登记事项", max_length=12, choices=RegistrationMatter.choices)
    violation = models.CharField("违法行为", max_length=300)
    legal_basis = models.TextField("法律依据")
    conditions = models.TextField("适用条件")
    measures = models.TextField("处理措施", blank=True)
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "三张清单事项"
        ordering = ["catalogue", "kind", "number"]
        constraints = [models.UniqueConstraint(fields=["catalogue", "kind", "number"], name="list_item_number")]

    def __str__(self):
        return f"{self.get_kind_display()}第{self.number}项 {self.violation}"


class FindingQuerySet(models.QuerySet):
    def for_user(self, user):
        return _office_scope(self, user, "entity__office_id")


class RegistrationFinding(models.Model):
    """A registration-matter problem found at an entity (inside a spot check or on its own), and its handling."""

    entity = models.ForeignKey("registry.MarketEntity", verbose_name="市场主体", on_delete=models.PROTECT,
                               related_name="registration_findings")
    spot_check = models.ForeignKey("inspections.SpotCheck", verbose_name="抽查检查", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="registration_findings")
    source = models.CharField("发现途径", max_length=12, choices=FindingSource.choices)
    matter = models.CharField("登记事项", max_length=12, choices=RegistrationMatter.choices)
    description = models.TextField("发现问题")
    found_on = models.DateField("发现日期")
    recorded_by = models.ForeignKey(USER, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    status = models.CharField("状态", max_length=12, choices=FindingStatus.choices, default=FindingStatus.RECORDED)
    # The proposal, computed when the finding is linked to a catalogue item.
    list_item = models.ForeignKey(ListItem, verbose_name="对应清单事项", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="findings")
    aggravating = models.BooleanField("有从重情节", default=False)
    aggravating_note = models.CharField("从重情节说明", max_length=300, blank=True)
    exclusions = models.JSONField("排除适用情形", default=list, blank=True)
    handling = models.CharField("处理方式", max_length=12, choices=Handling.choices, blank=True)
    # The decision and the rectification it orders.
    letter_kind = models.CharField("文书", max_length=20, choices=LetterKind.choices, blank=True)
    decided_on = models.DateField("处理日期", null=True, blank=True)
    decided_by = models.ForeignKey(USER, verbose_name="处理人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    rectification_due = models.DateField("改正期限", null=True, blank=True)
    rectified_on = models.DateField("改正日期", null=True, blank=True)
    rectification_note = models.TextField("改正情况", blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    case_note = models.CharField("立案说明", max_length=300, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "登记事项检查发现"
        ordering = ["-found_on", "-id"]
        indexes = [models.Index(fields=["entity", "matter", "found_on"], name="regfinding_repeat_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(status="rectifying") | Q(rectification_due__isnull=False),
                                   name="regfinding_rectifying_has_due"),
        ]

    def __str__(self):
        return f"{self.entity} · {self.get_matter_display()}"

    def get_absolute_url(self):
        return reverse("registry:finding_detail", args=[self.pk])

    def is_overdue(self, today: date | None = None) -> bool:
        return (self.status == FindingStatus.RECTIFYING and self.rectification_due is not None
                and self.rectification_due < (today or timezone.localdate()))


# ---------------------------------------------------------------------------------------------------------
# 无证无照
# ---------------------------------------------------------------------------------------------------------

class UnlicensedRule(models.Model):
    """The year's assessment rules for unlicensed-operation work (entered each year from the assessment notice)."""

    year = models.PositiveSmallIntegerField("年度", unique=True, validators=[MinValueValidator(2000)])
    handling_workdays = models.PositiveSmallIntegerField("按时办结时限（工作日）",
                                                         help_text="自发现之日起，在此期限内办结的计为按时办结")
    target_handling_rate = models.DecimalField("办结率目标（%）", max_digits=5, decimal_places=2,
                                               validators=[MinValueValidator(Decimal("0")),
                                                           MaxValueValidator(Decimal("100"))])
    target_timely_rate = models.DecimalField("按时办结率目标（%）", max_digits=5, decimal_places=2,
                                             validators=[MinValueValidator(Decimal("0")),
                                                         MaxValueValidator(Decimal("100"))])
    basis = models.CharField("依据", max_length=300, help_text="年度考核通知的名称和文号")

    class Meta:
        verbose_name = verbose_name_plural = "无证无照年度考核口径"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year} 年考核口径"


class UnlicensedFineScale(models.Model):
    """A fine range for unlicensed operation (no business licence), versioned by effective date.

    RULES.md: correction first; ¥10,000–100,000 when the operator refuses to correct, ¥100,000–500,000 when
    serious. The amounts are kept here (admin-editable, a new version for a change), never in code."""

    severity = models.CharField("情形", max_length=10, choices=FineSeverity.choices)
    min_amount = models.DecimalField("罚款下限（元）", max_digits=12, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0"))])
    max_amount = models.DecimalField("罚款上限（元）", max_digits=12, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0"))])
    legal_basis = models.CharField("法律依据", max_length=300)
    effective_from = models.DateField("施行日期")
    verified = models.BooleanField("已核实", default=True, help_text="未核实的依据显示为“待核实”")
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "无证无照罚款幅度"
        ordering = ["severity", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["severity", "effective_from"], name="unlicensed_fine_scale_version"),
            models.CheckConstraint(condition=Q(max_amount__gte=models.F("min_amount")),
                                   name="unlicensed_fine_scale_range"),
        ]

    def __str__(self):
        return f"{self.get_severity_display()}：{self.range_text}"

    @property
    def range_text(self) -> str:
        return f"{self.min_amount:,.0f} 元至 {self.max_amount:,.0f} 元"

    @property
    def basis_label(self) -> str:
        return self.legal_basis if self.verified else f"{self.legal_basis}（待核实）"


class JointAction(models.Model):
    """A joint enforcement action against unlicensed operation with several departments."""

    title = models.CharField("行动名称", max_length=200)
    held_on = models.DateField("行动日期")
    place = models.CharField("行动区域", max_length=200)
    lead_office = models.ForeignKey(Office, verbose_name="牵头单位", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    departments = models.ManyToManyField(Department, verbose_name="参与部门", related_name="joint_actions")
    summary = models.TextField("行动情况", blank=True)
    created_by = models.ForeignKey(USER, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "无证无照联合执法行动"
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("registry:joint_action_detail", args=[self.pk])


class UnlicensedCaseQuerySet(models.QuerySet):
    def for_user(self, user):
        return _office_scope(self, user, "office_id")


class UnlicensedCase(models.Model):
    """An unlicensed-operation case: the place and operator, what is missing, how it was found and handled."""

    number = models.CharField("编号", max_length=30, unique=True)
    office = models.ForeignKey(Office, verbose_name="承办市场监管所", on_delete=models.PROTECT,
                               related_name="unlicensed_cases")
    place = models.CharField("经营场所", max_length=300)
    operator = models.CharField("经营者", max_length=200)
    activity = models.CharField("经营项目", max_length=200)
    # Set only when the operator is itself a registered entity (e.g. a company trading without a required permit).
    entity = models.ForeignKey("registry.MarketEntity", verbose_name="关联市场主体", on_delete=models.PROTECT,
                               null=True, blank=True, related_name="unlicensed_cases")
    missing = models.CharField("缺少证照", max_length=10, choices=MissingKind.choices)
    permit_name = models.CharField("所缺许可证件", max_length=100, blank=True)
    # Checked when the case is registered: an activity that needs no business licence is never an unlicensed case.
    licence_exemption = models.CharField("无须办理营业执照的情形", max_length=12, choices=LicenceExemption.choices,
                                         blank=True, help_text="《无证无照经营查处办法》第三条；不属于的留空")
    responsible_department = models.ForeignKey(
        Department, verbose_name="许可主管部门", on_delete=models.PROTECT, null=True, blank=True,
        related_name="unlicensed_cases")
    source = models.CharField("线索来源", max_length=12, choices=CaseSource.choices)
    discovered_on = models.DateField("发现日期")
    status = models.CharField("状态", max_length=10, choices=UnlicensedStatus.choices,
                              default=UnlicensedStatus.OPEN)
    handling = models.CharField("处置方式", max_length=12, choices=UnlicensedHandling.choices, blank=True)
    handled_on = models.DateField("处置日期", null=True, blank=True)
    correction_due = models.DateField("改正期限", null=True, blank=True)
    handling_note = models.TextField("处置情况", blank=True)
    result = models.CharField("办理结果", max_length=12, choices=UnlicensedResult.choices, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    result_note = models.TextField("结果说明", blank=True)
    # The fine, when the result is a penalty: the range (the version in force on the closing day) and the amount.
    fine_severity = models.CharField("罚款情形", max_length=10, choices=FineSeverity.choices, blank=True)
    fine_scale = models.ForeignKey(UnlicensedFineScale, verbose_name="适用罚款幅度", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="cases")
    fine_amount = models.DecimalField("罚款金额（元）", max_digits=12, decimal_places=2, null=True, blank=True,
                                      validators=[MinValueValidator(Decimal("0"))])
    joint_action = models.ForeignKey(JointAction, verbose_name="联合执法行动", on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="cases")
    recorded_by = models.ForeignKey(USER, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = UnlicensedCaseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "无证无照经营案件"
        ordering = ["-discovered_on", "-id"]
        indexes = [models.Index(fields=["office", "discovered_on"], name="unlicensed_office_date_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(status="closed") | Q(closed_on__isnull=False) & ~Q(result=""),
                                   name="unlicensed_closed_has_result"),
            models.CheckConstraint(condition=Q(status="open") | ~Q(handling=""),
                                   name="unlicensed_handling_when_handled"),
            models.CheckConstraint(condition=Q(fine_amount__isnull=True) | Q(result="penalised"),
                                   name="unlicensed_fine_only_when_penalised"),
        ]

    def __str__(self):
        return f"{self.number} {self.operator}"

    def get_absolute_url(self):
        return reverse("registry:unlicensed_detail", args=[self.pk])


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """A member department's staff see the notifications addressed to them; bureau staff by the case's office."""
        if not user.is_authenticated:
            return self.none()
        if _member_user(user):
            return self.filter(department_id=user.department_id)
        return _office_scope(self, user, "case__office_id")


class InfoNotification(models.Model):
    """信息抄告: the case notified to the department responsible for the missing permit, acknowledged and answered."""

    case = models.ForeignKey(UnlicensedCase, verbose_name="无证无照案件", on_delete=models.CASCADE,
                             related_name="notifications")
    department = models.ForeignKey(Department, verbose_name="抄告部门", on_delete=models.PROTECT,
                                   related_name="unlicensed_notifications")
    sent_on = models.DateField("抄告日期")
    content = models.TextField("抄告内容")
    reply_due = models.DateField("回复期限")
    status = models.CharField("状态", max_length=12, choices=NotificationStatus.choices,
                              default=NotificationStatus.SENT)
    acknowledged_on = models.DateField("签收日期", null=True, blank=True)
    acknowledged_by = models.ForeignKey(USER, verbose_name="签收人", on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+")
    reply = models.TextField("回复内容", blank=True)
    replied_on = models.DateField("回复日期", null=True, blank=True)
    replied_by = models.ForeignKey(USER, verbose_name="回复人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    sent_by = models.ForeignKey(USER, verbose_name="抄告人", on_delete=models.PROTECT, related_name="+")

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "无证无照信息抄告"
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "department"], name="notification_once_per_department"),
            models.CheckConstraint(condition=~Q(status="replied") | Q(replied_on__isnull=False) & ~Q(reply=""),
                                   name="notification_replied_has_reply"),
        ]

    def __str__(self):
        return f"抄告{self.department}：{self.case}"

    def get_absolute_url(self):
        return reverse("registry:notification_detail", args=[self.pk])

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status != NotificationStatus.REPLIED and self.reply_due < (today or timezone.localdate())
