"""Reminder campaigns: lists of entities not yet filed, their export for SMS or calls, and each contact made."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.permissions import can_view_annual_reports, can_view_phone, can_work_annual_reports, require
from core.web import add_errors, error_text, form_error_text, xlsx_download
from core.xlsx import Workbook
from registry.masking import mask_phone

from .. import services
from ..choices import FILED
from ..forms import CampaignForm, ContactForm
from ..models import AnnualReport, CampaignTarget, ContactRecord, ReminderCampaign
from ..selectors import campaign_stats

CRUMB = ("年报", "annual_reports:home")
LIST_CRUMB = ("提醒批次", "annual_reports:campaign_list")


@require(can_view_annual_reports)
def campaign_list(request):
    campaigns = ReminderCampaign.objects.for_user(request.user).select_related("season", "office", "created_by")
    page = Paginator(campaigns, 30).get_page(request.GET.get("page"))
    return render(request, "annual_reports/campaign_list.html", {
        "page": page, "can_work": can_work_annual_reports(request.user),
        "breadcrumbs": [CRUMB, ("提醒批次", None)]})


@require(can_work_annual_reports)
def campaign_create(request):
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                season=data["season"], name=data["name"], office=data["office"], entity_type=data["entity_type"],
                industry_prefix=data["industry_prefix"], note=data["note"], by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已创建提醒批次“{campaign.name}”：{campaign.target_count} 户未报送主体。")
            return redirect("annual_reports:campaign_detail", campaign.pk)
    return render(request, "annual_reports/campaign_form.html", {
        "form": form, "breadcrumbs": [CRUMB, LIST_CRUMB, ("新建提醒批次", None)]})


def _campaign(request, pk):
    return get_object_or_404(ReminderCampaign.objects.for_user(request.user).select_related("season", "office"),
                             pk=pk)


def _targets(request, campaign):
    targets = (CampaignTarget.objects.for_user(request.user).filter(campaign=campaign)
               .select_related("entity", "entity__office")
               .annotate(contact_count=Count("contacts"), last_contact=Max("contacts__contacted_on"))
               .order_by("entity__name", "id"))
    state = request.GET.get("state", "")
    if state == "todo":
        targets = targets.filter(contact_count=0)
    elif state == "contacted":
        targets = targets.filter(contact_count__gt=0)
    return targets, state


@require(can_view_annual_reports)
def campaign_detail(request, pk: int):
    campaign = _campaign(request, pk)
    targets, state = _targets(request, campaign)
    page = Paginator(targets, 25).get_page(request.GET.get("page"))
    ids = [t.entity_id for t in page.object_list]
    filed = {r.entity_id: r for r in AnnualReport.objects.filter(season=campaign.season, entity_id__in=ids,
                                                                 status__in=FILED)}
    contacts = {}
    for c in ContactRecord.objects.filter(target__in=page.object_list).select_related("recorded_by"):
        contacts.setdefault(c.target_id, []).append(c)
    show_phone = can_view_phone(request.user)
    rows = [{"target": t, "phone": t.entity.phone if show_phone else mask_phone(t.entity.phone),
             "report": filed.get(t.entity_id), "contacts": contacts.get(t.pk, [])} for t in page.object_list]
    return render(request, "annual_reports/campaign_detail.html", {
        "campaign": campaign, "stats": campaign_stats(campaign), "page": page, "rows": rows, "state": state,
        "query": f"state={state}" if state else "", "contact_form": ContactForm(),
        "can_work": can_work_annual_reports(request.user),
        "breadcrumbs": [CRUMB, LIST_CRUMB, (campaign.name, None)]})


EXPORT_HEADERS = ["统一社会信用代码", "名称", "主体类型", "经营者/法定代表人", "联系电话", "住所", "管辖单位",
                  "行业代码", "联系次数", "最近联系日期"]


@require(can_view_annual_reports)
def campaign_export(request, pk: int):
    """The campaign's list for SMS or calls; phones masked for roles without registry.view_entity_phone."""
    campaign = _campaign(request, pk)
    targets, _state = _targets(request, campaign)
    show_phone = can_view_phone(request.user)
    rows = ([t.entity.uscc, t.entity.name, t.entity.get_entity_type_display(), t.entity.legal_rep,
             t.entity.phone if show_phone else mask_phone(t.entity.phone), t.entity.address, t.entity.office.name,
             t.entity.industry_code, t.contact_count, t.last_contact] for t in targets.iterator(chunk_size=2000))
    book = Workbook()
    book.add_sheet("提醒名单", EXPORT_HEADERS, rows, widths=[22, 36, 12, 14, 16, 40, 20, 10, 10, 14])
    audit(actor=request.user, action=AuditAction.EXPORT, target=campaign,
          summary=f"导出年报提醒名单“{campaign.name}”", extra={"phone_masked": not show_phone})
    return xlsx_download(book, f"年报提醒名单_{campaign.name}", f"annual_report_campaign_{campaign.pk}")


@require_POST
@require(can_work_annual_reports)
def contact_add(request, pk: int):
    target = get_object_or_404(CampaignTarget.objects.for_user(request.user).select_related("campaign", "entity"),
                               pk=pk)
    form = ContactForm(request.POST)
    back = request.POST.get("next") or ""
    if form.is_valid():
        try:
            services.contact_record(target=target, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, f"{target.entity.name}：{error_text(exc)}")
        else:
            messages.success(request, f"已记录对 {target.entity.name} 的提醒。")
    else:
        messages.error(request, f"{target.entity.name}：" + form_error_text(form))
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("annual_reports:campaign_detail", target.campaign_id)


