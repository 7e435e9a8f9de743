"""Benchmark: the entity list page at 1,000,000 entities — p50/p95 per request, baseline against the optimised page.

    .venv/bin/python bench/list_bench.py [--entities 1000000] [--requests 50] [--rounds 2]

Uses its own database (xinyong_bench_list), created, migrated and filled by this script (kept between runs).
Every request goes through Django's test Client (middleware, session, filters, count, page query, template),
logged in as a district-wide user (股室人员) or, where marked, as staff of 山腰所 (their office only).

Baseline: the list as it was before this work, on the same data — the indexes of registry.0001/0002 only
((office, name), (status, entity_type), (name, id) and the trigram indexes; the indexes of 0004 and 0005 are
dropped for the phase and the old ones put back, without touching the migration state) and Django's plain
Paginator (COUNT(*), then one query for the page's full rows).
Optimised: 0004 (office, status, entity_type) for counting, 0005 covering indexes (name, id) and
(office, name, id) carrying the filter columns, registry.views.EntityPaginator (the page's ids from the
index, then the rows) and, for the district's unfiltered list only, PostgreSQL's row estimate shown as "约 N 户"
instead of COUNT(*). The phases alternate over rounds (baseline, optimised, baseline, …) so a busy moment of
the shared machine does not fall on one phase only; p50/p95 are over all rounds.
Target: p95 ≤ 150 ms for first pages and filtered pages (marked 目标 in the table).

The price of the indexes is paid on writes: at the end, 100,000 new entities are COPYed into the million-row
table (then rolled back) with the baseline indexes and with the optimised ones.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import register_data  # noqa: E402

DBNAME = "xinyong_bench_list"
TARGET_MS = 150
WARMUP = 5
URL = "/registry/entities/"


def cases(nanpu: int) -> list[tuple[str, str, dict, bool, bool]]:
    """(key, label, query parameters, as office staff, carries the target)."""
    active_nanpu = {"status": "active", "office": nanpu}
    return [
        ("first", "首页（全区，按名称）", {}, False, True),
        ("filtered_ent", "筛选：存续 + 南埔所 + 企业", active_nanpu | {"entity_type": "enterprise"}, False, True),
        ("filtered_ind", "筛选：存续 + 南埔所 + 个体工商户", active_nanpu | {"entity_type": "individual"}, False, True),
        ("filtered_desc", "筛选：存续 + 南埔所 + 企业，名称倒序",
         active_nanpu | {"entity_type": "enterprise", "sort": "-name"}, False, True),
        ("office_first", "山腰所人员：首页（本所）", {}, True, True),
        ("office_filtered", "山腰所人员：存续 + 个体工商户", {"status": "active", "entity_type": "individual"}, True,
         True),
        ("type_only", "筛选：仅个体工商户（约 66 万户）", {"entity_type": "individual"}, False, False),
        ("rare", "筛选：迁出 + 南埔所 + 合作社（约 30 户）",
         {"status": "moved_out", "office": nanpu, "entity_type": "cooperative"}, False, False),
        ("search2", "搜索 q=鸿运（2 字，约 3.2 万户）", {"q": "鸿运"}, False, False),
        ("search4", "搜索 q=鸿运物流（4 字，约 700 户）", {"q": "鸿运物流"}, False, False),
        ("search_town", "搜索 q=泉港区山腰（约 10 万户）", {"q": "泉港区山腰"}, False, False),
        ("search_rep", "搜索 q=林海（法定代表人，2 字）", {"q": "林海"}, False, False),
        ("sort", "按成立日期倒序", {"sort": "-established"}, False, False),
        ("deep", "第 200 页（按名称）", {"page": 200}, False, False),
    ]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def time_requests(client, params: dict, n: int) -> list[float]:
    for _ in range(WARMUP):
        assert client.get(URL, params).status_code == 200
    timings = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(URL, params)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return timings


def _explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE) {sql}", params)
        lines = [row[0] for row in cur.fetchall()]
    scans = [line.strip().lstrip("-> ").split("  (")[0].replace(" on registry_marketentity", "")
             for line in lines if "Scan" in line and "core_office" not in line]
    total = next(line for line in lines if line.startswith("Execution Time")).split(":")[1].strip()
    return f"{' + '.join(scans)} {total}"


def plans(params: dict, user, optimised: bool) -> str:
    """EXPLAIN ANALYZE of the page's count query (unless estimated) and its first page query (ids only when
    optimised)."""
    from django.test import RequestFactory

    from registry.views import estimated_entity_count, filtered_entities

    request = RequestFactory().get(URL, params)
    request.user = user
    filterset = filtered_entities(request)
    qs = filterset.qs
    if optimised and estimated_entity_count(filterset, user) is not None:
        counting = "估计值（pg_class.reltuples）"
    else:
        count_sql, count_params = qs.order_by().values("pk").query.sql_with_params()
        counting = _explain(f"SELECT COUNT(*) FROM ({count_sql}) AS rows", count_params)
    page_qs = (qs.values_list("pk", flat=True) if optimised else qs)[:50]
    page_sql, page_params = page_qs.query.sql_with_params()
    return f"计数 {counting}；取页 {_explain(page_sql, page_params)}"


def run_phase(label: str, users: dict, case_list, n: int, timings: dict, optimised: bool) -> None:
    """Time every case n times, adding to timings[case]; print each case's plans."""
    from django.db import connection
    from django.test import Client

    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) registry_marketentity")
    clients = {}
    for key, user in users.items():
        clients[key] = Client()
        clients[key].force_login(user)
    print(f"\n== {label}")
    for key, title, params, as_office, _ in case_list:
        user_key = "office" if as_office else "district"
        runs = time_requests(clients[user_key], params, n)
        timings.setdefault(key, []).extend(runs)
        print(f"  {title}: p50 {statistics.median(runs):.0f} ms · {plans(params, users[user_key], optimised)}")


def use_indexes(*, baseline: bool) -> None:
    """Switch the table between the baseline indexes (0001) and the optimised ones (0004, 0005)."""
    from django.db import connection, models

    from registry.models import MarketEntity

    old = [models.Index(fields=["office", "name"], name="entity_office_name_idx"),
           models.Index(fields=["name", "id"], name="entity_name_id_idx")]
    new = [index for index in MarketEntity._meta.indexes
           if index.name in ("entity_office_status_type_idx", "entity_name_cover_idx", "entity_office_name_cover_idx")]
    assert len(new) == 3, "the model no longer declares the list indexes this benchmark compares"
    add, drop = (old, new) if baseline else (new, old)
    with connection.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [MarketEntity._meta.db_table])
        present = {row[0] for row in cur.fetchall()}
    with connection.schema_editor() as editor:
        for index in add:
            if index.name not in present:
                editor.add_index(MarketEntity, index)
        for index in drop:
            if index.name in present:
                editor.remove_index(MarketEntity, index)


def copy_cost(rows: int) -> float:
    """Seconds to COPY `rows` new generated entities into the register, rolled back afterwards."""
    import random

    from django.db import transaction

    buf = register_data.generate_tsv(50_000_001, rows, random.Random(7), register_data._offices())
    with transaction.atomic():
        start = time.perf_counter()
        register_data.copy_tsv(buf)
        elapsed = time.perf_counter() - start
        transaction.set_rollback(True)
    return elapsed


def summary(timings: dict) -> dict:
    return {key: (statistics.median(runs), percentile(runs, 95)) for key, runs in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per case and phase")
    parser.add_argument("--rounds", type=int, default=2, help="baseline/optimised alternations")
    parser.add_argument("--copy-rows", type=int, default=100_000, help="rows COPYed to price the indexes")
    args = parser.parse_args()

    register_data.setup_django(DBNAME)
    register_data.ensure_register(args.entities)
    from django.core.paginator import Paginator

    from core.choices import Role
    from core.models import Office, User
    from registry import views
    from registry.models import MarketEntity
    from tests.factories import make_user

    district = User.objects.filter(username="bench_credit").first() or make_user(Role.SECTION, username="bench_credit")
    shanyao = Office.objects.get(name="山腰市场监督管理所")
    office_user = User.objects.filter(username="bench_office").first() or make_user(
        Role.OFFICE, username="bench_office", office=shanyao)
    users = {"district": district, "office": office_user}
    case_list = cases(Office.objects.get(name="南埔市场监督管理所").pk)
    optimised_paginator, optimised_estimate = views.EntityPaginator, views.estimated_entity_count

    class PlainPaginator(Paginator):
        """Django's paginator as the list used it before: COUNT(*), then one query for the page's rows."""

        def __init__(self, object_list, per_page, *, estimated_count=None, **kwargs):
            super().__init__(object_list, per_page, **kwargs)


    print(f"机器：{os.cpu_count()} 核；数据库 {DBNAME}，{MarketEntity.objects.count():,} 户；"
          f"每项 {WARMUP} 次预热后计时（Django 测试客户端，整页渲染）")
    per_round = max(1, args.requests // args.rounds)
    baseline, optimised = {}, {}
    try:
        for round_no in range(1, args.rounds + 1):
            use_indexes(baseline=True)
            views.EntityPaginator, views.estimated_entity_count = PlainPaginator, lambda filterset, user: None
            run_phase(f"第 {round_no} 轮 基线：无 registry.0004/0005 索引，Django Paginator（COUNT(*)）", users,
                      case_list, per_round, baseline, optimised=False)
            use_indexes(baseline=False)
            views.EntityPaginator, views.estimated_entity_count = optimised_paginator, optimised_estimate
            run_phase(f"第 {round_no} 轮 优化后：0004 + 0005 索引，EntityPaginator，全区无筛选用估计值", users,
                      case_list, per_round, optimised, optimised=True)
        use_indexes(baseline=True)
        copy_before = min(copy_cost(args.copy_rows) for _ in range(2))
        use_indexes(baseline=False)
        copy_after = min(copy_cost(args.copy_rows) for _ in range(2))
    finally:
        views.EntityPaginator, views.estimated_entity_count = optimised_paginator, optimised_estimate
        use_indexes(baseline=False)
    before, after = summary(baseline), summary(optimised)

    print(f"\n每项每阶段共 {per_round * args.rounds} 次请求")
    print("| 请求 | 基线 p50 | 基线 p95 | 优化后 p50 | 优化后 p95 | p95 倍数 | 目标 p95 ≤ 150 ms |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for key, title, _, _, target in case_list:
        b50, b95 = before[key]
        a50, a95 = after[key]
        verdict = ("达标" if a95 <= TARGET_MS else "未达标") if target else "—"
        print(f"| {title} | {b50:.0f} ms | {b95:.0f} ms | {a50:.0f} ms | {a95:.0f} ms | {b95 / a95:.1f}× | {verdict} |")
    print(f"\n写入代价：COPY {args.copy_rows:,} 户新主体进百万户表（回滚），基线索引 {copy_before:.2f} s"
          f"（{args.copy_rows / copy_before:,.0f} 行/秒），优化后索引 {copy_after:.2f} s"
          f"（{args.copy_rows / copy_after:,.0f} 行/秒），慢 {copy_after / copy_before:.2f} 倍")


if __name__ == "__main__":
    main()
