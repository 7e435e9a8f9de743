"""Forms of the annual-report pages: field checks only; the services hold the rules."""
from django import forms
from django.utils import timezone

from core.models import Office
from registry.choices import EntityType
from registry.codes import normalise_uscc
from registry.models import MarketEntity

from .choices import ContactChannel, ContactOutcome, GuidanceKind, GuidanceOutcome
from .models import FilingSeason

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SeasonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.year} 年度"


class SeasonOpenForm(forms.Form):
    year = forms.IntegerField(label="报告年度", min_value=2000, max_value=2100)
    due_on = forms.DateField(label="报送截止日期", widget=DATE, required=False,
                             help_text="留空按时限规则计算（次年 1 月 1 日起 6 个月，即 6 月 30 日）")
    required_established_before = forms.DateField(
        label="须报送主体的成立日期早于", widget=DATE, required=False,
        help_text="留空为报告年度的 1 月 1 日：报告年度内成立的主体无需报送当年年报")
    note = forms.CharField(label="备注", max_length=300, required=False)


class SeasonEditForm(forms.ModelForm):
    class Meta:
        model = FilingSeason
        fields = ["due_on", "required_established_before", "note"]
        widgets = {"due_on": DATE, "required_established_before": DATE}
        help_texts = {"required_established_before": "在此日期前成立的存续、歇业主体须报送本年度年报，此日及以后成立的"
                                                     "记为无需报送（默认为报告年度的 1 月 1 日）"}


class PaperReportForm(forms.Form):
    """个体工商户纸质年报: the code, the year, the date received and whether the business chose to publish."""

    uscc = forms.CharField(label="统一社会信用代码", max_length=30,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                                         "placeholder": "18 位代码", "autofocus": True}))
    season = SeasonChoiceField(label="报告年度", queryset=FilingSeason.objects.order_by("-year"), empty_label=None)
    filed_on = forms.DateField(label="报送日期", widget=DATE)
    publish = forms.TypedChoiceField(label="是否公示", choices=[("1", "公示"), ("0", "不公示")],
                                     coerce=lambda v: v == "1", widget=forms.RadioSelect, initial="1")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["filed_on"].initial = timezone.localdate()

    def clean_uscc(self):
        code = normalise_uscc(self.cleaned_data["uscc"])
        entity = MarketEntity.objects.for_user(self.user).filter(uscc=code).first()
        if entity is None:
            raise forms.ValidationError(f"名录中（您可查看的范围内）没有统一社会信用代码为 {code} 的市场主体。")
        if entity.entity_type != EntityType.INDIVIDUAL:
            raise forms.ValidationError(f"{entity.name} 不是个体工商户；企业和农民专业合作社须通过公示系统网上报送。")
        self.entity = entity
        return code


class CampaignForm(forms.Form):
    season = SeasonChoiceField(label="报告年度", queryset=FilingSeason.objects.order_by("-year"), empty_label=None)
    name = forms.CharField(label="批次名称", max_length=100)
    office = forms.ModelChoiceField(label="市场监管所", queryset=Office.objects.filter(is_active=True), required=False,
                                    empty_label="全区")
    entity_type = forms.ChoiceField(label="主体类型", choices=[("", "全部类型"), *EntityType.choices], required=False)
    industry_prefix = forms.CharField(label="行业代码（前缀）", max_length=5, required=False,
                                      help_text="如 C、C26、F5212；留空为全部行业")
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not user.sees_whole_district:
            self.fields["office"].queryset = Office.objects.filter(pk=user.office_id)
            self.fields["office"].empty_label = None
            self.fields["office"].initial = user.office_id


class ContactForm(forms.Form):
    contacted_on = forms.DateField(label="联系日期", widget=DATE)
    channel = forms.ChoiceField(label="方式", choices=ContactChannel.choices)
    outcome = forms.ChoiceField(label="结果", choices=ContactOutcome.choices)
    note = forms.CharField(label="备注", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacted_on"].initial = timezone.localdate()


class SuspensionForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=30)
    starts_on = forms.DateField(label="歇业开始日期", widget=DATE)
    planned_end = forms.DateField(label="歇业期满日期", widget=DATE)
    note = forms.CharField(label="备注", max_length=300, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_uscc(self):
        code = normalise_uscc(self.cleaned_data["uscc"])
        entity = MarketEntity.objects.for_user(self.user).filter(uscc=code).first()
        if entity is None:
            raise forms.ValidationError(f"名录中（您可查看的范围内）没有统一社会信用代码为 {code} 的市场主体。")
        self.entity = entity
        return code


class ExtendForm(forms.Form):
    new_end = forms.DateField(label="延长至", widget=DATE)
    filed_on = forms.DateField(label="申请日期", widget=DATE)


class ResumeForm(forms.Form):
    resumed_on = forms.DateField(label="恢复营业日期", widget=DATE)


class GuidanceForm(forms.Form):
    kind = forms.ChoiceField(label="引导事项", choices=GuidanceKind.choices)
    guided_on = forms.DateField(label="引导日期", widget=DATE)
    note = forms.CharField(label="情况说明", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guided_on"].initial = timezone.localdate()


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="结果", choices=[c for c in GuidanceOutcome.choices
                                                       if c[0] != GuidanceOutcome.PENDING])
    outcome_on = forms.DateField(label="结果日期", widget=DATE)
    note = forms.CharField(label="补充说明", max_length=300, required=False)
