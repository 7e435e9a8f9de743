"""The GB/T 4754-2017 catalogue loaded by migration 0003: its shape, code validation and labels."""
import importlib
import string

import pytest
from django.apps import apps as django_apps

from registry.codes import industry_code_error, normalise_industry_code
from registry.industry_data import catalogue_rows
from registry.models import Industry
from registry.selectors import division_sections, industry_label, industry_names

pytestmark = pytest.mark.django_db


def test_catalogue_holds_the_twenty_sections():
    sections = Industry.objects.filter(level="section")
    assert sections.count() == 20
    assert set(sections.values_list("code", flat=True)) == set(string.ascii_uppercase[:20])
    assert not sections.filter(parent__isnull=False).exists()
    assert Industry.objects.get(code="C").name == "制造业"


def test_catalogue_holds_all_97_divisions():
    codes = list(Industry.objects.filter(level="division").values_list("code", flat=True))
    assert len(codes) == 97
    assert sorted(code[1:] for code in codes) == [f"{n:02d}" for n in range(1, 98)]
    assert Industry.objects.get(code="C26").name == "化学原料和化学制品制造业"
    assert Industry.objects.get(code="G59").name == "装卸搬运和仓储业"


def test_every_division_hangs_under_the_section_of_its_letter():
    for division in Industry.objects.filter(level="division").select_related("parent"):
        assert division.parent.level == "section"
        assert division.parent.code == division.code[0]


def test_every_group_and_class_hangs_under_its_parent_in_the_same_section():
    sections = division_sections()
    for node in Industry.objects.filter(level__in=["group", "class"]).select_related("parent"):
        expected_parent_level = "division" if node.level == "group" else "group"
        assert node.parent.level == expected_parent_level, node.code
        assert node.parent.code == node.code[:-1], node.code
        assert sections[node.code[1:3]] == node.code[0], node.code


def test_every_class_code_is_valid_by_the_code_rule():
    sections = division_sections()
    classes = list(Industry.objects.filter(level="class").values_list("code", flat=True))
    assert len(classes) > 250
    assert [code for code in classes if industry_code_error(code, sections)] == []


@pytest.mark.parametrize(("code", "name"), [
    ("C2511", "原油加工及石油制品制造"),
    ("C2614", "有机化学原料制造"),
    ("C2651", "初级形态塑料及合成树脂制造"),
    ("C2927", "日用塑料制品制造"),
    ("C2929", "塑料零件及其他塑料制品制造"),
    ("G5435", "危险货物道路运输"),
    ("G594", "危险品仓储"),
    ("G5942", "危险化学品仓储"),
    ("F5212", "超级市场零售"),
    ("H6210", "正餐服务"),
    ("E4790", "其他房屋建筑业"),
])
def test_known_nodes_carry_their_official_names(code, name):
    assert Industry.objects.get(code=code).name == name


def test_code_rule_accepts_a_class_of_its_section():
    assert industry_code_error("C2651", division_sections()) is None


def test_code_rule_rejects_a_division_of_another_section():
    error = industry_code_error("C0151", division_sections())
    assert error == "行业大类 01 属于门类 A，不属于门类 C"


@pytest.mark.parametrize("code", ["X1234", "C26", "C265", "C26511", "2651", ""])
def test_code_rule_rejects_malformed_codes(code):
    assert industry_code_error(code, division_sections()) is not None


def test_code_rule_wants_normalised_codes_and_normalisation_makes_them_valid():
    sections = division_sections()
    assert industry_code_error("c2651", sections) is not None
    for raw in ("c2651", " C 2651 ", "c2651\u3000"):
        assert normalise_industry_code(raw) == "C2651"
        assert industry_code_error(normalise_industry_code(raw), sections) is None


def test_label_is_the_finest_level_held():
    names = industry_names()
    assert industry_label("C2651", names) == "初级形态塑料及合成树脂制造"
    assert "C2618" not in names  # not a class of the standard: the group's name is the finest held
    assert industry_label("C2618", names) == "基础化学原料制造"
    assert "C2699" not in names and "C269" not in names
    assert industry_label("C2699", names) == "化学原料和化学制品制造业"


def test_a_class_an_administrator_adds_is_shown_by_name():
    group = Industry.objects.get(code="C136")
    Industry.objects.create(code="C1363", name="鱼油提取及制品制造", level="class", parent=group)
    assert industry_label("C1363", industry_names()) == "鱼油提取及制品制造"


def test_migration_reverses_and_loads_again():
    migration = importlib.import_module("registry.migrations.0003_industry_catalogue")
    total = Industry.objects.count()
    assert total == len(catalogue_rows())
    migration.unload_catalogue(django_apps, None)
    assert Industry.objects.count() == 0
    migration.load_catalogue(django_apps, None)
    assert Industry.objects.count() == total
    assert Industry.objects.get(code="C2651").parent.code == "C265"


def test_catalogue_data_has_no_duplicate_codes():
    codes = [code for code, _, _, _ in catalogue_rows()]
    assert len(codes) == len(set(codes))
