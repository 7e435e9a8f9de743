"""Staff pages of 信用宣传, included under credit/publications/ (names in the credit namespace)."""
from django.urls import path

from . import publication_views as views

urlpatterns = [
    path("", views.publication_list, name="publication_list"),
    path("export/", views.publication_export, name="publication_export"),
    path("new/", views.publication_form, name="publication_new"),
    path("<int:pk>/", views.publication_detail, name="publication_detail"),
    path("<int:pk>/edit/", views.publication_form, name="publication_edit"),
    path("<int:pk>/approve/", views.publication_approve_view, name="publication_approve"),
    path("<int:pk>/publish/", views.publication_publish_view, name="publication_publish"),
    path("<int:pk>/withdraw/", views.publication_withdraw_view, name="publication_withdraw"),
    path("<int:pk>/reopen/", views.publication_reopen_view, name="publication_reopen"),
    path("<int:pk>/print/", views.publication_print, name="publication_print"),
    path("<int:pk>/website.html", views.publication_website_html, name="publication_website_html"),
    path("<int:pk>/website.docx", views.publication_website_docx, name="publication_website_docx"),
    path("<int:pk>/attachments/", views.attachment_add, name="publication_attachment_add"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download,
         name="publication_attachment"),
    path("<int:pk>/attachments/<int:attachment_id>/delete/", views.attachment_delete,
         name="publication_attachment_delete"),
]
