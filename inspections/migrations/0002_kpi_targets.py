"""The plan's 2023 targets for the five figures (item 5 of 信用监管工作要点), as editable data."""
from decimal import Decimal

from django.db import migrations

BASIS = "泉港区 2023 年信用监管工作要点第 5 项“双随机+信用”"
TARGETS = [("coverage", "0.035"), ("on_time", "1"), ("publicity", "1"), ("follow_up", "1"), ("differentiated", "0.70")]


def seed(apps, schema_editor):
    KpiTarget = apps.get_model("inspections", "KpiTarget")
    for kpi, target in TARGETS:
        KpiTarget.objects.get_or_create(year=2023, kpi=kpi, defaults={"target": Decimal(target), "basis": BASIS})


def unseed(apps, schema_editor):
    apps.get_model("inspections", "KpiTarget").objects.filter(year=2023, basis=BASIS).delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_one_list_two_libraries_plans_draws_checks")]

    operations = [migrations.RunPython(seed, unseed)]
