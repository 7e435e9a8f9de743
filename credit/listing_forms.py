"""Forms of the listing, penalty publicity and credit-repair pages (input only: the rules live in the services)."""
from django import forms
from django.utils import timezone

from core.models import Department
from registry.codes import normalise_uscc
from registry.models import MarketEntity

from .choices import (
    ABNORMAL_REASONS,
    SERIOUS_REASONS,
    ListingReason,
    PenaltyDomain,
    PenaltyKind,
    ReminderChannel,
    RepairChannel,
    RepairMaterial,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _today():
    return timezone.localdate()


def date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DATE, initial=_today, **kwargs)


class EntityField(forms.CharField):
    """A market entity by its unified social credit code, within the user's scope."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "统一社会信用代码")
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)
        self.user = None

    def clean(self, value):
        value = normalise_uscc(super().clean(value) or "")
        entities = MarketEntity.objects.for_user(self.user) if self.user is not None else MarketEntity.objects
        entity = entities.filter(uscc=value).first()
        if entity is None:
            raise forms.ValidationError("在您可以办理的市场主体中没有找到这个统一社会信用代码。")
        return entity


class ScopedForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, EntityField):
                field.user = user


class TriggerForm(ScopedForm):
    entity = EntityField()
    reason = forms.ChoiceField(label="列入事由", choices=[(r.value, r.label) for r in ABNORMAL_REASONS])
    occurred_on = date_field("事由发生或查实日期")
    note = forms.CharField(label="情况说明", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class SeriousOpenForm(ScopedForm):
    entity = EntityField()
    reason = forms.ChoiceField(label="列入事由", choices=[(r.value, r.label) for r in SERIOUS_REASONS],
                               initial=ListingReason.SERIOUS_OTHER)
    occurred_on = date_field("立案日期")
    note = forms.CharField(label="事实和依据", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RemindForm(forms.Form):
    on = date_field("提醒日期")
    channel = forms.ChoiceField(label="提醒方式", choices=ReminderChannel.choices)
    note = forms.CharField(label="提醒情况", max_length=300, required=False)


class NotifyForm(forms.Form):
    on = date_field("告知日期")
    channel = forms.ChoiceField(label="告知方式", choices=ReminderChannel.choices)
    note = forms.CharField(label="说明", max_length=300, required=False)


class ProposeForm(forms.Form):
    on = date_field("拟列入日期")
    note = forms.CharField(label="拟列入意见（事实和依据）", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class DateForm(forms.Form):
    on = date_field("日期")


class ReasonDateForm(forms.Form):
    on = date_field("日期")
    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class CureForm(forms.Form):
    on = date_field("事由消除日期")
    note = forms.CharField(label="消除情况（如：已补报年报、已办理住所变更）", max_length=300)


class ObjectionForm(forms.Form):
    on = date_field("收到异议日期")
    grounds = forms.CharField(label="异议理由", widget=forms.Textarea(attrs={"rows": 3}))


class ConcludeForm(forms.Form):
    on = date_field("核实结论日期")
    upheld = forms.TypedChoiceField(label="核实结论", coerce=lambda v: v == "1",
                                    choices=[("1", "异议成立（撤销列入）"), ("0", "异议不成立（维持）")])
    conclusion = forms.CharField(label="核实情况", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class StatementForm(forms.Form):
    statement = forms.CharField(label="陈述申辩意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    hearing_requested = forms.BooleanField(label="当事人申请听证", required=False)


class HearingForm(forms.Form):
    on = date_field("听证日期")
    note = forms.CharField(label="听证情况", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class SubmitForm(forms.Form):
    on = date_field("报批日期")
    authority = forms.CharField(label="批准机关", max_length=100, initial="泉州市市场监督管理局")


class SuperiorApprovalForm(forms.Form):
    on = date_field("批准日期")
    authority = forms.CharField(label="批准机关", max_length=100, initial="泉州市市场监督管理局")
    approver = forms.CharField(label="批准人", max_length=50)
    document = forms.CharField(label="批准文件（文号）", max_length=100)


class PenaltyForm(ScopedForm):
    entity = EntityField()
    decision_no = forms.CharField(label="处罚决定书文号", max_length=60)
    decided_on = date_field("处罚决定日期")
    kind = forms.ChoiceField(label="处罚种类", choices=PenaltyKind.choices)
    domain = forms.ChoiceField(label="领域", choices=PenaltyDomain.choices,
                               help_text="食品、药品、特种设备领域申请信用修复的最短公示期较长")
    violation = forms.CharField(label="违法行为类型", max_length=100, help_text="用于判断是否再次发生同类违法行为")
    fine_amount = forms.DecimalField(label="罚没金额（元）", required=False, min_value=0, max_digits=14,
                                     decimal_places=2)
    authority = forms.CharField(label="作出决定机关", max_length=100, initial="泉州市泉港区市场监督管理局")
    note = forms.CharField(label="说明", max_length=300, required=False)


class RevokeForm(forms.Form):
    on = date_field("撤销日期")
    note = forms.CharField(label="撤销情况（复议、诉讼等）", max_length=300)


class RepairApplicationForm(forms.Form):
    """The application for one record (a listing, mark or penalty publicity): channel, applicant, materials."""

    channel = forms.ChoiceField(label="申请渠道", choices=RepairChannel.choices)
    applied_on = date_field("申请日期")
    applicant = forms.CharField(label="申请人（经办人）", max_length=50)
    contact = forms.CharField(label="联系电话", max_length=40, required=False)
    materials = forms.MultipleChoiceField(label="已收到的材料", choices=RepairMaterial.choices, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args, required=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Only the materials of this kind's checklist are offered.
        self.fields["materials"].choices = [(m, RepairMaterial(m).label) for m in required]


class EntityLookupForm(ScopedForm):
    entity = EntityField()


class MaterialsForm(forms.Form):
    materials = forms.MultipleChoiceField(label="已收到的材料", choices=RepairMaterial.choices, required=False,
                                          widget=forms.CheckboxSelectMultiple)


class ReviewForm(forms.Form):
    on = date_field("审查日期")
    opinion = forms.CharField(label="审查意见", widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(forms.Form):
    on = date_field("决定日期")
    repaired = forms.TypedChoiceField(label="决定", choices=[("1", "准予信用修复"), ("0", "不予信用修复")],
                                      coerce=lambda v: v == "1", widget=forms.RadioSelect)
    reason = forms.CharField(label="决定理由", widget=forms.Textarea(attrs={"rows": 3}))


class ShareForm(forms.Form):
    on = date_field("共享日期")
    departments = forms.ModelMultipleChoiceField(
        label="共享部门", queryset=Department.objects.filter(is_active=True), widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label="说明", max_length=200, required=False)
