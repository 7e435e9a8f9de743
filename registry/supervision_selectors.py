"""Reads of registration supervision: the forced-deregistration board, the unlicensed-operation assessment figures,
the leadership dashboard's facts (core.dashboard.Fact), and the unlicensed-operation credit indicator."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from core.choices import DepartmentKind
from core.dashboard import Fact
from core.models import Department, Office
from core.workdays import workdays_between

from .supervision_choices import DeregStatus, FeedbackStatus, NotificationStatus, UnlicensedStatus
from .supervision_models import DeregCase, DeregFeedback, InfoNotification, UnlicensedCase, UnlicensedRule

HUNDRED = Decimal(100)


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# -- 强制注销 ------------------------------------------------------------------------------------------------

def dereg_cases(user):
    return DeregCase.objects.for_user(user).select_related("entity", "entity__office", "rule")


def board(user) -> list[dict]:
    """Every case past the candidate pool and not yet closed, with its step and what it waits for (feedback rows
    prefetched, no N+1). The candidate pool itself can hold hundreds of entities: the board counts it and the
    case list shows it."""
    from .dereg import current_limit, waiting_for

    qs = dereg_cases(user).prefetch_related(
        Prefetch("feedback", queryset=DeregFeedback.objects.select_related("department"))
    ).open().exclude(status=DeregStatus.CANDIDATE)
    today = timezone.localdate()
    order = {s: i for i, s in enumerate(DeregStatus.values)}
    rows = []
    for case in qs:
        text, overdue = waiting_for(case, today)
        rows.append({"case": case, "waiting": text, "overdue": overdue, "step": order[case.status],
                     "limit": current_limit(case)})
    rows.sort(key=lambda r: (r["step"], r["case"].screened_on, r["case"].pk))
    return rows


def board_counts(user) -> list[tuple[str, str, int]]:
    """Cases per step within the user's scope (one query)."""
    counts = dict(dereg_cases(user).order_by().values_list("status").annotate(n=Count("id")))
    return [(value, label, counts.get(value, 0)) for value, label in DeregStatus.choices]


def overdue_feedback(user):
    """Requests past their due date with no answer, within the user's scope."""
    return DeregFeedback.objects.for_user(user).filter(
        status=FeedbackStatus.PENDING, due_on__lt=timezone.localdate(), case__status=DeregStatus.FEEDBACK,
    ).select_related("case__entity", "department")


# -- 无证无照 assessment ----------------------------------------------------------------------------------------

@dataclass
class Figures:
    """One row of the assessment table (an office or a department, or the district)."""

    label: str
    cases: int = 0
    closed: int = 0
    on_time: int = 0
    fined: int = 0
    fine_total: Decimal = Decimal("0")
    notifications: int = 0
    acknowledged: int = 0
    replied: int = 0
    replied_on_time: int = 0
    overdue_replies: int = 0
    drill: str = ""

    @property
    def handling_rate(self):
        return percent(self.closed, self.cases)

    @property
    def timely_rate(self):
        return percent(self.on_time, self.cases)

    @property
    def reply_rate(self):
        return percent(self.replied, self.notifications)


def closed_on_time(case: UnlicensedCase, rule: UnlicensedRule | None) -> bool:
    """Closed within the year's handling period, counted in working days from discovery."""
    if rule is None or case.status != UnlicensedStatus.CLOSED:
        return False
    return workdays_between(case.discovered_on, case.closed_on) <= rule.handling_workdays


def assessment(year: int, user) -> dict:
    """The year's figures per office and per responsible department, with the district's, by the year's rules."""
    rule = UnlicensedRule.objects.filter(year=year).first()
    today = timezone.localdate()
    cases = list(UnlicensedCase.objects.for_user(user).filter(discovered_on__year=year).select_related("office"))
    notices = list(InfoNotification.objects.for_user(user).filter(sent_on__year=year).select_related("department",
                                                                                                       "case"))
    base = reverse("registry:unlicensed_list")
    offices = {o.pk: Figures(o.name, drill=f"{base}?year={year}&office={o.pk}")
               for o in Office.objects.filter(is_active=True)
               if user.sees_whole_district or o.pk == user.office_id}
    departments = {d.pk: Figures(d.name) for d in Department.objects.filter(kind=DepartmentKind.MEMBER)}
    district = Figures("全区合计" if user.sees_whole_district else "本所合计", drill=f"{base}?year={year}")
    for case in cases:
        rows = [district, offices.get(case.office_id)]
        if case.responsible_department_id in departments:
            rows.append(departments[case.responsible_department_id])
        for row in filter(None, rows):
            row.cases += 1
            row.closed += case.status == UnlicensedStatus.CLOSED
            row.on_time += closed_on_time(case, rule)
            if case.fine_amount is not None:
                row.fined += 1
                row.fine_total += case.fine_amount
    for notice in notices:
        for row in filter(None, [district, offices.get(notice.case.office_id), departments.get(notice.department_id)]):
            row.notifications += 1
            row.acknowledged += notice.acknowledged_on is not None
            row.replied += notice.status == NotificationStatus.REPLIED
            row.replied_on_time += notice.replied_on is not None and notice.replied_on <= notice.reply_due
            row.overdue_replies += notice.is_overdue(today)
    return {"rule": rule, "district": district, "offices": list(offices.values()),
            "departments": [d for d in departments.values() if d.cases or d.notifications]}


def member_training(year: int):
    """The year's training sessions for member units (业务培训 of kind 成员单位培训), with attendance counts."""
    from training.choices import TrainingKind
    from training.models import TrainingSession

    return (TrainingSession.objects.filter(kind=TrainingKind.MEMBER, date__year=year)
            .annotate(attendees=Count("attendances")).order_by("-date"))


# -- the leadership dashboard -------------------------------------------------------------------------------

def _facts(block: str, key: str, label: str, unit: str, counts: dict, url: str, year: int,
           rate_of: tuple[dict, dict] | None = None) -> list[Fact]:
    """A figure per (office|None, month|None) from counts keyed the same way; rates from two count dicts."""
    facts = []
    keys = set(counts) | (set(rate_of[0]) | set(rate_of[1]) if rate_of else set())
    keys |= {(None, None)}
    for office_id, month in sorted(keys, key=lambda k: (k[0] or 0, k[1] or 0)):
        if rate_of:
            value = percent(rate_of[0].get((office_id, month), 0), rate_of[1].get((office_id, month), 0))
        else:
            value = counts.get((office_id, month), 0)
        params = f"?year={year}" + (f"&office={office_id}" if office_id else "") + (f"&month={month}" if month else "")
        facts.append(Fact(block=block, key=key, label=label, value=value, office_id=office_id, month=month,
                          unit=unit, drill_url=url + params))
    return facts


def _count(rows, when) -> dict:
    """Counts per (office, month), (office, None), (None, month), (None, None) from (office_id, date) pairs."""
    counts: dict = defaultdict(int)
    for office_id, day in rows:
        if day is None or not when(day):
            continue
        for key in ((office_id, day.month), (office_id, None), (None, day.month), (None, None)):
            counts[key] += 1
    return counts


def dashboard_facts(year: int) -> list[Fact]:
    """Block "unlicensed" (cases, handled, handling rate, notifications sent / acknowledged) and block "dereg"
    (forced-deregistration candidates, decided), per office and district-wide, for the year and each month."""
    in_year = lambda d: d.year == year  # noqa: E731
    cases = list(UnlicensedCase.objects.filter(discovered_on__year=year)
                 .values_list("office_id", "discovered_on", "status"))
    notices = list(InfoNotification.objects.filter(sent_on__year=year)
                   .values_list("case__office_id", "sent_on", "acknowledged_on"))
    total = _count([(o, d) for o, d, _s in cases], in_year)
    closed = _count([(o, d) for o, d, s in cases if s == UnlicensedStatus.CLOSED], in_year)
    sent = _count([(o, d) for o, d, _a in notices], in_year)
    acknowledged = _count([(o, d) for o, d, a in notices if a is not None], in_year)
    unlicensed_url = reverse("registry:unlicensed_list")
    notices_url = reverse("registry:notification_list")
    facts = [
        *_facts("unlicensed", "cases", "无证无照案件", "件", total, unlicensed_url, year),
        *_facts("unlicensed", "handled", "已办结", "件", closed, unlicensed_url + "", year),
        *_facts("unlicensed", "handling_rate", "办结率", "%", {}, unlicensed_url, year, rate_of=(closed, total)),
        *_facts("unlicensed", "notifications_sent", "信息抄告", "件", sent, notices_url, year),
        *_facts("unlicensed", "notifications_acknowledged", "抄告已签收", "件", acknowledged, notices_url, year),
    ]
    screened = list(DeregCase.objects.filter(Q(screened_on__year=year) | Q(decided_on__year=year))
                    .values_list("entity__office_id", "screened_on", "decided_on"))
    candidates = _count([(o, s) for o, s, _d in screened], in_year)
    decided = _count([(o, d) for o, _s, d in screened], in_year)
    dereg_url = reverse("registry:dereg_list")
    facts += [
        *_facts("dereg", "candidates", "强制注销候选", "户", candidates, dereg_url, year),
        *_facts("dereg", "decided", "已决定强制注销", "户", decided, dereg_url + "", year),
    ]
    # the "handled", "acknowledged" and "decided" drill-downs open the list filtered to those records
    narrow = {"handled": "&status=closed", "notifications_acknowledged": "&acknowledged=yes",
              "decided": "&status=decided&by=decided"}
    return [Fact(**{**f.__dict__, "drill_url": f.drill_url + narrow[f.key]}) if f.key in narrow else f
            for f in facts]


# -- the credit indicator -----------------------------------------------------------------------------------

def unlicensed_counts(since: date, until: date, entities) -> dict[int, int]:
    """Unlicensed-operation cases per registered entity discovered in (since, until] (for the scoring model)."""
    qs = UnlicensedCase.objects.filter(entity__in=entities, discovered_on__gt=since, discovered_on__lte=until)
    return dict(qs.order_by().values("entity_id").annotate(n=Count("id")).values_list("entity_id", "n"))
