"""A dashboard rollup on the real PostgreSQL, Redis and a Celery worker process: a worker killed in the middle of
writing the summary tables leaves the previous figures, and the rollup run again gives the figures a direct
computation gives, nothing counted twice."""
import os
import signal
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from core.choices import JobStatus
from core.models import Job
from inspections import services
from inspections.models import ClassCount, KpiFigure
from inspections.rollup import class_counts, kpi_figures, rollup_year
from inspections.services.dashboard import rollup_queue
from tests.inspections.test_kpis import LAST, on
from tests.inspections.test_kpis import year_of_work as year_of_work_fixture  # noqa: F401  (the fixture)
from tests.inspections.test_worker import _backend_alive, eager_off, finished, start_worker_process, wait_for  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def figures():
    return sorted((f.kpi, f.office_id or 0, f.month or 0, f.numerator, f.denominator)
                  for f in KpiFigure.objects.filter(year=LAST))


def classes():
    return sorted((c.scope, c.office_id or 0, c.risk_class, c.count) for c in ClassCount.objects.filter(year=LAST))


def _backend_waiting_on_blocks():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock' AND query LIKE %s", ['DELETE FROM "inspections_dashboardblock"%'])
        row = cursor.fetchone()
    return row[0] if row else None


@pytest.mark.usefixtures("eager_off")
def test_a_worker_killed_mid_rollup_leaves_the_last_figures_and_a_retry_gives_the_same_figures(
        year_of_work_fixture, leader, owner, django_capture_on_commit_callbacks):  # noqa: F811
    rollup_year(LAST)
    before = figures()
    # A record changes after that rollup: the next rollup must show it.
    check = year_of_work_fixture["checks"][12]
    services.follow_up_close(
        follow_up=services.follow_up_open(spot_check=check, measure="listing", note="", by=owner),
        completed_on=on(4, 1), note="已列入经营异常名录", by=owner)
    expected = sorted((f.kpi, f.office_id or 0, f.month or 0, f.numerator, f.denominator)
                      for f in kpi_figures(LAST))
    expected_classes = sorted((c.scope, c.office_id or 0, c.risk_class, c.count) for c in class_counts(LAST))
    assert expected != before

    with django_capture_on_commit_callbacks(execute=True):
        job = rollup_queue(by=leader, years=[LAST])
    blocker = connections.create_connection("default")
    try:
        with blocker.cursor() as cursor:
            # Hold a lock the rollup's transaction needs last (the blocks' state): the worker computes every figure,
            # replaces the figures' rows, then waits here, in the middle of its transaction.
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE inspections_dashboardblock IN SHARE MODE")
            worker = start_worker_process()
            try:
                pid = wait_for(_backend_waiting_on_blocks, "汇总写入到一半（等待板块状态表的锁）")
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(timeout=30)
            finally:
                if worker.poll() is None:
                    worker.kill()
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            cursor.execute("ROLLBACK")
    finally:
        blocker.close()
    wait_for(lambda: not _backend_alive(pid), "被终止的数据库会话结束")

    assert figures() == before  # the killed rollup changed nothing
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING
    assert rollup_queue(by=leader, years=[LAST]).pk == job.pk  # still within its time limit: followed, not doubled

    # Past its time limit the job counts as abandoned: the refresh button marks it failed and runs the rollup again.
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        retry = rollup_queue(by=leader, years=[LAST])
    assert retry.pk != job.pk and Job.objects.get(pk=job.pk).status == JobStatus.FAILED
    worker = start_worker_process()
    try:
        retry = wait_for(lambda: finished(retry.pk), "重新执行的汇总完成")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    assert retry.status == JobStatus.SUCCEEDED, retry.error
    assert figures() == expected and classes() == expected_classes
