"""The import pages: who may use them, the template, uploads, the job page and its error report."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from core.choices import AuditAction, JobStatus, Role
from core.models import AuditLog, Job
from registry.excel import HEADERS
from registry.exporter import entity_workbook
from registry.importer import IMPORT_JOB_KIND
from registry.models import MarketEntity
from tests.factories import make_entity, make_user
from tests.registry.test_import import entity_row, write_xlsx

pytestmark = pytest.mark.django_db

PAGES = ["registry:import", "registry:import_template"]


def upload(client, path, *, dry_run=False, capture=None):
    """Post a file to the import page; with capture, the on-commit task runs in-process (eager Celery)."""
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes())}
    if dry_run:
        data["dry_run"] = "on"
    if capture is None:
        return client.post(reverse("registry:import"), data)
    with capture(execute=True):
        return client.post(reverse("registry:import"), data)


# ------------------------------------------------------------------------------------------------------------
# Access
# ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGES)
def test_section_staff_and_admins_may_use_the_import(client, section_user, page):
    admin = make_user(Role.ADMIN, username="sysadmin")
    for user in (section_user, admin):
        client.force_login(user)
        assert client.get(reverse(page)).status_code == 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role_user", ["owner", "leader", "discipline_user"])
def test_office_staff_leadership_and_discipline_get_403(client, request, role_user, page):
    client.force_login(request.getfixturevalue(role_user))
    assert client.get(reverse(page)).status_code == 403


def test_office_staff_cannot_upload(client, owner, tmp_path, office_a):
    client.force_login(owner)
    response = upload(client, write_xlsx(tmp_path / "a.xlsx", [entity_row(1)]))
    assert response.status_code == 403
    assert not Job.objects.exists()


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_navigation_shows_the_import_only_to_those_who_may_use_it(client, section_user, owner):
    client.force_login(section_user)
    assert "名录导入" in client.get(reverse("home")).content.decode()
    client.force_login(owner)
    assert "名录导入" not in client.get(reverse("home")).content.decode()


# ------------------------------------------------------------------------------------------------------------
# The template
# ------------------------------------------------------------------------------------------------------------

def test_template_has_the_exact_headers_and_explains_each_column(client, section_user, office_a):
    client.force_login(section_user)
    response = client.get(reverse("registry:import_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames == ["市场主体名录", "填写说明"]
    assert [c.value for c in wb["市场主体名录"][1]] == HEADERS
    notes = {row[0]: row for row in wb["填写说明"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert notes["统一社会信用代码"][1] == "必填" and notes["联系电话"][1] == "选填"
    assert notes["市场主体类型"][3] == "企业、个体工商户、农民专业合作社"
    assert notes["登记状态"][3] == "存续、歇业、吊销、注销、迁出"
    assert office_a.name in notes["管辖单位"][3]


def test_a_filled_in_template_imports(client, section_user, office_a, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(section_user)
    response = client.get(reverse("registry:import_template"))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    wb["市场主体名录"].append(list(entity_row(1).values()))
    path = tmp_path / "模板.xlsx"
    wb.save(path)
    upload(client, path, capture=django_capture_on_commit_callbacks)
    assert MarketEntity.objects.filter(name="泉港导入测试企业1有限公司").exists()


# ------------------------------------------------------------------------------------------------------------
# Uploads
# ------------------------------------------------------------------------------------------------------------

def test_a_file_that_is_not_xlsx_is_refused_at_upload(client, section_user):
    client.force_login(section_user)
    response = client.post(reverse("registry:import"), {"file": SimpleUploadedFile("名录.xls", b"\xd0\xcf\x11\xe0")})
    assert response.status_code == 200
    assert "只能导入 .xlsx 格式的 Excel 文件" in response.content.decode()
    assert not Job.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, section_user, tmp_path, settings, office_a):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    client.force_login(section_user)
    response = upload(client, write_xlsx(tmp_path / "big.xlsx", [entity_row(i) for i in range(50)]))
    assert response.status_code == 200
    html = response.content.decode().replace("\xa0", " ")  # filesizeformat keeps number and unit together
    assert "文件太大" in html and "上限为 1.0 KB。请拆分成几个文件分批导入。" in html
    assert not Job.objects.exists()


def test_good_upload_imports_and_shows_the_counts(client, section_user, office_a, tmp_path,
                                                  django_capture_on_commit_callbacks):
    client.force_login(section_user)
    path = write_xlsx(tmp_path / "名录.xlsx", [entity_row(1), entity_row(2)])
    response = upload(client, path, capture=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("registry:import_job", args=[job.pk])
    assert (job.kind, job.status, job.created_by, job.input_name) == (
        IMPORT_JOB_KIND, JobStatus.SUCCEEDED, section_user, "名录.xlsx")
    assert MarketEntity.objects.count() == 2
    log = AuditLog.objects.get(action=AuditAction.IMPORT)
    assert log.extra["job"] == job.pk and log.target_id == str(job.pk)
    assert not MarketEntity.objects.filter(status_changes__isnull=False).exists()  # new entities: no status rows
    html = client.get(response.url).content.decode()
    assert "导入完成。共 2 行：新增 2 户，更新 0 户，无变化 0 户。" in html
    assert "data-job-status-url" not in html  # finished: no progress bar
    listing = client.get(reverse("registry:import")).content.decode()
    assert f"#{job.pk}" in listing and "名录.xlsx" in listing


def test_dry_run_upload_writes_nothing(client, section_user, office_a, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(section_user)
    upload(client, write_xlsx(tmp_path / "d.xlsx", [entity_row(1)]), dry_run=True,
           capture=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.status == JobStatus.SUCCEEDED and job.result["dry_run"] is True
    assert not MarketEntity.objects.exists()
    assert "试运行：校验通过" in client.get(reverse("registry:import_job", args=[job.pk])).content.decode()


def test_bad_upload_shows_the_row_report_and_offers_it_as_xlsx(client, section_user, office_a, tmp_path,
                                                              django_capture_on_commit_callbacks):
    client.force_login(section_user)
    rows = [entity_row(1), entity_row(2, 登记状态="营业中"), entity_row(3, 管辖单位="不存在所")]
    response = upload(client, write_xlsx(tmp_path / "bad.xlsx", rows), capture=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert job.error == "文件中有 2 处错误（涉及 2 行），未导入任何数据。"
    assert not MarketEntity.objects.exists()
    html = client.get(response.url).content.decode()
    assert "文件中有 2 处错误（涉及 2 行），未导入任何数据。" in html
    assert "<td class=\"num\">第 3 行</td><td class=\"nowrap\">登记状态</td>" in html
    assert "“不存在所”不是系统中的管辖单位" in html

    report = client.get(reverse("registry:import_report", args=[job.pk]))
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content)))["错误报告"]
    assert list(sheet.iter_rows(values_only=True))[:3] == [
        ("行号", "列名", "原因"),
        (3, "登记状态", "“营业中”不是有效的登记状态，应为：存续、歇业、吊销、注销、迁出"),
        (4, "管辖单位", "“不存在所”不是系统中的管辖单位，应填写已有市场监督管理所的全称"),
    ]


def test_file_level_error_is_shown_on_the_job_page(client, section_user, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(section_user)
    path = tmp_path / "改名的.xlsx"
    path.write_text("统一社会信用代码,名称", encoding="utf-8")
    response = upload(client, path, capture=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED and "文件不是 Excel 工作簿（.xlsx）" in job.error
    assert "文件不是 Excel 工作簿（.xlsx）" in client.get(response.url).content.decode()
    assert client.get(reverse("registry:import_report", args=[job.pk])).status_code == 404


def test_a_queued_job_shows_the_progress_bar(client, section_user, office_a, tmp_path):
    client.force_login(section_user)
    response = upload(client, write_xlsx(tmp_path / "q.xlsx", [entity_row(1)]))  # on-commit never runs here
    job = Job.objects.get()
    assert job.status == JobStatus.QUEUED
    html = client.get(response.url).content.decode()
    assert f'<div data-job-status-url="{reverse("core:job_status", args=[job.pk])}"><div class="progress">' in html
    assert "<span data-job-stage>" in html and "<span data-job-percent>" in html


# ------------------------------------------------------------------------------------------------------------
# Someone else's job
# ------------------------------------------------------------------------------------------------------------

def test_another_users_job_answers_404(client, section_user, office_a, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(section_user)
    upload(client, write_xlsx(tmp_path / "bad.xlsx", [entity_row(1, 登记状态="?")]),
           capture=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    colleague = make_user(Role.SECTION, username="credit2")
    client.force_login(colleague)
    assert client.get(reverse("core:job_status", args=[job.pk])).status_code == 404
    assert client.get(reverse("registry:import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("registry:import_report", args=[job.pk])).status_code == 404
    assert "bad.xlsx" not in client.get(reverse("registry:import")).content.decode()
    client.force_login(section_user)
    status = client.get(reverse("core:job_status", args=[job.pk])).json()
    assert status["finished"] and status["status"] == JobStatus.FAILED


def test_a_job_of_another_kind_is_not_an_import(client, section_user):
    other = Job.objects.create(kind="inspections.draw", created_by=section_user)
    client.force_login(section_user)
    assert client.get(reverse("registry:import_job", args=[other.pk])).status_code == 404


# ------------------------------------------------------------------------------------------------------------
# Export → import round trip
# ------------------------------------------------------------------------------------------------------------

def test_export_then_import_into_an_empty_register_gives_the_same_rows(office_a, office_b, tmp_path):
    from registry.exporter import entity_rows
    from registry.importer import entities_import

    make_entity(office_a, name="泉港石化有限公司", legal_rep="", phone="", address="")
    make_entity(office_b, entity_type="individual", status="suspended", industry_code="H6210")
    make_entity(office_b, entity_type="cooperative", status="deregistered", industry_code="A0141")
    queryset = MarketEntity.objects.order_by("uscc")
    before = list(entity_rows(queryset, show_phone=True))
    path = tmp_path / "导出.xlsx"
    entity_workbook(queryset, show_phone=True).save(path)
    MarketEntity.objects.all().delete()

    report = entities_import(path=path, file_name=path.name)
    assert report.ok and report.created == 3
    assert list(entity_rows(MarketEntity.objects.order_by("uscc"), show_phone=True)) == before
