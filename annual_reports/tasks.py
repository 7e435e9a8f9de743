"""Background work of the annual-report season: thin tasks that claim a job and call a service."""
from celery import shared_task

MAX_RETRIES = 3


@shared_task(bind=True, max_retries=MAX_RETRIES)
def import_annual_reports_task(self, job_id: int) -> None:
    """Run one uploaded filing-status import; a duplicate delivery of the same job does nothing."""
    from core.importing import run_import_task

    from .importer import annual_reports_import_job

    run_import_task(self, job_id, run=lambda job: annual_reports_import_job(job=job))


@shared_task(bind=True, max_retries=MAX_RETRIES)
def season_hand_over_task(self, job_id: int) -> None:
    """Hand a season's non-filers to the listings workflow; idempotent per record."""
    from core.importing import run_import_task

    from .services import season_hand_over_job

    run_import_task(self, job_id, run=lambda job: season_hand_over_job(job=job), what="移交")


@shared_task(bind=True, max_retries=MAX_RETRIES)
def season_open_task(self, job_id: int) -> None:
    """Open (or complete) a report year's season; idempotent (only missing records are added)."""
    from core.importing import run_import_task

    from .services import season_open_job

    run_import_task(self, job_id, run=lambda job: season_open_job(job=job), what="开启年报季")


@shared_task
def season_hand_over_due_task() -> dict:
    """Daily: after a season's deadline its non-filers are handed to the listings workflow (idempotent)."""
    from .services import season_hand_over_due

    return season_hand_over_due()
