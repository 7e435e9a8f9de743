"""Log-in: Chinese pages, throttling against password guessing, session expiry, CSRF, landing pages."""
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core.choices import AuditAction, Role
from core.models import AuditLog, LoginFailure
from tests.factories import make_user

PASSWORD = "pass-for-tests-2023"


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_page_is_chinese(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "用户名" in html and "密码" in html and 'lang="zh-CN"' in html


def test_login_with_right_password_lands_on_home(client, owner):
    response = _login(client, "owner", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")
    html = client.get(reverse("home")).content.decode()
    assert "市场监管所人员" in html and owner.office.name in html


def test_wrong_password_message_in_chinese(client, owner):
    html = _login(client, "owner", "wrong").content.decode()
    assert "用户名或密码错误" in html


def test_account_locked_after_repeated_failures(client, owner):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, "owner", "wrong")
    # Now even the right password is refused while the lock lasts.
    response = _login(client, "owner", PASSWORD)
    assert response.status_code == 200
    assert "已临时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_LOCKED).exists()


def test_lock_is_per_account(client, owner, colleague):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, "owner", "wrong")
    assert _login(Client(), "colleague", PASSWORD).status_code == 302


def test_success_clears_earlier_failures(client, owner):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        _login(client, "owner", "wrong")
    assert _login(client, "owner", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="owner").exists()


def test_admin_login_is_throttled_too(client, db):
    make_user(username="boss", is_staff=True)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "boss", "password": "wrong"})
    html = client.post(reverse("admin:login"), {"username": "boss", "password": PASSWORD}).content.decode()
    assert "已临时锁定" in html


def test_session_expires_and_ends_with_browser():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_forms_require_csrf(owner):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "owner", "password": PASSWORD})
    assert response.status_code == 403


def test_logout_is_post_only(client, owner):
    client.force_login(owner)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_home_for_each_role(client, owner, section_user, leader, discipline_user, entity_a, entity_b):
    client.force_login(owner)
    html = client.get(reverse("home")).content.decode()
    assert "存续市场主体（本所）" in html and "各市场监管所存续主体" not in html
    client.force_login(section_user)
    html = client.get(reverse("home")).content.decode()
    assert "各市场监管所存续主体" in html and entity_b.office.name in html
    client.force_login(leader)  # leadership's landing page is the dashboard (领导驾驶舱)
    html = client.get(reverse("home")).content.decode()
    assert "领导驾驶舱" in html and "双随机抽查五项指标" in html
    client.force_login(discipline_user)
    html = client.get(reverse("home")).content.decode()
    assert "没有可查看的市场主体名录" in html
    assert reverse("registry:entity_list") not in html  # the navigation hides what the role may not use


def test_navigation_shows_only_allowed_entries(client, owner, leader):
    client.force_login(owner)
    html = client.get(reverse("home")).content.decode()
    assert "市场主体名录" in html and reverse("admin:index") not in html


def test_error_pages_are_chinese(client, owner, discipline_user, entity_a):
    client.force_login(discipline_user)
    assert "无权访问" in client.get(reverse("registry:entity_list")).content.decode()
    client.force_login(owner)
    assert "不在您的管辖范围内" in client.get("/registry/entities/999999/").content.decode()


def test_expired_csrf_token_gets_a_chinese_page(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_role_label_names_a_member_departments_account(db):
    from core.choices import DepartmentKind
    from tests.factories import make_department

    tax = make_department(DepartmentKind.MEMBER, name="区税务局")
    assert make_user(department=tax).role_label == "成员单位"
    section = make_department(DepartmentKind.SECTION, name="信用监管股")
    assert make_user(department=section).role_label == "未分配角色"  # a section's staff need a role group
    assert make_user(Role.OFFICE, department=tax).role_label == Role.OFFICE.label
