"""The annual-report part of the demo district: two report years with a believable filing curve (slow after New
Year, climbing to a rush in the last weeks of June, a few late filings after), a reminder campaign with its
contacts, suspensions near their limit or in their extension window, and guidance given to dormant entities.
Deterministic (each entity's draws depend only on the seed, the year and its code) and idempotent."""
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from core.models import Office, User
from registry.choices import EntityType, RegistrationStatus
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
from .models import (
    AnnualReport,
    CampaignTarget,
    ContactRecord,
    DormancyGuidance,
    FilingSeason,
    ReminderCampaign,
    SuspensionPeriod,
)
from .services import season_defaults, tally_rebuild

BATCH = 2000
# Per report year (older first): the share that files on time, late, and how the filings lean to the deadline
# (a smaller exponent crowds them nearer 30 June); the later year is a little better, as a campaign year would be.
PROFILES = [
    {"on_time": {EntityType.ENTERPRISE: 0.88, EntityType.COOPERATIVE: 0.80, EntityType.INDIVIDUAL: 0.78},
     "late": 0.04, "lean": 0.62},
    {"on_time": {EntityType.ENTERPRISE: 0.91, EntityType.COOPERATIVE: 0.84, EntityType.INDIVIDUAL: 0.81},
     "late": 0.035, "lean": 0.55},
]
DORMANT_SHARE = 0.035  # entities that never file: the same draw in both years, so they show as dormant


def demo_years(today: date) -> list[int]:
    """The two latest report years whose season has closed (filed in earlier years than today's, or by 30 June)."""
    latest = today.year - 1 if today > date(today.year, 6, 30) else today.year - 2
    return [latest - 1, latest]


def _filing(rng: random.Random, entity_type: str, profile: dict, season: FilingSeason, dormant: bool, today: date):
    """(status, filed_on, channel, publish) for one entity in one season."""
    if dormant:
        return FilingStatus.NOT_FILED, None, "", None
    draw = rng.random()
    on_time = profile["on_time"][entity_type]
    span = (season.due_on - season.opens_on).days
    if draw < on_time:
        if rng.random() < 0.18:  # the rush of the last two weeks
            day = season.due_on - timedelta(days=int(rng.random() * 14))
        else:
            day = season.opens_on + timedelta(days=int(span * rng.random() ** profile["lean"]))
        status = FilingStatus.ON_TIME
    elif draw < on_time + profile["late"]:
        day = season.due_on + timedelta(days=1 + int(150 * rng.random() ** 1.6))
        status = FilingStatus.LATE
        if day > today:
            return FilingStatus.NOT_FILED, None, "", None
    else:
        return FilingStatus.NOT_FILED, None, "", None
    if entity_type == EntityType.INDIVIDUAL:
        channel = rng.choices([Channel.PAPER, Channel.MOBILE, Channel.WEB], weights=[3, 5, 2])[0]
        publish = rng.random() < 0.86
    else:
        channel = rng.choices([Channel.WEB, Channel.MOBILE], weights=[6, 4])[0]
        publish = None
    return status, day, channel, publish


def _seed_season(year: int, profile: dict, *, seed: int, today: date) -> int:
    defaults = season_defaults(year)
    season, created = FilingSeason.objects.get_or_create(year=year, defaults=defaults)
    if not created and AnnualReport.objects.filter(season=season).exists():
        return 0
    entities = (MarketEntity.objects.filter(status__in=[RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED])
                .order_by("id").values_list("id", "uscc", "entity_type", "established_on"))
    batch, made = [], 0
    for entity_id, uscc, entity_type, established_on in entities.iterator(chunk_size=BATCH):
        if established_on >= season.required_established_before:
            batch.append(AnnualReport(season=season, entity_id=entity_id, status=FilingStatus.NOT_REQUIRED))
        else:
            dormant = random.Random(f"{seed}:annual_reports:dormant:{uscc}").random() < DORMANT_SHARE
            rng = random.Random(f"{seed}:annual_reports:{year}:{uscc}")
            status, day, channel, publish = _filing(rng, entity_type, profile, season, dormant, today)
            batch.append(AnnualReport(
                season=season, entity_id=entity_id, status=status, filed_on=day, channel=channel, publish=publish,
                source=(RecordSource.PAPER if channel == Channel.PAPER else RecordSource.IMPORT) if day
                else RecordSource.SEASON))
        if len(batch) >= BATCH:
            AnnualReport.objects.bulk_create(batch, ignore_conflicts=True)
            made += len(batch)
            batch.clear()
    AnnualReport.objects.bulk_create(batch, ignore_conflicts=True)
    made += len(batch)
    tally_rebuild(season)
    return made


def _seed_campaign(season: FilingSeason, *, seed: int) -> int:
    """A campaign at one office in late May: its not-yet-filed enterprises of retail and catering, contacted over
    the following weeks, many of whom then filed."""
    if ReminderCampaign.objects.filter(season=season).exists():
        return 0
    office = Office.objects.order_by("sort_order", "code").first()
    by = User.objects.filter(office=office).order_by("id").first() or User.objects.filter(username="credit").first()
    if office is None or by is None:
        return 0
    on = season.due_on - timedelta(days=40)
    not_filed_then = (AnnualReport.objects.filter(season=season, entity__office=office,
                                                  entity__entity_type=EntityType.ENTERPRISE,
                                                  entity__industry_code__regex=r"^[FH]")
                      .exclude(status=FilingStatus.NOT_REQUIRED)
                      .exclude(filed_on__lt=on).order_by("entity__name").select_related("entity"))
    reports = list(not_filed_then[:400])
    if not reports:
        return 0
    campaign = ReminderCampaign.objects.create(
        season=season, name=f"{office.name} {season.year} 年度年报短信电话提醒（批发零售、住宿餐饮）", office=office,
        entity_type=EntityType.ENTERPRISE, industry_prefix="", note="截止前 40 天，先短信后电话", created_by=by,
        target_count=len(reports))
    ReminderCampaign.objects.filter(pk=campaign.pk).update(
        created_at=timezone.make_aware(datetime.combine(on, time(9, 30))))
    targets = CampaignTarget.objects.bulk_create([CampaignTarget(campaign=campaign, entity=r.entity) for r in reports])
    contacts = []
    for target, report in zip(targets, reports, strict=True):
        rng = random.Random(f"{seed}:annual_reports:contact:{target.entity.uscc}")
        day = on + timedelta(days=int(rng.random() * 6))
        contacts.append(ContactRecord(target=target, contacted_on=day, channel=ContactChannel.SMS,
                                      outcome=ContactOutcome.REACHED, recorded_by=by, note="群发短信"))
        if report.status == FilingStatus.ON_TIME and report.filed_on and report.filed_on < day + timedelta(days=10):
            continue
        if rng.random() < 0.7:
            outcome = rng.choices([ContactOutcome.PROMISED, ContactOutcome.NO_ANSWER, ContactOutcome.WRONG_NUMBER,
                                   ContactOutcome.ALREADY_FILED, ContactOutcome.REFUSED], weights=[6, 3, 1, 1, 1])[0]
            contacts.append(ContactRecord(target=target, contacted_on=day + timedelta(days=7 + int(rng.random() * 14)),
                                          channel=ContactChannel.PHONE, outcome=outcome, recorded_by=by,
                                          note={ContactOutcome.PROMISED: "经营者答应月底前报送",
                                                ContactOutcome.WRONG_NUMBER: "号码已停机"}.get(outcome, "")))
    ContactRecord.objects.bulk_create(contacts)
    return len(contacts)


def _seed_suspensions(*, seed: int, today: date) -> int:
    """Suspensions of the demo's 歇业 entities: some near the 3-year limit, some in the extension window."""
    if SuspensionPeriod.objects.exists():
        return 0
    by = User.objects.filter(username="credit").first()
    if by is None:
        return 0
    entities = list(MarketEntity.objects.filter(status=RegistrationStatus.SUSPENDED).order_by("uscc")[:24])
    periods = []
    for i, entity in enumerate(entities):
        rng = random.Random(f"{seed}:annual_reports:suspension:{entity.uscc}")
        if i % 3 == 0:  # near the limit: started almost three years ago
            starts = today - timedelta(days=3 * 365 - 20 - int(rng.random() * 60))
            end = min(starts.replace(year=starts.year + 3) - timedelta(days=1), today + timedelta(days=80))
        elif i % 3 == 1:  # in the extension window
            starts = today - timedelta(days=200 + int(rng.random() * 300))
            end = today + timedelta(days=5 + int(rng.random() * 24))
        else:
            starts = today - timedelta(days=30 + int(rng.random() * 200))
            end = starts + timedelta(days=365)
        periods.append(SuspensionPeriod(entity=entity, starts_on=starts, planned_end=end, created_by=by,
                                        note="歇业备案（演示数据）"))
    SuspensionPeriod.objects.bulk_create(periods)
    return len(periods)


def _seed_guidance(seasons: list[FilingSeason], *, seed: int, today: date) -> int:
    """Guidance to a few entities that filed neither year, with outcomes."""
    if DormancyGuidance.objects.exists() or len(seasons) < 2:
        return 0
    ids = set(AnnualReport.objects.filter(season=seasons[0], status=FilingStatus.NOT_FILED)
              .values_list("entity_id", flat=True))
    ids &= set(AnnualReport.objects.filter(season=seasons[1], status=FilingStatus.NOT_FILED)
               .values_list("entity_id", flat=True))
    entities = MarketEntity.objects.filter(pk__in=ids).select_related("office").order_by("uscc")[:18]
    records = []
    for entity in entities:
        rng = random.Random(f"{seed}:annual_reports:guidance:{entity.uscc}")
        by = User.objects.filter(office=entity.office).order_by("id").first() or User.objects.filter(
            username="credit").first()
        kind = (GuidanceKind.SUSPENSION if entity.entity_type == EntityType.ENTERPRISE and rng.random() < 0.4 else
                GuidanceKind.SIMPLE_DEREG if rng.random() < 0.7 else GuidanceKind.ORDINARY_DEREG)
        guided_on = today - timedelta(days=5 + int(rng.random() * 80))
        outcome = rng.choices([GuidanceOutcome.PENDING, GuidanceOutcome.DEREGISTERED, GuidanceOutcome.SUSPENSION_FILED,
                               GuidanceOutcome.RESUMED, GuidanceOutcome.DECLINED, GuidanceOutcome.UNREACHABLE],
                              weights=[5, 3, 2, 2, 1, 1])[0]
        records.append(DormancyGuidance(
            entity=entity, signals=[DormantSignal.NO_REPORT], guided_on=guided_on, kind=kind, outcome=outcome,
            outcome_on=None if outcome == GuidanceOutcome.PENDING else min(today, guided_on + timedelta(days=20)),
            note="电话联系经营者，说明歇业备案和简易注销的办理方式", recorded_by=by))
    DormancyGuidance.objects.bulk_create(records)
    return len(records)


def seed_annual_reports(*, seed: int, today: date, progress: Callable[[str], None] | None = None) -> dict:
    """The annual-report demo: two closed seasons, a campaign, suspensions, guidance. Idempotent."""
    years = demo_years(today)
    made = {}
    with transaction.atomic():
        for year, profile in zip(years, PROFILES, strict=True):
            made[year] = _seed_season(year, profile, seed=seed, today=today)
        seasons = list(FilingSeason.objects.filter(year__in=years).order_by("year"))
        contacts = _seed_campaign(seasons[-1], seed=seed)
        suspensions = _seed_suspensions(seed=seed, today=today)
        guidance = _seed_guidance(seasons, seed=seed, today=today)
    summary = {"records": made, "contacts": contacts, "suspensions": suspensions, "guidance": guidance}
    if progress:
        progress(f"年度报告：{'、'.join(str(y) for y in years)} 年度报送记录 {sum(made.values())} 条，"
                 f"提醒联系记录 {contacts} 条，歇业期 {suspensions} 个，休眠主体引导 {guidance} 条")
    return summary
