"""Seed the working-day calendar from the chinesecalendar package and the rule table from RULES.md."""
from datetime import date
from importlib.metadata import version

from django.db import migrations

SOURCE_PREFIX = "chinesecalendar"

# The package's English holiday names in the wording of the State Council's announcements.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
MAKEUP_SUFFIX = "调休上班"

# Regulations named in the rule table, with the dates they took effect.
ABNORMAL = "《企业经营异常名录管理暂行办法》（原国家工商行政管理总局令第68号）"
DISCLOSURE = "《企业信息公示暂行条例》（国务院令第654号）"
SERIOUS = "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）"
INDIVIDUAL = "《个体工商户年度报告暂行办法》（原国家工商行政管理总局令第69号）"
PENALTY = "《市场监督管理行政处罚信息公示规定》（国家市场监督管理总局令第45号）"
REPAIR = "《市场监督管理信用修复管理办法》"
REGISTRATION = "《中华人民共和国市场主体登记管理条例》及其实施细则"
COMPANY_LAW = "《中华人民共和国公司法》第二百四十一条"
FUJIAN_CHECKS = "《企业信息公示暂行条例》；福建省“双随机、一公开”监管工作要求"
FUJIAN_DEREG = "福建省强制注销试点做法"
FUJIAN_LISTS = "福建省市场监管领域“三张清单”（2021年省级清单）"

D2014 = date(2014, 10, 1)
D2021 = date(2021, 9, 1)
D2022 = date(2022, 3, 1)
D2024 = date(2024, 7, 1)

UNKNOWN_DATE = "生效日期未核实，按 2014-10-01 录入，以便较早的记录也有规则可用。"
NO_ARTICLE = "条款未逐条核对。"

# code, name, amount, unit, legal basis, effective from, verified, note
RULES = [
    # 经营异常名录（企业）
    ("abnormal_list_listing", "列入经营异常名录（自列入事由发生或查实之日起）", 10, "workday", ABNORMAL, D2014, True,
     "年报：自年度报告公示结束之日起；即时信息：自责令期限届满之日起；虚假信息、无法联系：自查实之日起。"),
    ("instant_info_publicity", "企业即时信息公示（自信息形成之日起）", 20, "workday", DISCLOSURE, D2014, True,
     "逾期且未在责令期限内公示的，列入经营异常名录。" + NO_ARTICLE),
    ("abnormal_list_objection", "对列入经营异常名录提出异议（自公示之日起）", 30, "day", ABNORMAL, D2014, True,
     NO_ARTICLE),
    ("abnormal_list_objection_acceptance", "决定是否受理经营异常名录异议", 5, "workday", ABNORMAL, D2014, True,
     NO_ARTICLE),
    ("abnormal_list_objection_verification", "受理后核实经营异常名录异议", 20, "workday", ABNORMAL, D2014, True,
     NO_ARTICLE),
    ("abnormal_list_removal", "事由消除后作出移出经营异常名录决定（自收到申请或查实之日起）", 5, "workday",
     ABNORMAL, D2014, True, NO_ARTICLE),
    ("abnormal_list_to_serious", "列入经营异常名录届满仍未履行义务，列入严重违法失信名单", 3, "year",
     DISCLOSURE, D2014, True, "自列入经营异常名录之日起计算。" + NO_ARTICLE),
    ("serious_list_reminder_lead", "列入经营异常名录届满三年前提醒履行义务（提前量）", 60, "day", SERIOUS, D2021,
     True, "提醒开始日为届满三年之日前 60 日：add_period(届满日, -60, 自然日)。出处" + NO_ARTICLE),
    # 严重违法失信名单
    ("serious_list_publicity", "严重违法失信名单公示期", 3, "year", SERIOUS, D2021, False,
     "RULES.md 标注未核实。"),
    ("serious_list_early_removal", "列入严重违法失信名单满一年可申请提前移出", 1, "year", SERIOUS, D2021, False,
     "RULES.md 标注未核实。"),
    # 个体工商户经营异常状态
    ("individual_abnormal_restore", "个体工商户恢复正常记载状态（事由消除后）", 5, "workday", INDIVIDUAL, D2014,
     True, NO_ARTICLE),
    ("individual_abnormal_objection", "个体工商户对标记经营异常状态提出异议（自公示之日起）", 30, "day",
     INDIVIDUAL, D2014, True, NO_ARTICLE),
    ("individual_abnormal_objection_acceptance", "决定是否受理个体工商户异议", 5, "workday", INDIVIDUAL, D2014,
     True, NO_ARTICLE),
    ("individual_abnormal_objection_verification", "受理后核实个体工商户异议", 20, "workday", INDIVIDUAL, D2014,
     True, NO_ARTICLE),
    # 双随机、一公开
    ("spot_check_result_publicity", "抽查检查结果公示（自检查结束之日起）", 20, "workday", FUJIAN_CHECKS, D2014,
     True, "福建做法。" + NO_ARTICLE),
    # 行政处罚信息公示
    ("penalty_publicity", "行政处罚信息公示（自作出行政处罚决定之日起）", 20, "workday", PENALTY, D2021, True,
     NO_ARTICLE),
    ("penalty_publicity_withdrawal", "行政处罚决定被撤销后撤下公示信息", 3, "workday", PENALTY, D2021, True,
     NO_ARTICLE),
    ("penalty_publicity_short", "通报批评或较低数额罚款的公示期", 3, "month", PENALTY, D2021, True,
     "警告不公示。" + NO_ARTICLE),
    ("penalty_publicity_long", "其他行政处罚信息的公示期", 3, "year", PENALTY, D2021, True, NO_ARTICLE),
    # 信用修复
    ("penalty_repair_min_publicity", "申请提前停止公示行政处罚信息的最短公示期", 6, "month", REPAIR, D2021, True,
     "生效日期按 2021-09-01 录入，未核实。" + NO_ARTICLE),
    ("penalty_repair_min_publicity_special", "食品、药品、特种设备领域申请提前停止公示的最短公示期", 1, "year",
     REPAIR, D2021, True, "生效日期按 2021-09-01 录入，未核实。" + NO_ARTICLE),
    ("repair_acceptance", "决定是否受理信用修复申请", 3, "workday", REPAIR, D2021, False,
     "RULES.md 标注未核实的默认值。"),
    ("abnormal_repair_decision", "经营异常名录信用修复决定（自受理之日起）", 3, "workday", REPAIR, D2021, False,
     "RULES.md 标注未核实的默认值。"),
    ("penalty_repair_decision", "行政处罚信息信用修复决定（自受理之日起）", 15, "workday", REPAIR, D2021, False,
     "RULES.md 标注未核实的默认值。"),
    ("repair_publicity_stop", "准予信用修复后停止公示（自决定之日起）", 3, "workday", REPAIR, D2021, False,
     "RULES.md 标注未核实的默认值。"),
    # 登记监管
    ("suspension_max", "歇业累计最长期限", 3, "year", REGISTRATION, D2022, True, NO_ARTICLE),
    ("suspension_extension_filing", "歇业期满前申请延长（期满前 30 日内）", 30, "day", REGISTRATION, D2022, True,
     "到期前的期间：最早申请日为 add_period(期满日, -30, 自然日)。" + NO_ARTICLE),
    ("suspension_resumption_publicity", "恢复营业后公示（自恢复营业之日起）", 30, "day", REGISTRATION, D2022,
     True, NO_ARTICLE),
    ("simple_dereg_publicity", "简易注销公示期", 20, "day", REGISTRATION, D2022, True,
     "个体工商户免于公示。" + NO_ARTICLE),
    ("simple_dereg_application", "简易注销公示期满后申请注销登记", 20, "day", REGISTRATION, D2022, True,
     NO_ARTICLE),
    ("simple_dereg_objection", "有关部门对简易注销提出异议", 10, "day", REGISTRATION, D2022, True, NO_ARTICLE),
    ("forced_dereg_reminder", "强制注销催告期", 30, "day", FUJIAN_DEREG, D2014, True, UNKNOWN_DATE),
    ("forced_dereg_waiting", "被吊销营业执照、责令关闭或者被撤销满三年未申请注销的，可予强制注销", 3, "year",
     COMPANY_LAW, D2024, True, "自吊销、责令关闭或者撤销之日起计算。"),
    ("forced_dereg_announcement", "强制注销公告期（不少于）", 60, "day", COMPANY_LAW, D2024, True,
     "公告期限届满后未有异议的，可以注销登记。"),
    # 三张清单
    ("no_penalty_repeat_window", "一年内再犯同类违法行为，不适用不予处罚、从轻、减轻清单", 1, "year", FUJIAN_LISTS,
     date(2021, 1, 1), True, "施行日期未核实，按 2021-01-01 录入。"),
]


def _source() -> str:
    return f"{SOURCE_PREFIX} {version('chinesecalendar')}"


def seed(apps, schema_editor):
    """Write the package's holidays and make-up working days, the covered years, and the rule table."""
    import chinese_calendar

    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    source = _source()
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    days = [
        CalendarDay(date=d, is_workday=False, name=HOLIDAY_NAMES.get(name, name), source=source)
        for d, name in chinese_calendar.holidays.items() if d not in existing
    ] + [
        CalendarDay(date=d, is_workday=True, name=HOLIDAY_NAMES.get(name, name) + MAKEUP_SUFFIX, source=source)
        for d, name in chinese_calendar.workdays.items() if d not in existing
    ]
    CalendarDay.objects.bulk_create(sorted(days, key=lambda day: day.date))
    first, last = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
    entered = set(CalendarYear.objects.values_list("year", flat=True))
    CalendarYear.objects.bulk_create([
        CalendarYear(year=y, source=f"{source}（据国务院办公厅部分节假日安排的通知）")
        for y in range(first, last + 1) if y not in entered
    ])
    for code, name, amount, unit, basis, effective_from, verified, note in RULES:
        TimeLimitRule.objects.get_or_create(
            code=code, effective_from=effective_from,
            defaults={"name": name, "amount": amount, "unit": unit, "legal_basis": basis, "verified": verified,
                      "note": note},
        )


def unseed(apps, schema_editor):
    """Remove what seed() wrote: the package's rows, its years and the seeded rule versions."""
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    CalendarDay.objects.filter(source__startswith=SOURCE_PREFIX).delete()
    CalendarYear.objects.filter(source__startswith=SOURCE_PREFIX).delete()
    for code, *_rest, effective_from, _verified, _note in RULES:
        TimeLimitRule.objects.filter(code=code, effective_from=effective_from).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_log_append_only")]
    operations = [migrations.RunPython(seed, unseed)]
