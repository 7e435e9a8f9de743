"""The demo's credit analytics: complaints as the 12315 platform would export them, an individual-business scoring
run (with the enterprise comparison), and the credit indices of the demo years.

Runs after every other capability's demo, because the scoring indicators and the index components read annual
reports, listings, repairs and spot checks. Repeatable: complaints have fixed numbers, a run for the same version
and base date is not started twice, and an index year is recomputed in place.
"""
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model

from core.choices import JobStatus
from registry.choices import EntityType, RegistrationStatus
from registry.models import MarketEntity

from .choices import ComplaintKind
from .demo import month_ends
from .indices import compute_year
from .models import Complaint, ModelRun, ScoringModel
from .services import classification_run_queue, current_version

COMPLAINT_SHARE = 0.02  # entities with a complaint or report in a year (the 12315 platform's typical spread)
SUBSTANTIATED_SHARE = 0.35
REPORT_SHARE = 0.3
BATCH = 2000
SUMMARIES = (
    "消费者反映商品质量问题，要求退货退款", "反映经营场所价格标示不清", "举报销售过期食品", "反映预付卡退费纠纷",
    "举报未按规定明码标价", "反映售后服务不到位，维修拖延", "举报无证无照经营", "反映虚假宣传、夸大产品功效",
    "反映外卖食品卫生问题", "举报加油站计量不准", "反映装修工程质量纠纷", "举报销售假冒注册商标商品",
)


@dataclass
class AnalysisSeedSummary:
    complaints: int = 0
    runs: list[str] = field(default_factory=list)
    index_rows: dict[int, int] = field(default_factory=dict)


def _received_in(rng: random.Random, year: int, today: date) -> date | None:
    last = min(date(year, 12, 31), today - timedelta(days=1))
    first = date(year, 1, 1)
    if last < first:
        return None
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def seed_complaints(*, seed: int, years: list[int], today: date) -> int:
    """About 2 % of the entities operating in a year get a complaint or report dated in it (fixed numbers)."""
    operating = list(MarketEntity.objects.filter(status__in=[RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED])
                     .order_by("id").values_list("id", "established_on"))
    created = 0
    for year in years:
        rng = random.Random(f"{seed}:complaints:{year}")
        rows = []
        for n, (entity_id, established_on) in enumerate(operating):
            if rng.random() >= COMPLAINT_SHARE:
                continue
            received = _received_in(rng, year, today)
            if received is None or received < established_on:
                continue
            substantiated = None if received > today - timedelta(days=30) else rng.random() < SUBSTANTIATED_SHARE
            rows.append(Complaint(
                number=f"12315-{year}-{n:07d}", entity_id=entity_id,
                kind=ComplaintKind.REPORT if rng.random() < REPORT_SHARE else ComplaintKind.COMPLAINT,
                received_on=received, substantiated=substantiated, summary=rng.choice(SUMMARIES)))
        before = Complaint.objects.filter(number__startswith=f"12315-{year}-").count()
        Complaint.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        created += Complaint.objects.filter(number__startswith=f"12315-{year}-").count() - before
    return created


def _run(version, entity_type: str, as_of: date, by) -> ModelRun:
    """The finished run of this version, type and base date, started (and run here) if there is none yet."""
    from .tasks import classification_run_task

    run = (ModelRun.objects.filter(version=version, entity_type=entity_type, as_of=as_of, reproduces=None,
                                   finished_at__isnull=False).order_by("-id").first())
    if run is not None:
        return run
    run = classification_run_queue(version=version, entity_type=entity_type, as_of=as_of, by=by)
    run.job.refresh_from_db()
    if run.job.status == JobStatus.QUEUED:  # a broker is configured: run it here rather than wait for a worker
        classification_run_task.apply(args=[run.job.pk])
    run.refresh_from_db()
    return run


def seed_credit_analysis(*, seed: int, today: date, progress: Callable[[str], None] | None = None
                         ) -> AnalysisSeedSummary:
    summary = AnalysisSeedSummary()
    years = [today.year - 1, today.year]
    summary.complaints = seed_complaints(seed=seed, years=years, today=today)
    by = get_user_model().objects.filter(username="credit").first()
    model = ScoringModel.objects.filter(entity_type=EntityType.INDIVIDUAL).order_by("id").first()
    version = current_version(model) if model is not None else None
    if version is not None:
        as_of = month_ends(today, 1)[-1]
        for entity_type in (EntityType.INDIVIDUAL, EntityType.ENTERPRISE):  # the pilot, then the comparison
            run = _run(version, entity_type, as_of, by)
            summary.runs.append(f"{EntityType(entity_type).label} {run.population} 户")
    for year in years:
        summary.index_rows[year] = compute_year(year)
    if progress:
        runs = "、".join(summary.runs) or "未找到已发布的个体工商户评价模型，未运行"
        progress(f"信用分析：投诉举报 {summary.complaints} 件；信用风险评价（{runs}）；"
                 + "；".join(f"{y} 年信用指数 {n} 项" for y, n in summary.index_rows.items()))
    return summary
