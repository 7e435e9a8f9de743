"""The scoring model's 抽查发现问题 indicator, computed from the spot checks' recorded results as of the base date."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.choices import DepartmentKind
from credit.indicators import KINDS, contribution, years_before
from inspections.choices import CheckStatus, DrawStatus
from inspections.models import Draw, Plan, SpotCheck
from registry.models import MarketEntity
from tests.factories import make_department, make_entity
from tests.inspections.conftest import YEAR, make_item, make_task

pytestmark = pytest.mark.django_db

BASE = timezone.localdate()


def test_spot_check_problems_counts_recorded_problems_of_valid_draws_within_two_years(office_a):
    kind = KINDS["spot_check_problems"]
    assert kind.available
    section = make_department(DepartmentKind.SECTION, name="信用监管股")
    plan = Plan.objects.create(year=YEAR - 1, name=f"{YEAR - 1} 年度计划")
    item = make_item(section)

    def make_draw(task, status):
        return Draw.objects.create(task=task, number=1, status=status, algorithm="test", seed="0" * 64,
                                   drawn_at=timezone.now(), population_size=10, sample_size=10,
                                   certificate_gz=b"", certificate_sha256="0" * 64)

    twice, once, clean = (make_entity(office_a) for _ in range(3))

    def check(entity, code, checked_on, status=CheckStatus.APPROVED, draw=DrawStatus.VALID):
        task = make_task(plan, [item], section)  # one valid draw per task, an entity once per draw
        return SpotCheck.objects.create(task=task, draw=make_draw(task, draw), entity=entity, walk_order=1,
                                        stratum="B", status=status, result_code=code, checked_on=checked_on)

    check(twice, "A", BASE - timedelta(days=30))
    check(twice, "6", BASE - timedelta(days=400), status=CheckStatus.SUBMITTED)  # recorded, awaiting review
    check(twice, "B", years_before(BASE, 3))  # older than two years
    check(once, "D", BASE - timedelta(days=10), status=CheckStatus.PUBLISHED)
    check(once, "C", BASE - timedelta(days=10), draw=DrawStatus.VOIDED)  # voided draw
    check(clean, "E", BASE - timedelta(days=10))  # corrected during the check: not a problem to follow up
    check(clean, "A", BASE - timedelta(days=20), draw=DrawStatus.VOIDED)
    # A result sent back for correction is not a recorded result.
    check(clean, "A", BASE - timedelta(days=5), status=CheckStatus.RETURNED)

    params = kind.params_with_defaults({})
    values = kind.sparse(BASE, params, MarketEntity.objects.all())
    assert values == {twice.pk: 2, once.pk: 1}
    # As of a base date before the latest check, only the earlier one counted.
    assert kind.sparse(BASE - timedelta(days=60), params, MarketEntity.objects.all()) == {twice.pk: 1}
    # Only the entities being scored.
    assert kind.sparse(BASE, params, MarketEntity.objects.filter(pk=once.pk)) == {once.pk: 1}
    assert contribution(kind, Decimal("10"), values[twice.pk], params) == Decimal("10.00")
    assert contribution(kind, Decimal("10"), values[once.pk], params) == Decimal("5.00")
    assert kind.show(values[twice.pk], params) == "近 2 年抽查发现问题 2 次"
    assert kind.describe({}).startswith("近 2 年双随机抽查每有 1 次发现问题")
