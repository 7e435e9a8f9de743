"""The entity list's two-step paginator gives exactly what Django's paginator gives, with a bounded query count."""
from datetime import date

import pytest
from django.core.paginator import Paginator
from django.urls import reverse

from registry.choices import EntityType, RegistrationStatus
from registry.models import MarketEntity
from registry.views import EntityPaginator
from tests.factories import make_entity


@pytest.fixture
def register(office_a, office_b):
    made = []
    for i in range(23):
        made.append(make_entity(
            office_a if i % 3 else office_b,
            name=f"{'泉州市泉港区' if i % 2 else '泉港区'}测试{i % 7}号",  # repeated names: ties broken by id
            entity_type=EntityType.ENTERPRISE if i % 2 else EntityType.INDIVIDUAL,
            established_on=date(2000 + i % 5, 1, 1),
            status=RegistrationStatus.ACTIVE if i % 4 else RegistrationStatus.REVOKED,
        ))
    return made


@pytest.mark.parametrize("ordering", [("name", "id"), ("-established_on", "-id"), ("office__sort_order", "name", "id")])
@pytest.mark.parametrize("orphans", [0, 2])
def test_pages_match_djangos_paginator(register, ordering, orphans):
    qs = MarketEntity.objects.select_related("office").filter(status=RegistrationStatus.ACTIVE).order_by(*ordering)
    ours, django_pages = EntityPaginator(qs, 5, orphans=orphans), Paginator(qs, 5, orphans=orphans)
    assert ours.num_pages == django_pages.num_pages
    seen = []
    for number in ours.page_range:
        page = ours.page(number)
        expected = django_pages.page(number)
        assert [e.pk for e in page] == [e.pk for e in expected]
        assert (page.start_index(), page.end_index()) == (expected.start_index(), expected.end_index())
        seen += [e.pk for e in page]
    assert sorted(seen) == sorted(qs.values_list("pk", flat=True))


def test_page_rows_come_with_their_office(register, django_assert_num_queries):
    page = EntityPaginator(MarketEntity.objects.select_related("office").order_by("name", "id"), 10).page(2)
    with django_assert_num_queries(0):
        assert all(e.office.name for e in page)


def test_an_empty_result_has_one_empty_page(db):
    page = EntityPaginator(MarketEntity.objects.order_by("name", "id"), 10).page(1)
    assert list(page) == [] and page.paginator.count == 0


def test_list_page_walks_every_page_in_order(client, section_user, register, settings):
    settings.PAGE_SIZE = 4
    client.force_login(section_user)
    expected = list(MarketEntity.objects.filter(entity_type=EntityType.INDIVIDUAL).order_by("-name", "-id"))
    assert len(expected) == 12
    shown = []
    for number in range(1, 4):
        response = client.get(reverse("registry:entity_list"),
                              {"entity_type": EntityType.INDIVIDUAL, "sort": "-name", "page": number})
        shown += [row["entity"].pk for row in response.context["rows"]]
    assert shown == [e.pk for e in expected]


def test_list_query_count_does_not_grow_with_the_page(client, section_user, office_a, django_assert_max_num_queries):
    for _ in range(60):
        make_entity(office_a)
    client.force_login(section_user)
    # session, user, roles, industry sections, row estimate, count, page ids, page rows, industry names,
    # phone permission (2)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("registry:entity_list")).status_code == 200


def test_search_by_code_prefix_and_by_chinese_name(client, section_user, office_a):
    wanted = make_entity(office_a, name="泉港区山腰鸿运小吃店")
    other = make_entity(office_a, name="泉州市泉港区兴隆物流有限公司")
    client.force_login(section_user)
    html = client.get(reverse("registry:entity_list"), {"q": wanted.uscc[:17].lower()}).content.decode()
    assert wanted.name in html and other.name not in html
    html = client.get(reverse("registry:entity_list"), {"q": "山腰鸿运小吃"}).content.decode()
    assert wanted.name in html and other.name not in html


def test_estimate_stands_until_the_last_page_is_asked_for(register):
    qs = MarketEntity.objects.select_related("office").order_by("name", "id")
    exact = Paginator(qs, 5)
    ours = EntityPaginator(qs, 5, estimated_count=1000)
    assert (ours.count, ours.num_pages, ours.estimated) == (1000, 200, True)
    assert [e.pk for e in ours.get_page(2)] == [e.pk for e in exact.page(2)]
    assert ours.estimated
    last = ours.get_page(200)  # 末页 of the estimate: counted exactly, the real last page
    assert not ours.estimated
    assert (ours.count, last.number) == (23, 5)
    assert [e.pk for e in last] == [e.pk for e in exact.page(5)]


@pytest.fixture
def estimate_from_one_row(monkeypatch, register, settings):
    """The estimate applies from one row on, and pages hold 5 rows, so the first page is not the last."""
    from django.db import connection

    from registry import views

    monkeypatch.setattr(views, "ESTIMATE_COUNT_FROM", 1)
    settings.PAGE_SIZE = 5
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_marketentity")
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'registry_marketentity'")
        return cursor.fetchone()[0]


def test_unfiltered_district_list_shows_the_estimate_labelled(client, section_user, estimate_from_one_row):
    client.force_login(section_user)
    response = client.get(reverse("registry:entity_list"), {"sort": "-established"})
    assert response.context["page"].paginator.estimated
    assert response.context["page"].paginator.count == estimate_from_one_row
    assert ">约</span> <strong>" in response.content.decode()


@pytest.mark.parametrize("params", [{"status": "active"}, {"q": "泉港"}, {"established_after": "2001-01-01"}])
def test_a_filtered_list_is_counted_exactly(client, section_user, estimate_from_one_row, params):
    client.force_login(section_user)
    response = client.get(reverse("registry:entity_list"), params)
    paginator = response.context["page"].paginator
    assert not paginator.estimated and paginator.num_pages > 1
    assert "约" not in response.content.decode().split('class="result-count"')[1].split("</p>")[0]


def test_office_staff_lists_are_counted_exactly(client, owner, estimate_from_one_row, register):
    client.force_login(owner)
    response = client.get(reverse("registry:entity_list"))
    assert not response.context["page"].paginator.estimated
    assert response.context["page"].paginator.count == MarketEntity.objects.for_user(owner).count()
