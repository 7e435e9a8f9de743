"""The internal-only rule: no publication export ever carries a credit-risk class."""
import io
from datetime import date

import pytest
from python_calamine import CalamineWorkbook

from credit.choices import RiskClass
from credit.publication import (
    PUBLICATION_EXPORTS,
    InternalDataError,
    check_publishable_headers,
    publication_workbook,
)
from registry.exporter import entity_workbook
from registry.models import MarketEntity
from tests.credit.conftest import give_class
from tests.factories import make_entity

CLASS_VALUES = {c.value for c in RiskClass} | {c.label for c in RiskClass}


def cells(book) -> list[list]:
    data = b"".join(book.iter_bytes())
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [row for name in workbook.sheet_names for row in workbook.get_sheet_by_name(name).to_python()]


@pytest.fixture
def classified_register(office_a, office_b):
    """Entities of every class, general and professional, so that a leak would show."""
    for i, risk_class in enumerate("ABCD" * 2):
        entity = make_entity(office_a if i % 2 else office_b)
        give_class(entity, risk_class, date(2024, 1, 31))
        give_class(entity, risk_class, date(2024, 1, 31), domain="食品")


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PUBLICATION_EXPORTS) or ["（尚无对外公开的导出）"])
def test_every_publication_export_is_free_of_class_values(classified_register, name):
    if name not in PUBLICATION_EXPORTS:
        pytest.skip("目前没有登记为对外公开的导出")
    rows = cells(PUBLICATION_EXPORTS[name]())
    assert rows, "导出为空，无法检查"
    for row in rows:
        for value in row:
            assert not (isinstance(value, str) and value.strip() in CLASS_VALUES), (name, value)
    check_publishable_headers([str(v) for v in rows[0]])


@pytest.mark.django_db
def test_the_register_export_is_internal_and_would_be_refused_as_a_publication(classified_register):
    """The register export carries the class (an internal export); the rule refuses it as a publication."""
    rows = cells(entity_workbook(MarketEntity.objects.order_by("id"), show_phone=False))
    assert rows[0][-1] == "风险类别" and {r[-1] for r in rows[1:]} == {"A", "B", "C", "D"}
    assert "市场主体名录" not in PUBLICATION_EXPORTS
    with pytest.raises(InternalDataError, match="对外公开的材料不得包含信用风险分类（列“风险类别”）"):
        publication_workbook([("名录", rows[0], rows[1:])])


@pytest.mark.parametrize("header", ["风险类别", "信用风险分类", "风险等级", "分类结果", "企业信用等级"])
def test_class_columns_are_refused_under_any_usual_name(header):
    with pytest.raises(InternalDataError):
        check_publishable_headers(["名称", header])


@pytest.mark.parametrize("text", ["C 类（信用风险较高）", "该企业为D类（信用风险高）", "A类(信用风险低)"])
def test_class_labels_in_cells_are_refused_while_streaming(text):
    book = publication_workbook([("提示", ["标题", "正文"], [["信用风险提示", text]])])
    with pytest.raises(InternalDataError):
        b"".join(book.iter_bytes())


def test_ordinary_publication_text_passes():
    book = publication_workbook([("提示", ["标题", "正文"], [["年报提示", "请于 6 月 30 日前报送 2023 年度报告。"]])])
    assert cells(book)[1] == ["年报提示", "请于 6 月 30 日前报送 2023 年度报告。"]
