"""An index for the entity list at a million rows: office + status + type filters are counted from it alone."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_industry_catalogue")]
    operations = [
        migrations.AddIndex(
            model_name="marketentity",
            index=models.Index(fields=["office", "status", "entity_type"], name="entity_office_status_type_idx"),
        ),
    ]
