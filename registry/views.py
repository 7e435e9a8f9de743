"""The entity list and detail pages."""
from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from core.permissions import can_view_entities, can_view_phone, require

from . import timeline
from .filters import SORTS, EntityFilter
from .masking import mask_phone
from .models import MarketEntity
from .selectors import industry_label, industry_names


class EntityPaginator(Paginator):
    """Fetches a page in two steps: the page's ids, then those rows. PostgreSQL can walk the list's covering
    indexes (registry.0005) for the ids alone, checking the filters on the index entries without touching the
    table, so a filter whose rows sit far down the sort order (e.g. 个体工商户 sorted by name, after every
    泉州市… company) stays fast at a million entities."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {obj.pk: obj for obj in self.object_list.filter(pk__in=ids).order_by()}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


def filtered_entities(request):
    """The user's entities through the list's filters: shared by the list page and the export."""
    base = MarketEntity.objects.for_user(request.user).select_related("office")
    return EntityFilter(request.GET, queryset=base, user=request.user)


@require(can_view_entities)
def entity_list(request):
    filterset = filtered_entities(request)
    paginator = EntityPaginator(filterset.qs, settings.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    names = industry_names()
    show_phone = can_view_phone(request.user)
    rows = [
        {"entity": e, "industry": industry_label(e.industry_code, names),
         "phone": e.phone if show_phone else mask_phone(e.phone)}
        for e in page.object_list
    ]
    params = request.GET.copy()
    params.pop("page", None)
    sort = request.GET.get("sort") or "name"
    sort_params = params.copy()
    sort_params.pop("sort", None)
    return render(request, "registry/entity_list.html", {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "query": params.urlencode(),
        "sort_query": sort_params.urlencode(),
        "sort": sort if sort in SORTS else "name",
        "breadcrumbs": [("市场主体名录", None)],
    })


@require(can_view_entities)
def entity_detail(request, pk: int):
    entity = get_object_or_404(MarketEntity.objects.for_user(request.user).select_related("office"), pk=pk)
    names = industry_names()
    return render(request, "registry/entity_detail.html", {
        "entity": entity,
        "industry": industry_label(entity.industry_code, names),
        "phone": entity.phone if can_view_phone(request.user) else mask_phone(entity.phone),
        "events": timeline.events_for(entity),
        "status_changes": entity.status_changes.select_related("changed_by")[:50],
        "breadcrumbs": [("市场主体名录", "registry:entity_list"), (entity.name, None)],
    })
