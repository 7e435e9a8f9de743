"""Fixtures of the registration-supervision tests: member departments and their accounts, a revoked entity."""
from datetime import datetime, time

import pytest
from django.utils import timezone

from core.choices import DepartmentKind, Role
from registry.choices import RegistrationStatus
from registry.models import StatusChange
from tests.factories import make_department, make_entity, make_user


@pytest.fixture
def tax(db):
    return make_department(DepartmentKind.MEMBER, name="国家税务总局泉港区税务局")


@pytest.fixture
def court(db):
    return make_department(DepartmentKind.MEMBER, name="泉港区人民法院")


@pytest.fixture
def tax_user(tax):
    """A member department's account: no bureau role, its department set."""
    return make_user(username="tax", department=tax, full_name="郑晓东")


@pytest.fixture
def court_user(court):
    return make_user(username="court", department=court)


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, username="sysadmin")


def revoke(entity, on):
    """Mark an entity revoked on a date, with its status history (as the register import does)."""
    entity.status = RegistrationStatus.REVOKED
    entity.save(update_fields=["status"])
    change = StatusChange.objects.create(entity=entity, old_status=RegistrationStatus.ACTIVE,
                                         new_status=RegistrationStatus.REVOKED, source="吊销营业执照")
    StatusChange.objects.filter(pk=change.pk).update(
        changed_at=timezone.make_aware(datetime.combine(on, time(10, 0))))
    return entity


@pytest.fixture
def revoked_entity(office_a):
    from datetime import date

    return revoke(make_entity(office_a, name="泉港区鑫宏贸易有限公司"), date(2021, 6, 1))
