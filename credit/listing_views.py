"""Pages of 列异列严 (the case board, a case with its steps), 行政处罚公示 and 信用修复 (cases by nearest deadline, a
case with its steps, eligibility, checklist and documents). Every write goes through a service; every record is
fetched through ``for_user`` so that another office's record answers 404."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.documents import documents_for
from core.models import AuditLog
from core.permissions import (
    can_handle_credit_cases,
    can_handle_serious_list,
    can_sign_off_credit_cases,
    can_view_credit_cases,
    can_view_shared_repairs,
    require,
)
from core.web import error_text, filter_params, list_context, xlsx_download

from . import listings as svc
from . import penalties as pen
from . import repair as rep
from .choices import (
    LISTING_IN_FORCE,
    LISTING_OPEN,
    REPAIR_LISTING_KIND,
    REPAIR_OPEN,
    ListingKind,
    ListingReason,
    ListingStatus,
    ObjectionStatus,
    PenaltyStatus,
    RepairKind,
    RepairMaterial,
    RepairStatus,
)
from .listing_excel import listings_workbook, penalties_workbook, repairs_workbook, shared_repairs_workbook
from .listing_filters import ListingFilter, PenaltyFilter, RepairFilter, SharedRepairFilter
from .listing_forms import (
    ConcludeForm,
    CureForm,
    DateForm,
    DecideForm,
    EntityLookupForm,
    HearingForm,
    MaterialsForm,
    NotifyForm,
    ObjectionForm,
    PenaltyForm,
    ProposeForm,
    ReasonDateForm,
    RemindForm,
    RepairApplicationForm,
    ReviewForm,
    RevokeForm,
    SeriousOpenForm,
    ShareForm,
    StatementForm,
    SubmitForm,
    SuperiorApprovalForm,
    TriggerForm,
)
from .listing_rules import listing_rules, repair_rules
from .models import ListingCase, ListingObjection, PenaltyRecord, RepairCase, RepairShare

LISTINGS = ("列异列严", "credit:listing_list")
PENALTIES = ("行政处罚公示", "credit:penalty_list")
REPAIRS = ("信用修复", "credit:repair_list")


def _audit_trail(obj):
    return AuditLog.objects.for_object(obj).select_related("actor").order_by("at", "id")


# ---- 列异列严 ----------------------------------------------------------------------------------------------------

def _listing_filter(request) -> ListingFilter:
    qs = ListingCase.objects.for_user(request.user).select_related("entity", "office")
    return ListingFilter(request.GET or {"status": "open"}, queryset=qs, user=request.user)


@require(can_view_credit_cases)
def listing_list(request):
    context = list_context(request, _listing_filter(request))
    scoped = ListingCase.objects.for_user(request.user)
    today = timezone.localdate()
    context["cards"] = scoped.aggregate(
        open=Count("id", filter=Q(status__in=[s for s in LISTING_OPEN if s not in LISTING_IN_FORCE])),
        overdue=Count("id", filter=Q(status__in=LISTING_OPEN, due_on__lt=today)),
        abnormal=Count("id", filter=Q(status__in=LISTING_IN_FORCE, kind=ListingKind.ABNORMAL)),
        individual=Count("id", filter=Q(status__in=LISTING_IN_FORCE, kind=ListingKind.INDIVIDUAL_ABNORMAL)),
        serious=Count("id", filter=Q(status__in=LISTING_IN_FORCE, kind=ListingKind.SERIOUS)),
    )
    context.update(today=today, can_handle=can_handle_credit_cases(request.user),
                   can_serious=can_handle_serious_list(request.user), breadcrumbs=[(LISTINGS[0], None)])
    return render(request, "credit/listings/listing_list.html", context)


@require(can_view_credit_cases)
def listing_export(request):
    queryset = _listing_filter(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出列异列严案件 {queryset.count()} 件",
          extra={"filters": filter_params(request)})
    return xlsx_download(listings_workbook(queryset), "列异列严", "listings")


@require(can_handle_credit_cases)
def listing_new(request):
    form = TriggerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        existing = ListingCase.objects.filter(entity=data["entity"], reason=data["reason"],
                                              status__in=LISTING_OPEN).first()
        try:
            case = svc.open_trigger(data["entity"], data["reason"], source="staff", occurred_on=data["occurred_on"],
                                    user=request.user, note=data["note"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if existing is not None:
                messages.warning(request, "该市场主体已有同一事由的在办案件，未重复立案。")
            else:
                messages.success(request, "已登记列异触发，请在期限内提醒提示。")
            return redirect("credit:listing_detail", pk=case.pk)
    return render(request, "credit/listings/form.html", {
        "form": form, "title": "录入列异触发",
        "intro": "发现市场主体存在列入经营异常名录（个体工商户标记经营异常状态）的事由时录入；"
                 "先提醒提示，缓冲期内改正的不予列入。",
        "breadcrumbs": [LISTINGS, ("录入列异触发", None)],
    })


@require(can_view_credit_cases)
def serious_candidates(request):
    """Abnormal listings in the 60 days before, or past, their third anniversary with no serious procedure yet."""
    today = timezone.localdate()
    rows = []
    listings = (ListingCase.objects.for_user(request.user)
                .filter(kind=ListingKind.ABNORMAL, status=ListingStatus.LISTED)
                .exclude(serious_cases__status__in=LISTING_OPEN).select_related("entity", "office")
                .order_by("listed_on", "id"))
    for listing in listings:
        start = svc.reminder_window_start(listing)
        if start <= today:
            rows.append({"listing": listing, "window_start": start, "anniversary": svc.third_anniversary(listing)})
    return render(request, "credit/listings/serious_candidates.html", {
        "rows": rows, "today": today, "can_serious": can_handle_serious_list(request.user),
        "breadcrumbs": [LISTINGS, ("列严候选", None)],
    })


@require(can_handle_serious_list)
def serious_new(request):
    listing = None
    if request.GET.get("listing") or request.POST.get("listing"):
        listing = get_object_or_404(ListingCase.objects.for_user(request.user),
                                    pk=request.GET.get("listing") or request.POST.get("listing"))
    initial = {}
    if listing is not None:
        initial = {"entity": listing.entity.uscc, "reason": ListingReason.THREE_YEARS}
    form = SeriousOpenForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = svc.serious_open(entity=data["entity"], reason=data["reason"], by=request.user,
                                    occurred_on=data["occurred_on"], note=data["note"],
                                    source_listing=listing if data["reason"] == ListingReason.THREE_YEARS else None)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "已启动严重违法失信名单程序，请告知当事人拟列入的事实、理由和依据。")
            return redirect("credit:listing_detail", pk=case.pk)
    return render(request, "credit/listings/form.html", {
        "form": form, "title": "启动列严程序", "hidden": {"listing": listing.pk} if listing else {},
        "intro": "告知 → 陈述申辩 → 听证（当事人申请的）→ 报上级机关批准 → 列入严重违法失信名单。",
        "breadcrumbs": [LISTINGS, ("启动列严程序", None)],
    })


# What a listing page offers: action → (form, who may, service call with the form's data).
LISTING_ACTIONS = {
    "remind": ("登记提醒提示", RemindForm, can_handle_credit_cases,
               lambda c, d, u: svc.listing_remind(case=c, by=u, on=d["on"], channel=d["channel"], note=d["note"])),
    "propose": ("提出拟列入意见", ProposeForm, can_handle_credit_cases,
                lambda c, d, u: svc.listing_propose(case=c, by=u, on=d["on"], note=d["note"])),
    "approve": ("审核同意列入", DateForm, can_sign_off_credit_cases,
                lambda c, d, u: svc.listing_approve(case=c, by=u, on=d["on"])),
    "reject": ("不予列入", ReasonDateForm, can_sign_off_credit_cases,
               lambda c, d, u: svc.listing_reject(case=c, by=u, on=d["on"], reason=d["reason"])),
    "cure": ("登记事由消除", CureForm, can_handle_credit_cases,
             lambda c, d, u: svc.cure(c.entity, c.reason, cured_on=d["on"], source="staff", user=u, note=d["note"])),
    "remove": ("移出（恢复）", ReasonDateForm, can_handle_credit_cases,
               lambda c, d, u: svc.listing_remove(case=c, by=u, on=d["on"], reason=d["reason"])),
    "objection": ("登记异议", ObjectionForm, can_handle_credit_cases,
                  lambda c, d, u: svc.objection_receive(case=c, by=u, received_on=d["on"], grounds=d["grounds"])),
    "notify": ("发出列严告知", NotifyForm, can_handle_serious_list,
               lambda c, d, u: svc.serious_notify(case=c, by=u, on=d["on"], channel=d["channel"], note=d["note"])),
    "statement": ("登记陈述申辩", StatementForm, can_handle_serious_list,
                  lambda c, d, u: svc.serious_statement(case=c, by=u, statement=d["statement"],
                                                        hearing_requested=d["hearing_requested"])),
    "hearing": ("登记听证", HearingForm, can_handle_serious_list,
                lambda c, d, u: svc.serious_hearing(case=c, by=u, held_on=d["on"], note=d["note"])),
    "submit": ("报上级机关批准", SubmitForm, can_handle_serious_list,
               lambda c, d, u: svc.serious_submit(case=c, by=u, on=d["on"], authority=d["authority"])),
    "approve_serious": ("登记上级批准并列入", SuperiorApprovalForm, can_handle_serious_list,
                        lambda c, d, u: svc.serious_approve(case=c, by=u, approved_on=d["on"],
                                                            authority=d["authority"], approver=d["approver"],
                                                            document=d["document"])),
    "close_serious": ("终止列严程序", ReasonDateForm, can_handle_serious_list,
                      lambda c, d, u: svc.serious_close(case=c, by=u, on=d["on"], reason=d["reason"])),
}
OBJECTION_ACTIONS = {
    "accept": ("受理异议", DateForm, lambda o, d, u: svc.objection_accept(objection=o, by=u, on=d["on"])),
    "refuse": ("不予受理", ReasonDateForm,
               lambda o, d, u: svc.objection_refuse(objection=o, by=u, on=d["on"], reason=d["reason"])),
    "conclude": ("核实结论", ConcludeForm,
                 lambda o, d, u: svc.objection_conclude(objection=o, by=u, on=d["on"], upheld=d["upheld"],
                                                        conclusion=d["conclusion"])),
}


def listing_steps(case: ListingCase) -> list[dict]:
    """The case's steps for the page: label, date done, and the deadline of the step it waits for."""
    if case.kind == ListingKind.SERIOUS:
        steps = [("立案", case.occurred_on), ("告知", case.notified_on),
                 ("陈述申辩、听证", case.hearing_on or (case.notified_on and case.statement_due
                                                if case.status in (ListingStatus.APPROVAL, ListingStatus.LISTED)
                                                else None)),
                 ("上级机关批准", case.superior_approved_on), ("列入", case.listed_on), ("移出", case.removed_on)]
    else:
        listed = "标记" if case.kind == ListingKind.INDIVIDUAL_ABNORMAL else "列入"
        steps = [("触发", case.occurred_on), ("提醒提示", case.reminded_on), ("缓冲期", case.buffer_until
                                                                          if case.proposed_on else None),
                 ("拟列入", case.proposed_on), (f"审核{listed}", case.listed_on),
                 ("恢复" if case.kind == ListingKind.INDIVIDUAL_ABNORMAL else "移出", case.removed_on)]
    out, current = [], True
    for label, done in steps:
        step = {"label": label, "done": done, "current": False, "due": None, "note": ""}
        waiting = case.status in LISTING_OPEN and (case.status != ListingStatus.LISTED or case.due_on)
        if not done and current and waiting:
            step["current"], current = True, False
            step["due"] = case.due_on
            if case.status == ListingStatus.NOTIFIED:
                step["note"] = f"陈述申辩期至 {case.statement_due:%Y-%m-%d}"
        out.append(step)
    return out


def _listing(request, pk) -> ListingCase:
    return get_object_or_404(ListingCase.objects.for_user(request.user).select_related(
        "entity", "office", "opened_by", "reminded_by", "proposed_by", "approved_by", "source_listing"), pk=pk)


@require(can_view_credit_cases)
def listing_detail(request, pk: int):
    case = _listing(request, pk)
    user = request.user
    forms = {}
    for action in svc.listing_actions(case):
        label, form_class, allowed, _call = LISTING_ACTIONS[action]
        if allowed(user):
            forms[action] = {"label": label, "form": form_class(prefix=action)}
    objections = list(case.objections.select_related("received_by", "handled_by"))
    objection_forms = {}
    if can_handle_credit_cases(user):
        for o in objections:
            if o.status == ObjectionStatus.RECEIVED:
                objection_forms[o.pk] = [("accept", "受理异议", DateForm(prefix="accept")),
                                         ("refuse", "不予受理", ReasonDateForm(prefix="refuse"))]
            elif o.status == ObjectionStatus.ACCEPTED:
                objection_forms[o.pk] = [("conclude", "核实结论", ConcludeForm(prefix="conclude"))]
    repair_kind = {v: k for k, v in REPAIR_LISTING_KIND.items()}.get(case.kind)
    return render(request, "credit/listings/listing_detail.html", {
        "case": case, "steps": listing_steps(case), "forms": forms, "today": timezone.localdate(),
        "objections": [(o, objection_forms.get(o.pk, [])) for o in objections],
        "repairs": case.repair_cases.all(), "serious_cases": case.serious_cases.all(),
        "can_apply_repair": (can_handle_credit_cases(user) and case.status in LISTING_IN_FORCE
                             and not case.repair_cases.filter(status__in=REPAIR_OPEN).exists() and repair_kind),
        "documents": documents_for(case), "trail": _audit_trail(case), "rules": listing_rules(case),
        "breadcrumbs": [LISTINGS, (case.entity.name, None)],
    })


def _run(request, obj, action_table, action: str, redirect_to: str, *, prefix_action=True):
    if action not in action_table:
        raise Http404
    entry = action_table[action]
    label, form_class, *rest = entry
    call = rest[-1]
    if len(rest) == 2 and not rest[0](request.user):
        raise PermissionDenied("您的角色无权执行此操作。")
    form = form_class(request.POST, prefix=action if prefix_action else None)
    if not form.is_valid():
        errors = "；".join(f"{form.fields[f].label if f in form.fields else ''}{'：' if f in form.fields else ''}"
                          f"{'、'.join(e)}" for f, e in form.errors.items())
        messages.error(request, f"{label}未保存：{errors}")
        return redirect(redirect_to)
    try:
        call(obj, form.cleaned_data, request.user)
    except ValidationError as exc:
        messages.error(request, f"{label}未保存：{error_text(exc)}")
    else:
        messages.success(request, f"{label}：已保存。")
    return redirect(redirect_to)


@require_POST
@require(can_view_credit_cases)
def listing_action(request, pk: int, action: str):
    case = _listing(request, pk)
    return _run(request, case, LISTING_ACTIONS, action, reverse("credit:listing_detail", args=[case.pk]))


@require_POST
@require(can_handle_credit_cases)
def objection_action(request, pk: int, action: str):
    objection = get_object_or_404(ListingObjection.objects.filter(
        case__in=ListingCase.objects.for_user(request.user)), pk=pk)
    return _run(request, objection, OBJECTION_ACTIONS, action,
                reverse("credit:listing_detail", args=[objection.case_id]) + "#objections")


# ---- 行政处罚公示 ------------------------------------------------------------------------------------------------

def _penalty_filter(request) -> PenaltyFilter:
    qs = PenaltyRecord.objects.for_user(request.user).select_related("entity", "office")
    return PenaltyFilter(request.GET, queryset=qs, user=request.user)


@require(can_view_credit_cases)
def penalty_list(request):
    context = list_context(request, _penalty_filter(request))
    today = timezone.localdate()
    context["cards"] = PenaltyRecord.objects.for_user(request.user).aggregate(
        pending=Count("id", filter=Q(status=PenaltyStatus.PENDING)),
        published=Count("id", filter=Q(status=PenaltyStatus.PUBLISHED)),
        overdue=Count("id", filter=Q(status=PenaltyStatus.PENDING, publish_due__lt=today)
                      | Q(status=PenaltyStatus.REVOKED, withdrawal_due__lt=today)),
        expired=Count("id", filter=Q(status=PenaltyStatus.PUBLISHED, publicity_end__lt=today)),
    )
    context.update(today=today, can_handle=can_handle_credit_cases(request.user),
                   breadcrumbs=[(PENALTIES[0], None)])
    return render(request, "credit/listings/penalty_list.html", context)


@require(can_view_credit_cases)
def penalty_export(request):
    queryset = _penalty_filter(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出行政处罚公示记录 {queryset.count()} 件",
          extra={"filters": filter_params(request)})
    return xlsx_download(penalties_workbook(queryset), "行政处罚公示", "penalties")


@require(can_handle_credit_cases)
def penalty_new(request):
    form = PenaltyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = pen.penalty_record_create(
                entity=data["entity"], decision_no=data["decision_no"], decided_on=data["decided_on"],
                kind=data["kind"], domain=data["domain"], violation=data["violation"], authority=data["authority"],
                fine_amount=data["fine_amount"], note=data["note"], by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            unpublished = record.status == PenaltyStatus.NOT_PUBLISHED
            messages.success(request, "已登记行政处罚决定。" + ("警告不予公示。" if unpublished
                                                        else f"请于 {record.publish_due} 前公示。"))
            return redirect("credit:penalty_detail", pk=record.pk)
    return render(request, "credit/listings/form.html", {
        "form": form, "title": "登记行政处罚决定", "breadcrumbs": [PENALTIES, ("登记", None)],
        "intro": "公示期限、公示期和撤下期限按时限规则自动计算；警告不公示。",
    })


PENALTY_ACTIONS = {
    "publish": ("标记已公示", DateForm, can_handle_credit_cases,
                lambda r, d, u: pen.penalty_publish(record=r, by=u, on=d["on"])),
    "revoke": ("登记处罚决定被撤销", RevokeForm, can_handle_credit_cases,
               lambda r, d, u: pen.penalty_revoke(record=r, by=u, revoked_on=d["on"], note=d["note"])),
    "withdraw": ("标记已撤下公示", DateForm, can_handle_credit_cases,
                 lambda r, d, u: pen.penalty_withdraw(record=r, by=u, on=d["on"])),
}


def _penalty_actions(record: PenaltyRecord) -> list[str]:
    return {PenaltyStatus.PENDING: ["publish", "revoke"], PenaltyStatus.PUBLISHED: ["revoke"],
            PenaltyStatus.NOT_PUBLISHED: ["revoke"], PenaltyStatus.REVOKED: ["withdraw"]}.get(record.status, [])


@require(can_view_credit_cases)
def penalty_detail(request, pk: int):
    record = get_object_or_404(PenaltyRecord.objects.for_user(request.user).select_related("entity", "office"), pk=pk)
    forms = {}
    if can_handle_credit_cases(request.user):
        forms = {a: {"label": PENALTY_ACTIONS[a][0], "form": PENALTY_ACTIONS[a][1](prefix=a)}
                 for a in _penalty_actions(record)}
    return render(request, "credit/listings/penalty_detail.html", {
        "record": record, "forms": forms, "today": timezone.localdate(),
        "repairs": record.repair_cases.all(), "trail": _audit_trail(record),
        "can_apply_repair": (can_handle_credit_cases(request.user) and record.status == PenaltyStatus.PUBLISHED
                             and not record.repair_cases.filter(status__in=REPAIR_OPEN).exists()),
        "breadcrumbs": [PENALTIES, (record.decision_no, None)],
    })


@require_POST
@require(can_view_credit_cases)
def penalty_action(request, pk: int, action: str):
    record = get_object_or_404(PenaltyRecord.objects.for_user(request.user), pk=pk)
    return _run(request, record, PENALTY_ACTIONS, action, reverse("credit:penalty_detail", args=[record.pk]))


# ---- 信用修复 ----------------------------------------------------------------------------------------------------

def _repair_filter(request) -> RepairFilter:
    qs = RepairCase.objects.for_user(request.user).select_related("entity", "office")
    return RepairFilter(request.GET or {"status": "open"}, queryset=qs, user=request.user)


@require(can_view_credit_cases)
def repair_list(request):
    context = list_context(request, _repair_filter(request))
    today = timezone.localdate()
    year = today.year
    context["cards"] = RepairCase.objects.for_user(request.user).aggregate(
        open=Count("id", filter=Q(status__in=REPAIR_OPEN)),
        overdue=Count("id", filter=Q(status__in=REPAIR_OPEN, due_on__lt=today)),
        received=Count("id", filter=Q(applied_on__year=year)),
        decided=Count("id", filter=Q(decided_on__year=year)),
        on_time=Count("id", filter=Q(decided_on__year=year, decided_on__lte=F("decision_due"))),
    )
    context.update(today=today, year=year, can_handle=can_handle_credit_cases(request.user),
                   breadcrumbs=[(REPAIRS[0], None)])
    return render(request, "credit/listings/repair_list.html", context)


@require(can_view_credit_cases)
def repair_export(request):
    queryset = _repair_filter(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出信用修复案件 {queryset.count()} 件",
          extra={"filters": filter_params(request)})
    return xlsx_download(repairs_workbook(queryset), "信用修复", "repairs")


def _repairable(user, entity) -> list[dict]:
    """The entity's records that a repair can apply to, each with its kind, eligibility and an open case if any."""
    rows = []
    kinds = {v: k for k, v in REPAIR_LISTING_KIND.items()}
    for listing in ListingCase.objects.for_user(user).filter(entity=entity, status__in=LISTING_IN_FORCE):
        rows.append({"kind": RepairKind(kinds[listing.kind]), "listing": listing, "title": str(listing),
                     "checks": rep.eligibility(kinds[listing.kind], listing),
                     "open_case": listing.repair_cases.filter(status__in=REPAIR_OPEN).first(),
                     "url": reverse("credit:repair_new") + f"?listing={listing.pk}"})
    for record in PenaltyRecord.objects.for_user(user).filter(entity=entity, status=PenaltyStatus.PUBLISHED):
        rows.append({"kind": RepairKind.PENALTY, "penalty": record,
                     "title": f"{record.decision_no}（{record.get_kind_display()}）",
                     "checks": rep.eligibility(RepairKind.PENALTY, record),
                     "open_case": record.repair_cases.filter(status__in=REPAIR_OPEN).first(),
                     "url": reverse("credit:repair_new") + f"?penalty={record.pk}"})
    for row in rows:
        row["blocked"] = rep.blocking(row["checks"])
    return rows


@require(can_handle_credit_cases)
def repair_start(request):
    """Find the entity; list what can be repaired, with the conditions computed before anything is accepted."""
    form = EntityLookupForm(request.GET or None, user=request.user)
    rows, entity = [], None
    if request.GET and form.is_valid():
        entity = form.cleaned_data["entity"]
        rows = _repairable(request.user, entity)
    return render(request, "credit/listings/repair_start.html", {
        "form": form, "entity": entity, "rows": rows, "breadcrumbs": [REPAIRS, ("登记申请", None)],
    })


@require(can_handle_credit_cases)
def repair_new(request):
    listing = penalty = None
    if request.GET.get("listing"):
        listing = get_object_or_404(ListingCase.objects.for_user(request.user), pk=request.GET["listing"])
        kind = {v: k for k, v in REPAIR_LISTING_KIND.items()}.get(listing.kind)
        target = listing
    elif request.GET.get("penalty"):
        penalty = get_object_or_404(PenaltyRecord.objects.for_user(request.user), pk=request.GET["penalty"])
        kind, target = RepairKind.PENALTY, penalty
    else:
        return redirect("credit:repair_start")
    required = rep.required_materials(kind, listing)
    form = RepairApplicationForm(request.POST or None, required=required,
                                 initial={"applicant": target.entity.legal_rep, "contact": ""})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = rep.repair_receive(entity=target.entity, kind=kind, target=target, channel=data["channel"],
                                      applied_on=data["applied_on"], applicant=data["applicant"],
                                      contact=data["contact"], materials=data["materials"], note=data["note"],
                                      by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, f"已登记信用修复申请 {case.number}，请在 {case.due_on} 前作出是否受理的决定。")
            return redirect("credit:repair_detail", pk=case.pk)
    checks = rep.eligibility(kind, target)
    return render(request, "credit/listings/repair_new.html", {
        "form": form, "kind": RepairKind(kind), "target": target, "listing": listing, "penalty": penalty,
        "checks": checks, "blocked": rep.blocking(checks),
        "required": [RepairMaterial(m).label for m in required],
        "breadcrumbs": [REPAIRS, ("登记申请", "credit:repair_start"), (target.entity.name, None)],
    })


REPAIR_ACTIONS = {
    "materials": ("更新材料清单", MaterialsForm, can_handle_credit_cases,
                  lambda c, d, u: rep.repair_update_materials(case=c, by=u, materials=d["materials"])),
    "accept": ("受理", DateForm, can_handle_credit_cases,
               lambda c, d, u: rep.repair_accept(case=c, by=u, on=d["on"])),
    "refuse_acceptance": ("不予受理", ReasonDateForm, can_handle_credit_cases,
                          lambda c, d, u: rep.repair_refuse_acceptance(case=c, by=u, on=d["on"], reason=d["reason"])),
    "review": ("登记审查意见", ReviewForm, can_handle_credit_cases,
               lambda c, d, u: rep.repair_review(case=c, by=u, on=d["on"], opinion=d["opinion"])),
    "decide": ("作出决定", DecideForm, can_sign_off_credit_cases,
               lambda c, d, u: rep.repair_decide(case=c, by=u, on=d["on"], repaired=d["repaired"],
                                                 reason=d["reason"])),
    "effect": ("执行移出（停止公示）", DateForm, can_handle_credit_cases,
               lambda c, d, u: rep.repair_effect(case=c, by=u, on=d["on"])),
    "notify": ("登记告知", NotifyForm, can_handle_credit_cases,
               lambda c, d, u: rep.repair_notify(case=c, by=u, on=d["on"], channel=d["channel"])),
    "share": ("登记共享", ShareForm, can_handle_credit_cases,
              lambda c, d, u: rep.repair_share(case=c, by=u, on=d["on"], departments=d["departments"],
                                               note=d["note"])),
}


def repair_steps(case: RepairCase) -> list[dict]:
    effect = "停止公示" if case.kind == RepairKind.PENALTY else (
        "恢复正常记载状态" if case.kind == RepairKind.INDIVIDUAL else "移出名单")
    steps = [("申请", case.applied_on, None),
             ("不予受理" if case.status == RepairStatus.NOT_ACCEPTED else "受理", case.accepted_on,
              case.due_on if case.status == RepairStatus.RECEIVED else None),
             ("审查", case.reviewed_on, case.decision_due if case.status == RepairStatus.ACCEPTED else None),
             ("决定", case.decided_on, case.decision_due if case.status == RepairStatus.REVIEWED else None)]
    if case.status != RepairStatus.NOT_ACCEPTED:
        if case.repaired is not False:
            steps.append((effect, case.effected_on, case.effect_due if case.status == RepairStatus.APPROVED else None))
        steps.append(("告知", case.notified_on,
                      case.due_on if case.status in (RepairStatus.EFFECTED, RepairStatus.REFUSED) else None))
        if case.repaired is not False:
            steps.append(("共享", case.shares.first().shared_on if case.status == RepairStatus.CLOSED else None,
                          case.due_on if case.status == RepairStatus.NOTIFIED else None))
    today = timezone.localdate()
    return [{"label": label, "done": done, "due": due, "overdue": bool(due and due < today),
             "current": due is not None} for label, done, due in steps]


@require(can_view_credit_cases)
def repair_detail(request, pk: int):
    case = get_object_or_404(RepairCase.objects.for_user(request.user).select_related(
        "entity", "office", "listing", "penalty", "received_by", "accepted_by", "reviewed_by", "decided_by"), pk=pk)
    user = request.user
    forms = {}
    for action in rep.repair_actions(case):
        label, form_class, allowed, _call = REPAIR_ACTIONS[action]
        if allowed(user):
            kwargs = {"prefix": action}
            if action == "materials":
                kwargs["initial"] = {"materials": case.materials}
            form = form_class(**kwargs)
            if action == "materials":
                form.fields["materials"].choices = [(m, RepairMaterial(m).label)
                                                    for m in rep.required_materials(case.kind, case.listing)]
            forms[action] = {"label": label, "form": form}
    if case.status == RepairStatus.RECEIVED:
        checks = rep.eligibility(case.kind, case.target)
        checks_note = "按当前数据计算（受理时保存）"
    else:
        checks = [rep.Check(**c) for c in case.eligibility]
        checks_note = f"受理（不予受理）时 {case.accepted_on} 的核查结果"
    required = rep.required_materials(case.kind, case.listing)
    return render(request, "credit/listings/repair_detail.html", {
        "case": case, "steps": repair_steps(case), "forms": forms, "checks": checks, "checks_note": checks_note,
        "checklist": [(RepairMaterial(m).label, m in case.materials) for m in required],
        "documents": documents_for(case), "shares": case.shares.select_related("department", "shared_by"),
        "trail": _audit_trail(case), "today": timezone.localdate(), "rules": repair_rules(case),
        "breadcrumbs": [REPAIRS, (case.number, None)],
    })


@require_POST
@require(can_view_credit_cases)
def repair_action(request, pk: int, action: str):
    case = get_object_or_404(RepairCase.objects.for_user(request.user), pk=pk)
    return _run(request, case, REPAIR_ACTIONS, action, reverse("credit:repair_detail", args=[case.pk]))



def _shared_filter(request) -> SharedRepairFilter:
    qs = RepairShare.objects.filter(department_id=request.user.department_id).select_related("case", "case__entity")
    return SharedRepairFilter(request.GET, queryset=qs)


@require(can_view_shared_repairs)
def repair_shared_list(request):
    """信用修复结果共享: what the bureau shared with the user's department, newest first."""
    context = list_context(request, _shared_filter(request))
    context.update(department=request.user.department, breadcrumbs=[("信用修复结果", None)])
    return render(request, "credit/listings/repair_shared_list.html", context)


@require(can_view_shared_repairs)
def repair_shared_export(request):
    queryset = _shared_filter(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出共享的信用修复结果 {queryset.count()} 件",
          extra={"filters": filter_params(request)})
    return xlsx_download(shared_repairs_workbook(queryset), "信用修复结果", "shared-repairs")
