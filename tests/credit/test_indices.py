"""Credit indices: the formula by hand, a year computed from classes and complaints, the pages, drill-down scope."""
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from credit.choices import IndexDimension
from credit.indices import compute_year, index_components, indices_compute_queue
from credit.models import CreditIndex
from registry.choices import EntityType, RegistrationStatus
from tests.credit.conftest import give_class
from tests.credit.test_listing_indicators import listing
from tests.credit.test_scoring import complaint
from tests.factories import make_entity

pytestmark = pytest.mark.django_db


def test_the_formula_by_hand():
    # Class score (2×100 + 1×75 + 1×0) / 4 = 68.75; complaints 3 in a quarter over 40 entities: 3 × 4 × 100 / 40
    # = 30 per 100 a year → 100 − 300 < 0 → 0; without the other components (listings=None) the index is
    # (0.5 × 68.75 + 0.2 × 0) ÷ 0.7 = 49.107 → 49.11.
    figures = index_components({"A": 2, "B": 1, "D": 1}, population=40, complaints=3, annualise=4)
    assert figures["value"] == Decimal("49.11")
    assert figures["components"]["class_score"] == "68.75" and figures["components"]["complaint_score"] == "0.00"
    # One complaint a year over 200 entities: 0.5 per 100 → 95; no classified enterprise: the index is that score.
    figures = index_components({}, population=200, complaints=1, annualise=1)
    assert figures["value"] == Decimal("95.00") and figures["components"]["class_score"] is None
    assert index_components({}, population=0, complaints=0, annualise=1)["value"] is None


def test_the_formula_with_listings_repairs_and_spot_checks_by_hand():
    # Class 100, complaints 100; 2 listings over 100 entities → 100 − 2 × 10 = 80; 3 of 4 repairs granted → 75;
    # 4 problems in 10 checks → 60. Index = 0.5 × 100 + 0.2 × 100 + 0.1 × 80 + 0.1 × 75 + 0.1 × 60 = 91.50.
    figures = index_components({"A": 1}, population=100, complaints=0, annualise=1, listings=2, decided=4,
                               repaired=3, checked=10, problems=4)
    c = figures["components"]
    assert (c["listing_score"], c["repair_score"], c["problem_score"]) == ("80.00", "75.00", "60.00")
    assert figures["value"] == Decimal("91.50")
    # No repair decision and no check in the period: those two components do not count.
    figures = index_components({"A": 1}, population=100, complaints=0, annualise=1, listings=0)
    assert figures["value"] == Decimal("100.00") and figures["components"]["repair_score"] is None


@pytest.fixture
def district(office_a, office_b):
    chem = [make_entity(office_a, industry_code="C2651", established_on=date(2015, 1, 1)) for _ in range(3)]
    shopkeepers = [make_entity(office_b, industry_code="H6210", entity_type=EntityType.INDIVIDUAL,
                               established_on=date(2015, 1, 1)) for _ in range(4)]
    late = make_entity(office_a, industry_code="C2651", established_on=date(2024, 5, 1))  # from Q2 on
    make_entity(office_a, industry_code="C2651", status=RegistrationStatus.DEREGISTERED)  # never counted
    give_class(chem[0], "A", date(2024, 1, 31))
    give_class(chem[1], "D", date(2024, 2, 29))
    give_class(chem[1], "B", date(2024, 8, 31))  # from Q3 on
    give_class(late, "C", date(2024, 5, 31))
    complaint(shopkeepers[0], date(2024, 2, 10))
    complaint(chem[2], date(2024, 11, 1))
    complaint(chem[2], date(2023, 11, 1))  # another year
    listing(shopkeepers[1], date(2024, 3, 1))  # H in Q1: 1 × 4 × 100 / 4 = 100 per 100 → 0 points
    return chem, shopkeepers, late


def index_of(period, dimension, code):
    return CreditIndex.objects.get(period=period, dimension=dimension, group_code=code)


def test_a_year_is_computed_for_quarters_and_year_in_every_dimension(district, office_a, office_b):
    rows = compute_year(2024)
    assert rows == CreditIndex.objects.count() and rows == 5 * (2 + 2 + 2)  # 2 offices, 2 sections, 2 divisions
    q1 = index_of("2024Q1", IndexDimension.DIVISION, "C26")
    assert q1.population == 3 and q1.components["counts"] == {"A": 1, "B": 0, "C": 0, "D": 1}
    assert q1.components["class_score"] == "50.00" and q1.components["complaint_score"] == "100.00"
    # No listing → 100; no repair decision or check → not counted: (0.5 × 50 + 0.2 × 100 + 0.1 × 100) ÷ 0.8.
    assert q1.value == Decimal("68.75") and q1.components["listing_score"] == "100.00"
    assert q1.formula == "2026-v2"
    q3 = index_of("2024Q3", IndexDimension.DIVISION, "C26")
    assert q3.population == 4 and q3.components["counts"] == {"A": 1, "B": 1, "C": 1, "D": 0}
    year = index_of("2024", IndexDimension.DIVISION, "C26")
    # Year: classes at 31 December (A, B, C → 71.67), 1 complaint over 4 entities = 25 per 100 → 0 points.
    assert year.components["class_score"] == "71.67" and year.components["complaints"] == 1
    assert year.value == Decimal("57.29")  # (0.5 × 71.67 + 0.2 × 0 + 0.1 × 100) ÷ 0.8 = 57.294
    catering = index_of("2024Q1", IndexDimension.SECTION, "H")
    # No classified enterprise; 1 complaint and 1 listing in the quarter over 4 shops: 100 per 100 each → 0.
    assert catering.value == Decimal("0.00") and catering.components["class_score"] is None
    assert catering.components["listings"] == 1
    assert index_of("2024Q2", IndexDimension.SECTION, "H").value == Decimal("100.00")
    assert index_of("2024Q1", IndexDimension.OFFICE, office_a.code).group_name == office_a.name
    compute_year(2024)  # computing again replaces the year
    assert CreditIndex.objects.count() == rows


def test_index_page_ranks_with_components_formula_and_charts(client, section_user, district):
    compute_year(2024)
    client.force_login(section_user)
    html = client.get(reverse("credit:index_home"), {"dimension": "section", "period": "2024Q1"}).content.decode()
    assert "指数怎么算" in html and "A 类每户记 100 分、B 类 75 分、C 类 40 分" in html
    table = html.split("<table")[1]
    assert table.index("C 制造业") < table.index("H 住宿和餐饮业")  # 68.75 ranks above 0.00
    assert "<strong>0.00</strong>" in table  # an index of zero is a value, not a dash
    assert "列异得分" in table and "分项三“列入经营异常名录率得分”（权重 10%）" in html and "公式版本 2026-v2" in html
    assert "未上线、暂不计入的分项" not in html
    assert html.count("<svg") == 2 and "https://" not in html.split("<svg")[1]
    group = client.get(reverse("credit:index_group", args=["division", "C26"])).content.decode()
    assert "<svg" in group and "2024Q3" in group


def test_drill_down_lists_the_entities_behind_a_figure_within_the_users_scope(client, section_user, owner, outsider,
                                                                              district):
    chem, shopkeepers, late = district
    compute_year(2024)
    url = reverse("credit:index_entities", args=["division", "C26", "2024Q1"])
    client.force_login(section_user)
    html = client.get(url, {"class": "D"}).content.decode()
    assert chem[1].name in html and chem[0].name not in html and late.name not in html
    html = client.get(reverse("credit:index_entities", args=["division", "C26", "2024Q3"]), {"class": "B"}).content
    assert chem[1].name in html.decode()
    client.force_login(owner)
    assert chem[1].name in client.get(url, {"class": "D"}).content.decode()
    client.force_login(outsider)  # the office of the chemical firms is not theirs
    html = client.get(url).content.decode()
    assert "共 <strong>0</strong> 户" in html and "您只能看到本所管辖的主体" in html


def test_index_pages_access(client, section_user, owner, leader, discipline_user, district,
                            django_capture_on_commit_callbacks):
    for user in (owner, leader):
        client.force_login(user)
        assert client.get(reverse("credit:index_home")).status_code == 200
        assert client.post(reverse("credit:index_compute"), {"year": 2024}).status_code == 403
    client.force_login(discipline_user)
    assert client.get(reverse("credit:index_home")).status_code == 403
    client.force_login(section_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("credit:index_compute"), {"year": 2024})
    assert response.status_code == 302 and CreditIndex.objects.filter(year=2024).exists()
    assert client.get(reverse("credit:index_group", args=["division", "Z99"])).status_code == 404


def test_index_page_query_count_does_not_grow_with_groups(client, section_user, district,
                                                          django_assert_max_num_queries):
    compute_year(2024)
    client.force_login(section_user)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("credit:index_home"), {"dimension": "division"}).status_code == 200


def test_the_job_computes_the_year(section_user, district, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = indices_compute_queue(year=2024, by=section_user)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result["rows"] == 30


def test_repairs_and_spot_checks_enter_the_year_from_their_records(district):
    from django.utils import timezone

    from core.choices import DepartmentKind
    from credit.choices import RepairKind
    from inspections.choices import CheckStatus
    from inspections.models import Draw, Plan, SpotCheck
    from tests.credit.test_analysis_records import repair
    from tests.factories import make_department
    from tests.inspections.conftest import YEAR, make_item, make_task

    chem, shopkeepers, late = district
    case = listing(chem[0], date(2024, 4, 1))
    repair(case, 1, RepairKind.ABNORMAL, date(2024, 4, 20), decided_on=date(2024, 5, 10), repaired=True)
    section = make_department(DepartmentKind.SECTION, name="信用监管股")
    plan = Plan.objects.create(year=YEAR - 1, name=f"{YEAR - 1} 年度计划")
    item = make_item(section)
    for entity, code in ((chem[0], "A"), (chem[2], "1")):
        task = make_task(plan, [item], section)
        draw = Draw.objects.create(task=task, number=1, algorithm="test", seed="0" * 64, drawn_at=timezone.now(),
                                   population_size=3, sample_size=3, certificate_gz=b"", certificate_sha256="0" * 64)
        SpotCheck.objects.create(task=task, draw=draw, entity=entity, walk_order=1, stratum="B",
                                 status=CheckStatus.APPROVED, result_code=code, checked_on=date(2024, 5, 2))
    compute_year(2024)
    q2 = index_of("2024Q2", IndexDimension.DIVISION, "C26").components
    assert (q2["listings"], q2["repairs_decided"], q2["repairs_repaired"], q2["repair_score"]) == (1, 1, 1, "100.00")
    assert (q2["checks"], q2["problems"], q2["problem_score"]) == (2, 1, "50.00")
    assert index_of("2024Q1", IndexDimension.DIVISION, "C26").components["checks"] == 0
