"""Forms of the training and conduct pages: field checks only; the services hold the rules."""
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from core.choices import DepartmentKind
from core.models import Department, Office

from .choices import PLAN_TOPIC_SUGGESTIONS, ClueOutcome
from .materials import ACCEPT
from .models import Clue, ConductFinding, ConductInspection, ConductPlan, TrainingSession
from .selectors import trainees

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class StaffChoiceField(forms.ModelChoiceField):
    """A staff member, labelled with their unit so that namesakes can be told apart."""

    def label_from_instance(self, obj):
        unit = obj.office or obj.department
        return f"{obj.display_name}（{unit}）" if unit else obj.display_name


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several staff members; the template renders them as a filterable checkbox list grouped by unit."""

    picker = True

    def label_from_instance(self, obj):
        return StaffChoiceField.label_from_instance(self, obj)


def staff_queryset():
    return trainees().select_related("office", "department").order_by(
        "office__sort_order", "office__code", "department__sort_order", "full_name", "username")


class SessionForm(forms.ModelForm):
    class Meta:
        model = TrainingSession
        fields = ["topic", "kind", "lecturer", "date", "start_time", "end_time", "hours", "place", "audience",
                  "organiser", "description"]
        widgets = {
            "date": DATE, "start_time": TIME, "end_time": TIME,
            "hours": forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "max": "24", "inputmode": "decimal"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = Department.objects.filter(
            is_active=True, kind__in=[DepartmentKind.SECTION, DepartmentKind.BRIGADE])
        self.fields["organiser"].empty_label = "（不指定）"


class AttendanceForm(forms.Form):
    """Sign staff in on the session page: pick people, optionally a time and a quiz score for all of them."""

    users = StaffMultipleChoiceField(label="参训人员", queryset=None,
                                     error_messages={"required": "请至少选择一名参训人员。",
                                                     "invalid_choice": "所选人员不存在或已签到，请刷新页面。"})
    signed_in_at = forms.DateTimeField(label="签到时间", required=False,
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                  format="%Y-%m-%dT%H:%M"),
                                       help_text="不填则为培训开始时间")
    score = forms.DecimalField(label="测验成绩", required=False, max_digits=4, decimal_places=1,
                               validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
                               widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": "100",
                                                               "inputmode": "decimal"}),
                               help_text="可不填；填写则记给所选的每一个人")

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        signed = session.attendances.values("user_id")
        self.fields["users"].queryset = staff_queryset().exclude(pk__in=signed)
        if not self.is_bound:
            self.initial.setdefault("signed_in_at", timezone.localtime(session.starts_at))


class MaterialForm(forms.Form):
    file = forms.FileField(label="培训资料", widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
                           error_messages={"required": "请选择要上传的文件。", "empty": "文件是空的，请重新选择。"})


class AttendanceImportForm(forms.Form):
    file = forms.FileField(label="签到表（.xlsx）",
                           widget=forms.ClearableFileInput(attrs={
                               "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
                           error_messages={"required": "请选择要导入的 .xlsx 文件。",
                                           "empty": "文件是空的，请重新选择。"})


class ConductPlanForm(forms.ModelForm):
    class Meta:
        model = ConductPlan
        fields = ["year", "kind", "title", "topic", "starts_on", "ends_on", "description"]
        widgets = {
            "starts_on": DATE, "ends_on": DATE,
            "topic": forms.TextInput(attrs={"list": "topic-suggestions"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    topic_suggestions = PLAN_TOPIC_SUGGESTIONS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("year", timezone.localdate().year)


class ConductInspectionForm(forms.ModelForm):
    inspectors = StaffMultipleChoiceField(label="督查人员", queryset=None,
                                          error_messages={"required": "请至少选择一名督查人员。"})

    class Meta:
        model = ConductInspection
        fields = ["office", "department", "inspected_on", "summary"]
        widgets = {"inspected_on": DATE, "summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].queryset = staff_queryset()
        self.fields["office"].queryset = Office.objects.filter(is_active=True)
        self.fields["office"].empty_label = "（不是市场监管所）"
        self.fields["department"].queryset = Department.objects.filter(is_active=True).exclude(
            kind=DepartmentKind.MEMBER)
        self.fields["department"].empty_label = "（不是股室/单位）"
        if self.instance.pk and not self.is_bound:
            self.initial["inspectors"] = list(self.instance.inspectors.values_list("pk", flat=True))

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("office")) == bool(cleaned.get("department")):
            raise forms.ValidationError("被督查单位须在“市场监管所”与“股室/单位”中选择且只选择一个。")
        return cleaned


class ConductFindingForm(forms.ModelForm):
    responsible = StaffChoiceField(label="整改责任人", queryset=None)

    class Meta:
        model = ConductFinding
        fields = ["problem", "requirement", "responsible", "deadline"]
        widgets = {"deadline": DATE, "requirement": forms.Textarea(attrs={"rows": 3}),
                   "problem": forms.Textarea(attrs={"rows": 2, "maxlength": 500})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = staff_queryset()
        self.fields["responsible"].empty_label = "请选择责任人"


class RectifyForm(forms.Form):
    rectified_on = forms.DateField(label="整改完成日期", widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(forms.Form):
    reason = forms.CharField(label="退回原因", widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    closed_on = forms.DateField(label="销号日期", widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label="销号说明", widget=forms.Textarea(attrs={"rows": 3}))


class ClueForm(forms.ModelForm):
    class Meta:
        model = Clue
        fields = ["received_on", "source", "inspection", "subject", "content"]
        widgets = {"received_on": DATE, "content": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = ConductInspection.objects.select_related(
            "office", "department", "plan").order_by("-inspected_on", "-id")
        self.fields["inspection"].empty_label = "（不是督查中发现的）"
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("received_on", timezone.localdate())


class ConcludeForm(forms.Form):
    outcome = forms.ChoiceField(label="办结结论", choices=[("", "请选择"), *ClueOutcome.choices])
    concluded_on = forms.DateField(label="办结日期", widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label="核查情况", widget=forms.Textarea(attrs={"rows": 4}))


def staff_groups(field, selected=()) -> list[tuple[str, list[dict]]]:
    """The choices of a staff field grouped by unit (office, else section), for the checkbox picker."""
    selected = {str(v) for v in selected}
    groups: dict[str, list[dict]] = {}
    for person in field.queryset:
        unit = str(person.office or person.department or "局机关")
        groups.setdefault(unit, []).append(
            {"pk": person.pk, "name": person.display_name, "checked": str(person.pk) in selected})
    return list(groups.items())
