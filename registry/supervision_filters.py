"""Filters of the registration-supervision lists; each export reuses its list's FilterSet (what you see you export)."""
import django_filters
from django import forms
from django.db.models import Q

from core.choices import DepartmentKind
from core.filters import SortedFilterSet
from core.models import Department, Office

from .supervision_choices import (
    CaseSource,
    DeregStatus,
    FeedbackStatus,
    FindingStatus,
    Handling,
    ListKind,
    MissingKind,
    NotificationStatus,
    RegistrationMatter,
    UnlicensedStatus,
)

MONTHS = [(m, f"{m} 月") for m in range(1, 13)]


class PeriodOfficeFilterSet(SortedFilterSet):
    """A sorted list's FilterSet with year / month (of DATE_FIELD) and office (OFFICE_FIELD) filters."""

    DATE_FIELD = ""
    OFFICE_FIELD = ""

    year = django_filters.NumberFilter(label="年度", method="filter_year", widget=forms.NumberInput(
        attrs={"min": 2000, "max": 2100, "placeholder": "如 2026"}))
    month = django_filters.ChoiceFilter(label="月份", choices=MONTHS, method="filter_month", empty_label="全年")
    office = django_filters.ModelChoiceFilter(label="市场监管所", queryset=Office.objects.all(), method="filter_office",
                                              empty_label="全部")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not user.sees_whole_district:
            if user.office_id:
                self.filters["office"].queryset = Office.objects.filter(pk=user.office_id)
            else:  # a member department's account: its own requests, no office to choose
                del self.filters["office"]
                self.filters.pop("department", None)

    def date_field(self) -> str:
        return self.DATE_FIELD

    def filter_year(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field()}__year": int(value)})

    def filter_month(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field()}__month": int(value)})

    def filter_office(self, queryset, name, value):
        return queryset.filter(**{self.OFFICE_FIELD: value})


class DeregFilter(PeriodOfficeFilterSet):
    SORTS = {
        "screened": ("screened_on", "id"), "-screened": ("-screened_on", "-id"),
        "name": ("entity__name", "id"), "-name": ("-entity__name", "-id"),
        "trigger": ("trigger_date", "id"), "-trigger": ("-trigger_date", "-id"),
        "status": ("status", "id"), "-status": ("-status", "-id"),
    }
    DEFAULT_SORT = "-screened"
    OFFICE_FIELD = "entity__office"

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "名称 / 统一社会信用代码"}))
    status = django_filters.ChoiceFilter(label="环节", choices=DeregStatus.choices, empty_label="全部环节")
    by = django_filters.ChoiceFilter(label="年度按", method="noop", empty_label="列为候选日期",
                                     choices=[("decided", "决定日期")])

    def date_field(self) -> str:
        return "decided_on" if self.data.get("by") == "decided" else "screened_on"

    def noop(self, queryset, name, value):
        return queryset

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(entity__name__icontains=value) | Q(entity__uscc__startswith=value.upper())) \
            if value else queryset


class FeedbackFilter(PeriodOfficeFilterSet):
    SORTS = {"due": ("due_on", "id"), "-due": ("-due_on", "-id"),
             "requested": ("requested_on", "id"), "-requested": ("-requested_on", "-id")}
    DEFAULT_SORT = "due"
    DATE_FIELD = "requested_on"
    OFFICE_FIELD = "case__entity__office"

    status = django_filters.ChoiceFilter(label="状态", choices=FeedbackStatus.choices[:2], empty_label="全部")
    overdue = django_filters.BooleanFilter(label="只看逾期", method="filter_overdue", widget=forms.CheckboxInput)

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        from django.utils import timezone

        return queryset.filter(status=FeedbackStatus.PENDING, due_on__lt=timezone.localdate())


class FindingFilter(PeriodOfficeFilterSet):
    SORTS = {"found": ("found_on", "id"), "-found": ("-found_on", "-id"),
             "due": ("rectification_due", "id"), "-due": ("-rectification_due", "-id"),
             "name": ("entity__name", "id"), "-name": ("-entity__name", "-id")}
    DEFAULT_SORT = "-found"
    DATE_FIELD = "found_on"
    OFFICE_FIELD = "entity__office"

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "名称 / 统一社会信用代码 / 问题"}))
    matter = django_filters.ChoiceFilter(label="登记事项", choices=RegistrationMatter.choices, empty_label="全部事项")
    status = django_filters.ChoiceFilter(label="状态", choices=FindingStatus.choices, empty_label="全部状态")
    handling = django_filters.ChoiceFilter(label="处理方式", choices=Handling.choices, empty_label="全部")
    overdue = django_filters.BooleanFilter(label="只看逾期未改正", method="filter_overdue", widget=forms.CheckboxInput)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(entity__name__icontains=value) | Q(entity__uscc__startswith=value.upper())
                               | Q(description__icontains=value))

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        from django.utils import timezone

        return queryset.filter(status=FindingStatus.RECTIFYING, rectification_due__lt=timezone.localdate())


class ListItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "违法行为 / 依据 / 条件"}))
    kind = django_filters.ChoiceFilter(label="所属清单", choices=ListKind.choices, empty_label="全部清单")
    matter = django_filters.ChoiceFilter(label="登记事项", choices=RegistrationMatter.choices, empty_label="全部事项")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(violation__icontains=value) | Q(legal_basis__icontains=value)
                               | Q(conditions__icontains=value))


class UnlicensedFilter(PeriodOfficeFilterSet):
    SORTS = {"found": ("discovered_on", "id"), "-found": ("-discovered_on", "-id"),
             "number": ("number",), "-number": ("-number",)}
    DEFAULT_SORT = "-found"
    DATE_FIELD = "discovered_on"
    OFFICE_FIELD = "office"

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "编号 / 经营者 / 场所 / 项目"}))
    status = django_filters.ChoiceFilter(label="状态", choices=UnlicensedStatus.choices, empty_label="全部状态")
    missing = django_filters.ChoiceFilter(label="缺少证照", choices=MissingKind.choices, empty_label="全部")
    source = django_filters.ChoiceFilter(label="线索来源", choices=CaseSource.choices, empty_label="全部来源")
    department = django_filters.ModelChoiceFilter(
        label="许可主管部门", field_name="responsible_department", empty_label="全部部门",
        queryset=Department.objects.filter(kind=DepartmentKind.MEMBER))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(operator__icontains=value) | Q(place__icontains=value)
                               | Q(activity__icontains=value))


class NotificationFilter(PeriodOfficeFilterSet):
    SORTS = {"sent": ("sent_on", "id"), "-sent": ("-sent_on", "-id"), "due": ("reply_due", "id"),
             "-due": ("-reply_due", "-id")}
    DEFAULT_SORT = "-sent"
    DATE_FIELD = "sent_on"
    OFFICE_FIELD = "case__office"

    status = django_filters.ChoiceFilter(label="状态", choices=NotificationStatus.choices, empty_label="全部状态")
    acknowledged = django_filters.ChoiceFilter(label="签收", choices=[("yes", "已签收"), ("no", "未签收")],
                                               method="by_acknowledged", empty_label="全部")
    department = django_filters.ModelChoiceFilter(label="抄告部门", empty_label="全部部门",
                                                  queryset=Department.objects.filter(kind=DepartmentKind.MEMBER))

    def by_acknowledged(self, queryset, name, value):
        """已签收 whatever happened next (a reply comes after the receipt): the dashboard's 抄告已签收."""
        return queryset.filter(acknowledged_on__isnull=value != "yes")
