"""The demo's 登记监管 part: every pipeline has records in its states, member accounts, deterministic, idempotent."""
from datetime import date

import pytest

from core.models import AuditLog, IssuedDocument, User
from credit.demo import seed_risk_classes
from inspections.demo import seed_inspections
from registry.demo import seed_demo
from registry.demo_supervision import MEMBER_ACCOUNTS, seed_supervision
from registry.supervision_models import (
    DeregCase,
    DeregFeedback,
    InfoNotification,
    JointAction,
    RegistrationFinding,
    UnlicensedCase,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 9, 15)
PASSWORD = "pw-for-demo-tests"


def seed():
    seed_demo(entities=3000, password=PASSWORD, seed=7, today=TODAY)
    seed_risk_classes(seed=7, today=TODAY)
    seed_inspections(seed=7, today=TODAY, password=PASSWORD)
    return seed_supervision(seed=7, today=TODAY, password=PASSWORD)


def snapshot():
    return {
        "dereg": sorted(DeregCase.objects.values_list("entity__uscc", "status", "reminder_sent_on", "decided_on")),
        "feedback": sorted(DeregFeedback.objects.values_list("case__entity__uscc", "department__code", "status")),
        "findings": sorted(RegistrationFinding.objects.values_list("entity__uscc", "matter", "found_on", "status",
                                                                   "handling")),
        "unlicensed": sorted(UnlicensedCase.objects.values_list("number", "office__code", "status", "discovered_on")),
        "notifications": InfoNotification.objects.count(), "audit": AuditLog.objects.count(),
        "documents": IssuedDocument.objects.count(),
    }


def test_every_pipeline_has_records_in_its_states_and_member_accounts_log_in(client):
    summary = seed()
    assert summary.candidates > 16 and summary.dereg_moved == 16
    assert set(DeregCase.objects.values_list("status", flat=True)) == {
        "candidate", "reminded", "feedback", "statement", "announced", "objection", "decided", "terminated"}
    assert DeregFeedback.objects.filter(status="pending", chase_count__gt=0).exists()
    assert set(RegistrationFinding.objects.values_list("status", flat=True)) >= {
        "recorded", "rectifying", "rectified", "closed", "transferred"}
    assert RegistrationFinding.objects.filter(spot_check__isnull=False).exists()
    assert RegistrationFinding.objects.exclude(exclusions=[]).exists()
    assert set(UnlicensedCase.objects.values_list("status", flat=True)) == {"open", "handling", "closed"}
    assert UnlicensedCase.objects.filter(entity__isnull=False).exists()
    assert set(InfoNotification.objects.values_list("status", flat=True)) == {"sent", "acknowledged", "replied"}
    assert JointAction.objects.count() == 2
    assert IssuedDocument.objects.filter(title="强制注销决定书").count() == 2
    for username, *_ in MEMBER_ACCOUNTS:
        user = User.objects.get(username=username)
        assert user.department.kind == "member" and not user.groups.exists()
    assert client.login(username="court", password=PASSWORD)


def test_a_second_run_changes_nothing():
    seed()
    before = snapshot()
    seed()
    assert snapshot() == before


def test_a_tiny_register_without_spot_checks_still_seeds():
    seed_demo(entities=20, password=PASSWORD, seed=3, today=TODAY)
    summary = seed_supervision(seed=3, today=TODAY, password=PASSWORD)
    assert summary.unlicensed > 0
    assert seed_supervision(seed=3, today=TODAY, password=PASSWORD).unlicensed == 0
