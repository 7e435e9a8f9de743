"""Benchmark: a 双随机 draw end to end as its Celery job runs it, at 50,000 and 1,000,000 entities, against the
first version one would write; and tools/verify_draw.py on the 1,000,000-entity certificate.

    .venv/bin/python bench/draw_bench.py [--sizes 50000,1000000] [--repeat 3] [--baseline-sizes 50000,1000000]

Each size has its own database (xinyong_bench_draw_50k, xinyong_bench_draw_1m: created, migrated and filled by
this script, kept between runs). The register is generated as for the other benchmarks; 70 % of the entities have
a general risk class (A 30 %, B 50 %, C 15 %, D 5 % of those); 300 active inspectors over the eight offices and
the brigade are qualified for the task's item, each declaring conflicts with 20 entities. The task draws every
entity of the register (no exclusions) with per-class ratios A 1 %, B 2.5 %, C 8 %, D 20 %, unclassified 2.9 %
(3.5 % overall), two inspectors per check, cross-office.

"ours": the job (inspections.tasks.draw_task) after the request that queues it, in-process as Celery runs it
with no broker configured: population frozen, ranked, selected, inspectors assigned, certificate built and stored,
checks and assignments written, committed. "baseline": every entity loaded as a model object, random.sample per
class, a query per selected entity for its eligible inspectors, a save() per check and per assignment. Every run
is a fresh child process, so its peak memory (VmHWM) is its own.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import register_data  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RATIOS = {"ratio_a": "0.01", "ratio_b": "0.025", "ratio_c": "0.08", "ratio_d": "0.2", "ratio_u": "0.029"}
INSPECTORS = 300
CONFLICTS_EACH = 20


def dbname(size: int) -> str:
    return f"xinyong_bench_draw_{size // 1000}k" if size < 1_000_000 else f"xinyong_bench_draw_{size // 1_000_000}m"


def _peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM")


def prepare(size: int) -> None:
    """The register, risk classes, item, inspectors with conflicts, plan and task (kept between runs)."""
    register_data.setup_django(dbname(size), migrate=True)
    from datetime import date
    from decimal import Decimal

    from django.db import connection

    from core.choices import DepartmentKind
    from core.models import Department, Office
    from inspections import services
    from inspections.models import CheckItem, Inspector, Plan, Task

    register_data.ensure_register(size)
    with connection.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM credit_entityriskclass)")
        if not cur.fetchone()[0]:
            print("生成风险分类…")
            cur.execute("""
                INSERT INTO credit_entityriskclass (entity_id, risk_class, classified_on, domain_id, job_id, created_at)
                SELECT e.id, (ARRAY['A','A','A','A','A','A','B','B','B','B','B','B','B','B','B','B','C','C','C','D'])
                                [1 + (hashtext(e.id::text) & 65535) % 20], DATE '2025-12-01', NULL, NULL, now()
                FROM registry_marketentity e WHERE (hashtext('c' || e.id::text) & 65535) % 10 < 7
            """)
            cur.execute("ANALYZE credit_entityriskclass")
    if Task.objects.filter(name="基准抽取任务").exists():
        return
    print("生成抽查事项、执法检查人员与任务…")
    section, _ = Department.objects.get_or_create(code="KS04", defaults={"name": "信用监管股", "kind": "section"})
    brigade, _ = Department.objects.get_or_create(code="DD01", defaults={"name": "综合执法大队",
                                                                         "kind": DepartmentKind.BRIGADE})
    item = CheckItem.objects.filter(code="SC-BENCH").first() or services.check_item_create(data={
        "code": "SC-BENCH", "name": "企业公示信息抽查", "legal_basis": "《企业信息公示暂行条例》",
        "department": section, "valid_from": date(2024, 1, 1)}, by=None)
    offices = list(Office.objects.order_by("id"))
    with connection.cursor() as cur:
        cur.execute("SELECT uscc FROM registry_marketentity ORDER BY hashtext('x' || id::text) LIMIT %s",
                    [INSPECTORS * CONFLICTS_EACH])
        conflict_codes = [r[0] for r in cur.fetchall()]
    from registry.models import MarketEntity

    entity_ids = dict(MarketEntity.objects.filter(uscc__in=conflict_codes).values_list("uscc", "id"))
    from inspections.models import InspectorConflict

    for n in range(INSPECTORS):
        office = offices[n % len(offices)] if n % 10 else None
        inspector = Inspector.objects.create(code=f"ZF{n:04d}", name=f"执法人员{n}", office=office,
                                             department=None if office else brigade)
        inspector.qualified_items.add(item)
        InspectorConflict.objects.bulk_create(
            InspectorConflict(inspector=inspector, entity_id=entity_ids[code], reason="亲属任职",
                              declared_on=date(2025, 1, 1))
            for code in conflict_codes[n * CONFLICTS_EACH:(n + 1) * CONFLICTS_EACH])
    plan, _ = Plan.objects.get_or_create(year=2026, defaults={"name": "2026 年度双随机抽查工作计划"})
    services.task_create(plan=plan, items=[item], participants=[], by=None, data={
        "name": "基准抽取任务", "lead_department": section, "sampling": "differentiated",
        **{k: Decimal(v) for k, v in RATIOS.items()}, "inspectors_per_check": 2, "cross_office": True,
        "starts_on": date(2026, 1, 5), "deadline": date(2026, 12, 31), "exclude_recent_months": None,
        "exclude_ended": False, "exclude_suspended": False, "population_filter": {"statuses": []}})
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")


def _reset(task) -> None:
    """Remove the previous run's draw, checks and jobs (benchmark scaffolding only)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM inspections_checkassignment")
        cur.execute("DELETE FROM inspections_spotcheck")
        cur.execute("DELETE FROM inspections_redrawrequest")
        cur.execute("DELETE FROM inspections_draw")
        cur.execute("UPDATE inspections_task SET status = 'draft' WHERE id = %s", [task.pk])
        cur.execute("DELETE FROM core_job WHERE kind = 'inspections.draw'")
        cur.execute("VACUUM (ANALYZE) inspections_spotcheck, inspections_checkassignment")


def run_ours(size: int) -> dict:
    register_data.setup_django(dbname(size), migrate=False)
    from core.choices import JobStatus
    from core.models import Job
    from inspections import services
    from inspections.models import Draw, SpotCheck, Task

    task = Task.objects.get(name="基准抽取任务")
    _reset(task)
    start = time.perf_counter()
    job = services.task_draw_request(task=task, by=None)  # no broker: the job runs in-process on commit
    elapsed = time.perf_counter() - start
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    draw = Draw.objects.get()
    cert_path = Path(tempfile.gettempdir()) / f"draw_bench_{size}.json"
    cert_path.write_bytes(draw.certificate_bytes())
    return {"variant": "ours", "size": size, "seconds": elapsed, "peak_mb": _peak_mb(),
            "population": draw.population_size, "sample": draw.sample_size,
            "checks": SpotCheck.objects.filter(draw=draw).count(), "certificate": str(cert_path),
            "certificate_mb": cert_path.stat().st_size / 2**20, "stages": _stages(job)}


def _stages(job) -> dict:
    return job.result.get("timings", {})


def run_baseline(size: int) -> dict:
    """What a first version would do: model objects, random.sample, a query and a save() per row."""
    register_data.setup_django(dbname(size), migrate=False)
    import random
    import secrets
    from decimal import ROUND_CEILING, Decimal

    from django.db import transaction
    from django.utils import timezone

    from credit.selectors import current_risk_classes
    from inspections.models import CheckAssignment, Draw, Inspector, SpotCheck, Task
    from inspections.population import filtered_entities

    task = Task.objects.get(name="基准抽取任务")
    _reset(task)
    start = time.perf_counter()
    with transaction.atomic():
        entities = list(filtered_entities(task.population_filter).select_related("office"))
        classes = current_risk_classes([e.pk for e in entities])
        strata: dict[str, list] = {}
        for entity in entities:
            strata.setdefault(classes.get(entity.pk, "U"), []).append(entity)
        ratios = task.stratum_ratios()
        rng = random.Random(secrets.randbits(64))
        selected = []
        for cls, members in strata.items():
            k = min(len(members), int((Decimal(len(members)) * ratios[cls]).to_integral_value(ROUND_CEILING)))
            selected += [(cls, e) for e in rng.sample(members, k)]
        draw = Draw.objects.create(task=task, number=1, algorithm="baseline", seed="0" * 64, drawn_at=timezone.now(),
                                   population_size=len(entities), sample_size=len(selected), certificate_gz=b"",
                                   certificate_sha256="0" * 64)
        load: dict[int, int] = {}
        for order, (cls, entity) in enumerate(selected, start=1):
            eligible = list(Inspector.objects.filter(status="active", qualified_items__in=task.items.all())
                            .exclude(conflicts__entity=entity).exclude(office=entity.office))
            eligible.sort(key=lambda i: load.get(i.pk, 0))
            check = SpotCheck(task=task, draw=draw, entity=entity, walk_order=order, stratum=cls)
            check.save()
            for position, inspector in enumerate(eligible[:2], start=1):
                CheckAssignment(spot_check=check, inspector=inspector, position=position).save()
                load[inspector.pk] = load.get(inspector.pk, 0) + 1
    elapsed = time.perf_counter() - start
    return {"variant": "baseline", "size": size, "seconds": elapsed, "peak_mb": _peak_mb(),
            "population": len(entities), "sample": len(selected)}


def run_verify(size: int, path: str) -> dict:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-I", "-S", str(ROOT / "tools" / "verify_draw.py"), path],
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stdout + result.stderr
    return {"variant": "verify_draw.py", "size": size, "seconds": elapsed, "output": result.stdout.strip()}


def child(args) -> dict:
    """Run one measurement in a fresh process and return its JSON figures."""
    cmd = [sys.executable, __file__, "--child", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "LOG_LEVEL": "WARNING"})
    if result.returncode != 0:
        raise SystemExit(result.stdout[-2000:] + result.stderr[-4000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50000,1000000")
    parser.add_argument("--baseline-sizes", default="50000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        kind, size = args.child[0], int(args.child[1])
        if kind == "prepare":
            prepare(size)
            figures = {"prepared": size}
        elif kind == "ours":
            figures = run_ours(size)
        else:
            figures = run_baseline(size)
        print(json.dumps(figures, ensure_ascii=False))
        return
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        child(["prepare", str(size)])
        runs = [child(["ours", str(size)]) for _ in range(args.repeat)]
        for run in runs:
            print(json.dumps(run, ensure_ascii=False))
        results += runs
        verify = run_verify(size, runs[-1]["certificate"])
        print(json.dumps(verify, ensure_ascii=False))
        results.append(verify)
        if str(size) in args.baseline_sizes.split(","):
            base = child(["baseline", str(size)])
            print(json.dumps(base, ensure_ascii=False))
            results.append(base)
            median = statistics.median(r["seconds"] for r in runs)
            print(f"{size:,} 户：本项目中位数 {median:.2f} s，基线 {base['seconds']:.1f} s，"
                  f"倍数 {base['seconds'] / median:.0f}")
    out = ROOT / "bench" / "out" / "draw_results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
