"""What every list's FilterSet shares: a hidden ``sort`` parameter chosen from the list's own SORTS."""
import django_filters
from django import forms

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class SortedFilterSet(django_filters.FilterSet):
    """A FilterSet with a hidden ``sort`` chosen from SORTS (key → order_by fields); an unknown key or none at all
    sorts by DEFAULT_SORT, so a list is always in a stable order and a hand-edited URL cannot order by any field."""

    SORTS: dict[str, tuple[str, ...]] = {}
    DEFAULT_SORT = ""

    sort = django_filters.CharFilter(method="apply_sort", widget=forms.HiddenInput)

    def apply_sort(self, queryset, name, value):
        return queryset.order_by(*self.SORTS.get(value, self.SORTS[self.DEFAULT_SORT]))

    @property
    def current_sort(self) -> str:
        value = self.data.get("sort") or ""
        return value if value in self.SORTS else self.DEFAULT_SORT

    @property
    def qs(self):
        qs = super().qs
        if self.data.get("sort") not in self.SORTS:
            qs = qs.order_by(*self.SORTS[self.DEFAULT_SORT])
        return qs
