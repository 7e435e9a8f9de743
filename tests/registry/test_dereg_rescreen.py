"""Forced deregistration: a filed annual report since the abnormal listing is activity (annual_reports' filing
records); a terminated case's entity can be put back in the pipeline as a new case when a rule still matches,
the terminated case kept (the screening itself does not put it back)."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annual_reports.models import AnnualReport, FilingSeason
from core.models import AuditLog
from registry import dereg
from registry.supervision_choices import DeregStatus
from registry.supervision_models import DeregCase
from tests.factories import make_entity

pytestmark = pytest.mark.django_db


def list_abnormal(entity, office, listed):
    from credit.models import ListingCase

    ListingCase.objects.create(entity=entity, office=office, kind="abnormal", reason="annual_report",
                               status="listed", source="annual_report", occurred_on=listed, listed_on=listed)


def filed(entity, year, on):
    season, _ = FilingSeason.objects.get_or_create(year=year, defaults={
        "opens_on": date(year + 1, 1, 1), "due_on": date(year + 1, 6, 30),
        "required_established_before": date(year + 1, 1, 1)})
    AnnualReport.objects.create(season=season, entity=entity, status="late", filed_on=on)


def test_an_annual_report_filed_since_the_listing_is_activity(section_user, office_a):
    idle = make_entity(office_a, name="长期异常甲公司")
    reported = make_entity(office_a, name="补报年报乙公司")
    before = make_entity(office_a, name="列异前报过丙公司")
    for entity in (idle, reported, before):
        list_abnormal(entity, office_a, date(2021, 7, 10))
    filed(reported, 2022, date(2023, 5, 8))    # after the listing: activity
    filed(before, 2020, date(2021, 6, 1))      # before the listing: not
    created, notes = dereg.candidates_screen(by=section_user, on=date(2025, 3, 3))
    assert notes == []
    assert {c.entity.name for c in created} == {"长期异常甲公司", "列异前报过丙公司"}


@pytest.fixture
def terminated(section_user, revoked_entity):
    case = dereg.candidates_screen(by=section_user, on=date(2025, 3, 3))[0][0]
    return dereg.case_terminate(case=case, reason="税务部门反馈尚有欠缴税款", by=section_user)


def test_screening_does_not_put_a_terminated_case_back(section_user, terminated):
    created, notes = dereg.candidates_screen(by=section_user, on=date(2025, 9, 1))
    assert created == [] and notes == ["1 户此前的强制注销案件已终止，本次未自动重新列入；终止原因消除的，可在原案件页"
                                       "“重新列为候选”。"]


def test_a_terminated_case_is_rescreened_as_a_new_case_with_its_history_kept(section_user, terminated, client):
    with pytest.raises(ValidationError, match="请写明"):
        dereg.case_rescreen(case=terminated, reason=" ", by=section_user, on=date(2025, 9, 1))
    new = dereg.case_rescreen(case=terminated, reason="税务部门确认欠税已缴清", by=section_user, on=date(2025, 9, 1))
    assert (new.status, new.screened_on, new.entity_id) == (DeregStatus.CANDIDATE, date(2025, 9, 1),
                                                            terminated.entity_id)
    terminated.refresh_from_db()
    assert terminated.status == DeregStatus.TERMINATED and DeregCase.objects.count() == 2
    assert AuditLog.objects.for_object(new).get().extra["previous_case"] == terminated.pk
    with pytest.raises(ValidationError, match="已有办理中"):
        dereg.case_rescreen(case=terminated, reason="再次", by=section_user, on=date(2025, 9, 2))
    with pytest.raises(ValidationError, match="只有已终止"):
        dereg.case_rescreen(case=new, reason="x", by=section_user, on=date(2025, 9, 2))
    client.force_login(section_user)
    page = client.get(new.get_absolute_url()).content.decode()
    assert "该主体的其他强制注销案件" in page and "税务部门反馈尚有欠缴税款" in page
    assert "该主体的其他强制注销案件" in client.get(terminated.get_absolute_url()).content.decode()


def test_an_entity_no_longer_matching_is_not_rescreened(section_user, terminated):
    from registry.supervision_models import DeregRule

    DeregRule.objects.update(is_active=False)
    with pytest.raises(ValidationError, match="已不符合强制注销候选条件"):
        dereg.case_rescreen(case=terminated, reason="欠税已缴清", by=section_user, on=date(2025, 9, 1))
    assert DeregCase.objects.count() == 1


def test_the_rescreen_button_on_a_terminated_case(section_user, terminated, client):
    client.force_login(section_user)
    page = client.get(terminated.get_absolute_url()).content.decode()
    assert reverse("registry:dereg_rescreen", args=[terminated.pk]) in page and "不会自动" in page
    response = client.post(reverse("registry:dereg_rescreen", args=[terminated.pk]), {"reason": ""}, follow=True)
    assert "请写明重新列为候选的理由" in response.content.decode() and DeregCase.objects.count() == 1
    response = client.post(reverse("registry:dereg_rescreen", args=[terminated.pk]), {"reason": "欠税已缴清"},
                           follow=True)
    assert "已重新列为强制注销候选" in response.content.decode() and DeregCase.objects.count() == 2
    page = client.get(terminated.get_absolute_url()).content.decode()
    assert reverse("registry:dereg_rescreen", args=[terminated.pk]) not in page
