"""Filters of the annual-report lists; each export reuses its list's FilterSet (what you see is what you get)."""
import django_filters
from django import forms
from django.db.models import Q

from core.filters import SortedFilterSet
from core.models import Office
from registry.choices import EntityType

from .choices import Channel, FilingStatus, GuidanceKind, GuidanceOutcome
from .selectors import BUREAU_TYPES

DATE = forms.DateInput(attrs={"type": "date"})
REQUIRED = "required"  # a status filter value: every record that must file (all but 无需报送)


def _search(queryset, value, prefix="entity__"):
    value = value.strip()
    if not value:
        return queryset
    return queryset.filter(Q(**{f"{prefix}name__icontains": value}) | Q(**{f"{prefix}uscc": value.upper()}))


class ReportFilter(SortedFilterSet):
    SORTS = {
        "name": ("entity__name", "id"), "-name": ("-entity__name", "-id"),
        "filed": ("filed_on", "id"), "-filed": ("-filed_on", "-id"),
        "office": ("entity__office__sort_order", "entity__name", "id"),
    }
    DEFAULT_SORT = "name"

    q = django_filters.CharFilter(label="名称/代码", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "名称或统一社会信用代码"}))
    year = django_filters.NumberFilter(label="报告年度", field_name="season__year", widget=forms.HiddenInput)
    office = django_filters.ModelChoiceFilter(label="市场监管所", field_name="entity__office",
                                              queryset=Office.objects.filter(is_active=True), empty_label="全部")
    type = django_filters.ChoiceFilter(label="主体类型", field_name="entity__entity_type", choices=EntityType.choices,
                                       empty_label="全部类型")
    group = django_filters.ChoiceFilter(label="口径", method="by_group", empty_label="全部主体",
                                        choices=[("bureau", "企业（含农专社）")])
    status = django_filters.ChoiceFilter(label="报送状态", method="by_status", empty_label="全部状态",
                                         choices=[(REQUIRED, "应报送（不含无需报送）"), *FilingStatus.choices])
    channel = django_filters.ChoiceFilter(label="报送方式", choices=Channel.choices, empty_label="全部方式")
    industry = django_filters.CharFilter(label="行业代码", field_name="entity__industry_code",
                                         lookup_expr="startswith",
                                         widget=forms.TextInput(attrs={"placeholder": "如 C26", "size": 6}))
    filed_after = django_filters.DateFilter(label="报送日期从", field_name="filed_on", lookup_expr="gte", widget=DATE)
    filed_before = django_filters.DateFilter(label="报送日期至", field_name="filed_on", lookup_expr="lte",
                                             widget=DATE)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not user.sees_whole_district:
            del self.filters["office"]

    def search(self, queryset, name, value):
        return _search(queryset, value)

    def by_status(self, queryset, name, value):
        if value == REQUIRED:  # the dashboard's 应报企业: not filed, on time and late
            return queryset.exclude(status=FilingStatus.NOT_REQUIRED)
        return queryset.filter(status=value)

    def by_group(self, queryset, name, value):
        return queryset.filter(entity__entity_type__in=BUREAU_TYPES) if value == "bureau" else queryset


class DormantFilter(SortedFilterSet):
    SORTS = {"name": ("name", "id"), "office": ("office__sort_order", "name", "id"),
             "established": ("established_on", "id")}
    DEFAULT_SORT = "name"

    q = django_filters.CharFilter(label="名称/代码", method="search")
    office = django_filters.ModelChoiceFilter(label="市场监管所", queryset=Office.objects.filter(is_active=True),
                                              empty_label="全部")
    entity_type = django_filters.ChoiceFilter(label="主体类型", choices=EntityType.choices, empty_label="全部类型")
    signal = django_filters.ChoiceFilter(label="识别依据", method="by_signal", empty_label="全部依据", choices=[
        ("no_report", "连续未报送年报"), ("unreachable", "抽查中无法联系"), ("suspension_limit", "歇业临近三年上限"),
        ("suspension_expiring", "歇业期即将届满")])

    def search(self, queryset, name, value):
        return _search(queryset, value, prefix="")

    def by_signal(self, queryset, name, value):
        return queryset.filter(**{f"sig_{value}": True}) if value else queryset


class GuidanceFilter(SortedFilterSet):
    SORTS = {"date": ("-guided_on", "-id"), "name": ("entity__name", "id")}
    DEFAULT_SORT = "date"

    q = django_filters.CharFilter(label="名称/代码", method="search")
    kind = django_filters.ChoiceFilter(label="引导事项", choices=GuidanceKind.choices, empty_label="全部")
    outcome = django_filters.ChoiceFilter(label="结果", choices=GuidanceOutcome.choices, empty_label="全部")
    office = django_filters.ModelChoiceFilter(label="市场监管所", field_name="entity__office",
                                              queryset=Office.objects.filter(is_active=True), empty_label="全部")

    def search(self, queryset, name, value):
        return _search(queryset, value)
