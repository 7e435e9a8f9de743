"""Public (no log-in) pages of 信用宣传, mounted at /public/ by config/urls.py."""
from django.urls import path

from . import public_views

app_name = "public"

urlpatterns = [
    path("credit/", public_views.public_index, name="publication_index"),
    path("credit/<int:pk>/", public_views.public_detail, name="publication_detail"),
    path("credit/<int:pk>/attachments/<int:attachment_id>/", public_views.public_attachment,
         name="publication_attachment"),
]
