"""Background work of 双随机: the draw of a task, and the library imports (items, inspectors, objects)."""
import logging

from celery import shared_task

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


@shared_task(bind=True, max_retries=MAX_RETRIES)
def draw_task(self, job_id: int) -> None:
    """Run one draw job; a duplicate delivery, or a job whose task is drawn already, does nothing."""
    from celery.exceptions import SoftTimeLimitExceeded
    from django.db import InterfaceError, OperationalError

    from core.choices import JobStatus
    from core.importing import fail_if_abandoned
    from core.models import Job
    from core.services import job_claim, job_fail, job_finish

    from .algorithm import DrawFailure
    from .models import Task
    from .services.draws import draw_failed, draw_run

    job = job_claim(job_id)
    if job is None:
        fail_if_abandoned(job_id, what="抽取")
        return
    task = Task.objects.filter(pk=job.params.get("task")).first()
    try:
        result = draw_run(job=job)
    except DrawFailure as exc:  # not enough eligible inspectors: the task's data must change first
        job_fail(job, error=str(exc))
        return
    except SoftTimeLimitExceeded:
        if task is not None:
            draw_failed(task, job=job, message="抽取超时")
        job_fail(job, error="抽取超时，未保存任何结果。请联系系统管理员。")
        return
    except (OperationalError, InterfaceError) as exc:
        if self.request.retries < MAX_RETRIES:
            Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(status=JobStatus.QUEUED)
            raise self.retry(exc=exc, countdown=5 * 2 ** self.request.retries)
        logger.exception("draw job %s: database unavailable", job_id)
        if task is not None:
            draw_failed(task, job=job, message="数据库连接失败")
        job_fail(job, error="数据库连接失败，抽取未完成，未保存任何结果。请稍后重新抽取。")
        return
    except Exception:
        logger.exception("draw job %s failed", job_id)
        if task is not None:
            draw_failed(task, job=job, message="系统错误")
        job_fail(job, error=f"抽取时发生系统错误，未保存任何结果。请联系系统管理员（任务编号 #{job_id}）。")
        return
    job_finish(job, result=result)


@shared_task(bind=True, max_retries=MAX_RETRIES)
def import_library_task(self, job_id: int) -> None:
    """Run one library import (check items, inspectors, conflicts or a member department's objects)."""
    from core.importing import run_import_task

    from .importers import run_import

    run_import_task(self, job_id, run=run_import)


@shared_task(bind=True, max_retries=MAX_RETRIES, soft_time_limit=5 * 60, time_limit=6 * 60)
def rollup_task(self, job_id: int) -> None:
    """Run one dashboard rollup job (the refresh button, or beat). A rollup replaces its years' rows in one
    transaction, so a retry after a lost connection or a killed worker computes the same figures again."""
    from celery.exceptions import SoftTimeLimitExceeded
    from django.db import InterfaceError, OperationalError

    from core.choices import JobStatus
    from core.importing import fail_if_abandoned
    from core.models import Job
    from core.services import job_claim, job_fail, job_finish

    from .rollup import rollup_job_run

    job = job_claim(job_id)
    if job is None:
        fail_if_abandoned(job_id, what="驾驶舱数据汇总")
        return
    try:
        result = rollup_job_run(job=job)
    except SoftTimeLimitExceeded:
        job_fail(job, error="汇总超时，驾驶舱保留上次的数据。")
        return
    except (OperationalError, InterfaceError) as exc:
        if self.request.retries < MAX_RETRIES:
            Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(status=JobStatus.QUEUED)
            raise self.retry(exc=exc, countdown=5 * 2 ** self.request.retries)
        logger.exception("rollup job %s: database unavailable", job_id)
        job_fail(job, error="数据库连接失败，汇总未完成，驾驶舱保留上次的数据。请稍后再试。")
        return
    except Exception:
        logger.exception("rollup job %s failed", job_id)
        job_fail(job, error=f"汇总时发生系统错误，驾驶舱保留上次的数据。请联系系统管理员（任务编号 #{job_id}）。")
        return
    job_finish(job, result=result)


@shared_task
def scheduled_rollup_task(full: bool = False) -> None:
    """Celery beat: the current year's rollup every few minutes, every year's at night (config.settings)."""
    from .services.dashboard import rollup_queue

    rollup_queue(by=None, full=full)
