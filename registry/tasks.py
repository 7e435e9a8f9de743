"""Background work of the register: the import of an uploaded spreadsheet."""
import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)  # the database went away: worth another try
MAX_RETRIES = 3


@shared_task(bind=True, max_retries=MAX_RETRIES)
def import_entities_task(self, job_id: int) -> None:
    """Run one uploaded register import; a duplicate delivery of the same job does nothing."""
    from core.choices import JobStatus
    from core.models import Job
    from core.services import job_claim, job_fail, job_finish

    from .importer import ImportFileError, entities_import_job

    job = job_claim(job_id)
    if job is None:
        _fail_if_abandoned(job_id)
        return
    try:
        report = entities_import_job(job=job)
    except ImportFileError as exc:  # the file itself: retrying cannot help
        job_fail(job, error=str(exc))
        return
    except SoftTimeLimitExceeded:
        job_fail(job, error="导入超时，未写入任何数据。请把文件拆分成几份后分别导入。")
        return
    except TRANSIENT_ERRORS as exc:
        if self.request.retries < MAX_RETRIES:
            # Hand the job back to the queue so that the retry can claim it again.
            Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(status=JobStatus.QUEUED)
            raise self.retry(exc=exc, countdown=5 * 2 ** self.request.retries)
        logger.exception("register import job %s: database unavailable", job_id)
        job_fail(job, error="数据库连接失败，导入未完成，未写入任何数据。请稍后重新上传。")
        return
    except Exception:
        logger.exception("register import job %s failed", job_id)
        job_fail(job, error=f"导入时发生系统错误，未写入任何数据。请联系系统管理员（任务编号 #{job_id}）。")
        return
    if report.ok:
        job_finish(job, result=report.as_result())
    else:
        job_fail(job, error=report.summary(), result=report.as_result())


def _fail_if_abandoned(job_id: int) -> None:
    """A job left running past the hard time limit lost its worker (killed, restarted): say so on its page."""
    from core.choices import JobStatus
    from core.models import Job
    from core.services import job_fail

    cutoff = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    job = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, started_at__lt=cutoff).first()
    if job is not None:
        job_fail(job, error="导入任务中断（后台进程意外退出），未写入任何数据。请重新上传文件。")
