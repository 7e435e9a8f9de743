"""Benchmark: the leadership dashboard at 1,000,000 entities and 100,000 checks, read from the summary tables,
against the same page computing its figures directly from the records, in the same run; and the full rollup.

    .venv/bin/python bench/dashboard_bench.py [--entities 1000000] [--checks 100000] [--requests 60]

Its own database (xinyong_bench_dashboard: created, migrated and filled by this script, kept between runs): the
register generated as for the other benchmarks; 70 % of the entities with a current general risk class; the
current year's plan with ten tasks (one professional-domain, two uniform, the rest differentiated; deadlines from
March to October) whose draws hold the checks, written with INSERT … SELECT; results in every state (about 15 %
not recorded, 5 % waiting for review, 40 % reviewed, 40 % published, some late), a problem in one result in ten,
follow-ups for them (70 % closed).

"summary tables": the dashboard view (as a leader) after a rollup, which reads only the summary tables.
"direct": the same view and template with its rows computed from the records on each request (the rollup's grouped
queries, without writing) — what the page would cost without the rollups. The page caches its rendered blocks under
the time of the year's last rollup: measured warm (the usual request) and cold (cache cleared before each request,
as the first request after each rollup). "rollup": rollup_kpis --full for the
year, each stage timed. Timings are wall clock in this process (RequestFactory, no HTTP), after one warm-up.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import register_data  # noqa: E402

DB = "xinyong_bench_dashboard"
TASKS = 10


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def prepare(entities: int, checks: int, year: int) -> None:
    from datetime import date

    from django.db import connection, transaction
    from django.utils import timezone

    from core.choices import DepartmentKind, Role
    from core.models import Department, User
    from credit.models import RiskDomain
    from inspections.models import Draw, Plan, SpotCheck, Task

    register_data.ensure_register(entities)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM credit_currentriskclass")
        if cur.fetchone()[0] == 0:
            print("写入当前风险类别（70 %）…")
            cur.execute("""
                INSERT INTO credit_currentriskclass (entity_id, risk_class, classified_on)
                SELECT id, CASE WHEN h < 30 THEN 'A' WHEN h < 55 THEN 'B' WHEN h < 65 THEN 'C' ELSE 'D' END,
                       %s
                FROM (SELECT id, abs(hashtext('c' || id::text)) %% 100 AS h FROM registry_marketentity) s
                WHERE h < 70""", [date(year, 1, 31)])
            cur.execute("ANALYZE credit_currentriskclass")
    if SpotCheck.objects.count() == checks:
        print(f"已有 {checks:,} 户次抽查检查，直接使用")
        return
    print(f"生成 {year} 年计划、{TASKS} 项任务和 {checks:,} 户次检查…")
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("TRUNCATE inspections_followup, inspections_checkassignment, inspections_spotcheck, "
                        "inspections_draw, inspections_task_items, inspections_taskdepartment, inspections_task, "
                        "inspections_plan RESTART IDENTITY CASCADE")
        user, _ = User.objects.get_or_create(username="bench_leader", defaults={"full_name": "基准领导"})
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get_or_create(name=Role.LEADER)[0])
        lead, _ = Department.objects.get_or_create(code="BENCH-SEC", defaults={"name": "信用监管股（基准）",
                                                                                 "kind": DepartmentKind.SECTION})
        domain, _ = RiskDomain.objects.get_or_create(code="food", defaults={"name": "食品"})
        plan = Plan.objects.create(year=year, name=f"{year} 年度双随机抽查工作计划（基准）")
        per_task = checks // TASKS
        for n in range(TASKS):
            professional, uniform = n == 0, n in (1, 2)
            starts = date(year, 2 + n % 8, 1)
            task = Task.objects.create(
                plan=plan, name=f"基准任务{n + 1}", lead_department=lead, sampling="uniform" if uniform or
                professional else "differentiated", domain=domain if professional else None,
                ratio="0.035" if uniform or professional else None,
                **({} if uniform or professional else {"ratio_a": "0.01", "ratio_b": "0.025", "ratio_c": "0.08",
                                                          "ratio_d": "0.2", "ratio_u": "0.029"}),
                starts_on=starts, deadline=date(year, 3 + n % 8, 28), status="drawn")
            draw = Draw.objects.create(task=task, number=1, algorithm="hmac-sha256-rank/v1", seed="0" * 64,
                                       drawn_at=timezone.make_aware(timezone.datetime(year, starts.month, 1, 9)),
                                       population_size=entities, sample_size=per_task, summary={},
                                       certificate_gz=b"", certificate_sha256="0" * 64)
            # Entities of residue n mod 9 (tasks 0 and 9 share residue 0: entities drawn by two tasks).
            with connection.cursor() as cur:
                cur.execute("""
                    INSERT INTO inspections_spotcheck (task_id, draw_id, entity_id, walk_order, stratum, status,
                        result_code, findings, checked_on, published_on, review_note)
                    SELECT %(task)s, %(draw)s, e.id, row_number() OVER (), coalesce(c.risk_class, 'U'),
                        CASE WHEN h < 15 THEN 'pending' WHEN h < 20 THEN 'submitted' WHEN h < 60 THEN 'approved'
                             ELSE 'published' END,
                        CASE WHEN h < 15 THEN '' WHEN h %% 10 = 3 THEN 'A' ELSE '1' END, '',
                        CASE WHEN h < 15 THEN NULL ELSE %(starts)s::date + (h %% 50) END,
                        CASE WHEN h >= 60 THEN %(starts)s::date + (h %% 50) + (h %% 31) END, ''
                    FROM (SELECT id, abs(hashtext('s' || id::text)) %% 100 AS h FROM registry_marketentity
                          WHERE id %% 9 = %(residue)s AND id > %(offset)s ORDER BY id LIMIT %(n)s) e
                    LEFT JOIN credit_currentriskclass c ON c.entity_id = e.id""",
                            {"task": task.pk, "draw": draw.pk, "starts": starts, "residue": n % 9,
                             "offset": 0 if n < 9 else 50_000, "n": per_task})
        with connection.cursor() as cur:
            cur.execute("""
                INSERT INTO inspections_followup (spot_check_id, measure, case_number, note, status, opened_by_id,
                    opened_at, completed_on, completion_note)
                SELECT id, 'listing', '', '', CASE WHEN id %% 10 < 7 THEN 'closed' ELSE 'open' END, %s, now(),
                    CASE WHEN id %% 10 < 7 THEN checked_on + 20 END, ''
                FROM inspections_spotcheck WHERE result_code = 'A'""", [user.pk])
    with connection.cursor() as cur:  # autocommit: VACUUM cannot run in a transaction
        cur.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--checks", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--direct-requests", type=int, default=12)
    parser.add_argument("--rollups", type=int, default=3)
    args = parser.parse_args()
    register_data.setup_django(DB, migrate=True)
    from django.test import RequestFactory
    from django.utils import timezone

    from core.models import User
    from inspections import dashboard, rollup
    from inspections.dashboard_views import dashboard as dashboard_view
    from inspections.dashboard_views import dashboard_page
    from inspections.models import KpiFigure, SpotCheck

    year = timezone.localdate().year
    prepare(args.entities, args.checks, year)
    print(f"数据：市场主体 {args.entities:,} 户，抽查检查 {SpotCheck.objects.count():,} 户次（{year} 年）")
    leader = User.objects.get(username="bench_leader")

    # The full rollup, each stage timed.
    totals, stages = [], []
    last = {"at": 0.0, "stage": ""}

    def progress(done, total, stage):
        now = time.perf_counter()
        if last["stage"]:
            stages.append((last["stage"], now - last["at"]))
        last["at"], last["stage"] = now, stage

    for _ in range(args.rollups):
        stages.clear()
        last["at"], last["stage"] = time.perf_counter(), ""
        started = time.perf_counter()
        rollup.rollup(years=[year], full=True, progress=progress)
        totals.append(time.perf_counter() - started)
    print(f"全量汇总（{year} 年，{args.rollups} 次）：中位数 {statistics.median(totals):.2f} 秒，"
          f"最慢 {max(totals):.2f} 秒")
    for stage, seconds in stages:
        print(f"  {stage}：{seconds:.2f} 秒")
    district = KpiFigure.objects.get(year=year, kpi="coverage", office=None, month=None)
    print(f"  抽查比例 {district.numerator:,}/{district.denominator:,}")

    factory = RequestFactory()

    def request():
        r = factory.get("/inspections/dashboard/", {"year": year})
        r.user = leader
        r.session = {}
        from django.contrib.messages.storage.fallback import FallbackStorage

        r._messages = FallbackStorage(r)
        return r

    def time_view(render, n: int) -> list[float]:
        render()  # warm-up
        times = []
        for _ in range(n):
            started = time.perf_counter()
            response = render()
            assert response.status_code == 200
            times.append((time.perf_counter() - started) * 1000)
        return times

    from django.core.cache import cache

    def cold():
        cache.clear()  # every request renders the blocks from the summary tables again (the first after a rollup)
        return dashboard_view(request())

    warm = time_view(lambda: dashboard_view(request()), args.requests)
    fresh = time_view(cold, args.requests)
    computed = time_view(lambda: dashboard_page(request(), rows=dashboard.compute_rows(year)), args.direct_requests)
    for label, times in (("汇总表，已缓存本次汇总的页面内容（本实现，常态）", warm),
                         ("汇总表，每次重新生成页面内容（本实现，每次汇总后的第一次）", fresh),
                         ("直接从业务记录计算（对照）", computed)):
        print(f"驾驶舱页面 · {label}：{len(times)} 次，p50 {statistics.median(times):.1f} ms，p95 {p95(times):.1f} ms，"
              f"最慢 {max(times):.1f} ms")


if __name__ == "__main__":
    main()
