"""The professional classification domains the provincial platform uses; administrators add more in the admin."""
from django.db import migrations

DOMAINS = [
    ("food", "食品"),
    ("special_equipment", "特种设备"),
    ("industrial_products", "工业产品"),
    ("drugs", "药品"),
    ("cosmetics", "化妆品"),
    ("medical_devices", "医疗器械"),
]


def seed(apps, schema_editor):
    RiskDomain = apps.get_model("credit", "RiskDomain")
    for order, (code, name) in enumerate(DOMAINS, start=1):
        RiskDomain.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


def unseed(apps, schema_editor):
    RiskDomain = apps.get_model("credit", "RiskDomain")
    RiskDomain.objects.filter(code__in=[code for code, _ in DOMAINS], classes__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_risk_domains_and_entity_classes")]

    operations = [migrations.RunPython(seed, unseed)]
