"""Running the platform as the servers do: the systemd units' own commands, on the real PostgreSQL and Redis.

The units in deploy/systemd/ are read and their ExecStart run here with the application directory and the state
directory swapped for this checkout and a temporary folder, and the EnvironmentFile example with the test
database, the test broker and temporary folders in place of the server's.
"""
import atexit
import http.client
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
ENV_EXAMPLE = ROOT / "deploy" / "xinyong.env.example"
SERVER_APP_DIR = "/opt/xinyong/app"
SERVER_STATE_DIR = "/var/lib/xinyong"
HOST_HEADER = "xinyong.qg.local"  # the intranet name in the EnvironmentFile example's ALLOWED_HOSTS
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "",
               "--appendonly", "no"]
# Stopping Redis affects every test run on this machine: the outage never lasts longer than this, even if this
# test process is killed (a detached watchdog starts Redis again).
REDIS_OUTAGE_CEILING = 25


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "redis_outage: stops the shared Redis for a few seconds; always starts it again (finally, a "
                   "SIGTERM handler and a detached watchdog)")


# ---- reading the deploy files ------------------------------------------------------------------------------

def read_env_file(path: Path) -> dict:
    """An EnvironmentFile as systemd reads it: NAME=value lines, # comments."""
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        env[name.strip()] = value.strip()
    return env


def unit_directives(unit: str) -> dict[str, list[str]]:
    """Directive → values of a unit file in deploy/systemd (continuation lines joined)."""
    directives: dict[str, list[str]] = {}
    text = (UNITS / unit).read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        directives.setdefault(key.strip(), []).append(value.strip())
    return directives


def unit_command(unit: str, env: dict, state_dir: Path) -> list[str]:
    """The unit's ExecStart as argv, with systemd's specifiers and ${VAR} expanded and this checkout in place
    of /opt/xinyong/app."""
    (line,) = unit_directives(unit)["ExecStart"]
    line = line.replace("%H", socket.gethostname()).replace("%%", "%")
    argv = []
    for word in shlex.split(line):
        for name, value in env.items():
            word = word.replace("${" + name + "}", value)
        word = word.replace(SERVER_APP_DIR, str(ROOT)).replace(SERVER_STATE_DIR, str(state_dir))
        argv.append(word)
    return argv


# ---- processes -----------------------------------------------------------------------------------------------

class Service:
    """A unit's command running in its own process group, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict, log: Path):
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.proc = None

    def start(self):
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def stop(self, timeout: float = 30):
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # as systemctl stop does
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def assert_running(self):
        assert self.proc is not None and self.proc.poll() is None, f"{self.name} 已退出：\n{self.output()[-3000:]}"


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.2):
    """Poll until predicate() is truthy; a deadline for failing, not a timing assertion."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except Exception as exc:  # not up yet
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(interval)
    raise AssertionError(f"{timeout:.0f} 秒内未等到：{what}（最后一次：{last!r}）")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, headers: dict | None = None, timeout: float = 10):
    """A request as nginx passes it on: the intranet host name, https in X-Forwarded-Proto; no redirects."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": HOST_HEADER, "X-Forwarded-Proto": "https", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def healthz(port: int) -> tuple[int, dict]:
    status, _, body = http_get(port, "/healthz")
    return status, json.loads(body)


# ---- Redis ----------------------------------------------------------------------------------------------------

def redis_up() -> bool:
    return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"], capture_output=True, text=True,
                          timeout=5).stdout.strip() == "PONG"


def start_redis():
    if not redis_up():
        subprocess.run(REDIS_START, check=False, timeout=15)
    wait_for(redis_up, timeout=20, what="Redis 应答 PONG", interval=0.1)


@contextmanager
def redis_stopped():
    """Stop the shared Redis for the body of the with-block, and always start it again.

    Three guards: the finally clause; SIGTERM turned into an exception while Redis is down (so the finally runs
    when the test run is terminated); and a detached watchdog that starts Redis after REDIS_OUTAGE_CEILING
    seconds even if this process is killed outright.
    """
    watchdog = subprocess.Popen(
        ["sh", "-c", f"sleep {REDIS_OUTAGE_CEILING}; redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || "
                     + shlex.join(REDIS_START)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )

    def terminated(signum, frame):
        raise KeyboardInterrupt("SIGTERM during the Redis outage")

    previous = signal.signal(signal.SIGTERM, terminated)
    atexit.register(start_redis)
    try:
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"], capture_output=True,
                       timeout=10)
        wait_for(lambda: not redis_up(), timeout=10, what="Redis 停止", interval=0.05)
        yield
    finally:
        start_redis()
        signal.signal(signal.SIGTERM, previous)
        atexit.unregister(start_redis)
        if watchdog.poll() is None:
            os.killpg(watchdog.pid, signal.SIGTERM)
        watchdog.wait(5)


@pytest.fixture(scope="session", autouse=True)
def redis_left_running():
    """However the session ends, it leaves Redis answering."""
    yield
    start_redis()


# ---- the stack: gunicorn, a worker and beat from the units ------------------------------------------------------

def database_url_for_services() -> str:
    """The pytest-django test database, as a URL the subprocesses can use."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def service_env(state_dir: Path, **overrides) -> dict:
    """The EnvironmentFile example, with this test run's database, broker and folders."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(read_env_file(ENV_EXAMPLE))
    env.update({
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": database_url_for_services(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "STATIC_ROOT": str(state_dir / "static"),
        "BACKUP_DIR": str(state_dir / "backups"),
        "GUNICORN_WORKERS": "2",
        "CELERY_WORKER_CONCURRENCY": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(overrides)
    return env
