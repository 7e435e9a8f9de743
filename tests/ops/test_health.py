"""/healthz: no login, 200 only when the database, Redis and a worker are up; the worker counts as up while its
heartbeat (written by the worker itself) is fresh."""
import json
import os
import subprocess
import sys

import pytest
from django.urls import reverse

from core import health

from .conftest import ROOT, wait_for


def clear_heartbeats():
    client = health.broker_client()
    for key in client.scan_iter(f"{health.HEARTBEAT_PREFIX}*"):
        client.delete(key)


@pytest.fixture
def real_worker():
    """A real worker thread on the test broker (as in tests/registry/test_import_worker.py)."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


@pytest.mark.django_db
def test_healthz_needs_no_login_and_says_which_part_is_down(client):
    clear_heartbeats()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"database": "ok", "broker": "ok", "worker": "down"}
    assert "no-cache" in response["Cache-Control"]
    assert reverse("healthz") == "/healthz"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the worker closes the test's connection
def test_a_running_worker_writes_its_heartbeat_and_healthz_answers_200(client, real_worker):
    wait_for(lambda: client.get("/healthz").status_code == 200, timeout=30, what="/healthz 200")
    assert client.get("/healthz").json() == {"database": "ok", "broker": "ok", "worker": "ok"}
    assert real_worker.hostname in health.live_workers()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the worker closes the test's connection
def test_a_worker_that_stops_cleanly_removes_its_heartbeat(client):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    clear_heartbeats()
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30) as worker:
        wait_for(lambda: worker.hostname in health.live_workers(), timeout=30, what="worker 心跳")
    assert worker.hostname not in health.live_workers()
    assert client.get("/healthz").json()["worker"] == "down"


def _check_in_subprocess(**env) -> tuple[int, dict]:
    """/healthz in a fresh process whose database and broker are the given URLs."""
    full_env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env.update(DJANGO_SETTINGS_MODULE="config.settings.local", ALLOWED_HOSTS="testserver", DEBUG="false", **env)
    code = ("from django.test import Client; import json; r = Client().get('/healthz'); "
            "print(json.dumps([r.status_code, r.json()]))")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=full_env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    return status, body


def test_unreachable_database_and_broker_are_reported_down():
    # Nothing listens on port 1: the connections are refused at once.
    status, body = _check_in_subprocess(DATABASE_URL="postgres://postgres@127.0.0.1:1/nothing",
                                        CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    assert (status, body) == (503, {"database": "down", "broker": "down", "worker": "down"})


def test_the_demo_without_a_broker_is_healthy(tmp_path):
    status, body = _check_in_subprocess(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", CELERY_BROKER_URL="")
    assert (status, body) == (200, {"database": "ok", "broker": "not_configured", "worker": "not_configured"})
