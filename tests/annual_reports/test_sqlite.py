"""年报 on the zero-config demo path (SQLite, tasks in-process): the demo seeds two seasons, the pages render, a
season opens with its one INSERT … SELECT and the import writes through the ORM writer."""
import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "smoke-pw-2023"

SCRIPT = """
import json
from datetime import date
from django.test import Client
from django.test.utils import setup_test_environment
from annual_reports.importer import annual_reports_import
from annual_reports.models import AnnualReport, FilingSeason, ReminderCampaign
from annual_reports.services import season_open
from core.models import User
from registry.models import MarketEntity
from tests.annual_reports.conftest import HEADERS
from tests.registry.test_import import write_xlsx

setup_test_environment()
client = Client()
client.login(username="credit", password="%s")
campaign = ReminderCampaign.objects.first()
pages = {url: client.get(url).status_code for url in (
    "/annual-reports/", "/annual-reports/reports/?status=not_filed", f"/annual-reports/campaigns/{campaign.pk}/",
    "/annual-reports/dormant/", "/annual-reports/suspensions/", "/annual-reports/guidance/")}
years = sorted(FilingSeason.objects.values_list("year", flat=True))
new = season_open(year=years[0] - 1, by=User.objects.get(username="credit"))
entity = MarketEntity.objects.filter(annual_reports__season=new, annual_reports__status="not_filed").first()
path = write_xlsx("%s", [{"统一社会信用代码": entity.uscc, "报告年度": new.year, "报送日期": new.due_on,
                          "报送方式": "网页"}], headers=HEADERS)
report = annual_reports_import(path=path, file_name="x.xlsx")
print(json.dumps({"pages": pages, "years": years, "opened": AnnualReport.objects.filter(season=new).count(),
                  "ok": report.ok, "status": AnnualReport.objects.get(entity=entity, season=new).status}))
"""


def test_sqlite_demo_seeds_annual_reports_and_the_pages_render(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_NAME")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "CELERY_BROKER_URL": "",
                "DJANGO_SETTINGS_MODULE": "config.settings.local", "MEDIA_ROOT": str(tmp_path / "media")})

    def manage(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True,
                              text=True, timeout=600)

    for args in (("migrate", "--noinput", "-v0"), ("seed_demo", "--entities", "1500", "--password", PASSWORD)):
        result = manage(*args)
        assert result.returncode == 0, result.stderr
    assert "年度报告：" in result.stdout
    result = manage("shell", "-v0", "-c", SCRIPT % (PASSWORD, tmp_path / "import.xlsx"))
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(outcome["pages"].values()) == {200}, outcome["pages"]
    assert len(outcome["years"]) == 2 and outcome["opened"] > 1000
    assert outcome["ok"] and outcome["status"] == "on_time"
