"""The demo's annual reports: two closed seasons with a believable curve, a campaign, suspensions and guidance;
deterministic and idempotent."""
from datetime import date

import pytest

from annual_reports.choices import FilingStatus
from annual_reports.demo import demo_years, seed_annual_reports
from annual_reports.dormancy import dormant_candidates, signals_of, suspension_states
from annual_reports.models import AnnualReport, ContactRecord, DormancyGuidance, FilingSeason, SuspensionPeriod
from annual_reports.selectors import campaign_stats, season_progress
from core.models import User
from registry.demo import seed_demo

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)


@pytest.fixture
def district():
    seed_demo(entities=2500, password="pw-for-demo-tests", seed=7, today=TODAY)


def test_demo_years_are_the_two_latest_closed_seasons():
    assert demo_years(date(2026, 11, 26)) == [2024, 2025]
    assert demo_years(date(2026, 5, 1)) == [2023, 2024]


def test_the_demo_seasons_look_like_a_real_season(district):
    summary = seed_annual_reports(seed=7, today=TODAY)
    assert set(summary["records"]) == {2024, 2025} and all(summary["records"].values())
    latest = FilingSeason.objects.get(year=2025)
    progress = season_progress(latest, today=TODAY)
    assert 85 <= progress.bureau.rate <= 97 and progress.bureau.last_rate is not None
    assert progress.bureau.late > 0
    june = AnnualReport.objects.filter(season=latest, filed_on__month=6).count()
    january = AnnualReport.objects.filter(season=latest, filed_on__month=1).count()
    assert june > 2 * january  # the rush before the deadline
    campaign = latest.campaigns.get()
    stats = campaign_stats(campaign)
    assert stats["total"] > 0 and stats["contacted"] == stats["total"] and 0 < stats["followed"] < stats["total"]
    states = suspension_states(SuspensionPeriod.objects.all(), today=TODAY)
    assert any(s.near_limit for s in states) and any(s.in_window and not s.near_limit for s in states)
    user = User.objects.get(username="credit")
    candidates = list(dormant_candidates(user, today=TODAY))
    assert any("no_report" in signals_of(e) for e in candidates)
    assert any("suspension_limit" in signals_of(e) for e in candidates)
    assert DormancyGuidance.objects.exists()


def test_the_demo_is_deterministic_and_idempotent(district):
    seed_annual_reports(seed=7, today=TODAY)
    first = sorted(AnnualReport.objects.values_list("entity__uscc", "season__year", "status", "filed_on"))
    contacts = ContactRecord.objects.count()
    again = seed_annual_reports(seed=7, today=TODAY)
    assert again["records"] == {2024: 0, 2025: 0} and again["contacts"] == 0
    assert ContactRecord.objects.count() == contacts
    AnnualReport.objects.all().delete()
    FilingSeason.objects.filter(campaigns__isnull=True).delete()
    assert sorted(AnnualReport.objects.values_list("entity__uscc", "season__year", "status", "filed_on")) == []
    seed_annual_reports(seed=7, today=TODAY)
    assert sorted(AnnualReport.objects.values_list("entity__uscc", "season__year", "status", "filed_on")) == first
    assert AnnualReport.objects.filter(status=FilingStatus.NOT_REQUIRED).exists()
