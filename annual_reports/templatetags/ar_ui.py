"""Template filters of the 年报 pages."""
from django import template

from core.permissions import can_manage_annual_reports, can_work_annual_reports

register = template.Library()


@register.filter
def can_work_ar(user) -> bool:
    return can_work_annual_reports(user)


@register.filter
def can_manage_ar(user) -> bool:
    return can_manage_annual_reports(user)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key) if hasattr(mapping, "get") else key


@register.filter
def pct(value) -> str:
    """A rate as "40.0%", or "—" when there is nothing to divide by (0.0% stays 0.0%)."""
    return "—" if value is None else f"{value}%"
