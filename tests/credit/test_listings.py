"""Listing cases: the trigger API, reminder → buffer → proposal → second reviewer → listed, cure, objections, the
serious list, deadlines on the working-day calendar."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from core.audit import AuditLog
from core.choices import Role
from core.workdays import add_workdays, deadline
from credit.choices import ListingKind, ListingReason, ListingStatus, ObjectionStatus, RepairStatus, TriggerSource
from credit.listings import (
    cure,
    listing_approve,
    listing_propose,
    listing_reject,
    listing_remind,
    listing_remove,
    objection_accept,
    objection_conclude,
    objection_receive,
    objection_refuse,
    open_trigger,
    serious_approve,
    serious_close,
    serious_hearing,
    serious_notify,
    serious_open,
    serious_statement,
    serious_submit,
    third_anniversary,
)
from credit.models import ListingCase
from credit.selectors import active_listings
from registry.choices import EntityType
from tests.factories import make_entity, make_user

pytestmark = pytest.mark.django_db

D = date(2026, 9, 1)  # a Tuesday


@pytest.fixture
def reviewer(office_a):
    return make_user(Role.OFFICE, office=office_a, username="reviewer")


def listed_case(entity, owner, reviewer, *, reason=ListingReason.UNREACHABLE, start=D) -> ListingCase:
    case = open_trigger(entity, reason, source=TriggerSource.STAFF, occurred_on=start, user=owner)
    case = listing_remind(case=case, by=owner, on=start, channel="phone")
    case = listing_propose(case=case, by=owner, on=case.buffer_until + timedelta(days=1), note="缓冲期届满未改正")
    return listing_approve(case=case, by=reviewer, on=case.proposed_on)


def test_open_trigger_starts_with_the_reminder_due_in_working_days(entity_a, owner):
    case = open_trigger(entity_a, ListingReason.ANNUAL_REPORT, source="annual_report", occurred_on=D, user=owner,
                        source_ref="2025年度年报")
    assert case.status == ListingStatus.REMINDER
    assert case.kind == ListingKind.ABNORMAL
    assert case.office_id == entity_a.office_id
    assert case.due_on == deadline("listing_reminder", D)[0] == add_workdays(D, 3)
    assert AuditLog.objects.for_object(case).filter(summary__startswith="列异触发").exists()


def test_open_trigger_is_idempotent_per_entity_and_reason(entity_a, owner):
    first = open_trigger(entity_a, ListingReason.ANNUAL_REPORT, source="annual_report", occurred_on=D, user=owner)
    again = open_trigger(entity_a, ListingReason.ANNUAL_REPORT, source="staff", occurred_on=D + timedelta(days=3),
                         user=owner)
    other = open_trigger(entity_a, ListingReason.UNREACHABLE, source="spot_check", occurred_on=D, user=owner)
    assert again.pk == first.pk and other.pk != first.pk
    assert ListingCase.objects.count() == 2


def test_open_trigger_refuses_unknown_reason_or_source(entity_a, owner):
    with pytest.raises(ValidationError):
        open_trigger(entity_a, ListingReason.THREE_YEARS, source="staff", occurred_on=D, user=owner)
    with pytest.raises(ValidationError):
        open_trigger(entity_a, ListingReason.FALSE_INFO, source="mail", occurred_on=D, user=owner)
    assert not ListingCase.objects.exists()


def test_individual_business_is_marked_not_listed(office_a, owner, reviewer):
    shop = make_entity(office_a, entity_type=EntityType.INDIVIDUAL, name="泉港区某某小吃店")
    case = listed_case(shop, owner, reviewer, reason=ListingReason.ANNUAL_REPORT)
    assert case.kind == ListingKind.INDIVIDUAL_ABNORMAL
    assert case.status_label == "已标记经营异常状态"
    assert list(active_listings(ListingKind.INDIVIDUAL_ABNORMAL)) == [case]
    assert not active_listings(ListingKind.ABNORMAL).exists()


def test_the_full_abnormal_flow_with_deadlines(entity_a, owner, reviewer):
    case = open_trigger(entity_a, ListingReason.UNREACHABLE, source="spot_check", occurred_on=D, user=owner)
    case = listing_remind(case=case, by=owner, on=D + timedelta(days=1), channel="sms", note="短信提醒")
    assert case.status == ListingStatus.BUFFER
    assert case.buffer_until == add_workdays(D + timedelta(days=1), 10)
    assert case.due_on == add_workdays(case.buffer_until, 10)  # list within 10 working days after the buffer
    case = listing_propose(case=case, by=owner, on=case.buffer_until + timedelta(days=1), note="仍无法联系")
    assert case.status == ListingStatus.PROPOSED
    case = listing_approve(case=case, by=reviewer, on=case.proposed_on)
    assert case.status == ListingStatus.LISTED and case.listed_on == case.proposed_on and case.due_on is None
    row = active_listings().get()
    assert (row.entity_id, row.kind, row.reason, row.listed_on) == (
        entity_a.pk, "abnormal", "unreachable", case.listed_on)


def test_the_proposer_cannot_approve_their_own_proposal(entity_a, owner):
    case = open_trigger(entity_a, ListingReason.UNREACHABLE, source="staff", occurred_on=D, user=owner)
    case = listing_remind(case=case, by=owner, on=D, channel="phone")
    case = listing_propose(case=case, by=owner, on=case.buffer_until + timedelta(days=1), note="未改正")
    with pytest.raises(ValidationError, match="另一名工作人员"):
        listing_approve(case=case, by=owner, on=case.proposed_on)
    case.refresh_from_db()
    assert case.status == ListingStatus.PROPOSED


def test_proposal_not_allowed_during_the_buffer(entity_a, owner):
    case = open_trigger(entity_a, ListingReason.UNREACHABLE, source="staff", occurred_on=D, user=owner)
    case = listing_remind(case=case, by=owner, on=D, channel="phone")
    with pytest.raises(ValidationError, match="缓冲期"):
        listing_propose(case=case, by=owner, on=case.buffer_until, note="未改正")


@pytest.mark.parametrize("action", ["propose", "approve", "remove", "objection"])
def test_disallowed_transitions_from_the_reminder_step(entity_a, owner, reviewer, action):
    case = open_trigger(entity_a, ListingReason.UNREACHABLE, source="staff", occurred_on=D, user=owner)
    calls = {
        "propose": lambda: listing_propose(case=case, by=owner, on=D, note="x"),
        "approve": lambda: listing_approve(case=case, by=reviewer, on=D),
        "remove": lambda: listing_remove(case=case, by=owner, on=D, reason="x"),
        "objection": lambda: objection_receive(case=case, by=owner, received_on=D, grounds="x"),
    }
    with pytest.raises(ValidationError, match="不能"):
        calls[action]()
    case.refresh_from_db()
    assert case.status == ListingStatus.REMINDER


def test_cure_during_the_buffer_closes_without_listing(entity_a, owner):
    case = open_trigger(entity_a, ListingReason.ANNUAL_REPORT, source="annual_report", occurred_on=D, user=owner)
    case = listing_remind(case=case, by=owner, on=D, channel="online")
    cured = cure(entity_a, ListingReason.ANNUAL_REPORT, cured_on=D + timedelta(days=5), source="annual_report",
                 user=owner, source_ref="2025年度年报补报")
    assert cured.pk == case.pk and cured.status == ListingStatus.CLOSED and cured.listed_on is None
    assert not active_listings().exists()
    assert cure(entity_a, ListingReason.ANNUAL_REPORT, cured_on=D + timedelta(days=5), source="annual_report",
                user=owner) is None


def test_cure_of_a_listed_case_starts_the_removal_and_a_repair_case(entity_a, owner, reviewer):
    case = listed_case(entity_a, owner, reviewer, reason=ListingReason.ANNUAL_REPORT)
    on = case.listed_on + timedelta(days=10)
    cured = cure(entity_a, ListingReason.ANNUAL_REPORT, cured_on=on, source="annual_report", user=owner)
    assert cured.status == ListingStatus.REMOVAL
    assert cured.removal_due == add_workdays(on, 5) == cured.due_on
    repair = cured.repair_cases.get()
    assert repair.status == RepairStatus.RECEIVED and repair.kind == "abnormal"
    assert repair.materials == ["report_filed"]
    assert active_listings().get().pk == case.pk  # still in force until the removal decision
    again = cure(entity_a, ListingReason.ANNUAL_REPORT, cured_on=on, source="annual_report", user=owner)
    assert again.pk == case.pk and cured.repair_cases.count() == 1


def test_individual_restore_deadline(office_a, owner, reviewer):
    shop = make_entity(office_a, entity_type=EntityType.INDIVIDUAL)
    case = listed_case(shop, owner, reviewer, reason=ListingReason.ANNUAL_REPORT)
    on = case.listed_on + timedelta(days=3)
    cured = cure(shop, ListingReason.ANNUAL_REPORT, cured_on=on, source="annual_report", user=owner)
    assert cured.due_rule == "individual_abnormal_restore" and cured.removal_due == add_workdays(on, 5)
    assert cured.repair_cases.get().kind == "individual"


def test_reviewer_can_reject_the_proposal(entity_a, owner, reviewer):
    case = open_trigger(entity_a, ListingReason.FALSE_INFO, source="staff", occurred_on=D, user=owner)
    case = listing_remind(case=case, by=owner, on=D, channel="visit")
    case = listing_propose(case=case, by=owner, on=case.buffer_until + timedelta(days=1), note="x")
    with pytest.raises(ValidationError):
        listing_reject(case=case, by=reviewer, on=case.proposed_on, reason="")
    case = listing_reject(case=case, by=reviewer, on=case.proposed_on, reason="证据不足")
    assert case.status == ListingStatus.CLOSED and case.listed_on is None


def test_objection_flow_upheld_revokes(entity_a, owner, reviewer):
    case = listed_case(entity_a, owner, reviewer)
    received = case.listed_on + timedelta(days=2)
    objection = objection_receive(case=case, by=owner, received_on=received, grounds="住所可以联系")
    assert objection.acceptance_due == add_workdays(received, 5)
    with pytest.raises(ValidationError, match="未办结"):
        objection_receive(case=case, by=owner, received_on=received, grounds="again")
    with pytest.raises(ValidationError, match="不能作出核实结论"):
        objection_conclude(objection=objection, by=reviewer, on=received, upheld=True, conclusion="x")
    objection = objection_accept(objection=objection, by=reviewer, on=received)
    assert objection.verification_due == add_workdays(received, 20)
    objection = objection_conclude(objection=objection, by=reviewer, on=received, upheld=True, conclusion="核实可联系")
    case.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD and case.status == ListingStatus.REVOKED
    assert not active_listings().exists()


def test_objection_refused_or_rejected_keeps_the_listing(entity_a, owner, reviewer):
    case = listed_case(entity_a, owner, reviewer)
    on = case.listed_on
    first = objection_receive(case=case, by=owner, received_on=on, grounds="x")
    objection_refuse(objection=first, by=reviewer, on=on, reason="非利害关系人")
    second = objection_receive(case=case, by=owner, received_on=on, grounds="y")
    objection_accept(objection=second, by=reviewer, on=on)
    objection_conclude(objection=second, by=reviewer, on=on, upheld=False, conclusion="仍无法联系")
    case.refresh_from_db()
    assert case.status == ListingStatus.LISTED


def test_objection_after_thirty_days_refused(entity_a, owner, reviewer):
    case = listed_case(entity_a, owner, reviewer, start=date(2026, 6, 1))
    with pytest.raises(ValidationError, match="超过期限"):
        objection_receive(case=case, by=owner, received_on=case.listed_on + timedelta(days=31), grounds="x")


def _old_listing(entity, owner, listed_on):
    """An abnormal listing entered three years ago (the history data of the bureau)."""
    case = open_trigger(entity, ListingReason.UNREACHABLE, source="staff", occurred_on=listed_on, user=owner)
    ListingCase.objects.filter(pk=case.pk).update(status=ListingStatus.LISTED, listed_on=listed_on, due_on=None)
    case.refresh_from_db()
    return case


def test_serious_list_from_the_three_year_rule(entity_a, owner, section_user):
    today = date.today()
    listing = _old_listing(entity_a, owner, date(today.year - 3, today.month, 1) - timedelta(days=40))
    anniversary = third_anniversary(listing)
    assert anniversary <= today
    with pytest.raises(ValidationError, match="60 日"):
        serious_open(entity=entity_a, reason=ListingReason.THREE_YEARS, by=section_user, source_listing=listing,
                     occurred_on=anniversary - timedelta(days=61))
    case = serious_open(entity=entity_a, reason=ListingReason.THREE_YEARS, by=section_user, source_listing=listing,
                        occurred_on=anniversary)
    assert case.kind == ListingKind.SERIOUS and case.status == ListingStatus.REMINDER
    with pytest.raises(ValidationError, match="不能"):
        serious_approve(case=case, by=section_user, approved_on=today, authority="泉州市市场监督管理局",
                        approver="李某", document="泉市监信〔2026〕1号")
    case = serious_notify(case=case, by=section_user, on=anniversary, channel="mail")
    assert case.statement_due == add_workdays(anniversary, 5) and case.due_on is None
    case = serious_statement(case=case, by=section_user, statement="请求从轻", hearing_requested=True)
    assert case.status == ListingStatus.HEARING
    case = serious_hearing(case=case, by=section_user, held_on=anniversary, note="听证会已举行")
    assert case.status == ListingStatus.APPROVAL
    case = serious_approve(case=case, by=section_user, approved_on=anniversary, authority="泉州市市场监督管理局",
                           approver="李某", document="泉市监信〔2026〕1号")
    assert case.status == ListingStatus.LISTED and case.term_end == deadline("serious_list_publicity", anniversary)[0]
    assert active_listings(ListingKind.SERIOUS).get().pk == case.pk
    log = AuditLog.objects.for_object(case).filter(summary__contains="批准").first()
    assert log is not None and log.actor == section_user


def test_serious_list_other_grounds_and_submission_after_statement_period(entity_a, section_user):
    case = serious_open(entity=entity_a, reason=ListingReason.SERIOUS_OTHER, by=section_user, occurred_on=D,
                        note="食品安全严重违法，处罚决定书 泉港市监罚〔2026〕8号")
    case = serious_notify(case=case, by=section_user, on=D, channel="visit")
    with pytest.raises(ValidationError, match="陈述申辩期"):
        serious_submit(case=case, by=section_user, on=D, authority="泉州市市场监督管理局")
    case = serious_submit(case=case, by=section_user, on=case.statement_due + timedelta(days=1),
                          authority="泉州市市场监督管理局")
    assert case.status == ListingStatus.APPROVAL
    case = serious_close(case=case, by=section_user, on=case.statement_due + timedelta(days=1), reason="上级不予批准")
    assert case.status == ListingStatus.CLOSED


def test_cure_closes_a_pending_serious_case(entity_a, owner, section_user):
    today = date.today()
    listing = _old_listing(entity_a, owner, date(today.year - 3, today.month, 1) - timedelta(days=40))
    serious = serious_open(entity=entity_a, reason=ListingReason.THREE_YEARS, by=section_user,
                           source_listing=listing, occurred_on=third_anniversary(listing))
    cure(entity_a, ListingReason.UNREACHABLE, cured_on=today, source="staff", user=owner)
    serious.refresh_from_db()
    assert serious.status == ListingStatus.CLOSED


def test_deadlines_follow_the_holiday_calendar(entity_a, owner):
    """National Day 2026: 1–7 October off, Saturday 10 October a make-up working day."""
    case = open_trigger(entity_a, ListingReason.UNREACHABLE, source="staff", occurred_on=date(2026, 9, 30),
                        user=owner)
    assert case.due_on == date(2026, 10, 10)  # 8, 9 and (Saturday) 10 October are the three working days


ACTIONS = {
    "remind": lambda c, u, r: listing_remind(case=c, by=u, on=D, channel="phone"),
    "propose": lambda c, u, r: listing_propose(case=c, by=u, on=D + timedelta(days=30), note="x"),
    "approve": lambda c, u, r: listing_approve(case=c, by=r, on=D + timedelta(days=30)),
    "reject": lambda c, u, r: listing_reject(case=c, by=r, on=D + timedelta(days=30), reason="x"),
    "remove": lambda c, u, r: listing_remove(case=c, by=u, on=D + timedelta(days=30), reason="x"),
    "objection": lambda c, u, r: objection_receive(case=c, by=u, received_on=D + timedelta(days=1), grounds="x"),
    "notify": lambda c, u, r: serious_notify(case=c, by=u, on=D, channel="mail"),
    "statement": lambda c, u, r: serious_statement(case=c, by=u, statement="x", hearing_requested=False),
    "hearing": lambda c, u, r: serious_hearing(case=c, by=u, held_on=D, note="x"),
    "submit": lambda c, u, r: serious_submit(case=c, by=u, on=D + timedelta(days=30), authority="x"),
    "approve_serious": lambda c, u, r: serious_approve(case=c, by=u, approved_on=D, authority="x", approver="y",
                                                       document="z"),
    "close_serious": lambda c, u, r: serious_close(case=c, by=u, on=D, reason="x"),
}
# The actions each status allows (credit.listings.listing_actions says the same for the pages).
ALLOWED = {
    ("abnormal", ListingStatus.REMINDER): {"remind"},
    ("abnormal", ListingStatus.BUFFER): {"propose"},
    ("abnormal", ListingStatus.PROPOSED): {"approve", "reject"},
    ("abnormal", ListingStatus.LISTED): {"remove", "objection"},
    ("abnormal", ListingStatus.REMOVAL): {"remove", "objection"},
    ("serious", ListingStatus.REMINDER): {"notify", "close_serious"},
    ("serious", ListingStatus.NOTIFIED): {"statement", "submit", "close_serious"},
    ("serious", ListingStatus.HEARING): {"hearing", "close_serious"},
    ("serious", ListingStatus.APPROVAL): {"approve_serious", "reject", "close_serious"},
    ("serious", ListingStatus.LISTED): {"remove"},
    ("serious", ListingStatus.REMOVAL): {"remove"},
}
STATES = [(k, s) for k in ("abnormal", "serious") for s in ListingStatus.values]


@pytest.mark.parametrize("kind, status", STATES)
def test_every_disallowed_transition_is_refused_and_changes_nothing(entity_a, owner, reviewer, kind, status):
    case = open_trigger(entity_a, ListingReason.UNREACHABLE, source="staff", occurred_on=D, user=owner)
    listed_on = D if status in (ListingStatus.LISTED, ListingStatus.REMOVAL) else None
    ListingCase.objects.filter(pk=case.pk).update(
        kind=kind, status=status, listed_on=listed_on, buffer_until=D, proposed_on=D, proposed_by=owner,
        notified_on=D, statement_due=D, reason=ListingReason.SERIOUS_OTHER if kind == "serious" else case.reason)
    allowed = ALLOWED.get((kind, status), set())
    for name, call in ACTIONS.items():
        if name in allowed:
            continue
        case = ListingCase.objects.get(pk=case.pk)
        with pytest.raises(ValidationError):
            call(case, owner, reviewer)
        after = ListingCase.objects.get(pk=case.pk)
        assert (after.status, after.kind) == (status, kind), name
    from credit.listings import listing_actions

    page = set(listing_actions(ListingCase.objects.get(pk=case.pk))) - {"cure"}
    assert page == allowed


def test_target_list_of_listings_nearing_three_years(office_a, owner, section_user):
    from credit.services import target_list_generate

    today = date.today()
    near = make_entity(office_a)
    _old_listing(near, owner, date(today.year - 3, today.month, 1) + timedelta(days=40))  # within 60 days
    past = make_entity(office_a)
    _old_listing(past, owner, date(today.year - 4, 1, 10))
    recent = make_entity(office_a)
    _old_listing(recent, owner, date(today.year - 1, 1, 10))
    target = target_list_generate(rule="abnormal_third_year", by=section_user)
    reasons = dict(target.entries.values_list("entity_id", "reason"))
    assert set(reasons) == {near.pk, past.pk}
    assert "已届满三年" in reasons[past.pk] and "届满三年" in reasons[near.pk]


def test_serious_listing_removed_at_the_end_of_its_term(entity_a, section_user):
    from credit.listings import serious_remove_expired

    case = serious_open(entity=entity_a, reason=ListingReason.SERIOUS_OTHER, by=section_user,
                        occurred_on=date(2022, 3, 1), note="严重违法")
    case = serious_notify(case=case, by=section_user, on=date(2022, 3, 2), channel="mail")
    case = serious_submit(case=case, by=section_user, on=date(2022, 3, 20), authority="泉州市市场监督管理局")
    case = serious_approve(case=case, by=section_user, approved_on=date(2022, 4, 1), authority="泉州市市场监督管理局",
                           approver="李某", document="泉市监信〔2022〕3号")
    assert case.term_end == date(2025, 4, 1)
    assert serious_remove_expired(on=date(2025, 4, 1)) == 0  # the last day of the term
    assert serious_remove_expired(on=date(2025, 4, 2)) == 1
    case.refresh_from_db()
    assert case.status == ListingStatus.REMOVED and case.removed_on == date(2025, 4, 1)
    assert serious_remove_expired() == 0


def _codes(subject) -> list[str]:
    from core.documents import documents_for

    return [d.template_version.template.code for d in documents_for(subject)]


def test_objection_outcomes_issue_their_documents(entity_a, owner, reviewer):
    from core.documents import documents_for

    case = listed_case(entity_a, owner, reviewer)
    on = case.listed_on
    first = objection_receive(case=case, by=owner, received_on=on, grounds="x")
    objection_refuse(objection=first, by=reviewer, on=on, reason="异议人不是利害关系人")
    second = objection_receive(case=case, by=owner, received_on=on, grounds="y")
    objection_accept(objection=second, by=reviewer, on=on)
    objection_conclude(objection=second, by=reviewer, on=on, upheld=False, conclusion="经核实，实地核查仍无法联系")
    third = objection_receive(case=case, by=owner, received_on=on, grounds="z")
    objection_accept(objection=third, by=reviewer, on=on)
    objection_conclude(objection=third, by=reviewer, on=on, upheld=True, conclusion="登记住所可以联系")
    codes = _codes(case)
    assert {"listing_objection_refusal_notice", "listing_objection_rejected_notice",
            "listing_objection_upheld_decision"} <= set(codes)
    docs = {d.template_version.template.code: d for d in documents_for(case)}
    assert "异议人不是利害关系人" in docs["listing_objection_refusal_notice"].text
    assert "经核实，实地核查仍无法联系" in docs["listing_objection_rejected_notice"].text
    assert "经核实，经核实" not in docs["listing_objection_rejected_notice"].text
    upheld = docs["listing_objection_upheld_decision"]
    assert "登记住所可以联系" in upheld.text and "移出经营异常名录" in upheld.text and case.decision_no in upheld.text
    assert all(d.office_id == case.office_id for d in docs.values())


def test_objection_refused_when_its_document_cannot_be_issued(entity_a, owner, reviewer):
    from core.models import DocumentTemplate

    case = listed_case(entity_a, owner, reviewer)
    objection = objection_receive(case=case, by=owner, received_on=case.listed_on, grounds="x")
    DocumentTemplate.objects.filter(code="listing_objection_refusal_notice").update(is_active=False)
    with pytest.raises(ValidationError, match="文书未能生成"):
        objection_refuse(objection=objection, by=reviewer, on=case.listed_on, reason="x")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.RECEIVED


def test_ex_officio_restoration_of_an_individual_business_issues_its_decision(office_a, owner, reviewer):
    shop = make_entity(office_a, entity_type=EntityType.INDIVIDUAL)
    case = listed_case(shop, owner, reviewer, reason=ListingReason.ANNUAL_REPORT)
    case = listing_remove(case=case, by=reviewer, on=case.listed_on, reason="经核查已补报年度报告")
    assert case.status == ListingStatus.REMOVED
    assert _codes(case)[0] == "individual_abnormal_restore_decision"
    from core.documents import documents_for

    document = documents_for(case).first()
    assert "恢复为正常记载状态" in document.text and document.office_id == office_a.pk


def test_serious_removal_at_term_issues_the_removal_decision_by_the_system(entity_a, section_user):
    from core.documents import documents_for
    from credit.listings import serious_remove_expired

    case = serious_open(entity=entity_a, reason=ListingReason.SERIOUS_OTHER, by=section_user,
                        occurred_on=date(2022, 3, 1), note="严重违法")
    case = serious_notify(case=case, by=section_user, on=date(2022, 3, 2), channel="mail")
    case = serious_submit(case=case, by=section_user, on=date(2022, 3, 20), authority="泉州市市场监督管理局")
    serious_approve(case=case, by=section_user, approved_on=date(2022, 4, 1), authority="泉州市市场监督管理局",
                    approver="李某", document="泉市监信〔2022〕3号")
    assert serious_remove_expired(on=date(2025, 4, 2)) == 1
    document = documents_for(case).first()
    assert document.template_version.template.code == "serious_removal_decision"
    assert document.created_by is None and document.office_id == entity_a.office_id
    assert "公示期届满" in document.text and document.issued_on == date(2025, 4, 1)
