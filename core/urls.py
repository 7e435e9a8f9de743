from django.urls import path

from . import calendar_views, document_views, jobs_views, views

app_name = "core"

urlpatterns = [
    path("jobs/", jobs_views.job_list, name="jobs"),
    path("jobs/<int:job_id>/retry/", jobs_views.job_retry_view, name="job_retry"),
    path("jobs/<int:job_id>/status/", views.job_status, name="job_status"),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("calendar/delete/", calendar_views.calendar_delete, name="calendar_delete"),
    path("calendar/<int:year>/complete/", calendar_views.calendar_complete, name="calendar_complete"),
    path("documents/<int:pk>/print/", document_views.document_print, name="document_print"),
    path("documents/<int:pk>/docx/", document_views.document_docx_download, name="document_docx"),
]
