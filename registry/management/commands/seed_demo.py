"""`manage.py seed_demo [--entities N] [--password PW] [--seed S]`: the demo district of 泉港区, repeatable."""
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registry.demo import DEFAULT_ENTITIES, DEFAULT_PASSWORD, DEFAULT_SEED, seed_demo, summary_text


class Command(BaseCommand):
    help = "生成泉港区演示数据：市场监管所、股室与成员单位、各角色演示账号和市场主体名录（确定性，可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--entities", type=int, default=DEFAULT_ENTITIES,
                            help=f"市场主体户数（默认 {DEFAULT_ENTITIES}）")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help=f"演示账号密码（默认 {DEFAULT_PASSWORD}）")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子（默认 {DEFAULT_SEED}）")

    def handle(self, *args, entities: int, password: str, seed: int, **options):
        if entities < 0:
            raise CommandError("市场主体户数不能为负数")
        if not password:
            raise CommandError("演示账号密码不能为空")
        verbose = options["verbosity"] > 0
        summary = seed_demo(entities=entities, password=password, seed=seed,
                            progress=self.stdout.write if verbose else None)
        from credit.demo import seed_risk_classes  # the credit app's part of the demo district

        seed_risk_classes(seed=seed, today=timezone.localdate(), progress=self.stdout.write if verbose else None)
        from credit.demo_publications import seed_publications  # 信用宣传: handbook and cases published, a draft

        seed_publications(today=timezone.localdate(), progress=self.stdout.write if verbose else None)
        from inspections.demo import seed_inspections  # 双随机: the demo year's plan, draws and checks

        seed_inspections(seed=seed, today=timezone.localdate(), password=password,
                         progress=self.stdout.write if verbose else None)
        from annual_reports.demo import seed_annual_reports  # 年报: two seasons, a campaign, dormant entities

        seed_annual_reports(seed=seed, today=timezone.localdate(), progress=self.stdout.write if verbose else None)
        from credit.demo_listings import seed_listings  # 列异列严, 行政处罚公示, 信用修复 in every state

        seed_listings(today=timezone.localdate(), progress=self.stdout.write if verbose else None)
        from registry.demo_supervision import seed_supervision  # 登记监管: after the checks it links findings to

        seed_supervision(seed=seed, today=timezone.localdate(), password=password,
                         progress=self.stdout.write if verbose else None)
        from training.demo import seed_training  # 业务培训: the years' required hours, sessions held, sign-ins

        seed_training(seed=seed, today=timezone.localdate(), progress=self.stdout.write if verbose else None)
        from credit.demo_analysis import seed_credit_analysis  # complaints, the scoring runs, the indices: they read

        seed_credit_analysis(seed=seed, today=timezone.localdate(),  # every capability's data, so they come late
                             progress=self.stdout.write if verbose else None)
        from inspections.demo import seed_dashboard  # 领导驾驶舱: rolled up last, from every capability's demo data

        seed_dashboard(today=timezone.localdate(), progress=self.stdout.write if verbose else None)
        if verbose:
            self.stdout.write(self.style.SUCCESS(summary_text(summary)))
