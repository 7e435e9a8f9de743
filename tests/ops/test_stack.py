"""The units' commands, run for real: gunicorn with production settings, a Celery worker and beat on the real
PostgreSQL (the test database) and Redis; requests over HTTP to gunicorn; jobs through the worker; Redis stopped
and started again.

Pages that need a logged-in user are driven with Django's test client in this process (same database, same
broker); /healthz, the login page and the static files are fetched from gunicorn over HTTP.
"""
import http.client
import json
import re
import shutil
import ssl
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.choices import AuditAction, JobStatus, Role
from core.models import AuditLog, Job
from core.services import JOB_UNSENT_ERROR, JOB_UNSENT_STAGE
from registry.importer import IMPORT_JOB_KIND
from registry.models import MarketEntity
from tests.factories import make_office, make_user
from tests.registry.test_import import entity_row, write_xlsx

from . import nginx_conf
from .conftest import (
    HOST_HEADER,
    ROOT,
    Service,
    free_port,
    healthz,
    http_get,
    redis_stopped,
    redis_up,
    service_env,
    unit_command,
    wait_for,
)

ALL_UP = {"database": "ok", "broker": "ok", "worker": "ok"}


class Stack:
    def __init__(self, state, env, port):
        self.state, self.env, self.port = state, env, port
        self.web = Service("web", unit_command("xinyong-web.service", env, state), env, state / "web.log")
        self.worker = Service("worker", unit_command("xinyong-worker.service", env, state), env,
                              state / "worker.log")
        self.beat = Service("beat", unit_command("xinyong-beat.service", env, state), env, state / "beat.log")

    def all(self):
        return [self.web, self.worker, self.beat]

    def worker_up(self):
        self.worker.assert_running()
        wait_for(lambda: healthz(self.port) == (200, ALL_UP), timeout=60, what="/healthz 全部正常")


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    state = tmp_path_factory.mktemp("xinyong-state")
    port = free_port()
    env = service_env(
        state, GUNICORN_BIND=f"127.0.0.1:{port}",
        # Fast enough for a test: beat re-sends unsent jobs every 2 s, heartbeats every second.
        JOB_RESEND_INTERVAL="2", JOB_UNSENT_GRACE_SECONDS="0", WORKER_HEARTBEAT_SECONDS="1", WORKER_HEARTBEAT_TTL="4",
    )
    # The deploy guide's step: collect the static files for WhiteNoise.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True,
                   timeout=180)
    s = Stack(state, env, port)
    for service in s.all():
        service.start()
    try:
        wait_for(lambda: http_get(port, "/accounts/login/")[0] == 200, timeout=60, what="gunicorn 应答登录页")
        yield s
    finally:
        for service in s.all():
            service.stop()


@pytest.fixture
def broker_not_eager():
    """Jobs submitted from this process go through Redis to the worker service, not in-process."""
    from config.celery import app

    was = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = was


def upload(client, path):
    return client.post(reverse("registry:import"), {"file": SimpleUploadedFile(path.name, path.read_bytes())})


def wait_job(job_id, status=JobStatus.SUCCEEDED, timeout=60) -> Job:
    return wait_for(lambda: Job.objects.filter(pk=job_id, status=status).first(), timeout=timeout,
                    what=f"任务 #{job_id} 状态变为 {status}")


def json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass
    return lines


# ---------------------------------------------------------------------------------------------------------------

def test_gunicorn_serves_the_login_page_static_files_and_health(stack):
    status, headers, body = http_get(stack.port, "/accounts/login/")
    assert status == 200
    page = body.decode()
    assert "登录" in page
    # Static files: the hashed names of the manifest, served by WhiteNoise from STATIC_ROOT, cached for good.
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
    assert css, "登录页应引用带哈希的样式文件"
    status, headers, body = http_get(stack.port, css.group(1), {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert headers.get("Content-Encoding") == "gzip"
    assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]
    status, _, _ = http_get(stack.port, "/static/js/app.js")
    assert status == 200

    # Plain http (not through nginx's https) is redirected, except the health probe.
    assert http_get(stack.port, "/accounts/login/", {"X-Forwarded-Proto": "http"})[0] == 301
    # Pages need a login.
    status, headers, _ = http_get(stack.port, "/registry/entities/")
    assert status == 302 and headers["Location"].startswith("/accounts/login/")

    stack.worker_up()  # /healthz answers 200 once the worker service has written its heartbeat
    status, headers, _ = http_get(stack.port, "/healthz", {"X-Forwarded-Proto": "http"})
    assert status == 200 and "no-cache" in headers["Cache-Control"]

    # One JSON line per request, with the user and the duration.
    lines = [e for e in json_lines(stack.web.output()) if e.get("event") == "request"]
    login = [e for e in lines if e["path"] == "/accounts/login/" and e["status"] == 200]
    assert login and login[0]["method"] == "GET" and login[0]["user_id"] is None
    assert isinstance(login[0]["duration_ms"], float)


def https_request(port: int, method: str, path: str, headers: dict | None = None):
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the test's self-signed certificate
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    try:
        conn.request(method, path, headers={"Host": HOST_HEADER, **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_the_documented_nginx_site_in_front_of_gunicorn(stack, tmp_path):
    if shutil.which("nginx") is None:
        pytest.skip("nginx 未安装（scripts/test.sh 会安装 Debian 的 nginx-light）")
    stack.worker_up()
    http_port, https_port = free_port(), free_port()
    conf = nginx_conf.render(tmp_path / "nginx", http_port=http_port, https_port=https_port,
                             upstream=f"127.0.0.1:{stack.port}")
    checked = subprocess.run(["nginx", "-t", "-c", str(conf)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    nginx = Service("nginx", ["nginx", "-c", str(conf)], stack.env, tmp_path / "nginx.log").start()
    try:
        wait_for(lambda: https_request(https_port, "GET", "/accounts/login/")[0] == 200, timeout=30,
                 what="nginx 经 https 转发登录页")
        # http only redirects to https.
        status, headers, _ = http_get(http_port, "/accounts/login/", {"X-Forwarded-Proto": ""})
        assert status == 301 and headers["Location"] == f"https://{HOST_HEADER}/accounts/login/"
        # Through https: Django sees https (X-Forwarded-Proto from nginx) and answers, no redirect loop.
        status, _, body = https_request(https_port, "GET", "/accounts/login/")
        assert status == 200 and "登录" in body.decode()
        css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', body.decode()).group(1)
        status, headers, _ = https_request(https_port, "GET", css)
        assert status == 200 and "immutable" in headers["Cache-Control"]
        status, _, body = https_request(https_port, "GET", "/healthz")
        assert status == 200 and json.loads(body) == ALL_UP
        # Uploads above the import limit are refused by nginx before they reach gunicorn.
        status, _, _ = https_request(https_port, "POST", "/registry/import/", {"Content-Length": str(300 * 2**20)})
        assert status == 413
    finally:
        nginx.stop()
    access = (tmp_path / "nginx" / "access.log").read_text()
    assert "GET /healthz" in access


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_upload_is_imported_by_the_worker_service_and_logged(stack, client, tmp_path, broker_not_eager):
    stack.worker_up()
    make_office(name="山腰市场监督管理所")
    user = make_user(Role.SECTION, username="credit")
    client.force_login(user)
    response = upload(client, write_xlsx(tmp_path / "名录.xlsx", [entity_row(1), entity_row(2)]))
    job = Job.objects.get(kind=IMPORT_JOB_KIND)
    assert response.url == reverse("registry:import_job", args=[job.pk])
    assert job.task_name == "registry.tasks.import_entities_task" and job.sent_at is not None

    job = wait_job(job.pk)
    assert job.result["created"] == 2 and MarketEntity.objects.count() == 2
    # The worker logs one JSON line per job step, phones and codes masked.
    entries = wait_for(
        lambda: [e for e in json_lines(stack.worker.output())
                 if e.get("event") == "job" and e.get("job_id") == job.pk and e.get("status") == "succeeded"],
        timeout=10, what="worker 日志中的任务完成记录")
    assert entries[0]["task"] == "registry.tasks.import_entities_task" and entries[0]["user_id"] == user.pk
    assert entries[0]["duration_ms"] > 0
    assert "13905950000" not in stack.worker.output()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_jobs_queued_while_the_worker_is_down_run_when_it_returns(stack, client, tmp_path, broker_not_eager):
    make_office(name="山腰市场监督管理所")
    client.force_login(make_user(Role.SECTION, username="credit"))
    stack.worker_up()
    stack.worker.stop()
    assert wait_for(lambda: healthz(stack.port) == (503, {"database": "ok", "broker": "ok", "worker": "down"}),
                    timeout=30, what="/healthz 报告 worker down")

    upload(client, write_xlsx(tmp_path / "名录.xlsx", [entity_row(3)]))
    job = Job.objects.get(kind=IMPORT_JOB_KIND)
    assert job.status == JobStatus.QUEUED and job.sent_at is not None and job.error == ""

    stack.worker.start()
    job = wait_job(job.pk)
    assert job.result["created"] == 1
    stack.worker_up()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failed_job_is_run_again_from_the_jobs_page_by_the_worker(stack, client, tmp_path, broker_not_eager):
    """An import fails because its office is missing; the administrator adds the office and runs it again."""
    stack.worker_up()
    admin = make_user(Role.ADMIN, username="ops-admin")
    client.force_login(admin)
    upload(client, write_xlsx(tmp_path / "名录.xlsx", [entity_row(4, 管辖单位="峰尾市场监督管理所")]))
    job = wait_job(Job.objects.get(kind=IMPORT_JOB_KIND).pk, JobStatus.FAILED)
    page = client.get(reverse("core:jobs"), {"status": "failed"}).content.decode()
    assert f'id="job-{job.pk}"' in page and "重新执行" in page

    make_office(name="峰尾市场监督管理所")
    response = client.post(reverse("core:job_retry", args=[job.pk]))
    assert response.status_code == 302
    job = wait_job(job.pk)
    assert job.retries == 1 and job.result["created"] == 1
    log = AuditLog.objects.get(action=AuditAction.STATUS, target_id=str(job.pk))
    assert log.actor == admin and log.changes["status"] == ["failed", "queued"]


@pytest.mark.redis_outage
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_redis_down_pages_work_jobs_wait_and_nothing_is_lost(stack, client, tmp_path, broker_not_eager):
    make_office(name="山腰市场监督管理所")
    section = make_user(Role.SECTION, username="credit")
    admin = make_user(Role.ADMIN, username="ops-admin")
    good = write_xlsx(tmp_path / "名录.xlsx", [entity_row(5), entity_row(6)])
    stack.worker_up()

    with redis_stopped():
        assert healthz(stack.port) == (503, {"database": "ok", "broker": "down", "worker": "down"})
        # Reading and writing without a job: log in (a session row, last_login) and browse the register.
        response = client.post(reverse("login"), {"username": "credit", "password": "pass-for-tests-2023"})
        assert response.status_code == 302 and response.url == reverse("home")
        assert client.session["_auth_user_id"] == str(section.pk)
        assert client.get(reverse("registry:entity_list")).status_code == 200
        # An action that needs a job says so, and keeps the job.
        response = upload(client, good)
        job = Job.objects.get(kind=IMPORT_JOB_KIND)
        assert job.status == JobStatus.QUEUED and job.sent_at is None
        assert job.error == JOB_UNSENT_ERROR and job.stage == JOB_UNSENT_STAGE
        page = client.get(response.url).content.decode()
        assert JOB_UNSENT_ERROR in page and JOB_UNSENT_STAGE in page
        # The administrator sees it, and a retry while Redis is still down says so again.
        client.force_login(admin)
        page = client.get(reverse("core:jobs")).content.decode()
        assert "任务队列（Redis）无法连接" in page and "未提交到队列" in page
        response = client.post(reverse("core:job_retry", args=[job.pk]), follow=True)
        assert "仍无法连接" in response.content.decode()
        assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED

    assert redis_up()
    # Beat re-sends the unsent job once Redis is back; the worker runs it.
    job = wait_job(job.pk)
    assert job.result["created"] == 2 and job.error == "" and job.stage != JOB_UNSENT_STAGE
    assert MarketEntity.objects.count() == 2
    stack.worker_up()
    for service in stack.all():
        service.assert_running()
