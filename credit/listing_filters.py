"""Filters of the 列异列严 board, the penalty publicity list and the credit-repair case list; each export reuses its
list's FilterSet (what you see is what you export). ``year`` / ``month`` / ``office`` are also the dashboard's
drill-down parameters (credit.selectors.dashboard_facts)."""
import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone

from core.filters import SortedFilterSet
from core.models import Office
from registry.filters import entity_search

from .choices import (
    ListingKind,
    ListingReason,
    ListingStatus,
    PenaltyDomain,
    PenaltyKind,
    PenaltyStatus,
    RepairKind,
    RepairStatus,
)

MONTHS = [(m, f"{m} 月") for m in range(1, 13)]


def _years():
    this = timezone.localdate().year
    return [(y, f"{y} 年") for y in range(this, this - 6, -1)]


def _search(queryset, value):
    return entity_search(queryset, value, path="entity__")


class ScopedFilterSet(SortedFilterSet):
    """Office choices limited to the user's own office for office staff; year/month by the list's date basis."""

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "市场主体名称 / 统一社会信用代码"}))
    office = django_filters.ModelChoiceFilter(label="承办单位", queryset=Office.objects.all(), empty_label="全部单位")
    year = django_filters.ChoiceFilter(label="年度", choices=_years, method="filter_period", empty_label="全部年度")
    month = django_filters.ChoiceFilter(label="月份", choices=MONTHS, method="filter_period", empty_label="全年")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not user.sees_whole_district:
            self.filters["office"].queryset = Office.objects.filter(pk=user.office_id)

    def search(self, queryset, name, value):
        return _search(queryset, value)

    def date_field(self) -> str:
        raise NotImplementedError

    def filter_period(self, queryset, name, value):
        field = self.date_field()
        if value in (None, ""):
            return queryset
        return queryset.filter(**{f"{field}__{name}": int(value)})


class ListingFilter(ScopedFilterSet):
    SORTS = {
        "due": (F("due_on").asc(nulls_last=True), "-opened_at"), "-due": (F("due_on").desc(nulls_last=True), "id"),
        "entity": ("entity__name", "id"), "-entity": ("-entity__name", "-id"),
        "listed": (F("listed_on").asc(nulls_last=True), "id"), "-listed": (F("listed_on").desc(nulls_last=True), "-id"),
        "opened": ("occurred_on", "id"), "-opened": ("-occurred_on", "-id"),
    }
    DEFAULT_SORT = "due"

    kind = django_filters.ChoiceFilter(label="类别", choices=ListingKind.choices, empty_label="全部类别")
    reason = django_filters.ChoiceFilter(label="事由", choices=ListingReason.choices, empty_label="全部事由")
    status = django_filters.ChoiceFilter(
        label="状态", method="filter_status", empty_label="全部状态",
        choices=[("open", "在办（含在列）"), ("in_force", "在列（标记中）"), *ListingStatus.choices])
    event = django_filters.ChoiceFilter(label="年度月份按", choices=[("opened", "触发日期"), ("listed", "列入日期"),
                                                                 ("removed", "移出日期")],
                                        method="filter_event", empty_label="触发日期")
    overdue = django_filters.BooleanFilter(label="只看逾期", method="filter_overdue", widget=forms.CheckboxInput)

    def date_field(self) -> str:
        return {"listed": "listed_on", "removed": "removed_on"}.get(self.data.get("event"), "occurred_on")

    def filter_event(self, queryset, name, value):
        return queryset  # read by date_field()

    def filter_status(self, queryset, name, value):
        from .choices import LISTING_IN_FORCE, LISTING_OPEN

        if value == "open":
            return queryset.filter(status__in=LISTING_OPEN)
        if value == "in_force":
            return queryset.filter(status__in=LISTING_IN_FORCE)
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(due_on__lt=timezone.localdate()) if value else queryset


class PenaltyFilter(ScopedFilterSet):
    SORTS = {
        "decided": ("decided_on", "id"), "-decided": ("-decided_on", "-id"),
        "end": (F("publicity_end").asc(nulls_last=True), "id"),
        "-end": (F("publicity_end").desc(nulls_last=True), "-id"),
        "entity": ("entity__name", "id"), "-entity": ("-entity__name", "-id"),
    }
    DEFAULT_SORT = "-decided"

    kind = django_filters.ChoiceFilter(label="处罚种类", choices=PenaltyKind.choices, empty_label="全部种类")
    domain = django_filters.ChoiceFilter(label="领域", choices=PenaltyDomain.choices, empty_label="全部领域")
    status = django_filters.ChoiceFilter(label="状态", choices=PenaltyStatus.choices, empty_label="全部状态")
    basis = django_filters.ChoiceFilter(label="年度月份按", method="filter_basis", empty_label="公示日期",
                                        choices=[("published", "公示日期"), ("decided", "决定日期")])
    overdue = django_filters.BooleanFilter(label="只看逾期", method="filter_overdue", widget=forms.CheckboxInput)

    def date_field(self) -> str:
        return "decided_on" if self.data.get("basis") == "decided" else "published_on"

    def filter_basis(self, queryset, name, value):
        return queryset

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        today = timezone.localdate()
        return queryset.filter(Q(status=PenaltyStatus.PENDING, publish_due__lt=today)
                               | Q(status=PenaltyStatus.REVOKED, withdrawal_due__lt=today))


class RepairFilter(ScopedFilterSet):
    SORTS = {
        "due": (F("due_on").asc(nulls_last=True), "-applied_on", "-id"),
        "-due": (F("due_on").desc(nulls_last=True), "id"),
        "applied": ("applied_on", "id"), "-applied": ("-applied_on", "-id"),
        "entity": ("entity__name", "id"), "-entity": ("-entity__name", "-id"),
    }
    DEFAULT_SORT = "due"

    kind = django_filters.ChoiceFilter(label="修复类别", choices=RepairKind.choices, empty_label="全部类别")
    status = django_filters.ChoiceFilter(label="状态", choices=[("open", "在办"), *RepairStatus.choices],
                                         method="filter_status", empty_label="全部状态")
    basis = django_filters.ChoiceFilter(
        label="年度月份按", method="filter_basis", empty_label="申请日期",
        choices=[("applied", "申请日期"), ("decided", "决定日期"), ("on_time", "决定日期（仅按期决定的）")])
    overdue = django_filters.BooleanFilter(label="只看逾期", method="filter_overdue", widget=forms.CheckboxInput)

    def date_field(self) -> str:
        return "decided_on" if self.data.get("basis") in ("decided", "on_time") else "applied_on"

    def filter_basis(self, queryset, name, value):
        if value == "on_time":
            return queryset.filter(decided_on__isnull=False, decision_due__isnull=False,
                                   decided_on__lte=F("decision_due"))
        if value == "decided":
            return queryset.filter(decided_on__isnull=False)
        return queryset

    def filter_status(self, queryset, name, value):
        from .choices import REPAIR_OPEN

        return queryset.filter(status__in=REPAIR_OPEN) if value == "open" else queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(due_on__lt=timezone.localdate()) if value else queryset


class SharedRepairFilter(SortedFilterSet):
    """The repair results shared with a member department (its own only; the view scopes the queryset)."""

    SORTS = {
        "shared": ("shared_on", "id"), "-shared": ("-shared_on", "-id"),
        "entity": ("case__entity__name", "id"), "-entity": ("-case__entity__name", "-id"),
    }
    DEFAULT_SORT = "-shared"

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "市场主体名称 / 统一社会信用代码"}))
    kind = django_filters.ChoiceFilter(label="修复类别", field_name="case__kind", choices=RepairKind.choices,
                                       empty_label="全部类别")
    year = django_filters.ChoiceFilter(label="年度", choices=_years, field_name="shared_on__year",
                                       empty_label="全部年度")

    def search(self, queryset, name, value):
        return entity_search(queryset, value, path="case__entity__")
