from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from .services import login_failure_record, login_failures_clear, login_is_locked


class ThrottleMixin:
    """Refuses further attempts while an account is locked after repeated failures."""

    locked_message = "登录失败次数过多，账号已临时锁定，请 %(minutes)s 分钟后再试或联系系统管理员。"

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = self.request.META.get("REMOTE_ADDR") if self.request else None
        if username and login_is_locked(username=username, ip=ip):
            raise forms.ValidationError(
                self.locked_message, code="locked",
                params={"minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                login_failure_record(username=username, ip=ip)
            raise
        login_failures_clear(username=username)
        return cleaned


class ThrottledAuthenticationForm(ThrottleMixin, AuthenticationForm):
    """The staff log-in form."""

    error_messages = {
        "invalid_login": "用户名或密码错误。请注意区分大小写。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }


class ThrottledAdminAuthenticationForm(ThrottleMixin, AdminAuthenticationForm):
    """Django admin's log-in form, throttled the same way."""
