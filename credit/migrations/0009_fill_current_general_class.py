"""Fill the current general class of every entity from the class history already held."""
from django.db import migrations


def fill(apps, schema_editor):
    Current = apps.get_model("credit", "CurrentRiskClass")
    History = apps.get_model("credit", "EntityRiskClass")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"INSERT INTO {Current._meta.db_table} (entity_id, risk_class, classified_on) "
            f"SELECT DISTINCT ON (entity_id) entity_id, risk_class, classified_on FROM {History._meta.db_table} "
            f"WHERE domain_id IS NULL ORDER BY entity_id, classified_on DESC"
        )
        return
    latest = {}
    for entity_id, risk_class, on in History.objects.filter(domain__isnull=True).order_by(
            "entity_id", "classified_on").values_list("entity_id", "risk_class", "classified_on"):
        latest[entity_id] = (risk_class, on)
    Current.objects.bulk_create([Current(entity_id=e, risk_class=c, classified_on=d) for e, (c, d) in latest.items()],
                                batch_size=2000)


def empty(apps, schema_editor):
    apps.get_model("credit", "CurrentRiskClass").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("credit", "0008_current_general_class")]

    operations = [migrations.RunPython(fill, empty)]
