"""The 业务培训 part of the demo: requirements for two years, sessions held before today with sign-ins, repeatable."""
from datetime import date

from core.choices import Role
from tests.factories import make_user
from training.demo import REQUIRED_HOURS, seed_training
from training.models import Attendance, HoursRequirement, TrainingSession
from training.selectors import bureau_training_summary

TODAY = date(2026, 7, 1)


def test_seed_training_is_deterministic_and_idempotent(db):
    make_user(Role.SECTION, username="credit")
    for i in range(6):
        make_user(Role.OFFICE, username=f"staff{i}")
    made = seed_training(seed=7, today=TODAY)
    assert made == 10  # six sessions last year, the four held before 1 July this year
    assert set(HoursRequirement.objects.values_list("year", "hours")) == {(2025, REQUIRED_HOURS),
                                                                        (2026, REQUIRED_HOURS)}
    assert not TrainingSession.objects.filter(date__gte=TODAY).exists()
    signed = Attendance.objects.count()
    assert signed > 0
    summary = bureau_training_summary(2025)
    assert summary.sessions == 6 and summary.required == REQUIRED_HOURS and summary.person_hours > 0
    assert 0 < summary.met <= summary.staff == 7

    assert seed_training(seed=7, today=TODAY) == 0  # a second run adds nothing
    assert Attendance.objects.count() == signed
