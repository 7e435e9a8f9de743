"""The leadership dashboard's pages: `/` for leadership, who may see it, figures beside targets with the shortfall in
words and their drill-downs, the page reading only the summary tables, the print view, the .xlsx export (one sheet
per block), the refresh button's job, and the business-environment figures staff enter."""
import io
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from core.choices import AuditAction, JobStatus
from core.models import AuditLog, Job
from inspections.models import BusinessIndicator, KpiFigure
from inspections.rollup import ROLLUP_JOB_KIND, Source, rollup_year
from inspections.services.dashboard import rollup_queue
from tests.factories import make_entity
from tests.inspections.conftest import draw_now
from tests.inspections.test_kpis import LAST, uniform_task
from tests.inspections.test_kpis import year_of_work as year_of_work_fixture  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
SOURCES = [Source("not_landed_yet.selectors.dashboard_facts", (("ghost", "尚未开发的板块"),)),
           Source("training.selectors.dashboard_facts", (("training", "业务培训"),)),
           Source("inspections.selectors.business_environment_facts", (("business_env", "营商环境（系统计算）"),))]


@pytest.fixture
def rolled_up(year_of_work_fixture):  # noqa: F811
    with override_settings(DASHBOARD_FACT_SOURCES=SOURCES):
        rollup_year(LAST)
    return year_of_work_fixture


@pytest.fixture(autouse=True)
def test_sources():
    with override_settings(DASHBOARD_FACT_SOURCES=SOURCES):
        yield


def page(client, user, url=None, **params):
    client.force_login(user)
    response = client.get(url or reverse("inspections:dashboard"), {"year": LAST, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_the_home_page_of_leadership_is_the_dashboard(client, rolled_up, leader, section_user):
    mine = page(client, leader, "/")
    assert "领导驾驶舱" in mine and "双随机抽查五项指标" in mine
    theirs = page(client, section_user, "/")
    assert "双随机抽查五项指标" not in theirs  # section staff keep their landing page (the dashboard is in the menu)
    assert reverse("inspections:dashboard") in theirs


def test_who_may_see_the_dashboard(client, rolled_up, owner, section_user, leader, discipline_user):
    for user in (section_user, leader):
        page(client, user)
    for user in (owner, discipline_user):
        client.force_login(user)
        assert client.get(reverse("inspections:dashboard")).status_code == 403
        assert client.get(reverse("inspections:dashboard_export")).status_code == 403
        assert client.post(reverse("inspections:dashboard_refresh")).status_code == 403
    client.logout()
    assert client.get(reverse("inspections:dashboard")).status_code == 302


def test_figures_beside_targets_with_the_shortfall_in_words_and_drill_downs(client, rolled_up, leader, office_a):
    html = page(client, leader)
    # 按时完成率 13/60 against 100 %: 47 checks late; 公示率 6/14: 8 results; 后续处置率 1/3: 2 problems.
    assert "47 项检查未按期完成" in html and "8 条结果逾期未公示" in html and "2 个问题后续处置未办结" in html
    assert "✘ 未达标" in html and "✔ 达标" in html  # the coverage of 25 % beats 3.5 %
    on_time_missing = reverse("inspections:kpi_records", args=["on_time"]) + f"?year={LAST}&amp;show=missing"
    assert on_time_missing in html
    assert f"{reverse('inspections:kpi_records', args=['coverage'])}?year={LAST}&amp;office={office_a.pk}" in html
    assert "<svg" in html and "更新于" in html and office_a.name in html
    assert "数据来源尚未上线" in html  # a capability that has not landed is said so, not hidden
    assert f"{reverse('registry:entity_list')}?status=active&amp;risk_class=A" in html
    assert f"{reverse('inspections:check_list')}?year={LAST}&amp;stratum=A" in html


def test_the_drill_down_lists_the_records_behind_a_figure(client, rolled_up, leader):
    client.force_login(leader)
    missing = client.get(reverse("inspections:kpi_records", args=["on_time"]), {"year": LAST, "show": "missing"})
    assert missing.status_code == 200 and rolled_up["checks"][13].entity.name in missing.content.decode()
    by_class = client.get(reverse("inspections:check_list"), {"year": LAST, "stratum": "A"})
    assert by_class.status_code == 200


def test_the_page_reads_the_summary_tables_not_the_records(client, rolled_up, leader, django_assert_max_num_queries):
    KpiFigure.objects.filter(year=LAST, kpi="follow_up", office=None, month=None).update(numerator=3)
    client.force_login(leader)
    with django_assert_max_num_queries(16):
        html = client.get(reverse("inspections:dashboard"), {"year": LAST}).content.decode()
    assert ">3</a> / 3" in html  # what the table holds, whatever the records say until the next rollup


def test_the_print_view(client, rolled_up, leader):
    html = page(client, leader, print="1")
    assert "css/print.css" in html and "打印预览（A4）" in html


def test_the_export_has_one_sheet_per_block(client, rolled_up, leader):
    client.force_login(leader)
    response = client.get(reverse("inspections:dashboard_export"), {"year": LAST})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == ["五项指标", "各所排名", "月度趋势", "风险分类分布", "尚未开发的板块", "业务培训",
                               "营商环境（系统计算）", "营商环境（填报）", "数据更新时间"]
    freshness = {row[0]: row for row in list(book["数据更新时间"].values)[1:]}
    assert freshness["五项指标"][1] == "正常" and freshness["五项指标"][2]  # each block says how fresh it is
    assert freshness["尚未开发的板块"][2] is None and freshness["尚未开发的板块"][3] == "数据来源尚未上线"
    rows = list(book["五项指标"].values)
    assert rows[0] == ("指标", "分子", "分母", "完成值（%）", "目标值（%）", "是否达标", "差距")
    assert ("按时完成率", 13, 60, 21.67, 100, "未达标", "47 项检查未按期完成") in rows
    assert list(book["尚未开发的板块"].values)[1][1] == "数据来源尚未上线"
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, summary__contains="领导驾驶舱").exists()


def test_refresh_runs_a_rollup_job_and_shows_its_progress(client, year_of_work_fixture, leader,  # noqa: F811
                                                           django_capture_on_commit_callbacks):
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("inspections:dashboard_refresh") + f"?year={LAST}")
    job = Job.objects.get(kind=ROLLUP_JOB_KIND)
    assert response.url == reverse("inspections:dashboard_job", args=[job.pk]) + f"?year={LAST}"
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.params == {"years": [LAST], "full": False}
    assert KpiFigure.objects.filter(year=LAST).exists()
    assert f"已汇总 {LAST} 年驾驶舱数据" in client.get(response.url).content.decode()


def test_a_second_click_follows_the_running_rollup(leader):
    first = rollup_queue(by=leader, years=[LAST])
    assert rollup_queue(by=leader, years=[LAST]).pk == first.pk
    Job.objects.filter(pk=first.pk).update(status=JobStatus.SUCCEEDED)
    assert rollup_queue(by=leader, years=[LAST]).pk != first.pk


def test_business_indicators_entered_checked_and_shown(client, rolled_up, section_user, leader):
    client.force_login(section_user)
    url = reverse("inspections:indicator_create")
    bad = client.post(url, {"year": LAST, "period": "year", "name": "", "value": "快", "source": ""})
    assert bad.status_code == 200 and "数值应为数字" in bad.content.decode()
    assert not BusinessIndicator.objects.exists()
    good = {"year": LAST, "period": "year", "name": "企业开办时间", "value": "1.5", "unit": "个工作日",
            "target": "2", "source": "区政务服务中心统计"}
    assert client.post(url, good).status_code == 302
    duplicate = client.post(url, good)
    assert "已填报，请修改原记录" in duplicate.content.decode()
    indicator = BusinessIndicator.objects.get()
    assert indicator.value == Decimal("1.5") and indicator.met is True  # higher_is_better unchecked: lower is better
    assert AuditLog.objects.filter(action=AuditAction.CREATE, summary__contains="营商环境指标").exists()
    html = page(client, leader)
    assert "企业开办时间" in html and "✔ 达到" in html
    client.force_login(leader)  # leadership reads, does not enter
    assert client.get(url).status_code == 403
    client.force_login(section_user)
    client.post(reverse("inspections:indicator_delete", args=[indicator.pk]))
    assert not BusinessIndicator.objects.exists()
    assert AuditLog.objects.filter(action=AuditAction.DELETE, summary__contains="营商环境指标").exists()


def test_the_next_rollup_shows_at_once(client, rolled_up, leader, owner):
    assert ">1</a> / 3" in page(client, leader)  # 后续处置率 1 of 3
    from inspections import services
    from tests.inspections.test_kpis import on

    check = rolled_up["checks"][12]
    services.follow_up_close(
        follow_up=services.follow_up_open(spot_check=check, measure="listing", note="", by=owner),
        completed_on=on(4, 1), note="已列入经营异常名录", by=owner)
    assert ">1</a> / 3" in page(client, leader)  # as of the last rollup until the next one
    rollup_year(LAST)
    assert ">2</a> / 3" in page(client, leader)


def test_the_differentiated_share_in_entities_and_its_drill_down(client, year_of_work_fixture, item,  # noqa: F811
                                                                 section_dept, office_a, office_b, leader):
    """Forty new entities of office A drawn twice, by two uniform tasks: forty entities, not eighty checks."""
    plan = year_of_work_fixture["plan"]
    late = {make_entity(office_a).pk for _ in range(40)}
    for name in ("统一比例任务", "第二批统一比例任务"):
        draw_now(uniform_task(plan, item, section_dept, name, population_filter={"offices": [office_a.code]}))
    rollup_year(LAST)
    html = page(client, leader)
    # District 60 / 100 entities: ceil(0.7 × 100) − 60 = 10; office A 30 / 70: ceil(0.7 × 70) − 30 = 19.
    assert "差异化抽取还差 10 户" in html and "差异化抽取还差 19 户" in html
    records = reverse("inspections:kpi_records", args=["differentiated"])
    missing = f"{records}?year={LAST}&amp;office={office_a.pk}&amp;show=missing"
    hits = f"{records}?year={LAST}&amp;office={office_a.pk}&amp;show=hits"
    assert missing in html and hits in html
    client.force_login(leader)
    behind = client.get(records, {"year": LAST, "office": office_a.pk, "show": "missing", "page": 1}).context
    assert behind["page"].paginator.count == 40 and behind["result"].shortfall == 19
    listed = {e.pk for e in behind["page"].object_list}
    assert listed <= late and len(listed) == 40
    assert all([t["name"] for t in e.drawn_by] == ["统一比例任务", "第二批统一比例任务"]
               for e in behind["page"].object_list)
    counted = client.get(records, {"year": LAST, "office": office_a.pk, "show": "hits"}).context
    assert counted["page"].paginator.count == 30


def test_no_template_comment_leaks_into_the_page(client, rolled_up, leader):
    html = page(client, leader)
    assert "{#" not in html and "#}" not in html and "inspections.dashboard.build" not in html


def test_count_charts_have_round_axes_and_no_months_to_come():
    import re
    from datetime import date

    from inspections.charts import trend_chart
    from inspections.dashboard import Rows, build
    from inspections.models import DashboardFact

    svg = trend_chart([(1, Decimal(0), ""), (2, Decimal(2), ""), (3, Decimal(1), "")], percent=False, unit="户")
    ticks = re.findall(r'text-anchor="end" fill="#444">([^<]*)</text>', svg)
    assert ticks == ["0", "2", "4"]  # whole numbers, no unit squeezed into the margin
    svg = trend_chart([(1, Decimal("2.8"), "")], percent=False, unit="个工作日")
    assert re.findall(r'text-anchor="end" fill="#444">([^<]*)</text>', svg) == ["0", "2", "4"]
    assert "2.8个工作日" in svg  # the point itself keeps its unit
    today = date(2026, 4, 15)
    facts = [DashboardFact(year=2026, block="training", key="sessions", label="举办培训", value=Decimal(m), month=m,
                           unit="场") for m in range(1, 13)]
    context = build(Rows(2026, [], [], facts, {}), today=today)
    [block] = [b for b in context["blocks"] if b.key == "training"]
    assert [m for m, _, _ in block.trends[0]["months"]] == [1, 2, 3, 4]
