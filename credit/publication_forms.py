"""Forms and the list filter of 信用宣传 (publications)."""
import django_filters
from django import forms
from django.db.models import Q
from django.db.models.functions import ExtractYear

from training.filters import SortedFilterSet

from .choices import PublicationKind, PublicationStatus
from .models import Publication
from .publications import ATTACHMENT_TYPES, ATTACHMENT_TYPES_LABEL


class PublicationForm(forms.ModelForm):
    class Meta:
        model = Publication
        fields = ["kind", "title", "summary", "body"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "body": forms.Textarea(attrs={"rows": 22}),
        }
        help_texts = {"summary": "显示在公开目录中，可不填。"}


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件", help_text=f"可上传 {ATTACHMENT_TYPES_LABEL}",
                           widget=forms.ClearableFileInput(attrs={"accept": ",".join(ATTACHMENT_TYPES)}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=300, error_messages={"required": "请填写原因。"})


class PublishForm(forms.Form):
    published_on = forms.DateField(label="发布日期", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}),
                                   error_messages={"invalid": "请填写正确的日期（年-月-日）。"})


def publication_years() -> list[int]:
    """The years with a publication (published, else drafted), newest first."""
    published = Publication.objects.filter(published_on__isnull=False).annotate(y=ExtractYear("published_on"))
    drafted = Publication.objects.filter(published_on__isnull=True).annotate(y=ExtractYear("created_at"))
    return sorted(set(published.values_list("y", flat=True)) | set(drafted.values_list("y", flat=True)),
                  reverse=True)


class PublicationFilter(SortedFilterSet):
    SORTS = {
        "published": ("published_on", "created_at", "id"), "-published": ("-published_on", "-created_at", "-id"),
        "title": ("title", "id"), "-title": ("-title", "-id"),
        "updated": ("updated_at", "id"), "-updated": ("-updated_at", "-id"),
    }
    DEFAULT_SORT = "-updated"

    q = django_filters.CharFilter(label="关键词", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "标题 / 摘要 / 正文"}))
    kind = django_filters.ChoiceFilter(label="类别", choices=PublicationKind.choices, empty_label="全部类别")
    status = django_filters.ChoiceFilter(label="状态", choices=PublicationStatus.choices, empty_label="全部状态")
    year = django_filters.ChoiceFilter(label="年度", method="filter_year", choices=(), empty_label="全部年度")

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = [(y, f"{y} 年") for y in years]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(summary__icontains=value) | Q(body__icontains=value))

    def filter_year(self, queryset, name, value):
        """The year it was published, or for a text never published, the year it was drafted."""
        year = int(value)
        return queryset.filter(Q(published_on__year=year) | Q(published_on__isnull=True, created_at__year=year))
