"""一单两库: item versions (动态调整), inspectors and conflicts, member departments' object lists; each import all
or nothing with row-level Chinese errors, each export read back."""
import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.choices import AuditAction, DepartmentKind, JobStatus
from core.models import AuditLog, Job
from inspections import services
from inspections.importers import conflicts_import, inspectors_import, items_import, objects_import
from inspections.models import CheckItem, CheckItemVersion, Inspector, InspectorConflict, ObjectListEntry
from tests.factories import make_department, make_entity, make_user
from tests.inspections.conftest import TODAY, YEAR, make_inspector, make_item

pytestmark = pytest.mark.django_db

ITEM_HEADER = ["事项编码", "抽查事项", "法律依据", "检查内容", "检查方式", "责任部门", "事项类别", "专业领域",
               "生效日期", "失效日期"]
INSPECTOR_HEADER = ["人员编码", "姓名", "执法证号", "所属市场监管所", "所属股室/单位", "状态", "可承担的抽查事项"]


def write_xlsx(path, rows, *, title_rows=()):
    book = Workbook()
    sheet = book.active
    for row in [*title_rows, *rows]:
        sheet.append(list(row))
    book.save(path)
    return path


def read_back(response) -> dict:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    book = load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


# ------------------------------------------------------------------------------------------------------------
# Check items and their versions
# ------------------------------------------------------------------------------------------------------------

def test_revising_an_item_keeps_the_old_version(section_dept, section_user):
    item = make_item(section_dept, code="SC-100", valid_from=date(YEAR - 2, 1, 1))
    services.check_item_revise(item=item, data={"legal_basis": "《市场主体登记管理条例》第三十五条",
                                                "valid_from": date(YEAR, 3, 1)}, note="新条例施行", by=section_user)
    item.refresh_from_db()
    assert item.version == 2 and item.legal_basis.startswith("《市场主体登记管理条例》")
    old, new = CheckItemVersion.objects.filter(item=item).order_by("version")
    assert (old.valid_from, old.valid_to, old.legal_basis) == (date(YEAR - 2, 1, 1), date(YEAR, 2, 28),
                                                               "《企业信息公示暂行条例》")
    assert (new.valid_from, new.valid_to, new.change_note) == (date(YEAR, 3, 1), None, "新条例施行")
    log = AuditLog.objects.filter(action=AuditAction.UPDATE).get()
    assert log.changes["legal_basis"][1].startswith("《市场主体登记管理条例》") and log.actor == section_user


def test_a_new_version_must_start_after_the_current_one(section_dept):
    item = make_item(section_dept, code="SC-101", valid_from=date(YEAR, 1, 1))
    with pytest.raises(ValidationError) as error:
        services.check_item_revise(item=item, data={"name": "新名称", "valid_from": date(YEAR, 1, 1)}, note="",
                                   by=None)
    assert "须晚于现行版本的生效日期" in str(error.value)
    with pytest.raises(ValidationError, match="内容没有变化"):
        services.check_item_revise(item=item, data={"name": item.name}, note="", by=None)


def test_retiring_an_item_sets_its_end_without_a_new_version(section_dept):
    item = make_item(section_dept, code="SC-102")
    services.check_item_retire(item=item, valid_to=TODAY, by=None)
    item.refresh_from_db()
    assert item.version == 1 and item.valid_to == TODAY and not item.is_in_force(TODAY + timedelta(days=1))
    assert CheckItemVersion.objects.get(item=item).valid_to == TODAY


def test_items_import_adds_revises_and_reports_every_bad_row(tmp_path, section_dept, section_user):
    make_item(section_dept, code="SC-001", valid_from=date(YEAR - 1, 1, 1))
    good = write_xlsx(tmp_path / "清单.xlsx", [
        ITEM_HEADER,
        ["SC-001", "抽查事项SC-001", "《企业信息公示暂行条例》第十四条", "", "", "信用监管股", "重点", "通用",
         f"{YEAR}-02-01", ""],
        ["sc-002", "企业登记事项检查", "《市场主体登记管理条例》", "住所", "实地核查", "信用监管股", "一般", "",
         "2023/1/1", ""],
    ], title_rows=[["抽查事项清单（2023 年）"]])
    report = items_import(path=good, file_name="清单.xlsx", user=section_user)
    assert report.ok and (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert CheckItem.objects.get(code="SC-001").version == 2
    assert CheckItem.objects.get(code="SC-002").kind == "general"
    assert AuditLog.objects.filter(action=AuditAction.IMPORT).count() == 1

    bad = write_xlsx(tmp_path / "错.xlsx", [
        ITEM_HEADER,
        ["SC-003", "新事项", "依据", "", "", "不存在的股", "重点", "", "2023-13-01", ""],
        ["SC-003", "", "依据", "", "", "信用监管股", "特别", "化妆品X", f"{YEAR}-01-01", f"{YEAR - 1}-01-01"],
        ["SC-001", "改名", "依据", "", "", "信用监管股", "重点", "", f"{YEAR - 2}-01-01", ""],
    ])
    report = items_import(path=bad, file_name="错.xlsx", user=section_user)
    messages = [str(e) for e in report.errors]
    assert not report.ok and not CheckItem.objects.filter(code="SC-003").exists()
    assert "第 2 行 · 责任部门 · “不存在的股”不是系统中的股室或成员单位" in messages
    assert any(m.startswith("第 2 行 · 生效日期 · “2023-13-01”不是有效日期") for m in messages)
    assert "第 3 行 · 事项编码 · 与第 2 行重复" in messages
    assert "第 3 行 · 抽查事项 · 必填项为空" in messages
    assert "第 3 行 · 事项类别 · “特别”应为“重点”或“一般”" in messages
    assert "第 3 行 · 失效日期 · 失效日期不能早于生效日期" in messages
    assert any(m.startswith("第 4 行 · 生效日期 · 事项内容有调整，新版本的生效日期须晚于现行版本") for m in messages)
    assert CheckItem.objects.get(code="SC-001").name == "抽查事项SC-001"


def test_items_dry_run_writes_nothing(tmp_path, section_dept):
    path = write_xlsx(tmp_path / "a.xlsx",
                      [ITEM_HEADER, ["SC-9", "事项", "依据", "", "", "信用监管股", "", "", "2023-01-01", ""]])
    report = items_import(path=path, file_name="a.xlsx", dry_run=True)
    assert report.ok and report.created == 1 and not report.written
    assert not CheckItem.objects.filter(code="SC-9").exists()


def test_items_export_has_the_list_and_every_version(client, section_user, section_dept):
    item = make_item(section_dept, code="SC-200")
    services.check_item_revise(item=item, data={"name": "调整后的名称", "valid_from": TODAY + timedelta(days=1)},
                               note="调整", by=section_user)
    client.force_login(section_user)
    sheets = read_back(client.get(reverse("inspections:item_export")))
    assert sheets["抽查事项清单"][0] == ITEM_HEADER
    assert sheets["抽查事项清单"][1][:2] == ["SC-200", "调整后的名称"]
    assert [row[1] for row in sheets["调整记录"][1:]] == [1, 2]


# ------------------------------------------------------------------------------------------------------------
# Inspectors and conflicts
# ------------------------------------------------------------------------------------------------------------

def test_inspector_needs_an_office_or_a_department(item):
    with pytest.raises(ValidationError, match="至少填写一项"):
        services.inspector_create(data={"code": "X1", "name": "无单位"}, items=[item], by=None)


def test_inspectors_import_creates_updates_and_checks_every_cell(tmp_path, office_a, section_dept, item,
                                                                 section_user):
    make_inspector("ZF9", items=[], office=office_a, certificate_no="CERT-9")
    path = write_xlsx(tmp_path / "人员.xlsx", [
        INSPECTOR_HEADER,
        ["ZF9", "林执法", "CERT-9", office_a.name, "", "休假/借调", "SC-001"],
        ["zf10", "陈执法", "CERT-10", "", "信用监管股", "", "SC-001、SC-001"],
    ])
    report = inspectors_import(path=path, file_name="人员.xlsx", user=section_user)
    assert report.ok and (report.created, report.updated) == (1, 1)
    updated = Inspector.objects.get(code="ZF9")
    assert updated.status == "leave" and list(updated.qualified_items.all()) == [item]
    assert Inspector.objects.get(code="ZF10").department == section_dept

    bad = write_xlsx(tmp_path / "错.xlsx", [
        INSPECTOR_HEADER,
        ["ZF11", "张", "CERT-9", "", "", "在岗", "NOPE"],
        ["ZF12", "", "", "不存在所", "", "出差", ""],
    ])
    report = inspectors_import(path=bad, file_name="错.xlsx")
    messages = [str(e) for e in report.errors]
    assert not report.ok and not Inspector.objects.filter(code__in=["ZF11", "ZF12"]).exists()
    assert "第 2 行 · 执法证号 · 已登记给人员 ZF9" in messages
    assert "第 2 行 · 所属股室/单位 · 所属市场监管所和所属股室/单位至少填写一项" in messages
    assert "第 2 行 · 可承担的抽查事项 · 抽查事项编码“NOPE”不在抽查事项清单中" in messages
    assert "第 3 行 · 姓名 · 必填项为空" in messages
    assert "第 3 行 · 所属市场监管所 · “不存在所”不是系统中的市场监督管理所" in messages
    assert "第 3 行 · 状态 · “出差”应为：在岗、休假/借调、调离/退休" in messages


def test_conflicts_import_and_the_inspector_export(tmp_path, client, office_a, section_dept, item, section_user):
    inspector = make_inspector("ZF20", items=[item], office=office_a)
    entity = make_entity(office_a)
    path = write_xlsx(tmp_path / "回避.xlsx", [["人员编码", "统一社会信用代码", "回避事由", "申报日期"],
                                             ["ZF20", entity.uscc.lower(), "配偶任该企业财务", "2023-03-01"]])
    report = conflicts_import(path=path, file_name="回避.xlsx", user=section_user)
    assert report.ok and InspectorConflict.objects.get().entity == entity
    again = conflicts_import(path=path, file_name="回避.xlsx", user=section_user)
    assert again.unchanged == 1 and InspectorConflict.objects.count() == 1
    bad = write_xlsx(tmp_path / "错.xlsx", [["人员编码", "统一社会信用代码", "回避事由"],
                                           ["ZF99", "91350505MA2Y00000X", ""]])
    report = conflicts_import(path=bad, file_name="错.xlsx")
    messages = [str(e) for e in report.errors]
    assert "第 2 行 · 人员编码 · “ZF99”不在执法检查人员名录中" in messages
    assert "第 2 行 · 回避事由 · 必填项为空" in messages
    assert any(m.startswith("第 2 行 · 统一社会信用代码 · ") for m in messages)
    client.force_login(section_user)
    sheets = read_back(client.get(reverse("inspections:inspector_export")))
    assert sheets["执法检查人员名录"][1][:2] == ["ZF20", inspector.name]
    assert sheets["回避申报"][1][:2] == ["ZF20", entity.uscc]


def test_withdrawing_a_conflict_is_audited(office_a, item):
    inspector = make_inspector("ZF30", items=[item], office=office_a)
    entity = make_entity(office_a)
    conflict = services.conflict_declare(inspector=inspector, entity=entity, reason="曾任职", declared_on=TODAY,
                                         by=None)
    with pytest.raises(ValidationError, match="已登记"):
        services.conflict_declare(inspector=inspector, entity=entity, reason="曾任职", declared_on=TODAY, by=None)
    services.conflict_withdraw(conflict=conflict, by=None)
    assert not InspectorConflict.objects.exists()
    assert AuditLog.objects.filter(action=AuditAction.DELETE, summary__startswith="撤销回避申报").exists()


# ------------------------------------------------------------------------------------------------------------
# Member departments' object lists
# ------------------------------------------------------------------------------------------------------------

def test_object_list_import_replaces_the_list(tmp_path, office_a):
    tax = make_department(DepartmentKind.MEMBER, name="税务")
    object_list = services.object_list_create(data={"name": "重点税源企业", "department": tax}, by=None)
    a, b, c = (make_entity(office_a) for _ in range(3))
    first = write_xlsx(tmp_path / "1.xlsx", [["统一社会信用代码", "备注"], [a.uscc, ""], [b.uscc, "重点"]])
    assert objects_import(path=first, file_name="1.xlsx", object_list=object_list).created == 2
    second = write_xlsx(tmp_path / "2.xlsx", [["统一社会信用代码", "备注"], [b.uscc, "重点"], [c.uscc, ""]])
    report = objects_import(path=second, file_name="2.xlsx", object_list=object_list)
    assert (report.created, report.unchanged, report.removed) == (1, 1, 1)
    assert set(ObjectListEntry.objects.values_list("entity", flat=True)) == {b.pk, c.pk}
    bad = write_xlsx(tmp_path / "3.xlsx", [["统一社会信用代码", "市场主体名称"], [b.uscc, ""], [b.uscc, ""]])
    report = objects_import(path=bad, file_name="3.xlsx", object_list=object_list)
    assert [str(e) for e in report.errors] == ["第 3 行 · 统一社会信用代码 · 与第 2 行重复"]


def test_a_member_department_imports_its_own_list_through_a_job(client, tmp_path, office_a,
                                                                django_capture_on_commit_callbacks):
    tax = make_department(DepartmentKind.MEMBER, name="税务二")
    other = make_department(DepartmentKind.MEMBER, name="人社")
    user = make_user(None, username="tax_clerk", department=tax)
    own = services.object_list_create(data={"name": "名录", "department": tax}, by=user)
    theirs = services.object_list_create(data={"name": "名录", "department": other}, by=None)
    entity = make_entity(office_a)
    path = write_xlsx(tmp_path / "名录.xlsx", [["统一社会信用代码", "市场主体名称"], [entity.uscc, entity.name]])
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("inspections:object_list_import", args=[own.pk]),
                               {"file": SimpleUploadedFile("名录.xlsx", path.read_bytes())})
    job = Job.objects.get()
    assert response.url == reverse("inspections:import_job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert "检查对象名录导入完成" in client.get(response.url).content.decode()
    assert client.get(reverse("inspections:object_list_import", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("inspections:object_list_list")).status_code == 200


def test_an_import_with_errors_offers_the_error_report(client, tmp_path, section_user,
                                                       django_capture_on_commit_callbacks):
    path = write_xlsx(tmp_path / "错.xlsx", [ITEM_HEADER, ["SC-X", "", "", "", "", "", "", "", "", ""]])
    client.force_login(section_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("inspections:item_import"), {"file": SimpleUploadedFile("错.xlsx", path.read_bytes())})
    job = Job.objects.get()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.result["error_count"] == 4
    assert "未导入任何数据" in client.get(reverse("inspections:import_job", args=[job.pk])).content.decode()
    sheets = read_back(client.get(reverse("inspections:import_report", args=[job.pk])))
    assert sheets["错误报告"] == [["行号", "列名", "原因"], [2, "抽查事项", "必填项为空"],
                              [2, "法律依据", "必填项为空"], [2, "责任部门", "必填项为空"],
                              [2, "生效日期", "必填项为空"]]
