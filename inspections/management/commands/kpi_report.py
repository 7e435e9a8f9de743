"""`manage.py kpi_report --year Y [--json] [--direct]`: the year's five KPIs, district-wide and per office.

The JSON is a public interface: ``{"year": Y, "district": {KEY: {"numerator", "denominator", "value", "target"}},
"offices": {"<office name>": {KEY: {…}}}}`` with KEY one of sampling_ratio, on_time_completion, publication_rate,
follow_up_rate, differentiated_share (sampling_ratio and differentiated_share count entities, each entity once; the
others count checks or results). It reads the dashboard's summary tables (as of the last rollup); a year never
rolled up, or --direct, is computed from the records (the same grouped queries, nothing written).
"""
import json

from django.core.management.base import BaseCommand, CommandError

from core.models import Office
from inspections.choices import Kpi
from inspections.models import KpiFigure
from inspections.rollup import REPORT_KEYS, kpi_figures


def report(year: int, *, direct: bool = False) -> dict:
    rows = [] if direct else list(KpiFigure.objects.filter(year=year, month__isnull=True))
    if not rows:
        rows = [f for f in kpi_figures(year) if f.month is None]
    names = dict(Office.objects.values_list("pk", "name"))

    def entry(row: KpiFigure) -> dict:
        return {"numerator": row.numerator, "denominator": row.denominator,
                "value": row.numerator / row.denominator if row.denominator else None, "target": float(row.target)}

    district: dict = {}
    offices: dict = {}
    for row in sorted(rows, key=lambda r: list(Kpi.values).index(r.kpi)):
        key = REPORT_KEYS[Kpi(row.kpi)]
        if row.office_id is None:
            district[key] = entry(row)
        else:
            offices.setdefault(names.get(row.office_id, str(row.office_id)), {})[key] = entry(row)
    return {"year": year, "district": district, "offices": dict(sorted(offices.items()))}


class Command(BaseCommand):
    help = "输出某年度双随机五项指标（全区及各市场监管所的分子、分母、完成值和目标值）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="年度")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出（供其他系统读取）")
        parser.add_argument("--direct", action="store_true", help="不读汇总表，直接从业务记录计算")

    def handle(self, *args, year: int, json: bool = False, direct: bool = False, **options):
        if not 2000 <= year <= 2100:
            raise CommandError("年度应在 2000 到 2100 之间")
        data = report(year, direct=direct)
        if json:
            self.stdout.write(_dumps(data))
            return
        labels = {REPORT_KEYS[k]: Kpi(k).label for k in Kpi.values}
        for scope, figures in [("全区", data["district"]), *data["offices"].items()]:
            self.stdout.write(f"{year} 年 · {scope}")
            for key, f in figures.items():
                value = "—" if f["value"] is None else f"{f['value']:.2%}"
                self.stdout.write(f"  {labels[key]}：{f['numerator']}/{f['denominator']} = {value}（目标 "
                                  f"{f['target']:.1%}）")


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
