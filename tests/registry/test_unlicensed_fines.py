"""Unlicensed operation fines: recorded only on a penalty result, correction first, within the range kept as data
(UnlicensedFineScale, seeded by registry.0010 from RULES.md), shown on the case and in the assessment figures."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditLog
from registry import unlicensed
from registry.supervision_choices import MissingKind
from registry.supervision_models import UnlicensedFineScale
from registry.supervision_selectors import assessment
from tests.registry.test_unlicensed import new_case

pytestmark = pytest.mark.django_db


def corrected(by, office, **extra):
    case = new_case(by, office, date(2025, 3, 3), **extra)
    return unlicensed.case_handle(case=case, handling="correction", handled_on=date(2025, 3, 4),
                                  correction_due=date(2025, 3, 24), note="责令限期办理营业执照", by=by)


def close(case, by, **kw):
    kw.setdefault("closed_on", date(2025, 4, 10))
    return unlicensed.case_close(case=case, result="penalised", note="逾期拒不改正，已立案", by=by, **kw)


def test_the_seeded_ranges_are_the_rules(owner):
    scales = {s.severity: (s.min_amount, s.max_amount) for s in UnlicensedFineScale.objects.all()}
    assert scales == {"refusal": (Decimal("10000"), Decimal("100000")),
                      "serious": (Decimal("100000"), Decimal("500000"))}


def test_a_refusal_fine_within_the_range_is_recorded_and_audited(owner, office_a):
    case = corrected(owner, office_a)
    with pytest.raises(ValidationError, match="罚款情形"):
        close(case, owner)
    with pytest.raises(ValidationError, match="请填写罚款金额"):
        close(case, owner, fine_severity="refusal")
    with pytest.raises(ValidationError, match="10,000 元至 100,000 元"):
        close(case, owner, fine_severity="refusal", fine_amount=Decimal("9999"))
    with pytest.raises(ValidationError, match="不在幅度内"):
        close(case, owner, fine_severity="refusal", fine_amount=Decimal("100001"))
    with pytest.raises(ValidationError, match="期满仍未改正"):
        close(case, owner, fine_severity="refusal", fine_amount=Decimal("20000"), closed_on=date(2025, 3, 20))
    case.refresh_from_db()
    assert case.status == "handling" and case.fine_amount is None
    case = close(case, owner, fine_severity="refusal", fine_amount=Decimal("20000"))
    case.refresh_from_db()
    assert (case.status, case.fine_amount, case.fine_scale.severity) == ("closed", Decimal("20000.00"), "refusal")
    entry = AuditLog.objects.for_object(case).filter(summary__contains="办结").latest("pk")
    assert entry.extra["fine_amount"] == "20000.00"


def test_correction_first_and_only_for_missing_licence(owner, office_a):
    banned = new_case(owner, office_a, date(2025, 3, 3))
    banned = unlicensed.case_handle(case=banned, handling="ban", handled_on=date(2025, 3, 4), correction_due=None,
                                    note="依法取缔", by=owner)
    with pytest.raises(ValidationError, match="须先责令改正"):
        close(banned, owner, fine_severity="refusal", fine_amount=Decimal("20000"))
    # Serious: closed down and fined within the higher range, no correction order required.
    with pytest.raises(ValidationError, match="100,000 元至 500,000 元"):
        close(banned, owner, fine_severity="serious", fine_amount=Decimal("50000"))
    assert close(banned, owner, fine_severity="serious", fine_amount=Decimal("150000")).fine_amount == 150000
    permit_only = corrected(owner, office_a, missing=MissingKind.PERMIT)
    with pytest.raises(ValidationError, match="无证经营请移送"):
        close(permit_only, owner, fine_severity="refusal", fine_amount=Decimal("20000"))
    other = corrected(owner, office_a)
    with pytest.raises(ValidationError, match="才登记罚款"):
        unlicensed.case_close(case=other, result="licensed", closed_on=date(2025, 4, 1), note="", by=owner,
                              fine_amount=Decimal("20000"))


def test_a_new_version_of_the_range_applies_from_its_date(owner, office_a):
    UnlicensedFineScale.objects.create(severity="refusal", min_amount=Decimal("20000"), max_amount=Decimal("80000"),
                                       legal_basis="某新规定（示例）", effective_from=date(2025, 4, 1), verified=False)
    early = corrected(owner, office_a)
    assert close(early, owner, fine_severity="refusal", fine_amount=Decimal("15000"),
                 closed_on=date(2025, 3, 31)).fine_amount == 15000
    late = corrected(owner, office_a)
    with pytest.raises(ValidationError, match="20,000 元至 80,000 元（某新规定（示例）（待核实））"):
        close(late, owner, fine_severity="refusal", fine_amount=Decimal("15000"))


def test_fines_show_on_the_case_and_in_the_assessment(section_user, office_a, office_b, client):
    fined = corrected(section_user, office_a)
    client.force_login(section_user)
    page = client.get(reverse("registry:unlicensed_detail", args=[fined.pk])).content.decode()
    assert "罚款情形" in page and "10,000 元至 100,000 元" in page
    response = client.post(reverse("registry:unlicensed_close", args=[fined.pk]), {
        "result": "penalised", "closed_on": "2025-04-10", "fine_severity": "refusal", "fine_amount": "500000",
        "note": ""}, follow=True)
    assert "不在幅度内" in response.content.decode()
    response = client.post(reverse("registry:unlicensed_close", args=[fined.pk]), {
        "result": "penalised", "closed_on": "2025-04-10", "fine_severity": "refusal", "fine_amount": "30000",
        "note": ""}, follow=True)
    page = response.content.decode()
    assert "罚款 30,000.00 元" in page and "30,000.00 元</strong>（拒不改正" in page
    close(corrected(section_user, office_b), section_user, fine_severity="refusal", fine_amount=Decimal("10000"))
    figures = assessment(2025, section_user)
    assert (figures["district"].fined, figures["district"].fine_total) == (2, Decimal("40000"))
    offices = {r.label: r for r in figures["offices"]}
    assert offices[office_a.name].fine_total == Decimal("30000")
    page = client.get(reverse("registry:unlicensed_assessment"), {"year": 2025}).content.decode()
    assert "罚款金额（元）" in page and "40,000.00" in page
