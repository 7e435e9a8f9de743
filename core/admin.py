from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.contenttypes.models import ContentType

from .audit import audit, plain
from .choices import AuditAction
from .models import AuditLog, CalendarDay, CalendarYear, Department, Job, Office, TimeLimitRule, User


class AuditedAdmin(admin.ModelAdmin):
    """Admin changes write the platform's audit trail: who changed which fields, before and after."""

    audit_exclude = ("last_login",)

    def save_model(self, request, obj, form, change):
        fields = [f for f in form.changed_data if f not in self.audit_exclude and "password" not in f]
        before = {f: form.initial.get(f) for f in fields} if change else {}
        super().save_model(request, obj, form, change)
        changes = {f: [plain(before.get(f)), plain(form.cleaned_data.get(f))] for f in fields}
        audit(actor=request.user, action=AuditAction.UPDATE if change else AuditAction.CREATE, target=obj,
              summary=f"系统管理：{'修改' if change else '新增'}{obj._meta.verbose_name} {obj}", changes=changes)

    def delete_model(self, request, obj):
        audit(actor=request.user, action=AuditAction.DELETE, target=obj,
              summary=f"系统管理：删除{obj._meta.verbose_name} {obj}")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit(actor=request.user, action=AuditAction.DELETE, target=obj,
                  summary=f"系统管理：删除{obj._meta.verbose_name} {obj}")
        super().delete_queryset(request, queryset)


@admin.register(Office)
class OfficeAdmin(AuditedAdmin):
    list_display = ["code", "name", "phone", "is_active", "sort_order"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "address"]
    list_select_related = True


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = True


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ["username", "full_name", "office", "department", "is_active", "is_staff", "last_login"]
    list_filter = ["groups", "office", "department", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "full_name", "email"]
    list_select_related = ["office", "department"]
    fieldsets = BaseUserAdmin.fieldsets + (("所属单位", {"fields": ("full_name", "office", "department")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("所属单位", {"fields": ("full_name", "office", "department")}),)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody may add, change or delete through the admin (the audit trail, job history)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "target_type", "target_repr", "summary"]
    list_filter = ["action", "target_type", "at"]
    search_fields = ["target_repr", "target_id", "summary", "actor__username", "actor__full_name"]
    list_select_related = ["actor", "target_type"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        """Entries about records only one role may know of (a model with ``audit_restricted = True``,
        e.g. clue records) are left out: administrators must not learn of them here."""
        restricted = [ContentType.objects.get_for_model(m).pk
                      for m in apps.get_models() if getattr(m, "audit_restricted", False)]
        return super().get_queryset(request).exclude(target_type__in=restricted)


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "kind", "status", "created_by", "created_at", "sent_at", "finished_at", "progress_done",
        "progress_total", "retries",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["kind", "task_name", "input_name", "error", "created_by__username"]
    list_select_related = ["created_by"]


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ["date", "is_workday", "name", "source"]
    list_filter = ["is_workday", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    list_select_related = True


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    list_display = ["year", "source", "entered_by", "entered_at"]
    search_fields = ["source"]
    list_filter = ["entered_at"]
    list_select_related = ["entered_by"]
    raw_id_fields = ["entered_by"]


@admin.register(TimeLimitRule)
class TimeLimitRuleAdmin(AuditedAdmin):
    list_display = ["code", "name", "amount", "unit", "effective_from", "verified", "legal_basis"]
    list_filter = ["unit", "verified"]
    search_fields = ["code", "name", "legal_basis"]
    list_select_related = True
