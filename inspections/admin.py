"""Administration of 双随机: the libraries and targets are edited here; draws, checks and audits are read-only."""
from django.contrib import admin

from core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import (
    BusinessIndicator,
    CheckItem,
    CheckItemVersion,
    DashboardBlock,
    Draw,
    FollowUp,
    Inspector,
    InspectorConflict,
    JointVisit,
    KpiTarget,
    ObjectList,
    Plan,
    RedrawRequest,
    SpotCheck,
    Task,
)


class VersionInline(admin.TabularInline):
    model = CheckItemVersion
    extra = 0
    can_delete = False
    fields = ["version", "name", "valid_from", "valid_to", "change_note", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CheckItem)
class CheckItemAdmin(AuditedAdmin):
    list_display = ["code", "name", "department", "kind", "domain", "valid_from", "valid_to", "version"]
    list_filter = ["kind", "department", "domain"]
    search_fields = ["code", "name", "legal_basis"]
    list_select_related = ["department", "domain"]
    readonly_fields = ["version"]
    inlines = [VersionInline]


class ConflictInline(admin.TabularInline):
    model = InspectorConflict
    extra = 0
    raw_id_fields = ["entity", "created_by"]


@admin.register(Inspector)
class InspectorAdmin(AuditedAdmin):
    list_display = ["code", "name", "certificate_no", "office", "department", "status"]
    list_filter = ["status", "office", "department"]
    search_fields = ["code", "name", "certificate_no"]
    list_select_related = ["office", "department"]
    raw_id_fields = ["user"]
    filter_horizontal = ["qualified_items"]
    inlines = [ConflictInline]


@admin.register(ObjectList)
class ObjectListAdmin(AuditedAdmin):
    list_display = ["name", "department", "updated_at"]
    list_filter = ["department"]
    search_fields = ["name"]
    list_select_related = ["department"]
    raw_id_fields = ["created_by"]


@admin.register(Plan)
class PlanAdmin(AuditedAdmin):
    list_display = ["year", "name", "created_at"]
    search_fields = ["name"]
    list_filter = ["year"]
    list_select_related = True
    raw_id_fields = ["created_by"]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    """Tasks change through their pages (validated, audited); the admin shows them."""

    list_display = ["name", "plan", "kind", "sampling", "status", "starts_on", "deadline"]
    list_filter = ["status", "kind", "sampling", "plan"]
    search_fields = ["name"]
    list_select_related = ["plan"]


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = ["task", "number", "status", "drawn_at", "population_size", "sample_size", "certificate_sha256"]
    list_filter = ["status"]
    search_fields = ["task__name", "seed", "certificate_sha256"]
    list_select_related = ["task"]
    exclude = ["certificate_gz"]


@admin.register(RedrawRequest)
class RedrawRequestAdmin(ReadOnlyAdmin):
    list_display = ["task", "status", "requested_by", "requested_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["task__name", "reason"]
    list_select_related = ["task", "requested_by", "decided_by"]


@admin.register(SpotCheck)
class SpotCheckAdmin(ReadOnlyAdmin):
    list_display = ["entity", "task", "status", "result_code", "checked_on", "published_on"]
    list_filter = ["status", "result_code"]
    search_fields = ["entity__name", "entity__uscc", "task__name"]
    list_select_related = ["entity", "task"]
    raw_id_fields = ["entity", "task", "draw", "visit"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["spot_check", "measure", "status", "deadline", "completed_on"]
    list_filter = ["status", "measure"]
    search_fields = ["spot_check__entity__name", "case_number"]
    list_select_related = ["spot_check", "spot_check__entity", "spot_check__task"]


@admin.register(JointVisit)
class JointVisitAdmin(ReadOnlyAdmin):
    list_display = ["entity", "plan", "planned_on", "created_by", "created_at"]
    list_filter = ["plan"]
    search_fields = ["entity__name", "entity__uscc"]
    list_select_related = ["entity", "plan", "created_by"]


@admin.register(KpiTarget)
class KpiTargetAdmin(AuditedAdmin):
    list_display = ["year", "kpi", "target", "basis"]
    list_filter = ["year", "kpi"]
    search_fields = ["basis"]
    list_select_related = True


@admin.register(BusinessIndicator)
class BusinessIndicatorAdmin(AuditedAdmin):
    list_display = ["year", "period", "name", "value", "unit", "target", "source", "entered_by", "updated_at"]
    list_filter = ["year", "period"]
    search_fields = ["name", "source"]
    list_select_related = ["entered_by"]
    raw_id_fields = ["entered_by"]


@admin.register(DashboardBlock)
class DashboardBlockAdmin(ReadOnlyAdmin):
    """When each block of the dashboard was last rolled up, or why it has no figures (written by the rollups)."""

    list_display = ["year", "block", "status", "refreshed_at", "attempted_at", "message"]
    list_filter = ["year", "status", "block"]
    search_fields = ["block", "message"]
    list_select_related = True
