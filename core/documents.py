"""Standard documents (文书) from templates an administrator edits, numbered from a per-year sequence.

API for the capabilities that issue documents (credit repair, listings, forced deregistration …):

``issue_document(code, context, *, user, subject, office=None, on=None) -> IssuedDocument``
    Renders the active template ``code`` (a ``DocumentTemplate``, e.g. "repair_acceptance_notice") with
    ``context`` (placeholder name → value; dates may be ``date`` objects and are written 2026年11月26日),
    takes the next number of the template's sequence for the year of ``on`` (default: today), and stores
    the document with its frozen text, linked to ``subject`` (any model instance: the case, the listing …)
    and to ``office`` (the office whose staff may see it; ``None`` = the district, seen by section staff,
    leadership and admins only). Atomic; audited. Raises ``DocumentError`` (a Chinese message) when the
    template is missing or inactive, a required placeholder is missing from ``context``, or rendering fails.
    Call it inside your own transition's transaction so that a failed transition hands out no number.
    The placeholders each template accepts are listed in the admin (系统管理 → 文书模板) and in
    ``DocumentTemplate.placeholders``; every template also gets ``number`` (文号), ``year``, ``issue_date``,
    ``bureau_name`` and ``office_name``.

``documents_for(subject) -> QuerySet[IssuedDocument]``
    The documents issued for a record, newest first. Show them with
    ``{% include "core/_documents.html" with documents=… %}`` (print and .docx links).

Print page: ``core:document_print`` (A4), download: ``core:document_docx``; both scoped by
``IssuedDocument.objects.for_user``.
"""
from datetime import date, datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType, VariableNode
from django.template.defaulttags import ForNode
from django.utils import timezone

from .audit import audit, plain
from .choices import AuditAction
from .models import DocumentCounter, DocumentTemplate, DocumentTemplateVersion, IssuedDocument

BUREAU_NAME = getattr(settings, "BUREAU_NAME", "泉州市泉港区市场监督管理局")

# Filled in by issue_document for every template.
SYSTEM_PLACEHOLDERS = [
    ("number", "文号"),
    ("year", "年度"),
    ("issue_date", "成文日期（××××年×月×日）"),
    ("bureau_name", "发文机关名称"),
    ("office_name", "承办市场监管所名称（局机关承办时为局名称）"),
]

_INVALID = "\x00未知字段:%s\x00"
_FORBIDDEN_TAGS = ("load", "include", "extends", "debug", "ssi")
# Autoescape off: the result is plain text, escaped where it is shown (HTML) or written as XML text (.docx).
_engine = Engine(string_if_invalid=_INVALID, autoescape=False, libraries={})


class DocumentError(Exception):
    """A document could not be issued or a template is not valid; the message is for the user (Chinese)."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else "文书生成失败。"


def chinese_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _plain_context(context: dict) -> dict:
    out = {}
    for key, value in context.items():
        if isinstance(value, datetime):
            value = chinese_date(timezone.localtime(value) if timezone.is_aware(value) else value)
        elif isinstance(value, date):
            value = chinese_date(value)
        out[key] = value
    return out


def _names_used(nodelist) -> set[str]:
    """The first part of every {{ variable }} in the template, leaving out names a {% for %} defines."""
    names, loop_names = set(), set()
    for node in nodelist.get_nodes_by_type(ForNode):
        loop_names.update(node.loopvars)
    for node in nodelist.get_nodes_by_type(VariableNode):
        var = node.filter_expression.var
        lookups = getattr(var, "lookups", None)
        if lookups:
            names.add(lookups[0])
    return names - loop_names - {"forloop"}


def placeholder_names(template: DocumentTemplate) -> set[str]:
    return {p[0] for p in template.placeholders} | {name for name, _ in SYSTEM_PLACEHOLDERS}


def _compile(body: str):
    for token in Lexer(body).tokenize():
        if token.token_type == TokenType.BLOCK and (token.contents.split() or [""])[0] in _FORBIDDEN_TAGS:
            raise DocumentError(f"文书模板不能使用 {{% {token.contents.split()[0]} %}} 标签。")
    try:
        return _engine.from_string(body)
    except TemplateSyntaxError as exc:
        raise DocumentError(f"文书模板语法错误：{exc}") from exc


def _render(compiled, context: dict) -> str:
    try:
        text = compiled.render(Context(context, autoescape=False))
    except Exception as exc:  # a filter given a value it cannot handle, a missing template …
        raise DocumentError(f"文书模板无法生成：{exc}") from exc
    if "\x00未知字段:" in text:
        unknown = sorted({part.split(":", 1)[1] for part in text.split("\x00") if part.startswith("未知字段:")})
        raise DocumentError(f"文书模板使用了未提供的字段：{'、'.join(unknown)}。")
    return text.strip()


def format_number(pattern: str, *, year: int, seq: int) -> str:
    try:
        return pattern.format(year=year, seq=seq)
    except (KeyError, IndexError, ValueError) as exc:
        raise DocumentError(f"文号格式错误（只能使用 {{year}} 和 {{seq}}）：{pattern}") from exc


def sample_context(template: DocumentTemplate) -> dict:
    context = {name: f"〔{label}〕" for name, label, *_ in template.placeholders}
    today = timezone.localdate()
    context.update(number=format_number(template.number_pattern, year=today.year, seq=1), year=today.year,
                   issue_date=chinese_date(today), bureau_name=BUREAU_NAME, office_name=BUREAU_NAME)
    return context


def validate_template(template: DocumentTemplate) -> str:
    """Check a template's wording and number format as the admin saves it; returns the sample rendering."""
    if "{seq" not in template.number_pattern:
        raise DocumentError("文号格式必须包含 {seq}（当年序号）。")
    format_number(template.number_pattern, year=2000, seq=1)
    compiled = _compile(template.body)
    unknown = sorted(_names_used(compiled.nodelist) - placeholder_names(template))
    if unknown:
        raise DocumentError(f"文书模板使用了不存在的字段：{'、'.join(unknown)}。可用字段见下方列表。")
    return _render(compiled, sample_context(template))


def template_save_version(*, template: DocumentTemplate, user) -> DocumentTemplateVersion:
    """Keep the template's current wording as a new version (issued documents keep pointing at theirs)."""
    latest = template.versions.order_by("-version").first()
    if latest and (latest.body, latest.number_pattern, latest.name) == (
            template.body, template.number_pattern, template.name):
        return latest
    number = (latest.version + 1) if latest else 1
    version = DocumentTemplateVersion.objects.create(
        template=template, version=number, name=template.name, body=template.body,
        number_pattern=template.number_pattern, created_by=user if getattr(user, "pk", None) else None)
    DocumentTemplate.objects.filter(pk=template.pk).update(version=number)
    template.version = number
    return version


def next_number(sequence: str, year: int) -> int:
    """The next unused number of a sequence in a year; the counter row stays locked until the transaction ends."""
    DocumentCounter.objects.bulk_create([DocumentCounter(sequence=sequence, year=year)], ignore_conflicts=True)
    counter = DocumentCounter.objects.select_for_update().get(sequence=sequence, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def issue_document(code: str, context: dict, *, user, subject, office=None, on: date | None = None) -> IssuedDocument:
    """Issue the standard document ``code`` for ``subject`` (see the module docstring)."""
    template = DocumentTemplate.objects.filter(code=code).first()
    if template is None:
        raise DocumentError(f"文书模板“{code}”不存在，请联系系统管理员。")
    if not template.is_active:
        raise DocumentError(f"文书模板“{template.name}”已停用，请联系系统管理员。")
    version = template.versions.order_by("-version").first()
    if version is None:
        version = template_save_version(template=template, user=user)
    declared = {p[0]: p for p in template.placeholders}
    missing = [p[1] for name, p in declared.items() if len(p) > 2 and p[2] and context.get(name) in (None, "")]
    if missing:
        raise DocumentError(f"生成“{template.name}”缺少必填内容：{'、'.join(missing)}。")
    on = on or timezone.localdate()
    full = {name: "" for name in declared}
    full.update(_plain_context(context))
    full.update(year=on.year, issue_date=chinese_date(on), bureau_name=BUREAU_NAME,
                office_name=office.name if office else BUREAU_NAME)
    full["number"] = "〔待编号〕"
    compiled = _compile(version.body)
    _render(compiled, full)  # fails before a number is taken
    seq = next_number(template.sequence or template.code, on.year)
    full["number"] = format_number(version.number_pattern, year=on.year, seq=seq)
    text = _render(compiled, full)
    try:
        with transaction.atomic():
            document = IssuedDocument.objects.create(
                template_version=version, sequence=template.sequence or template.code, year=on.year, seq=seq,
                number=full["number"], title=version.name, issued_on=on, text=text,
                context={k: plain(v) for k, v in full.items()},
                subject_type=ContentType.objects.get_for_model(subject), subject_id=str(subject.pk),
                subject_repr=str(subject)[:200], office=office, created_by=user if getattr(user, "pk", None) else None)
    except IntegrityError as exc:  # a number set by hand in the counter table that was already used
        raise DocumentError(f"文号 {full['number']} 已被使用，请联系系统管理员核对编号计数。") from exc
    audit(actor=user, action=AuditAction.CREATE, target=document,
          summary=f"制发文书 {version.name} {document.number}（{document.subject_repr}）",
          extra={"template": template.code, "version": version.version, "subject_type": document.subject_type_id,
                 "subject_id": document.subject_id})
    return document


def documents_for(subject):
    """The documents issued for a record (a repair case, a listing …), newest first."""
    return IssuedDocument.objects.for_subject(subject).select_related("template_version", "created_by", "office")
