"""The demo listings: every state present, overdue steps among them, deterministic and idempotent."""
import pytest
from django.utils import timezone

from credit.choices import ListingKind, ListingStatus, PenaltyStatus, RepairStatus
from credit.demo_listings import seed_listings
from credit.models import ListingCase, PenaltyRecord, RepairCase
from registry.demo import seed_demo

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def test_demo_has_every_state_and_runs_once():
    seed_demo(entities=400, password="demo-pass-2023", seed=7)
    summary = seed_listings(today=TODAY)
    assert not summary.skipped
    statuses = set(ListingCase.objects.values_list("status", flat=True))
    assert {ListingStatus.REMINDER, ListingStatus.BUFFER, ListingStatus.PROPOSED, ListingStatus.LISTED,
            ListingStatus.REMOVAL, ListingStatus.REMOVED, ListingStatus.CLOSED, ListingStatus.NOTIFIED} <= statuses
    assert ListingCase.objects.filter(kind=ListingKind.SERIOUS, status=ListingStatus.LISTED).exists()
    assert ListingCase.objects.filter(kind=ListingKind.INDIVIDUAL_ABNORMAL, status=ListingStatus.LISTED).exists()
    assert ListingCase.objects.filter(due_on__lt=TODAY).exists()  # overdue steps
    assert {RepairStatus.RECEIVED, RepairStatus.ACCEPTED, RepairStatus.REVIEWED, RepairStatus.APPROVED,
            RepairStatus.NOT_ACCEPTED, RepairStatus.CLOSED} <= set(RepairCase.objects.values_list("status", flat=True))
    assert RepairCase.objects.filter(due_on__lt=TODAY).exists()
    assert {PenaltyStatus.PENDING, PenaltyStatus.PUBLISHED, PenaltyStatus.ENDED, PenaltyStatus.REVOKED,
            PenaltyStatus.WITHDRAWN, PenaltyStatus.NOT_PUBLISHED, PenaltyStatus.REPAIRED} <= set(
        PenaltyRecord.objects.values_list("status", flat=True))
    from collections import Counter

    from credit.demo_listings import ENTERPRISES_NEEDED, INDIVIDUALS_NEEDED
    from registry.models import MarketEntity

    used = set(ListingCase.objects.values_list("entity_id", flat=True)) | set(
        PenaltyRecord.objects.values_list("entity_id", flat=True))
    by_type = Counter(MarketEntity.objects.filter(pk__in=used).values_list("entity_type", flat=True))
    assert (by_type["enterprise"], by_type["individual"]) == (ENTERPRISES_NEEDED, INDIVIDUALS_NEEDED)
    counts = (ListingCase.objects.count(), RepairCase.objects.count(), PenaltyRecord.objects.count())
    assert seed_listings(today=TODAY).skipped
    assert counts == (ListingCase.objects.count(), RepairCase.objects.count(), PenaltyRecord.objects.count())


def test_demo_on_a_tiny_register_skips_without_failing():
    seed_demo(entities=20, password="demo-pass-2023", seed=3)
    assert seed_listings(today=TODAY).skipped
    assert not ListingCase.objects.exists()
