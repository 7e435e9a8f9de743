from django.contrib import admin

from .models import (
    AnnualReport,
    CampaignTarget,
    ContactRecord,
    DormancyGuidance,
    FilingSeason,
    ReminderCampaign,
    SuspensionPeriod,
)


@admin.register(FilingSeason)
class FilingSeasonAdmin(admin.ModelAdmin):
    list_display = ["year", "opens_on", "due_on", "required_established_before", "handed_over_at"]
    search_fields = ["year", "note"]
    list_filter = ["due_on"]
    list_select_related = []
    readonly_fields = ["handed_over_at", "created_at"]


@admin.register(AnnualReport)
class AnnualReportAdmin(admin.ModelAdmin):
    list_display = ["entity", "season", "status", "filed_on", "channel", "publish", "source", "listing_opened_on"]
    search_fields = ["entity__uscc", "entity__name"]
    list_filter = ["season", "status", "channel", "source"]
    list_select_related = ["entity", "season"]
    raw_id_fields = ["entity", "recorded_by"]

    def has_change_permission(self, request, obj=None):  # filings change only through the import and the forms
        return False


@admin.register(ReminderCampaign)
class ReminderCampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "season", "office", "entity_type", "target_count", "created_by", "created_at"]
    search_fields = ["name"]
    list_filter = ["season", "office"]
    list_select_related = ["season", "office", "created_by"]
    raw_id_fields = ["created_by"]


@admin.register(CampaignTarget)
class CampaignTargetAdmin(admin.ModelAdmin):
    list_display = ["campaign", "entity"]
    search_fields = ["entity__uscc", "entity__name", "campaign__name"]
    list_filter = ["campaign__season"]
    list_select_related = ["campaign", "entity"]
    raw_id_fields = ["campaign", "entity"]


@admin.register(ContactRecord)
class ContactRecordAdmin(admin.ModelAdmin):
    list_display = ["target", "contacted_on", "channel", "outcome", "recorded_by"]
    search_fields = ["target__entity__name", "target__entity__uscc", "note"]
    list_filter = ["channel", "outcome"]
    list_select_related = ["target", "recorded_by"]
    raw_id_fields = ["target", "recorded_by"]


@admin.register(SuspensionPeriod)
class SuspensionPeriodAdmin(admin.ModelAdmin):
    list_display = ["entity", "starts_on", "planned_end", "extension_filed_on", "resumed_on"]
    search_fields = ["entity__uscc", "entity__name"]
    list_filter = ["planned_end"]
    list_select_related = ["entity"]
    raw_id_fields = ["entity", "created_by"]


@admin.register(DormancyGuidance)
class DormancyGuidanceAdmin(admin.ModelAdmin):
    list_display = ["entity", "guided_on", "kind", "outcome", "outcome_on", "recorded_by"]
    search_fields = ["entity__uscc", "entity__name", "note"]
    list_filter = ["kind", "outcome"]
    list_select_related = ["entity", "recorded_by"]
    raw_id_fields = ["entity", "recorded_by"]
