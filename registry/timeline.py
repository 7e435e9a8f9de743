"""An entity's timeline: the register adds its own events, later capabilities register theirs.

A provider is a function ``provider(entity) -> iterable[TimelineEvent]``; register it once, e.g. from
an app's ``AppConfig.ready()`` with ``timeline.register(my_provider)``.
"""
from dataclasses import dataclass
from datetime import datetime, time

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

from core.choices import AuditAction
from core.models import AuditLog

_providers = []


@dataclass
class TimelineEvent:
    at: datetime
    category: str  # 登记 / 列异 / 抽查 / 年报 / 修复 …
    title: str
    detail: str = ""
    actor: str = ""


def register(provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def _aware(value) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.combine(value, time.min))


def events_for(entity, limit: int = 200) -> list[TimelineEvent]:
    events = []
    for provider in _providers:
        events.extend(provider(entity))
    events.sort(key=lambda e: _aware(e.at), reverse=True)
    return events[:limit]


def _field_label(name: str) -> str:
    from .models import MarketEntity

    try:
        return str(MarketEntity._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def register_events(entity):
    """Establishment, status changes and audited edits of the registration data."""
    yield TimelineEvent(at=entity.established_on, category="登记", title="成立登记",
                        detail=entity.registration_authority)
    for change in entity.status_changes.select_related("changed_by"):
        if not change.old_status:
            continue
        yield TimelineEvent(
            at=change.changed_at, category="登记", title=f"登记状态：{change.get_old_status_display()} → "
            f"{change.get_new_status_display()}", detail=" ".join(filter(None, [change.source, change.note])),
            actor=str(change.changed_by or ""),
        )
    for log in AuditLog.objects.for_object(entity).select_related("actor").filter(
        action__in=[AuditAction.CREATE, AuditAction.UPDATE]
    ):
        fields = "；".join(
            f"{_field_label(k)}：{v[0] or '（空）'} → {v[1] or '（空）'}" for k, v in log.changes.items()
            if k != "status"
        )
        if log.action == AuditAction.UPDATE and not fields:
            continue
        yield TimelineEvent(at=log.at, category="登记", title=log.summary or log.get_action_display(),
                            detail=fields, actor=str(log.actor or "系统"))


register(register_events)
