"""Importing the register from .xlsx: good files, re-imports with changes, broken files and every row error."""
import io
import re
import zipfile
from datetime import date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from core.choices import AuditAction
from core.models import AuditLog
from registry.choices import EntityType, RegistrationStatus
from registry.codes import uscc_check_char
from registry.excel import HEADERS
from registry.importer import ImportFileError, entities_import
from registry.models import MarketEntity, StatusChange, UsccException
from tests.factories import make_entity, make_uscc

pytestmark = pytest.mark.django_db

WRITERS = ["postgres", "orm"]


# ------------------------------------------------------------------------------------------------------------
# Building test workbooks (shared with test_import_views.py and test_import_worker.py)
# ------------------------------------------------------------------------------------------------------------

def entity_row(n: int = 1, **values) -> dict:
    """One valid row of the template, keyed by header; values override by header name."""
    row = {
        "统一社会信用代码": make_uscc(900000 + n),
        "名称": f"泉港导入测试企业{n}有限公司",
        "市场主体类型": "企业",
        "法定代表人": f"林{n}",
        "行业代码": "C2651",
        "住所": f"泉州市泉港区山腰街道{n}号",
        "登记机关": "泉州市泉港区市场监督管理局",
        "管辖单位": "山腰市场监督管理所",
        "成立日期": date(2019, 3, 1),
        "登记状态": "存续",
        "联系电话": "13905950000",
    }
    row.update(values)
    return row


def write_xlsx(path, rows, *, headers=None, above=(), merge=(), first_col: int = 1):
    """Write rows (dicts keyed by header, or lists) under the header row, below any title rows."""
    headers = list(HEADERS if headers is None else headers)
    wb = Workbook()
    ws = wb.active
    ws.title = "市场主体名录"
    r = 1
    for line in above:
        for c, value in enumerate(line):
            ws.cell(row=r, column=first_col + c, value=value)
        r += 1
    for c, header in enumerate(headers):
        ws.cell(row=r, column=first_col + c, value=header)
    for row in rows:
        r += 1
        values = [row.get(h, "") for h in headers] if isinstance(row, dict) else row
        for c, value in enumerate(values):
            if value not in ("", None):
                ws.cell(row=r, column=first_col + c, value=value)
    for ref in merge:
        ws.merge_cells(ref)
    wb.save(path)
    return path


def run_import(path, **kwargs):
    kwargs.setdefault("file_name", path.name)
    return entities_import(path=path, **kwargs)


def errors_of(report) -> list[str]:
    return [str(e) for e in report.errors]


def assert_nothing_written():
    assert MarketEntity.objects.count() == 0
    assert StatusChange.objects.count() == 0
    assert not AuditLog.objects.filter(action__in=[AuditAction.IMPORT, AuditAction.UPDATE]).exists()


@pytest.fixture
def offices(office_a, office_b):
    return office_a, office_b


# ------------------------------------------------------------------------------------------------------------
# Good files
# ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("writer", WRITERS)
def test_good_file_creates_entities(tmp_path, offices, section_user, writer):
    rows = [entity_row(1), entity_row(2, 市场主体类型="个体工商户", 登记状态="歇业", 法定代表人=""),
            entity_row(3, 市场主体类型="农民专业合作社", 管辖单位="南埔市场监督管理所", 联系电话="")]
    path = write_xlsx(tmp_path / "名录.xlsx", rows)
    report = run_import(path, user=section_user, writer=writer)

    assert report.ok and report.written
    assert (report.rows, report.created, report.updated, report.unchanged) == (3, 3, 0, 0)
    first = MarketEntity.objects.get(uscc=rows[0]["统一社会信用代码"])
    assert first.name == "泉港导入测试企业1有限公司"
    assert first.entity_type == EntityType.ENTERPRISE
    assert first.office == offices[0]
    assert first.established_on == date(2019, 3, 1)
    assert first.industry_code == "C2651" and first.phone == "13905950000"
    second = MarketEntity.objects.get(uscc=rows[1]["统一社会信用代码"])
    assert (second.entity_type, second.status, second.legal_rep) == (EntityType.INDIVIDUAL, "suspended", "")
    third = MarketEntity.objects.get(uscc=rows[2]["统一社会信用代码"])
    assert (third.entity_type, third.office, third.phone) == (EntityType.COOPERATIVE, offices[1], "")
    # A new entity's status is on the entity itself: no StatusChange row (the history keeps real changes only).
    assert not StatusChange.objects.exists()
    log = AuditLog.objects.get(action=AuditAction.IMPORT)
    assert log.actor == section_user
    assert log.extra == {"file": "名录.xlsx", "rows": 3, "created": 3, "updated": 0, "unchanged": 0, "job": None}
    assert not AuditLog.objects.filter(action=AuditAction.UPDATE).exists()


@pytest.mark.parametrize("writer", WRITERS)
def test_reimport_updates_changed_rows_and_records_before_and_after(tmp_path, offices, section_user, writer):
    office_a, office_b = offices
    rows = [entity_row(1), entity_row(2), entity_row(3)]
    run_import(write_xlsx(tmp_path / "first.xlsx", rows), user=section_user, writer=writer)
    untouched = MarketEntity.objects.get(uscc=rows[1]["统一社会信用代码"])

    rows[0].update(名称="泉港导入测试企业1（更名）有限公司", 登记状态="注销")
    rows[2].update(管辖单位="南埔市场监督管理所", 成立日期="2020-07-15")
    rows.append(entity_row(4))
    report = run_import(write_xlsx(tmp_path / "second.xlsx", rows), user=section_user, writer=writer)

    assert (report.rows, report.created, report.updated, report.unchanged) == (4, 1, 2, 1)
    renamed = MarketEntity.objects.get(uscc=rows[0]["统一社会信用代码"])
    assert renamed.name == "泉港导入测试企业1（更名）有限公司"
    assert renamed.status == RegistrationStatus.DEREGISTERED
    log = AuditLog.objects.for_object(renamed).get(action=AuditAction.UPDATE)
    assert log.changes == {"name": ["泉港导入测试企业1有限公司", "泉港导入测试企业1（更名）有限公司"],
                           "status": ["active", "deregistered"]}
    assert log.actor == section_user
    assert log.summary == "导入文件 second.xlsx 更新：名称、登记状态"
    assert log.target_repr == renamed.name
    change = StatusChange.objects.get(entity=renamed, old_status="active")
    assert (change.new_status, change.changed_by, change.source) == ("deregistered", section_user,
                                                                     "导入文件 second.xlsx")

    moved = MarketEntity.objects.get(uscc=rows[2]["统一社会信用代码"])
    assert moved.office == office_b and moved.established_on == date(2020, 7, 15)
    assert AuditLog.objects.for_object(moved).get(action=AuditAction.UPDATE).changes == {
        "office": [office_a.name, office_b.name], "established_on": ["2019-03-01", "2020-07-15"],
    }
    assert not StatusChange.objects.filter(entity=moved).exclude(old_status="").exists()

    same = MarketEntity.objects.get(pk=untouched.pk)
    assert same.updated_at == untouched.updated_at
    assert not AuditLog.objects.for_object(same).exists()
    assert not StatusChange.objects.filter(entity=same).exists()
    assert StatusChange.objects.count() == 1  # the one real change (renamed: active → deregistered)
    imports = AuditLog.objects.filter(action=AuditAction.IMPORT).order_by("id")
    assert [log.extra["created"] for log in imports] == [3, 1]
    assert imports.last().extra["unchanged"] == 1


def test_reimport_of_identical_file_touches_nothing(tmp_path, offices):
    path = write_xlsx(tmp_path / "same.xlsx", [entity_row(1), entity_row(2)])
    run_import(path)
    before = list(MarketEntity.objects.order_by("id").values_list("id", "updated_at"))
    report = run_import(path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert list(MarketEntity.objects.order_by("id").values_list("id", "updated_at")) == before
    assert StatusChange.objects.count() == 0
    assert not AuditLog.objects.filter(action=AuditAction.UPDATE).exists()


def test_import_updates_an_entity_created_elsewhere(tmp_path, offices):
    existing = make_entity(offices[0], name="原名称有限公司", legal_rep="旧代表")
    row = entity_row(1, 统一社会信用代码=existing.uscc, 名称="新名称有限公司", 法定代表人="新代表",
                     成立日期=existing.established_on, 联系电话=existing.phone)
    report = run_import(write_xlsx(tmp_path / "u.xlsx", [row]))
    assert (report.created, report.updated) == (0, 1)
    existing.refresh_from_db()
    assert existing.name == "新名称有限公司"
    changes = AuditLog.objects.for_object(existing).get(action=AuditAction.UPDATE).changes
    assert changes["name"] == ["原名称有限公司", "新名称有限公司"]
    assert changes["legal_rep"] == ["旧代表", "新代表"]


def test_dry_run_checks_and_counts_but_writes_nothing(tmp_path, offices):
    report = run_import(write_xlsx(tmp_path / "d.xlsx", [entity_row(1), entity_row(2)]), dry_run=True)
    assert report.ok and not report.written
    assert (report.created, report.updated) == (2, 0)
    assert "试运行" in report.summary()
    assert_nothing_written()


# ------------------------------------------------------------------------------------------------------------
# What real spreadsheets look like
# ------------------------------------------------------------------------------------------------------------

def test_title_rows_columns_in_any_order_aliases_extra_columns_and_trailing_empty_rows(tmp_path, offices):
    headers = ["序号", "管辖单位", "名称", "统一社会信用代码", "登记状态", "成立日期", "行业代码", "市场主体类型",
               "法定代表人（负责人/经营者）", "备注"]
    row = entity_row(1)
    row["法定代表人（负责人/经营者）"] = "陈经营"
    path = write_xlsx(tmp_path / "t.xlsx", [{"序号": 1, **row, "备注": "无"}, {}, {}, {"序号": 2}],
                      headers=headers, above=[["泉港区市场主体名录（2023 年）"], ["填报单位：山腰所"]],
                      merge=["B1:K1"], first_col=2)
    report = run_import(path)
    assert report.ok, errors_of(report)
    assert report.rows == 1
    entity = MarketEntity.objects.get()
    assert (entity.legal_rep, entity.address, entity.phone) == ("陈经营", "", "")


def test_row_numbers_are_spreadsheet_rows_below_title_rows(tmp_path, offices):
    rows = [entity_row(1), entity_row(2, 登记状态="营业"), entity_row(3)]
    path = write_xlsx(tmp_path / "t.xlsx", rows, above=[["泉港区市场主体名录"], []])
    report = run_import(path)
    # Row 1 title, row 2 empty, row 3 header, row 4 first entity: the bad one is on row 5.
    assert errors_of(report) == ["第 5 行 · 登记状态 · “营业”不是有效的登记状态，应为：存续、歇业、吊销、注销、迁出"]


def test_dates_as_text_excel_dates_and_numbers(tmp_path, offices):
    values = ["2023-05-01", "2023/5/1", "2023年5月1日", "20230501", date(2023, 5, 1), datetime(2023, 5, 1, 9, 30),
              20230501, 45047, " 2023.05.01 ", "2023-05-01 00:00:00"]
    rows = [entity_row(i, 成立日期=value) for i, value in enumerate(values)]
    report = run_import(write_xlsx(tmp_path / "dates.xlsx", rows))
    assert report.ok, errors_of(report)
    assert set(MarketEntity.objects.values_list("established_on", flat=True)) == {date(2023, 5, 1)}


def test_lower_case_and_spaced_codes_are_normalised(tmp_path, offices):
    code = make_uscc(777)
    spaced = " " + code[:8].lower() + " " + code[8:12] + "　" + code[12:].lower() + " "
    report = run_import(write_xlsx(tmp_path / "c.xlsx", [entity_row(1, 统一社会信用代码=spaced, 行业代码=" c 2651 ")]))
    assert report.ok, errors_of(report)
    entity = MarketEntity.objects.get()
    assert (entity.uscc, entity.industry_code) == (code, "C2651")


def test_codes_typed_as_numbers_become_text(tmp_path, offices):
    report = run_import(write_xlsx(tmp_path / "n.xlsx", [entity_row(1, 联系电话=13905951234)]))
    assert report.ok
    assert MarketEntity.objects.get().phone == "13905951234"


def test_approved_legacy_code_passes_the_check_character_test(tmp_path, offices):
    code = make_uscc(4242)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    UsccException.objects.create(uscc=wrong, reason="历史代码，经核实")
    report = run_import(write_xlsx(tmp_path / "l.xlsx", [entity_row(1, 统一社会信用代码=wrong)]))
    assert report.ok, errors_of(report)
    assert MarketEntity.objects.filter(uscc=wrong).exists()


def _patch_sheet(path, replace):
    """Rewrite the first worksheet's XML (to give formulas the cached values Excel would have saved)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = replace(data.decode()).encode()
            target.writestr(item, data)
    path.write_bytes(buffer.getvalue())
    return path


def test_formulas_with_saved_results_import_the_results(tmp_path, offices):
    path = write_xlsx(tmp_path / "f.xlsx", [entity_row(1, 名称='="泉港"&"公式企业"', 法定代表人="=UPPER(\"lin\")")])
    _patch_sheet(path, lambda xml: xml.replace('<f>"泉港"&amp;"公式企业"</f><v />',
                                               '<f>"泉港"&amp;"公式企业"</f><v>泉港公式企业</v>')
                 .replace('<c r="B2">', '<c r="B2" t="str">')
                 .replace('<f>UPPER("lin")</f><v />', '<f>UPPER("lin")</f><v>LIN</v>')
                 .replace('<c r="D2">', '<c r="D2" t="str">'))
    report = run_import(path)
    assert report.ok, errors_of(report)
    assert MarketEntity.objects.get().name == "泉港公式企业"
    assert MarketEntity.objects.get().legal_rep == "LIN"


def test_formulas_without_saved_results_are_reported_and_nothing_is_written(tmp_path, offices):
    rows = [entity_row(1), entity_row(2, 名称="=A3&\"公司\"", 联系电话="=\"139\"&\"0595\"")]
    report = run_import(write_xlsx(tmp_path / "f.xlsx", rows))
    message = "单元格是公式，但文件中没有保存计算结果；请用 Excel 或 WPS 打开并保存，或将公式“粘贴为数值”后再导入"
    assert errors_of(report) == [f"第 3 行 · 名称 · {message}", f"第 3 行 · 联系电话 · {message}"]
    assert_nothing_written()


def test_merged_cells_in_the_data_are_reported_and_nothing_is_written(tmp_path, offices):
    rows = [entity_row(1), entity_row(2, 管辖单位=""), entity_row(3, 管辖单位="")]
    report = run_import(write_xlsx(tmp_path / "m.xlsx", rows, merge=["H2:H4"]))
    message = "位于合并单元格 H2:H4 中，只有首格有值；请取消合并，并在每一行填写完整后再导入"
    assert errors_of(report) == [f"第 3 行 · 管辖单位 · {message}", f"第 4 行 · 管辖单位 · {message}"]
    assert_nothing_written()


# ------------------------------------------------------------------------------------------------------------
# Broken files: one clear message, nothing written
# ------------------------------------------------------------------------------------------------------------

def _zip_with(path, files: dict):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def _text_file(path):
    path.write_text("统一社会信用代码,名称\n1,2\n", encoding="utf-8")
    return path


def _empty_file(path):
    path.write_bytes(b"")
    return path


def _old_xls(path):
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    return path


def _truncated_xlsx(path):
    data = write_xlsx(path, [entity_row(1)]).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _empty_workbook(path):
    Workbook().save(path)
    return path


BROKEN = {
    "not a zip": (_text_file, "文件不是 Excel 工作簿（.xlsx）"),
    "empty file": (_empty_file, "文件是空的"),
    "old xls": (_old_xls, "旧版 Excel 97-2003（.xls）"),
    "zip that is not xlsx": (lambda p: _zip_with(p, {"说明.txt": "不是表格"}), "是 zip 压缩包，但不是 Excel 工作簿"),
    "truncated xlsx": (_truncated_xlsx, "文件已损坏"),
    "corrupt workbook": (lambda p: _zip_with(p, {"xl/workbook.xml": "<workbook><sheets>", "[Content_Types].xml": "<"}),
                         "文件已损坏"),
    "empty workbook": (_empty_workbook, "工作簿是空的"),
    "no header": (lambda p: write_xlsx(p, [list(entity_row(1).values())], headers=[]), "未找到表头行"),
    "header only": (lambda p: write_xlsx(p, []), "表头下面没有数据行"),
}


@pytest.mark.parametrize("kind", BROKEN)
def test_broken_file_gets_one_clear_message(tmp_path, offices, kind):
    build, expected = BROKEN[kind]
    path = build(tmp_path / "broken.xlsx")
    with pytest.raises(ImportFileError) as caught:
        run_import(path)
    assert expected in str(caught.value)
    assert_nothing_written()


def test_missing_required_columns_are_named(tmp_path, offices):
    headers = ["统一社会信用代码", "名称", "行业代码", "住所"]
    with pytest.raises(ImportFileError) as caught:
        run_import(write_xlsx(tmp_path / "cols.xlsx", [entity_row(1)], headers=headers))
    assert str(caught.value).startswith("缺少必填列：市场主体类型、管辖单位、成立日期、登记状态。")
    assert_nothing_written()


def test_a_column_given_twice_is_refused(tmp_path, offices):
    with pytest.raises(ImportFileError, match="“名称”列出现了两次（第 B 列和第 L 列）"):
        run_import(write_xlsx(tmp_path / "dup.xlsx", [entity_row(1)], headers=[*HEADERS, "名称"]))


def test_the_header_may_sit_on_a_second_sheet_after_an_instructions_sheet(tmp_path, offices):
    path = write_xlsx(tmp_path / "two.xlsx", [entity_row(1)])
    from openpyxl import load_workbook

    wb = load_workbook(path)
    notes = wb.create_sheet("说明", 0)
    notes["A1"] = "请在第二个工作表填写"
    wb.save(path)
    assert run_import(path).created == 1


# ------------------------------------------------------------------------------------------------------------
# Every kind of row error
# ------------------------------------------------------------------------------------------------------------

GOOD = make_uscc(5150)
WRONG_CHECK = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")
DATE_HELP = "可写作 2023-05-01、2023/5/1、2023年5月1日、20230501，或使用 Excel 日期格式"
FUTURE = (timezone.localdate() + timedelta(days=3)).isoformat()

ROW_ERRORS = {
    "check character": ({"统一社会信用代码": WRONG_CHECK}, "统一社会信用代码",
                        f"统一社会信用代码校验位错误（应为 {uscc_check_char(GOOD[:17])}）"),
    "length": ({"统一社会信用代码": GOOD[:17]}, "统一社会信用代码", "统一社会信用代码应为 18 位，实为 17 位"),
    "characters": ({"统一社会信用代码": GOOD[:16] + "IO"}, "统一社会信用代码", "统一社会信用代码含有不允许的字符：IO"),
    "missing code": ({"统一社会信用代码": ""}, "统一社会信用代码", "必填项为空"),
    "missing name": ({"名称": "  "}, "名称", "必填项为空"),
    "long name": ({"名称": "泉" * 201}, "名称", "超过 200 个字符"),
    "unknown type": ({"市场主体类型": "有限公司"}, "市场主体类型",
                     "“有限公司”不是有效的市场主体类型，应为：企业、个体工商户、农民专业合作社"),
    "missing type": ({"市场主体类型": ""}, "市场主体类型", "必填项为空"),
    "unknown office": ({"管辖单位": "峰尾所"}, "管辖单位",
                       "“峰尾所”不是系统中的管辖单位，应填写已有市场监督管理所的全称"),
    "missing office": ({"管辖单位": ""}, "管辖单位", "必填项为空"),
    "industry format": ({"行业代码": "2651"}, "行业代码", "行业代码应为门类字母加 4 位数字（如 C2651）"),
    "industry division": ({"行业代码": "C0151"}, "行业代码", "行业大类 01 属于门类 A，不属于门类 C"),
    "industry unknown": ({"行业代码": "T9999"}, "行业代码", "行业大类 99 不存在"),
    "missing industry": ({"行业代码": ""}, "行业代码", "必填项为空"),
    "bad date": ({"成立日期": "去年五月"}, "成立日期", f"“去年五月”不是有效日期（{DATE_HELP}）"),
    "impossible date": ({"成立日期": "2023-02-30"}, "成立日期", f"“2023-02-30”不是有效日期（{DATE_HELP}）"),
    "future date": ({"成立日期": FUTURE}, "成立日期", f"成立日期 {FUTURE} 晚于今天"),
    "missing date": ({"成立日期": ""}, "成立日期", "必填项为空"),
    "unknown status": ({"登记状态": "在业"}, "登记状态",
                       "“在业”不是有效的登记状态，应为：存续、歇业、吊销、注销、迁出"),
    "missing status": ({"登记状态": ""}, "登记状态", "必填项为空"),
    "long phone": ({"联系电话": "1" * 41}, "联系电话", "超过 40 个字符"),
    "masked phone": ({"联系电话": "139****1234"}, "联系电话",
                     "“139****1234”是脱敏后的号码，导入会覆盖真实号码；请使用含完整号码的文件"),
}


@pytest.mark.parametrize("kind", ROW_ERRORS)
def test_each_kind_of_row_error_is_reported_and_nothing_is_written(tmp_path, offices, kind):
    values, column, reason = ROW_ERRORS[kind]
    rows = [entity_row(1), entity_row(2, **values), entity_row(3)]
    report = run_import(write_xlsx(tmp_path / "e.xlsx", rows))
    assert errors_of(report) == [f"第 3 行 · {column} · {reason}"]
    assert (report.error_count, report.bad_rows, report.written) == (1, 1, False)
    assert_nothing_written()


def test_fast_code_check_agrees_with_the_reference_check():
    import random

    from registry.codes import USCC_CHARSET, uscc_error
    from registry.importer import uscc_is_valid

    rng = random.Random(4754)
    codes = [make_uscc(rng.randrange(10**12)) for _ in range(2000)]
    codes += [c[:17] + rng.choice(USCC_CHARSET) for c in codes[:1000]]  # about 1 in 31 keeps a valid check
    first = codes[0]
    codes += [first[:17], first + "0", first[:5] + "I" + first[6:], first.lower(), ""]
    assert sum(uscc_is_valid(c) for c in codes) > 2000
    assert all(uscc_is_valid(c) == (uscc_error(c) is None) for c in codes)


def test_duplicate_code_names_the_first_row(tmp_path, offices):
    code = make_uscc(31337)
    rows = [entity_row(1, 统一社会信用代码=code), entity_row(2), entity_row(3, 统一社会信用代码=code.lower())]
    report = run_import(write_xlsx(tmp_path / "dup.xlsx", rows))
    assert errors_of(report) == [f"第 4 行 · 统一社会信用代码 · 统一社会信用代码 {code} 与第 2 行重复"]
    assert_nothing_written()


def test_every_error_of_a_row_is_listed_under_the_file_s_own_header(tmp_path, offices):
    headers = [h if h != "法定代表人" else "负责人" for h in HEADERS]
    row = entity_row(1, 名称="", 登记状态="不明", 成立日期="明天")
    row["负责人"] = "王" * 101
    report = run_import(write_xlsx(tmp_path / "many.xlsx", [row], headers=headers))
    assert [(e.row, e.column) for e in report.errors] == [(2, "名称"), (2, "负责人"), (2, "成立日期"), (2, "登记状态")]


def _big_file(path, n: int, bad: dict[int, dict]):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名录")
    ws.append(HEADERS)
    for i in range(n):
        row = entity_row(i, 统一社会信用代码=make_uscc(2_000_000 + i), **bad.get(i, {}))
        ws.append([row[h] for h in HEADERS])
    wb.save(path)
    return path


def test_ten_thousand_rows_with_one_bad_row_names_that_row_and_writes_nothing(tmp_path, offices):
    path = _big_file(tmp_path / "10k.xlsx", 10_000, {7_321: {"行业代码": "C99"}})
    report = run_import(path)
    assert report.rows == 10_000
    assert errors_of(report) == ["第 7323 行 · 行业代码 · 行业代码应为门类字母加 4 位数字（如 C2651）"]
    assert_nothing_written()


def test_stored_report_is_capped_but_every_error_is_counted(tmp_path, offices):
    bad = {i: {"登记状态": "未知"} for i in range(0, 1_500)}
    report = run_import(_big_file(tmp_path / "many.xlsx", 1_500, bad), max_errors=1000)
    assert report.error_count == 1_500 and report.bad_rows == 1_500
    assert len(report.errors) == 1000 and report.errors_truncated
    assert report.errors[-1].row == 1001
    assert "1500 处错误" in report.summary()


# ------------------------------------------------------------------------------------------------------------
# The management command
# ------------------------------------------------------------------------------------------------------------

def run_command(*args) -> tuple[int, str]:
    """The exit status manage.py would give (run_from_argv exits with CommandError.returncode) and its message.

    run_from_argv itself closes the database connections, which would end the test's transaction.
    """
    try:
        call_command("import_entities", *map(str, args))
    except CommandError as error:
        return error.returncode, str(error)
    return 0, ""


def test_command_imports_and_exits_zero(tmp_path, offices, section_user, capsys):
    path = write_xlsx(tmp_path / "cmd.xlsx", [entity_row(1), entity_row(2)])
    assert run_command(path, "--user", section_user.username) == (0, "")
    assert "导入完成。共 2 行：新增 2 户，更新 0 户，无变化 0 户。" in capsys.readouterr().out
    assert MarketEntity.objects.count() == 2
    assert AuditLog.objects.get(action=AuditAction.IMPORT).actor == section_user


def test_command_dry_run_writes_nothing(tmp_path, offices, capsys):
    path = write_xlsx(tmp_path / "cmd.xlsx", [entity_row(1)])
    assert run_command(path, "--dry-run") == (0, "")
    assert "试运行：校验通过" in capsys.readouterr().out
    assert_nothing_written()


def test_command_prints_every_row_error_and_exits_non_zero(tmp_path, offices, capsys):
    bad = {i: {"登记状态": "未知"} for i in range(1_200)}
    path = _big_file(tmp_path / "bad.xlsx", 1_200, bad)
    code, message = run_command(path)
    assert code == 1 and "文件中有 1200 处错误（涉及 1200 行），未导入任何数据" in message
    err = capsys.readouterr().err
    assert len(re.findall(r"^第 \d+ 行 · 登记状态 · ", err, re.M)) == 1_200  # every error, not just the stored 1,000
    assert_nothing_written()


def test_command_file_error_exits_non_zero(tmp_path, offices):
    path = tmp_path / "x.xlsx"
    path.write_text("not a workbook")
    code, message = run_command(path)
    assert code == 2 and "文件不是 Excel 工作簿" in message
    code, message = run_command(tmp_path / "missing.xlsx")
    assert code == 2 and "找不到文件" in message


def test_command_unknown_user_is_refused(tmp_path, offices):
    path = write_xlsx(tmp_path / "u.xlsx", [entity_row(1)])
    assert run_command(path, "--user", "nobody") == (2, "用户 nobody 不存在。")
    assert_nothing_written()


# ------------------------------------------------------------------------------------------------------------
# A large load into a (nearly) empty register: secondary indexes and foreign keys rebuilt, not maintained per row
# ------------------------------------------------------------------------------------------------------------

def _entity_indexes_and_fks():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'registry_marketentity' "
                       "ORDER BY indexname")
        indexes = cursor.fetchall()
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = 'registry_marketentity'::regclass ORDER BY conname")
        return indexes, cursor.fetchall()


def _spy_large_load(monkeypatch):
    import registry.importer as importer

    monkeypatch.setattr(importer, "LARGE_LOAD_MIN_ROWS", 3)
    calls = []
    original = importer._large_load_indexes

    def spy(cursor, table, rows):
        result = original(cursor, table, rows)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(importer, "_large_load_indexes", spy)
    return calls


def test_large_load_into_empty_register_rebuilds_indexes_and_keeps_them(tmp_path, offices, monkeypatch):
    before = _entity_indexes_and_fks()
    assert len(before[0]) >= 10 and any("FOREIGN KEY" in d for _, d in before[1])
    calls = _spy_large_load(monkeypatch)
    rows = [entity_row(n) for n in range(1, 6)]
    report = run_import(write_xlsx(tmp_path / "big.xlsx", rows), writer="postgres")
    assert calls == [True] and report.created == 5
    assert _entity_indexes_and_fks() == before
    assert MarketEntity.objects.filter(name__icontains="导入测试企业3").count() == 1

    # Re-importing into a register as large as the load: nothing new, so indexes are maintained as usual.
    rows.append(entity_row(6))
    report = run_import(write_xlsx(tmp_path / "again.xlsx", rows), writer="postgres")
    assert calls == [True, False] and (report.created, report.unchanged) == (1, 5)
    assert _entity_indexes_and_fks() == before


def test_large_load_dry_run_rolls_the_rebuild_back(tmp_path, offices, monkeypatch):
    before = _entity_indexes_and_fks()
    calls = _spy_large_load(monkeypatch)
    report = run_import(write_xlsx(tmp_path / "big.xlsx", [entity_row(n) for n in range(1, 6)]), writer="postgres",
                        dry_run=True)
    assert calls == [True] and report.ok and not report.written
    assert_nothing_written()
    assert _entity_indexes_and_fks() == before


def test_large_load_skipped_when_register_is_larger(tmp_path, offices, monkeypatch):
    for n in range(10):
        make_entity(offices[0], name=f"已有主体{n}")
    calls = _spy_large_load(monkeypatch)
    report = run_import(write_xlsx(tmp_path / "big.xlsx", [entity_row(n) for n in range(1, 6)]), writer="postgres")
    assert calls == [False] and report.created == 5
