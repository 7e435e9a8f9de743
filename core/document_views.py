"""Issued documents: the A4 print page and the .docx download, scoped like the records they belong to."""
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header

from .documents import BUREAU_NAME
from .docx import document_docx
from .models import IssuedDocument


def _document(request, pk: int) -> IssuedDocument:
    queryset = IssuedDocument.objects.for_user(request.user).select_related("office", "created_by")
    return get_object_or_404(queryset, pk=pk)


def document_print(request, pk: int):
    """The document on an A4 sheet: letterhead, number, title, text, seal line and date."""
    document = _document(request, pk)
    return render(request, "core/document_print.html", {"document": document, "bureau_name": BUREAU_NAME})


def document_docx_download(request, pk: int):
    document = _document(request, pk)
    response = HttpResponse(
        document_docx(document, bureau_name=BUREAU_NAME),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{document.title}-{document.number}.docx")
    return response
