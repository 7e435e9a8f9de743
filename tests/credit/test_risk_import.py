"""Importing the provincial platform's risk-class results: every row error in Chinese, all or nothing, corrections."""
import io
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.choices import AuditAction
from core.importing import DATE_FORMATS, ImportFileError
from core.models import AuditLog
from credit.excel import RISK_HEADERS
from credit.importer import risk_classes_import
from credit.models import EntityRiskClass
from credit.selectors import current_risk_classes
from tests.factories import make_entity, make_uscc
from tests.registry.test_import import write_xlsx

pytestmark = pytest.mark.django_db


def class_row(entity, risk_class="B", on=date(2024, 3, 31), class_type="通用", **values) -> dict:
    row = {"统一社会信用代码": entity.uscc if hasattr(entity, "uscc") else entity, "名称": getattr(entity, "name", ""),
           "风险类别": risk_class, "分类日期": on, "分类类型": class_type}
    row.update(values)
    return row


def run(tmp_path, rows, name="分类.xlsx", **kwargs):
    path = write_xlsx(tmp_path / name, rows, headers=kwargs.pop("headers", RISK_HEADERS))
    return risk_classes_import(path=path, file_name=path.name, **kwargs)


@pytest.fixture
def entities(office_a):
    return [make_entity(office_a) for _ in range(3)]


def test_a_good_file_records_each_class_with_its_type_date_and_job(tmp_path, entities, section_user):
    first, second, third = entities
    report = run(tmp_path, [
        class_row(first, "A"), class_row(second, "c类"), class_row(third, "D", class_type="食品"),
        class_row(first, "B", on="2024/6/30"),
    ], user=section_user)
    assert report.ok and report.written
    assert (report.rows, report.created, report.updated, report.unchanged) == (4, 4, 0, 0)
    assert report.summary() == "导入完成。共 4 行：新增 4 条分类结果，更正 0 条，无变化 0 条。"
    assert current_risk_classes() == {first.pk: "B", second.pk: "C"}
    assert current_risk_classes(domain="食品") == {first.pk: "B", second.pk: "C", third.pk: "D"}
    food = EntityRiskClass.objects.get(entity=third)
    assert food.domain.name == "食品" and food.classified_on == date(2024, 3, 31)
    log = AuditLog.objects.get(action=AuditAction.IMPORT)
    assert log.actor == section_user and log.extra["created"] == 4


def test_every_kind_of_row_error_is_reported_in_chinese_and_nothing_is_written(tmp_path, entities):
    first, second, third = entities
    unknown = make_uscc(777777)
    tomorrow = timezone.localdate() + timedelta(days=1)
    report = run(tmp_path, [
        class_row(first, "A"),                                   # row 2: good
        class_row(unknown, "B"),                                 # row 3: not in the register
        class_row(second, "E"),                                  # row 4: no such class
        class_row(second, "B", on="2024-02-30"),                 # row 5: no such date
        class_row(second, "B", class_type="烟花爆竹"),            # row 6: no such domain
        class_row(third, "B", on=tomorrow),                      # row 7: in the future
        class_row(first, "C"),                                   # row 8: same entity, type and date as row 2
        class_row(third, "", on=None, class_type=""),            # row 9: three empty required cells
    ])
    assert not report.ok and not report.written
    assert [str(e) for e in report.errors] == [
        f"第 3 行 · 统一社会信用代码 · 统一社会信用代码 {unknown} 不在市场主体名录中，请先导入该主体",
        "第 4 行 · 风险类别 · “E”不是有效的风险类别，应为 A、B、C、D 之一",
        f"第 5 行 · 分类日期 · “2024-02-30”不是有效日期（{DATE_FORMATS}）",
        "第 6 行 · 分类类型 · “烟花爆竹”不是系统中的分类类型，应为：通用、食品、特种设备、工业产品、药品、化妆品、"
        "医疗器械",
        f"第 7 行 · 分类日期 · 分类日期 {tomorrow.isoformat()} 晚于今天",
        f"第 8 行 · 统一社会信用代码 · {first.uscc} 的通用分类（2024-03-31）与第 2 行重复",
        "第 9 行 · 风险类别 · 必填项为空",
        "第 9 行 · 分类日期 · 必填项为空",
        "第 9 行 · 分类类型 · 必填项为空",
    ]
    assert report.error_count == 9 and report.bad_rows == 7
    assert report.summary() == "文件中有 9 处错误（涉及 7 行），未导入任何数据。"
    assert not EntityRiskClass.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.IMPORT).exists()


def test_reimport_leaves_equal_results_alone_and_corrects_a_changed_class_with_an_audit_record(tmp_path, entities):
    first, second, _ = entities
    run(tmp_path, [class_row(first, "A"), class_row(second, "B")])
    again = [class_row(first, "A"), class_row(second, "D"), class_row(second, "C", on=date(2024, 4, 30))]
    report = run(tmp_path, again, name="again.xlsx")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert EntityRiskClass.objects.count() == 3
    assert EntityRiskClass.objects.get(entity=second, classified_on=date(2024, 3, 31)).risk_class == "D"
    correction = AuditLog.objects.for_object(second).get(action=AuditAction.UPDATE)
    assert correction.changes == {"risk_class": ["B", "D"]}
    assert correction.summary == "更正信用风险分类（通用，2024-03-31）"


def test_dry_run_checks_and_counts_but_writes_nothing(tmp_path, entities):
    report = run(tmp_path, [class_row(entities[0], "A")], dry_run=True)
    assert report.ok and not report.written and report.created == 1
    assert report.summary().startswith("试运行：校验通过。")
    assert not EntityRiskClass.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.IMPORT).exists()


def test_headers_are_matched_by_name_in_any_order_and_the_platforms_spellings_are_accepted(tmp_path, entities):
    headers = ["分类时间", "企业名称", "专业领域", "统一社会信用代码", "信用风险分类", "备注"]
    rows = [[date(2024, 1, 31), "某公司", "通用型", entities[0].uscc, "A", "省平台导出"]]
    report = run(tmp_path, rows, headers=headers)
    assert report.ok and current_risk_classes() == {entities[0].pk: "A"}


def test_a_file_without_the_required_columns_is_refused(tmp_path, entities):
    with pytest.raises(ImportFileError, match="缺少必填列：分类日期、分类类型"):
        run(tmp_path, [[entities[0].uscc, "A"]], headers=["统一社会信用代码", "风险类别"])
    with pytest.raises(ImportFileError, match="表头下面没有数据行"):
        run(tmp_path, [])


def test_command_imports_and_exits_non_zero_on_row_errors(tmp_path, entities):
    good = write_xlsx(tmp_path / "good.xlsx", [class_row(entities[0], "C")], headers=RISK_HEADERS)
    out = io.StringIO()
    call_command("import_risk_classes", str(good), stdout=out)
    assert "导入完成。共 1 行：新增 1 条分类结果" in out.getvalue()
    bad = write_xlsx(tmp_path / "bad.xlsx", [class_row(entities[1], "X")], headers=RISK_HEADERS)
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_risk_classes", str(bad), stderr=err)
    assert info.value.returncode == 1
    assert "第 2 行 · 风险类别 · “X”不是有效的风险类别" in err.getvalue()
    dry = write_xlsx(tmp_path / "dry.xlsx", [class_row(entities[1], "A")], headers=RISK_HEADERS)
    call_command("import_risk_classes", str(dry), "--dry-run", stdout=io.StringIO())
    assert EntityRiskClass.objects.count() == 1
    with pytest.raises(CommandError) as info:
        call_command("import_risk_classes", str(tmp_path / "missing.xlsx"))
    assert info.value.returncode == 2


def test_the_current_class_kept_beside_the_history_follows_every_import(tmp_path, entities):
    from credit.models import CurrentRiskClass

    first, second, third = entities

    def current():
        return dict(CurrentRiskClass.objects.values_list("entity_id", "risk_class"))

    run(tmp_path, [class_row(first, "B", on=date(2024, 3, 31)), class_row(second, "A", class_type="食品")])
    assert current() == current_risk_classes() == {first.pk: "B"}
    run(tmp_path, [class_row(first, "D", on=date(2024, 1, 31)), class_row(third, "C")], name="older.xlsx")
    assert current() == current_risk_classes() == {first.pk: "B", third.pk: "C"}  # an older result is history
    run(tmp_path, [class_row(first, "A", on=date(2024, 3, 31))], name="correction.xlsx")
    assert current() == current_risk_classes() == {first.pk: "A", third.pk: "C"}
    run(tmp_path, [class_row(second, "D")], name="dry.xlsx", dry_run=True)
    assert current() == {first.pk: "A", third.pk: "C"}
