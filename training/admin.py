"""Admin: the yearly hours requirement is edited here (audited); training and conduct records are read-only here
because they change through the pages' services. Clue records are deliberately not registered: only the
discipline role may see them, and administrators are not that role."""
from django.contrib import admin

from core.admin import AuditedAdmin, ReadOnlyAdmin
from core.audit import audit, diff
from core.choices import AuditAction

from .models import (
    Attendance,
    ConductFinding,
    ConductInspection,
    ConductPlan,
    HoursRequirement,
    TrainingMaterial,
    TrainingSession,
)


@admin.register(HoursRequirement)
class HoursRequirementAdmin(AuditedAdmin):
    list_display = ["year", "hours", "basis", "updated_at"]
    search_fields = ["year", "basis"]
    list_filter = ["year"]
    list_select_related = True

    def save_model(self, request, obj, form, change):
        # AuditedAdmin.save_model writes form values as they are, and a Decimal is not JSON; core.audit.diff
        # turns it into text, so this model writes its own record (deletions still go through AuditedAdmin).
        before = {f: form.initial.get(f) for f in form.changed_data} if change else {}
        admin.ModelAdmin.save_model(self, request, obj, form, change)
        audit(actor=request.user, action=AuditAction.UPDATE if change else AuditAction.CREATE, target=obj,
              summary=f"系统管理：{'修改' if change else '新增'}年度学时要求 {obj}",
              changes=diff(before, {f: form.cleaned_data.get(f) for f in form.changed_data}))


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyAdmin):
    list_display = ["date", "start_time", "topic", "kind", "lecturer", "hours", "organiser"]
    list_filter = ["kind", "organiser", "date"]
    search_fields = ["topic", "lecturer", "place"]
    list_select_related = ["organiser"]
    date_hierarchy = "date"


@admin.register(TrainingMaterial)
class TrainingMaterialAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "session", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["uploaded_at"]
    search_fields = ["original_name", "session__topic"]
    list_select_related = ["session", "uploaded_by"]
    exclude = ["file"]  # no admin link to the file: downloads go through the login-protected view


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["session", "user", "signed_in_at", "score", "source", "recorded_by"]
    list_filter = ["source", "session__kind"]
    search_fields = ["user__username", "user__full_name", "session__topic"]
    list_select_related = ["session", "user", "recorded_by"]
    raw_id_fields = ["session", "user", "recorded_by"]


@admin.register(ConductPlan)
class ConductPlanAdmin(ReadOnlyAdmin):
    list_display = ["year", "kind", "title", "topic", "starts_on", "ends_on"]
    list_filter = ["year", "kind"]
    search_fields = ["title", "topic"]
    list_select_related = True


@admin.register(ConductInspection)
class ConductInspectionAdmin(ReadOnlyAdmin):
    list_display = ["plan", "inspected_on", "office", "department"]
    list_filter = ["plan__year", "office", "department"]
    search_fields = ["plan__title", "summary"]
    list_select_related = ["plan", "office", "department"]
    raw_id_fields = ["plan"]


@admin.register(ConductFinding)
class ConductFindingAdmin(ReadOnlyAdmin):
    list_display = ["problem", "inspection", "responsible", "deadline", "status"]
    list_filter = ["status"]
    search_fields = ["problem", "requirement", "responsible__full_name"]
    list_select_related = ["inspection", "inspection__office", "inspection__department", "responsible"]
    raw_id_fields = ["inspection", "responsible"]
