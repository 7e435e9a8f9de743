"""信用宣传 in a real browser: section staff draft, leadership approves, staff publish, the public page (no log-in)."""
import pytest

from core.choices import Role
from credit.models import Publication
from tests.browser.conftest import login
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BODY = """一、基本情况
我区某贸易有限公司因未按规定期限报送年度报告，被列入经营异常名录。

二、修复过程
该公司补报年度报告后提交信用修复申请书和守信承诺书，本局在规定时限内作出信用修复决定，将其移出经营异常名录。

三、典型意义
企业补报年报后即可申请修复，不必担心“一次失信、处处受限”。"""


def test_draft_approve_publish_and_read_it_publicly(page, shot):
    make_user(Role.SECTION, username="writer", full_name="郑起草")
    make_user(Role.LEADER, username="boss", full_name="林审核")
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations before approving and publishing

    login(page, "writer")
    page.click("nav#mainnav >> text=信用宣传")
    page.click(".page-head a.button:has-text('起草')")
    page.wait_for_selector("h1:has-text('起草信用宣传材料')")
    page.select_option("#id_kind", "case")
    page.fill("#id_title", "典型案例：补报年报后移出经营异常名录")
    page.fill("#id_summary", "企业补报年报后申请信用修复，在规定时限内移出名录。")
    page.fill("#id_body", BODY)
    shot(page, "publications-1-draft-form")
    page.click("button:has-text('保存草稿')")
    page.wait_for_selector("text=已保存为草稿")
    assert page.locator("button:has-text('审核通过')").count() == 0  # the author does not approve
    publication = Publication.objects.get()
    shot(page, "publications-2-draft")
    page.click("form[action$='/logout/'] button")

    login(page, "boss")
    page.goto(f"{page.base_url}/credit/publications/{publication.pk}/")
    page.click("button:has-text('审核通过')")
    page.wait_for_selector("text=已审核通过")
    shot(page, "publications-3-approved")
    page.click("form[action$='/logout/'] button")

    login(page, "writer")
    page.goto(f"{page.base_url}/credit/publications/{publication.pk}/")
    page.click("button:has-text('发布')")
    page.wait_for_selector("text=已发布，公开页面已可访问")
    shot(page, "publications-4-published")
    page.click("form[action$='/logout/'] button")

    page.goto(f"{page.base_url}/public/credit/")
    page.click("text=典型案例：补报年报后移出经营异常名录")
    page.wait_for_selector("h1:has-text('典型案例：补报年报后移出经营异常名录')")
    text = page.inner_text("body")
    assert "二、修复过程" in text and "泉州市泉港区市场监督管理局" in text
    assert "郑起草" not in text and "林审核" not in text
    shot(page, "publications-5-public-page")
