"""强制注销 in a real browser: a candidate through the reminder, the tax department's feedback (logged in as the
department's own account, which sees only its request), statement, announcement, to leadership's decision."""
from datetime import timedelta
from importlib import import_module

import pytest
from django.utils import timezone

from registry import dereg
from registry.models import MarketEntity
from registry.supervision_models import DeregCase
from tests.browser.conftest import login
from tests.factories import make_entity
from tests.registry.supervision_fixtures import court, revoke, tax, tax_user  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def reference_data(db):
    """The data migrations' rows the flow counts with (calendar and time limits, document templates, candidate
    rules). After some earlier browser tests the database has lost them (and the copy Django restores them from),
    so put them back with the migrations' own idempotent seed functions."""
    from django.apps import apps as django_apps

    from core.workdays import calendar_changed

    for module in ("core.migrations.0003_seed_calendar_and_time_limits", "core.migrations.0006_seed_document_templates",
                   "credit.migrations.0002_seed_risk_domains", "credit.migrations.0012_seed_listing_and_repair_rules",
                   "inspections.migrations.0002_kpi_targets", "annual_reports.migrations.0002_seed_rules",
                   "registry.migrations.0008_seed_supervision_rules_and_lists",
                   "registry.migrations.0010_unlicensed_fines"):
        import_module(module).seed(django_apps, None)
    calendar_changed()


def d(days_ago: int) -> str:
    return (timezone.localdate() - timedelta(days=days_ago)).isoformat()


def form(page, action_part: str):
    return page.locator(f"form[action*='{action_part}']")


def test_candidate_through_department_feedback_to_decision(page, shot, section_user, leader, office_a, office_b,
                                                           tax, court, tax_user):  # noqa: F811
    today = timezone.localdate()
    entity = revoke(make_entity(office_a, name="泉港区宏达石化贸易有限公司", legal_rep="陈志明"),
                    today - timedelta(days=5 * 365))
    other = revoke(make_entity(office_b, name="泉港区南埔海鑫水产有限公司"), today - timedelta(days=5 * 365))
    dereg.candidates_screen(by=section_user, on=today - timedelta(days=200))
    case = DeregCase.objects.get(entity=entity)
    other_case = DeregCase.objects.get(entity=other)
    page.on("dialog", lambda dialog: dialog.accept())

    # Section staff: the board, the candidate list, the case; 催告 dated when it was sent.
    login(page, "credit")
    page.get_by_role("link", name="登记监管").first.click()
    page.wait_for_selector("text=强制注销办理中")
    shot(page, "dereg_01_supervision_home")
    page.locator("nav.tabs").get_by_role("link", name="强制注销").click()
    page.wait_for_selector("text=候选规则")
    shot(page, "dereg_02_board_empty")
    page.get_by_role("link", name="2 户待催告").click()
    page.get_by_role("link", name=entity.name).click()
    page.wait_for_selector("text=当前等待：")
    assert page.get_by_text("待发出催告").is_visible()
    remind = form(page, "/remind/")
    remind.locator("input[name=on]").fill(d(190))
    shot(page, "dereg_03_candidate")
    remind.get_by_role("button", name="发出催告").click()
    page.wait_for_selector("text=已发出催告")
    assert page.get_by_role("cell", name="强制注销催告书").is_visible()

    # 征求意见: only the tax department (the court is unchecked).
    request = form(page, "/feedback/")
    request.get_by_label(court.name).uncheck()
    request.locator("input[name=on]").fill(d(150))
    shot(page, "dereg_04_request_feedback")
    request.get_by_role("button", name="发出征求意见").click()
    page.wait_for_selector("text=已向 1 个成员单位征求意见")
    assert page.get_by_text(f"待 1 个成员单位反馈：{tax.name}").is_visible()
    # The request was made 150 days ago: it is overdue; section staff chase it from the board.
    page.goto(page.base_url + "/registry/supervision/dereg/")
    page.locator("section.panel tr", has_text=tax.name).get_by_role("button", name="催办").click()
    page.wait_for_selector(f"text=已催办{tax.name}（第 1 次）")
    page.goto(page.base_url + case.get_absolute_url())
    assert page.get_by_role("heading", name="催办记录").is_visible()
    page.get_by_role("button", name="退出").click()

    # The other office's case is asked of the court only: the tax account must not see it.
    dereg.case_send_reminder(case=other_case, sent_on=today - timedelta(days=190), by=section_user)
    dereg.case_request_feedback(case=other_case, departments=[court], requested_on=today - timedelta(days=150),
                                by=section_user)
    other_feedback = other_case.feedback.get()

    # The tax department's own account: its menu, its one request, an answer.
    login(page, "tax")
    # It lands on its list, where the chased request is highlighted with the date and the count.
    assert page.url.endswith("/registry/supervision/feedback/")
    assert page.get_by_text("市场监管局已对本单位 1 件逾期未反馈的征求意见催办").is_visible()
    assert page.locator("tr.row-chased", has_text=entity.name).get_by_text("催办 1 次").is_visible()
    nav = page.locator("#mainnav")
    assert nav.get_by_role("link", name="强制注销征求意见").is_visible()
    assert nav.get_by_role("link", name="登记监管").count() == 0
    nav.get_by_role("link", name="强制注销征求意见").click()
    page.wait_for_selector("text=待反馈")
    assert page.get_by_role("link", name=entity.name).is_visible()
    assert page.get_by_text(other.name).count() == 0
    shot(page, "dereg_05_tax_department_list")
    response = page.goto(page.base_url + f"/registry/supervision/feedback/{other_feedback.pk}/")
    assert response.status == 404
    response = page.goto(page.base_url + "/registry/supervision/dereg/")
    assert response.status == 403
    page.goto(page.base_url + "/registry/supervision/feedback/")
    page.get_by_role("link", name=entity.name).click()
    page.get_by_label("有异议").check()
    page.get_by_role("button", name="提交反馈").click()
    page.wait_for_selector("text=有异议的，请写明理由")
    shot(page, "dereg_06_tax_objection_needs_reason")
    page.get_by_label("无异议").check()
    page.get_by_role("button", name="提交反馈").click()
    page.wait_for_selector("text=意见已反馈")
    shot(page, "dereg_07_tax_answered")
    page.get_by_role("button", name="退出").click()

    # Section staff: statement and defence, then the announcement.
    login(page, "credit")
    page.goto(page.base_url + case.get_absolute_url())
    assert page.get_by_text("成员单位均无异议，待告知陈述申辩").is_visible()
    notify = form(page, "/notify/")
    notify.locator("input[name=on]").fill(d(120))
    notify.get_by_role("button", name="告知").click()
    page.wait_for_selector("text=已告知陈述申辩")
    announce = form(page, "/announce/")
    announce.locator("input[name=start]").fill(d(100))
    shot(page, "dereg_08_statement")
    announce.get_by_role("button", name="发布公告").click()
    page.wait_for_selector("text=已发布公告")
    end = (today - timedelta(days=100) + timedelta(days=60)).isoformat()
    assert page.get_by_text("公告期满，待作出决定").is_visible()
    assert page.get_by_text(end).first.is_visible()
    assert form(page, "/decide/").count() == 0  # section staff do not sign the decision
    page.get_by_role("button", name="退出").click()

    # Leadership signs the decision: the register is updated and the decision issued.
    login(page, "leader")
    page.goto(page.base_url + case.get_absolute_url())
    decide = form(page, "/decide/")
    decide.locator("input[name=on]").fill(today.isoformat())
    shot(page, "dereg_09_ready_to_decide")
    decide.get_by_role("button", name="决定强制注销").click()
    page.wait_for_selector("text=已作出强制注销决定")
    assert page.get_by_role("cell", name="强制注销决定书").is_visible()
    shot(page, "dereg_10_decided")
    assert MarketEntity.objects.get(pk=entity.pk).status == "deregistered"
    with page.expect_popup() as popup:
        page.locator("section.documents").get_by_role("link", name="打印").first.click()  # newest first
    printed = popup.value
    printed.wait_for_load_state()
    assert "强制注销决定书" in printed.content() and entity.name in printed.content()
    shot(printed, "dereg_11_decision_print")
    page.goto(page.base_url + f"/registry/entities/{entity.pk}/")
    assert page.get_by_text("强制注销").first.is_visible()
    shot(page, "dereg_12_entity_timeline")


def test_the_other_supervision_pages_with_the_demo_data(page, shot):
    """Findings with the three lists, the catalogue, unlicensed cases, notifications and the assessment, on the demo
    district (office staff see their office; the member account its notifications)."""
    from credit.demo import seed_risk_classes
    from inspections.demo import seed_inspections
    from registry.demo import seed_demo
    from registry.demo_supervision import seed_supervision
    from registry.supervision_models import InfoNotification, RegistrationFinding, UnlicensedCase

    today = timezone.localdate()
    password = "pass-for-tests-2023"
    seed_demo(entities=3000, password=password, seed=7, today=today)
    seed_risk_classes(seed=7, today=today)
    seed_inspections(seed=7, today=today, password=password)
    seed_supervision(seed=7, today=today, password=password)
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, "credit", password)
    page.goto(page.base_url + "/registry/supervision/")
    shot(page, "supervision_01_home_demo")
    page.goto(page.base_url + "/registry/supervision/dereg/")
    assert page.locator("td.reg-waiting").count() >= 10
    shot(page, "supervision_02_board_demo")
    page.goto(page.base_url + "/registry/supervision/findings/")
    shot(page, "supervision_03_findings")
    excluded = RegistrationFinding.objects.exclude(exclusions=[]).first()
    page.goto(page.base_url + excluded.get_absolute_url())
    assert page.get_by_text("不适用清单").first.is_visible()
    shot(page, "supervision_04_finding_excluded")
    recorded = RegistrationFinding.objects.filter(status="recorded", handling="").first()
    page.goto(page.base_url + recorded.get_absolute_url())
    link = form(page, "/link/")
    link.locator("select[name=item]").select_option(index=1)
    link.get_by_role("button", name="对照并给出建议").click()
    page.wait_for_selector("text=建议处理方式")
    shot(page, "supervision_05_finding_proposal")
    page.goto(page.base_url + "/registry/supervision/lists/")
    shot(page, "supervision_06_catalogue")
    page.goto(page.base_url + "/registry/supervision/unlicensed/")
    shot(page, "supervision_07_unlicensed_list")
    case = UnlicensedCase.objects.filter(notifications__isnull=False).first()
    page.goto(page.base_url + case.get_absolute_url())
    shot(page, "supervision_08_unlicensed_detail")
    page.goto(page.base_url + f"/registry/supervision/unlicensed/assessment/?year={today.year}")
    assert page.get_by_text("按市场监管所").is_visible()
    shot(page, "supervision_09_assessment")
    page.get_by_role("button", name="退出").click()

    notice = InfoNotification.objects.filter(status="sent", department__code="CY04").first() \
        or InfoNotification.objects.filter(department__code="CY04").first()
    if notice is not None:
        login(page, "renshe", password)
        page.get_by_role("link", name="信息抄告").first.click()
        shot(page, "supervision_10_member_notifications")
        page.goto(page.base_url + notice.get_absolute_url())
        shot(page, "supervision_11_member_notification")
