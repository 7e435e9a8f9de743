"""Filters of the training and conduct lists; each export reuses its list's FilterSet (what you see is what you get)."""
import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from core.filters import DATE_INPUT, SortedFilterSet
from core.models import Department, Office

from .choices import ClueSource, ClueStatus, FindingStatus, PlanKind, TrainingKind


def _year_choices(years):
    return [(y, f"{y} 年") for y in years]


class SessionFilter(SortedFilterSet):
    SORTS = {
        "date": ("date", "start_time", "id"), "-date": ("-date", "-start_time", "-id"),
        "topic": ("topic", "id"), "-topic": ("-topic", "-id"),
        "hours": ("hours", "date", "id"), "-hours": ("-hours", "-date", "-id"),
        "attendees": ("attendee_count", "date", "id"), "-attendees": ("-attendee_count", "-date", "-id"),
    }
    DEFAULT_SORT = "-date"

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "主题 / 主讲人 / 地点"}))
    kind = django_filters.ChoiceFilter(label="培训类别", choices=TrainingKind.choices, empty_label="全部类别")
    year = django_filters.ChoiceFilter(label="年度", field_name="date", lookup_expr="year", choices=(),
                                       empty_label="全部年度")
    organiser = django_filters.ModelChoiceFilter(label="主办股室", queryset=Department.objects.filter(is_active=True),
                                                 empty_label="全部股室")
    date_after = django_filters.DateFilter(label="日期从", field_name="date", lookup_expr="gte", widget=DATE_INPUT)
    date_before = django_filters.DateFilter(label="日期至", field_name="date", lookup_expr="lte", widget=DATE_INPUT)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = _year_choices(years)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(topic__icontains=value) | Q(lecturer__icontains=value) | Q(place__icontains=value))


HEADQUARTERS = "hq"


class StaffHoursFilter(SortedFilterSet):
    """Filters of the staff hours list; ``required`` (the year's requirement) decides who is behind."""

    SORTS = {
        "name": ("full_name", "username"), "-name": ("-full_name", "-username"),
        "unit": ("office__sort_order", "office__code", "department__sort_order", "full_name", "username"),
        "-unit": ("-office__sort_order", "-office__code", "-department__sort_order", "-full_name", "-username"),
        "hours": ("year_hours", "full_name", "username"), "-hours": ("-year_hours", "full_name", "username"),
    }
    DEFAULT_SORT = "hours"
    PROGRESS = [("behind", "未达标"), ("met", "已达标")]

    q = django_filters.CharFilter(label="姓名或用户名", method="search")
    office = django_filters.ChoiceFilter(label="所属单位", method="filter_office", choices=(), empty_label="全部单位")
    progress = django_filters.ChoiceFilter(label="完成情况", method="filter_progress", choices=PROGRESS,
                                           empty_label="全部")

    def __init__(self, *args, required=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.required = required
        self.filters["office"].extra["choices"] = [
            *((str(o.pk), o.name) for o in Office.objects.filter(is_active=True)),
            (HEADQUARTERS, "局机关（未分配市场监管所）"),
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(full_name__icontains=value) | Q(username__icontains=value))

    def filter_office(self, queryset, name, value):
        if value == HEADQUARTERS:
            return queryset.filter(office__isnull=True)
        return queryset.filter(office_id=value)

    def filter_progress(self, queryset, name, value):
        if self.required is None:  # no requirement set: nobody can be behind or have met it
            return queryset.none()
        if value == "behind":
            return queryset.filter(year_hours__lt=self.required)
        return queryset.filter(year_hours__gte=self.required)


class ConductPlanFilter(SortedFilterSet):
    SORTS = {
        "start": ("starts_on", "id"), "-start": ("-starts_on", "-id"),
        "title": ("title", "id"), "-title": ("-title", "-id"),
    }
    DEFAULT_SORT = "-start"

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "督查名称 / 专题"}))
    year = django_filters.ChoiceFilter(label="年度", choices=(), empty_label="全部年度")
    kind = django_filters.ChoiceFilter(label="类型", choices=PlanKind.choices, empty_label="全部类型")

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = _year_choices(years)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(topic__icontains=value)) if value else queryset


class FindingFilter(SortedFilterSet):
    SORTS = {
        "deadline": ("deadline", "id"), "-deadline": ("-deadline", "-id"),
        "inspected": ("inspection__inspected_on", "id"), "-inspected": ("-inspection__inspected_on", "-id"),
        "status": ("status", "deadline", "id"), "-status": ("-status", "-deadline", "-id"),
    }
    DEFAULT_SORT = "deadline"

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "问题 / 整改要求 / 责任人"}))
    status = django_filters.ChoiceFilter(label="状态", choices=FindingStatus.choices, empty_label="全部状态")
    overdue = django_filters.BooleanFilter(label="只看逾期", method="filter_overdue",
                                           widget=forms.CheckboxInput)
    year = django_filters.ChoiceFilter(label="年度", field_name="inspection__plan__year", choices=(),
                                       empty_label="全部年度")
    office = django_filters.ModelChoiceFilter(label="被督查所", field_name="inspection__office",
                                              queryset=Office.objects.all(), empty_label="全部市场监管所")
    department = django_filters.ModelChoiceFilter(label="被督查股室", field_name="inspection__department",
                                                  queryset=Department.objects.all(), empty_label="全部股室/单位")

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = _year_choices(years)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(problem__icontains=value) | Q(requirement__icontains=value)
                               | Q(responsible__full_name__icontains=value))

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(status=FindingStatus.PENDING, deadline__lt=timezone.localdate())


class ClueFilter(SortedFilterSet):
    SORTS = {
        "received": ("received_on", "id"), "-received": ("-received_on", "-id"),
        "number": ("number",), "-number": ("-number",),
        "status": ("status", "-received_on", "id"), "-status": ("-status", "-received_on", "-id"),
    }
    DEFAULT_SORT = "-received"

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "编号 / 涉及对象 / 内容"}))
    status = django_filters.ChoiceFilter(label="状态", choices=ClueStatus.choices, empty_label="全部状态")
    source = django_filters.ChoiceFilter(label="来源", choices=ClueSource.choices, empty_label="全部来源")
    year = django_filters.ChoiceFilter(label="年度", field_name="received_on", lookup_expr="year", choices=(),
                                       empty_label="全部年度")

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = _year_choices(years)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(subject__icontains=value) | Q(content__icontains=value))
