"""Training sessions and attendance (业务培训), conduct supervision (行风建设) and eight-point-rules clue records."""
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.models import Department, Office
from core.permissions import can_view_clues

from .choices import (
    AttendanceSource,
    ClueAccess,
    ClueOutcome,
    ClueSource,
    ClueStatus,
    FindingStatus,
    PlanKind,
    TrainingKind,
)

HOURS_MAX = Decimal("24")


# -- Training ----------------------------------------------------------------------------------------------


class HoursRequirement(models.Model):
    """The training hours every staff member must complete in a year (set by an administrator each year)."""

    year = models.PositiveSmallIntegerField("年度", unique=True, validators=[MinValueValidator(2000)])
    hours = models.DecimalField(
        "年度应完成学时", max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    basis = models.CharField("依据", max_length=200, blank=True, help_text="如局年度培训计划的文号")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "年度学时要求"
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_requirement_hours_positive",
                                   violation_error_message="年度应完成学时必须大于 0。"),
        ]

    def __str__(self):
        return f"{self.year} 年 {self.hours} 学时"


class TrainingSessionQuerySet(models.QuerySet):
    def for_user(self, user):
        """Sessions are bureau-wide: every staff member with a role sees them all; accounts without one see none."""
        if not user.is_authenticated or not (user.is_superuser or user.role_names):
            return self.none()
        return self


class TrainingSession(models.Model):
    """One training session: a 市场监管大讲堂 lecture, a credit-supervision or enforcement course, member training."""

    topic = models.CharField("培训主题", max_length=200)
    kind = models.CharField("培训类别", max_length=12, choices=TrainingKind.choices)
    lecturer = models.CharField("主讲人", max_length=100)
    date = models.DateField("培训日期", db_index=True)
    start_time = models.TimeField("开始时间")
    end_time = models.TimeField("结束时间")
    hours = models.DecimalField(
        "学时", max_digits=4, decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(HOURS_MAX)],
        help_text="参训人员每人计入的学时，可含一位小数",
    )
    place = models.CharField("培训地点", max_length=200)
    audience = models.CharField("参训对象", max_length=200, help_text="如：全局工作人员、执法人员、成员单位业务人员")
    organiser = models.ForeignKey(
        Department, verbose_name="主办股室", on_delete=models.PROTECT, null=True, blank=True,
        related_name="training_sessions",
    )
    description = models.TextField("培训内容", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "培训场次"
        ordering = ["-date", "-start_time", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=HOURS_MAX),
                                   name="training_session_hours_range",
                                   violation_error_message="学时须大于 0 且不超过 24。"),
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")),
                                   name="training_session_end_after_start",
                                   violation_error_message="结束时间须晚于开始时间。"),
            models.UniqueConstraint(fields=["date", "start_time", "topic"], name="training_session_unique",
                                    violation_error_message="同一日期、同一开始时间的同主题培训已登记，请勿重复提交。"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.topic}"

    def get_absolute_url(self):
        return reverse("training:session_detail", args=[self.pk])

    @property
    def starts_at(self):
        """The session's start as an aware datetime in the bureau's time zone."""
        return timezone.make_aware(datetime.combine(self.date, self.start_time))


def material_path(instance, filename: str) -> str:
    """A random stored name (the original name is kept in a field): no user text reaches the file system."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"training/materials/{instance.session_id}/{uuid.uuid4().hex}{suffix}"


class TrainingMaterial(models.Model):
    """A file handed out at a session (slides, handouts); downloaded only through the login-protected view."""

    session = models.ForeignKey(TrainingSession, verbose_name="培训", on_delete=models.CASCADE,
                                related_name="materials")
    file = models.FileField("文件", upload_to=material_path, max_length=300)
    original_name = models.CharField("文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "培训资料"
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "sha256"], name="training_material_unique_file",
                                    violation_error_message="该文件已上传到本次培训。"),
        ]

    def __str__(self):
        return self.original_name


class AttendanceQuerySet(models.QuerySet):
    def for_user(self, user):
        """District roles see everyone's sign-ins; every other staff member only their own."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_whole_district:
            return self
        return self.filter(user_id=user.pk)


class Attendance(models.Model):
    """A staff member's sign-in at a session, with the optional quiz score; it earns the session's hours."""

    session = models.ForeignKey(TrainingSession, verbose_name="培训", on_delete=models.PROTECT,
                                related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="参训人员", on_delete=models.PROTECT,
                             related_name="training_attendances")
    signed_in_at = models.DateTimeField("签到时间")
    score = models.DecimalField(
        "测验成绩", max_digits=4, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    source = models.CharField("来源", max_length=10, choices=AttendanceSource.choices, default=AttendanceSource.MANUAL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "签到记录"
        ordering = ["signed_in_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="training_attendance_once",
                                    violation_error_message="该人员已签到。"),
            models.CheckConstraint(condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                                   name="training_attendance_score_range",
                                   violation_error_message="测验成绩须在 0 到 100 之间。"),
        ]

    def __str__(self):
        return f"{self.user} · {self.session}"


# -- Conduct supervision ("1+X") ---------------------------------------------------------------------------


class ConductPlan(models.Model):
    """A "1+X" conduct supervision plan: the standing "1" or a special "X" topic (spot checks, holidays …)."""

    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000)])
    kind = models.CharField("类型", max_length=10, choices=PlanKind.choices)
    title = models.CharField("督查名称", max_length=200)
    topic = models.CharField("督查专题", max_length=100, help_text="如：结合双随机抽查、节日市场监管")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    description = models.TextField("督查内容与要求", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "行风督查计划"
        ordering = ["-year", "-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="conduct_plan_period",
                                   violation_error_message="结束日期不能早于开始日期。"),
            models.UniqueConstraint(fields=["year", "kind", "title"], name="conduct_plan_unique",
                                    violation_error_message="本年度已有同类型、同名称的督查计划，请勿重复提交。"),
        ]

    def __str__(self):
        return f"{self.year} {self.title}"

    def get_absolute_url(self):
        return reverse("training:conduct_plan_detail", args=[self.pk])


class ConductInspection(models.Model):
    """One inspection under a plan: a field office or a section (department) visited on a date."""

    plan = models.ForeignKey(ConductPlan, verbose_name="督查计划", on_delete=models.PROTECT, related_name="inspections")
    office = models.ForeignKey(Office, verbose_name="被督查市场监管所", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="conduct_inspections")
    department = models.ForeignKey(Department, verbose_name="被督查股室/单位", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="conduct_inspections")
    inspected_on = models.DateField("督查日期")
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="督查人员",
                                        related_name="conduct_inspections")
    summary = models.TextField("督查情况")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "行风督查记录"
        ordering = ["-inspected_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(office__isnull=False, department__isnull=True)
                | Q(office__isnull=True, department__isnull=False),
                name="conduct_inspection_one_unit",
                violation_error_message="被督查单位须在市场监管所与股室/单位中选择且只选择一个。",
            ),
            # One constraint per kind of unit (portable: SQLite has no NULLS NOT DISTINCT).
            models.UniqueConstraint(fields=["plan", "office", "inspected_on"], condition=Q(office__isnull=False),
                                    name="conduct_inspection_unique_office",
                                    violation_error_message="该单位当天的督查记录已登记，请勿重复提交。"),
            models.UniqueConstraint(fields=["plan", "department", "inspected_on"],
                                    condition=Q(department__isnull=False),
                                    name="conduct_inspection_unique_department",
                                    violation_error_message="该单位当天的督查记录已登记，请勿重复提交。"),
        ]

    def __str__(self):
        return f"{self.inspected_on:%Y-%m-%d} {self.unit}"

    def get_absolute_url(self):
        return reverse("training:conduct_inspection_detail", args=[self.pk])

    @property
    def unit(self):
        """The inspected office or department."""
        return self.office or self.department

    def clean(self):
        if self.plan_id and self.inspected_on and not (self.plan.starts_on <= self.inspected_on <= self.plan.ends_on):
            raise ValidationError({"inspected_on": "督查日期须在督查计划的起止日期内。"})


class ConductFindingQuerySet(models.QuerySet):
    def overdue(self, today=None):
        """Findings still awaiting rectification after their deadline."""
        return self.filter(status=FindingStatus.PENDING, deadline__lt=today or timezone.localdate())


class ConductFinding(models.Model):
    """A problem found by an inspection and its rectification: 待整改 → 已整改 → 已销号."""

    inspection = models.ForeignKey(ConductInspection, verbose_name="督查记录", on_delete=models.PROTECT,
                                   related_name="findings")
    problem = models.CharField("发现问题", max_length=500)
    requirement = models.TextField("整改要求")
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="整改责任人", on_delete=models.PROTECT,
                                    related_name="conduct_findings")
    deadline = models.DateField("整改期限")
    status = models.CharField("状态", max_length=10, choices=FindingStatus.choices, default=FindingStatus.PENDING)
    rectified_on = models.DateField("整改完成日期", null=True, blank=True)
    rectification_note = models.TextField("整改情况", blank=True)
    closed_on = models.DateField("销号日期", null=True, blank=True)
    closing_note = models.TextField("销号说明", blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="销号人", on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ConductFindingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督查发现问题与整改"
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "problem"], name="conduct_finding_unique",
                                    violation_error_message="本次督查已登记相同的问题，请勿重复提交。"),
            models.CheckConstraint(
                condition=Q(status=FindingStatus.PENDING)
                | Q(status=FindingStatus.RECTIFIED, rectified_on__isnull=False)
                | Q(status=FindingStatus.CLOSED, rectified_on__isnull=False, closed_on__isnull=False),
                name="conduct_finding_status_dates",
                violation_error_message="整改、销号须填写对应日期。",
            ),
        ]

    def __str__(self):
        return self.problem[:60]

    def get_absolute_url(self):
        return reverse("training:conduct_finding_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.status == FindingStatus.PENDING and self.deadline < timezone.localdate()


# -- Clue records: the discipline role only --------------------------------------------------------------


class ClueQuerySet(models.QuerySet):
    def for_user(self, user):
        """Only the discipline role (纪检监察) sees clues; administrators and leadership see none."""
        return self if can_view_clues(user) else self.none()


class Clue(models.Model):
    """A clue about a possible breach of the eight-point rules (中央八项规定), seen only by the discipline role."""

    audit_restricted = True  # its audit entries stay out of the administrators' audit list

    number = models.CharField("线索编号", max_length=20, unique=True)
    received_on = models.DateField("收到日期")
    source = models.CharField("线索来源", max_length=12, choices=ClueSource.choices)
    inspection = models.ForeignKey(ConductInspection, verbose_name="来源督查", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    subject = models.CharField("涉及单位或人员", max_length=200)
    content = models.TextField("线索内容")
    status = models.CharField("状态", max_length=12, choices=ClueStatus.choices, default=ClueStatus.REGISTERED)
    verification_note = models.TextField("核查情况", blank=True)
    outcome = models.CharField("办结结论", max_length=12, choices=ClueOutcome.choices, blank=True)
    concluded_on = models.DateField("办结日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ClueQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "问题线索"
        ordering = ["-received_on", "-id"]
        default_permissions = ()  # never assignable through admin groups: access is the discipline role itself
        constraints = [
            models.UniqueConstraint(fields=["received_on", "source", "subject"], name="clue_unique_receipt",
                                    violation_error_message="同一天、同一来源涉及该对象的线索已登记，请勿重复提交。"),
            models.CheckConstraint(
                condition=~Q(status=ClueStatus.CONCLUDED) | (Q(concluded_on__isnull=False) & ~Q(outcome="")),
                name="clue_concluded_has_outcome",
                violation_error_message="办结须填写结论和办结日期。",
            ),
        ]

    def __str__(self):
        # Kept neutral: this text reaches the shared audit trail, which administrators can read.
        return f"线索 {self.number}"

    def get_absolute_url(self):
        return reverse("training:clue_detail", args=[self.pk])


class ClueView(models.Model):
    """Every time someone opens, edits or exports a clue: who and when (shown on the clue's page)."""

    audit_restricted = True  # its audit entries stay out of the administrators' audit list

    clue = models.ForeignKey(Clue, verbose_name="线索", on_delete=models.PROTECT, related_name="views")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="查看人", on_delete=models.PROTECT,
                               related_name="+")
    viewed_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    access = models.CharField("方式", max_length=10, choices=ClueAccess.choices, default=ClueAccess.VIEW)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "线索查阅记录"
        ordering = ["-viewed_at", "-id"]
        default_permissions = ()

    def __str__(self):
        return f"{self.viewer} {self.viewed_at:%Y-%m-%d %H:%M}"
