"""The demo district's risk classes: the target shares, domain classes, determinism and idempotency."""
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from credit.demo import month_ends, seed_risk_classes
from credit.models import EntityRiskClass
from credit.selectors import current_risk_classes
from registry.choices import EntityType
from registry.demo import seed_demo
from registry.models import MarketEntity

pytestmark = pytest.mark.django_db

TODAY = date(2024, 6, 30)


@pytest.fixture
def district():
    seed_demo(entities=3000, password="pw-for-demo-tests", seed=7, today=TODAY)


def test_month_ends_are_the_last_ones_before_today():
    assert month_ends(date(2024, 3, 15), 3) == [date(2023, 12, 31), date(2024, 1, 31), date(2024, 2, 29)]


def test_enterprises_get_a_class_history_near_the_target_shares_and_some_domain_classes(district):
    summary = seed_risk_classes(seed=7, today=TODAY)
    classes = current_risk_classes()
    assert summary.classified == len(classes) > 500
    assert set(MarketEntity.objects.filter(pk__in=classes).values_list("entity_type", flat=True)) == {
        EntityType.ENTERPRISE}
    shares = {c: n / len(classes) for c, n in Counter(classes.values()).items()}
    assert 0.52 < shares["A"] < 0.68 and 0.18 < shares["B"] < 0.32
    assert 0.05 < shares["C"] < 0.15 and 0.02 < shares["D"] < 0.09
    assert summary.with_domain > 0
    assert EntityRiskClass.objects.filter(domain__name="工业产品").exists()
    some = next(iter(classes))
    assert EntityRiskClass.objects.filter(entity_id=some, domain__isnull=True).count() >= 1
    assert max(EntityRiskClass.objects.values_list("classified_on", flat=True)) == date(2024, 5, 31)


def test_a_second_run_adds_nothing_and_the_same_seed_gives_the_same_classes(district):
    first = seed_risk_classes(seed=7, today=TODAY)
    held = set(EntityRiskClass.objects.values_list("entity_id", "domain_id", "classified_on", "risk_class"))
    again = seed_risk_classes(seed=7, today=TODAY)
    assert first.created == len(held) and again.created == 0
    EntityRiskClass.objects.all().delete()
    seed_risk_classes(seed=7, today=TODAY)
    assert set(EntityRiskClass.objects.values_list("entity_id", "domain_id", "classified_on", "risk_class")) == held


def test_seed_demo_command_seeds_the_classes(db):
    out = StringIO()
    call_command("seed_demo", "--entities", "200", "--password", "pw-for-demo-tests", "--seed", "3", stdout=out)
    assert "信用风险分类：企业" in out.getvalue()
    assert EntityRiskClass.objects.exists()
