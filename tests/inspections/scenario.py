"""A small, fixed district for comparing draws across databases: the same rows on PostgreSQL and on SQLite."""
import json
from datetime import date, timedelta
from decimal import Decimal

SEED = "5eed" * 16


def build_and_draw(*, year: int) -> str:
    """Create the district (empty database), draw its task with SEED, return what the draw decided as JSON."""
    from django.contrib.auth.models import Group

    from core.choices import DepartmentKind, Role
    from core.models import Department, Office, User
    from core.roles import ensure_roles
    from credit.models import EntityRiskClass
    from inspections import services
    from inspections.models import Plan, Task
    from inspections.services.draws import draw_compute
    from registry.choices import EntityType, RegistrationStatus
    from registry.models import MarketEntity
    from tests.factories import ensure_industry, make_uscc

    ensure_roles()
    ensure_industry("C2651")
    ensure_industry("F5219")
    offices = [Office.objects.create(code=f"QG{n}", name=f"第{n}市场监督管理所") for n in range(3)]
    section = Department.objects.create(code="KS04", name="信用监管股", kind=DepartmentKind.SECTION)
    member = Department.objects.create(code="CY01", name="税务局", kind=DepartmentKind.MEMBER)
    user = User.objects.create_user(username="credit-b", password="x-backend-pw-1")
    user.groups.add(Group.objects.get(name=Role.SECTION.value))
    entities = []
    for n in range(240):
        status = RegistrationStatus.DEREGISTERED if n % 37 == 0 else (
            RegistrationStatus.SUSPENDED if n % 41 == 0 else RegistrationStatus.ACTIVE)
        entities.append(MarketEntity.objects.create(
            uscc=make_uscc(10_000 + n * 7919), name=f"比对企业{n}", office=offices[n % 3],
            entity_type=EntityType.ENTERPRISE if n % 4 else EntityType.INDIVIDUAL,
            industry_code="C2651" if n % 2 else "F5219", established_on=date(2015, 1, 1) + timedelta(days=n),
            status=status))
    for n, entity in enumerate(entities):
        if n % 6:
            EntityRiskClass.objects.create(entity=entity, risk_class="ABCD"[n % 4], classified_on=date(year - 1, 12, 1))
    item = services.check_item_create(data={"code": "SC-B1", "name": "比对事项", "legal_basis": "依据",
                                            "department": section, "valid_from": date(year - 1, 1, 1)}, by=None)
    tax_item = services.check_item_create(data={"code": "SW-B1", "name": "税务事项", "legal_basis": "依据",
                                                "department": member, "valid_from": date(year - 1, 1, 1)}, by=None)
    inspectors = []
    for n in range(12):
        inspectors.append(services.inspector_create(
            data={"code": f"ZF{n:03d}", "name": f"人员{n}", "office": offices[n % 3] if n < 9 else None,
                  "department": member if n >= 10 else section},
            items=[tax_item] if n >= 10 else [item], by=None))
    for n in range(0, 240, 11):
        services.conflict_declare(inspector=inspectors[n % 9], entity=entities[n], reason="亲属", by=None,
                                  declared_on=date(year - 1, 6, 1))
    plan = Plan.objects.create(year=year, name=f"{year} 年计划")
    task = services.task_create(plan=plan, items=[item, tax_item], participants=[member], by=user, data={
        "name": "比对任务", "lead_department": section, "sampling": "differentiated",
        "ratio_a": Decimal("0.05"), "ratio_b": Decimal("0.15"), "ratio_c": Decimal("0.4"), "ratio_d": Decimal("1"),
        "ratio_u": Decimal("0.2"), "starts_on": date(year, 1, 1), "deadline": date(year, 12, 31),
        "population_filter": {"statuses": [], "entity_types": ["enterprise", "individual"]},
        "inspectors_per_check": 3, "cross_office": True})
    Task.objects.filter(pk=task.pk).update(status="drawing")
    computed = draw_compute(Task.objects.get(pk=task.pk), seed=SEED)
    cert = json.loads(computed.body)
    return json.dumps({key: cert[key] for key in ("strata", "exclusions", "entity_offices", "pool", "assignments")},
                      ensure_ascii=False, sort_keys=True)
