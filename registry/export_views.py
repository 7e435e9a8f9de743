"""The register's .xlsx export: exactly the list's filtered rows, within the user's scope, streamed and audited."""
from urllib.parse import quote

from django.http import StreamingHttpResponse
from django.utils import timezone

from core.audit import audit
from core.choices import AuditAction
from core.permissions import can_view_entities, can_view_phone, require
from core.xlsx import XLSX_CONTENT_TYPE

from .exporter import entity_workbook, export_filename
from .views import filtered_entities


def _filter_params(request) -> dict:
    """The list's query parameters as the user sent them (without the page number), for the audit record."""
    params = {}
    for key in request.GET:
        if key == "page":
            continue
        values = [v for v in request.GET.getlist(key) if v != ""]
        if values:
            params[key] = values[0] if len(values) == 1 else values
    return params


def _attachment(filename: str, fallback: str) -> str:
    """Content-Disposition with an ASCII name for old clients and the Chinese name encoded per RFC 5987."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


@require(can_view_entities)
def entity_export(request):
    """Stream the filtered register as .xlsx; the row count is taken and audited before the first byte."""
    queryset = filtered_entities(request).qs
    count = queryset.count()
    show_phone = can_view_phone(request.user)
    params = _filter_params(request)
    scope = "全区" if request.user.sees_whole_district else (request.user.office.name if request.user.office else "")
    audit(
        actor=request.user,
        action=AuditAction.EXPORT,
        summary=f"导出市场主体名录 {count} 户（{scope}）",
        extra={"filters": params, "rows": count, "scope": scope, "phone": "明文" if show_phone else "脱敏"},
    )
    book = entity_workbook(queryset, show_phone=show_phone)
    response = StreamingHttpResponse(book.iter_bytes(), content_type=XLSX_CONTENT_TYPE)
    today = timezone.localdate()
    response["Content-Disposition"] = _attachment(export_filename(today), export_filename(today, ascii=True))
    response["Cache-Control"] = "no-store"  # personal data: keep it out of shared caches
    response["X-Accel-Buffering"] = "no"  # let a reverse proxy pass the stream on as it comes
    return response
