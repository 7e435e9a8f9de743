"""The leadership dashboard's reads: everything the page, its print view and its .xlsx export show, built from the
summary tables (load_rows) — or, for the benchmark's baseline, from the records directly (compute_rows). The page
never needs more than these few queries, whatever the size of the register."""
import math
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.models import Office

from .charts import class_bars, trend_chart
from .choices import STRATA, STRATUM_LABELS, Kpi
from .models import BusinessIndicator, ClassCount, DashboardBlock, DashboardFact, KpiFigure, Plan
from .rollup import CLASS_BLOCK, KPI_BLOCK, block_titles, class_counts, kpi_figures, source_facts, sources

SHORTFALL_TEXT = {
    Kpi.COVERAGE: "还需抽查 {n} 户企业",
    Kpi.ON_TIME: "{n} 项检查未按期完成",
    Kpi.PUBLICITY: "{n} 条结果逾期未公示",
    Kpi.FOLLOW_UP: "{n} 个问题后续处置未办结",
    Kpi.DIFFERENTIATED: "差异化抽取还差 {n} 户",
}


@dataclass
class Rows:
    """One year's summary rows, from the tables or computed on the spot."""

    year: int
    figures: list[KpiFigure]
    classes: list[ClassCount]
    facts: list[DashboardFact]
    blocks: dict[str, DashboardBlock]


def load_rows(year: int) -> Rows:
    """The rows the page shows: per office for the year, district-wide per month (not per office and month)."""
    shown = Q(office__isnull=True) | Q(month__isnull=True)
    return Rows(year, list(KpiFigure.objects.filter(shown, year=year)), list(ClassCount.objects.filter(year=year)),
                list(DashboardFact.objects.filter(shown, year=year).order_by("block", "position")),
                {b.block: b for b in DashboardBlock.objects.filter(year=year)})


def compute_rows(year: int) -> Rows:
    """The same rows computed from the records now, without writing (the benchmark's baseline)."""
    now = timezone.now()
    facts, blocks = [], {}
    for source in sources():
        outcome = source_facts(year, source)
        facts += outcome.facts
        for block in outcome.blocks:
            blocks[block] = DashboardBlock(year=year, block=block, status=outcome.status, message=outcome.message,
                                           refreshed_at=now, attempted_at=now)
    for block in (KPI_BLOCK, CLASS_BLOCK):
        blocks[block] = DashboardBlock(year=year, block=block, status=DashboardBlock.OK, refreshed_at=now,
                                       attempted_at=now)
    return Rows(year, kpi_figures(year), class_counts(year), facts, blocks)


def dashboard_years() -> list[int]:
    years = set(DashboardBlock.objects.values_list("year", flat=True).distinct())
    years |= set(Plan.objects.values_list("year", flat=True))
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def default_dashboard_year(years: list[int]) -> int:
    from .selectors import default_year

    year = default_year()
    return year if year in years else years[0]


def _rate(num: int, den: int) -> Decimal | None:
    return (Decimal(num) / Decimal(den)).quantize(Decimal("0.0001")) if den else None


@dataclass
class Figure:
    """One KPI for the district or an office, as the page shows it."""

    kpi: str
    numerator: int
    denominator: int
    target: Decimal
    url: str
    missing_url: str

    @property
    def label(self) -> str:
        return Kpi(self.kpi).label

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.numerator, self.denominator)

    @property
    def met(self) -> bool:
        return self.denominator == 0 or Decimal(self.numerator) >= self.target * self.denominator

    @property
    def shortfall(self) -> int:
        return max(0, math.ceil(self.target * self.denominator) - self.numerator)

    @property
    def shortfall_text(self) -> str:
        if self.denominator == 0:
            return "暂无应统计的记录"
        if self.met:
            return "已达到目标"
        return SHORTFALL_TEXT[Kpi(self.kpi)].format(n=f"{self.shortfall:,}")


@dataclass
class Block:
    key: str
    title: str
    state: DashboardBlock | None
    district: list[DashboardFact] = field(default_factory=list)
    office_keys: list[tuple[str, str, str]] = field(default_factory=list)  # key, label, unit
    office_rows: list[dict] = field(default_factory=list)
    trends: list[dict] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.state is not None and self.state.status != DashboardBlock.UNAVAILABLE

    @property
    def status_text(self) -> str:
        if self.state is None:
            return "尚未汇总"
        return self.state.message or self.state.get_status_display()


@lru_cache(maxsize=16)
def _records_url(code: str) -> str:
    return reverse("inspections:kpi_records", args=[code])


def kpi_url(code: str, year: int, office_id: int | None = None, show: str = "", month: int | None = None) -> str:
    params = {"year": year}
    if office_id:
        params["office"] = office_id
    if month:
        params["month"] = month
    if show:
        params["show"] = show
    return _records_url(code) + "?" + urlencode(params)


def build(rows: Rows, *, today=None) -> dict:
    """The dashboard's context for a year."""
    today = today or timezone.localdate()
    year = rows.year
    offices = list(Office.objects.filter(is_active=True))
    names = {o.pk: o.name for o in Office.objects.all()}
    cells = {(f.kpi, f.office_id, f.month): f for f in rows.figures}
    last_month = 12 if year < today.year else today.month if year == today.year else 0

    def figure(kpi: str, office_id: int | None) -> Figure | None:
        row = cells.get((kpi, office_id, None))
        if row is None:
            return None
        return Figure(kpi, row.numerator, row.denominator, row.target, kpi_url(kpi, year, office_id, "hits"),
                      kpi_url(kpi, year, office_id, "missing"))

    kpis = []
    for kpi in Kpi.values:
        district = figure(kpi, None)
        if district is None:
            continue
        points, num, den = [], 0, 0
        for month in range(1, last_month + 1):
            row = cells.get((kpi, None, month))
            num += row.numerator if row else 0
            den = district.denominator if kpi == Kpi.COVERAGE else den + (row.denominator if row else 0)
            # the month's own records (the point itself is the running total up to that month)
            points.append((month, _rate(num, den), kpi_url(kpi, year, show="hits" if kpi == Kpi.COVERAGE else "all",
                                                            month=month)))
        kpis.append({"figure": district, "points": points,
                     "chart": trend_chart(points, target=district.target, title=f"{district.label}逐月累计")})

    ranking = []
    for office in offices:
        figures = [figure(kpi, office.pk) for kpi in Kpi.values]
        if all(f is None for f in figures):
            continue
        met = sum(1 for f in figures if f is not None and f.met)
        coverage = figures[0].rate if figures[0] is not None else None
        ranking.append({"office": office, "figures": figures, "met": met, "coverage": coverage or Decimal(0)})
    ranking.sort(key=lambda r: (-r["met"], -r["coverage"], r["office"].sort_order, r["office"].name))
    for position, row in enumerate(ranking, start=1):
        row["rank"] = position

    classes = _classes(rows.classes, year)
    titles = block_titles()
    blocks = [_block(key, titles[key], rows, names, year, last_month) for key in titles
              if key not in (KPI_BLOCK, CLASS_BLOCK)]
    indicators = list(BusinessIndicator.objects.filter(year=year).select_related("entered_by"))
    return {"year": year, "kpis": kpis, "ranking": ranking, "kpi_labels": [Kpi(k).label for k in Kpi.values],
            "classes": classes, "blocks": blocks, "indicators": indicators,
            "kpi_state": rows.blocks.get(KPI_BLOCK), "class_state": rows.blocks.get(CLASS_BLOCK),
            "trend_months": last_month}


def _classes(rows: list[ClassCount], year: int) -> dict:
    population = {cls: 0 for cls in STRATA}
    drawn = {cls: 0 for cls in STRATA}
    for row in rows:
        target = population if row.scope == ClassCount.POPULATION else drawn
        target[row.risk_class] = target.get(row.risk_class, 0) + row.count
    total_population, total_drawn = sum(population.values()), sum(drawn.values())
    entity_list, check_list = reverse("registry:entity_list"), reverse("inspections:check_list")
    table = []
    for cls in STRATA:
        table.append({
            "class": cls, "label": STRATUM_LABELS[cls], "population": population[cls], "drawn": drawn[cls],
            "population_share": _rate(population[cls], total_population), "drawn_share": _rate(drawn[cls], total_drawn),
            "population_url": f"{entity_list}?{urlencode({'status': 'active', 'risk_class': cls})}",
            "drawn_url": f"{check_list}?{urlencode({'year': year, 'stratum': cls})}",
        })
    return {"rows": table, "population": total_population, "drawn": total_drawn,
            "chart": class_bars(table, title="存续主体与年度抽中检查的风险分类分布")}


def _block(key: str, title: str, rows: Rows, names: dict, year: int, last_month: int = 12) -> Block:
    block = Block(key, title, rows.blocks.get(key))
    facts = [f for f in rows.facts if f.block == key]
    block.district = [f for f in facts if f.office_id is None and f.month is None]
    seen = {}
    by_office: dict[int, dict] = {}
    for fact in facts:
        if fact.office_id is not None and fact.month is None:
            seen.setdefault(fact.key, (fact.key, fact.label, fact.unit))
            by_office.setdefault(fact.office_id, {})[fact.key] = fact
    block.office_keys = list(seen.values())
    block.office_rows = [{"office": names.get(office_id, f"#{office_id}"), "cells": [
        cells.get(k) for k, _, _ in block.office_keys]} for office_id, cells in
        sorted(by_office.items(), key=lambda item: names.get(item[0], ""))]
    series: dict[str, dict] = {}
    for fact in facts:
        if fact.office_id is None and fact.month is not None:
            entry = series.setdefault(fact.key, {"label": fact.label, "unit": fact.unit, "points": {}})
            entry["points"][fact.month] = fact
    for entry in series.values():
        points = [(m, entry["points"][m].value if m in entry["points"] else None,
                   entry["points"][m].drill_url if m in entry["points"] else "")
                  for m in range(1, last_month + 1)]  # no months yet to come
        percent = entry["unit"] == "%"
        scaled = [(m, v / 100 if (percent and v is not None) else v, u) for m, v, u in points]
        entry["chart"] = trend_chart(scaled, percent=percent, unit=entry["unit"], title=f"{entry['label']}逐月")
        entry["months"] = points
        block.trends.append(entry)
    return block
