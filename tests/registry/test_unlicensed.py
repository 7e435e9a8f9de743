"""Unlicensed operation: cases and their handling, notification to departments with acknowledgement and reply on
the working-day calendar, joint actions, the year's assessment figures, the dashboard facts, the credit indicator;
and the abnormal-list candidate rule of forced deregistration reading credit's listings."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from credit.choices import IndicatorKind
from credit.indicators import KINDS
from registry import dereg, unlicensed
from registry.models import MarketEntity
from registry.supervision_choices import LicenceExemption, MissingKind, NotificationStatus, UnlicensedStatus
from registry.supervision_models import UnlicensedCase, UnlicensedRule
from registry.supervision_selectors import assessment, dashboard_facts
from tests.factories import make_entity
from tests.registry.supervision_fixtures import revoke

pytestmark = pytest.mark.django_db


def new_case(by, office, discovered_on, **extra):
    data = {"office": office, "place": "泉港区山腰街道驿峰中路 66 号", "operator": "李某", "activity": "小餐饮",
            "missing": MissingKind.BOTH, "permit_name": "食品经营许可证", "source": "patrol",
            "discovered_on": discovered_on, **extra}
    return unlicensed.case_create(data=data, by=by)


def test_cases_are_numbered_per_year_and_office_staff_register_only_their_own(owner, office_a, office_b):
    first = new_case(owner, office_a, date(2025, 3, 1))
    second = new_case(owner, office_a, date(2025, 3, 2))
    assert (first.number, second.number) == ("WZWZ20250001", "WZWZ20250002")
    assert new_case(owner, office_a, date(2026, 1, 5)).number == "WZWZ20260001"
    with pytest.raises(ValidationError, match="只能登记本所"):
        new_case(owner, office_b, date(2025, 3, 3))
    with pytest.raises(ValidationError, match="所缺许可证件"):
        new_case(owner, office_a, date(2025, 3, 3), missing=MissingKind.PERMIT, permit_name="")


def test_an_activity_exempt_from_the_business_licence_is_not_registered_as_unlicensed(owner, office_a, client):
    exempt = {"licence_exemption": LicenceExemption.DESIGNATED}
    for missing in (MissingKind.LICENCE, MissingKind.BOTH):
        with pytest.raises(ValidationError, match="第三条规定的无须办理营业执照"):
            new_case(owner, office_a, date(2025, 3, 3), missing=missing, **exempt)
    assert not UnlicensedCase.objects.exists()
    # Exempt from the licence, but a permit is still missing: that is a case (无证), and the page says why.
    case = new_case(owner, office_a, date(2025, 3, 3), missing=MissingKind.PERMIT, **exempt)
    assert case.licence_exemption == LicenceExemption.DESIGNATED
    client.force_login(owner)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "无须办理营业执照" in page and "第三条第一项" in page
    # The form says it in the user's words, against the field.
    response = client.post(reverse("registry:unlicensed_create"), {
        "office": office_a.pk, "place": "泉港区前黄镇集市", "operator": "王某", "activity": "销售自产蔬菜",
        "missing": MissingKind.LICENCE, "licence_exemption": LicenceExemption.DESIGNATED, "source": "patrol",
        "discovered_on": "2025-03-04"})
    assert response.status_code == 200
    assert "不按无照经营登记" in response.context["form"].errors["missing"][0]
    assert ("", "不属于（须办理营业执照）") in response.context["form"].fields["licence_exemption"].choices
    assert UnlicensedCase.objects.count() == 1


def test_handling_then_closing_with_the_refused_steps(owner, office_a):
    case = new_case(owner, office_a, date(2025, 3, 3))
    with pytest.raises(ValidationError, match="请先登记处置情况"):
        unlicensed.case_close(case=case, result="licensed", closed_on=date(2025, 3, 20), note="", by=owner)
    with pytest.raises(ValidationError, match="改正期限"):
        unlicensed.case_handle(case=case, handling="correction", handled_on=date(2025, 3, 4), correction_due=None,
                               note="责令限期办理", by=owner)
    case = unlicensed.case_handle(case=case, handling="guidance", handled_on=date(2025, 3, 4),
                                  correction_due=date(2025, 4, 3), note="引导办理营业执照和食品经营许可证", by=owner)
    assert case.status == UnlicensedStatus.HANDLING
    with pytest.raises(ValidationError, match="已移送主管部门"):
        unlicensed.case_close(case=case, result="transferred", closed_on=date(2025, 3, 20), note="", by=owner)
    case = unlicensed.case_close(case=case, result="licensed", closed_on=date(2025, 3, 20), note="已办照", by=owner)
    assert case.status == UnlicensedStatus.CLOSED
    with pytest.raises(ValidationError, match="已办结"):
        unlicensed.case_handle(case=case, handling="ban", handled_on=date(2025, 3, 21), correction_due=None,
                               note="x", by=owner)


def test_notification_reply_due_on_the_working_day_calendar_and_department_answers(owner, office_a, tax,
                                                                                   tax_user, section_user):
    case = new_case(owner, office_a, date(2025, 9, 26))
    notice = unlicensed.notification_send(case=case, department=tax, content="请依职责处理", sent_on=date(2025, 9, 29),
                                          by=owner)
    # 10 working days from Monday 29 September 2025 across the 1–8 October holiday: 30 Sept, 9, 10, 11 (a
    # make-up Saturday), 13–17, 20 October.
    assert notice.reply_due == date(2025, 10, 20)
    with pytest.raises(ValidationError, match="已抄告"):
        unlicensed.notification_send(case=case, department=tax, content="再次", sent_on=date(2025, 9, 30), by=owner)
    unlicensed.notification_acknowledge(notice=notice, by=tax_user)
    with pytest.raises(ValidationError, match="已签收"):
        unlicensed.notification_acknowledge(notice=notice, by=tax_user)
    notice = unlicensed.notification_reply(notice=notice, reply="已责令补办，纳入日常巡查", by=tax_user)
    assert notice.status == NotificationStatus.REPLIED
    assert not notice.is_overdue(date(2025, 12, 1))


def test_a_section_department_cannot_be_notified(owner, office_a):
    from core.choices import DepartmentKind
    from tests.factories import make_department

    case = new_case(owner, office_a, date(2025, 3, 3))
    with pytest.raises(ValidationError):
        unlicensed.notification_send(case=case, department=make_department(DepartmentKind.SECTION), content="x",
                                     sent_on=date(2025, 3, 4), by=owner)


def test_the_years_assessment_by_office_and_department(section_user, office_a, office_b, tax, court, tax_user):
    UnlicensedRule.objects.create(year=2025, handling_workdays=15, target_handling_rate=Decimal("95"),
                                  target_timely_rate=Decimal("90"), basis="2025 年无证无照综合治理考核通知（示例）")
    on_time = new_case(section_user, office_a, date(2025, 3, 3), responsible_department=tax)
    unlicensed.case_handle(case=on_time, handling="correction", handled_on=date(2025, 3, 4),
                           correction_due=date(2025, 3, 14), note="责令改正", by=section_user)
    unlicensed.case_close(case=on_time, result="licensed", closed_on=date(2025, 3, 24), note="", by=section_user)
    late = new_case(section_user, office_a, date(2025, 3, 3), responsible_department=tax)
    unlicensed.case_handle(case=late, handling="ban", handled_on=date(2025, 3, 4), correction_due=None,
                           note="依法取缔", by=section_user)
    unlicensed.case_close(case=late, result="banned", closed_on=date(2025, 3, 25), note="", by=section_user)
    new_case(section_user, office_b, date(2025, 6, 1), responsible_department=court)  # open
    new_case(section_user, office_b, date(2024, 6, 1))  # another year
    notice = unlicensed.notification_send(case=on_time, department=tax, content="请处理", sent_on=date(2025, 3, 4),
                                          by=section_user)
    unlicensed.notification_acknowledge(notice=notice, by=tax_user)

    figures = assessment(2025, section_user)
    district = figures["district"]
    # 3 March + 15 working days = 24 March: on time; 25 March is one day late.
    assert (district.cases, district.closed, district.on_time) == (3, 2, 1)
    assert district.handling_rate == Decimal("66.7") and district.timely_rate == Decimal("33.3")
    by_office = {row.label: row for row in figures["offices"]}
    assert (by_office[office_a.name].cases, by_office[office_a.name].on_time) == (2, 1)
    assert by_office[office_b.name].closed == 0
    by_dept = {row.label: row for row in figures["departments"]}
    assert (by_dept[tax.name].cases, by_dept[tax.name].notifications, by_dept[tax.name].acknowledged) == (2, 1, 1)
    assert by_dept[court.name].cases == 1


def test_without_the_years_rules_timeliness_is_not_computed(section_user, office_a, client):
    new_case(section_user, office_a, date(2025, 3, 3))
    assert assessment(2025, section_user)["rule"] is None
    client.force_login(section_user)
    page = client.get(reverse("registry:unlicensed_assessment"), {"year": 2025}).content.decode()
    assert "考核口径尚未录入" in page


def test_dashboard_facts_per_office_and_month(section_user, office_a, office_b, revoked_entity, tax_user, tax):
    closed = new_case(section_user, office_a, date(2025, 3, 3))
    unlicensed.case_handle(case=closed, handling="ban", handled_on=date(2025, 3, 4), correction_due=None,
                           note="取缔", by=section_user)
    unlicensed.case_close(case=closed, result="banned", closed_on=date(2025, 3, 6), note="", by=section_user)
    new_case(section_user, office_a, date(2025, 4, 3))
    new_case(section_user, office_b, date(2025, 4, 9))
    notice = unlicensed.notification_send(case=closed, department=tax, content="x", sent_on=date(2025, 3, 4),
                                          by=section_user)
    unlicensed.notification_acknowledge(notice=notice, by=tax_user)
    dereg.candidates_screen(by=section_user, on=date(2025, 3, 3))

    facts = {(f.block, f.key, f.office_id, f.month): f for f in dashboard_facts(2025)}
    assert facts["unlicensed", "cases", None, None].value == 3
    assert facts["unlicensed", "cases", office_a.pk, None].value == 2
    assert facts["unlicensed", "cases", office_a.pk, 4].value == 1
    assert facts["unlicensed", "handled", None, None].value == 1
    assert facts["unlicensed", "handling_rate", None, None].value == Decimal("33.3")
    assert facts["unlicensed", "handling_rate", office_a.pk, None].value == Decimal("50.0")
    assert facts["unlicensed", "notifications_acknowledged", office_a.pk, 3].value == 1
    assert facts["dereg", "candidates", revoked_entity.office_id, 3].value == 1
    assert facts["dereg", "decided", None, None].value == 0
    drill = facts["unlicensed", "cases", office_a.pk, 4].drill_url
    assert drill == reverse("registry:unlicensed_list") + f"?year=2025&office={office_a.pk}&month=4"


def test_drill_down_lists_filter_by_year_office_and_month(client, section_user, office_a, office_b):
    new_case(section_user, office_a, date(2025, 4, 3), operator="甲")
    new_case(section_user, office_a, date(2025, 5, 3), operator="乙")
    new_case(section_user, office_b, date(2025, 4, 9), operator="丙")
    client.force_login(section_user)
    page = client.get(reverse("registry:unlicensed_list"),
                      {"year": 2025, "office": office_a.pk, "month": 4}).content.decode()
    assert "共 <strong>1</strong> 件" in page


def test_the_credit_indicator_counts_cases_linked_to_a_registered_entity(section_user, office_a):
    kind = KINDS[IndicatorKind.UNLICENSED_OPERATION]
    assert kind.available
    company = make_entity(office_a)
    new_case(section_user, office_a, date(2025, 3, 3), entity=company, missing=MissingKind.PERMIT,
             permit_name="危险化学品经营许可证")
    new_case(section_user, office_a, date(2022, 3, 3), entity=company, missing=MissingKind.PERMIT,
             permit_name="危险化学品经营许可证")  # older than two years
    new_case(section_user, office_a, date(2025, 3, 4))  # an unregistered operator: linked to nobody
    values = kind.sparse(date(2025, 12, 31), kind.params_with_defaults({}), MarketEntity.objects.all())
    assert values == {company.pk: 1}
    assert kind.factor(values[company.pk], kind.params_with_defaults({})) == 1


def test_entity_link_by_code(section_user, office_a):
    company = make_entity(office_a)
    assert unlicensed.entity_by_code(company.uscc.lower()) == company
    assert unlicensed.entity_by_code("") is None
    with pytest.raises(ValidationError, match="名录中没有"):
        unlicensed.entity_by_code("91350505MA00000000")


def test_abnormal_listed_idle_entity_becomes_a_candidate(section_user, office_a):
    from credit.models import ListingCase

    idle = make_entity(office_a, name="长期异常甲公司")
    active = make_entity(office_a, name="仍在经营乙公司")
    recent = make_entity(office_a, name="新列异丙公司")
    for entity, listed in ((idle, date(2021, 7, 10)), (active, date(2021, 7, 10)), (recent, date(2024, 7, 10))):
        ListingCase.objects.create(entity=entity, office=office_a, kind="abnormal", reason="annual_report",
                                   status="listed", source="annual_report", occurred_on=listed, listed_on=listed)
    revoke(active, date(2023, 1, 5))  # a change of status after listing is activity on record
    created, notes = dereg.candidates_screen(by=section_user, on=date(2025, 3, 3))
    assert notes == []
    assert {c.entity.name for c in created} == {"长期异常甲公司"}
    case = created[0]
    assert case.rule.code == "forced_dereg_abnormal_idle" and case.trigger_date == date(2021, 7, 10)


def test_answers_entered_later_keep_their_own_date_within_bounds(owner, office_a, tax, tax_user):
    case = new_case(owner, office_a, date(2025, 3, 3))
    notice = unlicensed.notification_send(case=case, department=tax, content="请处理", sent_on=date(2025, 3, 4),
                                          by=owner)
    with pytest.raises(ValidationError, match="须在抄告日期与今天之间"):
        unlicensed.notification_acknowledge(notice=notice, by=tax_user, on=date(2025, 3, 3))
    unlicensed.notification_acknowledge(notice=notice, by=tax_user, on=date(2025, 3, 5))
    with pytest.raises(ValidationError, match="不能早于签收日期"):
        unlicensed.notification_reply(notice=notice, reply="已处理", by=tax_user, on=date(2025, 3, 4))
    notice = unlicensed.notification_reply(notice=notice, reply="已处理", by=tax_user, on=date(2025, 3, 10))
    assert (notice.acknowledged_on, notice.replied_on) == (date(2025, 3, 5), date(2025, 3, 10))


def test_the_acknowledged_figure_drills_down_to_the_acknowledged_notices(section_user, office_a, tax_user, tax):
    from urllib.parse import urlsplit

    from django.http import QueryDict

    from registry.supervision_filters import NotificationFilter
    from registry.supervision_models import InfoNotification

    case = new_case(section_user, office_a, date(2025, 3, 3))
    first = unlicensed.notification_send(case=case, department=tax, content="x", sent_on=date(2025, 3, 4),
                                         by=section_user)
    other = new_case(section_user, office_a, date(2025, 3, 4))
    unlicensed.notification_send(case=other, department=tax, content="y", sent_on=date(2025, 3, 5), by=section_user)
    unlicensed.notification_acknowledge(notice=first, by=tax_user)
    facts = {(f.key, f.office_id, f.month): f for f in dashboard_facts(2025) if f.block == "unlicensed"}
    for key, expected in (("notifications_acknowledged", 1), ("notifications_sent", 2)):
        fact = facts[key, office_a.pk, None]
        shown = NotificationFilter(QueryDict(urlsplit(fact.drill_url).query), user=section_user,
                                   queryset=InfoNotification.objects.all()).qs.count()
        assert fact.value == shown == expected, key
