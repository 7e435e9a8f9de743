"""Export of the register to .xlsx: template columns, Chinese labels, phones masked for roles without the right."""
from collections.abc import Iterator

from core.xlsx import Workbook

from .excel import EXPORT_COLUMNS, EXPORT_HEADERS, STATUS_LABEL, TYPE_LABEL
from .masking import mask_phone

SHEET_NAME = "市场主体名录"
FILENAME_STEM = "市场主体名录"
ASCII_FILENAME_STEM = "entities"  # for clients that cannot read an RFC 5987 file name
CHUNK_SIZE = 5000  # rows fetched per round trip from the server-side cursor
# The database field read for each template column (the office is exported by name).
_FIELDS = {"office": "office__name"}
# Column widths in characters, by template column (Chinese text counts double).
_WIDTHS = {
    "uscc": 22, "name": 40, "entity_type": 14, "legal_rep": 12, "industry_code": 10, "address": 44,
    "registration_authority": 28, "office": 22, "established_on": 12, "status": 10, "phone": 15, "risk_class": 10,
}


def entity_rows(queryset, *, show_phone: bool, chunk_size: int = CHUNK_SIZE) -> Iterator[tuple]:
    """The register's rows for a queryset, in EXPORT_COLUMNS order; one query, streamed in chunks (bounded memory).
    The last column is the current general credit-risk class, read by a correlated subquery in the same query."""
    from credit.selectors import current_class_subquery

    queryset = queryset.annotate(risk_class=current_class_subquery())
    fields = [_FIELDS.get(key, key) for key, _ in EXPORT_COLUMNS]
    keys = [key for key, _ in EXPORT_COLUMNS]
    type_at, status_at, phone_at = keys.index("entity_type"), keys.index("status"), keys.index("phone")
    type_label, status_label = TYPE_LABEL, STATUS_LABEL
    for values in queryset.values_list(*fields).iterator(chunk_size=chunk_size):
        row = list(values)
        row[type_at] = type_label.get(row[type_at], row[type_at])
        row[status_at] = status_label.get(row[status_at], row[status_at])
        if not show_phone:
            row[phone_at] = mask_phone(row[phone_at])
        yield row


def entity_workbook(queryset, *, show_phone: bool) -> Workbook:
    """A workbook with one sheet of the register (template headers), ready to save or stream."""
    book = Workbook()
    book.add_sheet(SHEET_NAME, EXPORT_HEADERS, entity_rows(queryset, show_phone=show_phone),
                   widths=[_WIDTHS[key] for key, _ in EXPORT_COLUMNS])
    return book


def export_filename(day, *, ascii: bool = False) -> str:
    """The file name offered for download, e.g. 市场主体名录_20261126.xlsx (entities_20261126.xlsx in ASCII)."""
    return f"{ASCII_FILENAME_STEM if ascii else FILENAME_STEM}_{day:%Y%m%d}.xlsx"
