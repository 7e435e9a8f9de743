"""The register in a real browser: log in, filter, open an entity, another office's entity is 404."""
import re

import pytest

from registry.choices import EntityType
from tests.browser.conftest import login
from tests.factories import make_entity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_office_staff_log_in_filter_and_open_an_entity(page, shot, owner, office_a, office_b):
    wanted = make_entity(office_a, name="泉港区山腰鑫源塑料制品有限公司", industry_code="C2927")
    make_entity(office_a, name="泉港区山腰阿明小吃店", entity_type=EntityType.INDIVIDUAL, industry_code="H6210")
    other = make_entity(office_b, name="泉港区南埔海景物流有限公司", industry_code="G5430")

    login(page, "owner")
    shot(page, "home_office")
    page.get_by_role("link", name="市场主体名录").first.click()
    page.wait_for_selector("table.data")
    assert page.locator("table.data").get_by_text(wanted.name).is_visible()
    assert page.get_by_text(other.name).count() == 0
    shot(page, "entity_list_office")

    page.select_option("#id_entity_type", "enterprise")
    page.fill("#id_q", "塑料")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r".*q=.*"))
    assert page.locator("table.data tbody tr").count() == 1
    shot(page, "entity_list_filtered")

    page.get_by_role("link", name=wanted.name).click()
    page.wait_for_selector("text=登记信息")
    assert page.get_by_text(wanted.uscc).is_visible()
    shot(page, "entity_detail")

    response = page.goto(f"{page.base_url}/registry/entities/{other.pk}/")
    assert response.status == 404
    shot(page, "entity_other_office_404")


def test_phone_layout_has_menu_toggle(browser, live_server, shot, owner, office_a):
    make_entity(office_a)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.base_url = live_server.url
    login(page, "owner")
    assert not page.locator("#mainnav").is_visible()
    page.get_by_role("button", name="菜单").click()
    assert page.locator("#mainnav").is_visible()
    shot(page, "phone_menu")
    context.close()
