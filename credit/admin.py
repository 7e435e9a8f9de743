from django.contrib import admin

from core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import EntityRiskClass, RiskDomain


@admin.register(RiskDomain)
class RiskDomainAdmin(AuditedAdmin):
    """Administrators add the professional domains the provincial platform classifies by."""

    list_display = ["code", "name", "is_active", "sort_order"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    list_select_related = True


@admin.register(EntityRiskClass)
class EntityRiskClassAdmin(ReadOnlyAdmin):
    """Read-only: classes come from the provincial platform's files through the audited import."""

    list_display = ["entity", "risk_class", "domain", "classified_on", "job"]
    list_filter = ["risk_class", "domain", "classified_on"]
    search_fields = ["entity__name", "entity__uscc"]
    list_select_related = ["entity", "domain", "job"]
    raw_id_fields = ["entity", "job"]
    show_full_result_count = False
