"""Writes of the credit app: model versions (publish, copy) and classification runs."""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.audit import audit
from core.choices import AuditAction
from core.services import job_create, job_enqueue
from registry.choices import EntityType

from .choices import VersionStatus
from .indicators import KINDS, check_params
from .models import ModelIndicator, ModelRun, ModelVersion
from .scoring import COMPARISON_EXCLUDES, RUN_JOB_KIND


def version_problems(version: ModelVersion) -> list[str]:
    """Why a version cannot be published (empty when it can)."""
    problems = []
    if not (version.threshold_b <= version.threshold_c <= version.threshold_d):
        problems.append("分类阈值应满足：B 类起点 ≤ C 类起点 ≤ D 类起点")
    if version.threshold_b <= 0:
        problems.append("B 类起点应大于 0（风险分为 0 的主体应为 A 类）")
    indicators = list(version.indicators.all())
    if not indicators:
        problems.append("模型没有任何指标")
    for indicator in indicators:
        problems.extend(check_params(indicator.kind, indicator.params))
    if not any(KINDS[i.kind].available and i.weight > 0 for i in indicators):
        problems.append("至少需要一个数据来源已上线、权重大于 0 的指标")
    return problems


@transaction.atomic
def version_publish(*, version: ModelVersion, by) -> ModelVersion:
    """Freeze a draft version and make it the model's current one; the version it replaces is retired."""
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(f"{version} 已{version.get_status_display()}，不能再发布。")
    problems = version_problems(version)
    if problems:
        raise ValidationError(problems)
    retired = list(ModelVersion.objects.filter(model=version.model, status=VersionStatus.PUBLISHED)
                   .values_list("number", flat=True))
    ModelVersion.objects.filter(model=version.model, status=VersionStatus.PUBLISHED).update(
        status=VersionStatus.RETIRED)
    version.status, version.published_at, version.published_by = VersionStatus.PUBLISHED, timezone.now(), by
    version.save(update_fields=["status", "published_at", "published_by"])
    audit(actor=by, action=AuditAction.STATUS, target=version, summary=f"发布{version}",
          changes={"status": [VersionStatus.DRAFT.value, VersionStatus.PUBLISHED.value]},
          extra={"retired_versions": retired,
                 "indicators": [[i.kind, str(i.weight), i.params] for i in version.indicators.all()],
                 "thresholds": [str(version.threshold_b), str(version.threshold_c), str(version.threshold_d)]})
    return version


@transaction.atomic
def version_copy(*, version: ModelVersion, by, note: str = "") -> ModelVersion:
    """A new draft with the same indicators, weights and thresholds, for an administrator to change."""
    number = (ModelVersion.objects.select_for_update().filter(model=version.model)
              .aggregate(n=Max("number"))["n"] or 0) + 1
    draft = ModelVersion.objects.create(
        model=version.model, number=number, note=note or f"由第 {version.number} 版复制",
        threshold_b=version.threshold_b, threshold_c=version.threshold_c, threshold_d=version.threshold_d)
    ModelIndicator.objects.bulk_create(
        ModelIndicator(version=draft, kind=i.kind, weight=i.weight, params=i.params, sort_order=i.sort_order)
        for i in version.indicators.all())
    audit(actor=by, action=AuditAction.CREATE, target=draft, summary=f"新建{draft}（复制第 {version.number} 版）")
    return draft


def current_version(model) -> ModelVersion | None:
    return model.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()


@transaction.atomic
def classification_run_queue(*, version: ModelVersion, entity_type: str, as_of: date, by,
                             reproduces: ModelRun | None = None) -> ModelRun:
    """Queue a run of a frozen version over a type's entities as of a date (a Celery job the run page follows).
    Scoring enterprises with the individual-business model is a comparison: the upstream class is left out."""
    if version.status == VersionStatus.DRAFT:
        raise ValidationError("草稿版本不能用于评价，请先发布。")
    if entity_type not in EntityType.values:
        raise ValidationError("评价对象类型无效。")
    if as_of > timezone.localdate():
        raise ValidationError("评价基准日不能晚于今天。")
    excluded = [] if entity_type == version.model.entity_type else list(COMPARISON_EXCLUDES)
    if reproduces is not None:
        excluded = list(reproduces.excluded_kinds)
    job = job_create(kind=RUN_JOB_KIND, user=by, params={"version": version.pk, "entity_type": entity_type,
                                                          "as_of": as_of.isoformat()})
    run = ModelRun.objects.create(version=version, entity_type=entity_type, as_of=as_of, excluded_kinds=excluded,
                                  reproduces=reproduces, job=job, created_by=by if getattr(by, "pk", None) else None)
    what = f"重现评价 #{reproduces.pk}" if reproduces else "发起信用风险评价"
    audit(actor=by, action=AuditAction.CREATE, target=run,
          summary=f"{what}：{version}，{EntityType(entity_type).label}，基准日 {as_of.isoformat()}")
    from .tasks import classification_run_task

    job_enqueue(job=job, task=classification_run_task)
    return run


def classification_run_reproduce(*, run: ModelRun, by) -> ModelRun:
    """Run an old run again: same version, same base date, same entities; the page compares the two."""
    return classification_run_queue(version=run.version, entity_type=run.entity_type, as_of=run.as_of, by=by,
                                    reproduces=run)


def classification_run_job(*, job):
    """Run the classification run of a job (called by the Celery task)."""
    from .scoring import classification_run_execute

    return classification_run_execute(run=job.model_run, job=job)
