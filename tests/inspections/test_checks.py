"""Doing the checks: results and review states, attachments, follow-up until closed, the publication queue and
its upload file (never a risk class), overdue marking, the entity timeline."""
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.choices import AuditAction
from core.models import AuditLog
from inspections import services
from inspections.choices import CheckStatus
from inspections.excel import PUBLICATION_HEADERS
from inspections.models import Draw, SpotCheck
from inspections.selectors import kpi_follow_up, publication_due, publication_overdue_before
from tests.inspections.conftest import TODAY, draw_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def checks(task, section_user):
    draw = draw_now(task, by=section_user)
    return list(SpotCheck.objects.filter(draw=draw).select_related("entity", "task", "draw").order_by("walk_order"))


def backdate(checks, days: int) -> None:
    """Move the draw (and so the earliest allowed check date) back in time."""
    drawn_at = timezone.now() - timedelta(days=days)
    Draw.objects.update(drawn_at=drawn_at)
    for check in checks:
        check.draw.drawn_at = drawn_at


def submit(check, user, code="1", findings="", on=TODAY):
    return services.check_submit_result(spot_check=check, result_code=code, findings=findings, checked_on=on, by=user)


def test_a_result_goes_pending_submitted_approved_published(checks, owner, section_user):
    check = submit(checks[0], owner, "A", "未按规定公示年度报告")
    assert check.status == CheckStatus.SUBMITTED and check.recorded_by == owner
    check = services.check_review(spot_check=check, approve=True, note="", by=section_user)
    assert check.status == CheckStatus.APPROVED
    published = services.checks_publish(ids=[check.pk], published_on=TODAY, by=section_user)
    assert published[0].status == CheckStatus.PUBLISHED
    check.refresh_from_db()
    assert check.published_on == TODAY and check.published_by == section_user
    summaries = list(AuditLog.objects.for_object(check).order_by("id").values_list("summary", flat=True))
    assert summaries[0].startswith("录入检查结果并提交审核") and summaries[1].startswith("审核检查结果")
    assert summaries[2].startswith("标记已公示")


def test_result_form_checks_every_field(checks, owner):
    with pytest.raises(ValidationError) as error:
        services.check_submit_result(spot_check=checks[0], result_code="Z", findings="", checked_on=None, by=owner)
    assert set(error.value.message_dict) == {"result_code", "checked_on"}
    with pytest.raises(ValidationError) as error:
        submit(checks[0], owner, "A", "")
    assert error.value.message_dict["findings"] == ["发现问题的，请写明检查情况。"]
    with pytest.raises(ValidationError, match="不能晚于今天"):
        submit(checks[0], owner, on=TODAY + timedelta(days=1))
    with pytest.raises(ValidationError, match="不能早于抽取日期"):
        submit(checks[0], owner, on=TODAY - timedelta(days=3))


def test_return_needs_a_reason_and_the_result_can_be_corrected(checks, owner, section_user):
    check = submit(checks[0], owner)
    with pytest.raises(ValidationError):
        services.check_review(spot_check=check, approve=False, note="", by=section_user)
    check = services.check_review(spot_check=check, approve=False, note="检查日期有误", by=section_user)
    assert check.status == CheckStatus.RETURNED
    check = submit(check, owner, "E", "已责令改正")
    assert check.status == CheckStatus.SUBMITTED and check.review_note == ""


def test_a_result_cannot_be_reviewed_twice_or_by_its_author(checks, owner, section_user, leader):
    check = submit(checks[0], section_user)
    with pytest.raises(ValidationError, match="不能审核自己"):
        services.check_review(spot_check=check, approve=True, note="", by=section_user)
    stale = SpotCheck.objects.get(pk=check.pk)
    services.check_review(spot_check=check, approve=True, note="", by=leader)
    with pytest.raises(ValidationError, match="已被他人处理"):
        services.check_review(spot_check=stale, approve=False, note="迟到的退回", by=owner)


def test_the_result_page_records_and_the_review_page_approves(client, checks, owner, section_user, office_a):
    check = next(c for c in checks if c.entity.office_id == office_a.pk)
    client.force_login(owner)
    response = client.post(reverse("inspections:check_result", args=[check.pk]), {
        "result_code": "6", "checked_on": TODAY.isoformat(), "findings": "现场无人，电话无法接通",
        "attachment": SimpleUploadedFile("现场.jpg", b"\xff\xd8\xffphoto")})
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == CheckStatus.SUBMITTED and check.attachments.get().name == "现场.jpg"
    page = client.get(reverse("inspections:check_result", args=[check.pk]))
    assert page.status_code == 403  # submitted: no second entry
    client.force_login(section_user)
    client.post(reverse("inspections:check_review", args=[check.pk]), {"decision": "approve", "note": ""})
    check.refresh_from_db()
    assert check.status == CheckStatus.APPROVED
    detail = client.get(reverse("inspections:check_detail", args=[check.pk])).content.decode()
    assert "提请列入经营异常名录" in detail  # unreachable: the suggested measure


def test_follow_up_counts_as_handled_only_when_closed(checks, owner, section_user):
    check = services.check_review(spot_check=submit(checks[0], owner, "A", "未公示即时信息"), approve=True, note="",
                                  by=section_user)
    clean = services.check_review(spot_check=submit(checks[1], owner), approve=True, note="", by=section_user)
    with pytest.raises(ValidationError, match="发现问题"):
        services.follow_up_open(spot_check=clean, measure="rectification", deadline=TODAY, note="", by=owner)
    with pytest.raises(ValidationError) as error:
        services.follow_up_open(spot_check=check, measure="rectification", note="", by=owner)
    assert "deadline" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.follow_up_open(spot_check=check, measure="transfer", note="", by=owner)
    assert "transfer_to" in error.value.message_dict
    follow_up = services.follow_up_open(spot_check=check, measure="rectification",
                                        deadline=TODAY + timedelta(days=15), note="责令 15 日内补正公示", by=owner)
    year = TODAY.year
    assert (kpi_follow_up(year).numerator, kpi_follow_up(year).denominator) == (0, 1)
    with pytest.raises(ValidationError):
        services.follow_up_close(follow_up=follow_up, completed_on=TODAY, note="", by=owner)
    services.follow_up_close(follow_up=follow_up, completed_on=TODAY, note="已补正公示", by=owner)
    assert (kpi_follow_up(year).numerator, kpi_follow_up(year).denominator) == (1, 1)
    with pytest.raises(ValidationError, match="已办结"):
        services.follow_up_close(follow_up=follow_up, completed_on=TODAY, note="再办结一次", by=owner)


def test_an_overdue_follow_up_is_red(client, checks, owner, section_user):
    backdate(checks, 40)
    check = services.check_review(spot_check=submit(checks[0], owner, "D", "超范围经营", on=TODAY - timedelta(days=30)),
                                  approve=True, note="", by=section_user)
    follow_up = services.follow_up_open(spot_check=check, measure="rectification",
                                        deadline=TODAY - timedelta(days=10), note="", by=owner)
    assert follow_up.is_overdue()
    client.force_login(section_user)
    page = client.get(reverse("inspections:follow_up_list")).content.decode()
    assert 'class="row-overdue"' in page and "（逾期）" in page


def test_the_publication_queue_is_ordered_by_deadline_and_overdue_is_red(client, checks, owner, section_user):
    backdate(checks, 60)
    late_day = TODAY - timedelta(days=50)
    fresh = services.check_review(spot_check=submit(checks[0], owner, on=TODAY), approve=True, note="",
                                  by=section_user)
    late = services.check_review(spot_check=submit(checks[1], owner, on=late_day), approve=True, note="",
                                 by=section_user)
    assert publication_due(late_day) < TODAY <= publication_due(TODAY)
    assert late.is_overdue() and not fresh.is_overdue()
    assert publication_overdue_before(TODAY) >= late_day
    client.force_login(section_user)
    page = client.get(reverse("inspections:publication_list")).content.decode()
    assert page.index(late.entity.name) < page.index(fresh.entity.name)
    assert "已逾期" in page and 'class="row-overdue"' in page
    checks_page = client.get(reverse("inspections:check_list") + "?overdue=on").content.decode()
    assert late.entity.name in checks_page and "逾期未公示" in checks_page


def test_the_upload_file_never_carries_a_risk_class(client, checks, owner, section_user):
    for check in checks[:3]:
        services.check_review(spot_check=submit(check, owner), approve=True, note="", by=section_user)
    client.force_login(section_user)
    response = client.get(reverse("inspections:publication_export"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0] == PUBLICATION_HEADERS and len(rows) == 4
    text = " ".join(str(v) for row in rows for v in row if v is not None)
    assert not any(word in text for word in ("风险", "A 类", "B 类", "C 类", "D 类", "未分类", "stratum"))
    assert {row[5] for row in rows[1:]} == {c.entity.uscc for c in checks[:3]}
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, summary__startswith="导出抽查结果公示上传文件").exists()


def test_marking_published_from_the_queue(client, checks, owner, section_user):
    approved = [services.check_review(spot_check=submit(c, owner), approve=True, note="", by=section_user)
                for c in checks[:2]]
    pending = checks[2]
    client.force_login(section_user)
    response = client.post(reverse("inspections:publication_mark"), {
        "id": [str(c.pk) for c in approved] + [str(pending.pk)], "published_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert set(SpotCheck.objects.filter(status=CheckStatus.PUBLISHED).values_list("pk", flat=True)) == {
        c.pk for c in approved}
    with pytest.raises(ValidationError, match="只有已审核的结果可以标记公示"):
        services.checks_publish(ids=[pending.pk], published_on=TODAY, by=section_user)


def test_a_check_past_its_task_deadline_is_red_in_the_list(client, checks, section_user):
    from inspections.models import Task

    Task.objects.filter(pk=checks[0].task_id).update(starts_on=TODAY - timedelta(days=40),
                                                      deadline=TODAY - timedelta(days=1))
    client.force_login(section_user)
    page = client.get(reverse("inspections:check_list")).content.decode()
    assert page.count('class="row-overdue"') == len(checks) and "逾期未完成" in page


def test_the_entity_page_shows_its_checks(client, checks, owner, office_a):
    check = next(c for c in checks if c.entity.office_id == office_a.pk)
    submit(check, owner, "1")
    client.force_login(owner)
    page = client.get(reverse("registry:entity_detail", args=[check.entity.pk])).content.decode()
    assert f"被抽中：{check.task.name}" in page and "检查结果：1 未发现问题" in page


def test_attachments_can_be_removed_until_review(checks, owner, section_user):
    check = checks[0]
    attachment = services.attachment_add(spot_check=check, upload=SimpleUploadedFile("记录.pdf", b"%PDF-1.4"),
                                         by=owner)
    with pytest.raises(ValidationError, match="不支持"):
        services.attachment_add(spot_check=check, upload=SimpleUploadedFile("病毒.exe", b"MZ"), by=owner)
    services.attachment_delete(attachment=attachment, by=owner)
    assert not check.attachments.exists()
    services.check_review(spot_check=submit(check, owner), approve=True, note="", by=section_user)
    with pytest.raises(ValidationError, match="已审核"):
        services.attachment_add(spot_check=check, upload=SimpleUploadedFile("迟到.pdf", b"%PDF"), by=owner)
