"""The scoring model's listing and penalty-publicity indicators, computed from the listing and penalty records."""
from datetime import date
from decimal import Decimal

import pytest

from credit.choices import ListingKind, ListingReason, ListingStatus
from credit.indicators import KINDS, contribution
from credit.models import ListingCase
from credit.penalties import penalty_publish, penalty_record_create, penalty_revoke
from registry.models import MarketEntity
from tests.factories import make_entity

pytestmark = pytest.mark.django_db


def listing(entity, listed_on, *, closed_on=None, reason=ListingReason.ANNUAL_REPORT, kind=ListingKind.ABNORMAL):
    status = ListingStatus.REMOVED if closed_on else ListingStatus.LISTED
    return ListingCase.objects.create(entity=entity, office=entity.office, kind=kind, reason=reason, status=status,
                                      source="staff", occurred_on=listed_on, listed_on=listed_on,
                                      removed_on=closed_on, closed_on=closed_on)


def test_abnormal_marks_counts_listings_in_force_or_recent(office_a):
    kind = KINDS["abnormal_marks"]
    assert kind.available
    old_in_force, recent_removed, old_removed, clean = (make_entity(office_a) for _ in range(4))
    listing(old_in_force, date(2019, 7, 10))
    listing(recent_removed, date(2023, 7, 10), closed_on=date(2023, 9, 1))
    listing(old_removed, date(2019, 7, 10), closed_on=date(2020, 1, 1))
    listing(clean, date(2024, 8, 1))  # after the base date
    params = kind.params_with_defaults({})
    values = kind.sparse(date(2024, 6, 30), params, MarketEntity.objects.all())
    assert values == {old_in_force.pk: 1, recent_removed.pk: 1}
    assert contribution(kind, Decimal("20"), values[old_in_force.pk], params) == Decimal("20.00")
    assert kind.show(values[old_in_force.pk], params) == "近 2 年列异（标记）1 条"


def test_penalty_publicity_counts_published_not_revoked(office_a, owner):
    kind = KINDS["penalty_publicity"]
    entity = make_entity(office_a)

    def published(n, on, **extra):
        record = penalty_record_create(entity=entity, decision_no=f"罚〔{on.year}〕{n}号", decided_on=on, kind="fine",
                                       violation="无照经营", authority="泉港区市场监督管理局", by=owner, **extra)
        return penalty_publish(record=record, by=owner, on=on)

    published(1, date(2023, 5, 1))
    published(2, date(2024, 2, 1))
    revoked = published(3, date(2024, 3, 1))
    penalty_revoke(record=revoked, by=owner, revoked_on=date(2024, 4, 1))
    published(4, date(2022, 1, 4))  # older than two years
    params = kind.params_with_defaults({})
    assert kind.sparse(date(2024, 6, 30), params, MarketEntity.objects.all()) == {entity.pk: 2}
    # As of a base date before the revocation, the revoked decision still counted.
    assert kind.sparse(date(2024, 3, 15), params, MarketEntity.objects.all()) == {entity.pk: 3}
    assert contribution(kind, Decimal("20"), 2, params) == Decimal("20.00")
