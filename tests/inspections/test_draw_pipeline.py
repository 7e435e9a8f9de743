"""The job's draw on two cores (inspections.parallel, draw_pipelined) gives exactly the draw of the plain path
(algorithm.assign alone, draw_compute + draw_write): the same assignments whether the helper process sorts all,
some or none of the tie-breaks, the same certificate bytes and rows; a dead helper changes nothing, and a failure
while the checks are being written saves nothing and leaves no process behind."""
import os
import random
import signal
import time
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings

from core.choices import JobStatus
from inspections import parallel, services
from inspections.algorithm import DrawFailure, Hasher, PoolMember, assign, canonical_bytes, rank_select, walk_order
from inspections.models import CheckAssignment, Draw, SpotCheck, Task
from inspections.parallel import ForkedOrders, assign_parallel, rank_parallel
from inspections.services import draws
from inspections.services.draws import certificate_file_bytes, draw_compute, draw_pipelined
from tests.factories import make_entity
from tests.inspections.conftest import TODAY, classify, make_task
from tests.inspections.test_algorithm import scenarios

OFFICES = ["O1", "O2", "O3", "O4"]


def _case(entities: int, inspectors: int, seed: int):
    rng = random.Random(seed)
    codes = [f"9135050{rng.randrange(10**10):010d}X" for _ in range(entities)]
    pool = [PoolMember(f"ZF{i:03d}", rng.choice([*OFFICES, None]), "D1",
                       frozenset(rng.sample(codes, 3))) for i in range(inspectors)]
    hasher = Hasher(f"{seed:064x}")
    walk = [(code, rng.choice(OFFICES)) for _, code in rank_select(codes, len(codes), hasher)]
    return walk, pool, hasher


def _finished(ahead: ForkedOrders) -> ForkedOrders:
    """Wait until the helper has sent every order (the pipe reaches its end)."""
    import select

    while ahead.fd is not None:
        select.select([ahead.fd], [], [], 5)
        ahead._read()
    return ahead


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_orders_from_the_helper_give_the_same_assignments_as_hashing_in_the_walk():
    walk, pool, hasher = _case(600, 40, 1)
    expected = assign(walk, pool, hasher=hasher, per_check=3, cross_office=True, departments=["D1"])
    ahead = _finished(ForkedOrders(walk, pool, hasher=hasher, cross_office=True))
    pid = ahead.pid
    try:
        result = assign(walk, pool, hasher=hasher, per_check=3, cross_office=True, departments=["D1"], ahead=ahead)
    finally:
        ahead.stop()
    assert ahead.helped == len(walk)  # every entity took the helper's order, none was hashed in the walk
    assert result == expected
    assert _gone(pid)


def test_assign_parallel_matches_assign_whatever_the_split():
    for seed, (entities, inspectors, per_check, cross) in enumerate([(900, 30, 2, True), (400, 12, 3, False),
                                                                      (1500, 300, 2, True)]):
        walk, pool, hasher = _case(entities, inspectors, seed)
        kwargs = {"hasher": hasher, "per_check": per_check, "cross_office": cross, "departments": ["D1"]}
        stats = {}
        assert assign_parallel(walk, pool, min_walk=2, stats=stats, **kwargs) == assign(walk, pool, **kwargs)
        assert 0 <= stats["helped"] <= entities


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_assign_parallel_matches_assign_on_generated_scenarios(s):
    hasher = Hasher(s["seed"])
    walk = [(code, s["offices"][code]) for _, code in walk_order({"A": rank_select(s["entities"], len(s["entities"]),
                                                                                     hasher)})]
    kwargs = {"hasher": hasher, "per_check": s["per_check"], "cross_office": s["cross_office"],
              "departments": s["departments"]}
    try:
        expected = assign(walk, s["pool"], **kwargs)
    except DrawFailure as exc:
        with pytest.raises(DrawFailure) as failure:
            assign_parallel(walk, s["pool"], min_walk=2, **kwargs)
        assert failure.value.uscc == exc.uscc and str(failure.value) == str(exc)
        return
    ahead = _finished(ForkedOrders(walk, s["pool"], hasher=hasher, cross_office=s["cross_office"]))
    try:
        assert assign(walk, s["pool"], ahead=ahead, **kwargs) == expected  # a joint task too: per department
    finally:
        ahead.stop()
    assert assign_parallel(walk, s["pool"], min_walk=2, **kwargs) == expected


def test_a_killed_helper_changes_nothing_and_is_reaped():
    walk, pool, hasher = _case(800, 30, 7)
    kwargs = {"hasher": hasher, "per_check": 2, "cross_office": True, "departments": ["D1"]}
    expected = assign(walk, pool, **kwargs)
    ahead = ForkedOrders(walk, pool, hasher=hasher, cross_office=True)
    pid = ahead.pid
    os.kill(pid, signal.SIGKILL)
    try:
        assert assign(walk, pool, ahead=ahead, **kwargs) == expected
    finally:
        ahead.stop()
    assert _gone(pid)


def test_a_helper_stops_when_the_job_gives_up():
    walk, pool, hasher = _case(3000, 300, 8)
    ahead = ForkedOrders(walk, pool, hasher=hasher, cross_office=True)
    pid = ahead.pid
    ahead.stop()  # e.g. the assignment failed: the helper is killed and reaped at once
    assert _gone(pid) and ahead.fd is None


# ---------------------------------------------------------------------------------------------------------
# The job's draw on PostgreSQL
# ---------------------------------------------------------------------------------------------------------

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the job's draw overlaps its writing "
                                   "only on PostgreSQL (elsewhere it computes, then writes)")

@pytest.fixture
def wide_task(plan, item, section_dept, district, office_a, office_b):
    """Everyone drawn, cross-office, conflicts declared: a walk of 60 entities over six inspectors."""
    for n, entity in enumerate(district["entities"][:12]):
        services.conflict_declare(inspector=district["inspectors"][n % 6], entity=entity, reason="亲属任职",
                                  declared_on=TODAY, by=None)
    task = make_task(plan, [item], section_dept, name="全部抽取", cross_office=True,
                     **{f"ratio_{c}": Decimal("1") for c in "abcdu"})
    Task.objects.filter(pk=task.pk).update(status="drawing")
    task.refresh_from_db()
    return task


def _rows(draw):
    checks = list(SpotCheck.objects.filter(draw=draw).order_by("walk_order")
                  .values_list("entity__uscc", "walk_order", "stratum", "status", "task_id"))
    assignments = list(CheckAssignment.objects.filter(spot_check__draw=draw)
                       .order_by("spot_check__walk_order", "position")
                       .values_list("spot_check__entity__uscc", "inspector__code", "position"))
    return checks, assignments


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("min_walk", [2, 10_000])  # with the helper process, and alone
def test_the_jobs_draw_is_the_plain_draw_byte_for_byte(wide_task, min_walk, monkeypatch):
    seed = "5a" * 32
    if min_walk == 2:
        monkeypatch.setattr(parallel, "MIN_POPULATION", 1)  # the ranking split with a helper too
        monkeypatch.setattr(draws, "ASSIGNMENT_BATCH", 7)  # the assignments written in several batches
    draw, timings = draw_pipelined(wide_task, job=None, by=None, seed=seed, min_walk=min_walk)
    assert ("helper_entities" in timings) == (min_walk == 2)
    computed = draw_compute(Task.objects.get(pk=wide_task.pk), seed=seed, drawn_at=draw.drawn_at)
    draw.refresh_from_db()
    assert draw.certificate_bytes() == certificate_file_bytes(computed.body, computed.sha)
    assert draw.certificate_sha256 == computed.sha and draw.sample_size == computed.sample_size == 60
    assert draw.population_size == computed.population_size and draw.summary == computed.summary
    checks, assignments = _rows(draw)
    assert [(uscc, stratum) for uscc, _, stratum, _, _ in checks] == computed.walk
    assert [c[1] for c in checks] == list(range(1, 61))
    assert {(status, task) for *_, status, task in checks} == {("pending", wide_task.pk)}
    assert assignments == [(uscc, code, position) for (uscc, _), codes in zip(computed.walk, computed.assignments,
                                                                               strict=True)
                           for position, code in enumerate(codes, start=1)]
    assert Task.objects.get(pk=wide_task.pk).status == "drawn"


@postgres_only
@pytest.mark.django_db
def test_a_dead_helper_still_gives_the_same_draw(wide_task, monkeypatch):
    pids = []

    class Killed(ForkedOrders):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pids.append(self.pid)
            os.kill(self.pid, signal.SIGKILL)

    monkeypatch.setattr(draws, "ForkedOrders", Killed)
    draw, _ = draw_pipelined(wide_task, job=None, by=None, seed="5b" * 32, min_walk=2)
    computed = draw_compute(Task.objects.get(pk=wide_task.pk), seed="5b" * 32, drawn_at=draw.drawn_at)
    assert pids and _gone(pids[0])
    assert Draw.objects.get(pk=draw.pk).certificate_bytes() == certificate_file_bytes(computed.body, computed.sha)


@postgres_only
@pytest.mark.django_db
def test_too_few_inspectors_fails_the_pipelined_draw_and_nothing_is_saved(wide_task, district, office_a):
    target = make_entity(office_a, name="全员回避企业")
    classify(target, "D")
    for inspector in district["inspectors"]:
        services.conflict_declare(inspector=inspector, entity=target, reason="亲属任职", declared_on=TODAY, by=None)
    with pytest.raises(DrawFailure, match="全员回避企业"):
        draw_pipelined(wide_task, job=None, by=None, min_walk=2)
    assert not Draw.objects.exists() and not SpotCheck.objects.exists() and not CheckAssignment.objects.exists()
    assert Task.objects.get(pk=wide_task.pk).status == "drawing"  # draw_run puts it back to 待抽取


@postgres_only
@pytest.mark.django_db
def test_an_error_while_writing_the_checks_fails_the_job_and_nothing_is_saved(
        plan, item, section_dept, district, section_user, monkeypatch, django_capture_on_commit_callbacks):
    # The writer thread's SQL fails on the server (a constraint that does not exist): the job's transaction rolls
    # back with the checks it had already copied, and the helper is gone.
    monkeypatch.setattr(draws, "_deferred_foreign_keys", lambda model: '"no_such_constraint"')
    monkeypatch.setattr(draws, "MIN_WALK", 2)
    monkeypatch.setattr(draws, "ASSIGNMENT_HELPER", True)
    pids = []
    real = draws.ForkedOrders

    class Recorded(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pids.append(self.pid)

    monkeypatch.setattr(draws, "ForkedOrders", Recorded)
    task = make_task(plan, [item], section_dept, name="写入失败", **{f"ratio_{c}": Decimal("1") for c in "abcdu"})
    with django_capture_on_commit_callbacks(execute=True):
        job = services.task_draw_request(task=task, by=section_user)
    job.refresh_from_db()
    task.refresh_from_db()
    assert job.status == JobStatus.FAILED and "未保存任何结果" in job.error
    assert task.status == "draft"
    assert not Draw.objects.exists() and not SpotCheck.objects.exists() and not CheckAssignment.objects.exists()
    assert pids and _gone(pids[0])


def test_a_small_walk_needs_no_helper():
    walk, pool, hasher = _case(50, 10, 3)
    kwargs = {"hasher": hasher, "per_check": 2, "cross_office": False, "departments": ["D1"]}
    stats = {}
    assert assign_parallel(walk, pool, stats=stats, **kwargs) == assign(walk, pool, **kwargs)
    assert stats == {}


def _strata(seed: int):
    rng = random.Random(seed)
    sizes = {"A": 900, "B": 2500, "C": 400, "D": 0, "U": 1700}
    strata = {cls: sorted({f"9135{rng.randrange(10**14):014d}" for _ in range(n)}) for cls, n in sizes.items()}
    return strata, {cls: (len(codes) * (i + 1)) // 40 for i, (cls, codes) in enumerate(strata.items())}


def test_ranking_with_a_helper_selects_exactly_what_rank_select_does():
    strata, sizes = _strata(11)
    hasher = Hasher("77" * 32)
    seen = []
    result = rank_parallel(strata, sizes, hasher, min_population=1, done=lambda cls, ranked: seen.append(cls))
    assert result == {cls: rank_select(codes, sizes[cls], hasher) for cls, codes in strata.items()}
    assert sorted(seen) == sorted(strata)  # every stratum reported once, as soon as it was known


def test_ranking_goes_on_alone_when_the_helper_dies(monkeypatch):
    strata, sizes = _strata(12)
    hasher = Hasher("78" * 32)
    real_fork = os.fork

    def fork_and_die():
        pid = real_fork()
        if pid == 0:
            os._exit(3)  # the helper dies before sending anything
        return pid

    monkeypatch.setattr(os, "fork", fork_and_die)
    result = rank_parallel(strata, sizes, hasher, min_population=1)
    assert result == {cls: rank_select(codes, sizes[cls], hasher) for cls, codes in strata.items()}


def test_ranking_does_not_wait_for_a_helper_that_hangs(monkeypatch):
    strata, sizes = _strata(13)
    hasher = Hasher("79" * 32)
    real_fork = os.fork
    helpers = []

    def fork_and_hang():
        pid = real_fork()
        if pid == 0:
            time.sleep(3600)  # the helper never answers (killed by the job, so this never ends on its own)
            os._exit(0)
        helpers.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork_and_hang)
    started = time.monotonic()
    result = rank_parallel(strata, sizes, hasher, min_population=1, wait_min=0.2)
    assert result == {cls: rank_select(codes, sizes[cls], hasher) for cls, codes in strata.items()}
    assert time.monotonic() - started < 60  # not the helper's hour
    with pytest.raises(ChildProcessError):  # killed and reaped by the job
        os.waitpid(helpers[0], os.WNOHANG)


def test_the_certificate_written_in_parts_is_the_canonical_json():
    from inspections.services.draws import _certificate_head, _certificate_rest

    cert = {"algorithm": "hmac-sha256-rank/v1", "drawn_at": "2026-01-05T09:00:00+08:00", "seed": "ab" * 32,
            "strata": [{"class": "A", "population": ['91"35', "9135\\x", "泉港"], "selected": ["泉港"]},
                       {"class": "B", "population": ["9135A", "9135B"], "selected": []},
                       {"class": "C", "population": [], "selected": []}],
            "task": {"name": "任务", "filter": {"b": [1], "a": None}}, "pool": [], "exclusions": []}
    assignments = [{"uscc": "泉港", "inspectors": ["ZF01", "ZF02"]}]
    texts = {"A": '91"35\n9135\\x\n泉港', "B": "9135A\n9135B"}  # A needs escaping: written by json.dumps
    body = _certificate_head(assignments) + _certificate_rest(cert, texts)
    assert body == canonical_bytes({**cert, "assignments": assignments})


def test_assignments_are_handed_over_in_order_as_they_are_made():
    walk, pool, hasher = _case(100, 9, 5)
    kwargs = {"hasher": hasher, "per_check": 2, "cross_office": True, "departments": ["D1"]}
    batches = []
    result = assign(walk, pool, emit=lambda start, batch: batches.append((start, list(batch))), emit_every=7, **kwargs)
    assert [start for start, _ in batches] == list(range(0, 100, 7))
    assert [a for _, batch in batches for a in batch] == result == assign(walk, pool, **kwargs)
