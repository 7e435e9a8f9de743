from django.urls import path

from . import calendar_views, views

app_name = "core"

urlpatterns = [
    path("jobs/<int:job_id>/status/", views.job_status, name="job_status"),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("calendar/delete/", calendar_views.calendar_delete, name="calendar_delete"),
    path("calendar/<int:year>/complete/", calendar_views.calendar_complete, name="calendar_complete"),
]
