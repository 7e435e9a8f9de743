"""Fixtures of the credit tests: a class-history builder."""
from datetime import date

import pytest

from credit.models import EntityRiskClass, RiskDomain


def give_class(entity, risk_class: str, on: date, domain: str | None = None) -> EntityRiskClass:
    """Record a classification result for an entity (domain by name, None = 通用)."""
    domain_obj = RiskDomain.objects.get(name=domain) if domain else None
    return EntityRiskClass.objects.create(entity=entity, risk_class=risk_class, classified_on=on, domain=domain_obj)


@pytest.fixture
def classes():
    return give_class
