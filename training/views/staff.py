"""Training hours per person: the staff list (who is behind) and each person's training record."""
from django.shortcuts import get_object_or_404, redirect, render

from core.audit import audit
from core.choices import AuditAction
from core.permissions import can_view_training, can_view_training_stats, require
from core.web import filter_params, list_context, xlsx_download, year_param

from ..excel import staff_hours_workbook
from ..filters import StaffHoursFilter
from ..selectors import (
    people_for,
    person_history,
    person_year_hours,
    person_years,
    requirement_for,
    staff_hours,
    training_years,
)


def _filtered_staff(request):
    years = training_years()
    year = year_param(request, years)
    required = requirement_for(year)
    filterset = StaffHoursFilter(request.GET, queryset=staff_hours(year), required=required)
    return filterset, year, years, required


@require(can_view_training_stats)
def staff_list(request):
    """Every staff member's hours in the year against the requirement; filter 未达标 for the staff behind."""
    filterset, year, years, required = _filtered_staff(request)
    context = list_context(request, filterset)
    for person in context["page"].object_list:
        person.shortfall = None if required is None else max(required - person.year_hours, 0)
    context.update(year=year, years=years, required=required,
                   breadcrumbs=[("业务培训", "training:overview"), ("人员学时", None)])
    return render(request, "training/staff_list.html", context)


@require(can_view_training_stats)
def staff_export(request):
    filterset, year, _, required = _filtered_staff(request)
    queryset = filterset.qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出 {year} 年人员学时 {queryset.count()} 人",
          extra={"filters": filter_params(request), "year": year})
    stem = f"{year}年学时未达标人员" if request.GET.get("progress") == "behind" else f"{year}年人员学时"
    return xlsx_download(staff_hours_workbook(queryset, year=year, required=required), stem, f"training_hours_{year}")


@require(can_view_training)
def person_detail(request, pk: int):
    """A person's training record: the year's hours against the requirement and every session attended.

    Each person sees their own; the district roles see everyone; for anyone else another person answers 404.
    """
    person = get_object_or_404(people_for(request.user).select_related("office", "department"), pk=pk)
    years = training_years()
    year = year_param(request, years)
    required = requirement_for(year)
    hours = person_year_hours(person, year)
    crumbs = [("业务培训", "training:overview")]
    if can_view_training_stats(request.user):
        crumbs.append(("人员学时", "training:staff_list"))
    crumbs.append((person.display_name, None))
    return render(request, "training/person_detail.html", {
        "person": person,
        "year": year,
        "years": years,
        "required": required,
        "hours": hours,
        "shortfall": None if required is None else max(required - hours, 0),
        "percent_done": None if not required else min(100, int(hours * 100 / required)),
        "history": person_history(person),
        "per_year": person_years(person),
        "is_self": person.pk == request.user.pk,
        "breadcrumbs": crumbs,
    })


@require(can_view_training)
def my_training(request):
    return redirect("training:person_detail", request.user.pk)
