"""Importing the filing status: row-level Chinese errors, all or nothing, idempotent re-import, the deadline."""
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from annual_reports.choices import Channel, FilingStatus, RecordSource
from annual_reports.models import AnnualReport, DailyFilingTally
from annual_reports.services import report_record_paper
from core.choices import AuditAction
from core.models import AuditLog
from tests.factories import make_uscc
from tests.registry.test_import import write_xlsx

from .conftest import HEADERS, YEAR, row, run

pytestmark = pytest.mark.django_db


def record(entity):
    return AnnualReport.objects.get(entity=entity, season__year=YEAR)


def test_a_filing_on_30_june_is_on_time_and_on_1_july_late(tmp_path, season, enterprise, individual, section_user):
    assert season.due_on == date(2025, 6, 30)  # from the rule table: 6 months from 1 January
    report = run(tmp_path, [row(enterprise, date(2025, 6, 30)), row(individual, date(2025, 7, 1), "纸质",
                                                                    是否公示="否")], user=section_user)
    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated) == (2, 0, 2)
    on_time, late = record(enterprise), record(individual)
    assert (on_time.status, on_time.filed_on, on_time.channel) == (FilingStatus.ON_TIME, date(2025, 6, 30), Channel.WEB)
    assert (late.status, late.channel, late.publish, late.source) == (FilingStatus.LATE, Channel.PAPER, False,
                                                                      RecordSource.IMPORT)
    days = dict(DailyFilingTally.objects.filter(season=season).values_list("day", "filings"))
    assert days == {date(2025, 6, 30): 1, date(2025, 7, 1): 1}
    log = AuditLog.objects.filter(action=AuditAction.IMPORT).latest("at")
    assert log.extra["updated"] == 2 and log.actor == section_user


def test_re_importing_the_same_file_changes_nothing(tmp_path, season, enterprise, individual):
    rows = [row(enterprise, date(2025, 3, 2), "手机"), row(individual)]
    first = run(tmp_path, rows)
    before = list(AnnualReport.objects.order_by("pk").values())
    second = run(tmp_path, rows)
    assert first.ok and second.ok
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert list(AnnualReport.objects.order_by("pk").values()) == before


def test_an_empty_date_never_erases_a_recorded_filing(tmp_path, season, individual, section_user):
    report_record_paper(entity=individual, season=season, filed_on=date(2025, 4, 1), publish=True, by=section_user)
    result = run(tmp_path, [row(individual)])
    assert result.ok and result.unchanged == 1
    assert record(individual).status == FilingStatus.ON_TIME


def test_every_bad_row_is_reported_in_chinese_and_nothing_is_written(tmp_path, season, enterprise, individual):
    unknown = make_uscc()
    rows = [
        row(enterprise, date(2025, 3, 1)),
        row(unknown, date(2025, 3, 1)),
        row(individual, "2025-02-30"),
        row(enterprise, date(2025, 3, 5), year=2019),
        row(individual, date(2025, 3, 1), "传真"),
        row(individual, None, "网页"),
        row(enterprise, date(2024, 12, 31)),
        row(enterprise, date(2025, 3, 1), 是否公示="也许"),
    ]
    result = run(tmp_path, rows)
    assert not result.ok and result.error_count == 6
    messages = [str(e) for e in result.errors]
    assert "第 4 行 · 报送日期 · “2025-02-30”不是有效日期" in messages[0]
    assert messages[1].startswith("第 5 行 · 报告年度 · 2019 年度年报季尚未开启")
    assert messages[2] == "第 6 行 · 报送方式 · “传真”不是有效的报送方式，应为 网页、手机 或 纸质"
    assert messages[3].startswith("第 7 行 · 报送日期 · 填写了报送方式，但报送日期为空")
    assert messages[4] == f"第 8 行 · 报送日期 · 报送日期 2024-12-31 早于{season}的报送开始日期 2025-01-01"
    assert messages[5].startswith("第 9 行 · 是否公示 · “也许”无法识别")
    assert "第 3 行" not in " ".join(messages)  # the unknown code is checked once the rows themselves are good
    assert record(enterprise).status == FilingStatus.NOT_FILED


def test_unknown_codes_and_duplicates_are_row_errors(tmp_path, season, enterprise):
    unknown = make_uscc()
    result = run(tmp_path, [row(enterprise, date(2025, 3, 1)), row(unknown, date(2025, 3, 1)),
                            row(enterprise, date(2025, 3, 2))])
    assert [str(e) for e in result.errors] == [
        f"第 4 行 · 统一社会信用代码 · {enterprise.uscc} 的 {YEAR} 年度与第 2 行重复"]
    result = run(tmp_path, [row(enterprise, date(2025, 3, 1)), row(unknown, date(2025, 3, 1))])
    assert [str(e) for e in result.errors] == [
        f"第 3 行 · 统一社会信用代码 · 统一社会信用代码 {unknown} 不在市场主体名录中，请先导入该主体"]
    assert record(enterprise).status == FilingStatus.NOT_FILED


def test_orm_writer_gives_the_same_records_as_the_postgres_writer(tmp_path, season, enterprise, individual,
                                                                   other_enterprise):
    rows = [row(enterprise, date(2025, 3, 1)), row(individual, date(2025, 8, 1), "纸质", 是否公示="是"),
            row(other_enterprise)]
    result = run(tmp_path, rows, writer="orm", dry_run=False)
    assert result.ok and result.updated == 2
    orm = {r.entity_id: (r.status, r.filed_on, r.channel, r.publish) for r in AnnualReport.objects.all()}
    AnnualReport.objects.update(status=FilingStatus.NOT_FILED, filed_on=None, channel="", publish=None)
    assert run(tmp_path, rows, writer="postgresql").ok
    assert {r.entity_id: (r.status, r.filed_on, r.channel, r.publish) for r in AnnualReport.objects.all()} == orm


def test_dry_run_writes_nothing(tmp_path, season, enterprise):
    result = run(tmp_path, [row(enterprise, date(2025, 3, 1))], dry_run=True)
    assert result.ok and result.updated == 1 and not result.written
    assert record(enterprise).status == FilingStatus.NOT_FILED


def test_a_row_for_an_entity_without_a_record_creates_it(tmp_path, season, office_a):
    from tests.factories import make_entity

    late_comer = make_entity(office_a, established_on=date(2021, 1, 1))
    result = run(tmp_path, [row(late_comer, date(2025, 5, 1))])
    assert result.ok and result.created == 1
    assert record(late_comer).status == FilingStatus.ON_TIME


def test_the_command_imports_and_exits_non_zero_on_row_errors(tmp_path, season, enterprise):
    good = write_xlsx(tmp_path / "good.xlsx", [row(enterprise, date(2025, 3, 1))], headers=HEADERS)
    call_command("import_annual_reports", str(good))
    assert record(enterprise).status == FilingStatus.ON_TIME
    bad = write_xlsx(tmp_path / "bad.xlsx", [row(enterprise, "不知道")], headers=HEADERS)
    with pytest.raises(CommandError) as exc:
        call_command("import_annual_reports", str(bad))
    assert exc.value.returncode == 1
