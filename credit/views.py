"""The risk-class overview: the current class distribution per office, within the user's scope."""
from django.shortcuts import render

from core.models import Office
from core.permissions import can_import_risk_classes, can_view_risk_class, require
from registry.choices import EntityType, RegistrationStatus
from registry.models import MarketEntity

from .choices import RISK_CLASSES
from .models import RiskDomain
from .selectors import class_distribution, domain_for


@require(can_view_risk_class)
def risk_overview(request):
    """How many active entities of a type are in each class, per office; each figure opens the entity list."""
    entity_type = request.GET.get("entity_type") or EntityType.ENTERPRISE
    if entity_type not in EntityType.values:
        entity_type = EntityType.ENTERPRISE
    domains = list(RiskDomain.objects.filter(is_active=True))
    try:
        domain = domain_for(request.GET.get("domain") or None)
    except ValueError:
        domain = None
    entities = MarketEntity.objects.for_user(request.user).filter(
        status=RegistrationStatus.ACTIVE, entity_type=entity_type)
    counts = class_distribution(entities, domain=domain)
    offices = Office.objects.all() if request.user.sees_whole_district else Office.objects.filter(
        pk=request.user.office_id)
    table, totals = [], {c: 0 for c in [*RISK_CLASSES, None]}
    for office in offices:
        cells = {c: counts.get((office.pk, c), 0) for c in [*RISK_CLASSES, None]}
        if not any(cells.values()):
            continue
        for c, n in cells.items():
            totals[c] += n
        table.append({"office": office, "cells": [(c, cells[c]) for c in RISK_CLASSES],
                      "unclassified": cells[None], "total": sum(cells.values())})
    grand = sum(totals.values())
    return render(request, "credit/risk_overview.html", {
        "table": table,
        "totals": [(c, totals[c], round(totals[c] * 100 / grand, 1) if grand else 0) for c in RISK_CLASSES],
        "unclassified": totals[None],
        "grand": grand,
        "entity_type": entity_type,
        "entity_types": EntityType.choices,
        "domains": domains,
        "domain": domain,
        "can_import": can_import_risk_classes(request.user),
        "breadcrumbs": [("信用风险分类", None)],
    })
