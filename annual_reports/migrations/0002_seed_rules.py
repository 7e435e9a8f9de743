"""The annual-report and dormant-entity time limits as editable rule rows (not literals in code)."""
from datetime import date

from django.db import migrations

DISCLOSURE = "《企业信息公示暂行条例》（国务院令第654号）第八条；《个体工商户年度报告暂行办法》"
PLAN = "本局年度信用监管工作方案（引导休眠主体歇业备案或注销）"

# code, name, amount, unit, legal basis, effective from, verified, note
RULES = [
    ("annual_report_filing_period", "年度报告报送期（自次年1月1日起，含当日）", 6, "month", DISCLOSURE,
     date(2014, 10, 1), True,
     "1 月 1 日起 6 个月，即至 6 月 30 日。新建年报季时按此计算报送截止日期；各年度的截止日期可在年报季中单独调整。"),
    ("dormant_no_report_years", "休眠主体识别：连续未报送年度报告的年数", 2, "year", PLAN, date(2014, 10, 1), False,
     "连续这么多个已截止的报告年度未报送的，列入疑似休眠主体清单。"),
    ("dormant_unreachable_window", "休眠主体识别：抽查“无法联系”结果的回溯期", 2, "year", PLAN, date(2014, 10, 1),
     False, "在此期间内抽查结果为“6 通过登记的住所（经营场所）无法联系”的，列入疑似休眠主体清单。"),
    ("suspension_limit_lead", "歇业临近累计三年上限的提前提醒期", 3, "month", PLAN, date(2014, 10, 1), False,
     "累计歇业期限届满前这段时间内，提醒并引导主体恢复营业或办理注销。"),
]


def seed(apps, schema_editor):
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    for code, name, amount, unit, basis, effective_from, verified, note in RULES:
        TimeLimitRule.objects.get_or_create(
            code=code, effective_from=effective_from,
            defaults={"name": name, "amount": amount, "unit": unit, "legal_basis": basis, "verified": verified,
                      "note": note},
        )


def unseed(apps, schema_editor):
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    for code, *_rest, effective_from, _verified, _note in RULES:
        TimeLimitRule.objects.filter(code=code, effective_from=effective_from).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("annual_reports", "0001_filing_season_campaigns_dormancy"), ("core", "0003_seed_calendar_and_time_limits"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
