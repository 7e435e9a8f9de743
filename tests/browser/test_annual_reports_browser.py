"""年报 in a real browser: the season's progress page, and a reminder campaign from the list of entities not yet
filed to the contacts recorded on it."""
from datetime import date

import pytest

from annual_reports.models import ContactRecord, ReminderCampaign
from annual_reports.services import season_open
from registry.choices import EntityType
from tests.annual_reports.conftest import row, run
from tests.browser.conftest import login
from tests.factories import make_entity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_progress_page_and_a_reminder_campaign_from_list_to_contacts(page, shot, owner, section_user, office_a,
                                                                     office_b, tmp_path):
    tab, take = page, shot
    firms = [make_entity(office_a, name=f"泉港区山腰{n}贸易有限公司", industry_code="F5212",
                         established_on=date(2015, 1, 1), phone=f"1390595{n:04d}") for n in range(1, 7)]
    shops = [make_entity(office_a, name=f"泉港区山腰{n}号小吃店", entity_type=EntityType.INDIVIDUAL,
                         industry_code="H6210", established_on=date(2019, 1, 1)) for n in range(1, 4)]
    far = [make_entity(office_b, name=f"泉港区南埔{n}物流有限公司", industry_code="G5430",
                       established_on=date(2016, 1, 1)) for n in range(1, 5)]
    season_open(year=2023, by=section_user)
    run(tmp_path, [row(f, date(2024, 1 + i, 10), year=2023) for i, f in enumerate(firms[:4] + far[:3])],
        name="23.xlsx")
    season_open(year=2024, by=section_user)
    run(tmp_path, [row(firms[0], date(2025, 2, 20)), row(firms[1], date(2025, 4, 2), "手机"),
                   row(far[0], date(2025, 5, 8)), row(far[1], date(2025, 6, 28)), row(far[2], date(2025, 7, 15)),
                   row(shops[0], date(2025, 3, 3), "纸质", 是否公示="否")], name="24.xlsx")

    login(tab, "credit")
    tab.get_by_role("link", name="年报").first.click()
    tab.wait_for_selector("svg.chart")
    assert tab.get_by_text("仅供参考").first.is_visible()
    take(tab, "annual_reports_progress_district")

    tab.context.clear_cookies()
    login(tab, "owner")
    tab.goto(f"{tab.base_url}/annual-reports/?year=2024")
    tab.wait_for_selector("svg.chart")
    take(tab, "annual_reports_progress_office")

    tab.get_by_role("link", name="提醒批次").first.click()
    tab.get_by_role("link", name="新建提醒批次").first.click()
    tab.fill("#id_name", "山腰所 6 月短信提醒")
    tab.select_option("#id_entity_type", EntityType.ENTERPRISE)
    tab.fill("#id_industry_prefix", "F")
    take(tab, "annual_reports_campaign_form")
    tab.get_by_role("button", name="生成提醒名单").click()
    tab.wait_for_selector("text=已创建提醒批次")
    campaign = ReminderCampaign.objects.get()
    assert campaign.target_count == 4 and campaign.office == office_a
    assert tab.locator("table.ar-targets tbody tr").count() == 4
    first = tab.locator("table.ar-targets tbody tr").first
    first.locator("select[name=channel]").select_option("phone")
    first.locator("select[name=outcome]").select_option("promised")
    first.locator("input[name=note]").fill("经营者答应本周报送")
    first.get_by_role("button", name="记录").click()
    tab.wait_for_selector("text=已记录对")
    second = tab.locator("table.ar-targets tbody tr").nth(1)
    second.locator("select[name=outcome]").select_option("no_answer")
    second.get_by_role("button", name="记录").click()
    tab.wait_for_selector("ul.ar-contacts >> text=无人接听")
    assert ContactRecord.objects.count() == 2
    assert "经营者答应本周报送" in tab.content()
    take(tab, "annual_reports_campaign_contacts")
    with tab.expect_download() as download:
        tab.get_by_role("link", name="导出名单（短信/电话）").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    tab.goto(f"{tab.base_url}/annual-reports/")
    tab.get_by_role("link", name="纸质年报录入").first.click()
    tab.fill("#id_uscc", shops[1].uscc)
    tab.fill("#id_filed_on", "2025-06-20")
    tab.get_by_role("button", name="保存").click()
    tab.wait_for_selector("text=可继续录入下一户")
    tab.set_viewport_size({"width": 390, "height": 844})
    take(tab, "annual_reports_paper_form_phone")
