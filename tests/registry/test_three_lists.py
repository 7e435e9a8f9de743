"""Registration-matter findings and the three lists: the version in force, the proposal, the exclusions computed
from the data (aggravating circumstances, a repeat within one year), the letters, the rectification tracking."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditLog, IssuedDocument
from registry import three_lists
from registry.supervision_choices import FindingStatus, Handling, LetterKind, ListKind
from registry.supervision_models import ListItem
from tests.factories import make_entity

pytestmark = pytest.mark.django_db


def record(entity, by, found_on, matter="address", **extra):
    return three_lists.finding_create(data={"entity": entity, "source": "routine", "matter": matter,
                                            "description": "住所已迁至界山镇界东路，未办理变更登记",
                                            "found_on": found_on, **extra}, by=by)


def item(year, kind=ListKind.NO_PENALTY, matter="address"):
    return ListItem.objects.get(catalogue__year=year, kind=kind, matter=matter, number=1) \
        if kind == ListKind.NO_PENALTY else ListItem.objects.filter(catalogue__year=year, kind=kind).first()


def test_the_version_in_force_on_the_day_found_is_offered(entity_a, owner):
    old = record(entity_a, owner, date(2023, 5, 1))
    new = record(make_entity(entity_a.office), owner, date(2025, 5, 1))
    assert three_lists.catalogue_for(old.found_on).year == 2021
    assert three_lists.catalogue_for(new.found_on).year == 2024
    assert set(three_lists.items_for(old).values_list("catalogue__year", flat=True)) == {2021}
    with pytest.raises(ValidationError, match="不属于发现之日施行的清单版本"):
        three_lists.finding_link_item(finding=old, item=item(2024), aggravating=False, aggravating_note="", by=owner)


def test_a_first_minor_violation_is_proposed_no_penalty(entity_a, owner):
    finding = record(entity_a, owner, date(2025, 5, 6))
    finding = three_lists.finding_link_item(finding=finding, item=item(2024), aggravating=False,
                                            aggravating_note="", by=owner)
    assert finding.handling == Handling.NO_PENALTY and finding.exclusions == []
    assert three_lists.default_letter(finding) == LetterKind.PROMPT
    lighter = three_lists.finding_link_item(finding=finding, item=item(2024, ListKind.LIGHTER), aggravating=False,
                                            aggravating_note="", by=owner)
    assert lighter.handling == Handling.LIGHTER


def test_aggravating_circumstances_exclude_the_lists(entity_a, owner):
    finding = record(entity_a, owner, date(2025, 5, 6))
    with pytest.raises(ValidationError):
        three_lists.finding_link_item(finding=finding, item=item(2024), aggravating=True, aggravating_note="",
                                      by=owner)
    finding = three_lists.finding_link_item(finding=finding, item=item(2024), aggravating=True,
                                            aggravating_note="拒不配合检查", by=owner)
    assert finding.handling == Handling.CASE
    assert finding.exclusions == ["有从重处罚情节：拒不配合检查"]


def test_a_repeat_within_one_year_is_computed_from_the_findings(entity_a, owner, office_a):
    record(entity_a, owner, date(2024, 12, 2))  # same entity, same matter
    record(entity_a, owner, date(2025, 2, 1), matter="legal_rep")  # another matter: not the same kind
    record(make_entity(office_a), owner, date(2025, 3, 1))  # another entity
    finding = record(entity_a, owner, date(2025, 12, 1))
    finding = three_lists.finding_link_item(finding=finding, item=item(2024), aggravating=False,
                                            aggravating_note="", by=owner)
    assert finding.handling == Handling.CASE
    assert len(finding.exclusions) == 1 and "2024-12-02" in finding.exclusions[0] and "1年" in finding.exclusions[0]


def test_a_finding_more_than_a_year_earlier_is_not_a_repeat(entity_a, owner):
    record(entity_a, owner, date(2024, 11, 30))
    finding = record(entity_a, owner, date(2025, 12, 1))
    finding = three_lists.finding_link_item(finding=finding, item=item(2024), aggravating=False,
                                            aggravating_note="", by=owner)
    assert finding.handling == Handling.NO_PENALTY and finding.exclusions == []


def test_deciding_issues_the_prompt_letter_and_tracks_rectification(entity_a, owner):
    finding = record(entity_a, owner, date(2025, 5, 6))
    three_lists.finding_link_item(finding=finding, item=item(2024), aggravating=False, aggravating_note="", by=owner)
    due = three_lists.default_rectification_due(date(2025, 5, 7))
    assert due == date(2025, 5, 28)  # 15 working days from Wednesday 7 May 2025
    with pytest.raises(ValidationError, match="改正期限须晚于处理日期"):
        three_lists.finding_decide(finding=finding, letter_kind=LetterKind.PROMPT,
                                   rectification_due=date(2025, 5, 7), case_note="", by=owner,
                                   decided_on=date(2025, 5, 7))
    finding = three_lists.finding_decide(finding=finding, letter_kind=LetterKind.PROMPT, rectification_due=due,
                                         case_note="", by=owner, decided_on=date(2025, 5, 7))
    assert finding.status == FindingStatus.RECTIFYING
    letter = IssuedDocument.objects.get()
    assert letter.title == "行政提示函" and letter.issued_on == date(2025, 5, 7)
    assert entity_a.name in letter.text and "2025年5月28日" in letter.text
    assert "第二十四条" in letter.text  # the item's legal basis
    assert letter.office == entity_a.office
    assert finding.is_overdue(date(2025, 5, 29)) and not finding.is_overdue(date(2025, 5, 28))

    with pytest.raises(ValidationError, match="只有已改正"):
        three_lists.finding_close(finding=finding, by=owner)
    finding = three_lists.finding_rectify(finding=finding, rectified_on=date(2025, 5, 20),
                                          note="已办理住所变更登记", by=owner)
    finding = three_lists.finding_close(finding=finding, by=owner)
    assert finding.status == FindingStatus.CLOSED
    assert AuditLog.objects.for_object(finding).count() == 5


def test_the_warning_letter_can_be_chosen(entity_a, owner):
    finding = record(entity_a, owner, date(2025, 5, 6))
    three_lists.finding_link_item(finding=finding, item=item(2024), aggravating=False, aggravating_note="", by=owner)
    three_lists.finding_decide(finding=finding, letter_kind=LetterKind.WARNING, rectification_due=date(2025, 6, 6),
                               case_note="", by=owner, decided_on=date(2025, 5, 7))
    letter = IssuedDocument.objects.get()
    assert letter.title == "预警提醒函" and "住所（经营场所）方面" in letter.text


def test_outside_the_lists_the_finding_goes_to_a_case_without_a_letter(entity_a, owner):
    finding = record(entity_a, owner, date(2025, 5, 6))
    three_lists.finding_link_item(finding=finding, item=None, aggravating=False, aggravating_note="", by=owner)
    with pytest.raises(ValidationError):
        three_lists.finding_decide(finding=finding, letter_kind="", rectification_due=None, case_note="", by=owner)
    finding = three_lists.finding_decide(finding=finding, letter_kind="", rectification_due=None,
                                         case_note="已立案，案号泉港市监立〔2025〕12号", by=owner)
    assert finding.status == FindingStatus.TRANSFERRED
    assert not IssuedDocument.objects.exists()
    with pytest.raises(ValidationError):
        three_lists.finding_link_item(finding=finding, item=item(2024), aggravating=False, aggravating_note="",
                                      by=owner)


def test_deciding_before_the_proposal_is_refused(entity_a, owner):
    finding = record(entity_a, owner, date(2025, 5, 6))
    with pytest.raises(ValidationError, match="请先对照三张清单"):
        three_lists.finding_decide(finding=finding, letter_kind=LetterKind.PROMPT,
                                   rectification_due=date(2025, 6, 1), case_note="", by=owner)


def test_findings_in_the_future_are_refused(entity_a, owner):
    with pytest.raises(ValidationError):
        record(entity_a, owner, date(2099, 1, 1))


def test_items_of_the_findings_matter_come_first(entity_a, owner):
    finding = record(entity_a, owner, date(2025, 5, 6), matter="capital")
    matters = list(three_lists.items_for(finding).values_list("matter", flat=True))
    assert matters[:2] == ["capital", "capital"] and "capital" not in matters[2:]
