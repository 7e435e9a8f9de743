from django.urls import path

from .views import clues, conduct, sessions, staff

app_name = "training"

urlpatterns = [
    # 业务培训
    path("", sessions.overview, name="overview"),
    path("sessions/", sessions.session_list, name="session_list"),
    path("sessions/export/", sessions.session_export, name="session_export"),
    path("sessions/new/", sessions.session_create, name="session_create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", sessions.session_update, name="session_update"),
    path("sessions/<int:pk>/delete/", sessions.session_delete, name="session_delete"),
    path("sessions/<int:pk>/materials/", sessions.material_upload, name="material_upload"),
    path("sessions/<int:pk>/attendance/", sessions.attendance_add, name="attendance_add"),
    path("sessions/<int:pk>/attendance/import/", sessions.attendance_import, name="attendance_import"),
    path("sessions/<int:pk>/attendance/export/", sessions.session_attendance_export, name="attendance_export"),
    path("attendance/template/", sessions.attendance_template_download, name="attendance_template"),
    path("attendance/<int:pk>/remove/", sessions.attendance_remove, name="attendance_remove"),
    path("materials/<int:pk>/download/", sessions.material_download, name="material_download"),
    path("materials/<int:pk>/delete/", sessions.material_delete, name="material_delete"),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/export/", staff.staff_export, name="staff_export"),
    path("staff/<int:pk>/", staff.person_detail, name="person_detail"),
    path("me/", staff.my_training, name="my_training"),
    # 行风建设
    path("conduct/", conduct.plan_list, name="conduct_plan_list"),
    path("conduct/plans/new/", conduct.plan_create, name="conduct_plan_create"),
    path("conduct/plans/<int:pk>/", conduct.plan_detail, name="conduct_plan_detail"),
    path("conduct/plans/<int:pk>/edit/", conduct.plan_update, name="conduct_plan_update"),
    path("conduct/plans/<int:plan_pk>/inspections/new/", conduct.inspection_create, name="conduct_inspection_create"),
    path("conduct/inspections/<int:pk>/", conduct.inspection_detail, name="conduct_inspection_detail"),
    path("conduct/inspections/<int:pk>/edit/", conduct.inspection_update, name="conduct_inspection_update"),
    path("conduct/inspections/<int:inspection_pk>/findings/new/", conduct.finding_create,
         name="conduct_finding_create"),
    path("conduct/findings/", conduct.finding_list, name="conduct_finding_list"),
    path("conduct/findings/export/", conduct.finding_export, name="conduct_finding_export"),
    path("conduct/findings/<int:pk>/", conduct.finding_detail, name="conduct_finding_detail"),
    path("conduct/findings/<int:pk>/rectify/", conduct.finding_rectify, name="conduct_finding_rectify"),
    path("conduct/findings/<int:pk>/reject/", conduct.finding_reject, name="conduct_finding_reject"),
    path("conduct/findings/<int:pk>/close/", conduct.finding_close, name="conduct_finding_close"),
    # 线索管理 (discipline only; 404 for everyone else)
    path("clues/", clues.clue_list, name="clue_list"),
    path("clues/export/", clues.clue_export, name="clue_export"),
    path("clues/new/", clues.clue_create, name="clue_create"),
    path("clues/<int:pk>/", clues.clue_detail, name="clue_detail"),
    path("clues/<int:pk>/edit/", clues.clue_update, name="clue_update"),
    path("clues/<int:pk>/start/", clues.clue_start, name="clue_start"),
    path("clues/<int:pk>/conclude/", clues.clue_conclude, name="clue_conclude"),
]
