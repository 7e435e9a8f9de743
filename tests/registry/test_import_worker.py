"""The import task: it claims its job, fails clearly, never vanishes; and a real worker runs it through Redis."""
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.choices import AuditAction, JobStatus
from core.models import AuditLog, Job
from registry.importer import entities_import_queue
from registry.models import MarketEntity
from registry.tasks import import_entities_task
from tests.registry.test_import import entity_row, write_xlsx


def queued_job(user, path, dry_run=False) -> Job:
    """A job as the upload page leaves it, before its task has run."""
    return entities_import_queue(user=user, upload=SimpleUploadedFile(path.name, path.read_bytes()), dry_run=dry_run)


# ------------------------------------------------------------------------------------------------------------
# The task, run in-process
# ------------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_task_claims_the_job_and_a_duplicate_delivery_does_nothing(section_user, office_a, tmp_path):
    job = queued_job(section_user, write_xlsx(tmp_path / "a.xlsx", [entity_row(1), entity_row(2)]))
    import_entities_task(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result["created"] == 2
    assert job.percent == 100 and job.stage == "写入数据库"
    finished_at = job.finished_at

    import_entities_task(job.pk)  # the broker delivers the same message again
    job.refresh_from_db()
    assert job.finished_at == finished_at
    assert AuditLog.objects.filter(action=AuditAction.IMPORT).count() == 1
    assert MarketEntity.objects.count() == 2


@pytest.mark.django_db
def test_task_fails_at_once_on_a_bad_file(section_user, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    job = queued_job(section_user, path)
    import_entities_task(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "文件已损坏（压缩结构不完整），无法读取。请在 Excel 或 WPS 中重新保存后再导入。"


@pytest.mark.django_db
def test_task_with_row_errors_keeps_the_report(section_user, office_a, tmp_path):
    job = queued_job(section_user, write_xlsx(tmp_path / "a.xlsx", [entity_row(1, 行业代码="Z1234")]))
    import_entities_task(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.result["errors"] == [
        {"row": 2, "column": "行业代码", "message": "行业代码应为门类字母加 4 位数字（如 C2651）"}]
    assert not MarketEntity.objects.exists()


@pytest.mark.django_db
def test_an_unexpected_error_is_recorded_on_the_job(section_user, office_a, tmp_path):
    job = queued_job(section_user, write_xlsx(tmp_path / "a.xlsx", [entity_row(1)]))
    job.input_file.storage.delete(job.input_file.name)  # the upload vanished from disk
    import_entities_task(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == f"导入时发生系统错误，未写入任何数据。请联系系统管理员（任务编号 #{job.pk}）。"


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_marked_failed_when_its_message_comes_back(section_user, office_a, tmp_path):
    job = queued_job(section_user, write_xlsx(tmp_path / "a.xlsx", [entity_row(1)]))
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now() - timedelta(hours=2))
    import_entities_task(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "导入任务中断" in job.error
    assert not MarketEntity.objects.exists()


@pytest.mark.django_db
def test_a_running_job_is_left_alone_by_a_duplicate_delivery(section_user, office_a, tmp_path):
    job = queued_job(section_user, write_xlsx(tmp_path / "a.xlsx", [entity_row(1)]))
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    import_entities_task(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert not MarketEntity.objects.exists()


# ------------------------------------------------------------------------------------------------------------
# A real worker on the Redis broker
# ------------------------------------------------------------------------------------------------------------

def wait_until_finished(job_id: int, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.is_finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"任务 #{job_id} 在 {timeout} 秒内没有完成（状态：{job.status}）")


@pytest.fixture
def celery_worker_on_redis():
    """A real worker thread consuming from the configured Redis broker; tasks are not run eagerly."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with app.connection_for_write() as connection:  # fail now if Redis is down: the worker start would wait forever
        connection.ensure_connection(max_retries=3)
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        app.control.purge()  # messages left by an interrupted earlier run
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        app.conf.task_always_eager = was_eager


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upload_is_imported_by_a_real_worker(client, section_user, office_a, tmp_path, celery_worker_on_redis):
    client.force_login(section_user)
    good = write_xlsx(tmp_path / "名录.xlsx", [entity_row(1), entity_row(2), entity_row(3)])
    response = client.post(reverse("registry:import"), {"file": SimpleUploadedFile(good.name, good.read_bytes())})
    job = Job.objects.get()
    assert response.url == reverse("registry:import_job", args=[job.pk])

    job = wait_until_finished(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["created"] == 3 and MarketEntity.objects.count() == 3
    status = client.get(reverse("core:job_status", args=[job.pk])).json()
    assert status["finished"] and status["percent"] == 100
    assert "导入完成。共 3 行：新增 3 户" in client.get(response.url).content.decode()

    import_entities_task.delay(job.pk)  # a duplicate delivery through the broker does nothing
    bad = write_xlsx(tmp_path / "错误.xlsx", [entity_row(4, 管辖单位="不存在所")])
    client.post(reverse("registry:import"), {"file": SimpleUploadedFile(bad.name, bad.read_bytes())})
    failed = wait_until_finished(Job.objects.exclude(pk=job.pk).get().pk)  # the worker runs one task at a time
    assert failed.status == JobStatus.FAILED
    assert failed.result["errors"][0]["message"] == "“不存在所”不是系统中的管辖单位，应填写已有市场监督管理所的全称"
    assert Job.objects.get(pk=job.pk).finished_at == job.finished_at
    assert AuditLog.objects.filter(action=AuditAction.IMPORT).count() == 1
    assert MarketEntity.objects.count() == 3
