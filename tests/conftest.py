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



def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by emptying every table, including the rows data migrations put there (roles,
    the industry catalogue, the calendar, the time-limit rules). Once its fixtures are torn down, put them
    back, so that the order tests run in never matters."""
    yield
    if nextitem is None or not _is_transactional(item):  # after the last test the test database is gone
        return
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    from core.models import CalendarDay, TimeLimitRule
    from core.workdays import calendar_changed
    from registry.models import Industry

    with item.config.stash[blocking_manager_key].unblock():
        # Groups come back by themselves (flush re-runs post_migrate); the data migrations' rows do not.
        emptied = not (Industry.objects.exists() and CalendarDay.objects.exists() and TimeLimitRule.objects.exists())
        if emptied and getattr(connection, "_test_serialized_contents", None):
            connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
        calendar_changed()  # the calendar cache must not outlive the rows it was read from
