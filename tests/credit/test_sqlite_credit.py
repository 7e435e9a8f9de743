"""The credit pages on the zero-config demo path (SQLite, tasks in-process): the portable code paths."""
import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "smoke-pw-2023"

EXERCISE = f"""
import json
from datetime import date
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse
from credit.models import ModelRun, ModelVersion, CreditIndex
from credit.selectors import current_risk_classes, reproduction_differences
from credit.services import classification_run_queue, classification_run_reproduce
from credit.indices import compute_year

setup_test_environment()
client = Client()
client.login(username="credit", password="{PASSWORD}")
version = ModelVersion.objects.get(number=1)
today = date.today()
run = classification_run_queue(version=version, entity_type="individual", as_of=today, by=None)
run.refresh_from_db()
again = classification_run_reproduce(run=run, by=None)
again.refresh_from_db()
comparison = classification_run_queue(version=version, entity_type="enterprise", as_of=today, by=None)
rows = compute_year(today.year - 1)
pages = [reverse("credit:risk_overview"), reverse("credit:model_home"), reverse("credit:run_detail", args=[run.pk]),
         reverse("credit:run_detail", args=[comparison.pk]), reverse("credit:index_home"),
         reverse("credit:analysis_detail", args=[today.year - 1]), reverse("registry:entity_list") + "?risk_class=A"]
print(json.dumps({{"classes": len(current_risk_classes()), "food": len(current_risk_classes(domain="食品")),
                  "population": run.population, "status": run.job.status,
                  "differences": reproduction_differences(again),
                  "indices": rows, "pages": [client.get(p).status_code for p in pages]}}))
"""


def test_credit_runs_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_NAME")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "CELERY_BROKER_URL": "",
                "DJANGO_SETTINGS_MODULE": "config.settings.local", "MEDIA_ROOT": str(tmp_path / "media")})
    for args in (("migrate", "--noinput", "-v0"), ("seed_demo", "--entities", "400", "--password", PASSWORD),
                 ("shell", "-v0", "-c", EXERCISE)):
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["classes"] > 0 and outcome["food"] >= outcome["classes"]
    assert outcome["status"] == "succeeded" and outcome["population"] > 0 and outcome["differences"] == 0
    assert outcome["indices"] > 0
    assert outcome["pages"] == [200] * 7
