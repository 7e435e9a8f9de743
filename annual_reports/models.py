"""年度报告: the filing season per report year, each entity's filing record, the progress tallies, reminder
campaigns with their contacts, suspension periods (歇业) and the guidance given to dormant entities."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import Office
from registry.choices import EntityType
from registry.models import MarketEntity

from .choices import (
    Channel,
    ContactChannel,
    ContactOutcome,
    DormantSignal,
    FilingStatus,
    GuidanceKind,
    GuidanceOutcome,
    RecordSource,
)

USER = settings.AUTH_USER_MODEL


class FilingSeason(models.Model):
    """One report year's season: filing opens, the deadline (30 June by default, from the rule table) after which
    enterprises that have not filed are handed to the abnormal-operation listing and individual businesses marked."""

    year = models.PositiveSmallIntegerField("报告年度", unique=True)
    opens_on = models.DateField("报送开始日期")
    due_on = models.DateField("报送截止日期")
    required_established_before = models.DateField(
        "须报送主体的成立日期早于", help_text="在此日期前成立的存续、歇业主体须报送本年度年报；之后成立的记为无需报送")
    handed_over_at = models.DateTimeField("到期未报送移交列异时间", null=True, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "年报季"
        ordering = ["-year"]
        constraints = [models.CheckConstraint(condition=Q(opens_on__lte=models.F("due_on")),
                                              name="season_opens_before_due")]

    def __str__(self):
        return f"{self.year} 年度年报"


def scoped(queryset, user, office_path: str):
    """The rows a user may see: the whole district, or those whose ``office_path`` is the user's office."""
    if not user.is_authenticated:
        return queryset.none()
    if user.sees_whole_district:
        return queryset
    from core.choices import Role

    if user.has_role(Role.OFFICE) and user.office_id:
        return queryset.filter(**{office_path: user.office_id})
    return queryset.none()


class ScopedQuerySet(models.QuerySet):
    office_path = "entity__office_id"

    def for_user(self, user):
        """The records of the entities a user may see (another office's answer 404)."""
        return scoped(self, user, self.office_path)


class CampaignQuerySet(ScopedQuerySet):
    office_path = "office_id"


class ContactQuerySet(ScopedQuerySet):
    office_path = "target__entity__office_id"


class AnnualReportQuerySet(ScopedQuerySet):
    pass


class AnnualReport(models.Model):
    """An entity's annual report for one report year: not filed, filed on time, filed late (补报) or not required."""

    season = models.ForeignKey(FilingSeason, verbose_name="年报季", on_delete=models.PROTECT, related_name="reports")
    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.CASCADE,
                               related_name="annual_reports", db_index=False)
    status = models.CharField("报送状态", max_length=12, choices=FilingStatus.choices,
                              default=FilingStatus.NOT_FILED)
    filed_on = models.DateField("报送日期", null=True, blank=True)
    channel = models.CharField("报送方式", max_length=8, choices=Channel.choices, blank=True)
    publish = models.BooleanField("个体户选择公示", null=True, blank=True)
    source = models.CharField("来源", max_length=8, choices=RecordSource.choices, default=RecordSource.SEASON)
    listing_opened_on = models.DateField("移交列异（标记）日期", null=True, blank=True)
    recorded_by = models.ForeignKey(USER, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "年度报告报送情况"
        ordering = ["-season__year", "entity_id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "season"], name="annual_report_once_per_year"),
            models.CheckConstraint(
                condition=Q(status__in=["on_time", "late"], filed_on__isnull=False)
                | Q(status__in=["not_filed", "not_required"], filed_on__isnull=True),
                name="annual_report_filed_has_date"),
        ]
        # No (season, status) index: the import rewrites most of a season's statuses at once, and every index on
        # a changed column is one more write per row; the lists join the register and sort by it anyway.

    def __str__(self):
        return f"{self.entity_id} {self.season_id} {self.get_status_display()}"


class SeasonTally(models.Model):
    """Per season, office and type: how many must file — the progress page's denominators (kept by the import,
    the season opening and the paper form, so the page never counts a million records)."""

    season = models.ForeignKey(FilingSeason, on_delete=models.CASCADE, related_name="tallies")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    entity_type = models.CharField(max_length=12, choices=EntityType.choices)
    required = models.PositiveIntegerField(default=0)
    not_required = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "年报应报户数汇总"
        constraints = [models.UniqueConstraint(fields=["season", "office", "entity_type"],
                                               name="season_tally_unique")]

    def __str__(self):
        return f"{self.season_id}/{self.office_id}/{self.entity_type}: {self.required}"


class DailyFilingTally(models.Model):
    """Per season, office, type and day: the reports received that day (on time and late)."""

    season = models.ForeignKey(FilingSeason, on_delete=models.CASCADE, related_name="daily")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    entity_type = models.CharField(max_length=12, choices=EntityType.choices)
    day = models.DateField()
    filings = models.IntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "年报每日报送汇总"
        constraints = [models.UniqueConstraint(fields=["season", "office", "entity_type", "day"],
                                               name="daily_tally_unique")]

    def __str__(self):
        return f"{self.season_id}/{self.office_id}/{self.entity_type} {self.day}: {self.filings}"


class ReminderCampaign(models.Model):
    """A reminder campaign: a snapshot of the entities not yet filed (by office, type, industry) to text or call."""

    season = models.ForeignKey(FilingSeason, verbose_name="年报季", on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField("名称", max_length=100)
    office = models.ForeignKey(Office, verbose_name="市场监管所", on_delete=models.PROTECT, null=True, blank=True,
                               help_text="留空为全区")
    entity_type = models.CharField("主体类型", max_length=12, choices=EntityType.choices, blank=True)
    industry_prefix = models.CharField("行业代码（前缀）", max_length=5, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    target_count = models.PositiveIntegerField("提醒户数", default=0)
    created_by = models.ForeignKey(USER, verbose_name="创建人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "年报提醒批次"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class CampaignTarget(models.Model):
    """One entity on a campaign's list."""

    campaign = models.ForeignKey(ReminderCampaign, on_delete=models.CASCADE, related_name="targets")
    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.CASCADE, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "提醒对象"
        constraints = [models.UniqueConstraint(fields=["campaign", "entity"], name="campaign_target_once")]

    def __str__(self):
        return f"{self.campaign_id}:{self.entity_id}"


class ContactRecord(models.Model):
    """One reminder made to a campaign target: date, channel, outcome."""

    target = models.ForeignKey(CampaignTarget, on_delete=models.CASCADE, related_name="contacts")
    contacted_on = models.DateField("联系日期")
    channel = models.CharField("方式", max_length=8, choices=ContactChannel.choices)
    outcome = models.CharField("结果", max_length=16, choices=ContactOutcome.choices)
    note = models.CharField("备注", max_length=300, blank=True)
    recorded_by = models.ForeignKey(USER, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "提醒联系记录"
        ordering = ["-contacted_on", "-id"]

    def __str__(self):
        return f"{self.contacted_on} {self.get_channel_display()} {self.get_outcome_display()}"


class SuspensionPeriod(models.Model):
    """A suspension of business (歇业) filed by an entity: start, planned end, extension, resumption."""

    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.CASCADE,
                               related_name="suspension_periods")
    starts_on = models.DateField("歇业开始日期")
    planned_end = models.DateField("歇业期满日期")
    extension_filed_on = models.DateField("申请延期日期", null=True, blank=True)
    resumed_on = models.DateField("恢复营业日期", null=True, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    created_by = models.ForeignKey(USER, verbose_name="录入人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "歇业期"
        ordering = ["-starts_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(starts_on__lt=models.F("planned_end")),
                                              name="suspension_end_after_start")]

    def __str__(self):
        return f"{self.entity} 歇业 {self.starts_on}–{self.planned_end}"

    @property
    def ends_on(self):
        return self.resumed_on or self.planned_end


class DormancyGuidance(models.Model):
    """Guidance given to a likely dormant entity (歇业备案, 简易/普通注销) and what came of it."""

    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.CASCADE,
                               related_name="dormancy_guidance")
    signals = models.JSONField("识别依据", default=list, blank=True,
                               help_text="记录时的休眠信号：" + "、".join(DormantSignal.labels))
    guided_on = models.DateField("引导日期")
    kind = models.CharField("引导事项", max_length=16, choices=GuidanceKind.choices)
    outcome = models.CharField("结果", max_length=20, choices=GuidanceOutcome.choices,
                               default=GuidanceOutcome.PENDING)
    outcome_on = models.DateField("结果日期", null=True, blank=True)
    note = models.CharField("情况说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(USER, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "休眠主体引导记录"
        ordering = ["-guided_on", "-id"]

    def __str__(self):
        return f"{self.entity} {self.get_kind_display()}"
