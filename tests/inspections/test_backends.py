"""The same seed gives the same draw on PostgreSQL and on SQLite (the zero-config demo database)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.inspections.conftest import YEAR
from tests.inspections.scenario import build_and_draw

BASE_DIR = Path(__file__).resolve().parents[2]

ON_SQLITE = f"""
from tests.inspections.scenario import build_and_draw
print(build_and_draw(year={YEAR}))
"""


@pytest.mark.django_db
def test_same_seed_same_draw_on_postgresql_and_sqlite(tmp_path):
    assert connection.vendor == "postgresql"
    on_postgres = json.loads(build_and_draw(year=YEAR))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_NAME")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'draw.sqlite3'}", "CELERY_BROKER_URL": "",
                "DJANGO_SETTINGS_MODULE": "config.settings.local", "MEDIA_ROOT": str(tmp_path / "media")})
    for args in (["migrate", "--noinput", "-v0"], ["shell", "-v0", "-c", ON_SQLITE]):
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
    on_sqlite = json.loads(result.stdout.strip().splitlines()[-1])
    assert sum(len(s["selected"]) for s in on_postgres["strata"]) > 10
    assert on_postgres["exclusions"] and on_postgres["assignments"]
    for key in ("strata", "exclusions", "entity_offices", "pool", "assignments"):
        assert on_sqlite[key] == on_postgres[key], key
