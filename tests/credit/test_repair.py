"""Credit repair: the one procedure for the four kinds, eligibility, checklists, deadlines, disallowed transitions and
the simultaneous double decision."""
import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from core.audit import AuditLog
from core.choices import Role
from core.workdays import add_workdays
from credit.choices import ListingReason, ListingStatus, PenaltyStatus, RepairKind, RepairStatus
from credit.listings import cure, listing_approve, listing_propose, listing_remind, open_trigger
from credit.models import ListingCase, RepairCase, RepairShare
from credit.penalties import penalty_publish, penalty_record_create
from credit.repair import (
    eligibility,
    repair_accept,
    repair_decide,
    repair_effect,
    repair_notify,
    repair_receive,
    repair_refuse_acceptance,
    repair_review,
    repair_share,
    repair_update_materials,
    required_materials,
)
from tests.factories import make_department, make_entity, make_office, make_user

D = date(2026, 9, 1)
ALL_ABNORMAL = ["application", "pledge", "address"]


@pytest.fixture
def reviewer(office_a):
    return make_user(Role.OFFICE, office=office_a, username="reviewer")


def listed(entity, owner, reviewer, reason=ListingReason.UNREACHABLE) -> ListingCase:
    case = open_trigger(entity, reason, source="staff", occurred_on=D, user=owner)
    case = listing_remind(case=case, by=owner, on=D, channel="phone")
    case = listing_propose(case=case, by=owner, on=case.buffer_until + timedelta(days=1), note="未改正")
    return listing_approve(case=case, by=reviewer, on=case.proposed_on)


def abnormal_case(entity, owner, reviewer, materials=ALL_ABNORMAL, on=None) -> RepairCase:
    listing = listed(entity, owner, reviewer)
    return repair_receive(entity=entity, kind=RepairKind.ABNORMAL, target=listing, channel="counter",
                          applied_on=on or listing.listed_on + timedelta(days=7), applicant="张三", by=owner,
                          materials=materials)


def published_penalty(entity, owner, *, kind="fine", domain="general", published_on=date(2026, 1, 12), n=1,
                      violation="虚假宣传"):
    record = penalty_record_create(entity=entity, decision_no=f"泉港市监罚〔2026〕{n}号", decided_on=published_on,
                                   kind=kind, domain=domain, violation=violation, authority="泉港区市场监督管理局",
                                   by=owner)
    return penalty_publish(record=record, by=owner, on=published_on)


@pytest.mark.django_db
class TestProcedure:
    def test_abnormal_repair_from_application_to_sharing(self, entity_a, owner, reviewer, leader):
        case = abnormal_case(entity_a, owner, reviewer)
        assert case.number.startswith(f"XF{case.applied_on.year}-")
        assert case.status == RepairStatus.RECEIVED and case.due_on == add_workdays(case.applied_on, 3)
        on = case.applied_on + timedelta(days=1)
        case = repair_accept(case=case, by=owner, on=on)
        assert case.status == RepairStatus.ACCEPTED
        assert case.decision_due == add_workdays(on, 3) == case.due_on
        assert [c["label"] for c in case.eligibility][0].startswith("记录在经营异常名录")
        case = repair_review(case=case, by=reviewer, on=on, opinion="材料齐全，已可联系")
        case = repair_decide(case=case, by=leader, on=on, repaired=True, reason="住所已变更登记，符合修复条件")
        assert case.status == RepairStatus.APPROVED and case.effect_due == add_workdays(on, 3)
        case = repair_effect(case=case, by=owner, on=on)
        listing = case.listing
        listing.refresh_from_db()
        assert listing.status == ListingStatus.REMOVED and listing.removed_on == on
        case = repair_notify(case=case, by=owner, on=on, channel="sms")
        assert case.status == RepairStatus.NOTIFIED
        tax, court = make_department("member", "税务局"), make_department("member", "法院")
        case = repair_share(case=case, by=owner, on=on, departments=[tax, court])
        assert case.status == RepairStatus.CLOSED and case.due_on is None
        assert set(RepairShare.objects.values_list("department__name", flat=True)) == {"税务局", "法院"}
        assert AuditLog.objects.for_object(case).count() == 7

    def test_refused_repair_is_notified_and_closed(self, entity_a, owner, reviewer):
        case = abnormal_case(entity_a, owner, reviewer)
        on = case.applied_on
        case = repair_accept(case=case, by=owner, on=on)
        case = repair_review(case=case, by=reviewer, on=on, opinion="经核查仍无法联系")
        case = repair_decide(case=case, by=reviewer, on=on, repaired=False, reason="事由未消除")
        assert case.status == RepairStatus.REFUSED
        case = repair_notify(case=case, by=owner, on=on, channel="mail")
        assert case.status == RepairStatus.CLOSED
        case.listing.refresh_from_db()
        assert case.listing.status == ListingStatus.LISTED

    def test_refusal_to_accept_with_reasons(self, entity_a, owner, reviewer):
        case = abnormal_case(entity_a, owner, reviewer, materials=[])
        with pytest.raises(ValidationError, match="缺少信用修复申请书、守信承诺书"):
            repair_accept(case=case, by=owner, on=case.applied_on)
        with pytest.raises(ValidationError, match="理由"):
            repair_refuse_acceptance(case=case, by=owner, on=case.applied_on, reason=" ")
        case = repair_refuse_acceptance(case=case, by=owner, on=case.applied_on, reason="材料不齐，经告知未补正")
        assert case.status == RepairStatus.NOT_ACCEPTED and case.closed_on == case.applied_on

    def test_materials_can_be_completed_before_acceptance(self, entity_a, owner, reviewer):
        case = abnormal_case(entity_a, owner, reviewer, materials=["application"])
        case = repair_update_materials(case=case, by=owner, materials=ALL_ABNORMAL)
        assert repair_accept(case=case, by=owner, on=case.applied_on).status == RepairStatus.ACCEPTED
        with pytest.raises(ValidationError, match="不能修改材料清单"):
            repair_update_materials(case=case, by=owner, materials=[])

    def test_checklist_per_kind(self, entity_a, owner, reviewer):
        listing = listed(entity_a, owner, reviewer, reason=ListingReason.ANNUAL_REPORT)
        assert required_materials(RepairKind.ABNORMAL, listing) == ["application", "pledge", "report_filed"]
        assert required_materials(RepairKind.PENALTY, None) == ["application", "pledge", "penalty_done",
                                                                 "harm_removed"]
        assert "obligations_met" in required_materials(RepairKind.SERIOUS, None)

    def test_second_application_for_the_same_listing_refused(self, entity_a, owner, reviewer):
        case = abnormal_case(entity_a, owner, reviewer)
        with pytest.raises(ValidationError, match="在办"):
            repair_receive(entity=entity_a, kind=RepairKind.ABNORMAL, target=case.listing, channel="post",
                           applied_on=case.applied_on, applicant="张三", by=owner)

    def test_kind_must_match_the_record(self, entity_a, owner, reviewer):
        listing = listed(entity_a, owner, reviewer)
        with pytest.raises(ValidationError, match="不符"):
            repair_receive(entity=entity_a, kind=RepairKind.SERIOUS, target=listing, channel="post",
                           applied_on=listing.listed_on, applicant="张三", by=owner)
        other = make_entity(entity_a.office)
        with pytest.raises(ValidationError, match="不属于"):
            repair_receive(entity=other, kind=RepairKind.ABNORMAL, target=listing, channel="post",
                           applied_on=listing.listed_on, applicant="张三", by=owner)


@pytest.mark.django_db
class TestDisallowedTransitions:
    def test_deciding_before_acceptance_is_refused(self, entity_a, owner, reviewer):
        case = abnormal_case(entity_a, owner, reviewer)
        with pytest.raises(ValidationError, match="尚未受理"):
            repair_decide(case=case, by=owner, on=case.applied_on, repaired=True, reason="x")
        case = repair_accept(case=case, by=owner, on=case.applied_on)
        with pytest.raises(ValidationError, match="尚未审查"):
            repair_decide(case=case, by=owner, on=case.applied_on, repaired=True, reason="x")

    def test_a_second_decision_is_refused(self, entity_a, owner, reviewer):
        case = abnormal_case(entity_a, owner, reviewer)
        case = repair_accept(case=case, by=owner, on=case.applied_on)
        case = repair_review(case=case, by=owner, on=case.applied_on, opinion="ok")
        repair_decide(case=case, by=owner, on=case.applied_on, repaired=True, reason="符合")
        with pytest.raises(ValidationError, match="不能再次决定"):
            repair_decide(case=case, by=owner, on=case.applied_on, repaired=False, reason="改变主意")

    @pytest.mark.parametrize("step", ["accept", "refuse", "review", "effect", "notify", "share"])
    def test_steps_out_of_order(self, entity_a, owner, reviewer, step):
        case = abnormal_case(entity_a, owner, reviewer)
        case = repair_accept(case=case, by=owner, on=case.applied_on)  # now ACCEPTED
        on = case.applied_on
        calls = {
            "accept": lambda: repair_accept(case=case, by=owner, on=on),
            "refuse": lambda: repair_refuse_acceptance(case=case, by=owner, on=on, reason="x"),
            "review": None,
            "effect": lambda: repair_effect(case=case, by=owner, on=on),
            "notify": lambda: repair_notify(case=case, by=owner, on=on, channel="sms"),
            "share": lambda: repair_share(case=case, by=owner, on=on, departments=[make_department()]),
        }
        if step == "review":  # allowed once, then refused
            repair_review(case=case, by=owner, on=on, opinion="ok")
            calls["review"] = lambda: repair_review(case=case, by=owner, on=on, opinion="again")
        with pytest.raises(ValidationError, match="不能"):
            calls[step]()

    def test_suspension_penalty_can_never_be_repaired(self, entity_a, owner):
        record = published_penalty(entity_a, owner, kind="suspension")
        checks = eligibility(RepairKind.PENALTY, record, date(2026, 11, 1))
        assert [c.ok for c in checks if c.label == "处罚种类可以修复"] == [False]
        case = repair_receive(entity=entity_a, kind=RepairKind.PENALTY, target=record, channel="online",
                              applied_on=date(2026, 11, 2), applicant="张三", by=owner,
                              materials=["application", "pledge", "penalty_done", "harm_removed"])
        with pytest.raises(ValidationError, match="不得申请提前停止公示"):
            repair_accept(case=case, by=owner, on=date(2026, 11, 2))


@pytest.mark.django_db
class TestPenaltyEligibility:
    def labels(self, checks):
        return {c.label: c.ok for c in checks}

    def test_six_months_general_one_year_special(self, entity_a, owner):
        general = published_penalty(entity_a, owner, n=1, published_on=date(2026, 3, 2))
        food = published_penalty(entity_a, owner, n=2, domain="food", published_on=date(2026, 3, 2),
                                 violation="销售过期食品")
        on = date(2026, 9, 2)
        assert self.labels(eligibility(RepairKind.PENALTY, general, on))["公示满6月"] is True
        assert self.labels(eligibility(RepairKind.PENALTY, general, on - timedelta(days=1)))["公示满6月"] is False
        assert self.labels(eligibility(RepairKind.PENALTY, food, on))["公示满1年"] is False

    def test_repeat_of_the_same_type_and_listing_block(self, entity_a, owner, reviewer):
        first = published_penalty(entity_a, owner, n=1, published_on=date(2026, 1, 5))
        on = date(2026, 11, 2)
        assert all(c.ok is not False for c in eligibility(RepairKind.PENALTY, first, on))
        published_penalty(entity_a, owner, n=2, published_on=date(2026, 6, 1))  # same violation again
        assert self.labels(eligibility(RepairKind.PENALTY, first, on))["未再发生同类违法行为"] is False
        listed(entity_a, owner, reviewer)
        labels = self.labels(eligibility(RepairKind.PENALTY, first, on))
        assert labels["未被列入经营异常名录（标记经营异常状态）或严重违法失信名单"] is False

    def test_penalty_repair_stops_publicity(self, entity_a, owner, reviewer):
        record = published_penalty(entity_a, owner, published_on=date(2026, 1, 5))
        case = repair_receive(entity=entity_a, kind=RepairKind.PENALTY, target=record, channel="online",
                              applied_on=date(2026, 11, 2), applicant="张三", by=owner,
                              materials=["application", "pledge", "penalty_done", "harm_removed"])
        on = date(2026, 11, 3)
        case = repair_accept(case=case, by=owner, on=on)
        assert case.decision_due == add_workdays(on, 15)
        case = repair_review(case=case, by=reviewer, on=on, opinion="已缴纳罚款")
        case = repair_decide(case=case, by=reviewer, on=on, repaired=True, reason="符合条件")
        repair_effect(case=case, by=owner, on=on)
        record.refresh_from_db()
        assert record.status == PenaltyStatus.REPAIRED and record.ended_on == on


@pytest.mark.django_db
def test_cure_opened_case_runs_to_removal(entity_a, owner, reviewer):
    listing = listed(entity_a, owner, reviewer, reason=ListingReason.ANNUAL_REPORT)
    on = listing.listed_on + timedelta(days=2)
    cure(entity_a, ListingReason.ANNUAL_REPORT, cured_on=on, source="annual_report", user=owner)
    case = RepairCase.objects.get()
    assert case.channel == "online" and case.status == RepairStatus.RECEIVED
    repair_update_materials(case=case, by=owner, materials=case.materials + ["application", "pledge"])
    case = repair_accept(case=case, by=owner, on=on)
    assert [c["ok"] for c in case.eligibility] == [True, True]  # in the list; the cure is known
    case = repair_review(case=case, by=owner, on=on, opinion="已补报")
    case = repair_decide(case=case, by=reviewer, on=on, repaired=True, reason="已补报年报")
    repair_effect(case=case, by=owner, on=on)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.REMOVED


@pytest.mark.django_db
def test_scope_of_the_case_queryset(entity_a, owner, reviewer, outsider, section_user):
    case = abnormal_case(entity_a, owner, reviewer)
    assert list(RepairCase.objects.for_user(owner)) == [case]
    assert not RepairCase.objects.for_user(outsider).exists()
    assert RepairCase.objects.for_user(section_user).count() == 1
    office_c = make_office()
    assert not ListingCase.objects.for_user(make_user(Role.OFFICE, office=office_c)).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_decisions_make_one_decision(office_a):
    owner = make_user(Role.OFFICE, office=office_a, username="owner2")
    reviewer = make_user(Role.OFFICE, office=office_a, username="reviewer2")
    entity = make_entity(office_a)
    case = abnormal_case(entity, owner, reviewer)
    case = repair_accept(case=case, by=owner, on=case.applied_on)
    case = repair_review(case=case, by=owner, on=case.applied_on, opinion="ok")
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(repaired: bool):
        try:
            barrier.wait()
            repair_decide(case=RepairCase.objects.get(pk=case.pk), by=reviewer, on=case.applied_on,
                          repaired=repaired, reason="并发提交")
            outcomes.append("decided")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(flag,)) for flag in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] == "decided" and "不能再次决定" in sorted(outcomes)[1]
    case.refresh_from_db()
    assert case.status in (RepairStatus.APPROVED, RepairStatus.REFUSED)
    decisions = AuditLog.objects.for_object(case).filter(summary__contains="信用修复：")
    assert decisions.count() == 1


@pytest.mark.django_db
def test_documents_issued_at_each_step(entity_a, owner, reviewer):
    from core.documents import documents_for

    case = abnormal_case(entity_a, owner, reviewer)
    listing = case.listing
    codes = [d.template_version.template.code for d in documents_for(listing)]
    assert sorted(codes) == ["abnormal_listing_decision", "listing_reminder"]
    assert listing.decision_no == documents_for(listing).get(title="列入经营异常名录决定书").number
    on = case.applied_on
    case = repair_accept(case=case, by=owner, on=on)
    case = repair_review(case=case, by=owner, on=on, opinion="已办理住所变更登记")
    case = repair_decide(case=case, by=reviewer, on=on, repaired=True, reason="符合条件。")
    docs = {d.template_version.template.code: d for d in documents_for(case)}
    assert set(docs) == {"repair_acceptance_notice", "repair_decision"}
    decision = docs["repair_decision"]
    assert entity_a.name in decision.text and "移出经营异常名录" in decision.text
    assert docs["repair_acceptance_notice"].number in decision.text
    assert "已办理住所变更登记。" in decision.text and decision.office_id == entity_a.office_id


@pytest.mark.django_db
def test_a_switched_off_template_refuses_the_step_and_saves_nothing(entity_a, owner, reviewer):
    from core.models import DocumentTemplate

    case = abnormal_case(entity_a, owner, reviewer)
    DocumentTemplate.objects.filter(code="repair_acceptance_notice").update(is_active=False)
    with pytest.raises(ValidationError, match="文书未能生成"):
        repair_accept(case=case, by=owner, on=case.applied_on)
    case.refresh_from_db()
    assert case.status == RepairStatus.RECEIVED and case.accepted_on is None


REPAIR_CALLS = {
    "materials": lambda c, u, on: repair_update_materials(case=c, by=u, materials=ALL_ABNORMAL),
    "accept": lambda c, u, on: repair_accept(case=c, by=u, on=on),
    "refuse_acceptance": lambda c, u, on: repair_refuse_acceptance(case=c, by=u, on=on, reason="x"),
    "review": lambda c, u, on: repair_review(case=c, by=u, on=on, opinion="x"),
    "decide": lambda c, u, on: repair_decide(case=c, by=u, on=on, repaired=False, reason="x"),
    "effect": lambda c, u, on: repair_effect(case=c, by=u, on=on),
    "notify": lambda c, u, on: repair_notify(case=c, by=u, on=on, channel="sms"),
    "share": lambda c, u, on: repair_share(case=c, by=u, on=on, departments=[make_department()]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("status", RepairStatus.values)
def test_every_disallowed_repair_transition_is_refused(entity_a, owner, reviewer, status):
    from credit.repair import repair_actions

    case = abnormal_case(entity_a, owner, reviewer)
    on = case.applied_on
    RepairCase.objects.filter(pk=case.pk).update(status=status, accepted_on=on, reviewed_on=on, decided_on=on,
                                                 notified_on=on)
    case = RepairCase.objects.get(pk=case.pk)
    allowed = set(repair_actions(case))
    for name, call in REPAIR_CALLS.items():
        if name in allowed:
            continue
        with pytest.raises(ValidationError):
            call(RepairCase.objects.get(pk=case.pk), owner, on)
        assert RepairCase.objects.get(pk=case.pk).status == status, name
