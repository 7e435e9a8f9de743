"""The draw: exactly hmac-sha256-rank/v1 (recomputed by an independent implementation), exclusions, failure
naming the entity, joint and cross-office assignment, professional domains, the job, one draw per task, re-draws."""
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Count

from core.choices import AuditAction, JobStatus, Role
from core.models import AuditLog, Job
from credit.models import RiskDomain
from inspections import services
from inspections.algorithm import ALGORITHM, DrawFailure
from inspections.models import CheckAssignment, Draw, RedrawRequest, SpotCheck, Task
from inspections.services.draws import draw_compute
from registry.choices import RegistrationStatus
from tests.factories import make_entity, make_user
from tests.inspections import reference
from tests.inspections.conftest import TODAY, classify, draw_now, make_inspector, make_item, make_task

pytestmark = pytest.mark.django_db

PUBLIC_FIELDS = {"algorithm", "seed", "drawn_at", "task", "strata", "exclusions", "entity_offices", "pool",
                 "assignments", "certificate_sha256"}


def test_draw_matches_an_independent_implementation(task):
    draw = draw_now(task)
    cert = draw.certificate()
    again = reference.recompute(cert)
    assert cert["algorithm"] == ALGORITHM and set(cert) == PUBLIC_FIELDS
    assert set(cert["task"]) == {"id", "name", "filter", "inspectors_per_check", "cross_office", "departments"}
    for stratum in cert["strata"]:
        assert set(stratum) == {"class", "ratio", "population_size", "sample_size", "population_sha256",
                                "population", "selected"}
        assert stratum["selected"] == again["selected"][stratum["class"]]
        assert stratum["sample_size"] == again["sample_sizes"][stratum["class"]]
        assert stratum["population_sha256"] == again["population_sha256"][stratum["class"]]
    assert cert["assignments"] == again["assignments"]
    assert cert["certificate_sha256"] == again["certificate_sha256"] == draw.certificate_sha256
    assert len(cert["seed"]) == 64 and int(cert["seed"], 16) >= 0


def test_strata_and_sample_sizes_follow_the_classes(task, district):
    cert = draw_now(task).certificate()
    sizes = {s["class"]: (s["population_size"], s["ratio"], s["sample_size"]) for s in cert["strata"]}
    # 60 entities: i % 5 == 0 unclassified (12); the rest A/B/C/D by i % 4 over 1..29 without multiples of 5.
    assert sum(n for n, _, _ in sizes.values()) == 60
    assert sizes["U"] == (12, "0.3", 4)  # ceil(12 × 0.3) = ceil(3.6)
    assert sizes["D"][2] == sizes["D"][0]  # ratio 1: everyone
    assert [s["class"] for s in cert["strata"]] == ["A", "B", "C", "D", "U"]


def test_checks_and_assignments_in_the_database_are_the_certificate(task):
    draw = draw_now(task)
    cert = draw.certificate()
    stored = [
        {"uscc": c.entity.uscc,
         "inspectors": [a.inspector.code for a in c.assignments.order_by("position")]}
        for c in SpotCheck.objects.filter(draw=draw).select_related("entity").order_by("walk_order")
    ]
    assert stored == cert["assignments"]
    strata = {code: s["class"] for s in cert["strata"] for code in s["selected"]}
    assert all(c.stratum == strata[c.entity.uscc] for c in SpotCheck.objects.filter(draw=draw).select_related("entity"))
    task.refresh_from_db()
    assert task.status == "drawn" and draw.sample_size == len(stored)


def test_every_check_gets_two_inspectors_and_load_is_balanced(task):
    draw_now(task)
    counts = list(CheckAssignment.objects.values("inspector").order_by().annotate(n=Count("id"))
                  .values_list("n", flat=True))
    assert max(counts) - min(counts) <= 1
    assert set(SpotCheck.objects.values_list("assignments__position", flat=True)) == {1, 2}


def test_exclusions_are_recorded_with_their_reasons(plan, item, section_dept, district, office_a):
    gone = make_entity(office_a, status=RegistrationStatus.DEREGISTERED)
    resting = make_entity(office_a, status=RegistrationStatus.SUSPENDED)
    first = make_task(plan, [item], section_dept, name="第一批", population_filter={"statuses": []})
    draw_now(first)
    second = make_task(plan, [item], section_dept, name="第二批", population_filter={"statuses": []})
    cert = draw_now(second).certificate()
    reasons = {e["uscc"]: e["reason"] for e in cert["exclusions"]}
    assert reasons[gone.uscc] == "已注销" and reasons[resting.uscc] == "歇业"
    drawn_before = set(SpotCheck.objects.filter(task=first).values_list("entity__uscc", flat=True))
    assert drawn_before and all(reasons[code] == "12 个月内已因相同抽查事项被抽查" for code in drawn_before)
    population = {code for s in cert["strata"] for code in s["population"]}
    assert not population & set(reasons)


def test_an_entity_without_enough_inspectors_fails_the_draw_by_name_and_nothing_is_saved(
        plan, item, section_dept, district, office_a):
    target = make_entity(office_a, name="泉港回避测试有限公司")
    classify(target, "D")
    for inspector in district["inspectors"][:5]:
        services.conflict_declare(inspector=inspector, entity=target, reason="亲属任职", declared_on=TODAY, by=None)
    task = make_task(plan, [item], section_dept, name="回避不足")
    Task.objects.filter(pk=task.pk).update(status="drawing")
    with pytest.raises(DrawFailure) as failure:
        draw_compute(task)
    assert "泉港回避测试有限公司" in str(failure.value) and target.uscc in str(failure.value)
    assert "5 名因回避申报排除" in str(failure.value)
    assert not Draw.objects.exists() and not SpotCheck.objects.exists()


def test_the_job_fails_cleanly_and_the_task_can_be_drawn_again(
        plan, item, section_dept, district, office_a, section_user, django_capture_on_commit_callbacks):
    target = make_entity(office_a, name="缺人企业")
    classify(target, "D")
    for inspector in district["inspectors"]:
        services.conflict_declare(inspector=inspector, entity=target, reason="亲属任职", declared_on=TODAY, by=None)
    task = make_task(plan, [item], section_dept)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.task_draw_request(task=task, by=section_user)
    job.refresh_from_db()
    task.refresh_from_db()
    assert job.status == JobStatus.FAILED and "缺人企业" in job.error and "未保存任何结果" in job.error
    assert task.status == "draft" and not Draw.objects.exists()
    assert AuditLog.objects.filter(summary__startswith="抽取未完成").exists()


def test_a_draw_request_runs_the_job_and_a_second_request_is_refused(
        task, section_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.task_draw_request(task=task, by=section_user)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["draw"] == Draw.objects.get().pk and job.percent == 100
    with pytest.raises(ValidationError, match="已经抽取或正在抽取"):
        services.task_draw_request(task=task, by=section_user)
    assert Draw.objects.count() == 1 and Job.objects.count() == 1


def test_joint_task_takes_one_inspector_from_each_department(plan, item, section_dept, tax_dept, district):
    tax_item = make_item(tax_dept, code="SW-001")
    for n in range(3):
        make_inspector(f"SW{n}", items=[tax_item], department=tax_dept)
    task = make_task(plan, [item, tax_item], section_dept, participants=[tax_dept], inspectors_per_check=2)
    cert = draw_now(task).certificate()
    departments = {p["code"]: p["department"] for p in cert["pool"]}
    assert cert["task"]["departments"] == [section_dept.code, tax_dept.code]
    for assignment in cert["assignments"]:
        assert [departments[c] for c in assignment["inspectors"]] == [section_dept.code, tax_dept.code]
    assert reference.recompute(cert)["assignments"] == cert["assignments"]


def test_cross_office_never_sends_an_office_to_its_own_entities(plan, item, section_dept, district):
    task = make_task(plan, [item], section_dept, cross_office=True)
    cert = draw_now(task).certificate()
    offices = {p["code"]: p["office"] for p in cert["pool"]}
    for assignment in cert["assignments"]:
        own = cert["entity_offices"][assignment["uscc"]]
        assert all(offices[c] != own for c in assignment["inspectors"])


def test_a_professional_domain_task_stratifies_by_the_domain_class(plan, section_dept, district):
    food = RiskDomain.objects.get(code="food") if RiskDomain.objects.filter(code="food").exists() else \
        RiskDomain.objects.create(code="food", name="食品")
    food_item = make_item(section_dept, code="SP-001", domain=food)
    for inspector in district["inspectors"]:
        inspector.qualified_items.add(food_item)
    entity = district["entities"][1]  # general class B (1 % 4 = 1)
    classify(entity, "D", domain=food)
    task = make_task(plan, [food_item], section_dept, sampling="uniform", domain=food, ratio=Decimal("0.05"),
                     ratio_a=None, ratio_b=None, ratio_c=None, ratio_d=None, ratio_u=None)
    cert = draw_now(task).certificate()
    stratum = {code: s["class"] for s in cert["strata"] for code in s["population"]}
    assert stratum[entity.uscc] == "D"
    assert {s["ratio"] for s in cert["strata"]} == {"0.05"}
    assert cert["task"]["filter"]["risk_domain"] == "food"


def test_same_seed_same_draw(task):
    first = draw_compute(Task.objects.get(pk=task.pk), seed="ab" * 32)
    second = draw_compute(Task.objects.get(pk=task.pk), seed="ab" * 32)
    assert first.walk == second.walk and first.assignments == second.assignments
    different = draw_compute(Task.objects.get(pk=task.pk), seed="cd" * 32)
    assert different.walk != first.walk


# ------------------------------------------------------------------------------------------------------------
# Re-draws
# ------------------------------------------------------------------------------------------------------------

def test_redraw_requires_a_written_reason_and_leadership_approval(
        task, section_user, leader, django_capture_on_commit_callbacks):
    first = draw_now(task, by=section_user)
    with pytest.raises(ValidationError):
        services.redraw_request(task=task, reason="太短", by=section_user)
    request = services.redraw_request(task=task, reason="抽取范围误选了全部登记状态，应只含存续主体", by=section_user)
    with pytest.raises(ValidationError, match="局领导审批"):
        services.redraw_approve(request=request, note="", by=section_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.redraw_approve(request=request, note="同意", by=leader)
    first.refresh_from_db()
    assert first.status == "voided" and first.voided_by == leader and "误选" in first.void_reason
    assert first.certificate()["assignments"]  # the voided certificate is kept
    second = Draw.objects.get(status="valid")
    assert second.number == 2 and second.seed != first.seed
    assert set(SpotCheck.objects.values_list("draw_id", flat=True)) == {second.pk}
    assert RedrawRequest.objects.get().status == "approved"
    assert AuditLog.objects.filter(action=AuditAction.STATUS, summary__startswith="批准重新抽取").exists()


def test_redraw_is_refused_once_results_are_recorded(task, section_user):
    draw_now(task)
    check = SpotCheck.objects.first()
    services.check_submit_result(spot_check=check, result_code="1", findings="", checked_on=TODAY, by=section_user)
    with pytest.raises(ValidationError, match="已有检查结果录入"):
        services.redraw_request(task=task, reason="理由写得足够长的一段说明文字", by=section_user)


def test_a_rejected_redraw_keeps_the_draw(task, section_user, leader):
    draw = draw_now(task)
    request = services.redraw_request(task=task, reason="理由写得足够长的一段说明文字", by=section_user)
    with pytest.raises(ValidationError):
        services.redraw_reject(request=request, note="", by=leader)
    services.redraw_reject(request=request, note="理由不充分", by=leader)
    draw.refresh_from_db()
    assert draw.status == "valid" and RedrawRequest.objects.get().status == "rejected"


def test_the_database_allows_one_valid_draw_per_task(task):
    from django.db import IntegrityError, transaction

    draw = draw_now(task)
    with pytest.raises(IntegrityError), transaction.atomic():
        Draw.objects.create(task=task, number=2, algorithm=ALGORITHM, seed="0" * 64, drawn_at=draw.drawn_at,
                            population_size=0, sample_size=0, certificate_gz=b"", certificate_sha256="0" * 64)


def test_leader_cannot_approve_own_request(task):
    leader_and_section = make_user(Role.LEADER, username="lead2")
    leader_and_section.groups.add(Group.objects.get(name=Role.SECTION.value))
    draw_now(task)
    request = services.redraw_request(task=task, reason="理由写得足够长的一段说明文字", by=leader_and_section)
    with pytest.raises(ValidationError, match="不能审批自己"):
        services.redraw_approve(request=request, note="", by=leader_and_section)
    assert task.draws.get().status == "valid"
