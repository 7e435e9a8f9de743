"""Credit indices: the formula by hand, a year computed from classes and complaints, complaints and listings counted
over the 12 months to each period end (2026-v3), the pages, drill-down scope."""
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from credit.choices import IndexDimension
from credit.indices import compute_year, index_components, indices_compute_queue, periods_of
from credit.models import CreditIndex
from registry.choices import EntityType, RegistrationStatus
from tests.credit.conftest import give_class
from tests.credit.test_listing_indicators import listing
from tests.credit.test_scoring import complaint
from tests.factories import make_entity

pytestmark = pytest.mark.django_db


def test_the_formula_by_hand():
    # Class score (2×100 + 1×75 + 1×0) / 4 = 68.75; complaints 12 in the 12 months over 40 entities: 12 × 100 / 40
    # = 30 per 100 → 100 − 300 < 0 → 0; without the other components (listings=None) the index is
    # (0.5 × 68.75 + 0.2 × 0) ÷ 0.7 = 49.107 → 49.11.
    figures = index_components({"A": 2, "B": 1, "D": 1}, population=40, complaints=12)
    assert figures["value"] == Decimal("49.11")
    assert figures["components"]["class_score"] == "68.75" and figures["components"]["complaint_score"] == "0.00"
    # One complaint a year over 200 entities: 0.5 per 100 → 95; no classified enterprise: the index is that score.
    figures = index_components({}, population=200, complaints=1)
    assert figures["value"] == Decimal("95.00") and figures["components"]["class_score"] is None
    assert index_components({}, population=0, complaints=0)["value"] is None


def test_the_formula_with_listings_repairs_and_spot_checks_by_hand():
    # Class 100, complaints 100; 2 listings over 100 entities → 100 − 2 × 10 = 80; 3 of 4 repairs granted → 75;
    # 4 problems in 10 checks → 60. Index = 0.5 × 100 + 0.2 × 100 + 0.1 × 80 + 0.1 × 75 + 0.1 × 60 = 91.50.
    figures = index_components({"A": 1}, population=100, complaints=0, listings=2, decided=4,
                               repaired=3, checked=10, problems=4)
    c = figures["components"]
    assert (c["listing_score"], c["repair_score"], c["problem_score"]) == ("80.00", "75.00", "60.00")
    assert figures["value"] == Decimal("91.50")
    # No repair decision and no check in the period: those two components do not count.
    figures = index_components({"A": 1}, population=100, complaints=0, listings=0)
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
    complaint(chem[2], date(2023, 3, 1))  # before the 12 months of every period of 2024
    listing(shopkeepers[1], date(2024, 3, 1))  # H from Q1 on: 1 × 100 / 4 = 25 per 100 → 0 points
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
    assert q1.formula == "2026-v3"
    q3 = index_of("2024Q3", IndexDimension.DIVISION, "C26")
    assert q3.population == 4 and q3.components["counts"] == {"A": 1, "B": 1, "C": 1, "D": 0}
    year = index_of("2024", IndexDimension.DIVISION, "C26")
    # Year: classes at 31 December (A, B, C → 71.67), 1 complaint over 4 entities = 25 per 100 → 0 points.
    assert year.components["class_score"] == "71.67" and year.components["complaints"] == 1
    assert year.value == Decimal("57.29")  # (0.5 × 71.67 + 0.2 × 0 + 0.1 × 100) ÷ 0.8 = 57.294
    catering = index_of("2024Q1", IndexDimension.SECTION, "H")
    # No classified enterprise; 1 complaint and 1 listing in the 12 months over 4 shops: 25 per 100 each → 0.
    assert catering.value == Decimal("0.00") and catering.components["class_score"] is None
    assert catering.components["listings"] == 1
    # The Q1 complaint and listing stay in the 12 months of every later quarter (no quarter of 100 points).
    q4 = index_of("2024Q4", IndexDimension.SECTION, "H")
    assert q4.value == Decimal("0.00") and (q4.components["complaints"], q4.components["listings"]) == (1, 1)
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
    assert "列异得分" in table and "分项三“列入经营异常名录率得分”（权重 10%）" in html and "公式版本 2026-v3" in html
    assert "截至期末的近 12 个月" in html and "折算" not in html
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


def scores(dimension, code, component):
    """{period: (count, per 100, score)} of one component over the periods of 2024."""
    count, per100 = {"listing_score": ("listings", "listings_per_100"),
                     "complaint_score": ("complaints", "complaints_per_100")}[component]
    result = {}
    for p in periods_of(2024):
        c = index_of(p.code, dimension, code).components
        result[p.code] = (c[count], c[per100], c[component])
    return result


def test_a_quarters_listing_score_counts_the_listings_of_the_12_months_to_its_end(office_a):
    firms = [make_entity(office_a, industry_code="C2651", established_on=date(2015, 1, 1)) for _ in range(50)]
    listing(firms[0], date(2023, 3, 31))  # the day before the 12 months of 2024Q1: in no period
    listing(firms[1], date(2023, 4, 1))  # the first day of 2024Q1's 12 months: Q1 only
    listing(firms[2], date(2023, 11, 15))  # the previous year's Q4: Q1, Q2, Q3
    listing(firms[3], date(2023, 12, 31))
    listing(firms[4], date(2024, 7, 20))  # Q3: Q3, Q4 and the year
    listing(firms[5], date(2024, 9, 30))
    listing(firms[6], date(2025, 1, 1))  # the next year
    compute_year(2024)
    # 50 entities: each listing is 2 per 100, 20 points off.
    # Q1 (2023-04-01..2024-03-31): 1 + 2 = 3 → 6 per 100 → 40; Q2 (2023-07-01..2024-06-30): 2 → 4 → 60;
    # Q3 (2023-10-01..2024-09-30): 2 + 2 = 4 → 8 → 20; Q4 and the year (2024): 2 → 4 → 60.
    # (2026-v2 gave Q1 0 × 4 → 100, Q3 2 × 4 = 16 per 100 → 0.)
    assert scores(IndexDimension.DIVISION, "C26", "listing_score") == {
        "2024Q1": (3, "6.00", "40.00"), "2024Q2": (2, "4.00", "60.00"), "2024Q3": (4, "8.00", "20.00"),
        "2024Q4": (2, "4.00", "60.00"), "2024": (2, "4.00", "60.00")}
    assert scores(IndexDimension.OFFICE, office_a.code, "listing_score") == \
        scores(IndexDimension.SECTION, "C", "listing_score")
    # Index of Q3: no classified enterprise, no complaint → 100, listings 20: (0.2 × 100 + 0.1 × 20) ÷ 0.3 = 73.33.
    assert index_of("2024Q3", IndexDimension.DIVISION, "C26").value == Decimal("73.33")


def test_a_quarters_complaint_score_counts_the_complaints_of_the_12_months_to_its_end(client, section_user,
                                                                                      office_b):
    shops = [make_entity(office_b, industry_code="H6210", entity_type=EntityType.INDIVIDUAL,
                         established_on=date(2015, 1, 1)) for _ in range(50)]
    complaint(shops[0], date(2023, 3, 31))  # in no period of 2024
    complaint(shops[1], date(2023, 12, 20))  # the previous year's Q4: Q1, Q2, Q3
    complaint(shops[1], date(2023, 10, 1))
    complaint(shops[2], date(2024, 8, 5))  # Q3: Q3, Q4 and the year
    complaint(shops[3], date(2024, 9, 30))
    compute_year(2024)
    # 50 shops: each complaint is 2 per 100, 20 points off. Q1, Q2: 2 → 60; Q3: 4 → 20; Q4 and the year: 2 → 60.
    assert scores(IndexDimension.DIVISION, "H62", "complaint_score") == {
        "2024Q1": (2, "4.00", "60.00"), "2024Q2": (2, "4.00", "60.00"), "2024Q3": (4, "8.00", "20.00"),
        "2024Q4": (2, "4.00", "60.00"), "2024": (2, "4.00", "60.00")}
    # No class, no listing → 100: Q3 index (0.2 × 20 + 0.1 × 100) ÷ 0.3 = 46.67.
    assert index_of("2024Q3", IndexDimension.DIVISION, "H62").value == Decimal("46.67")

    # The drill-down lists the complaints the figure counted: Q1 reaches back into the previous year.
    client.force_login(section_user)
    html = client.get(reverse("credit:index_entities", args=["division", "H62", "2024Q1"]),
                      {"class": "complaints"}).content.decode()
    assert "共 <strong>1</strong> 户" in html and shops[1].name in html
    assert "2023-04-01 至 2024-03-31（截至期末的近 12 个月）" in html and "近 12 个月投诉举报" in html
    assert '<td class="num">2</td>' in html  # shops[1]: both complaints of the previous year's Q4
    html = client.get(reverse("credit:index_entities", args=["division", "H62", "2024Q3"]),
                      {"class": "complaints"}).content.decode()
    assert "共 <strong>3</strong> 户" in html and shops[0].name not in html


def test_a_stored_2026_v2_quarter_keeps_its_own_text_and_counting_period(client, section_user, office_b):
    shop = make_entity(office_b, industry_code="H6210", entity_type=EntityType.INDIVIDUAL,
                       established_on=date(2015, 1, 1))
    complaint(shop, date(2022, 12, 20))  # not in 2023Q1 itself
    complaint(shop, date(2023, 2, 10))
    CreditIndex.objects.create(
        period="2023Q1", year=2023, period_end=date(2023, 3, 31), dimension=IndexDimension.DIVISION,
        group_code="H62", group_name="餐饮业", value=Decimal("0.00"), population=1, formula="2026-v2",
        components={"counts": {"A": 0, "B": 0, "C": 0, "D": 0}, "classified": 0, "class_score": None,
                    "complaints": 1, "complaints_per_100": "400.00", "complaint_score": "0.00", "listings": 0,
                    "listings_per_100": "0.00", "listing_score": "100.00", "repairs_decided": 0,
                    "repairs_repaired": 0, "repair_score": None, "checks": 0, "problems": 0, "problem_score": None})
    client.force_login(section_user)
    html = client.get(reverse("credit:index_home"), {"dimension": "division", "period": "2023Q1"}).content.decode()
    assert "季度数乘以 4 折算为全年" in html and "截至期末的近 12 个月" not in html
    assert "公式版本 2026-v2。以上指数按这一旧版本计算并保存；重新计算该年度后按现行版本 2026-v3" in html
    assert "指数怎么算" in client.get(reverse("credit:index_group", args=["division", "H62"])).content.decode()
    html = client.get(reverse("credit:index_entities", args=["division", "H62", "2023Q1"]),
                      {"class": "complaints"}).content.decode()
    assert "“期内投诉举报”为 2023-01-01 至 2023-03-31" in html and "近 12 个月" not in html
    assert '<td class="num">1</td>' in html  # the quarter's complaint only, as the stored row counted
