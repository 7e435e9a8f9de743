"""Trigram indexes so the list's search box (name / legal representative contains …) stays fast at a million rows."""
from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS entity_name_trgm ON registry_marketentity USING gin (UPPER(name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS entity_legal_rep_trgm ON registry_marketentity USING gin (UPPER(legal_rep) gin_trgm_ops);
"""
BACKWARD = """
DROP INDEX IF EXISTS entity_name_trgm;
DROP INDEX IF EXISTS entity_legal_rep_trgm;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
