"""The demo district: valid codes and industries, the five demo log-ins, determinism and idempotency."""
from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from core.choices import DepartmentKind, Role
from core.models import Department, Office, User
from registry.choices import EntityType, RegistrationStatus
from registry.codes import industry_code_error, uscc_error
from registry.demo import (
    COOPERATIVE_INDUSTRIES,
    ENTERPRISE_INDUSTRIES,
    INDIVIDUAL_INDUSTRIES,
    PARK_OFFICE_CODE,
    TOWNS,
    generate_entities,
    seed_demo,
)
from registry.industry_data import catalogue_rows
from registry.models import Industry, MarketEntity, StatusChange
from registry.selectors import division_sections

pytestmark = pytest.mark.django_db

TODAY = date(2024, 6, 30)
N = 300
PASSWORD = "pw-for-demo-tests"


def _seed(**kwargs):
    values = {"entities": N, "password": PASSWORD, "seed": 7, "today": TODAY}
    values.update(kwargs)
    return seed_demo(**values)


def _register():
    return set(MarketEntity.objects.values_list("uscc", "name"))


def test_seed_creates_the_district_organisation_and_register():
    summary = _seed()
    assert summary.entities_created == N == MarketEntity.objects.count()
    assert summary.entities_existing == 0
    assert set(Office.objects.values_list("name", flat=True)) == {
        "山腰市场监督管理所", "南埔市场监督管理所", "界山市场监督管理所", "后龙市场监督管理所",
        "峰尾市场监督管理所", "涂岭市场监督管理所", "前黄市场监督管理所", "石化园区市场监督管理所",
    }
    assert Department.objects.get(name="信用监管股").kind == DepartmentKind.SECTION
    assert Department.objects.get(name="综合执法大队").kind == DepartmentKind.BRIGADE
    members = set(Department.objects.filter(kind=DepartmentKind.MEMBER).values_list("name", flat=True))
    assert {"国家税务总局泉州市泉港区税务局", "泉州市泉港区人民法院", "泉州市泉港区医疗保障局"} <= members
    assert len(members) == 5
    assert set(MarketEntity.objects.values_list("registration_authority", flat=True)) == {"泉州市泉港区市场监督管理局"}


def test_every_code_is_a_valid_district_code_of_its_type():
    _seed()
    prefix = {EntityType.ENTERPRISE: "91", EntityType.INDIVIDUAL: "92", EntityType.COOPERATIVE: "93"}
    for uscc, entity_type in MarketEntity.objects.values_list("uscc", "entity_type"):
        assert uscc_error(uscc) is None, uscc
        assert uscc[:2] == prefix[entity_type]
        assert uscc[2:8] == "350505"


def test_every_industry_code_is_valid_and_a_class_of_the_catalogue():
    _seed()
    sections = division_sections()
    classes = set(Industry.objects.filter(level="class").values_list("code", flat=True))
    used = set(MarketEntity.objects.values_list("industry_code", flat=True))
    assert len(used) > 30
    for code in used:
        assert industry_code_error(code, sections) is None, code
        assert code in classes, code


def test_office_follows_the_town_of_the_address():
    _seed()
    town_of_office = {town.office_code: town for town in TOWNS}
    for entity in MarketEntity.objects.select_related("office"):
        if entity.office.code == PARK_OFFICE_CODE:
            assert "泉港石化工业园区" in entity.address
            assert entity.entity_type == EntityType.ENTERPRISE
        else:
            assert entity.address.startswith(f"泉州市泉港区{town_of_office[entity.office.code].full}")


def test_entities_not_active_have_a_status_history_and_active_ones_none():
    _seed()
    ended = MarketEntity.objects.exclude(status=RegistrationStatus.ACTIVE)
    assert ended.exists()
    assert not StatusChange.objects.filter(entity__status=RegistrationStatus.ACTIVE).exists()
    for entity in ended.prefetch_related("status_changes"):
        first, change = sorted(entity.status_changes.all(), key=lambda c: c.changed_at)
        assert (first.old_status, first.new_status) == ("", RegistrationStatus.ACTIVE)
        assert timezone.localdate(first.changed_at) == entity.established_on
        assert (change.old_status, change.new_status) == (RegistrationStatus.ACTIVE, entity.status)
        assert entity.established_on < timezone.localdate(change.changed_at) <= TODAY
        if entity.status == RegistrationStatus.SUSPENDED:
            assert timezone.localdate(change.changed_at) >= date(2022, 3, 1)


def test_the_five_demo_users_log_in_with_the_password_and_have_their_role(client):
    _seed()
    expected = {
        "admin": Role.ADMIN, "leader": Role.LEADER, "credit": Role.SECTION, "office": Role.OFFICE,
        "discipline": Role.DISCIPLINE,
    }
    for username, role in expected.items():
        assert client.login(username=username, password=PASSWORD), username
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role.value]
        assert user.full_name
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    credit = User.objects.get(username="credit")
    assert credit.department.name == "信用监管股" and credit.sees_whole_district
    office = User.objects.get(username="office")
    assert office.office.name == "山腰市场监督管理所" and not office.sees_whole_district
    assert not office.is_staff
    own = MarketEntity.objects.filter(office=office.office).count()
    assert MarketEntity.objects.for_user(office).count() == own > 0


def test_second_run_resets_passwords_without_duplicating_users(client):
    _seed(entities=10)
    _seed(entities=10, password="another-pw-2024")
    assert User.objects.filter(username__in=["admin", "leader", "credit", "office", "discipline"]).count() == 5
    assert not client.login(username="credit", password=PASSWORD)
    assert client.login(username="credit", password="another-pw-2024")
    assert Group.objects.get(name=Role.SECTION.value).user_set.count() == 1


def test_second_run_with_the_same_arguments_creates_nothing():
    _seed()
    counts = (MarketEntity.objects.count(), StatusChange.objects.count(), Office.objects.count(),
              Department.objects.count(), User.objects.count(), Industry.objects.count())
    register = _register()
    summary = _seed()
    assert (summary.entities_created, summary.entities_existing) == (0, N)
    assert (summary.offices_created, summary.departments_created, summary.users_created) == (0, 0, 0)
    assert summary.status_changes_created == 0
    assert (MarketEntity.objects.count(), StatusChange.objects.count(), Office.objects.count(),
            Department.objects.count(), User.objects.count(), Industry.objects.count()) == counts
    assert _register() == register


def test_a_larger_run_keeps_the_smaller_runs_rows_and_adds_the_rest():
    _seed(entities=100)
    smaller = _register()
    summary = _seed(entities=N)
    assert summary.entities_created == N - 100
    assert smaller < _register()


def test_same_seed_gives_the_same_register_and_another_seed_a_different_one():
    _seed()
    first = _register()
    MarketEntity.objects.all().delete()
    _seed()
    assert _register() == first
    MarketEntity.objects.all().delete()
    _seed(seed=8)
    other = _register()
    assert len(other) == N
    assert not {uscc for uscc, _ in first} & {uscc for uscc, _ in other}


def test_generator_is_deterministic_and_keeps_codes_and_names_unique():
    rows = list(generate_entities(count=3000, seed=11, today=TODAY))
    assert rows == list(generate_entities(count=3000, seed=11, today=TODAY))
    assert len({r.uscc for r in rows}) == len({r.name for r in rows}) == 3000


def test_type_mix_statuses_and_dates_look_like_a_district_register():
    rows = list(generate_entities(count=5000, seed=2023, today=TODAY))
    types = Counter(r.entity_type for r in rows)
    assert 0.31 <= types[EntityType.ENTERPRISE] / 5000 <= 0.39
    assert 0.58 <= types[EntityType.INDIVIDUAL] / 5000 <= 0.66
    assert 0.015 <= types[EntityType.COOPERATIVE] / 5000 <= 0.045
    statuses = Counter(r.status for r in rows)
    assert statuses[RegistrationStatus.ACTIVE] / 5000 > 0.75
    assert all(statuses[s] for s in RegistrationStatus.values)
    assert all(date(1995, 1, 1) <= r.established_on <= TODAY for r in rows)
    recent = sum(r.established_on > TODAY - timedelta(days=3650) for r in rows)
    early = sum(r.established_on < date(2005, 1, 1) for r in rows)
    assert recent > 2 * early > 0
    assert 0.4 < sum(bool(r.phone) for r in rows) / 5000 < 0.8


def test_enterprise_mix_is_weighted_to_the_petrochemical_base():
    rows = [r for r in generate_entities(count=5000, seed=2023, today=TODAY) if r.entity_type == EntityType.ENTERPRISE]
    petrochemical = sum(r.industry_code[:3] in ("C25", "C26", "C28", "C29", "G54", "G59", "F51") for r in rows)
    assert petrochemical / len(rows) > 0.4
    park = [r for r in rows if r.office_code == PARK_OFFICE_CODE]
    assert park and sum(r.industry_code[:3] in ("C25", "C26") for r in park) / len(park) > 0.4


def test_names_follow_the_registration_patterns():
    for row in generate_entities(count=1000, seed=5, today=TODAY):
        if row.entity_type == EntityType.ENTERPRISE:
            assert row.name.endswith("有限公司") and row.name.startswith(("泉州市泉港区", "泉州", "福建"))
        elif row.entity_type == EntityType.INDIVIDUAL:
            assert row.name.startswith("泉港区")
        else:
            assert row.name.startswith("泉港区") and row.name.endswith("专业合作社")
        assert 2 <= len(row.legal_rep) <= 3


def test_command_prints_a_chinese_summary_and_rejects_a_negative_count():
    out = StringIO()
    call_command("seed_demo", "--entities", "20", "--password", PASSWORD, "--seed", "3", stdout=out)
    assert "演示数据已就绪" in out.getvalue()
    assert "市场主体：新增 20 户" in out.getvalue()
    assert MarketEntity.objects.count() == 20
    with pytest.raises(CommandError, match="不能为负数"):
        call_command("seed_demo", "--entities", "-1", stdout=StringIO())


def test_codes_and_names_do_not_depend_on_the_day_of_the_run():
    earlier = [(r.uscc, r.name) for r in generate_entities(count=2000, seed=2023, today=TODAY)]
    later = [(r.uscc, r.name) for r in generate_entities(count=2000, seed=2023, today=TODAY + timedelta(days=400))]
    assert earlier == later


def test_a_run_on_a_later_day_adds_nothing():
    _seed()
    summary = _seed(today=TODAY + timedelta(days=400))
    assert (summary.entities_created, summary.entities_existing) == (0, N)
    assert MarketEntity.objects.count() == N


def test_entity_page_timeline_shows_the_status_change(client):
    _seed()
    entity = MarketEntity.objects.filter(status=RegistrationStatus.DEREGISTERED).first()
    client.login(username="credit", password=PASSWORD)
    html = client.get(reverse("registry:entity_detail", args=[entity.pk])).content.decode()
    assert entity.name in html
    assert "存续 → 注销" in html


def test_every_industry_the_demo_draws_from_is_a_class_of_the_catalogue():
    classes = {code for code, _, level, _ in catalogue_rows() if level == "class"}
    drawn = [i[0] for i in (*ENTERPRISE_INDUSTRIES, *INDIVIDUAL_INDUSTRIES, *COOPERATIVE_INDUSTRIES)]
    assert [code for code in drawn if code not in classes] == []
