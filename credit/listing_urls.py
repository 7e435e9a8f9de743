"""URLs of 列异列严, 行政处罚公示 and 信用修复 (included in credit/urls.py under the credit namespace)."""
from django.urls import path

from . import listing_views as views

urlpatterns = [
    path("listings/", views.listing_list, name="listing_list"),
    path("listings/export/", views.listing_export, name="listing_export"),
    path("listings/new/", views.listing_new, name="listing_new"),
    path("listings/serious/candidates/", views.serious_candidates, name="serious_candidates"),
    path("listings/serious/new/", views.serious_new, name="serious_new"),
    path("listings/<int:pk>/", views.listing_detail, name="listing_detail"),
    path("listings/<int:pk>/<slug:action>/", views.listing_action, name="listing_action"),
    path("objections/<int:pk>/<slug:action>/", views.objection_action, name="objection_action"),
    path("penalties/", views.penalty_list, name="penalty_list"),
    path("penalties/export/", views.penalty_export, name="penalty_export"),
    path("penalties/new/", views.penalty_new, name="penalty_new"),
    path("penalties/<int:pk>/", views.penalty_detail, name="penalty_detail"),
    path("penalties/<int:pk>/<slug:action>/", views.penalty_action, name="penalty_action"),
    path("repair/", views.repair_list, name="repair_list"),
    path("repair/export/", views.repair_export, name="repair_export"),
    path("repair/start/", views.repair_start, name="repair_start"),
    path("repair/new/", views.repair_new, name="repair_new"),
    path("repair/shared/", views.repair_shared_list, name="repair_shared_list"),
    path("repair/shared/export/", views.repair_shared_export, name="repair_shared_export"),
    path("repair/<int:pk>/", views.repair_detail, name="repair_detail"),
    path("repair/<int:pk>/<slug:action>/", views.repair_action, name="repair_action"),
]
