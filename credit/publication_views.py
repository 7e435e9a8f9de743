"""信用宣传 staff pages: the list with filters and export, drafts, approval, publishing, withdrawal, print and the
exports for the website (self-contained HTML, .docx)."""
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.documents import BUREAU_NAME
from core.permissions import (
    can_approve_publications,
    can_edit_publications,
    can_publish_publications,
    can_view_publications,
    require,
)
from core.web import error_text, filter_params, form_error_text, list_context, xlsx_download
from core.xlsx import Workbook

from .choices import PublicationStatus
from .models import Publication, PublicationAttachment
from .publication_forms import (
    AttachmentForm,
    PublicationFilter,
    PublicationForm,
    PublishForm,
    ReasonForm,
    publication_years,
)
from .publications import (
    blocks,
    exportable,
    publication_approve,
    publication_attach,
    publication_detach,
    publication_publish,
    publication_reopen,
    publication_save,
    publication_withdraw,
    website_docx,
    website_html,
)

BREADCRUMB = ("信用宣传", "credit:publication_list")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _queryset():
    return Publication.objects.select_related("drafted_by", "approved_by", "published_by", "withdrawn_by")


def _filtered(request):
    return PublicationFilter(request.GET, queryset=_queryset(), years=publication_years())


def _attachment_response(response, name: str, fallback: str):
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store"
    return response


def _failed(request, exc) -> None:
    messages.error(request, error_text(exc) if isinstance(exc, ValidationError) else str(exc))


@require(can_view_publications)
def publication_list(request):
    context = list_context(request, _filtered(request))
    context.update(can_edit=can_edit_publications(request.user), breadcrumbs=[(BREADCRUMB[0], None)])
    return render(request, "credit/publication_list.html", context)


@require(can_view_publications)
def publication_export(request):
    """The filtered list as .xlsx (internal: it names who drafted and approved each text)."""
    queryset = _filtered(request).qs
    headers = ["类别", "标题", "状态", "起草人", "起草时间", "审核人", "审核时间", "发布日期", "撤回时间", "撤回原因",
               "附件数"]
    rows = ([p.get_kind_display(), p.title, p.get_status_display(), str(p.drafted_by),
             p.created_at, str(p.approved_by or ""), p.approved_at, p.published_on, p.withdrawn_at,
             p.withdraw_reason, p.attachments.count()] for p in queryset)
    book = Workbook()
    book.add_sheet("信用宣传", headers, rows)
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出信用宣传材料清单 {queryset.count()} 篇",
          extra={"filters": filter_params(request)})
    return xlsx_download(book, "信用宣传材料", "publications")


@require(can_edit_publications)
def publication_form(request, pk: int | None = None):
    publication = get_object_or_404(Publication, pk=pk) if pk else Publication()
    if publication.pk and publication.status != PublicationStatus.DRAFT:
        messages.error(request, f"“{publication.title}”当前为{publication.get_status_display()}，"
                                "不能修改（请先退回为草稿）。")
        return redirect("credit:publication_detail", pk=publication.pk)
    form = PublicationForm(request.POST or None, instance=publication)
    if request.method == "POST" and form.is_valid():
        try:
            publication = publication_save(publication=publication, values=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, "已保存为草稿。")
            return redirect("credit:publication_detail", pk=publication.pk)
    return render(request, "credit/publication_form.html", {
        "form": form, "publication": publication,
        "breadcrumbs": [BREADCRUMB, ("修改" if publication.pk else "起草", None)],
    })


@require(can_view_publications)
def publication_detail(request, pk: int):
    publication = get_object_or_404(_queryset(), pk=pk)
    user = request.user
    draft = publication.status == PublicationStatus.DRAFT
    return render(request, "credit/publication_detail.html", {
        "publication": publication, "blocks": blocks(publication.body),
        "attachments": publication.attachments.select_related("uploaded_by"),
        "can_edit": can_edit_publications(user) and draft,
        "can_approve": can_approve_publications(user) and draft and publication.drafted_by_id != user.pk,
        "own_draft": draft and publication.drafted_by_id == user.pk and can_approve_publications(user),
        "can_publish": can_publish_publications(user) and publication.status == PublicationStatus.APPROVED,
        "can_withdraw": can_publish_publications(user) and publication.status == PublicationStatus.PUBLISHED,
        "can_return": can_approve_publications(user) and publication.status == PublicationStatus.APPROVED,
        "can_reopen": (can_edit_publications(user) or can_approve_publications(user))
        and publication.status == PublicationStatus.WITHDRAWN,
        "exportable": exportable(publication), "attachment_form": AttachmentForm(), "publish_form": PublishForm(),
        "breadcrumbs": [BREADCRUMB, (publication.title, None)],
    })


def _act(request, pk: int, action, success: str):
    publication = get_object_or_404(Publication, pk=pk)
    try:
        action(publication)
    except (ValidationError, PermissionDenied) as exc:
        _failed(request, exc)
    else:
        messages.success(request, success)
    return redirect("credit:publication_detail", pk=pk)


@require_POST
@require(can_approve_publications)
def publication_approve_view(request, pk: int):
    return _act(request, pk, lambda p: publication_approve(publication=p, by=request.user), "已审核通过，可以发布。")


@require_POST
@require(can_publish_publications)
def publication_publish_view(request, pk: int):
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("credit:publication_detail", pk=pk)
    on = form.cleaned_data["published_on"]
    return _act(request, pk, lambda p: publication_publish(publication=p, by=request.user, on=on),
                "已发布，公开页面已可访问。")


def _reason(request) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


@require_POST
@require(can_publish_publications)
def publication_withdraw_view(request, pk: int):
    reason = _reason(request)
    return _act(request, pk, lambda p: publication_withdraw(publication=p, by=request.user, reason=reason),
                "已撤回，公开页面不再显示。")


@require_POST
@require(can_view_publications)
def publication_reopen_view(request, pk: int):
    reason = _reason(request)
    return _act(request, pk, lambda p: publication_reopen(publication=p, by=request.user, reason=reason),
                "已退回为草稿，可以修改。")


@require_POST
@require(can_edit_publications)
def attachment_add(request, pk: int):
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的文件。")
        return redirect("credit:publication_detail", pk=pk)
    return _act(request, pk, lambda p: publication_attach(publication=p, upload=form.cleaned_data["file"],
                                                          by=request.user), "附件已上传。")


@require_POST
@require(can_edit_publications)
def attachment_delete(request, pk: int, attachment_id: int):
    attachment = get_object_or_404(PublicationAttachment, pk=attachment_id, publication_id=pk)
    return _act(request, pk, lambda p: publication_detach(attachment=attachment, by=request.user), "附件已删除。")


def serve_attachment(attachment: PublicationAttachment):
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在") from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.name)
    response["Cache-Control"] = "private, no-store"
    return response


@require(can_view_publications)
def attachment_download(request, pk: int, attachment_id: int):
    return serve_attachment(get_object_or_404(PublicationAttachment, pk=attachment_id, publication_id=pk))


@require(can_view_publications)
def publication_print(request, pk: int):
    """The text on A4 pages (drafts are marked as such)."""
    publication = get_object_or_404(_queryset(), pk=pk)
    return render(request, "credit/publication_print.html", {
        "publication": publication, "blocks": blocks(publication.body), "bureau_name": BUREAU_NAME,
        "attachments": publication.attachments.all(),
    })


def _exportable_or_refuse(request, pk: int):
    publication = get_object_or_404(_queryset(), pk=pk)
    if not exportable(publication):
        messages.error(request, f"“{publication.title}”当前为{publication.get_status_display()}，"
                                "只有已审核或已发布的材料可以导出发布。")
        return publication, redirect("credit:publication_detail", pk=pk)
    return publication, None


@require(can_view_publications)
def publication_website_html(request, pk: int):
    """One self-contained HTML file for the website (inline CSS, no external files)."""
    publication, refused = _exportable_or_refuse(request, pk)
    if refused:
        return refused
    audit(actor=request.user, action=AuditAction.EXPORT, target=publication,
          summary=f"导出宣传材料（网页 HTML）：{publication}")
    response = HttpResponse(website_html(publication), content_type="text/html; charset=utf-8")
    return _attachment_response(response, f"{publication.title}.html", f"publication_{publication.pk}.html")


@require(can_view_publications)
def publication_website_docx(request, pk: int):
    publication, refused = _exportable_or_refuse(request, pk)
    if refused:
        return refused
    audit(actor=request.user, action=AuditAction.EXPORT, target=publication,
          summary=f"导出宣传材料（Word）：{publication}")
    response = HttpResponse(website_docx(publication), content_type=DOCX_TYPE)
    return _attachment_response(response, f"{publication.title}.docx", f"publication_{publication.pk}.docx")
