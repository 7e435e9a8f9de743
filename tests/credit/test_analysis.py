"""The yearly credit-status analysis: tables by hand, the text's draft → approved states, print and .xlsx, access."""
import io
from datetime import date

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from core.choices import AuditAction
from core.models import AuditLog
from credit.analysis import analysis_tables
from credit.choices import TextStatus
from credit.models import AnalysisReport
from tests.credit.conftest import give_class
from tests.credit.test_scoring import complaint
from tests.factories import make_entity

pytestmark = pytest.mark.django_db


@pytest.fixture
def classified(office_a, office_b):
    a1 = make_entity(office_a, industry_code="C2651", established_on=date(2010, 1, 1))
    a2 = make_entity(office_a, industry_code="C2651", established_on=date(2010, 1, 1))
    b1 = make_entity(office_b, industry_code="G5430", established_on=date(2010, 1, 1))
    give_class(a1, "B", date(2023, 12, 31))
    give_class(a1, "A", date(2024, 6, 30))  # B → A: better
    give_class(a2, "B", date(2023, 11, 30))
    give_class(a2, "D", date(2024, 11, 30))  # B → D: worse
    give_class(b1, "C", date(2024, 3, 31))  # none → C
    complaint(b1, date(2024, 5, 1), substantiated=True)
    complaint(a1, date(2023, 5, 1))  # another year
    return a1, a2, b1


def tables_by_key(year):
    return {t.key: t for t in analysis_tables(year)}


def test_distribution_and_movement_by_hand(classified, office_a):
    tables = tables_by_key(2024)
    assert tables["distribution"].rows == [
        ["A 类", 0, "0.0%", 1, "33.3%", 1], ["B 类", 2, "66.7%", 0, "0.0%", -2], ["C 类", 0, "0.0%", 1, "33.3%", 1],
        ["D 类", 0, "0.0%", 1, "33.3%", 1], ["未分类", 1, "33.3%", 0, "0.0%", -1]]
    movement = {row[0]: row[1:] for row in tables["movement"].rows}
    assert movement["B 类"] == [1, 0, 0, 1, 0, 2] and movement["年初未分类"] == [0, 0, 1, 0, 0, 1]
    assert tables["movement"].note == "全年类别变好（如 C→B）1 户，变差（如 B→C）1 户。"
    offices = {row[0]: row[1:] for row in tables["offices"].rows}
    assert offices[office_a.name] == [1, 0, 0, 1, 0, 2, "50.0%"]
    assert tables["complaints"].note == "全年受理 1 件，其中核查属实 1 件。"
    assert all(table.live for table in tables.values())
    assert tables["listings"].rows == [] and tables["spot_checks"].note.startswith("全年录入检查结果 0 户次")
    assert "尚未计算 2024 年的信用指数" in tables["indices"].note


def test_text_goes_from_draft_to_approved_and_is_then_frozen(client, section_user, leader, classified):
    url = reverse("credit:analysis_detail", args=[2024])
    client.force_login(section_user)
    text = {"findings": "C、D 类企业集中在化工行业。", "recommendations": "加大对化工企业的抽查比例。"}
    response = client.post(url, text)
    assert response.status_code == 302
    report = AnalysisReport.objects.get(year=2024)
    assert report.status == TextStatus.DRAFT and report.drafted_by == section_user
    assert client.post(reverse("credit:analysis_approve", args=[2024])).status_code == 403  # staff do not approve

    client.force_login(leader)
    assert client.post(url, {"findings": "x", "recommendations": "y"}).status_code == 404  # leadership does not edit
    client.post(reverse("credit:analysis_approve", args=[2024]))
    report.refresh_from_db()
    assert report.status == TextStatus.APPROVED and report.approved_by == leader
    client.force_login(section_user)
    html = client.get(url).content.decode()
    assert "保存草稿" not in html and "加大对化工企业的抽查比例。" in html
    assert client.post(url, {"findings": "改", "recommendations": "改"}).status_code == 404
    assert AnalysisReport.objects.get(year=2024).findings == "C、D 类企业集中在化工行业。"

    client.force_login(leader)
    client.post(reverse("credit:analysis_reopen", args=[2024]), {"reason": "补充抽查数据"})
    report.refresh_from_db()
    assert report.status == TextStatus.DRAFT
    log = AuditLog.objects.for_object(report).filter(action=AuditAction.STATUS).first()
    assert log.extra == {"reason": "补充抽查数据"}


def test_an_empty_text_cannot_be_approved(client, leader, section_user):
    AnalysisReport.objects.create(year=2024, findings="只有发现")
    client.force_login(leader)
    response = client.post(reverse("credit:analysis_approve", args=[2024]), follow=True)
    assert "“主要发现”和“意见建议”都填写后才能审核。" in response.content.decode()
    assert AnalysisReport.objects.get(year=2024).status == TextStatus.DRAFT


def test_the_xlsx_has_the_text_and_one_sheet_per_table(client, leader, classified):
    AnalysisReport.objects.create(year=2024, findings="发现", recommendations="建议")
    client.force_login(leader)
    data = b"".join(client.get(reverse("credit:analysis_export", args=[2024])).streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names[0] == "文字部分" and len(book.sheet_names) == 1 + len(analysis_tables(2024))
    assert book.get_sheet_by_name("文字部分").to_python()[2] == ["主要发现", "发现"]
    first = book.get_sheet_by_name(book.sheet_names[1]).to_python()
    assert first[0] == ["风险类别", "年初户数", "年初占比", "年末户数", "年末占比", "增减"] and first[1][0] == "A 类"


def test_the_page_prints_on_a4(client, section_user, classified):
    client.force_login(section_user)
    html = client.get(reverse("credit:analysis_detail", args=[2024])).content.decode()
    assert "window.print()" in html and 'media="print"' in html and "report-section" in html


def test_only_the_district_roles_see_the_analysis(client, owner, discipline_user, section_user):
    for user, code in ((owner, 403), (discipline_user, 403), (section_user, 200)):
        client.force_login(user)
        assert client.get(reverse("credit:analysis_detail", args=[2024])).status_code == code
        assert client.get(reverse("credit:analysis_home")).status_code == code
    assert client.get(reverse("credit:analysis_detail", args=[1999])).status_code == 404


def test_analysis_page_query_count_is_bounded(client, section_user, classified, django_assert_max_num_queries):
    client.force_login(section_user)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("credit:analysis_detail", args=[2024])).status_code == 200
