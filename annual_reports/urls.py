from django.urls import path

from .views import campaigns, dormancy, season

app_name = "annual_reports"

urlpatterns = [
    path("", season.home, name="home"),
    path("reports/", season.report_list, name="report_list"),
    path("reports/export/", season.report_export, name="report_export"),
    path("paper/", season.paper_report, name="paper_report"),
    path("seasons/", season.season_list, name="season_list"),
    path("seasons/open/", season.season_open, name="season_open"),
    path("seasons/<int:year>/edit/", season.season_edit, name="season_edit"),
    path("seasons/<int:year>/hand-over/", season.season_hand_over, name="season_hand_over"),
    path("import/", season.import_home, name="import"),
    path("import/template/", season.import_template, name="import_template"),
    path("jobs/<int:job_id>/", season.job_page, name="job"),
    path("jobs/<int:job_id>/errors/", season.import_report, name="import_report"),
    path("campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/export/", campaigns.campaign_export, name="campaign_export"),
    path("targets/<int:pk>/contact/", campaigns.contact_add, name="contact_add"),
    path("dormant/", dormancy.dormant_list, name="dormant_list"),
    path("dormant/<int:entity_pk>/guide/", dormancy.guidance_create, name="guidance_create"),
    path("guidance/", dormancy.guidance_list, name="guidance_list"),
    path("guidance/<int:pk>/outcome/", dormancy.guidance_outcome, name="guidance_outcome"),
    path("suspensions/", dormancy.suspension_list, name="suspension_list"),
    path("suspensions/new/", dormancy.suspension_create, name="suspension_create"),
    path("suspensions/<int:pk>/extend/", dormancy.suspension_extend, name="suspension_extend"),
    path("suspensions/<int:pk>/resume/", dormancy.suspension_resume, name="suspension_resume"),
]
