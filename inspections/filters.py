"""Filters of the 双随机 lists; each export reuses its list's FilterSet (what you see is what you export)."""
import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from core.filters import SortedFilterSet
from core.models import Department, Office
from registry.codes import normalise_uscc
from registry.filters import entity_search

from .choices import (
    PROBLEM_CODES,
    STRATA,
    STRATUM_LABELS,
    CheckStatus,
    FollowUpMeasure,
    FollowUpStatus,
    InspectorStatus,
    ItemKind,
    Sampling,
    TaskKind,
    TaskStatus,
)
from .models import CheckItem, Task


def _years():
    from .selectors import plan_years

    return [(y, f"{y} 年") for y in plan_years()]


class CheckItemFilter(SortedFilterSet):
    SORTS = {"code": ("code",), "-code": ("-code",), "name": ("name", "code"), "-name": ("-name", "-code"),
             "valid_from": ("valid_from", "code"), "-valid_from": ("-valid_from", "-code")}
    DEFAULT_SORT = "code"

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "编码 / 事项 / 法律依据"}))
    department = django_filters.ModelChoiceFilter(label="责任部门", queryset=Department.objects.all(),
                                                  empty_label="全部部门")
    kind = django_filters.ChoiceFilter(label="事项类别", choices=ItemKind.choices, empty_label="全部类别")
    in_force = django_filters.ChoiceFilter(label="有效状态", method="filter_in_force", empty_label="全部",
                                           choices=[("yes", "现行有效"), ("no", "已停用或未生效")])

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(legal_basis__icontains=value))

    def filter_in_force(self, queryset, name, value):
        today = timezone.localdate()
        current = Q(valid_from__lte=today) & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        return queryset.filter(current) if value == "yes" else queryset.exclude(current)


class InspectorFilter(SortedFilterSet):
    SORTS = {"code": ("code",), "-code": ("-code",), "name": ("name", "code"), "-name": ("-name", "-code")}
    DEFAULT_SORT = "code"

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "姓名 / 编码 / 执法证号"}))
    office = django_filters.ModelChoiceFilter(label="所属市场监管所", queryset=Office.objects.all(),
                                              empty_label="全部")
    department = django_filters.ModelChoiceFilter(label="所属股室/单位", queryset=Department.objects.all(),
                                                  empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=InspectorStatus.choices, empty_label="全部状态")
    item = django_filters.ModelChoiceFilter(label="可承担事项", field_name="qualified_items",
                                            queryset=CheckItem.objects.all(), empty_label="全部事项")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)
                               | Q(certificate_no__icontains=value))


class TaskFilter(SortedFilterSet):
    SORTS = {"starts": ("starts_on", "id"), "-starts": ("-starts_on", "-id"), "deadline": ("deadline", "id"),
             "-deadline": ("-deadline", "-id"), "name": ("name", "id"), "-name": ("-name", "-id")}
    DEFAULT_SORT = "-starts"

    q = django_filters.CharFilter(label="任务名称", field_name="name", lookup_expr="icontains")
    year = django_filters.ChoiceFilter(label="年度", field_name="plan__year", choices=_years, empty_label="全部年度")
    status = django_filters.ChoiceFilter(label="状态", choices=TaskStatus.choices, empty_label="全部状态")
    kind = django_filters.ChoiceFilter(label="任务类型", choices=TaskKind.choices, empty_label="全部类型")
    sampling = django_filters.ChoiceFilter(label="抽取方式", choices=Sampling.choices, empty_label="全部方式")


class CheckFilter(SortedFilterSet):
    SORTS = {
        "entity": ("entity__name", "id"), "-entity": ("-entity__name", "-id"),
        "task": ("task__name", "walk_order"), "-task": ("-task__name", "-walk_order"),
        "checked": ("checked_on", "id"), "-checked": ("-checked_on", "-id"),
        "deadline": ("task__deadline", "walk_order", "id"), "-deadline": ("-task__deadline", "-id"),
    }
    DEFAULT_SORT = "deadline"

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "市场主体名称 / 统一社会信用代码"}))
    year = django_filters.ChoiceFilter(label="年度", field_name="task__plan__year", choices=_years,
                                       empty_label="全部年度")
    task = django_filters.ModelChoiceFilter(label="抽查任务", queryset=Task.objects.select_related("plan"),
                                            empty_label="全部任务")
    office = django_filters.ModelChoiceFilter(label="管辖单位", field_name="entity__office",
                                              queryset=Office.objects.all(), empty_label="全部单位")
    status = django_filters.ChoiceFilter(label="状态", choices=CheckStatus.choices, empty_label="全部状态")
    stratum = django_filters.ChoiceFilter(label="抽取时风险类别", empty_label="全部类别",
                                          choices=[(c, STRATUM_LABELS[c]) for c in STRATA])
    problem = django_filters.ChoiceFilter(label="检查结果", method="filter_problem", empty_label="全部结果",
                                          choices=[("yes", "发现问题"), ("no", "未发现问题等")])
    follow_up = django_filters.ChoiceFilter(label="后续处置", method="filter_follow_up", empty_label="全部",
                                            choices=[("todo", "待处置"), ("open", "处置中"), ("closed", "已办结")])
    overdue = django_filters.BooleanFilter(label="只看逾期", method="filter_overdue",
                                           widget=forms.CheckboxInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not user.sees_whole_district:
            self.filters["office"].queryset = Office.objects.filter(pk=user.office_id)
        from core.permissions import can_view_risk_class

        if user is not None and not can_view_risk_class(user):  # the class at the draw is internal
            del self.filters["stratum"]

    def search(self, queryset, name, value):
        return entity_search(queryset, value, path="entity__")

    def filter_problem(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(result_code__in=PROBLEM_CODES)
        return queryset.exclude(result_code__in=PROBLEM_CODES).exclude(result_code="")

    def filter_follow_up(self, queryset, name, value):
        problems = queryset.filter(result_code__in=PROBLEM_CODES).exclude(
            status__in=[CheckStatus.PENDING, CheckStatus.RETURNED])
        if value == "todo":
            return problems.filter(follow_up_count=0)
        if value == "open":
            return problems.filter(open_follow_ups__gt=0)
        return problems.filter(follow_up_count__gt=0, open_follow_ups=0)

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        from .selectors import publication_overdue_before

        today = timezone.localdate()
        late_check = Q(status__in=[CheckStatus.PENDING, CheckStatus.RETURNED, CheckStatus.SUBMITTED],
                       task__deadline__lt=today)
        late_publication = Q(status=CheckStatus.APPROVED, checked_on__lte=publication_overdue_before(today))
        return queryset.filter(late_check | late_publication)


class FollowUpFilter(SortedFilterSet):
    SORTS = {"deadline": ("deadline", "id"), "-deadline": ("-deadline", "-id"),
             "opened": ("opened_at", "id"), "-opened": ("-opened_at", "-id")}
    DEFAULT_SORT = "-opened"

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "市场主体名称 / 统一社会信用代码"}))
    status = django_filters.ChoiceFilter(label="状态", choices=FollowUpStatus.choices, empty_label="全部状态")
    measure = django_filters.ChoiceFilter(label="处置措施", choices=FollowUpMeasure.choices, empty_label="全部措施")
    overdue = django_filters.BooleanFilter(label="只看逾期", method="filter_overdue", widget=forms.CheckboxInput)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(spot_check__entity__name__icontains=value)
                               | Q(spot_check__entity__uscc__startswith=normalise_uscc(value)))

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(status=FollowUpStatus.OPEN, deadline__lt=timezone.localdate())
