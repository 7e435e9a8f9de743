"""The read-replica router: with DATABASE_REPLICA_URL set, reads inside read_from_replica go to the replica and
everything else — every write, every other read — to the primary. Two throwaway databases of this test stand in
for the primary and its replica (holding different rows, so that it shows which one answered)."""
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connections

from core.db_routers import ReplicaRouter, read_from_replica
from core.models import Office

from .conftest import ROOT
from .test_backup import ADMIN_URL, SERVER_URL, psql

SCRIPT = """
import json
from core.db_routers import read_from_replica
from core.models import Office

def names():
    return sorted(Office.objects.values_list("name", flat=True))

@read_from_replica
def dashboard():
    return names()

Office.objects.create(code="P1", name="主库所")
with read_from_replica():
    inside = names()
    Office.objects.create(code="P2", name="副本块内写入")
print(json.dumps({"inside": inside, "decorated": dashboard(), "outside": names()}, ensure_ascii=False))
"""


@pytest.fixture
def primary_and_replica(django_db_setup, django_db_blocker):
    schema = subprocess.run(
        ["pg_dump", "--schema-only", "--no-owner", "--table", "core_office", f"{SERVER_URL}/"
         f"{settings.DATABASES['default']['NAME']}"], capture_output=True, text=True, timeout=60, check=True).stdout
    urls = []
    for role in ("primary", "replica"):
        name = f"xinyong_ops_{role}_{os.getpid()}"
        psql(ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        psql(ADMIN_URL, f'CREATE DATABASE "{name}"')
        subprocess.run(["psql", f"{SERVER_URL}/{name}", "-Xq", "-v", "ON_ERROR_STOP=1"], input=schema, text=True,
                       capture_output=True, timeout=60, check=True)
        urls.append(f"{SERVER_URL}/{name}")
    try:
        yield urls
    finally:
        for url in urls:
            psql(ADMIN_URL, f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def test_dashboard_reads_go_to_the_replica_and_writes_to_the_primary(primary_and_replica):
    primary, replica = primary_and_replica
    psql(replica, "INSERT INTO core_office (code, name, address, phone, is_active, sort_order) "
                  "VALUES ('R1', '副本所', '', '', true, 0)")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL=primary, DATABASE_REPLICA_URL=replica)
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", SCRIPT], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"inside": ["副本所"], "decorated": ["副本所"], "outside": ["主库所", "副本块内写入"]}
    assert psql(replica, "SELECT string_agg(name, ',' ORDER BY name) FROM core_office") == "副本所"


@pytest.mark.django_db
def test_without_a_replica_the_decorator_reads_the_primary(office_a):
    assert "replica" not in connections.settings
    with read_from_replica():
        assert list(Office.objects.values_list("name", flat=True)) == [office_a.name]
        assert ReplicaRouter().db_for_read(Office) is None
    assert ReplicaRouter().allow_migrate("replica", "core") is False
    assert ReplicaRouter().allow_migrate("default", "core") is True
