"""The public pages of 信用宣传: the index of published texts and one page per text, without log-in.

They show only what the bureau published: title, kind, date, text and attachments, under the bureau's name —
never drafts, withdrawn texts, risk classes or the staff who wrote or approved them (those answer 404)."""
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from core.documents import BUREAU_NAME

from .choices import PublicationKind, PublicationStatus
from .models import Publication, PublicationAttachment
from .publication_views import serve_attachment
from .publications import blocks

PUBLIC_PAGE_SIZE = 20


def _published():
    return Publication.objects.filter(status=PublicationStatus.PUBLISHED).only(
        "pk", "kind", "title", "summary", "body", "published_on", "status")


@login_not_required
def public_index(request):
    kind = request.GET.get("kind", "")
    items = _published().order_by("-published_on", "-id")
    if kind in PublicationKind.values:
        items = items.filter(kind=kind)
    else:
        kind = ""
    page = Paginator(items, PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "public/publication_index.html", {
        "page": page, "kind": kind, "kinds": PublicationKind.choices, "bureau_name": BUREAU_NAME,
        "query": f"kind={kind}" if kind else "",
    })


@login_not_required
def public_detail(request, pk: int):
    publication = get_object_or_404(_published(), pk=pk)
    return render(request, "public/publication_detail.html", {
        "publication": publication, "blocks": blocks(publication.body), "bureau_name": BUREAU_NAME,
        "attachments": PublicationAttachment.objects.filter(publication=publication).only("pk", "name", "size"),
    })


@login_not_required
def public_attachment(request, pk: int, attachment_id: int):
    attachment = get_object_or_404(PublicationAttachment, pk=attachment_id, publication_id=pk,
                                   publication__status=PublicationStatus.PUBLISHED)
    return serve_attachment(attachment)
