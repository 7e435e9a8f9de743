"""Annual plans, their tasks (with the population filter, ratios and exclusion rules), and the yearly targets."""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit, diff, model_values
from core.choices import AuditAction
from core.models import Office

from ..choices import Sampling, TaskKind, TaskStatus
from ..models import KpiTarget, ObjectList, Plan, Task, TaskDepartment
from ..population import clean_filter

PLAN_FIELDS = ["year", "name", "note"]
TASK_FIELDS = ["name", "kind", "lead_department", "population_filter", "sampling", "domain", "ratio", "ratio_a",
               "ratio_b", "ratio_c", "ratio_d", "ratio_u", "inspectors_per_check", "cross_office", "starts_on",
               "deadline", "exclude_recent_months", "exclude_ended", "exclude_suspended", "note"]
CLASS_RATIOS = ["ratio_a", "ratio_b", "ratio_c", "ratio_d", "ratio_u"]


@transaction.atomic
def plan_create(*, data: dict, by) -> Plan:
    """The year's spot-check plan (one per year)."""
    if Plan.objects.filter(year=data.get("year")).exists():
        raise ValidationError({"year": f"{data.get('year')} 年的抽查计划已存在。"})
    plan = Plan(**data, created_by=by)
    plan.full_clean()
    plan.save()
    audit(actor=by, action=AuditAction.CREATE, target=plan, summary=f"新建抽查计划 {plan}")
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, data: dict, by) -> Plan:
    before = model_values(plan, PLAN_FIELDS)
    for key, value in data.items():
        setattr(plan, key, value)
    plan.full_clean()
    plan.save()
    audit(actor=by, action=AuditAction.UPDATE, target=plan, summary=f"修改抽查计划 {plan}",
          changes=diff(before, model_values(plan, PLAN_FIELDS)))
    return plan


def _validate(task: Task, items, participants) -> None:
    """Everything a task needs before it can be drawn; errors by field, in Chinese."""
    errors: dict[str, list[str]] = {}

    def error(field, message):
        errors.setdefault(field, []).append(message)

    if not items:
        error("items", "请至少选择一项抽查事项。")
    for item in items:
        if task.starts_on and not item.is_in_force(task.starts_on):
            error("items", f"抽查事项“{item}”在检查开始日期（{task.starts_on}）不在有效期内。")
    if task.starts_on and task.plan_id and task.starts_on.year != task.plan.year:
        error("starts_on", f"检查开始日期应在计划年度 {task.plan.year} 年内。")
    if task.starts_on and task.deadline and task.deadline < task.starts_on:
        error("deadline", "完成期限不能早于检查开始日期。")
    if task.domain_id and task.sampling != Sampling.UNIFORM:
        error("sampling", "专业领域抽查任务按统一比例抽取，请选择“统一比例抽取”。")
    if task.sampling == Sampling.UNIFORM:
        if task.ratio is None:
            error("ratio", "请填写抽取比例。")
    else:
        for name in CLASS_RATIOS:
            if getattr(task, name) is None:
                error(name, "差异化抽取须填写每一类的比例（不抽取的类别填 0）。")
    if task.kind == TaskKind.CONTROL:
        if task.sampling != Sampling.DIFFERENTIATED or task.domain_id:
            error("sampling", "A 类对照抽样按通用风险分类差异化抽取。")
        elif not task.ratio_a or any(getattr(task, n) for n in CLASS_RATIOS[1:]):
            error("ratio_a", "A 类对照抽样只抽取 A 类：A 类比例大于 0，其他类别填 0。")
    departments = [task.lead_department_id, *[d.pk for d in participants]]
    if len(set(departments)) != len(departments):
        error("participants", "参与部门不能重复，也不能与牵头部门相同。")
    if participants and task.inspectors_per_check < len(departments):
        error("inspectors_per_check", f"联合抽查每个参与部门至少派 1 人：每户检查人员数不少于 {len(departments)}。")
    if task.inspectors_per_check < 2:
        error("inspectors_per_check", "每户至少派 2 名执法检查人员。")
    f = task.population_filter
    unknown = set(f.get("offices", [])) - set(Office.objects.filter(code__in=f.get("offices", []))
                                             .values_list("code", flat=True))
    if unknown:
        error("population_filter", f"管辖单位编码不存在：{'、'.join(sorted(unknown))}")
    if f.get("object_list") and not ObjectList.objects.filter(pk=f["object_list"]).exists():
        error("population_filter", "所选检查对象名录不存在。")
    if f.get("established_from") and f.get("established_to") and f["established_from"] > f["established_to"]:
        error("population_filter", "成立日期范围的起始日期晚于截止日期。")
    if errors:
        raise ValidationError(errors)


def _task_values(task: Task, items, participants) -> dict:
    values = model_values(task, TASK_FIELDS)
    values["items"] = sorted(i.code for i in items)
    values["participants"] = [d.code for d in participants]
    return values


def _set_relations(task: Task, items, participants) -> None:
    task.items.set(items)
    TaskDepartment.objects.filter(task=task).delete()
    TaskDepartment.objects.bulk_create(
        TaskDepartment(task=task, department=d, position=i) for i, d in enumerate(participants, start=1))


@transaction.atomic
def task_create(*, plan: Plan, data: dict, items, participants, by) -> Task:
    """Add a task to a plan: check items, departments, population filter, ratios, inspectors, deadline."""
    data = {**data, "population_filter": clean_filter(data.get("population_filter") or {})}
    task = Task(plan=plan, **data, created_by=by)
    _validate(task, list(items), list(participants))
    task.full_clean(exclude=["items"])
    task.save()
    _set_relations(task, items, participants)
    audit(actor=by, action=AuditAction.CREATE, target=task, summary=f"新建抽查任务 {task}（{plan.year} 年）",
          changes={k: [None, v] for k, v in _task_values(task, items, participants).items()})
    return task


@transaction.atomic
def task_update(*, task: Task, data: dict, items, participants, by) -> Task:
    """Change a task before its draw; a drawn task is fixed (a re-draw needs leadership approval)."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.DRAFT:
        raise ValidationError("任务已抽取或正在抽取，不能再修改。")
    before = _task_values(task, task.items.all(), [p.department for p in task.participants.all()])
    data = {**data, "population_filter": clean_filter(data.get("population_filter") or {})}
    for key, value in data.items():
        setattr(task, key, value)
    _validate(task, list(items), list(participants))
    task.full_clean(exclude=["items"])
    task.save()
    _set_relations(task, items, participants)
    changes = diff(before, _task_values(task, items, participants))
    audit(actor=by, action=AuditAction.UPDATE, target=task, summary=f"修改抽查任务 {task}", changes=changes)
    return task


@transaction.atomic
def task_delete(*, task: Task, by) -> None:
    """Delete a task that was never drawn."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.DRAFT or task.draws.exists():
        raise ValidationError("任务已有抽取记录，不能删除。")
    audit(actor=by, action=AuditAction.DELETE, target=task, summary=f"删除抽查任务 {task}",
          extra=_task_values(task, task.items.all(), [p.department for p in task.participants.all()]))
    task.delete()


@transaction.atomic
def kpi_target_set(*, year: int, kpi: str, target: Decimal, basis: str, by) -> KpiTarget:
    """Set one of the year's targets (the plan may change them from year to year)."""
    row, created = KpiTarget.objects.get_or_create(year=year, kpi=kpi, defaults={"target": target, "basis": basis})
    before = model_values(row, ["target", "basis"]) if not created else {}
    row.target, row.basis = target, basis
    row.full_clean()
    row.save()
    audit(actor=by, action=AuditAction.CREATE if created else AuditAction.UPDATE, target=row,
          summary=f"设定 {row}", changes=diff(before, model_values(row, ["target", "basis"])))
    return row
