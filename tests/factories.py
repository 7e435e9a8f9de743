"""Test data builders: valid codes, offices, staff of each role, entities."""
import itertools
from datetime import date

from django.contrib.auth.models import Group

from core.choices import DepartmentKind, Role
from core.models import Department, Office, User
from registry.choices import EntityType, RegistrationStatus
from registry.codes import with_check_char
from registry.models import Industry, MarketEntity

_seq = itertools.count(1)

ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(n: int | None = None, *, kind: str = "91") -> str:
    """A valid 18-character code for 泉港区 (350505) built from a sequence number."""
    n = next(_seq) if n is None else n
    digits = []
    for _ in range(9):
        n, r = divmod(n, 31)
        digits.append(ORG_CHARS[r])
    return with_check_char(kind + "350505" + "".join(reversed(digits)))


def make_office(code: str | None = None, name: str | None = None) -> Office:
    i = next(_seq)
    return Office.objects.create(code=code or f"OF{i}", name=name or f"测试市场监督管理所{i}")


def make_department(kind: str = DepartmentKind.SECTION, name: str | None = None) -> Department:
    i = next(_seq)
    return Department.objects.create(code=f"DP{i}", name=name or f"测试单位{i}", kind=kind)


def make_user(role: Role | None = None, *, office: Office | None = None, username: str | None = None,
              password: str = "pass-for-tests-2023", **extra) -> User:
    user = User.objects.create_user(username=username or f"user{next(_seq)}", password=password,
                                    office=office, **extra)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


def ensure_industry(code: str = "C2651", name: str = "") -> Industry:
    """Make sure the section, division and class of a code exist (the catalogue may already hold them)."""
    section, _ = Industry.objects.get_or_create(code=code[0], defaults={"name": f"门类{code[0]}", "level": "section"})
    division, _ = Industry.objects.get_or_create(
        code=code[:3], defaults={"name": f"大类{code[1:3]}", "level": "division", "parent": section}
    )
    if len(code) == 5:
        node, _ = Industry.objects.get_or_create(
            code=code, defaults={"name": name or f"小类{code}", "level": "class", "parent": division}
        )
        return node
    return division


def make_entity(office: Office, **fields) -> MarketEntity:
    i = next(_seq)
    values = {
        "uscc": make_uscc(i),
        "name": f"泉港测试企业{i}有限公司",
        "entity_type": EntityType.ENTERPRISE,
        "legal_rep": f"张{i}",
        "industry_code": "C2651",
        "address": "泉州市泉港区山腰街道",
        "registration_authority": "泉州市泉港区市场监督管理局",
        "office": office,
        "established_on": date(2018, 5, 1),
        "status": RegistrationStatus.ACTIVE,
        "phone": "13905951234",
    }
    values.update(fields)
    ensure_industry(values["industry_code"])
    return MarketEntity.objects.create(**values)
