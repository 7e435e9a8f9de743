"""Writes of the credit app: model versions, classification runs, approved texts and target lists."""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.audit import audit, diff, model_values
from core.choices import AuditAction
from core.services import job_create, job_enqueue
from registry.choices import EntityType

from .choices import TargetRule, TextStatus, VersionStatus
from .indicators import KINDS, check_params
from .models import AnalysisReport, ModelIndicator, ModelRun, ModelVersion, TargetEntry, TargetList
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


# ---- texts that leadership approves: the analysis's text section, warnings and guidance ----------------------

TEXT_FIELDS = {"AnalysisReport": ["findings", "recommendations"],
               "RiskWarning": ["kind", "category", "title", "audience", "body"]}


@transaction.atomic
def text_save(*, obj, values: dict, by):
    """Save a draft's text (a new one, or an existing draft); an approved text is not changed."""
    fields = TEXT_FIELDS[type(obj).__name__]
    if obj.pk:
        obj = type(obj).objects.select_for_update().get(pk=obj.pk)
        if obj.status != TextStatus.DRAFT:
            raise ValidationError("已审核的内容不能修改；如需修改，请审核人先退回为草稿。")
    before = model_values(obj, fields) if obj.pk else {}
    created = not obj.pk
    for key in fields:
        if key in values:
            setattr(obj, key, values[key])
    obj.full_clean()
    if created:
        obj.drafted_by = by if getattr(by, "pk", None) else None
    obj.save()
    audit(actor=by, action=AuditAction.CREATE if created else AuditAction.UPDATE, target=obj,
          summary=f"{'起草' if created else '修改'}{obj._meta.verbose_name}：{obj}",
          changes=diff(before, model_values(obj, fields)))
    return obj


@transaction.atomic
def text_approve(*, obj, by):
    """Leadership approves a draft; from then on its text is what may be exported and published."""
    model = type(obj)
    done = model.objects.filter(pk=obj.pk, status=TextStatus.DRAFT).update(
        status=TextStatus.APPROVED, approved_by=by, approved_at=timezone.now())
    if not done:
        raise ValidationError("该内容已审核（或已被他人处理），请刷新页面。")
    obj.refresh_from_db()
    if isinstance(obj, AnalysisReport) and not (obj.findings.strip() and obj.recommendations.strip()):
        raise ValidationError("“主要发现”和“意见建议”都填写后才能审核。")
    audit(actor=by, action=AuditAction.STATUS, target=obj, summary=f"审核通过{obj._meta.verbose_name}：{obj}",
          changes={"status": [TextStatus.DRAFT.value, TextStatus.APPROVED.value]})
    return obj


@transaction.atomic
def text_reopen(*, obj, by, reason: str):
    """Send an approved text back to draft so that it can be corrected (the reason is recorded)."""
    if not reason.strip():
        raise ValidationError("请填写退回原因。")
    done = type(obj).objects.filter(pk=obj.pk, status=TextStatus.APPROVED).update(
        status=TextStatus.DRAFT, approved_by=None, approved_at=None)
    if not done:
        raise ValidationError("该内容不是已审核状态，请刷新页面。")
    obj.refresh_from_db()
    audit(actor=by, action=AuditAction.STATUS, target=obj, summary=f"退回{obj._meta.verbose_name}为草稿：{obj}",
          changes={"status": [TextStatus.APPROVED.value, TextStatus.DRAFT.value]}, extra={"reason": reason[:300]})
    return obj


# ---- target lists ------------------------------------------------------------------------------------------

@transaction.atomic
def target_list_generate(*, rule: str, by, params: dict | None = None, warning=None) -> TargetList:
    """Propose the entities a rule finds today as a list staff can export and work through."""
    from .targets import RULES

    spec = RULES[rule]
    if not spec.available:
        raise ValidationError(f"“{TargetRule(rule).label}”的数据来源尚未上线，暂不能生成名单。")
    params = spec.params(params or {})
    found = spec.find(params)
    target = TargetList.objects.create(rule=rule, name=spec.name(params), params=params, warning=warning,
                                       created_by=by if getattr(by, "pk", None) else None)
    TargetEntry.objects.bulk_create([TargetEntry(target_list=target, entity_id=entity_id, reason=reason[:200])
                                     for entity_id, reason in found], batch_size=2000)
    audit(actor=by, action=AuditAction.CREATE, target=target,
          summary=f"生成提示对象名单：{target.name}，{len(found)} 户",
          extra={"rule": rule, "params": params, "entities": len(found)})
    return target


@transaction.atomic
def target_entry_mark(*, entry: TargetEntry, by, contacted: bool, note: str = "") -> TargetEntry:
    """Mark an entity on a list as contacted (or not), with a short note."""
    entry = TargetEntry.objects.select_for_update().get(pk=entry.pk)
    before = {"contacted": bool(entry.contacted_at), "note": entry.contact_note}
    entry.contacted_at = timezone.now() if contacted else None
    entry.contacted_by = by if contacted else None
    entry.contact_note = note[:200]
    entry.save(update_fields=["contacted_at", "contacted_by", "contact_note"])
    audit(actor=by, action=AuditAction.UPDATE, target=entry.target_list,
          summary=f"{'已联系' if contacted else '取消已联系'}：{entry.entity}",
          changes=diff(before, {"contacted": contacted, "note": entry.contact_note}),
          extra={"entity": entry.entity_id})
    return entry


# ---- the current general class beside the history ------------------------------------------------------------

def current_classes_refresh(entity_ids=None) -> None:
    """Recompute the current general class (CurrentRiskClass) of these entities (None: all) from their history;
    call it in the transaction that writes classification results."""
    from django.db import connection

    from .models import CurrentRiskClass, EntityRiskClass

    ids = None if entity_ids is None else sorted(set(entity_ids))
    if ids == []:
        return
    if connection.vendor == "postgresql":
        current, history = CurrentRiskClass._meta.db_table, EntityRiskClass._meta.db_table
        only = "" if ids is None else " AND entity_id = ANY(%s)"
        params = [] if ids is None else [ids]
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {current} WHERE true{only}", params)
            cursor.execute(
                f"INSERT INTO {current} (entity_id, risk_class, classified_on) SELECT DISTINCT ON (entity_id) "
                f"entity_id, risk_class, classified_on FROM {history} WHERE domain_id IS NULL{only} "
                f"ORDER BY entity_id, classified_on DESC", params)
        return
    latest = {}
    general = EntityRiskClass.objects.filter(domain__isnull=True).order_by("entity_id", "classified_on")
    batches = [None] if ids is None else [ids[i:i + 900] for i in range(0, len(ids), 900)]  # SQLite's limit
    for batch in batches:
        stale = CurrentRiskClass.objects.all()
        (stale if batch is None else stale.filter(entity_id__in=batch)).delete()
        rows = general if batch is None else general.filter(entity_id__in=batch)
        for entity_id, risk_class, on in rows.values_list("entity_id", "risk_class", "classified_on").iterator():
            latest[entity_id] = (risk_class, on)
    CurrentRiskClass.objects.bulk_create([CurrentRiskClass(entity_id=e, risk_class=c, classified_on=d)
                                          for e, (c, d) in latest.items()], batch_size=2000)
