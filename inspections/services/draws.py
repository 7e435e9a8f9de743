"""The draw of a task (hmac-sha256-rank/v1): request, run as a job, resume after a crash, void and draw again.

A request claims the task (draft → drawing) with a conditional update, so two requests at the same moment make
one job; a database constraint allows one valid draw per task whatever races. The job computes outside any
transaction (so the page sees its progress) and writes the draw, its checks, assignments and certificate in one
transaction: a worker killed mid-draw leaves nothing, and ``draw_resume`` runs it again. On PostgreSQL the job
holds an advisory lock for its whole run, so a dead worker is seen at once.
"""
import gzip
import hashlib
import io
import json
import logging
import os
import queue
import re
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from core.audit import audit
from core.choices import AuditAction, JobStatus, Role
from core.models import Job
from core.services import job_create, job_enqueue, job_fail, job_is_stalled, job_progress
from registry.models import MarketEntity

from ..algorithm import (
    ALGORITHM,
    STRATA,
    DrawFailure,
    Hasher,
    PoolMember,
    assign,
    canonical_bytes,
    population_digest,
    rank_select,
    ratio_text,
    sample_size,
    walk_order,
)
from ..choices import CheckStatus, DrawStatus, InspectorStatus, RedrawStatus, TaskStatus
from ..models import CheckAssignment, Draw, Inspector, InspectorConflict, RedrawRequest, SpotCheck, Task
from ..parallel import MIN_WALK, ForkedOrders, rank_parallel
from ..population import certificate_filter, freeze, locate
from .plans import _validate

logger = logging.getLogger(__name__)

DRAW_JOB_KIND = "inspections.draw"
LOCK_NAMESPACE = 730_301  # first key of the (namespace, task id) advisory lock pair
ASSIGNMENT_BATCH = 4096  # at most so many entities' assignments per COPY while the job assigns (an eighth of a
# smaller walk, at least 256: the last batch is written after the assignment, so it should be small)
# The assignment's helper process (inspections.parallel.ForkedOrders) is off in the job: while the job assigns,
# the second core already runs the database's side of the writer thread (COPY and foreign-key checks, about 3 s
# of CPU at 1,000,000 entities), and with the helper as well the draw measured 0.1–0.6 s slower (bench/README.md).
ASSIGNMENT_HELPER = False


# ---------------------------------------------------------------------------------------------------------
# Requesting a draw
# ---------------------------------------------------------------------------------------------------------

def _queue(task: Task, *, by) -> Job:
    from ..tasks import draw_task

    job = job_create(kind=DRAW_JOB_KIND, user=by, params={"task": task.pk})
    job_enqueue(job=job, task=draw_task)
    return job


@transaction.atomic
def task_draw_request(*, task: Task, by) -> Job:
    """Queue the draw of a task; a second request finds the task already claimed and is refused."""
    task = Task.objects.select_related("plan", "lead_department").get(pk=task.pk)
    _validate(task, list(task.items.all()), [p.department for p in task.participants.select_related("department")])
    claimed = Task.objects.filter(pk=task.pk, status=TaskStatus.DRAFT).update(status=TaskStatus.DRAWING)
    if not claimed:
        raise ValidationError("该任务已经抽取或正在抽取（可能有人同时提交了抽取），不能重复抽取。")
    job = _queue(task, by=by)
    audit(actor=by, action=AuditAction.STATUS, target=task, summary=f"提交抽取：{task}",
          changes={"status": [TaskStatus.DRAFT.label, TaskStatus.DRAWING.label]}, extra={"job": job.pk})
    return job


def draw_jobs(task: Task):
    return Job.objects.filter(kind=DRAW_JOB_KIND, params__task=task.pk).order_by("-created_at", "-id")


def draw_in_progress(task: Task, job: Job | None = None) -> bool:
    """Whether a worker is drawing this task right now (PostgreSQL: it holds the task's advisory lock)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, task.pk])
            acquired = cursor.fetchone()[0]
            if acquired:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, task.pk])
        return not acquired
    return job is not None and job.status == JobStatus.RUNNING and not job_is_stalled(job)


def draw_interrupted(task: Task) -> bool:
    """Whether the task's draw was interrupted (its worker died): then it may be run again."""
    if task.status != TaskStatus.DRAWING:
        return False
    job = draw_jobs(task).first()
    if job is None or job.is_finished:
        return True
    if job.status == JobStatus.RUNNING:
        return not draw_in_progress(task, job)
    return False  # queued: waiting for a worker (core.services re-sends a message the broker lost)


@transaction.atomic
def draw_resume(*, task: Task, by) -> Job:
    """Run an interrupted draw again: the interrupted job is marked failed and a new one is queued."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.DRAWING:
        raise ValidationError("任务当前不在抽取中，无需重新执行。")
    job = draw_jobs(task).first()
    if job is not None and not job.is_finished and draw_in_progress(task, job):
        raise ValidationError("抽取正在进行中，请稍候查看结果。")
    if job is not None and not job.is_finished:
        job_fail(job, error="抽取中断（后台进程意外退出或任务消息丢失），未保存任何结果；已重新提交抽取。")
    new = _queue(task, by=by)
    audit(actor=by, action=AuditAction.STATUS, target=task, summary=f"重新执行中断的抽取：{task}",
          extra={"interrupted_job": job.pk if job else None, "job": new.pk})
    return new


# ---------------------------------------------------------------------------------------------------------
# Running a draw (the Celery job)
# ---------------------------------------------------------------------------------------------------------

@contextmanager
def _task_lock(task_id: int):
    """Hold the task's advisory lock for the whole job (PostgreSQL); yields False if another worker holds it."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, task_id])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, task_id])


@dataclass
class Computed:
    """A draw computed in memory, not yet written."""

    seed: str
    drawn_at: object
    body: bytes  # the canonical certificate without certificate_sha256
    sha: str
    summary: dict
    population_size: int
    sample_size: int
    walk: list  # [(uscc, stratum)] in walk order
    assignments: list  # [[inspector code, ...]] in walk order
    entity_ids: dict
    inspector_ids: dict
    timings: dict  # seconds per stage, kept in the job's result


def freeze_pool(task: Task) -> tuple[list[PoolMember], dict[str, int]]:
    """The task's active inspectors qualified for any of its check items, with their declared conflicts."""
    inspectors = list(
        Inspector.objects.filter(status=InspectorStatus.ACTIVE, qualified_items__in=task.items.all())
        .distinct().order_by("code").values_list("id", "code", "office__code", "department__code")
    )
    conflicts: dict[int, set[str]] = {}
    for inspector_id, uscc in InspectorConflict.objects.filter(
            inspector_id__in=[i[0] for i in inspectors]).values_list("inspector_id", "entity__uscc"):
        conflicts.setdefault(inspector_id, set()).add(uscc)
    pool = [PoolMember(code, office, department, frozenset(conflicts.get(pk, ())))
            for pk, code, office, department in inspectors]
    return pool, {code: pk for pk, code, _, _ in inspectors}


def _progress(job, percent: int, stage: str) -> None:
    if job is not None:
        job_progress(job, done=percent, total=100, stage=stage)


def _rank(task: Task, population, hasher: Hasher, *, parallel: bool = False):
    """The strata of the certificate, the walk (every selected entity in ascending key order), each selected
    entity's stratum, (id, office) and office. ``parallel`` (the job on PostgreSQL): half the codes are ranked by a
    helper process, and each stratum's selection is looked up in the database by a thread while the rest is
    ranked (``inspections.parallel.rank_parallel``)."""
    ratios = task.stratum_ratios()
    ratio = {cls: ratio_text(ratios[cls]) for cls in STRATA}
    sizes = {cls: sample_size(len(population.strata[cls]), ratio[cls]) for cls in STRATA}
    if parallel:
        lookups = _Lookups()
        try:
            selected = rank_parallel(population.strata, sizes, hasher, done=lookups.add)
        finally:
            located = lookups.finish()
    else:
        selected = {cls: rank_select(population.strata[cls], sizes[cls], hasher) for cls in STRATA}
    strata = [{"class": cls, "ratio": ratio[cls], "population_size": len(codes), "sample_size": sizes[cls],
               "population_sha256": population.digests.get(cls) or population_digest(codes),
               "population": codes, "selected": [code for _, code in selected[cls]]}
              for cls, codes in ((cls, population.strata[cls]) for cls in STRATA)]
    walk = [code for _, code in walk_order(selected)]
    stratum_of = {code: cls for cls, ranked in selected.items() for _, code in ranked}
    if not parallel:
        located = locate(walk)
    offices = {code: located[code][1] for code in walk}
    return strata, walk, stratum_of, located, offices


class _Lookups:
    """Looks the selected entities up (``population.locate``) in a thread, on the job's own connection, while
    the job's thread goes on ranking. Started at the first stratum (after the ranking helper is forked)."""

    def __init__(self):
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.found: dict[str, tuple[int, str]] = {}
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def add(self, cls: str, ranked: list) -> None:
        if self.thread is None:
            connection.ensure_connection()
            self.thread = threading.Thread(target=self._run, args=(connection.connection,), daemon=True,
                                           name="draw-lookups")
            self.thread.start()
        self.queue.put([code for _, code in ranked])

    def _run(self, raw) -> None:
        try:
            with raw.cursor() as cursor:
                while (codes := self.queue.get()) is not None:
                    if codes:
                        self.found.update(locate(codes, cursor))
        except BaseException as exc:  # noqa: BLE001 — raised in the job's thread by finish()
            self.error = exc
            while self.queue.get() is not None:  # let finish() return
                pass

    def finish(self) -> dict[str, tuple[int, str]]:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error
        return self.found


def _named(exc: DrawFailure) -> DrawFailure:
    """The failure with the entity's name beside its code."""
    name = MarketEntity.objects.filter(uscc=exc.uscc).values_list("name", flat=True).first()
    return DrawFailure(str(exc).replace(exc.uscc, f"“{name}”（{exc.uscc}）", 1) if name else str(exc), uscc=exc.uscc)


def _certificate_fields(task: Task, seed: str, drawn_at, departments, strata, population, offices, pool) -> dict:
    """Every field of the certificate (DESIGN.md §4) but the assignments and its own digest."""
    return {
        "algorithm": ALGORITHM,
        "seed": seed,
        "drawn_at": timezone.localtime(drawn_at).isoformat(timespec="seconds"),
        "task": {"id": task.pk, "name": task.name, "filter": certificate_filter(task),
                 "inspectors_per_check": task.inspectors_per_check, "cross_office": task.cross_office,
                 "departments": departments},
        "strata": strata,
        "exclusions": sorted(population.exclusions, key=lambda e: e["uscc"]),
        "entity_offices": offices,
        "pool": [m.as_certificate() for m in pool],
    }


def _frozen_and_ranked(task: Task, job, seed: str | None, drawn_at, *, parallel: bool):
    """The first two stages of every draw: the seed and time, the frozen population, the ranked selection."""
    seed = seed or secrets.token_hex(32)
    drawn_at = drawn_at or timezone.now()
    clock = _Clock()
    _progress(job, 5, "冻结抽取范围")
    population = freeze(task)
    clock.lap("population")
    _progress(job, 35, "计算排序值并抽取")
    hasher = Hasher(seed)
    ranked = _rank(task, population, hasher, parallel=parallel)
    clock.lap("rank")
    return seed, drawn_at, clock, population, hasher, ranked


def draw_compute(task: Task, *, job: Job | None = None, seed: str | None = None, drawn_at=None) -> Computed:
    """Freeze the population and the pool, rank, select and assign; the certificate's canonical bytes.
    ``seed`` and ``drawn_at`` are given only by the tests and the demo data; a real draw takes 32 random bytes."""
    seed, drawn_at, clock, population, hasher, (strata, walk, stratum_of, located, offices) = _frozen_and_ranked(
        task, job, seed, drawn_at, parallel=False)
    _progress(job, 60, "分派检查人员")
    pool, inspector_ids = freeze_pool(task)
    departments = task.department_codes()
    try:
        assignments = assign([(code, offices[code]) for code in walk], pool, hasher=hasher,
                             per_check=task.inspectors_per_check, cross_office=task.cross_office,
                             departments=departments)
    except DrawFailure as exc:
        raise _named(exc) from None
    clock.lap("assign")
    _progress(job, 80, "生成抽取凭证")
    cert = {
        **_certificate_fields(task, seed, drawn_at, departments, strata, population, offices, pool),
        "assignments": [{"uscc": code, "inspectors": inspectors}
                        for code, inspectors in zip(walk, assignments, strict=True)],
    }
    body = canonical_bytes(cert)
    sha = hashlib.sha256(body).hexdigest()
    clock.lap("certificate")
    summary = {
        "strata": [{k: s[k] for k in ("class", "ratio", "population_size", "sample_size")} for s in strata],
        "exclusions": len(population.exclusions), "pool": len(pool), "departments": departments,
    }
    return Computed(seed=seed, drawn_at=drawn_at, body=body, sha=sha, summary=summary,
                    population_size=population.size, sample_size=len(walk),
                    walk=[(code, stratum_of[code]) for code in walk], assignments=assignments,
                    entity_ids={code: located[code][0] for code in walk}, inspector_ids=inspector_ids,
                    timings=clock.laps)


class _Clock:
    """Seconds spent per stage of a draw (reported in the job's result and the benchmark)."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def certificate_file_bytes(body: bytes, sha: str) -> bytes:
    """The certificate as stored and downloaded: certificate_sha256 first, then the canonical body."""
    return b'{"certificate_sha256":"' + sha.encode() + b'",' + body[1:]


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    buffer.writelines("\t".join(map(str, row)) + "\n" for row in rows)
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _write_checks(draw: Draw, computed: Computed) -> None:
    """The checks and their assignments: COPY on PostgreSQL, bulk inserts elsewhere."""
    task_id, entity_ids, inspector_ids = draw.task_id, computed.entity_ids, computed.inspector_ids
    pending = CheckStatus.PENDING.value
    if connection.vendor == "postgresql":
        check_table, assignment_table = SpotCheck._meta.db_table, CheckAssignment._meta.db_table
        with connection.cursor() as cursor:
            _copy(cursor, check_table,
                  ["task_id", "draw_id", "entity_id", "walk_order", "stratum", "status", "result_code", "findings",
                   "review_note"],
                  ((task_id, draw.pk, entity_ids[code], i, stratum, pending, "", "", "")
                   for i, (code, stratum) in enumerate(computed.walk, start=1)))
            cursor.execute(f"SELECT entity_id, id FROM {check_table} WHERE draw_id = %s", [draw.pk])
            check_ids = dict(cursor.fetchall())
            _copy(cursor, assignment_table, ["spot_check_id", "inspector_id", "position"],
                  ((check_ids[entity_ids[code]], inspector_ids[inspector], position)
                   for (code, _), inspectors in zip(computed.walk, computed.assignments, strict=True)
                   for position, inspector in enumerate(inspectors, start=1)))
        return
    SpotCheck.objects.bulk_create(
        (SpotCheck(task_id=task_id, draw=draw, entity_id=entity_ids[code], walk_order=i, stratum=stratum)
         for i, (code, stratum) in enumerate(computed.walk, start=1)), batch_size=500)
    check_ids = dict(SpotCheck.objects.filter(draw=draw).values_list("entity_id", "id"))
    CheckAssignment.objects.bulk_create(
        (CheckAssignment(spot_check_id=check_ids[entity_ids[code]], inspector_id=inspector_ids[inspector],
                         position=position)
         for (code, _), inspectors in zip(computed.walk, computed.assignments, strict=True)
         for position, inspector in enumerate(inspectors, start=1)), batch_size=500)


class AlreadyDrawn(Exception):
    """The task has a valid draw already (a duplicate or raced job): nothing to do."""


def draw_write(task: Task, computed: Computed, *, job: Job | None, by) -> Draw:
    """Write the draw, its checks, assignments and certificate in one transaction (all or nothing)."""
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.status != TaskStatus.DRAWING or Draw.objects.filter(task=task, status=DrawStatus.VALID).exists():
            raise AlreadyDrawn
        number = (Draw.objects.filter(task=task).aggregate(n=Max("number"))["n"] or 0) + 1
        stored = certificate_file_bytes(computed.body, computed.sha)
        draw = Draw.objects.create(
            task=task, number=number, algorithm=ALGORITHM, seed=computed.seed, drawn_at=computed.drawn_at,
            drawn_by=by if getattr(by, "pk", None) else None, job=job, population_size=computed.population_size,
            sample_size=computed.sample_size, summary=computed.summary,
            certificate_gz=gzip.compress(stored, compresslevel=1), certificate_sha256=computed.sha,
        )
        _write_checks(draw, computed)
        Task.objects.filter(pk=task.pk).update(status=TaskStatus.DRAWN)
        audit(actor=by, action=AuditAction.STATUS, target=task,
              summary=f"完成抽取：{task} 第 {number} 次，抽取范围 {computed.population_size} 户，抽中 "
                      f"{computed.sample_size} 户",
              changes={"status": [TaskStatus.DRAWING.label, TaskStatus.DRAWN.label]},
              extra={"draw": draw.pk, "seed": computed.seed, "certificate_sha256": computed.sha})
    return draw


# ---------------------------------------------------------------------------------------------------------
# The job's draw on PostgreSQL: the same draw as draw_compute + draw_write, with the writing overlapped
# ---------------------------------------------------------------------------------------------------------

def _json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_NEEDS_ESCAPE = re.compile(r'[\x00-\x09\x0b-\x1f"\\]')  # what JSON would escape, apart from the newlines


def _certificate_rest(cert: dict, texts: dict[str, str] | None = None) -> bytes:
    """The canonical certificate (``canonical_bytes``) from the key after "assignments" to its end. The keys are
    written sorted, and "algorithm" and "assignments" sort first, so this part does not depend on the assignment.
    ``texts``: a stratum's codes joined by newlines, from which its population array is written directly when
    no code needs escaping (the same bytes as json.dumps, several times faster for a million codes)."""
    keys = sorted(cert)
    if "assignments" in cert or keys[0] != "algorithm" or keys[1] <= "assignments":
        raise ValueError(keys)
    parts = []
    for key in keys[1:]:
        value = _strata_json(cert[key], texts or {}) if key == "strata" else _json(cert[key])
        parts.append(f"{_json(key)}:{value}")
    return ",".join(parts).encode("utf-8") + b"}"


def _strata_json(strata: list[dict], texts: dict[str, str]) -> str:
    out = []
    for stratum in strata:
        fields = []
        for key in sorted(stratum):
            text = texts.get(stratum["class"]) if key == "population" else None
            if text and not _NEEDS_ESCAPE.search(text):
                value = '["' + text.replace("\n", '","') + '"]'
            else:
                value = _json(stratum[key])
            fields.append(f"{_json(key)}:{value}")
        out.append("{" + ",".join(fields) + "}")
    return "[" + ",".join(out) + "]"


def _certificate_head(assignments: list[dict]) -> bytes:
    """The canonical certificate up to and including the assignments: '{"algorithm":…,"assignments":[…],'."""
    return f'{{"algorithm":{_json(ALGORITHM)},"assignments":{_json(assignments)},'.encode()


class _ChecksWriter(threading.Thread):
    """Writes the draw's checks while the job's thread assigns the inspectors (they do not depend on it), on the
    job's own connection and so in its transaction: COPY, their ids read back, their foreign keys checked now
    rather than at the commit; then it gzips the part of the certificate the assignment does not change.
    psycopg2 and zlib release the interpreter lock while they wait or compress."""

    def __init__(self, raw, draw: Draw, walk: list, entity_ids: dict, stratum_of: dict, constraints: str,
                 rest: bytes, inspector_ids: dict, assignment_constraints: str):
        super().__init__(name=f"draw-{draw.pk}-checks", daemon=True)
        self.raw, self.draw, self.walk, self.entity_ids, self.stratum_of = raw, draw, walk, entity_ids, stratum_of
        self.constraints, self.rest = constraints, rest
        self.inspector_ids, self.assignment_constraints = inspector_ids, assignment_constraints
        self.assignments: queue.SimpleQueue = queue.SimpleQueue()  # (first walk index, [[code, ...], ...]), None
        self.written = 0  # assignments written
        self.ended = False  # the end of the assignments (None) has been taken from the queue
        self.check_ids: dict[int, int] = {}
        self.rest_gz = b""
        self.error: BaseException | None = None
        self.seconds: dict[str, float] = {}  # the thread's own stages (the job's result shows them)

    def run(self) -> None:
        started = time.perf_counter()
        try:
            task_id, draw_id, pending = self.draw.task_id, self.draw.pk, CheckStatus.PENDING.value
            entity_ids, stratum_of = self.entity_ids, self.stratum_of
            table = SpotCheck._meta.db_table
            with self.raw.cursor() as cursor:
                _copy(cursor, table, ["task_id", "draw_id", "entity_id", "walk_order", "stratum", "status",
                                      "result_code", "findings", "review_note"],
                      ((task_id, draw_id, entity_ids[code], i, stratum_of[code], pending, "", "", "")
                       for i, code in enumerate(self.walk, start=1)))
                cursor.execute(f"SELECT entity_id, id FROM {table} WHERE draw_id = %s", [draw_id])
                self.check_ids = dict(cursor.fetchall())
                if self.constraints:  # checked now, deferred again for whatever the transaction writes next
                    cursor.execute(f"SET CONSTRAINTS {self.constraints} IMMEDIATE")
                    cursor.execute(f"SET CONSTRAINTS {self.constraints} DEFERRED")
                self.seconds["checks"] = round(time.perf_counter() - started, 3)
                self.rest_gz = gzip.compress(self.rest, compresslevel=1)
                self.seconds["gzip"] = round(time.perf_counter() - started - self.seconds["checks"], 3)
                self._write_assignments(cursor)
        except BaseException as exc:  # noqa: BLE001 — handed to the job's thread, which fails the draw
            self.error = exc
            while not self.ended and self.assignments.get() is not None:  # let the job's thread hand over the rest
                pass

    def _write_assignments(self, cursor) -> None:
        """The assignments as the job's thread makes them, a COPY per batch, their foreign keys checked at once."""
        walk, entity_ids, check_ids, inspector_ids = self.walk, self.entity_ids, self.check_ids, self.inspector_ids
        table = CheckAssignment._meta.db_table
        if self.assignment_constraints:
            cursor.execute(f"SET CONSTRAINTS {self.assignment_constraints} IMMEDIATE")
        while (batch := self.assignments.get()) is not None:
            start, assignments = batch
            _copy(cursor, table, ["spot_check_id", "inspector_id", "position"],
                  ((check_ids[entity_ids[code]], inspector_ids[inspector], position)
                   for code, inspectors in zip(walk[start:start + len(assignments)], assignments, strict=True)
                   for position, inspector in enumerate(inspectors, start=1)))
            self.written += len(assignments)
        self.ended = True
        if self.assignment_constraints:
            cursor.execute(f"SET CONSTRAINTS {self.assignment_constraints} DEFERRED")


def _deferred_foreign_keys(model) -> str:
    """The model's deferred foreign-key constraints, quoted and comma-separated (for SET CONSTRAINTS)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' "
                       "AND condeferrable AND condeferred ORDER BY conname", [model._meta.db_table])
        return ", ".join(connection.ops.quote_name(name) for (name,) in cursor.fetchall())


def draw_pipelined(task: Task, *, job: Job | None, by, seed: str | None = None, drawn_at=None,
                   min_walk: int | None = None) -> tuple[Draw, dict]:
    """The job's draw on PostgreSQL: exactly the draw, certificate and rows of ``draw_compute`` + ``draw_write``
    (``tests/inspections/test_draw_pipeline.py`` compares them), computed and written in one transaction but with
    the two cores busy: a helper process ranks half the codes (``inspections.parallel.rank_parallel``) while a
    thread looks the selected entities up, and while the job assigns, a thread writes the checks and the
    assignments made so far and compresses most of the certificate. ``min_walk`` (the tests) also starts the
    assignment's helper process (``ForkedOrders``) for a walk of at least that many entities; the job leaves it
    off (``ASSIGNMENT_HELPER``). Returns the draw and the seconds per stage. Raises DrawFailure (nothing saved) or
    AlreadyDrawn."""
    seed, drawn_at, clock, population, hasher, (strata, walk, stratum_of, located, offices) = _frozen_and_ranked(
        task, job, seed, drawn_at, parallel=True)
    pool, inspector_ids = freeze_pool(task)
    departments = task.department_codes()
    rest = _certificate_rest(_certificate_fields(task, seed, drawn_at, departments, strata, population, offices, pool),
                             population.texts)
    summary = {
        "strata": [{k: st[k] for k in ("class", "ratio", "population_size", "sample_size")} for st in strata],
        "exclusions": len(population.exclusions), "pool": len(pool), "departments": departments,
    }
    del strata, population
    entity_ids = {code: located[code][0] for code in walk}
    constraints = _deferred_foreign_keys(SpotCheck)
    assignment_constraints = _deferred_foreign_keys(CheckAssignment)
    clock.lap("certificate")
    _progress(job, 60, "分派检查人员并写入抽查名单")
    entity_walk = [(code, offices[code]) for code in walk]
    helper = ASSIGNMENT_HELPER if min_walk is None else True
    parallel = helper and len(walk) >= max(MIN_WALK if min_walk is None else min_walk, 2) and hasattr(os, "fork")
    # The helper is forked before the writer thread starts and before the transaction opens.
    started = time.perf_counter()
    ahead = ForkedOrders(entity_walk, pool, hasher=hasher, cross_office=task.cross_office) if parallel else None
    clock.laps["fork"] = round(time.perf_counter() - started, 3)
    try:
        with transaction.atomic():
            locked = Task.objects.select_for_update().get(pk=task.pk)
            if (locked.status != TaskStatus.DRAWING
                    or Draw.objects.filter(task=task, status=DrawStatus.VALID).exists()):
                raise AlreadyDrawn
            number = (Draw.objects.filter(task=task).aggregate(n=Max("number"))["n"] or 0) + 1
            draw = Draw.objects.create(
                task=task, number=number, algorithm=ALGORITHM, seed=seed, drawn_at=drawn_at,
                drawn_by=by if getattr(by, "pk", None) else None, job=job, population_size=sum(
                    st["population_size"] for st in summary["strata"]), sample_size=len(walk), summary=summary,
                certificate_gz=b"", certificate_sha256="",  # written below, in this transaction
            )
            connection.ensure_connection()
            writer = _ChecksWriter(connection.connection, draw, walk, entity_ids, stratum_of, constraints, rest,
                                   inspector_ids, assignment_constraints)
            writer.start()
            try:
                started = time.perf_counter()
                assignments = assign(entity_walk, pool, hasher=hasher, per_check=task.inspectors_per_check,
                                     cross_office=task.cross_office, departments=departments, ahead=ahead,
                                     emit=lambda start, batch: writer.assignments.put((start, batch)),
                                     emit_every=min(ASSIGNMENT_BATCH, max(256, len(walk) // 8)))
                clock.laps["assign_walk"] = round(time.perf_counter() - started, 3)
            finally:
                writer.assignments.put(None)
                started = time.perf_counter()
                writer.join()
                clock.laps["join"] = round(time.perf_counter() - started, 3)
                if ahead is not None:
                    ahead.stop()
            if writer.error is not None:
                raise writer.error
            if writer.written != len(walk):
                raise RuntimeError(f"抽取写入不完整：{writer.written} / {len(walk)}")
            clock.lap("assign")
            head = _certificate_head([{"uscc": code, "inspectors": inspectors}
                                      for code, inspectors in zip(walk, assignments, strict=True)])
            digest = hashlib.sha256(head)
            digest.update(rest)
            sha = digest.hexdigest()
            stored_head = b'{"certificate_sha256":"' + sha.encode() + b'",' + head[1:]
            Draw.objects.filter(pk=draw.pk).update(
                certificate_gz=gzip.compress(stored_head, compresslevel=1) + writer.rest_gz,
                certificate_sha256=sha)
            draw.certificate_sha256 = sha
            Task.objects.filter(pk=task.pk).update(status=TaskStatus.DRAWN)
            audit(actor=by, action=AuditAction.STATUS, target=task,
                  summary=f"完成抽取：{task} 第 {number} 次，抽取范围 {draw.population_size} 户，抽中 "
                          f"{draw.sample_size} 户",
                  changes={"status": [TaskStatus.DRAWING.label, TaskStatus.DRAWN.label]},
                  extra={"draw": draw.pk, "seed": seed, "certificate_sha256": sha})
    except DrawFailure as exc:
        raise _named(exc) from None
    finally:
        if ahead is not None:
            ahead.stop()
    clock.lap("write")
    clock.laps.update({f"writer_{k}": v for k, v in writer.seconds.items()})
    if ahead is not None:
        clock.laps["helper_entities"] = ahead.helped
    return draw, clock.laps


def draw_run(*, job: Job) -> dict:
    """Run a task's draw for its job; returns the job's result. Raises DrawFailure (task back to 待抽取)."""
    task = Task.objects.select_related("plan", "lead_department", "domain").get(pk=job.params["task"])
    with _task_lock(task.pk) as acquired:
        if not acquired:
            return {"skipped": True, "summary": "另一个后台进程正在抽取该任务，本次未重复抽取。"}
        if task.status != TaskStatus.DRAWING:
            return {"skipped": True, "summary": f"任务状态为“{task.get_status_display()}”，无需抽取。"}
        try:
            if connection.vendor == "postgresql":
                draw, timings = draw_pipelined(task, job=job, by=job.created_by)
            else:
                draw, timings = _draw_in_turn(task, job=job)
        except DrawFailure as exc:
            draw_failed(task, job=job, message=str(exc))
            raise
        except AlreadyDrawn:
            return {"skipped": True, "summary": "该任务已有有效抽取，本次未重复抽取。"}
    return {"draw": draw.pk, "population": draw.population_size, "sample": draw.sample_size,
            "certificate_sha256": draw.certificate_sha256, "timings": timings,
            "summary": f"抽取完成：抽取范围 {draw.population_size} 户，抽中 {draw.sample_size} 户。"}


def _draw_in_turn(task: Task, *, job: Job) -> tuple[Draw, dict]:
    """The draw computed, then written (databases other than PostgreSQL)."""
    computed = draw_compute(task, job=job)
    _progress(job, 90, "写入抽查名单")
    started = time.perf_counter()
    draw = draw_write(task, computed, job=job, by=job.created_by)
    computed.timings["write"] = round(time.perf_counter() - started, 3)  # including the commit
    return draw, computed.timings


@transaction.atomic
def draw_failed(task: Task, *, job: Job | None, message: str) -> None:
    """A draw that could not be completed: the task goes back to 待抽取, the reason is audited."""
    Task.objects.filter(pk=task.pk, status=TaskStatus.DRAWING).update(status=TaskStatus.DRAFT)
    audit(actor=job.created_by if job else None, action=AuditAction.STATUS, target=task,
          summary=f"抽取未完成：{task}", changes={"status": [TaskStatus.DRAWING.label, TaskStatus.DRAFT.label]},
          extra={"reason": message[:400], "job": job.pk if job else None})


# ---------------------------------------------------------------------------------------------------------
# Re-draw: a written reason, leadership approval, the voided draw kept
# ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def redraw_request(*, task: Task, reason: str, by) -> RedrawRequest:
    """Ask leadership to void the task's draw and draw again, giving the reason in writing."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "请写明重新抽取的理由（不少于 10 个字）。"})
    draw = task.draws.filter(status=DrawStatus.VALID).first()
    if task.status != TaskStatus.DRAWN or draw is None:
        raise ValidationError("任务尚未完成抽取，无需重新抽取。")
    if draw.checks.exclude(status=CheckStatus.PENDING).exists():
        raise ValidationError("已有检查结果录入，不能重新抽取。")
    if RedrawRequest.objects.filter(task=task, status=RedrawStatus.PENDING).exists():
        raise ValidationError("该任务已有待审批的重新抽取申请。")
    request = RedrawRequest.objects.create(task=task, draw=draw, reason=reason, requested_by=by)
    audit(actor=by, action=AuditAction.CREATE, target=task, summary=f"申请重新抽取：{task}",
          extra={"request": request.pk, "draw": draw.pk, "reason": reason})
    return request


def _decide(request: RedrawRequest, status: RedrawStatus, note: str, by) -> RedrawRequest:
    if not by.has_role(Role.LEADER):
        raise ValidationError("重新抽取须由局领导审批。")
    if request.requested_by_id == by.pk:
        raise ValidationError("不能审批自己提交的申请。")
    updated = RedrawRequest.objects.filter(pk=request.pk, status=RedrawStatus.PENDING).update(
        status=status, decided_by=by, decided_at=timezone.now(), decision_note=(note or "")[:300])
    if not updated:
        raise ValidationError("该申请已经审批过。")
    request.refresh_from_db()
    return request


@transaction.atomic
def redraw_approve(*, request: RedrawRequest, note: str, by) -> Job:
    """Leadership approves: the draw is voided (kept, with the reason) and the task is drawn again."""
    draw = Draw.objects.select_for_update().get(pk=request.draw_id)
    if draw.checks.exclude(status=CheckStatus.PENDING).exists():
        raise ValidationError("已有检查结果录入，不能作废该次抽取。")
    request = _decide(request, RedrawStatus.APPROVED, note, by)
    task = Task.objects.select_for_update().get(pk=request.task_id)
    Draw.objects.filter(pk=draw.pk).update(status=DrawStatus.VOIDED, voided_at=timezone.now(), voided_by=by,
                                           void_reason=request.reason)
    removed = draw.checks.count()
    draw.checks.all().delete()  # no result was recorded; the certificate keeps the voided selection
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.DRAWING)
    audit(actor=by, action=AuditAction.STATUS, target=draw, summary=f"批准重新抽取，作废 {draw}",
          changes={"status": [DrawStatus.VALID.label, DrawStatus.VOIDED.label]},
          extra={"request": request.pk, "reason": request.reason, "note": note, "checks_removed": removed})
    job = _queue(task, by=request.requested_by)
    audit(actor=by, action=AuditAction.STATUS, target=task, summary=f"重新抽取：{task}",
          changes={"status": [TaskStatus.DRAWN.label, TaskStatus.DRAWING.label]}, extra={"job": job.pk})
    return job


@transaction.atomic
def redraw_reject(*, request: RedrawRequest, note: str, by) -> RedrawRequest:
    """Leadership declines: the draw stands."""
    if not (note or "").strip():
        raise ValidationError({"note": "不批准时请填写意见。"})
    request = _decide(request, RedrawStatus.REJECTED, note, by)
    audit(actor=by, action=AuditAction.STATUS, target=request.task, summary=f"不批准重新抽取：{request.task}",
          extra={"request": request.pk, "note": note})
    return request
