"""The leadership dashboard's writes: a rollup job (the refresh button, Celery beat) and the business-environment
figures (营商环境) staff enter."""
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from core.audit import audit, diff, model_values
from core.choices import AuditAction, JobStatus
from core.models import Job
from core.services import job_create, job_enqueue, job_fail

from ..models import BusinessIndicator
from ..rollup import ROLLUP_JOB_KIND

INDICATOR_FIELDS = ["year", "period", "name", "value", "unit", "target", "higher_is_better", "source", "note"]


def rollup_abandoned_before():
    """A rollup still running after its hard time limit (plus a minute) lost its worker."""
    limit = getattr(settings, "DASHBOARD_ROLLUP_TIME_LIMIT", 6 * 60)
    return timezone.now() - timedelta(seconds=limit + 60)


@transaction.atomic
def rollup_queue(*, by, years: list[int] | None = None, full: bool = False) -> Job:
    """Queue a rollup, or return the one already waiting or running (a second click, or beat while a refresh
    runs, does not start another). A rollup whose worker died is marked failed and a new one queued."""
    if connection.vendor == "postgresql":  # two clicks at once: one job
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [0x4B5051])
    active = (Job.objects.select_for_update().filter(kind=ROLLUP_JOB_KIND, status__in=[JobStatus.QUEUED,
                                                                                       JobStatus.RUNNING])
              .order_by("-created_at").first())
    if active is not None:
        abandoned = active.status == JobStatus.RUNNING and active.started_at \
            and active.started_at < rollup_abandoned_before()
        if not abandoned and (not full or active.params.get("full")):
            return active
        if abandoned:
            job_fail(active, error="汇总中断（后台进程意外退出），驾驶舱保留了上次的数据；已重新汇总。")
    from ..tasks import rollup_task

    params = {"years": list(years or []), "full": full}
    job = job_create(kind=ROLLUP_JOB_KIND, user=by, params=params)
    if getattr(by, "pk", None):
        which = "、".join(map(str, years)) + " 年" if years else "当年"
        audit(actor=by, action=AuditAction.CREATE, target=job, summary=f"刷新领导驾驶舱数据（{which}，任务 #{job.pk}）")
    job_enqueue(job=job, task=rollup_task)
    return job


@transaction.atomic
def business_indicator_save(*, data: dict, by, indicator: BusinessIndicator | None = None) -> BusinessIndicator:
    """Enter or correct one business-environment figure the bureau reports (one per name, year and period)."""
    created = indicator is None
    indicator = indicator or BusinessIndicator()
    before = {} if created else model_values(indicator, INDICATOR_FIELDS)
    for key, value in data.items():
        setattr(indicator, key, value)
    indicator.entered_by = by
    duplicate = BusinessIndicator.objects.filter(year=indicator.year, period=indicator.period, name=indicator.name)
    if indicator.pk:
        duplicate = duplicate.exclude(pk=indicator.pk)
    if duplicate.exists():
        raise ValidationError({"name": f"{indicator.year} 年{indicator.get_period_display()}的“{indicator.name}”"
                                       "已填报，请修改原记录。"})
    indicator.full_clean()
    indicator.save()
    audit(actor=by, action=AuditAction.CREATE if created else AuditAction.UPDATE, target=indicator,
          summary=f"{'填报' if created else '修改'}营商环境指标 {indicator}",
          changes=diff(before, model_values(indicator, INDICATOR_FIELDS)))
    return indicator


@transaction.atomic
def business_indicator_delete(*, indicator: BusinessIndicator, by) -> None:
    indicator = BusinessIndicator.objects.select_for_update().get(pk=indicator.pk)
    audit(actor=by, action=AuditAction.DELETE, target=indicator, summary=f"删除营商环境指标 {indicator}",
          changes={k: [v, None] for k, v in model_values(indicator, INDICATOR_FIELDS).items()})
    indicator.delete()
