"""Forms of the credit app: the analysis text, warnings and guidance, target lists, contact marks."""
from django import forms

from .models import AnalysisReport, RiskWarning


class AnalysisTextForm(forms.ModelForm):
    class Meta:
        model = AnalysisReport
        fields = ["findings", "recommendations"]
        widgets = {"findings": forms.Textarea(attrs={"rows": 10}), "recommendations": forms.Textarea(attrs={"rows": 8})}


class WarningForm(forms.ModelForm):
    class Meta:
        model = RiskWarning
        fields = ["kind", "category", "title", "audience", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12}),
                   "audience": forms.TextInput(attrs={"placeholder": "如：全区餐饮服务经营者"})}


class ReopenForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=300)


class ContactForm(forms.Form):
    contacted = forms.BooleanField(label="已联系", required=False)
    note = forms.CharField(label="联系情况", max_length=200, required=False)
