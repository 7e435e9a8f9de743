from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("jobs/<int:job_id>/status/", views.job_status, name="job_status"),
]
