"""登记事项监管 pages: findings (on their own or inside a spot check), the three lists, the handling and letters."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.permissions import (
    can_manage_registration_supervision,
    can_view_registration_supervision,
    require,
)
from core.web import add_errors, error_text, filter_params, form_error_text, list_context, xlsx_download

from . import three_lists
from .models import MarketEntity
from .supervision_choices import FindingStatus, Handling
from .supervision_excel import catalogue_workbook, findings_workbook
from .supervision_filters import FindingFilter, ListItemFilter
from .supervision_forms import DecideForm, FindingForm, LinkItemForm, RectifyForm
from .supervision_models import ListCatalogue, RegistrationFinding
from .unlicensed import entity_by_code

CRUMB = ("登记事项监管", "registry:finding_list")


def _findings(request):
    qs = RegistrationFinding.objects.for_user(request.user).select_related("entity", "entity__office", "list_item")
    return FindingFilter(request.GET, queryset=qs, user=request.user)


@require(can_view_registration_supervision)
def finding_list(request):
    context = list_context(request, _findings(request))
    context.update(today=timezone.localdate(), can_manage=can_manage_registration_supervision(request.user),
                   tab="findings", breadcrumbs=[("登记监管", "registry:supervision_home"), ("登记事项监管", None)])
    return render(request, "registry/supervision/finding_list.html", context)


@require(can_view_registration_supervision)
def finding_export(request):
    queryset = _findings(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出登记事项检查发现 {queryset.count()} 条",
          extra={"filters": filter_params(request)})
    return xlsx_download(findings_workbook(queryset), "登记事项检查发现", "registration_findings")


@require(can_manage_registration_supervision)
def finding_create(request, check_pk: int | None = None):
    """Record a finding; from a spot check's page the entity and the check are the check's."""
    spot_check = None
    if check_pk is not None:
        from inspections.models import SpotCheck

        spot_check = get_object_or_404(SpotCheck.objects.for_user(request.user).select_related("entity", "task"),
                                       pk=check_pk)
    form = FindingForm(request.POST or None, spot_check=spot_check)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if spot_check is not None:
                data.update(entity=spot_check.entity, spot_check=spot_check)
            else:
                entity = entity_by_code(data.pop("entity_code"))
                if entity is None or not MarketEntity.objects.for_user(request.user).filter(pk=entity.pk).exists():
                    raise ValidationError({"entity_code": "名录中没有该市场主体，或不属于本所管辖。"})
                data["entity"] = entity
            finding = three_lists.finding_create(data=data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "已登记问题。请对照三张清单确定处理方式。")
            return redirect(finding)
    return render(request, "registry/supervision/form.html", {
        "form": form, "title": "登记登记事项问题", "spot_check": spot_check, "tab": "findings",
        "back": spot_check.get_absolute_url() if spot_check else "/registry/supervision/findings/",
        "breadcrumbs": [CRUMB, ("登记问题", None)],
    })


@require(can_view_registration_supervision)
def finding_detail(request, pk: int):
    finding = get_object_or_404(RegistrationFinding.objects.for_user(request.user).select_related(
        "entity", "entity__office", "list_item", "list_item__catalogue", "spot_check", "spot_check__task",
        "decided_by", "recorded_by"), pk=pk)
    from core.documents import documents_for

    can_manage = can_manage_registration_supervision(request.user)
    context = {"finding": finding, "can_manage": can_manage, "today": timezone.localdate(), "tab": "findings",
               "catalogue": three_lists.catalogue_for(finding.found_on), "documents": documents_for(finding),
               "repeats": three_lists.repeat_findings(finding).select_related("list_item")[:5],
               "breadcrumbs": [CRUMB, (str(finding), None)]}
    if can_manage and finding.status == FindingStatus.RECORDED:
        context["link_form"] = LinkItemForm(items=three_lists.items_for(finding), initial={
            "item": finding.list_item_id, "aggravating": finding.aggravating,
            "aggravating_note": finding.aggravating_note})
        if finding.handling:
            form = DecideForm(initial={
                "letter_kind": three_lists.default_letter(finding),
                "rectification_due": three_lists.default_rectification_due(timezone.localdate())})
            for name in (("letter_kind", "rectification_due") if finding.handling == Handling.CASE
                         else ("case_note",)):
                del form.fields[name]  # only what this handling needs
            context["decide_form"] = form
    if can_manage and finding.status == FindingStatus.RECTIFYING:
        context["rectify_form"] = RectifyForm(initial={"rectified_on": timezone.localdate()})
    context["is_case"] = finding.handling == Handling.CASE
    return render(request, "registry/supervision/finding_detail.html", context)


def _finding_step(request, pk, form_class, act, form_kwargs=None):
    finding = get_object_or_404(RegistrationFinding.objects.for_user(request.user), pk=pk)
    form = form_class(request.POST, **(form_kwargs(finding) if form_kwargs else {}))
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(finding)
    try:
        text = act(finding, form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, text)
    return redirect(finding)


@require_POST
@require(can_manage_registration_supervision)
def finding_link(request, pk: int):
    def act(finding, data):
        finding = three_lists.finding_link_item(finding=finding, item=data["item"], aggravating=data["aggravating"],
                                                aggravating_note=data["aggravating_note"], by=request.user)
        if finding.exclusions:
            return "不适用三张清单：" + "；".join(finding.exclusions) + "。建议依法立案查处。"
        return f"建议处理方式：{finding.get_handling_display()}。"
    return _finding_step(request, pk, LinkItemForm, act,
                         form_kwargs=lambda f: {"items": three_lists.items_for(f)})


@require_POST
@require(can_manage_registration_supervision)
def finding_decide(request, pk: int):
    def act(finding, data):
        finding = three_lists.finding_decide(finding=finding, letter_kind=data["letter_kind"],
                                             rectification_due=data["rectification_due"],
                                             case_note=data["case_note"], by=request.user)
        if finding.status == FindingStatus.TRANSFERRED:
            return "已转立案查处。"
        return (f"已责令改正（期限 {finding.rectification_due:%Y-%m-%d}），"
                f"{finding.get_letter_kind_display()}已生成。")
    return _finding_step(request, pk, DecideForm, act)


@require_POST
@require(can_manage_registration_supervision)
def finding_rectify(request, pk: int):
    def act(finding, data):
        three_lists.finding_rectify(finding=finding, rectified_on=data["rectified_on"], note=data["note"],
                                    by=request.user)
        return "已登记改正情况。"
    return _finding_step(request, pk, RectifyForm, act)


@require_POST
@require(can_manage_registration_supervision)
def finding_close(request, pk: int):
    finding = get_object_or_404(RegistrationFinding.objects.for_user(request.user), pk=pk)
    try:
        three_lists.finding_close(finding=finding, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "已办结。")
    return redirect(finding)


@require(can_view_registration_supervision)
def catalogue(request):
    """The three lists, one year's version at a time (administrators maintain them in 系统管理)."""
    catalogues = list(ListCatalogue.objects.all())
    chosen = None
    try:
        year = int(request.GET.get("year", ""))
        chosen = next((c for c in catalogues if c.year == year), None)
    except ValueError:
        pass
    if chosen is None:
        chosen = three_lists.catalogue_for(timezone.localdate()) or (catalogues[0] if catalogues else None)
    items = chosen.items.all() if chosen else None
    filterset = ListItemFilter(request.GET, queryset=items) if chosen else None
    if chosen and request.GET.get("export"):
        rows = filterset.qs.order_by("kind", "number")
        audit(actor=request.user, action=AuditAction.EXPORT,
              summary=f"导出 {chosen.year} 年三张清单 {rows.count()} 项", extra={"filters": filter_params(request)})
        return xlsx_download(catalogue_workbook(chosen, rows), f"{chosen.year}年三张清单", "three_lists")
    return render(request, "registry/supervision/catalogue.html", {
        "catalogues": catalogues, "chosen": chosen, "filter": filterset,
        "items": filterset.qs.order_by("kind", "number") if filterset else [], "tab": "catalogue",
        "breadcrumbs": [("登记监管", "registry:supervision_home"), ("三张清单", None)],
    })
