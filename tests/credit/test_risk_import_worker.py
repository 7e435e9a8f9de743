"""The risk-class import task: claims its job once, and a real worker runs it through Redis."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.choices import AuditAction, JobStatus
from core.models import AuditLog, Job
from credit.excel import RISK_HEADERS
from credit.importer import risk_classes_import_queue
from credit.models import EntityRiskClass
from credit.tasks import import_risk_classes_task
from tests.credit.test_risk_import import class_row
from tests.factories import make_entity
from tests.registry.test_import import write_xlsx
from tests.registry.test_import_worker import celery_worker_on_redis, wait_until_finished  # noqa: F401  (fixture)


@pytest.mark.django_db
def test_task_claims_the_job_and_a_duplicate_delivery_does_nothing(section_user, entity_a, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [class_row(entity_a, "B")], headers=RISK_HEADERS)
    job = risk_classes_import_queue(user=section_user, upload=SimpleUploadedFile(path.name, path.read_bytes()))
    import_risk_classes_task(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result["created"] == 1 and job.percent == 100
    import_risk_classes_task(job.pk)
    assert AuditLog.objects.filter(action=AuditAction.IMPORT).count() == 1
    assert EntityRiskClass.objects.count() == 1


@pytest.mark.django_db
def test_task_fails_at_once_on_a_file_that_is_not_a_workbook(section_user, tmp_path):
    job = risk_classes_import_queue(user=section_user, upload=SimpleUploadedFile("a.xlsx", b"PK\x03\x04 broken"))
    import_risk_classes_task(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "文件已损坏（压缩结构不完整），无法读取。请在 Excel 或 WPS 中重新保存后再导入。"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("celery_worker_on_redis")
def test_upload_is_imported_by_a_real_worker(client, section_user, office_a, tmp_path):
    entities = [make_entity(office_a) for _ in range(3)]
    client.force_login(section_user)
    path = write_xlsx(tmp_path / "分类.xlsx", [class_row(e, "ABC"[i]) for i, e in enumerate(entities)],
                      headers=RISK_HEADERS)
    response = client.post(reverse("credit:risk_import"), {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    job = wait_until_finished(Job.objects.get().pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert response.url == reverse("credit:risk_import_job", args=[job.pk])
    assert sorted(EntityRiskClass.objects.values_list("risk_class", flat=True)) == ["A", "B", "C"]
    assert "导入完成。共 3 行：新增 3 条分类结果" in client.get(response.url).content.decode()
