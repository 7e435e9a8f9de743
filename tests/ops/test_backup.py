"""Backups: the backup unit's command (scripts/backup.sh) dumps a database and its uploaded files; the database is
dropped; scripts/restore.sh brings it back with the same rows, the same content and the append-only audit trail.

Works on a throwaway database of its own (xinyong_ops_backup_<pid>), never on the test database of other runs.
"""
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT, read_env_file, unit_command, unit_directives

SERVER_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xinyong").rsplit("/", 1)[0]
ADMIN_URL = f"{SERVER_URL}/postgres"
# Key tables: the register, its history, staff and roles, the audit trail, jobs, the calendar and time limits.
KEY_TABLES = [
    "core_office", "core_user", "core_user_groups", "core_auditlog", "core_job", "core_calendarday",
    "core_timelimitrule", "registry_industry", "registry_marketentity", "registry_statuschange",
]


def psql(url: str, sql: str) -> str:
    result = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-XAtqc", sql], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def fingerprint(url: str) -> dict:
    """Row count and an md5 of all the rows (each row as text, sorted) of each key table."""
    return {
        table: psql(url, f"SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
                         f"FROM {table} t")
        for table in KEY_TABLES
    }


@pytest.fixture
def throwaway_db():
    name = f"xinyong_ops_backup_{os.getpid()}"
    psql(ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(ADMIN_URL, f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER_URL}/{name}"
    finally:
        psql(ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(argv, env, timeout=240):
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{argv}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_backup_drop_and_restore_give_back_the_same_rows_files_and_audit_trail(throwaway_db, tmp_path):
    media = tmp_path / "media"
    (media / "jobs" / "2026" / "11").mkdir(parents=True)
    upload = media / "jobs" / "2026" / "11" / "名录.xlsx"
    content = os.urandom(4096)
    upload.write_bytes(content)
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env.update(read_env_file(ROOT / "deploy" / "xinyong.env.example"))
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL=throwaway_db, MEDIA_ROOT=str(media),
               BACKUP_DIR=str(tmp_path / "backups"), BACKUP_STAMP="20261126-023000", CELERY_BROKER_URL="",
               PATH=f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}")
    # A database as the bureau would have it: migrated, the demo register, staff, audit records, a job.
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([sys.executable, "manage.py", "seed_demo", "--entities", "300", "--password", "backup-test-2026"], env)
    psql(throwaway_db, "INSERT INTO core_job (kind, status, created_at, progress_done, progress_total, stage, "
                       "input_file, input_name, params, result, error, task_name, retries) VALUES ('registry."
                       "import_entities', 'failed', now(), 0, 0, '', 'jobs/2026/11/名录.xlsx', '名录.xlsx', '{}', "
                       "'{}', '第 2 行 · 管辖单位 · 不存在', 'registry.tasks.import_entities_task', 0)")
    before = fingerprint(throwaway_db)
    assert int(before["registry_marketentity"].split()[0]) == 300
    assert int(before["core_auditlog"].split()[0]) > 0

    # The nightly unit's command, exactly.
    assert unit_directives("xinyong-backup.service")["Type"] == ["oneshot"]
    out = run(unit_command("xinyong-backup.service", env, tmp_path), env)
    assert "完成" in out
    backups = tmp_path / "backups"
    dump = backups / "xinyong-20261126-023000.dump"
    assert sorted(p.name for p in backups.iterdir()) == [
        "xinyong-20261126-023000.dump", "xinyong-20261126-023000.media.tar.gz", "xinyong-20261126-023000.sha256"]

    # Disaster: the database and the uploads are gone.
    psql(ADMIN_URL, f'DROP DATABASE "{throwaway_db.rsplit("/", 1)[1]}" WITH (FORCE)')
    shutil.rmtree(media)

    restore = run([str(ROOT / "scripts" / "restore.sh"), str(dump), "--yes"], env)
    assert "恢复完成" in restore
    assert fingerprint(throwaway_db) == before
    assert upload.read_bytes() == content
    # The audit trail is still append-only after the restore (its trigger came back with it).
    refused = subprocess.run(["psql", throwaway_db, "-XAtqc", "UPDATE core_auditlog SET summary = 'x'"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0


def test_restore_refuses_without_yes_and_a_damaged_backup(tmp_path):
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/xinyong_ops_never_created"}
    dump = tmp_path / "xinyong-20261126-023000.dump"
    dump.write_bytes(b"not a dump")
    (tmp_path / "xinyong-20261126-023000.sha256").write_text("0" * 64 + "  xinyong-20261126-023000.dump\n")
    no_yes = subprocess.run([str(ROOT / "scripts" / "restore.sh"), str(dump)], env=env, capture_output=True,
                            text=True, timeout=60)
    assert no_yes.returncode == 2 and "--yes" in no_yes.stderr
    damaged = subprocess.run([str(ROOT / "scripts" / "restore.sh"), str(dump), "--yes"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert damaged.returncode != 0 and "FAILED" in damaged.stderr + damaged.stdout
    assert "删除并重建数据库" not in damaged.stdout
