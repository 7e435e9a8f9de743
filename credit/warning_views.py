"""Risk warnings and guidance notes (draft → approved, export of the approved text for publication) and the
target lists the system proposes (export for SMS or calls, contacted marks)."""
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.permissions import (
    can_approve_credit_texts,
    can_manage_credit_analysis,
    can_view_phone,
    can_view_risk_class,
    require,
)
from core.xlsx import XLSX_CONTENT_TYPE, Workbook
from registry.masking import mask_phone

from .choices import TextStatus
from .excel import approved_warnings_workbook
from .forms import ContactForm, ReopenForm, WarningForm
from .models import RiskWarning, TargetList
from .services import target_entry_mark, target_list_generate, text_approve, text_reopen, text_save
from .targets import RULES, entities_for_list

BREADCRUMB = ("风险提示与指引", "credit:warning_list")


def _attachment(response, name: str, fallback: str):
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store"
    return response


@require(can_view_risk_class)
def warning_list(request):
    warnings = RiskWarning.objects.select_related("drafted_by", "approved_by")
    status = request.GET.get("status", "")
    if status in TextStatus.values:
        warnings = warnings.filter(status=status)
    return render(request, "credit/warning_list.html", {
        "warnings": warnings, "status": status, "statuses": TextStatus.choices,
        "can_edit": can_manage_credit_analysis(request.user),
        "lists": TargetList.objects.select_related("created_by", "warning")[:20],
        "breadcrumbs": [(BREADCRUMB[0], None)],
    })


@require(can_manage_credit_analysis)
def warning_form(request, pk: int | None = None):
    warning = get_object_or_404(RiskWarning, pk=pk) if pk else RiskWarning()
    if warning.status != TextStatus.DRAFT:
        messages.error(request, "已审核的内容不能修改；如需修改，请审核人先退回为草稿。")
        return redirect("credit:warning_detail", pk=warning.pk)
    form = WarningForm(request.POST or None, instance=warning)
    if request.method == "POST" and form.is_valid():
        warning = text_save(obj=warning, values=form.cleaned_data, by=request.user)
        messages.success(request, "已保存为草稿，待审核。")
        return redirect("credit:warning_detail", pk=warning.pk)
    return render(request, "credit/warning_form.html", {
        "form": form, "warning": warning,
        "breadcrumbs": [BREADCRUMB, ("修改" if warning.pk else "起草", None)],
    })


@require(can_view_risk_class)
def warning_detail(request, pk: int):
    warning = get_object_or_404(RiskWarning.objects.select_related("drafted_by", "approved_by"), pk=pk)
    return render(request, "credit/warning_detail.html", {
        "warning": warning, "can_edit": can_manage_credit_analysis(request.user),
        "can_approve": can_approve_credit_texts(request.user), "reopen_form": ReopenForm(),
        "breadcrumbs": [BREADCRUMB, (warning.title, None)],
    })


@require(can_approve_credit_texts)
@require_POST
def warning_approve(request, pk: int):
    warning = get_object_or_404(RiskWarning, pk=pk)
    try:
        text_approve(obj=warning, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已审核通过，可以导出发布。")
    return redirect("credit:warning_detail", pk=pk)


@require(can_approve_credit_texts)
@require_POST
def warning_reopen(request, pk: int):
    warning = get_object_or_404(RiskWarning, pk=pk)
    form = ReopenForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("请填写退回原因。")
        text_reopen(obj=warning, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已退回为草稿。")
    return redirect("credit:warning_detail", pk=pk)


@require(can_view_risk_class)
def warning_export(request):
    """Export the approved texts (all, or one) for publication; drafts are never exported."""
    warnings = RiskWarning.objects.filter(status=TextStatus.APPROVED)
    if request.GET.get("id", "").isdigit():
        warnings = warnings.filter(pk=int(request.GET["id"]))
    count = warnings.count()
    audit(actor=request.user, action=AuditAction.EXPORT,
          summary=f"导出已审核的风险提示与合规指引 {count} 篇（对外发布）",
          extra={"ids": list(warnings.values_list("pk", flat=True)[:200])})
    response = StreamingHttpResponse(approved_warnings_workbook(warnings).iter_bytes(),
                                     content_type=XLSX_CONTENT_TYPE)
    return _attachment(response, f"信用风险提示与合规指引_{timezone.localdate():%Y%m%d}.xlsx", "warnings.xlsx")


# ---- target lists --------------------------------------------------------------------------------------------

@require(can_view_risk_class)
def target_lists(request):
    """The rules (with those whose data source is not live yet), the generated lists, a new list."""
    if request.method == "POST":
        if not can_manage_credit_analysis(request.user):
            raise Http404
        rule = request.POST.get("rule", "")
        if rule not in RULES:
            raise Http404
        warning = RiskWarning.objects.filter(pk=request.POST.get("warning") or None).first()
        try:
            target = target_list_generate(rule=rule, by=request.user, params=request.POST.dict(), warning=warning)
        except (ValidationError, ValueError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
            return redirect("credit:target_lists")
        return redirect("credit:target_list_detail", pk=target.pk)
    return render(request, "credit/target_lists.html", {
        "rules": [(spec, spec.describe()) for spec in RULES.values()],
        "lists": TargetList.objects.select_related("created_by", "warning"),
        "warnings": RiskWarning.objects.filter(status=TextStatus.APPROVED),
        "can_generate": can_manage_credit_analysis(request.user),
        "breadcrumbs": [BREADCRUMB, ("提示对象名单", None)],
    })


def _entries(request, target):
    entries = entities_for_list(target, request.user).order_by("entity__name", "id")
    state = request.GET.get("state", "")
    if state == "todo":
        entries = entries.filter(contacted_at__isnull=True)
    elif state == "done":
        entries = entries.filter(contacted_at__isnull=False)
    return entries, state


@require(can_view_risk_class)
def target_list_detail(request, pk: int):
    target = get_object_or_404(TargetList.objects.select_related("warning", "created_by"), pk=pk)
    entries, state = _entries(request, target)
    visible = entities_for_list(target, request.user)
    page = Paginator(entries, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    show_phone = can_view_phone(request.user)
    for entry in page.object_list:
        entry.phone = entry.entity.phone if show_phone else mask_phone(entry.entity.phone)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "credit/target_list_detail.html", {
        "target": target, "page": page, "state": state, "query": query.urlencode(),
        "total": visible.count(), "done": visible.filter(contacted_at__isnull=False).count(),
        "scoped": not request.user.sees_whole_district,
        "breadcrumbs": [BREADCRUMB, ("提示对象名单", "credit:target_lists"), (target.name, None)],
    })


@require(can_view_risk_class)
@require_POST
def target_entry_contact(request, pk: int, entry_id: int):
    """Mark one entity contacted (office staff for their own office's entities; section staff for any)."""
    target = get_object_or_404(TargetList, pk=pk)
    entry = get_object_or_404(entities_for_list(target, request.user), pk=entry_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        target_entry_mark(entry=entry, by=request.user, contacted=form.cleaned_data["contacted"],
                          note=form.cleaned_data["note"])
    back = request.POST.get("next", "")
    default = reverse("credit:target_list_detail", args=[target.pk])
    return redirect(back if back.startswith(default) else default)


@require(can_view_risk_class)
def target_list_export(request, pk: int):
    """The list for SMS or calls (internal): names, legal representatives, phones (masked by role), reasons."""
    target = get_object_or_404(TargetList, pk=pk)
    entries, state = _entries(request, target)
    show_phone = can_view_phone(request.user)
    headers = ["统一社会信用代码", "名称", "法定代表人（负责人/经营者）", "联系电话", "住所", "管辖单位", "列入原因",
               "是否已联系", "联系情况"]
    rows = ([e.entity.uscc, e.entity.name, e.entity.legal_rep,
             e.entity.phone if show_phone else mask_phone(e.entity.phone), e.entity.address, e.entity.office.name,
             e.reason, "是" if e.contacted_at else "否", e.contact_note] for e in entries.iterator(chunk_size=2000))
    count = entries.count()
    audit(actor=request.user, action=AuditAction.EXPORT, target=target,
          summary=f"导出提示对象名单“{target.name}” {count} 户（内部，联系电话{'明文' if show_phone else '脱敏'}）")
    book = Workbook()
    book.add_sheet("提示对象名单", headers, rows)
    response = StreamingHttpResponse(book.iter_bytes(), content_type=XLSX_CONTENT_TYPE)
    return _attachment(response, f"{target.name}.xlsx", f"targets_{target.pk}.xlsx")
