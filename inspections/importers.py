"""The library imports (all or nothing, row-level Chinese errors): check items, inspectors, conflicts, objects.

Each reads the first sheet with its HeaderSpec (core.importing), checks every row, and writes only when every
row is right, in one transaction, through the same services as the pages (so each change is audited).
"""
import re
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from core.audit import audit
from core.choices import AuditAction
from core.importing import (
    DATE_FORMATS,
    MAX_STORED_ERRORS,
    ImportFileError,
    RowError,
    cell_value,
    open_sheet,
    open_workbook,
    parse_date,
)
from core.models import Department, Job, Office, User
from core.services import job_create, job_enqueue, job_progress
from registry.codes import normalise_uscc, uscc_error
from registry.models import MarketEntity, UsccException

from .excel import (
    CONFLICT_SPEC,
    GENERAL_DOMAIN,
    INSPECTOR_SPEC,
    ITEM_SPEC,
    KIND_BY_LABEL,
    OBJECT_SPEC,
    STATUS_BY_LABEL,
)
from .models import CheckItem, Inspector, InspectorConflict, ObjectList, ObjectListEntry

MAX_ROWS = 50_000
PROGRESS_EVERY = 500
KINDS = {
    "inspections.import_items": "抽查事项清单",
    "inspections.import_inspectors": "执法检查人员名录",
    "inspections.import_conflicts": "回避申报",
    "inspections.import_objects": "检查对象名录",
}
_SPLIT = re.compile(r"[、，,;；\s]+")


@dataclass
class LibraryReport:
    """What an import found and did: row counts and every bad row (capped for storage, all counted)."""

    file_name: str
    what: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    bad_rows: int = 0
    dry_run: bool = False
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(RowError(row, column, message))

    def summary(self) -> str:
        if not self.ok:
            return f"文件中有 {self.error_count} 处错误（涉及 {self.bad_rows} 行），未导入任何数据。"
        counts = f"共 {self.rows} 行：新增 {self.created}，更新 {self.updated}，无变化 {self.unchanged}"
        if self.removed:
            counts += f"，移除 {self.removed}"
        if self.dry_run:
            return f"试运行：校验通过。{counts}（仅为预演，未写入任何数据）。"
        return f"{self.what}导入完成。{counts}。"

    def as_result(self) -> dict:
        return {"file": self.file_name, "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "removed": self.removed, "error_count": self.error_count,
                "bad_rows": self.bad_rows, "errors": [e.as_dict() for e in self.errors], "dry_run": self.dry_run,
                "written": self.written, "summary": self.summary()}


def _read(path, file_name: str, spec, report: LibraryReport, job: Job | None) -> list[tuple[int, dict]]:
    """The data rows as (spreadsheet row number, {key: text}), blank rows skipped."""
    workbook = open_workbook(path, file_name=file_name)
    try:
        sheet = open_sheet(path, workbook, spec, file_name=file_name)
        rows = []
        for offset, row in enumerate(sheet.rows):
            values = {key: cell_value(row, pos) if pos < len(row) else "" for key, pos in sheet.positions.items()}
            if not any(values.values()):
                continue
            number = sheet.first_row + offset + 1
            for pos, message in (sheet.overrides.get(sheet.first_row + offset) or {}).items():
                key = next(k for k, p in sheet.positions.items() if p == pos)
                report.add(number, spec.labels[key], message)
            rows.append((number, values))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"行数过多：一次最多导入 {MAX_ROWS} 行，请拆分后分批导入。")
            if job is not None and len(rows) % PROGRESS_EVERY == 0:
                job_progress(job, done=len(rows))
    finally:
        workbook.close()
    if not rows:
        raise ImportFileError("表头下面没有数据行，没有可导入的内容。")
    report.rows = len(rows)
    return rows


def _date(value: str, report, number, label, *, required: bool) -> date | None:
    if not value:
        if required:
            report.add(number, label, "必填项为空")
        return None
    parsed = parse_date(value)
    if parsed is None:
        report.add(number, label, f"“{value}”不是有效日期（{DATE_FORMATS}）")
    return parsed


def _unit_lookup(model, **filters) -> dict[str, object]:
    """Name or code → object (an Office or Department)."""
    lookup = {}
    for obj in model.objects.filter(**filters):
        lookup[obj.code] = obj
        lookup[obj.name] = obj
    return lookup


def _finish(report: LibraryReport, write, *, dry_run: bool, user, job, summary: str) -> LibraryReport:
    report.bad_rows = len({e.row for e in report.errors})
    if not report.ok:
        return report
    if job is not None:
        job_progress(job, done=report.rows, total=report.rows + 1, stage="写入数据库")
    with transaction.atomic():
        write()
        audit(actor=user, action=AuditAction.IMPORT, target=job, summary=f"{summary}：{report.summary()}",
              extra={"file": report.file_name, "job": job.pk if job else None, **report.as_result(), "errors": []})
        if dry_run:
            transaction.set_rollback(True)
    report.written = not dry_run
    return report


# ---------------------------------------------------------------------------------------------------------
# 抽查事项清单
# ---------------------------------------------------------------------------------------------------------

def items_import(*, path, file_name: str, user=None, job: Job | None = None, dry_run: bool = False) -> LibraryReport:
    """Import the check-item list: new codes are added; a changed row is a new version (动态调整)."""
    from credit.models import RiskDomain

    from .services import check_item_create, check_item_revise

    report = LibraryReport(file_name=file_name, what="抽查事项清单", dry_run=dry_run)
    rows = _read(path, file_name, ITEM_SPEC, report, job)
    labels = ITEM_SPEC.labels
    departments = _unit_lookup(Department, is_active=True)
    domains = {d.code: d for d in RiskDomain.objects.all()} | {d.name: d for d in RiskDomain.objects.all()}
    existing = {i.code: i for i in CheckItem.objects.filter(code__in=[v["code"] for _, v in rows])}
    seen: dict[str, int] = {}
    parsed = []
    for number, v in rows:
        errors_before = report.error_count
        code = v["code"].strip().upper()
        if not code:
            report.add(number, labels["code"], "必填项为空")
        elif len(code) > 30:
            report.add(number, labels["code"], "不超过 30 个字符")
        elif code in seen:
            report.add(number, labels["code"], f"与第 {seen[code]} 行重复")
        else:
            seen[code] = number
        for key, limit in (("name", 200), ("method", 200)):
            if len(v.get(key, "")) > limit:
                report.add(number, labels[key], f"不超过 {limit} 个字")
        for key in ("name", "legal_basis"):
            if not v.get(key):
                report.add(number, labels[key], "必填项为空")
        department = departments.get(v["department"])
        if not v["department"]:
            report.add(number, labels["department"], "必填项为空")
        elif department is None:
            report.add(number, labels["department"], f"“{v['department']}”不是系统中的股室或成员单位")
        kind = KIND_BY_LABEL.get(v.get("kind", ""))
        if kind is None:
            report.add(number, labels["kind"], f"“{v['kind']}”应为“重点”或“一般”")
        domain_text = v.get("domain", "")
        domain = None if domain_text in ("", GENERAL_DOMAIN) else domains.get(domain_text)
        if domain_text not in ("", GENERAL_DOMAIN) and domain is None:
            report.add(number, labels["domain"], f"“{domain_text}”不是已设置的专业领域（通用事项请填“通用”或留空）")
        valid_from = _date(v["valid_from"], report, number, labels["valid_from"], required=True)
        valid_to = _date(v.get("valid_to", ""), report, number, labels["valid_to"], required=False)
        if valid_from and valid_to and valid_to < valid_from:
            report.add(number, labels["valid_to"], "失效日期不能早于生效日期")
        item = existing.get(code)
        if item is not None and valid_from and department and kind and report.error_count == errors_before:
            content_changed = (v["name"], v["legal_basis"], v.get("content", ""), v.get("method", ""), department.pk,
                               kind, domain.pk if domain else None) != (
                item.name, item.legal_basis, item.content, item.method, item.department_id, item.kind,
                item.domain_id)
            if content_changed and valid_from <= item.valid_from:
                report.add(number, labels["valid_from"],
                           f"事项内容有调整，新版本的生效日期须晚于现行版本（第 {item.version} 版，"
                           f"{item.valid_from} 起）")
        if report.error_count == errors_before:
            parsed.append((code, item, {
                "name": v["name"], "legal_basis": v["legal_basis"], "content": v.get("content", ""),
                "method": v.get("method", ""), "department": department, "kind": kind, "domain": domain,
                "valid_from": valid_from, "valid_to": valid_to}))

    def write():
        for code, item, data in parsed:
            if item is None:
                check_item_create(data={"code": code, **data}, by=user)
                report.created += 1
                continue
            current = {k: getattr(item, k) for k in data}
            if current == data:
                report.unchanged += 1
                continue
            check_item_revise(item=item, data=data, note=f"导入调整（{file_name}）", by=user)
            report.updated += 1

    return _finish(report, write, dry_run=dry_run, user=user, job=job, summary=f"导入抽查事项清单 {file_name}")


# ---------------------------------------------------------------------------------------------------------
# 执法检查人员名录
# ---------------------------------------------------------------------------------------------------------

def inspectors_import(*, path, file_name: str, user=None, job: Job | None = None,
                      dry_run: bool = False) -> LibraryReport:
    """Import the inspector library: add new codes, update changed people, with their qualified items."""
    from .services import inspector_create, inspector_update

    report = LibraryReport(file_name=file_name, what="执法检查人员名录", dry_run=dry_run)
    rows = _read(path, file_name, INSPECTOR_SPEC, report, job)
    labels = INSPECTOR_SPEC.labels
    offices = _unit_lookup(Office)
    departments = _unit_lookup(Department)
    items = {i.code: i for i in CheckItem.objects.all()}
    existing = {i.code: i for i in Inspector.objects.filter(code__in=[v["code"] for _, v in rows])
                .select_related("user").prefetch_related("qualified_items")}
    usernames = {u.username: u for u in User.objects.filter(username__in=[v.get("user") for _, v in rows])}
    certificates = dict(Inspector.objects.exclude(certificate_no="").values_list("certificate_no", "code"))
    linked = dict(Inspector.objects.filter(user__isnull=False).values_list("user__username", "code"))
    seen_codes, seen_certificates, seen_users = {}, {}, {}
    parsed = []
    for number, v in rows:
        errors_before = report.error_count
        code = v["code"].strip().upper()
        if not code:
            report.add(number, labels["code"], "必填项为空")
        elif len(code) > 30:
            report.add(number, labels["code"], "不超过 30 个字符")
        elif code in seen_codes:
            report.add(number, labels["code"], f"与第 {seen_codes[code]} 行重复")
        else:
            seen_codes[code] = number
        if not v["name"]:
            report.add(number, labels["name"], "必填项为空")
        elif len(v["name"]) > 50:
            report.add(number, labels["name"], "不超过 50 个字")
        certificate = v.get("certificate_no", "")
        if certificate:
            if certificate in seen_certificates:
                report.add(number, labels["certificate_no"], f"与第 {seen_certificates[certificate]} 行重复")
            elif certificates.get(certificate, code) != code:
                report.add(number, labels["certificate_no"], f"已登记给人员 {certificates[certificate]}")
            seen_certificates[certificate] = number
        office = offices.get(v.get("office", "")) if v.get("office") else None
        if v.get("office") and office is None:
            report.add(number, labels["office"], f"“{v['office']}”不是系统中的市场监督管理所")
        department = departments.get(v.get("department", "")) if v.get("department") else None
        if v.get("department") and department is None:
            report.add(number, labels["department"], f"“{v['department']}”不是系统中的股室或成员单位")
        if not v.get("office") and not v.get("department"):
            report.add(number, labels["department"], "所属市场监管所和所属股室/单位至少填写一项")
        status = STATUS_BY_LABEL.get(v.get("status", ""))
        if status is None:
            report.add(number, labels["status"], f"“{v['status']}”应为：在岗、休假/借调、调离/退休")
        qualified = []
        for item_code in filter(None, _SPLIT.split(v.get("items", "").upper())):
            item = items.get(item_code)
            if item is None:
                report.add(number, labels["items"], f"抽查事项编码“{item_code}”不在抽查事项清单中")
            else:
                qualified.append(item)
        account = None
        if v.get("user"):
            account = usernames.get(v["user"])
            if account is None:
                report.add(number, labels["user"], f"系统中没有用户名“{v['user']}”")
            elif linked.get(account.username, code) != code:
                report.add(number, labels["user"], f"账号已关联人员 {linked[account.username]}")
            elif account.username in seen_users:
                report.add(number, labels["user"], f"与第 {seen_users[account.username]} 行是同一账号")
            else:
                seen_users[account.username] = number
        if len(v.get("phone", "")) > 40:
            report.add(number, labels["phone"], "不超过 40 个字符")
        if report.error_count == errors_before:
            parsed.append((code, existing.get(code), qualified, {
                "name": v["name"], "certificate_no": certificate, "office": office, "department": department,
                "status": status, "phone": v.get("phone", ""), "user": account, "note": v.get("note", "")[:300]}))

    def write():
        for code, inspector, qualified, data in parsed:
            if inspector is None:
                inspector_create(data={"code": code, **data}, items=qualified, by=user)
                report.created += 1
                continue
            same = all(getattr(inspector, k) == val for k, val in data.items()) and \
                {i.pk for i in inspector.qualified_items.all()} == {i.pk for i in qualified}
            if same:
                report.unchanged += 1
                continue
            inspector_update(inspector=inspector, data=data, items=qualified, by=user)
            report.updated += 1

    return _finish(report, write, dry_run=dry_run, user=user, job=job, summary=f"导入执法检查人员名录 {file_name}")


# ---------------------------------------------------------------------------------------------------------
# 回避申报 and member departments' object lists
# ---------------------------------------------------------------------------------------------------------

def _entities_by_code(rows) -> dict[str, MarketEntity]:
    """The register's entities named in the file's code column, by normalised code."""
    codes = {normalise_uscc(v["uscc"]) for _, v in rows if v.get("uscc")}
    return {e.uscc: e for e in MarketEntity.objects.filter(uscc__in=codes)}


def _check_code(value: str, entities: dict, report, number, label) -> MarketEntity | None:
    code = normalise_uscc(value)
    if not code:
        report.add(number, label, "必填项为空")
        return None
    entity = entities.get(code)
    if entity is None:
        exceptions = set(UsccException.objects.filter(uscc=code).values_list("uscc", flat=True))
        problem = uscc_error(code, exceptions=exceptions)
        report.add(number, label, problem or f"“{code}”不在市场主体名录中")
    return entity


def conflicts_import(*, path, file_name: str, user=None, job: Job | None = None,
                     dry_run: bool = False) -> LibraryReport:
    """Import declared conflicts (回避申报): each row one inspector and one entity, with the reason."""
    from .services import conflict_declare

    report = LibraryReport(file_name=file_name, what="回避申报", dry_run=dry_run)
    rows = _read(path, file_name, CONFLICT_SPEC, report, job)
    labels = CONFLICT_SPEC.labels
    inspectors = {i.code: i for i in Inspector.objects.all()}
    entities = _entities_by_code(rows)
    existing = set(InspectorConflict.objects.values_list("inspector__code", "entity__uscc"))
    seen, parsed = {}, []
    today = timezone.localdate()
    for number, v in rows:
        errors_before = report.error_count
        inspector = inspectors.get(v["inspector"].strip().upper())
        if not v["inspector"]:
            report.add(number, labels["inspector"], "必填项为空")
        elif inspector is None:
            report.add(number, labels["inspector"], f"“{v['inspector']}”不在执法检查人员名录中")
        entity = _check_code(v["uscc"], entities, report, number, labels["uscc"])
        if not v["reason"]:
            report.add(number, labels["reason"], "必填项为空")
        elif len(v["reason"]) > 300:
            report.add(number, labels["reason"], "不超过 300 个字")
        declared_on = _date(v.get("declared_on", ""), report, number, labels["declared_on"], required=False) or today
        if declared_on > today:
            report.add(number, labels["declared_on"], "申报日期不能晚于今天")
        if inspector and entity:
            pair = (inspector.code, entity.uscc)
            if pair in seen:
                report.add(number, labels["uscc"], f"与第 {seen[pair]} 行重复")
            seen[pair] = number
        if report.error_count == errors_before:
            parsed.append((inspector, entity, v["reason"], declared_on))

    def write():
        for inspector, entity, reason, declared_on in parsed:
            if (inspector.code, entity.uscc) in existing:
                report.unchanged += 1
                continue
            conflict_declare(inspector=inspector, entity=entity, reason=reason, declared_on=declared_on, by=user)
            report.created += 1

    return _finish(report, write, dry_run=dry_run, user=user, job=job, summary=f"导入回避申报 {file_name}")


def objects_import(*, path, file_name: str, object_list: ObjectList, user=None, job: Job | None = None,
                   dry_run: bool = False) -> LibraryReport:
    """Replace a member department's object list with the file's entities (each must be in the register)."""
    report = LibraryReport(file_name=file_name, what="检查对象名录", dry_run=dry_run)
    rows = _read(path, file_name, OBJECT_SPEC, report, job)
    labels = OBJECT_SPEC.labels
    entities = _entities_by_code(rows)
    seen, wanted = {}, {}
    for number, v in rows:
        entity = _check_code(v["uscc"], entities, report, number, labels["uscc"])
        if entity is None:
            continue
        if entity.pk in seen:
            report.add(number, labels["uscc"], f"与第 {seen[entity.pk]} 行重复")
            continue
        seen[entity.pk] = number
        wanted[entity.pk] = v.get("note", "")[:200]

    def write():
        current = dict(ObjectListEntry.objects.filter(object_list=object_list).values_list("entity_id", "note"))
        removed = set(current) - set(wanted)
        ObjectListEntry.objects.filter(object_list=object_list, entity_id__in=removed).delete()
        ObjectListEntry.objects.bulk_create(
            [ObjectListEntry(object_list=object_list, entity_id=pk, note=note)
             for pk, note in wanted.items() if pk not in current], batch_size=1000)
        changed = [pk for pk, note in wanted.items() if pk in current and current[pk] != note]
        for pk in changed:
            ObjectListEntry.objects.filter(object_list=object_list, entity_id=pk).update(note=wanted[pk])
        report.created = sum(1 for pk in wanted if pk not in current)
        report.updated = len(changed)
        report.unchanged = len(wanted) - report.created - report.updated
        report.removed = len(removed)
        ObjectList.objects.filter(pk=object_list.pk).update(updated_at=timezone.now())

    return _finish(report, write, dry_run=dry_run, user=user, job=job,
                   summary=f"导入检查对象名录 {object_list}（{file_name}）")


# ---------------------------------------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------------------------------------

def run_import(job: Job) -> LibraryReport:
    """Run an uploaded library import for its job (called by the Celery task)."""
    kwargs = {"path": job.input_file.path, "file_name": job.input_name or job.input_file.name, "user": job.created_by,
              "job": job, "dry_run": bool(job.params.get("dry_run"))}
    if job.kind == "inspections.import_items":
        return items_import(**kwargs)
    if job.kind == "inspections.import_inspectors":
        return inspectors_import(**kwargs)
    if job.kind == "inspections.import_conflicts":
        return conflicts_import(**kwargs)
    if job.kind == "inspections.import_objects":
        object_list = ObjectList.objects.filter(pk=job.params.get("object_list")).first()
        if object_list is None:
            raise ImportFileError("要导入的检查对象名录已被删除。")
        return objects_import(object_list=object_list, **kwargs)
    raise ImportFileError(f"未知的导入类型：{job.kind}")


@transaction.atomic
def library_import_queue(*, kind: str, user, upload, dry_run: bool = False, params: dict | None = None) -> Job:
    """Accept an uploaded library file and queue its import as a job the page follows."""
    from .tasks import import_library_task

    job = job_create(kind=kind, user=user, params={"dry_run": dry_run, **(params or {})}, input_file=upload,
                     input_name=upload.name)
    job_enqueue(job=job, task=import_library_task)
    return job
