"""The yearly credit-status analysis (信用状况分析): its tables, computed from the data held, for the page and the
.xlsx (one sheet per table). Every table is computed from the records held, by grouped queries."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q
from django.db.models.functions import Substr

from core.models import Office
from registry.choices import EntityType
from registry.models import Industry, MarketEntity

from .choices import IndexDimension
from .models import Complaint, CreditIndex, ModelRun
from .scoring import SCORED_STATUSES
from .selectors import current_class_subquery

CLASSES = ["A", "B", "C", "D"]
TOP = 10
MIN_CLASSIFIED = 10  # a division needs this many classified enterprises to be ranked by its share of C and D


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    live: bool = True
    details: list = field(default_factory=list)  # (heading, lines) shown under the table, e.g. a formula's text


def _pct(n: int, total: int) -> str:
    return f"{n * 100 / total:.1f}%" if total else "—"


def analysis_tables(year: int) -> list[Table]:
    """Every table of the year's report, in the report's order."""
    start, end = date(year - 1, 12, 31), date(year, 12, 31)
    enterprises = MarketEntity.objects.filter(entity_type=EntityType.ENTERPRISE, status__in=SCORED_STATUSES,
                                              established_on__lte=end).order_by()
    # One pass over the enterprises: office, division, class at the start and at the end of the year.
    counts = list(enterprises.annotate(div=Substr("industry_code", 1, 3), before=current_class_subquery(on=start),
                                       after=current_class_subquery(on=end))
                  .values_list("office_id", "div", "before", "after").annotate(n=Count("id")))
    moves, per_office, by_division = {}, {}, {}
    for office_id, div, before, after, n in counts:
        moves[(before, after)] = moves.get((before, after), 0) + n
        cells = per_office.setdefault(office_id, {})
        cells[after] = cells.get(after, 0) + n
        cells = by_division.setdefault(div, {})
        cells[after] = cells.get(after, 0) + n
    total = sum(moves.values())
    at_start = {c: sum(n for (b, _), n in moves.items() if b == c) for c in [*CLASSES, None]}
    at_end = {c: sum(n for (_, a), n in moves.items() if a == c) for c in [*CLASSES, None]}
    tables = []

    dist = Table("distribution", "一、企业信用风险分类分布（年初与年末）",
                 ["风险类别", "年初户数", "年初占比", "年末户数", "年末占比", "增减"],
                 note=f"对象：{end:%Y年%m月%d日}在营的企业 {total} 户；年初、年末分别取当日最近一次上级平台通用分类。")
    for c in [*CLASSES, None]:
        dist.rows.append([f"{c} 类" if c else "未分类", at_start[c], _pct(at_start[c], total), at_end[c],
                          _pct(at_end[c], total), at_end[c] - at_start[c]])
    tables.append(dist)

    better = sum(n for (b, a), n in moves.items() if b and a and a < b)
    worse = sum(n for (b, a), n in moves.items() if b and a and a > b)
    movement = Table("movement", "二、分类变动（年初类别 × 年末类别）", ["年初 ＼ 年末", *[f"{c} 类" for c in CLASSES],
                                                                  "未分类", "合计"],
                     note=f"全年类别变好（如 C→B）{better} 户，变差（如 B→C）{worse} 户。")
    for b in [*CLASSES, None]:
        cells = [moves.get((b, a), 0) for a in [*CLASSES, None]]
        movement.rows.append([f"{b} 类" if b else "年初未分类", *cells, sum(cells)])
    tables.append(movement)

    offices = Table("offices", "三、各市场监管所辖区企业分类结构（年末）",
                    ["管辖单位", *[f"{c} 类" for c in CLASSES], "未分类", "合计", "C、D 类占比"])
    for office in Office.objects.filter(pk__in=per_office):
        cells = per_office[office.pk]
        classified = sum(cells.get(c, 0) for c in CLASSES)
        offices.rows.append([office.name, *[cells.get(c, 0) for c in CLASSES], cells.get(None, 0),
                             sum(cells.values()), _pct(cells.get("C", 0) + cells.get("D", 0), classified)])
    tables.append(offices)

    names = dict(Industry.objects.filter(level__in=["section", "division"]).values_list("code", "name"))
    ranked = []
    for div, cells in by_division.items():
        classified = sum(cells.get(c, 0) for c in CLASSES)
        if classified >= MIN_CLASSIFIED:
            risky = cells.get("C", 0) + cells.get("D", 0)
            ranked.append((risky / classified, div, classified, risky))
    risks = Table("top_risks", "四、主要风险：C、D 类企业占比最高的行业大类（年末）",
                  ["行业大类", "已分类企业", "C、D 类企业", "占比"],
                  note=f"只列已分类企业不少于 {MIN_CLASSIFIED} 户的行业大类，取前 {TOP} 个。")
    for share, div, classified, risky in sorted(ranked, reverse=True)[:TOP]:
        risks.rows.append([f"{div} {names.get(div, '')}", classified, risky, f"{share * 100:.1f}%"])
    tables.append(risks)

    complaints = Complaint.objects.filter(received_on__year=year).order_by()
    by_section = dict(complaints.annotate(sec=Substr("entity__industry_code", 1, 1)).values("sec")
                      .annotate(n=Count("id")).values_list("sec", "n"))
    by_office = dict(complaints.values("entity__office_id").annotate(n=Count("id"))
                     .values_list("entity__office_id", "n"))
    substantiated = complaints.filter(substantiated=True).count()
    comp = Table("complaints", "五、投诉举报（按行业门类和管辖单位）", ["分组", "投诉举报件数"],
                 note=f"全年受理 {sum(by_section.values())} 件，其中核查属实 {substantiated} 件。")
    for sec, n in sorted(by_section.items(), key=lambda item: -item[1]):
        comp.rows.append([f"{sec} {names.get(sec, '')}", n])
    office_names = dict(Office.objects.values_list("id", "name"))
    for office_id, n in sorted(by_office.items(), key=lambda item: -item[1]):
        comp.rows.append([office_names.get(office_id, ""), n])
    tables.append(comp)

    tables.append(_indices_table(year))

    run = (ModelRun.objects.filter(as_of__year=year, entity_type=EntityType.INDIVIDUAL, job__status="succeeded",
                                   reproduces__isnull=True).order_by("-as_of", "-id").first())
    pilot = Table("pilot", "七、个体工商户信用风险评价（试点）", ["管辖单位", *[f"{c} 类" for c in CLASSES], "合计"])
    if run is None:
        pilot.note = f"{year} 年没有基准日在本年度的个体工商户评价。"
    else:
        pilot.note = f"取评价 #{run.pk}（{run.version}，基准日 {run.as_of:%Y年%m月%d日}）。"
        cells = {}
        for r in run.results.order_by().values("entity__office_id", "risk_class").annotate(n=Count("id")):
            cells.setdefault(r["entity__office_id"], {})[r["risk_class"]] = r["n"]
        for office_id, row in cells.items():
            pilot.rows.append([office_names.get(office_id, ""), *[row.get(c, 0) for c in CLASSES],
                               sum(row.values())])
    tables.append(pilot)

    tables.append(_listings_table(year, office_names))
    tables.append(_repairs_table(year, office_names))
    tables.append(_spot_checks_table(year, names, office_names))
    return tables


NOT_IN_FORMULA = "该版本无此分项"


def _indices_table(year: int) -> Table:
    """The year's stored indices by section and office with every component, each row read by the formula version
    it was computed with: a component its version does not have reads 该版本无此分项, and that version's text is
    shown under the table."""
    from .indices import COMPONENTS, FORMULA_VERSION, formula_of

    indices = list(CreditIndex.objects.filter(period=str(year), dimension__in=[IndexDimension.SECTION,
                                                                                 IndexDimension.OFFICE])
                   .order_by("dimension", F("value").desc(nulls_last=True), "group_code"))
    table = Table("indices", "六、信用指数（全年）",
                  ["维度", "分组", "信用指数", *[label for _, label in COMPONENTS], "在营户数", "公式版本"])
    if not indices:
        table.note = f"尚未计算 {year} 年的信用指数，请先在“信用指数”页计算。"
        return table
    for r in indices:
        formula = formula_of(r.formula)
        cells = []
        for key, _ in COMPONENTS:
            value = r.components.get(key)
            if formula.weights and key not in formula.weights:
                cells.append(NOT_IN_FORMULA)
            else:
                cells.append(None if value is None else Decimal(value))
        table.rows.append([r.get_dimension_display(), f"{r.group_code} {r.group_name}"
                           if r.dimension != IndexDimension.OFFICE else r.group_name, r.value, *cells,
                           r.population, r.formula])
    versions = sorted({r.formula for r in indices})
    notes = []
    for version in versions:
        older = f"（旧版本；重新计算 {year} 年后按现行版本 {FORMULA_VERSION}）" if version != FORMULA_VERSION else ""
        notes.append(f"公式版本 {version}{older}")
        table.details.append((f"指数怎么算（公式版本 {version}）", formula_of(version).text))
    versions_text = "、".join(notes) + ("" if notes[-1].endswith("）") else " ")
    table.note = (f"本表指数按{versions_text}计算；各分项得分满分 100 分，“—”表示该组该期无法计算此分项"
                  f"（如没有已分类企业、没有修复决定或没有检查结果），不参与加权。")
    return table


def _grouped(qs, key: str, **aggregates) -> dict:
    """{group: {aggregate: n}} in one grouped query."""
    return {row.pop(key): row for row in qs.order_by().values(key).annotate(**aggregates)}


def _listings_table(year: int, office_names: dict) -> Table:
    """Listings (marks) made and removals (restorations) done in the year, by list and by handling office."""
    from .choices import ListingKind
    from .models import ListingCase

    cases = ListingCase.objects.filter(Q(listed_on__year=year) | Q(removed_on__year=year))
    counts = {"listed": Count("id", filter=Q(listed_on__year=year)),
              "removed": Count("id", filter=Q(removed_on__year=year))}
    by_kind, by_office = _grouped(cases, "kind", **counts), _grouped(cases, "office_id", **counts)
    listed, removed = sum(r["listed"] for r in by_kind.values()), sum(r["removed"] for r in by_kind.values())
    table = Table("listings", "八、列入和移出经营异常名录（按名录类别和承办单位）",
                  ["分组", "列入（标记）", "移出（恢复）"],
                  note=f"全年列入（标记）{listed} 条，移出（恢复）{removed} 条；按列入日期、移出日期所在年度统计。")
    for kind in ListingKind:
        if kind.value in by_kind:
            table.rows.append([kind.label, by_kind[kind.value]["listed"], by_kind[kind.value]["removed"]])
    for office_id, row in sorted(by_office.items(), key=lambda item: office_names.get(item[0], "")):
        table.rows.append([office_names.get(office_id, ""), row["listed"], row["removed"]])
    return table


def _repairs_table(year: int, office_names: dict) -> Table:
    """Repair applications received and decisions made in the year, by repair kind and by handling office."""
    from .choices import RepairKind
    from .models import RepairCase

    cases = RepairCase.objects.filter(Q(applied_on__year=year) | Q(decided_on__year=year))
    counts = {"applied": Count("id", filter=Q(applied_on__year=year)),
              "granted": Count("id", filter=Q(decided_on__year=year, repaired=True)),
              "denied": Count("id", filter=Q(decided_on__year=year, repaired=False))}
    by_kind, by_office = _grouped(cases, "kind", **counts), _grouped(cases, "office_id", **counts)
    table = Table("repairs", "九、信用修复（按修复类别和承办单位）", ["分组", "申请", "准予修复", "不予修复"],
                  note=f"全年收到申请 {sum(r['applied'] for r in by_kind.values())} 件，决定准予修复 "
                       f"{sum(r['granted'] for r in by_kind.values())} 件、不予修复 "
                       f"{sum(r['denied'] for r in by_kind.values())} 件；按申请日期、决定日期所在年度统计。")
    for kind in RepairKind:
        if kind.value in by_kind:
            row = by_kind[kind.value]
            table.rows.append([kind.label, row["applied"], row["granted"], row["denied"]])
    for office_id, row in sorted(by_office.items(), key=lambda item: office_names.get(item[0], "")):
        table.rows.append([office_names.get(office_id, ""), row["applied"], row["granted"], row["denied"]])
    return table


def _spot_checks_table(year: int, names: dict, office_names: dict) -> Table:
    """Recorded results of valid draws checked in the year and those that found a problem, by industry section and
    by the entity's office."""
    from inspections.choices import PROBLEM_CODES
    from inspections.models import SpotCheck
    from inspections.selectors import RECORDED

    checks = SpotCheck.objects.valid().filter(status__in=RECORDED, checked_on__year=year)
    counts = {"checked": Count("id"), "problems": Count("id", filter=Q(result_code__in=PROBLEM_CODES))}
    by_section = _grouped(checks.annotate(sec=Substr("entity__industry_code", 1, 1)), "sec", **counts)
    by_office = _grouped(checks, "entity__office_id", **counts)
    checked = sum(r["checked"] for r in by_section.values())
    problems = sum(r["problems"] for r in by_section.values())
    table = Table("spot_checks", "十、抽查发现问题（按行业门类和管辖单位）",
                  ["分组", "已录入检查", "发现问题", "发现问题率"],
                  note=f"全年录入检查结果 {checked} 户次，发现问题 {problems} 户次（{_pct(problems, checked)}）；"
                       "只计有效抽取中已录入（待审核、已审核、已公示）的结果，按检查日期所在年度统计。")
    for sec, row in sorted(by_section.items(), key=lambda item: (-item[1]["problems"], item[0] or "")):
        table.rows.append([f"{sec} {names.get(sec, '')}", row["checked"], row["problems"],
                           _pct(row["problems"], row["checked"])])
    for office_id, row in sorted(by_office.items(), key=lambda item: office_names.get(item[0], "")):
        table.rows.append([office_names.get(office_id, ""), row["checked"], row["problems"],
                           _pct(row["problems"], row["checked"])])
    return table
