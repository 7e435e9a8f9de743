"""Helpers shared by the 双随机 pages: list paging and sorting, form errors, downloads, import pages."""
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from core.choices import Role
from core.importing import MAX_STORED_ERRORS, ImportUploadForm, error_report_workbook, xlsx_response
from core.models import Job
from core.selectors import job_for_user
from core.xlsx import XLSX_CONTENT_TYPE

CRUMB = ("双随机抽查", "inspections:home")


def list_context(request, filterset, *, per_page: int | None = None) -> dict:
    """Page, sort and query-string context for a list template (pagination.html and sort_th)."""
    paginator = Paginator(filterset.qs, per_page or settings.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    return {"filter": filterset, "page": page, "query": params.urlencode(), "sort_query": sort_params.urlencode(),
            "sort": filterset.current_sort}


def add_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: against its field when it names one, else the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if form is not None and field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def xlsx_download(book, stem: str, ascii_stem: str) -> StreamingHttpResponse:
    """Stream a workbook as <stem>_<yyyymmdd>.xlsx (ASCII fallback name for old clients)."""
    day = timezone.localdate()
    name, fallback = f"{stem}_{day:%Y%m%d}.xlsx", f"{ascii_stem}_{day:%Y%m%d}.xlsx"
    response = StreamingHttpResponse(book.iter_bytes(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store"
    return response


def filter_params(request) -> dict:
    """The list's filters as sent (without the page), for the audit record of an export."""
    return {k: request.GET.getlist(k)[0] if len(request.GET.getlist(k)) == 1 else request.GET.getlist(k)
            for k in request.GET if k != "page" and any(request.GET.getlist(k))}


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
