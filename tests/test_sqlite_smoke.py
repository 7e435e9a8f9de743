"""The zero-config demo path: SQLite, tasks in-process, migrate, seed_demo, and the list page renders."""
import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "smoke-pw-2023"

RENDER_LIST = f"""
import json
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse
from registry.models import MarketEntity

setup_test_environment()
client = Client()
logged_in = client.login(username="credit", password="{PASSWORD}")
response = client.get(reverse("registry:entity_list"))
first = MarketEntity.objects.order_by("name", "id").first()
print(json.dumps({{"logged_in": logged_in, "status": response.status_code, "count": MarketEntity.objects.count(),
                  "name": first.name, "shown": first.name in response.content.decode()}}))
"""


def _manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=300)


def test_sqlite_demo_migrates_seeds_and_renders_the_entity_list(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_NAME")}
    env.update({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "MEDIA_ROOT": str(tmp_path / "media"),
    })
    for args in (("migrate", "--noinput", "-v0"), ("seed_demo", "--entities", "200", "--password", PASSWORD)):
        result = _manage(env, *args)
        assert result.returncode == 0, result.stderr
    assert "市场主体：新增 200 户" in result.stdout

    result = _manage(env, "shell", "-v0", "-c", RENDER_LIST)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["logged_in"] is True
    assert outcome["count"] == 200
    assert outcome["status"] == 200
    assert outcome["shown"], outcome["name"]
    assert (tmp_path / "db.sqlite3").exists()
