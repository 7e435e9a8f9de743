"""领导驾驶舱 in a real browser: leadership lands on it, a figure drills down to its records, the print view (A4),
the refresh button's rollup job."""
from datetime import date

import pytest
from django.utils import timezone

from core.choices import DepartmentKind, Role
from inspections import services
from inspections.choices import Kpi
from inspections.models import Draw, KpiFigure, Plan, SpotCheck
from inspections.rollup import rollup_year
from tests.browser.conftest import SCREENSHOTS, login
from tests.browser.test_inspections_browser import ensure_publicity_rule
from tests.factories import make_department, make_entity, make_user
from tests.inspections.conftest import TODAY, classify, draw_now, make_inspector, make_item, make_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
YEAR = TODAY.year


@pytest.fixture
def year_of_checks(office_a, office_b, section_user):
    """This year's plan: one task drew every entity of two offices, some results recorded, reviewed, published."""
    ensure_publicity_rule()
    section = make_department(DepartmentKind.SECTION, name="信用监管股")
    item = make_item(section, code="SC-QY-001", name="企业公示信息情况的检查", valid_from=date(YEAR, 1, 1))
    for n, office in enumerate((office_a, office_b)):
        for i in range(20):
            entity = make_entity(office, name=f"泉港{'山腰南埔'[n * 2:n * 2 + 2]}{i}号贸易有限公司")
            if i % 5:
                classify(entity, "ABCD"[i % 4])
    from credit.services import current_classes_refresh

    current_classes_refresh()
    for n, office in enumerate((office_a, office_a, office_b, office_b), start=1):
        make_inspector(f"ZF{n:02d}", items=[item], office=office, department=section)
    plan = Plan.objects.create(year=YEAR, name=f"{YEAR} 年度双随机抽查工作计划")
    task = make_task(plan, [item], section, name="企业公示信息抽查", exclude_recent_months=None,
                     starts_on=date(YEAR, 1, 5), deadline=date(YEAR, 6, 30), ratio_a=1, ratio_b=1, ratio_c=1,
                     ratio_d=1, ratio_u=1)
    draw = draw_now(task, by=section_user)
    Draw.objects.filter(pk=draw.pk).update(drawn_at=timezone.make_aware(timezone.datetime(YEAR, 1, 10, 9)))
    owner = make_user(Role.OFFICE, office=office_a, username="shanyao")
    checks = list(SpotCheck.objects.filter(draw=draw).order_by("walk_order"))
    for n, check in enumerate(checks[:16]):
        check = services.check_submit_result(spot_check=check, result_code="A" if n % 5 == 0 else "1",
                                             findings="未按时公示年报" if n % 5 == 0 else "",
                                             checked_on=date(YEAR, 3 + n % 4, 10), by=owner)
        services.check_review(spot_check=check, approve=True, note="", by=section_user)
    services.checks_publish(ids=[c.pk for c in checks[:8]], published_on=date(YEAR, 7, 1), by=section_user)
    rollup_year(YEAR)
    return {"task": task, "checks": checks}


def test_leader_dashboard_drill_down_print_and_refresh(page, shot, year_of_checks, leader, office_a):
    login(page, "leader")
    assert page.locator("h1").inner_text().startswith("领导驾驶舱")
    assert page.locator(".dash-kpi").count() == 5
    assert page.get_by_text("项检查未按期完成").first.is_visible()
    assert page.locator("#block-annual_reports, #block-training").count() >= 1
    assert page.locator("svg.chart").count() >= 6
    shot(page, "dashboard_leader")

    # A figure drills down to the records behind it: the checks not completed by the deadline.
    page.get_by_text("项检查未按期完成").first.click()
    page.wait_for_url("**/inspections/kpis/on_time/**")
    assert "按时完成率" in page.locator("h1").inner_text()
    assert page.locator("table.data tbody tr").count() > 0
    shot(page, "dashboard_drill_down")

    # 差异化抽查户数占比 drills down to entities (each once), with the tasks that drew them.
    page.goto(page.base_url + f"/?year={YEAR}")
    page.locator(".dash-kpi", has_text="差异化抽查户数占比").locator(".kpi-value a").click()
    page.wait_for_url("**/inspections/kpis/differentiated/**")
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 40 and "共 40 户" in page.locator(".result-count").inner_text()
    assert "企业公示信息抽查（差异化）" in rows.first.inner_text()
    shot(page, "dashboard_drill_down_differentiated")

    # The ranking links to one office's figures.
    page.goto(page.base_url + f"/?year={YEAR}")
    page.locator("#ranking tr", has_text=office_a.name).locator("a").first.click()
    page.wait_for_url(f"**office={office_a.pk}**")
    page.go_back()

    # A month of the trend lists that month's records: as many as the month's stored figure.
    march = KpiFigure.objects.get(year=YEAR, kpi=Kpi.COVERAGE, office=None, month=3)
    assert march.numerator > 0
    page.goto(page.base_url + f"/?year={YEAR}")
    page.locator("#trend tr", has_text="抽查比例").locator("td a").nth(2).click()
    page.wait_for_url("**/inspections/kpis/coverage/**month=3**")
    assert "3 月" in page.locator("h1").inner_text()
    assert f"共 {march.numerator} 户" in page.locator(".result-count").inner_text()
    shot(page, "dashboard_drill_down_month")

    # The print view: no navigation or buttons, laid out for A4.
    page.goto(page.base_url + f"/inspections/dashboard/?year={YEAR}&print=1")
    page.emulate_media(media="print")
    assert not page.locator(".mainnav").is_visible()
    assert not page.get_by_role("button", name="刷新数据").is_visible()
    shot(page, "dashboard_print")
    page.pdf(path=str(SCREENSHOTS / "dashboard_print.pdf"), format="A4", print_background=True)
    page.emulate_media(media="screen")

    # Refresh: the rollup job's page, then back on the dashboard.
    page.goto(page.base_url + f"/inspections/dashboard/?year={YEAR}")
    page.get_by_role("button", name="刷新数据").click()
    page.wait_for_url("**/inspections/dashboard/jobs/**")
    page.get_by_text(f"已汇总 {YEAR} 年驾驶舱数据").wait_for()
    shot(page, "dashboard_refresh_job")
