"""Every 双随机 page: owner / colleague / outsider access, district roles, member-department inspectors, 404 for
another office's checks, and a bounded number of queries on the lists."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.choices import DepartmentKind, Role
from inspections import services
from inspections.models import SpotCheck
from tests.factories import make_department, make_user
from tests.inspections.conftest import TODAY, draw_now, make_inspector

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(task, section_user):
    draw = draw_now(task, by=section_user)
    return {"task": task, "draw": draw}


@pytest.fixture
def check_a(drawn, office_a):
    """A check of an entity supervised by office A (the owner's office)."""
    return SpotCheck.objects.filter(draw=drawn["draw"], entity__office=office_a).first()


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


# ------------------------------------------------------------------------------------------------------------
# District pages: staff read them, only section staff change things
# ------------------------------------------------------------------------------------------------------------

READ_PAGES = ["inspections:home", "inspections:item_list", "inspections:inspector_list", "inspections:plan_list",
              "inspections:task_list", "inspections:check_list", "inspections:follow_up_list",
              "inspections:object_list_list", "inspections:kpi_overview", "inspections:redraw_list",
              "inspections:item_export", "inspections:inspector_export", "inspections:check_export",
              "inspections:follow_up_export"]
SECTION_PAGES = ["inspections:item_create", "inspections:inspector_create", "inspections:plan_create",
                 "inspections:publication_list", "inspections:publication_export", "inspections:integration",
                 "inspections:item_import", "inspections:inspector_import", "inspections:conflict_import",
                 "inspections:item_template", "inspections:inspector_template", "inspections:conflict_template"]


@pytest.mark.parametrize("name", READ_PAGES)
def test_staff_read_the_district_pages(client, drawn, owner, colleague, outsider, section_user, leader, name):
    for user in (owner, colleague, outsider, section_user, leader):
        assert _get(client, user, reverse(name)).status_code == 200, (name, user)


@pytest.mark.parametrize("name", SECTION_PAGES)
def test_only_section_staff_change_the_libraries_plans_and_publication(client, drawn, owner, outsider, section_user,
                                                                       leader, name):
    assert _get(client, section_user, reverse(name)).status_code == 200
    for user in (owner, outsider, leader):
        assert _get(client, user, reverse(name)).status_code == 403, (name, user)


def test_anonymous_visitors_are_sent_to_log_in(client, drawn):
    response = client.get(reverse("inspections:check_list"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_task_plan_item_and_inspector_pages(client, drawn, owner, section_user, item, district):
    task, inspector = drawn["task"], district["inspectors"][0]
    urls = [reverse("inspections:task_detail", args=[task.pk]), reverse("inspections:plan_detail", args=[task.plan_id]),
            reverse("inspections:item_detail", args=[item.pk]),
            reverse("inspections:inspector_detail", args=[inspector.pk])]
    for url in urls:
        assert _get(client, owner, url).status_code == 200
        assert _get(client, section_user, url).status_code == 200
    assert _get(client, owner, reverse("inspections:task_update", args=[task.pk])).status_code == 403
    assert _get(client, owner, reverse("inspections:inspector_update", args=[inspector.pk])).status_code == 403


def test_the_certificate_is_for_district_roles_only(client, drawn, owner, outsider, section_user, leader):
    draw = drawn["draw"]
    for name in ("inspections:draw_detail", "inspections:draw_certificate"):
        url = reverse(name, args=[draw.pk])
        assert _get(client, section_user, url).status_code == 200
        assert _get(client, leader, url).status_code == 200
        assert _get(client, owner, url).status_code == 403
        assert _get(client, outsider, url).status_code == 403
    body = _get(client, section_user, reverse("inspections:draw_certificate", args=[draw.pk])).content
    assert body == draw.certificate_bytes()


# ------------------------------------------------------------------------------------------------------------
# One check: the entity's office sees it, another office gets 404
# ------------------------------------------------------------------------------------------------------------

def test_a_check_answers_404_to_another_office(client, check_a, owner, colleague, outsider, section_user, leader):
    urls = [reverse("inspections:check_detail", args=[check_a.pk]),
            reverse("inspections:check_result", args=[check_a.pk])]
    for url in urls:
        assert _get(client, owner, url).status_code == 200
        assert _get(client, colleague, url).status_code == 200
        assert _get(client, outsider, url).status_code == 404
        assert _get(client, section_user, url).status_code == 200
    assert _get(client, leader, urls[0]).status_code == 200
    assert _get(client, leader, urls[1]).status_code == 403  # leadership reads, does not record


def test_the_check_list_shows_only_the_offices_own_checks(client, drawn, office_a, owner, outsider):
    mine = SpotCheck.objects.filter(entity__office=office_a).count()
    page = _get(client, owner, reverse("inspections:check_list")).content.decode()
    assert f"共 <strong>{mine}</strong> 户" in page
    other = SpotCheck.objects.exclude(entity__office=office_a).first()
    assert other.entity.name not in page
    assert _get(client, outsider, reverse("inspections:check_export")).status_code == 200


def test_attachments_are_behind_login_and_scope(client, check_a, owner, outsider):
    attachment = services.attachment_add(spot_check=check_a, by=owner,
                                         upload=SimpleUploadedFile("现场照片.jpg", b"\xff\xd8\xff fake jpeg"))
    url = reverse("inspections:attachment_download", args=[attachment.pk])
    response = _get(client, owner, url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"\xff\xd8\xff fake jpeg"
    assert _get(client, outsider, url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_member_department_inspector_sees_only_the_checks_assigned_to_them(client, plan, section_dept, item,
                                                                               district, office_a):
    from tests.inspections.conftest import make_item, make_task

    tax = make_department(DepartmentKind.MEMBER, name="区税务局")
    tax_item = make_item(tax, code="SW-001")
    tax_user = make_user(None, username="tax_inspector", department=tax)
    make_inspector("SW01", items=[tax_item], department=tax, user=tax_user)
    joint = make_task(plan, [item, tax_item], section_dept, participants=[tax], name="联合抽查")
    draw_now(joint)
    draw_now(make_task(plan, [item], section_dept, name="市场监管局单独抽查", exclude_recent_months=None))
    mine = SpotCheck.objects.filter(assignments__inspector__user=tax_user)
    assert mine.count() == SpotCheck.objects.filter(task=joint).count() > 0
    page = _get(client, tax_user, reverse("inspections:check_list")).content.decode()
    assert f"共 <strong>{mine.count()}</strong> 户" in page
    assert _get(client, tax_user, reverse("inspections:check_result", args=[mine.first().pk])).status_code == 200
    not_mine = SpotCheck.objects.exclude(task=joint).first()
    assert _get(client, tax_user, reverse("inspections:check_detail", args=[not_mine.pk])).status_code == 404
    assert _get(client, tax_user, reverse("inspections:task_list")).status_code == 403
    assert _get(client, tax_user, reverse("inspections:item_list")).status_code == 403


def test_office_staff_cannot_see_other_offices_follow_ups(client, check_a, owner, outsider, section_user):
    services.check_submit_result(spot_check=check_a, result_code="A", findings="未按规定公示年报", checked_on=TODAY,
                                 by=owner)
    services.check_review(spot_check=check_a, approve=True, note="", by=section_user)
    services.follow_up_open(spot_check=check_a, measure="rectification", deadline=TODAY, note="", by=owner)
    assert check_a.entity.name in _get(client, owner, reverse("inspections:follow_up_list")).content.decode()
    assert check_a.entity.name not in _get(client, outsider, reverse("inspections:follow_up_list")).content.decode()


def test_lists_use_a_bounded_number_of_queries(client, drawn, section_user, django_assert_max_num_queries):
    client.force_login(section_user)
    for name in ("inspections:check_list", "inspections:task_list", "inspections:inspector_list",
                 "inspections:item_list", "inspections:follow_up_list", "inspections:publication_list"):
        with django_assert_max_num_queries(25):
            assert client.get(reverse(name)).status_code == 200


def test_role_checks_use_roles_not_users(client, drawn):
    admin_user = make_user(Role.ADMIN, username="sysadmin2", is_staff=True)
    assert _get(client, admin_user, reverse("inspections:publication_list")).status_code == 200
    discipline = make_user(Role.DISCIPLINE, username="discipline2")
    assert _get(client, discipline, reverse("inspections:check_list")).status_code == 403
