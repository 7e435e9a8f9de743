"""The 工作日历 page: who may use it, entering a holiday period, validation, atomicity, deletion and the audit trail."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import calendar_views, workdays
from core.choices import AuditAction, Role
from core.models import AuditLog, CalendarDay, CalendarYear
from core.workdays import add_workdays, calendar_covers
from tests.factories import make_user

URL = reverse("core:calendar")

# A National Day arrangement in 2030 shaped like 2024's: 10-1 (Tuesday) to 10-7 off, 9-29 (Sunday) and 10-12
# (Saturday) working. 2030 is not in the seeded calendar.
PERIOD = {"name": "国庆节", "first_day": "2030-10-01", "last_day": "2030-10-07",
          "makeup_days": "2030-09-29，2030-10-12"}


@pytest.fixture(autouse=True)
def fresh_cache():
    workdays._forget()
    yield
    workdays._forget()


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, username="caladmin")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _audits(action):
    return AuditLog.objects.filter(action=action, summary__startswith="工作日历")


# ---- access ---------------------------------------------------------------------------------------------------

def test_admin_opens_the_page_and_sees_it_in_the_navigation(admin_client):
    response = admin_client.get(URL, {"year": 2024})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{URL}"' in html and "工作日历" in html
    assert "2月10日 至 2月17日" in html and "2月4日（星期日）" in html and "2月18日（星期日）" in html
    assert "10月1日 至 10月7日" in html and "10月12日（星期六）" in html
    assert "已录入完毕" in html


@pytest.mark.parametrize("who", ["section_user", "owner", "leader"])
def test_other_roles_get_403(db, client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, PERIOD).status_code == 403
    assert client.post(reverse("core:calendar_complete", args=[2030])).status_code == 403
    day = CalendarDay.objects.get(date=date(2024, 10, 1))
    assert client.post(reverse("core:calendar_delete"), {"ids": [day.pk]}).status_code == 403
    assert CalendarDay.objects.filter(pk=day.pk).exists() and not CalendarDay.objects.filter(date__year=2030).exists()
    assert "工作日历" not in client.get(reverse("home")).content.decode()


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# ---- entering a year ------------------------------------------------------------------------------------------

def test_enter_a_period_then_mark_the_year_entered(admin_client, admin_user):
    response = admin_client.post(URL, PERIOD)
    assert response.status_code == 302 and response.url.endswith("?year=2030")
    rows = {r.date: (r.is_workday, r.name) for r in CalendarDay.objects.filter(date__year=2030)}
    assert rows == {
        date(2030, 9, 29): (True, "国庆节调休上班"),
        date(2030, 10, 1): (False, "国庆节"), date(2030, 10, 2): (False, "国庆节"),
        date(2030, 10, 3): (False, "国庆节"), date(2030, 10, 4): (False, "国庆节"),
        date(2030, 10, 5): (False, "国庆节"), date(2030, 10, 6): (False, "国庆节"),
        date(2030, 10, 7): (False, "国庆节"),
        date(2030, 10, 12): (True, "国庆节调休上班"),
    }
    log = _audits(AuditAction.CREATE).get()
    assert log.actor == admin_user and "国庆节" in log.summary
    assert log.extra["makeup_days"] == ["2030-09-29", "2030-10-12"] and len(log.extra["holidays"]) == 7

    html = admin_client.get(response.url).content.decode()
    assert "已录入国庆节：休息日 7 天，调休上班日 2 天" in html
    assert "尚未标记录入完毕" in html and "标记 2030 年已录入完毕" in html
    # Not marked complete yet: 2030 still counts weekends only.
    assert not calendar_covers(2030)
    assert add_workdays(date(2030, 9, 30), 1) == date(2030, 10, 1)

    response = admin_client.post(reverse("core:calendar_complete", args=[2030]))
    assert response.status_code == 302
    record = CalendarYear.objects.get(year=2030)
    assert record.entered_by == admin_user
    assert _audits(AuditAction.CREATE).filter(summary__contains="2030 年节假日安排已录入完毕").exists()
    assert calendar_covers(2030)
    assert add_workdays(date(2030, 9, 27), 1) == date(2030, 9, 29)
    assert add_workdays(date(2030, 9, 30), 1) == date(2030, 10, 8)
    assert add_workdays(date(2030, 10, 11), 1) == date(2030, 10, 12)


def test_marking_a_year_twice_or_without_holidays_is_refused(admin_client):
    response = admin_client.post(reverse("core:calendar_complete", args=[2031]), follow=True)
    assert "2031 年尚未录入任何节假日，不能标记为录入完毕" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2031).exists()
    response = admin_client.post(reverse("core:calendar_complete", args=[2024]), follow=True)
    assert "2024 年已标记为录入完毕" in response.content.decode()


def test_reentering_the_same_days_changes_nothing(admin_client):
    admin_client.post(URL, PERIOD)
    response = admin_client.post(URL, PERIOD)
    assert response.status_code == 200
    assert "这些日期均已按相同安排录入，没有新增记录" in response.content.decode()
    assert CalendarDay.objects.filter(date__year=2030).count() == 9
    assert _audits(AuditAction.CREATE).count() == 1


# ---- validation -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, message", [
    ({"first_day": "2030-10-07", "last_day": "2030-10-01"}, "放假最后一天不能早于第一天。"),
    ({"last_day": "2030-10-20"}, "放假期间不能超过 15 天（本次 20 天）"),
    ({"makeup_days": "2030-09-30"}, "调休上班日必须是周六或周日：2030-09-30（星期一）。"),
    ({"makeup_days": "2030-09-29 2030-10-05"}, "调休上班日 2030-10-05（星期六） 在放假期间之内。"),
    ({"makeup_days": "2029-09-29"}, "离放假期间超过 45 天"),
    ({"makeup_days": "2030-09-31"}, "无法识别的日期：2030-09-31"),
    ({"first_day": "10/01/2030"}, "请按 2025-10-01 的格式填写日期。"),
    ({"name": "  "}, "请填写假日名称。"),
])
def test_bad_periods_are_refused_in_chinese_and_write_nothing(admin_client, changes, message):
    response = admin_client.post(URL, {**PERIOD, **changes})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CalendarDay.objects.filter(date__year=2030).exists()
    assert not _audits(AuditAction.CREATE).exists()


def test_a_date_entered_with_another_meaning_is_a_conflict_and_nothing_is_written(admin_client):
    # 2024-10-12 is a make-up working day of National Day; 2024-10-13 is an ordinary Sunday.
    before = CalendarDay.objects.count()
    response = admin_client.post(URL, {"name": "测试假期", "first_day": "2024-10-12", "last_day": "2024-10-14",
                                       "makeup_days": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "2024-10-12（星期六） 已录入为“国庆节调休上班”（调休上班日），与本次录入冲突，请先删除原记录。" in html
    assert CalendarDay.objects.count() == before
    assert not CalendarDay.objects.filter(date=date(2024, 10, 14)).exists()


def test_a_failure_after_writing_rolls_the_whole_period_back(db, admin_user, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("审计写入失败")

    monkeypatch.setattr(calendar_views, "audit", broken_audit)
    with pytest.raises(RuntimeError):
        calendar_views.holiday_period_add(name="国庆节", first_day=date(2030, 10, 1), last_day=date(2030, 10, 7),
                                          makeup_days=[date(2030, 9, 29)], by=admin_user)
    assert not CalendarDay.objects.filter(date__year=2030).exists()


def test_service_reports_every_conflict(db, admin_user):
    with pytest.raises(ValidationError) as excinfo:
        calendar_views.holiday_period_add(name="测试", first_day=date(2024, 2, 18), last_day=date(2024, 2, 18),
                                          makeup_days=[date(2024, 2, 10)], by=admin_user)
    assert len(excinfo.value.messages) == 2
    assert "已录入为“春节调休上班”" in excinfo.value.messages[1]
    assert "已录入为“春节”（休息日）" in excinfo.value.messages[0]


# ---- deletion -------------------------------------------------------------------------------------------------

def test_delete_a_period_asks_first_and_is_audited(admin_client, admin_user):
    admin_client.post(URL, PERIOD)
    html = admin_client.get(URL, {"year": 2030}).content.decode()
    assert 'data-confirm="确定删除“国庆节”（10月1日起 7 天，及 2 个调休上班日）吗？' in html
    ids = list(CalendarDay.objects.filter(date__year=2030).values_list("pk", flat=True))
    response = admin_client.post(reverse("core:calendar_delete") + "?year=2030", {"ids": ids}, follow=True)
    assert "已删除 9 天" in response.content.decode()
    assert not CalendarDay.objects.filter(date__year=2030).exists()
    log = _audits(AuditAction.DELETE).get()
    assert log.actor == admin_user and "国庆节" in log.summary
    saturday = {"date": "2030-10-12", "is_workday": True, "name": "国庆节调休上班", "source": "管理员录入"}
    assert saturday in log.extra["days"]


def test_deleting_a_seeded_day_changes_deadlines_at_once(admin_client):
    assert add_workdays(date(2024, 10, 11), 1) == date(2024, 10, 12)
    day = CalendarDay.objects.get(date=date(2024, 10, 12))
    admin_client.post(reverse("core:calendar_delete"), {"ids": [day.pk]})
    assert add_workdays(date(2024, 10, 11), 1) == date(2024, 10, 14)


def test_deleting_nothing_says_so(admin_client):
    response = admin_client.post(reverse("core:calendar_delete"), {"ids": ["999999999"]}, follow=True)
    assert "要删除的记录不存在或已被删除" in response.content.decode()
    assert not _audits(AuditAction.DELETE).exists()


def test_delete_needs_post(admin_client):
    assert admin_client.get(reverse("core:calendar_delete")).status_code == 405


# ---- the December reminder ------------------------------------------------------------------------------------

def test_december_warns_while_next_year_is_not_entered(admin_client, monkeypatch):
    monkeypatch.setattr(calendar_views, "_today", lambda: date(2026, 12, 3))
    html = admin_client.get(URL).content.decode()
    assert "2027 年节假日安排尚未录入" in html
    assert "工作日历 · 2027 年" in html  # December opens on next year

    CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False, name="元旦")
    CalendarYear.objects.create(year=2027, source="测试")
    assert "2027 年节假日安排尚未录入" not in admin_client.get(URL).content.decode()


def test_no_warning_before_december(admin_client, monkeypatch):
    monkeypatch.setattr(calendar_views, "_today", lambda: date(2026, 11, 20))
    html = admin_client.get(URL).content.decode()
    assert "节假日安排尚未录入" not in html and "工作日历 · 2026 年" in html
