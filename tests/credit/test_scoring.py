"""The scoring model: arithmetic by hand, explanations that sum to the score, thresholds at their edges, frozen
versions, reproducible runs, sources not yet live, and the comparison with the upstream class."""
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.choices import JobStatus
from credit.choices import VersionStatus
from credit.indicators import KINDS, NOT_AVAILABLE
from credit.models import Complaint, ModelResult, ModelVersion
from credit.scoring import agreement_matrix, explain
from credit.services import classification_run_queue, classification_run_reproduce, version_copy, version_publish
from registry.choices import EntityType, RegistrationStatus
from registry.models import StatusChange
from tests.credit.conftest import give_class
from tests.factories import make_entity

pytestmark = pytest.mark.django_db

AS_OF = date(2024, 6, 30)


@pytest.fixture
def pilot():
    return ModelVersion.objects.get(model__code="individual-pilot", number=1)


def shop(office, established=date(2015, 1, 1), **fields):
    return make_entity(office, entity_type=EntityType.INDIVIDUAL, established_on=established, **fields)


def complaint(entity, on, substantiated=None):
    n = Complaint.objects.count() + 1
    return Complaint.objects.create(number=f"TS{n:06d}", entity=entity, kind="complaint", received_on=on,
                                    substantiated=substantiated)


def suspension(entity, on):
    change = StatusChange.objects.create(entity=entity, old_status=RegistrationStatus.ACTIVE,
                                         new_status=RegistrationStatus.SUSPENDED)
    at = timezone.make_aware(datetime.combine(on, datetime.min.time().replace(hour=10)))
    StatusChange.objects.filter(pk=change.pk).update(changed_at=at)


def run(version, entity_type=EntityType.INDIVIDUAL, as_of=AS_OF, by=None, capture=None):
    with capture(execute=True):
        run = classification_run_queue(version=version, entity_type=entity_type, as_of=as_of, by=by)
    run.refresh_from_db()
    run.job.refresh_from_db()
    assert run.job.status == JobStatus.SUCCEEDED, run.job.error
    return run


def test_a_shop_scored_by_hand(pilot, office_a, section_user, django_capture_on_commit_callbacks):
    new_shop = shop(office_a, established=date(2023, 3, 1))  # 1 full year: (3 − 1) / 3 × 15 = 10.00
    complaint(new_shop, date(2024, 1, 5))
    complaint(new_shop, date(2023, 8, 1))  # 2 of cap 3: 2/3 × 25 = 16.67
    complaint(new_shop, date(2022, 6, 30))  # more than two years before the base date: not counted
    complaint(new_shop, date(2024, 7, 1))  # after the base date: not counted
    suspension(new_shop, date(2023, 2, 1))  # 1 of cap 1 within 3 years: 10.00
    give_class(new_shop, "C", date(2024, 3, 31), domain="食品")  # worst class C: 0.7 × 20 = 14.00
    old_shop = shop(office_a, established=date(2010, 1, 1))  # nothing: 0
    shop(office_a, established=date(2024, 7, 1))  # established after the base date: not in the run
    shop(office_a, status=RegistrationStatus.DEREGISTERED)  # not in business: not in the run
    make_entity(office_a)  # an enterprise: not in an individual-business run

    result_run = run(pilot, by=section_user, capture=django_capture_on_commit_callbacks)
    assert result_run.population == 2
    scored = ModelResult.objects.get(run=result_run, entity=new_shop)
    assert scored.score == Decimal("50.67") and scored.risk_class == "D"  # D from 45
    lines = explain(scored)
    assert [(line.label, line.contribution) for line in lines[:4]] == [
        ("经营年限", Decimal("10.00")), ("登记状态：歇业记录", Decimal("10.00")),
        ("投诉举报", Decimal("16.67")), ("上级信用风险分类记录", Decimal("14.00"))]
    assert [line.shown for line in lines[:4]] == ["经营 1 年", "近 3 年歇业 1 次", "近 2 年投诉举报 2 件",
                                                  "近 2 年最差 C 类"]
    # Kinds whose data the shop has none of score 0; those whose source is not live yet say so.
    assert all(line.contribution == 0 for line in lines[4:])
    not_live = {kind.label for kind in KINDS.values() if not kind.available}
    assert all(line.shown == NOT_AVAILABLE for line in lines[4:] if line.label in not_live)
    assert len(lines) == 9
    clean = ModelResult.objects.get(run=result_run, entity=old_shop)
    assert clean.score == Decimal("0.00") and clean.risk_class == "A"
    assert result_run.class_counts == {"A": 1, "B": 0, "C": 0, "D": 1}


def test_every_explanation_sums_to_its_score(pilot, office_a, django_capture_on_commit_callbacks):
    for i in range(12):
        entity = shop(office_a, established=date(2019 + i % 5, 1 + i % 12, 1))
        for k in range(i % 4):
            complaint(entity, date(2024, 1 + k, 10), substantiated=bool(k % 2))
        if i % 3 == 0:
            suspension(entity, date(2022, 5, 1))
        if i % 5 == 0:
            give_class(entity, "ABCD"[i % 4], date(2024, 1, 31))
    result_run = run(pilot, capture=django_capture_on_commit_callbacks)
    assert result_run.population == 12
    for result in result_run.results.all():
        assert sum(line.contribution for line in explain(result)) == result.score
        assert sum(Decimal(c) for c in result.contributions) == result.score
        assert pilot.class_for(result.score) == result.risk_class


@pytest.mark.parametrize("score, expected", [
    ("0", "A"), ("14.99", "A"), ("15", "B"), ("29.99", "B"), ("30", "C"), ("44.99", "C"), ("45", "D"), ("120", "D")])
def test_thresholds_map_scores_to_classes_at_their_edges(pilot, score, expected):
    assert (pilot.threshold_b, pilot.threshold_c, pilot.threshold_d) == (15, 30, 45)
    assert pilot.class_for(Decimal(score)) == expected


def test_a_new_version_does_not_alter_an_old_run_and_the_old_run_can_be_reproduced(
        pilot, office_a, section_user, django_capture_on_commit_callbacks):
    entity = shop(office_a, established=date(2023, 1, 1))
    complaint(entity, date(2024, 2, 1))
    first = run(pilot, capture=django_capture_on_commit_callbacks)
    before = list(first.results.values_list("entity_id", "score", "risk_class", "values", "contributions"))

    draft = version_copy(version=pilot, by=section_user)
    draft.indicators.filter(kind="complaints").update(weight=Decimal("60"))
    draft.threshold_b = Decimal("5")
    draft.save()
    draft = version_publish(version=draft, by=section_user)
    pilot.refresh_from_db()
    assert pilot.status == VersionStatus.RETIRED and draft.number == 2
    second = run(draft, capture=django_capture_on_commit_callbacks)
    assert second.results.get().score != first.results.get().score

    first.refresh_from_db()
    assert list(first.results.values_list("entity_id", "score", "risk_class", "values", "contributions")) == before
    assert explain(first.results.get())[2].weight == Decimal("25.00")  # the old run explains with its own version

    with django_capture_on_commit_callbacks(execute=True):
        again = classification_run_reproduce(run=first, by=section_user)
    again.refresh_from_db()
    assert again.version == pilot and again.reproduces == first
    assert list(again.results.values_list("entity_id", "score", "risk_class", "values", "contributions")) == before


def test_a_published_version_is_frozen_and_a_draft_is_checked_before_publishing(pilot, section_user):
    with pytest.raises(ValidationError, match="已发布，不能再发布"):
        version_publish(version=pilot, by=section_user)
    draft = version_copy(version=pilot, by=section_user)
    draft.threshold_b = Decimal("0")
    draft.save()
    draft.indicators.filter(kind="complaints").update(params={"years": 0, "colour": "red"})
    with pytest.raises(ValidationError) as info:
        version_publish(version=draft, by=section_user)
    assert info.value.messages == [
        "B 类起点应大于 0（风险分为 0 的主体应为 A 类）",
        "投诉举报：不认识的参数 colour",
        "投诉举报：参数 years 应为大于 0 的数",
    ]
    with pytest.raises(ValidationError, match="草稿版本不能用于评价"):
        classification_run_queue(version=draft, entity_type=EntityType.INDIVIDUAL, as_of=AS_OF, by=section_user)


def test_only_sources_not_yet_live_make_a_version_unpublishable(pilot, section_user):
    draft = version_copy(version=pilot, by=section_user)
    draft.indicators.filter(kind__in=[code for code, kind in KINDS.items() if kind.available]).delete()
    with pytest.raises(ValidationError, match="至少需要一个数据来源已上线、权重大于 0 的指标"):
        version_publish(version=draft, by=section_user)


def test_enterprises_are_compared_with_their_upstream_class_without_using_it(
        pilot, office_a, django_capture_on_commit_callbacks):
    fresh = make_entity(office_a, established_on=date(2024, 1, 1))  # 0 years: 15 points → B
    settled = make_entity(office_a, established_on=date(2000, 1, 1))  # 0 points → A
    unclassified = make_entity(office_a, established_on=date(2000, 1, 1))
    give_class(fresh, "C", date(2024, 5, 31))
    give_class(settled, "A", date(2024, 5, 31))
    give_class(settled, "D", date(2024, 7, 31))  # after the base date: not the upstream class of the run
    comparison = run(pilot, entity_type=EntityType.ENTERPRISE, capture=django_capture_on_commit_callbacks)
    assert comparison.is_comparison and comparison.excluded_kinds == ["risk_class_history"]
    fresh_result = comparison.results.get(entity=fresh)
    assert fresh_result.score == Decimal("15.00") and fresh_result.risk_class == "B"
    assert explain(fresh_result)[3].shown == "本次评价不计入"
    matrix = agreement_matrix(comparison)
    rows = {up: cells for up, cells, _ in matrix["rows"]}
    assert rows["C"] == [0, 1, 0, 0] and rows["A"] == [1, 0, 0, 0] and rows[None] == [1, 0, 0, 0]
    assert (matrix["classified"], matrix["same"], matrix["near"]) == (2, 1, 2)
    assert matrix["same_rate"] == 50.0 and matrix["near_rate"] == 100.0
    assert unclassified.pk in set(comparison.results.values_list("entity_id", flat=True))


def test_a_run_cannot_look_into_the_future(pilot, section_user):
    with pytest.raises(ValidationError, match="评价基准日不能晚于今天"):
        classification_run_queue(version=pilot, entity_type=EntityType.INDIVIDUAL,
                                 as_of=timezone.localdate().replace(year=timezone.localdate().year + 1),
                                 by=section_user)
