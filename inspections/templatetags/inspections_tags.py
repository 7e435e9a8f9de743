"""Template helpers of 双随机: percentages of exact ratios, ratio display, stratum labels."""
from decimal import Decimal

from django import template

from ..choices import STRATUM_LABELS

register = template.Library()


@register.filter
def pct(value, places: int = 2) -> str:
    """A ratio (Decimal) as a percentage: 0.0352 → 3.52%; None → —."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value)) * 100
    text = f"{number:.{int(places)}f}".rstrip("0").rstrip(".") if "." in f"{number:.{int(places)}f}" else str(number)
    return f"{text}%"


@register.filter
def stratum(value) -> str:
    return STRATUM_LABELS.get(value, value)


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def manages_inspections(user) -> bool:
    """Whether the user runs 双随机 work (the tabs for publication and integration show only to them)."""
    from ..permissions import can_manage_inspections

    return can_manage_inspections(user)


@register.filter
def figure(value, unit: str = "") -> str:
    """A dashboard figure with its unit: 1234 → 1,234 户; 12.50 → 12.5 学时; None → —."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value))
    text = f"{number:,.0f}" if number == number.to_integral_value() else f"{number.normalize():,f}"
    return f"{text} {unit}".strip() if unit != "%" else f"{text}%"
