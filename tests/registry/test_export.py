"""The register's .xlsx export: exactly the filtered rows, within scope, phones masked by role, audited."""
import io
from datetime import date, datetime
from urllib.parse import quote

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from core.choices import AuditAction
from core.models import AuditLog
from registry.choices import EntityType, RegistrationStatus
from registry.excel import EXPORT_HEADERS as HEADERS  # the template headers plus 风险类别 (internal export)
from registry.masking import mask_phone
from tests.factories import make_entity, make_office

EXPORT_URL = reverse("registry:entity_export")
USCC = HEADERS.index("统一社会信用代码")
PHONE = HEADERS.index("联系电话")


def download(client, params=None):
    """Export through the page and read the file back with calamine; openpyxl must agree."""
    response = client.get(EXPORT_URL, params or {})
    assert response.status_code == 200
    assert response.streaming
    data = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python(skip_empty_area=False)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    as_openpyxl = [[datetime(v.year, v.month, v.day) if isinstance(v, date) else v for v in row] for row in rows]
    assert [["" if c.value is None else c.value for c in r] for r in ws.iter_rows(max_col=len(HEADERS))] == as_openpyxl
    return response, rows


def codes(rows) -> list[str]:
    return [row[USCC] for row in rows[1:]]


def test_export_has_the_template_headers_and_chinese_values(client, section_user, office_a):
    entity = make_entity(
        office_a, name="泉港石化物流有限公司", entity_type=EntityType.INDIVIDUAL, industry_code="G5430",
        legal_rep="林海", established_on=date(2015, 3, 9), status=RegistrationStatus.SUSPENDED,
        phone="13905951234", address="泉州市泉港区山腰街道", registration_authority="泉港区市场监督管理局",
    )
    client.force_login(section_user)
    response, rows = download(client)
    assert rows[0] == HEADERS
    assert rows[1] == [entity.uscc, "泉港石化物流有限公司", "个体工商户", "林海", "G5430", "泉州市泉港区山腰街道",
                       "泉港区市场监督管理局", office_a.name, date(2015, 3, 9), "歇业", "13905951234", ""]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_export_file_name_is_chinese_and_rfc5987_encoded(client, section_user):
    client.force_login(section_user)
    disposition = client.get(EXPORT_URL)["Content-Disposition"]
    assert disposition.startswith('attachment; filename="entities_')
    assert "filename*=UTF-8''" + quote("市场主体名录_") in disposition
    assert disposition.endswith(".xlsx")


def test_export_contains_exactly_the_filtered_rows_in_list_order(client, section_user, office_a, office_b):
    wanted_1 = make_entity(office_a, name="泉港石化物流乙公司", industry_code="G5430")
    wanted_2 = make_entity(office_a, name="泉港石化物流甲公司", industry_code="G5430", legal_rep="林海")
    make_entity(office_a, name="泉港石化餐饮店", entity_type=EntityType.INDIVIDUAL, industry_code="H6210")
    make_entity(office_b, name="泉港石化物流丙公司", industry_code="G5430")
    make_entity(office_a, name="泉港石化物流丁公司", industry_code="G5430", status=RegistrationStatus.DEREGISTERED)
    make_entity(office_a, name="别的公司", industry_code="G5430")
    client.force_login(section_user)
    params = {"q": "石化", "section": "G", "status": "active", "office": office_a.pk, "sort": "-name", "page": "3"}
    _, rows = download(client, params)
    expected = sorted([wanted_1, wanted_2], key=lambda e: e.name, reverse=True)
    assert codes(rows) == [e.uscc for e in expected]
    list_page = client.get(reverse("registry:entity_list"), params | {"page": "1"}).content.decode()
    assert list_page.index(expected[0].name) < list_page.index(expected[1].name)


def test_export_of_an_empty_result_has_only_the_header(client, section_user, entity_a):
    client.force_login(section_user)
    _, rows = download(client, {"q": "不存在的名称"})
    assert rows == [HEADERS]


def test_owner_and_colleague_export_only_their_office(client, owner, colleague, entity_a, entity_b):
    for user in (owner, colleague):
        client.force_login(user)
        _, rows = download(client)
        assert codes(rows) == [entity_a.uscc]


def test_outsider_exports_only_the_other_office(client, outsider, entity_a, entity_b):
    client.force_login(outsider)
    _, rows = download(client)
    assert codes(rows) == [entity_b.uscc]


def test_office_staff_cannot_export_another_office_by_asking_for_it(client, owner, office_b, entity_a, entity_b):
    client.force_login(owner)
    for params in ({"office": office_b.pk}, {"q": entity_b.uscc}, {"q": entity_b.name, "office": office_b.pk}):
        _, rows = download(client, params)
        assert entity_b.uscc not in codes(rows)


def test_district_roles_export_every_office(client, section_user, entity_a, entity_b):
    client.force_login(section_user)
    _, rows = download(client)
    assert sorted(codes(rows)) == sorted([entity_a.uscc, entity_b.uscc])


def test_role_without_the_register_gets_403(client, discipline_user, entity_a):
    client.force_login(discipline_user)
    assert client.get(EXPORT_URL).status_code == 403
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


def test_anonymous_is_sent_to_login(client, entity_a):
    response = client.get(EXPORT_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_phone_is_masked_for_a_role_without_the_permission(client, leader, section_user, office_a):
    entity = make_entity(office_a, phone="13905951234")
    landline = make_entity(office_a, phone="0595-87771234")
    client.force_login(leader)
    _, rows = download(client, {"sort": "uscc"})
    phones = {row[USCC]: row[PHONE] for row in rows[1:]}
    assert phones == {entity.uscc: "139****1234", landline.uscc: mask_phone("0595-87771234")}
    assert "13905951234" not in phones.values() and "0595-87771234" not in phones.values()
    client.force_login(section_user)
    _, rows = download(client)
    assert {row[USCC]: row[PHONE] for row in rows[1:]} == {entity.uscc: "13905951234", landline.uscc: "0595-87771234"}


def test_export_is_audited_with_filters_and_row_count(client, owner, office_a, entity_b):
    make_entity(office_a, status=RegistrationStatus.ACTIVE)
    make_entity(office_a, status=RegistrationStatus.ACTIVE)
    make_entity(office_a, status=RegistrationStatus.REVOKED)
    client.force_login(owner)
    download(client, {"status": "active", "q": "", "page": "2"})
    log = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert log.actor == owner
    assert log.extra["rows"] == 2
    assert log.extra["filters"] == {"status": "active"}
    assert log.extra["scope"] == office_a.name
    assert log.extra["phone"] == "明文"
    assert "2 户" in log.summary


def test_query_count_does_not_grow_with_rows(client, section_user, office_a, office_b, django_assert_max_num_queries):
    for i in range(3):
        make_entity(office_a if i % 2 else office_b)
    client.force_login(section_user)
    # session, user, roles, industry sections, office choice, count, phone permission (2), audit, the rows
    with django_assert_max_num_queries(10):
        download(client, {"status": "active", "office": office_a.pk})
    for i in range(60):
        make_entity(office_a if i % 2 else office_b)
    with django_assert_max_num_queries(10):
        _, rows = download(client, {"status": "active", "office": office_a.pk})
    assert len(rows) == 1 + 31


def test_list_page_offers_the_export_with_the_current_filters(client, section_user, entity_a):
    client.force_login(section_user)
    html = client.get(reverse("registry:entity_list"), {"status": "active", "q": "泉港", "page": "2"}).content.decode()
    assert f'href="{EXPORT_URL}?status=active&amp;q=%E6%B3%89%E6%B8%AF"' in html
    assert "导出 Excel" in html


def test_command_exports_every_entity_with_template_headers_and_full_phones(tmp_path, office_a, office_b):
    entities = [make_entity(office_a, phone="13905951234"), make_entity(office_b, phone="")]
    target = tmp_path / "名录.xlsx"
    out = io.StringIO()
    call_command("export_entities", str(target), stdout=out)
    assert "已导出 2 户" in out.getvalue()
    ws = openpyxl.load_workbook(target).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == HEADERS
    assert sorted((r[USCC], r[PHONE]) for r in rows[1:]) == sorted(
        [(entities[0].uscc, "13905951234"), (entities[1].uscc, None)])
    log = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert log.extra["rows"] == 2 and log.actor is None


@pytest.mark.parametrize("where, reason", [("missing-dir/名录.xlsx", "目录不存在"), ("", "这是一个目录")])
def test_command_refuses_an_unwritable_path_in_chinese(tmp_path, entity_a, where, reason):
    with pytest.raises(CommandError, match=f"无法写入文件.*{reason}"):
        call_command("export_entities", str(tmp_path / where))
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


def test_command_exit_status_is_non_zero_on_an_unwritable_path(tmp_path, db):
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "export_entities", str(tmp_path / "no" / "such" / "dir.xlsx")])
    with pytest.raises(SystemExit) as exit_info:
        utility.execute()
    assert exit_info.value.code != 0


def test_export_of_many_offices_names_each_entity_office(client, section_user):
    offices = [make_office() for _ in range(3)]
    made = {make_entity(office).uscc: office.name for office in offices}
    client.force_login(section_user)
    _, rows = download(client)
    assert {row[USCC]: row[HEADERS.index("管辖单位")] for row in rows[1:]} == made


def test_export_import_into_an_empty_register_and_export_again_gives_the_same_rows(tmp_path, office_a, office_b):
    from registry.models import MarketEntity

    make_entity(office_a, name="泉港石化物流有限公司", industry_code="G5430", established_on=date(2001, 2, 3))
    make_entity(office_b, name="泉港区山腰小吃店", entity_type=EntityType.INDIVIDUAL, industry_code="H6210",
                legal_rep="林海", phone="", address="", status=RegistrationStatus.REVOKED)
    make_entity(office_b, name="泉港区果蔬专业合作社 <有限> & \"新\"", entity_type=EntityType.COOPERATIVE,
                industry_code="A0141", phone="0595-87771234", status=RegistrationStatus.MOVED_OUT)
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    call_command("export_entities", str(first), stdout=io.StringIO())
    MarketEntity.objects.all().delete()
    call_command("import_entities", str(first), stdout=io.StringIO())
    assert MarketEntity.objects.count() == 3
    call_command("export_entities", str(second), stdout=io.StringIO())

    def rows(path):
        book = CalamineWorkbook.from_path(str(path))
        return book.get_sheet_by_index(0).to_python()

    assert rows(second) == rows(first)
    assert len(rows(first)) == 4
