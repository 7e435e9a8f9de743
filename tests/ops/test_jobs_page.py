"""后台任务 page: administrators only; queued, running, stalled and failed jobs with their error; an audited retry;
filters and pages; beat's re-sending of jobs that never reached the queue. Tasks run in-process here (the test
settings); tests/ops/test_stack.py runs the same through a real worker and Redis."""
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from core.choices import AuditAction, JobStatus, Role
from core.models import AuditLog, Job
from core.services import JOB_UNSENT_ERROR, JOB_UNSENT_STAGE, job_claim, job_create, job_fail, jobs_resend
from registry.importer import IMPORT_JOB_KIND, entities_import_queue
from registry.models import MarketEntity
from tests.factories import make_office, make_user
from tests.registry.test_import import entity_row, write_xlsx


@pytest.fixture
def admin(db):
    return make_user(Role.ADMIN, username="ops-admin")


def import_job(user, tmp_path, rows, name="名录.xlsx") -> Job:
    """A register import submitted as the upload page does (it runs at once: tasks are eager in tests)."""
    path = write_xlsx(tmp_path / name, rows)
    with committed():
        return entities_import_queue(user=user, upload=SimpleUploadedFile(path.name, path.read_bytes()))


def committed():
    """Run the on-commit callbacks (the queueing) as a real commit would; the test itself is one transaction."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def failed_import(user, tmp_path) -> Job:
    job = import_job(user, tmp_path, [entity_row(1, 管辖单位="峰尾市场监督管理所")])
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    return job


def stalled_job(user) -> Job:
    job = job_create(kind=IMPORT_JOB_KIND, user=user)
    Job.objects.filter(pk=job.pk).update(task_name="registry.tasks.import_entities_task")
    job_claim(job.pk)
    limit = settings.CELERY_TASK_TIME_LIMIT
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(seconds=limit + 120))
    return job


# ---- access -----------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_only_administrators_see_the_jobs_page(client, admin, section_user, outsider, tmp_path, office_a):
    job = import_job(section_user, tmp_path, [entity_row(1)])
    client.force_login(admin)
    page = client.get(reverse("core:jobs")).content.decode()
    assert f'id="job-{job.pk}"' in page
    assert f'<a href="{reverse("core:jobs")}"' in page  # the nav entry 后台任务
    # The section staff member who started the job, and an office user elsewhere: 403, and no nav entry.
    for user in (section_user, outsider):
        client.force_login(user)
        assert client.get(reverse("core:jobs")).status_code == 403
        assert client.post(reverse("core:job_retry", args=[job.pk])).status_code == 403
        assert "后台任务" not in client.get(reverse("home")).content.decode()
    client.logout()
    response = client.get(reverse("core:jobs"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_retry_is_a_post(client, admin, section_user, tmp_path):
    job = failed_import(section_user, tmp_path)
    client.force_login(admin)
    assert client.get(reverse("core:job_retry", args=[job.pk])).status_code == 405


# ---- what the page shows ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_failed_stalled_and_unsent_jobs_are_shown_as_such(client, admin, section_user, tmp_path,
                                                          django_assert_max_num_queries):
    failed = failed_import(section_user, tmp_path)
    stalled = stalled_job(section_user)
    unsent = job_create(kind=IMPORT_JOB_KIND, user=section_user)
    Job.objects.filter(pk=unsent.pk).update(task_name="registry.tasks.import_entities_task",
                                            stage=JOB_UNSENT_STAGE, error=JOB_UNSENT_ERROR)
    client.force_login(admin)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("core:jobs")).content.decode()
    assert "“峰尾市场监督管理所”不是系统中的管辖单位" in failed.result["errors"][0]["message"]
    assert failed.error in page
    assert "超过时限未结束" in page and "后台进程可能已中断" in page
    assert "未提交到队列" in page and JOB_UNSENT_ERROR[:40] in page
    assert page.count(">重新执行</button>") == 2 and page.count(">重新提交</button>") == 1
    assert f'data-confirm="确定重新执行任务 #{failed.pk}（市场主体名录导入）吗？' in page
    assert f'href="{reverse("registry:import_job", args=[failed.pk])}"' in page
    # The cards count them.
    assert '<span class="num">1</span><span class="label">超过时限未结束</span>' in page
    assert stalled.pk and unsent.pk


@pytest.mark.django_db
def test_filters_and_pages(client, admin, section_user, tmp_path, office_a):
    failed = failed_import(section_user, tmp_path)
    stalled = stalled_job(section_user)
    done = import_job(section_user, tmp_path, [entity_row(2)], name="好的.xlsx")
    client.force_login(admin)

    def ids(**params):
        response = client.get(reverse("core:jobs"), params)
        return {row["job"].pk for row in response.context["rows"]}

    assert ids(status="failed") == {failed.pk}
    assert ids(status="stalled") == {stalled.pk}
    assert ids(status="running") == {stalled.pk}
    assert ids(status="succeeded") == {done.pk}
    assert ids(q="好的") == {done.pk}
    assert ids(q=f"#{failed.pk}") == {failed.pk}
    assert ids(q="处错误") == {failed.pk}  # the error text
    assert ids(kind=IMPORT_JOB_KIND) == {failed.pk, stalled.pk, done.pk}
    today = timezone.localdate().isoformat()
    assert ids(created_after=today, created_before=today) == {failed.pk, stalled.pk, done.pk}

    Job.objects.bulk_create([Job(kind="test.bulk") for _ in range(settings.PAGE_SIZE)])
    first = client.get(reverse("core:jobs"), {"kind": "test.bulk"})
    assert first.context["page"].paginator.num_pages == 1
    everything = client.get(reverse("core:jobs"))
    assert everything.context["page"].paginator.num_pages == 2
    second = client.get(reverse("core:jobs"), {"page": 2})
    assert len(second.context["rows"]) == 3


# ---- retry ------------------------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the view's commit sends the job, as in production
def test_a_failed_job_is_run_again_and_the_retry_is_audited(client, admin, section_user, tmp_path):
    job = failed_import(section_user, tmp_path)
    make_office(name="峰尾市场监督管理所")  # what was missing
    client.force_login(admin)
    back = reverse("core:jobs") + "?status=failed"
    response = client.post(reverse("core:job_retry", args=[job.pk]), {"next": back}, follow=True)
    assert response.redirect_chain == [(back, 302)]
    assert f"任务 #{job.pk} 已重新提交到任务队列（当前状态：已完成）" in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.retries == 1 and job.error == ""
    assert MarketEntity.objects.count() == 1
    log = AuditLog.objects.get(action=AuditAction.STATUS)
    assert log.actor == admin and log.target_id == str(job.pk)
    assert log.changes["status"] == ["failed", "queued"]
    # The error it had stays on record.
    assert log.changes["error"] == ["文件中有 1 处错误（涉及 1 行），未导入任何数据。", ""]


@pytest.mark.django_db
def test_a_stalled_job_can_be_run_again_but_a_running_or_finished_one_cannot(client, admin, section_user, tmp_path,
                                                                             office_a):
    client.force_login(admin)
    running = job_create(kind=IMPORT_JOB_KIND, user=section_user)
    Job.objects.filter(pk=running.pk).update(task_name="registry.tasks.import_entities_task")
    job_claim(running.pk)
    response = client.post(reverse("core:job_retry", args=[running.pk]), follow=True)
    assert "正在执行，不能重新执行" in response.content.decode()
    assert Job.objects.get(pk=running.pk).status == JobStatus.RUNNING

    done = import_job(section_user, tmp_path, [entity_row(1)])
    response = client.post(reverse("core:job_retry", args=[done.pk]), follow=True)
    assert "已完成，无需重新执行" in response.content.decode()

    old = job_create(kind=IMPORT_JOB_KIND, user=section_user)  # queued before job_enqueue existed: no task name
    job_fail(old, error="旧错误")
    response = client.post(reverse("core:job_retry", args=[old.pk]), follow=True)
    assert "无法重新执行，请让发起人重新提交" in response.content.decode()
    assert not AuditLog.objects.filter(action=AuditAction.STATUS).exists()

    stalled = stalled_job(section_user)  # its file is gone with its worker: it fails again, with a clear error
    with committed():
        client.post(reverse("core:job_retry", args=[stalled.pk]))
    stalled.refresh_from_db()
    assert stalled.status == JobStatus.FAILED and stalled.retries == 1
    assert stalled.error == f"导入时发生系统错误，未写入任何数据。请联系系统管理员（任务编号 #{stalled.pk}）。"
    assert AuditLog.objects.filter(action=AuditAction.STATUS, target_id=str(stalled.pk)).count() == 1


# ---- beat re-sends what never reached the queue ------------------------------------------------------------------

@pytest.mark.django_db
def test_jobs_resend_sends_unsent_and_long_waiting_jobs_only(section_user, tmp_path, office_a):
    path = write_xlsx(tmp_path / "a.xlsx", [entity_row(1)])

    def queued(**fields) -> Job:
        job = job_create(kind=IMPORT_JOB_KIND, user=section_user,
                         input_file=SimpleUploadedFile(path.name, path.read_bytes()), input_name=path.name)
        Job.objects.filter(pk=job.pk).update(task_name="registry.tasks.import_entities_task", **fields)
        return job

    long_ago = timezone.now() - timedelta(hours=1)
    unsent = queued(created_at=long_ago, stage=JOB_UNSENT_STAGE, error=JOB_UNSENT_ERROR)
    lost = queued(created_at=long_ago, sent_at=long_ago)  # its message went with a Redis restart
    just_now = queued()  # its page request is still sending it
    recently_sent = queued(created_at=long_ago, sent_at=timezone.now())
    no_task = job_create(kind=IMPORT_JOB_KIND, user=section_user)
    Job.objects.filter(pk=no_task.pk).update(created_at=long_ago)

    assert jobs_resend() == 2
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses[unsent.pk] == statuses[lost.pk] == JobStatus.SUCCEEDED
    assert statuses[just_now.pk] == statuses[recently_sent.pk] == statuses[no_task.pk] == JobStatus.QUEUED
    unsent.refresh_from_db()
    assert unsent.error == "" and unsent.sent_at is not None
