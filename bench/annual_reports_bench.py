"""年报 benchmark: importing the filing status of 1,000,000 entities (target ≤ 60 s) and the season's progress page at
that scale (target p95 ≤ 150 ms), each beside a baseline measured in the same run.

    .venv/bin/python bench/annual_reports_bench.py [--entities 1000000] [--sample 10000] [--requests 40]
    .venv/bin/python bench/annual_reports_bench.py --lists [--requests 10]   # the two lists only, on the data there

Own database xinyong_bench_annual (BENCH_PG_SERVER as for the other benchmarks); the register comes from
bench/register_data.py. The 2023 season is filled with SQL (the "same day last year" of the page); the 2024
season is opened with season_open and the file — one row per entity of the register, about 90 % with a filing
date, the rest empty (not filed) — is written once with core.xlsx into bench/out/annual_reports/.

Import: ours is annual_reports.importer.annual_reports_import (calamine, row checks, COPY, set-based merge,
tallies recounted, in one transaction), timed on the first import (most records change) and on a re-import of
the same file (nothing changes). Baseline: what a first version would write — openpyxl read-only, and for each
row a lookup of the entity and update_or_create of its record, one transaction — on the first --sample rows,
extrapolated to the file. Progress page: ours is GET /annual-reports/?year=2024 through Django's test Client
(district and office users), reading only the tallies; the baseline computes the same figures from the million
records per request (group-by over the records joined to the register), timed without a template.
"""
import argparse
import json
import random
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from register_data import ensure_register, setup_django  # noqa: E402

DBNAME = "xinyong_bench_annual"
OUT = Path(__file__).resolve().parent / "out" / "annual_reports"
YEAR = 2024


def log(message: str) -> None:
    print(message, flush=True)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def write_file(path: Path, total: int) -> None:
    """One row per entity: ~90 % filed (dates leaning to 30 June, ~3 % late), the rest empty."""
    from core.xlsx import Workbook
    from registry.models import MarketEntity

    if path.exists():
        log(f"使用已有文件 {path.name}")
        return
    log(f"生成导入文件（{total:,} 行）…")
    started = time.perf_counter()
    rng = random.Random(2024)
    opens, due = date(2025, 1, 1), date(2025, 6, 30)
    channels = ["网页", "手机", "纸质"]

    def rows():
        for uscc in MarketEntity.objects.order_by("id").values_list("uscc", flat=True).iterator(chunk_size=20000):
            r = rng.random()
            if r < 0.87:
                yield [uscc, YEAR, opens + timedelta(days=int(180 * rng.random() ** 0.6)), channels[int(r * 100) % 3]]
            elif r < 0.90:
                yield [uscc, YEAR, due + timedelta(days=1 + int(120 * rng.random())), channels[int(r * 1000) % 3]]
            else:
                yield [uscc, YEAR, None, None]

    book = Workbook()
    book.add_sheet("年报报送情况", ["统一社会信用代码", "报告年度", "报送日期", "报送方式"], rows(),
                   widths=[22, 10, 12, 10])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    log(f"  {path.stat().st_size / 1e6:.1f} MB，用时 {time.perf_counter() - started:.0f} 秒")


def prepare_seasons() -> None:
    """2023 filled with SQL (last year's curve); 2024 opened fresh (every record 未报送), as before an import."""
    from django.db import connection

    from annual_reports.models import AnnualReport, FilingSeason
    from annual_reports.services import season_open, tally_rebuild
    from core.models import User

    by = User.objects.filter(username="bench").first() or User.objects.create(username="bench", is_superuser=True)
    with connection.cursor() as cur:
        cur.execute("TRUNCATE annual_reports_annualreport, annual_reports_seasontally, "
                    "annual_reports_dailyfilingtally, annual_reports_campaigntarget, annual_reports_contactrecord, "
                    "annual_reports_remindercampaign")
    FilingSeason.objects.all().delete()
    started = time.perf_counter()
    last = season_open(year=YEAR - 1, by=by)
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.2023)")
        cur.execute("""
            UPDATE annual_reports_annualreport SET status = 'on_time', channel = 'web',
                   filed_on = '2024-01-01'::date + floor(180 * power(random(), 0.65))::int
            WHERE season_id = %s AND status = 'not_filed' AND random() < 0.86""", [last.pk])
    tally_rebuild(last)
    season_open(year=YEAR, by=by)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) annual_reports_annualreport")
    log(f"年报季：2023 年度（SQL 生成）与 2024 年度（开启，全部未报送）共 {AnnualReport.objects.count():,} 条，"
        f"用时 {time.perf_counter() - started:.0f} 秒")


def reset_2024() -> None:
    from django.db import connection

    from annual_reports.models import FilingSeason
    from annual_reports.services import tally_rebuild

    season = FilingSeason.objects.get(year=YEAR)
    with connection.cursor() as cur:
        cur.execute("UPDATE annual_reports_annualreport SET status = 'not_filed', filed_on = NULL, channel = '', "
                    "publish = NULL, source = 'season' WHERE season_id = %s AND status <> 'not_required'",
                    [season.pk])
        cur.execute("VACUUM (ANALYZE) annual_reports_annualreport")
    tally_rebuild(season)


def ours_import(path: Path) -> tuple[float, dict]:
    from annual_reports.importer import annual_reports_import

    started = time.perf_counter()
    report = annual_reports_import(path=path, file_name=path.name, max_errors=20)
    elapsed = time.perf_counter() - started
    assert report.ok, report.errors[:5]
    return elapsed, {"rows": report.rows, "created": report.created, "updated": report.updated,
                     "unchanged": report.unchanged, **report.timings}


def naive_import(path: Path, sample: int) -> float:
    """openpyxl read-only + a lookup and update_or_create per row, one transaction (no tallies, no audit)."""
    from django.db import transaction
    from openpyxl import load_workbook

    from annual_reports.models import AnnualReport, FilingSeason
    from registry.models import MarketEntity

    started = time.perf_counter()
    book = load_workbook(path, read_only=True)
    sheet = book.worksheets[0]
    seasons = {s.year: s for s in FilingSeason.objects.all()}
    with transaction.atomic():
        for i, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True)):
            if i >= sample:
                break
            uscc, year, filed_on, channel = (tuple(cells) + (None,) * 4)[:4]  # trailing empty cells are left out
            season = seasons[int(year)]
            entity = MarketEntity.objects.get(uscc=uscc)
            if filed_on is None:
                AnnualReport.objects.get_or_create(season=season, entity=entity)
                continue
            filed = filed_on.date() if hasattr(filed_on, "date") else filed_on
            AnnualReport.objects.update_or_create(season=season, entity=entity, defaults={
                "status": "on_time" if filed <= season.due_on else "late", "filed_on": filed,
                "channel": {"网页": "web", "手机": "mobile", "纸质": "paper"}[channel], "source": "import"})
        transaction.set_rollback(True)
    book.close()
    return time.perf_counter() - started


def naive_progress(season, previous) -> None:
    """The page's figures straight from the records: required/filed per office and type this year and last year
    (to the same day), and the daily filings for the chart."""
    from django.db.models import Count, Q

    from annual_reports.models import AnnualReport

    day = date(2025, 12, 31)
    for s, upto in ((season, day), (previous, day.replace(year=day.year - 1))):
        reports = AnnualReport.objects.filter(season=s).order_by()
        list(reports.values("entity__office_id", "entity__entity_type").annotate(
            required=Count("id", filter=~Q(status="not_required")),
            filed=Count("id", filter=Q(status__in=["on_time", "late"], filed_on__lte=upto))))
        list(reports.filter(status__in=["on_time", "late"], filed_on__lte=upto,
                            entity__entity_type__in=["enterprise", "cooperative"])
             .values("filed_on").annotate(n=Count("id")))


def time_page(client, params: dict, n: int) -> list[float]:
    for _ in range(3):
        assert client.get("/annual-reports/", params).status_code == 200
    runs = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get("/annual-reports/", params)
        runs.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return runs


LIST_CASES = (  # the 报送情况 list as the progress page's and the dashboard's drill-downs open it
    ("全区", {"year": YEAR}), ("企业未报送", {"year": YEAR, "group": "bureau", "status": "not_filed"}),
    ("企业截至3月底已报", {"year": YEAR, "group": "bureau", "filed_before": f"{YEAR + 1}-03-31"}),
    ("个体工商户", {"year": YEAR, "type": "individual"}),
)


def bench_lists(requests: int) -> dict:
    """报送情况 list (total from the tallies) against the same page plus the exact COUNT it replaced (baseline),
    and the 疑似休眠主体 list as it is (not optimised), for section staff and one office's staff."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from annual_reports.filters import ReportFilter
    from annual_reports.selectors import report_list_queryset
    from core.choices import Role
    from core.models import User

    results = {}
    for username, role in (("bench_section", Role.SECTION), ("bench_office", Role.OFFICE)):
        user = User.objects.get(username=username)
        user.groups.add(Group.objects.get(name=role))  # made by a full run of this script
        client = Client()
        client.force_login(user)
        for label, params in (*LIST_CASES, ("疑似休眠主体", None)):
            url = "/annual-reports/dormant/" if params is None else "/annual-reports/reports/"
            client.get(url, params or {})
            runs, counts = [], []
            for _ in range(requests):
                start = time.perf_counter()
                assert client.get(url, params or {}).status_code == 200
                runs.append((time.perf_counter() - start) * 1000)
                if params is not None:
                    start = time.perf_counter()
                    ReportFilter({k: str(v) for k, v in params.items()}, queryset=report_list_queryset(user),
                                 user=user).qs.count()
                    counts.append((time.perf_counter() - start) * 1000)
            row = {"p50_ms": round(statistics.median(runs)), "p95_ms": round(percentile(runs, 95))}
            if counts:
                with_count = [r + c for r, c in zip(runs, counts, strict=True)]
                row["baseline_p50_ms"] = round(statistics.median(with_count))
                row["baseline_p95_ms"] = round(percentile(with_count, 95))
            results[f"{username}:{label}"] = row
            log(f"  {username} {label}: {row}")
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--lists", action="store_true",
                        help="只测报送情况清单和疑似休眠主体清单（使用已导入的数据库，不重新导入）")
    args = parser.parse_args()
    setup_django(DBNAME)
    if args.lists:
        results = {"lists": bench_lists(args.requests)}
        OUT.mkdir(parents=True, exist_ok=True)
        with (OUT / "results.json").open("a") as f:
            f.write(json.dumps({"at": time.strftime("%Y-%m-%d %H:%M"), **results}, ensure_ascii=False) + "\n")
        return
    ensure_register(args.entities, log=log)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM registry_marketentity")
        total = cur.fetchone()[0]
    path = OUT / f"annual_reports_{total}.xlsx"
    write_file(path, total)
    prepare_seasons()
    results = {"entities": total, "file_mb": round(path.stat().st_size / 1e6, 1)}

    log("\n== 导入（本项目）")
    elapsed, detail = ours_import(path)
    results["import_first"] = {"seconds": round(elapsed, 1), **detail}
    log(f"  首次导入 {detail['rows']:,} 行：{elapsed:.1f} 秒 {detail}")
    elapsed, detail = ours_import(path)
    results["import_again"] = {"seconds": round(elapsed, 1), **detail}
    log(f"  重复导入（无变化）：{elapsed:.1f} 秒 {detail}")

    log(f"\n== 导入（基线，前 {args.sample:,} 行，外推）")
    reset_2024()
    naive = naive_import(path, args.sample)
    extrapolated = naive * total / args.sample
    results["import_baseline"] = {"sample": args.sample, "seconds": round(naive, 1),
                                  "extrapolated_seconds": round(extrapolated)}
    log(f"  {args.sample:,} 行 {naive:.1f} 秒 → {total:,} 行约 {extrapolated / 60:.0f} 分钟")
    elapsed, detail = ours_import(path)  # back to the imported state for the page
    log(f"  （恢复导入状态：{elapsed:.1f} 秒）")

    log("\n== 报送进度页")
    from django.test import Client

    from annual_reports.models import FilingSeason
    from core.choices import Role
    from core.models import Office, User
    from core.roles import ensure_roles

    ensure_roles()
    from django.contrib.auth.models import Group

    section = User.objects.filter(username="bench_section").first() or User.objects.create_user(
        "bench_section", password="x")
    section.groups.add(Group.objects.get(name=Role.SECTION))
    office = Office.objects.order_by("id").first()
    staff = User.objects.filter(username="bench_office").first() or User.objects.create_user(
        "bench_office", password="x", office=office)
    staff.groups.add(Group.objects.get(name=Role.OFFICE))
    page = {}
    for key, user, params in (("district", section, {"year": YEAR}), ("office", staff, {"year": YEAR}),
                              ("district_office_filter", section, {"year": YEAR, "office": office.pk})):
        client = Client()
        client.force_login(user)
        runs = time_page(client, params, args.requests)
        page[key] = {"p50_ms": round(statistics.median(runs), 1), "p95_ms": round(percentile(runs, 95), 1)}
        log(f"  {key}: p50 {page[key]['p50_ms']} ms, p95 {page[key]['p95_ms']} ms")
    season, previous = FilingSeason.objects.get(year=YEAR), FilingSeason.objects.get(year=YEAR - 1)
    runs = []
    for _ in range(max(5, args.requests // 4)):
        start = time.perf_counter()
        naive_progress(season, previous)
        runs.append((time.perf_counter() - start) * 1000)
    page["baseline"] = {"p50_ms": round(statistics.median(runs), 1), "p95_ms": round(percentile(runs, 95), 1),
                        "runs": len(runs)}
    log(f"  基线（每次从一百万条记录汇总，不含模板）：p50 {page['baseline']['p50_ms']} ms，"
        f"p95 {page['baseline']['p95_ms']} ms")
    results["page"] = page
    results["peak_mb"] = round(peak_mb())
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "results.json").open("a") as f:
        f.write(json.dumps({"at": time.strftime("%Y-%m-%d %H:%M"), **results}, ensure_ascii=False) + "\n")
    log("\n" + json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
