"""Registration findings recorded inside a spot check's result: the check's page links them, the entity and
source are the check's, and a finding cannot be filed against another entity's check."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from inspections.models import SpotCheck
from registry import three_lists
from registry.supervision_models import RegistrationFinding
from tests.inspections.conftest import district, draw_now, item, plan, section_dept, task  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked(task, section_user):  # noqa: F811
    draw_now(task, by=section_user)
    check = SpotCheck.objects.select_related("entity").order_by("walk_order").first()
    SpotCheck.objects.filter(pk=check.pk).update(status="submitted", result_code="D", checked_on=date(2025, 5, 6),
                                                 findings="住所与登记不一致")
    check.refresh_from_db()
    return check


def test_a_finding_from_the_checks_page(client, section_user, checked):
    client.force_login(section_user)
    page = client.get(checked.get_absolute_url()).content.decode()
    url = reverse("registry:finding_create_for_check", args=[checked.pk])
    assert url in page and "登记事项问题" in page
    response = client.post(url, {"matter": "address", "description": "实际经营地址与登记住所不一致",
                                 "found_on": "2025-05-06"}, follow=True)
    assert "已登记问题" in response.content.decode()
    finding = RegistrationFinding.objects.get()
    assert (finding.entity, finding.spot_check, finding.source) == (checked.entity, checked, "spot_check")
    page = client.get(checked.get_absolute_url()).content.decode()
    assert reverse("registry:finding_detail", args=[finding.pk]) in page


def test_a_finding_cannot_be_filed_against_another_entitys_check(section_user, checked, district):  # noqa: F811
    other = next(e for e in district["entities"] if e.pk != checked.entity_id)
    with pytest.raises(ValidationError, match="不是对该市场主体的检查"):
        three_lists.finding_create(data={"entity": other, "spot_check": checked, "source": "spot_check",
                                         "matter": "address", "description": "x", "found_on": date(2025, 5, 6)},
                                   by=section_user)
    with pytest.raises(ValidationError, match="不能早于抽查检查日期"):
        three_lists.finding_create(data={"entity": checked.entity, "spot_check": checked, "source": "spot_check",
                                         "matter": "address", "description": "x", "found_on": date(2025, 5, 5)},
                                   by=section_user)


def test_office_staff_of_another_office_cannot_file_on_the_check(client, checked, outsider, owner):
    other = outsider if checked.entity.office_id == owner.office_id else owner
    client.force_login(other)
    assert client.get(reverse("registry:finding_create_for_check", args=[checked.pk])).status_code == 404
