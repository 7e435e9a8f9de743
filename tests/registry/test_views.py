"""The entity list and detail: scope by office, filters, sorting, phone masking."""
import pytest
from django.urls import reverse

from registry.choices import EntityType, RegistrationStatus
from tests.factories import make_entity


def test_owner_and_colleague_see_their_office_entity(client, owner, colleague, entity_a):
    for user in (owner, colleague):
        client.force_login(user)
        response = client.get(reverse("registry:entity_detail", args=[entity_a.pk]))
        assert response.status_code == 200
        assert entity_a.uscc in response.content.decode()


def test_outsider_gets_404_for_another_office_entity(client, outsider, entity_a):
    client.force_login(outsider)
    assert client.get(reverse("registry:entity_detail", args=[entity_a.pk])).status_code == 404


def test_list_shows_only_own_office_for_office_staff(client, owner, entity_a, entity_b):
    client.force_login(owner)
    html = client.get(reverse("registry:entity_list")).content.decode()
    assert entity_a.name in html
    assert entity_b.name not in html


def test_search_does_not_cross_office_scope(client, owner, entity_b):
    client.force_login(owner)
    html = client.get(reverse("registry:entity_list"), {"q": entity_b.uscc}).content.decode()
    assert entity_b.name not in html
    assert "没有符合条件的市场主体" in html


@pytest.mark.parametrize("role_user", ["section_user", "leader"])
def test_district_roles_see_every_office(client, request, role_user, entity_a, entity_b):
    client.force_login(request.getfixturevalue(role_user))
    html = client.get(reverse("registry:entity_list")).content.decode()
    assert entity_a.name in html and entity_b.name in html


def test_discipline_role_may_not_open_the_register(client, discipline_user, entity_a):
    client.force_login(discipline_user)
    assert client.get(reverse("registry:entity_list")).status_code == 403


def test_anonymous_is_sent_to_login(client, entity_a):
    response = client.get(reverse("registry:entity_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_filters_combine(client, section_user, office_a, office_b):
    wanted = make_entity(office_a, name="泉港石化物流有限公司", industry_code="G5430", legal_rep="林海")
    make_entity(office_a, name="泉港石化餐饮店", entity_type=EntityType.INDIVIDUAL, industry_code="H6210")
    make_entity(office_b, name="泉港石化物流二公司", industry_code="G5430", status=RegistrationStatus.DEREGISTERED)
    client.force_login(section_user)
    html = client.get(reverse("registry:entity_list"), {
        "q": "石化", "section": "G", "status": "active", "office": office_a.pk,
    }).content.decode()
    assert wanted.name in html
    assert "泉港石化餐饮店" not in html
    assert "泉港石化物流二公司" not in html
    html = client.get(reverse("registry:entity_list"), {"q": "林海"}).content.decode()
    assert wanted.name in html


def test_sorting_by_established_date_descending(client, section_user, office_a):
    from datetime import date

    old = make_entity(office_a, name="甲老字号", established_on=date(2001, 1, 1))
    new = make_entity(office_a, name="乙新设公司", established_on=date(2023, 1, 1))
    client.force_login(section_user)
    html = client.get(reverse("registry:entity_list"), {"sort": "-established"}).content.decode()
    assert html.index(new.name) < html.index(old.name)
    html = client.get(reverse("registry:entity_list"), {"sort": "established"}).content.decode()
    assert html.index(old.name) < html.index(new.name)


def test_phone_masked_without_permission(client, leader, owner, entity_a):
    client.force_login(leader)
    html = client.get(reverse("registry:entity_detail", args=[entity_a.pk])).content.decode()
    assert "139*****234" not in html and "139****1234" in html and "13905951234" not in html
    client.force_login(owner)
    html = client.get(reverse("registry:entity_detail", args=[entity_a.pk])).content.decode()
    assert "13905951234" in html


def test_list_query_count_does_not_grow_with_rows(client, section_user, office_a, django_assert_max_num_queries):
    for _ in range(30):
        make_entity(office_a)
    client.force_login(section_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("registry:entity_list")).status_code == 200
