"""Seed registration supervision's rules as data: the forced-deregistration candidate rules and their periods
(core.TimeLimitRule versions, including the pilot's pre-2024 defaults), the other time limits the pipelines
count, and the three lists (三张清单) for 2021 and 2024. Texts are the bureau's working summaries; items whose
wording or article could not be checked against the official list say so in their conditions (待核实)."""
from datetime import date

from django.db import migrations

FUJIAN_DEREG = "福建省强制注销试点做法"
REGISTRATION = "《中华人民共和国市场主体登记管理条例》及其实施细则"
PENALTY_LAW = "《中华人民共和国行政处罚法》"
D2014 = date(2014, 10, 1)
D2022 = date(2022, 3, 1)
UNCHECKED = "试点期间各设区市期限不一（六个月至二年），本区取值待核实；2024-07-01 起按公司法第二百四十一条。"

# code, name, amount, unit, legal basis, effective from, verified, note
TIME_LIMITS = [
    ("forced_dereg_waiting", "吊销营业执照、责令关闭或者被撤销满一定期限未申请注销的，列为强制注销候选（试点）", 1,
     "year", FUJIAN_DEREG, D2014, False, UNCHECKED),
    ("forced_dereg_announcement", "强制注销公告期（试点）", 45, "day", FUJIAN_DEREG, D2014, False,
     "试点做法的公告期待核实；2024-07-01 起不少于 60 日。"),
    ("forced_dereg_abnormal_idle", "列入经营异常名录满一定期限且无经营活动的，列为强制注销候选", 3, "year",
     FUJIAN_DEREG, D2014, False, "自列入经营异常名录之日起计算；期限待核实。"),
    ("forced_dereg_feedback", "成员单位反馈强制注销征求意见（自征求之日起）", 10, "workday", FUJIAN_DEREG, D2014,
     False, "部门协作约定的期限，待核实。"),
    ("forced_dereg_statement", "强制注销告知后提出陈述、申辩或听证申请（自告知之日起）", 5, "day", PENALTY_LAW,
     D2014, False, "参照行政处罚法关于听证申请期限的规定，待核实。"),
    ("registration_rectification", "登记事项责令改正期限（默认）", 15, "workday", REGISTRATION, D2022, False,
     "承办人可按案情另定期限；默认值待核实。"),
    ("unlicensed_notification_reply", "无证无照信息抄告后主管部门回复（自抄告之日起）", 10, "workday",
     "《无证无照经营查处办法》（国务院令第684号）", date(2017, 10, 1), False, "回复期限为部门协作约定，待核实。"),
]

DEREG_RULES = [
    ("forced_dereg_revoked", "吊销营业执照、责令关闭或者被撤销满期限未申请注销", "revoked", "forced_dereg_waiting",
     "自吊销（责令关闭、撤销）之日起计算，期限版本见时限规则 forced_dereg_waiting。"),
    ("forced_dereg_abnormal_idle", "列入经营异常名录满期限且无经营活动", "abnormal_idle", "forced_dereg_abnormal_idle",
     "无经营活动：列入名录后没有抽查发现其在经营、没有登记状态变更。名录数据来自信用监管的经营异常名录。"),
]

OLD_REG = "《中华人民共和国公司登记管理条例》、《个体工商户条例》"
NEW_REG = "《中华人民共和国市场主体登记管理条例》"
FIRST_MINOR = "初次违法，危害后果轻微，并在责令改正期限内改正。"

# kind, number, matter, violation, basis (2021), basis (2024), conditions, measures
ITEMS = [
    ("no_penalty", 1, "address", "市场主体住所（主要经营场所）变更未依照规定办理变更登记",
     f"{OLD_REG}相关条款", f"{NEW_REG}第二十四条、第四十六条",
     f"变更后的住所仍在本登记机关辖区且可以取得联系；{FIRST_MINOR}", "责令限期办理变更登记，进行批评教育，记录在案。"),
    ("no_penalty", 2, "legal_rep", "法定代表人（负责人）变更未依照规定办理变更登记",
     f"{OLD_REG}相关条款", f"{NEW_REG}第二十四条、第四十六条", FIRST_MINOR,
     "责令限期办理变更登记，进行批评教育，记录在案。"),
    ("no_penalty", 3, "scope", "经营范围变更未依照规定办理变更登记（不涉及许可经营项目）",
     f"{OLD_REG}相关条款", f"{NEW_REG}第二十四条、第四十六条", f"不涉及须经许可的经营项目；{FIRST_MINOR}",
     "责令限期办理变更登记，进行批评教育，记录在案。"),
    ("no_penalty", 4, "filing", "章程、董事、监事、高级管理人员、联络员等事项变动未依照规定办理备案",
     f"{OLD_REG}相关条款", f"{NEW_REG}第二十九条、第四十七条", FIRST_MINOR,
     "责令限期办理备案，进行批评教育，记录在案。"),
    ("no_penalty", 5, "licence", "未将营业执照置于住所或者主要经营场所的醒目位置",
     f"{OLD_REG}相关条款", f"{NEW_REG}第三十六条、第四十八条", "初次违法，当场或者在责令改正期限内改正。",
     "责令改正，进行批评教育，记录在案。"),
    ("no_penalty", 6, "licence", "从事电子商务经营的市场主体未在首页显著位置持续公示营业执照信息",
     "《中华人民共和国电子商务法》第十五条、第七十六条", "《中华人民共和国电子商务法》第十五条、第七十六条",
     FIRST_MINOR, "责令限期改正，进行批评教育，记录在案。"),
    ("no_penalty", 7, "name", "使用的名称与登记的名称不一致（如门头招牌简称）且未造成混淆",
     "《企业名称登记管理规定》相关条款", "《企业名称登记管理规定》及其实施办法相关条款（条款待核实）",
     f"未造成公众误认或者损害他人合法权益；{FIRST_MINOR}", "责令改正，进行批评教育，记录在案。"),
    ("lighter", 1, "other", "未经设立登记从事一般经营活动",
     "《无证无照经营查处办法》第十三条", f"{NEW_REG}第四十三条",
     "主动消除或者减轻违法行为危害后果；经营规模小、时间短，配合调查并及时办理登记。",
     "在法定处罚幅度内从轻处罚，责令改正。"),
    ("lighter", 2, "address", "提交虚假住所（经营场所）证明材料取得登记",
     f"{OLD_REG}相关条款", f"{NEW_REG}第四十四条",
     "主动供述违法行为；在立案前已办理住所变更登记或者恢复可联系状态，未造成他人损失。",
     "在法定处罚幅度内从轻处罚，责令改正，依法撤销或更正有关登记。"),
    ("lighter", 3, "licence", "出租、出借营业执照",
     f"{OLD_REG}相关条款", f"{NEW_REG}第四十九条", "违法行为持续时间短，主动中止，违法所得较少。",
     "在法定处罚幅度内从轻处罚，没收违法所得。"),
    ("reduced", 1, "capital", "公司股东虚假出资、未交付或者未按期交付作为出资的货币或者非货币财产",
     "《中华人民共和国公司法》（2018 年修正）第一百九十九条", "《中华人民共和国公司法》（2023 年修订）第二百五十二条",
     "在案件调查终结前补足出资，未造成公司债权人或者其他股东损失。", "在法定处罚幅度的最低限以下减轻处罚，责令改正。"),
    ("reduced", 2, "capital", "公司登记时虚报注册资本",
     "《中华人民共和国公司法》（2018 年修正）第一百九十八条", "《中华人民共和国公司法》（2023 年修订）第二百五十条",
     "主动消除违法行为危害后果，在立案前已完成减资或者实缴；受他人胁迫或者诱骗实施。",
     "在法定处罚幅度的最低限以下减轻处罚，责令改正。"),
]

CATALOGUES = [
    (2021, "福建省市场监管领域轻微违法行为不予处罚、从轻处罚、减轻处罚清单（登记注册部分）", "福建省市场监督管理局",
     date(2021, 1, 1), "2021 年省级清单中与登记注册有关的事项（本局摘编，条款表述待核实）。"),
    (2024, "福建省市场监管领域“三张清单”（登记注册部分，2024 年修订）", "福建省市场监督管理局", date(2024, 7, 1),
     "按《市场主体登记管理条例》和 2023 年修订的公司法调整依据（本局摘编，条款表述待核实）。"),
]


def seed(apps, schema_editor):
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    DeregRule = apps.get_model("registry", "DeregRule")
    ListCatalogue = apps.get_model("registry", "ListCatalogue")
    ListItem = apps.get_model("registry", "ListItem")
    for code, name, amount, unit, basis, effective_from, verified, note in TIME_LIMITS:
        TimeLimitRule.objects.get_or_create(
            code=code, effective_from=effective_from,
            defaults={"name": name, "amount": amount, "unit": unit, "legal_basis": basis, "verified": verified,
                      "note": note},
        )
    for code, name, trigger, period_code, note in DEREG_RULES:
        DeregRule.objects.get_or_create(code=code, defaults={"name": name, "trigger": trigger,
                                                             "period_code": period_code, "note": note})
    for year, title, issued_by, effective_from, note in CATALOGUES:
        catalogue, created = ListCatalogue.objects.get_or_create(
            year=year, defaults={"title": title, "issued_by": issued_by, "effective_from": effective_from,
                                 "note": note})
        if not created:
            continue
        ListItem.objects.bulk_create([
            ListItem(catalogue=catalogue, kind=kind, number=number, matter=matter, violation=violation,
                     legal_basis=basis_2021 if year == 2021 else basis_2024, conditions=conditions,
                     measures=measures)
            for kind, number, matter, violation, basis_2021, basis_2024, conditions, measures in ITEMS
        ])


def unseed(apps, schema_editor):
    TimeLimitRule = apps.get_model("core", "TimeLimitRule")
    apps.get_model("registry", "ListCatalogue").objects.filter(year__in=[c[0] for c in CATALOGUES]).delete()
    apps.get_model("registry", "DeregRule").objects.filter(code__in=[r[0] for r in DEREG_RULES]).delete()
    for code, *_rest, effective_from, _verified, _note in TIME_LIMITS:
        TimeLimitRule.objects.filter(code=code, effective_from=effective_from).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_seed_calendar_and_time_limits"),
        ("registry", "0007_registration_supervision"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
