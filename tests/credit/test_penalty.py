"""Penalty publicity: publication deadline, publicity periods per kind, withdrawal on revocation, expiry."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.workdays import add_period, add_workdays
from credit.choices import PenaltyStatus
from credit.models import PenaltyRecord
from credit.penalties import (
    penalty_end_expired,
    penalty_publish,
    penalty_record_create,
    penalty_revoke,
    penalty_withdraw,
)

pytestmark = pytest.mark.django_db

D = date(2026, 3, 2)


def create(entity, user, kind="fine", n=1, **extra):
    return penalty_record_create(entity=entity, decision_no=f"泉港市监罚〔2026〕{n}号", decided_on=D, kind=kind,
                                 violation="虚假宣传", authority="泉港区市场监督管理局", by=user, **extra)


def test_publication_due_in_twenty_working_days(entity_a, owner):
    record = create(entity_a, owner, fine_amount=Decimal("50000"))
    assert record.status == PenaltyStatus.PENDING and record.publish_due == add_workdays(D, 20)
    assert record.office_id == entity_a.office_id


def test_warnings_are_not_published(entity_a, owner):
    record = create(entity_a, owner, kind="warning")
    assert record.status == PenaltyStatus.NOT_PUBLISHED and record.publish_due is None
    with pytest.raises(ValidationError, match="不能公示"):
        penalty_publish(record=record, by=owner, on=D)


@pytest.mark.parametrize("kind, months", [("criticism", 3), ("low_fine", 3), ("fine", 36), ("licence_revocation", 36)])
def test_publicity_period_by_kind(entity_a, owner, kind, months):
    record = penalty_publish(record=create(entity_a, owner, kind=kind), by=owner, on=date(2026, 3, 10))
    assert record.publicity_end == add_period(date(2026, 3, 10), months, "month")


def test_duplicate_decision_number_and_bad_input_refused(entity_a, owner):
    create(entity_a, owner)
    with pytest.raises(ValidationError, match="已登记"):
        create(entity_a, owner)
    with pytest.raises(ValidationError, match="处罚种类"):
        create(entity_a, owner, kind="x", n=2)
    with pytest.raises(ValidationError, match="负数"):
        create(entity_a, owner, n=3, fine_amount=Decimal("-1"))
    assert PenaltyRecord.objects.count() == 1


def test_revoked_after_publication_is_withdrawn_within_three_working_days(entity_a, owner):
    record = penalty_publish(record=create(entity_a, owner), by=owner, on=D)
    record = penalty_revoke(record=record, by=owner, revoked_on=date(2026, 5, 6), note="行政复议撤销")
    assert record.status == PenaltyStatus.REVOKED and record.withdrawal_due == add_workdays(date(2026, 5, 6), 3)
    assert record.overdue  # the due date is long past today
    record = penalty_withdraw(record=record, by=owner, on=date(2026, 5, 7))
    assert record.status == PenaltyStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        penalty_withdraw(record=record, by=owner, on=date(2026, 5, 7))


def test_revoked_before_publication_is_never_published(entity_a, owner):
    record = penalty_revoke(record=create(entity_a, owner), by=owner, revoked_on=D)
    assert record.status == PenaltyStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        penalty_publish(record=record, by=owner, on=D)


def test_expired_publicity_ends(entity_a, owner):
    short = penalty_publish(record=create(entity_a, owner, kind="criticism", n=1), by=owner, on=D)
    long = penalty_publish(record=create(entity_a, owner, kind="fine", n=2), by=owner, on=D)
    assert penalty_end_expired(on=date(2026, 6, 3)) == 1
    short.refresh_from_db()
    long.refresh_from_db()
    assert short.status == PenaltyStatus.ENDED and short.ended_on == short.publicity_end
    assert long.status == PenaltyStatus.PUBLISHED
    assert penalty_end_expired(on=date(2026, 6, 3)) == 0


def test_nightly_task_ends_expired_publicity(entity_a, owner):
    from credit.tasks import publicity_terms_end_task

    record = penalty_publish(record=create(entity_a, owner, kind="criticism"), by=owner, on=D)
    assert publicity_terms_end_task.apply().get() == {"penalties": 1, "serious": 0}  # 3 months are long past
    record.refresh_from_db()
    assert record.status == PenaltyStatus.ENDED


def test_end_expired_publicity_command(entity_a, owner):
    from io import StringIO

    from django.core.management import CommandError, call_command

    penalty_publish(record=create(entity_a, owner, kind="low_fine"), by=owner, on=D)
    out = StringIO()
    call_command("end_expired_publicity", "--date", "2026-06-01", stdout=out)
    assert "停止公示行政处罚信息 0 条" in out.getvalue()  # 2026-06-02 is the last day of the three months
    call_command("end_expired_publicity", "--date", "2026-06-03", stdout=out)
    assert "停止公示行政处罚信息 1 条" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("end_expired_publicity", "--date", "6/3/2026")
