"""Access to the remaining pages and actions: owner / colleague / outsider (office staff), section staff and
leadership; writes refused with 403 to read-only roles, another office's records answer 404."""
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.choices import DepartmentKind
from inspections import services
from inspections.importers import library_import_queue
from inspections.models import SpotCheck
from tests.factories import make_department
from tests.inspections.conftest import TODAY, draw_now, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(task, section_user, owner, office_a, django_capture_on_commit_callbacks):
    """A drawn task; a check of office A with an approved problem result, a follow-up and an attachment; a member
    department's object list; an import job of the section user."""
    draw = draw_now(task, by=section_user)
    check = SpotCheck.objects.filter(draw=draw, entity__office=office_a).first()
    services.check_submit_result(spot_check=check, result_code="A", findings="问题", checked_on=TODAY, by=owner)
    attachment = services.attachment_add(spot_check=check, upload=SimpleUploadedFile("a.pdf", b"%PDF"), by=owner)
    tax = make_department(DepartmentKind.MEMBER, name="税务")
    object_list = services.object_list_create(data={"name": "重点税源", "department": tax}, by=section_user)
    book = Workbook()
    book.active.append(["事项编码", "抽查事项"])
    buffer = BytesIO()
    book.save(buffer)
    with django_capture_on_commit_callbacks(execute=True):
        job = library_import_queue(kind="inspections.import_items", user=section_user,
                                   upload=SimpleUploadedFile("x.xlsx", buffer.getvalue()))
    return {"task": task, "draw": draw, "check": check, "attachment": attachment, "object_list": object_list,
            "job": job}


def _status(client, user, method, url, data=None):
    client.force_login(user)
    return (client.post(url, data or {}) if method == "post" else client.get(url)).status_code


def test_section_pages_are_refused_to_office_staff_and_leadership(client, world, owner, colleague, outsider, leader,
                                                                  section_user):
    task = world["task"]
    urls = [
        ("get", reverse("inspections:item_revise", args=[task.items.first().pk])),
        ("get", reverse("inspections:task_create", args=[task.plan_id])),
        ("post", reverse("inspections:task_delete", args=[task.pk])),
        ("post", reverse("inspections:task_draw", args=[task.pk])),
        ("post", reverse("inspections:task_draw_resume", args=[task.pk])),
        ("post", reverse("inspections:redraw_request", args=[task.pk])),
        ("post", reverse("inspections:publication_mark")),
        ("post", reverse("inspections:visit_create")),
        ("get", reverse("inspections:object_list_import", args=[world["object_list"].pk])),
    ]
    for method, url in urls:
        for user in (owner, colleague, outsider, leader):
            assert _status(client, user, method, url) == 403, (url, user)
    assert _status(client, section_user, "get", urls[0][1]) == 200
    assert _status(client, section_user, "get", urls[1][1]) == 200


def test_only_leadership_decides_redraws(client, world, section_user, leader, owner, item, section_dept):
    other = make_task(world["task"].plan, [item], section_dept, name="另一项任务", exclude_recent_months=None)
    draw_now(other)
    request = services.redraw_request(task=other, reason="抽取范围设置有误，需要重新抽取", by=section_user)
    url = reverse("inspections:redraw_decide", args=[request.pk])
    assert _status(client, section_user, "post", url, {"decision": "reject", "note": "x"}) == 403
    assert _status(client, owner, "post", url, {"decision": "reject", "note": "x"}) == 403
    assert _status(client, leader, "post", url, {"decision": "reject", "note": "理由不充分"}) == 302
    request.refresh_from_db()
    assert request.status == "rejected"


def test_a_checks_actions_follow_its_scope(client, world, owner, colleague, outsider, section_user, leader):
    check, attachment = world["check"], world["attachment"]
    review = reverse("inspections:check_review", args=[check.pk])
    assert _status(client, outsider, "post", review, {"decision": "approve"}) == 404
    assert _status(client, owner, "post", review, {"decision": "approve"}) == 403  # not section staff
    assert _status(client, colleague, "post", review, {"decision": "approve"}) == 403
    assert _status(client, section_user, "post", review, {"decision": "approve"}) == 302
    check.refresh_from_db()
    assert check.status == "approved"
    follow_up = reverse("inspections:follow_up_create", args=[check.pk])
    data = {"measure": "rectification", "deadline": TODAY.isoformat(), "note": ""}
    assert _status(client, outsider, "post", follow_up, data) == 404
    assert _status(client, leader, "post", follow_up, data) == 403
    assert _status(client, colleague, "post", follow_up, data) == 302
    close = reverse("inspections:follow_up_close", args=[check.follow_ups.get().pk])
    assert _status(client, outsider, "post", close, {"completed_on": TODAY.isoformat(), "note": "好"}) == 404
    assert _status(client, owner, "post", close, {"completed_on": TODAY.isoformat(), "note": "已整改"}) == 302
    assert check.follow_ups.get().status == "closed"
    delete = reverse("inspections:attachment_delete", args=[attachment.pk])
    assert _status(client, outsider, "post", delete) == 404
    assert _status(client, owner, "post", delete) == 403  # reviewed: attachments are fixed


def test_draw_job_import_job_and_kpi_records(client, world, owner, outsider, section_user, leader):
    job_url = reverse("inspections:import_job", args=[world["job"].pk])
    assert _status(client, section_user, "get", job_url) == 200
    assert _status(client, owner, "get", job_url) == 404  # someone else's job
    for code in ("coverage", "on_time", "publicity", "follow_up", "differentiated"):
        url = reverse("inspections:kpi_records", args=[code])
        assert _status(client, owner, "get", url) == 200 and _status(client, leader, "get", url) == 200
    assert _status(client, owner, "get", reverse("inspections:kpi_records", args=["nope"])) == 404
    object_list = reverse("inspections:object_list_detail", args=[world["object_list"].pk])
    assert _status(client, owner, "get", object_list) == 200
    assert _status(client, owner, "get", reverse("inspections:object_list_export",
                                                 args=[world["object_list"].pk])) == 200
