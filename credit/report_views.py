"""The yearly credit-status analysis pages: tables from the data, the staff's text (draft → approved), A4 print,
and the .xlsx with one sheet per table."""
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.permissions import (
    can_approve_credit_texts,
    can_manage_credit_analysis,
    can_view_credit_analysis,
    require,
)
from core.xlsx import XLSX_CONTENT_TYPE, Workbook

from .analysis import analysis_tables
from .choices import TextStatus
from .forms import AnalysisTextForm, ReopenForm
from .models import AnalysisReport
from .services import text_approve, text_reopen, text_save

BREADCRUMB = ("信用状况分析", "credit:analysis_home")
FIRST_YEAR = 2015


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Http404
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise Http404
    return year


@require(can_view_credit_analysis)
def analysis_home(request):
    """The years with a report, and the choice of another year."""
    this_year = timezone.localdate().year
    if request.GET.get("year"):
        return redirect("credit:analysis_detail", year=_year(request.GET["year"]))
    return render(request, "credit/analysis_home.html", {
        "reports": AnalysisReport.objects.select_related("drafted_by", "approved_by"),
        "years": list(range(this_year, FIRST_YEAR - 1, -1)),
        "breadcrumbs": [(BREADCRUMB[0], None)],
    })


@require(can_view_credit_analysis)
def analysis_detail(request, year: int):
    """The report for a year: every table, and the text section with its state and actions."""
    year = _year(year)
    report = AnalysisReport.objects.filter(year=year).first() or AnalysisReport(year=year)
    can_edit = can_manage_credit_analysis(request.user) and report.status == TextStatus.DRAFT
    form = AnalysisTextForm(instance=report) if can_edit else None
    if request.method == "POST" and can_edit:
        form = AnalysisTextForm(request.POST, instance=report)
        if form.is_valid():
            text_save(obj=report, values=form.cleaned_data, by=request.user)
            messages.success(request, "文字部分已保存为草稿。")
            return redirect("credit:analysis_detail", year=year)
    elif request.method == "POST":
        raise Http404
    return render(request, "credit/analysis_detail.html", {
        "year": year, "report": report, "tables": analysis_tables(year), "form": form,
        "can_approve": can_approve_credit_texts(request.user) and report.pk is not None,
        "reopen_form": ReopenForm(),
        "breadcrumbs": [BREADCRUMB, (f"{year} 年度", None)],
    })


@require(can_approve_credit_texts)
@require_POST
def analysis_approve(request, year: int):
    report = AnalysisReport.objects.filter(year=_year(year)).first()
    if report is None:
        raise Http404
    try:
        text_approve(obj=report, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "文字部分已审核通过。")
    return redirect("credit:analysis_detail", year=report.year)


@require(can_approve_credit_texts)
@require_POST
def analysis_reopen(request, year: int):
    report = AnalysisReport.objects.filter(year=_year(year)).first()
    form = ReopenForm(request.POST)
    if report is None:
        raise Http404
    try:
        if not form.is_valid():
            raise ValidationError("请填写退回原因。")
        text_reopen(obj=report, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已退回为草稿，可以修改。")
    return redirect("credit:analysis_detail", year=report.year)


@require(can_view_credit_analysis)
def analysis_export(request, year: int):
    """The report as .xlsx: the text section first, then one sheet per table (internal: it holds class counts)."""
    year = _year(year)
    report = AnalysisReport.objects.filter(year=year).first()
    book = Workbook()
    status = report.get_status_display() if report else "未起草"
    text_rows = [["状态", status], ["主要发现", report.findings if report else ""],
                 ["意见建议", report.recommendations if report else ""]]
    if report and report.approved_at:
        text_rows.append(["审核", f"{report.approved_by} {timezone.localtime(report.approved_at):%Y-%m-%d %H:%M}"])
    book.add_sheet("文字部分", ["项目", "内容"], text_rows, widths=[12, 100])
    for i, table in enumerate(analysis_tables(year), start=1):
        rows = table.rows if table.live else [["说明", table.note]]
        if table.note and table.live:
            rows = [*rows, [], ["说明", table.note]]
        for heading, lines in table.details:
            rows = [*rows, [], [heading], *[[f"{n}.", line] for n, line in enumerate(lines, start=1)]]
        book.add_sheet(f"{i}.{table.title.split('、', 1)[-1]}"[:31], table.headers, rows)
    audit(actor=request.user, action=AuditAction.EXPORT, target=report,
          summary=f"导出 {year} 年度信用状况分析（内部）")
    response = StreamingHttpResponse(book.iter_bytes(), content_type=XLSX_CONTENT_TYPE)
    name = f"{year}年度信用状况分析.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"analysis_{year}.xlsx\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store"
    return response
