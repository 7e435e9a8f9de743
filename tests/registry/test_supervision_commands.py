"""The screening and chasing commands and the morning task."""
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.workdays import is_workday
from registry import dereg
from registry.supervision_models import DeregCase, DeregFeedback
from registry.tasks import dereg_chase_feedback_task

pytestmark = pytest.mark.django_db


def test_screen_command(revoked_entity, section_user):
    out = StringIO()
    call_command("dereg_screen", "--date", "2025-03-03", "--user", "credit", stdout=out)
    assert "新增强制注销候选 1 户" in out.getvalue()
    assert DeregCase.objects.get().screened_by == section_user
    call_command("dereg_screen", "--date", "2025-03-03", stdout=out)
    assert DeregCase.objects.count() == 1
    with pytest.raises(CommandError, match="日期格式"):
        call_command("dereg_screen", "--date", "3/3/2025")
    with pytest.raises(CommandError, match="没有用户名"):
        call_command("dereg_screen", "--user", "nobody")


def test_chase_command_and_task(revoked_entity, section_user, tax):
    case = dereg.candidates_screen(by=section_user, on=date(2025, 3, 3))[0][0]
    dereg.case_send_reminder(case=case, sent_on=date(2025, 3, 4), by=section_user)
    dereg.case_request_feedback(case=case, departments=[tax], requested_on=date(2025, 4, 28), by=section_user)
    out = StringIO()
    call_command("dereg_chase_feedback", "--date", "2025-05-16", stdout=out)
    assert "已催办 1 件" in out.getvalue()
    # Today, on a working day, it is chased again (it is still overdue); on a holiday or weekend the task skips.
    expected = 1 if is_workday(timezone.localdate()) else 0
    assert dereg_chase_feedback_task.delay().get() == expected
    assert DeregFeedback.objects.get().chase_count == 1 + expected
