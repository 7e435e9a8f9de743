"""信用修复 in a real browser: from the application at the counter to the decision document, with the listing board."""
from datetime import timedelta

import pytest
from django.utils import timezone

from core.choices import Role
from credit.choices import ListingReason, ListingStatus, RepairStatus
from credit.listings import listing_approve, listing_propose, listing_remind, open_trigger
from credit.models import RepairCase
from tests.browser.conftest import login
from tests.factories import make_entity, make_office, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_repair_from_application_to_decision_document(page, shot):
    office = make_office(name="山腰市场监督管理所")
    clerk = make_user(Role.OFFICE, office=office, username="clerk", full_name="陈受理")
    make_user(Role.LEADER, username="chief", full_name="林决定")
    entity = make_entity(office, name="泉港区鸿达化工贸易有限公司", legal_rep="吴志明")
    start = timezone.localdate() - timedelta(days=60)
    case = open_trigger(entity, ListingReason.UNREACHABLE, source="spot_check", occurred_on=start, user=clerk,
                        source_ref="抽查检查结果")
    case = listing_remind(case=case, by=clerk, on=start, channel="phone")
    case = listing_propose(case=case, by=clerk, on=case.buffer_until + timedelta(days=1), note="缓冲期届满仍无法联系")
    reviewer = make_user(Role.OFFICE, office=office, username="reviewer")
    listing = listing_approve(case=case, by=reviewer, on=case.proposed_on)
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, "clerk")
    page.click("nav#mainnav >> text=列异列严")
    page.fill("#id_q", entity.name)
    page.select_option("#id_status", "in_force")
    page.click("button:has-text('查询')")
    page.wait_for_selector(f"td a:has-text('{entity.name}')")
    shot(page, "repair-1-listing-board")
    page.click(f"td a:has-text('{entity.name}')")
    page.wait_for_selector("text=列入经营异常名录决定书")
    shot(page, "repair-2-listing-case")

    page.click("nav#mainnav >> text=信用修复")
    page.click(".page-head a:has-text('登记修复申请')")
    page.fill("#id_entity", entity.uscc)
    page.click("button:has-text('查找可修复的记录')")
    page.wait_for_selector("text=记录在经营异常名录中")
    shot(page, "repair-3-eligibility-before-acceptance")
    page.click(".follow-up a.button:has-text('登记申请')")
    page.wait_for_selector("h2:has-text('修复条件（按系统数据计算）')")
    page.select_option("#id_channel", "counter")
    page.fill("#id_applicant", "吴志明")
    page.fill("#id_contact", "13905951234")
    for label in ("信用修复申请书", "守信承诺书", "住所变更登记或可以联系的证明"):
        page.check(f"label:has-text('{label}') >> input")
    shot(page, "repair-4-application-form")
    page.click("button:has-text('登记申请')")
    page.wait_for_selector("text=已登记信用修复申请")
    repair = RepairCase.objects.get()
    assert repair.materials == ["application", "pledge", "address"]

    page.click("form[action$='/accept/'] button:has-text('受理')")
    page.wait_for_selector("text=受理：已保存")
    page.fill("#id_review-opinion", "已提交住所变更登记材料，经实地核查可以联系。")
    page.click("form[action$='/review/'] button:has-text('登记审查意见')")
    page.wait_for_selector("text=登记审查意见：已保存")
    shot(page, "repair-5-accepted-and-reviewed")
    page.click("form[action$='/logout/'] button")

    login(page, "chief")
    page.goto(f"{page.base_url}/credit/repair/{repair.pk}/")
    page.check("#id_decide-repaired_0")
    page.fill("#id_decide-reason", "列入事由已消除，符合移出经营异常名录的条件")
    page.click("form[action$='/decide/'] button:has-text('作出决定')")
    page.wait_for_selector("text=作出决定：已保存")
    repair.refresh_from_db()
    assert repair.status == RepairStatus.APPROVED and repair.decided_by.username == "chief"
    shot(page, "repair-6-decided")
    with page.context.expect_page() as new_page:
        page.click(".documents tr:has-text('信用修复决定书') a:has-text('打印')")
    document = new_page.value
    document.wait_for_load_state()
    text = document.inner_text("body")
    assert "信用修复决定书" in text and entity.name in text and "移出经营异常名录" in text
    shot(document, "repair-7-decision-document")
    document.close()
    page.click("form[action$='/logout/'] button")

    login(page, "clerk")
    page.goto(f"{page.base_url}/credit/repair/{repair.pk}/")
    page.click("form[action$='/effect/'] button")
    page.wait_for_selector("text=执行移出（停止公示）：已保存")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.REMOVED
    # The office's clerk opens the decision document of the office's own case (documents carry the case's office).
    with page.expect_popup() as clerk_page:
        page.click(".documents tr:has-text('信用修复决定书') a:has-text('打印')")
    clerk_document = clerk_page.value
    clerk_document.wait_for_load_state()
    assert "信用修复决定书" in clerk_document.inner_text("body")
    clerk_document.close()
    page.goto(f"{page.base_url}/credit/repair/")
    shot(page, "repair-8-case-list")
