"""后台任务: the administrators' page of background jobs — queued, running, failed — with a retry button.

A failed job never vanishes: it stays on this page with its error until someone runs it again (audited). A job
still "running" past the task hard time limit lost its worker and is shown as such; a queued job that never
reached the queue (Redis was down) says so, and is sent again by beat or from here.
"""
from dataclasses import dataclass
from datetime import timedelta

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import health
from .choices import JobStatus
from .models import Job
from .permissions import is_admin, require
from .selectors import count_by
from .services import JOB_UNSENT_STAGE, job_retry, job_stalled_cutoff


@dataclass(frozen=True)
class JobKind:
    label: str
    detail_url: str | None = None  # the job's own page (takes job_id), for its full result


# Each job-backed capability names its kind here, so that the page shows it in Chinese with a link.
JOB_KINDS = {
    "registry.import_entities": JobKind("市场主体名录导入", "registry:import_job"),
    "credit.import_risk_classes": JobKind("信用风险分类导入", "credit:risk_import_job"),
    "credit.import_complaints": JobKind("投诉举报导入", "credit:complaints_import_job"),
    "credit.classification_run": JobKind("信用风险分类运行"),
    "credit.indices": JobKind("信用指数计算"),
    "inspections.draw": JobKind("双随机抽取", "inspections:draw_job"),
    "inspections.import_items": JobKind("抽查事项清单导入", "inspections:import_job"),
    "inspections.import_inspectors": JobKind("执法检查人员名录导入", "inspections:import_job"),
    "inspections.import_conflicts": JobKind("回避申报导入", "inspections:import_job"),
    "inspections.import_objects": JobKind("检查对象名录导入", "inspections:import_job"),
}

STALLED, UNSENT = "stalled", "unsent"
STATUS_CHOICES = [
    (JobStatus.QUEUED.value, "排队中"),
    (UNSENT, "排队中 · 未提交到队列"),
    (JobStatus.RUNNING.value, "执行中"),
    (STALLED, "执行中 · 超过时限（进程可能已中断）"),
    (JobStatus.FAILED.value, "失败"),
    (JobStatus.SUCCEEDED.value, "已完成"),
]


def kind_label(kind: str) -> str:
    return JOB_KINDS[kind].label if kind in JOB_KINDS else kind


class JobFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "任务编号 / 文件名 / 发起人 / 错误"}))
    status = django_filters.ChoiceFilter(label="状态", choices=STATUS_CHOICES, method="filter_status",
                                         empty_label="全部状态")
    kind = django_filters.ChoiceFilter(label="类型", choices=(), empty_label="全部类型")
    created_after = django_filters.DateFilter(label="提交日期从", field_name="created_at", lookup_expr="date__gte",
                                              widget=forms.DateInput(attrs={"type": "date"}))
    created_before = django_filters.DateFilter(label="提交日期至", field_name="created_at", lookup_expr="date__lte",
                                               widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Job
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = set(Job.objects.order_by().values_list("kind", flat=True).distinct()) | set(JOB_KINDS)
        self.filters["kind"].extra["choices"] = sorted(((k, kind_label(k)) for k in kinds), key=lambda c: c[1])

    def search(self, queryset, name, value):
        value = value.strip().lstrip("#")
        if not value:
            return queryset
        query = (Q(input_name__icontains=value) | Q(created_by__username__icontains=value)
                 | Q(created_by__full_name__icontains=value) | Q(error__icontains=value))
        if value.isdigit():
            query |= Q(pk=int(value))
        return queryset.filter(query)

    def filter_status(self, queryset, name, value):
        if value == STALLED:
            return queryset.filter(status=JobStatus.RUNNING, started_at__lt=job_stalled_cutoff())
        if value == UNSENT:
            return queryset.filter(status=JobStatus.QUEUED, sent_at__isnull=True)
        return queryset.filter(status=value)


def jobs_summary() -> dict:
    """Counts for the cards above the list: per status, the stalled, the unsent, and failures this week."""
    counts = count_by(Job.objects.all(), "status")
    week = timezone.now() - timedelta(days=7)
    return {
        "queued": counts.get(JobStatus.QUEUED, 0),
        "running": counts.get(JobStatus.RUNNING, 0),
        "failed": counts.get(JobStatus.FAILED, 0),
        "stalled": Job.objects.filter(status=JobStatus.RUNNING, started_at__lt=job_stalled_cutoff()).count(),
        "unsent": Job.objects.filter(status=JobStatus.QUEUED, sent_at__isnull=True).count(),
        "failed_week": Job.objects.filter(status=JobStatus.FAILED, finished_at__gte=week).count(),
    }


def queue_status() -> dict:
    """The broker and the workers with a live heartbeat, for the panel at the top of the page."""
    if not settings.CELERY_BROKER_URL:
        return {"configured": False}
    try:
        client = health.broker_client()
        client.ping()
        workers = health.live_workers(client)
    except Exception:
        return {"configured": True, "broker_ok": False, "workers": []}
    return {"configured": True, "broker_ok": True, "workers": workers}


def _row(job: Job, cutoff, resend_after) -> dict:
    stalled = job.status == JobStatus.RUNNING and job.started_at is not None and job.started_at < cutoff
    unsent = job.status == JobStatus.QUEUED and job.sent_at is None
    kind = JOB_KINDS.get(job.kind)
    detail = None
    if kind and kind.detail_url:
        try:
            detail = reverse(kind.detail_url, args=[job.pk])
        except NoReverseMatch:
            detail = None
    if job.task_name and (job.status in (JobStatus.QUEUED, JobStatus.FAILED) or stalled):
        action = "重新提交" if job.status == JobStatus.QUEUED else "重新执行"
    else:
        action = None
    return {
        "job": job,
        "kind": kind_label(job.kind),
        "detail": detail,
        "stalled": stalled,
        "unsent": unsent,
        "waiting_long": job.status == JobStatus.QUEUED and job.sent_at is not None and job.sent_at < resend_after,
        "stage": "" if job.stage == JOB_UNSENT_STAGE else job.stage,
        "action": action,
    }


@require(is_admin)
def job_list(request):
    filterset = JobFilter(request.GET, queryset=Job.objects.select_related("created_by").order_by("-created_at",
                                                                                                     "-id"))
    page = Paginator(filterset.qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    cutoff = job_stalled_cutoff()
    resend_after = timezone.now() - timedelta(seconds=settings.JOB_RESEND_AFTER_SECONDS)
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "core/jobs.html", {
        "filter": filterset,
        "page": page,
        "rows": [_row(job, cutoff, resend_after) for job in page.object_list],
        "query": params.urlencode(),
        "summary": jobs_summary(),
        "queue": queue_status(),
        "time_limit_minutes": settings.CELERY_TASK_TIME_LIMIT // 60,
        "breadcrumbs": [("后台任务", None)],
    })


@require(is_admin)
@require_POST
def job_retry_view(request, job_id: int):
    """Run a failed or stalled job again, or send a queued one to the queue again (asks for confirmation)."""
    job = get_object_or_404(Job, pk=job_id)
    try:
        job = job_retry(job=job, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        job.refresh_from_db()
        if job.status == JobStatus.QUEUED and job.sent_at is None:
            messages.warning(request, f"任务 #{job.pk} 已重新排队，但任务队列（Redis）仍无法连接；"
                                      "队列恢复后系统会自动提交执行，无需再次操作。")
        else:
            messages.success(request, f"任务 #{job.pk} 已重新提交到任务队列（当前状态：{job.get_status_display()}）。")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("core:jobs")
