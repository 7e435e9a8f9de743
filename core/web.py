"""Helpers every list and form page shares: paging and sorting, form errors, .xlsx downloads, query parameters."""
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from core.xlsx import XLSX_CONTENT_TYPE


def list_context(request, filterset, *, per_page: int | None = None) -> dict:
    """Page, sort and query-string context for a list template (pagination.html and sort_th)."""
    paginator = Paginator(filterset.qs, per_page or settings.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    return {
        "filter": filterset,
        "page": page,
        "query": params.urlencode(),
        "sort_query": sort_params.urlencode(),
        "sort": filterset.current_sort,
    }


def add_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: against its field when it names one, else on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if form is not None and field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def form_error_text(form) -> str:
    """Every error of a bound form on one line, each field's prefixed with its label (for a flash message)."""
    return "；".join(f"{form.fields[field].label}：{error}" if field in form.fields and form.fields[field].label
                    else error
                    for field, errors in form.errors.items() for error in errors)


def form_step(request, form, act, back, *, prefix: str = ""):
    """A POST action on one record: validate the form, run the service, flash its Chinese message, go ``back``.

    ``act(cleaned_data)`` returns the success message or raises ValidationError (the service's transaction has then
    rolled back, so nothing is half-written). ``back`` is anything ``redirect`` takes (the record, a URL name);
    ``prefix`` names the record in an error message when the page lists many."""
    if not form.is_valid():
        messages.error(request, prefix + form_error_text(form))
    else:
        try:
            text = act(form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, prefix + error_text(exc))
        else:
            messages.success(request, text)
    return redirect(back)


def xlsx_download(book, stem: str, ascii_stem: str) -> StreamingHttpResponse:
    """Stream a workbook as an attachment named <stem>_<yyyymmdd>.xlsx (ASCII fallback for old clients)."""
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


def year_param(request, years: list[int]) -> int:
    """The ``year`` query parameter if it is one of the offered years, else the current year."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if year in years else timezone.localdate().year
