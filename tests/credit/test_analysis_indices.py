"""Table 六 of the yearly analysis (the indices): the components of formula 2026-v3 from listings, repairs and spot
checks, counted by hand, on the page (its print view) and in the .xlsx; a year stored with 2024-v1 or 2026-v2 shows
its own formula and components."""
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from core.choices import DepartmentKind
from credit.analysis import NOT_IN_FORMULA, analysis_tables
from credit.choices import IndexDimension, RepairKind
from credit.indices import compute_year
from credit.models import CreditIndex
from inspections.choices import CheckStatus, DrawStatus
from inspections.models import Draw, Plan, SpotCheck
from tests.credit.conftest import give_class
from tests.credit.test_analysis_records import repair
from tests.credit.test_listing_indicators import listing
from tests.factories import make_department, make_entity
from tests.inspections.conftest import make_item, make_task

pytestmark = pytest.mark.django_db
HEADERS = ["维度", "分组", "信用指数", "分类结构得分", "投诉举报得分", "列入经营异常名录率得分", "信用修复完成率得分",
           "抽查发现问题率得分", "在营户数", "公式版本"]


@pytest.fixture
def records(office_a, office_b):
    """Office A: 10 chemical firms (C2651), all A class; in 2024 one listing, three repair decisions (two granted)
    and four recorded checks of valid draws, one of them finding a problem. Office B: 5 shops, nothing recorded."""
    firms = [make_entity(office_a, industry_code="C2651", established_on=date(2015, 1, 1)) for _ in range(10)]
    for firm in firms:
        give_class(firm, "A", date(2024, 1, 31))
    shops = [make_entity(office_b, industry_code="H6210", established_on=date(2015, 1, 1)) for _ in range(5)]
    listed = listing(firms[0], date(2024, 8, 1))
    listing(firms[1], date(2023, 8, 1))  # another year
    repair(listed, 1, RepairKind.ABNORMAL, date(2024, 9, 1), decided_on=date(2024, 9, 20), repaired=True)
    repair(listing(firms[2], date(2022, 7, 1), closed_on=date(2024, 3, 1)), 2, RepairKind.ABNORMAL,
           date(2024, 2, 1), decided_on=date(2024, 2, 25), repaired=True)
    repair(listing(firms[3], date(2022, 7, 1)), 3, RepairKind.ABNORMAL, date(2024, 4, 1),
           decided_on=date(2024, 4, 20), repaired=False)
    repair(listing(firms[4], date(2022, 7, 1)), 4, RepairKind.ABNORMAL, date(2024, 12, 1))  # not decided

    section = make_department(DepartmentKind.SECTION, name="信用监管股")
    plan = Plan.objects.create(year=2024, name="2024 年度计划")
    item = make_item(section, valid_from=date(2024, 1, 1))

    def check(entity, code, checked_on, status=CheckStatus.APPROVED, draw_status=DrawStatus.VALID):
        task = make_task(plan, [item], section)
        draw = Draw.objects.create(task=task, number=1, status=draw_status, algorithm="test", seed="0" * 64,
                                   drawn_at=timezone.now(), population_size=10, sample_size=1, certificate_gz=b"",
                                   certificate_sha256="0" * 64)
        SpotCheck.objects.create(task=task, draw=draw, entity=entity, walk_order=1, stratum="A", status=status,
                                 result_code=code, checked_on=checked_on)

    check(firms[5], "A", date(2024, 5, 1))  # a problem
    for firm in firms[6:9]:
        check(firm, "1", date(2024, 5, 2))
    check(firms[9], "2", date(2024, 6, 1), draw_status=DrawStatus.VOIDED)  # voided draw: not counted
    check(firms[9], "3", date(2024, 6, 1), status=CheckStatus.RETURNED)  # not a recorded result
    return firms, shops


def row_of(table, group):
    return next(row for row in table.rows if row[1] == group)


def test_table_six_shows_the_new_components_from_the_records(client, section_user, records, office_a, office_b):
    compute_year(2024)
    table = {t.key: t for t in analysis_tables(2024)}["indices"]
    assert table.headers == HEADERS
    # Office A over the year: class 100, no complaint → 100; 1 listing over 10 entities = 10 per 100 → 100 − 100 = 0;
    # 2 of 3 decisions granted → 66.67; 1 problem in 4 recorded checks → 75. Index = 0.5 × 100 + 0.2 × 100
    # + 0.1 × 0 + 0.1 × 66.67 + 0.1 × 75 = 84.167 → 84.17.
    a = row_of(table, office_a.name)
    assert a == ["市场监管所辖区", office_a.name, Decimal("84.17"), Decimal("100.00"), Decimal("100.00"),
                 Decimal("0.00"), Decimal("66.67"), Decimal("75.00"), 10, "2026-v3"]
    # Office B: no classified enterprise, no repair decision, no check: only complaints and listings count.
    b = row_of(table, office_b.name)
    assert b == ["市场监管所辖区", office_b.name, Decimal("100.00"), None, Decimal("100.00"), Decimal("100.00"),
                 None, None, 5, "2026-v3"]
    # The same figures as the stored rows the index pages read.
    stored = CreditIndex.objects.get(period="2024", dimension=IndexDimension.OFFICE, group_code=office_a.code)
    assert [stored.components[k] for k in ("listing_score", "repair_score", "problem_score")] == \
        ["0.00", "66.67", "75.00"]
    assert "公式版本 2026-v3" in table.note and [h for h, _ in table.details] == ["指数怎么算（公式版本 2026-v3）"]
    assert any("截至期末的近 12 个月" in line for line in table.details[0][1])
    assert not any("折算" in line for line in table.details[0][1])

    client.force_login(section_user)
    html = client.get(reverse("credit:analysis_detail", args=[2024])).content.decode()
    section = html.split("六、信用指数（全年）")[1].split("</section>")[0]
    assert "<th class=\"num\">列入经营异常名录率得分</th>" in section and "抽查发现问题率得分" in section
    assert "<td class=\"num\">66.67</td><td class=\"num\">75.00</td>" in section
    assert "分项五“抽查发现问题率得分”（权重 10%）" in section and NOT_IN_FORMULA not in section
    data = b"".join(client.get(reverse("credit:analysis_export", args=[2024])).streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheet = book.get_sheet_by_name(next(n for n in book.sheet_names if "信用指数" in n)).to_python()
    assert sheet[0] == HEADERS
    assert [office_a.name, 84.17, 100, 100, 0, 66.67, 75, 10, "2026-v3"] in [row[1:] for row in sheet]
    assert ["指数怎么算（公式版本 2026-v3）"] in [[c for c in row if c != ""] for row in sheet]


def test_a_year_stored_with_formula_2024_v1_shows_its_own_formula(client, section_user, office_a):
    CreditIndex.objects.create(
        period="2023", year=2023, period_end=date(2023, 12, 31), dimension=IndexDimension.OFFICE,
        group_code=office_a.code, group_name=office_a.name, value=Decimal("88.50"), population=40,
        formula="2024-v1", components={"counts": {"A": 8, "B": 2, "C": 0, "D": 0}, "classified": 10,
                                       "class_score": "95.00", "complaints": 1, "complaints_per_100": "2.50",
                                       "complaint_score": "75.00"})
    table = {t.key: t for t in analysis_tables(2023)}["indices"]
    assert table.rows == [["市场监管所辖区", office_a.name, Decimal("88.50"), Decimal("95.00"), Decimal("75.00"),
                           NOT_IN_FORMULA, NOT_IN_FORMULA, NOT_IN_FORMULA, 40, "2024-v1"]]
    assert "公式版本 2024-v1（旧版本" in table.note
    heading, lines = table.details[0]
    assert heading == "指数怎么算（公式版本 2024-v1）" and len(table.details) == 1
    assert any("分项一“分类结构得分”（权重 70%）" in line for line in lines)
    assert not any("分项三" in line for line in lines)

    client.force_login(section_user)
    html = client.get(reverse("credit:analysis_detail", args=[2023])).content.decode()
    section = html.split("六、信用指数（全年）")[1].split("</section>")[0]
    assert "（权重 70%）" in section and "（权重 30%）" in section and "（权重 50%）" not in section
    assert section.count(NOT_IN_FORMULA) == 3 and "分项三" not in section
    data = b"".join(client.get(reverse("credit:analysis_export", args=[2023])).streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheet = book.get_sheet_by_name(next(n for n in book.sheet_names if "信用指数" in n)).to_python()
    assert sheet[1][1:] == [office_a.name, 88.5, 95, 75, NOT_IN_FORMULA, NOT_IN_FORMULA, NOT_IN_FORMULA, 40,
                            "2024-v1"]
    assert any("（权重 70%）" in str(cell) for row in sheet for cell in row)
    # The index page shows the formula the displayed rows were computed with, not only the current one.
    html = client.get(reverse("credit:index_home"), {"dimension": "office", "period": "2023"}).content.decode()
    assert "分项一“分类结构得分”（权重 70%）" in html and "（权重 50%）" not in html
    assert "按这一旧版本计算并保存" in html


def test_a_year_stored_with_formula_2026_v2_shows_its_own_formula(client, section_user, office_a):
    CreditIndex.objects.create(
        period="2023", year=2023, period_end=date(2023, 12, 31), dimension=IndexDimension.OFFICE,
        group_code=office_a.code, group_name=office_a.name, value=Decimal("80.00"), population=10,
        formula="2026-v2", components={
            "counts": {"A": 10, "B": 0, "C": 0, "D": 0}, "classified": 10, "class_score": "100.00", "complaints": 0,
            "complaints_per_100": "0.00", "complaint_score": "100.00", "listings": 2, "listings_per_100": "20.00",
            "listing_score": "0.00", "repairs_decided": 0, "repairs_repaired": 0, "repair_score": None,
            "checks": 0, "problems": 0, "problem_score": None})
    table = {t.key: t for t in analysis_tables(2023)}["indices"]
    assert table.rows == [["市场监管所辖区", office_a.name, Decimal("80.00"), Decimal("100.00"), Decimal("100.00"),
                           Decimal("0.00"), None, None, 10, "2026-v2"]]
    assert "公式版本 2026-v2（旧版本；重新计算 2023 年后按现行版本 2026-v3）" in table.note
    [(heading, lines)] = table.details
    assert heading == "指数怎么算（公式版本 2026-v2）"
    assert any("季度数乘以 4 折算为全年" in line for line in lines)
    assert not any("近 12 个月" in line for line in lines)

    client.force_login(section_user)
    html = client.get(reverse("credit:analysis_detail", args=[2023])).content.decode()
    section = html.split("六、信用指数（全年）")[1].split("</section>")[0]
    assert "季度数乘以 4 折算为全年" in section and "近 12 个月" not in section and NOT_IN_FORMULA not in section
    data = b"".join(client.get(reverse("credit:analysis_export", args=[2023])).streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheet = book.get_sheet_by_name(next(n for n in book.sheet_names if "信用指数" in n)).to_python()
    assert sheet[1][1:] == [office_a.name, 80, 100, 100, 0, "", "", 10, "2026-v2"]
    cells = [str(cell) for row in sheet for cell in row]
    assert ["指数怎么算（公式版本 2026-v2）"] in [[c for c in row if c != ""] for row in sheet]
    assert any("季度数乘以 4 折算为全年" in c for c in cells) and not any("近 12 个月" in c for c in cells)
    html = client.get(reverse("credit:index_home"), {"dimension": "office", "period": "2023"}).content.decode()
    assert "（按全年折算）" in html and "截至期末的近 12 个月" not in html and "按这一旧版本计算并保存" in html
