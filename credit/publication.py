"""The internal-only rule: a credit-risk class never appears in anything published or exported for publication.

Every export meant for publication (the website, the WeChat account, public notices) builds its workbook with
``publication_workbook`` and registers itself with ``register_publication_export`` so that the test
``tests/credit/test_internal_only.py`` checks it with classified entities. Internal exports (the register export,
target lists for calls) are not publications and may carry the class for the roles that work with it.
"""
import re
from collections.abc import Callable, Iterable, Sequence

from core.xlsx import Workbook

from .choices import RiskClass

# Header words that name a risk class column, in the spellings the bureau and the provincial platform use.
_CLASS_HEADER = re.compile(r"风险类别|风险分类|风险等级|分类结果|信用分类|信用等级|风险类型")
_CLASS_LABELS = frozenset(label for _, label in RiskClass.choices)
_CLASS_TEXT = re.compile(r"[ABCD]\s*类\s*[（(]?\s*信用风险")


class InternalDataError(ValueError):
    """Something internal (a risk class) was about to go into a publication."""


def check_publishable_headers(headers: Sequence[str]) -> None:
    """Refuse a publication whose columns include a risk class."""
    for header in headers:
        if _CLASS_HEADER.search(str(header)):
            raise InternalDataError(f"对外公开的材料不得包含信用风险分类（列“{header}”）。")


def check_publishable_value(value) -> None:
    """Refuse a cell or text that states a risk class the way the system labels it."""
    if isinstance(value, str) and (value in _CLASS_LABELS or _CLASS_TEXT.search(value)):
        raise InternalDataError(f"对外公开的材料不得包含信用风险分类（“{value[:40]}”）。")


def publishable_rows(rows: Iterable[Sequence]) -> Iterable[Sequence]:
    """The rows, each cell checked as it streams past."""
    for row in rows:
        for value in row:
            check_publishable_value(value)
        yield row


def publication_workbook(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> Workbook:
    """A workbook for publication: (sheet name, headers, rows) each checked by the internal-only rule."""
    book = Workbook()
    for name, headers, rows in sheets:
        check_publishable_headers(headers)
        book.add_sheet(name, headers, publishable_rows(rows))
    return book


# name → a function that builds the export's workbook (called by the test with classified entities in the db).
PUBLICATION_EXPORTS: dict[str, Callable[[], Workbook]] = {}


def register_publication_export(name: str, build: Callable[[], Workbook]) -> None:
    """Declare an export as a publication, so that the internal-only test checks it."""
    PUBLICATION_EXPORTS[name] = build
