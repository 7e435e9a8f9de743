"""The scoring model's pages: who may see and start runs, results scoped by office, explanations, export,
complaints import, and bounded queries."""
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from core.choices import JobStatus
from credit.excel import COMPLAINT_HEADERS
from credit.indicators import KINDS
from credit.models import Complaint, ModelRun, ModelVersion
from credit.services import classification_run_queue
from registry.choices import EntityType
from tests.credit.test_scoring import complaint, shop
from tests.factories import make_entity
from tests.registry.test_import import write_xlsx

pytestmark = pytest.mark.django_db

HOME = reverse("credit:model_home")
AS_OF = date(2024, 6, 30)


@pytest.fixture
def pilot():
    return ModelVersion.objects.get(model__code="individual-pilot", number=1)


@pytest.fixture
def finished_run(pilot, office_a, office_b, section_user, django_capture_on_commit_callbacks):
    mine = shop(office_a, established=date(2024, 1, 1), name="山腰鸿运小吃店")
    complaint(mine, date(2024, 3, 1))
    shop(office_b, established=date(2010, 1, 1), name="南埔老字号茶行")
    with django_capture_on_commit_callbacks(execute=True):
        run = classification_run_queue(version=pilot, entity_type=EntityType.INDIVIDUAL, as_of=AS_OF,
                                       by=section_user)
    run.refresh_from_db()
    assert run.job.status == JobStatus.SUCCEEDED
    return run


def test_model_page_documents_the_formula_and_marks_sources_not_yet_live(client, owner):
    client.force_login(owner)
    html = client.get(HOME).content.decode()
    assert "每户的风险分 = 下表各项指标得分之和" in html
    assert "风险分 <strong>低于 15.00</strong> 为 A 类" in html
    assert html.count("数据来源尚未上线</span>") == sum(not kind.available for kind in KINDS.values())
    not_live = sum(not kind.available for kind in KINDS.values())
    assert ("各项指标的数据来源均已上线" in html) == (not_live == 0)
    assert (f"的 {not_live} 项指标已列入模型" in html) == (not_live > 0)
    assert "发起评价" not in html  # office staff read, they do not start runs


def test_the_run_form_offers_today_as_the_base_date(client, section_user):
    from django.utils import timezone

    client.force_login(section_user)
    html = client.get(HOME).content.decode()
    assert f'type="date" name="as_of" value="{timezone.localdate():%Y-%m-%d}"' in html


@pytest.mark.parametrize("who", ["section_user", "leader", "owner"])
def test_roles_that_work_with_classes_see_the_model(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(HOME).status_code == 200


def test_discipline_gets_403_everywhere(client, discipline_user, finished_run, office_a):
    client.force_login(discipline_user)
    entity = finished_run.results.first().entity
    for url in (HOME, reverse("credit:run_detail", args=[finished_run.pk]),
                reverse("credit:run_export", args=[finished_run.pk]),
                reverse("credit:result_detail", args=[finished_run.pk, entity.pk]),
                reverse("credit:complaints_import")):
        assert client.get(url).status_code == 403, url


def test_section_staff_start_a_run_and_office_staff_may_not(client, section_user, owner, pilot,
                                                           django_capture_on_commit_callbacks):
    client.force_login(owner)
    data = {"version": pilot.pk, "entity_type": EntityType.INDIVIDUAL, "as_of": "2024-06-30"}
    assert client.post(reverse("credit:run_start"), data).status_code == 403
    client.force_login(section_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("credit:run_start"), data)
    run = ModelRun.objects.get()
    assert response.url == reverse("credit:run_detail", args=[run.pk])
    assert "评价完成" in run.job.__class__.objects.get(pk=run.job_id).result["summary"]
    bad = client.post(reverse("credit:run_start"), {**data, "as_of": "2999-01-01"})
    assert bad.status_code == 400 and "评价基准日不能晚于今天" in bad.content.decode()


def test_a_queued_run_shows_its_progress(client, section_user, pilot):
    run = classification_run_queue(version=pilot, entity_type=EntityType.INDIVIDUAL, as_of=AS_OF, by=section_user)
    client.force_login(section_user)
    html = client.get(reverse("credit:run_detail", args=[run.pk])).content.decode()
    assert f'data-job-status-url="/jobs/{run.job_id}/status/"' in html


def test_owner_and_colleague_see_their_office_results_and_an_outsider_gets_404(client, owner, colleague, outsider,
                                                                                finished_run):
    mine = finished_run.results.get(entity__name="山腰鸿运小吃店")
    url = reverse("credit:result_detail", args=[finished_run.pk, mine.entity_id])
    for user in (owner, colleague):
        client.force_login(user)
        html = client.get(reverse("credit:run_detail", args=[finished_run.pk])).content.decode()
        assert "山腰鸿运小吃店" in html and "南埔老字号茶行" not in html
        detail = client.get(url).content.decode()
        assert f"该户风险分为 <strong>{mine.score}</strong>" in detail and "近 2 年投诉举报 1 件" in detail
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    html = client.get(reverse("credit:run_detail", args=[finished_run.pk])).content.decode()
    assert "南埔老字号茶行" in html and "山腰鸿运小吃店" not in html


def test_the_export_holds_each_indicator_and_is_scoped(client, owner, section_user, finished_run):
    client.force_login(owner)
    data = b"".join(client.get(reverse("credit:run_export", args=[finished_run.pk])).streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[0][:5] == ["统一社会信用代码", "名称", "管辖单位", "风险分", "评价类别"]
    assert "投诉举报（得分）" in rows[0] and len(rows) == 2 and rows[1][1] == "山腰鸿运小吃店"
    # Every kind's source is live now: each shows its value, none says 数据来源尚未上线.
    assert ("数据来源尚未上线" in rows[1]) == any(not kind.available for kind in KINDS.values())
    assert "近 2 年抽查发现问题 0 次" in rows[1]
    client.force_login(section_user)
    data = b"".join(client.get(reverse("credit:run_export", args=[finished_run.pk])).streaming_content)
    assert len(CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()) == 3


def test_run_page_query_count_does_not_grow_with_results(client, section_user, pilot, office_a,
                                                        django_capture_on_commit_callbacks,
                                                        django_assert_max_num_queries):
    for i in range(30):
        shop(office_a, established=date(2020 + i % 4, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        run = classification_run_queue(version=pilot, entity_type=EntityType.INDIVIDUAL, as_of=AS_OF,
                                       by=section_user)
    client.force_login(section_user)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("credit:run_detail", args=[run.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(HOME).status_code == 200


def test_enterprise_comparison_page_shows_the_matrix(client, section_user, pilot, office_a,
                                                     django_capture_on_commit_callbacks):
    from tests.credit.conftest import give_class

    give_class(make_entity(office_a, established_on=date(2000, 1, 1)), "A", date(2024, 5, 31))
    with django_capture_on_commit_callbacks(execute=True):
        run = classification_run_queue(version=pilot, entity_type=EntityType.ENTERPRISE, as_of=AS_OF,
                                       by=section_user)
    client.force_login(section_user)
    html = client.get(reverse("credit:run_detail", args=[run.pk])).content.decode()
    assert "与上级平台通用分类对照" in html and "一致 1 户（100.0%）" in html


def test_reproducing_a_run_from_its_page(client, section_user, owner, finished_run,
                                         django_capture_on_commit_callbacks):
    url = reverse("credit:run_reproduce", args=[finished_run.pk])
    client.force_login(owner)
    assert client.post(url).status_code == 403
    client.force_login(section_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    again = ModelRun.objects.exclude(pk=finished_run.pk).get()
    html = client.get(response.url).content.decode()
    assert again.reproduces == finished_run and "全部结果一致" in html


def test_complaints_are_imported_from_their_page(client, section_user, entity_a, tmp_path,
                                                 django_capture_on_commit_callbacks):
    client.force_login(section_user)
    path = write_xlsx(tmp_path / "投诉.xlsx", [
        {"登记编号": "12315-001", "统一社会信用代码": entity_a.uscc, "类型": "投诉", "受理日期": date(2024, 3, 1),
         "是否属实": "是", "简要内容": "缺斤少两"},
        {"登记编号": "12315-002", "统一社会信用代码": entity_a.uscc, "类型": "举报", "受理日期": "2024/4/2"},
    ], headers=COMPLAINT_HEADERS)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("credit:complaints_import"),
                               {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    assert "导入完成。共 2 行：新增 2 件" in client.get(response.url).content.decode()
    assert sorted(Complaint.objects.values_list("number", "substantiated")) == [("12315-001", True),
                                                                                 ("12315-002", None)]
    template = client.get(reverse("credit:complaints_import_template"))
    assert template.status_code == 200


def test_complaint_rows_with_errors_import_nothing(client, section_user, entity_a, tmp_path,
                                                   django_capture_on_commit_callbacks):
    client.force_login(section_user)
    path = write_xlsx(tmp_path / "投诉.xlsx", [
        {"登记编号": "A1", "统一社会信用代码": entity_a.uscc, "类型": "投诉", "受理日期": date(2024, 3, 1)},
        {"登记编号": "A1", "统一社会信用代码": entity_a.uscc, "类型": "咨询", "受理日期": date(2024, 3, 1),
         "是否属实": "待定"},
    ], headers=COMPLAINT_HEADERS)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("credit:complaints_import"),
                               {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    html = client.get(response.url).content.decode()
    assert "登记编号 A1 与第 2 行重复" in html and "“咨询”不是有效的类型，应为：投诉、举报" in html
    assert "“待定”无法识别，应为：是、否，或留空（尚未核查）" in html
    assert not Complaint.objects.exists()


def test_complaints_show_on_the_entity_timeline(client, owner, entity_a):
    Complaint.objects.create(number="12315-9", entity=entity_a, kind="report", received_on=date(2024, 3, 1),
                             substantiated=False, summary="无照经营")
    client.force_login(owner)
    html = client.get(reverse("registry:entity_detail", args=[entity_a.pk])).content.decode()
    assert "受理举报（12315-9）" in html and "核查不属实；无照经营" in html
