"""Fixtures of the 双随机 tests: a section and member departments, check items, inspectors, a plan and tasks,
entities with risk classes, and a draw run in-process."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.choices import DepartmentKind, Role
from credit.models import EntityRiskClass
from inspections import services
from inspections.models import CheckItem, Draw, Inspector, Plan, Task
from inspections.services.draws import draw_compute, draw_write
from tests.factories import make_department, make_entity, make_office, make_user

TODAY = timezone.localdate()
YEAR = TODAY.year


def make_item(department, code: str = "SC-001", **fields) -> CheckItem:
    values = {"code": code, "name": f"抽查事项{code}", "legal_basis": "《企业信息公示暂行条例》",
              "department": department,
              "valid_from": date(YEAR - 1, 1, 1)}
    values.update(fields)
    return services.check_item_create(data=values, by=None)


def make_inspector(code: str, *, items, office=None, department=None, **fields) -> Inspector:
    data = {"code": code, "name": f"检查员{code}", "office": office, "department": department}
    data.update(fields)
    return services.inspector_create(data=data, items=items, by=None)


def make_task(plan, items, lead, *, participants=(), by=None, **fields) -> Task:
    data = {"name": fields.pop("name", f"任务{Task.objects.count() + 1}"), "lead_department": lead,
            "sampling": "differentiated", "ratio_a": Decimal("0.1"), "ratio_b": Decimal("0.2"),
            "ratio_c": Decimal("0.5"), "ratio_d": Decimal("1"), "ratio_u": Decimal("0.3"),
            "starts_on": date(plan.year, 1, 1) if plan.year != YEAR else TODAY,
            "deadline": (date(plan.year, 12, 31) if plan.year != YEAR else TODAY + timedelta(days=60)),
            "population_filter": {}, "inspectors_per_check": 2, "cross_office": False}
    data.update(fields)
    return services.task_create(plan=plan, data=data, items=items, participants=list(participants), by=by)


def classify(entity, risk_class: str, *, domain=None, on: date | None = None) -> None:
    EntityRiskClass.objects.create(entity=entity, risk_class=risk_class, domain=domain,
                                   classified_on=on or TODAY - timedelta(days=30))


def draw_now(task, *, by=None, seed: str | None = None) -> Draw:
    """Draw a task in-process (the job's compute and write, without Celery)."""
    Task.objects.filter(pk=task.pk).update(status="drawing")
    task.refresh_from_db()
    return draw_write(task, draw_compute(task, seed=seed), job=None, by=by)


@pytest.fixture
def section_dept(db):
    return make_department(DepartmentKind.SECTION, name="信用监管股")


@pytest.fixture
def tax_dept(db):
    return make_department(DepartmentKind.MEMBER, name="税务局")


@pytest.fixture
def item(section_dept):
    return make_item(section_dept)


@pytest.fixture
def plan(db):
    return Plan.objects.create(year=YEAR, name=f"{YEAR} 年度双随机抽查工作计划")


@pytest.fixture
def district(office_a, office_b, section_dept, item):
    """Two offices with 30 entities each (classes A–D and unclassified) and six inspectors, two per office."""
    entities = []
    for office in (office_a, office_b):
        for i in range(30):
            entity = make_entity(office)
            if i % 5:
                classify(entity, "ABCD"[i % 4])
            entities.append(entity)
    inspectors = [make_inspector(f"ZF{n:02d}", items=[item], office=office, department=section_dept)
                  for n, office in enumerate([office_a, office_a, office_b, office_b, None, None], start=1)]
    return {"entities": entities, "inspectors": inspectors}


@pytest.fixture
def task(plan, item, section_dept, district):
    return make_task(plan, [item], section_dept, name="企业公示信息抽查")


@pytest.fixture
def other_office_staff(office_b):
    return make_user(Role.OFFICE, office=office_b, username="office_b_staff")


@pytest.fixture
def second_office(db):
    return make_office(name="界山市场监督管理所")
