"""Dormant entities: suspension periods with their 3-year limit and extension window, the dormant signals (two
years without an annual report, unreachable in a spot check, a suspension near its limit), and the guidance."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from annual_reports.choices import DormantSignal, FilingStatus, GuidanceKind, GuidanceOutcome
from annual_reports.dormancy import (
    dormant_candidates,
    guidance_outcome,
    guidance_record,
    signals_of,
    suspension_extend,
    suspension_record,
    suspension_resume,
    suspension_state,
)
from annual_reports.models import AnnualReport, FilingSeason
from annual_reports.services import season_open
from inspections import services as inspection_services
from inspections.models import SpotCheck
from tests.factories import make_entity
from tests.inspections.conftest import (  # noqa: F401  (fixtures)
    TODAY,
    district,
    draw_now,
    item,
    plan,
    section_dept,
    task,
)

pytestmark = pytest.mark.django_db


def test_suspensions_may_not_pass_three_years_in_total(enterprise, owner):
    suspension_record(entity=enterprise, starts_on=date(2020, 1, 1), planned_end=date(2021, 1, 1), note="", by=owner)
    with pytest.raises(ValidationError, match="重叠"):
        suspension_record(entity=enterprise, starts_on=date(2020, 12, 1), planned_end=date(2021, 6, 1), note="",
                          by=owner)
    with pytest.raises(ValidationError, match="累计歇业不得超过三年：本次最迟至 2024-01-01"):
        # 366 days used already: the second period may run to 2022-01-01 + 3 years − 366 days
        suspension_record(entity=enterprise, starts_on=date(2022, 1, 1), planned_end=date(2024, 6, 1), note="",
                          by=owner)
    period = suspension_record(entity=enterprise, starts_on=date(2022, 1, 1), planned_end=date(2024, 1, 1),
                               note="", by=owner)
    assert suspension_state(period, today=date(2023, 12, 1)).limit_on == date(2024, 1, 1)


def test_the_extension_is_filed_in_the_30_days_before_expiry(enterprise, owner):
    today = timezone.localdate()
    period = suspension_record(entity=enterprise, starts_on=today - timedelta(days=300),
                               planned_end=today + timedelta(days=40), note="", by=owner)
    state = suspension_state(period)
    assert state.window_start == period.planned_end - timedelta(days=30) and not state.in_window
    with pytest.raises(ValidationError, match="申请期内"):
        suspension_extend(period=period, new_end=today + timedelta(days=200), filed_on=today, by=owner)
    period.planned_end = today + timedelta(days=20)
    period.save()
    assert suspension_state(period).in_window and "可在" in suspension_state(period).reminder
    extended = suspension_extend(period=period, new_end=today + timedelta(days=200), filed_on=today, by=owner)
    assert (extended.planned_end, extended.extension_filed_on) == (today + timedelta(days=200), today)
    resumed = suspension_resume(period=extended, resumed_on=today, by=owner)
    assert resumed.resumed_on == today and not suspension_state(resumed).active
    with pytest.raises(ValidationError, match="已于"):
        suspension_resume(period=resumed, resumed_on=today, by=owner)


def _close_two_seasons(section_user):
    for year in (2023, 2024):
        season_open(year=year, by=section_user)
    assert FilingSeason.objects.filter(due_on__lt=timezone.localdate()).count() == 2


def test_two_years_without_a_report_is_a_signal(section_user, office_a, enterprise, individual):
    _close_two_seasons(section_user)
    AnnualReport.objects.filter(entity=individual, season__year=2023).update(
        status=FilingStatus.ON_TIME, filed_on=date(2024, 3, 1), channel="paper")
    candidates = {e.pk: signals_of(e) for e in dormant_candidates(section_user)}
    assert candidates == {enterprise.pk: [DormantSignal.NO_REPORT]}


def test_one_closed_season_is_not_enough(section_user, enterprise):
    season_open(year=2024, by=section_user)
    assert not dormant_candidates(section_user).exists()


def test_unreachable_in_a_spot_check_is_a_signal(task, owner, section_user):  # noqa: F811
    draw = draw_now(task, by=section_user)
    check = SpotCheck.objects.filter(draw=draw).select_related("entity").order_by("walk_order").first()
    inspection_services.check_submit_result(spot_check=check, result_code="6", findings="住所无人", checked_on=TODAY,
                                            by=owner)
    candidates = {e.pk: signals_of(e) for e in dormant_candidates(section_user)}
    assert candidates == {check.entity_id: [DormantSignal.UNREACHABLE]}


def test_a_suspension_near_its_limit_is_a_signal(section_user, owner, office_a, enterprise, other_enterprise):
    today = timezone.localdate()
    suspension_record(entity=enterprise, starts_on=today - timedelta(days=3 * 365 - 40),
                      planned_end=today + timedelta(days=20), note="", by=owner)
    suspension_record(entity=other_enterprise, starts_on=today - timedelta(days=100),
                      planned_end=today + timedelta(days=10), note="", by=section_user)
    candidates = {e.pk: signals_of(e) for e in dormant_candidates(section_user)}
    assert candidates == {enterprise.pk: [DormantSignal.SUSPENSION_LIMIT],
                          other_enterprise.pk: [DormantSignal.SUSPENSION_EXPIRING]}
    assert {e.pk for e in dormant_candidates(owner)} == {enterprise.pk}  # scoped to the office


def test_guidance_and_its_outcome(enterprise, owner):
    today = timezone.localdate()
    guidance = guidance_record(entity=enterprise, kind=GuidanceKind.SIMPLE_DEREG, guided_on=today,
                               signals=[DormantSignal.NO_REPORT], note="电话联系经营者", by=owner)
    with pytest.raises(ValidationError, match="不能早于引导日期"):
        guidance_outcome(guidance=guidance, outcome=GuidanceOutcome.DEREGISTERED, outcome_on=today - timedelta(1),
                         note="", by=owner)
    done = guidance_outcome(guidance=guidance, outcome=GuidanceOutcome.DEREGISTERED, outcome_on=today, note="已注销",
                            by=owner)
    assert (done.outcome, done.note) == (GuidanceOutcome.DEREGISTERED, "电话联系经营者；已注销")
    with pytest.raises(ValidationError, match="不能重复记录"):
        guidance_outcome(guidance=done, outcome=GuidanceOutcome.DECLINED, outcome_on=today, note="", by=owner)
    with pytest.raises(ValidationError):
        guidance_record(entity=enterprise, kind="nonsense", guided_on=today, signals=[], note="", by=owner)


def test_an_individual_business_established_late_is_not_a_candidate(section_user, office_a):
    make_entity(office_a, established_on=date(2025, 3, 1))
    _close_two_seasons(section_user)
    assert not dormant_candidates(section_user).exists()
