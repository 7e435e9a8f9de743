"""Forms of registration supervision; the services validate the rules, the forms only the shape of the input."""
from django import forms
from django.utils import timezone

from core.choices import DepartmentKind
from core.models import Department, Office

from .supervision_choices import (
    FeedbackAnswer,
    FineSeverity,
    LetterKind,
    LicenceExemption,
    ObjectionOutcome,
    UnlicensedHandling,
    UnlicensedResult,
)
from .supervision_models import JointAction, RegistrationFinding, UnlicensedCase

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label, **kwargs):
    return forms.DateField(label=label, widget=DATE, **kwargs)


def _text(label, required=True, rows=3, **kwargs):
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


def member_departments():
    return Department.objects.filter(kind=DepartmentKind.MEMBER, is_active=True)


# -- 强制注销 ------------------------------------------------------------------------------------------------

class DateStepForm(forms.Form):
    on = _date("日期")

    def __init__(self, *args, label="日期", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].label = label
        self.fields["on"].initial = timezone.localdate()


class FeedbackRequestForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(label="征求意见的成员单位", queryset=member_departments(),
                                                 widget=forms.CheckboxSelectMultiple)
    on = _date("征求日期")

    def __init__(self, *args, rule=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = member_departments()
        defaults = list(rule.feedback_departments.filter(is_active=True)) if rule is not None else []
        self.fields["departments"].initial = defaults or list(member_departments())
        self.fields["on"].initial = timezone.localdate()


class FeedbackAnswerForm(forms.Form):
    answer = forms.ChoiceField(label="意见", choices=FeedbackAnswer.choices, widget=forms.RadioSelect)
    reason = _text("异议理由", required=False, help_text="有异议的必填，如：尚有欠缴税款、涉及未结诉讼、不动产未处置")


class StatementForm(forms.Form):
    statement = _text("陈述申辩意见", required=False)
    hearing_requested = forms.BooleanField(label="当事人申请听证", required=False)


class HearingForm(forms.Form):
    held_on = _date("听证日期")
    note = _text("听证情况")


class AnnounceForm(forms.Form):
    start = _date("公告开始日期")
    media = forms.CharField(label="公告途径", max_length=200, initial="国家企业信用信息公示系统")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].initial = timezone.localdate()


class ObjectionForm(forms.Form):
    received_on = _date("收到日期")
    objector = forms.CharField(label="异议人", max_length=200)
    content = _text("异议内容")


class ObjectionHandleForm(forms.Form):
    outcome = forms.ChoiceField(label="处理结果", choices=ObjectionOutcome.choices, widget=forms.RadioSelect)
    note = _text("处理意见")


class ReasonForm(forms.Form):
    reason = _text("终止原因", rows=2)


class RescreenForm(forms.Form):
    reason = _text("重新列为候选的理由", rows=2)


# -- 登记事项与三张清单 -------------------------------------------------------------------------------------------

class FindingForm(forms.ModelForm):
    entity_code = forms.CharField(label="统一社会信用代码", max_length=18)

    class Meta:
        model = RegistrationFinding
        fields = ["source", "matter", "description", "found_on"]
        widgets = {"found_on": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, spot_check=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["found_on"].initial = timezone.localdate()
        if spot_check is not None:  # recorded inside a spot check: the entity and source are the check's
            del self.fields["entity_code"]
            del self.fields["source"]
            self.fields["found_on"].initial = spot_check.checked_on or timezone.localdate()


class LinkItemForm(forms.Form):
    item = forms.ModelChoiceField(label="对应清单事项", queryset=None, required=False, empty_label="不适用三张清单")
    aggravating = forms.BooleanField(label="有从重处罚情节", required=False)
    aggravating_note = forms.CharField(label="从重情节说明", max_length=300, required=False)

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["item"].label_from_instance = lambda i: f"【{i.get_kind_display()}】{i.number}. {i.violation}"


class DecideForm(forms.Form):
    letter_kind = forms.ChoiceField(label="出具文书", choices=LetterKind.choices, required=False)
    rectification_due = _date("改正期限", required=False)
    case_note = forms.CharField(label="立案或移送情况", max_length=300, required=False,
                                help_text="不适用清单时填写")


class RectifyForm(forms.Form):
    rectified_on = _date("改正日期")
    note = _text("改正情况")


# -- 无证无照 ---------------------------------------------------------------------------------------------------

class UnlicensedCaseForm(forms.ModelForm):
    entity_code = forms.CharField(label="关联市场主体（统一社会信用代码）", max_length=18, required=False,
                                  help_text="经营者本身是已登记的市场主体时填写（如企业无证经营）")

    class Meta:
        model = UnlicensedCase
        fields = ["office", "place", "operator", "activity", "missing", "permit_name", "licence_exemption",
                  "responsible_department", "source", "discovered_on"]
        widgets = {"discovered_on": DATE}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_department"].queryset = member_departments()
        self.fields["licence_exemption"].choices = [("", "不属于（须办理营业执照）"), *LicenceExemption.choices]
        self.fields["office"].queryset = Office.objects.filter(is_active=True)
        if user is not None and not user.sees_whole_district:
            self.fields["office"].queryset = Office.objects.filter(pk=user.office_id)
            self.fields["office"].initial = user.office_id
        self.fields["discovered_on"].initial = timezone.localdate()


class HandleForm(forms.Form):
    handling = forms.ChoiceField(label="处置方式", choices=UnlicensedHandling.choices)
    handled_on = _date("处置日期")
    correction_due = _date("改正期限", required=False, help_text="引导办证照、责令改正时必填")
    note = _text("处置情况")


class CloseForm(forms.Form):
    result = forms.ChoiceField(label="办理结果", choices=UnlicensedResult.choices)
    closed_on = _date("办结日期")
    fine_severity = forms.ChoiceField(label="罚款情形", required=False,
                                      choices=[("", "—（不罚款）")] + FineSeverity.choices,
                                      help_text="仅“拒不改正，已立案处罚”时填写；幅度按办结日生效的罚款幅度校验")
    fine_amount = forms.DecimalField(label="罚款金额（元）", required=False, min_value=0, max_digits=12,
                                     decimal_places=2, error_messages={"invalid": "请填写数字金额。"})
    note = _text("结果说明", required=False)


class NotificationForm(forms.Form):
    department = forms.ModelChoiceField(label="抄告部门", queryset=None)
    sent_on = _date("抄告日期")
    content = _text("抄告内容")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = member_departments()
        self.fields["sent_on"].initial = timezone.localdate()


class ReplyForm(forms.Form):
    reply = _text("回复内容", help_text="如：已责令补办许可 / 已立案查处 / 不属于本部门许可事项")


class PaperReplyForm(ReplyForm):
    """A department without an account (or a reply on paper): bureau staff enter it with the day it came."""

    on = _date("回复日期")


class JointActionForm(forms.ModelForm):
    class Meta:
        model = JointAction
        fields = ["title", "held_on", "place", "lead_office", "departments", "summary"]
        widgets = {"held_on": DATE, "departments": forms.CheckboxSelectMultiple,
                   "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.filter(is_active=True).exclude(
            kind=DepartmentKind.SECTION)
