"""双随机、一公开: the one list and two libraries, plans and tasks, draws, checks, follow-up, visits and targets."""
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from core.models import Department, Job, Office
from registry.models import MarketEntity

from .choices import (
    PROBLEM_CODES,
    PUBLICITY_RULE,
    STRATUM_LABELS,
    CheckStatus,
    DrawStatus,
    FollowUpMeasure,
    FollowUpStatus,
    InspectorStatus,
    ItemKind,
    Kpi,
    RedrawStatus,
    ResultCode,
    Sampling,
    TaskKind,
    TaskStatus,
)

USER = settings.AUTH_USER_MODEL
RATIO = {"max_digits": 5, "decimal_places": 4}  # 0.0000 – 1.0000, exact decimals, never floats


# ---------------------------------------------------------------------------------------------------------
# 一单两库
# ---------------------------------------------------------------------------------------------------------

class CheckItem(models.Model):
    """An item of the check-item list (抽查事项清单); its current wording, with every version kept below."""

    code = models.CharField("事项编码", max_length=30, unique=True)
    name = models.CharField("抽查事项", max_length=200)
    legal_basis = models.TextField("法律依据")
    content = models.TextField("检查内容", blank=True)
    method = models.CharField("检查方式", max_length=200, blank=True)
    department = models.ForeignKey(Department, verbose_name="责任部门", on_delete=models.PROTECT,
                                   related_name="check_items")
    kind = models.CharField("事项类别", max_length=10, choices=ItemKind.choices, default=ItemKind.GENERAL)
    domain = models.ForeignKey("credit.RiskDomain", verbose_name="专业领域（空为通用）", on_delete=models.PROTECT,
                               null=True, blank=True, related_name="check_items")
    valid_from = models.DateField("生效日期")
    valid_to = models.DateField("失效日期", null=True, blank=True)
    version = models.PositiveSmallIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽查事项"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="checkitem_period_valid"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("inspections:item_detail", args=[self.pk])

    def is_in_force(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)


class CheckItemVersion(models.Model):
    """One version of a check item as it stood from its effective date (动态调整 keeps every version)."""

    item = models.ForeignKey(CheckItem, verbose_name="抽查事项", on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField("版本")
    name = models.CharField("抽查事项", max_length=200)
    legal_basis = models.TextField("法律依据")
    content = models.TextField("检查内容", blank=True)
    method = models.CharField("检查方式", max_length=200, blank=True)
    department = models.ForeignKey(Department, verbose_name="责任部门", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("事项类别", max_length=10, choices=ItemKind.choices)
    domain = models.ForeignKey("credit.RiskDomain", verbose_name="专业领域", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    valid_from = models.DateField("生效日期")
    valid_to = models.DateField("失效日期", null=True, blank=True)
    change_note = models.CharField("调整说明", max_length=300, blank=True)
    created_by = models.ForeignKey(USER, verbose_name="调整人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField("调整时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽查事项版本"
        ordering = ["item", "-version"]
        constraints = [models.UniqueConstraint(fields=["item", "version"], name="checkitemversion_unique")]

    def __str__(self):
        return f"{self.item.code} 第 {self.version} 版"


class Inspector(models.Model):
    """A person of the inspector library (执法检查人员名录库): bureau staff or a member department's inspector."""

    code = models.CharField("人员编码", max_length=30, unique=True)
    name = models.CharField("姓名", max_length=50)
    certificate_no = models.CharField("执法证号", max_length=40, blank=True)
    office = models.ForeignKey(Office, verbose_name="所属市场监管所", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="inspectors")
    department = models.ForeignKey(Department, verbose_name="所属股室/单位", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="inspectors")
    user = models.OneToOneField(USER, verbose_name="登录账号", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="inspector")
    status = models.CharField("状态", max_length=10, choices=InspectorStatus.choices, default=InspectorStatus.ACTIVE)
    qualified_items = models.ManyToManyField(CheckItem, verbose_name="可承担的抽查事项", blank=True,
                                             related_name="inspectors")
    phone = models.CharField("联系电话", max_length=40, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "执法检查人员"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(office__isnull=False) | Q(department__isnull=False),
                                   name="inspector_has_unit"),
            models.UniqueConstraint(fields=["certificate_no"], condition=~Q(certificate_no=""),
                                    name="inspector_certificate_unique"),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def get_absolute_url(self):
        return reverse("inspections:inspector_detail", args=[self.pk])

    @property
    def unit(self) -> str:
        return " · ".join(str(u) for u in (self.office, self.department) if u is not None)


class InspectorConflict(models.Model):
    """A declared conflict of interest (回避): the inspector may not check this entity."""

    inspector = models.ForeignKey(Inspector, verbose_name="检查人员", on_delete=models.CASCADE,
                                  related_name="conflicts")
    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.CASCADE,
                               related_name="inspector_conflicts")
    reason = models.CharField("回避事由", max_length=300)
    declared_on = models.DateField("申报日期")
    created_by = models.ForeignKey(USER, verbose_name="登记人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "回避申报"
        ordering = ["inspector", "entity"]
        constraints = [models.UniqueConstraint(fields=["inspector", "entity"], name="conflict_unique")]

    def __str__(self):
        return f"{self.inspector.name} 回避 {self.entity}"


class ObjectList(models.Model):
    """An inspection-object list a member department imports (its part of 检查对象名录库)."""

    name = models.CharField("名称", max_length=100)
    department = models.ForeignKey(Department, verbose_name="所属单位", on_delete=models.PROTECT,
                                   related_name="object_lists")
    description = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(USER, verbose_name="创建人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查对象名录"
        ordering = ["department", "name"]
        constraints = [models.UniqueConstraint(fields=["department", "name"], name="objectlist_unique")]

    def __str__(self):
        return f"{self.department.name} · {self.name}"

    def get_absolute_url(self):
        return reverse("inspections:object_list_detail", args=[self.pk])


class ObjectListEntry(models.Model):
    """One market entity on a member department's object list."""

    object_list = models.ForeignKey(ObjectList, verbose_name="名录", on_delete=models.CASCADE, related_name="entries")
    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.CASCADE, related_name="+")
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查对象"
        ordering = ["object_list", "entity"]
        constraints = [models.UniqueConstraint(fields=["object_list", "entity"], name="objectlistentry_unique")]

    def __str__(self):
        return str(self.entity)


# ---------------------------------------------------------------------------------------------------------
# Plans and tasks
# ---------------------------------------------------------------------------------------------------------

class Plan(models.Model):
    """The bureau's annual spot-check plan (抽查计划)."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    name = models.CharField("计划名称", max_length=200)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(USER, verbose_name="创建人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽查计划"
        ordering = ["-year"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("inspections:plan_detail", args=[self.pk])


class Task(models.Model):
    """A spot-check task (抽查任务) of a plan: what is checked, which entities, how many, by whom, by when."""

    plan = models.ForeignKey(Plan, verbose_name="抽查计划", on_delete=models.PROTECT, related_name="tasks")
    name = models.CharField("任务名称", max_length=200)
    kind = models.CharField("任务类型", max_length=10, choices=TaskKind.choices, default=TaskKind.REGULAR)
    items = models.ManyToManyField(CheckItem, verbose_name="抽查事项", related_name="tasks")
    lead_department = models.ForeignKey(Department, verbose_name="牵头部门", on_delete=models.PROTECT,
                                        related_name="led_tasks")
    population_filter = models.JSONField("抽查对象范围", default=dict, blank=True)
    sampling = models.CharField("抽取方式", max_length=20, choices=Sampling.choices, default=Sampling.DIFFERENTIATED)
    domain = models.ForeignKey("credit.RiskDomain", verbose_name="专业领域（空为通用）", on_delete=models.PROTECT,
                               null=True, blank=True, related_name="+")
    ratio = models.DecimalField("抽取比例", **RATIO, null=True, blank=True)
    ratio_a = models.DecimalField("A 类比例", **RATIO, null=True, blank=True)
    ratio_b = models.DecimalField("B 类比例", **RATIO, null=True, blank=True)
    ratio_c = models.DecimalField("C 类比例", **RATIO, null=True, blank=True)
    ratio_d = models.DecimalField("D 类比例", **RATIO, null=True, blank=True)
    ratio_u = models.DecimalField("未分类比例", **RATIO, null=True, blank=True)
    inspectors_per_check = models.PositiveSmallIntegerField("每户检查人员数", default=2)
    cross_office = models.BooleanField("跨所检查（不派本所人员）", default=False)
    starts_on = models.DateField("检查开始日期")
    deadline = models.DateField("完成期限")
    exclude_recent_months = models.PositiveSmallIntegerField(
        "排除近期已查（月）", null=True, blank=True, default=12,
        help_text="排除在此月数内已因相同抽查事项被抽中的市场主体；留空不排除")
    exclude_ended = models.BooleanField("排除已注销、吊销、迁出", default=True)
    exclude_suspended = models.BooleanField("排除歇业", default=True)
    status = models.CharField("状态", max_length=10, choices=TaskStatus.choices, default=TaskStatus.DRAFT)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(USER, verbose_name="创建人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽查任务"
        ordering = ["-plan__year", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(inspectors_per_check__gte=2), name="task_two_inspectors"),
            models.CheckConstraint(condition=Q(deadline__gte=models.F("starts_on")), name="task_period_valid"),
            *[models.CheckConstraint(condition=Q(**{f"{f}__isnull": True}) | Q(**{f"{f}__gte": 0, f"{f}__lte": 1}),
                                     name=f"task_{f}_range")
              for f in ("ratio", "ratio_a", "ratio_b", "ratio_c", "ratio_d", "ratio_u")],
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("inspections:task_detail", args=[self.pk])

    @property
    def is_professional(self) -> bool:
        return self.domain_id is not None

    def stratum_ratios(self) -> dict:
        """Stratum → ratio (Decimal or None) as configured: one ratio for all, or one per class."""
        if self.sampling == Sampling.UNIFORM:
            return dict.fromkeys(STRATUM_LABELS, self.ratio)
        return {"A": self.ratio_a, "B": self.ratio_b, "C": self.ratio_c, "D": self.ratio_d, "U": self.ratio_u}

    def department_codes(self) -> list[str]:
        """The lead department then the participating ones, in the task's order (2+ = a joint check)."""
        codes = [self.lead_department.code]
        codes += [d.department.code for d in self.participants.select_related("department").order_by("position")]
        return codes

    @property
    def is_joint(self) -> bool:
        return self.participants.exists()


class TaskDepartment(models.Model):
    """A department taking part in a joint task (部门联合 / 一业一查), in the order the draw serves them."""

    task = models.ForeignKey(Task, verbose_name="抽查任务", on_delete=models.CASCADE, related_name="participants")
    department = models.ForeignKey(Department, verbose_name="参与部门", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField("顺序")

    class Meta:
        verbose_name = verbose_name_plural = "联合抽查参与部门"
        ordering = ["task", "position"]
        constraints = [
            models.UniqueConstraint(fields=["task", "department"], name="taskdepartment_unique"),
            models.UniqueConstraint(fields=["task", "position"], name="taskdepartment_position_unique"),
        ]

    def __str__(self):
        return f"{self.task} · {self.department}"


# ---------------------------------------------------------------------------------------------------------
# The draw
# ---------------------------------------------------------------------------------------------------------

class Draw(models.Model):
    """One verifiable draw of a task (hmac-sha256-rank/v1), with its certificate; a voided draw is kept."""

    task = models.ForeignKey(Task, verbose_name="抽查任务", on_delete=models.PROTECT, related_name="draws")
    number = models.PositiveSmallIntegerField("第几次抽取")
    status = models.CharField("状态", max_length=10, choices=DrawStatus.choices, default=DrawStatus.VALID)
    algorithm = models.CharField("算法", max_length=40)
    seed = models.CharField("随机种子", max_length=64)
    drawn_at = models.DateTimeField("抽取时间")
    drawn_by = models.ForeignKey(USER, verbose_name="抽取人", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    job = models.ForeignKey(Job, verbose_name="后台任务", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+")
    population_size = models.PositiveIntegerField("抽取范围户数")
    sample_size = models.PositiveIntegerField("抽中户数")
    summary = models.JSONField("各类别户数", default=dict)
    certificate_gz = models.BinaryField("抽取凭证（gzip JSON）")
    certificate_sha256 = models.CharField("凭证摘要 SHA-256", max_length=64)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(USER, verbose_name="批准作废人", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    void_reason = models.TextField("作废原因", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽取记录"
        ordering = ["-drawn_at", "-id"]
        constraints = [
            # One draw per task: a second valid draw cannot exist, whatever raced to make it.
            models.UniqueConstraint(fields=["task"], condition=Q(status="valid"), name="draw_one_valid_per_task"),
            models.UniqueConstraint(fields=["task", "number"], name="draw_number_unique"),
        ]

    def __str__(self):
        return f"{self.task} 第 {self.number} 次抽取"

    def get_absolute_url(self):
        return reverse("inspections:draw_detail", args=[self.pk])

    def certificate_bytes(self) -> bytes:
        """The certificate JSON (UTF-8) exactly as stored, certificate_sha256 included."""
        import gzip

        return gzip.decompress(bytes(self.certificate_gz))

    def certificate(self) -> dict:
        import json

        return json.loads(self.certificate_bytes())


class RedrawRequest(models.Model):
    """A request to void a task's draw and draw again: a written reason, decided by leadership."""

    task = models.ForeignKey(Task, verbose_name="抽查任务", on_delete=models.PROTECT, related_name="redraw_requests")
    draw = models.ForeignKey(Draw, verbose_name="拟作废的抽取", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("申请理由")
    status = models.CharField("状态", max_length=10, choices=RedrawStatus.choices, default=RedrawStatus.PENDING)
    requested_by = models.ForeignKey(USER, verbose_name="申请人", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(USER, verbose_name="审批人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "重新抽取申请"
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["task"], condition=Q(status="pending"),
                                               name="redraw_one_pending_per_task")]

    def __str__(self):
        return f"{self.task} 重新抽取申请"


# ---------------------------------------------------------------------------------------------------------
# Checks, results, follow-up, visits
# ---------------------------------------------------------------------------------------------------------

class SpotCheckQuerySet(models.QuerySet):
    def for_user(self, user):
        """District roles: every check; office staff: their office's entities; anyone: the checks assigned to them."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_whole_district:
            return self
        from core.choices import Role

        scope = Q(Exists(CheckAssignment.objects.filter(spot_check=OuterRef("pk"), inspector__user=user)))
        if user.has_role(Role.OFFICE) and user.office_id:
            scope |= Q(entity__office_id=user.office_id)
        return self.filter(scope)

    def valid(self):
        return self.filter(draw__status=DrawStatus.VALID)


class SpotCheck(models.Model):
    """One entity drawn by a task: its inspectors, its result and where the result stands."""

    task = models.ForeignKey(Task, verbose_name="抽查任务", on_delete=models.PROTECT, related_name="checks")
    # draw and entity are the leading columns of the indexes below: no separate foreign-key indexes (every index is
    # written for each of the tens of thousands of checks a draw inserts).
    draw = models.ForeignKey(Draw, verbose_name="抽取", on_delete=models.CASCADE, related_name="checks",
                             db_index=False)
    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.PROTECT, related_name="checks",
                               db_index=False)
    walk_order = models.PositiveIntegerField("抽取顺序")
    stratum = models.CharField("抽取时风险类别（内部）", max_length=1)
    status = models.CharField("状态", max_length=10, choices=CheckStatus.choices, default=CheckStatus.PENDING)
    result_code = models.CharField("检查结果", max_length=2, choices=ResultCode.choices, blank=True)
    findings = models.TextField("检查情况", blank=True)
    checked_on = models.DateField("检查日期", null=True, blank=True)
    recorded_by = models.ForeignKey(USER, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", db_index=False)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(USER, verbose_name="审核人", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", db_index=False)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=300, blank=True)
    published_on = models.DateField("公示日期", null=True, blank=True)
    published_by = models.ForeignKey(USER, verbose_name="公示操作人", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", db_index=False)
    visit = models.ForeignKey("JointVisit", verbose_name="联合检查", on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="checks", db_index=False)

    objects = SpotCheckQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "抽查检查"
        ordering = ["task", "walk_order"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "entity"], name="check_entity_once_per_draw"),
            models.CheckConstraint(condition=Q(status="pending") | ~Q(result_code="") & Q(checked_on__isnull=False),
                                   name="check_result_when_recorded"),
        ]
        indexes = [
            models.Index(fields=["status", "checked_on"], name="check_status_checked_idx"),
            models.Index(fields=["entity", "task"], name="check_entity_task_idx"),
            models.Index(fields=["visit"], condition=Q(visit__isnull=False), name="check_visit_idx"),
        ]

    def __str__(self):
        return f"{self.entity} · {self.task}"

    def get_absolute_url(self):
        return reverse("inspections:check_detail", args=[self.pk])

    @property
    def stratum_label(self) -> str:
        return STRATUM_LABELS.get(self.stratum, self.stratum)

    @property
    def found_problem(self) -> bool:
        return self.result_code in PROBLEM_CODES

    @property
    def is_completed(self) -> bool:
        return self.status in (CheckStatus.APPROVED, CheckStatus.PUBLISHED)

    def is_overdue(self, today: date | None = None) -> bool:
        """Not completed by the task's deadline, or an approved result not published within 20 working days."""
        today = today or timezone.localdate()
        if self.status in (CheckStatus.PENDING, CheckStatus.RETURNED, CheckStatus.SUBMITTED):
            return self.task.deadline < today
        if self.status == CheckStatus.APPROVED:
            return self.publish_due < today
        return False

    @property
    def publish_due(self) -> date | None:
        """The publication deadline: 20 working days after the check (core.workdays rule)."""
        if self.checked_on is None:
            return None
        from core.workdays import deadline

        return deadline(PUBLICITY_RULE, self.checked_on)[0]


class CheckAssignment(models.Model):
    """An inspector the draw assigned to a check, in the order picked."""

    spot_check = models.ForeignKey(SpotCheck, verbose_name="抽查检查", on_delete=models.CASCADE,
                                   related_name="assignments", db_index=False)  # leads assignment_unique
    inspector = models.ForeignKey(Inspector, verbose_name="检查人员", on_delete=models.PROTECT,
                                  related_name="assignments")
    position = models.PositiveSmallIntegerField("顺序")

    class Meta:
        verbose_name = verbose_name_plural = "检查人员分派"
        ordering = ["spot_check", "position"]
        constraints = [models.UniqueConstraint(fields=["spot_check", "inspector"], name="assignment_unique")]

    def __str__(self):
        return f"{self.inspector.name} → {self.spot_check}"


class CheckAttachment(models.Model):
    """A file recorded with a check result (photos, records); served only behind login and scope."""

    spot_check = models.ForeignKey(SpotCheck, verbose_name="抽查检查", on_delete=models.CASCADE,
                                   related_name="attachments")
    file = models.FileField("文件", upload_to="inspections/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(USER, verbose_name="上传人", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查附件"
        ordering = ["spot_check", "uploaded_at", "id"]

    def __str__(self):
        return self.name


class FollowUp(models.Model):
    """Follow-up handling (后续处置) of a problem a check found; it counts as handled only when closed."""

    spot_check = models.ForeignKey(SpotCheck, verbose_name="抽查检查", on_delete=models.CASCADE,
                                   related_name="follow_ups")
    measure = models.CharField("处置措施", max_length=20, choices=FollowUpMeasure.choices)
    deadline = models.DateField("整改期限", null=True, blank=True)
    case_number = models.CharField("立案文号", max_length=60, blank=True)
    transfer_to = models.ForeignKey(Department, verbose_name="移送部门", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    note = models.TextField("处置说明", blank=True)
    status = models.CharField("状态", max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    opened_by = models.ForeignKey(USER, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField("登记时间", auto_now_add=True)
    completed_on = models.DateField("办结日期", null=True, blank=True)
    completion_note = models.TextField("办结情况", blank=True)
    closed_by = models.ForeignKey(USER, verbose_name="办结人", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "后续处置"
        ordering = ["spot_check", "opened_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(measure="rectification") | Q(deadline__isnull=False),
                                   name="followup_rectification_deadline"),
            models.CheckConstraint(condition=~Q(measure="transfer") | Q(transfer_to__isnull=False),
                                   name="followup_transfer_department"),
            models.CheckConstraint(condition=Q(status="open") | Q(completed_on__isnull=False),
                                   name="followup_closed_has_date"),
        ]

    def __str__(self):
        return f"{self.get_measure_display()} · {self.spot_check.entity}"

    def get_absolute_url(self):
        return reverse("inspections:check_detail", args=[self.spot_check_id]) + f"#followup-{self.pk}"

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status == FollowUpStatus.OPEN and self.deadline is not None and self.deadline < today


class JointVisit(models.Model):
    """Checks of several tasks on one entity merged into one visit by one team (进一次门、查多项事)."""

    plan = models.ForeignKey(Plan, verbose_name="抽查计划", on_delete=models.PROTECT, related_name="visits")
    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.PROTECT, related_name="+")
    team = models.ManyToManyField(Inspector, verbose_name="检查组", related_name="visits")
    planned_on = models.DateField("计划检查日期", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(USER, verbose_name="合并人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("合并时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "联合检查（任务整合）"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.entity} 联合检查"


class KpiTarget(models.Model):
    """The target of one of the plan's five figures for a year (data, so a new plan can change it)."""

    year = models.PositiveSmallIntegerField("年度")
    kpi = models.CharField("指标", max_length=20, choices=Kpi.choices)
    target = models.DecimalField("目标值", max_digits=5, decimal_places=4)
    basis = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "双随机指标目标"
        ordering = ["-year", "kpi"]
        constraints = [
            models.UniqueConstraint(fields=["year", "kpi"], name="kpitarget_unique"),
            models.CheckConstraint(condition=Q(target__gte=0, target__lte=1), name="kpitarget_range"),
        ]

    def __str__(self):
        return f"{self.year} 年{self.get_kpi_display()} ≥ {self.target:.2%}"


# ---------------------------------------------------------------------------------------------------------
# The leadership dashboard's summary tables (written only by inspections.rollup, read by the dashboard)
# ---------------------------------------------------------------------------------------------------------

def _unique_with_nulls(prefix: str, fields: list[str], nullable: list[str]) -> list[models.UniqueConstraint]:
    """Unique over fields + nullable, NULL counting as a value: one partial unique index per pattern of NULLs."""
    from itertools import product

    constraints = []
    for pattern in product((False, True), repeat=len(nullable)):
        present = [f for f, is_null in zip(nullable, pattern, strict=True) if not is_null]
        condition = Q(**{f"{f}__isnull": is_null for f, is_null in zip(nullable, pattern, strict=True)})
        suffix = "".join("n" if is_null else "v" for is_null in pattern)
        constraints.append(models.UniqueConstraint(fields=[*fields, *present], condition=condition,
                                                   name=f"{prefix}_unique_{suffix}"))
    return constraints


class KpiFigure(models.Model):
    """One of the five figures of a year as of the last rollup: for an office (or the whole district) and a month
    (or the whole year). Month rows count the records dated in that month; the year row is their sum."""

    year = models.PositiveSmallIntegerField("年度")
    kpi = models.CharField("指标", max_length=20, choices=Kpi.choices)
    office = models.ForeignKey(Office, verbose_name="管辖单位（空为全区）", on_delete=models.CASCADE, null=True,
                               blank=True, related_name="+")
    month = models.PositiveSmallIntegerField("月份（空为全年）", null=True, blank=True)
    numerator = models.PositiveIntegerField("分子")
    denominator = models.PositiveIntegerField("分母")
    target = models.DecimalField("目标值", max_digits=5, decimal_places=4)

    class Meta:
        verbose_name = verbose_name_plural = "驾驶舱 · 双随机指标汇总"
        ordering = ["year", "kpi", "office_id", "month"]
        constraints = [
            # One row per year, figure, office (or district) and month (or year): four partial unique indexes,
            # because NULLs are distinct in a plain one (and SQLite has no NULLS NOT DISTINCT).
            *_unique_with_nulls("kpifigure", ["year", "kpi"], ["office", "month"]),
            models.CheckConstraint(condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12),
                                   name="kpifigure_month_range"),
        ]

    def __str__(self):
        return f"{self.year} {self.get_kpi_display()} {self.numerator}/{self.denominator}"


class ClassCount(models.Model):
    """How many entities of a risk class as of the last rollup: the population (存续 entities, their current
    class) or the checks drawn by the year's tasks (their class at the draw), per office."""

    POPULATION, DRAWN = "population", "drawn"
    SCOPES = [(POPULATION, "存续市场主体"), (DRAWN, "年度抽中检查")]

    year = models.PositiveSmallIntegerField("年度")
    scope = models.CharField("范围", max_length=12, choices=SCOPES)
    office = models.ForeignKey(Office, verbose_name="管辖单位（空为未分配）", on_delete=models.CASCADE, null=True,
                               blank=True, related_name="+")
    risk_class = models.CharField("风险类别", max_length=1)  # A–D, U = unclassified
    count = models.PositiveIntegerField("户数")

    class Meta:
        verbose_name = verbose_name_plural = "驾驶舱 · 风险分类分布"
        ordering = ["year", "scope", "office_id", "risk_class"]
        constraints = _unique_with_nulls("classcount", ["year", "scope", "risk_class"], ["office"])

    def __str__(self):
        return f"{self.year} {self.scope} {self.risk_class}={self.count}"


class DashboardFact(models.Model):
    """A figure another capability reported for the dashboard (core.dashboard.Fact), as of the last rollup."""

    year = models.PositiveSmallIntegerField("年度")
    block = models.CharField("板块", max_length=30)
    key = models.CharField("指标键", max_length=60)
    label = models.CharField("指标", max_length=100)
    value = models.DecimalField("数值", max_digits=18, decimal_places=4, null=True, blank=True)
    office = models.ForeignKey(Office, verbose_name="管辖单位（空为全区）", on_delete=models.CASCADE, null=True,
                               blank=True, related_name="+")
    month = models.PositiveSmallIntegerField("月份（空为全年）", null=True, blank=True)
    unit = models.CharField("单位", max_length=20, blank=True)
    drill_url = models.CharField("明细链接", max_length=500, blank=True)
    position = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "驾驶舱 · 其他板块数据"
        ordering = ["year", "block", "position"]
        indexes = [models.Index(fields=["year", "block"], name="dashboardfact_year_block_idx")]

    def __str__(self):
        return f"{self.year} {self.block}.{self.key}={self.value}"


class DashboardBlock(models.Model):
    """Where one block of the dashboard stands for a year: when it was last rolled up, or why it has no figures."""

    OK, UNAVAILABLE, FAILED = "ok", "unavailable", "failed"
    STATUSES = [(OK, "正常"), (UNAVAILABLE, "数据来源尚未上线"), (FAILED, "汇总出错")]

    year = models.PositiveSmallIntegerField("年度")
    block = models.CharField("板块", max_length=30)
    status = models.CharField("状态", max_length=12, choices=STATUSES, default=OK)
    refreshed_at = models.DateTimeField("数据更新时间", null=True, blank=True)
    attempted_at = models.DateTimeField("最近汇总时间")
    message = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "驾驶舱 · 板块更新状态"
        ordering = ["year", "block"]
        constraints = [models.UniqueConstraint(fields=["year", "block"], name="dashboardblock_unique")]

    def __str__(self):
        return f"{self.year} {self.block} {self.get_status_display()}"


class BusinessIndicator(models.Model):
    """A business-environment figure (营商环境) the bureau reports for a year and period, entered by staff."""

    PERIODS = [("year", "全年"), ("h1", "上半年"), ("q1", "一季度"), ("q2", "二季度"), ("q3", "三季度"),
               ("q4", "四季度")]

    year = models.PositiveSmallIntegerField("年度")
    period = models.CharField("统计期", max_length=4, choices=PERIODS, default="year")
    name = models.CharField("指标名称", max_length=100)
    value = models.DecimalField("数值", max_digits=18, decimal_places=4)
    unit = models.CharField("单位", max_length=20, blank=True)
    target = models.DecimalField("目标值", max_digits=18, decimal_places=4, null=True, blank=True)
    higher_is_better = models.BooleanField("数值越大越好", default=True,
                                           help_text="如“开办企业用时”越小越好，请取消勾选")
    source = models.CharField("数据来源", max_length=200)
    note = models.CharField("备注", max_length=300, blank=True)
    entered_by = models.ForeignKey(USER, verbose_name="填报人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField("填报时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "营商环境指标"
        ordering = ["-year", "name", "period"]
        constraints = [models.UniqueConstraint(
            fields=["year", "period", "name"], name="businessindicator_unique",
            violation_error_message="该年度、该统计期的同名指标已填报，请修改原记录。")]

    def __str__(self):
        return f"{self.year} {self.get_period_display()} {self.name}"

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target
