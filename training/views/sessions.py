"""业务培训: the overview, sessions with their materials and sign-ins, the attendance import."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.permissions import can_manage_training, can_view_training, can_view_training_stats, require
from core.web import add_errors, error_text, filter_params, form_error_text, list_context, xlsx_download, year_param

from .. import services
from ..excel import (
    HEADERS,
    MAX_IMPORT_BYTES,
    ImportRejected,
    attendance_template,
    read_attendance_file,
    session_attendance_workbook,
    sessions_workbook,
)
from ..filters import SessionFilter
from ..forms import AttendanceForm, AttendanceImportForm, MaterialForm, SessionForm, staff_groups
from ..materials import TYPES_LABEL, max_bytes
from ..models import Attendance, TrainingMaterial, TrainingSession
from ..selectors import (
    bureau_training_summary,
    person_year_hours,
    session_list_queryset,
    training_years,
)


@require(can_view_training)
def overview(request):
    """The year's training at a glance: the bureau's figures, one's own hours, completion per office."""
    years = training_years()
    year = year_param(request, years)
    summary = bureau_training_summary(year)
    context = {
        "years": years,
        "year": year,
        "summary": summary,
        "my_hours": person_year_hours(request.user, year),
        "recent": session_list_queryset(request.user).filter(date__year=year).order_by("-date", "-start_time")[:8],
        "can_manage": can_manage_training(request.user),
        "can_stats": can_view_training_stats(request.user),
        "breadcrumbs": [("业务培训", None)],
    }
    if context["can_stats"]:
        context["offices"], context["total"] = summary.offices, summary.total
    return render(request, "training/overview.html", context)


def _filtered_sessions(request):
    return SessionFilter(request.GET, queryset=session_list_queryset(request.user), years=training_years())


@require(can_view_training)
def session_list(request):
    context = list_context(request, _filtered_sessions(request))
    context.update(can_manage=can_manage_training(request.user),
                   breadcrumbs=[("业务培训", "training:overview"), ("培训场次", None)])
    return render(request, "training/session_list.html", context)


@require(can_view_training)
def session_export(request):
    queryset = _filtered_sessions(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出培训场次 {queryset.count()} 场",
          extra={"filters": filter_params(request)})
    return xlsx_download(sessions_workbook(queryset), "培训场次", "training_sessions")


def _session_or_404(request, pk):
    return get_object_or_404(TrainingSession.objects.for_user(request.user).select_related("organiser", "created_by"),
                             pk=pk)


@require(can_view_training)
def session_detail(request, pk: int):
    session = _session_or_404(request, pk)
    can_manage = can_manage_training(request.user)
    attendances = (Attendance.objects.for_user(request.user).filter(session=session)
                   .select_related("user", "user__office", "user__department", "recorded_by"))
    context = {
        "session": session,
        "materials": session.materials.select_related("uploaded_by"),
        "attendances": attendances,
        "attendee_count": session.attendances.count(),
        "sees_everyone": can_view_training_stats(request.user),
        "can_manage": can_manage,
        "breadcrumbs": [("业务培训", "training:overview"), ("培训场次", "training:session_list"),
                        (session.topic, None)],
    }
    if can_manage:
        form = AttendanceForm(session=session)
        context["attendance_form"] = form
        context["picker_groups"] = staff_groups(form.fields["users"])
        context["material_form"] = MaterialForm()
        context["material_limit_mb"] = max_bytes() // 1048576
        context["material_types"] = TYPES_LABEL
    return render(request, "training/session_detail.html", context)


def _session_form_page(request, form, *, session=None):
    title = "修改培训" if session else "登记培训"
    crumbs = [("业务培训", "training:overview"), ("培训场次", "training:session_list"), (title, None)]
    return render(request, "training/session_form.html",
                  {"form": form, "session": session, "title": title, "breadcrumbs": crumbs})


@require(can_manage_training)
def session_create(request):
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已登记培训“{session.topic}”。可在本页录入签到、上传资料。")
            return redirect("training:session_detail", session.pk)
    return _session_form_page(request, form)


@require(can_manage_training)
def session_update(request, pk: int):
    session = _session_or_404(request, pk)
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "培训信息已保存。")
            return redirect("training:session_detail", session.pk)
    return _session_form_page(request, form, session=session)


@require_POST
@require(can_manage_training)
def session_delete(request, pk: int):
    session = _session_or_404(request, pk)
    try:
        services.session_delete(session=session, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("training:session_detail", session.pk)
    messages.success(request, f"已删除培训“{session.topic}”。")
    return redirect("training:session_list")


# -- materials ----------------------------------------------------------------------------------------------


@require_POST
@require(can_manage_training)
def material_upload(request, pk: int):
    session = _session_or_404(request, pk)
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
    else:
        try:
            material = services.material_upload(session=session, upload=form.cleaned_data["file"], by=request.user)
        except ValidationError as exc:
            messages.error(request, f"上传失败：{error_text(exc)}")
        else:
            messages.success(request, f"已上传“{material.original_name}”。")
    return redirect(session.get_absolute_url() + "#materials")


def _material_or_404(request, pk):
    visible = TrainingSession.objects.for_user(request.user)
    return get_object_or_404(TrainingMaterial.objects.select_related("session").filter(session__in=visible), pk=pk)


@require(can_view_training)
def material_download(request, pk: int):
    """Serve a material to a logged-in staff member; the file is never reachable by a public URL."""
    material = _material_or_404(request, pk)
    try:
        handle = material.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在")
    response = FileResponse(handle, as_attachment=True, filename=material.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@require(can_manage_training)
def material_delete(request, pk: int):
    material = _material_or_404(request, pk)
    try:
        services.material_delete(material=material, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已删除资料“{material.original_name}”。")
    return redirect(material.session.get_absolute_url() + "#materials")


# -- attendance ---------------------------------------------------------------------------------------------


@require_POST
@require(can_manage_training)
def attendance_add(request, pk: int):
    session = _session_or_404(request, pk)
    form = AttendanceForm(request.POST, session=session)
    if form.is_valid():
        try:
            new, skipped = services.attendance_record(
                session=session, users=form.cleaned_data["users"], signed_in_at=form.cleaned_data["signed_in_at"],
                score=form.cleaned_data["score"], by=request.user)
        except ValidationError as exc:
            messages.error(request, f"签到未录入：{error_text(exc)}")
        else:
            text = f"已录入 {len(new)} 人签到。"
            if skipped:
                text += f"{len(skipped)} 人此前已签到，未重复录入：" + "、".join(map(str, skipped))
            messages.success(request, text)
    else:
        messages.error(request, "签到未录入：" + form_error_text(form))
    return redirect(session.get_absolute_url() + "#attendance")


@require_POST
@require(can_manage_training)
def attendance_remove(request, pk: int):
    attendance = get_object_or_404(Attendance.objects.select_related("user", "session"), pk=pk)
    try:
        services.attendance_remove(attendance=attendance, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已移除 {attendance.user} 的签到。")
    return redirect(attendance.session.get_absolute_url() + "#attendance")


@require(can_manage_training)
def attendance_import(request, pk: int):
    """Import a sign-in sheet: all rows or none; the page lists every bad row."""
    session = _session_or_404(request, pk)
    form = AttendanceImportForm(request.POST or None, request.FILES or None)
    rejected = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_attendance_file(upload)
            new = services.attendance_import(session=session, rows=rows, by=request.user, filename=upload.name)
        except ImportRejected as exc:
            rejected = exc
        else:
            messages.success(request, f"已导入 {len(new)} 人签到。")
            return redirect(session.get_absolute_url() + "#attendance")
    return render(request, "training/attendance_import.html", {
        "session": session, "form": form, "rejected": rejected, "headers": HEADERS,
        "max_mb": MAX_IMPORT_BYTES // 1048576,
        "breadcrumbs": [("业务培训", "training:overview"), ("培训场次", "training:session_list"), ("导入签到", None)],
    })


@require(can_manage_training)
def attendance_template_download(request):
    return xlsx_download(attendance_template(), "培训签到表模板", "attendance_template")


@require(can_view_training_stats)
def session_attendance_export(request, pk: int):
    session = _session_or_404(request, pk)
    attendances = session.attendances.select_related("user", "user__office", "user__department").order_by(
        "signed_in_at", "id")
    audit(actor=request.user, action=AuditAction.EXPORT, target=session,
          summary=f"导出签到表：{session}（{attendances.count()} 人）")
    return xlsx_download(session_attendance_workbook(session, attendances), f"签到表_{session.date:%Y%m%d}",
                         "attendance")
