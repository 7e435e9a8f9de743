"""Hours and completion arithmetic, checked against figures worked out by hand.

The bureau in these tests (2023, requirement 6.0 hours unless a test changes it):

    sessions 2023: S1 3.5 h, S2 2.5 h, S3 4.0 h (10.0 h delivered); 2022: S4 5.0 h
    owner      (office A)  S1 + S2        = 6.0  → met (exactly the requirement)
    colleague  (office A)  S1             = 3.5  → behind
    outsider   (office B)  S1 + S2 + S3   = 10.0 → met
    credit     (section)   S3             = 4.0  → behind
    leader     (section)   nothing        = 0.0  → behind (a person with no attendance)
    discipline (section)   S4 in 2022     = 0.0 in 2023 → behind
    retired    (left: inactive)  S2       = 2.5  → not counted as staff, but the hours were delivered
    nobody     (no role)   —              → not counted as staff
"""
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.choices import Role
from tests.factories import make_user
from tests.training.conftest import make_session
from training.models import Attendance, HoursRequirement
from training.selectors import (
    HEADQUARTERS_LABEL,
    bureau_training_summary,
    office_completion,
    person_year_hours,
    staff_hours,
)


def _sign(session, user, by):
    at = timezone.make_aware(datetime.combine(session.date, session.start_time))
    return Attendance.objects.create(session=session, user=user, signed_in_at=at, recorded_by=by)


@pytest.fixture
def bureau(office_a, office_b, owner, colleague, outsider, section_user, leader, discipline_user):
    s1 = make_session(section_user, topic="S1", day=date(2023, 3, 10), hours="3.5")
    s2 = make_session(section_user, topic="S2", day=date(2023, 6, 1), hours="2.5")
    s3 = make_session(section_user, topic="S3", day=date(2023, 11, 20), hours="4.0")
    s4 = make_session(section_user, topic="S4", day=date(2022, 12, 30), hours="5.0")
    retired = make_user(Role.OFFICE, office=office_a, username="retired")
    make_user(None, office=office_a, username="nobody")  # an account with no role: not staff
    for session, people in [(s1, [owner, colleague, outsider]), (s2, [owner, outsider, retired]),
                            (s3, [outsider, section_user]), (s4, [discipline_user])]:
        for person in people:
            _sign(session, person, section_user)
    retired.is_active = False
    retired.save()
    HoursRequirement.objects.create(year=2023, hours=Decimal("6.0"))
    return {"s1": s1, "s2": s2, "s3": s3, "s4": s4, "retired": retired}


def test_person_hours_per_year(bureau, owner, colleague, outsider, section_user, leader, discipline_user):
    assert person_year_hours(owner, 2023) == Decimal("6.0")
    assert person_year_hours(colleague, 2023) == Decimal("3.5")
    assert person_year_hours(outsider, 2023) == Decimal("10.0")
    assert person_year_hours(section_user, 2023) == Decimal("4.0")
    assert person_year_hours(leader, 2023) == Decimal("0")
    assert person_year_hours(discipline_user, 2023) == Decimal("0")
    assert person_year_hours(discipline_user, 2022) == Decimal("5.0")


def test_staff_hours_annotation_counts_only_active_staff_with_a_role(bureau):
    rows = {u.username: (u.year_hours, u.year_sessions) for u in staff_hours(2023)}
    assert rows == {
        "owner": (Decimal("6.0"), 2), "colleague": (Decimal("3.5"), 1), "outsider": (Decimal("10.0"), 3),
        "credit": (Decimal("4.0"), 1), "leader": (Decimal("0.0"), 0), "discipline": (Decimal("0.0"), 0),
    }


def test_completion_per_office_and_in_total(bureau, office_a, office_b):
    rows, total = office_completion(2023)
    by_label = {r.label: (r.staff, r.met, r.rate) for r in rows}
    assert by_label[office_a.name] == (2, 1, Decimal("50.0"))
    assert by_label[office_b.name] == (1, 1, Decimal("100.0"))
    assert by_label[HEADQUARTERS_LABEL] == (3, 0, Decimal("0.0"))
    assert (total.staff, total.met, total.behind, total.rate) == (6, 2, 4, Decimal("33.3"))
    # 6.0 + 3.5 + 10.0 + 4.0 + 0 + 0 = 23.5 hours over 6 staff = 3.9 on average
    assert total.hours == Decimal("23.5")
    assert total.average_hours == Decimal("3.9")


def test_bureau_summary_for_the_dashboard(bureau):
    summary = bureau_training_summary(2023)
    assert summary.sessions == 3
    assert summary.hours_delivered == Decimal("10.0")  # 3.5 + 2.5 + 4.0
    assert summary.attendances == 8  # S1: 3, S2: 3 (the retired officer included), S3: 2
    # person-hours: S1 3.5 × 3 + S2 2.5 × 3 + S3 4.0 × 2 = 10.5 + 7.5 + 8.0 = 26.0 (the retired officer's 2.5 too)
    assert summary.person_hours == Decimal("26.0")
    assert (summary.staff, summary.met, summary.behind) == (6, 2, 4)
    assert summary.required == Decimal("6.0")
    assert summary.completion_rate == Decimal("33.3")


def test_a_requirement_change_changes_who_met_it(bureau, office_a):
    HoursRequirement.objects.filter(year=2023).update(hours=Decimal("3.5"))
    rows, total = office_completion(2023)
    # 3.5 h: owner 6.0, colleague 3.5 (exactly), outsider 10.0, credit 4.0 meet; leader and discipline do not
    assert (total.staff, total.met, total.rate) == (6, 4, Decimal("66.7"))
    by_label = {r.label: (r.met, r.rate) for r in rows}
    assert by_label[office_a.name] == (2, Decimal("100.0"))
    assert by_label[HEADQUARTERS_LABEL] == (1, Decimal("33.3"))
    assert bureau_training_summary(2023).completion_rate == Decimal("66.7")


def test_a_year_without_a_requirement_has_no_rate_and_nobody_behind(bureau):
    summary = bureau_training_summary(2022)
    assert summary.required is None
    assert summary.completion_rate is None
    assert summary.behind is None
    assert (summary.sessions, summary.hours_delivered, summary.attendances, summary.person_hours) == (
        1, Decimal("5.0"), 1, Decimal("5.0"))


def test_a_year_with_no_training_at_all(bureau):
    HoursRequirement.objects.create(year=2024, hours=Decimal("8"))
    summary = bureau_training_summary(2024)
    assert (summary.sessions, summary.hours_delivered, summary.attendances, summary.person_hours) == (
        0, Decimal("0"), 0, Decimal("0"))
    assert (summary.staff, summary.met, summary.completion_rate) == (6, 0, Decimal("0.0"))


def test_changing_a_sessions_hours_changes_everyones_total(bureau, owner, section_user):
    from training.services import session_update

    session_update(session=bureau["s1"], data={"hours": Decimal("4.5")}, by=section_user)
    assert person_year_hours(owner, 2023) == Decimal("7.0")


def test_staff_behind_list_and_its_export(client, bureau, section_user):
    client.force_login(section_user)
    html = client.get(reverse("training:staff_list"), {"year": 2023, "progress": "behind"}).content.decode()
    for name in ("colleague", "credit", "leader", "discipline"):
        assert f">{name}<" in html
    for name in ("owner", "outsider", "retired", "nobody"):
        assert f">{name}<" not in html
    assert "共 <strong>4</strong> 人" in html

    from io import BytesIO

    from openpyxl import load_workbook

    response = client.get(reverse("training:staff_export"), {"year": 2023, "progress": "behind"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("用户名", "姓名", "所属单位")
    shortfall = {r[0]: (r[5], r[7], r[8]) for r in rows[1:]}
    assert shortfall == {"leader": (0, 6, "否"), "discipline": (0, 6, "否"), "credit": (4, 2, "否"),
                         "colleague": (3.5, 2.5, "否")}


def test_overview_shows_the_figures(client, bureau, leader, office_a):
    client.force_login(leader)
    html = client.get(reverse("training:overview"), {"year": 2023}).content.decode()
    assert "33.3%" in html and "26.0" in html and "10.0" in html
    assert office_a.name in html and "50.0%" in html


def test_sign_in_time_does_not_matter_only_the_session_date(bureau, owner, section_user):
    late = make_session(section_user, topic="跨年夜培训", day=date(2023, 12, 31), start=time(20, 0), end=time(23, 0),
                        hours="1.0")
    _sign(late, owner, section_user)
    assert person_year_hours(owner, 2023) == Decimal("7.0")
    assert person_year_hours(owner, 2024) == Decimal("0")
