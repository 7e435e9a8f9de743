"""Writes of the annual-report season: opening a season, paper reports, the tallies behind the progress page,
reminder campaigns and their contacts, and handing non-filers to the listings workflow (and cures back)."""
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from core.audit import audit
from core.choices import AuditAction
from core.workdays import add_period, rule_for
from registry.choices import EntityType, RegistrationStatus
from registry.models import MarketEntity

from .choices import FILED, Channel, ContactOutcome, FilingStatus, RecordSource
from .models import (
    AnnualReport,
    CampaignTarget,
    ContactRecord,
    DailyFilingTally,
    FilingSeason,
    ReminderCampaign,
    SeasonTally,
)

FILING_PERIOD_RULE = "annual_report_filing_period"
# Entities in these registration states must file (RULES.md: entities in suspension still file).
FILING_STATUSES = (RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED)
LISTING_SOURCE = "annual_report"


# ---- the season ----------------------------------------------------------------------------------------------

def season_defaults(year: int) -> dict:
    """A new season's dates: filing opens on 1 January of the next year and runs for the rule's period; entities
    established before 1 January of the report year must file, those established during it need not (issue 6)."""
    opens_on = date(year + 1, 1, 1)
    rule = rule_for(FILING_PERIOD_RULE, opens_on)
    return {"opens_on": opens_on, "due_on": add_period(opens_on, rule.amount, rule.unit) - timedelta(days=1),
            "required_established_before": date(year, 1, 1)}


def _check_season(*, year: int, opens_on: date, due_on: date, required_established_before: date) -> None:
    errors = {}
    if not 2000 <= year <= timezone.localdate().year + 1:
        errors["year"] = f"报告年度 {year} 不合理，请填写 2000 年至 {timezone.localdate().year + 1} 年之间的年度。"
    if opens_on.year <= year:
        errors["opens_on"] = f"{year} 年度年报应在 {year + 1} 年及以后报送，开始日期不能早于 {year + 1}-01-01。"
    if due_on < opens_on:
        errors["due_on"] = "报送截止日期不能早于开始日期。"
    if required_established_before > opens_on:
        errors["required_established_before"] = "须报送主体的成立日期界限不能晚于报送开始日期。"
    elif required_established_before.year < year - 1:
        errors["required_established_before"] = (
            f"须报送主体的成立日期界限应在 {year} 年 1 月 1 日前后（报告年度内成立的主体无需报送当年年报），"
            f"不能早于 {year - 1}-01-01。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def season_open(*, year: int, by, opens_on: date | None = None, due_on: date | None = None,
                required_established_before: date | None = None, note: str = "") -> FilingSeason:
    """Open a report year's season: a 未报送 record for every entity that must file, 无需报送 for those
    established too late, and the tallies; audited. Opening an existing year adds the entities it lacks."""
    defaults = season_defaults(year)
    opens_on = opens_on or defaults["opens_on"]
    due_on = due_on or defaults["due_on"]
    required_established_before = required_established_before or defaults["required_established_before"]
    _check_season(year=year, opens_on=opens_on, due_on=due_on, required_established_before=required_established_before)
    season, created = FilingSeason.objects.select_for_update().get_or_create(
        year=year, defaults={"opens_on": opens_on, "due_on": due_on, "note": note[:300],
                             "required_established_before": required_established_before})
    added = season_add_entities(season)
    tally_rebuild(season)
    audit(actor=by, action=AuditAction.CREATE if created else AuditAction.UPDATE, target=season,
          summary=f"{'开启' if created else '补充'}{season}：新增报送记录 {added} 户（截止 {season.due_on}）",
          extra={"added": added, "due_on": season.due_on.isoformat()})
    return season


@transaction.atomic
def season_update(*, season: FilingSeason, due_on: date, note: str, by,
                  required_established_before: date | None = None) -> FilingSeason:
    """Change a season's deadline (a year the rules differ) or its cut-off of who must file; filings already
    recorded are re-judged on time/late, records not filed are re-judged 未报送/无需报送 by the new cut-off."""
    season = FilingSeason.objects.select_for_update().get(pk=season.pk)
    cut_off = required_established_before or season.required_established_before
    _check_season(year=season.year, opens_on=season.opens_on, due_on=due_on, required_established_before=cut_off)
    if season.handed_over_at and due_on != season.due_on:
        raise ValidationError("到期未报送主体已移交列异，不能再修改报送截止日期。")
    if season.handed_over_at and cut_off != season.required_established_before:
        raise ValidationError("到期未报送主体已移交列异，不能再修改须报送主体的成立日期界限。")
    before = {"due_on": season.due_on.isoformat(), "note": season.note,
              "required_established_before": season.required_established_before.isoformat()}
    season.due_on, season.note, season.required_established_before = due_on, note[:300], cut_off
    season.save(update_fields=["due_on", "note", "required_established_before"])
    reports = AnnualReport.objects.filter(season=season)
    reports.filter(status=FilingStatus.LATE, filed_on__lte=due_on).update(status=FilingStatus.ON_TIME)
    reports.filter(status=FilingStatus.ON_TIME, filed_on__gt=due_on).update(status=FilingStatus.LATE)
    if before["required_established_before"] != cut_off.isoformat():
        reports.filter(status=FilingStatus.NOT_FILED, entity__established_on__gte=cut_off).update(
            status=FilingStatus.NOT_REQUIRED)
        reports.filter(status=FilingStatus.NOT_REQUIRED, entity__established_on__lt=cut_off).update(
            status=FilingStatus.NOT_FILED)
        tally_rebuild(season)
    after = {"due_on": due_on.isoformat(), "note": season.note, "required_established_before": cut_off.isoformat()}
    audit(actor=by, action=AuditAction.UPDATE, target=season, summary=f"修改{season}的设置",
          changes={k: [before[k], v] for k, v in after.items() if before[k] != v})
    return season


def season_add_entities(season: FilingSeason) -> int:
    """Insert the season's missing records in one statement (no row-by-row work at a million entities)."""
    table = AnnualReport._meta.db_table
    entity_table = MarketEntity._meta.db_table
    statuses = ", ".join(["%s"] * len(FILING_STATUSES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (season_id, entity_id, status, filed_on, channel, publish, source, "
            f"listing_opened_on, recorded_by_id, updated_at) "
            f"SELECT %s, e.id, CASE WHEN e.established_on < %s THEN %s ELSE %s END, NULL, '', NULL, %s, NULL, NULL, %s "
            f"FROM {entity_table} e WHERE e.status IN ({statuses}) "
            f"AND NOT EXISTS (SELECT 1 FROM {table} r WHERE r.entity_id = e.id AND r.season_id = %s)",
            [season.pk, season.required_established_before, FilingStatus.NOT_FILED, FilingStatus.NOT_REQUIRED,
             RecordSource.SEASON, timezone.now(), *FILING_STATUSES, season.pk],
        )
        return cursor.rowcount


def filing_status_for(season: FilingSeason, filed_on: date) -> str:
    return FilingStatus.ON_TIME if filed_on <= season.due_on else FilingStatus.LATE


# ---- the tallies the progress page reads ------------------------------------------------------------------

def tally_rebuild(season: FilingSeason) -> None:
    """Recount a season's denominators and daily filings from its records (after an import or the opening)."""
    reports = AnnualReport.objects.filter(season=season).order_by()
    SeasonTally.objects.filter(season=season).delete()
    SeasonTally.objects.bulk_create([
        SeasonTally(season=season, office_id=row["entity__office_id"], entity_type=row["entity__entity_type"],
                    required=row["required"], not_required=row["not_required"])
        for row in reports.values("entity__office_id", "entity__entity_type").annotate(
            required=Count("id", filter=~Q(status=FilingStatus.NOT_REQUIRED)),
            not_required=Count("id", filter=Q(status=FilingStatus.NOT_REQUIRED)))
    ])
    DailyFilingTally.objects.filter(season=season).delete()
    DailyFilingTally.objects.bulk_create([
        DailyFilingTally(season=season, office_id=row["entity__office_id"], entity_type=row["entity__entity_type"],
                         day=row["filed_on"], filings=row["n"])
        for row in reports.filter(status__in=FILED).values("entity__office_id", "entity__entity_type", "filed_on")
        .annotate(n=Count("id"))
    ], batch_size=2000)


def _tally_add(season, entity, *, day: date | None = None, required: int = 0, filings: int = 1) -> None:
    """Add one entity's change to the tallies (the paper form): a filing on a day, and/or a required entity."""
    if required:
        tally, _ = SeasonTally.objects.get_or_create(season=season, office_id=entity.office_id,
                                                     entity_type=entity.entity_type)
        SeasonTally.objects.filter(pk=tally.pk).update(required=F("required") + required)
    if day is not None:
        tally, _ = DailyFilingTally.objects.get_or_create(season=season, office_id=entity.office_id,
                                                          entity_type=entity.entity_type, day=day)
        DailyFilingTally.objects.filter(pk=tally.pk).update(filings=F("filings") + filings)


# ---- paper reports of individual businesses -----------------------------------------------------------------

@transaction.atomic
def report_record_paper(*, entity: MarketEntity, season: FilingSeason, filed_on: date, publish: bool,
                        by) -> AnnualReport:
    """Record an individual business's paper annual report (个体工商户纸质年报); a late one cures its mark."""
    if entity.entity_type != EntityType.INDIVIDUAL:
        raise ValidationError({"uscc": "纸质年报只适用于个体工商户；企业和农民专业合作社须通过公示系统网上报送。"})
    today = timezone.localdate()
    if filed_on > today:
        raise ValidationError({"filed_on": "报送日期不能晚于今天。"})
    if filed_on < season.opens_on:
        raise ValidationError({"filed_on": f"{season}从 {season.opens_on} 起报送，报送日期不能早于该日。"})
    report = (AnnualReport.objects.select_for_update().filter(season=season, entity=entity).first())
    if report is not None and report.status in FILED:
        raise ValidationError(f"{entity.name} 的{season}已于 {report.filed_on} 报送"
                              f"（{report.get_channel_display() or '—'}），无需重复录入。")
    if report is not None and report.status == FilingStatus.NOT_REQUIRED:
        raise ValidationError(f"{entity.name} 成立于 {entity.established_on}，无需报送{season}。")
    if report is None and entity.established_on >= season.required_established_before:
        raise ValidationError(f"{entity.name} 成立于 {entity.established_on}，无需报送{season}。")
    new_record = report is None
    if new_record:
        report = AnnualReport(season=season, entity=entity)
    before = report.status
    report.status = filing_status_for(season, filed_on)
    report.filed_on, report.channel, report.publish = filed_on, Channel.PAPER, publish
    report.source, report.recorded_by = RecordSource.PAPER, by
    try:
        with transaction.atomic():  # a savepoint: two clerks entering the same report at the same moment
            report.save()
    except IntegrityError:
        raise ValidationError(f"{entity.name} 的{season}刚刚已由其他人录入，请刷新后查看。")
    _tally_add(season, entity, day=filed_on, required=1 if new_record else 0)
    audit(actor=by, action=AuditAction.CREATE, target=report,
          summary=f"录入纸质年报：{entity.name}，{season}，{report.get_status_display()}（{filed_on}）"
                  f"{'，选择公示' if publish else '，选择不公示'}",
          changes={"status": [before, report.status]}, extra={"entity": entity.pk, "year": season.year})
    if report.status == FilingStatus.LATE:
        listing_cure(report=report, by=by)
    return report


# ---- listings: the after-deadline triggers and the late-filing cure -----------------------------------------

def listings_available() -> bool:
    """Whether the listings workflow (credit.listings) is installed in this release."""
    try:
        from credit import listings  # noqa: F401
    except ImportError:
        return False
    return True


def season_hand_over_candidates(season: FilingSeason):
    return AnnualReport.objects.filter(season=season, status=FilingStatus.NOT_FILED, listing_opened_on__isnull=True)


def season_hand_over(*, season: FilingSeason, by, on: date | None = None, progress=None) -> int:
    """After the deadline: every entity still 未报送 becomes a listing trigger (an enterprise's leads to the
    abnormal-operation list, an individual business's to the 经营异常状态 mark — the listings workflow decides);
    idempotent (each record is handed over once). Returns the number of triggers opened."""
    from credit.choices import ListingReason
    from credit.listings import open_trigger

    on = on or timezone.localdate()
    if on <= season.due_on:
        raise ValidationError(f"{season}的报送截止日期为 {season.due_on}，截止日之后才能移交到期未报送的主体。")
    occurred_on = season.due_on + timedelta(days=1)
    opened = 0
    ids = list(season_hand_over_candidates(season).values_list("pk", flat=True).order_by("pk"))
    for start in range(0, len(ids), 500):
        with transaction.atomic():
            chunk = (AnnualReport.objects.select_for_update().select_related("entity")
                     .filter(pk__in=ids[start:start + 500], status=FilingStatus.NOT_FILED,
                             listing_opened_on__isnull=True))
            for report in chunk:
                open_trigger(report.entity, ListingReason.ANNUAL_REPORT, source=LISTING_SOURCE,
                             occurred_on=occurred_on, user=by, source_ref=f"annual_report:{report.pk}",
                             note=f"{season}截至 {season.due_on} 未报送")
                report.listing_opened_on = on
                report.save(update_fields=["listing_opened_on", "updated_at"])
                opened += 1
        if progress:
            progress(min(start + 500, len(ids)), len(ids))
    with transaction.atomic():
        FilingSeason.objects.filter(pk=season.pk).update(handed_over_at=timezone.now())
        audit(actor=by, action=AuditAction.STATUS, target=season,
              summary=f"{season}到期未报送主体移交列异{'' if by else '（系统定时任务）'}：{opened} 户"
                      "（企业列入经营异常名录流程，个体工商户标记经营异常状态流程）",
              extra={"opened": opened, "on": on.isoformat()})
    return opened


def season_hand_over_due(*, today: date | None = None) -> dict:
    """The nightly job: the latest season whose deadline has passed hands its non-filers over (RULES.md: enterprises
    not filed after the deadline become listing triggers) — the same service as the season page's button, audited
    as the system; idempotent (a record handed over once is not handed over again; nothing left: nothing done).
    Earlier seasons (opened later to keep their history) are left to staff's button."""
    today = today or timezone.localdate()
    if not listings_available():
        return {"season": None, "opened": 0}
    season = FilingSeason.objects.filter(due_on__lt=today).order_by("-year").first()
    if season is None or (season.handed_over_at is not None
                          and not season_hand_over_candidates(season).exists()):
        return {"season": season.year if season else None, "opened": 0}
    return {"season": season.year, "opened": season_hand_over(season=season, by=None, on=today)}


def listing_cure(*, report: AnnualReport, by) -> None:
    """A late filing (补报) of a report that was handed over: the listing case is closed before listing, or its
    removal (restoration) and credit repair start — decided by the listings workflow."""
    if report.listing_opened_on is None or report.status != FilingStatus.LATE:
        return
    from credit.choices import ListingReason
    from credit.listings import cure

    cure(report.entity, ListingReason.ANNUAL_REPORT, cured_on=report.filed_on, source=LISTING_SOURCE, user=by,
         source_ref=f"annual_report:{report.pk}", note=f"已补报{report.season}（{report.filed_on}）")


# ---- reminder campaigns -------------------------------------------------------------------------------------

@transaction.atomic
def campaign_create(*, season: FilingSeason, name: str, office, entity_type: str, industry_prefix: str, note: str,
                    by) -> ReminderCampaign:
    """A reminder campaign: the entities of the filter still 未报送 now, kept as the campaign's list."""
    from core.choices import Role

    if not by.sees_whole_district:
        if not (by.has_role(Role.OFFICE) and by.office_id):
            raise ValidationError("您的账号没有所属市场监管所，不能创建提醒批次。")
        if office is not None and office.pk != by.office_id:
            raise ValidationError({"office": "只能为本所管辖的主体创建提醒批次。"})
        office = by.office
    industry_prefix = industry_prefix.strip().upper()
    reports = AnnualReport.objects.filter(season=season, status=FilingStatus.NOT_FILED)
    if office is not None:
        reports = reports.filter(entity__office=office)
    if entity_type:
        reports = reports.filter(entity__entity_type=entity_type)
    if industry_prefix:
        reports = reports.filter(entity__industry_code__startswith=industry_prefix)
    entity_ids = list(reports.values_list("entity_id", flat=True).order_by("entity_id"))
    if not entity_ids:
        raise ValidationError("按所选条件没有未报送的主体，无需创建提醒批次。")
    campaign = ReminderCampaign.objects.create(
        season=season, name=name.strip()[:100], office=office, entity_type=entity_type,
        industry_prefix=industry_prefix, note=note[:300], target_count=len(entity_ids), created_by=by)
    CampaignTarget.objects.bulk_create([CampaignTarget(campaign=campaign, entity_id=i) for i in entity_ids],
                                       batch_size=2000)
    audit(actor=by, action=AuditAction.CREATE, target=campaign,
          summary=f"创建年报提醒批次“{campaign.name}”：{len(entity_ids)} 户未报送主体",
          extra={"season": season.year, "office": office.pk if office else None, "entity_type": entity_type,
                 "industry_prefix": industry_prefix})
    return campaign


@transaction.atomic
def contact_record(*, target: CampaignTarget, contacted_on: date, channel: str, outcome: str, note: str,
                   by) -> ContactRecord:
    """Record one reminder made to a campaign target."""
    if contacted_on > timezone.localdate():
        raise ValidationError({"contacted_on": "联系日期不能晚于今天。"})
    if contacted_on < target.campaign.created_at.astimezone(timezone.get_current_timezone()).date():
        raise ValidationError({"contacted_on": "联系日期不能早于提醒批次的创建日期。"})
    if outcome not in ContactOutcome.values:
        raise ValidationError({"outcome": "请选择联系结果。"})
    record = ContactRecord.objects.create(target=target, contacted_on=contacted_on, channel=channel,
                                          outcome=outcome, note=note[:300], recorded_by=by)
    audit(actor=by, action=AuditAction.CREATE, target=record,
          summary=f"年报提醒 {target.entity.name}（{target.campaign.name}）："
                  f"{record.get_channel_display()}，{record.get_outcome_display()}",
          extra={"campaign": target.campaign_id, "entity": target.entity_id})
    return record


# ---- the hand-over as a background job ----------------------------------------------------------------------

HAND_OVER_JOB_KIND = "annual_reports.hand_over"


class HandOverReport:
    """The outcome of a hand-over job, in the shape run_import_task expects."""

    ok = True

    def __init__(self, season: FilingSeason, opened: int):
        self.season, self.opened = season, opened

    def summary(self) -> str:
        return f"{self.season}到期未报送主体已移交列异流程：{self.opened} 户。"

    def as_result(self) -> dict:
        return {"season": self.season.year, "opened": self.opened, "summary": self.summary()}


@transaction.atomic
def season_hand_over_queue(*, season: FilingSeason, by):
    """Queue the hand-over of a season's non-filers as a job the season page follows."""
    from core.services import job_create, job_enqueue

    from .tasks import season_hand_over_task

    if timezone.localdate() <= season.due_on:
        raise ValidationError(f"{season}的报送截止日期为 {season.due_on}，截止日之后才能移交到期未报送的主体。")
    if not listings_available():
        raise ValidationError("列异功能尚未上线，暂不能移交。")
    job = job_create(kind=HAND_OVER_JOB_KIND, user=by, params={"season": season.pk})
    job_enqueue(job=job, task=season_hand_over_task)
    return job


def season_hand_over_job(*, job) -> HandOverReport:
    from core.services import job_progress

    season = FilingSeason.objects.get(pk=job.params["season"])
    opened = season_hand_over(season=season, by=job.created_by,
                              progress=lambda done, total: job_progress(job, done=done, total=total,
                                                                        stage="移交列异"))
    return HandOverReport(season, opened)


# ---- opening a season as a background job (a million INSERTs do not belong in a web request) -----------------

OPEN_JOB_KIND = "annual_reports.season_open"


class SeasonOpenReport:
    ok = True

    def __init__(self, season: FilingSeason, added: int):
        self.season, self.added = season, added

    def summary(self) -> str:
        return f"已开启{self.season}：新增报送记录 {self.added} 户，报送截止日期 {self.season.due_on}。"

    def as_result(self) -> dict:
        return {"season": self.season.year, "added": self.added, "summary": self.summary()}


def season_open_queue(*, year: int, due_on: date | None, note: str, by,
                      required_established_before: date | None = None):
    """Check the dates now (the user sees a mistake at once), then open the season in a job the page follows."""
    from core.services import job_create, job_enqueue

    from .tasks import season_open_task

    defaults = season_defaults(year)
    existing = FilingSeason.objects.filter(year=year).first()
    cut_off = (existing.required_established_before if existing
               else required_established_before or defaults["required_established_before"])
    _check_season(year=year, opens_on=defaults["opens_on"],
                  due_on=existing.due_on if existing else (due_on or defaults["due_on"]),
                  required_established_before=cut_off)
    with transaction.atomic():
        job = job_create(kind=OPEN_JOB_KIND, user=by, params={
            "year": year, "due_on": due_on.isoformat() if due_on else "", "note": note,
            "required_established_before": cut_off.isoformat()})
        job_enqueue(job=job, task=season_open_task)
    return job


def season_open_job(*, job) -> SeasonOpenReport:
    from core.services import job_progress

    params = job.params
    job_progress(job, done=0, total=1, stage="建立报送记录")
    before = AnnualReport.objects.filter(season__year=params["year"]).count()
    cut_off = params.get("required_established_before")
    season = season_open(year=int(params["year"]), by=job.created_by, note=params.get("note", ""),
                         due_on=date.fromisoformat(params["due_on"]) if params.get("due_on") else None,
                         required_established_before=date.fromisoformat(cut_off) if cut_off else None)
    return SeasonOpenReport(season, AnnualReport.objects.filter(season=season).count() - before)
