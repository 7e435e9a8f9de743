"""Sign-in on the session page and the .xlsx import: row errors, all-or-nothing, the template, the audit trail."""
from datetime import datetime, time
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.choices import AuditAction, Role
from core.models import AuditLog
from tests.factories import make_user
from tests.training.conftest import xlsx_upload
from training import services
from training.choices import AttendanceSource
from training.excel import ImportRejected, read_attendance_file
from training.models import Attendance


def _at(session, hh, mm):
    return timezone.make_aware(datetime.combine(session.date, time(hh, mm)))


def _import(session, upload, by):
    return services.attendance_import(session=session, rows=read_attendance_file(upload), by=by,
                                      filename=upload.name)


def _errors(exc_info) -> list[str]:
    return [str(e) for e in exc_info.value.errors]


# -- entered on the page ------------------------------------------------------------------------------------


def test_record_signs_in_and_audits(session_2023, section_user, owner, colleague):
    new, skipped = services.attendance_record(session=session_2023, users=[owner, colleague],
                                              score=Decimal("90"), by=section_user)
    assert {a.user for a in new} == {owner, colleague} and skipped == []
    a = Attendance.objects.get(session=session_2023, user=owner)
    assert a.signed_in_at == session_2023.starts_at  # no time given: the session's start
    assert a.score == Decimal("90") and a.source == AttendanceSource.MANUAL and a.recorded_by == section_user
    log = AuditLog.objects.for_object(session_2023).get(action=AuditAction.CREATE)
    assert log.actor == section_user
    assert sorted(log.extra["users"]) == ["colleague", "owner"]


def test_a_resubmitted_sign_in_adds_nobody_twice(session_2023, section_user, owner, colleague):
    services.attendance_record(session=session_2023, users=[owner], by=section_user)
    new, skipped = services.attendance_record(session=session_2023, users=[owner, colleague], by=section_user)
    assert [a.user for a in new] == [colleague] and skipped == [owner]
    assert session_2023.attendances.count() == 2


def test_sign_in_must_be_on_the_session_day_and_score_in_range(session_2023, section_user, owner):
    next_day = session_2023.starts_at + timezone.timedelta(days=1)
    with pytest.raises(ValidationError, match="签到时间须在培训当天"):
        services.attendance_record(session=session_2023, users=[owner], signed_in_at=next_day, by=section_user)
    with pytest.raises(ValidationError, match="0 到 100"):
        services.attendance_record(session=session_2023, users=[owner], score=Decimal("101"), by=section_user)
    assert not session_2023.attendances.exists()


def test_accounts_without_a_role_or_inactive_cannot_be_signed_in(session_2023, section_user, office_a):
    stranger = make_user(None, office=office_a, username="stranger")
    gone = make_user(Role.OFFICE, office=office_a, username="gone", is_active=False)
    with pytest.raises(ValidationError, match="不是在册工作人员"):
        services.attendance_record(session=session_2023, users=[stranger, gone], by=section_user)


def test_remove_is_audited_and_guarded(session_2023, section_user, owner):
    (a,), _ = services.attendance_record(session=session_2023, users=[owner], by=section_user)
    services.attendance_remove(attendance=a, by=section_user)
    assert not Attendance.objects.filter(pk=a.pk).exists()
    assert AuditLog.objects.for_object(session_2023).filter(action=AuditAction.DELETE,
                                                            extra__user="owner").exists()
    with pytest.raises(ValidationError, match="已被移除"):
        services.attendance_remove(attendance=a, by=section_user)


def test_sign_in_through_the_page(client, session_2023, section_user, owner, colleague):
    client.force_login(section_user)
    response = client.post(reverse("training:attendance_add", args=[session_2023.pk]),
                           {"users": [owner.pk, colleague.pk], "signed_in_at": "2023-05-12T09:05", "score": ""})
    assert response.status_code == 302
    assert session_2023.attendances.count() == 2
    assert timezone.localtime(session_2023.attendances.first().signed_in_at).time() == time(9, 5)


def test_office_staff_cannot_record_sign_ins(client, session_2023, owner):
    client.force_login(owner)
    response = client.post(reverse("training:attendance_add", args=[session_2023.pk]), {"users": [owner.pk]})
    assert response.status_code == 403
    assert not session_2023.attendances.exists()


# -- imported from .xlsx ------------------------------------------------------------------------------------


@pytest.fixture
def people(office_a):
    """Staff to import: two namesakes, one unique name."""
    return {
        "zhang": make_user(Role.OFFICE, office=office_a, username="zhangwei", full_name="张伟"),
        "zhang2": make_user(Role.SECTION, username="zhangwei2", full_name="张伟"),
        "chen": make_user(Role.OFFICE, office=office_a, username="chenjing", full_name="陈静"),
        "lin": make_user(Role.OFFICE, office=office_a, username="linfang", full_name="林芳"),
    }


def test_a_valid_file_imports_every_row(session_2023, section_user, people):
    upload = xlsx_upload([
        ["用户名", "姓名", "签到时间", "测验成绩"],
        ["zhangwei", "张伟", "2023-05-12 08:55", 88.5],
        [None, "陈静", "09:02", None],
        ["LinFang", None, None, "95"],
    ])
    new = _import(session_2023, upload, section_user)
    assert len(new) == 3
    got = {a.user.username: (timezone.localtime(a.signed_in_at).time(), a.score, a.source)
           for a in session_2023.attendances.select_related("user")}
    assert got == {
        "zhangwei": (time(8, 55), Decimal("88.5"), AttendanceSource.IMPORT),
        "chenjing": (time(9, 2), None, AttendanceSource.IMPORT),
        "linfang": (time(9, 0), Decimal("95.0"), AttendanceSource.IMPORT),  # blank time: the session's start
    }
    log = AuditLog.objects.for_object(session_2023).get(action=AuditAction.IMPORT)
    assert log.actor == section_user and log.extra["file"] == "签到表.xlsx"


def test_any_bad_row_imports_nothing_and_every_error_is_reported(session_2023, section_user, people, office_a):
    services.attendance_record(session=session_2023, users=[people["lin"]], signed_in_at=_at(session_2023, 8, 50),
                               by=section_user)
    upload = xlsx_upload([
        ["用户名", "姓名", "签到时间", "测验成绩"],
        ["chenjing", "陈静", "09:00", 90],          # 2: fine, but must not be saved
        ["nosuch", None, None, None],              # 3: unknown user name
        [None, "王五", None, None],                 # 4: unknown name
        [None, "张伟", None, None],                 # 5: namesakes
        ["zhangwei", None, None, "优秀"],           # 6: score not a number
        ["zhangwei", None, None, None],            # 7: same person as row 6
        [None, "陈静", None, None],                 # 8: same person as row 2 (by name this time)
        ["linfang", None, None, None],             # 9: already signed in
        ["zhangwei2", None, None, 120],            # 10: score out of range
        ["zhangwei2", "李四", "2023-05-13 09:00", 88.25],  # 11: name mismatch, other day, two decimals
        [None, None, "09:00", None],               # 12: nobody named
    ])
    with pytest.raises(ImportRejected) as exc_info:
        _import(session_2023, upload, section_user)
    assert _errors(exc_info) == [
        "第 3 行 · 用户名 · 系统中没有用户名“nosuch”",
        "第 4 行 · 姓名 · 系统中没有名为“王五”的在册工作人员",
        "第 5 行 · 姓名 · 有 2 名工作人员同名“张伟”，请改填用户名",
        "第 6 行 · 测验成绩 · “优秀”不是有效的成绩",
        "第 7 行 · 用户名 · 与第 6 行是同一人（张伟），请删除重复行",
        "第 8 行 · 姓名 · 与第 2 行是同一人（陈静），请删除重复行",
        "第 9 行 · 用户名 · “林芳”已于 08:50 签到，不能重复录入",
        "第 10 行 · 测验成绩 · 成绩须在 0 到 100 之间，填写的是 120",
        "第 11 行 · 姓名 · 与用户名“zhangwei2”对应的姓名是“张伟”，与填写的“李四”不一致",
        "第 11 行 · 签到时间 · 签到时间须在培训当天（2023-05-12）",
        "第 11 行 · 测验成绩 · 成绩最多保留一位小数",
        "第 12 行 · 用户名/姓名 · 用户名和姓名都没有填写",
    ]
    assert list(session_2023.attendances.values_list("user__username", flat=True)) == ["linfang"]
    assert not AuditLog.objects.filter(action=AuditAction.IMPORT).exists()


def test_title_rows_above_the_header_keep_the_excel_row_numbers(session_2023, section_user, people):
    upload = xlsx_upload([["姓名", "测验成绩"], ["陈静", -1]], title_rows=[["2023年5月大讲堂签到表"], []])
    with pytest.raises(ImportRejected) as exc_info:
        _import(session_2023, upload, section_user)
    assert _errors(exc_info) == ["第 4 行 · 测验成绩 · 成绩须在 0 到 100 之间，填写的是 -1"]


def test_a_file_that_is_not_xlsx_gets_one_clear_message(session_2023, section_user):
    for upload, expected in [
        (SimpleUploadedFile("签到表.xls", b"\xd0\xcf\x11\xe0 old excel"), "只能导入 .xlsx 格式"),
        (SimpleUploadedFile("签到表.xlsx", b"this is not a zip file"), "不是有效的 .xlsx 工作簿"),
        (SimpleUploadedFile("签到表.csv", "用户名\nowner\n".encode()), "另存为 Excel 工作簿"),
    ]:
        with pytest.raises(ImportRejected) as exc_info:
            read_attendance_file(upload)
        assert expected in exc_info.value.message and exc_info.value.errors == []


def test_a_sheet_without_a_header_gets_one_clear_message(session_2023, section_user):
    upload = xlsx_upload([["张伟", "2023-05-12 09:00"], ["陈静", "09:00"]])
    with pytest.raises(ImportRejected) as exc_info:
        read_attendance_file(upload)
    assert "未找到表头" in exc_info.value.message and "用户名" in exc_info.value.message


def test_a_header_with_no_rows_imports_nothing(session_2023, section_user):
    with pytest.raises(ImportRejected) as exc_info:
        _import(session_2023, xlsx_upload([["用户名", "姓名"]]), section_user)
    assert "没有签到数据" in exc_info.value.message


def test_the_template_round_trips(client, section_user, session_2023, people):
    client.force_login(section_user)
    response = client.get(reverse("training:attendance_template"))
    assert response.status_code == 200
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == ["用户名", "姓名", "签到时间", "测验成绩"]
    assert book.sheetnames == ["签到表", "填写说明"]
    sheet.append(["chenjing", "陈静", "09:10", 100])
    buffer = BytesIO()
    book.save(buffer)
    new = _import(session_2023, SimpleUploadedFile("模板.xlsx", buffer.getvalue()), section_user)
    assert [a.user for a in new] == [people["chen"]]


def test_the_import_page_lists_the_row_errors_and_saves_nothing(client, section_user, session_2023, people):
    client.force_login(section_user)
    url = reverse("training:attendance_import", args=[session_2023.pk])
    upload = xlsx_upload([["用户名", "测验成绩"], ["chenjing", 80], ["nosuch", 70]])
    html = client.post(url, {"file": upload}).content.decode()
    assert "未导入任何签到" in html
    assert "第 3 行 · 用户名</span> · 系统中没有用户名“nosuch”" in html
    assert not session_2023.attendances.exists()
    response = client.post(url, {"file": xlsx_upload([["用户名", "测验成绩"], ["chenjing", 80]])})
    assert response.status_code == 302
    assert session_2023.attendances.get().user == people["chen"]


def test_the_import_page_explains_a_broken_file(client, section_user, session_2023):
    client.force_login(section_user)
    url = reverse("training:attendance_import", args=[session_2023.pk])
    html = client.post(url, {"file": SimpleUploadedFile("a.xlsx", b"garbage")}).content.decode()
    assert "不是有效的 .xlsx 工作簿" in html


@pytest.mark.parametrize("who", ["owner", "leader", "discipline_user"])
def test_only_managers_may_import(client, request, who, session_2023):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("training:attendance_import", args=[session_2023.pk])).status_code == 403
    assert client.get(reverse("training:attendance_template")).status_code == 403
