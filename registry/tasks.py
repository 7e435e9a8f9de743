"""Background work of the register: the import of an uploaded spreadsheet and its search-index clean-up."""
from celery import shared_task


@shared_task(bind=True, max_retries=3)
def import_entities_task(self, job_id: int) -> None:
    """Run one uploaded register import; a duplicate delivery of the same job does nothing."""
    from core.importing import run_import_task

    from .importer import entities_import_job

    run_import_task(self, job_id, run=lambda job: entities_import_job(job=job))


@shared_task
def gin_cleanup_task() -> int:
    """After an import: merge the search indexes' pending lists (the new rows' trigrams) into the indexes, so that
    name searches are as fast as before the import. Queued on the import's commit."""
    from .importer import gin_clean_pending_lists

    return gin_clean_pending_lists()


@shared_task
def dereg_chase_feedback_task() -> int:
    """Every morning: chase the member departments whose forced-deregistration feedback is overdue (once a day)."""
    from django.utils import timezone

    from core.workdays import is_workday

    from .dereg import chase_overdue_feedback

    if not is_workday(timezone.localdate()):  # the schedule runs Monday to Friday; holidays are skipped here
        return 0
    return chase_overdue_feedback()
