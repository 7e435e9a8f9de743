"""Django admin: the yearly requirement is edited there (audited); training records are read-only there."""
from decimal import Decimal

from django.urls import reverse

from core.choices import AuditAction
from core.models import AuditLog
from training.models import HoursRequirement


def test_an_administrator_sets_the_years_requirement_and_it_is_audited(client, superuser):
    client.force_login(superuser)
    response = client.post(reverse("admin:training_hoursrequirement_add"),
                           {"year": "2024", "hours": "8.0", "basis": "泉港市监〔2024〕1号"})
    assert response.status_code == 302
    requirement = HoursRequirement.objects.get(year=2024)
    assert requirement.hours == Decimal("8.0")
    log = AuditLog.objects.for_object(requirement).get()
    assert log.action == AuditAction.CREATE and log.actor == superuser


def test_a_requirement_must_be_positive_and_one_per_year(client, superuser):
    HoursRequirement.objects.create(year=2024, hours=Decimal("8"))
    client.force_login(superuser)
    html = client.post(reverse("admin:training_hoursrequirement_add"), {"year": "2024", "hours": "6"}).content.decode()
    assert "已存在" in html
    html = client.post(reverse("admin:training_hoursrequirement_add"), {"year": "2025", "hours": "0"}).content.decode()
    assert HoursRequirement.objects.count() == 1 and "errorlist" in html


def test_training_admin_pages_render_read_only(client, superuser, session_2023, section_user, owner):
    from training.services import attendance_record

    attendance_record(session=session_2023, users=[owner], by=section_user)
    client.force_login(superuser)
    for name in ("trainingsession", "attendance", "trainingmaterial", "conductplan", "conductinspection",
                 "conductfinding", "hoursrequirement"):
        assert client.get(reverse(f"admin:training_{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:training_trainingsession_add")).status_code == 403
    html = client.get(reverse("admin:training_trainingsession_change", args=[session_2023.pk])).content.decode()
    assert "信用修复政策解读" in html and 'name="topic"' not in html


def test_changing_the_requirement_records_before_and_after(client, superuser):
    requirement = HoursRequirement.objects.create(year=2024, hours=Decimal("8.0"))
    client.force_login(superuser)
    client.post(reverse("admin:training_hoursrequirement_change", args=[requirement.pk]),
                {"year": "2024", "hours": "10.0", "basis": ""})
    log = AuditLog.objects.for_object(requirement).get(action=AuditAction.UPDATE)
    assert log.changes == {"hours": ["8.0", "10.0"]}
