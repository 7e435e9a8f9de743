"""Listings (经营异常名录, 经营异常状态, 严重违法失信名单), penalty publicity and credit-repair cases.

The state transitions live in credit.listings (listing cases), credit.penalties and credit.repair; these models
hold the fields, the database constraints and simple properties only.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import Department, Office
from registry.models import MarketEntity

from .choices import (
    LISTING_IN_FORCE,
    LISTING_OPEN,
    REPAIR_OPEN,
    ListingKind,
    ListingReason,
    ListingStatus,
    ObjectionStatus,
    PenaltyDomain,
    PenaltyKind,
    PenaltyStatus,
    ReminderChannel,
    RepairChannel,
    RepairKind,
    RepairStatus,
    TriggerSource,
)

USER = settings.AUTH_USER_MODEL


class ScopedQuerySet(models.QuerySet):
    """Records carry the office that handles them: office staff see their office's, the district roles all."""

    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.sees_whole_district:
            return self
        from core.choices import Role

        if user.has_role(Role.OFFICE) and user.office_id:
            return self.filter(office_id=user.office_id)
        return self.none()


class ListingQuerySet(ScopedQuerySet):
    def in_force(self):
        """Listings and marks in effect: listed, or cured and waiting for the removal decision."""
        return self.filter(status__in=LISTING_IN_FORCE)

    def open(self):
        return self.filter(status__in=LISTING_OPEN)


class ListingCase(models.Model):
    """One listing procedure for one entity and reason: trigger → reminder → buffer → proposal → approval → listed
    (or, for the serious list, notice → statement and defence → hearing → the level above's approval → listed),
    then removal. For an individual business the result is the 经营异常状态 mark, never a listing."""

    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.PROTECT,
                               related_name="listing_cases")
    office = models.ForeignKey(Office, verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=20, choices=ListingKind.choices)
    reason = models.CharField("列入事由", max_length=20, choices=ListingReason.choices)
    status = models.CharField("状态", max_length=10, choices=ListingStatus.choices, default=ListingStatus.REMINDER)
    source = models.CharField("触发来源", max_length=20, choices=TriggerSource.choices)
    source_ref = models.CharField("来源记录", max_length=100, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    occurred_on = models.DateField("事由发生或查实日期")
    opened_at = models.DateTimeField("立案时间", default=timezone.now)
    opened_by = models.ForeignKey(USER, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    # The deadline of the step the case is waiting for (None when nothing is due) and the rule it comes from.
    due_on = models.DateField("当前步骤期限", null=True, blank=True)
    due_rule = models.CharField("期限规则", max_length=60, blank=True)

    # 提醒提示 and 信用惩戒缓冲 (abnormal list and individual mark)
    reminded_on = models.DateField("提醒日期", null=True, blank=True)
    reminder_channel = models.CharField("提醒方式", max_length=10, choices=ReminderChannel.choices, blank=True)
    reminder_note = models.CharField("提醒情况", max_length=300, blank=True)
    reminded_by = models.ForeignKey(USER, verbose_name="提醒人", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    buffer_until = models.DateField("缓冲期届满", null=True, blank=True)
    # Prudent listing: a proposal and a second reviewer's approval.
    proposed_on = models.DateField("拟列入日期", null=True, blank=True)
    proposed_by = models.ForeignKey(USER, verbose_name="拟列入人", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    proposal_note = models.CharField("拟列入意见", max_length=500, blank=True)
    approved_on = models.DateField("审核日期", null=True, blank=True)
    approved_by = models.ForeignKey(USER, verbose_name="审核人", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    listed_on = models.DateField("列入（标记）日期", null=True, blank=True)
    decision_no = models.CharField("决定书文号", max_length=60, blank=True)

    # Serious-violation list: notice, statement and defence, hearing, the level above's approval, the term.
    source_listing = models.ForeignKey("self", verbose_name="原经营异常名录记录", on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="serious_cases")
    notified_on = models.DateField("告知日期", null=True, blank=True)
    statement_due = models.DateField("陈述申辩期限", null=True, blank=True)
    statement = models.TextField("陈述申辩意见", blank=True)
    hearing_requested = models.BooleanField("申请听证", default=False)
    hearing_on = models.DateField("听证日期", null=True, blank=True)
    hearing_note = models.CharField("听证情况", max_length=500, blank=True)
    superior_authority = models.CharField("批准机关", max_length=100, blank=True)
    superior_approver = models.CharField("批准人", max_length=50, blank=True)
    superior_approved_on = models.DateField("批准日期", null=True, blank=True)
    superior_document = models.CharField("批准文件", max_length=100, blank=True)
    term_end = models.DateField("公示期届满", null=True, blank=True)

    # The end: cured, removed or restored, closed before listing, or revoked on an objection.
    cured_on = models.DateField("事由消除日期", null=True, blank=True)
    cure_source = models.CharField("消除来源", max_length=20, choices=TriggerSource.choices, blank=True)
    cure_note = models.CharField("消除情况", max_length=300, blank=True)
    removal_due = models.DateField("移出（恢复）期限", null=True, blank=True)
    removed_on = models.DateField("移出（恢复）日期", null=True, blank=True)
    removal_reason = models.CharField("移出原因", max_length=300, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)

    objects = ListingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "列异列严案件"
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "reason"], condition=Q(status__in=LISTING_OPEN),
                                    name="listingcase_one_open_per_reason"),
            models.CheckConstraint(
                condition=~Q(status__in=LISTING_IN_FORCE) | Q(listed_on__isnull=False),
                name="listingcase_listed_has_date"),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="listingcase_status_due_idx"),
            models.Index(fields=["office", "status"], name="listingcase_office_status_idx"),
            models.Index(fields=["kind", "listed_on"], name="listingcase_kind_listed_idx"),
        ]

    def __str__(self):
        return f"{self.entity}（{self.get_kind_display()}·{self.get_reason_display()}）"

    @property
    def status_label(self) -> str:
        """The status in the words of the case's kind: an individual business is marked and restored."""
        if self.kind == ListingKind.INDIVIDUAL_ABNORMAL:
            return {ListingStatus.LISTED: "已标记经营异常状态", ListingStatus.REMOVAL: "待恢复正常记载状态",
                    ListingStatus.REMOVED: "已恢复正常记载状态", ListingStatus.PROPOSED: "拟标记待审核",
                    ListingStatus.CLOSED: "已消除，未标记"}.get(self.status, self.get_status_display())
        return self.get_status_display()

    @property
    def overdue(self) -> bool:
        return self.due_on is not None and self.due_on < timezone.localdate()

    @property
    def in_force(self) -> bool:
        return self.status in LISTING_IN_FORCE


class ListingObjection(models.Model):
    """An entity's objection to a listing or mark: received → accepted or refused (5 working days) → upheld or
    rejected after verification (20 working days). An upheld objection revokes the listing."""

    case = models.ForeignKey(ListingCase, verbose_name="列异案件", on_delete=models.PROTECT,
                             related_name="objections")
    received_on = models.DateField("收到异议日期")
    grounds = models.TextField("异议理由")
    status = models.CharField("状态", max_length=10, choices=ObjectionStatus.choices,
                              default=ObjectionStatus.RECEIVED)
    acceptance_due = models.DateField("受理决定期限")
    accepted_on = models.DateField("受理（不予受理）日期", null=True, blank=True)
    verification_due = models.DateField("核实期限", null=True, blank=True)
    decided_on = models.DateField("核实结论日期", null=True, blank=True)
    conclusion = models.CharField("处理意见", max_length=500, blank=True)
    received_by = models.ForeignKey(USER, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    handled_by = models.ForeignKey(USER, verbose_name="处理人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "列异异议"
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status__in=["received", "accepted"]),
                                    name="objection_one_open_per_case"),
        ]

    def __str__(self):
        return f"{self.case} 的异议（{self.received_on}）"

    @property
    def due_on(self):
        if self.status == ObjectionStatus.RECEIVED:
            return self.acceptance_due
        if self.status == ObjectionStatus.ACCEPTED:
            return self.verification_due
        return None


class PenaltyRecord(models.Model):
    """An administrative penalty decision published on the credit information system (行政处罚信息公示): published
    within the time limit, shown until the end of its publicity period, withdrawn when the decision is revoked,
    or ended early by credit repair."""

    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.PROTECT,
                               related_name="penalty_records")
    office = models.ForeignKey(Office, verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    decision_no = models.CharField("处罚决定书文号", max_length=60, unique=True)
    decided_on = models.DateField("处罚决定日期")
    kind = models.CharField("处罚种类", max_length=20, choices=PenaltyKind.choices)
    domain = models.CharField("领域", max_length=20, choices=PenaltyDomain.choices, default=PenaltyDomain.GENERAL)
    violation = models.CharField("违法行为类型", max_length=100)
    fine_amount = models.DecimalField("罚没金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    authority = models.CharField("作出决定机关", max_length=100)
    status = models.CharField("状态", max_length=15, choices=PenaltyStatus.choices, default=PenaltyStatus.PENDING)
    publish_due = models.DateField("公示期限", null=True, blank=True)
    published_on = models.DateField("公示日期", null=True, blank=True)
    publicity_end = models.DateField("公示期届满", null=True, blank=True)
    revoked_on = models.DateField("决定撤销日期", null=True, blank=True)
    withdrawal_due = models.DateField("撤下期限", null=True, blank=True)
    withdrawn_on = models.DateField("撤下日期", null=True, blank=True)
    ended_on = models.DateField("停止公示日期", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(USER, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "行政处罚信息公示"
        ordering = ["-decided_on", "-id"]
        indexes = [
            models.Index(fields=["entity", "decided_on"], name="penalty_entity_date_idx"),
            models.Index(fields=["status", "publicity_end"], name="penalty_status_end_idx"),
        ]

    def __str__(self):
        return f"{self.decision_no} {self.entity}"

    @property
    def is_special_domain(self) -> bool:
        from .choices import PENALTY_SPECIAL_DOMAINS

        return self.domain in PENALTY_SPECIAL_DOMAINS

    @property
    def due_on(self):
        if self.status == PenaltyStatus.PENDING:
            return self.publish_due
        if self.status == PenaltyStatus.REVOKED:
            return self.withdrawal_due
        return None

    @property
    def overdue(self) -> bool:
        due = self.due_on
        return due is not None and due < timezone.localdate()


class RepairCaseQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status__in=REPAIR_OPEN)


class RepairCase(models.Model):
    """One credit-repair application, whatever its kind: received → accepted (or not) → reviewed → decided
    (repair or refuse) → removal from the list or end of publicity → notice to the entity → shared → closed."""

    number = models.CharField("案件编号", max_length=30, unique=True)
    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.PROTECT,
                               related_name="repair_cases")
    office = models.ForeignKey(Office, verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("修复类别", max_length=12, choices=RepairKind.choices)
    listing = models.ForeignKey(ListingCase, verbose_name="名录记录", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="repair_cases")
    penalty = models.ForeignKey(PenaltyRecord, verbose_name="行政处罚公示记录", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="repair_cases")
    channel = models.CharField("申请渠道", max_length=10, choices=RepairChannel.choices)
    applied_on = models.DateField("申请日期")
    applicant = models.CharField("申请人（经办人）", max_length=50)
    contact = models.CharField("联系电话", max_length=40, blank=True)
    materials = models.JSONField("已提交材料", default=list, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    status = models.CharField("状态", max_length=15, choices=RepairStatus.choices, default=RepairStatus.RECEIVED)
    due_on = models.DateField("当前步骤期限", null=True, blank=True)
    due_rule = models.CharField("期限规则", max_length=60, blank=True)
    received_by = models.ForeignKey(USER, verbose_name="接收人", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    # 受理
    accepted_on = models.DateField("受理（不予受理）日期", null=True, blank=True)
    accepted_by = models.ForeignKey(USER, verbose_name="受理人", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    acceptance_reason = models.CharField("不予受理理由", max_length=500, blank=True)
    eligibility = models.JSONField("受理时的修复条件核查", default=list, blank=True)
    # 审查
    reviewed_on = models.DateField("审查日期", null=True, blank=True)
    reviewed_by = models.ForeignKey(USER, verbose_name="审查人", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    review_opinion = models.TextField("审查意见", blank=True)
    # 决定
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decided_by = models.ForeignKey(USER, verbose_name="决定人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decision_due = models.DateField("决定期限", null=True, blank=True)
    repaired = models.BooleanField("准予修复", null=True, blank=True)
    decision_reason = models.TextField("决定理由", blank=True)
    # 执行、告知
    effected_on = models.DateField("移出（停止公示）日期", null=True, blank=True)
    effect_due = models.DateField("移出（停止公示）期限", null=True, blank=True)
    notified_on = models.DateField("告知日期", null=True, blank=True)
    notice_channel = models.CharField("告知方式", max_length=10, choices=ReminderChannel.choices, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)

    objects = RepairCaseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "信用修复案件"
        ordering = ["-applied_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["listing"], condition=Q(status__in=REPAIR_OPEN),
                                    name="repaircase_one_open_per_listing"),
            models.UniqueConstraint(fields=["penalty"], condition=Q(status__in=REPAIR_OPEN),
                                    name="repaircase_one_open_per_penalty"),
            models.CheckConstraint(
                condition=(Q(kind="penalty", penalty__isnull=False, listing__isnull=True)
                           | (~Q(kind="penalty") & Q(listing__isnull=False, penalty__isnull=True))),
                name="repaircase_target_matches_kind"),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="repaircase_status_due_idx"),
            models.Index(fields=["office", "status"], name="repaircase_office_status_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.entity}（{self.get_kind_display()}）"

    @property
    def overdue(self) -> bool:
        return self.due_on is not None and self.due_on < timezone.localdate()

    @property
    def target(self):
        return self.penalty if self.kind == RepairKind.PENALTY else self.listing


class RepairShare(models.Model):
    """The repair result shared with a department concerned: to whom and when."""

    case = models.ForeignKey(RepairCase, verbose_name="修复案件", on_delete=models.CASCADE, related_name="shares")
    department = models.ForeignKey(Department, verbose_name="共享单位", on_delete=models.PROTECT, related_name="+")
    shared_on = models.DateField("共享日期")
    shared_by = models.ForeignKey(USER, verbose_name="经办人", on_delete=models.PROTECT, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "修复结果共享"
        ordering = ["shared_on", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "department"], name="repairshare_unique")]

    def __str__(self):
        return f"{self.case.number} → {self.department}"
