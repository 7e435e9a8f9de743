"""Fixtures of the annual-report tests: a season whose dates are fixed, entities of each type, an import helper."""
from datetime import date

import pytest

from annual_reports.importer import annual_reports_import
from annual_reports.services import season_open
from registry.choices import EntityType
from tests.factories import make_entity
from tests.registry.test_import import write_xlsx

HEADERS = ["统一社会信用代码", "报告年度", "报送日期", "报送方式", "名称", "是否公示"]
YEAR = 2024  # the 2024 reports are filed 1 January – 30 June 2025 (all in the past for the tests)


@pytest.fixture
def enterprise(office_a):
    return make_entity(office_a, established_on=date(2019, 3, 1))


@pytest.fixture
def individual(office_a):
    return make_entity(office_a, entity_type=EntityType.INDIVIDUAL, name="泉港测试便利店",
                       established_on=date(2020, 6, 1))


@pytest.fixture
def other_enterprise(office_b):
    return make_entity(office_b, established_on=date(2018, 1, 1))


@pytest.fixture
def season(section_user, enterprise, individual, other_enterprise):
    return season_open(year=YEAR, by=section_user)


def row(entity, filed_on=None, channel=None, year=YEAR, **extra):
    values = {"统一社会信用代码": getattr(entity, "uscc", entity), "报告年度": year,
              "报送日期": filed_on or "", "报送方式": channel if channel is not None else ("网页" if filed_on else ""),
              "名称": getattr(entity, "name", "")}
    values.update(extra)
    return values


def run(tmp_path, rows, name="年报.xlsx", **kwargs):
    path = write_xlsx(tmp_path / name, rows, headers=kwargs.pop("headers", HEADERS))
    return annual_reports_import(path=path, file_name=path.name, **kwargs)
