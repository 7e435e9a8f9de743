"""Credit benchmark: a classification run over 1,000,000 individual businesses (target ≤ 60 s) and a year of
credit indices at that scale (target ≤ 10 s), each beside a naive per-entity-query baseline measured in the same
run on a sample and extrapolated.

    .venv/bin/python bench/credit_bench.py --prepare-only   # once, outside the lock: generate the data
    flock /tmp/bench.lock .venv/bin/python bench/credit_bench.py [--entities 1850000] [--sample 3000] [--repeat 2]

Own database xinyong_bench_credit (BENCH_PG_SERVER as for the other benchmarks). The register comes from
bench/register_data.py (66 % individual businesses, 82 % of them in business: 1,850,000 entities give about
1,000,000 individual businesses to score). The credit data are generated with SQL: monthly general classes for
every enterprise in business through 2025, a professional class for 5 % of the individual businesses, 100,000
complaints over 2024–2025 and a suspension record for every suspended entity; then the records the other live
indicators and index components read (ensure_record_data): annual reports of 2023 and 2024, abnormal-operation
listings and marks, serious-violation listings, penalty publicity, spot checks of 2024 and 2025, credit repairs
with decisions and unlicensed-operation cases. Results: bench/out/credit/.
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


SPOT_CHECK_YEARS = (2024, 2025)
TASKS_PER_YEAR = 4
RESULT_CODES = ["1"] * 41 + ["7", "9"] + ["2", "3", "4", "6", "A", "B", "D"]  # one in 50 each


def _spot_check_tasks(user) -> list[tuple]:
    """Two yearly plans of four tasks, each with a valid draw, and one voided draw (its checks must not count).
    Returns (task id, draw id, starts_on, deadline, residue) for the checks to be generated."""
    from datetime import date, datetime

    from django.utils import timezone

    from core.choices import DepartmentKind
    from core.models import Department
    from inspections.models import Draw, Plan, Task

    lead, _ = Department.objects.get_or_create(code="BENCH-CREDIT", defaults={
        "name": "信用监管股（信用基准）", "kind": DepartmentKind.SECTION})
    made = []
    for year in SPOT_CHECK_YEARS:
        plan = Plan.objects.create(year=year, name=f"{year} 年度双随机抽查工作计划（基准）", created_by=user)
        for n in range(TASKS_PER_YEAR):
            starts = date(year, 2 + 3 * n, 1)
            deadline = date(year, 3 + 3 * n, 28)
            task = Task.objects.create(plan=plan, name=f"{year} 年第 {n + 1} 批双随机抽查（基准）",
                                       lead_department=lead, sampling="differentiated", ratio_a="0.01",
                                       ratio_b="0.025", ratio_c="0.08",
                                       ratio_d="0.2", ratio_u="0.029", starts_on=starts, deadline=deadline,
                                       status="drawn", created_by=user)
            drawn_at = timezone.make_aware(datetime(year, starts.month, 1, 9))
            common = {"algorithm": "hmac-sha256-rank/v1", "seed": "0" * 64, "drawn_at": drawn_at,
                      "population_size": 0, "sample_size": 0, "summary": {}, "certificate_gz": b"",
                      "certificate_sha256": "0" * 64}
            if year == SPOT_CHECK_YEARS[-1] and n == 0:  # drawn once, voided, drawn again
                voided = Draw.objects.create(task=task, number=1, status="voided", void_reason="基准：作废的抽取",
                                             **common)
                made.append((task.pk, voided.pk, starts, deadline, 8))
            draw = Draw.objects.create(task=task, number=Draw.objects.filter(task=task).count() + 1, **common)
            made.append((task.pk, draw.pk, starts, deadline, (year - SPOT_CHECK_YEARS[0]) * TASKS_PER_YEAR + n))
    return made


def ensure_record_data() -> None:
    """The records the live indicators and index components read, generated once with set-based SQL into the apps'
    own tables: annual reports of 2023 and 2024 (opened by the annual-report service), abnormal-operation listings
    and marks (from the reports not filed and from spot checks finding an entity unreachable), serious-violation
    listings, penalty publicity records 2023–2025, spot checks of 2024 and 2025 (valid and voided draws), credit
    repairs with decisions, and unlicensed-operation cases. Deterministic (setseed)."""
    from django.db import connection, transaction

    from annual_reports.models import AnnualReport, FilingSeason
    from annual_reports.services import season_open, tally_rebuild
    from core.models import User
    from credit.models import ListingCase, PenaltyRecord, RepairCase
    from inspections.models import SpotCheck
    from registry.models import UnlicensedCase

    if FilingSeason.objects.filter(year=2024).exists() and UnlicensedCase.objects.exists():
        log(f"已有年报 {AnnualReport.objects.count():,} 条、列异 {ListingCase.objects.count():,} 件、"
            f"行政处罚 {PenaltyRecord.objects.count():,} 件、抽查 {SpotCheck.objects.count():,} 户次、"
            f"信用修复 {RepairCase.objects.count():,} 件、无证无照 {UnlicensedCase.objects.count():,} 件，直接使用")
        return
    log("生成年报、列异、处罚、抽查、修复、无证无照数据（SQL）…")
    started = time.perf_counter()
    user, _ = User.objects.get_or_create(username="bench_credit", defaults={"full_name": "信用基准"})
    with connection.cursor() as cur:
        cur.execute("TRUNCATE credit_repairshare, credit_repaircase, credit_listingobjection, credit_listingcase, "
                    "credit_penaltyrecord, registry_unlicensedcase, inspections_followup, "
                    "inspections_checkassignment, inspections_spotcheck, inspections_draw, inspections_task_items, "
                    "inspections_taskdepartment, inspections_task, inspections_plan, annual_reports_annualreport, "
                    "annual_reports_seasontally, annual_reports_dailyfilingtally RESTART IDENTITY CASCADE")
    FilingSeason.objects.all().delete()

    # Annual reports: the service opens 2023 and 2024 (every entity that must file: 未报送); then 90 % of
    # enterprises and 85 % of individual businesses file on time, half the rest late, the others never.
    seasons = [season_open(year=y, by=user) for y in (2023, 2024)]
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.2024)")
        for season in seasons:
            cur.execute("""
                UPDATE annual_reports_annualreport r SET status = 'on_time',
                       channel = CASE WHEN random() < 0.6 THEN 'web' ELSE 'mobile' END,
                       filed_on = %(opens)s::date
                                  + floor((%(due)s::date - %(opens)s::date) * power(random(), 0.65))::int
                FROM registry_marketentity e
                WHERE r.season_id = %(season)s AND r.status = 'not_filed' AND e.id = r.entity_id
                  AND random() < CASE WHEN e.entity_type = 'individual' THEN 0.85 ELSE 0.90 END""",
                        {"season": season.pk, "opens": season.opens_on, "due": season.due_on})
            cur.execute("""
                UPDATE annual_reports_annualreport SET status = 'late', channel = 'web',
                       filed_on = %(due)s::date + 1 + floor(random() * 150)::int
                WHERE season_id = %(season)s AND status = 'not_filed' AND random() < 0.5""",
                        {"season": season.pk, "due": season.due_on})
    for season in seasons:
        tally_rebuild(season)
    s2023, s2024 = seasons
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) annual_reports_annualreport")

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT setseed(0.2025)")
        # Spot checks: about 3.5 % of the entities in business a year, in four tasks; one voided draw in 2025;
        # 82 % find nothing, 4 % closed or deregistered, 14 % a problem (2 % unreachable at the address).
        for task_id, draw_id, starts, deadline, residue in _spot_check_tasks(user):
            cur.execute("""
                INSERT INTO inspections_spotcheck (task_id, draw_id, entity_id, walk_order, stratum, status,
                    result_code, findings, checked_on, published_on, review_note)
                SELECT %(task)s, %(draw)s, e.id, row_number() OVER (ORDER BY e.id), coalesce(c.risk_class, 'U'),
                    s.status,
                    CASE WHEN s.status = 'pending' THEN ''
                         ELSE (%(codes)s::text[])[1 + floor(e.r2 * %(n_codes)s)::int] END, '',
                    CASE WHEN s.status <> 'pending' THEN s.day END,
                    CASE WHEN s.status = 'published' THEN s.day + 15 END,
                    ''
                FROM (SELECT id, random() AS r1, random() AS r2, random() AS r3 FROM registry_marketentity
                      WHERE status IN ('active', 'suspended') AND id %% 9 = %(residue)s) e
                LEFT JOIN credit_currentriskclass c ON c.entity_id = e.id
                CROSS JOIN LATERAL (SELECT CASE WHEN e.r1 < 0.05 THEN 'pending' WHEN e.r1 < 0.15 THEN 'submitted'
                                                WHEN e.r1 < 0.50 THEN 'approved' ELSE 'published' END AS status,
                                           %(starts)s::date
                                           + floor(e.r3 * (%(deadline)s::date - %(starts)s::date))::int AS day) s
                WHERE random() < 0.035 * 9 / 4""",
                        {"task": task_id, "draw": draw_id, "starts": starts, "deadline": deadline, "residue": residue,
                         "codes": RESULT_CODES, "n_codes": len(RESULT_CODES)})

        # Later statements read these rows: fresh statistics keep their plans to hash joins.
        cur.execute("ANALYZE inspections_spotcheck")
        # Penalty decisions 2023–2025: about 1.2 % of the entities in business a year; warnings are not published;
        # published within 7 days, for one year (lower fines) or three; 1 % of decisions later revoked.
        cur.execute("""
            INSERT INTO credit_penaltyrecord (entity_id, office_id, decision_no, decided_on, kind, domain, violation,
                fine_amount, authority, status, publish_due, published_on, publicity_end, revoked_on, withdrawal_due,
                withdrawn_on, ended_on, note, created_by_id, created_at)
            SELECT p.id, p.office_id, '泉港市监处罚〔' || p.y || '〕' || p.id || '号', p.decided_on, p.kind,
                (ARRAY['general','general','general','food','food','drugs','special_equipment']
                 )[1 + floor(random() * 7)::int],
                (ARRAY['未按规定公示年度报告信息','销售不符合食品安全标准的食品','未取得许可从事经营活动',
                       '虚假宣传','未明码标价','使用未经检验的特种设备'])[1 + floor(random() * 6)::int],
                CASE WHEN p.kind IN ('low_fine','fine','confiscation')
                     THEN round((500 + random() * 50000)::numeric, -2) END,
                '泉州市泉港区市场监督管理局',
                CASE WHEN p.kind = 'warning' THEN 'not_published' WHEN p.revoked THEN 'withdrawn'
                     WHEN p.decided_on + 7 + p.term > '2025-12-31'::date THEN 'published' ELSE 'ended' END,
                CASE WHEN p.kind <> 'warning' THEN p.decided_on + 20 END,
                CASE WHEN p.kind <> 'warning' THEN p.decided_on + 1 + floor(random() * 7)::int END,
                CASE WHEN p.kind <> 'warning' THEN p.decided_on + 7 + p.term END,
                CASE WHEN p.revoked THEN p.decided_on + 60 END, CASE WHEN p.revoked THEN p.decided_on + 63 END,
                CASE WHEN p.revoked THEN p.decided_on + 62 END,
                CASE WHEN p.revoked THEN p.decided_on + 62
                     WHEN p.kind <> 'warning' AND p.decided_on + 7 + p.term <= '2025-12-31'::date
                     THEN p.decided_on + 7 + p.term END,
                '', NULL, now()
            FROM (SELECT e.id, e.office_id, y.y, make_date(y.y, 1, 1) + floor(random() * 350)::int AS decided_on,
                         k.kind, CASE WHEN k.kind IN ('warning','criticism','low_fine') THEN 365 ELSE 1095 END AS term,
                         random() < 0.01 AND k.kind <> 'warning' AS revoked
                  FROM registry_marketentity e
                  CROSS JOIN (VALUES (2023), (2024), (2025)) y(y)
                  CROSS JOIN LATERAL (SELECT (ARRAY['warning','low_fine','low_fine','low_fine','low_fine','fine',
                                                    'fine','confiscation','suspension','licence_revocation']
                                             )[1 + floor(random() * 10 + 0 * e.id)::int] AS kind) k
                  WHERE e.status IN ('active', 'suspended') AND e.established_on < make_date(y.y, 1, 1)
                    AND random() < 0.012) p""")

        # Abnormal-operation listings and marks for the reports not filed: 2023's listed in the third quarter of
        # 2024 (removed once the entity has filed 2024's report), 2024's listed in the third quarter of 2025; an
        # entity that filed 2024's report late before it was listed has its case closed unlisted.
        listing_columns = """(entity_id, office_id, kind, reason, status, source, source_ref, note, occurred_on,
            opened_at, opened_by_id, due_on, due_rule, reminded_on, reminder_channel, reminder_note, proposed_on,
            proposal_note, approved_on, listed_on, decision_no, statement, hearing_requested, hearing_note,
            superior_authority, superior_approver, superior_document, cured_on, cure_source, cure_note, removed_on,
            removal_reason, closed_on)"""
        cur.execute(f"""
            INSERT INTO credit_listingcase {listing_columns}
            SELECT e.id, e.office_id,
                CASE WHEN e.entity_type = 'individual' THEN 'individual_abnormal' ELSE 'abnormal' END,
                'annual_report', CASE WHEN f.filed_on IS NULL THEN 'listed' ELSE 'removed' END, 'annual_report',
                'annual_report:' || r.id, '', %(due)s::date + 1, %(due)s::timestamptz + interval '1 day', NULL,
                NULL, '', %(due)s::date + 3, 'sms', '', x.listed_on - 5, '', x.listed_on - 2, x.listed_on,
                '泉港市监异〔2024〕' || r.id || '号', '', false, '', '', '', '',
                x.cured_on, CASE WHEN f.filed_on IS NOT NULL THEN 'annual_report' ELSE '' END, '', x.cured_on + 3,
                CASE WHEN f.filed_on IS NOT NULL THEN '已补报年度报告，申请信用修复' ELSE '' END, x.cured_on + 3
            FROM annual_reports_annualreport r
            JOIN registry_marketentity e ON e.id = r.entity_id AND e.status IN ('active', 'suspended')
            LEFT JOIN annual_reports_annualreport f ON f.entity_id = r.entity_id AND f.season_id = %(next)s
                 AND f.status IN ('on_time', 'late')
            CROSS JOIN LATERAL (SELECT %(due)s::date + 20 + floor(random() * 60 + 0 * r.id)::int AS listed_on) l
            CROSS JOIN LATERAL (SELECT l.listed_on, CASE WHEN f.filed_on IS NOT NULL
                                                         THEN greatest(f.filed_on, l.listed_on + 1) END AS cured_on) x
            WHERE r.season_id = %(season)s AND r.status = 'not_filed'""",
                    {"season": s2023.pk, "next": s2024.pk, "due": s2023.due_on})
        cur.execute("ANALYZE credit_listingcase")
        cur.execute(f"""
            INSERT INTO credit_listingcase {listing_columns}
            SELECT e.id, e.office_id,
                CASE WHEN e.entity_type = 'individual' THEN 'individual_abnormal' ELSE 'abnormal' END,
                'annual_report',
                CASE WHEN r.filed_on IS NULL THEN 'listed' WHEN r.filed_on <= x.listed_on THEN 'closed'
                     ELSE 'removed' END,
                'annual_report', 'annual_report:' || r.id, '', %(due)s::date + 1,
                %(due)s::timestamptz + interval '1 day', NULL, NULL, '', %(due)s::date + 3, 'sms', '',
                CASE WHEN r.filed_on IS NULL OR r.filed_on > x.listed_on THEN x.listed_on - 5 END, '',
                CASE WHEN r.filed_on IS NULL OR r.filed_on > x.listed_on THEN x.listed_on - 2 END,
                CASE WHEN r.filed_on IS NULL OR r.filed_on > x.listed_on THEN x.listed_on END,
                CASE WHEN r.filed_on IS NULL OR r.filed_on > x.listed_on
                     THEN '泉港市监异〔2025〕' || r.id || '号' ELSE '' END,
                '', false, '', '', '', '', r.filed_on,
                CASE WHEN r.filed_on IS NOT NULL THEN 'annual_report' ELSE '' END,
                '', CASE WHEN r.filed_on > x.listed_on THEN r.filed_on + 3 END,
                CASE WHEN r.filed_on > x.listed_on THEN '已补报年度报告，申请信用修复' ELSE '' END,
                CASE WHEN r.filed_on > x.listed_on THEN r.filed_on + 3 WHEN r.filed_on IS NOT NULL THEN r.filed_on END
            FROM annual_reports_annualreport r
            JOIN registry_marketentity e ON e.id = r.entity_id AND e.status IN ('active', 'suspended')
            CROSS JOIN LATERAL (SELECT %(due)s::date + 20 + floor(random() * 60 + 0 * r.id)::int AS listed_on) x
            WHERE r.season_id = %(season)s AND r.status IN ('not_filed', 'late')
              AND NOT EXISTS (SELECT 1 FROM credit_listingcase l WHERE l.entity_id = e.id AND l.reason = 'annual_report'
                              AND l.status = 'listed')""",
                    {"season": s2024.pk, "due": s2024.due_on})
        # Spot checks that found the entity unreachable at its address: listed 20–60 days after the check.
        cur.execute(f"""
            INSERT INTO credit_listingcase {listing_columns}
            SELECT DISTINCT ON (e.id) e.id, e.office_id,
                CASE WHEN e.entity_type = 'individual' THEN 'individual_abnormal' ELSE 'abnormal' END, 'unreachable',
                'listed', 'spot_check', 'spot_check:' || s.id, '', s.checked_on, s.checked_on::timestamptz, NULL, NULL,
                '', NULL, '', '', s.checked_on + 10, '', s.checked_on + 15,
                s.checked_on + 20 + floor(random() * 40)::int,
                '泉港市监异〔' || extract(year FROM s.checked_on) || '〕S' || s.id || '号', '', false, '', '', '', '',
                NULL, '', '', NULL, '', NULL
            FROM inspections_spotcheck s
            JOIN inspections_draw d ON d.id = s.draw_id AND d.status = 'valid'
            JOIN registry_marketentity e ON e.id = s.entity_id AND e.status IN ('active', 'suspended')
            WHERE s.result_code = '6' AND s.checked_on <= '2025-11-01'
            ORDER BY e.id, s.checked_on""")
        # A few serious-violation listings (其他严重违法失信情形) in 2024 and 2025, three years' publicity.
        cur.execute(f"""
            INSERT INTO credit_listingcase {listing_columns}
            SELECT e.id, e.office_id, 'serious', 'serious_other', 'listed', 'staff', '', '', x.d - 60,
                (x.d - 60)::timestamptz, NULL, x.d + 1095, '', NULL, '', '', x.d - 30, '', x.d - 5, x.d,
                '泉港市监严〔' || extract(year FROM x.d) || '〕' || e.id || '号', '', false, '', '泉州市市场监督管理局',
                '', '', NULL, '', '', NULL, '', NULL
            FROM registry_marketentity e
            CROSS JOIN LATERAL (SELECT '2024-01-15'::date + floor(random() * 700 + 0 * e.id)::int AS d) x
            WHERE e.status IN ('active', 'suspended') AND e.entity_type <> 'individual' AND random() < 0.0005""")
        cur.execute("UPDATE credit_listingcase SET term_end = due_on WHERE kind = 'serious'")

        cur.execute("ANALYZE credit_listingcase")
        cur.execute("ANALYZE credit_penaltyrecord")
        # Credit repairs: 70 % of the listings removed were removed on a granted repair (applied 10–20 days
        # before removal); 4 % of the listings in force applied and were refused (decided 15 days after applying,
        # undecided when after the base date); 5 % of published penalties applied for early end, 80 % granted.
        repair_columns = """(number, entity_id, office_id, kind, listing_id, penalty_id, channel, applied_on, applicant,
            contact, materials, note, status, due_on, due_rule, received_by_id, created_at, accepted_on, accepted_by_id,
            acceptance_reason, eligibility, reviewed_on, reviewed_by_id, review_opinion, decided_on, decided_by_id,
            decision_due, repaired, decision_reason, effected_on, effect_due, notified_on, notice_channel, closed_on)"""
        cur.execute(f"""
            INSERT INTO credit_repaircase {repair_columns}
            SELECT 'XF' || to_char(x.decided_on, 'YYYY') || 'L' || lpad(l.id::text, 8, '0'), l.entity_id, l.office_id,
                CASE l.kind WHEN 'individual_abnormal' THEN 'individual' ELSE 'abnormal' END, l.id, NULL,
                (ARRAY['counter','online','online','post'])[1 + floor(random() * 4)::int], x.applied_on, '经营者本人',
                '', '[]', '', 'closed', NULL, '', NULL, now(), x.applied_on + 1, NULL, '', '[]', x.decided_on - 1, NULL,
                '', x.decided_on, NULL, x.applied_on + 15, true, '已履行相关义务，符合修复条件', l.removed_on, NULL,
                l.removed_on + 2, 'sms', l.removed_on + 5
            FROM credit_listingcase l
            CROSS JOIN LATERAL (SELECT greatest(l.listed_on, l.removed_on - 10 - floor(random() * 10 + 0 * l.id)::int)
                                       AS applied_on, l.removed_on - 1 AS decided_on) x
            WHERE l.status = 'removed' AND random() < 0.7""")
        cur.execute(f"""
            INSERT INTO credit_repaircase {repair_columns}
            SELECT 'XF' || to_char(x.applied_on, 'YYYY') || 'R' || lpad(l.id::text, 8, '0'), l.entity_id, l.office_id,
                CASE l.kind WHEN 'individual_abnormal' THEN 'individual' ELSE 'abnormal' END, l.id, NULL, 'online',
                x.applied_on, '经营者本人', '', '[]', '', CASE WHEN x.decided THEN 'closed' ELSE 'accepted' END, NULL,
                '', NULL, now(), x.applied_on + 1, NULL, '', '[]', CASE WHEN x.decided THEN x.applied_on + 12 END,
                NULL, '', CASE WHEN x.decided THEN x.applied_on + 15 END, NULL, x.applied_on + 16,
                CASE WHEN x.decided THEN false END,
                CASE WHEN x.decided THEN '未履行相关义务，不符合修复条件' ELSE '' END, NULL, NULL,
                CASE WHEN x.decided THEN x.applied_on + 17 END, CASE WHEN x.decided THEN 'sms' ELSE '' END,
                CASE WHEN x.decided THEN x.applied_on + 20 END
            FROM credit_listingcase l
            CROSS JOIN LATERAL (SELECT l.listed_on + 20 + floor(random() * 90 + 0 * l.id)::int AS applied_on) a
            CROSS JOIN LATERAL (SELECT a.applied_on, a.applied_on + 15 <= '2025-12-31'::date AS decided) x
            WHERE l.status = 'listed' AND l.kind <> 'serious' AND random() < 0.04""")
        cur.execute(f"""
            INSERT INTO credit_repaircase {repair_columns}
            SELECT 'XF' || to_char(x.applied_on, 'YYYY') || 'P' || lpad(p.id::text, 8, '0'), p.entity_id, p.office_id,
                'penalty', NULL, p.id, 'online', x.applied_on, '经营者本人', '', '[]', '', 'closed', NULL, '', NULL,
                now(), x.applied_on + 1, NULL, '', '[]', x.applied_on + 10, NULL, '', x.applied_on + 12, NULL,
                x.applied_on + 16, x.granted,
                CASE WHEN x.granted THEN '已履行处罚决定，公示满最短期限' ELSE '未满最短公示期' END,
                CASE WHEN x.granted THEN x.applied_on + 13 END, NULL, x.applied_on + 14, 'sms', x.applied_on + 18
            FROM credit_penaltyrecord p
            CROSS JOIN LATERAL (SELECT p.published_on + 100 + floor(random() * 200 + 0 * p.id)::int AS applied_on,
                                       random() < 0.8 AS granted) x
            WHERE p.status IN ('published', 'ended') AND p.kind <> 'warning' AND random() < 0.05
              AND p.published_on + 100 + 200 + 18 <= '2025-12-31'::date""")
        cur.execute("""
            UPDATE credit_penaltyrecord p SET status = 'repaired', ended_on = r.effected_on
            FROM credit_repaircase r
            WHERE r.penalty_id = p.id AND r.repaired AND r.effected_on < coalesce(p.ended_on, '9999-12-31')""")

        # Unlicensed operation 2023–2025: a case against 0.3 % of the entities in business (a permit missing),
        # and street operators without a licence (no entity).
        cur.execute("""
            INSERT INTO registry_unlicensedcase (number, office_id, place, operator, activity, entity_id, missing,
                permit_name, responsible_department_id, source, discovered_on, status, handling, handled_on,
                correction_due, handling_note, result, closed_on, result_note, fine_severity, fine_scale_id,
                fine_amount, joint_action_id, recorded_by_id, recorded_at, licence_exemption)
            SELECT 'WZ' || to_char(u.d, 'YYYY') || lpad(u.n::text, 7, '0'), u.office_id, u.place, u.operator,
                u.activity, u.entity_id, u.missing, u.permit, NULL,
                (ARRAY['patrol','patrol','complaint','transfer','spot_check'])[1 + floor(random() * 5)::int], u.d,
                u.status, CASE WHEN u.status <> 'open' THEN 'correction' ELSE '' END,
                CASE WHEN u.status <> 'open' THEN u.d + 3 END, CASE WHEN u.status <> 'open' THEN u.d + 33 END, '',
                CASE WHEN u.status = 'closed' THEN u.result ELSE '' END,
                CASE WHEN u.status = 'closed' THEN u.d + 40 END,
                '', CASE WHEN u.status = 'closed' AND u.result = 'penalised' THEN 'refusal' ELSE '' END, NULL,
                CASE WHEN u.status = 'closed' AND u.result = 'penalised' THEN 5000 END, NULL, %s, now(), ''
            FROM (SELECT row_number() OVER () AS n, c.*,
                         CASE WHEN c.d + 40 <= '2025-12-31'::date AND c.r < 0.85 THEN 'closed'
                              WHEN c.r < 0.95 THEN 'handling' ELSE 'open' END AS status,
                         (ARRAY['licensed','licensed','licensed','ceased','penalised','transferred']
                          )[1 + floor(random() * 6)::int] AS result
                  FROM (SELECT e.id AS entity_id, e.office_id, '泉港区' || e.address AS place, e.name AS operator,
                               '经营活动' AS activity, 'permit' AS missing,
                               (ARRAY['食品经营许可证','特种设备使用登记证','危险化学品经营许可证',
                                      '道路运输经营许可证'])[1 + floor(random() * 4)::int] AS permit,
                               '2023-01-01'::date + floor(random() * 1095)::int AS d, random() AS r
                        FROM registry_marketentity e
                        WHERE e.status IN ('active', 'suspended') AND random() < 0.003
                        UNION ALL
                        SELECT NULL, o.id, '泉港区流动摊点', '无照经营者', '流动摊贩', 'licence', '',
                               '2023-01-01'::date + floor(random() * 1095)::int, random()
                        FROM generate_series(1, 3000) g CROSS JOIN LATERAL
                             (SELECT id FROM core_office WHERE g > 0 ORDER BY random() LIMIT 1) o) c) u""",
                    [user.pk])
    with connection.cursor() as cur:
        for table in ("annual_reports_annualreport", "credit_listingcase", "credit_penaltyrecord",
                      "credit_repaircase", "inspections_spotcheck", "registry_unlicensedcase"):
            cur.execute(f"VACUUM (ANALYZE) {table}")
    log(f"  年报 {AnnualReport.objects.count():,} 条、列异 {ListingCase.objects.count():,} 件、"
        f"行政处罚 {PenaltyRecord.objects.count():,} 件、抽查 {SpotCheck.objects.count():,} 户次、"
        f"信用修复 {RepairCase.objects.count():,} 件、无证无照 {UnlicensedCase.objects.count():,} 件，"
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
    """What a first version would do: for each entity, one query per indicator, Decimal arithmetic, save().
    Returns (seconds, sample entities whose score differs from the set-based run's)."""
    from datetime import date

    from django.db import transaction
    from django.db.models import Q

    from annual_reports.models import AnnualReport, FilingSeason
    from core.services import job_create
    from credit.indicators import KINDS, contribution, years_before
    from credit.models import Complaint, EntityRiskClass, ListingCase, ModelResult, ModelRun, PenaltyRecord
    from credit.scoring import full_years, population
    from inspections.choices import PROBLEM_CODES
    from inspections.models import SpotCheck
    from inspections.selectors import RECORDED
    from registry.models import StatusChange, UnlicensedCase

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
                since = years_before(as_of, int(params.get("years", 0)))
                if kind.code == "years_in_operation":
                    value = full_years(entity.established_on, as_of)
                elif kind.code == "complaints":
                    value = Complaint.objects.filter(entity=entity, received_on__lte=as_of,
                                                     received_on__gt=since).count()
                elif kind.code == "suspensions":
                    value = StatusChange.objects.filter(entity=entity, new_status="suspended",
                                                        changed_at__date__gt=since,
                                                        changed_at__date__lte=as_of).count()
                elif kind.code == "annual_reports":
                    seasons = FilingSeason.objects.filter(due_on__lt=as_of).order_by("-year")[:int(params["years"])]
                    value = AnnualReport.objects.filter(entity=entity, season__in=list(seasons),
                                                        status__in=["not_filed", "late"]).count()
                elif kind.code == "abnormal_marks":
                    value = ListingCase.objects.filter(entity=entity, listed_on__isnull=False,
                                                       listed_on__lte=as_of).filter(
                        Q(closed_on__isnull=True) | Q(closed_on__gt=as_of) | Q(listed_on__gt=since)).count()
                elif kind.code == "penalty_publicity":
                    value = PenaltyRecord.objects.filter(entity=entity, published_on__gt=since,
                                                         published_on__lte=as_of).filter(
                        Q(revoked_on__isnull=True) | Q(revoked_on__gt=as_of)).count()
                elif kind.code == "spot_check_problems":
                    value = SpotCheck.objects.filter(entity=entity, draw__status="valid", status__in=RECORDED,
                                                     result_code__in=PROBLEM_CODES, checked_on__gt=since,
                                                     checked_on__lte=as_of).count()
                elif kind.code == "unlicensed_operation":
                    value = UnlicensedCase.objects.filter(entity=entity, discovered_on__gt=since,
                                                          discovered_on__lte=as_of).count()
                else:
                    worst = EntityRiskClass.objects.filter(entity=entity, classified_on__lte=as_of).order_by(
                        "-risk_class").first()
                    value = worst.risk_class if worst else None
                values.append(value)
                points.append(contribution(kind, indicator.weight, value, params))
            score = sum(points)
            ModelResult(run=naive_run, entity=entity, score=score, risk_class=version.class_for(score),
                        values=values, contributions=[str(p) for p in points]).save()
    seconds = time.perf_counter() - started
    ours = dict(ModelResult.objects.filter(run=run, entity__in=entities).values_list("entity_id", "score"))
    mine = dict(ModelResult.objects.filter(run=naive_run).values_list("entity_id", "score"))
    return seconds, sum(1 for pk, score in mine.items() if ours.get(pk) != score)


# ---- the indices ----------------------------------------------------------------------------------------

def ours_indices() -> tuple[int, float]:
    from credit.indices import compute_year

    started = time.perf_counter()
    rows = compute_year(YEAR)
    return rows, time.perf_counter() - started


def naive_indices(sample: int) -> float:
    """Per entity and quarter: its class at the quarter end, its complaints and listings in the 12 months to the
    quarter end (formula 2026-v3), its repair decisions and recorded spot checks in the quarter, one query each,
    summed in Python."""
    from datetime import date

    from django.db.models import Count, Q

    from credit.indices import periods_of
    from credit.models import Complaint, EntityRiskClass, ListingCase, RepairCase
    from credit.scoring import SCORED_STATUSES
    from inspections.choices import PROBLEM_CODES
    from inspections.models import SpotCheck
    from inspections.selectors import RECORDED
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
            complaints = Complaint.objects.filter(entity=entity, received_on__gte=p.twelve_months_start,
                                                  received_on__lte=p.end).count()
            listings = ListingCase.objects.filter(entity=entity, listed_on__gte=p.twelve_months_start,
                                                  listed_on__lte=p.end).count()
            repairs = RepairCase.objects.filter(entity=entity, decided_on__gte=p.start, decided_on__lte=p.end,
                                                repaired__isnull=False).aggregate(
                decided=Count("id"), repaired=Count("id", filter=Q(repaired=True)))
            checks = SpotCheck.objects.filter(entity=entity, draw__status="valid", status__in=RECORDED,
                                              checked_on__gte=p.start, checked_on__lte=p.end).aggregate(
                checked=Count("id"), problems=Count("id", filter=Q(result_code__in=PROBLEM_CODES)))
            for key in (("office", entity.office_id), ("section", entity.industry_code[:1]),
                        ("division", entity.industry_code[:3])):
                bucket = totals.setdefault((p.code, key), {"n": 0, "complaints": 0, "listings": 0, "decided": 0,
                                                           "repaired": 0, "checked": 0, "problems": 0})
                bucket["n"] += 1
                bucket["complaints"] += complaints
                bucket["listings"] += listings
                for figures in (repairs, checks):
                    for name, n in figures.items():
                        bucket[name] += n
                if latest:
                    bucket[latest.risk_class] = bucket.get(latest.risk_class, 0) + 1
    assert date.fromisoformat(AS_OF).year == YEAR
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1_850_000)
    parser.add_argument("--sample", type=int, default=3000, help="entities the naive baselines run over")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--prepare-only", action="store_true",
                        help="generate the data and stop (outside the bench lock); the timed run reuses it")
    parser.add_argument("--indices-only", action="store_true",
                        help="time only the indices and their baseline (results-indices.json)")
    args = parser.parse_args()
    setup_django(DBNAME)
    ensure_register(args.entities, log=log)
    ensure_credit_data()
    ensure_record_data()
    if args.prepare_only:
        return

    from credit.models import ModelResult, ModelRun, ModelVersion
    from credit.scoring import population

    version = ModelVersion.objects.get(model__code="individual-pilot", number=1)
    if not args.indices_only:
        ModelResult.objects.all().delete()
        ModelRun.objects.all().delete()
    results = {"entities": args.entities, "as_of": AS_OF, "runs": [], "indices": []}

    for i in range(0 if args.indices_only else args.repeat):
        run, seconds = ours_classification(version)
        results["runs"].append({"population": run.population, "seconds": round(seconds, 2),
                                "per_second": round(run.population / seconds), "class_counts": run.class_counts})
        rate = run.population / seconds
        log(f"本项目 评价运行 #{i + 1}：{run.population:,} 户，{seconds:.1f} 秒（{rate:,.0f} 户/秒），"
            f"{run.class_counts}")
    if not args.indices_only:
        population_size = population(run).count()
        naive, differ = naive_classification(version, run, args.sample)
        per_entity = naive / args.sample
        results["naive_run"] = {"sample": args.sample, "seconds": round(naive, 2),
                                "extrapolated_seconds": round(per_entity * population_size), "scores_differ": differ}
        log(f"基线 逐户查询 + save()：{args.sample:,} 户 {naive:.1f} 秒，按 {population_size:,} 户折算 "
            f"{per_entity * population_size:,.0f} 秒（{per_entity * population_size / 60:.0f} 分钟）；"
            f"与本项目风险分不同的 {differ} 户")

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
    name = "results-indices.json" if args.indices_only else "results.json"
    (OUT / name).write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
