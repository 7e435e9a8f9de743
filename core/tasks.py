"""Background work of the core app: sending queued jobs again, and the worker's heartbeat for /healthz."""
from celery import shared_task

from config.celery import app

from .health import WorkerHeartbeat

# Celery imports this module (autodiscovery) before it builds a worker, so every worker writes a heartbeat.
app.steps["worker"].add(WorkerHeartbeat)


@shared_task(ignore_result=True)
def jobs_resend_task() -> int:
    """Beat: queue again the jobs whose message never reached Redis or was lost with it."""
    from .services import jobs_resend

    return jobs_resend()
