"""The notes of a few seeded time-limit rules named the design file (RULES.md) or a code function; the case pages show
these notes to staff, so they now say the same in plain words. A note an administrator has edited is left alone."""
from django.db import migrations

PLAIN = "默认值，出处未核实：请按本地规定核对后修改。"
REWRITES = {
    "RULES.md 标注未核实。": PLAIN,
    "RULES.md 标注未核实的默认值。": PLAIN,
    "提醒开始日为届满三年之日前 60 日：add_period(届满日, -60, 自然日)。出处条款未逐条核对。":
        "提醒开始日为列入经营异常名录届满三年之日前 60 日（自然日）。条款未逐条核对。",
}


def forwards(apps, schema_editor):
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    for old, new in REWRITES.items():
        TimeLimitRule.objects.filter(note=old).update(note=new)


def backwards(apps, schema_editor):
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    for old, new in REWRITES.items():
        if new != PLAIN:
            TimeLimitRule.objects.filter(note=new).update(note=old)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_listing_outcome_templates")]
    operations = [migrations.RunPython(forwards, backwards)]
