"""Credit benchmark: a classification run over 1,000,000 individual businesses (target ≤ 60 s) and a year of
credit indices at that scale (target ≤ 10 s), each beside a naive per-entity-query baseline measured in the same
run on a sample and extrapolated.

    .venv/bin/python bench/credit_bench.py [--entities 1850000] [--sample 3000] [--repeat 2]

Own database xinyong_bench_credit (BENCH_PG_SERVER as for the other benchmarks). The register comes from
bench/register_data.py (66 % individual businesses, 82 % of them in business: 1,850,000 entities give about
1,000,000 individual businesses to score). The credit data are generated with SQL: monthly general classes for
every enterprise in business through 2025, a professional class for 5 % of the individual businesses, 100,000
complaints over 2024–2025 and a suspension record for every suspended entity. Results: bench/out/credit/.
"""
import argparse
import json
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from register_data import ensure_register, setup_django  # noqa: E402

DBNAME = "xinyong_bench_credit"
OUT = Path(__file__).resolve().parent / "out" / "credit"
AS_OF = "2025-12-31"
YEAR = 2025


def log(message: str) -> None:
    print(message, flush=True)


def ensure_credit_data() -> None:
    """Classes, complaints and suspensions, generated once with SQL (deterministic: setseed)."""
    from django.db import connection

    from credit.models import Complaint, EntityRiskClass

    if EntityRiskClass.objects.exists() and Complaint.objects.exists():
        log(f"已有分类结果 {EntityRiskClass.objects.count():,} 条、投诉举报 {Complaint.objects.count():,} 件，直接使用")
        return
    log("生成信用数据（SQL）…")
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE credit_entityriskclass, credit_complaint")
        cur.execute("DELETE FROM registry_statuschange WHERE new_status = 'suspended'")
        cur.execute("SELECT setseed(0.2026)")
        # Twelve monthly general results for 2025 for every enterprise in business (about 60/25/10/5 %).
        cur.execute("""
            INSERT INTO credit_entityriskclass (entity_id, risk_class, classified_on, domain_id, job_id, created_at)
            SELECT e.id, CASE WHEN r < 0.60 THEN 'A' WHEN r < 0.85 THEN 'B' WHEN r < 0.95 THEN 'C' ELSE 'D' END,
                   m.d, NULL, NULL, now()
            FROM registry_marketentity e
            CROSS JOIN (SELECT (date_trunc('month', g) + interval '1 month - 1 day')::date AS d
                        FROM generate_series('2025-01-01'::date, '2025-12-01'::date, interval '1 month') g) m
            CROSS JOIN LATERAL (SELECT random() + 0 * e.id AS r) x
            WHERE e.entity_type = 'enterprise' AND e.status IN ('active', 'suspended') AND e.established_on <= m.d
        """)
        cur.execute("""
            INSERT INTO credit_entityriskclass (entity_id, risk_class, classified_on, domain_id, job_id, created_at)
            SELECT e.id, (ARRAY['A','B','B','C','D'])[1 + floor(random() * 5)::int], '2025-09-30',
                   (SELECT id FROM credit_riskdomain WHERE code = 'food'), NULL, now()
            FROM registry_marketentity e
            WHERE e.entity_type = 'individual' AND e.status IN ('active', 'suspended') AND random() < 0.05
              AND e.established_on <= '2025-09-30'
        """)
        cur.execute("""
            INSERT INTO credit_complaint (number, entity_id, kind, received_on, substantiated, summary, job_id)
            SELECT 'B' || lpad(p.g::text, 8, '0'), e.id, CASE WHEN random() < 0.8 THEN 'complaint' ELSE 'report' END,
                   '2024-01-01'::date + floor(random() * 730)::int,
                   CASE WHEN random() < 0.4 THEN true WHEN random() < 0.5 THEN false END, '', NULL
            FROM (SELECT g, 1 + floor(random() * s.m)::int AS entity_id FROM generate_series(1, 100000) g,
                  (SELECT max(id) AS m FROM registry_marketentity) s) p
            JOIN registry_marketentity e ON e.id = p.entity_id
        """)
        cur.execute("""
            INSERT INTO registry_statuschange
                (entity_id, old_status, new_status, changed_at, changed_by_id, source, note)
            SELECT id, 'active', 'suspended', '2023-01-01'::timestamptz + random() * interval '1000 days', NULL,
                   '基准测试', '' FROM registry_marketentity WHERE status = 'suspended'
        """)
    from credit.services import current_classes_refresh

    current_classes_refresh()  # the current general class beside the history, as the import keeps it
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) credit_entityriskclass")
        cur.execute("VACUUM (ANALYZE) credit_currentriskclass")
        cur.execute("VACUUM (ANALYZE) credit_complaint")
        cur.execute("VACUUM (ANALYZE) registry_statuschange")
    log(f"  分类结果 {EntityRiskClass.objects.count():,} 条，投诉举报 {Complaint.objects.count():,} 件，"
        f"用时 {time.perf_counter() - started:.0f} 秒")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- the classification run -----------------------------------------------------------------------------

def ours_classification(version):
    from datetime import date

    from core.services import job_create
    from credit.models import ModelRun
    from credit.scoring import classification_run_execute

    job = job_create(kind="credit.classification_run", user=None, params={"bench": True})
    run = ModelRun.objects.create(version=version, entity_type="individual", as_of=date.fromisoformat(AS_OF), job=job)
    started = time.perf_counter()
    classification_run_execute(run=run, job=job)
    return run, time.perf_counter() - started


def naive_classification(version, run, sample: int) -> float:
    """What a first version would do: for each entity, one query per indicator, Decimal arithmetic, save()."""
    from datetime import date

    from django.db import transaction

    from core.services import job_create
    from credit.indicators import KINDS, contribution, years_before
    from credit.models import Complaint, EntityRiskClass, ModelResult, ModelRun
    from credit.scoring import full_years, population
    from registry.models import StatusChange

    as_of = date.fromisoformat(AS_OF)
    job = job_create(kind="credit.classification_run", user=None, params={"bench": "naive"})
    naive_run = ModelRun.objects.create(version=version, entity_type="individual", as_of=as_of, job=job)
    indicators = list(version.indicators.all())
    entities = list(population(run).order_by("id")[:sample])
    started = time.perf_counter()
    with transaction.atomic():
        for entity in entities:
            values, points = [], []
            for indicator in indicators:
                kind = KINDS[indicator.kind]
                params = kind.params_with_defaults(indicator.params)
                if not kind.available:
                    values.append(None)
                    points.append(Decimal("0.00"))
                    continue
                if kind.code == "years_in_operation":
                    value = full_years(entity.established_on, as_of)
                elif kind.code == "complaints":
                    since = years_before(as_of, params["years"])
                    value = Complaint.objects.filter(entity=entity, received_on__lte=as_of,
                                                     received_on__gt=since).count()
                elif kind.code == "suspensions":
                    value = StatusChange.objects.filter(entity=entity, new_status="suspended",
                                                        changed_at__date__lte=as_of).count()
                else:
                    worst = EntityRiskClass.objects.filter(entity=entity, classified_on__lte=as_of).order_by(
                        "-risk_class").first()
                    value = worst.risk_class if worst else None
                values.append(value)
                points.append(contribution(kind, indicator.weight, value, params))
            score = sum(points)
            ModelResult(run=naive_run, entity=entity, score=score, risk_class=version.class_for(score),
                        values=values, contributions=[str(p) for p in points]).save()
    return time.perf_counter() - started


# ---- the indices ----------------------------------------------------------------------------------------

def ours_indices() -> tuple[int, float]:
    from credit.indices import compute_year

    started = time.perf_counter()
    rows = compute_year(YEAR)
    return rows, time.perf_counter() - started


def naive_indices(sample: int) -> float:
    """Per entity: its class at each quarter end and its complaints per quarter, one query each, summed in Python."""
    from datetime import date

    from credit.indices import periods_of
    from credit.models import Complaint, EntityRiskClass
    from credit.scoring import SCORED_STATUSES
    from registry.models import MarketEntity

    quarters = periods_of(YEAR)[:4]
    entities = list(MarketEntity.objects.filter(status__in=SCORED_STATUSES).order_by("id")[:sample])
    started = time.perf_counter()
    totals = {}
    for entity in entities:
        for p in quarters:
            if entity.established_on > p.end:
                continue
            latest = (EntityRiskClass.objects.filter(entity=entity, domain__isnull=True, classified_on__lte=p.end)
                      .order_by("-classified_on").first())
            complaints = Complaint.objects.filter(entity=entity, received_on__gte=p.start,
                                                  received_on__lte=p.end).count()
            for key in (("office", entity.office_id), ("section", entity.industry_code[:1]),
                        ("division", entity.industry_code[:3])):
                bucket = totals.setdefault((p.code, key), {"n": 0, "complaints": 0})
                bucket["n"] += 1
                bucket["complaints"] += complaints
                if latest:
                    bucket[latest.risk_class] = bucket.get(latest.risk_class, 0) + 1
    assert date.fromisoformat(AS_OF).year == YEAR
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1_850_000)
    parser.add_argument("--sample", type=int, default=3000, help="entities the naive baselines run over")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    setup_django(DBNAME)
    ensure_register(args.entities, log=log)
    ensure_credit_data()

    from credit.models import ModelResult, ModelRun, ModelVersion
    from credit.scoring import population

    version = ModelVersion.objects.get(model__code="individual-pilot", number=1)
    ModelResult.objects.all().delete()
    ModelRun.objects.all().delete()
    results = {"entities": args.entities, "as_of": AS_OF, "runs": [], "indices": []}

    for i in range(args.repeat):
        run, seconds = ours_classification(version)
        results["runs"].append({"population": run.population, "seconds": round(seconds, 2),
                                "per_second": round(run.population / seconds), "class_counts": run.class_counts})
        rate = run.population / seconds
        log(f"本项目 评价运行 #{i + 1}：{run.population:,} 户，{seconds:.1f} 秒（{rate:,.0f} 户/秒），"
            f"{run.class_counts}")
    population_size = population(run).count()
    naive = naive_classification(version, run, args.sample)
    per_entity = naive / args.sample
    results["naive_run"] = {"sample": args.sample, "seconds": round(naive, 2),
                            "extrapolated_seconds": round(per_entity * population_size)}
    log(f"基线 逐户查询 + save()：{args.sample:,} 户 {naive:.1f} 秒，按 {population_size:,} 户折算 "
        f"{per_entity * population_size:,.0f} 秒（{per_entity * population_size / 60:.0f} 分钟）")

    for i in range(args.repeat):
        rows, seconds = ours_indices()
        results["indices"].append({"rows": rows, "seconds": round(seconds, 2)})
        log(f"本项目 {YEAR} 年信用指数 #{i + 1}：{rows} 项，{seconds:.1f} 秒")
    from credit.scoring import SCORED_STATUSES
    from registry.models import MarketEntity

    in_business = MarketEntity.objects.filter(status__in=SCORED_STATUSES).count()
    naive = naive_indices(args.sample)
    results["naive_indices"] = {"sample": args.sample, "seconds": round(naive, 2),
                                "extrapolated_seconds": round(naive / args.sample * in_business)}
    log(f"基线 指数逐户查询：{args.sample:,} 户 {naive:.1f} 秒，按 {in_business:,} 户折算 "
        f"{naive / args.sample * in_business:,.0f} 秒")
    results["peak_mb"] = round(peak_mb())
    log(f"峰值内存 {results['peak_mb']} MB")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
