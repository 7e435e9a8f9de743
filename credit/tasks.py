"""Background work of the credit app: thin tasks that claim a job and call a service."""
from celery import shared_task

MAX_RETRIES = 3


@shared_task(bind=True, max_retries=MAX_RETRIES)
def import_risk_classes_task(self, job_id: int) -> None:
    """Run one uploaded risk-class import; a duplicate delivery of the same job does nothing."""
    from core.importing import run_import_task

    from .importer import risk_classes_import_job

    run_import_task(self, job_id, run=lambda job: risk_classes_import_job(job=job))


@shared_task(bind=True, max_retries=MAX_RETRIES)
def classification_run_task(self, job_id: int) -> None:
    """Run one classification run; a duplicate delivery of the same job does nothing."""
    from core.importing import run_import_task

    from .services import classification_run_job

    run_import_task(self, job_id, run=lambda job: classification_run_job(job=job), what="评价")


@shared_task(bind=True, max_retries=MAX_RETRIES)
def import_complaints_task(self, job_id: int) -> None:
    """Run one uploaded complaints import; a duplicate delivery of the same job does nothing."""
    from core.importing import run_import_task

    from .complaint_importer import complaints_import_job

    run_import_task(self, job_id, run=lambda job: complaints_import_job(job=job))


@shared_task(bind=True, max_retries=MAX_RETRIES)
def compute_indices_task(self, job_id: int) -> None:
    """Compute one year's credit indices; a duplicate delivery of the same job does nothing."""
    from core.importing import run_import_task

    from .indices import indices_compute_job

    run_import_task(self, job_id, run=lambda job: indices_compute_job(job=job), what="指数计算")


@shared_task
def publicity_terms_end_task() -> dict:
    """Nightly: end the publicity of penalty records and serious-list listings whose term has run out (idempotent)."""
    from .listings import serious_remove_expired
    from .penalties import penalty_end_expired

    return {"penalties": penalty_end_expired(), "serious": serious_remove_expired()}
