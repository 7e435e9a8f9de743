"""Sessions, a person's training page (owner / colleague / outsider), list pages' filters and query counts."""
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.choices import AuditAction, Role
from core.models import AuditLog
from tests.factories import make_user
from tests.training.conftest import make_session
from training import services
from training.choices import TrainingKind
from training.models import Attendance, HoursRequirement, TrainingSession

FORM = {
    "topic": "企业信用风险分类管理实务", "kind": TrainingKind.CREDIT, "lecturer": "省局信用监管处 王老师",
    "date": "2023-08-18", "start_time": "14:30", "end_time": "17:00", "hours": "2.5", "place": "局五楼会议室",
    "audience": "全局执法人员", "organiser": "", "description": "",
}


def _sign(session, user, by):
    at = timezone.make_aware(datetime.combine(session.date, session.start_time))
    return Attendance.objects.create(session=session, user=user, signed_in_at=at, recorded_by=by)


# -- sessions -----------------------------------------------------------------------------------------------


def test_create_a_session_through_the_page(client, section_user):
    client.force_login(section_user)
    response = client.post(reverse("training:session_create"), FORM)
    session = TrainingSession.objects.get()
    assert response.status_code == 302 and response.url == session.get_absolute_url()
    assert (session.hours, session.created_by, session.kind) == (Decimal("2.5"), section_user, TrainingKind.CREDIT)
    log = AuditLog.objects.for_object(session).get()
    assert log.action == AuditAction.CREATE and log.changes["hours"] == [None, "2.5"]


@pytest.mark.parametrize("change, message", [
    ({"end_time": "14:00"}, "结束时间须晚于开始时间"),
    ({"hours": "0"}, "确保该值大于或等于0.5"),
    ({"hours": "30"}, "确保该值小于或等于24"),
    ({"topic": ""}, "这个字段是必填项"),
])
def test_session_validation_messages_are_chinese(client, section_user, change, message):
    client.force_login(section_user)
    html = client.post(reverse("training:session_create"), {**FORM, **change}).content.decode()
    assert message in html.replace(" ", "")
    assert not TrainingSession.objects.exists()


def test_a_double_submitted_session_is_refused(client, section_user):
    client.force_login(section_user)
    client.post(reverse("training:session_create"), FORM)
    html = client.post(reverse("training:session_create"), FORM).content.decode()
    assert "请勿重复提交" in html
    assert TrainingSession.objects.count() == 1


def test_update_is_audited_with_before_and_after(section_user, session_2023):
    services.session_update(session=session_2023, data={"hours": Decimal("3.0"), "place": "线上"}, by=section_user)
    log = AuditLog.objects.for_object(session_2023).get(action=AuditAction.UPDATE)
    assert log.changes == {"hours": ["2.5", "3.0"], "place": ["局三楼会议室", "线上"]}


def test_a_session_with_sign_ins_cannot_be_deleted(client, section_user, session_2023, owner):
    _sign(session_2023, owner, section_user)
    with pytest.raises(ValidationError, match="已有 1 人签到，不能删除"):
        services.session_delete(session=session_2023, by=section_user)
    client.force_login(section_user)
    client.post(reverse("training:session_delete", args=[session_2023.pk]))
    assert TrainingSession.objects.filter(pk=session_2023.pk).exists()


def test_delete_an_empty_session_is_audited(client, section_user, session_2023):
    client.force_login(section_user)
    response = client.post(reverse("training:session_delete", args=[session_2023.pk]))
    assert response.status_code == 302
    assert not TrainingSession.objects.exists()
    assert AuditLog.objects.filter(action=AuditAction.DELETE, summary__contains="信用修复政策解读").exists()


@pytest.mark.parametrize("who", ["owner", "leader", "discipline_user"])
def test_only_section_staff_and_admins_manage_sessions(client, request, who, session_2023):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("training:session_create")).status_code == 403
    assert client.post(reverse("training:session_create"), FORM).status_code == 403
    assert client.get(reverse("training:session_update", args=[session_2023.pk])).status_code == 403
    assert client.post(reverse("training:session_delete", args=[session_2023.pk])).status_code == 403
    assert TrainingSession.objects.count() == 1


def test_office_staff_see_sessions_but_only_their_own_sign_in(client, section_user, session_2023, owner, colleague):
    _sign(session_2023, owner, section_user)
    _sign(session_2023, colleague, section_user)
    client.force_login(owner)
    html = client.get(reverse("training:session_detail", args=[session_2023.pk])).content.decode()
    assert "签到（2 人）" in html
    assert reverse("training:person_detail", args=[owner.pk]) in html
    assert reverse("training:person_detail", args=[colleague.pk]) not in html
    assert "录入签到" not in html


def test_session_list_filters_and_sorts(client, owner, section_user):
    make_session(section_user, topic="执法文书规范", kind=TrainingKind.ENFORCEMENT, day=date(2023, 4, 1))
    make_session(section_user, topic="大讲堂：优化营商环境", kind=TrainingKind.LECTURE, day=date(2023, 9, 1))
    make_session(section_user, topic="成员单位无证无照治理", kind=TrainingKind.MEMBER, day=date(2022, 9, 1))
    client.force_login(owner)
    html = client.get(reverse("training:session_list"), {"kind": TrainingKind.LECTURE}).content.decode()
    assert "大讲堂：优化营商环境" in html and "执法文书规范" not in html
    html = client.get(reverse("training:session_list"), {"year": "2022"}).content.decode()
    assert "成员单位无证无照治理" in html and "执法文书规范" not in html
    html = client.get(reverse("training:session_list"), {"sort": "date"}).content.decode()
    assert html.index("成员单位无证无照治理") < html.index("执法文书规范") < html.index("大讲堂：优化营商环境")
    html = client.get(reverse("training:session_list"), {"q": "没有这样的培训"}).content.decode()
    assert "没有符合条件的培训" in html


def test_session_export_is_the_filtered_list(client, leader, section_user):
    make_session(section_user, topic="执法文书规范", kind=TrainingKind.ENFORCEMENT, day=date(2023, 4, 1))
    make_session(section_user, topic="大讲堂：优化营商环境", kind=TrainingKind.LECTURE, day=date(2023, 9, 1))
    client.force_login(leader)
    response = client.get(reverse("training:session_export"), {"kind": TrainingKind.LECTURE})
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)
                .worksheets[0].iter_rows(values_only=True))
    assert [r[3] for r in rows[1:]] == ["大讲堂：优化营商环境"]
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, actor=leader).exists()


# -- a person's training page: owner / colleague / outsider -------------------------------------------------


@pytest.fixture
def owner_record(section_user, session_2023, owner):
    HoursRequirement.objects.create(year=2023, hours=Decimal("6.0"))
    _sign(session_2023, owner, section_user)
    return session_2023


def test_owner_sees_their_own_history_and_hours(client, owner, owner_record):
    client.force_login(owner)
    html = client.get(reverse("training:person_detail", args=[owner.pk]), {"year": 2023}).content.decode()
    assert "信用修复政策解读" in html
    assert "2.5</strong> 学时" in html and "还差 <strong class=\"overdue\">3.5</strong> 学时" in html
    assert client.get(reverse("training:my_training")).url == reverse("training:person_detail", args=[owner.pk])


def test_colleague_gets_404_for_the_owners_page(client, colleague, owner, owner_record):
    client.force_login(colleague)
    assert client.get(reverse("training:person_detail", args=[owner.pk])).status_code == 404


def test_outsider_gets_404_for_the_owners_page(client, outsider, owner, owner_record):
    client.force_login(outsider)
    assert client.get(reverse("training:person_detail", args=[owner.pk])).status_code == 404


def test_discipline_role_sees_only_itself(client, discipline_user, owner, owner_record):
    client.force_login(discipline_user)
    assert client.get(reverse("training:person_detail", args=[owner.pk])).status_code == 404
    assert client.get(reverse("training:person_detail", args=[discipline_user.pk])).status_code == 200


@pytest.mark.parametrize("who", ["section_user", "leader", "admin_user", "superuser"])
def test_district_roles_see_everyones_page(client, request, who, owner, owner_record):
    client.force_login(request.getfixturevalue(who))
    html = client.get(reverse("training:person_detail", args=[owner.pk]), {"year": 2023}).content.decode()
    assert "信用修复政策解读" in html


@pytest.mark.parametrize("who", ["owner", "discipline_user"])
def test_staff_list_is_for_district_roles_only(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("training:staff_list")).status_code == 403
    assert client.get(reverse("training:staff_export")).status_code == 403


def test_a_person_with_no_training_has_an_empty_state(client, leader):
    client.force_login(leader)
    html = client.get(reverse("training:my_training"), follow=True).content.decode()
    assert "您还没有培训签到记录" in html


# -- query counts of the list pages -------------------------------------------------------------------------


@pytest.fixture
def busy_year(section_user, office_a, office_b):
    HoursRequirement.objects.create(year=2023, hours=Decimal("6.0"))
    staff = [make_user(Role.OFFICE, office=office_a if i % 2 else office_b, username=f"staff{i}") for i in range(30)]
    for d in range(12):
        session = make_session(section_user, topic=f"第{d + 1}期大讲堂", day=date(2023, d + 1, 10))
        for person in staff[d:d + 10]:
            _sign(session, person, section_user)
    return staff


@pytest.mark.parametrize("url_name, params", [
    ("training:session_list", {}),
    ("training:staff_list", {"year": 2023}),
    ("training:staff_list", {"year": 2023, "progress": "behind", "sort": "-hours"}),
    ("training:overview", {"year": 2023}),
])
def test_list_pages_have_a_bounded_number_of_queries(client, section_user, busy_year, url_name, params,
                                                     django_assert_max_num_queries):
    client.force_login(section_user)
    client.get(reverse(url_name), params)  # warm the session and content-type caches
    with django_assert_max_num_queries(12):
        response = client.get(reverse(url_name), params)
    assert response.status_code == 200


def test_session_detail_queries_do_not_grow_with_attendees(client, section_user, busy_year,
                                                           django_assert_max_num_queries):
    session = TrainingSession.objects.filter(attendances__isnull=False).first()
    client.force_login(section_user)
    client.get(reverse("training:session_detail", args=[session.pk]))
    with django_assert_max_num_queries(10):
        assert client.get(reverse("training:session_detail", args=[session.pk])).status_code == 200


def test_session_time_is_shown_in_local_time(client, owner, section_user):
    session = make_session(section_user, start=time(8, 30), end=time(9, 30))
    client.force_login(owner)
    html = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "08:30–09:30" in html
