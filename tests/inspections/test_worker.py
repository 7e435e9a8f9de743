"""The draw on the real PostgreSQL, Redis and Celery workers: two simultaneous requests make exactly one draw; a
worker killed in the middle of writing a draw leaves nothing, and running it again completes it."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from core.choices import JobStatus
from core.models import Job
from inspections import services
from inspections.models import Draw, SpotCheck, Task
from inspections.services.draws import DRAW_JOB_KIND, draw_interrupted
from inspections.verification import verify_stored_draw

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def wait_for(predicate, what: str, timeout: float = 90):
    """Poll until predicate() is true (a guard against hanging, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"等待超时：{what}")


def finished(job_id: int) -> Job | None:
    job = Job.objects.get(pk=job_id)
    return job if job.is_finished else None


@pytest.fixture
def eager_off():
    from config.celery import app

    was = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()
    yield app
    app.conf.task_always_eager = was


@pytest.fixture
def worker_thread(eager_off):
    """A real worker in this process, consuming from the Redis broker."""
    from celery.contrib.testing.worker import start_worker

    with start_worker(eager_off, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
        yield eager_off
    # The worker thread's own database session outlives the thread; end it so the test database can be dropped.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")


def start_worker_process() -> subprocess.Popen:
    """A separate worker process on the test database (so that it can be killed like a real one)."""
    settings = connection.settings_dict
    env = {**os.environ,
           "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
                           f"{settings['PORT'] or 5432}/{settings['NAME']}",
           "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--concurrency", "1",
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_two_simultaneous_draw_requests_make_exactly_one_draw(task, section_user, worker_thread):
    barrier = threading.Barrier(2)
    responses = []

    def request():
        client = Client()
        client.force_login(section_user)
        barrier.wait()
        responses.append(client.post(reverse("inspections:task_draw", args=[task.pk])))
        connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    job = Job.objects.get(kind=DRAW_JOB_KIND)
    urls = sorted(r.url for r in responses)
    assert urls == sorted([reverse("inspections:draw_job", args=[job.pk]),
                           reverse("inspections:task_detail", args=[task.pk])])
    job = wait_for(lambda: finished(job.pk), "抽取任务完成")
    assert job.status == JobStatus.SUCCEEDED, job.error
    draw = Draw.objects.get()
    assert Task.objects.get(pk=task.pk).status == "drawn" and verify_stored_draw(draw) == []
    services.draws._queue(task, by=section_user)  # a stray duplicate job for a drawn task does nothing
    stray = Job.objects.filter(kind=DRAW_JOB_KIND).exclude(pk=job.pk).get()
    stray = wait_for(lambda: finished(stray.pk), "重复的抽取任务结束")
    assert stray.status == JobStatus.SUCCEEDED and stray.result["skipped"]
    assert Draw.objects.count() == 1


def test_a_worker_killed_mid_draw_leaves_nothing_and_a_retry_completes(task, section_user, eager_off,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.task_draw_request(task=task, by=section_user)
    blocker = connections.create_connection("default")
    try:
        with blocker.cursor() as cursor:
            # Hold a lock the draw's write transaction needs last (its audit record): the worker writes the draw,
            # the checks and the assignments, then waits here, in the middle of its transaction.
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE core_auditlog IN SHARE MODE")
            worker = start_worker_process()
            try:
                pid = wait_for(_backend_waiting_on_audit, "抽取写入到一半（等待操作日志锁）")
                with connection.cursor() as probe:
                    probe.execute("SELECT stage FROM core_job WHERE id = %s", [job.pk])
                    assert probe.fetchone()[0] == "分派检查人员并写入抽查名单"
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(timeout=30)
            finally:
                if worker.poll() is None:
                    worker.kill()
            # The database notices the dead client (here at once; in production by its connection check).
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            cursor.execute("ROLLBACK")
    finally:
        blocker.close()
    wait_for(lambda: not _backend_alive(pid), "被终止的数据库会话结束")

    task.refresh_from_db()
    assert not Draw.objects.exists() and not SpotCheck.objects.exists()
    assert task.status == "drawing" and Job.objects.get(pk=job.pk).status == JobStatus.RUNNING
    assert draw_interrupted(task)

    with django_capture_on_commit_callbacks(execute=True):
        retry = services.draw_resume(task=task, by=section_user)
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED
    worker = start_worker_process()
    try:
        retry = wait_for(lambda: finished(retry.pk), "重新执行的抽取完成")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    assert retry.status == JobStatus.SUCCEEDED, retry.error
    draw = Draw.objects.get()
    assert draw.job_id == retry.pk and verify_stored_draw(draw) == []
    assert SpotCheck.objects.count() == draw.sample_size > 0


def _backend_waiting_on_audit():
    """The worker's database session once it waits for the audit lock (asked from an autocommit connection:
    inside a transaction pg_stat_activity would keep showing its first snapshot)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock' AND query LIKE %s", ['INSERT INTO "core_auditlog"%'])
        row = cursor.fetchone()
    return row[0] if row else None


def _backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None
