"""The shared view helpers: one line of form errors, and a POST step that reports the service's message."""
from datetime import date

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from core.dates import recorded_date
from core.web import form_error_text, form_step


class StepForm(forms.Form):
    done_on = forms.DateField(label="完成日期")
    note = forms.CharField(required=False)

    def clean(self):
        if self.cleaned_data.get("note") == "冲突":
            raise ValidationError("备注与记录冲突。")
        return self.cleaned_data


def _request(data):
    request = RequestFactory().post("/", data)
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_form_error_text_names_the_field_and_keeps_form_errors_plain():
    form = StepForm({"done_on": "不是日期", "note": "冲突"})
    assert not form.is_valid()
    assert form_error_text(form) == "完成日期：输入一个有效的日期。；备注与记录冲突。"
    form = StepForm({"done_on": "2026-01-05", "note": "冲突"})
    assert not form.is_valid()
    assert form_error_text(form) == "备注与记录冲突。"


def test_form_step_flashes_the_service_message_and_redirects_back():
    calls = []

    def act(data):
        calls.append(data["done_on"])
        return "已登记。"

    request = _request({"done_on": "2026-01-05"})
    response = form_step(request, StepForm(request.POST), act, "/back/")
    assert response.status_code == 302 and response.url == "/back/"
    assert calls == [date(2026, 1, 5)]
    assert [(m.level_tag, m.message) for m in get_messages(request)] == [("success", "已登记。")]


def test_form_step_does_not_call_the_service_for_an_invalid_form_and_prefixes_errors():
    def act(data):
        raise AssertionError("must not run")

    request = _request({"done_on": ""})
    response = form_step(request, StepForm(request.POST), act, "/back/", prefix="某某商行：")
    assert response.url == "/back/"
    assert [m.message for m in get_messages(request)] == ["某某商行：完成日期：这个字段是必填项。"]


def test_form_step_reports_a_service_refusal():
    def act(data):
        raise ValidationError("该案件已办结，不能再登记。")

    request = _request({"done_on": "2026-01-05"})
    form_step(request, StepForm(request.POST), act, "/back/")
    assert [(m.level_tag, m.message) for m in get_messages(request)] == [("error", "该案件已办结，不能再登记。")]


@pytest.mark.parametrize("value, kwargs, message", [
    (None, {}, "请填写决定日期。"),
    (date(2999, 1, 1), {}, "决定日期不能晚于今天。"),
    (date(2020, 1, 1), {"not_before": date(2020, 2, 1), "not_before_label": "受理日期"},
     "决定日期不能早于受理日期（2020-02-01）。"),
])
def test_recorded_date_refuses_with_a_chinese_message(value, kwargs, message):
    with pytest.raises(ValidationError) as exc:
        recorded_date(value, "决定日期", **kwargs)
    assert exc.value.messages == [message]


def test_recorded_date_accepts_today_and_the_bound_itself():
    assert recorded_date(date(2020, 2, 1), "决定日期", not_before=date(2020, 2, 1)) == date(2020, 2, 1)
