"""Helpers of the 双随机 pages: the breadcrumb and the library import pages."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render

from core.choices import Role
from core.importing import MAX_STORED_ERRORS, ImportUploadForm, error_report_workbook, xlsx_response
from core.models import Job
from core.selectors import job_for_user

CRUMB = ("双随机抽查", "inspections:home")


def import_jobs(user, kind: str, **params):
    """The import jobs of a kind a user may see: their own, or everyone's for administrators."""
    jobs = Job.objects.filter(kind=kind, **{f"params__{k}": v for k, v in params.items()}).select_related("created_by")
    if not (user.is_superuser or user.has_role(Role.ADMIN)):
        jobs = jobs.filter(created_by=user)
    return jobs[:20]


def import_page(request, *, kind: str, title: str, template_url: str, back: tuple, queue, notes: list[str],
                params: dict | None = None):
    """The upload page of a library import: the template, the form, the recent imports."""
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            job = queue(user=request.user, upload=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"])
            return redirect("inspections:import_job", job_id=job.pk)
    else:
        form = ImportUploadForm()
    return render(request, "inspections/import.html", {
        "form": form, "title": title, "template_url": template_url, "notes": notes,
        "jobs": import_jobs(request.user, kind, **(params or {})), "max_upload": settings.IMPORT_MAX_UPLOAD_BYTES,
        "breadcrumbs": [CRUMB, back, (title, None)],
    })


def import_job_for(request, job_id: int) -> Job:
    from ..importers import KINDS

    job = job_for_user(request.user, job_id)
    if job.kind not in KINDS:
        raise Http404
    return job


def import_job_page(request, job_id: int):
    """One library import: progress while it runs, then its counts or its row-level error report."""
    from ..importers import KINDS

    job = import_job_for(request, job_id)
    result = job.result or {}
    return render(request, "inspections/import_job.html", {
        "job": job, "what": KINDS[job.kind], "result": result, "errors": result.get("errors", []),
        "truncated": result.get("error_count", 0) > len(result.get("errors", [])), "max_errors": MAX_STORED_ERRORS,
        "breadcrumbs": [CRUMB, (f"{KINDS[job.kind]}导入 #{job.pk}", None)],
    })


def import_report(request, job_id: int):
    job = import_job_for(request, job_id)
    if not (job.result or {}).get("errors"):
        raise Http404
    return xlsx_response(error_report_workbook(job), f"导入错误报告_任务{job.pk}.xlsx")
