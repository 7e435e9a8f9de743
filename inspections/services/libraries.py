"""一单两库: the check-item list with its versions, the inspector library and conflicts, member departments' lists."""
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit, diff, model_values
from core.choices import AuditAction

from ..models import CheckItem, CheckItemVersion, Inspector, InspectorConflict, ObjectList, ObjectListEntry

ITEM_FIELDS = ["name", "legal_basis", "content", "method", "department", "kind", "domain", "valid_from", "valid_to"]
VERSIONED_FIELDS = ["name", "legal_basis", "content", "method", "department", "kind", "domain"]
INSPECTOR_FIELDS = ["name", "certificate_no", "office", "department", "user", "status", "phone", "note"]


def _snapshot(item: CheckItem, *, note: str, by) -> CheckItemVersion:
    return CheckItemVersion.objects.create(
        item=item, version=item.version, name=item.name, legal_basis=item.legal_basis, content=item.content,
        method=item.method, department=item.department, kind=item.kind, domain=item.domain,
        valid_from=item.valid_from, valid_to=item.valid_to, change_note=note, created_by=by if by else None,
    )


@transaction.atomic
def check_item_create(*, data: dict, by) -> CheckItem:
    """Add an item to the check-item list (its first version)."""
    item = CheckItem(**data)
    item.full_clean()
    item.version = 1
    item.save()
    _snapshot(item, note="新增事项", by=by)
    audit(actor=by, action=AuditAction.CREATE, target=item, summary=f"新增抽查事项 {item}",
          changes={k: [None, v] for k, v in model_values(item, ITEM_FIELDS).items()})
    return item


@transaction.atomic
def check_item_revise(*, item: CheckItem, data: dict, note: str, by) -> CheckItem:
    """动态调整: a new version from its effective date; the previous version ends the day before and is kept."""
    item = CheckItem.objects.select_for_update().get(pk=item.pk)
    before = model_values(item, ITEM_FIELDS)
    valid_from = data.get("valid_from") or item.valid_from
    content_changed = any(data.get(f, getattr(item, f)) != getattr(item, f) for f in VERSIONED_FIELDS)
    for key, value in data.items():
        setattr(item, key, value)
    changes = diff(before, model_values(item, ITEM_FIELDS))
    if not changes:
        raise ValidationError("内容没有变化，无需调整。")
    if content_changed:
        if valid_from <= before_date(before["valid_from"]):
            raise ValidationError(
                {"valid_from": f"新版本的生效日期须晚于现行版本的生效日期（{before['valid_from']}）。"})
        CheckItemVersion.objects.filter(item=item, version=item.version).update(valid_to=valid_from - timedelta(days=1))
        item.version += 1
    item.full_clean()
    item.save()
    if content_changed:
        _snapshot(item, note=note, by=by)
    else:
        CheckItemVersion.objects.filter(item=item, version=item.version).update(valid_to=item.valid_to,
                                                                                 valid_from=item.valid_from)
    audit(actor=by, action=AuditAction.UPDATE, target=item, changes=changes,
          summary=f"动态调整抽查事项 {item.code}" + (f"（第 {item.version} 版）" if content_changed else ""),
          extra={"note": note, "version": item.version})
    return item


def before_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


@transaction.atomic
def check_item_retire(*, item: CheckItem, valid_to: date, by) -> CheckItem:
    """Take an item off the list from a date (its history stays)."""
    if valid_to < item.valid_from:
        raise ValidationError({"valid_to": "失效日期不能早于生效日期。"})
    return check_item_revise(item=item, data={"valid_to": valid_to}, note="事项停用", by=by)


def _check_inspector(inspector: Inspector) -> None:
    if inspector.office_id is None and inspector.department_id is None:
        raise ValidationError("所属市场监管所和所属股室/单位至少填写一项。")
    inspector.full_clean(validate_unique=True)


@transaction.atomic
def inspector_create(*, data: dict, items, by) -> Inspector:
    """Add a person to the inspector library with the check items they may carry out."""
    inspector = Inspector(**data)
    _check_inspector(inspector)
    inspector.save()
    inspector.qualified_items.set(items)
    audit(actor=by, action=AuditAction.CREATE, target=inspector, summary=f"新增执法检查人员 {inspector}",
          changes={**{k: [None, v] for k, v in model_values(inspector, INSPECTOR_FIELDS).items()},
                   "qualified_items": [None, sorted(i.code for i in items)]})
    return inspector


@transaction.atomic
def inspector_update(*, inspector: Inspector, data: dict, items, by) -> Inspector:
    """Change a person's unit, status, certificate or qualifications; before and after are audited."""
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    before = model_values(inspector, INSPECTOR_FIELDS)
    before_items = sorted(inspector.qualified_items.values_list("code", flat=True))
    for key, value in data.items():
        setattr(inspector, key, value)
    _check_inspector(inspector)
    inspector.save()
    if items is not None:
        inspector.qualified_items.set(items)
    changes = diff(before, model_values(inspector, INSPECTOR_FIELDS))
    after_items = sorted(inspector.qualified_items.values_list("code", flat=True))
    if after_items != before_items:
        changes["qualified_items"] = [before_items, after_items]
    if changes:
        audit(actor=by, action=AuditAction.UPDATE if "status" not in changes else AuditAction.STATUS,
              target=inspector, summary=f"修改执法检查人员 {inspector}", changes=changes)
    return inspector


@transaction.atomic
def conflict_declare(*, inspector: Inspector, entity, reason: str, declared_on: date, by) -> InspectorConflict:
    """Record a declared conflict of interest: the draw never assigns this inspector to this entity."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写回避事由。"})
    if InspectorConflict.objects.filter(inspector=inspector, entity=entity).exists():
        raise ValidationError(f"{inspector.name} 对 {entity} 的回避申报已登记。")
    conflict = InspectorConflict.objects.create(inspector=inspector, entity=entity, reason=reason[:300],
                                                declared_on=declared_on, created_by=by)
    audit(actor=by, action=AuditAction.CREATE, target=inspector,
          summary=f"登记回避申报：{inspector.name} 回避 {entity.name}（{entity.uscc}）",
          extra={"entity": entity.uscc, "reason": reason})
    return conflict


@transaction.atomic
def conflict_withdraw(*, conflict: InspectorConflict, by) -> None:
    """Remove a declared conflict (the person's circumstances changed); the record of it stays in the audit."""
    inspector, entity = conflict.inspector, conflict.entity
    audit(actor=by, action=AuditAction.DELETE, target=inspector,
          summary=f"撤销回避申报：{inspector.name} 不再回避 {entity.name}（{entity.uscc}）",
          extra={"entity": entity.uscc, "reason": conflict.reason, "declared_on": conflict.declared_on.isoformat()})
    conflict.delete()


@transaction.atomic
def object_list_create(*, data: dict, by) -> ObjectList:
    """A new inspection-object list of a member department (filled by import)."""
    object_list = ObjectList(**data, created_by=by)
    object_list.full_clean()
    object_list.save()
    audit(actor=by, action=AuditAction.CREATE, target=object_list, summary=f"新建检查对象名录 {object_list}")
    return object_list


@transaction.atomic
def object_list_entry_remove(*, entry: ObjectListEntry, by) -> None:
    """Take one entity off a member department's object list."""
    audit(actor=by, action=AuditAction.DELETE, target=entry.object_list,
          summary=f"从检查对象名录 {entry.object_list} 移除 {entry.entity.name}（{entry.entity.uscc}）")
    entry.delete()
