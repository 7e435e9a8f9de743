"""Reads of the register: overview figures, industry names, an entity's timeline."""
from django.db.models import Count, Q

from .choices import EntityType, RegistrationStatus
from .models import Industry, MarketEntity


def entity_overview(user) -> dict:
    """Counts for a landing page, within the user's scope, in one query."""
    qs = MarketEntity.objects.for_user(user).order_by()
    active = Q(status=RegistrationStatus.ACTIVE)
    figures = qs.aggregate(
        total=Count("id"),
        active=Count("id", filter=active),
        enterprises=Count("id", filter=active & Q(entity_type=EntityType.ENTERPRISE)),
        individuals=Count("id", filter=active & Q(entity_type=EntityType.INDIVIDUAL)),
        cooperatives=Count("id", filter=active & Q(entity_type=EntityType.COOPERATIVE)),
    )
    by_office = (
        qs.filter(active).values("office__name", "office_id").annotate(n=Count("id")).order_by("-n")
        if user.sees_whole_district else []
    )
    return {**figures, "by_office": list(by_office)}


def industry_names() -> dict[str, str]:
    """Code → name for every node of the catalogue (a few hundred rows, read once per request)."""
    return dict(Industry.objects.values_list("code", "name"))


def industry_label(code: str, names: dict[str, str]) -> str:
    """The name at the finest level the catalogue holds: class, else group, else division."""
    for prefix in (code, code[:4], code[:3]):
        if prefix in names:
            return names[prefix]
    return ""


def division_sections() -> dict[str, str]:
    """Two-digit division → its section letter, for validating class codes."""
    return {code[1:]: code[0] for code in Industry.objects.filter(level="division").values_list("code", flat=True)}


def dashboard_facts(year: int):
    """登记监管 on the leadership dashboard: blocks "unlicensed" and "dereg" (see registry.supervision_selectors)."""
    from .supervision_selectors import dashboard_facts as facts

    return facts(year)
