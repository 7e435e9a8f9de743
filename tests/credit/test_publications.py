"""信用宣传: every allowed and refused transition, the author never approves, public pages without log-in (404 for
drafts and withdrawn texts, nothing internal), the list's filters and export, the exports for the website."""
import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from core.choices import AuditAction, Role
from core.docx import docx_text
from core.models import AuditLog
from credit.choices import PublicationStatus as S
from credit.models import Publication, PublicationAttachment
from credit.publications import (
    blocks,
    publication_approve,
    publication_attach,
    publication_publish,
    publication_reopen,
    publication_save,
    publication_withdraw,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

BODY = """一、什么是信用修复
信用修复是指市场主体在规定期限内纠正失信行为、消除不良影响后，依法申请停止公示失信信息或者移出相关名单。

二、办理流程
（一）提出申请
向作出列入决定的市场监督管理部门提交信用修复申请书、守信承诺书和履行义务的证明材料。"""

VALUES = {"kind": "handbook", "title": "泉港区市场主体信用修复办事指南", "summary": "信用修复的条件、材料和流程。",
          "body": BODY}


@pytest.fixture
def author(db):
    return make_user(Role.SECTION, username="writer", full_name="郑起草")


@pytest.fixture
def approver(db):
    return make_user(Role.LEADER, username="approver", full_name="林审核")


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, username="padmin", full_name="陈管理")


def draft(author, **values):
    return publication_save(publication=Publication(), values={**VALUES, **values}, by=author)


def at(status, author, approver, **values):
    """A publication brought to ``status`` through the services."""
    publication = draft(author, **values)
    if status == S.DRAFT:
        return publication
    publication = publication_approve(publication=publication, by=approver)
    if status == S.APPROVED:
        return publication
    publication = publication_publish(publication=publication, by=author, on=timezone.localdate())
    if status == S.PUBLISHED:
        return publication
    return publication_withdraw(publication=publication, by=author, reason="政策已更新")


def test_full_flow_is_audited_at_every_step(author, approver):
    publication = draft(author)
    assert publication.status == S.DRAFT and publication.drafted_by == author
    publication = publication_save(publication=publication, values={"title": "信用修复办事指南（2026 年版）"},
                                   by=author)
    publication = publication_approve(publication=publication, by=approver)
    assert (publication.status, publication.approved_by) == (S.APPROVED, approver)
    day = timezone.localdate() - timedelta(days=0)
    publication = publication_publish(publication=publication, by=author, on=day)
    assert (publication.status, publication.published_on, publication.published_by) == (S.PUBLISHED, day, author)
    publication = publication_withdraw(publication=publication, by=approver, reason="内容需按新办法修订")
    assert publication.status == S.WITHDRAWN and publication.withdraw_reason == "内容需按新办法修订"
    publication = publication_reopen(publication=publication, by=author, reason="按新办法修订")
    assert publication.status == S.DRAFT and publication.published_on is None and publication.approved_by is None
    logs = list(AuditLog.objects.for_object(publication).order_by("at", "id"))
    assert [log.action for log in logs] == [AuditAction.CREATE, AuditAction.UPDATE] + [AuditAction.STATUS] * 4
    assert [log.changes.get("status") for log in logs[2:]] == [
        ["draft", "approved"], ["approved", "published"], ["published", "withdrawn"], ["withdrawn", "draft"]]
    assert logs[1].changes == {"title": ["泉港区市场主体信用修复办事指南", "信用修复办事指南（2026 年版）"]}
    assert logs[4].extra == {"reason": "内容需按新办法修订"}


def test_leadership_sends_an_approved_text_back_to_draft(author, approver):
    publication = at(S.APPROVED, author, approver)
    publication = publication_reopen(publication=publication, by=approver, reason="案例当事人信息需脱敏")
    assert publication.status == S.DRAFT and publication.approved_at is None
    with pytest.raises(PermissionDenied):  # section staff cannot undo leadership's approval
        publication_reopen(publication=at(S.APPROVED, author, approver), by=author, reason="想再改改")


ACTIONS = {
    "save": lambda p, a, b: publication_save(publication=p, values={"title": "改标题"}, by=a),
    "approve": lambda p, a, b: publication_approve(publication=p, by=b),
    "publish": lambda p, a, b: publication_publish(publication=p, by=a),
    "withdraw": lambda p, a, b: publication_withdraw(publication=p, by=a, reason="撤回"),
    "reopen": lambda p, a, b: publication_reopen(publication=p, by=b, reason="退回"),
}
ALLOWED = {
    S.DRAFT: {"save", "approve"},
    S.APPROVED: {"publish", "reopen"},
    S.PUBLISHED: {"withdraw"},
    S.WITHDRAWN: {"reopen"},
}


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_transition_is_allowed_or_refused_with_a_chinese_message(status, action, author, approver):
    publication = at(status, author, approver)
    logs_before = AuditLog.objects.for_object(publication).count()
    if action in ALLOWED[status]:
        ACTIONS[action](publication, author, approver)
        assert AuditLog.objects.for_object(publication).count() == logs_before + 1
        return
    with pytest.raises(ValidationError) as refused:
        ACTIONS[action](publication, author, approver)
    assert f"当前为{publication.get_status_display()}，不能" in refused.value.messages[0]
    assert Publication.objects.get(pk=publication.pk).status == status
    assert AuditLog.objects.for_object(publication).count() == logs_before


def test_author_cannot_approve_own_text_and_roles_are_enforced(author, approver, admin_user):
    own = draft(admin_user)
    with pytest.raises(ValidationError, match="起草人不能审核自己起草的材料"):
        publication_approve(publication=own, by=admin_user)
    assert Publication.objects.get(pk=own.pk).status == S.DRAFT
    assert publication_approve(publication=own, by=approver).status == S.APPROVED  # another approver may
    with pytest.raises(PermissionDenied):
        publication_approve(publication=draft(author), by=author)  # section staff do not approve
    with pytest.raises(PermissionDenied):
        draft(approver)  # leadership approves, it does not draft


def test_double_approval_approves_once(author, approver, admin_user):
    publication = draft(author)
    stale = Publication.objects.get(pk=publication.pk)
    publication_approve(publication=publication, by=approver)
    with pytest.raises(ValidationError, match="当前为已审核"):
        publication_approve(publication=stale, by=admin_user)
    assert Publication.objects.get(pk=publication.pk).approved_by == approver
    assert AuditLog.objects.for_object(publication).filter(action=AuditAction.STATUS).count() == 1


def test_publish_date_bounds_and_reasons_required(author, approver):
    publication = at(S.APPROVED, author, approver)
    with pytest.raises(ValidationError, match="发布日期不能晚于今天"):
        publication_publish(publication=publication, by=author, on=timezone.localdate() + timedelta(days=1))
    with pytest.raises(ValidationError, match="发布日期不能早于审核日期"):
        publication_publish(publication=publication, by=author, on=date(2000, 1, 1))
    published = publication_publish(publication=publication, by=author)
    with pytest.raises(ValidationError, match="请填写撤回原因"):
        publication_withdraw(publication=published, by=author, reason="  ")
    assert Publication.objects.get(pk=published.pk).status == S.PUBLISHED


def test_a_risk_class_never_goes_into_a_public_text(author):
    with pytest.raises(ValidationError) as refused:
        draft(author, body="某公司为A类（信用风险低）企业，减少抽查。")
    assert "不得包含信用风险分类" in str(refused.value)
    assert not Publication.objects.exists()


def test_body_blocks_find_subheadings():
    assert [(b.heading, b.text[:6]) for b in blocks(BODY)] == [
        (True, "一、什么是信"), (False, "信用修复是指"), (True, "二、办理流程"), (True, "（一）提出申"),
        (False, "向作出列入决")]


# ---- views -------------------------------------------------------------------------------------------------------

def test_staff_pages_drive_the_flow(client, author, approver):
    client.force_login(author)
    assert client.get(reverse("credit:publication_new")).status_code == 200
    response = client.post(reverse("credit:publication_new"), VALUES)
    publication = Publication.objects.get()
    assert response.url == reverse("credit:publication_detail", args=[publication.pk])
    page = client.get(response.url).content.decode()
    assert "审核通过" not in page and "一、什么是信用修复" in page
    assert client.post(reverse("credit:publication_approve", args=[publication.pk])).status_code == 403

    client.force_login(approver)
    assert "审核通过" in client.get(response.url).content.decode()
    client.post(reverse("credit:publication_approve", args=[publication.pk]))
    assert Publication.objects.get().status == S.APPROVED
    assert client.get(reverse("credit:publication_edit", args=[publication.pk])).status_code == 403

    client.force_login(author)
    assert client.get(reverse("credit:publication_edit", args=[publication.pk])).status_code == 302  # not a draft
    client.post(reverse("credit:publication_publish", args=[publication.pk]), {"published_on": ""})
    assert Publication.objects.get().status == S.PUBLISHED
    response = client.post(reverse("credit:publication_withdraw", args=[publication.pk]), {"reason": ""},
                           follow=True)
    assert "请填写撤回原因" in response.content.decode() and Publication.objects.get().status == S.PUBLISHED
    client.post(reverse("credit:publication_withdraw", args=[publication.pk]), {"reason": "信息有误"})
    assert Publication.objects.get().status == S.WITHDRAWN


def test_own_draft_shows_why_it_cannot_be_approved(client, admin_user):
    client.force_login(admin_user)
    publication = draft(admin_user)
    page = client.get(reverse("credit:publication_detail", args=[publication.pk])).content.decode()
    assert "须由其他局领导或系统管理员审核" in page
    response = client.post(reverse("credit:publication_approve", args=[publication.pk]), follow=True)
    assert "起草人不能审核自己起草的材料" in response.content.decode()


def test_office_and_discipline_staff_have_no_staff_pages(client, author, owner, discipline_user):
    publication = draft(author)
    for user in (owner, discipline_user):
        client.force_login(user)
        assert client.get(reverse("credit:publication_list")).status_code == 403
        assert client.get(reverse("credit:publication_detail", args=[publication.pk])).status_code == 403


def rows_of(response):
    data = b"".join(response.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def test_list_filters_and_export_exactly_the_filtered_rows(client, author, approver, leader):
    at(S.PUBLISHED, author, approver, kind="case", title="某餐饮店补报年报后移出经营异常名录")
    at(S.PUBLISHED, author, approver, kind="case", title="某化工企业提前停止公示行政处罚信息")
    at(S.DRAFT, author, approver, kind="briefing", title="2026 年第 3 期信用工作简报")
    old = at(S.PUBLISHED, author, approver, kind="case", title="去年的案例")
    Publication.objects.filter(pk=old.pk).update(published_on=date(2024, 5, 6))
    client.force_login(leader)
    year = timezone.localdate().year
    page = client.get(reverse("credit:publication_list"), {"kind": "case", "status": "published", "year": year})
    assert page.context["page"].paginator.count == 2
    rows = rows_of(client.get(reverse("credit:publication_export"),
                              {"kind": "case", "status": "published", "year": year}))
    assert rows[0][:3] == ["类别", "标题", "状态"]
    assert sorted(r[1] for r in rows[1:]) == sorted(["某餐饮店补报年报后移出经营异常名录",
                                                     "某化工企业提前停止公示行政处罚信息"])
    last_year = rows_of(client.get(reverse("credit:publication_export"), {"year": 2024}))
    assert [r[1] for r in last_year[1:]] == ["去年的案例"]
    assert client.get(reverse("credit:publication_list"), {"q": "简报"}).context["page"].paginator.count == 1
    assert "信用宣传" in client.get(reverse("home")).content.decode()  # the nav entry


def test_website_exports_are_self_contained_and_only_for_approved_or_published(client, author, approver, leader):
    publication = at(S.PUBLISHED, author, approver, body=BODY + "\n<script>alert(1)</script>")
    pending = at(S.DRAFT, author, approver, title="草稿不导出")
    client.force_login(leader)
    response = client.get(reverse("credit:publication_website_html", args=[publication.pk]))
    html = response.content.decode()
    assert response["Content-Disposition"].startswith("attachment")
    assert "<style>" in html and "泉港区市场主体信用修复办事指南" in html and "<h2>二、办理流程</h2>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    for external in ("<link", "src=", "http://", "https://", "url("):
        assert external not in html
    assert "郑起草" not in html and "林审核" not in html
    paragraphs = docx_text(client.get(reverse("credit:publication_website_docx", args=[publication.pk])).content)
    assert paragraphs[0] == "泉港区市场主体信用修复办事指南"
    assert "二、办理流程" in paragraphs and "【摘要】信用修复的条件、材料和流程。" in paragraphs
    response = client.get(reverse("credit:publication_website_html", args=[pending.pk]), follow=True)
    assert "只有已审核或已发布的材料可以导出发布" in response.content.decode()
    assert client.get(reverse("credit:publication_website_docx", args=[pending.pk])).status_code == 302
    page = client.get(reverse("credit:publication_print", args=[pending.pk])).content.decode()
    assert "草稿（未审核）" in page and "@page { size: A4" in page


# ---- public pages ------------------------------------------------------------------------------------------------

def test_public_pages_need_no_log_in_and_show_only_published_texts(client, author, approver):
    published = at(S.PUBLISHED, author, approver)
    hidden = {status: at(status, author, approver, title=f"不公开的{status}")
              for status in (S.DRAFT, S.APPROVED, S.WITHDRAWN)}
    index = client.get(reverse("public:publication_index"))
    assert index.status_code == 200
    html = index.content.decode()
    assert published.title in html and not any(p.title in html for p in hidden.values())
    detail = client.get(reverse("public:publication_detail", args=[published.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "泉州市泉港区市场监督管理局" in html and "二、办理流程" in html
    for internal in ("郑起草", "林审核", "writer", "approver", "信用风险", "草稿", "已审核"):
        assert internal not in html
    for publication in hidden.values():
        assert client.get(reverse("public:publication_detail", args=[publication.pk])).status_code == 404
    assert client.get(reverse("public:publication_index"), {"kind": "case"}).content.decode().count(
        published.title) == 0


def test_withdrawing_takes_the_public_page_and_its_attachments_down(client, author, approver):
    publication = draft(author)
    attachment = publication_attach(publication=publication, by=author, upload=SimpleUploadedFile(
        "信用修复申请书（样表）.pdf", b"%PDF-1.4 test form", content_type="application/pdf"))
    publication = publication_approve(publication=publication, by=approver)
    publication = publication_publish(publication=publication, by=author)
    url = reverse("public:publication_attachment", args=[publication.pk, attachment.pk])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert "信用修复申请书（样表）.pdf" in client.get(
        reverse("public:publication_detail", args=[publication.pk])).content.decode()
    publication_withdraw(publication=publication, by=author, reason="样表更新")
    assert client.get(reverse("public:publication_detail", args=[publication.pk])).status_code == 404
    assert client.get(url).status_code == 404


def test_attachments_only_on_drafts_and_checked(author, approver):
    publication = draft(author)
    with pytest.raises(ValidationError, match="文件内容与扩展名 .pdf 不符"):
        publication_attach(publication=publication, by=author,
                           upload=SimpleUploadedFile("fake.pdf", b"MZ not a pdf"))
    with pytest.raises(ValidationError, match="不支持的文件类型"):
        publication_attach(publication=publication, by=author, upload=SimpleUploadedFile("run.exe", b"MZ"))
    approved = publication_approve(publication=publication, by=approver)
    with pytest.raises(ValidationError, match="当前为已审核，不能添加附件"):
        publication_attach(publication=approved, by=author,
                           upload=SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n0000"))
    assert not PublicationAttachment.objects.exists()


def test_demo_publications_are_idempotent():
    from credit.demo_publications import seed_publications

    make_user(Role.SECTION, username="credit", full_name="黄晓燕")
    make_user(Role.LEADER, username="leader", full_name="林建华")
    today = date(2026, 6, 15)
    assert seed_publications(today=today) == 4
    assert seed_publications(today=today) == 0
    published = Publication.objects.filter(status=S.PUBLISHED)
    assert sorted(published.values_list("kind", flat=True)) == ["case", "case", "handbook"]
    assert all(p.published_on < today and p.approved_at.date() < p.published_on for p in published)
    assert Publication.objects.get(status=S.DRAFT).kind == "briefing"
