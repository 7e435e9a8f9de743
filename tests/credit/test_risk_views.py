"""Risk-class pages: the import, the overview, the entity page's history, the list filter and the export column."""
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from core.choices import JobStatus, Role
from core.models import Job
from credit.excel import RISK_HEADERS
from credit.importer import IMPORT_JOB_KIND
from credit.models import EntityRiskClass
from registry.excel import EXPORT_HEADERS
from registry.models import MarketEntity
from tests.credit.conftest import give_class
from tests.credit.test_risk_import import class_row
from tests.factories import make_entity, make_user
from tests.registry.test_import import write_xlsx

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("credit:risk_import")
OVERVIEW_URL = reverse("credit:risk_overview")


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, username="admin-role")


# ------------------------------------------------------------------------------------------------------------
# The import page
# ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["section_user", "admin_user"])
def test_section_staff_and_admins_may_import(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(IMPORT_URL).status_code == 200
    assert client.get(reverse("credit:risk_import_template")).status_code == 200


@pytest.mark.parametrize("who", ["owner", "leader", "discipline_user"])
def test_other_roles_get_403_on_the_import(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(IMPORT_URL).status_code == 403
    assert client.get(reverse("credit:risk_import_template")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    assert client.get(IMPORT_URL).url.startswith(reverse("login"))
    assert client.get(OVERVIEW_URL).url.startswith(reverse("login"))


def test_template_has_the_platform_headers_and_lists_the_domains(client, section_user):
    client.force_login(section_user)
    response = client.get(reverse("credit:risk_import_template"))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [c.value for c in wb.worksheets[0][1]]
    assert headers == RISK_HEADERS == ["统一社会信用代码", "名称", "风险类别", "分类日期", "分类类型"]
    notes = "\n".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "通用、食品、特种设备、工业产品、药品、化妆品、医疗器械" in notes


def test_upload_runs_as_a_job_and_shows_counts(client, section_user, entity_a, tmp_path,
                                               django_capture_on_commit_callbacks):
    client.force_login(section_user)
    path = write_xlsx(tmp_path / "分类.xlsx", [class_row(entity_a, "C")], headers=RISK_HEADERS)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(IMPORT_URL, {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    job = Job.objects.get(kind=IMPORT_JOB_KIND)
    assert response.url == reverse("credit:risk_import_job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    html = client.get(response.url).content.decode()
    assert "导入完成。共 1 行：新增 1 条分类结果" in html
    assert EntityRiskClass.objects.get().job == job
    assert f"#{job.pk}" in client.get(IMPORT_URL).content.decode()


def test_bad_upload_lists_row_errors_and_offers_the_report(client, section_user, entity_a, tmp_path,
                                                           django_capture_on_commit_callbacks):
    client.force_login(section_user)
    path = write_xlsx(tmp_path / "分类.xlsx", [class_row(entity_a, "Z")], headers=RISK_HEADERS)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(IMPORT_URL, {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    html = client.get(response.url).content.decode()
    assert "“Z”不是有效的风险类别，应为 A、B、C、D 之一" in html and "未导入任何数据" in html
    job = Job.objects.get(kind=IMPORT_JOB_KIND)
    report = client.get(reverse("credit:risk_import_report", args=[job.pk]))
    ws = load_workbook(io.BytesIO(b"".join(report.streaming_content)))["错误报告"]
    assert [c.value for c in ws[2]] == [2, "风险类别", "“Z”不是有效的风险类别，应为 A、B、C、D 之一"]
    assert not EntityRiskClass.objects.exists()


def test_a_queued_job_shows_the_progress_bar(client, section_user, entity_a, tmp_path):
    client.force_login(section_user)
    path = write_xlsx(tmp_path / "分类.xlsx", [class_row(entity_a)], headers=RISK_HEADERS)
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile(path.name, path.read_bytes())})  # no on_commit
    html = client.get(response.url).content.decode()
    assert 'data-job-status-url="/jobs/' in html and "正在处理" in html


def test_another_users_job_and_a_job_of_another_kind_answer_404(client, section_user, entity_a, tmp_path):
    other = make_user(Role.SECTION, username="other-section")
    client.force_login(other)
    path = write_xlsx(tmp_path / "分类.xlsx", [class_row(entity_a)], headers=RISK_HEADERS)
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    client.force_login(section_user)
    assert client.get(response.url).status_code == 404
    register_job = Job.objects.create(kind="registry.import_entities", created_by=section_user)
    assert client.get(reverse("credit:risk_import_job", args=[register_job.pk])).status_code == 404


def test_a_non_xlsx_upload_is_refused_on_the_form(client, section_user):
    client.force_login(section_user)
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("分类.csv", b"a,b")})
    assert response.status_code == 200 and "只能导入 .xlsx 格式的 Excel 文件" in response.content.decode()
    assert not Job.objects.exists()


# ------------------------------------------------------------------------------------------------------------
# The overview: scope by office, 403 for discipline
# ------------------------------------------------------------------------------------------------------------

@pytest.fixture
def classified(entity_a, entity_b):
    give_class(entity_a, "D", date(2024, 3, 31))
    give_class(entity_b, "A", date(2024, 3, 31))
    return entity_a, entity_b


def cards(html: str) -> str:
    return html.split('<section class="cards">')[1].split("</section>")[0]


def test_office_staff_see_only_their_office_in_the_overview(client, owner, colleague, outsider, classified, office_a,
                                                            office_b):
    for user in (owner, colleague):
        client.force_login(user)
        html = client.get(OVERVIEW_URL).content.decode()
        assert office_a.name in html and office_b.name not in html
        assert '<span class="num">1</span><span class="label">D 类 · 100.0%</span>' in cards(html)
    client.force_login(outsider)
    html = client.get(OVERVIEW_URL).content.decode()
    assert office_b.name in html and office_a.name not in html
    assert '<span class="num">1</span><span class="label">A 类 · 100.0%</span>' in cards(html)


def test_district_roles_see_every_office_and_discipline_gets_403(client, section_user, leader, discipline_user,
                                                                 classified, office_a, office_b):
    for user in (section_user, leader):
        client.force_login(user)
        html = client.get(OVERVIEW_URL).content.decode()
        assert office_a.name in html and office_b.name in html
    client.force_login(discipline_user)
    assert client.get(OVERVIEW_URL).status_code == 403


def test_overview_by_domain_falls_back_to_the_general_class(client, section_user, classified):
    entity_a, _ = classified
    give_class(entity_a, "B", date(2024, 1, 31), domain="食品")
    client.force_login(section_user)
    html = cards(client.get(OVERVIEW_URL, {"domain": "food"}).content.decode())
    assert '<span class="num">1</span><span class="label">B 类' in html
    assert '<span class="num">1</span><span class="label">A 类' in html


def test_overview_query_count_does_not_grow_with_offices(client, section_user, django_assert_max_num_queries):
    from tests.factories import make_office

    client.force_login(section_user)
    for _ in range(3):
        give_class(make_entity(make_office()), "B", date(2024, 3, 31))
    with django_assert_max_num_queries(8):
        assert client.get(OVERVIEW_URL).status_code == 200
    for _ in range(10):
        give_class(make_entity(make_office()), "C", date(2024, 3, 31))
    with django_assert_max_num_queries(8):
        assert client.get(OVERVIEW_URL).status_code == 200


# ------------------------------------------------------------------------------------------------------------
# The entity page, the list and the export
# ------------------------------------------------------------------------------------------------------------

def test_entity_page_shows_the_history_to_owner_and_colleague_and_404_to_an_outsider(client, owner, colleague,
                                                                                       outsider, entity_a):
    give_class(entity_a, "B", date(2024, 1, 31))
    give_class(entity_a, "C", date(2024, 2, 29))
    give_class(entity_a, "A", date(2024, 2, 29), domain="特种设备")
    url = reverse("registry:entity_detail", args=[entity_a.pk])
    for user in (owner, colleague):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "信用风险分类" in html and "通用 C 类" in html and "特种设备 A 类" in html
        assert html.count("C 类（信用风险较高）") == 1 and html.count("B 类（信用风险一般）") == 1
        assert "信用风险分类（通用）：B → C 类" in html  # the timeline's change event
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_entity_page_for_leadership_shows_the_history_and_discipline_is_refused(client, leader, discipline_user,
                                                                                 entity_a):
    give_class(entity_a, "D", date(2024, 1, 31))
    url = reverse("registry:entity_detail", args=[entity_a.pk])
    client.force_login(leader)
    assert "D 类（信用风险高）" in client.get(url).content.decode()
    client.force_login(discipline_user)
    assert client.get(url).status_code == 403


def test_class_events_are_hidden_from_a_role_that_may_see_the_entity_but_not_the_class(entity_a, rf, discipline_user):
    from django.template import Context, Template

    from registry.timeline import events_for

    give_class(entity_a, "D", date(2024, 1, 31))
    events = events_for(entity_a)
    assert any(e.category == "风险分类" for e in events)
    template = Template("{% load credit_tags %}{% for e in events|shown_to:user %}{{ e.title }};{% endfor %}"
                        "{% risk_class_history entity %}")
    request = rf.get("/")
    request.user = discipline_user
    html = template.render(Context({"events": events, "user": discipline_user, "entity": entity_a,
                                    "request": request}))
    assert "D 类" not in html and "风险分类" not in html and "成立登记" in html


def test_list_filters_by_current_general_class_and_shows_the_column(client, section_user, office_a):
    a, c, none = make_entity(office_a), make_entity(office_a), make_entity(office_a)
    give_class(a, "C", date(2023, 1, 31))
    give_class(a, "A", date(2024, 1, 31))
    give_class(c, "C", date(2024, 1, 31))
    give_class(none, "D", date(2024, 1, 31), domain="食品")  # a domain class is not the general class
    client.force_login(section_user)
    url = reverse("registry:entity_list")
    html = client.get(url, {"risk_class": "A"}).content.decode()
    assert a.name in html and c.name not in html and none.name not in html
    assert '<span class="risk risk-A">A</span>' in html
    html = client.get(url, {"risk_class": "U"}).content.decode()
    assert none.name in html and a.name not in html
    assert "风险类别（通用）" in html


def test_office_staff_filter_only_within_their_office(client, owner, entity_a, entity_b):
    give_class(entity_a, "B", date(2024, 1, 31))
    give_class(entity_b, "B", date(2024, 1, 31))
    client.force_login(owner)
    html = client.get(reverse("registry:entity_list"), {"risk_class": "B"}).content.decode()
    assert entity_a.name in html and entity_b.name not in html


def test_list_query_count_stays_bounded_with_classes(client, section_user, office_a, django_assert_max_num_queries):
    for i in range(40):
        give_class(make_entity(office_a), "ABCD"[i % 4], date(2024, 1, 31))
    client.force_login(section_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("registry:entity_list"), {"risk_class": "B"}).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("registry:entity_list")).status_code == 200


def test_export_has_the_class_column_and_the_register_import_accepts_it_back(client, section_user, office_a, tmp_path):
    a, b = make_entity(office_a), make_entity(office_a)
    give_class(a, "C", date(2024, 1, 31))
    client.force_login(section_user)
    data = b"".join(client.get(reverse("registry:entity_export")).streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0] == EXPORT_HEADERS and rows[0][-1] == "风险类别"
    assert {r[0]: r[-1] for r in rows[1:]} == {a.uscc: "C", b.uscc: ""}

    path = tmp_path / "导出.xlsx"
    path.write_bytes(data)
    MarketEntity.objects.filter(pk=b.pk).update(name="改过的名称")
    call_command("import_entities", str(path), stdout=io.StringIO())  # the extra column is ignored
    assert MarketEntity.objects.get(pk=b.pk).name == b.name
    assert EntityRiskClass.objects.filter(entity=a).count() == 1


def test_navigation_shows_risk_classes_to_the_roles_that_work_with_them(client, owner, section_user, leader,
                                                                       discipline_user):
    for user, shown in ((owner, True), (section_user, True), (leader, True), (discipline_user, False)):
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert (f'href="{OVERVIEW_URL}"' in html) is shown, user
