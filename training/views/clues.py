"""线索管理: clue records about possible eight-point-rules breaches, for the discipline role alone.

Every URL here answers 404 to anyone else (superusers and leadership included), so a clue's existence is not
revealed by a 403. Opening, editing or exporting a clue is recorded in ClueView and shown on the clue's page.
"""
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.permissions import can_view_clues
from core.web import add_errors, error_text, form_error_text, list_context, xlsx_download

from .. import services
from ..choices import ClueAccess, ClueStatus
from ..excel import clues_workbook
from ..filters import ClueFilter
from ..forms import ClueForm, ConcludeForm
from ..models import Clue

CRUMB = ("线索管理", "training:clue_list")


def discipline_only(view):
    """Anyone but the discipline role gets 404, as if the page did not exist."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_view_clues(request.user):
            raise Http404()
        return view(request, *args, **kwargs)

    return wrapped


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _years() -> list[int]:
    years = {d.year for d in Clue.objects.dates("received_on", "year")}
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def _filtered(request):
    return ClueFilter(request.GET, queryset=Clue.objects.for_user(request.user).select_related("created_by"),
                      years=_years())


@discipline_only
def clue_list(request):
    context = list_context(request, _filtered(request))
    context["breadcrumbs"] = [("线索管理", None)]
    return render(request, "training/clue_list.html", context)


@discipline_only
def clue_export(request):
    """The filtered clues as .xlsx: each exported clue's access log and the audit trail record the export."""
    clues = list(_filtered(request).qs)
    services.clue_export_record(clues=clues, by=request.user, ip=_ip(request))
    return xlsx_download(clues_workbook(clues), "问题线索", "clues")


@discipline_only
def clue_create(request):
    form = ClueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            clue = services.clue_create(data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已登记线索 {clue.number}。")
            return redirect(clue)
    return render(request, "training/clue_form.html", {
        "form": form, "title": "登记线索", "breadcrumbs": [CRUMB, ("登记线索", None)],
    })


def _clue_or_404(request, pk):
    return get_object_or_404(Clue.objects.for_user(request.user).select_related(
        "created_by", "inspection", "inspection__office", "inspection__department", "inspection__plan"), pk=pk)


@discipline_only
def clue_detail(request, pk: int):
    """The clue and everyone who has opened it; this very view is recorded before the page is shown."""
    clue = _clue_or_404(request, pk)
    services.clue_access_record(clues=[clue], viewer=request.user, access=ClueAccess.VIEW, ip=_ip(request))
    views = clue.views.select_related("viewer")
    context = {
        "clue": clue,
        "views": views[:200],
        "view_count": views.count(),
        "breadcrumbs": [CRUMB, (clue.number, None)],
    }
    if clue.status == ClueStatus.VERIFYING:
        context["conclude_form"] = ConcludeForm()
    return render(request, "training/clue_detail.html", context)


@discipline_only
def clue_update(request, pk: int):
    clue = _clue_or_404(request, pk)
    if clue.status == ClueStatus.CONCLUDED:
        messages.error(request, "线索已办结，不能修改。")
        return redirect(clue)
    if request.method == "GET":
        services.clue_access_record(clues=[clue], viewer=request.user, access=ClueAccess.EDIT, ip=_ip(request))
    form = ClueForm(request.POST or None, instance=clue)
    if request.method == "POST" and form.is_valid():
        try:
            services.clue_update(clue=clue, data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "线索已保存。")
            return redirect(clue)
    return render(request, "training/clue_form.html", {
        "form": form, "clue": clue, "title": f"修改线索 {clue.number}",
        "breadcrumbs": [CRUMB, (clue.number, None), ("修改", None)],
    })


@discipline_only
@require_POST
def clue_start(request, pk: int):
    clue = _clue_or_404(request, pk)
    try:
        services.clue_start_verification(clue=clue, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"线索 {clue.number} 已转入核查。")
    return redirect(clue)


@discipline_only
@require_POST
def clue_conclude(request, pk: int):
    clue = _clue_or_404(request, pk)
    form = ConcludeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "办结未保存：" + form_error_text(form))
        return redirect(clue)
    try:
        services.clue_conclude(clue=clue, outcome=form.cleaned_data["outcome"],
                               concluded_on=form.cleaned_data["concluded_on"], note=form.cleaned_data["note"],
                               by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"线索 {clue.number} 已办结。")
    return redirect(clue)
