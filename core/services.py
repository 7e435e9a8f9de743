"""Writes of the core app: log-in throttling and background-job bookkeeping."""
import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .audit import audit, diff, model_values
from .choices import AuditAction, JobStatus
from .log import log_job
from .models import Job, LoginFailure

logger = logging.getLogger(__name__)


def login_is_locked(*, username: str, ip: str | None) -> bool:
    """Too many recent failures for this account, or from this address, lock further attempts."""
    since = timezone.now() - timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    recent = LoginFailure.objects.filter(at__gte=since)
    limit = settings.LOGIN_FAILURE_LIMIT
    if recent.filter(username__iexact=username).count() >= limit:
        return True
    return bool(ip) and recent.filter(ip=ip).count() >= limit * 4


@transaction.atomic
def login_failure_record(*, username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username[:150], ip=ip)
    if login_is_locked(username=username, ip=ip):
        audit(actor=None, action=AuditAction.LOGIN_LOCKED, summary=f"账号 {username[:50]} 登录失败次数过多，已临时锁定")


def login_failures_clear(*, username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()


def job_create(*, kind: str, user, params: dict | None = None, input_file=None, input_name: str = "") -> Job:
    """Create a queued job that a page can poll."""
    job = Job(kind=kind, created_by=user if getattr(user, "pk", None) else None, params=params or {},
              input_name=input_name[:255])
    if input_file is not None:
        job.input_file.save(input_name or "upload.bin", input_file, save=False)
    job.save()
    return job


def job_claim(job_id: int) -> Job | None:
    """Move a queued job to running; None if another delivery already claimed it (idempotent tasks)."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = Job.objects.get(pk=job_id)
    log_job(job, status=JobStatus.RUNNING)
    return job


def job_progress(job: Job, *, done: int, total: int | None = None, stage: str | None = None) -> None:
    """Record progress outside the job's own transaction so the page sees it while the job runs."""
    values = {"progress_done": done}
    if total is not None:
        values["progress_total"] = total
        job.progress_total = total
    if stage is not None:
        values["stage"] = stage
        job.stage = stage
    job.progress_done = done
    Job.objects.filter(pk=job.pk).update(**values)


def job_finish(job: Job, *, result: dict) -> None:
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, result=result, finished_at=now, progress_done=F("progress_total")
    )
    log_job(job, status=JobStatus.SUCCEEDED, duration_ms=_run_ms(job, now))


def job_fail(job: Job, *, error: str, result: dict | None = None) -> None:
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, error=error, result=result or {}, finished_at=now
    )
    log_job(job, status=JobStatus.FAILED, duration_ms=_run_ms(job, now), level=logging.WARNING, error=error[:300])


def _run_ms(job: Job, now) -> float | None:
    return round((now - job.started_at).total_seconds() * 1000, 1) if job.started_at else None


# ---- sending jobs to the queue, and sending them again -----------------------------------------------------

# Shown on the job's own page (in its stage) while the job waits for the queue to come back.
JOB_UNSENT_STAGE = "任务队列暂时不可用，任务已保存，恢复后自动执行"
JOB_UNSENT_ERROR = (
    "任务已保存，但暂时无法提交到任务队列（Redis 无法连接）。队列恢复后系统会自动重新提交，不需要重新上传或重新操作；"
    "系统管理员也可以在“后台任务”页面手动重新提交。"
)
# Publishing to a broker that is down fails after one quick retry instead of holding the page for seconds.
SEND_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.3}


def job_enqueue(*, job: Job, task) -> None:
    """Queue the Celery task that runs this job once the caller's transaction commits (every job-backed action
    uses this). If the broker is down the job stays queued with a message, and is sent again when it returns."""
    job.task_name = task.name
    Job.objects.filter(pk=job.pk).update(task_name=task.name)
    transaction.on_commit(lambda: job_send(job))


def job_send(job: Job) -> bool:
    """Publish the job's task message now; on a broker error record it on the job instead of raising."""
    from kombu.exceptions import OperationalError as BrokerError

    task = job_task(job.task_name)
    if task is None:  # a later release renamed or removed the task: nothing can run this job any more
        job_fail(job, error=f"后台任务的执行程序已不存在（{job.task_name}），请重新提交。")
        return False
    try:
        task.apply_async(args=[job.pk], retry=True, retry_policy=SEND_RETRY_POLICY)
    except (BrokerError, OSError) as exc:
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            sent_at=None, stage=JOB_UNSENT_STAGE, error=JOB_UNSENT_ERROR
        )
        job.sent_at, job.stage, job.error = None, JOB_UNSENT_STAGE, JOB_UNSENT_ERROR
        log_job(job, status="unsent", level=logging.WARNING, error=f"{type(exc).__name__}: {exc}"[:300])
        return False
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(sent_at=now)
    if job.stage == JOB_UNSENT_STAGE or job.error == JOB_UNSENT_ERROR:
        # Take the "queue unavailable" note off, even if a fast worker already took the job (never its own error).
        Job.objects.filter(pk=job.pk, stage=JOB_UNSENT_STAGE).update(stage="")
        Job.objects.filter(pk=job.pk, error=JOB_UNSENT_ERROR).update(error="")
        job.stage, job.error = "", ""
    job.sent_at = now
    log_job(job, status="sent")
    return True


def job_stalled_cutoff():
    """A job still running after the hard time limit (plus a minute) lost its worker: Celery would have ended it."""
    return timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def job_is_stalled(job: Job) -> bool:
    return job.status == JobStatus.RUNNING and bool(job.started_at) and job.started_at < job_stalled_cutoff()


@transaction.atomic
def job_retry(*, job: Job, by) -> Job:
    """An administrator runs a failed or stalled job again, or sends a queued one again; audited."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    task = job_task(job.task_name) if job.task_name else None
    if task is None:
        raise ValidationError(
            "该任务没有可用的执行程序（早于本功能提交的任务，或程序已更改），无法重新执行，请让发起人重新提交。"
        )
    if job.status == JobStatus.SUCCEEDED:
        raise ValidationError(f"任务 #{job.pk} 已完成，无需重新执行。")
    if job.status == JobStatus.RUNNING and not job_is_stalled(job):
        raise ValidationError(f"任务 #{job.pk} 正在执行，不能重新执行；超过执行时限仍未结束时才可以重新执行。")
    fields = ["status", "error", "stage", "started_at", "finished_at", "sent_at", "retries"]
    before = model_values(job, fields)
    was = job.get_status_display()
    job.status = JobStatus.QUEUED
    job.error, job.stage = "", ""
    job.started_at = job.finished_at = job.sent_at = None
    job.retries += 1
    if before["status"] != JobStatus.QUEUED:
        job.result, job.progress_done = {}, 0
    job.save(update_fields=[*fields, "result", "progress_done"])
    audit(actor=by, action=AuditAction.STATUS, target=job,
          summary=f"重新执行后台任务 #{job.pk}（原状态：{was}）", changes=diff(before, model_values(job, fields)))
    log_job(job, status="retried", by=getattr(by, "pk", None))
    job_enqueue(job=job, task=task)
    return job


def job_task(name: str):
    """The Celery task registered under this name, or None; a web process imports the task modules on demand."""
    from config.celery import app

    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks.get(name)


def jobs_resend() -> int:
    """Send again the queued jobs whose message never reached the queue (the broker was down when they were
    submitted) or was lost with it (a Redis restart without persistence). Run by Celery beat; a duplicate
    message is harmless because every job-backed task claims its job first."""
    now = timezone.now()
    unsent = Q(sent_at__isnull=True, created_at__lt=now - timedelta(seconds=settings.JOB_UNSENT_GRACE_SECONDS))
    lost = Q(sent_at__lt=now - timedelta(seconds=settings.JOB_RESEND_AFTER_SECONDS))
    jobs = Job.objects.filter(unsent | lost, status=JobStatus.QUEUED).exclude(task_name="").order_by("created_at")
    sent = 0
    for job in jobs[:200]:
        sent += job_send(job)
    return sent
