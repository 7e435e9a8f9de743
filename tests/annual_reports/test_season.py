"""The season: opening it, paper reports, the progress tallies, the hand-over after the deadline (an enterprise to
the abnormal-operation list's flow, an individual business to the 经营异常状态 mark, never "listed") and the late
filing (补报) that cures it."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from annual_reports.choices import Channel, FilingStatus
from annual_reports.models import AnnualReport, DailyFilingTally, FilingSeason, SeasonTally
from annual_reports.selectors import dashboard_facts, season_progress
from annual_reports.services import (
    report_record_paper,
    season_hand_over,
    season_hand_over_due,
    season_open,
    season_update,
)
from core.models import AuditLog, TimeLimitRule
from core.workdays import calendar_changed
from credit.choices import ListingKind, ListingReason, ListingStatus, TriggerSource
from credit.models import ListingCase
from registry.choices import EntityType, RegistrationStatus
from tests.factories import make_entity

from .conftest import YEAR, row, run

pytestmark = pytest.mark.django_db


def status_of(entity, year=YEAR):
    return AnnualReport.objects.get(entity=entity, season__year=year).status


def test_opening_a_season_creates_a_record_per_entity_that_must_file(section_user, office_a, enterprise, individual):
    # Established during the report year (2024): not required (issue 6); on its last day before it: required.
    newcomer = make_entity(office_a, established_on=date(YEAR, 1, 1))
    old_year_end = make_entity(office_a, established_on=date(YEAR - 1, 12, 31))
    gone = make_entity(office_a, status=RegistrationStatus.DEREGISTERED)
    suspended = make_entity(office_a, status=RegistrationStatus.SUSPENDED)
    season = season_open(year=YEAR, by=section_user)
    assert (season.opens_on, season.due_on, season.required_established_before) == (
        date(2025, 1, 1), date(2025, 6, 30), date(YEAR, 1, 1))
    assert status_of(enterprise) == status_of(individual) == status_of(suspended) == FilingStatus.NOT_FILED
    assert status_of(old_year_end) == FilingStatus.NOT_FILED
    assert status_of(newcomer) == FilingStatus.NOT_REQUIRED
    assert not AnnualReport.objects.filter(entity=gone).exists()
    tally = {t.entity_type: (t.required, t.not_required) for t in SeasonTally.objects.filter(season=season)}
    assert tally == {EntityType.ENTERPRISE: (3, 1), EntityType.INDIVIDUAL: (1, 0)}
    # Opening it again only adds what is missing.
    later = make_entity(office_a, established_on=date(2020, 1, 1))
    season_open(year=YEAR, by=section_user)
    assert AnnualReport.objects.filter(season=season).count() == 6 and status_of(later) == FilingStatus.NOT_FILED


def test_the_cut_off_of_who_must_file_is_editable_per_season(section_user, office_a, enterprise):
    mid_year = make_entity(office_a, established_on=date(YEAR, 5, 1))
    season = season_open(year=YEAR, by=section_user, required_established_before=date(YEAR, 7, 1))
    assert status_of(mid_year) == FilingStatus.NOT_FILED  # the bureau chose 1 July this year
    season_update(season=season, due_on=season.due_on, note="", by=section_user,
                  required_established_before=date(YEAR, 1, 1))
    assert status_of(mid_year) == FilingStatus.NOT_REQUIRED and status_of(enterprise) == FilingStatus.NOT_FILED
    tally = {t.entity_type: (t.required, t.not_required) for t in SeasonTally.objects.filter(season=season)}
    assert tally[EntityType.ENTERPRISE] == (1, 1)
    log = AuditLog.objects.filter(summary__contains="修改").latest("pk")
    assert log.changes["required_established_before"] == [f"{YEAR}-07-01", f"{YEAR}-01-01"]
    with pytest.raises(ValidationError, match="不能晚于报送开始日期"):
        season_update(season=season, due_on=season.due_on, note="", by=section_user,
                      required_established_before=date(YEAR + 1, 2, 1))
    season.refresh_from_db()
    assert season.required_established_before == date(YEAR, 1, 1)


def test_the_deadline_comes_from_the_rule_table(section_user, enterprise):
    TimeLimitRule.objects.filter(code="annual_report_filing_period").update(amount=5)
    calendar_changed()
    assert season_open(year=YEAR, by=section_user).due_on == date(2025, 5, 31)


def test_moving_the_deadline_rejudges_recorded_filings(tmp_path, season, enterprise, section_user):
    run(tmp_path, [row(enterprise, date(2025, 6, 30))])
    season_update(season=season, due_on=date(2025, 6, 29), note="", by=section_user)
    assert status_of(enterprise) == FilingStatus.LATE


def test_paper_reports_are_for_individual_businesses_only(season, enterprise, individual, owner):
    with pytest.raises(ValidationError, match="纸质年报只适用于个体工商户"):
        report_record_paper(entity=enterprise, season=season, filed_on=date(2025, 3, 1), publish=True, by=owner)
    report = report_record_paper(entity=individual, season=season, filed_on=date(2025, 3, 1), publish=False,
                                 by=owner)
    assert (report.status, report.channel, report.publish) == (FilingStatus.ON_TIME, Channel.PAPER, False)
    assert DailyFilingTally.objects.get(season=season, day=date(2025, 3, 1)).filings == 1
    with pytest.raises(ValidationError, match="无需重复录入"):
        report_record_paper(entity=individual, season=season, filed_on=date(2025, 3, 2), publish=True, by=owner)
    with pytest.raises(ValidationError, match="不能早于该日"):
        report_record_paper(entity=individual, season=FilingSeason(year=2025, opens_on=date(2026, 1, 1),
                                                                   due_on=date(2026, 6, 30)),
                            filed_on=date(2025, 12, 1), publish=True, by=owner)


def test_hand_over_is_refused_on_the_deadline_and_allowed_the_day_after(season, section_user):
    with pytest.raises(ValidationError, match="截止日之后才能移交"):
        season_hand_over(season=season, by=section_user, on=date(2025, 6, 30))
    assert season_hand_over(season=season, by=section_user, on=date(2025, 7, 1)) == 3


def test_an_enterprise_goes_to_the_listing_flow_and_an_individual_business_is_marked(
        season, enterprise, individual, section_user):
    season_hand_over(season=season, by=section_user, on=date(2025, 7, 1))
    enterprise_case = ListingCase.objects.get(entity=enterprise)
    individual_case = ListingCase.objects.get(entity=individual)
    assert (enterprise_case.kind, enterprise_case.reason, enterprise_case.source, enterprise_case.occurred_on) == (
        ListingKind.ABNORMAL, ListingReason.ANNUAL_REPORT, TriggerSource.ANNUAL_REPORT, date(2025, 7, 1))
    assert individual_case.kind == ListingKind.INDIVIDUAL_ABNORMAL  # marked, never put on the list
    assert not ListingCase.objects.filter(entity=individual, kind=ListingKind.ABNORMAL).exists()
    assert enterprise_case.status == individual_case.status == ListingStatus.REMINDER
    assert AnnualReport.objects.filter(season=season, listing_opened_on=date(2025, 7, 1)).count() == 3
    # Idempotent: a second hand-over opens nothing more.
    assert season_hand_over(season=season, by=section_user, on=date(2025, 7, 2)) == 0
    assert ListingCase.objects.count() == 3


def test_a_late_filing_cures_the_case_before_listing(tmp_path, season, enterprise, individual, section_user, owner):
    season_hand_over(season=season, by=section_user, on=date(2025, 7, 1))
    result = run(tmp_path, [row(enterprise, date(2025, 7, 10))], user=section_user)
    assert result.ok and result.cured == 1
    assert status_of(enterprise) == FilingStatus.LATE
    case = ListingCase.objects.get(entity=enterprise)
    assert (case.status, case.cured_on) == (ListingStatus.CLOSED, date(2025, 7, 10))
    report_record_paper(entity=individual, season=season, filed_on=date(2025, 7, 11), publish=True, by=owner)
    assert ListingCase.objects.get(entity=individual).status == ListingStatus.CLOSED


def test_the_progress_page_reads_the_tallies(tmp_path, section_user, office_a, enterprise, individual,
                                             other_enterprise):
    last = season_open(year=YEAR - 1, by=section_user)
    assert last.due_on == date(2024, 6, 30)
    run(tmp_path, [row(enterprise, date(2024, 3, 1), year=YEAR - 1),
                   row(other_enterprise, date(2024, 5, 1), year=YEAR - 1)])
    season = season_open(year=YEAR, by=section_user)
    run(tmp_path, [row(enterprise, date(2025, 2, 1)), row(individual, date(2025, 2, 2), "手机"),
                   row(other_enterprise, date(2025, 6, 1))])
    progress = season_progress(season, today=date(2025, 3, 31))
    assert progress.day == date(2025, 3, 31) and progress.last_day == date(2024, 3, 31)
    assert (progress.bureau.required, progress.bureau.filed, str(progress.bureau.rate)) == (2, 1, "50.0")
    assert str(progress.bureau.last_rate) == "50.0"
    assert (progress.individual.required, progress.individual.filed) == (1, 1)
    assert "仅供参考" in progress.individual.label
    office_rows = {b.office_id: (b.required, b.filed) for b, _i in progress.offices}
    assert office_rows == {office_a.pk: (1, 1), other_enterprise.office_id: (1, 0)}


def test_dashboard_facts_of_the_block(tmp_path, season, enterprise, individual, other_enterprise):
    run(tmp_path, [row(enterprise, date(2025, 2, 1)), row(other_enterprise, date(2025, 7, 2)),
                   row(individual, date(2025, 3, 1), "纸质")])
    facts = {(f.key, f.office_id, f.month): f for f in dashboard_facts(YEAR + 1)}  # filed in 2025
    assert all(f.block == "annual_reports" for f in facts.values())
    district = {k: facts[(k, None, None)].value for k in ("required", "on_time", "late", "not_filed")}
    assert district == {"required": 2, "on_time": 1, "late": 1, "not_filed": 0}
    # Leadership reads which report year the block of work year 2025 shows: the 2024 reports.
    assert all(f.label.startswith(f"{YEAR}年度") for f in facts.values())
    assert "仅供参考" in facts[("individual_rate", None, None)].label
    assert facts[("required", enterprise.office_id, None)].value == 1
    assert "仅供参考" in facts[("individual_rate", None, None)].label
    assert str(facts[("rate_cumulative", None, 2)].value) == "50.0"
    assert str(facts[("rate_cumulative", None, 7)].value) == "100.0"
    assert facts[("not_filed", None, None)].drill_url.endswith(f"?year={YEAR}&group=bureau&status=not_filed")
    assert facts[("required", None, None)].drill_url.endswith(f"?year={YEAR}&group=bureau&status=required")
    assert dashboard_facts(YEAR) == []  # nothing was filed in 2024 (no 2023 season)


def test_the_nightly_job_hands_the_latest_season_over_after_its_deadline_as_the_system(season, enterprise,
                                                                                      individual, other_enterprise):
    from annual_reports.tasks import season_hand_over_due_task

    assert season_hand_over_due(today=date(2025, 6, 30)) == {"season": None, "opened": 0}  # on the deadline: nothing
    assert season_hand_over_due(today=date(2025, 7, 1)) == {"season": YEAR, "opened": 3}
    season.refresh_from_db()
    assert season.handed_over_at is not None
    log = AuditLog.objects.filter(summary__contains="系统定时任务").get()
    assert log.actor is None and log.extra["opened"] == 3
    assert ListingCase.objects.filter(source=TriggerSource.ANNUAL_REPORT, opened_by=None).count() == 3
    # Idempotent: the next night (the task as beat calls it) finds nothing left and writes nothing.
    audits = AuditLog.objects.count()
    assert season_hand_over_due_task.apply().get() == {"season": YEAR, "opened": 0}
    assert AuditLog.objects.count() == audits and ListingCase.objects.count() == 3


def test_the_nightly_job_leaves_earlier_seasons_to_staff(section_user, enterprise):
    older = season_open(year=YEAR - 1, by=section_user)  # a history year opened late: not handed over by itself
    latest = season_open(year=YEAR, by=section_user)
    assert season_hand_over_due(today=date(2025, 7, 1)) == {"season": YEAR, "opened": 1}
    older.refresh_from_db()
    latest.refresh_from_db()
    assert latest.handed_over_at is not None and older.handed_over_at is None
    assert AnnualReport.objects.get(season=older).listing_opened_on is None


def test_the_hand_over_job_is_scheduled_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["annual_reports.hand_over_due"]
    assert entry["task"] == "annual_reports.tasks.season_hand_over_due_task"


def test_the_hand_over_command(season, capsys):
    from django.core.management import CommandError, call_command

    call_command("hand_over_annual_reports", "--date", "2025-07-01")
    assert f"{YEAR} 年度年报：本次移交列异流程 3 户" in capsys.readouterr().out
    call_command("hand_over_annual_reports", "--date", "2025-07-02")
    assert "本次移交列异流程 0 户" in capsys.readouterr().out
    with pytest.raises(CommandError, match="日期格式"):
        call_command("hand_over_annual_reports", "--date", "2025/07/02")


def test_a_late_filing_after_listing_starts_removal_and_credit_repair(tmp_path, season, enterprise, individual,
                                                                     section_user, owner):
    from credit.repair import RepairCase

    season_hand_over(season=season, by=section_user, on=date(2025, 7, 1))
    # The listings workflow has put the enterprise on the list and marked the individual business (its own steps,
    # tested in tests/credit; here the cases are moved there directly).
    ListingCase.objects.filter(entity__in=[enterprise, individual]).update(status=ListingStatus.LISTED,
                                                                          listed_on=date(2025, 8, 1))
    assert run(tmp_path, [row(enterprise, date(2025, 9, 1))], user=section_user).ok
    report_record_paper(entity=individual, season=season, filed_on=date(2025, 9, 2), publish=False, by=owner)
    for entity, cured_on in ((enterprise, date(2025, 9, 1)), (individual, date(2025, 9, 2))):
        case = ListingCase.objects.get(entity=entity)
        assert (case.status, case.cured_on, case.cure_source) == (ListingStatus.REMOVAL, cured_on,
                                                                  TriggerSource.ANNUAL_REPORT)
        assert case.removal_due is not None
        assert RepairCase.objects.filter(listing=case).count() == 1  # credit repair opened for the removal
