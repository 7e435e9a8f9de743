from django.urls import include, path

from . import import_views, index_views, model_views, report_views, views, warning_views

app_name = "credit"


def import_urls(key: str) -> list:
    """The four pages of one import (see import_views.PAGES)."""
    return [
        path(f"{key}/import/", import_views.import_home, {"page": key}, name=f"{key}_import"),
        path(f"{key}/import/template/", import_views.import_template, {"page": key}, name=f"{key}_import_template"),
        path(f"{key}/import/jobs/<int:job_id>/", import_views.import_job, {"page": key}, name=f"{key}_import_job"),
        path(f"{key}/import/jobs/<int:job_id>/report/", import_views.import_report, {"page": key},
             name=f"{key}_import_report"),
    ]


urlpatterns = [
    path("risk/", views.risk_overview, name="risk_overview"),
    *import_urls("risk"),
    *import_urls("complaints"),
    path("model/", model_views.model_home, name="model_home"),
    path("model/runs/", model_views.run_start, name="run_start"),
    path("model/runs/<int:pk>/", model_views.run_detail, name="run_detail"),
    path("model/runs/<int:pk>/export/", model_views.run_export, name="run_export"),
    path("model/runs/<int:pk>/reproduce/", model_views.run_reproduce, name="run_reproduce"),
    path("model/runs/<int:pk>/entities/<int:entity_id>/", model_views.result_detail, name="result_detail"),
    path("indices/", index_views.index_home, name="index_home"),
    path("indices/compute/", index_views.index_compute, name="index_compute"),
    path("indices/<str:dimension>/<str:code>/", index_views.index_group, name="index_group"),
    path("indices/<str:dimension>/<str:code>/<str:period>/entities/", index_views.index_entities,
         name="index_entities"),
    path("analysis/", report_views.analysis_home, name="analysis_home"),
    path("analysis/<int:year>/", report_views.analysis_detail, name="analysis_detail"),
    path("analysis/<int:year>/approve/", report_views.analysis_approve, name="analysis_approve"),
    path("analysis/<int:year>/reopen/", report_views.analysis_reopen, name="analysis_reopen"),
    path("analysis/<int:year>/export/", report_views.analysis_export, name="analysis_export"),
    path("warnings/", warning_views.warning_list, name="warning_list"),
    path("warnings/new/", warning_views.warning_form, name="warning_new"),
    path("warnings/export/", warning_views.warning_export, name="warning_export"),
    path("warnings/<int:pk>/", warning_views.warning_detail, name="warning_detail"),
    path("warnings/<int:pk>/edit/", warning_views.warning_form, name="warning_edit"),
    path("warnings/<int:pk>/approve/", warning_views.warning_approve, name="warning_approve"),
    path("warnings/<int:pk>/reopen/", warning_views.warning_reopen, name="warning_reopen"),
    path("targets/", warning_views.target_lists, name="target_lists"),
    path("targets/<int:pk>/", warning_views.target_list_detail, name="target_list_detail"),
    path("targets/<int:pk>/export/", warning_views.target_list_export, name="target_list_export"),
    path("targets/<int:pk>/entries/<int:entry_id>/contact/", warning_views.target_entry_contact,
         name="target_entry_contact"),
    path("publications/", include("credit.publication_urls")),
    path("", include("credit.listing_urls")),  # 列异列严, 行政处罚公示, 信用修复
]
