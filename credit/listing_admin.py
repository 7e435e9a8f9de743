"""Admin of listing cases, penalty records and repair cases: read-only, because every change is a state transition
that goes through the services (and their audit records) on the staff pages."""
from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import ListingCase, ListingObjection, PenaltyRecord, RepairCase, RepairShare


@admin.register(ListingCase)
class ListingCaseAdmin(ReadOnlyAdmin):
    list_display = ["entity", "kind", "reason", "status", "occurred_on", "listed_on", "due_on", "office"]
    list_filter = ["kind", "reason", "status", "office"]
    search_fields = ["entity__name", "entity__uscc", "decision_no"]
    list_select_related = ["entity", "office"]
    raw_id_fields = ["entity", "source_listing"]
    date_hierarchy = "occurred_on"


@admin.register(ListingObjection)
class ListingObjectionAdmin(ReadOnlyAdmin):
    list_display = ["case", "received_on", "status", "acceptance_due", "verification_due"]
    list_filter = ["status"]
    search_fields = ["case__entity__name", "case__entity__uscc"]
    list_select_related = ["case__entity"]
    raw_id_fields = ["case"]


@admin.register(PenaltyRecord)
class PenaltyRecordAdmin(ReadOnlyAdmin):
    list_display = ["decision_no", "entity", "kind", "domain", "status", "decided_on", "publicity_end", "office"]
    list_filter = ["kind", "domain", "status", "office"]
    search_fields = ["decision_no", "entity__name", "entity__uscc"]
    list_select_related = ["entity", "office"]
    raw_id_fields = ["entity"]


class RepairShareInline(admin.TabularInline):
    model = RepairShare
    extra = 0
    can_delete = False
    readonly_fields = ["department", "shared_on", "shared_by", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RepairCase)
class RepairCaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "entity", "kind", "channel", "status", "applied_on", "due_on", "decided_on", "office"]
    list_filter = ["kind", "channel", "status", "office"]
    search_fields = ["number", "entity__name", "entity__uscc"]
    list_select_related = ["entity", "office"]
    raw_id_fields = ["entity", "listing", "penalty"]
    inlines = [RepairShareInline]
