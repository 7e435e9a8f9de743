"""Reads of the credit app: current risk classes for the draws, lists and indices."""
from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import F, Q, QuerySet

from .models import EntityRiskClass, RiskDomain


def domain_for(domain: str | RiskDomain | None) -> RiskDomain | None:
    """A domain from its code or name ("food" or "食品"); None for the general class. Unknown → ValueError."""
    if domain is None or isinstance(domain, RiskDomain):
        return domain
    found = RiskDomain.objects.filter(Q(code=domain) | Q(name=domain)).first()
    if found is None:
        raise ValueError(f"未知的专业分类领域：{domain}")
    return found


def current_risk_classes(
    entity_ids: Iterable[int] | QuerySet | None = None, *, domain: str | RiskDomain | None = None,
    on: date | None = None,
) -> dict[int, str]:
    """Entity id → its current class ("A"…"D"); entities without a class are absent.

    ``domain`` (a RiskDomain, its code or its name): the entity's latest class in that domain where there is
    one, else its latest general class. ``entity_ids``: a list of ids or a queryset of entities (None = all).
    ``on``: the classes as they stood on that date (results dated later are ignored). One query.
    """
    domain = domain_for(domain)
    if connection.vendor == "postgresql":
        return _current_postgres(entity_ids, domain, on)
    return _current_portable(entity_ids, domain, on)


def current_risk_classes_sql(*, domain: str | RiskDomain | None = None, on: date | None = None) -> tuple[str, list]:
    """PostgreSQL: the query behind ``current_risk_classes`` for every classified entity (columns entity_id,
    risk_class, one row per entity, in entity_id order), to be joined in SQL (the draw's population)."""
    return _current_sql(None, domain_for(domain), on)


def _current_postgres(entity_ids, domain, on) -> dict[int, str]:
    if entity_ids is not None and not isinstance(entity_ids, QuerySet):
        entity_ids = list(entity_ids)
        if not entity_ids:
            return {}
    sql, params = _current_sql(entity_ids, domain, on)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _current_sql(entity_ids, domain, on) -> tuple[str, list]:
    table = EntityRiskClass._meta.db_table
    where, params = [], []
    if domain is None:
        where.append("domain_id IS NULL")
        order = "entity_id, classified_on DESC"
    else:
        where.append("(domain_id IS NULL OR domain_id = %s)")
        params.append(domain.pk)
        order = "entity_id, (domain_id IS NULL), classified_on DESC"  # the domain's own class first
    if on is not None:
        where.append("classified_on <= %s")
        params.append(on)
    if isinstance(entity_ids, QuerySet):
        sub_sql, sub_params = entity_ids.order_by().values("pk").query.sql_with_params()
        where.append(f"entity_id IN ({sub_sql})")
        params.extend(sub_params)
    elif entity_ids is not None:
        where.append("entity_id = ANY(%s)")
        params.append(entity_ids)
    sql = (f"SELECT DISTINCT ON (entity_id) entity_id, risk_class FROM {table} "
           f"WHERE {' AND '.join(where)} ORDER BY {order}")
    return sql, params


def _current_portable(entity_ids, domain, on) -> dict[int, str]:
    """The same answer without DISTINCT ON (the SQLite demo): rows in priority order, the first per entity wins."""
    qs = EntityRiskClass.objects.all()
    qs = qs.filter(domain__isnull=True) if domain is None else qs.filter(Q(domain__isnull=True) | Q(domain=domain))
    if on is not None:
        qs = qs.filter(classified_on__lte=on)
    if isinstance(entity_ids, QuerySet):
        qs = qs.filter(entity_id__in=entity_ids.order_by().values("pk"))
    elif entity_ids is not None:
        ids = list(entity_ids)
        result: dict[int, str] = {}
        for start in range(0, len(ids), _PORTABLE_BATCH):  # SQLite caps the parameters of one statement
            result.update(_first_per_entity(qs.filter(entity_id__in=ids[start:start + _PORTABLE_BATCH])))
        return result
    return _first_per_entity(qs)


_PORTABLE_BATCH = 900


def _first_per_entity(qs) -> dict[int, str]:
    result: dict[int, str] = {}
    # Within an entity: the domain's own results before general ones, the latest first.
    ordered = qs.order_by("entity_id", F("domain_id").desc(nulls_last=True), "-classified_on")
    for entity_id, risk_class in ordered.values_list("entity_id", "risk_class").iterator(chunk_size=10000):
        result.setdefault(entity_id, risk_class)
    return result


def current_class_subquery(*, domain: RiskDomain | None = None, on: date | None = None, entity_ref: str = "pk"):
    """A correlated subquery: the current class of the entity in the outer query (general, or the domain's with
    the general fallback), for annotating and filtering entity querysets; NULL when unclassified."""
    from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When

    from .models import CurrentRiskClass

    if domain is None and on is None:  # the current general class: one row per entity, kept beside the history
        return Subquery(CurrentRiskClass.objects.filter(entity_id=OuterRef(entity_ref)).values("risk_class")[:1])
    qs = EntityRiskClass.objects.filter(entity_id=OuterRef(entity_ref))
    if on is not None:
        qs = qs.filter(classified_on__lte=on)
    if domain is None:
        qs = qs.filter(domain__isnull=True).order_by("-classified_on")
    else:
        qs = qs.filter(Q(domain__isnull=True) | Q(domain=domain)).order_by(
            Case(When(domain__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField()),
            "-classified_on")
    return Subquery(qs.values("risk_class")[:1])


def class_history(entity) -> list[EntityRiskClass]:
    """An entity's classification results, latest first, general before the domains on the same date."""
    return list(entity.risk_classes.select_related("domain", "job").order_by(
        "-classified_on", F("domain__sort_order").asc(nulls_first=True), "domain__code"))


def class_distribution(entities, *, domain: RiskDomain | None = None, on: date | None = None,
                       by: str = "office_id") -> dict:
    """(value of ``by``, class or None) → number of entities, for an entity queryset; one query."""
    from django.db.models import Count

    if domain is None and on is None:  # one join with the current classes instead of a subquery per entity
        rows = (entities.order_by().annotate(_rc=F("current_risk_class__risk_class"))
                .values(by, "_rc").annotate(n=Count("id")))
        return {(row[by], row["_rc"]): row["n"] for row in rows}
    rows = (entities.order_by().annotate(_rc=current_class_subquery(domain=domain, on=on))
            .values(by, "_rc").annotate(n=Count("id")))
    return {(row[by], row["_rc"]): row["n"] for row in rows}


def results_for(user, run):
    """The results of a run a user may see: the whole district, or their own office's entities."""
    results = run.results.all()
    if user.sees_whole_district:
        return results
    from core.choices import Role

    if user.has_role(Role.OFFICE) and user.office_id:
        return results.filter(entity__office_id=user.office_id)
    return results.none()


def runs_for(user):
    """Runs are visible to the roles that work with classes (their results are scoped by results_for)."""
    from core.permissions import can_view_risk_class

    from .models import ModelRun

    runs = ModelRun.objects.select_related("version__model", "job", "created_by")
    return runs if can_view_risk_class(user) else runs.none()


def reproduction_differences(run) -> int:
    """How many entities a reproduction scored differently from the run it reproduces (None if not one)."""
    from .models import ModelResult

    if not run.reproduces_id:
        return None
    table = ModelResult._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT entity_id, score, risk_class FROM {table} WHERE run_id = %s) a "
            f"FULL OUTER JOIN (SELECT entity_id, score, risk_class FROM {table} WHERE run_id = %s) b "
            f"ON a.entity_id = b.entity_id WHERE a.entity_id IS NULL OR b.entity_id IS NULL "
            f"OR a.score <> b.score OR a.risk_class <> b.risk_class",
            [run.pk, run.reproduces_id])
        return cursor.fetchone()[0]


# ---- listings, penalty publicity and credit repair --------------------------------------------------------------

def active_listings(kind: str | None = None) -> QuerySet:
    """Listings and marks in force (listed, or cured and waiting for the removal decision): ListingCase rows with
    ``entity_id``, ``kind`` (abnormal / individual_abnormal / serious), ``reason`` and ``listed_on``."""
    from .models import ListingCase

    qs = ListingCase.objects.in_force()
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs


def _count_by(qs, date_field: str) -> dict[tuple[int | None, int | None], int]:
    """(office_id or None, month or None) → count of the rows, for the year's rows of qs by date_field."""
    from collections import Counter

    counts: Counter = Counter()
    for office_id, day in qs.values_list("office_id", date_field):
        for key in ((office_id, None), (office_id, day.month), (None, None), (None, day.month)):
            counts[key] += 1
    return counts


def dashboard_facts(year: int) -> list:
    """The leadership dashboard's blocks "repair" and "listings" (core.dashboard.Fact), per office and district-wide,
    for the year and per month, each with the list page behind it pre-filtered."""
    from decimal import ROUND_HALF_UP, Decimal

    from django.urls import reverse

    from core.dashboard import Fact
    from core.models import Office
    from core.workdays import workdays_between

    from .choices import ListingKind
    from .models import ListingCase, PenaltyRecord, RepairCase

    offices = list(Office.objects.values_list("pk", flat=True))
    keys = [(None, None)] + [(None, m) for m in range(1, 13)]
    keys += [(o, None) for o in offices] + [(o, m) for o in offices for m in range(1, 13)]

    def url(name: str, office_id, month, **extra) -> str:
        params = [f"year={year}"] + ([f"month={month}"] if month else [])
        params += [f"office={office_id}"] if office_id else []
        params += [f"{k}={v}" for k, v in extra.items()]
        return f"{reverse(name)}?{'&'.join(params)}"

    facts = []

    def add(block, key, label, counts, unit, name, **extra):
        for office_id, month in keys:
            facts.append(Fact(block, key, label, counts.get((office_id, month), 0), office_id=office_id, month=month,
                              unit=unit, drill_url=url(name, office_id, month, **extra)))

    repairs = RepairCase.objects.all()
    received = repairs.filter(applied_on__year=year)
    decided = repairs.filter(decided_on__year=year)
    add("repair", "cases", "受理信用修复申请", _count_by(received, "applied_on"), "件", "credit:repair_list",
        basis="applied")
    add("repair", "decided", "作出修复决定", _count_by(decided, "decided_on"), "件", "credit:repair_list",
        basis="decided")
    on_time = decided.filter(decision_due__isnull=False, decided_on__lte=F("decision_due"))
    add("repair", "decided_on_time", "按期作出决定", _count_by(on_time, "decided_on"), "件", "credit:repair_list",
        basis="on_time")
    spans: dict = {}
    for office_id, accepted, done in decided.filter(accepted_on__isnull=False).values_list(
            "office_id", "accepted_on", "decided_on"):
        days = workdays_between(accepted, done)
        for key in ((office_id, None), (office_id, done.month), (None, None), (None, done.month)):
            spans.setdefault(key, []).append(days)
    for office_id, month in keys:
        values = spans.get((office_id, month))
        average = (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP) if values else None
        facts.append(Fact("repair", "average_workdays", "受理至决定平均用时", average, office_id=office_id,
                          month=month, unit="个工作日",
                          drill_url=url("credit:repair_list", office_id, month, basis="decided")))

    listings = ListingCase.objects.filter(listed_on__year=year)
    add("listings", "listed", "列入经营异常名录", _count_by(listings.filter(kind=ListingKind.ABNORMAL), "listed_on"),
        "户", "credit:listing_list", event="listed", kind=ListingKind.ABNORMAL)
    add("listings", "marked", "标记经营异常状态（个体工商户）",
        _count_by(listings.filter(kind=ListingKind.INDIVIDUAL_ABNORMAL), "listed_on"), "户", "credit:listing_list",
        event="listed", kind=ListingKind.INDIVIDUAL_ABNORMAL)
    removed = ListingCase.objects.filter(removed_on__year=year).exclude(kind=ListingKind.SERIOUS)
    add("listings", "removed", "移出名录或恢复正常记载状态", _count_by(removed, "removed_on"), "户",
        "credit:listing_list", event="removed")
    add("listings", "serious_listed", "列入严重违法失信名单",
        _count_by(listings.filter(kind=ListingKind.SERIOUS), "listed_on"), "户", "credit:listing_list",
        event="listed", kind=ListingKind.SERIOUS)
    published = PenaltyRecord.objects.filter(published_on__year=year)
    add("listings", "penalties_published", "公示行政处罚信息", _count_by(published, "published_on"), "件",
        "credit:penalty_list")
    return facts
