"""The demo year: seed_demo's 双随机 part gives every page something real and is deterministic and idempotent."""
from datetime import date

import pytest
from django.db.models import Count

from core.models import AuditLog
from credit.demo import seed_risk_classes
from inspections.choices import CheckStatus
from inspections.demo import seed_inspections
from inspections.models import Draw, FollowUp, InspectorConflict, JointVisit, SpotCheck, Task
from inspections.selectors import publication_overdue_before
from inspections.verification import verify_stored_draw
from registry.demo import seed_demo

pytestmark = pytest.mark.django_db

TODAY = date(2025, 9, 15)
PASSWORD = "pw-for-demo-tests"


def seed():
    seed_demo(entities=3000, password=PASSWORD, seed=7, today=TODAY)
    seed_risk_classes(seed=7, today=TODAY)
    return seed_inspections(seed=7, today=TODAY, password=PASSWORD)


def snapshot():
    return {
        "checks": sorted(SpotCheck.objects.values_list("entity__uscc", "task__name", "status", "result_code",
                                                       "checked_on")),
        "draws": sorted(Draw.objects.values_list("task__name", "seed", "certificate_sha256")),
        "follow_ups": FollowUp.objects.count(), "visits": JointVisit.objects.count(),
        "conflicts": InspectorConflict.objects.count(), "audit": AuditLog.objects.count(),
    }


def test_the_demo_year_has_every_kind_of_task_and_every_state():
    summary = seed()
    assert summary.year == 2025 and summary.draws == 5 and summary.tasks == 6
    tasks = {t.name: t for t in Task.objects.all()}
    assert any(t.domain_id for t in tasks.values()) and any(t.participants.exists() for t in tasks.values())
    assert any(t.kind == "control" for t in tasks.values()) and any(t.status == "draft" for t in tasks.values())
    states = set(SpotCheck.objects.values_list("status", flat=True))
    assert states == set(CheckStatus.values)
    assert set(FollowUp.objects.values_list("status", flat=True)) == {"open", "closed"}
    overdue_results = SpotCheck.objects.filter(status=CheckStatus.APPROVED,
                                               checked_on__lte=publication_overdue_before(TODAY))
    overdue_checks = SpotCheck.objects.filter(status=CheckStatus.PENDING, task__deadline__lt=TODAY)
    assert overdue_results.exists() and overdue_checks.exists()
    assert JointVisit.objects.exists() and InspectorConflict.objects.exists()
    assert all(verify_stored_draw(draw) == [] for draw in Draw.objects.all())
    joint = next(t for t in tasks.values() if t.participants.exists())
    per_check = SpotCheck.objects.filter(task=joint).annotate(n=Count("assignments")).values_list("n", flat=True)
    assert set(per_check) <= {3}


def test_a_second_run_changes_nothing():
    seed()
    before = snapshot()
    again = seed_inspections(seed=7, today=TODAY, password=PASSWORD)
    assert again.draws == 0 and again.results == 0
    assert snapshot() == before


def test_the_demo_dashboard_has_figures_and_a_second_seed_changes_nothing():
    from inspections.demo import seed_dashboard
    from inspections.models import BusinessIndicator, DashboardBlock, KpiFigure

    seed()
    seed_dashboard(today=TODAY)
    rows = sorted(KpiFigure.objects.filter(year=2025).values_list("kpi", "office", "month", "numerator",
                                                                    "denominator"), key=str)
    district = KpiFigure.objects.get(year=2025, kpi="coverage", office=None, month=None)
    assert district.numerator > 0 and district.denominator > 0
    assert DashboardBlock.objects.filter(year=2025, block="kpis", status="ok").exists()
    seed_dashboard(today=TODAY)
    assert sorted(KpiFigure.objects.filter(year=2025).values_list("kpi", "office", "month", "numerator",
                                                                    "denominator"), key=str) == rows
    assert BusinessIndicator.objects.filter(year=2025).count() == 4
