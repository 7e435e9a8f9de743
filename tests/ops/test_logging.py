"""Structured logs: one JSON line per request and per job step; mobile numbers and ID numbers / credit codes masked
in everything a handler writes."""
import io
import json
import logging

import pytest
from django.conf import settings
from django.urls import reverse

from core.choices import JobStatus
from core.log import JsonFormatter, MaskPersonalDataFilter, mask_personal_data
from core.services import job_claim, job_create, job_fail, job_finish


@pytest.mark.parametrize("text, masked", [
    ("联系电话13905950000，请回电", "联系电话139****0000，请回电"),
    ("tel +86 18650001234.", "tel +86 186****1234."),
    ("身份证 350505199001011234 核对", "身份证 3505**********1234 核对"),
    ("身份证 35050519900101123x", "身份证 3505**********123x"),
    ("代码 91350505MA2Y4LJ02K 已存在", "代码 9135**********J02K 已存在"),
    ("Key (uscc)=(91350505ma2y4lj02k) already exists.", "Key (uscc)=(9135**********j02k) already exists."),
])
def test_personal_data_is_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize("text", [
    "job registry.tasks.import_entities_task #12345 succeeded in 1234.5 ms",
    "GET /registry/entities/40001/ 200",
    "2026-11-26T08:00:00.123+00:00",
    "12345678901",  # 11 digits that are no mobile number (mobiles start 13–19)
    "139059500001",  # 12 digits
    "固定电话 0595-87654321",
])
def test_other_numbers_are_left_alone(text):
    assert mask_personal_data(text) == text


def json_handler():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskPersonalDataFilter())
    handler.setFormatter(JsonFormatter())
    return handler, stream


@pytest.fixture
def captured():
    """What a handler configured as in settings.LOGGING writes, as parsed JSON lines."""
    handler, stream = json_handler()
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_settings_wire_the_filter_and_the_json_format_into_every_handler():
    assert settings.LOGGING["handlers"]["console"]["formatter"] == settings.LOG_FORMAT
    for handler in settings.LOGGING["handlers"].values():
        assert "mask_personal_data" in handler["filters"]
    assert settings.LOGGING["formatters"]["json"]["()"] == "core.log.JsonFormatter"
    assert "core.log.RequestLogMiddleware" in settings.MIDDLEWARE


def test_messages_arguments_fields_and_tracebacks_are_masked(captured):
    log = logging.getLogger("registry.importer")
    log.warning("第 %s 行 电话 %s 身份证 %s", 3, "13905950000", "350505199001011234",
                extra={"fields": {"event": "import", "uscc": "91350505MA2Y4LJ02K", "rows": 3}})
    try:
        raise ValueError("duplicate key (uscc)=(91350505MA2Y4LJ02K), phone 13905950000")
    except ValueError:
        log.exception("导入失败")
    first, second = captured()
    assert first["message"] == "第 3 行 电话 139****0000 身份证 3505**********1234"
    assert first["uscc"] == "9135**********J02K" and first["rows"] == 3 and first["event"] == "import"
    assert first["level"] == "WARNING" and first["logger"] == "registry.importer"
    assert second["message"] == "导入失败"
    assert "9135**********J02K" in second["exception"] and "139****0000" in second["exception"]
    assert "13905950000" not in json.dumps(second) and "91350505MA2Y4LJ02K" not in json.dumps(second)


@pytest.mark.django_db
def test_one_json_line_per_request_with_user_and_duration_and_no_query_string(client, captured, section_user):
    client.force_login(section_user)
    client.get(reverse("registry:entity_list"), {"q": "13905950000"})
    client.get("/no-such-page/")
    requests = [e for e in captured() if e.get("event") == "request"]
    assert len(requests) == 2
    page, missing = requests
    assert page["method"] == "GET" and page["path"] == "/registry/entities/" and page["status"] == 200
    assert page["user_id"] == section_user.pk and page["username"] == "credit"
    assert page["duration_ms"] > 0
    assert missing["status"] == 404 and missing["level"] == "INFO"
    assert "13905950000" not in json.dumps(requests)


@pytest.mark.django_db
def test_one_json_line_per_job_step_with_task_status_and_duration(captured, section_user):
    done = job_create(kind="registry.import_entities", user=section_user)
    job_finish(job_claim(done.pk), result={})
    failed = job_create(kind="registry.import_entities", user=section_user)
    job_fail(job_claim(failed.pk), error="第 2 行 联系电话 13905950000 格式不对")
    jobs = [e for e in captured() if e.get("event") == "job"]
    assert [(e["job_id"], e["status"]) for e in jobs] == [
        (done.pk, JobStatus.RUNNING), (done.pk, JobStatus.SUCCEEDED),
        (failed.pk, JobStatus.RUNNING), (failed.pk, JobStatus.FAILED),
    ]
    finished = jobs[1]
    assert finished["task"] == "registry.import_entities" and finished["user_id"] == section_user.pk
    assert finished["duration_ms"] >= 0 and finished["level"] == "INFO"
    assert jobs[3]["level"] == "WARNING" and jobs[3]["error"] == "第 2 行 联系电话 139****0000 格式不对"
