"""Background work of the register: the import of an uploaded spreadsheet."""
from celery import shared_task


@shared_task(bind=True, max_retries=3)
def import_entities_task(self, job_id: int) -> None:
    """Run one uploaded register import; a duplicate delivery of the same job does nothing."""
    from core.importing import run_import_task

    from .importer import entities_import_job

    run_import_task(self, job_id, run=lambda job: entities_import_job(job=job))
