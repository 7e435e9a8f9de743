"""The credit index pages: the formula, rankings with components, trend charts, and the entities behind a figure."""
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.choices import JobStatus
from core.models import Job
from core.permissions import can_manage_credit_analysis, can_view_risk_class, require
from registry.models import MarketEntity

from .charts import bar_chart, line_chart
from .choices import IndexDimension
from .indices import FORMULA_VERSION, INDEX_JOB_KIND, NOT_YET_LIVE, formula_of, indices_compute_queue, periods_of
from .models import Complaint, CreditIndex
from .scoring import SCORED_STATUSES
from .selectors import current_class_subquery

BREADCRUMB = ("信用指数", "credit:index_home")
TREND_GROUPS = 6


def _dimension(value) -> str:
    return value if value in IndexDimension.values else IndexDimension.SECTION


def _formulas(rows) -> list:
    """The formula versions the rows shown were computed with (the current one when none is shown)."""
    return [formula_of(v) for v in sorted({r.formula for r in rows} or {FORMULA_VERSION})]


def _periods_held() -> list[str]:
    return list(CreditIndex.objects.order_by("period").values_list("period", flat=True).distinct())


@require(can_view_risk_class)
def index_home(request):
    """Rankings of one dimension for one period, with every component beside the index, and trend charts."""
    dimension = _dimension(request.GET.get("dimension"))
    held = _periods_held()
    years = sorted({int(p[:4]) for p in held}, reverse=True)
    period = request.GET.get("period") or (str(years[0]) if years else "")
    rows = list(CreditIndex.objects.filter(period=period, dimension=dimension)
                .order_by(Coalesce("value", -1).desc(), "group_code"))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank if row.value is not None else None
    ranking = bar_chart([(r.group_name, r.value) for r in rows[:20]], title="信用指数排名")
    quarters = [p for p in held if "Q" in p]
    top = [r.group_code for r in sorted(rows, key=lambda r: -r.population)[:TREND_GROUPS]]
    series_rows = CreditIndex.objects.filter(dimension=dimension, group_code__in=top, period__in=quarters)
    values = {(r.group_code, r.period): r.value for r in series_rows}
    names = {r.group_code: r.group_name for r in rows}
    trend = line_chart([q.replace("Q", " Q") for q in quarters],
                       [(names[code], [values.get((code, q)) for q in quarters]) for code in top],
                       title="季度信用指数走势") if quarters and top else None
    running = Job.objects.filter(kind=INDEX_JOB_KIND, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).first()
    return render(request, "credit/index_home.html", {
        "dimension": dimension, "dimensions": IndexDimension.choices, "period": period,
        "period_choices": [(p, p.replace("Q", " 年第 ") + " 季度" if "Q" in p else f"{p} 年") for p in held],
        "rows": rows, "ranking": ranking, "trend": trend, "years": years,
        "formulas": _formulas(rows), "formula_version": FORMULA_VERSION, "not_yet_live": NOT_YET_LIVE,
        "can_compute": can_manage_credit_analysis(request.user), "running": running,
        "breadcrumbs": [(BREADCRUMB[0], None)],
    })


@require(can_manage_credit_analysis)
@require_POST
def index_compute(request):
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        raise Http404
    if not 2000 <= year <= 2100:
        raise Http404
    indices_compute_queue(year=year, by=request.user)
    return redirect(f"{reverse('credit:index_home')}?period={year}")


@require(can_view_risk_class)
def index_group(request, dimension: str, code: str):
    """One section, division or office over every period held: its trend and each period's components."""
    if dimension not in IndexDimension.values:
        raise Http404
    rows = list(CreditIndex.objects.filter(dimension=dimension, group_code=code).order_by("period"))
    if not rows:
        raise Http404
    quarters = [r for r in rows if "Q" in r.period]
    years = [r for r in rows if "Q" not in r.period]
    name = rows[0].group_name
    trend = line_chart([r.period.replace("Q", " Q") for r in quarters], [(name, [r.value for r in quarters])],
                       title=f"{name} 季度信用指数") if quarters else None
    return render(request, "credit/index_group.html", {
        "name": rows[0].group_name, "dimension": dimension, "dimension_label": IndexDimension(dimension).label,
        "code": code, "quarters": quarters, "years": years, "trend": trend, "formulas": _formulas(rows),
        "formula_version": FORMULA_VERSION,
        "breadcrumbs": [BREADCRUMB, (rows[0].group_name, None)],
    })


@require(can_view_risk_class)
def index_entities(request, dimension: str, code: str, period: str):
    """The entities behind one figure: in business at the period's end, with their class then and the complaints
    the figure counted (the 12 months to the period end for rows of 2026-v3 on, the period for older rows)."""
    index = CreditIndex.objects.filter(dimension=dimension, group_code=code, period=period).first()
    if index is None:
        raise Http404
    target = next(p for p in periods_of(index.year) if p.code == period)
    # The complaints the row counted: the 12 months to the period end (2026-v3 on) or the period itself (older rows).
    counted_from = formula_of(index.formula).counted_from(target)
    entities = MarketEntity.objects.for_user(request.user).filter(
        status__in=SCORED_STATUSES, established_on__lte=target.end).select_related("office")
    if dimension == IndexDimension.OFFICE:
        entities = entities.filter(office__code=code)
    else:
        entities = entities.filter(industry_code__startswith=code)
    complaints = (Complaint.objects.filter(entity=OuterRef("pk"), received_on__gte=counted_from,
                                           received_on__lte=target.end)
                  .order_by().values("entity").annotate(n=Count("id")).values("n"))
    entities = entities.annotate(class_then=current_class_subquery(on=target.end),
                                 complaints_in_period=Coalesce(Subquery(complaints), 0))
    chosen = request.GET.get("class", "")
    if chosen in ("A", "B", "C", "D"):
        entities = entities.filter(class_then=chosen)
    elif chosen == "complaints":
        entities = entities.filter(complaints_in_period__gt=0)
    page = Paginator(entities.order_by("name", "id"), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "credit/index_entities.html", {
        "index": index, "target": target, "counted_from": counted_from,
        "twelve_months": formula_of(index.formula).trailing_year, "page": page, "chosen": chosen,
        "query": query.urlencode(),
        "scoped": not request.user.sees_whole_district,
        "breadcrumbs": [BREADCRUMB, (index.group_name, None), (target.label, None)],
    })


