"""The audit trail: written by admin changes, shown read-only, refused UPDATE/DELETE by the database."""
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction
from django.urls import reverse

from core.audit import audit
from core.choices import AuditAction
from core.models import AuditLog, Office
from tests.factories import make_user


@pytest.fixture
def admin_user(db):
    return make_user(username="root", is_staff=True, is_superuser=True)


def test_database_refuses_update_and_delete(db, admin_user):
    log = audit(actor=admin_user, action=AuditAction.CREATE, summary="测试")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=log.pk).update(summary="篡改")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=log.pk).delete()
    assert AuditLog.objects.get(pk=log.pk).summary == "测试"


def test_admin_cannot_change_or_delete_audit_records(client, admin_user):
    log = audit(actor=admin_user, action=AuditAction.CREATE, summary="测试")
    client.force_login(admin_user)
    assert client.get(reverse("admin:core_auditlog_changelist")).status_code == 200
    assert client.get(reverse("admin:core_auditlog_add")).status_code == 403
    assert client.post(reverse("admin:core_auditlog_delete", args=[log.pk]), {"post": "yes"}).status_code == 403
    # The change page is view-only: posting changes nothing.
    client.post(reverse("admin:core_auditlog_change", args=[log.pk]), {"summary": "篡改"})
    assert AuditLog.objects.get(pk=log.pk).summary == "测试"


def test_admin_changes_are_audited_with_before_and_after(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:core_office_add"), {
        "code": "SY", "name": "山腰市场监督管理所", "address": "", "phone": "", "is_active": "on", "sort_order": 1,
    })
    assert response.status_code == 302
    office = Office.objects.get(code="SY")
    created = AuditLog.objects.for_object(office).get()
    assert created.action == AuditAction.CREATE and created.actor == admin_user
    client.post(reverse("admin:core_office_change", args=[office.pk]), {
        "code": "SY", "name": "山腰所", "address": "", "phone": "", "is_active": "on", "sort_order": 1,
    })
    updated = AuditLog.objects.for_object(office).filter(action=AuditAction.UPDATE).get()
    assert updated.changes == {"name": ["山腰市场监督管理所", "山腰所"]}


def test_user_password_never_lands_in_the_audit(client, admin_user):
    client.force_login(admin_user)
    client.post(reverse("admin:core_user_add"), {
        "username": "newstaff", "password1": "Quangang-2023!x", "password2": "Quangang-2023!x",
        "usable_password": "true", "full_name": "林新", "office": "", "department": "",
    })
    log = AuditLog.objects.filter(action=AuditAction.CREATE, target_repr__in=["林新", "newstaff"]).get()
    assert "Quangang-2023!x" not in str(log.changes) and "password" not in str(log.changes)


def test_admin_audit_list_leaves_out_clue_entries(client, admin_user, discipline_user):
    from training.models import Clue

    assert Clue.audit_restricted
    clue_log = AuditLog(actor=discipline_user, action=AuditAction.CREATE, summary="登记线索 XS-TEST",
                        target_type=ContentType.objects.get_for_model(Clue), target_id="1", target_repr="XS-TEST")
    clue_log.save()
    visible = audit(actor=admin_user, action=AuditAction.CREATE, summary="其他记录")
    client.force_login(admin_user)
    html = client.get(reverse("admin:core_auditlog_changelist")).content.decode()
    assert "其他记录" in html and "XS-TEST" not in html
    assert client.get(reverse("admin:core_auditlog_change", args=[clue_log.pk])).status_code == 302
    assert visible.pk
