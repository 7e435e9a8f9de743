"""信用宣传: the repair handbook, typical cases, briefings and policy explanations the bureau publishes.

Flow: draft → approved (leadership or an administrator, never the author) → published (with its date) →
withdrawn. An approved text may be sent back to draft (with a reason) and a withdrawn one reopened as a draft.
Every transition is atomic, guarded against double submission by a conditional update, and audited; a
transition the flow does not allow raises ``ValidationError`` with a Chinese message.

Published texts are shown to the public without log-in (credit.public_views) and exported for the website as a
self-contained HTML file or a .docx; none of them carries anything internal (risk classes, staff names).
"""
import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.audit import audit, diff, model_values
from core.choices import AuditAction
from core.documents import BUREAU_NAME, chinese_date
from core.docx import build_docx, heading_para, text_para, title_para
from core.permissions import can_approve_publications, can_edit_publications, can_publish_publications

from .choices import PublicationStatus
from .models import Publication, PublicationAttachment
from .publication import InternalDataError, check_publishable_value

EDITABLE_FIELDS = ["kind", "title", "summary", "body"]
S = PublicationStatus

# A short line opening with 一、 / （一） / 第一章 … is a subheading.
_HEADING = re.compile(
    r"^(第[一二三四五六七八九十百]+[章节部分篇]|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")
_HEADING_MAX = 40


@dataclass(frozen=True)
class Block:
    heading: bool
    text: str


def blocks(body: str) -> list[Block]:
    """The body as subheadings and paragraphs (one per non-empty line)."""
    out = []
    for line in body.splitlines():
        text = line.strip()
        if text:
            heading = bool(_HEADING.match(text)) and len(text) <= _HEADING_MAX and not text.endswith(("。", "；"))
            out.append(Block(heading, text))
    return out


def _check_public(publication: Publication) -> None:
    """Nothing internal in a text meant for the public (the risk class the way the system labels it)."""
    for field in ("title", "summary", "body"):
        for line in (getattr(publication, field) or "").splitlines() or [""]:
            try:
                check_publishable_value(line.strip())
            except InternalDataError as exc:
                raise ValidationError({field: str(exc)}) from exc


def _locked(publication: Publication) -> Publication:
    return Publication.objects.select_for_update().get(pk=publication.pk)


def _refuse(current: Publication, action: str) -> ValidationError:
    return ValidationError(f"“{current.title}”当前为{current.get_status_display()}，不能{action}。")


@transaction.atomic
def publication_save(*, publication: Publication, values: dict, by) -> Publication:
    """Create a draft or change one; only drafts change (an approved text must be sent back first)."""
    if not can_edit_publications(by):
        raise PermissionDenied("您的角色不能起草或修改宣传材料。")
    created = not publication.pk
    if not created:
        publication = _locked(publication)
        if publication.status != S.DRAFT:
            raise _refuse(publication, "修改（请先退回为草稿）")
    before = {} if created else model_values(publication, EDITABLE_FIELDS)
    for key in EDITABLE_FIELDS:
        if key in values:
            setattr(publication, key, (values[key] or "").strip() if key != "kind" else values[key])
    if created:
        publication.drafted_by = by
        publication.status = S.DRAFT
    publication.full_clean()
    _check_public(publication)
    publication.save()
    audit(actor=by, action=AuditAction.CREATE if created else AuditAction.UPDATE, target=publication,
          summary=f"{'起草' if created else '修改'}宣传材料：{publication}",
          changes=diff(before, model_values(publication, EDITABLE_FIELDS)))
    return publication


def _transition(publication: Publication, *, by, allowed: tuple, to: str, action: str, updates: dict,
                extra: dict | None = None) -> Publication:
    current = _locked(publication)
    if current.status not in allowed:
        raise _refuse(current, action)
    done = Publication.objects.filter(pk=current.pk, status=current.status).update(status=to, **updates)
    if not done:  # cannot happen under the row lock; kept so that a change of locking never double-applies
        raise ValidationError("该材料已被他人处理，请刷新页面。")
    audit(actor=by, action=AuditAction.STATUS, target=current, summary=f"{action}宣传材料：{current}",
          changes={"status": [current.status, to]}, extra=extra or {})
    current.refresh_from_db()
    return current


@transaction.atomic
def publication_approve(*, publication: Publication, by) -> Publication:
    """Leadership (or an administrator) approves a draft; the author may not approve their own text."""
    if not can_approve_publications(by):
        raise PermissionDenied("只有局领导或系统管理员可以审核宣传材料。")
    current = _locked(publication)
    if current.drafted_by_id == by.pk:
        raise ValidationError("起草人不能审核自己起草的材料，请由其他领导审核。")
    _check_public(current)
    return _transition(current, by=by, allowed=(S.DRAFT,), to=S.APPROVED, action="审核通过",
                       updates={"approved_by": by, "approved_at": timezone.now()})


@transaction.atomic
def publication_publish(*, publication: Publication, by, on: date | None = None) -> Publication:
    """Publish an approved text on the given date (default today); from then on the public page shows it."""
    if not can_publish_publications(by):
        raise PermissionDenied("您的角色不能发布宣传材料。")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError("发布日期不能晚于今天。")
    current = _locked(publication)
    if current.approved_at and on < timezone.localtime(current.approved_at).date():
        raise ValidationError("发布日期不能早于审核日期。")
    _check_public(current)
    return _transition(current, by=by, allowed=(S.APPROVED,), to=S.PUBLISHED, action="发布",
                       updates={"published_by": by, "published_on": on}, extra={"published_on": on.isoformat()})


@transaction.atomic
def publication_withdraw(*, publication: Publication, by, reason: str) -> Publication:
    """Take a published text off the public pages (the reason is recorded); its public page answers 404."""
    if not can_publish_publications(by):
        raise PermissionDenied("您的角色不能撤回宣传材料。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写撤回原因。")
    return _transition(publication, by=by, allowed=(S.PUBLISHED,), to=S.WITHDRAWN, action="撤回",
                       updates={"withdrawn_by": by, "withdrawn_at": timezone.now(), "withdraw_reason": reason[:300]},
                       extra={"reason": reason[:300]})


@transaction.atomic
def publication_reopen(*, publication: Publication, by, reason: str) -> Publication:
    """Send an approved text back to draft (leadership), or reopen a withdrawn one for correction (staff)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写退回（重新编辑）原因。")
    current = _locked(publication)
    if current.status == S.APPROVED and not can_approve_publications(by):
        raise PermissionDenied("只有局领导或系统管理员可以退回已审核的材料。")
    if current.status == S.WITHDRAWN and not (can_edit_publications(by) or can_approve_publications(by)):
        raise PermissionDenied("您的角色不能重新编辑宣传材料。")
    return _transition(current, by=by, allowed=(S.APPROVED, S.WITHDRAWN), to=S.DRAFT, action="退回为草稿",
                       updates={"approved_by": None, "approved_at": None, "published_by": None,
                                "published_on": None, "withdrawn_by": None, "withdrawn_at": None,
                                "withdraw_reason": ""},
                       extra={"reason": reason[:300]})


# ---- attachments ------------------------------------------------------------------------------------------------

ATTACHMENT_TYPES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".jpg", ".jpeg", ".png")
ATTACHMENT_TYPES_LABEL = "PDF、Word、Excel、WPS 或图片（JPG/PNG）"
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


def check_attachment(upload) -> None:
    """Refuse empty, oversized, unsupported or mislabelled files (the file's first bytes must match its type)."""
    from training.materials import SIGNATURES

    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in ATTACHMENT_TYPES:
        raise ValidationError(f"不支持的文件类型“{suffix or '无扩展名'}”。可上传：{ATTACHMENT_TYPES_LABEL}。")
    if not upload.size:
        raise ValidationError("文件是空的，请重新选择。")
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(f"文件过大（{upload.size / 1048576:.1f} MB），附件不能超过 "
                              f"{ATTACHMENT_MAX_BYTES // 1048576} MB。")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in SIGNATURES[suffix]):
        raise ValidationError(f"文件内容与扩展名 {suffix} 不符，可能已损坏或被改名。")


@transaction.atomic
def publication_attach(*, publication: Publication, upload, by) -> PublicationAttachment:
    """Add a file to a draft."""
    if not can_edit_publications(by):
        raise PermissionDenied("您的角色不能修改宣传材料。")
    current = _locked(publication)
    if current.status != S.DRAFT:
        raise _refuse(current, "添加附件（请先退回为草稿）")
    check_attachment(upload)
    name = PurePath(upload.name).name[:200]
    attachment = PublicationAttachment.objects.create(publication=current, file=upload, name=name,
                                                      size=upload.size, uploaded_by=by)
    audit(actor=by, action=AuditAction.UPDATE, target=current, summary=f"宣传材料“{current}”添加附件 {name}",
          extra={"attachment": attachment.pk})
    return attachment


@transaction.atomic
def publication_detach(*, attachment: PublicationAttachment, by) -> None:
    """Remove a file from a draft (the stored file goes once the transaction commits)."""
    if not can_edit_publications(by):
        raise PermissionDenied("您的角色不能修改宣传材料。")
    current = _locked(attachment.publication)
    if current.status != S.DRAFT:
        raise _refuse(current, "删除附件（请先退回为草稿）")
    name, storage, path = attachment.name, attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(path))
    audit(actor=by, action=AuditAction.UPDATE, target=current, summary=f"宣传材料“{current}”删除附件 {name}")


# ---- exports for the website ------------------------------------------------------------------------------------

def exportable(publication: Publication) -> bool:
    """Only approved or published texts go to the website; drafts and withdrawn ones do not."""
    return publication.status in (S.APPROVED, S.PUBLISHED)


def _date_line(publication: Publication) -> str:
    when = publication.published_on or timezone.localdate()
    return f"{BUREAU_NAME}　{chinese_date(when)}　{publication.get_kind_display()}"


def website_html(publication: Publication) -> str:
    """The text as one self-contained HTML file (inline CSS, no scripts, no external files) for the website."""
    return render_to_string("credit/publication_website.html", {
        "publication": publication, "blocks": blocks(publication.body), "bureau_name": BUREAU_NAME,
        "date_line": _date_line(publication),
    })


def website_docx(publication: Publication) -> bytes:
    parts = [title_para(publication.title), text_para(_date_line(publication), indent=False, align="center")]
    if publication.summary:
        parts.append(text_para(f"【摘要】{publication.summary}"))
    for block in blocks(publication.body):
        parts.append(heading_para(block.text) if block.heading else text_para(block.text))
    names = list(publication.attachments.values_list("name", flat=True))
    if names:
        parts.append(text_para("附件：" + "；".join(names), indent=False))
    return build_docx(parts, title=publication.title, creator=BUREAU_NAME)
