"""The 年报 pages: access by owner, colleague and outsider (another office's record answers 404), the campaign from
list to contacts, phone masking in the campaign export, the paper form, suspensions and guidance."""
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from annual_reports.choices import ContactOutcome, FilingStatus, GuidanceOutcome
from annual_reports.dormancy import guidance_record, suspension_record
from annual_reports.models import AnnualReport, CampaignTarget, ContactRecord, DormancyGuidance, ReminderCampaign
from annual_reports.services import campaign_create
from core.choices import Role
from tests.factories import make_user

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def sheet_rows(response):
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def leader(db):
    return make_user(Role.LEADER, username="leader")


@pytest.fixture
def campaign(season, owner):
    return campaign_create(season=season, name="山腰所第一轮短信提醒", office=None, entity_type="", industry_prefix="",
                           note="", by=owner)


def test_pages_render_for_each_role(client, season, owner, section_user, leader):
    for user in (owner, section_user, leader):
        client.force_login(user)
        for name in ("home", "report_list", "campaign_list", "dormant_list", "guidance_list", "suspension_list",
                     "season_list"):
            response = client.get(reverse(f"annual_reports:{name}"))
            assert response.status_code == 200, (user, name)
    client.force_login(owner)
    assert "仅供参考" in client.get(reverse("annual_reports:home")).content.decode()


def test_office_staff_see_only_their_office(client, season, owner, enterprise, other_enterprise):
    client.force_login(owner)
    page = client.get(reverse("annual_reports:report_list"), {"year": YEAR}).content.decode()
    assert enterprise.name in page and other_enterprise.name not in page
    rows = sheet_rows(client.get(reverse("annual_reports:report_export"), {"year": YEAR}))
    assert {r[1] for r in rows[1:]} == set(AnnualReport.objects.filter(entity__office=owner.office)
                                           .values_list("entity__uscc", flat=True))
    assert other_enterprise.uscc not in {r[1] for r in rows[1:]}


def test_an_office_campaign_is_scoped_to_the_office(campaign, owner, enterprise, individual, other_enterprise):
    assert campaign.office == owner.office
    assert set(CampaignTarget.objects.filter(campaign=campaign).values_list("entity_id", flat=True)) == {
        enterprise.pk, individual.pk}


def test_another_offices_campaign_and_targets_answer_404(client, campaign, outsider, colleague):
    target = CampaignTarget.objects.filter(campaign=campaign).first()
    client.force_login(outsider)
    assert client.get(reverse("annual_reports:campaign_detail", args=[campaign.pk])).status_code == 404
    assert client.get(reverse("annual_reports:campaign_export", args=[campaign.pk])).status_code == 404
    response = client.post(reverse("annual_reports:contact_add", args=[target.pk]),
                           {"contacted_on": timezone.localdate().isoformat(), "channel": "phone",
                            "outcome": "reached"})
    assert response.status_code == 404 and not ContactRecord.objects.exists()
    client.force_login(colleague)
    assert client.get(reverse("annual_reports:campaign_detail", args=[campaign.pk])).status_code == 200


def test_contacts_are_recorded_and_the_campaign_shows_reach_and_filings(client, campaign, owner, enterprise,
                                                                        individual):
    target = CampaignTarget.objects.get(campaign=campaign, entity=enterprise)
    client.force_login(owner)
    today = timezone.localdate()
    response = client.post(reverse("annual_reports:contact_add", args=[target.pk]),
                           {"contacted_on": today.isoformat(), "channel": "sms", "outcome": ContactOutcome.PROMISED,
                            "note": "经营者说本周报送"})
    assert response.status_code == 302
    record = ContactRecord.objects.get()
    assert (record.target, record.outcome, record.recorded_by) == (target, ContactOutcome.PROMISED, owner)
    bad = client.post(reverse("annual_reports:contact_add", args=[target.pk]),
                      {"contacted_on": (today + timedelta(days=1)).isoformat(), "channel": "sms",
                       "outcome": "reached"}, follow=True)
    assert "联系日期不能晚于今天" in bad.content.decode() and ContactRecord.objects.count() == 1
    AnnualReport.objects.filter(entity=enterprise).update(status=FilingStatus.LATE, filed_on=today, channel="web")
    page = client.get(reverse("annual_reports:campaign_detail", args=[campaign.pk]))
    stats = page.context["stats"]
    assert (stats["total"], stats["contacted"], stats["reached"], stats["followed"]) == (2, 1, 1, 1)


def test_phones_are_masked_in_the_export_for_roles_without_the_permission(client, campaign, owner, leader,
                                                                          enterprise):
    client.force_login(owner)  # office staff hold registry.view_entity_phone
    rows = sheet_rows(client.get(reverse("annual_reports:campaign_export", args=[campaign.pk])))
    assert rows[0][4] == "联系电话"
    phones = {r[0]: r[4] for r in rows[1:]}
    assert phones[enterprise.uscc] == "13905951234"
    client.force_login(leader)  # leadership does not
    rows = sheet_rows(client.get(reverse("annual_reports:campaign_export", args=[campaign.pk])))
    assert {r[0]: r[4] for r in rows[1:]}[enterprise.uscc] == "139****1234"
    page = client.get(reverse("annual_reports:campaign_detail", args=[campaign.pk])).content.decode()
    assert "139****1234" in page and "13905951234" not in page


def test_leadership_reads_but_does_not_write(client, season, leader, individual):
    client.force_login(leader)
    response = client.post(reverse("annual_reports:paper_report"), {
        "uscc": individual.uscc, "season": season.pk, "filed_on": "2025-03-01", "publish": "1"})
    assert response.status_code == 403
    assert client.get(reverse("annual_reports:campaign_create")).status_code == 403
    assert client.get(reverse("annual_reports:import")).status_code == 403


def test_the_paper_form_records_a_report_and_refuses_an_enterprise(client, season, owner, individual, enterprise,
                                                                   other_enterprise):
    client.force_login(owner)
    response = client.post(reverse("annual_reports:paper_report"), {
        "uscc": individual.uscc.lower(), "season": season.pk, "filed_on": "2025-03-01", "publish": "0"})
    assert response.status_code == 302
    report = AnnualReport.objects.get(entity=individual)
    assert (report.status, report.publish, report.recorded_by) == (FilingStatus.ON_TIME, False, owner)
    page = client.post(reverse("annual_reports:paper_report"), {
        "uscc": enterprise.uscc, "season": season.pk, "filed_on": "2025-03-01", "publish": "1"}).content.decode()
    assert "不是个体工商户" in page
    page = client.post(reverse("annual_reports:paper_report"), {
        "uscc": other_enterprise.uscc, "season": season.pk, "filed_on": "2025-03-01", "publish": "1"})
    assert "您可查看的范围内" in page.content.decode()  # another office's entity is not found


def test_suspensions_and_guidance_of_another_office_answer_404(client, owner, outsider, enterprise):
    today = timezone.localdate()
    period = suspension_record(entity=enterprise, starts_on=today - timedelta(days=100),
                               planned_end=today + timedelta(days=10), note="", by=owner)
    guidance = guidance_record(entity=enterprise, kind="suspension", guided_on=today, signals=[], note="", by=owner)
    client.force_login(outsider)
    assert client.post(reverse("annual_reports:suspension_resume", args=[period.pk]),
                       {"resumed_on": today.isoformat()}).status_code == 404
    assert client.post(reverse("annual_reports:guidance_outcome", args=[guidance.pk]),
                       {"outcome": "deregistered", "outcome_on": today.isoformat()}).status_code == 404
    assert client.get(reverse("annual_reports:guidance_create", args=[enterprise.pk])).status_code == 404
    assert enterprise.name not in client.get(reverse("annual_reports:suspension_list")).content.decode()
    client.force_login(owner)
    client.post(reverse("annual_reports:guidance_outcome", args=[guidance.pk]),
                {"outcome": GuidanceOutcome.SUSPENSION_FILED, "outcome_on": today.isoformat()})
    assert DormancyGuidance.objects.get().outcome == GuidanceOutcome.SUSPENSION_FILED


def test_import_page_queues_a_job_that_runs_in_process(client, season, section_user, enterprise, tmp_path,
                                                       django_capture_on_commit_callbacks):
    from tests.registry.test_import import write_xlsx

    from .conftest import HEADERS, row

    path = write_xlsx(tmp_path / "x.xlsx", [row(enterprise, date(2025, 3, 3))], headers=HEADERS)
    client.force_login(section_user)
    with path.open("rb") as f, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("annual_reports:import"), {"file": f})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "导入完成" in page
    assert AnnualReport.objects.get(entity=enterprise).status == FilingStatus.ON_TIME
    assert ReminderCampaign.objects.count() == 0


def test_hand_over_from_the_progress_page_runs_as_a_job(client, season, section_user, enterprise, individual,
                                                       django_capture_on_commit_callbacks):
    from credit.models import ListingCase

    client.force_login(section_user)
    page = client.get(reverse("annual_reports:home"), {"year": YEAR}).content.decode()
    assert "移交列异流程" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("annual_reports:season_hand_over", args=[YEAR]))
    assert response.status_code == 302
    assert "已移交列异流程：3 户" in client.get(response.url).content.decode()
    assert ListingCase.objects.count() == 3


def test_the_entity_timeline_shows_filings_reminders_and_guidance(client, campaign, owner, individual, season):
    from annual_reports.services import contact_record, report_record_paper
    from core.models import AuditLog

    report = report_record_paper(entity=individual, season=season, filed_on=date(2025, 3, 1), publish=True, by=owner)
    target = CampaignTarget.objects.get(campaign=campaign, entity=individual)
    contact_record(target=target, contacted_on=timezone.localdate(), channel="sms", outcome="reached", note="",
                   by=owner)
    guidance_record(entity=individual, kind="simple_dereg", guided_on=timezone.localdate(), signals=[], note="",
                    by=owner)
    assert AuditLog.objects.for_object(report).exists()
    client.force_login(owner)
    page = client.get(reverse("registry:entity_detail", args=[individual.pk])).content.decode()
    assert f"报送{YEAR} 年度年报（按时报送）" in page
    assert "年报提醒（短信）：已告知" in page and "引导简易注销" in page


def test_opening_a_season_from_the_page_runs_as_a_job(client, section_user, enterprise,
                                                      django_capture_on_commit_callbacks):
    from annual_reports.models import FilingSeason

    client.force_login(section_user)
    bad = client.post(reverse("annual_reports:season_open"), {"year": 2024, "due_on": "2024-12-31"}, follow=True)
    assert "开始日期" in bad.content.decode() or "截止日期不能早于" in bad.content.decode()
    assert not FilingSeason.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("annual_reports:season_open"), {"year": 2024, "note": "按省局通知"})
    assert response.status_code == 302
    assert "已开启2024 年度年报：新增报送记录 1 户" in client.get(response.url).content.decode()
    assert FilingSeason.objects.get().due_on == date(2025, 6, 30)


def test_the_progress_page_reminds_of_suspensions_in_their_window(client, season, owner, outsider, enterprise):
    today = timezone.localdate()
    suspension_record(entity=enterprise, starts_on=today - timedelta(days=100), planned_end=today + timedelta(days=10),
                      note="", by=owner)
    client.force_login(owner)
    assert "1 户处于歇业期满前的延期申请期内" in client.get(reverse("annual_reports:home")).content.decode()
    client.force_login(outsider)
    assert "歇业提醒" not in client.get(reverse("annual_reports:home")).content.decode()


def test_the_list_total_comes_from_the_tallies_and_matches_the_records(client, tmp_path, season, section_user, owner,
                                                                     office_a, enterprise, individual,
                                                                     other_enterprise):
    from annual_reports.filters import ReportFilter
    from annual_reports.selectors import report_count_from_tallies, report_list_queryset
    from tests.factories import make_entity

    from .conftest import row, run

    newcomer = make_entity(office_a, established_on=date(YEAR, 3, 1))  # 无需报送
    from annual_reports.services import season_open

    season_open(year=YEAR, by=section_user)
    late = make_entity(office_a, established_on=date(2015, 1, 1))
    season_open(year=YEAR, by=section_user)
    assert run(tmp_path, [row(enterprise, date(2025, 2, 1)), row(individual, date(2025, 3, 1), "纸质"),
                          row(late, date(2025, 7, 3))], user=section_user).ok
    combos = [{}, {"group": "bureau"}, {"status": "required"}, {"group": "bureau", "status": "required"},
              {"status": "not_filed"}, {"status": "on_time"}, {"status": "late"},
              {"status": "not_required"}, {"type": "individual"}, {"group": "bureau", "status": "not_filed"},
              {"office": office_a.pk}, {"office": other_enterprise.office_id, "status": "not_filed"},
              {"filed_before": "2025-02-28"}, {"group": "bureau", "filed_after": "2025-02-15"},
              {"status": "not_filed", "filed_before": "2025-06-30"}]
    for user in (section_user, owner):
        for combo in combos:
            data = {"year": str(YEAR), **{k: str(v) for k, v in combo.items()}}
            filterset = ReportFilter(data, queryset=report_list_queryset(user), user=user)
            assert report_count_from_tallies(filterset, user) == filterset.qs.count(), (user, combo)
    # Filters the tallies cannot answer fall back to counting.
    filterset = ReportFilter({"year": str(YEAR), "q": newcomer.name}, queryset=report_list_queryset(section_user),
                             user=section_user)
    assert report_count_from_tallies(filterset, section_user) is None
    client.force_login(section_user)
    response = client.get(reverse("annual_reports:report_list"), {"year": YEAR, "status": "not_filed"})
    assert response.context["page"].paginator.count == 1 and other_enterprise.name in response.content.decode()


def test_a_given_total_that_drifted_is_counted_exactly_on_the_last_page(season):
    from annual_reports.views.season import TallyCountPaginator

    records = AnnualReport.objects.order_by("pk")
    paginator = TallyCountPaginator(records, 2, count=9)  # the tallies say 9; there are 3 records
    assert paginator.page(1).paginator.count == 9
    last = paginator.page(5)  # the last page by the given total: the list counts and ends at its real end
    assert (paginator.count, last.number, len(last.object_list)) == (3, 2, 1)


def test_the_cut_off_is_edited_on_the_season_page_with_chinese_errors(client, season, section_user, office_a):
    from annual_reports.models import FilingSeason
    from tests.factories import make_entity

    mid_year = make_entity(office_a, established_on=date(YEAR - 1, 8, 1))  # required by the default cut-off
    from annual_reports.services import season_open

    season_open(year=YEAR, by=section_user)
    client.force_login(section_user)
    url = reverse("annual_reports:season_edit", args=[YEAR])
    page = client.get(url).content.decode()
    assert "须报送主体的成立日期早于" in page and f'value="{YEAR}-01-01"' in page
    bad = client.post(url, {"due_on": "2025-06-30", "required_established_before": "2026-01-01", "note": ""})
    assert "不能晚于报送开始日期" in bad.content.decode()
    assert FilingSeason.objects.get(year=YEAR).required_established_before == date(YEAR, 1, 1)
    done = client.post(url, {"due_on": "2025-06-30", "required_established_before": f"{YEAR - 1}-07-01",
                             "note": "按省局通知"})
    assert done.status_code == 302
    assert AnnualReport.objects.get(entity=mid_year, season=season).status == FilingStatus.NOT_REQUIRED
