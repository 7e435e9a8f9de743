"""Is the platform up? /healthz checks the database, the broker and that a worker answered recently.

Each worker writes a heartbeat key into the broker's Redis every WORKER_HEARTBEAT_SECONDS from its own event
loop (WorkerHeartbeat below, added to the worker in core.tasks); the key expires after WORKER_HEARTBEAT_TTL, so
a worker that died, hangs or lost Redis disappears on its own. Redis keeps the time, so the web and worker
servers' clocks need not agree. Checking costs one short database query and two Redis round trips.
"""
import logging
import socket

from celery import bootsteps
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

HEARTBEAT_PREFIX = "xinyong:worker:"
TIMEOUT_SECONDS = 1.0
OK, DOWN, NOT_CONFIGURED = "ok", "down", "not_configured"


def broker_client():
    """A Redis client for the broker with short timeouts (a probe must answer quickly even when Redis hangs)."""
    import redis

    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS,
        retry_on_timeout=False,
    )


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.warning("health: database unavailable: %s", exc)
        return DOWN
    return OK


def live_workers(client=None) -> list[str]:
    """The names of the workers whose heartbeat has not expired (raises if Redis cannot be reached)."""
    client = client or broker_client()
    names = [key.decode()[len(HEARTBEAT_PREFIX):] for key in client.scan_iter(f"{HEARTBEAT_PREFIX}*", count=100)]
    return sorted(names)


def check() -> dict[str, str]:
    """{"database": …, "broker": …, "worker": …}, each "ok" or "down" ("not_configured" without a broker:
    the demo runs its jobs in-process)."""
    result = {"database": check_database()}
    if not settings.CELERY_BROKER_URL:
        return result | {"broker": NOT_CONFIGURED, "worker": NOT_CONFIGURED}
    try:
        client = broker_client()
        client.ping()
    except Exception as exc:
        logger.warning("health: broker unavailable: %s", exc)
        return result | {"broker": DOWN, "worker": DOWN}
    try:
        workers = live_workers(client)
    except Exception as exc:
        logger.warning("health: cannot read worker heartbeats: %s", exc)
        workers = []
    return result | {"broker": OK, "worker": OK if workers else DOWN}


@login_not_required
@never_cache
def healthz(request):
    """200 when every part is up, otherwise 503; the body says which part is down. No login: for monitoring."""
    status = check()
    healthy = all(value in (OK, NOT_CONFIGURED) for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes this worker's heartbeat key on the worker's timer; removes it on a clean shutdown."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None
        self.client = None
        self.failing = False

    def start(self, worker):
        self.key = HEARTBEAT_PREFIX + (worker.hostname or socket.gethostname())
        self.beat()
        self.tref = worker.timer.call_repeatedly(settings.WORKER_HEARTBEAT_SECONDS, self.beat, priority=10)

    def beat(self):
        try:
            self.client = self.client or broker_client()
            self.client.set(self.key, "1", ex=settings.WORKER_HEARTBEAT_TTL)
        except Exception as exc:
            if not self.failing:  # say it once per outage, not every few seconds
                logger.warning("worker heartbeat: cannot reach Redis: %s", exc)
            self.failing = True
            return
        if self.failing:
            logger.info("worker heartbeat: Redis reachable again")
        self.failing = False

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        try:
            (self.client or broker_client()).delete(self.key)
        except Exception:
            pass  # Redis is down: the key expires by itself

    def terminate(self, worker):  # a cold shutdown (SIGQUIT) removes the heartbeat as well
        self.stop(worker)
