"""Demo risk classes for the seeded district: monthly general results and quarterly professional ones.

Each enterprise's classes come from ``random.Random(f"{seed}:{uscc}")`` and the month-ends before the run's date,
so a second run adds nothing and a larger register keeps the smaller one's classes. The latest general class
is drawn about 60 % A, 25 % B, 10 % C, 5 % D; earlier months differ from the next by one step now and then.
Professional classes are given where an enterprise's industry falls under a domain.
"""
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from registry.choices import EntityType, RegistrationStatus
from registry.models import MarketEntity

from .models import EntityRiskClass, RiskDomain
from .services import current_classes_refresh

MONTHS = 6  # monthly general results kept for the demo
QUARTERS = 2  # quarterly professional results
LATEST_SHARES = (("A", 0.60), ("B", 0.25), ("C", 0.10), ("D", 0.05))
MOVE_CHANCE = 0.08  # a month's class differs from the next month's by one step
BATCH = 2000
# Industry code prefix → professional domain code (the domains seeded by credit.0002).
DOMAIN_BY_INDUSTRY = (
    ("C13", "food"), ("C14", "food"), ("C15", "food"), ("H62", "food"), ("F5212", "food"), ("F5123", "food"),
    ("F5124", "food"), ("C2681", "cosmetics"), ("C27", "drugs"), ("F5251", "drugs"), ("C3521", "special_equipment"),
    ("C4330", "special_equipment"), ("G594", "special_equipment"), ("D4511", "special_equipment"),
    ("C25", "industrial_products"), ("C26", "industrial_products"), ("C29", "industrial_products"),
    ("C30", "industrial_products"), ("C33", "industrial_products"), ("C358", "medical_devices"),
)
CLASSES = "ABCD"


@dataclass
class RiskSeedSummary:
    created: int = 0
    classified: int = 0
    with_domain: int = 0


def month_ends(today: date, count: int) -> list[date]:
    """The last ``count`` month-ends before today, oldest first."""
    ends, day = [], today.replace(day=1) - timedelta(days=1)
    while len(ends) < count:
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return ends[::-1]


def _latest_class(rng: random.Random) -> str:
    draw, total = rng.random(), 0.0
    for risk_class, share in LATEST_SHARES:
        total += share
        if draw < total:
            return risk_class
    return "D"


def _history(rng: random.Random, count: int) -> list[str]:
    """Classes for ``count`` periods, oldest first, ending with a class drawn from the target shares."""
    classes = [_latest_class(rng)]
    for _ in range(count - 1):
        i = CLASSES.index(classes[-1])
        if rng.random() < MOVE_CHANCE:
            i = min(3, max(0, i + rng.choice((-1, 1))))
        classes.append(CLASSES[i])
    return classes[::-1]


def _domain_for(industry_code: str, domains: dict) -> RiskDomain | None:
    for prefix, code in DOMAIN_BY_INDUSTRY:
        if industry_code.startswith(prefix):
            return domains.get(code)
    return None


def demo_classes(entity, *, seed: int, today: date, domains: dict) -> list[EntityRiskClass]:
    """The demo results of one enterprise (unsaved)."""
    rng = random.Random(f"{seed}:{entity.uscc}")
    months = [d for d in month_ends(today, MONTHS) if d >= entity.established_on]
    rows = [EntityRiskClass(entity_id=entity.pk, risk_class=c, classified_on=d)
            for d, c in zip(months, _history(rng, len(months)), strict=False)]
    domain = _domain_for(entity.industry_code, domains)
    quarters = [d for d in month_ends(today, 12) if d.month % 3 == 0][-QUARTERS:]
    quarters = [d for d in quarters if d >= entity.established_on]
    if domain is not None and rows and quarters:
        general = CLASSES.index(rows[-1].risk_class)
        for d in quarters:
            shift = rng.choice((-1, 0, 0, 0, 1))
            rows.append(EntityRiskClass(entity_id=entity.pk, domain=domain, classified_on=d,
                                        risk_class=CLASSES[min(3, max(0, general + shift))]))
    return rows


def seed_risk_classes(*, seed: int, today: date, progress: Callable[[str], None] | None = None) -> RiskSeedSummary:
    """Give the demo register's enterprises their class history (idempotent: existing results are kept)."""
    summary = RiskSeedSummary()
    domains = {d.code: d for d in RiskDomain.objects.all()}
    enterprises = (MarketEntity.objects.filter(entity_type=EntityType.ENTERPRISE,
                                               status__in=[RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED])
                   .order_by("id").only("id", "uscc", "industry_code", "established_on"))
    batch = []

    def flush():
        with transaction.atomic():
            EntityRiskClass.objects.bulk_create(batch, ignore_conflicts=True, batch_size=BATCH)
        batch.clear()

    before = EntityRiskClass.objects.count()
    for entity in enterprises.iterator(chunk_size=BATCH):
        rows = demo_classes(entity, seed=seed, today=today, domains=domains)
        if rows:
            summary.classified += 1
            summary.with_domain += any(r.domain_id for r in rows)
        batch.extend(rows)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    summary.created = EntityRiskClass.objects.count() - before
    with transaction.atomic():
        current_classes_refresh()
    if progress:
        progress(f"信用风险分类：企业 {summary.classified} 户有分类结果（其中有专业分类 {summary.with_domain} 户），"
                 f"新增结果 {summary.created} 条")
    return summary
