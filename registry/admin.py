from django.contrib import admin

from core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import Industry, MarketEntity, StatusChange, UsccException


@admin.register(Industry)
class IndustryAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]


@admin.register(MarketEntity)
class MarketEntityAdmin(ReadOnlyAdmin):
    """Read-only here: the register changes through imports and the workflows, which keep its history."""

    list_display = ["uscc", "name", "entity_type", "office", "industry_code", "established_on", "status"]
    list_filter = ["entity_type", "status", "office"]
    search_fields = ["uscc", "name", "legal_rep"]
    list_select_related = ["office"]
    raw_id_fields = ["office"]
    show_full_result_count = False


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["entity", "old_status", "new_status", "changed_at", "changed_by", "source"]
    list_filter = ["new_status", "old_status"]
    search_fields = ["entity__name", "entity__uscc", "source"]
    list_select_related = ["entity", "changed_by"]
    raw_id_fields = ["entity", "changed_by"]


@admin.register(UsccException)
class UsccExceptionAdmin(AuditedAdmin):
    """An administrator accepts a specific legacy code; the approval is audited."""

    list_display = ["uscc", "reason", "approved_by", "created_at"]
    search_fields = ["uscc", "reason"]
    list_filter = ["created_at"]
    list_select_related = ["approved_by"]
    readonly_fields = ["approved_by", "created_at"]

    def save_model(self, request, obj, form, change):
        obj.approved_by = request.user
        super().save_model(request, obj, form, change)


from . import admin_supervision  # noqa: E402, F401  (registers the registration-supervision admin)
