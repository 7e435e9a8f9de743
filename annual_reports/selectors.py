"""Reads of the annual-report season: the progress page (from the tallies only), lists, campaigns and the
dashboard's facts. Enterprises (with farmers' cooperatives) count toward the bureau's figures; the individual
businesses' rate is shown for information only, never as a target (RULES.md)."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, Min, OuterRef, Sum
from django.urls import reverse
from django.utils import timezone

from core.dashboard import Fact
from core.models import Office
from registry.choices import EntityType

from .choices import FILED, REACHED_OUTCOMES, FilingStatus
from .models import AnnualReport, CampaignTarget, ContactRecord, DailyFilingTally, FilingSeason, SeasonTally

# The bureau's figures: enterprises and farmers' cooperatives; individual businesses are for information only.
BUREAU_TYPES = (EntityType.ENTERPRISE, EntityType.COOPERATIVE)
BUREAU_LABEL = "企业（含农民专业合作社）"
INDIVIDUAL_LABEL = "个体工商户（仅供参考，不作考核指标）"


def rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def season_years() -> list[int]:
    return list(FilingSeason.objects.order_by("-year").values_list("year", flat=True))


def shift_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (earlier if negative); 29 February → 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


LATE_FOLLOW_DAYS = 184  # a closed season is read up to the end of its filing year, so late filings show


def as_of_day(season: FilingSeason, today: date | None = None) -> date:
    """The day the progress is read at: today during the season and the half year after it (late filings), then
    that half year's end."""
    today = today or timezone.localdate()
    if today < season.opens_on:
        return season.opens_on
    return min(today, season.due_on + timedelta(days=LATE_FOLLOW_DAYS))


@dataclass
class Row:
    """One line of the progress tables: the required count and filings up to the day, with last year's rate."""

    label: str
    required: int = 0
    filed: int = 0
    on_time: int = 0
    last_required: int = 0
    last_filed: int = 0
    office_id: int | None = None
    url: str = ""

    @property
    def rate(self):
        return rate(self.filed, self.required)

    @property
    def last_rate(self):
        return rate(self.last_filed, self.last_required)

    @property
    def change(self):
        if self.rate is None or self.last_rate is None:
            return None
        return self.rate - self.last_rate

    @property
    def late(self) -> int:
        return self.filed - self.on_time

    @property
    def not_filed(self) -> int:
        return max(self.required - self.filed, 0)


@dataclass
class Progress:
    season: FilingSeason
    previous: FilingSeason | None
    day: date
    last_day: date | None
    bureau: Row
    individual: Row
    offices: list = field(default_factory=list)  # (office row for the bureau, office row for individuals)
    types: list = field(default_factory=list)
    chart_labels: list = field(default_factory=list)
    chart_series: list = field(default_factory=list)


def _required(season, office_id=None) -> dict:
    """(office_id, entity_type) → required count, from the season tally."""
    qs = SeasonTally.objects.filter(season=season)
    if office_id:
        qs = qs.filter(office_id=office_id)
    return {(t.office_id, t.entity_type): t.required for t in qs}


def _filed(season, day: date, office_id=None, *, on_time_only=False) -> dict:
    qs = DailyFilingTally.objects.filter(season=season, day__lte=min(day, season.due_on) if on_time_only else day)
    if office_id:
        qs = qs.filter(office_id=office_id)
    return {(r["office_id"], r["entity_type"]): r["n"]
            for r in qs.values("office_id", "entity_type").annotate(n=Sum("filings")).order_by()}


def _sum(counts: dict, types, office_id=None) -> int:
    return sum(v for (o, t), v in counts.items() if t in types and (office_id is None or o == office_id))


def season_progress(season: FilingSeason, *, office_id: int | None = None, today: date | None = None) -> Progress:
    """The progress page's figures, read from the tallies (a few small queries, whatever the register's size)."""
    day = as_of_day(season, today)
    previous = FilingSeason.objects.filter(year=season.year - 1).first()
    last_day = shift_years(day, previous.year - season.year) if previous else None
    req, filed, on_time = _required(season, office_id), _filed(season, day, office_id), _filed(
        season, day, office_id, on_time_only=True)
    last_req = _required(previous, office_id) if previous else {}
    last_filed = _filed(previous, last_day, office_id) if previous else {}

    def row(label, types, office=None, url=""):
        oid = office.pk if office else None
        return Row(label=label, required=_sum(req, types, oid), filed=_sum(filed, types, oid),
                   on_time=_sum(on_time, types, oid), last_required=_sum(last_req, types, oid),
                   last_filed=_sum(last_filed, types, oid), office_id=oid, url=url)

    list_url = reverse("annual_reports:report_list")
    progress = Progress(season=season, previous=previous, day=day, last_day=last_day,
                        bureau=row(BUREAU_LABEL, BUREAU_TYPES), individual=row(INDIVIDUAL_LABEL,
                                                                               [EntityType.INDIVIDUAL]))
    offices = Office.objects.filter(pk=office_id) if office_id else Office.objects.filter(
        pk__in={o for o, _t in req})
    for office in offices:
        base = f"{list_url}?year={season.year}&office={office.pk}"
        progress.offices.append((
            row(office.name, BUREAU_TYPES, office, url=f"{base}&group=bureau&status=not_filed"),
            row(office.name, [EntityType.INDIVIDUAL], office, url=f"{base}&type=individual&status=not_filed"),
        ))
    for value, label in EntityType.choices:
        progress.types.append(row(label + ("（仅供参考）" if value == EntityType.INDIVIDUAL else ""), [value],
                                  url=f"{list_url}?year={season.year}&type={value}"))
    _chart(progress, office_id)
    return progress


def _series(season, day: date, office_id, types) -> dict:
    """Cumulative filings by day (on or before ``day``) for the given types."""
    qs = DailyFilingTally.objects.filter(season=season, day__lte=day, entity_type__in=types)
    if office_id:
        qs = qs.filter(office_id=office_id)
    return dict(qs.values_list("day").annotate(n=Sum("filings")).order_by("day"))


def _chart(progress: Progress, office_id) -> None:
    """Weekly points of the cumulative bureau rate this season and last season on the same days."""
    season, previous = progress.season, progress.previous
    end = progress.day
    points = []
    d = season.opens_on
    while d < end:
        points.append(d)
        d += timedelta(days=7)
    points.append(end)
    this = _series(season, end, office_id, BUREAU_TYPES)
    required = progress.bureau.required

    def cumulative(by_day, days):
        total, out, items, i = 0, [], sorted(by_day.items()), 0
        for point in days:
            while i < len(items) and items[i][0] <= point:
                total += items[i][1]
                i += 1
            out.append(total)
        return out

    this_rates = [rate(n, required) for n in cumulative(this, points)]
    series = [(f"{season.year} 年度", this_rates)]
    if previous:
        last_points = [shift_years(p, previous.year - season.year) for p in points]
        last = _series(previous, last_points[-1], office_id, BUREAU_TYPES)
        series.append((f"{previous.year} 年度（上年同期）",
                       [rate(n, progress.bureau.last_required) for n in cumulative(last, last_points)]))
    progress.chart_labels = [f"{p.month}/{p.day}" if i % 4 == 0 or i == len(points) - 1 else ""
                             for i, p in enumerate(points)]
    progress.chart_series = series


# ---- lists ----------------------------------------------------------------------------------------------------

def report_list_queryset(user):
    return (AnnualReport.objects.for_user(user)
            .select_related("season", "entity", "entity__office"))


TALLY_COUNTABLE = {"year", "office", "type", "group", "status", "filed_after", "filed_before", "sort"}


def report_count_from_tallies(filterset, user) -> int | None:
    """The number of records the 报送情况 list shows, read from the season's tallies instead of counting a million
    records — for the filters the tallies answer (year, office, type, 口径, status and filing dates: the dashboard's
    and the progress page's drill-downs), so the count is the figure that was clicked. None for any other filter
    (name, channel, industry): the list then counts its rows."""
    if not filterset.is_valid():
        return None
    data = filterset.form.cleaned_data
    if any(value not in (None, "") for name, value in data.items() if name not in TALLY_COUNTABLE):
        return None
    season = FilingSeason.objects.filter(year=data.get("year")).first() if data.get("year") else None
    if season is None:
        return None
    office = data.get("office")
    office_id = office.pk if office else None
    if not user.sees_whole_district:
        office_id = user.office_id
    types = list(BUREAU_TYPES) if data.get("group") == "bureau" else list(EntityType.values)
    if data.get("type"):
        types = [t for t in types if t == data["type"]]
    status, after, before = data.get("status") or "", data.get("filed_after"), data.get("filed_before")
    tallies = SeasonTally.objects.filter(season=season, entity_type__in=types)
    daily = DailyFilingTally.objects.filter(season=season, entity_type__in=types)
    if office_id:
        tallies, daily = tallies.filter(office_id=office_id), daily.filter(office_id=office_id)
    if status in (FilingStatus.NOT_FILED, FilingStatus.NOT_REQUIRED) and (after or before):
        return 0  # a filing-date filter keeps only filed records
    if status == FilingStatus.ON_TIME:
        daily = daily.filter(day__lte=season.due_on)
    elif status == FilingStatus.LATE:
        daily = daily.filter(day__gt=season.due_on)
    if after:
        daily = daily.filter(day__gte=after)
    if before:
        daily = daily.filter(day__lte=before)
    filed = daily.aggregate(n=Sum("filings"))["n"] or 0
    if status in (FilingStatus.ON_TIME, FilingStatus.LATE) or after or before:
        return filed
    totals = tallies.aggregate(required=Sum("required"), not_required=Sum("not_required"))
    required, not_required = totals["required"] or 0, totals["not_required"] or 0
    if status == FilingStatus.NOT_FILED:
        return max(required - filed, 0)
    if status == FilingStatus.NOT_REQUIRED:
        return not_required
    if status == "required":  # annual_reports.filters.REQUIRED: every record that must file
        return required
    return required + not_required


def campaign_stats(campaign) -> dict:
    """Reach and the filings that followed, over the campaign's list."""
    targets = CampaignTarget.objects.filter(campaign=campaign)
    contacted = targets.filter(Exists(ContactRecord.objects.filter(target=OuterRef("pk")))).count()
    reached = targets.filter(Exists(ContactRecord.objects.filter(target=OuterRef("pk"),
                                                                 outcome__in=REACHED_OUTCOMES))).count()
    start = timezone.localtime(campaign.created_at).date()
    followed = targets.filter(Exists(AnnualReport.objects.filter(
        entity=OuterRef("entity"), season=campaign.season, status__in=FILED, filed_on__gte=start))).count()
    total = campaign.target_count
    outcomes = dict(ContactRecord.objects.filter(target__campaign=campaign).values_list("outcome")
                    .annotate(n=Count("id")).order_by())
    return {"total": total, "contacted": contacted, "reached": reached, "followed": followed,
            "contacted_rate": rate(contacted, total), "reached_rate": rate(reached, total),
            "followed_rate": rate(followed, total), "outcomes": outcomes,
            "first_contact": ContactRecord.objects.filter(target__campaign=campaign).aggregate(
                d=Min("contacted_on"))["d"]}


# ---- the dashboard --------------------------------------------------------------------------------------------

def dashboard_facts(year: int) -> list[Fact]:
    """The "annual_reports" block of the dashboard's (work) year: the season filed in that year — the previous
    year's reports, filed from 1 January — with enterprises required, filed on time, late, not filed, the
    cumulative filing rate at each month's end of that year per office and district-wide, and the individual
    businesses' rate (labelled 仅供参考, never a target). Read from the records' aggregates and the daily tallies."""
    season = FilingSeason.objects.filter(opens_on__year=year).order_by("-year").first()
    if season is None:
        return []
    year = season.year  # the report year, for the drill-down lists
    # The labels name the report year: the block of work year 2026 shows the 2025 reports (filed in 2026).
    of_year = f"{year}年度"
    list_url = reverse("annual_reports:report_list")
    counts = {}
    for row in (AnnualReport.objects.filter(season=season).order_by()
                .values("entity__office_id", "entity__entity_type", "status").annotate(n=Count("id"))):
        counts[(row["entity__office_id"], row["entity__entity_type"], row["status"])] = row["n"]
    offices = sorted({k[0] for k in counts})
    facts: list[Fact] = []

    def total(office_id, types, statuses):
        return sum(n for (o, t, s), n in counts.items()
                   if t in types and s in statuses and (office_id is None or o == office_id))

    required_statuses = (FilingStatus.NOT_FILED, FilingStatus.ON_TIME, FilingStatus.LATE)
    for office_id in [None, *offices]:
        base = f"{list_url}?year={year}" + (f"&office={office_id}" if office_id else "")
        for key, label, statuses, extra in (
            ("required", f"{of_year}应报企业", required_statuses, "&status=required"),
            ("on_time", f"{of_year}按时报送企业", (FilingStatus.ON_TIME,), "&status=on_time"),
            ("late", f"{of_year}补报企业", (FilingStatus.LATE,), "&status=late"),
            ("not_filed", f"{of_year}未报送企业", (FilingStatus.NOT_FILED,), "&status=not_filed"),
        ):
            facts.append(Fact(block="annual_reports", key=key, label=label, office_id=office_id, unit="户",
                              value=total(office_id, BUREAU_TYPES, statuses),
                              drill_url=f"{base}&group=bureau{extra}"))
        facts.append(Fact(
            block="annual_reports", key="individual_rate", label=f"{of_year}个体工商户年报率（仅供参考，不作考核指标）",
            office_id=office_id, unit="%", drill_url=f"{base}&type=individual",
            value=rate(total(office_id, [EntityType.INDIVIDUAL], FILED),
                       total(office_id, [EntityType.INDIVIDUAL], required_statuses))))
    # The cumulative rate at each month's end of the filing year (January to the last month with data).
    daily = {}
    for row in (DailyFilingTally.objects.filter(season=season, entity_type__in=BUREAU_TYPES)
                .values("office_id", "day").annotate(n=Sum("filings")).order_by()):
        daily[(row["office_id"], row["day"])] = row["n"]
    filing_year = season.opens_on.year
    for office_id in [None, *offices]:
        required = total(office_id, BUREAU_TYPES, required_statuses)
        for month in range(1, 13):
            month_end = (date(filing_year, month % 12 + 1, 1) if month < 12 else date(filing_year + 1, 1, 1)
                         ) - timedelta(days=1)
            if date(filing_year, month, 1) > timezone.localdate():
                break
            filed = sum(n for (o, d), n in daily.items() if d <= month_end and (office_id is None or o == office_id))
            facts.append(Fact(
                block="annual_reports", key="rate_cumulative", label=f"{of_year}企业年报率（累计）",
                office_id=office_id, month=month, unit="%", value=rate(filed, required),
                drill_url=f"{list_url}?year={year}&group=bureau&filed_before={month_end.isoformat()}"
                          + (f"&office={office_id}" if office_id else "")))
    return facts
