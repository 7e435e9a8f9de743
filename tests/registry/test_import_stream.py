"""The streamed import (PostgreSQL, outside any transaction): valid rows are merged chunk by chunk on a writer
thread while the rest of the file is still being checked, and a bad row anywhere rolls all of it back."""
import pytest
from django.db import connection

from core.choices import AuditAction, JobStatus
from core.models import AuditLog
from registry import importer
from registry.models import MarketEntity, StatusChange
from tests.registry.test_import import _entity_indexes_and_fks, entity_row, run_import, write_xlsx

# serialized_rollback: the industry catalogue loaded by a data migration survives the flush between tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def chunks(monkeypatch):
    """Chunks of 3 rows, and a record of what the writer thread saw of the register after each chunk it merged
    (inside the import's transaction), and whether it ran on a thread of its own."""
    import threading

    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    seen = []
    original = importer._PostgresLoad.load

    def load(self, cursor, data):
        original(self, cursor, data)
        cursor.execute("SELECT count(*) FROM registry_marketentity")
        seen.append((cursor.fetchone()[0], threading.current_thread() is threading.main_thread()))

    monkeypatch.setattr(importer._PostgresLoad, "load", load)
    return seen


def _nothing_written():
    assert MarketEntity.objects.count() == 0
    assert StatusChange.objects.count() == 0
    assert not AuditLog.objects.filter(action__in=[AuditAction.IMPORT, AuditAction.UPDATE]).exists()


def test_rows_are_merged_chunk_by_chunk_on_a_writer_thread(tmp_path, office_a, section_user, chunks):
    assert not connection.in_atomic_block
    report = run_import(write_xlsx(tmp_path / "a.xlsx", [entity_row(n) for n in range(1, 11)]), user=section_user)
    assert report.ok and report.written and (report.created, report.updated) == (10, 0)
    assert chunks == [(3, False), (6, False), (9, False), (10, False)]
    assert MarketEntity.objects.count() == 10
    log = AuditLog.objects.get(action=AuditAction.IMPORT)
    assert log.actor == section_user and log.extra["created"] == 10

    # A re-import with changes, streamed the same way: before → after recorded, status history kept.
    rows = [entity_row(n) for n in range(1, 11)]
    rows[7] = entity_row(8, 名称="泉港导入测试企业8（更名）有限公司", 登记状态="吊销")
    chunks.clear()
    report = run_import(write_xlsx(tmp_path / "b.xlsx", rows), user=section_user)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 9) and len(chunks) == 4
    entity = MarketEntity.objects.get(uscc=rows[7]["统一社会信用代码"])
    assert entity.name == "泉港导入测试企业8（更名）有限公司" and entity.status == "revoked"
    change = StatusChange.objects.get(entity=entity)
    assert (change.old_status, change.new_status) == ("active", "revoked")
    update = AuditLog.objects.get(action=AuditAction.UPDATE)
    assert update.changes["name"] == ["泉港导入测试企业8有限公司", "泉港导入测试企业8（更名）有限公司"]


def test_a_bad_row_late_in_the_file_rolls_back_the_chunks_already_merged(tmp_path, office_a, chunks):
    rows = [entity_row(n) for n in range(1, 21)]
    rows[18]["管辖单位"] = "不存在的所"
    report = run_import(write_xlsx(tmp_path / "late.xlsx", rows))
    assert not report.ok and [str(e) for e in report.errors] == [
        "第 20 行 · 管辖单位 · “不存在的所”不是系统中的管辖单位，应填写已有市场监督管理所的全称"]
    # The writer had merged the first chunks inside the import's transaction before the bad row was seen …
    assert [count for count, _ in chunks][:3] == [3, 6, 9]
    # … and nothing of it was committed.
    _nothing_written()


def test_a_duplicate_code_in_a_later_chunk_rolls_back_everything(tmp_path, office_a, chunks):
    rows = [entity_row(n) for n in range(1, 11)] + [entity_row(2, 名称="重复的一户")]
    report = run_import(write_xlsx(tmp_path / "dup.xlsx", rows))
    assert [str(e) for e in report.errors] == [
        f"第 12 行 · 统一社会信用代码 · 统一社会信用代码 {rows[1]['统一社会信用代码']} 与第 3 行重复"]
    assert len(chunks) >= 3
    _nothing_written()


def test_streamed_dry_run_counts_and_writes_nothing(tmp_path, office_a, chunks):
    report = run_import(write_xlsx(tmp_path / "dry.xlsx", [entity_row(n) for n in range(1, 8)]), dry_run=True)
    assert report.ok and not report.written and report.created == 7 and len(chunks) == 3
    _nothing_written()


def test_streamed_large_load_rebuilds_indexes_and_a_late_bad_row_restores_them(tmp_path, office_a, chunks,
                                                                                  monkeypatch):
    before = _entity_indexes_and_fks()
    monkeypatch.setattr(importer, "LARGE_LOAD_MIN_ROWS", 3)
    rows = [entity_row(n) for n in range(1, 11)]
    bad = [*rows, entity_row(11, 成立日期="2023-02-30")]
    report = run_import(write_xlsx(tmp_path / "bad.xlsx", bad))
    assert not report.ok and len(chunks) >= 3
    _nothing_written()
    assert _entity_indexes_and_fks() == before

    report = run_import(write_xlsx(tmp_path / "good.xlsx", rows))
    assert report.ok and report.created == 10
    assert _entity_indexes_and_fks() == before
    assert MarketEntity.objects.filter(name__icontains="导入测试企业7").count() == 1
    # Into the empty register the chunks were COPYed straight into the table, its timestamps from a default set
    # for that transaction only: the rows have them, the table keeps no default.
    assert not MarketEntity.objects.filter(created_at__isnull=True).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'registry_marketentity' "
                       "AND column_default IS NOT NULL AND column_name IN ('created_at', 'updated_at')")
        assert cursor.fetchone()[0] == 0


@pytest.mark.parametrize("writer", [None, "postgres-in-transaction", "orm"])
def test_tabs_line_breaks_and_backslashes_in_values_survive_every_writer(tmp_path, office_a, writer):
    from django.db import transaction

    name = "泉港\\山腰\t商行\n（一店）"
    rows = [entity_row(1, 名称=name, 住所="山腰街道\\1号"), entity_row(2)]
    path = write_xlsx(tmp_path / "odd.xlsx", rows)
    if writer == "postgres-in-transaction":  # inside a caller's transaction: spooled, then written
        with transaction.atomic():
            report = run_import(path, writer="postgres")
    else:
        report = run_import(path, writer=writer)
    assert report.ok and report.created == 2
    entity = MarketEntity.objects.get(uscc=rows[0]["统一社会信用代码"])
    assert (entity.name, entity.address) == (name, "山腰街道\\1号")


def test_an_error_on_the_writer_thread_fails_the_import_and_writes_nothing(tmp_path, office_a, monkeypatch):
    def broken(self, cursor, data):
        cursor.execute("SELECT 1/0")

    monkeypatch.setattr(importer._PostgresLoad, "load", broken)
    with pytest.raises(Exception, match="division by zero"):
        run_import(write_xlsx(tmp_path / "a.xlsx", [entity_row(n) for n in range(1, 4)]))
    _nothing_written()


def test_the_upload_page_job_is_streamed_and_its_progress_is_recorded(client, section_user, office_a, tmp_path,
                                                                      chunks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.models import Job

    client.force_login(section_user)
    path = write_xlsx(tmp_path / "page.xlsx", [entity_row(n) for n in range(1, 8)])
    response = client.post("/registry/import/", {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == JobStatus.SUCCEEDED and job.result["created"] == 7
    assert job.stage == "写入数据库" and job.percent == 100
    assert len(chunks) == 3 and not any(main for _, main in chunks)


# ------------------------------------------------------------------------------------------------------------
# The search indexes' pending lists: filled during the import, merged by a job right after its commit
# ------------------------------------------------------------------------------------------------------------

@pytest.fixture
def cleanups(monkeypatch):
    """What each run of the GIN clean-up saw: the register's rows committed (counted on a connection of its own),
    and the pending-list pages it merged."""
    import threading

    runs = []
    original = importer.gin_clean_pending_lists

    def spy():
        seen = []

        def count():
            seen.append(MarketEntity.objects.count())
            connection.close()

        thread = threading.Thread(target=count)
        thread.start()
        thread.join()
        pages = original()
        runs.append((seen[0], pages))
        return pages

    monkeypatch.setattr(importer, "gin_clean_pending_lists", spy)
    return runs


def test_the_gin_clean_up_runs_after_the_commit_and_search_finds_the_new_rows(client, tmp_path, office_a,
                                                                             section_user, cleanups):
    rows = [entity_row(n, 名称=f"泉港峰尾鸿运检索{n}号商行") for n in range(1, 6)]
    report = run_import(write_xlsx(tmp_path / "a.xlsx", rows), user=section_user)
    assert report.ok and report.created == 5
    # The job ran once the rows were committed (another connection saw all five) and merged the pending lists.
    assert len(cleanups) == 1 and cleanups[0][0] == 5 and cleanups[0][1] >= 1
    client.force_login(section_user)
    page = client.get("/registry/entities/", {"q": "鸿运检索3"}).content.decode()
    assert "泉港峰尾鸿运检索3号商行" in page and "泉港峰尾鸿运检索4号商行" not in page
    page = client.get("/registry/entities/", {"q": "林4"}).content.decode()  # the legal representative's index
    assert "泉港峰尾鸿运检索4号商行" in page

    # Nothing changed, nothing left on the lists: no clean-up queued. A dry run queues none either.
    run_import(write_xlsx(tmp_path / "b.xlsx", rows), user=section_user)
    run_import(write_xlsx(tmp_path / "c.xlsx", [entity_row(9)]), user=section_user, dry_run=True)
    assert len(cleanups) == 1


def test_a_large_load_rebuilds_the_gin_indexes_and_queues_no_clean_up(tmp_path, office_a, cleanups, monkeypatch):
    monkeypatch.setattr(importer, "LARGE_LOAD_MIN_ROWS", 3)
    report = run_import(write_xlsx(tmp_path / "a.xlsx", [entity_row(n) for n in range(1, 6)]))
    assert report.ok and report.created == 5 and cleanups == []


def test_the_clean_up_job_merges_pending_lists(office_a):
    from registry.tasks import gin_cleanup_task

    with connection.cursor() as cursor:
        cursor.execute("SET gin_pending_list_limit = '64MB'")
        for n in range(1, 4):
            MarketEntity.objects.create(uscc=f"91350505{n:09d}X"[:18], name=f"待整理{n}", entity_type="enterprise",
                                        industry_code="C2651", office=office_a, established_on="2020-01-01")
        cursor.execute("RESET gin_pending_list_limit")
    assert gin_cleanup_task.delay().get() >= 1
    assert gin_cleanup_task.delay().get() == 0  # nothing left


def test_progress_is_visible_to_the_page_while_the_writer_holds_the_import_open(tmp_path, office_a, section_user,
                                                                               monkeypatch):
    """The job's progress is written outside the import's transaction: another connection (the page polling the
    job) sees the checking advance while the writer thread has merged chunks but not yet committed them."""
    import threading

    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.models import Job
    from registry.importer import entities_import_job, entities_import_queue

    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 3)
    path = write_xlsx(tmp_path / "p.xlsx", [entity_row(n) for n in range(1, 13)])
    with monkeypatch.context() as m:
        m.setattr("registry.importer.job_enqueue", lambda **kwargs: None)  # run below, by hand
        job = entities_import_queue(user=section_user, upload=SimpleUploadedFile(path.name, path.read_bytes()))
    polled, merged = [], threading.Event()
    original_load, original_progress = importer._PostgresLoad.load, importer.job_progress

    def load(self, cursor, data):
        original_load(self, cursor, data)

        def poll():  # as the job page would, on a connection of its own
            polled.append((Job.objects.values_list("stage", "progress_done").get(pk=job.pk),
                           MarketEntity.objects.count()))
            connection.close()

        thread = threading.Thread(target=poll)
        thread.start()
        thread.join()
        merged.set()

    def progress(job, *, done, **kwargs):
        original_progress(job, done=done, **kwargs)
        if done == 6:  # checking holds here until the writer has merged the first chunk and the page has looked
            merged.wait(timeout=30)

    monkeypatch.setattr(importer._PostgresLoad, "load", load)
    monkeypatch.setattr(importer, "job_progress", progress)
    report = entities_import_job(job=job)
    assert report.ok and report.created == 12
    # After the first chunk was merged (inside the open transaction) the page saw the checking under way, its
    # progress, and none of the rows yet.
    assert polled[0] == (("校验数据", 3), 0) or polled[0] == (("校验数据", 6), 0)
    assert MarketEntity.objects.count() == 12
