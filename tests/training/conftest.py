"""Fixtures of the training tests: sessions, a year's requirement, a superuser, xlsx files built in memory."""
import io
from datetime import date, time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from core.choices import Role
from tests.factories import make_user
from training.choices import TrainingKind
from training.models import HoursRequirement, TrainingSession


def make_session(by, *, topic="信用修复政策解读", day=date(2023, 5, 12), start=time(9, 0), end=time(11, 30),
                 hours="2.5", kind=TrainingKind.LECTURE, **extra) -> TrainingSession:
    return TrainingSession.objects.create(
        topic=topic, kind=kind, lecturer="林主讲", date=day, start_time=start, end_time=end, hours=Decimal(hours),
        place="局三楼会议室", audience="全局工作人员", created_by=by, **extra)


def xlsx_upload(rows, *, name="签到表.xlsx", title_rows=()) -> SimpleUploadedFile:
    """An .xlsx upload whose first sheet holds optional title rows, then the given rows (header first)."""
    book = Workbook()
    sheet = book.active
    for row in [*title_rows, *rows]:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture
def superuser(db):
    """A superuser account with no role group (the usual 'admin')."""
    return make_user(None, username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, username="sysadmin", is_staff=True)


@pytest.fixture
def session_2023(section_user):
    return make_session(section_user)


@pytest.fixture
def requirement_2023(db):
    return HoursRequirement.objects.create(year=2023, hours=Decimal("6.0"))
