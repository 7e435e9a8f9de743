"""Forced deregistration: candidates by the rules as data (the 2024 change), every step allowed and refused,
deadlines on the working-day calendar, the register updated by the decision, the documents issued."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditLog, IssuedDocument, TimeLimitRule
from core.workdays import calendar_changed
from registry import dereg
from registry.choices import RegistrationStatus
from registry.models import StatusChange
from registry.supervision_choices import DeregStatus, FeedbackAnswer, FeedbackStatus, ObjectionOutcome
from registry.supervision_models import DeregCase, DeregRule
from tests.factories import make_entity
from tests.registry.supervision_fixtures import revoke

pytestmark = pytest.mark.django_db


def screen(section_user, on):
    created, notes = dereg.candidates_screen(by=section_user, on=on)
    return created


def test_revoked_entity_is_a_candidate_three_years_after_revocation_under_the_2024_rule(
        section_user, revoked_entity, office_a):
    recent = revoke(make_entity(office_a), date(2023, 6, 1))  # three years end 2026-06-01
    created = screen(section_user, date(2025, 3, 3))
    assert [c.entity for c in created] == [revoked_entity]
    case = created[0]
    assert case.trigger_date == date(2021, 6, 1)
    assert case.eligible_on == date(2024, 6, 1)
    assert "3年" in case.period_text and "第二百四十一条" in case.period_text and "2024-07-01" in case.period_text
    assert not DeregCase.objects.filter(entity=recent).exists()


def test_before_july_2024_the_pilots_one_year_period_applies(section_user, office_a):
    entity = revoke(make_entity(office_a), date(2023, 1, 10))
    created = screen(section_user, date(2024, 3, 1))  # pilot version in force: one year (待核实)
    assert [c.entity for c in created] == [entity]
    assert created[0].eligible_on == date(2024, 1, 10)
    assert "待核实" in created[0].period_text
    # The same entity screened after the national change is not yet a candidate (three years from 2023-01-10).
    DeregCase.objects.all().delete()
    assert screen(section_user, date(2024, 8, 1)) == []


def test_an_edited_rule_version_changes_the_candidates(section_user, office_a):
    entity = revoke(make_entity(office_a), date(2023, 9, 1))
    assert screen(section_user, date(2025, 10, 1)) == []
    TimeLimitRule.objects.create(code="forced_dereg_waiting", name="地方试行：吊销满二年", amount=2, unit="year",
                                 legal_basis="泉州市规定（示例）", effective_from=date(2025, 9, 1), verified=False)
    calendar_changed()
    assert [c.entity for c in screen(section_user, date(2025, 10, 1))] == [entity]


def test_screening_twice_puts_an_entity_in_the_pipeline_once(section_user, revoked_entity):
    assert len(screen(section_user, date(2025, 3, 3))) == 1
    assert screen(section_user, date(2025, 3, 4)) == []
    assert DeregCase.objects.count() == 1


def test_an_inactive_rule_screens_nobody(section_user, revoked_entity):
    DeregRule.objects.update(is_active=False)
    assert screen(section_user, date(2025, 3, 3)) == []


@pytest.fixture
def case(section_user, revoked_entity):
    return screen(section_user, date(2025, 3, 3))[0]


def _through_feedback(case, section_user, tax, tax_user):
    dereg.case_send_reminder(case=case, sent_on=date(2025, 3, 4), by=section_user)
    dereg.case_request_feedback(case=case, departments=[tax], requested_on=date(2025, 4, 28), by=section_user)
    feedback = case.feedback.get()
    dereg.feedback_answer(feedback=feedback, answer=FeedbackAnswer.NO_OBJECTION, reason="", by=tax_user)
    return DeregCase.objects.get(pk=case.pk)


def test_the_whole_pipeline_to_decision_updates_the_register(case, section_user, leader, tax, court, tax_user,
                                                             court_user):
    case = dereg.case_send_reminder(case=case, sent_on=date(2025, 3, 4), by=section_user)
    assert case.status == DeregStatus.REMINDED
    assert case.reminder_due == date(2025, 4, 3)  # 30 calendar days
    reminder = IssuedDocument.objects.get(title="强制注销催告书")
    assert case.entity.name in reminder.text and "2025年4月3日" in reminder.text

    rows = dereg.case_request_feedback(case=case, departments=[tax, court], requested_on=date(2025, 4, 28),
                                       by=section_user)
    # 10 working days from Monday 28 April 2025 over the 1–5 May holiday: 29, 30 April, 6–9, 12–15 May.
    assert {r.due_on for r in rows} == {date(2025, 5, 15)}
    case.refresh_from_db()
    assert case.status == DeregStatus.FEEDBACK
    assert dereg.waiting_for(case, date(2025, 5, 16))[1] is True  # overdue feedback is flagged

    dereg.feedback_answer(feedback=rows[0], answer=FeedbackAnswer.NO_OBJECTION, reason="", by=tax_user)
    dereg.feedback_answer(feedback=rows[1], answer=FeedbackAnswer.NO_OBJECTION, reason="", by=court_user)
    case = dereg.case_notify_statement(case=case, notified_on=date(2025, 5, 20), by=section_user)
    assert case.statement_due == date(2025, 5, 25)

    case = dereg.case_announce(case=case, start=date(2025, 5, 26), media="国家企业信用信息公示系统", by=section_user)
    assert case.announcement_end == date(2025, 7, 25)  # at least 60 days since 1 July 2024
    with pytest.raises(ValidationError, match="公告期至 2025-07-25 届满"):
        dereg.case_decide(case=case, decided_on=date(2025, 7, 25), by=leader)

    case = dereg.case_decide(case=case, decided_on=date(2025, 7, 28), by=leader)
    assert case.status == DeregStatus.DECIDED
    case.entity.refresh_from_db()
    assert case.entity.status == RegistrationStatus.DEREGISTERED
    change = StatusChange.objects.filter(entity=case.entity).order_by("-changed_at", "-id").first()
    assert (change.old_status, change.new_status, change.source) == ("revoked", "deregistered", "强制注销")
    decision = IssuedDocument.objects.get(title="强制注销决定书")
    assert "2025年5月26日" in decision.text and "2025年3月4日发出催告" in decision.text
    assert "也未提出异议" in decision.text
    steps = AuditLog.objects.for_object(case).values_list("summary", flat=True)
    assert len(steps) >= 8


def test_steps_out_of_order_are_refused(case, section_user, tax, leader):
    with pytest.raises(ValidationError, match="不能征求成员单位意见"):
        dereg.case_request_feedback(case=case, departments=[tax], requested_on=date(2025, 4, 28), by=section_user)
    with pytest.raises(ValidationError, match="不能作出强制注销决定"):
        dereg.case_decide(case=case, decided_on=date(2025, 7, 28), by=leader)
    dereg.case_send_reminder(case=case, sent_on=date(2025, 3, 4), by=section_user)
    with pytest.raises(ValidationError, match="不能发出催告"):
        dereg.case_send_reminder(case=case, sent_on=date(2025, 3, 5), by=section_user)
    with pytest.raises(ValidationError, match="催告期至 2025-04-03 届满"):
        dereg.case_request_feedback(case=case, departments=[tax], requested_on=date(2025, 4, 3), by=section_user)
    with pytest.raises(ValidationError, match="请至少选择一个成员单位"):
        dereg.case_request_feedback(case=case, departments=[], requested_on=date(2025, 4, 28), by=section_user)
    assert DeregCase.objects.get(pk=case.pk).status == DeregStatus.REMINDED


def test_a_step_in_the_future_is_refused(case, section_user):
    with pytest.raises(ValidationError, match="不能晚于今天"):
        dereg.case_send_reminder(case=case, sent_on=date(2099, 1, 1), by=section_user)


def test_pending_or_objecting_departments_block_the_statement_step(case, section_user, tax, court, court_user):
    dereg.case_send_reminder(case=case, sent_on=date(2025, 3, 4), by=section_user)
    rows = dereg.case_request_feedback(case=case, departments=[tax, court], requested_on=date(2025, 4, 28),
                                       by=section_user)
    with pytest.raises(ValidationError, match="尚未反馈意见"):
        dereg.case_notify_statement(case=case, notified_on=date(2025, 5, 20), by=section_user)
    court_row = next(r for r in rows if r.department == court)
    with pytest.raises(ValidationError):
        dereg.feedback_answer(feedback=court_row, answer=FeedbackAnswer.OBJECTION, reason="  ", by=court_user)
    dereg.feedback_answer(feedback=court_row, answer=FeedbackAnswer.OBJECTION, reason="涉及未结民事诉讼",
                          by=court_user)
    with pytest.raises(ValidationError, match="不能再次反馈"):
        dereg.feedback_answer(feedback=court_row, answer=FeedbackAnswer.NO_OBJECTION, reason="", by=court_user)
    tax_row = next(r for r in rows if r.department == tax)
    dereg.feedback_answer(feedback=tax_row, answer=FeedbackAnswer.NO_OBJECTION, reason="", by=court_user)
    with pytest.raises(ValidationError, match="提出异议"):
        dereg.case_notify_statement(case=case, notified_on=date(2025, 5, 20), by=section_user)
    case = dereg.case_terminate(case=case, reason="法院反馈涉及未结诉讼", by=section_user)
    assert case.status == DeregStatus.TERMINATED
    with pytest.raises(ValidationError, match="不能终止"):
        dereg.case_terminate(case=case, reason="再次", by=section_user)


def test_overdue_feedback_is_chased_once_a_day(case, section_user, tax):
    dereg.case_send_reminder(case=case, sent_on=date(2025, 3, 4), by=section_user)
    row = dereg.case_request_feedback(case=case, departments=[tax], requested_on=date(2025, 4, 28),
                                      by=section_user)[0]
    with pytest.raises(ValidationError, match="逾期"):
        dereg.feedback_chase(feedback=row, by=section_user, on=date(2025, 5, 15))
    assert dereg.chase_overdue_feedback(by=section_user, on=date(2025, 5, 16)) == 1
    assert dereg.chase_overdue_feedback(by=section_user, on=date(2025, 5, 16)) == 0
    assert dereg.chase_overdue_feedback(by=section_user, on=date(2025, 5, 19)) == 1
    row.refresh_from_db()
    assert (row.chase_count, row.last_chased_on) == (2, date(2025, 5, 19))


def test_announcement_waits_for_the_statement_period_and_a_requested_hearing(case, section_user, tax, tax_user):
    case = _through_feedback(case, section_user, tax, tax_user)
    case = dereg.case_notify_statement(case=case, notified_on=date(2025, 5, 20), by=section_user)
    with pytest.raises(ValidationError, match="陈述申辩期至 2025-05-25"):
        dereg.case_announce(case=case, start=date(2025, 5, 22), media="公示系统", by=section_user)
    dereg.case_record_statement(case=case, statement="公司已无经营，同意注销", hearing_requested=True,
                                by=section_user)
    with pytest.raises(ValidationError, match="请先组织听证"):
        dereg.case_announce(case=case, start=date(2025, 5, 22), media="公示系统", by=section_user)
    dereg.case_record_hearing(case=case, held_on=date(2025, 5, 23), note="当事人到场陈述，无新证据", by=section_user)
    case = dereg.case_announce(case=case, start=date(2025, 5, 26), media="公示系统", by=section_user)
    assert case.status == DeregStatus.ANNOUNCED


def test_objections_suspend_the_case_and_an_upheld_one_ends_it(case, section_user, tax, tax_user, leader):
    case = _through_feedback(case, section_user, tax, tax_user)
    dereg.case_notify_statement(case=case, notified_on=date(2025, 5, 20), by=section_user)
    case = dereg.case_announce(case=case, start=date(2025, 5, 26), media="公示系统", by=section_user)
    with pytest.raises(ValidationError, match="须在公告期内"):
        dereg.case_record_objection(case=case, received_on=date(2025, 7, 28), objector="债权人", content="欠款",
                                    by=section_user)
    first = dereg.case_record_objection(case=case, received_on=date(2025, 6, 2), objector="某债权人",
                                        content="尚欠货款未清偿", by=section_user)
    case.refresh_from_db()
    assert case.status == DeregStatus.OBJECTION
    with pytest.raises(ValidationError, match="不能作出强制注销决定"):
        dereg.case_decide(case=case, decided_on=date(2025, 7, 28), by=leader)
    dereg.objection_handle(objection=first, outcome=ObjectionOutcome.REJECTED, note="债务纠纷不影响强制注销",
                           by=section_user)
    case.refresh_from_db()
    assert case.status == DeregStatus.ANNOUNCED
    second = dereg.case_record_objection(case=case, received_on=date(2025, 6, 10), objector="股东",
                                         content="拟自行清算", by=section_user)
    dereg.objection_handle(objection=second, outcome=ObjectionOutcome.UPHELD, note="股东承诺自行清算注销",
                           by=section_user)
    case.refresh_from_db()
    assert case.status == DeregStatus.TERMINATED and "股东" in case.termination_reason
    case.entity.refresh_from_db()
    assert case.entity.status == RegistrationStatus.REVOKED


def test_termination_withdraws_pending_requests(case, section_user, tax):
    dereg.case_send_reminder(case=case, sent_on=date(2025, 3, 4), by=section_user)
    row = dereg.case_request_feedback(case=case, departments=[tax], requested_on=date(2025, 4, 28),
                                      by=section_user)[0]
    dereg.case_terminate(case=case, reason="当事人已自行申请注销", by=section_user)
    row.refresh_from_db()
    assert row.status == FeedbackStatus.WITHDRAWN


def test_a_failed_document_rolls_the_step_back(case, section_user):
    from core.models import DocumentTemplate

    DocumentTemplate.objects.filter(code="forced_dereg_reminder").update(is_active=False)
    with pytest.raises(ValidationError):
        dereg.case_send_reminder(case=case, sent_on=date(2025, 3, 4), by=section_user)
    case.refresh_from_db()
    assert case.status == DeregStatus.CANDIDATE and case.reminder_sent_on is None


def test_a_terminated_case_is_not_screened_again(case, section_user):
    dereg.case_terminate(case=case, reason="税务局反馈尚有欠税", by=section_user)
    assert screen(section_user, date(2025, 6, 1)) == []
