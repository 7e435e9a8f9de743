from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.contenttypes.models import ContentType
from django.utils.html import format_html, format_html_join

from .audit import audit, plain
from .choices import AuditAction
from .models import (
    AuditLog,
    CalendarDay,
    CalendarYear,
    Department,
    DocumentCounter,
    DocumentTemplate,
    DocumentTemplateVersion,
    IssuedDocument,
    Job,
    Office,
    TimeLimitRule,
    User,
)


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


class DocumentTemplateForm(forms.ModelForm):
    """Checks the wording as it is saved: rendered with sample values, a syntax error or an unknown field is refused."""

    class Meta:
        model = DocumentTemplate
        fields = ["code", "name", "number_pattern", "sequence", "body", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 24, "cols": 110, "style": "font-family: monospace"})}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        from .documents import DocumentError, validate_template

        trial = DocumentTemplate(
            code=cleaned.get("code") or self.instance.code, name=cleaned.get("name", ""),
            body=cleaned.get("body", ""), number_pattern=cleaned.get("number_pattern", ""),
            placeholders=self.instance.placeholders or [],
        )
        try:
            validate_template(trial)
        except DocumentError as exc:
            field = "number_pattern" if "文号" in exc.message else "body"
            raise forms.ValidationError({field: exc.message}) from exc
        if not cleaned.get("sequence"):
            cleaned["sequence"] = trial.code
        return cleaned


class DocumentTemplateVersionInline(admin.TabularInline):
    model = DocumentTemplateVersion
    fields = ["version", "name", "number_pattern", "created_at", "created_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-version"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(AuditedAdmin):
    """Administrators edit the wording; every saved change becomes a new version, issued documents keep theirs."""

    form = DocumentTemplateForm
    list_display = ["code", "name", "number_pattern", "version", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "body"]
    list_select_related = True
    readonly_fields = ["version", "placeholder_table", "sample_text"]
    inlines = [DocumentTemplateVersionInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "number_pattern", "sequence", "is_active", "version"]}),
        ("正文", {"fields": ["body", "placeholder_table", "sample_text"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["code", "sequence"] if obj else [])

    def has_delete_permission(self, request, obj=None):
        return False  # stop using a template by clearing 启用; issued documents point at its versions

    @admin.display(description="可用字段")
    def placeholder_table(self, obj):
        from .documents import SYSTEM_PLACEHOLDERS

        rows = [(name, label, "必填" if len(rest) and rest[0] else "可选")
                for name, label, *rest in (obj.placeholders if obj else [])]
        rows += [(name, label, "系统填写") for name, label in SYSTEM_PLACEHOLDERS]
        return format_html(
            '<table><thead><tr><th>写法</th><th>含义</th><th>来源</th></tr></thead><tbody>{}</tbody></table>',
            format_html_join("", "<tr><td><code>{{{{ {} }}}}</code></td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description="示例效果")
    def sample_text(self, obj):
        from .documents import DocumentError, validate_template

        if not obj or not obj.pk:
            return "保存后显示"
        try:
            text = validate_template(obj)
        except DocumentError as exc:
            return exc.message
        return format_html('<div style="white-space: pre-wrap; max-width: 48em">{}</div>', text)

    def save_model(self, request, obj, form, change):
        from .documents import template_save_version

        if not obj.sequence:
            obj.sequence = obj.code
        super().save_model(request, obj, form, change)
        template_save_version(template=obj, user=request.user)


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "issued_on", "subject_repr", "office", "created_by", "created_at"]
    list_filter = ["template_version__template", "year", "office"]
    search_fields = ["number", "title", "subject_repr", "text"]
    list_select_related = ["office", "created_by"]
    date_hierarchy = "issued_on"


@admin.register(DocumentCounter)
class DocumentCounterAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "year", "last"]
    list_filter = ["year"]
    search_fields = ["sequence"]
    list_select_related = True
