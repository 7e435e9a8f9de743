"""无证无照 pages: cases, handling, notification to departments, joint actions, the year's assessment; and the
登记监管 landing page."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
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
from core.web import add_errors, filter_params, form_step, list_context, xlsx_download, year_param

from . import unlicensed
from .supervision_choices import DeregStatus, FindingStatus, FineSeverity, UnlicensedStatus
from .supervision_excel import assessment_workbook, unlicensed_workbook
from .supervision_filters import UnlicensedFilter
from .supervision_forms import CloseForm, HandleForm, JointActionForm, NotificationForm, UnlicensedCaseForm
from .supervision_models import (
    DeregCase,
    JointAction,
    RegistrationFinding,
    UnlicensedCase,
    UnlicensedRule,
)
from .supervision_selectors import assessment, member_training, overdue_feedback

CRUMB = ("无证无照", "registry:unlicensed_list")
HOME = ("登记监管", "registry:supervision_home")


@require(can_view_registration_supervision)
def supervision_home(request):
    """登记监管: where each pipeline stands, within the user's scope."""
    today = timezone.localdate()
    dereg = DeregCase.objects.for_user(request.user).aggregate(
        open=Count("id", filter=Q(status__in=[s for s in DeregStatus.values if s not in ("decided", "terminated")])),
        candidates=Count("id", filter=Q(status=DeregStatus.CANDIDATE)),
        decided=Count("id", filter=Q(status=DeregStatus.DECIDED, decided_on__year=today.year)))
    findings = RegistrationFinding.objects.for_user(request.user).aggregate(
        recorded=Count("id", filter=Q(status=FindingStatus.RECORDED)),
        rectifying=Count("id", filter=Q(status=FindingStatus.RECTIFYING)),
        overdue=Count("id", filter=Q(status=FindingStatus.RECTIFYING, rectification_due__lt=today)))
    cases = UnlicensedCase.objects.for_user(request.user).aggregate(
        open=Count("id", filter=~Q(status=UnlicensedStatus.CLOSED)),
        year=Count("id", filter=Q(discovered_on__year=today.year)))
    return render(request, "registry/supervision/home.html", {
        "dereg": dereg, "findings": findings, "cases": cases,
        "overdue_feedback": overdue_feedback(request.user).count(), "tab": "home",
        "breadcrumbs": [("登记监管", None)],
    })


def _cases(request):
    qs = UnlicensedCase.objects.for_user(request.user).select_related("office", "responsible_department", "entity")
    return UnlicensedFilter(request.GET, queryset=qs, user=request.user)


@require(can_view_registration_supervision)
def unlicensed_list(request):
    context = list_context(request, _cases(request))
    context.update(can_manage=can_manage_registration_supervision(request.user), tab="unlicensed",
                   breadcrumbs=[HOME, ("无证无照", None)])
    return render(request, "registry/supervision/unlicensed_list.html", context)


@require(can_view_registration_supervision)
def unlicensed_export(request):
    queryset = _cases(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出无证无照案件 {queryset.count()} 件",
          extra={"filters": filter_params(request)})
    return xlsx_download(unlicensed_workbook(queryset), "无证无照案件", "unlicensed_cases")


@require(can_manage_registration_supervision)
def unlicensed_create(request):
    form = UnlicensedCaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            data["entity"] = unlicensed.entity_by_code(data.pop("entity_code", ""))
            case = unlicensed.case_create(data=data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已登记案件 {case.number}。")
            return redirect(case)
    return render(request, "registry/supervision/form.html", {
        "form": form, "title": "登记无证无照案件", "back": "/registry/supervision/unlicensed/", "tab": "unlicensed",
        "breadcrumbs": [CRUMB, ("登记案件", None)]})


@require(can_view_registration_supervision)
def unlicensed_detail(request, pk: int):
    case = get_object_or_404(UnlicensedCase.objects.for_user(request.user).select_related(
        "office", "entity", "responsible_department", "joint_action", "recorded_by", "fine_scale"), pk=pk)
    can_manage = can_manage_registration_supervision(request.user)
    context = {"case": case, "can_manage": can_manage, "today": timezone.localdate(), "tab": "unlicensed",
               "notifications": case.notifications.select_related("department"),
               "breadcrumbs": [CRUMB, (case.number, None)]}
    if can_manage and case.status != UnlicensedStatus.CLOSED:
        context["handle_form"] = HandleForm(initial={"handled_on": timezone.localdate(), "handling": case.handling,
                                                     "correction_due": case.correction_due})
        if case.status == UnlicensedStatus.HANDLING:
            context["close_form"] = CloseForm(initial={"closed_on": timezone.localdate()})
            context["fine_scales"] = [unlicensed.fine_scale_for(s, timezone.localdate()) for s in FineSeverity.values]
    if can_manage:
        context["notify_form"] = NotificationForm(initial={
            "department": case.responsible_department_id,
            "content": f"{case.place}的{case.operator}从事{case.activity}，"
                       + (f"未取得{case.permit_name}" if case.permit_name else "未取得营业执照")
                       + f"，{case.office.name}于{case.discovered_on:%Y年%m月%d日}发现。请依职责处理并回复。"})
    return render(request, "registry/supervision/unlicensed_detail.html", context)


def _case_step(request, pk, form_class, act):
    case = get_object_or_404(UnlicensedCase.objects.for_user(request.user), pk=pk)
    return form_step(request, form_class(request.POST), lambda data: act(case, data), case)


@require_POST
@require(can_manage_registration_supervision)
def unlicensed_handle(request, pk: int):
    def act(case, data):
        case = unlicensed.case_handle(case=case, handling=data["handling"], handled_on=data["handled_on"],
                                      correction_due=data["correction_due"], note=data["note"], by=request.user)
        return f"已登记处置：{case.get_handling_display()}。"
    return _case_step(request, pk, HandleForm, act)


@require_POST
@require(can_manage_registration_supervision)
def unlicensed_close(request, pk: int):
    def act(case, data):
        case = unlicensed.case_close(case=case, result=data["result"], closed_on=data["closed_on"],
                                     note=data["note"], by=request.user, fine_severity=data["fine_severity"],
                                     fine_amount=data["fine_amount"])
        fine = f"，罚款 {case.fine_amount:,.2f} 元" if case.fine_amount is not None else ""
        return f"案件已办结：{case.get_result_display()}{fine}。"
    return _case_step(request, pk, CloseForm, act)


@require_POST
@require(can_manage_registration_supervision)
def unlicensed_notify(request, pk: int):
    def act(case, data):
        notice = unlicensed.notification_send(case=case, department=data["department"], content=data["content"],
                                              sent_on=data["sent_on"], by=request.user)
        return f"已抄告{notice.department.name}，回复期限 {notice.reply_due:%Y-%m-%d}。"
    return _case_step(request, pk, NotificationForm, act)


@require(can_view_registration_supervision)
def joint_action_list(request):
    actions = JointAction.objects.select_related("lead_office").prefetch_related("departments").annotate(
        case_count=Count("cases"))
    return render(request, "registry/supervision/joint_action_list.html", {
        "actions": actions, "can_manage": can_manage_registration_supervision(request.user), "tab": "unlicensed",
        "breadcrumbs": [CRUMB, ("联合执法行动", None)]})


@require(can_manage_registration_supervision)
def joint_action_create(request):
    form = JointActionForm(request.POST or None, initial={"held_on": timezone.localdate(),
                                                          "lead_office": request.user.office_id})
    open_cases = UnlicensedCase.objects.for_user(request.user).exclude(status=UnlicensedStatus.CLOSED) \
        .filter(joint_action__isnull=True).order_by("-discovered_on")[:100]
    if request.method == "POST" and form.is_valid():
        chosen = open_cases.model.objects.for_user(request.user).filter(pk__in=request.POST.getlist("cases"))
        data = {k: v for k, v in form.cleaned_data.items() if k != "departments"}
        try:
            action = unlicensed.joint_action_create(data=data, departments=form.cleaned_data["departments"],
                                                    cases=list(chosen), by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已登记联合执法行动“{action.title}”。")
            return redirect(action)
    return render(request, "registry/supervision/form.html", {
        "form": form, "title": "登记联合执法行动", "open_cases": open_cases, "tab": "unlicensed",
        "back": "/registry/supervision/joint-actions/",
        "breadcrumbs": [CRUMB, ("联合执法行动", "registry:joint_action_list"), ("登记", None)]})


@require(can_view_registration_supervision)
def joint_action_detail(request, pk: int):
    action = get_object_or_404(JointAction.objects.select_related("lead_office", "created_by"), pk=pk)
    return render(request, "registry/supervision/joint_action_detail.html", {
        "action": action, "cases": UnlicensedCase.objects.for_user(request.user).filter(joint_action=action)
        .select_related("office"), "tab": "unlicensed",
        "breadcrumbs": [CRUMB, ("联合执法行动", "registry:joint_action_list"), (action.title, None)]})


@require(can_view_registration_supervision)
def unlicensed_assessment(request):
    """The year's assessment figures by office and by department, by the year's rules entered as data."""
    years = sorted(set(UnlicensedRule.objects.values_list("year", flat=True))
                   | {d.year for d in UnlicensedCase.objects.dates("discovered_on", "year")}
                   | {timezone.localdate().year}, reverse=True)
    year = year_param(request, years)
    figures = assessment(year, request.user)
    if request.GET.get("export"):
        audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出 {year} 年无证无照考核情况")
        return xlsx_download(assessment_workbook(year, figures), f"{year}年无证无照考核情况", "unlicensed_assessment")
    return render(request, "registry/supervision/assessment.html", {
        **figures, "year": year, "years": years, "training": member_training(year), "tab": "assessment",
        "breadcrumbs": [CRUMB, ("年度考核", None)]})

