"""Benchmark: the entity list page at 1,000,000 entities — p50/p95 per request, before and after the list indexes.

    .venv/bin/python bench/list_bench.py [--entities 1000000] [--requests 50]

Uses its own database (xinyong_bench_list), created, migrated and filled by this script (kept between runs).
Every request goes through Django's test Client (middleware, session, filters, count, page query, template),
logged in as a district-wide user (股室人员), plus one office user's first page. The baseline is the same code
on the same data with migration registry.0004 (the list indexes) unapplied; then 0004 is applied and the same
requests are timed again. Target: p95 ≤ 150 ms for the first page and the filtered page.
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


def cases(office_id: int) -> list[tuple[str, str, dict, bool]]:
    """(key, label, query parameters, user is office staff); the first two carry the target."""
    return [
        ("first", "首页（全区，无筛选）", {}, False),
        ("filtered", "筛选：存续 + 南埔所 + 企业",
         {"status": "active", "office": office_id, "entity_type": "enterprise"}, False),
        ("office_first", "首页（山腰所人员，本所范围）", {}, True),
        ("filtered_rare", "筛选：迁出 + 南埔所 + 合作社（结果很少）",
         {"status": "moved_out", "office": office_id, "entity_type": "cooperative"}, False),
        ("status_only", "筛选：仅存续（约 80 万户）", {"status": "active"}, False),
        ("search2", "搜索 q=鸿运（2 字）", {"q": "鸿运"}, False),
        ("search4", "搜索 q=鸿运物流（4 字）", {"q": "鸿运物流"}, False),
        ("sort", "按成立日期倒序", {"sort": "-established"}, False),
        ("deep", "第 200 页（按名称）", {"page": 200}, False),
    ]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def time_requests(client, params: dict, n: int) -> list[float]:
    for _ in range(WARMUP):
        assert client.get("/registry/entities/", params).status_code == 200
    timings = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get("/registry/entities/", params)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return timings


def count_plan(params: dict, user) -> str:
    """EXPLAIN ANALYZE of the page's count query: the scan it uses and how long it takes."""
    from django.db import connection
    from django.test import RequestFactory

    from registry.views import filtered_entities

    request = RequestFactory().get("/registry/entities/", params)
    request.user = user
    qs = filtered_entities(request).qs.order_by()
    sql, sql_params = qs.values("pk").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE) SELECT COUNT(*) FROM ({sql}) AS rows", sql_params)
        lines = [row[0] for row in cur.fetchall()]
    scans = [line.strip().lstrip("-> ").split("  (")[0] for line in lines if "Scan" in line]
    total = next(line for line in lines if line.startswith("Execution Time"))
    return f"{'; '.join(scans)} — {total.split(':')[1].strip()}"


def run_phase(label: str, users: dict, case_list, n: int) -> dict:
    from django.db import connection
    from django.test import Client

    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) registry_marketentity")
    clients = {}
    for key, user in users.items():
        clients[key] = Client()
        clients[key].force_login(user)
    print(f"\n== {label}")
    results = {}
    for key, title, params, office_user in case_list:
        user_key = "office" if office_user else "district"
        timings = time_requests(clients[user_key], params, n)
        p50, p95 = statistics.median(timings), percentile(timings, 95)
        plan = count_plan(params, users[user_key])
        results[key] = (p50, p95, plan)
        print(f"  {title:<28} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms   计数：{plan}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    register_data.setup_django(DBNAME)
    register_data.ensure_register(args.entities)
    from django.core.management import call_command

    from core.choices import Role
    from core.models import Office, User
    from registry.models import MarketEntity
    from tests.factories import make_user

    district = User.objects.filter(username="bench_credit").first() or make_user(Role.SECTION, username="bench_credit")
    shanyao = Office.objects.get(name="山腰市场监督管理所")
    office_user = User.objects.filter(username="bench_office").first() or make_user(
        Role.OFFICE, username="bench_office", office=shanyao)
    users = {"district": district, "office": office_user}
    nanpu = Office.objects.get(name="南埔市场监督管理所")
    case_list = cases(nanpu.pk)

    print(f"机器：{os.cpu_count()} 核；数据库 {DBNAME}，{MarketEntity.objects.count():,} 户；"
          f"每项 {WARMUP} 次预热后计时 {args.requests} 次（Django 测试客户端，整页渲染）")
    call_command("migrate", "registry", "0003", verbosity=0)
    before = run_phase("基线：未应用 registry.0004（无 office+status+type 索引），Django 默认 COUNT(*) 分页", users,
                       case_list, args.requests)
    call_command("migrate", "registry", verbosity=0)
    after = run_phase("优化后：应用 registry.0004", users, case_list, args.requests)

    print("\n| 请求 | 基线 p50 | 基线 p95 | 优化后 p50 | 优化后 p95 | p95 倍数 | 目标 |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for key, title, _, _ in case_list:
        b50, b95, _ = before[key]
        a50, a95, _ = after[key]
        target = ("达标" if a95 <= TARGET_MS else "未达标") if key in ("first", "filtered") else "—"
        print(f"| {title} | {b50:.0f} ms | {b95:.0f} ms | {a50:.0f} ms | {a95:.0f} ms | {b95 / a95:.1f}× | {target} |")


if __name__ == "__main__":
    main()
