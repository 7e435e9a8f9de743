"""Two staff sending the same step at the same moment (double submission from two tabs): the case row is locked,
the second request sees the step already taken and is refused; one reminder and one 催告书 are recorded."""
import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from core.choices import Role
from core.models import IssuedDocument
from registry import dereg
from registry.supervision_choices import DeregStatus
from registry.supervision_models import DeregCase
from tests.factories import make_entity, make_office, make_user
from tests.registry.supervision_fixtures import revoke


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_reminders_send_one():
    office = make_office()
    staff = [make_user(Role.SECTION, username=f"staff{i}") for i in range(2)]
    revoke(make_entity(office), date(2021, 1, 4))
    case = dereg.candidates_screen(by=staff[0], on=date(2025, 3, 3))[0][0]
    barrier = threading.Barrier(2)
    done, refused, errors = [], [], []

    def send(user):
        try:
            barrier.wait(10)
            dereg.case_send_reminder(case=DeregCase.objects.get(pk=case.pk), sent_on=date(2025, 3, 4), by=user)
            done.append(user.username)
        except ValidationError as exc:
            refused.append(exc.messages[0])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(u,)) for u in staff]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(done) == 1 and len(refused) == 1 and "不能发出催告" in refused[0]
    assert DeregCase.objects.get(pk=case.pk).status == DeregStatus.REMINDED
    assert IssuedDocument.objects.filter(title="强制注销催告书").count() == 1
