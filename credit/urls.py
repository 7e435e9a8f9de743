from django.urls import path

from . import import_views, views

app_name = "credit"

urlpatterns = [
    path("risk/", views.risk_overview, name="risk_overview"),
    path("risk/import/", import_views.import_home, name="risk_import"),
    path("risk/import/template/", import_views.import_template, name="risk_import_template"),
    path("risk/import/jobs/<int:job_id>/", import_views.import_job, name="risk_import_job"),
    path("risk/import/jobs/<int:job_id>/report/", import_views.import_report, name="risk_import_report"),
]
