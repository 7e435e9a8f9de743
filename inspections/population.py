"""A task's population (检查对象): the register through the task's filter, minus exclusions, in risk-class strata.

The filter is stored on the task as codes (offices, entity types, industry prefixes, statuses, an established-date
range, a member department's object list), so the certificate can show it as it was. Rows are read set-based in
code order ("C" collation, the order Python's sorted() gives), ready for the certificate without sorting again.
"""
import hashlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Collate
from django.utils import timezone

from registry.choices import EntityType, RegistrationStatus
from registry.models import MarketEntity

from .choices import STRATA, DrawStatus

FILTER_KEYS = ("offices", "entity_types", "industries", "statuses", "established_from", "established_to",
               "object_list")
ENDED_STATUSES = {
    RegistrationStatus.DEREGISTERED: "已注销",
    RegistrationStatus.REVOKED: "已吊销",
    RegistrationStatus.MOVED_OUT: "已迁出",
}


def clean_filter(data: dict) -> dict:
    """The stored form of a population filter: every key present, lists sorted, dates as ISO text."""
    out = {}
    for key in ("offices", "entity_types", "industries", "statuses"):
        out[key] = sorted({str(v).strip() for v in data.get(key) or [] if str(v).strip()})
    for key in ("established_from", "established_to"):
        value = data.get(key)
        out[key] = value.isoformat() if isinstance(value, date) else (value or None)
    out["object_list"] = int(data["object_list"]) if data.get("object_list") else None
    return out


def filtered_entities(population_filter: dict):
    """The register's entities matching a task's filter (no exclusions yet)."""
    f = clean_filter(population_filter)
    qs = MarketEntity.objects.all()
    if f["offices"]:
        qs = qs.filter(office__code__in=f["offices"])
    if f["entity_types"]:
        qs = qs.filter(entity_type__in=f["entity_types"])
    if f["industries"]:
        query = Q()
        for prefix in f["industries"]:
            query |= Q(industry_code__startswith=prefix.upper())
        qs = qs.filter(query)
    if f["statuses"]:
        qs = qs.filter(status__in=f["statuses"])
    if f["established_from"]:
        qs = qs.filter(established_on__gte=f["established_from"])
    if f["established_to"]:
        qs = qs.filter(established_on__lte=f["established_to"])
    if f["object_list"]:
        from .models import ObjectListEntry

        qs = qs.filter(Exists(ObjectListEntry.objects.filter(object_list_id=f["object_list"], entity=OuterRef("pk"))))
    return qs


def recently_checked(task, *, now=None):
    """Entities drawn in the last N months by another task that shares a check item with this one."""
    from .models import SpotCheck

    if not task.exclude_recent_months or not task.pk:
        return SpotCheck.objects.none()
    now = now or timezone.now()
    since = now - timedelta(days=round(task.exclude_recent_months * 365.25 / 12))
    return (SpotCheck.objects.filter(draw__status=DrawStatus.VALID, draw__drawn_at__gte=since,
                                     task__items__in=task.items.all())
            .exclude(task=task))


def exclusion_rules(task) -> dict:
    """The task's exclusion rules as the certificate shows them."""
    return {"recent_months": task.exclude_recent_months, "ended": task.exclude_ended,
            "suspended": task.exclude_suspended}


def certificate_filter(task) -> dict:
    """The filter block of the certificate: the population filter, the exclusion rules, the risk domain."""
    return {**clean_filter(task.population_filter), "exclusions": exclusion_rules(task),
            "risk_domain": task.domain.code if task.domain_id else None,
            "sampling": task.sampling}


@dataclass
class Population:
    """A frozen population: the codes per stratum (in code order) and the exclusions with their reasons."""

    strata: dict[str, list[str]] = field(default_factory=lambda: {s: [] for s in STRATA})
    exclusions: list[dict] = field(default_factory=list)
    enterprises: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STRATA, 0))
    digests: dict[str, str] = field(default_factory=dict)  # population_sha256 per stratum, where already known
    texts: dict[str, str] = field(default_factory=dict)  # the codes joined by newlines, where read that way

    @property
    def size(self) -> int:
        return sum(len(v) for v in self.strata.values())


def _rows(queryset, columns: list[str]) -> list[tuple]:
    """The queryset's rows as plain tuples, in code order, in one round trip without per-row ORM work."""
    qs = queryset.order_by(Collate("uscc", "C") if connection.vendor == "postgresql" else "uscc")
    qs = qs.values_list(*columns)
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _exclusion_reason(task):
    """The reason an entity matching the filter is left out (SQL), or NULL when it stays in the population."""
    whens = []
    if task.exclude_ended:
        whens += [When(status=status, then=Value(reason)) for status, reason in ENDED_STATUSES.items()]
    if task.exclude_suspended:
        whens.append(When(status=RegistrationStatus.SUSPENDED, then=Value("歇业")))
    if task.exclude_recent_months:
        recent = recently_checked(task).filter(entity=OuterRef("pk"))
        whens.append(When(Exists(recent), then=Value(f"{task.exclude_recent_months} 个月内已因相同抽查事项被抽查")))
    return Case(*whens, default=Value(None), output_field=CharField()) if whens else Value(None,
                                                                                            output_field=CharField())


@contextmanager
def _snapshot():
    """One consistent view of the register and the classes (PostgreSQL: a repeatable-read, read-only transaction
    when none is open), with memory enough to sort a million codes without spilling to disk."""
    if connection.vendor != "postgresql":
        yield
        return
    outer = connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if not outer:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET LOCAL work_mem = '128MB'")
        yield


def freeze(task, *, count_enterprises: bool = False) -> Population:
    """Read the task's population now: filter, exclusions (each with its reason), risk-class strata."""
    from credit.selectors import current_risk_classes

    population = Population()
    base = filtered_entities(task.population_filter)
    if connection.vendor == "postgresql" and not count_enterprises:
        return _freeze_postgres(task, base, population)
    columns = ["id", "uscc", "reason", *(["entity_type"] if count_enterprises else [])]
    with _snapshot():
        rows = _rows(base.annotate(reason=_exclusion_reason(task)), columns)
        classes = current_risk_classes(base, domain=task.domain) if rows else {}
    strata, exclusions, get = population.strata, population.exclusions, classes.get
    if count_enterprises:
        enterprise, counts = EntityType.ENTERPRISE.value, population.enterprises
        for entity_id, uscc, reason, entity_type in rows:
            if reason is not None:
                exclusions.append({"uscc": uscc, "reason": reason})
                continue
            cls = get(entity_id, "U")
            strata[cls].append(uscc)
            if entity_type == enterprise:
                counts[cls] += 1
        return population
    for entity_id, uscc, reason in rows:
        if reason is None:
            strata[get(entity_id, "U")].append(uscc)
        else:
            exclusions.append({"uscc": uscc, "reason": reason})
    return population


def _freeze_postgres(task, base, population: Population) -> Population:
    """The population in one query: per stratum every code in "C" order joined by newlines (the text whose SHA-256
    is the certificate's population_sha256), and the excluded codes with their reasons. The register and the
    classes are merge-joined in id order (no hash table over the million classes), and nothing is built row by
    row in Python."""
    from credit.selectors import current_risk_classes_sql

    inner_sql, inner_params = (base.annotate(reason=_exclusion_reason(task)).order_by()
                               .values_list("id", "uscc", "reason").query.sql_with_params())
    classes_sql, classes_params = current_risk_classes_sql(domain=task.domain)
    in_stratum = ", ".join(
        f"""string_agg(p.uscc, E'\\n' ORDER BY p.uscc COLLATE "C") """
        f"""FILTER (WHERE p.reason IS NULL AND COALESCE(c.risk_class, 'U') = '{cls}')""" for cls in STRATA)
    sql = (f"""SELECT {in_stratum}, string_agg(p.uscc || E'\\t' || p.reason, E'\\n' ORDER BY p.uscc COLLATE "C") """
           f"FILTER (WHERE p.reason IS NOT NULL) "
           f"FROM ({inner_sql}) AS p (id, uscc, reason) LEFT JOIN ({classes_sql}) AS c ON c.entity_id = p.id")
    with _snapshot(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute(sql, [*inner_params, *classes_params])
        *texts, excluded = cursor.fetchone()
        cursor.execute("SET LOCAL enable_hashjoin TO DEFAULT")  # in case an outer transaction goes on
    for cls, text in zip(STRATA, texts, strict=True):
        if text:
            population.strata[cls] = text.split("\n")
            population.digests[cls] = hashlib.sha256(text.encode("utf-8")).hexdigest()
            population.texts[cls] = text
    if excluded:
        population.exclusions = [{"uscc": uscc, "reason": reason}
                                 for uscc, reason in (line.split("\t", 1) for line in excluded.split("\n"))]
    return population


def locate(codes: list[str], cursor=None) -> dict[str, tuple[int, str]]:
    """Code → (entity id, office code) for the selected entities (tens of thousands, by the unique code index).
    ``cursor``: a DB-API cursor to use instead of Django's (the draw job's lookup thread, same transaction)."""
    from core.models import Office

    if cursor is None:
        with connection.cursor() as cursor:
            return locate(codes, cursor)
    if connection.vendor != "postgresql":
        found = {}
        for start in range(0, len(codes), 500):
            found.update((uscc, (entity_id, office)) for uscc, entity_id, office in MarketEntity.objects.filter(
                uscc__in=codes[start:start + 500]).values_list("uscc", "id", "office__code"))
        return found
    cursor.execute(f"SELECT e.uscc, e.id, o.code FROM {MarketEntity._meta.db_table} e "
                   f"LEFT JOIN {Office._meta.db_table} o ON o.id = e.office_id WHERE e.uscc = ANY(%s)", [list(codes)])
    return {uscc: (entity_id, office) for uscc, entity_id, office in cursor.fetchall()}
