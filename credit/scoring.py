"""The classification run: score every entity of a population with a frozen model version, and explain it.

The population is streamed once; each indicator that needs other records is one set-based query for the whole
population (complaints, status changes, classes per entity). Scores depend only on the tuple of indicator values,
and few tuples occur, so each distinct tuple is scored once. On PostgreSQL the results go in with COPY.
"""
import csv
import io
import json
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from core.services import job_progress
from registry.choices import RegistrationStatus
from registry.models import MarketEntity

from .choices import IndicatorKind
from .indicators import EXCLUDED, KINDS, NOT_AVAILABLE, Kind, contribution
from .models import ModelResult, ModelRun, ModelVersion

RUN_JOB_KIND = "credit.classification_run"
SCORED_STATUSES = [RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED]
PROGRESS_EVERY = 50_000
CHUNK = 20_000
# Scoring enterprises to compare with the upstream class must not use the upstream class itself.
COMPARISON_EXCLUDES = [IndicatorKind.RISK_CLASS_HISTORY.value]
YEARS = object()  # marks the indicator whose value comes with the population row


@dataclass(frozen=True)
class PlanItem:
    """One indicator as a run uses it: its kind, weight, parameters and whether it counts."""

    kind: Kind
    weight: Decimal
    params: dict
    state: str  # "" counts; NOT_AVAILABLE or EXCLUDED contribute nothing

    @property
    def counts(self) -> bool:
        return not self.state


def plan_for(version: ModelVersion, excluded_kinds=()) -> list[PlanItem]:
    """The version's indicators in order, each with the state it has in a run."""
    items = []
    for indicator in version.indicators.all():
        kind = KINDS[indicator.kind]
        state = NOT_AVAILABLE if not kind.available else EXCLUDED if indicator.kind in excluded_kinds else ""
        items.append(PlanItem(kind, indicator.weight, kind.params_with_defaults(indicator.params), state))
    return items


def score_values(version: ModelVersion, plan: list[PlanItem], values: tuple) -> tuple[Decimal, str, list[str]]:
    """(score, class, contributions as decimal strings) for one entity's indicator values."""
    contributions = [contribution(item.kind, item.weight, value, item.params) if item.counts else Decimal("0.00")
                     for item, value in zip(plan, values, strict=True)]
    score = sum(contributions, Decimal("0.00"))
    return score, version.class_for(score), [str(c) for c in contributions]


def population(run: ModelRun):
    """The entities a run scores: the type's entities in business on the base date, or those of the run it
    reproduces. A queryset of MarketEntity."""
    if run.reproduces_id:
        return MarketEntity.objects.filter(pk__in=ModelResult.objects.filter(run_id=run.reproduces_id)
                                           .values("entity_id"))
    return MarketEntity.objects.filter(entity_type=run.entity_type, status__in=SCORED_STATUSES,
                                       established_on__lte=run.as_of)


def full_years(since: date, until: date) -> int:
    return until.year - since.year - ((until.month, until.day) < (since.month, since.day))


def _population_rows(run: ModelRun):
    """(entity id, full years in operation on the base date, office id) for the population, streamed."""
    qs = population(run).order_by("id")
    if connection.vendor == "postgresql":
        sql, params = qs.values("id").query.sql_with_params()
        table = MarketEntity._meta.db_table
        query = (f"SELECT e.id, EXTRACT(YEAR FROM age(%s::date, e.established_on))::int, e.office_id FROM {table} e "
                 f"WHERE e.id IN ({sql}) ORDER BY e.id")
        with connection.chunked_cursor() as cursor:
            cursor.execute(query, [run.as_of, *params])
            while rows := cursor.fetchmany(CHUNK):
                yield from rows
        return
    for pk, established, office_id in qs.values_list("id", "established_on", "office_id").iterator(chunk_size=CHUNK):
        yield pk, full_years(established, run.as_of), office_id


class RunReport:
    """What a run produced, in the shape the job runner records."""

    ok = True

    def __init__(self, run: ModelRun):
        self.run = run

    def summary(self) -> str:
        counts = "，".join(f"{c} 类 {self.run.class_counts.get(c, 0)} 户" for c in "ABCD")
        return f"评价完成：共 {self.run.population} 户（{counts}）。"

    def as_result(self) -> dict:
        return {"run": self.run.pk, "population": self.run.population, "class_counts": self.run.class_counts,
                "summary": self.summary()}


def classification_run_execute(*, run: ModelRun, job=None) -> RunReport:
    """Score the run's population and store every result with its explanation (replacing any earlier attempt)."""
    version = run.version
    plan = plan_for(version, run.excluded_kinds)
    if job is not None:
        job_progress(job, done=0, total=1, stage="统计指标数据")
    # Per indicator: YEARS (the population row's own value), a {entity: value} lookup with the value of entities
    # it does not list, or None (the indicator does not count in this run).
    slots = []
    for item in plan:
        if not item.counts:
            slots.append(None)
        elif item.kind.code == IndicatorKind.YEARS_IN_OPERATION:
            slots.append(YEARS)
        else:
            missing = None if item.kind.code == IndicatorKind.RISK_CLASS_HISTORY else 0
            slots.append((item.kind.sparse(run.as_of, item.params, population(run).values("pk")), missing))
    total = population(run).count()
    if job is not None:
        job_progress(job, done=0, total=total + total // 5 + 1, stage="逐户评分")

    cache: dict[tuple, tuple[str, str]] = {}  # values → (class, the row's CSV tail)
    counts: Counter = Counter()  # (office id, class) → entities
    staging = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="")
    line = io.StringIO()
    writer = csv.writer(line, lineterminator="")
    prefix = f"{run.pk},"
    n = 0
    for entity_id, years, office_id in _population_rows(run):
        values = tuple(years if slot is YEARS else None if slot is None else slot[0].get(entity_id, slot[1])
                       for slot in slots)
        cached = cache.get(values)
        if cached is None:
            score, risk_class, contributions = score_values(version, plan, values)
            line.seek(0)
            line.truncate()
            writer.writerow([score, risk_class, json.dumps(values, ensure_ascii=False), json.dumps(contributions)])
            cached = cache[values] = (risk_class, line.getvalue())
        counts[(office_id, cached[0])] += 1
        staging.write(f"{prefix}{entity_id},{cached[1]}\n")
        n += 1
        if job is not None and n % PROGRESS_EVERY == 0:
            job_progress(job, done=n)
    if job is not None:
        job_progress(job, done=n, stage="保存结果")
    staging.seek(0)
    with transaction.atomic():
        ModelResult.objects.filter(run=run).delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.copy_expert(f"COPY {ModelResult._meta.db_table} (run_id, entity_id, score, risk_class, values, "
                                   f"contributions) FROM STDIN WITH (FORMAT csv)", staging)
        else:
            _write_orm(staging)
        run.population = n
        run.class_counts = {c: sum(k for (_, rc), k in counts.items() if rc == c) for c in "ABCD"}
        run.office_counts = {}
        for (office, rc), k in counts.items():
            run.office_counts.setdefault(str(office), {c: 0 for c in "ABCD"})[rc] = k
        run.finished_at = timezone.now()
        run.save(update_fields=["population", "class_counts", "office_counts", "finished_at"])
    staging.close()
    return RunReport(run)


def _write_orm(staging) -> None:
    batch = []
    for run_id, entity_id, score, risk_class, values, contributions in csv.reader(staging):
        batch.append(ModelResult(run_id=int(run_id), entity_id=int(entity_id), score=Decimal(score),
                                 risk_class=risk_class, values=json.loads(values),
                                 contributions=json.loads(contributions)))
        if len(batch) >= 2000:
            ModelResult.objects.bulk_create(batch)
            batch.clear()
    ModelResult.objects.bulk_create(batch)


# ---- reading a run -------------------------------------------------------------------------------------------

@dataclass
class ExplanationLine:
    label: str
    source: str
    rule: str
    weight: Decimal
    shown: str
    contribution: Decimal
    state: str


def explain(result: ModelResult, plan: list[PlanItem] | None = None) -> list[ExplanationLine]:
    """Each indicator's value and contribution for one result; the contributions sum to its score."""
    plan = plan if plan is not None else plan_for(result.run.version, result.run.excluded_kinds)
    lines = []
    for item, value, points in zip(plan, result.values, result.contributions, strict=True):
        shown = item.state or (item.kind.show(value, item.params) if item.kind.show else str(value))
        lines.append(ExplanationLine(item.kind.label, item.kind.source, item.kind.describe(item.params), item.weight,
                                     shown, Decimal(points), item.state))
    return lines


def agreement_matrix(run: ModelRun, results=None) -> dict:
    """Upstream general class on the base date × model class, counted over the run's (visible) results."""
    from .selectors import current_class_subquery

    results = results if results is not None else run.results.all()
    rows = (results.order_by().annotate(upstream=current_class_subquery(entity_ref="entity_id", on=run.as_of))
            .values("upstream", "risk_class").annotate(n=Count("id")))
    cells = {(r["upstream"], r["risk_class"]): r["n"] for r in rows}
    classified = sum(n for (up, _), n in cells.items() if up)
    same = sum(cells.get((c, c), 0) for c in "ABCD")
    near = sum(n for (up, mine), n in cells.items() if up and abs(ord(up) - ord(mine)) <= 1)
    return {
        "rows": [(up, [cells.get((up, mine), 0) for mine in "ABCD"], sum(cells.get((up, m), 0) for m in "ABCD"))
                 for up in [*"ABCD", None]],
        "classified": classified,
        "same": same,
        "near": near,
        "same_rate": round(same * 100 / classified, 1) if classified else None,
        "near_rate": round(near * 100 / classified, 1) if classified else None,
    }
