"""The entity list and detail pages."""
from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.shortcuts import get_object_or_404, render

from core.permissions import can_view_entities, can_view_phone, require

from . import timeline
from .filters import SORTS, EntityFilter
from .masking import mask_phone
from .models import MarketEntity
from .selectors import industry_label, industry_names

# From this many rows on, the district's unfiltered list shows PostgreSQL's row estimate ("约") instead of
# counting every row, which at a million rows costs more than everything else on the page together.
ESTIMATE_COUNT_FROM = 200_000


class EntityPaginator(Paginator):
    """Fetches a page in two steps: the page's ids, then those rows. PostgreSQL can walk the list's covering
    indexes (registry.0005) for the ids alone, checking the filters on the index entries without touching the
    table, so a filter whose rows sit far down the sort order (e.g. 个体工商户 sorted by name, after every
    泉州市… company) stays fast at a million entities. With ``estimated_count`` the total is that estimate
    until someone asks for the last page, which is then counted exactly."""

    def __init__(self, object_list, per_page, *, estimated_count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.estimated = estimated_count is not None
        if self.estimated:
            self.__dict__["count"] = estimated_count  # Paginator.count is a cached_property

    def _count_exactly(self):
        self.estimated = False
        self.__dict__.pop("count", None)
        self.__dict__.pop("num_pages", None)

    def page(self, number):
        if self.estimated:
            try:
                wanted = int(number)
            except (TypeError, ValueError):
                wanted = 1
            if wanted >= self.num_pages:  # 末页 or beyond: the estimate may be off, so count, and show the real end
                self._count_exactly()
                number = max(1, min(wanted, self.num_pages))
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {obj.pk: obj for obj in self.object_list.filter(pk__in=ids).order_by()}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


def estimated_entity_count(filterset, user) -> int | None:
    """PostgreSQL's row estimate for the district's unfiltered list when the register is large, else None."""
    if not user.sees_whole_district or connection.vendor != "postgresql" or not filterset.is_valid():
        return None
    if any(value not in (None, "") for name, value in filterset.form.cleaned_data.items() if name != "sort"):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                       [MarketEntity._meta.db_table])
        row = cursor.fetchone()
    estimate = row[0] if row else -1  # -1: never analysed
    return estimate if estimate >= ESTIMATE_COUNT_FROM else None


def filtered_entities(request):
    """The user's entities through the list's filters: shared by the list page and the export."""
    base = MarketEntity.objects.for_user(request.user).select_related("office")
    return EntityFilter(request.GET, queryset=base, user=request.user)


@require(can_view_entities)
def entity_list(request):
    filterset = filtered_entities(request)
    paginator = EntityPaginator(filterset.qs, settings.PAGE_SIZE,
                                estimated_count=estimated_entity_count(filterset, request.user))
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
