"""The yearly analysis's tables of listings and removals, repairs and spot-check findings, counted by hand."""
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from core.choices import DepartmentKind
from credit.analysis import analysis_tables
from credit.choices import ListingKind, RepairKind, RepairStatus
from credit.models import RepairCase
from inspections.choices import CheckStatus, DrawStatus
from inspections.models import Draw, Plan, SpotCheck
from tests.credit.test_listing_indicators import listing
from tests.factories import ensure_industry, make_department, make_entity
from tests.inspections.conftest import YEAR, make_item, make_task

pytestmark = pytest.mark.django_db


def repair(case, n, kind, applied_on, *, decided_on=None, repaired=None):
    entity = case.entity
    status = RepairStatus.RECEIVED if decided_on is None else (
        RepairStatus.CLOSED if repaired else RepairStatus.REFUSED)
    return RepairCase.objects.create(number=f"XF{n:04d}", entity=entity, office=entity.office, kind=kind, listing=case,
                                     channel="counter", applied_on=applied_on, applicant="张三", status=status,
                                     decided_on=decided_on, repaired=repaired)


def test_listings_repairs_and_spot_checks_by_year(client, section_user, office_a, office_b):
    ensure_industry("C2651", "化学原料和化学制品制造业")
    a1, a2 = (make_entity(office_a, industry_code="C2651") for _ in range(2))
    b1 = make_entity(office_b, industry_code="G5430")
    listed_a1 = listing(a1, date(2024, 7, 10))
    listed_a2 = listing(a2, date(2023, 7, 10), closed_on=date(2024, 3, 1))  # listed last year, removed this year
    serious_b1 = listing(b1, date(2024, 8, 1), kind=ListingKind.SERIOUS)
    listing(b1, date(2022, 8, 1), closed_on=date(2022, 12, 1))  # another year
    repair(listed_a2, 1, RepairKind.ABNORMAL, date(2024, 2, 1), decided_on=date(2024, 2, 20), repaired=True)
    repair(listed_a1, 2, RepairKind.ABNORMAL, date(2023, 12, 20), decided_on=date(2024, 1, 10), repaired=False)
    repair(serious_b1, 3, RepairKind.SERIOUS, date(2024, 12, 1))

    section = make_department(DepartmentKind.SECTION, name="信用监管股")
    plan = Plan.objects.create(year=YEAR - 1, name=f"{YEAR - 1} 年度计划")
    item = make_item(section)

    def check(entity, code, checked_on, status=CheckStatus.APPROVED, draw_status=DrawStatus.VALID):
        task = make_task(plan, [item], section)
        draw = Draw.objects.create(task=task, number=1, status=draw_status, algorithm="test", seed="0" * 64,
                                   drawn_at=timezone.now(), population_size=3, sample_size=3, certificate_gz=b"",
                                   certificate_sha256="0" * 64)
        SpotCheck.objects.create(task=task, draw=draw, entity=entity, walk_order=1, stratum="B", status=status,
                                 result_code=code, checked_on=checked_on)

    check(a1, "A", date(2024, 5, 1))
    check(a2, "1", date(2024, 5, 2))
    check(b1, "6", date(2024, 6, 1), status=CheckStatus.SUBMITTED)
    check(b1, "B", date(2024, 6, 2), status=CheckStatus.RETURNED)  # not a recorded result
    check(a2, "A", date(2024, 6, 3), draw_status=DrawStatus.VOIDED)  # voided draw
    check(a1, "A", date(2023, 6, 3))  # another year

    tables = {t.key: t for t in analysis_tables(2024)}
    listings = tables["listings"]
    assert listings.rows == [["经营异常名录", 1, 1], ["严重违法失信名单", 1, 0],
                             *sorted([[office_a.name, 1, 1], [office_b.name, 1, 0]])]
    assert listings.note.startswith("全年列入（标记）2 条，移出（恢复）1 条")
    repairs = tables["repairs"]
    assert repairs.rows == [["移出经营异常名录", 1, 1, 1], ["提前移出严重违法失信名单", 1, 0, 0],
                            *sorted([[office_a.name, 1, 1, 1], [office_b.name, 1, 0, 0]])]
    assert repairs.note.startswith("全年收到申请 2 件，决定准予修复 1 件、不予修复 1 件")
    checks = tables["spot_checks"]
    sections = [[row[0].split()[0], *row[1:]] for row in checks.rows[:2]]
    assert sections == [["C", 2, 1, "50.0%"], ["G", 1, 1, "100.0%"]]
    assert sorted(checks.rows[2:]) == sorted([[office_a.name, 2, 1, "50.0%"], [office_b.name, 1, 1, "100.0%"]])
    assert checks.note.startswith("全年录入检查结果 3 户次，发现问题 2 户次（66.7%）")

    # The page (which is also its print view) and the .xlsx show the same rows.
    client.force_login(section_user)
    html = client.get(reverse("credit:analysis_detail", args=[2024])).content.decode()
    assert "八、列入和移出经营异常名录" in html and "数据来源尚未上线" not in html
    assert "提前移出严重违法失信名单" in html and "66.7%" in html
    data = b"".join(client.get(reverse("credit:analysis_export", args=[2024])).streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = [book.get_sheet_by_name(name).to_python() for name in book.sheet_names[-3:]]
    assert sheets[0][0] == ["分组", "列入（标记）", "移出（恢复）"] and sheets[0][1] == ["经营异常名录", 1, 1]
    assert sheets[1][1] == ["移出经营异常名录", 1, 1, 1]
    assert sheets[2][0] == ["分组", "已录入检查", "发现问题", "发现问题率"] and sheets[2][1][1:] == [2, 1, "50.0%"]
