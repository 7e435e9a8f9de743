"""Drop the entity table's single-column office_id index: entity_office_status_type_idx and
entity_office_name_cover_idx lead with office_id and serve the foreign key and every office filter, so the plain
index was only one more index for each import and edit to maintain."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_job_queue_tracking'),
        ('registry', '0005_entity_list_covering_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='marketentity',
            name='office',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='entities', to='core.office', verbose_name='管辖单位'),
        ),
    ]
