"""Forms of 双随机: library records, plans and tasks (with the population filter), results, review, follow-up."""
from django import forms
from django.utils import timezone

from core.choices import DepartmentKind
from core.models import Department, Office, User
from registry.choices import EntityType, RegistrationStatus
from registry.codes import normalise_uscc
from registry.models import Industry, MarketEntity

from .choices import FollowUpMeasure, ResultCode
from .models import CheckItem, Inspector, ObjectList, Plan, Task

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RATIO_HELP = "填写 0 到 1 之间的小数，如 0.035 表示 3.5%"


class CheckItemForm(forms.ModelForm):
    class Meta:
        model = CheckItem
        fields = ["code", "name", "legal_basis", "content", "method", "department", "kind", "domain", "valid_from",
                  "valid_to"]
        widgets = {"valid_from": DATE, "valid_to": DATE, "legal_basis": forms.Textarea(attrs={"rows": 3}),
                   "content": forms.Textarea(attrs={"rows": 3})}


    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].empty_label = "通用"


class CheckItemReviseForm(CheckItemForm):
    change_note = forms.CharField(label="调整说明", max_length=300,
                                  help_text="写明动态调整的依据，如新法规施行、上级清单调整")

    class Meta(CheckItemForm.Meta):
        fields = [f for f in CheckItemForm.Meta.fields if f != "code"]


class InspectorForm(forms.ModelForm):
    class Meta:
        model = Inspector
        fields = ["code", "name", "certificate_no", "office", "department", "status", "user", "phone",
                  "qualified_items", "note"]
        widgets = {"qualified_items": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("username")
        self.fields["user"].help_text = "关联后，本人登录可看到分派给自己的检查并录入结果"
        self.fields["qualified_items"].queryset = CheckItem.objects.order_by("code")


class ConflictForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=30)
    reason = forms.CharField(label="回避事由", max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="如：配偶在该企业任职、近三年曾在该企业工作")
    declared_on = forms.DateField(label="申报日期", widget=DATE, initial=timezone.localdate)

    def clean_uscc(self):
        code = normalise_uscc(self.cleaned_data["uscc"])
        entity = MarketEntity.objects.filter(uscc=code).first()
        if entity is None:
            raise forms.ValidationError(f"“{code}”不在市场主体名录中。")
        self.entity = entity
        return code


class ObjectListForm(forms.ModelForm):
    class Meta:
        model = ObjectList
        fields = ["name", "department", "description"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(kind=DepartmentKind.MEMBER, is_active=True)
        if user is not None and not user.sees_whole_district and user.department_id:
            departments = departments.filter(pk=user.department_id)
        self.fields["department"].queryset = departments


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["year", "name", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class TaskForm(forms.ModelForm):
    """A task with its population filter (kept as codes on the task) and its participating departments."""

    participants = forms.ModelMultipleChoiceField(
        label="参与部门（联合抽查）", required=False, widget=forms.CheckboxSelectMultiple,
        queryset=Department.objects.filter(is_active=True),
        help_text="选择后即为部门联合抽查（一业一查）：每户从牵头部门和每个参与部门各派至少 1 人")
    f_offices = forms.ModelMultipleChoiceField(label="管辖单位", required=False, queryset=Office.objects.all(),
                                               widget=forms.CheckboxSelectMultiple, help_text="不选为全区")
    f_entity_types = forms.MultipleChoiceField(label="市场主体类型", required=False, choices=EntityType.choices,
                                               widget=forms.CheckboxSelectMultiple, help_text="不选为全部类型")
    f_statuses = forms.MultipleChoiceField(label="登记状态", required=False, choices=RegistrationStatus.choices,
                                           widget=forms.CheckboxSelectMultiple, initial=["active"])
    f_industries = forms.CharField(label="行业（门类或代码前缀）", required=False, max_length=300,
                                   help_text="如 C26、F52 或 C2651，多个用逗号分隔；留空为全部行业")
    f_established_from = forms.DateField(label="成立日期从", required=False, widget=DATE)
    f_established_to = forms.DateField(label="成立日期至", required=False, widget=DATE)
    f_object_list = forms.ModelChoiceField(label="检查对象名录", required=False,
                                           queryset=ObjectList.objects.select_related("department"),
                                           empty_label="（市场主体名录，不限）",
                                           help_text="选择成员单位导入的名录时，只在该名录内抽取")

    class Meta:
        model = Task
        fields = ["name", "kind", "items", "lead_department", "sampling", "domain", "ratio", "ratio_a", "ratio_b",
                  "ratio_c", "ratio_d", "ratio_u", "inspectors_per_check", "cross_office", "starts_on", "deadline",
                  "exclude_recent_months", "exclude_ended", "exclude_suspended", "note"]
        widgets = {"items": forms.CheckboxSelectMultiple, "starts_on": DATE, "deadline": DATE,
                   "note": forms.Textarea(attrs={"rows": 2})}

    FILTER_FIELDS = ["f_offices", "f_entity_types", "f_statuses", "f_industries", "f_established_from",
                     "f_established_to", "f_object_list"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = CheckItem.objects.select_related("department").order_by("code")
        self.fields["lead_department"].queryset = Department.objects.filter(is_active=True)
        self.fields["domain"].empty_label = "通用（按通用型风险分类分层）"
        for name in ("ratio", "ratio_a", "ratio_b", "ratio_c", "ratio_d", "ratio_u"):
            self.fields[name].help_text = RATIO_HELP
            self.fields[name].widget.attrs.update({"step": "0.0001", "min": "0", "max": "1", "inputmode": "decimal"})
        task = self.instance
        if task.pk:
            f = task.population_filter or {}
            self.initial.update({
                "participants": [p.department_id for p in task.participants.all()],
                "f_offices": list(Office.objects.filter(code__in=f.get("offices", [])).values_list("pk", flat=True)),
                "f_entity_types": f.get("entity_types", []), "f_statuses": f.get("statuses", []),
                "f_industries": "，".join(f.get("industries", [])), "f_established_from": f.get("established_from"),
                "f_established_to": f.get("established_to"), "f_object_list": f.get("object_list"),
            })

    def clean_f_industries(self):
        import re

        prefixes = [p.upper() for p in re.split(r"[、，,;；\s]+", self.cleaned_data["f_industries"]) if p]
        known = set(Industry.objects.values_list("code", flat=True))
        unknown = [p for p in prefixes if p not in known]
        if unknown:
            raise forms.ValidationError(f"行业代码不在国民经济行业分类中：{'、'.join(unknown)}")
        return prefixes

    def population_filter(self) -> dict:
        data = self.cleaned_data
        return {
            "offices": [o.code for o in data.get("f_offices") or []],
            "entity_types": data.get("f_entity_types") or [],
            "industries": data.get("f_industries") or [],
            "statuses": data.get("f_statuses") or [],
            "established_from": data.get("f_established_from"),
            "established_to": data.get("f_established_to"),
            "object_list": data["f_object_list"].pk if data.get("f_object_list") else None,
        }

    def task_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.Meta.fields and k != "items"}
        data["population_filter"] = self.population_filter()
        return data


class RedrawRequestForm(forms.Form):
    reason = forms.CharField(label="重新抽取理由", widget=forms.Textarea(attrs={"rows": 3}), min_length=10,
                             help_text="写明原因（如抽取范围设置错误），将提交局领导审批；原抽取结果作废后仍保留可查")


class DecisionForm(forms.Form):
    note = forms.CharField(label="审批意见", required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ResultForm(forms.Form):
    result_code = forms.ChoiceField(label="检查结果", choices=[("", "请选择")] + list(ResultCode.choices))
    checked_on = forms.DateField(label="检查日期", widget=DATE)
    findings = forms.CharField(label="检查情况", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               help_text="发现问题的须写明问题及依据")
    attachment = forms.FileField(label="附件（可选）", required=False,
                                 help_text="现场照片、检查记录等，单个不超过 20 MB")


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="审核结论", choices=[("approve", "审核通过"), ("return", "退回修改")],
                                 widget=forms.RadioSelect)
    note = forms.CharField(label="审核意见", required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(forms.Form):
    measure = forms.ChoiceField(label="处置措施", choices=FollowUpMeasure.choices)
    deadline = forms.DateField(label="整改期限", required=False, widget=DATE, help_text="责令整改时必填")
    case_number = forms.CharField(label="立案文号", required=False, max_length=60)
    transfer_to = forms.ModelChoiceField(label="移送部门", required=False, queryset=Department.objects.all())
    note = forms.CharField(label="处置说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpCloseForm(forms.Form):
    completed_on = forms.DateField(label="办结日期", widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label="办结情况", widget=forms.Textarea(attrs={"rows": 2}))


class PublishForm(forms.Form):
    published_on = forms.DateField(label="公示日期", widget=DATE, initial=timezone.localdate)


class VisitForm(forms.Form):
    team = forms.ModelMultipleChoiceField(label="检查组", queryset=Inspector.objects.none(),
                                          widget=forms.CheckboxSelectMultiple)
    planned_on = forms.DateField(label="计划检查日期", required=False, widget=DATE)
    note = forms.CharField(label="说明", required=False, max_length=300)

    def __init__(self, *args, team_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = team_choices if team_choices is not None else Inspector.objects.all()


class BusinessIndicatorForm(forms.ModelForm):
    """A business-environment figure the bureau reports (营商环境), entered for a year and period."""

    class Meta:
        from .models import BusinessIndicator

        model = BusinessIndicator
        fields = ["year", "period", "name", "value", "unit", "target", "higher_is_better", "source", "note"]
        help_texts = {"source": "如“省营商环境评价报告”“区政务服务中心统计”",
                      "target": "可不填；填写后驾驶舱显示是否达到"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("year", timezone.localdate().year)
        self.fields["year"].error_messages["required"] = "请填写年度"
        self.fields["value"].error_messages["invalid"] = "数值应为数字"
        self.fields["target"].error_messages["invalid"] = "目标值应为数字"

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError("年度应在 2000 到 2100 之间")
        return year
