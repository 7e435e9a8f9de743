"""The demo's credit analytics: complaints, the pilot run with the enterprise comparison, the indices; repeatable."""
from datetime import date

import pytest

from credit.demo import seed_risk_classes
from credit.demo_analysis import seed_credit_analysis
from credit.models import Complaint, CreditIndex, ModelResult, ModelRun
from registry.choices import EntityType, RegistrationStatus
from registry.demo import seed_demo
from registry.models import MarketEntity

pytestmark = pytest.mark.django_db

TODAY = date(2024, 6, 30)


@pytest.fixture
def district():
    seed_demo(entities=3000, password="pw-for-demo-tests", seed=7, today=TODAY)
    seed_risk_classes(seed=7, today=TODAY)


def test_the_demo_has_complaints_scoring_runs_and_indices_and_a_second_run_adds_nothing(district):
    summary = seed_credit_analysis(seed=7, today=TODAY)
    operating = MarketEntity.objects.filter(status__in=[RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED])
    # About 2 % of the operating entities a year, over last year and this year's first half.
    assert 0.01 * operating.count() < summary.complaints == Complaint.objects.count() < 0.05 * operating.count()
    assert not Complaint.objects.filter(received_on__gte=TODAY).exists()
    assert set(Complaint.objects.values_list("received_on__year", flat=True)) == {2023, 2024}

    runs = {run.entity_type: run for run in ModelRun.objects.all()}
    assert set(runs) == {EntityType.INDIVIDUAL, EntityType.ENTERPRISE}
    for entity_type, run in runs.items():
        assert run.finished_at is not None and run.as_of == date(2024, 5, 31)
        assert run.population == ModelResult.objects.filter(run=run).count() > 0
        assert set(ModelResult.objects.filter(run=run).values_list("entity__entity_type", flat=True)) == {entity_type}
    assert runs[EntityType.ENTERPRISE].excluded_kinds  # the comparison leaves the upstream class out

    assert summary.index_rows[2023] == CreditIndex.objects.filter(year=2023).count() > 0
    assert CreditIndex.objects.filter(year=2024, components__complaints__gt=0).exists()

    again = seed_credit_analysis(seed=7, today=TODAY)
    assert again.complaints == 0 and Complaint.objects.count() == summary.complaints
    assert ModelRun.objects.count() == 2
    assert again.index_rows == summary.index_rows
