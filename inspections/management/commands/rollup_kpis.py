"""`manage.py rollup_kpis [--year Y] [--full]`: roll up the leadership dashboard by hand (beat does it on schedule)."""
from django.core.management.base import BaseCommand, CommandError

from inspections.rollup import rollup


class Command(BaseCommand):
    help = "汇总领导驾驶舱数据：默认汇总当年；--year 指定年度；--full 汇总所有年度（与夜间定时汇总相同）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="汇总的年度（可重复）")
        parser.add_argument("--full", action="store_true", help="汇总有抽查计划或已有汇总数据的所有年度")

    def handle(self, *args, year=None, full=False, **options):
        if year and any(not 2000 <= y <= 2100 for y in year):
            raise CommandError("年度应在 2000 到 2100 之间")
        verbose = options["verbosity"] > 0

        def progress(done: int, total: int, stage: str):
            if verbose:
                self.stdout.write(f"[{done}/{total}] {stage}")

        result = rollup(years=year, full=full, progress=progress)
        for row in result["results"]:
            notes = []
            if row["unavailable"]:
                notes.append(f"尚未上线：{'、'.join(row['unavailable'])}")
            if row["failed"]:
                notes.append(f"出错（沿用上次数据）：{'、'.join(row['failed'])}")
            if verbose:
                self.stdout.write(f"{row['year']} 年：指标 {row['figures']} 行，风险分类 {row['classes']} 行，"
                                  f"其他板块 {row['facts']} 项" + (f"（{'；'.join(notes)}）" if notes else ""))
        if verbose:
            self.stdout.write(self.style.SUCCESS(result["summary"]))
