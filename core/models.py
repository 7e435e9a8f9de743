"""The bureau's organisation, staff accounts, the audit trail, background jobs and the calendar."""
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .choices import AuditAction, DepartmentKind, JobStatus, LimitUnit, Role


class Office(models.Model):
    """A field office (市场监督管理所): it supervises the entities of its area."""

    code = models.CharField("编码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("电话", max_length=40, blank=True)
    is_active = models.BooleanField("在用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "市场监督管理所"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class Department(models.Model):
    """A bureau section (股室), the enforcement brigade, or a member department (成员单位)."""

    code = models.CharField("编码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类别", max_length=10, choices=DepartmentKind.choices)
    is_active = models.BooleanField("在用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "股室与成员单位"
        ordering = ["kind", "sort_order", "code"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A staff account; its groups are its roles, its office bounds what an office role sees."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    office = models.ForeignKey(
        Office, verbose_name="所属市场监管所", on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    department = models.ForeignKey(
        Department, verbose_name="所属股室/单位", on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def role_names(self) -> list[str]:
        cached = getattr(self, "_role_names", None)
        if cached is None:
            cached = sorted(self.groups.values_list("name", flat=True)) if self.pk else []
            self._role_names = cached
        return cached

    def has_role(self, *roles: Role) -> bool:
        return self.is_superuser and Role.ADMIN in roles or any(r in self.role_names for r in roles)

    @property
    def sees_whole_district(self) -> bool:
        """Section staff, leadership and administrators work district-wide; office staff only their office."""
        return self.is_superuser or self.has_role(Role.ADMIN, Role.LEADER, Role.SECTION)

    @property
    def role_label(self) -> str:
        if self.is_superuser and not self.role_names:
            return Role.ADMIN.label
        label = "、".join(Role(r).label if r in Role.values else r for r in self.role_names)
        if not label and self.department_id and self.department.kind == DepartmentKind.MEMBER:
            return "成员单位"  # a member department's account works through its department (named beside it)
        return label or "未分配角色"


class AuditLogQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk))


class AuditLog(models.Model):
    """Who did what, when, with the values before and after. Never edited or deleted."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, null=True, blank=True
    )
    action = models.CharField("操作", max_length=20, choices=AuditAction.choices)
    target_type = models.ForeignKey(
        ContentType, verbose_name="对象类型", on_delete=models.PROTECT, null=True, blank=True
    )
    target_id = models.CharField("对象编号", max_length=64, blank=True)
    target_repr = models.CharField("对象", max_length=200, blank=True)
    summary = models.CharField("摘要", max_length=500, blank=True)
    changes = models.JSONField("变更（字段: [原值, 新值]）", default=dict, blank=True)
    extra = models.JSONField("附加信息", default=dict, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "操作日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-at"], name="audit_target_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.target_repr}"


class Job(models.Model):
    """A background job a user waits on (an import, a draw, a rollup): status, progress and error."""

    kind = models.CharField("类型", max_length=50, db_index=True)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    progress_done = models.PositiveIntegerField("已处理", default=0)
    progress_total = models.PositiveIntegerField("总数", default=0)
    stage = models.CharField("阶段", max_length=100, blank=True)
    input_file = models.FileField("上传文件", upload_to="jobs/%Y/%m/", blank=True)
    input_name = models.CharField("原文件名", max_length=255, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    error = models.TextField("错误", blank=True)
    # Set by core.services.job_enqueue: which Celery task runs the job, so that it can be sent again.
    task_name = models.CharField("执行程序", max_length=200, blank=True)
    sent_at = models.DateTimeField("提交到队列时间", null=True, blank=True)
    retries = models.PositiveSmallIntegerField("重新执行次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="job_status_created_idx")]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class LoginFailure(models.Model):
    """A failed log-in, kept to throttle password guessing (works across web processes)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "登录失败记录"

    def __str__(self):
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a holiday on a weekday, or a make-up working day (调休)."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    name = models.CharField("名称", max_length=50, blank=True)
    source = models.CharField("来源", max_length=50, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.name}"


class CalendarYear(models.Model):
    """A year whose official holiday arrangement has been entered; other years count weekends only."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    source = models.CharField("来源", max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True
    )
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "已录入节假日安排的年度"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year} 年"


class TimeLimitRule(models.Model):
    """A statutory time limit as data: each version names its legal basis and the date it takes effect."""

    code = models.CharField("规则编码", max_length=60)
    name = models.CharField("名称", max_length=200)
    amount = models.PositiveIntegerField("期限数值")
    unit = models.CharField("单位", max_length=10, choices=LimitUnit.choices)
    legal_basis = models.CharField("法律依据", max_length=300)
    effective_from = models.DateField("生效日期")
    verified = models.BooleanField("已核实", default=True, help_text="未核实的默认值来源显示为“待核实”")
    note = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "时限规则"
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="timelimit_code_effective_unique"),
        ]

    def __str__(self):
        return f"{self.name}（{self.amount}{self.get_unit_display()}）"

    @property
    def basis_label(self) -> str:
        return self.legal_basis if self.verified else f"{self.legal_basis}（待核实）"


class DocumentTemplate(models.Model):
    """A standard document (受理通知书, 决定书 …) whose wording an administrator edits; each edit is a new version."""

    code = models.SlugField("编码", max_length=60, unique=True)
    name = models.CharField("文书名称", max_length=100)
    body = models.TextField(
        "正文模板", help_text="Django 模板语言，例如 {{ entity_name }}；空行分段。标题、文号、落款和日期由系统排版。"
    )
    number_pattern = models.CharField(
        "文号格式", max_length=100, help_text="{year} 为年度，{seq} 为当年序号，例如 泉港市监信修受〔{year}〕{seq}号"
    )
    sequence = models.SlugField(
        "编号序列", max_length=60, help_text="同一序列的文书共用一套年度序号；默认与编码相同"
    )
    placeholders = models.JSONField(
        "可用字段", default=list, blank=True,
        help_text="[[字段名, 说明, 是否必填], …]，由调用文书的业务功能提供",
    )
    version = models.PositiveIntegerField("当前版本", default=1)
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "文书模板"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class DocumentTemplateVersion(models.Model):
    """One version of a document template's wording; issued documents point at the version they used."""

    template = models.ForeignKey(DocumentTemplate, verbose_name="文书模板", on_delete=models.PROTECT,
                                 related_name="versions")
    version = models.PositiveIntegerField("版本")
    name = models.CharField("文书名称", max_length=100)
    body = models.TextField("正文模板")
    number_pattern = models.CharField("文号格式", max_length=100)
    created_at = models.DateTimeField("启用时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        verbose_name = verbose_name_plural = "文书模板版本"
        ordering = ["template", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["template", "version"], name="doc_template_version_unique"),
        ]

    def __str__(self):
        return f"{self.name} 第 {self.version} 版"


class DocumentCounter(models.Model):
    """The last number handed out in one document sequence and year (locked while the next is taken)."""

    sequence = models.SlugField("编号序列", max_length=60)
    year = models.PositiveSmallIntegerField("年度")
    last = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "文书编号计数"
        ordering = ["sequence", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "year"], name="doc_counter_sequence_year_unique"),
        ]

    def __str__(self):
        return f"{self.sequence} {self.year} 年：{self.last}"


class IssuedDocumentQuerySet(models.QuerySet):
    def for_user(self, user):
        """District roles see every document; office staff their own office's; everyone else none."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_whole_district:
            return self
        if user.has_role(Role.OFFICE) and user.office_id:
            return self.filter(office_id=user.office_id)
        return self.none()

    def for_subject(self, subject):
        return self.filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=str(subject.pk))


class IssuedDocument(models.Model):
    """A document as issued: its number and the exact text it was issued with, never changed afterwards."""

    template_version = models.ForeignKey(DocumentTemplateVersion, verbose_name="模板版本",
                                         on_delete=models.PROTECT, related_name="documents")
    sequence = models.SlugField("编号序列", max_length=60)
    year = models.PositiveSmallIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    number = models.CharField("文号", max_length=100, db_index=True)
    title = models.CharField("文书名称", max_length=100)
    issued_on = models.DateField("成文日期")
    text = models.TextField("正文")
    context = models.JSONField("填写内容", default=dict, blank=True)
    subject_type = models.ForeignKey(ContentType, verbose_name="所属业务类型", on_delete=models.PROTECT)
    subject_id = models.CharField("所属业务编号", max_length=64)
    subject_repr = models.CharField("所属业务", max_length=200, blank=True)
    office = models.ForeignKey(Office, verbose_name="市场监管所", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="documents", help_text="为空表示局机关（全区）")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="制作人", on_delete=models.PROTECT,
                                   related_name="issued_documents", null=True, blank=True,
                                   help_text="为空表示系统按期自动制作（如公示期届满移出）")
    created_at = models.DateTimeField("制作时间", auto_now_add=True)

    objects = IssuedDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "已制发文书"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "year", "seq"], name="issued_document_number_unique"),
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="issued_document_subject_idx")]

    def __str__(self):
        return f"{self.title} {self.number}"

    @property
    def subject(self):
        return self.subject_type.get_object_for_this_type(pk=self.subject_id)

    @property
    def paragraphs(self) -> list[str]:
        """The text's paragraphs: blank lines (or single line breaks) separate them."""
        return [p.strip() for p in self.text.splitlines() if p.strip()]
