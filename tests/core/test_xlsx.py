"""The streaming .xlsx writer: what it writes is read back the same by openpyxl and by calamine."""
import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from xml.etree import ElementTree

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from core.xlsx import MAX_CELL_CHARS, Workbook, column_letter


def write(book: Workbook) -> bytes:
    return b"".join(book.iter_bytes())


def one_sheet(headers, rows, **options) -> bytes:
    book = Workbook()
    book.add_sheet("数据", headers, rows, **options)
    return write(book)


def read_openpyxl(data: bytes) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}


def read_calamine(data: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702, 16383)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"]


def test_headers_and_values_read_back_by_both_readers():
    rows = [
        ["91350505MA2Y0A1B2C", "泉港石化物流有限公司", date(2018, 5, 1), 12, 2.5, Decimal("1.25"), True],
        ["92350505MA2Y0A1B3D", "泉港小吃店", date(1999, 12, 31), -3, 0.1, Decimal("100"), False],
    ]
    data = one_sheet(["统一社会信用代码", "名称", "成立日期", "整数", "小数", "金额", "是否"], rows)

    sheet = read_openpyxl(data)["数据"]
    assert sheet[0] == ["统一社会信用代码", "名称", "成立日期", "整数", "小数", "金额", "是否"]
    assert sheet[1] == ["91350505MA2Y0A1B2C", "泉港石化物流有限公司", datetime(2018, 5, 1), 12, 2.5, 1.25, True]
    assert sheet[2] == ["92350505MA2Y0A1B3D", "泉港小吃店", datetime(1999, 12, 31), -3, 0.1, 100, False]

    sheet = read_calamine(data)["数据"]
    assert sheet[0][0] == "统一社会信用代码"
    assert sheet[1] == ["91350505MA2Y0A1B2C", "泉港石化物流有限公司", date(2018, 5, 1), 12, 2.5, 1.25, True]
    assert sheet[2] == ["92350505MA2Y0A1B3D", "泉港小吃店", date(1999, 12, 31), -3, 0.1, 100, False]


def test_dates_are_real_excel_dates_with_a_date_format():
    rows = [[date(1900, 3, 1), datetime(2026, 11, 26, 8, 30, 15), time(17, 45)], [date(2026, 2, 28), None, None]]
    data = one_sheet(["日期", "时间戳", "时刻"], rows)
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book.active
    assert ws["A2"].is_date and ws["A2"].number_format == "yyyy\\-mm\\-dd"
    assert ws["A2"].value == datetime(1900, 3, 1)
    assert ws["B2"].is_date and ws["B2"].value == datetime(2026, 11, 26, 8, 30, 15)
    assert ws["C2"].value == time(17, 45)
    assert ws["A3"].value == datetime(2026, 2, 28)
    sheet = read_calamine(data)["数据"]
    assert sheet[1] == [date(1900, 3, 1), datetime(2026, 11, 26, 8, 30, 15), time(17, 45)]
    assert sheet[2][0] == date(2026, 2, 28)


def test_markup_characters_are_escaped_and_illegal_characters_dropped():
    nasty = [
        'A<b>&"c"\'d</b>',
        "ctl\x00\x01\x08\x0b\x0c\x0e\x1f-end",
        "tab\tand\nnewline",
        "cr\r\nlf",
        "  leading and trailing  ",
        "lone\ud800surrogate\ufffe\uffff",
        "]]> <![CDATA[ x ]]>",
        "&amp; stays literal",
    ]
    expected = [
        'A<b>&"c"\'d</b>',
        "ctl-end",
        "tab\tand\nnewline",
        "cr\r\nlf",
        "  leading and trailing  ",
        "lonesurrogate",
        "]]> <![CDATA[ x ]]>",
        "&amp; stays literal",
    ]
    data = one_sheet(["<头&\"部>"], [[v] for v in nasty])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(archive.read(name))  # every part is well-formed XML
    for sheet in (read_openpyxl(data)["数据"], read_calamine(data)["数据"]):
        assert sheet[0] == ['<头&"部>']
        assert [row[0] for row in sheet[1:]] == expected


def test_excel_escape_sequences_in_text_survive():
    # Excel reads _xHHHH_ in text as a character; the writer escapes the underscore so the text comes back as is.
    data = one_sheet(["代码"], [["_x0041_ and _x000D_"], ["plain_x_text"]])
    sheet = read_calamine(data)["数据"]
    assert [row[0] for row in sheet[1:]] == ["_x0041_ and _x000D_", "plain_x_text"]
    # openpyxl does not decode the escape (Excel, WPS, LibreOffice and calamine do): it shows the escaped form.
    assert read_openpyxl(data)["数据"][1][0] == "_x005F_x0041_ and _x005F_x000D_"


def test_overlong_text_is_cut_at_the_excel_cell_limit():
    data = one_sheet(["长文本"], [["字" * (MAX_CELL_CHARS + 10)]])
    assert read_calamine(data)["数据"][1][0] == "字" * MAX_CELL_CHARS


def test_empty_values_non_finite_numbers_and_other_types():
    class Label:
        def __str__(self):
            return "自定义"

    data = one_sheet(["a", "b", "c", "d", "e"], [[None, "", float("nan"), Label(), "末列"]])
    assert read_openpyxl(data)["数据"][1] == [None, None, None, "自定义", "末列"]
    assert read_calamine(data)["数据"][1] == ["", "", "", "自定义", "末列"]


def test_rows_longer_than_the_header_keep_their_extra_cells():
    data = one_sheet(["甲"], [["1", "2", "3"]])
    assert read_calamine(data)["数据"][1] == ["1", "2", "3"]


def test_header_row_is_bold_frozen_and_filtered_and_columns_have_widths():
    data = one_sheet(["统一社会信用代码", "名称", "备注"], [["91350505MA2Y0A1B2C", "某公司", "x"]],
                     widths=[22, None, 30])
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.freeze_panes == "A2"
    assert all(cell.font.b for cell in ws[1])
    assert not ws["A2"].font.b
    assert ws.auto_filter.ref == "A1:C2"
    assert ws.column_dimensions["A"].width == 22
    assert ws.column_dimensions["B"].width == 8  # estimated: 名称 and 某公司 are narrow, so the minimum
    assert ws.column_dimensions["C"].width == 30


def test_prints_on_a4_landscape_with_the_header_row_on_every_page():
    book = Workbook()
    book.add_sheet("名录", ["名称"], [["泉港测试企业"]])
    book.add_sheet("Jan's", ["名称"], [["泉港测试企业"]])
    for ws in openpyxl.load_workbook(io.BytesIO(write(book))).worksheets:
        assert ws.print_title_rows == "$1:$1"
        assert (ws.page_setup.paperSize, ws.page_setup.orientation) == (9, "landscape")
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)


def test_estimated_widths_count_chinese_characters_double():
    data = one_sheet(["名称"], [["泉港区某某石化物流有限公司"]])
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.column_dimensions["A"].width == 13 * 2 + 2


def test_empty_sheets():
    book = Workbook()
    book.add_sheet("无表头", [], [])
    book.add_sheet("只有表头", ["统一社会信用代码", "名称"], [])
    data = write(book)
    assert read_openpyxl(data) == {"无表头": [], "只有表头": [["统一社会信用代码", "名称"]]}
    assert read_calamine(data) == {"无表头": [], "只有表头": [["统一社会信用代码", "名称"]]}
    assert book.rows_written == 0


def test_several_sheets_keep_their_order_names_and_rows():
    book = Workbook()
    first = book.add_sheet("按单位", ["管辖单位", "户数"], [["山腰市场监督管理所", 120], ["南埔市场监督管理所", 80]])
    second = book.add_sheet("按类型", ["类型", "户数"], iter([["企业", 150], ["个体工商户", 50]]))
    book.add_sheet("Jan's 'data' 3", ["x"], [[1]])
    data = write(book)
    for sheets in (read_openpyxl(data), read_calamine(data)):
        assert list(sheets) == ["按单位", "按类型", "Jan's 'data' 3"]
        assert sheets["按单位"][1] == ["山腰市场监督管理所", 120]
        assert sheets["按类型"][2] == ["个体工商户", 50]
        assert sheets["Jan's 'data' 3"] == [["x"], [1]]
    assert (first.rows_written, second.rows_written, book.rows_written) == (2, 2, 5)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert [ws.freeze_panes for ws in wb.worksheets] == ["A2", "A2", "A2"]


@pytest.mark.parametrize("name", ["", "a" * 32, "a/b", "a[1]", "问题?", "'引号", "x:y"])
def test_bad_sheet_names_are_refused(name):
    with pytest.raises(ValueError, match="工作表名称不合法"):
        Workbook().add_sheet(name, ["a"], [])


def test_duplicate_sheet_names_are_refused_whatever_the_case():
    book = Workbook()
    book.add_sheet("Data", ["a"], [])
    with pytest.raises(ValueError, match="工作表名称重复"):
        book.add_sheet("data", ["a"], [])


def test_a_workbook_needs_a_sheet_and_is_written_once():
    with pytest.raises(ValueError, match="至少需要一个工作表"):
        write(Workbook())
    book = Workbook()
    book.add_sheet("数据", ["a"], [[1]])
    write(book)
    with pytest.raises(RuntimeError, match="只能写出一次"):
        write(book)


def test_iter_bytes_streams_while_reading_rows():
    consumed = []

    def rows():
        for i in range(30_000):
            consumed.append(i)
            yield [f"91350505MA{i:08d}", f"泉港测试企业{i}有限公司", date(2000, 1, 1), i]

    book = Workbook()
    book.add_sheet("数据", ["代码", "名称", "成立日期", "序号"], rows())
    chunks = book.iter_bytes(chunk_size=16 * 1024)
    first = next(chunks)
    assert len(consumed) < 30_000  # the first bytes leave before the rows are all read
    rest = list(chunks)
    assert len(rest) > 5
    data = first + b"".join(rest)
    sheet = read_calamine(data)["数据"]
    assert len(sheet) == 30_001
    assert sheet[30_000] == ["91350505MA00029999", "泉港测试企业29999有限公司", date(2000, 1, 1), 29999]
    assert book.rows_written == 30_000


def test_save_to_a_path_and_to_a_file_object(tmp_path):
    target = tmp_path / "名录.xlsx"
    book = Workbook()
    book.add_sheet("数据", ["名称"], [["泉港测试企业"]])
    book.save(target)
    buffer = io.BytesIO()
    other = Workbook()
    other.add_sheet("数据", ["名称"], [["泉港测试企业"]])
    other.save(buffer)
    for data in (target.read_bytes(), buffer.getvalue()):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.testzip() is None
        assert read_openpyxl(data) == read_calamine(data) == {"数据": [["名称"], ["泉港测试企业"]]}
