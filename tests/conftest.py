"""Shared fixtures: two offices, and an owner, a colleague and an outsider for every access test."""
import pytest

from core.choices import Role
from tests.factories import make_entity, make_office, make_user


@pytest.fixture
def office_a(db):
    return make_office(name="山腰市场监督管理所")


@pytest.fixture
def office_b(db):
    return make_office(name="南埔市场监督管理所")


@pytest.fixture
def owner(office_a):
    """Office staff of the office that supervises the record."""
    return make_user(Role.OFFICE, office=office_a, username="owner")


@pytest.fixture
def colleague(office_a):
    """Another staff member of the same office."""
    return make_user(Role.OFFICE, office=office_a, username="colleague")


@pytest.fixture
def outsider(office_b):
    """Office staff of a different office."""
    return make_user(Role.OFFICE, office=office_b, username="outsider")


@pytest.fixture
def section_user(db):
    return make_user(Role.SECTION, username="credit")


@pytest.fixture
def leader(db):
    return make_user(Role.LEADER, username="leader")


@pytest.fixture
def discipline_user(db):
    return make_user(Role.DISCIPLINE, username="discipline")


@pytest.fixture
def entity_a(office_a):
    return make_entity(office_a)


@pytest.fixture
def entity_b(office_b):
    return make_entity(office_b)
