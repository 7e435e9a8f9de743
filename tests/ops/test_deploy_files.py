"""The deploy/ folder: unit files systemd accepts, a gunicorn configuration gunicorn accepts, and every variable the
application, gunicorn and the backup scripts read documented in .env.example."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ENV_EXAMPLE, ROOT, SERVER_APP_DIR, UNITS, read_env_file, service_env

DOCUMENTED = read_env_file(ROOT / ".env.example").keys()


def variables_read() -> set[str]:
    names = set()
    for path in (ROOT / "config").rglob("*.py"):
        names |= set(re.findall(r'env_(?:str|bool|list)\("([A-Z0-9_]+)"', path.read_text(encoding="utf-8")))
    names |= set(re.findall(r'os\.environ\.get\("([A-Z0-9_]+)"', (ROOT / "deploy" / "gunicorn.conf.py").read_text()))
    for script in ("backup.sh", "restore.sh"):
        text = (ROOT / "scripts" / script).read_text(encoding="utf-8")
        names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)[:?}]", text))
    return names


def test_every_variable_is_documented_in_env_example():
    read = variables_read()
    assert {"DATABASE_REPLICA_URL", "GUNICORN_WORKERS", "BACKUP_DIR", "WORKER_HEARTBEAT_TTL"} <= read
    assert read - DOCUMENTED == set()
    assert read_env_file(ENV_EXAMPLE).keys() - DOCUMENTED == set()


def test_systemd_accepts_the_units(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze 不可用（Debian 的 systemd 软件包）")
    env_file = tmp_path / "xinyong.env"
    env_file.write_text(ENV_EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    units = []
    for unit in sorted(UNITS.iterdir()):
        text = unit.read_text(encoding="utf-8").replace(SERVER_APP_DIR, str(ROOT))
        text = text.replace("/etc/xinyong/xinyong.env", str(env_file))
        text = re.sub(r"^(User|Group)=xinyong$", r"\1=root", text, flags=re.M)  # no such account here
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
        units.append(str(tmp_path / unit.name))
    assert {u.rsplit("/", 1)[1] for u in units} >= {
        "xinyong-web.service", "xinyong-worker.service", "xinyong-beat.service", "xinyong-backup.service",
        "xinyong-backup.timer"}
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True,
                            timeout=120)
    # Unknown keys and bad values are reported on stderr even when the exit code is 0.
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


@pytest.mark.django_db
def test_gunicorn_accepts_its_configuration_with_production_settings(tmp_path):
    env = service_env(tmp_path)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    config = ROOT / "deploy" / "gunicorn.conf.py"
    result = subprocess.run([str(gunicorn), "--check-config", "--config", str(config), "config.wsgi:application"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_requirements_pin_gunicorn():
    assert re.search(r"^gunicorn==\d+\.\d+\.\d+$", (ROOT / "requirements.txt").read_text(), re.M)


def test_production_refuses_the_example_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env.update(read_env_file(ENV_EXAMPLE))  # SECRET_KEY=CHANGE-ME, as copied and forgotten
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
