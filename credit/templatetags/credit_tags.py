"""Risk classes on the register's pages, shown only to the roles that work with them."""
from django import template

from core.permissions import can_view_risk_class

register = template.Library()

RISK_CATEGORY = "风险分类"  # the timeline category of class events (hidden from roles without the right)


@register.filter(name="can_view_risk_class")
def can_view_risk_class_filter(user) -> bool:
    return can_view_risk_class(user)


@register.filter
def shown_to(events, user):
    """Timeline events a user may see: class events only for the roles that work with classes."""
    if can_view_risk_class(user):
        return events
    return [e for e in events if e.category != RISK_CATEGORY]


@register.inclusion_tag("credit/_entity_risk_classes.html", takes_context=True)
def risk_class_history(context, entity):
    """The entity page's section: the current class by type, then the whole history."""
    from ..selectors import class_history

    user = context["request"].user
    if not can_view_risk_class(user):
        return {"allowed": False}
    history = class_history(entity)
    current = {}
    for record in history:
        current.setdefault(record.type_label, record)
    return {"allowed": True, "history": history, "current": list(current.values()), "entity": entity}
