"""Benchmark: import of a generated 100,000-row register .xlsx, from upload to committed rows, on PostgreSQL.

    .venv/bin/python bench/import_bench.py [--rows 100000] [--baseline-rows 10000] [--repeat 3]

Uses its own database (xinyong_bench_import on the server of BENCH_PG_SERVER, default
postgres://postgres@127.0.0.1:5432), created and migrated by this script; never the test or demo database.
Every run is a fresh child process, so its peak memory (VmHWM, the high-water mark of its resident set) is its
own. Runs:

- ours_upload: the file posted to the import page (Django test Client, section-staff user); with no broker
  configured the Celery task runs in-process on commit, so the response returns once the rows are committed:
  upload, job, calamine read, row checks, staged COPY merge, status changes and audit, all included;
- ours_update: the same page, re-importing the file with every tenth row changed (name and status), the rest
  identical (updates with before/after audit records and status changes; unchanged rows untouched);
- ours_same: the same page, importing that file once more: every row identical, nothing written but the audit;
- ours_direct: registry.importer.entities_import on the file path (no HTTP, no job);
- baseline: what a first version would do (openpyxl read-only, the same checks, one Model.save() per row in
  one transaction, no status history or audit), on a sample of --baseline-rows rows; ours_direct is also run
  on the same sample.

--gin-check instead imports --new-rows rows with new codes into the 100,000-row register (indexes maintained,
not rebuilt) with the default GIN pending list (4 MB) and with a 256 MB one for the import, and times the
list page's search box before, right after the commit and after the clean-up job (bench/out/import/gin_check.json).
"""
import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import register_data  # noqa: E402

DBNAME = "xinyong_bench_import"
OUT = Path(__file__).resolve().parent / "out" / "import"
USERNAME = "bench_import"
LABELS = {
    "ours_upload": "本项目 上传页面 → 入库（新增）",
    "ours_update": "本项目 上传页面 → 入库（重复导入，10% 行有修改）",
    "ours_same": "本项目 上传页面（重复导入，全部无变化）",
    "ours_direct": "本项目 导入服务（不经页面）",
    "ours_direct_sample": "本项目 导入服务（基线同样本）",
    "baseline": "基线 openpyxl 只读 + 逐行 save()",
}


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(field)


# ------------------------------------------------------------------------------------------------------------
# The generated file
# ------------------------------------------------------------------------------------------------------------

def generate(path: Path, rows: int, *, seed: int = 2026, changed_every: int = 0) -> Path:
    """A register .xlsx as a clerk would export it: a title row, the template header, `rows` valid entities.

    With changed_every=N, every N-th row gets a new name and status (the re-import run)."""
    from openpyxl import Workbook

    from registry.excel import HEADERS, STATUS_LABEL, TYPE_LABEL

    rng = random.Random(seed)
    industries = [(code, weight) for code, weight, _, _ in register_data.INDUSTRIES]
    words = {code: (ent, ind) for code, _, ent, ind in register_data.INDUSTRIES}
    offices = [name for name, _ in register_data.OFFICES]
    start, span = date(1995, 1, 1), (date(2025, 12, 31) - date(1995, 1, 1)).days
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("市场主体名录")
    ws.append(["泉港区市场主体名录（基准测试数据）"])
    ws.append(HEADERS)
    kinds = register_data._weighted(register_data.TYPES, rng, rows)
    statuses = register_data._weighted(register_data.STATUSES, rng, rows)
    codes = register_data._weighted(industries, rng, rows)
    for i in range(rows):
        kind, code = kinds[i], codes[i]
        office = offices[i % len(offices)]
        town = register_data.TOWNS[i % len(register_data.TOWNS)]
        trade = rng.choice(register_data.TRADE_WORDS)
        ent_word, ind_word = words[code]
        prefix, name = {
            "individual": ("92", f"泉港区{town[:2]}{trade}{ind_word}"),
            "cooperative": ("93", f"泉州市泉港区{trade}{ent_word}专业合作社"),
        }.get(kind, ("91", f"泉州市泉港区{trade}{ent_word}有限公司"))
        name = f"{name}（{i}）"  # names repeat in a real district; keep them apart for checking
        status = statuses[i]
        if changed_every and i % changed_every == 0:
            name = name.replace("泉港区", "泉港区新", 1)
            status = "suspended" if status != "suspended" else "active"
        rep = rng.choice(register_data.SURNAMES) + rng.choice(register_data.GIVEN) + rng.choice(register_data.GIVEN)
        ws.append([
            register_data._uscc(prefix, i + 1), name, TYPE_LABEL[kind], rep, code,
            f"福建省泉州市泉港区{town}{rng.choice(register_data.ROADS)}{rng.randrange(1, 400)}号",
            "泉州市泉港区市场监督管理局", office, start + timedelta(days=rng.randrange(span)), STATUS_LABEL[status],
            f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if rng.random() < 0.85 else "",
        ])
    wb.save(path)
    return path


# ------------------------------------------------------------------------------------------------------------
# The baseline a first version would use
# ------------------------------------------------------------------------------------------------------------

def baseline_import(path: Path) -> int:
    """openpyxl read-only, the same row checks, one MarketEntity.save() per row, all in one transaction.

    It writes no status history and no audit records (ours does), so the comparison favours the baseline."""
    from datetime import datetime

    from django.db import transaction
    from openpyxl import load_workbook

    from core.models import Office
    from registry.codes import industry_code_error, normalise_industry_code, normalise_uscc, uscc_error
    from registry.excel import COLUMNS, STATUS_BY_LABEL, TYPE_BY_LABEL
    from registry.importer import parse_date
    from registry.models import MarketEntity
    from registry.selectors import division_sections

    wb = load_workbook(path, read_only=True, data_only=True)
    rows = wb.worksheets[0].iter_rows(values_only=True)
    next(rows)  # the title row
    header = next(rows)
    at = {key: header.index(label) for key, label in COLUMNS}
    offices = {o.name: o for o in Office.objects.all()}
    sections = division_sections()
    errors, n = [], 0
    with transaction.atomic():
        for rn, row in enumerate(rows, start=3):
            uscc = normalise_uscc(row[at["uscc"]])
            industry = normalise_industry_code(row[at["industry_code"]])
            established = row[at["established_on"]]
            established = established.date() if isinstance(established, datetime) else parse_date(established)
            problems = [p for p in (uscc_error(uscc), industry_code_error(industry, sections)) if p]
            office = offices.get(row[at["office"]])
            if office is None or established is None:
                problems.append("管辖单位或成立日期无效")
            if problems:
                errors.append((rn, problems))
                continue
            entity = MarketEntity(
                uscc=uscc, name=row[at["name"]], entity_type=TYPE_BY_LABEL[row[at["entity_type"]]],
                legal_rep=row[at["legal_rep"]] or "", industry_code=industry, address=row[at["address"]] or "",
                registration_authority=row[at["registration_authority"]] or "", office=office,
                established_on=established, status=STATUS_BY_LABEL[row[at["status"]]], phone=row[at["phone"]] or "",
            )
            entity.save()
            n += 1
        if errors:
            transaction.set_rollback(True)
    wb.close()
    assert not errors, errors[:5]
    return n


# ------------------------------------------------------------------------------------------------------------
# --gin-check: the GIN pending lists after an incremental import, and the search box before/after the clean-up
# ------------------------------------------------------------------------------------------------------------

SEARCHES = ["锦程", "泉港区峰尾鸿运小吃店", "林志伟", "（123", "物流"]


def generate_new(path: Path, rows: int) -> Path:
    """Like generate(), with codes that the 100,000-row file does not have (numbered from 500,001)."""
    original = register_data._uscc
    register_data._uscc = lambda prefix, n: original(prefix, n + 500_000)
    try:
        return generate(path, rows, seed=7)
    finally:
        register_data._uscc = original


def gin_check(full: Path, new: Path) -> list[dict]:
    """Load the 100,000-row file, then import `new` (codes not yet in the register: its indexes are maintained, not
    rebuilt) once with the default 4 MB pending list and once with a 256 MB one. The clean-up job is
    held back so that the list page's search box can be timed before the import, right after its commit, and
    after gin_cleanup_task (timed too)."""
    from django.db import connection
    from django.test import Client

    from core.models import User
    from registry import importer
    from registry.tasks import gin_cleanup_task

    user = User.objects.get(username=USERNAME)
    client = Client()
    client.force_login(user)

    def search_ms() -> list[int]:
        out = []
        for q in SEARCHES:
            times = []
            for _ in range(3):
                start = time.perf_counter()
                assert client.get("/registry/entities/", {"q": q}).status_code == 200
                times.append(time.perf_counter() - start)
            out.append(round(min(times) * 1000))
        return out

    configured, queue_cleanup = importer.GIN_PENDING_LIST_LIMIT, importer._queue_gin_cleanup
    compared = "256MB"  # the larger pending list that was tried for the import's transaction
    importer._queue_gin_cleanup = lambda report: None  # run by hand below
    results = []
    try:
        for limit in (None, compared):
            importer.GIN_PENDING_LIST_LIMIT = None
            reset_register()
            importer.entities_import(path=full, file_name=full.name, user=user)
            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE registry_marketentity")
            before = search_ms()
            importer.GIN_PENDING_LIST_LIMIT = limit
            start = time.perf_counter()
            report = importer.entities_import(path=new, file_name=new.name, user=user)
            seconds = time.perf_counter() - start
            after = search_ms()
            start = time.perf_counter()
            pages = gin_cleanup_task.delay().get()
            cleanup = time.perf_counter() - start
            results.append({
                "limit": limit or "4MB", "rows": report.rows, "created": report.created,
                "seconds": round(seconds, 3), "timings": report.timings, "search_before_ms": before,
                "search_after_commit_ms": after, "cleanup_s": round(cleanup, 3), "cleanup_pages": pages,
                "search_after_cleanup_ms": search_ms(),
            })
    finally:
        importer.GIN_PENDING_LIST_LIMIT, importer._queue_gin_cleanup = configured, queue_cleanup
    return results


# ------------------------------------------------------------------------------------------------------------
# One run, in a child process
# ------------------------------------------------------------------------------------------------------------

def run_child(variant: str, file: Path) -> dict:
    register_data.setup_django(DBNAME, migrate=False)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from core.models import Job, User
    from registry.importer import entities_import
    from registry.models import MarketEntity

    user = User.objects.get(username=USERNAME)
    before = MarketEntity.objects.count()
    data = file.read_bytes()  # what the browser sends; reading the file from disk is not part of the import
    rss_before = _status_mb("VmRSS")
    start = time.perf_counter()
    if variant in ("ours_upload", "ours_update", "ours_same"):
        client = Client()
        client.force_login(user)
        # A running server has its URL configuration and views loaded; this fresh process loads them (about
        # 0.45 s) on its first request, which is not part of an import: open the import page first.
        assert client.get("/registry/import/").status_code == 200
        start = time.perf_counter()
        response = client.post("/registry/import/", {"file": SimpleUploadedFile(file.name, data)})
        seconds = time.perf_counter() - start
        assert response.status_code == 302, response.status_code
        job = Job.objects.order_by("-id").first()
        assert job.status == "succeeded", (job.status, job.error, job.result.get("errors", [])[:3])
        result = job.result
    elif variant in ("ours_direct", "ours_direct_sample"):
        report = entities_import(path=file, file_name=file.name, user=user)
        seconds = time.perf_counter() - start
        assert report.ok, report.errors[:3]
        result = report.as_result()
    elif variant == "baseline":
        created = baseline_import(file)
        seconds = time.perf_counter() - start
        result = {"rows": created, "created": created, "updated": 0, "unchanged": 0}
    else:
        raise SystemExit(f"unknown variant {variant}")
    after = MarketEntity.objects.count()
    assert after - before == result["created"], (before, after, result["created"])
    return {
        "variant": variant, "rows": result["rows"], "created": result["created"], "updated": result["updated"],
        "unchanged": result["unchanged"], "seconds": round(seconds, 3), "rows_per_s": round(result["rows"] / seconds),
        "peak_rss_mb": round(_status_mb("VmHWM"), 1), "rss_before_mb": round(rss_before, 1),
        "timings": result.get("timings", {}),
    }


def child(variant: str, file: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", variant, "--file", str(file)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"{variant} 运行失败")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def reset_register():
    """Empty the register between runs (the audit trail is append-only and stays)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE registry_statuschange, registry_marketentity RESTART IDENTITY CASCADE")
        cur.execute("VACUUM ANALYZE registry_marketentity")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gin-check", action="store_true",
                        help="only the GIN pending-list check: an incremental import and the search box around it")
    parser.add_argument("--new-rows", type=int, default=50_000, help="rows of the incremental file (--gin-check)")
    parser.add_argument("--child")
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.file)))
        return

    register_data.setup_django(DBNAME)
    from core.choices import Role
    from core.models import Office, User
    from tests.factories import make_user

    for i, (name, _) in enumerate(register_data.OFFICES, 1):
        Office.objects.get_or_create(name=name, defaults={"code": f"QG{i:02d}", "sort_order": i})
    if not User.objects.filter(username=USERNAME).exists():
        make_user(Role.SECTION, username=USERNAME)
    OUT.mkdir(parents=True, exist_ok=True)
    files = {}
    for key, rows, changed in (("full", args.rows, 0), ("changed", args.rows, 10), ("sample", args.baseline_rows, 0)):
        path = OUT / f"register_{rows}{'_changed' if changed else ''}.xlsx"
        if not path.exists():
            print(f"生成 {path.name}（{rows:,} 行）…", flush=True)
            generate(path, rows, changed_every=changed)
        files[key] = path
    print(f"文件：{files['full'].name} {files['full'].stat().st_size / 1e6:.1f} MB", flush=True)
    if args.gin_check:
        new = OUT / f"register_new_{args.new_rows}.xlsx"
        if not new.exists():
            print(f"生成 {new.name}（{args.new_rows:,} 行，名录中没有的代码）…", flush=True)
            generate_new(new, args.new_rows)
        results = gin_check(files["full"], new)
        (OUT / "gin_check.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
        print(f"\n| 待处理列表上限 | 导入 {args.new_rows:,} 行新增（名录已有 {args.rows:,}）| 写入 | 搜索 ms：导入前 | "
              f"提交后、整理前 | 整理耗时 | 整理后 |")
        print("|---|---:|---:|---|---|---:|---|")
        for r in results:
            print(f"| {r['limit']} | {r['seconds']:.2f} s | {r['timings']['write']:.2f} s | {r['search_before_ms']} | "
                  f"{r['search_after_commit_ms']} | {r['cleanup_s']:.2f} s（{r['cleanup_pages']} 页） | "
                  f"{r['search_after_cleanup_ms']} |")
        print(f"搜索词：{'、'.join(SEARCHES)}（每个取 3 次中最快）")
        return

    results: dict[str, list[dict]] = {name: [] for name in LABELS}
    for i in range(args.repeat):
        reset_register()
        results["ours_upload"].append(child("ours_upload", files["full"]))
        results["ours_update"].append(child("ours_update", files["changed"]))
        results["ours_same"].append(child("ours_same", files["changed"]))
        reset_register()
        results["ours_direct"].append(child("ours_direct", files["full"]))
        reset_register()
        results["ours_direct_sample"].append(child("ours_direct_sample", files["sample"]))
        reset_register()
        results["baseline"].append(child("baseline", files["sample"]))
        print(f"第 {i + 1} 轮：" + "，".join(f"{k} {v[-1]['rows_per_s']:,} 行/秒" for k, v in results.items()),
              flush=True)

    summary = {}
    for name, runs in results.items():
        best = max(runs, key=lambda r: r["rows_per_s"])
        summary[name] = {**best, "median_rows_per_s": round(statistics.median(r["rows_per_s"] for r in runs)),
                         "max_peak_rss_mb": max(r["peak_rss_mb"] for r in runs), "runs": len(runs)}
    ratio = summary["ours_upload"]["median_rows_per_s"] / summary["baseline"]["median_rows_per_s"]
    (OUT / "results.json").write_text(json.dumps({"summary": summary, "ratio": ratio, "runs": results},
                                                 ensure_ascii=False, indent=2))
    print()
    print("| 方式 | 行数 | 中位数 行/秒 | 最好 行/秒 | 最好一次耗时（读取 / 校验 / 写入） | 峰值内存 (VmHWM) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, s in summary.items():
        t = s["timings"]
        phases = f"（{t['read']:.2f} / {t['check']:.2f} / {t['write']:.2f}）" if t else ""
        print(f"| {LABELS[name]} | {s['rows']:,} | {s['median_rows_per_s']:,} | {s['rows_per_s']:,} | "
              f"{s['seconds']:.2f} s{phases} | {s['max_peak_rss_mb']:.0f} MB |")
    print(f"\n本项目（上传页面，{args.rows:,} 行）/ 基线（{args.baseline_rows:,} 行）= {ratio:.1f} 倍（按中位数）")


if __name__ == "__main__":
    main()
