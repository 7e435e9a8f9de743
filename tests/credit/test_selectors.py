"""current_risk_classes: the latest general class, the domain class with its general fallback, scope by ids."""
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from credit.models import EntityRiskClass, RiskDomain
from credit.selectors import current_risk_classes
from registry.models import MarketEntity
from tests.credit.conftest import give_class
from tests.factories import make_entity


@pytest.fixture
def three(office_a):
    return [make_entity(office_a) for _ in range(3)]


@pytest.mark.django_db
def test_the_latest_general_class_is_current_and_unclassified_entities_are_absent(three):
    first, second, unclassified = three
    give_class(first, "B", date(2024, 1, 31))
    give_class(first, "C", date(2024, 3, 31))
    give_class(first, "A", date(2024, 2, 29))
    give_class(second, "D", date(2023, 12, 31))
    give_class(second, "A", date(2024, 6, 30), domain="食品")  # a domain class does not change the general one
    assert current_risk_classes() == {first.pk: "C", second.pk: "D"}
    assert unclassified.pk not in current_risk_classes([unclassified.pk])


@pytest.mark.django_db
def test_a_domain_task_uses_the_domain_class_where_there_is_one_else_the_general_class(three):
    food_only, general_only, both = three
    give_class(food_only, "D", date(2024, 1, 31), domain="食品")
    give_class(general_only, "B", date(2024, 1, 31))
    give_class(both, "A", date(2024, 5, 31))
    give_class(both, "C", date(2023, 5, 31), domain="食品")  # older than the general class, still the domain's
    give_class(both, "D", date(2024, 5, 31), domain="特种设备")  # another domain is ignored
    assert current_risk_classes(domain="食品") == {food_only.pk: "D", general_only.pk: "B", both.pk: "C"}
    assert current_risk_classes(domain="food") == current_risk_classes(domain=RiskDomain.objects.get(name="食品"))
    assert current_risk_classes(domain="特种设备") == {general_only.pk: "B", both.pk: "D"}  # food_only: none
    assert current_risk_classes() == {general_only.pk: "B", both.pk: "A"}


@pytest.mark.django_db
def test_the_latest_domain_class_wins_within_the_domain(three):
    entity = three[0]
    give_class(entity, "A", date(2023, 1, 31), domain="食品")
    give_class(entity, "C", date(2024, 1, 31), domain="食品")
    assert current_risk_classes(domain="食品") == {entity.pk: "C"}


@pytest.mark.django_db
def test_ids_querysets_and_a_date_limit_the_answer(three, office_b):
    first, second, _ = three
    other = make_entity(office_b)
    for entity in (first, second, other):
        give_class(entity, "B", date(2024, 1, 31))
    give_class(first, "D", date(2024, 4, 30))
    assert current_risk_classes([first.pk, other.pk]) == {first.pk: "D", other.pk: "B"}
    assert current_risk_classes(MarketEntity.objects.filter(office=office_b)) == {other.pk: "B"}
    assert current_risk_classes([]) == {}
    assert current_risk_classes([first.pk], on=date(2024, 3, 1)) == {first.pk: "B"}
    assert current_risk_classes([first.pk], on=date(2023, 12, 31)) == {}


@pytest.mark.django_db
def test_an_unknown_domain_is_refused():
    with pytest.raises(ValueError, match="未知的专业分类领域"):
        current_risk_classes(domain="烟花爆竹")


@pytest.mark.django_db
def test_one_query_for_any_number_of_entities(three, django_assert_num_queries):
    for entity in three:
        give_class(entity, "A", date(2024, 1, 31))
        give_class(entity, "B", date(2024, 1, 31), domain="食品")
    food = RiskDomain.objects.get(name="食品")
    with django_assert_num_queries(1):
        assert len(current_risk_classes([e.pk for e in three], domain=food)) == 3


@pytest.mark.django_db
def test_the_portable_fallback_gives_the_same_answer(three):
    from credit import selectors

    food_only, general_only, both = three
    give_class(food_only, "D", date(2024, 1, 31), domain="食品")
    give_class(general_only, "B", date(2024, 1, 31))
    give_class(general_only, "C", date(2022, 1, 31))
    give_class(both, "A", date(2024, 5, 31))
    give_class(both, "C", date(2023, 5, 31), domain="食品")
    food = RiskDomain.objects.get(name="食品")
    ids = [e.pk for e in three]
    for domain in (None, food):
        for entity_ids in (None, ids, MarketEntity.objects.all()):
            assert selectors._current_portable(entity_ids, domain, None) == \
                selectors._current_postgres(entity_ids, domain, None)
    assert selectors._current_portable(ids, None, date(2023, 1, 1)) == {general_only.pk: "C"}


@pytest.mark.django_db
def test_one_result_per_entity_type_and_date(three):
    entity = three[0]
    give_class(entity, "A", date(2024, 1, 31))
    give_class(entity, "B", date(2024, 1, 31), domain="食品")  # another type on the same date is fine
    for domain in (None, "食品"):
        with pytest.raises(IntegrityError), transaction.atomic():
            give_class(entity, "C", date(2024, 1, 31), domain=domain)
    assert EntityRiskClass.objects.filter(entity=entity).count() == 2
