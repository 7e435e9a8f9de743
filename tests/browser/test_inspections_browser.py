"""双随机、一公开 in a real browser: create a task, draw, open the certificate, enter a result on a phone, review,
follow it up, publish; the pages an office sees."""
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from core.choices import DepartmentKind, Role
from core.workdays import calendar_changed
from inspections.models import Draw, FollowUp, Plan, SpotCheck, Task
from tests.browser.conftest import login
from tests.factories import make_department, make_entity, make_user
from tests.inspections.conftest import TODAY, classify, draw_now, make_inspector, make_item, make_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"


def ensure_publicity_rule() -> None:
    """The 20-working-day publication rule the pages count with. After some earlier browser tests the database
    has lost the data migrations' rows (and the copy Django restores them from), so make sure of this one."""
    from datetime import date

    from core.models import TimeLimitRule

    TimeLimitRule.objects.get_or_create(code="spot_check_result_publicity", effective_from=date(2014, 10, 1), defaults={
        "name": "抽查检查结果公示（自检查结束之日起）", "amount": 20, "unit": "workday",
        "legal_basis": "《企业信息公示暂行条例》；福建省“双随机、一公开”监管工作要求"})
    calendar_changed()  # drop this process's copy of the rules


@pytest.fixture
def district(office_a, office_b, section_user):
    """Two offices of entities with risk classes, a section and the brigade, six inspectors, this year's plan."""
    ensure_publicity_rule()
    section = make_department(DepartmentKind.SECTION, name="信用监管股")
    brigade = make_department(DepartmentKind.BRIGADE, name="综合执法大队")
    item = make_item(section, code="SC-QY-001", name="企业公示信息情况的检查",
                     legal_basis="《企业信息公示暂行条例》第十四条")
    for n, office in enumerate((office_a, office_b)):
        for i in range(24):
            entity = make_entity(office, name=f"泉港{'山腰南埔'[n * 2:n * 2 + 2]}{i}号化工有限公司")
            if i % 4:
                classify(entity, "ABCD"[i % 4])
    office_user = make_user(Role.OFFICE, office=office_a, username="shanyao", full_name="刘永辉")
    for n, (office, dept) in enumerate([(office_a, None), (office_a, None), (office_b, None), (office_b, None),
                                        (None, brigade), (None, brigade)], start=1):
        make_inspector(f"ZF{n:02d}", items=[item], office=office, department=dept, name=f"执法员{n}",
                       user=office_user if n == 1 else None)
    section_user.full_name = "黄晓燕"
    section_user.save()
    Plan.objects.create(year=TODAY.year, name=f"{TODAY.year} 年度双随机抽查工作计划")
    return {"section": section, "item": item, "office_user": office_user}


def test_create_a_task_draw_certify_record_follow_up_and_publish(page, shot, district, section_user, leader,
                                                                 office_a, tmp_path):
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "credit")
    page.get_by_role("link", name="双随机抽查").first.click()
    page.wait_for_selector("text=双随机、一公开")
    shot(page, "inspections_home_empty")

    page.get_by_role("link", name="新建抽查任务").first.click()
    page.fill("#id_name", "企业公示信息双随机抽查（第一批）")
    page.get_by_label("SC-QY-001 企业公示信息情况的检查").check()
    page.select_option("#id_lead_department", label="信用监管股")
    page.fill("#id_deadline", (TODAY + timedelta(days=60)).isoformat())
    for field, value in (("ratio_a", "0.1"), ("ratio_b", "0.2"), ("ratio_c", "0.4"), ("ratio_d", "1"),
                         ("ratio_u", "0.2")):
        page.fill(f"#id_{field}", value)
    page.get_by_label("跨所检查（不派本所人员）").check()
    shot(page, "inspections_task_form")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=抽取前预览")
    task = Task.objects.get()
    assert page.locator(".preview table").get_by_text("48").first.is_visible()
    shot(page, "inspections_task_preview")

    page.get_by_role("button", name="开始抽取").click()
    page.wait_for_selector("text=抽取完成")
    draw = Draw.objects.get()
    assert Task.objects.get(pk=task.pk).status == "drawn" and draw.sample_size > 0
    shot(page, "inspections_draw_done")

    page.get_by_role("link", name="查看抽取凭证").click()
    page.wait_for_selector("text=分层抽取")
    assert page.get_by_text(draw.certificate_sha256).first.is_visible()
    shot(page, "inspections_certificate")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载凭证（JSON）").click()
    path = tmp_path / "certificate.json"
    download.value.save_as(path)
    verified = subprocess.run([sys.executable, "-I", "-S", str(TOOL), str(path)], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout

    # The office inspector records a result on a phone.
    check = SpotCheck.objects.filter(entity__office=office_a, assignments__inspector__user=district["office_user"]) \
        .first() or SpotCheck.objects.filter(entity__office=office_a).first()
    phone = page.context.browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                             is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    mobile.base_url = page.base_url
    mobile.on("dialog", lambda dialog: dialog.accept())
    login(mobile, "shanyao")
    mobile.goto(page.base_url + f"/inspections/checks/{check.pk}/")
    shot(mobile, "inspections_check_phone")
    mobile.get_by_role("link", name="录入检查结果").click()
    mobile.select_option("#id_result_code", "A")
    mobile.fill("#id_findings", "未按规定公示 2024 年度报告中的对外投资信息")
    mobile.set_input_files("#id_attachment", files=[{"name": "现场照片.jpg", "mimeType": "image/jpeg",
                                                     "buffer": b"\xff\xd8\xff\xe0 photo"}])
    shot(mobile, "inspections_result_form_phone")
    assert mobile.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    mobile.get_by_role("button", name="提交审核").click()
    mobile.wait_for_selector("text=检查结果已提交审核")
    phone.close()
    check.refresh_from_db()
    assert check.status == "submitted" and check.attachments.count() == 1

    # Section staff review it and follow the problem up to closure.
    page.goto(page.base_url + f"/inspections/checks/{check.pk}/")
    page.get_by_label("审核通过").check()
    page.get_by_role("button", name="提交审核结论").click()
    page.wait_for_selector("text=审核通过。")
    page.select_option("#id_measure", "rectification")
    page.fill("#id_deadline", (TODAY + timedelta(days=15)).isoformat())
    page.fill("#id_note", "责令 15 日内补正公示")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_selector("text=已登记后续处置")
    shot(page, "inspections_follow_up_open")
    page.locator("summary", has_text="办结").click()
    page.fill("#id_note", "已补正公示，核查无误")
    page.get_by_role("button", name="办结", exact=True).click()
    page.wait_for_selector("text=后续处置已办结")
    assert FollowUp.objects.get().status == "closed"
    shot(page, "inspections_follow_up_closed")

    # Publication: the queue, the upload file, marked published.
    page.get_by_role("link", name="双随机抽查").first.click()
    page.get_by_role("link", name="结果公示").first.click()
    page.wait_for_selector("text=公示期限")
    shot(page, "inspections_publication_queue")
    with page.expect_download() as export:
        page.get_by_role("link", name="导出公示上传文件（.xlsx）").click()
    assert export.value.suggested_filename.endswith(".xlsx")
    page.check(f"input[name=id][value='{check.pk}']")
    page.get_by_role("button", name="标记所选为已公示").click()
    page.wait_for_selector("text=已将 1 条结果标记为已公示")
    check.refresh_from_db()
    assert check.status == "published" and check.published_on == TODAY

    page.goto(page.base_url + "/inspections/checks/")
    shot(page, "inspections_check_list")
    page.goto(page.base_url + "/inspections/kpis/")
    shot(page, "inspections_kpis")


def test_an_office_sees_only_its_checks_and_the_phone_menu(page, shot, district, section_user, office_a, office_b):
    task = make_task(Plan.objects.get(), [district["item"]], district["section"], name="第二批抽查")
    draw_now(task)
    login(page, "shanyao")
    page.goto(page.base_url + "/inspections/checks/")
    assigned = SpotCheck.objects.filter(assignments__inspector__user=district["office_user"])
    mine = (SpotCheck.objects.filter(entity__office=office_a) | assigned).distinct().count()
    assert f"共 {mine} 户" in page.locator(".result-count").inner_text()  # the office's, and those assigned to him
    other = SpotCheck.objects.filter(entity__office=office_b).exclude(pk__in=assigned.values("pk")).first()
    response = page.goto(page.base_url + f"/inspections/checks/{other.pk}/")
    assert response.status == 404
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + "/inspections/checks/")
    page.get_by_role("button", name="菜单").click()
    assert page.locator("#mainnav").get_by_role("link", name="双随机抽查").is_visible()
    shot(page, "inspections_office_phone_list")
