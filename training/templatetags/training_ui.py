"""Template helpers of the training pages."""
from django import template

register = template.Library()


@register.filter
def unit(user, default: str = "局机关") -> str:
    """The unit a staff member belongs to: their field office, else their section or department."""
    if user is None:
        return ""
    place = user.office or user.department
    return place.name if place else default
