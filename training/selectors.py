"""Reads of training and conduct: hours per person, completion per office, the bureau's yearly figures.

``bureau_training_summary(year)`` is the interface the leadership dashboard reads.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from core.choices import Role
from core.models import Office, User

from .choices import FindingStatus
from .models import Attendance, ConductFinding, ConductInspection, ConductPlan, HoursRequirement, TrainingSession

ZERO = Decimal("0.0")
HOURS_FIELD = DecimalField(max_digits=9, decimal_places=1)
HEADQUARTERS_LABEL = "局机关（股室、执法大队、局领导等）"


def trainees():
    """The staff whose training hours count: active accounts holding one of the bureau's roles."""
    roles = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name__in=Role.values)
    return User.objects.filter(is_active=True).filter(Exists(roles))


def people_for(user):
    """Whose training record a user may open: everyone for the district roles, otherwise only themselves."""
    if not user.is_authenticated:
        return User.objects.none()
    if user.sees_whole_district:
        return User.objects.all()
    return User.objects.filter(pk=user.pk)


def requirement_for(year: int) -> Decimal | None:
    """The hours each staff member must complete in the year, or None if the administrator has not set it."""
    return HoursRequirement.objects.filter(year=year).values_list("hours", flat=True).first()


def percent(part: int, whole: int) -> Decimal | None:
    """part ÷ whole as a percentage with one decimal (half up); None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def staff_hours(year: int, queryset=None):
    """Staff annotated with ``year_hours`` (hours of the year's sessions they signed in to) and ``year_sessions``."""
    mine = Attendance.objects.filter(user_id=OuterRef("pk"), session__date__year=year).order_by().values("user_id")
    hours = mine.annotate(s=Sum("session__hours")).values("s")
    count = mine.annotate(n=Count("id")).values("n")
    queryset = trainees() if queryset is None else queryset
    return queryset.select_related("office", "department").annotate(
        year_hours=Coalesce(Subquery(hours, output_field=HOURS_FIELD), Value(ZERO), output_field=HOURS_FIELD),
        year_sessions=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
    )


def person_year_hours(person, year: int) -> Decimal:
    """One person's credited hours in a year."""
    total = Attendance.objects.filter(user=person, session__date__year=year).aggregate(s=Sum("session__hours"))["s"]
    return total or ZERO


@dataclass
class Completion:
    """Staff who met the year's requirement out of the staff counted, for one office (or the bureau)."""

    label: str
    office_id: int | None
    staff: int = 0
    met: int = 0
    hours: Decimal = ZERO

    @property
    def behind(self) -> int:
        return self.staff - self.met

    @property
    def rate(self) -> Decimal | None:
        return percent(self.met, self.staff)

    @property
    def average_hours(self) -> Decimal | None:
        if not self.staff:
            return None
        return (self.hours / self.staff).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def office_completion(year: int, required: Decimal | None = None) -> tuple[list[Completion], Completion]:
    """Per field office (and the bureau's own sections as one row) and in total: who met the year's hours."""
    if required is None:
        required = requirement_for(year)
    rows = {o.pk: Completion(o.name, o.pk) for o in Office.objects.filter(is_active=True)}
    headquarters = Completion(HEADQUARTERS_LABEL, None)
    total = Completion("全局合计", None)
    for office_id, office_name, hours in staff_hours(year).values_list("office_id", "office__name", "year_hours"):
        if office_id is None:
            row = headquarters
        else:
            row = rows.setdefault(office_id, Completion(office_name, office_id))
        met = required is not None and hours >= required
        for target in (row, total):
            target.staff += 1
            target.met += met
            target.hours += hours
    result = list(rows.values())
    if headquarters.staff:
        result.append(headquarters)
    return result, total


@dataclass
class TrainingSummary:
    """The bureau's training in a year: what the leadership dashboard shows."""

    year: int
    sessions: int
    hours_delivered: Decimal
    attendances: int
    person_hours: Decimal
    staff: int
    met: int
    required: Decimal | None
    offices: list[Completion]
    total: Completion

    @property
    def behind(self) -> int | None:
        return None if self.required is None else self.staff - self.met

    @property
    def completion_rate(self) -> Decimal | None:
        """Staff who met the requirement ÷ staff, in per cent; None without a requirement or without staff."""
        return None if self.required is None else percent(self.met, self.staff)


def bureau_training_summary(year: int) -> TrainingSummary:
    """Sessions and hours delivered, person-hours earned and the completion rate of the bureau (and per office)."""
    delivered = TrainingSession.objects.filter(date__year=year).aggregate(n=Count("id"), h=Sum("hours"))
    earned = Attendance.objects.filter(session__date__year=year).aggregate(n=Count("id"), h=Sum("session__hours"))
    required = requirement_for(year)
    offices, total = office_completion(year, required)
    return TrainingSummary(
        year=year, sessions=delivered["n"], hours_delivered=delivered["h"] or ZERO, attendances=earned["n"],
        person_hours=earned["h"] or ZERO, staff=total.staff, met=total.met if required is not None else 0,
        required=required, offices=offices, total=total,
    )


def training_years() -> list[int]:
    """Years to offer in a year picker: those with sessions or a requirement, and the current year, newest first."""
    years = {d.year for d in TrainingSession.objects.dates("date", "year")}
    years |= set(HoursRequirement.objects.values_list("year", flat=True))
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def person_history(person):
    """A person's sign-ins, newest session first, with the session (and organiser) loaded."""
    return (Attendance.objects.filter(user=person).select_related("session", "session__organiser")
            .order_by("-session__date", "-session__start_time"))


def person_years(person) -> list[dict]:
    """Per year: the person's sessions, hours, the requirement and whether it was met (newest first)."""
    rows = (Attendance.objects.filter(user=person).annotate(y=ExtractYear("session__date")).order_by()
            .values("y").annotate(n=Count("id"), hours=Sum("session__hours")).order_by("-y"))
    required = dict(HoursRequirement.objects.values_list("year", "hours"))
    result = []
    for row in rows:
        need = required.get(row["y"])
        result.append({"year": row["y"], "sessions": row["n"], "hours": row["hours"], "required": need,
                       "met": None if need is None else row["hours"] >= need})
    return result


def session_list_queryset(user):
    """Sessions the user may see, with their attendance and material counts."""
    return TrainingSession.objects.for_user(user).select_related("organiser").annotate(
        attendee_count=Count("attendances", distinct=True),
        material_count=Count("materials", distinct=True),
    )


# -- Conduct --------------------------------------------------------------------------------------------------


def conduct_plans():
    """Plans with the number of inspections, open findings and overdue findings under each."""
    today = timezone.localdate()
    open_q = Q(inspections__findings__status__in=[FindingStatus.PENDING, FindingStatus.RECTIFIED])
    overdue_q = Q(inspections__findings__status=FindingStatus.PENDING, inspections__findings__deadline__lt=today)
    return ConductPlan.objects.annotate(
        inspection_count=Count("inspections", distinct=True),
        finding_count=Count("inspections__findings", distinct=True),
        open_count=Count("inspections__findings", filter=open_q, distinct=True),
        overdue_count=Count("inspections__findings", filter=overdue_q, distinct=True),
    )


def conduct_inspections():
    return ConductInspection.objects.select_related("plan", "office", "department").annotate(
        finding_count=Count("findings", distinct=True),
        open_count=Count("findings", filter=~Q(findings__status=FindingStatus.CLOSED), distinct=True),
    )


def conduct_findings():
    return ConductFinding.objects.select_related(
        "inspection", "inspection__plan", "inspection__office", "inspection__department", "responsible", "closed_by",
    )


def conduct_summary(year: int) -> dict:
    """The year's conduct supervision in figures: plans, inspections and the state of their findings."""
    today = timezone.localdate()
    findings = ConductFinding.objects.filter(inspection__plan__year=year).aggregate(
        total=Count("id"),
        pending=Count("id", filter=Q(status=FindingStatus.PENDING)),
        rectified=Count("id", filter=Q(status=FindingStatus.RECTIFIED)),
        closed=Count("id", filter=Q(status=FindingStatus.CLOSED)),
        overdue=Count("id", filter=Q(status=FindingStatus.PENDING, deadline__lt=today)),
    )
    return {
        "year": year,
        "plans": ConductPlan.objects.filter(year=year).count(),
        "inspections": ConductInspection.objects.filter(plan__year=year).count(),
        **findings,
        "closure_rate": percent(findings["closed"], findings["total"]),
    }


def conduct_years() -> list[int]:
    years = set(ConductPlan.objects.values_list("year", flat=True))
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def dashboard_facts(year: int) -> list:
    """The leadership dashboard's training block (core.dashboard.Fact): sessions and hours delivered, staff who met
    the year's required hours, per office and for the bureau, from bureau_training_summary."""
    from django.urls import reverse

    from core.dashboard import Fact

    summary = bureau_training_summary(year)
    staff_url = reverse("training:staff_list")
    sessions_url = reverse("training:session_list")
    facts = [
        Fact("training", "sessions", "举办培训", summary.sessions, unit="场", drill_url=f"{sessions_url}?year={year}"),
        Fact("training", "hours_delivered", "培训课时", summary.hours_delivered, unit="学时",
             drill_url=f"{sessions_url}?year={year}"),
        Fact("training", "person_hours", "累计参训学时（人次×学时）", summary.person_hours, unit="学时",
             drill_url=f"{staff_url}?year={year}"),
        Fact("training", "required", "年度应完成学时（每人）", summary.required, unit="学时"),
        Fact("training", "staff", "参训人员", summary.staff, unit="人", drill_url=f"{staff_url}?year={year}"),
        Fact("training", "met", "已完成年度学时", summary.met if summary.required is not None else None, unit="人",
             drill_url=f"{staff_url}?year={year}&progress=met"),
        Fact("training", "behind", "未完成年度学时", summary.behind, unit="人",
             drill_url=f"{staff_url}?year={year}&progress=behind"),
        Fact("training", "completion_rate", "学时完成率", summary.completion_rate, unit="%",
             drill_url=f"{staff_url}?year={year}"),
        Fact("training", "average_hours", "人均学时", summary.total.average_hours, unit="学时",
             drill_url=f"{staff_url}?year={year}"),
    ]
    for row in summary.offices:
        if row.office_id is None:
            continue
        url = f"{staff_url}?year={year}&office={row.office_id}"
        facts += [
            Fact("training", "average_hours", "人均学时", row.average_hours, office_id=row.office_id, unit="学时",
                 drill_url=url),
            Fact("training", "met", "已完成年度学时", row.met if summary.required is not None else None,
                 office_id=row.office_id, unit="人", drill_url=url + "&progress=met"),
            Fact("training", "staff", "参训人员", row.staff, office_id=row.office_id, unit="人", drill_url=url),
            Fact("training", "completion_rate", "学时完成率", row.rate if summary.required is not None else None,
                 office_id=row.office_id, unit="%", drill_url=url),
        ]
    return facts
