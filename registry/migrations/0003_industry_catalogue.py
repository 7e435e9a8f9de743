"""Load the GB/T 4754-2017 industry catalogue (sections, divisions and the groups and classes held)."""
from django.db import migrations


def load_catalogue(apps, schema_editor):
    """Create the nodes that are missing; leave names an administrator has edited alone."""
    from registry.industry_data import catalogue_rows

    Industry = apps.get_model("registry", "Industry")
    existing = dict(Industry.objects.values_list("code", "id"))
    for code, name, level, parent_code in catalogue_rows():
        if code in existing:
            continue
        node = Industry.objects.create(
            code=code, name=name, level=level, parent_id=existing[parent_code] if parent_code else None
        )
        existing[code] = node.id


def unload_catalogue(apps, schema_editor):
    """Remove the catalogue, finest level first (the parent link protects nodes that still have children)."""
    Industry = apps.get_model("registry", "Industry")
    codes = list(Industry.objects.values_list("code", flat=True))
    for length in sorted({len(code) for code in codes}, reverse=True):
        Industry.objects.filter(code__in=[code for code in codes if len(code) == length]).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_entity_search_indexes")]

    operations = [migrations.RunPython(load_catalogue, unload_catalogue)]
