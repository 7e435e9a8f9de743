"""Listing triggers from other capabilities: an approved spot-check result "6 无法联系" opens an UNREACHABLE case."""
import pytest

from credit.choices import ListingReason, ListingStatus, TriggerSource
from credit.models import ListingCase
from inspections import services
from inspections.models import SpotCheck
from tests.inspections.conftest import (  # noqa: F401  (fixtures)
    TODAY,
    district,
    draw_now,
    item,
    plan,
    section_dept,
    task,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def checks(task, section_user):  # noqa: F811
    draw = draw_now(task, by=section_user)
    return list(SpotCheck.objects.filter(draw=draw).select_related("entity", "task", "draw").order_by("walk_order"))


def test_approved_unreachable_result_opens_a_listing_trigger(checks, owner, section_user):
    check = services.check_submit_result(spot_check=checks[0], result_code="6", findings="住所无人，电话无法接通",
                                         checked_on=TODAY, by=owner)
    assert not ListingCase.objects.exists()  # submitted, not yet approved
    services.check_review(spot_check=check, approve=True, note="", by=section_user)
    case = ListingCase.objects.get()
    assert (case.entity_id, case.reason, case.source) == (check.entity_id, ListingReason.UNREACHABLE,
                                                         TriggerSource.SPOT_CHECK)
    assert case.status == ListingStatus.REMINDER and case.occurred_on == TODAY
    assert case.source_ref == f"抽查检查结果 {check.pk}"


def test_returned_or_other_results_open_nothing(checks, owner, section_user):
    unreachable = services.check_submit_result(spot_check=checks[0], result_code="6", findings="无法联系",
                                               checked_on=TODAY, by=owner)
    services.check_review(spot_check=unreachable, approve=False, note="请补充照片", by=section_user)
    fine = services.check_submit_result(spot_check=checks[1], result_code="1", findings="", checked_on=TODAY,
                                        by=owner)
    services.check_review(spot_check=fine, approve=True, note="", by=section_user)
    assert not ListingCase.objects.exists()
