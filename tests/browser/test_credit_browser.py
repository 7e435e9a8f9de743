"""The credit pages in a real browser: classes on the register, a run with its explanation, indices, the analysis."""
from datetime import date

import pytest

from credit.indices import compute_year
from credit.models import ModelVersion
from credit.services import classification_run_queue
from registry.choices import EntityType
from tests.browser.conftest import login
from tests.credit.conftest import give_class
from tests.credit.test_scoring import complaint
from tests.factories import make_entity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_section_staff_walk_through_classes_a_run_indices_and_the_analysis(page, shot, section_user, office_a,  # noqa: F811
                                                                           office_b):
    tab, take = page, shot
    firm = make_entity(office_a, name="泉港区山腰鑫源塑料制品有限公司", industry_code="C2927",
                       established_on=date(2012, 1, 1))
    give_class(firm, "B", date(2024, 1, 31))
    give_class(firm, "C", date(2024, 4, 30))
    give_class(make_entity(office_b, name="泉港区南埔海景物流有限公司", industry_code="G5430",
                           established_on=date(2015, 1, 1)), "A", date(2024, 4, 30))
    shop = make_entity(office_a, name="泉港区山腰阿明小吃店", entity_type=EntityType.INDIVIDUAL, industry_code="H6210",
                       established_on=date(2023, 9, 1))
    for day in (3, 9):
        complaint(shop, date(2024, 5, day))
    classification_run_queue(version=ModelVersion.objects.get(number=1), entity_type=EntityType.INDIVIDUAL,
                             as_of=date(2024, 6, 30), by=section_user)  # eager: runs on commit (autocommit here)
    compute_year(2024)

    login(tab, "credit")
    tab.goto(f"{tab.base_url}/registry/entities/?risk_class=C")
    assert tab.locator("table.data tbody tr").count() == 1
    take(tab, "credit_entity_list_class_c")
    tab.get_by_role("link", name=firm.name).click()
    tab.wait_for_selector("text=信用风险分类")
    assert tab.get_by_text("信用风险分类（通用）：B → C 类").is_visible()
    take(tab, "credit_entity_history")

    tab.get_by_role("link", name="信用评价模型").first.click()
    tab.wait_for_selector("text=计算方法")
    take(tab, "credit_model_home")
    tab.locator("table.data a[href*='/credit/model/runs/']").first.click()
    tab.get_by_role("link", name=shop.name).click()
    tab.wait_for_selector("text=风险分（合计）")
    take(tab, "credit_result_explanation")

    tab.goto(f"{tab.base_url}/credit/indices/?dimension=section&period=2024Q2")
    assert tab.locator("svg.chart").count() == 2
    take(tab, "credit_indices")

    tab.goto(f"{tab.base_url}/credit/analysis/2024/")
    tab.fill("#id_findings", "化工塑料行业 C 类企业增加。")
    tab.fill("#id_recommendations", "提高该行业抽查比例。")
    tab.get_by_role("button", name="保存草稿").click()
    tab.wait_for_selector("text=文字部分已保存为草稿")
    tab.emulate_media(media="print")
    take(tab, "credit_analysis_print")
