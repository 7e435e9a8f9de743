"""Covering indexes for the entity list at a million rows: the page's ids are read in name order from the index
alone, with the filter and search columns checked on the index entries (replacing the plain name indexes)."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_entity_list_indexes")]
    operations = [
        # Add before removing, so the list never runs without a name-ordered index.
        migrations.AddIndex(
            model_name="marketentity",
            index=models.Index(fields=["name", "id"], include=("office", "status", "entity_type", "legal_rep"),
                               name="entity_name_cover_idx"),
        ),
        migrations.AddIndex(
            model_name="marketentity",
            index=models.Index(fields=["office", "name", "id"], include=("status", "entity_type", "legal_rep"),
                               name="entity_office_name_cover_idx"),
        ),
        migrations.RemoveIndex(model_name="marketentity", name="entity_office_name_idx"),
        migrations.RemoveIndex(model_name="marketentity", name="entity_name_id_idx"),
    ]
