"""The entity list's filters; the export reuses the same FilterSet, so what you see is what you export."""
import django_filters
from django import forms
from django.db.models import Q

from core.models import Office
from core.permissions import can_view_risk_class

from .choices import EntityType, RegistrationStatus
from .codes import normalise_uscc
from .models import Industry, MarketEntity

SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "uscc": ("uscc",),
    "-uscc": ("-uscc",),
    "established": ("established_on", "id"),
    "-established": ("-established_on", "-id"),
    "office": ("office__sort_order", "office__code", "name", "id"),
    "-office": ("-office__sort_order", "-office__code", "-name", "-id"),
    "industry": ("industry_code", "name", "id"),
    "-industry": ("-industry_code", "-name", "-id"),
}
DEFAULT_SORT = "name"



def entity_search(queryset, value: str, *, path: str = "", also: tuple[str, ...] = ()):
    """The search box of every list of entities or their records: the name (and the ``also`` fields) contains the
    words, or the code starts with them when they look like a code (4 or more Latin letters and digits).
    ``path`` leads from the queryset's model to the entity, e.g. ``"entity__"``."""
    value = (value or "").strip()
    if not value:
        return queryset
    query = Q(**{f"{path}name__icontains": value})
    for field in also:
        query |= Q(**{f"{path}{field}__icontains": value})
    code = normalise_uscc(value)
    if len(code) >= 4 and code.isascii() and code.isalnum():
        query |= Q(**{f"{path}uscc__startswith": code})
    return queryset.filter(query)

class EntityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "名称 / 统一社会信用代码 / 法定代表人"}))
    entity_type = django_filters.ChoiceFilter(label="市场主体类型", choices=EntityType.choices, empty_label="全部类型")
    status = django_filters.ChoiceFilter(label="登记状态", choices=RegistrationStatus.choices, empty_label="全部状态")
    office = django_filters.ModelChoiceFilter(label="管辖单位", queryset=Office.objects.all(), empty_label="全部单位")
    section = django_filters.ChoiceFilter(label="行业门类", method="filter_section", empty_label="全部门类", choices=())
    industry = django_filters.CharFilter(label="行业代码", method="filter_industry",
                                         widget=forms.TextInput(attrs={"placeholder": "如 C26 或 C2651"}))
    risk_class = django_filters.ChoiceFilter(label="风险类别（通用）", method="filter_risk_class",
                                             empty_label="全部类别",
                                             choices=[*((c, f"{c} 类") for c in "ABCD"), ("U", "未分类")])
    established_after = django_filters.DateFilter(label="成立日期从", field_name="established_on", lookup_expr="gte",
                                                  widget=forms.DateInput(attrs={"type": "date"}))
    established_before = django_filters.DateFilter(label="成立日期至", field_name="established_on", lookup_expr="lte",
                                                   widget=forms.DateInput(attrs={"type": "date"}))
    sort = django_filters.ChoiceFilter(label="排序", method="apply_sort", empty_label=None,
                                       choices=[(k, k) for k in SORTS], widget=forms.HiddenInput)

    class Meta:
        model = MarketEntity
        fields = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["section"].extra["choices"] = list(
            Industry.objects.filter(level="section").values_list("code", "name")
        )
        if user is not None and not user.sees_whole_district:
            self.filters["office"].queryset = Office.objects.filter(pk=user.office_id)
        if user is not None and can_view_risk_class(user):
            # The current general class rides along with the page's rows (no extra query); filterable by it.
            from credit.selectors import current_class_subquery

            self.queryset = self.queryset.annotate(current_class=current_class_subquery())
        else:  # the class is internal: only the roles that work with it see or filter by it
            del self.filters["risk_class"]

    def search(self, queryset, name, value):
        return entity_search(queryset, value, also=("legal_rep",))

    def filter_section(self, queryset, name, value):
        return queryset.filter(industry_code__startswith=value)

    def filter_industry(self, queryset, name, value):
        return queryset.filter(industry_code__startswith=value.strip().upper())

    def filter_risk_class(self, queryset, name, value):
        """By the entity's current general class (credit.CurrentRiskClass, a semi-join); "U" = no class yet."""
        from django.db.models import Exists, OuterRef

        from credit.models import CurrentRiskClass

        current = CurrentRiskClass.objects.filter(entity_id=OuterRef("pk"))
        if value == "U":
            return queryset.filter(~Exists(current))
        return queryset.filter(Exists(current.filter(risk_class=value)))

    def apply_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS[DEFAULT_SORT]))

    @property
    def qs(self):
        qs = super().qs
        if not self.form.cleaned_data.get("sort"):
            qs = qs.order_by(*SORTS[DEFAULT_SORT])
        return qs
