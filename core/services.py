"""Writes of the core app: log-in throttling and background-job bookkeeping."""
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .audit import audit
from .choices import AuditAction, JobStatus
from .models import Job, LoginFailure


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
    return Job.objects.get(pk=job_id) if claimed else None


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
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, result=result, finished_at=timezone.now(), progress_done=F("progress_total")
    )


def job_fail(job: Job, *, error: str, result: dict | None = None) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, error=error, result=result or {}, finished_at=timezone.now()
    )
