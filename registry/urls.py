from django.urls import path

from . import export_views, import_views, views

app_name = "registry"

urlpatterns = [
    path("entities/", views.entity_list, name="entity_list"),
    path("entities/<int:pk>/", views.entity_detail, name="entity_detail"),
    path("entities/export/", export_views.entity_export, name="entity_export"),
    path("import/", import_views.import_home, name="import"),
    path("import/template/", import_views.import_template, name="import_template"),
    path("import/jobs/<int:job_id>/", import_views.import_job, name="import_job"),
    path("import/jobs/<int:job_id>/report/", import_views.import_report, name="import_report"),
]

# 登记监管: forced deregistration, registration findings and the three lists, unlicensed operation.
from .supervision_urls import urlpatterns as supervision_urlpatterns  # noqa: E402

urlpatterns += supervision_urlpatterns
