from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from core.admin import AuditedAdmin, ReadOnlyAdmin
from core.audit import audit
from core.choices import AuditAction

from .models import (
    Complaint,
    EntityRiskClass,
    ModelIndicator,
    ModelVersion,
    Publication,
    PublicationAttachment,
    RiskDomain,
    ScoringModel,
)
from .services import version_copy, version_publish


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


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    """Read-only: complaints come in through the audited import."""

    list_display = ["number", "entity", "kind", "received_on", "substantiated"]
    list_filter = ["kind", "substantiated", "received_on"]
    search_fields = ["number", "entity__name", "entity__uscc"]
    list_select_related = ["entity"]
    raw_id_fields = ["entity", "job"]


class IndicatorInline(admin.TabularInline):
    model = ModelIndicator
    extra = 0
    fields = ["sort_order", "kind", "weight", "params"]

    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen


@admin.register(ScoringModel)
class ScoringModelAdmin(AuditedAdmin):
    list_display = ["code", "name", "entity_type"]
    list_filter = ["entity_type"]
    search_fields = ["code", "name"]
    list_select_related = True


@admin.register(ModelVersion)
class ModelVersionAdmin(AuditedAdmin):
    """Drafts are edited here; a published version is frozen (copy it to change it). Publishing checks it."""

    list_display = ["model", "number", "status", "threshold_b", "threshold_c", "threshold_d", "published_at"]
    list_filter = ["model", "status"]
    search_fields = ["model__name", "note"]
    list_select_related = ["model", "published_by"]
    readonly_fields = ["status", "published_at", "published_by"]
    inlines = [IndicatorInline]
    actions = ["publish", "copy_as_draft"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return ["model", "number", "note", "threshold_b", "threshold_c", "threshold_d", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return obj is None or (not obj.is_frozen and not obj.runs.exists())

    def save_formset(self, request, form, formset, change):
        """Changes to a draft's indicators go into the audit trail with the version."""
        super().save_formset(request, form, formset, change)
        changed = [str(obj) for obj in formset.new_objects + [o for o, _ in formset.changed_objects]]
        removed = [str(obj) for obj in formset.deleted_objects]
        if changed or removed:
            audit(actor=request.user, action=AuditAction.UPDATE, target=form.instance,
                  summary=f"系统管理：修改{form.instance}的指标", extra={"changed": changed, "removed": removed})

    @admin.action(description="发布所选草稿版本（发布后不可修改）")
    def publish(self, request, queryset):
        for version in queryset:
            try:
                version_publish(version=version, by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{version}：{'；'.join(exc.messages)}", level=messages.ERROR)
            else:
                self.message_user(request, f"已发布{version}。", level=messages.SUCCESS)

    @admin.action(description="复制为新的草稿版本")
    def copy_as_draft(self, request, queryset):
        for version in queryset:
            draft = version_copy(version=version, by=request.user)
            self.message_user(request, f"已新建{draft}，修改后再发布。", level=messages.SUCCESS)


# ---- 信用宣传: read-only here; drafting, approval, publishing and withdrawal go through the 信用宣传 pages ---

@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "drafted_by", "approved_by", "published_on", "updated_at"]
    list_filter = ["kind", "status", "published_on"]
    search_fields = ["title", "summary", "body"]
    list_select_related = ["drafted_by", "approved_by"]
    date_hierarchy = "created_at"


@admin.register(PublicationAttachment)
class PublicationAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "publication", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["name", "publication__title"]
    list_filter = ["uploaded_at"]
    list_select_related = ["publication", "uploaded_by"]
    raw_id_fields = ["publication"]


from . import listing_admin  # noqa: E402,F401  (listing, penalty and repair records)
