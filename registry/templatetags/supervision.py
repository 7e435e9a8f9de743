"""Template helpers of registration supervision used on other apps' pages (the spot check's page)."""
from django import template

from core.permissions import can_manage_registration_supervision, can_view_registration_supervision

register = template.Library()


@register.inclusion_tag("registry/supervision/_check_findings.html", takes_context=True)
def registration_findings(context, spot_check):
    """The registration-matter findings recorded inside a spot check, and the link to record one."""
    user = context["user"]
    visible = can_view_registration_supervision(user)
    return {
        "check": spot_check, "visible": visible,
        "findings": spot_check.registration_findings.all() if visible else [],
        "can_record": can_manage_registration_supervision(user) and spot_check.checked_on is not None,
    }
