"""Admin of registration supervision: the rules and catalogues an administrator maintains are editable (audited);
the cases move only through their pipelines' services, so the admin shows them read-only."""
from django.contrib import admin

from core.admin import AuditedAdmin, ReadOnlyAdmin

from .supervision_models import (
    DeregCase,
    DeregFeedback,
    DeregRule,
    InfoNotification,
    ListCatalogue,
    ListItem,
    RegistrationFinding,
    UnlicensedCase,
    UnlicensedFineScale,
    UnlicensedRule,
)


@admin.register(DeregRule)
class DeregRuleAdmin(AuditedAdmin):
    list_display = ["code", "name", "trigger", "period_code", "entity_types", "is_active"]
    list_filter = ["trigger", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = []
    filter_horizontal = ["feedback_departments"]


class ListItemInline(admin.TabularInline):
    model = ListItem
    extra = 0
    fields = ["kind", "number", "matter", "violation", "legal_basis", "conditions", "measures", "is_active"]


@admin.register(ListCatalogue)
class ListCatalogueAdmin(AuditedAdmin):
    list_display = ["year", "title", "issued_by", "document_no", "effective_from"]
    search_fields = ["title", "document_no"]
    list_filter = ["issued_by"]
    list_select_related = []
    inlines = [ListItemInline]


@admin.register(ListItem)
class ListItemAdmin(AuditedAdmin):
    list_display = ["catalogue", "kind", "number", "matter", "violation", "is_active"]
    list_filter = ["catalogue", "kind", "matter", "is_active"]
    search_fields = ["violation", "legal_basis", "conditions"]
    list_select_related = ["catalogue"]
    raw_id_fields = ["catalogue"]


@admin.register(UnlicensedRule)
class UnlicensedRuleAdmin(AuditedAdmin):
    list_display = ["year", "handling_workdays", "target_handling_rate", "target_timely_rate", "basis"]
    search_fields = ["basis"]
    list_filter = ["year"]
    list_select_related = []


@admin.register(UnlicensedFineScale)
class UnlicensedFineScaleAdmin(AuditedAdmin):
    list_display = ["severity", "min_amount", "max_amount", "legal_basis", "effective_from", "verified"]
    list_filter = ["severity", "verified"]
    search_fields = ["legal_basis"]
    list_select_related = []


@admin.register(DeregCase)
class DeregCaseAdmin(ReadOnlyAdmin):
    list_display = ["entity", "rule", "trigger_date", "status", "screened_on", "decided_on"]
    list_filter = ["status", "rule"]
    search_fields = ["entity__name", "entity__uscc"]
    list_select_related = ["entity", "rule"]
    raw_id_fields = ["entity"]


@admin.register(DeregFeedback)
class DeregFeedbackAdmin(ReadOnlyAdmin):
    list_display = ["case", "department", "requested_on", "due_on", "status", "answer"]
    list_filter = ["status", "answer", "department"]
    search_fields = ["case__entity__name"]
    list_select_related = ["case__entity", "department"]
    raw_id_fields = ["case"]


@admin.register(RegistrationFinding)
class RegistrationFindingAdmin(ReadOnlyAdmin):
    list_display = ["entity", "matter", "found_on", "handling", "status", "rectification_due"]
    list_filter = ["status", "matter", "handling"]
    search_fields = ["entity__name", "entity__uscc", "description"]
    list_select_related = ["entity"]
    raw_id_fields = ["entity", "spot_check", "list_item"]


@admin.register(UnlicensedCase)
class UnlicensedCaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "operator", "office", "missing", "discovered_on", "status"]
    list_filter = ["status", "missing", "source", "office"]
    search_fields = ["number", "operator", "place"]
    list_select_related = ["office"]
    raw_id_fields = ["entity"]


@admin.register(InfoNotification)
class InfoNotificationAdmin(ReadOnlyAdmin):
    list_display = ["case", "department", "sent_on", "reply_due", "status"]
    list_filter = ["status", "department"]
    search_fields = ["case__number", "case__operator"]
    list_select_related = ["case", "department"]
    raw_id_fields = ["case"]
