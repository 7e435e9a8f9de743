"""The listing outcomes' standard documents (异议的处理结果, 个体工商户依职权恢复, 严重违法失信名单移出), and issued
documents made by the nightly task (no user: 系统自动)."""
from django.conf import settings
from django.db import migrations, models

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
INDIVIDUAL_HEAD = (
    "{{ entity_name }}（统一社会信用代码：{{ uscc }}{% if legal_rep %}，经营者：{{ legal_rep }}{% endif %}"
    "{% if address %}，经营场所：{{ address }}{% endif %}）："
)
REMEDY = (
    "如不服本决定，可以自收到本决定书之日起六十日内向泉州市泉港区人民政府申请行政复议，"
    "也可以自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
)
OBJECTION = [
    ["addressee", "称谓（你（单位）或你（户））", True],
    ["listing_what", "被异议的事项（如：列入经营异常名录）", True],
    ["listing_date", "列入（标记）日期", True],
    ["listing_number", "列入决定书（通知书）文号", False],
    ["received_date", "收到异议日期", True],
]
OBJECTION_OPENING = (
    "{{ addressee }}对本局于{{ listing_date }}将{{ addressee }}{{ listing_what }}"
    "{% if listing_number %}（{{ listing_number }}）{% endif %}提出的异议，本局于{{ received_date }}收到。"
)

TEMPLATES = [
    {
        "code": "listing_objection_refusal_notice", "name": "异议不予受理通知书",
        "number_pattern": "泉港市监异不受〔{year}〕{seq}号",
        "placeholders": ENTITY + OBJECTION + [["reasons", "不予受理的理由", True], ["legal_basis", "法律依据", True]],
        "body": "\n\n".join([
            "{{ entity_name }}（统一社会信用代码：{{ uscc }}）：",
            OBJECTION_OPENING,
            "经审查，{{ reasons }}。根据{{ legal_basis }}的规定，本局决定不予受理。",
            "如不服本决定，可以自收到本通知书之日起六十日内向泉州市泉港区人民政府申请行政复议，"
            "也可以自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。",
            "特此通知。",
        ]),
    },
    {
        "code": "listing_objection_upheld_decision", "name": "异议成立撤销列入（标记）决定书",
        "number_pattern": "泉港市监异撤决〔{year}〕{seq}号",
        "placeholders": ENTITY + OBJECTION + [
            ["conclusion", "核实情况", True], ["legal_basis", "法律依据", True], ["measure", "撤销的事项", True]],
        "body": "\n\n".join([
            HEAD,
            OBJECTION_OPENING + "本局依法受理并进行了核实。",
            "经核实，{{ conclusion }}。{{ addressee }}提出的异议成立。",
            "根据{{ legal_basis }}的规定，本局决定{{ measure }}，并通过国家企业信用信息公示系统向社会公示。",
            "特此决定。",
        ]),
    },
    {
        "code": "listing_objection_rejected_notice", "name": "异议核实结果告知书",
        "number_pattern": "泉港市监异核〔{year}〕{seq}号",
        "placeholders": ENTITY + OBJECTION + [["conclusion", "核实情况", True], ["legal_basis", "法律依据", True]],
        "body": "\n\n".join([
            "{{ entity_name }}（统一社会信用代码：{{ uscc }}）：",
            OBJECTION_OPENING + "本局依法受理并进行了核实。",
            "经核实，{{ conclusion }}。{{ addressee }}提出的异议不成立。根据{{ legal_basis }}的规定，本局维持原决定。",
            "{{ addressee }}依法履行相关义务、消除事由后，可以向本局申请信用修复。"
            "如不服，可以自收到本告知书之日起六十日内向泉州市泉港区人民政府申请行政复议，"
            "也可以自收到本告知书之日起六个月内依法向人民法院提起行政诉讼。",
            "特此告知。",
        ]),
    },
    {
        "code": "individual_abnormal_restore_decision", "name": "恢复正常记载状态决定书",
        "number_pattern": "泉港市监个恢〔{year}〕{seq}号",
        "placeholders": ENTITY + [
            ["listing_date", "标记日期", True], ["listing_reasons", "标记事由", True],
            ["listing_number", "标记通知书文号", False], ["removal_reasons", "恢复事由（核查情况）", True],
            ["legal_basis", "法律依据", True]],
        "body": "\n\n".join([
            INDIVIDUAL_HEAD,
            "你（户）因{{ listing_reasons }}，于{{ listing_date }}被本局标记为经营异常状态"
            "{% if listing_number %}（{{ listing_number }}）{% endif %}。经核查，{{ removal_reasons }}。",
            "根据{{ legal_basis }}的规定，本局决定将你（户）恢复为正常记载状态，并通过国家企业信用信息公示系统向社会公示。",
        ]),
    },
    {
        "code": "serious_removal_decision", "name": "移出严重违法失信名单决定书",
        "number_pattern": "泉港市监移严决〔{year}〕{seq}号",
        "placeholders": ENTITY + [
            ["listing_date", "列入日期", True], ["listing_reasons", "列入事由", True],
            ["listing_number", "列入决定书文号", False], ["removal_reasons", "移出事由", True],
            ["legal_basis", "法律依据", True]],
        "body": "\n\n".join([
            HEAD,
            "你（单位）因{{ listing_reasons }}，于{{ listing_date }}被本局列入严重违法失信名单"
            "{% if listing_number %}（{{ listing_number }}）{% endif %}。经核查，{{ removal_reasons }}。",
            "根据{{ legal_basis }}的规定，本局决定将你（单位）移出严重违法失信名单，停止公示相关信息，"
            "并解除相关管理措施。",
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
    dependencies = [("core", "0006_seed_document_templates"),
                    migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.AlterField(
            model_name="issueddocument", name="created_by",
            field=models.ForeignKey(blank=True, null=True, help_text="为空表示系统按期自动制作（如公示期届满移出）",
                                    on_delete=models.deletion.PROTECT, related_name="issued_documents",
                                    to=settings.AUTH_USER_MODEL, verbose_name="制作人"),
        ),
        migrations.RunPython(seed, unseed),
    ]
