"""The contract between each capability and the leadership dashboard's rollups.

Every capability that shows figures on the dashboard (credit repair, listings, annual reports, unlicensed
operation, training …) exposes, in its own ``selectors`` module, a function ``dashboard_facts(year) ->
list[Fact]`` that computes its figures from its own records. The dashboard's rollup stores the facts in
summary tables and the dashboard reads only those; it never needs to know another capability's models.

A fact is one number for the whole year or for one month, for one office or for the whole district. Both
the per-office facts and the district facts are returned: a district figure is not always the sum of the
offices' (averages, distinct entities), so the capability computes it, never the dashboard.
"""
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Fact:
    block: str  # the dashboard block, e.g. "repair", "listings", "annual_reports", "unlicensed", "training"
    key: str  # the figure within the block, e.g. "cases", "decided_on_time"; stable, used in exports
    label: str  # the figure's Chinese name as leadership reads it, e.g. "受理信用修复案件"
    value: int | Decimal | None  # None when the figure has no value (e.g. an average over no cases)
    office_id: int | None = None  # None: the whole district
    month: int | None = None  # 1–12 for the monthly trend; None: the whole year
    unit: str = ""  # "户", "件", "%", "个工作日", "学时" …
    drill_url: str = ""  # the list page behind the figure, pre-filtered (year, office, month where they apply)

    def __post_init__(self):
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1–12, got {self.month!r}")
