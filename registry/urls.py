from django.urls import path

from . import export_views, views

app_name = "registry"

urlpatterns = [
    path("entities/", views.entity_list, name="entity_list"),
    path("entities/<int:pk>/", views.entity_detail, name="entity_detail"),
    path("entities/export/", export_views.entity_export, name="entity_export"),
]
