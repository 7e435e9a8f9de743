"""业务培训 and 行风建设 in a real browser: create a session, sign staff in, see a person's hours; conduct pages."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.choices import Role
from tests.browser.conftest import login
from tests.factories import make_department, make_user
from tests.training.conftest import xlsx_upload
from training import services
from training.choices import ClueSource, PlanKind
from training.models import Attendance, HoursRequirement, TrainingSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def staff(office_a, office_b):
    """A few named staff in two offices and a section."""
    section = make_department(name="信用监管股")
    return {
        "lin": make_user(Role.OFFICE, office=office_a, username="linxia", full_name="林霞"),
        "chen": make_user(Role.OFFICE, office=office_a, username="chenjing", full_name="陈静"),
        "wang": make_user(Role.OFFICE, office=office_b, username="wangqiang", full_name="王强"),
        "zheng": make_user(Role.SECTION, username="zhengmin", full_name="郑敏", department=section),
        "section": section,
    }


def test_create_a_session_sign_staff_in_and_see_a_persons_hours(page, shot, section_user, staff):
    year = timezone.localdate().year
    HoursRequirement.objects.create(year=year, hours=Decimal("6.0"))
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "credit")
    page.get_by_role("link", name="业务培训").first.click()
    page.wait_for_selector("text=各单位学时完成率")
    shot(page, "training_overview_empty")

    page.get_by_role("link", name="登记培训").first.click()
    page.fill("#id_topic", "市场监管大讲堂：企业信用修复政策解读")
    page.select_option("#id_kind", "lecture")
    page.fill("#id_lecturer", "市局信用监管科 黄科长")
    page.fill("#id_date", timezone.localdate().isoformat())
    page.fill("#id_start_time", "09:00")
    page.fill("#id_end_time", "11:30")
    page.fill("#id_hours", "2.5")
    page.fill("#id_place", "局三楼会议室")
    page.fill("#id_audience", "全局工作人员")
    page.select_option("#id_organiser", label="信用监管股")
    shot(page, "training_session_form")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=已登记培训")
    session = TrainingSession.objects.get()
    assert page.url.endswith(session.get_absolute_url())

    page.fill("[data-picker-filter]", "林霞")
    assert page.locator("[data-picker-item]:visible").count() == 1
    page.get_by_role("button", name="勾选显示的人员").click()
    page.fill("[data-picker-filter]", "")
    page.get_by_label("郑敏").check()
    assert page.locator("[data-picker-count]").inner_text() == "2"
    page.fill("#id_score", "92")
    shot(page, "training_session_signin_form")
    page.get_by_role("button", name="确认签到").click()
    page.wait_for_selector("text=已录入 2 人签到")
    assert set(Attendance.objects.values_list("user__username", flat=True)) == {"linxia", "zhengmin"}
    shot(page, "training_session_detail")

    page.locator("#attendance table").get_by_role("link", name="林霞").click()
    page.wait_for_selector("text=林霞 · 培训记录")
    assert page.locator("dl.facts").get_by_text("2.5").first.is_visible()
    assert page.get_by_text("还差").is_visible()
    assert page.get_by_role("link", name="市场监管大讲堂：企业信用修复政策解读").is_visible()
    shot(page, "training_person_hours")

    page.goto(page.base_url + "/training/")
    assert page.locator("table.data").get_by_text("林霞").count() == 0  # the overview shows figures, not names
    shot(page, "training_overview")

    page.get_by_role("link", name="人员学时").click()
    page.select_option("#id_progress", "behind")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r".*progress=behind.*"))
    assert page.locator("table.data tbody tr").count() == 5  # 2.5 of 6 hours is still behind
    shot(page, "training_staff_behind")
    page.get_by_role("link", name="培训场次").first.click()
    page.wait_for_selector("table.data")
    shot(page, "training_session_list")


def test_import_with_bad_rows_shows_every_error_and_saves_nothing(page, shot, section_user, staff):
    session = services.session_create(data={
        "topic": "执法文书制作规范", "kind": "enforcement", "lecturer": "法制股 李股长", "date": date(2023, 6, 8),
        "start_time": "15:00", "end_time": "17:00", "hours": Decimal("2"), "place": "局五楼会议室",
        "audience": "执法人员", "organiser": None, "description": ""}, by=section_user)
    login(page, "credit")
    page.goto(page.base_url + f"/training/sessions/{session.pk}/attendance/import/")
    upload = xlsx_upload([["用户名", "姓名", "签到时间", "测验成绩"], ["linxia", "林霞", "15:02", 95],
                          ["nosuch", None, None, None], [None, "陈静", "2023-06-09 15:00", "九十"],
                          ["linxia", None, None, None]])
    page.set_input_files("#id_file", files=[{"name": "签到表.xlsx", "buffer": upload.read(),
                                             "mimeType": "application/vnd.openxmlformats-officedocument."
                                                         "spreadsheetml.sheet"}])
    page.get_by_role("button", name="导入").click()
    page.wait_for_selector("text=未导入任何签到")
    errors = page.locator(".row-errors li").all_inner_texts()
    assert errors[0] == "第 3 行 · 用户名 · 系统中没有用户名“nosuch”"
    assert len(errors) == 4
    assert not Attendance.objects.exists()
    shot(page, "training_import_errors")


def test_session_page_on_a_phone(browser, live_server, shot, section_user, staff):
    session = services.session_create(data={
        "topic": "信用风险分类监管", "kind": "credit", "lecturer": "张老师", "date": date(2023, 4, 20),
        "start_time": "09:00", "end_time": "10:30", "hours": Decimal("1.5"), "place": "线上",
        "audience": "全局工作人员", "organiser": staff["section"], "description": ""}, by=section_user)
    services.attendance_record(session=session, users=[staff["lin"], staff["wang"]], by=section_user)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.base_url = live_server.url
    login(page, "credit")
    page.goto(page.base_url + session.get_absolute_url())
    page.wait_for_selector("text=录入签到")
    shot(page, "training_session_phone")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 391)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)""")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"页面横向溢出：{width}px {wide}"
    context.close()


def test_conduct_pages_and_a_clue_for_discipline(page, shot, discipline_user, leader, staff, office_a):
    today = timezone.localdate()
    plan = services.conduct_plan_create(data={
        "year": today.year, "kind": PlanKind.SPECIAL, "title": "春节节日市场监管作风专项督查", "topic": "节日市场监管",
        "starts_on": today - timedelta(days=40), "ends_on": today + timedelta(days=20), "description": ""},
        by=discipline_user)
    inspection = services.conduct_inspection_create(plan=plan, data={
        "office": office_a, "department": None, "inspected_on": today - timedelta(days=30),
        "summary": "检查节日值班、执法记录仪使用和窗口服务情况"}, inspectors=[discipline_user], by=discipline_user)
    services.conduct_finding_create(inspection=inspection, data={
        "problem": "节日值班表未公示", "requirement": "在办事大厅公示值班表", "responsible": staff["lin"],
        "deadline": today - timedelta(days=5)}, by=discipline_user)
    services.conduct_finding_create(inspection=inspection, data={
        "problem": "执法记录仪未全程开启", "requirement": "组织学习执法全过程记录制度", "responsible": staff["chen"],
        "deadline": today + timedelta(days=10)}, by=discipline_user)
    clue = services.clue_create(data={"received_on": today - timedelta(days=2), "source": ClueSource.INSPECTION,
                                      "subject": "某所工作人员", "content": "节日期间疑似接受管理对象宴请",
                                      "inspection": inspection}, by=discipline_user)

    login(page, "discipline")
    page.get_by_role("link", name="行风建设").first.click()
    page.wait_for_selector("text=春节节日市场监管作风专项督查")
    shot(page, "conduct_plan_list")
    page.get_by_role("link", name="问题整改跟踪").click()
    page.wait_for_selector("table.data")
    assert page.locator("tr.row-overdue").count() == 1
    shot(page, "conduct_finding_list")
    page.get_by_role("link", name="“1+X”督查计划").click()
    page.get_by_role("link", name="春节节日市场监管作风专项督查").click()
    page.get_by_role("link", name="登记督查记录").click()
    page.select_option("#id_department", label="信用监管股")
    page.fill("#id_inspected_on", (today - timedelta(days=3)).isoformat())
    page.fill("#id_summary", "检查股室窗口服务与办件时限")
    page.fill("[data-picker-filter]", "discipline")
    page.get_by_role("button", name="勾选显示的人员").click()
    shot(page, "conduct_inspection_form")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=已登记对信用监管股的督查")
    page.fill("#id_problem", "办件超时未说明原因")
    page.fill("#id_requirement", "建立超时说明台账")
    page.select_option("#id_responsible", label="郑敏（信用监管股）")
    page.fill("#id_deadline", (today + timedelta(days=15)).isoformat())
    page.get_by_role("button", name="登记问题").click()
    page.wait_for_selector("text=已登记问题")
    shot(page, "conduct_inspection_detail")
    page.get_by_role("link", name="问题整改跟踪").click()
    page.get_by_role("link", name="节日值班表未公示").click()
    page.wait_for_selector("text=登记整改情况")
    shot(page, "conduct_finding_detail")

    page.get_by_role("link", name="线索管理").first.click()
    page.wait_for_selector("table.data")
    shot(page, "clue_list")
    page.get_by_role("link", name=clue.number).click()
    page.wait_for_selector("text=查阅记录（1 次）")
    shot(page, "clue_detail")

    page.context.clear_cookies()  # switch to leadership: no clue link, 404 on the clue
    login(page, "leader")
    assert page.get_by_role("link", name="线索管理").count() == 0
    assert page.goto(page.base_url + clue.get_absolute_url()).status == 404
    page.goto(page.base_url + "/training/conduct/")
    assert page.get_by_role("link", name=re.compile("登记督查计划")).count() == 0
    shot(page, "conduct_plan_list_leader")
