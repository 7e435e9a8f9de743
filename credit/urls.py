from django.urls import path

from . import import_views, index_views, model_views, views

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
]
