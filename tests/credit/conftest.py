"""Fixtures of the credit tests: a class-history builder."""
from datetime import date

import pytest

from credit.models import EntityRiskClass, RiskDomain


def give_class(entity, risk_class: str, on: date, domain: str | None = None) -> EntityRiskClass:
    """Record a classification result for an entity (domain by name, None = 通用)."""
    from credit.services import current_classes_refresh

    domain_obj = RiskDomain.objects.get(name=domain) if domain else None
    record = EntityRiskClass.objects.create(entity=entity, risk_class=risk_class, classified_on=on, domain=domain_obj)
    current_classes_refresh([entity.pk])  # as the import does in the same transaction
    return record


@pytest.fixture
def classes():
    return give_class
