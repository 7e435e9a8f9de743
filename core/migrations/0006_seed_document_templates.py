"""The bureau's standard documents (信用修复、列异列严、提醒预警、强制注销), first version of each."""
from django.db import migrations

ENTITY = [
    ["entity_name", "市场主体名称", True],
    ["uscc", "统一社会信用代码", True],
    ["legal_rep", "法定代表人（负责人、经营者）", False],
    ["address", "住所（经营场所）", False],
]
HEAD = (
    "{{ entity_name }}（统一社会信用代码：{{ uscc }}{% if legal_rep %}，法定代表人（负责人）：{{ legal_rep }}{% endif %}"
    "{% if address %}，住所（经营场所）：{{ address }}{% endif %}）："
)
SHORT_HEAD = "{{ entity_name }}（统一社会信用代码：{{ uscc }}）："
REMEDY = (
    "如不服本决定，可以自收到本决定书之日起六十日内向泉州市泉港区人民政府申请行政复议，"
    "也可以自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
)
REPAIR = [
    ["apply_date", "申请日期", True],
    ["repair_kind", "修复类别（如：移出经营异常名录）", True],
    ["repair_item", "申请修复的失信信息", True],
]


def p(*rows):
    return [list(r) for r in rows]


TEMPLATES = [
    {
        "code": "repair_acceptance_notice", "name": "信用修复受理通知书",
        "number_pattern": "泉港市监信修受〔{year}〕{seq}号",
        "placeholders": ENTITY + REPAIR + p(
            ["decide_deadline", "作出决定的期限截止日", False], ["contact", "联系人及电话", False]),
        "body": "\n\n".join([
            SHORT_HEAD,
            "你（单位）于{{ apply_date }}提出的{{ repair_kind }}信用修复申请（申请修复事项：{{ repair_item }}）及相关材料收悉。"
            "经审查，申请材料齐全，符合法定形式。根据《市场监督管理信用修复管理办法》的规定，本局决定予以受理。",
            "本局将依法对申请事项进行核查，{% if decide_deadline %}并于{{ decide_deadline }}前作出是否予以信用修复的决定"
            "{% else %}并在规定期限内作出是否予以信用修复的决定{% endif %}。核查期间请保持联系畅通，如需补充说明有关情况，请予配合。",
            "{% if contact %}联系人及电话：{{ contact }}。{% endif %}",
            "特此通知。",
        ]),
    },
    {
        "code": "repair_refusal_notice", "name": "信用修复不予受理通知书",
        "number_pattern": "泉港市监信修不受〔{year}〕{seq}号",
        "placeholders": ENTITY + REPAIR + p(["reasons", "不予受理的理由", True], ["legal_basis", "法律依据", True]),
        "body": "\n\n".join([
            SHORT_HEAD,
            "你（单位）于{{ apply_date }}提出的{{ repair_kind }}信用修复申请（申请修复事项：{{ repair_item }}）收悉。"
            "经审查，{{ reasons }}。根据{{ legal_basis }}的规定，本局决定不予受理。",
            "符合信用修复条件后，你（单位）可以重新提出申请。如不服本决定，可以自收到本通知书之日起六十日内向泉州市泉港区人民政府"
            "申请行政复议，也可以自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。",
            "特此通知。",
        ]),
    },
    {
        "code": "repair_decision", "name": "信用修复决定书",
        "number_pattern": "泉港市监信修决〔{year}〕{seq}号",
        "placeholders": ENTITY + REPAIR + p(
            ["acceptance_number", "受理通知书文号", False], ["findings", "核查情况", True],
            ["legal_basis", "法律依据", True], ["measure", "修复措施（如：将你（单位）移出经营异常名录）", True]),
        "body": "\n\n".join([
            HEAD,
            "你（单位）于{{ apply_date }}提出的{{ repair_kind }}信用修复申请（申请修复事项：{{ repair_item }}），"
            "本局已依法受理{% if acceptance_number %}（{{ acceptance_number }}）{% endif %}。经核查，{{ findings }}。",
            "根据{{ legal_basis }}的规定，本局决定予以信用修复：{{ measure }}。信用修复结果将通过国家企业信用信息公示系统"
            "向社会公示，并共享至有关部门。",
            "你（单位）应当严格履行守信承诺，依法诚信经营。",
        ]),
    },
    {
        "code": "repair_refusal_decision", "name": "不予信用修复决定书",
        "number_pattern": "泉港市监信修不决〔{year}〕{seq}号",
        "placeholders": ENTITY + REPAIR + p(
            ["findings", "核查情况", False], ["reasons", "不予修复的理由", True], ["legal_basis", "法律依据", True]),
        "body": "\n\n".join([
            HEAD,
            "你（单位）于{{ apply_date }}提出的{{ repair_kind }}信用修复申请（申请修复事项：{{ repair_item }}），本局已依法受理。"
            "{% if findings %}经核查，{{ findings }}。{% endif %}",
            "因{{ reasons }}，根据{{ legal_basis }}的规定，本局决定不予信用修复。",
            REMEDY,
        ]),
    },
    {
        "code": "listing_reminder", "name": "提醒提示函",
        "number_pattern": "泉港市监提〔{year}〕{seq}号",
        "placeholders": ENTITY + p(
            ["problem", "存在的问题", True], ["legal_basis", "法律依据", True], ["cure_deadline", "改正期限截止日", True],
            ["remedy_hint", "改正方式", False], ["consequence", "逾期未改正的后果（不填用标准表述）", False],
            ["contact", "联系人及电话", False]),
        "body": "\n\n".join([
            SHORT_HEAD,
            "经查，你（单位）{{ problem }}。根据{{ legal_basis }}的规定，现提醒你（单位）于{{ cure_deadline }}前依法改正"
            "{% if remedy_hint %}（{{ remedy_hint }}）{% endif %}。",
            "{% if consequence %}{{ consequence }}{% else %}逾期未改正的，本局将依法将你（单位）列入经营异常名录"
            "（个体工商户标记为经营异常状态），并通过国家企业信用信息公示系统向社会公示，由此产生的信用约束后果由你（单位）承担。"
            "{% endif %}",
            "在上述期限内完成改正的，本局不予列入。{% if contact %}如有疑问，请与{{ contact }}联系。{% endif %}",
            "特此函告。",
        ]),
    },
    {
        "code": "abnormal_listing_decision", "name": "列入经营异常名录决定书",
        "number_pattern": "泉港市监列异决〔{year}〕{seq}号",
        "placeholders": ENTITY + p(
            ["facts", "查明的事实", True], ["reasons", "列入事由", True], ["legal_basis", "法律依据", True]),
        "body": "\n\n".join([
            HEAD,
            "经查，{{ facts }}。",
            "上述情形属于{{ reasons }}。根据{{ legal_basis }}的规定，本局决定将你（单位）列入经营异常名录，"
            "并通过国家企业信用信息公示系统向社会公示。",
            "你（单位）依法履行相关义务、消除列入事由后，可以向本局申请移出经营异常名录。对列入经营异常名录有异议的，"
            "可以自公示之日起三十日内向本局提出书面申请，并提交相关证明材料。",
            REMEDY,
        ]),
    },
    {
        "code": "individual_abnormal_notice", "name": "标记经营异常状态通知书",
        "number_pattern": "泉港市监个标〔{year}〕{seq}号",
        "placeholders": ENTITY + p(
            ["facts", "查明的事实", True], ["reasons", "标记事由", True], ["legal_basis", "法律依据", True]),
        "body": "\n\n".join([
            "{{ entity_name }}（统一社会信用代码：{{ uscc }}{% if legal_rep %}，经营者：{{ legal_rep }}{% endif %}"
            "{% if address %}，经营场所：{{ address }}{% endif %}）：",
            "经查，{{ facts }}。",
            "上述情形属于{{ reasons }}。根据{{ legal_basis }}的规定，本局已将你（户）标记为经营异常状态，"
            "并通过国家企业信用信息公示系统向社会公示。",
            "你（户）补报年度报告、依法公示有关信息或者办理经营场所变更登记等消除标记事由后，可以向本局申请恢复正常记载状态。"
            "对标记有异议的，可以自公示之日起三十日内向本局提出书面申请，并提交相关证明材料。",
            "特此通知。",
        ]),
    },
    {
        "code": "abnormal_removal_decision", "name": "移出经营异常名录决定书",
        "number_pattern": "泉港市监移异决〔{year}〕{seq}号",
        "placeholders": ENTITY + p(
            ["listing_date", "列入日期", True], ["listing_reasons", "列入事由", True],
            ["listing_number", "列入决定书文号", False], ["removal_reasons", "移出事由（核查情况）", True],
            ["legal_basis", "法律依据", True]),
        "body": "\n\n".join([
            HEAD,
            "你（单位）因{{ listing_reasons }}，于{{ listing_date }}被本局列入经营异常名录"
            "{% if listing_number %}（{{ listing_number }}）{% endif %}。经核查，{{ removal_reasons }}。",
            "根据{{ legal_basis }}的规定，本局决定将你（单位）移出经营异常名录，并通过国家企业信用信息公示系统向社会公示。",
        ]),
    },
    {
        "code": "serious_listing_notice", "name": "列入严重违法失信名单告知书",
        "number_pattern": "泉港市监列严告〔{year}〕{seq}号",
        "placeholders": ENTITY + p(
            ["facts", "查明的事实", True], ["reasons", "拟列入的理由", True], ["legal_basis", "法律依据", True],
            ["statement_deadline", "陈述申辩截止日", True],
            ["hearing_note", "听证权利告知（不填用标准表述）", False], ["contact", "联系人及电话", False]),
        "body": "\n\n".join([
            HEAD,
            "经查，{{ facts }}。",
            "上述行为属于{{ reasons }}。根据{{ legal_basis }}的规定，本局拟将你（单位）列入严重违法失信名单。",
            "根据《市场监督管理严重违法失信名单管理办法》的规定，你（单位）享有陈述、申辩的权利，可以在{{ statement_deadline }}前"
            "向本局提出；{% if hearing_note %}{{ hearing_note }}{% else %}你（单位）依法享有要求听证的权利，要求听证的，"
            "应当在上述期限内向本局提出。{% endif %}逾期未提出的，视为放弃上述权利。",
            "{% if contact %}联系人及电话：{{ contact }}。{% endif %}",
            "特此告知。",
        ]),
    },
    {
        "code": "serious_listing_decision", "name": "列入严重违法失信名单决定书",
        "number_pattern": "泉港市监列严决〔{year}〕{seq}号",
        "placeholders": ENTITY + p(
            ["facts", "查明的事实", True], ["reasons", "列入理由", True], ["legal_basis", "法律依据", True],
            ["listing_term", "公示期限（如：三年）", True],
            ["statement_summary", "陈述申辩、听证及采纳情况（不填为未提出）", False],
            ["approval", "上级机关批准情况", False]),
        "body": "\n\n".join([
            HEAD,
            "经查，{{ facts }}。",
            "本局已依法告知你（单位）拟列入严重违法失信名单的事实、理由、依据及依法享有的陈述、申辩和要求听证的权利。"
            "{% if statement_summary %}{{ statement_summary }}{% else %}你（单位）在规定期限内未提出陈述、申辩，也未要求听证。{% endif %}"
            "{% if approval %}{{ approval }}。{% endif %}",
            "上述行为属于{{ reasons }}。根据{{ legal_basis }}的规定，本局决定将你（单位）列入严重违法失信名单，"
            "通过国家企业信用信息公示系统向社会公示，公示期为{{ listing_term }}，并依法实施相应管理措施。",
            "符合信用修复条件的，你（单位）可以依法向本局申请信用修复。",
            REMEDY,
        ]),
    },
    {
        "code": "warning_letter", "name": "预警提醒函",
        "number_pattern": "泉港市监预警〔{year}〕{seq}号",
        "placeholders": ENTITY + p(
            ["risks", "发现的信用风险", True], ["suggestions", "防范建议", False],
            ["reply_deadline", "书面反馈截止日", False]),
        "body": "\n\n".join([
            "{{ entity_name }}：",
            "本局在日常监管中发现，你（单位）存在以下信用风险：{{ risks }}。",
            "为帮助你（单位）及时防范和化解风险，避免因违法失信受到信用约束，特予预警提醒。"
            "{% if suggestions %}建议你（单位）：{{ suggestions }}。{% endif %}"
            "{% if reply_deadline %}请于{{ reply_deadline }}前将有关情况书面反馈本局。{% endif %}",
            "本函为提醒性质，不影响你（单位）依法开展正常经营活动。",
        ]),
    },
    {
        "code": "prompt_letter", "name": "行政提示函",
        "number_pattern": "泉港市监行提〔{year}〕{seq}号",
        "placeholders": ENTITY + p(
            ["matters", "提示事项", True], ["legal_basis", "法律依据", True], ["deadline", "完成期限", False],
            ["contact", "联系人及电话", False]),
        "body": "\n\n".join([
            "{{ entity_name }}：",
            "根据{{ legal_basis }}的规定，现就以下事项向你（单位）作出行政提示：{{ matters }}。",
            "请你（单位）对照有关规定依法开展经营活动{% if deadline %}，并于{{ deadline }}前完成上述事项{% endif %}。"
            "{% if contact %}如有疑问，请与{{ contact }}联系。{% endif %}",
            "特此提示。",
        ]),
    },
    {
        "code": "forced_dereg_reminder", "name": "强制注销催告书",
        "number_pattern": "泉港市监强销催〔{year}〕{seq}号",
        "placeholders": ENTITY + p(
            ["revocation", "被吊销营业执照（责令关闭、撤销）的情况", True], ["legal_basis", "法律依据", True],
            ["deadline", "催告期限截止日", True]),
        "body": "\n\n".join([
            HEAD,
            "经查，{{ revocation }}，至今未依法办理注销登记。",
            "根据{{ legal_basis }}的规定，现催告你（单位）于{{ deadline }}前依法办理清算及注销登记。逾期未办理的，本局将依法"
            "启动强制注销程序。强制注销登记后，你（单位）的主体资格终止，原股东、清算义务人依法应当承担的责任不因强制注销而免除。",
            "你（单位）对本催告有异议的，可以在上述期限内向本局提出陈述、申辩。",
            "特此催告。",
        ]),
    },
    {
        "code": "forced_dereg_decision", "name": "强制注销决定书",
        "number_pattern": "泉港市监强销决〔{year}〕{seq}号",
        "placeholders": ENTITY + p(
            ["revocation", "被吊销营业执照（责令关闭、撤销）的情况", True],
            ["procedure", "催告、公告情况", True], ["objection_summary", "异议及处理情况（不填为未提出异议）", False],
            ["legal_basis", "法律依据", True]),
        "body": "\n\n".join([
            HEAD,
            "经查，{{ revocation }}。本局已{{ procedure }}。"
            "{% if objection_summary %}{{ objection_summary }}{% else %}期限届满，你（单位）仍未办理注销登记，也未提出异议。{% endif %}",
            "根据{{ legal_basis }}的规定，本局决定对你（单位）予以强制注销登记，并通过国家企业信用信息公示系统向社会公示。"
            "强制注销登记后，你（单位）的主体资格终止；原股东、清算义务人等依法应当承担的责任不因强制注销而免除。",
            REMEDY,
        ]),
    },
]


def seed(apps, schema_editor):
    DocumentTemplate = apps.get_model("core", "DocumentTemplate")
    DocumentTemplateVersion = apps.get_model("core", "DocumentTemplateVersion")
    for spec in TEMPLATES:
        template, created = DocumentTemplate.objects.get_or_create(
            code=spec["code"],
            defaults={"name": spec["name"], "body": spec["body"], "number_pattern": spec["number_pattern"],
                      "sequence": spec["code"], "placeholders": spec["placeholders"], "version": 1},
        )
        if created:
            DocumentTemplateVersion.objects.create(
                template=template, version=1, name=spec["name"], body=spec["body"],
                number_pattern=spec["number_pattern"])


def unseed(apps, schema_editor):
    DocumentTemplate = apps.get_model("core", "DocumentTemplate")
    DocumentTemplateVersion = apps.get_model("core", "DocumentTemplateVersion")
    codes = [spec["code"] for spec in TEMPLATES]
    DocumentTemplateVersion.objects.filter(template__code__in=codes).delete()
    DocumentTemplate.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0005_issued_documents")]

    operations = [migrations.RunPython(seed, unseed)]
