"""Task integration (整合抽查任务): checks of several tasks on one entity merged into one joint visit."""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit
from core.choices import AuditAction

from ..choices import DrawStatus
from ..models import JointVisit, SpotCheck


@transaction.atomic
def visit_create(*, checks, team, planned_on: date | None, note: str, by) -> JointVisit:
    """Merge two or more checks of one entity, from different tasks of one plan, into one visit by one team."""
    checks = list(SpotCheck.objects.select_for_update().filter(pk__in=[c.pk for c in checks])
                  .select_related("task", "entity", "draw"))
    if len(checks) < 2:
        raise ValidationError("至少选择两项检查才能合并为一次联合检查。")
    if len({c.entity_id for c in checks}) != 1:
        raise ValidationError("只能合并同一市场主体的检查。")
    if len({c.task_id for c in checks}) != len(checks):
        raise ValidationError("同一任务的检查不能重复合并。")
    if len({c.task.plan_id for c in checks}) != 1:
        raise ValidationError("只能合并同一年度计划内的检查。")
    if any(c.draw.status != DrawStatus.VALID for c in checks):
        raise ValidationError("已作废抽取中的检查不能合并。")
    merged = [c for c in checks if c.visit_id]
    if merged:
        raise ValidationError(f"“{merged[0].task.name}”的检查已并入另一次联合检查。")
    team = list(team)
    if len(team) < 2:
        raise ValidationError({"team": "检查组至少 2 人。"})
    entity = checks[0].entity
    conflicted = [i for i in team if i.conflicts.filter(entity=entity).exists()]
    if conflicted:
        raise ValidationError({"team": f"{conflicted[0].name} 已申报回避该市场主体，不能进入检查组。"})
    visit = JointVisit.objects.create(plan=checks[0].task.plan, entity=entity, planned_on=planned_on,
                                      note=(note or "").strip()[:300], created_by=by)
    visit.team.set(team)
    SpotCheck.objects.filter(pk__in=[c.pk for c in checks]).update(visit=visit)
    audit(actor=by, action=AuditAction.CREATE, target=visit,
          summary=f"合并联合检查：{entity.name}，{len(checks)} 项检查合为 1 次上门（节省 {len(checks) - 1} 次）",
          extra={"checks": [c.pk for c in checks], "tasks": [c.task.name for c in checks],
                 "team": [i.code for i in team]})
    return visit


@transaction.atomic
def visit_dissolve(*, visit: JointVisit, by) -> None:
    """Undo a merge: the checks go back to separate visits."""
    ids = list(visit.checks.values_list("pk", flat=True))
    audit(actor=by, action=AuditAction.DELETE, target=visit, summary=f"取消联合检查：{visit.entity.name}",
          extra={"checks": ids})
    SpotCheck.objects.filter(pk__in=ids).update(visit=None)
    visit.delete()
