"""Benchmark: export of 100,000 register entities to .xlsx — our streaming writer against openpyxl write-only.

    .venv/bin/python bench/export_bench.py [--rows 100000] [--repeat 3]
    .venv/bin/python bench/export_bench.py --database xinyong_bench_list --rows 1000000 --variants ours --repeat 1
        (the same export at a million rows, on the list benchmark's database, to see that memory stays flat)

Uses its own database (xinyong_bench_export), created, migrated and filled by this script (70 % of the
entities get two general risk-class results, since the export carries the current class). Every variant reads
the same rows from PostgreSQL through registry.exporter.entity_rows (server-side cursor, labels, masked phones,
current risk class) and writes a complete .xlsx; each run is a fresh child process so its peak memory (VmHWM)
is its own.
Variants: ours to a file; ours streamed through the export view (Django test Client, district-wide user,
including the count and the audit record); openpyxl write-only (the baseline); xlsxwriter constant-memory
(for reference).
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

DBNAME = "xinyong_bench_export"
VARIANTS = {
    "ours": "本项目 core.xlsx 写文件",
    "ours_view": "本项目 导出视图（流式响应）",
    "openpyxl": "openpyxl write-only（基线）",
    "xlsxwriter": "xlsxwriter constant_memory（参考）",
}


def _status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process in MB; unlike ru_maxrss, VmHWM starts afresh at exec."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def run_variant(variant: str, dbname: str) -> dict:
    """Run one export in this (child) process and return its figures."""
    register_data.setup_django(dbname, migrate=False)
    from registry.excel import EXPORT_HEADERS as HEADERS  # the template headers plus 风险类别
    from registry.exporter import entity_rows, entity_workbook
    from registry.models import MarketEntity

    queryset = MarketEntity.objects.select_related("office").order_by("name", "id")
    out = Path(tempfile.mkdtemp(prefix="export_bench_")) / f"{variant}.xlsx"
    client = None
    if variant == "ours_view":
        from django.test import Client

        from core.choices import Role
        from core.models import User
        from tests.factories import make_user

        user = User.objects.filter(username="bench_credit").first() or make_user(Role.SECTION, username="bench_credit")
        client = Client()
        client.force_login(user)
    rss_before = _status_mb("VmRSS")
    start = time.perf_counter()
    if variant == "ours":
        book = entity_workbook(queryset, show_phone=False)
        book.save(out)
        rows = book.rows_written
    elif variant == "ours_view":
        response = client.get("/registry/entities/export/")
        assert response.status_code == 200, response.status_code
        with open(out, "wb") as f:
            for chunk in response.streaming_content:
                f.write(chunk)
        rows = None
    elif variant == "openpyxl":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("市场主体名录")
        sheet.append(HEADERS)
        rows = 0
        for row in entity_rows(queryset, show_phone=False):
            sheet.append(row)
            rows += 1
        book.save(out)
    elif variant == "xlsxwriter":
        import xlsxwriter

        book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
        sheet = book.add_worksheet("市场主体名录")
        date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, HEADERS)
        rows = 0
        for rows, row in enumerate(entity_rows(queryset, show_phone=False), 1):
            for col, value in enumerate(row):
                if hasattr(value, "toordinal"):
                    sheet.write_datetime(rows, col, value, date_format)
                else:
                    sheet.write(rows, col, value)
        book.close()
    else:
        raise SystemExit(f"未知的测试项：{variant}")
    elapsed = time.perf_counter() - start
    peak = _status_mb("VmHWM")
    # Check the file outside the timing: calamine reads it back, header and row count must match.
    from python_calamine import CalamineWorkbook

    data = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert data[0] == HEADERS, data[0]
    read_rows = len(data) - 1
    assert rows is None or read_rows == rows, (read_rows, rows)
    size = out.stat().st_size
    out.unlink()
    return {"variant": variant, "rows": read_rows, "seconds": elapsed, "rows_per_s": read_rows / elapsed,
            "peak_rss_mb": peak, "rss_before_mb": rss_before, "file_mb": size / 2**20}


def ensure_risk_classes() -> None:
    """Give 70 % of the entities two general risk-class results (the export carries the current one)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM credit_entityriskclass)")
        if cur.fetchone()[0]:
            return
        cur.execute("""
            INSERT INTO credit_entityriskclass (entity_id, risk_class, classified_on, domain_id, job_id, created_at)
            SELECT e.id, (ARRAY['A', 'B', 'B', 'B', 'C', 'D'])[1 + (hashtext(e.id::text || v.d::text) & 65535) % 6],
                   v.d, NULL, NULL, now()
            FROM registry_marketentity e, (VALUES (DATE '2024-12-01'), (DATE '2025-12-01')) AS v(d)
            WHERE e.id % 10 < 7
        """)
        cur.execute("ANALYZE credit_entityriskclass")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default=DBNAME, help=f"benchmark database (default {DBNAME})")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated: " + ", ".join(VARIANTS))
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # used by the child processes
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.database)))
        return
    if not args.database.startswith("xinyong_bench"):
        sys.exit("只能使用基准测试专用数据库（名称以 xinyong_bench 开头）")
    chosen = [v for v in args.variants.split(",") if v]
    unknown = set(chosen) - set(VARIANTS)
    if unknown:
        sys.exit(f"未知的测试项：{', '.join(sorted(unknown))}")

    register_data.setup_django(args.database)
    register_data.ensure_register(args.rows)
    ensure_risk_classes()
    print(f"机器：{os.cpu_count()} 核；数据库 {args.database}，{args.rows:,} 户；每项运行 {args.repeat} 次，取中位数\n")
    results = {}
    for _ in range(args.repeat):  # interleaved, so a slow moment of the machine does not hit one variant only
        for variant in chosen:
            child = subprocess.run([sys.executable, __file__, "--variant", variant, "--database", args.database],
                                   capture_output=True, text=True)
            if child.returncode:
                sys.exit(f"{variant} 运行失败：\n{child.stderr}")
            result = json.loads(child.stdout.strip().splitlines()[-1])
            results.setdefault(variant, []).append(result)
            print(f"  {variant:<11} {result['seconds']:6.2f} s  {result['rows_per_s']:9,.0f} 行/秒  "
                  f"峰值内存 {result['peak_rss_mb']:5.0f} MB")
    print()
    median = {v: statistics.median(r["rows_per_s"] for r in runs) for v, runs in results.items()}
    print("| 方案 | 行/秒（中位数） | 耗时 s | 峰值 RSS MB | 开始导出时 RSS MB | 文件 MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for variant, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_rss_mb"] for r in runs)
        before = statistics.median(r["rss_before_mb"] for r in runs)
        print(f"| {VARIANTS[variant]} | {median[variant]:,.0f} | {seconds:.2f} | {peak:.0f} | {before:.0f} | "
              f"{runs[0]['file_mb']:.1f} |")
    print()
    if "openpyxl" in median:
        for variant in ("ours", "ours_view", "xlsxwriter"):
            if variant in median:
                print(f"{VARIANTS[variant]} / openpyxl 基线 = {median[variant] / median['openpyxl']:.2f} 倍")


if __name__ == "__main__":
    main()
