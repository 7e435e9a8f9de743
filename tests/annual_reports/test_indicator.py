"""The scoring model's 年报 indicator: report years not filed on time (未报送 or 补报) among the last closed ones."""
from datetime import date
from decimal import Decimal

import pytest

from annual_reports.choices import FilingStatus
from annual_reports.models import AnnualReport
from annual_reports.services import season_open
from credit.choices import IndicatorKind
from credit.indicators import KINDS, contribution
from registry.models import MarketEntity

pytestmark = pytest.mark.django_db


def test_annual_report_indicator_counts_years_not_filed_on_time(section_user, enterprise, individual,
                                                                  other_enterprise):
    kind = KINDS[IndicatorKind.ANNUAL_REPORTS]
    assert kind.available
    for year in (2022, 2023, 2024):
        season_open(year=year, by=section_user)
    reports = AnnualReport.objects.filter
    reports(entity=individual).update(status=FilingStatus.ON_TIME, filed_on=date(2025, 3, 1), channel="paper")
    reports(entity=enterprise, season__year=2024).update(status=FilingStatus.LATE, filed_on=date(2025, 8, 1),
                                                         channel="web")
    reports(entity=other_enterprise, season__year__in=[2023, 2024]).update(
        status=FilingStatus.ON_TIME, filed_on=date(2025, 3, 1), channel="web")
    params = kind.params_with_defaults({})
    values = kind.sparse(date(2025, 9, 1), params, MarketEntity.objects.all())
    # 2024 and 2023 are the two closed seasons; 2022 is older and does not count.
    assert values == {enterprise.pk: 2}
    # On 30 June 2025 the 2024 season is still open: 2023 and 2022 count.
    assert kind.sparse(date(2025, 6, 30), params, MarketEntity.objects.all()) == {enterprise.pk: 2,
                                                                                  other_enterprise.pk: 1}
    assert contribution(kind, Decimal(10), 2, params) == Decimal("10.00")
    assert contribution(kind, Decimal(10), 1, params) == Decimal("5.00")
    assert kind.show(1, params) == "近 2 个报告年度未按时报送 1 年"
