"""Writing the audit trail: every create, update, import and status change goes through here."""
from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .choices import AuditAction
from .models import AuditLog


def plain(value):
    """A value as JSON: dates and times in ISO form, decimals as text, records and querysets by their names."""
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)) or isinstance(value, models.QuerySet):
        return sorted(str(v) for v in value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    return value


def model_values(obj, fields) -> dict:
    """The values of the named fields, as JSON-friendly plain values (for before/after records)."""
    return {f: plain(getattr(obj, f)) for f in fields}


def diff(before: dict, after: dict) -> dict:
    """Field → [before, after] for the fields whose value changed."""
    return {k: [plain(before.get(k)), plain(after.get(k))] for k in after if before.get(k) != after.get(k)}


def audit(
    *, actor, action: AuditAction, target=None, summary: str = "", changes: dict | None = None,
    extra: dict | None = None,
) -> AuditLog:
    """Record one audited action; call it inside the transaction that makes the change."""
    log = AuditLog(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        summary=summary[:500],
        changes=changes or {},
        extra=extra or {},
    )
    if target is not None:
        log.target_type = ContentType.objects.get_for_model(target)
        log.target_id = str(target.pk)
        log.target_repr = str(target)[:200]
    log.save()
    return log
