"""Time-limit rules of the listing and repair steps that the foundation's rule table does not hold yet.

The reminder and the buffer period (信用惩戒缓冲) are the bureau's own policy under the plan's eight measures;
the other periods are defaults to be checked against the official text (verified = False, shown as 待核实).
"""
from datetime import date

from django.db import migrations

PLAN = "泉港区市场监管局优化企业信用修复八条措施（提醒提示、信用惩戒缓冲）"
INDIVIDUAL = "《个体工商户年度报告暂行办法》（原国家工商行政管理总局令第69号）"
SERIOUS = "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）"
REPAIR = "《市场监督管理信用修复管理办法》"
D2014 = date(2014, 10, 1)
D2021 = date(2021, 9, 1)

# code, name, amount, unit, legal basis, effective from, verified, note
RULES = [
    ("listing_reminder", "列异前提醒提示（自事由发生或查实之日起）", 3, "workday", PLAN, D2014, False,
     "本局政策，可按年度调整。"),
    ("listing_buffer", "信用惩戒缓冲期（自提醒之日起，期内消除事由的不予列入）", 10, "workday", PLAN, D2014, False,
     "本局政策，可按年度调整。缓冲期届满后，列入期限自届满之日起计算。"),
    ("individual_abnormal_mark", "标记个体工商户经营异常状态（自缓冲期届满之日起）", 10, "workday", INDIVIDUAL, D2014,
     False, "参照经营异常名录列入期限，待核实。"),
    ("serious_list_statement", "拟列入严重违法失信名单的陈述申辩、申请听证期限（自告知之日起）", 5, "workday", SERIOUS,
     D2021, False, "待核实。"),
    ("serious_repair_decision", "严重违法失信名单信用修复决定（自受理之日起）", 15, "workday", REPAIR, D2021, False,
     "待核实的默认值。"),
    ("repair_notice", "信用修复结果告知与共享（自决定或执行之日起）", 3, "workday", REPAIR, D2021, False,
     "待核实的默认值。"),
]


def seed(apps, schema_editor):
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    for code, name, amount, unit, basis, effective_from, verified, note in RULES:
        TimeLimitRule.objects.get_or_create(
            code=code, effective_from=effective_from,
            defaults={"name": name, "amount": amount, "unit": unit, "legal_basis": basis, "verified": verified,
                      "note": note})


def unseed(apps, schema_editor):
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    for code, *_rest, effective_from, _verified, _note in RULES:
        TimeLimitRule.objects.filter(code=code, effective_from=effective_from).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_seed_calendar_and_time_limits"),
        ("credit", "0011_listings_penalties_repair"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
