"""一单两库 pages: the check-item list, the inspector library with conflicts, member departments' object lists."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit
from core.choices import AuditAction
from core.importing import style_header, xlsx_response
from core.models import Department, Office
from core.permissions import require
from core.web import add_errors, error_text, filter_params, form_error_text, list_context, xlsx_download
from registry.codes import normalise_uscc

from .. import services
from ..excel import (
    CONFLICT_SPEC,
    INSPECTOR_SPEC,
    ITEM_SPEC,
    OBJECT_SPEC,
    inspectors_workbook,
    items_workbook,
    object_list_workbook,
)
from ..filters import CheckItemFilter, InspectorFilter
from ..forms import CheckItemForm, CheckItemReviseForm, ConflictForm, InspectorForm, ObjectListForm
from ..importers import library_import_queue
from ..models import CheckItem, Inspector, InspectorConflict, ObjectList, ObjectListEntry
from ..permissions import (
    can_manage_inspections,
    can_manage_object_list,
    can_view_object_lists,
    can_view_tasks,
    is_member_user,
)
from .common import CRUMB, import_page

ITEMS = ("抽查事项清单", "inspections:item_list")
INSPECTORS = ("执法检查人员名录", "inspections:inspector_list")
OBJECTS = ("检查对象名录", "inspections:object_list_list")


def _form_page(request, form, *, title: str, back: str, crumbs: list, extra: dict | None = None):
    return render(request, "inspections/form.html", {"form": form, "title": title, "back": back,
                                                     "breadcrumbs": [CRUMB, *crumbs, (title, None)], **(extra or {})})


# ---------------------------------------------------------------------------------------------------------
# 抽查事项清单
# ---------------------------------------------------------------------------------------------------------

def _items(request):
    queryset = CheckItem.objects.select_related("department", "domain")
    return CheckItemFilter(request.GET, queryset=queryset)


@require(can_view_tasks)
def item_list(request):
    context = list_context(request, _items(request))
    context.update(can_manage=can_manage_inspections(request.user), today=timezone.localdate(),
                   breadcrumbs=[CRUMB, (ITEMS[0], None)])
    return render(request, "inspections/item_list.html", context)


@require(can_view_tasks)
def item_export(request):
    queryset = _items(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出抽查事项清单 {queryset.count()} 项",
          extra={"filters": filter_params(request)})
    return xlsx_download(items_workbook(queryset), "抽查事项清单", "check_items")


@require(can_view_tasks)
def item_detail(request, pk: int):
    item = get_object_or_404(CheckItem.objects.select_related("department", "domain"), pk=pk)
    return render(request, "inspections/item_detail.html", {
        "item": item, "versions": item.versions.select_related("department", "domain", "created_by"),
        "inspectors": item.inspectors.select_related("office", "department").order_by("code"),
        "tasks": item.tasks.select_related("plan").order_by("-plan__year", "-starts_on")[:50],
        "can_manage": can_manage_inspections(request.user), "today": timezone.localdate(),
        "breadcrumbs": [CRUMB, ITEMS, (item.code, None)],
    })


@require(can_manage_inspections)
def item_create(request):
    form = CheckItemForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            item = services.check_item_create(data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已新增抽查事项“{item}”。")
            return redirect(item)
    return _form_page(request, form, title="新增抽查事项", back=reverse("inspections:item_list"), crumbs=[ITEMS])


@require(can_manage_inspections)
def item_revise(request, pk: int):
    item = get_object_or_404(CheckItem, pk=pk)
    form = CheckItemReviseForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "change_note"}
        try:
            item.refresh_from_db()
            services.check_item_revise(item=item, data=data, note=form.cleaned_data["change_note"], by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "抽查事项已调整，原版本保留在调整记录中。")
            return redirect(item)
    return _form_page(request, form, title=f"动态调整：{item.code}", back=item.get_absolute_url(),
                      crumbs=[ITEMS, (item.code, None)],
                      extra={"intro": "内容调整会生成新版本：新版本自生效日期起适用，原版本到前一天为止，"
                                      "全部保留可查。"})


# ---------------------------------------------------------------------------------------------------------
# 执法检查人员名录
# ---------------------------------------------------------------------------------------------------------

def _inspectors(request):
    queryset = Inspector.objects.select_related("office", "department", "user").prefetch_related("qualified_items")
    return InspectorFilter(request.GET, queryset=queryset.distinct())


@require(can_view_tasks)
def inspector_list(request):
    context = list_context(request, _inspectors(request))
    context.update(can_manage=can_manage_inspections(request.user), breadcrumbs=[CRUMB, (INSPECTORS[0], None)])
    return render(request, "inspections/inspector_list.html", context)


@require(can_view_tasks)
def inspector_export(request):
    queryset = _inspectors(request).qs
    audit(actor=request.user, action=AuditAction.EXPORT, summary=f"导出执法检查人员名录 {queryset.count()} 人",
          extra={"filters": filter_params(request)})
    return xlsx_download(inspectors_workbook(queryset), "执法检查人员名录", "inspectors")


@require(can_view_tasks)
def inspector_detail(request, pk: int):
    inspector = get_object_or_404(Inspector.objects.select_related("office", "department", "user"), pk=pk)
    can_manage = can_manage_inspections(request.user)
    from ..selectors import checks_for

    return render(request, "inspections/inspector_detail.html", {
        "inspector": inspector, "items": inspector.qualified_items.order_by("code"),
        "conflicts": inspector.conflicts.select_related("entity", "created_by"),
        "checks": checks_for(request.user).filter(assignments__inspector=inspector).order_by("-draw__drawn_at")[:30],
        "can_manage": can_manage, "conflict_form": ConflictForm() if can_manage else None,
        "today": timezone.localdate(), "breadcrumbs": [CRUMB, INSPECTORS, (inspector.name, None)],
    })


def _inspector_form(request, inspector=None):
    form = InspectorForm(request.POST or None, instance=inspector)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "qualified_items"}
        items = form.cleaned_data["qualified_items"]
        try:
            if inspector is None:
                inspector = services.inspector_create(data=data, items=items, by=request.user)
            else:
                data.pop("code", None)
                inspector = services.inspector_update(inspector=inspector, data=data, items=items, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已保存执法检查人员“{inspector}”。")
            return redirect(inspector)
    title = "新增执法检查人员" if inspector is None else f"修改：{inspector.name}"
    back = reverse("inspections:inspector_list") if inspector is None else inspector.get_absolute_url()
    return _form_page(request, form, title=title, back=back, crumbs=[INSPECTORS])


@require(can_manage_inspections)
def inspector_create(request):
    return _inspector_form(request)


@require(can_manage_inspections)
def inspector_update(request, pk: int):
    return _inspector_form(request, get_object_or_404(Inspector, pk=pk))


@require(can_manage_inspections)
@require_POST
def conflict_add(request, pk: int):
    inspector = get_object_or_404(Inspector, pk=pk)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            services.conflict_declare(inspector=inspector, entity=form.entity, reason=form.cleaned_data["reason"],
                                      declared_on=form.cleaned_data["declared_on"], by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"已登记回避申报：{inspector.name} 回避 {form.entity.name}。")
    else:
        messages.error(request, form_error_text(form))
    return redirect(inspector)


@require(can_manage_inspections)
@require_POST
def conflict_withdraw(request, pk: int):
    conflict = get_object_or_404(InspectorConflict.objects.select_related("inspector", "entity"), pk=pk)
    services.conflict_withdraw(conflict=conflict, by=request.user)
    messages.success(request, f"已撤销 {conflict.inspector.name} 对 {conflict.entity.name} 的回避申报。")
    return redirect(conflict.inspector)


# ---------------------------------------------------------------------------------------------------------
# 检查对象名录 (member departments' lists; the register itself is seen through a task's filter)
# ---------------------------------------------------------------------------------------------------------

def _object_lists(user):
    lists = ObjectList.objects.select_related("department")
    if is_member_user(user):
        lists = lists.filter(department_id=user.department_id)
    return lists


@require(can_view_object_lists)
def object_list_list(request):
    from django.db.models import Count

    lists = _object_lists(request.user).annotate(n=Count("entries"))
    can_create = can_manage_inspections(request.user) or is_member_user(request.user)
    return render(request, "inspections/object_list_list.html", {
        "lists": lists, "can_create": can_create, "breadcrumbs": [CRUMB, (OBJECTS[0], None)],
    })


@require(can_view_object_lists)
def object_list_create(request):
    if not (can_manage_inspections(request.user) or is_member_user(request.user)):
        raise PermissionDenied("您的角色无权使用此功能。")
    form = ObjectListForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            object_list = services.object_list_create(data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已新建检查对象名录“{object_list}”，请导入名录文件。")
            return redirect("inspections:object_list_import", pk=object_list.pk)
    return _form_page(request, form, title="新建检查对象名录", back=reverse("inspections:object_list_list"),
                      crumbs=[OBJECTS])


@require(can_view_object_lists)
def object_list_detail(request, pk: int):
    object_list = get_object_or_404(_object_lists(request.user), pk=pk)
    from django.core.paginator import Paginator

    entries = object_list.entries.select_related("entity", "entity__office").order_by("entity__uscc")
    q = request.GET.get("q", "").strip()
    if q:
        entries = entries.filter(entity__name__icontains=q) | entries.filter(entity__uscc__startswith=normalise_uscc(q))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "inspections/object_list_detail.html", {
        "object_list": object_list, "page": page, "q": q, "query": f"q={q}" if q else "",
        "can_manage": can_manage_object_list(request.user, object_list),
        "breadcrumbs": [CRUMB, OBJECTS, (str(object_list), None)],
    })


@require(can_view_object_lists)
def object_list_export(request, pk: int):
    object_list = get_object_or_404(_object_lists(request.user), pk=pk)
    audit(actor=request.user, action=AuditAction.EXPORT, target=object_list, summary=f"导出检查对象名录 {object_list}")
    return xlsx_download(object_list_workbook(object_list), object_list.name, "objects")


@require(can_view_object_lists)
@require_POST
def object_list_entry_remove(request, pk: int):
    entry = get_object_or_404(ObjectListEntry.objects.select_related("object_list", "entity"),
                              pk=pk, object_list__in=_object_lists(request.user))
    if not can_manage_object_list(request.user, entry.object_list):
        raise PermissionDenied("您的角色无权使用此功能。")
    services.object_list_entry_remove(entry=entry, by=request.user)
    messages.success(request, f"已从名录移除 {entry.entity.name}。")
    return redirect(entry.object_list)


# ---------------------------------------------------------------------------------------------------------
# Imports and their templates
# ---------------------------------------------------------------------------------------------------------

IMPORT_NOTES = [
    "表头按列名识别，列的顺序可以调整，表头上方可以有一两行标题；带 * 的列必填。",
    "整批导入：只要有一行有错，整个文件都不会导入，页面会列出每一处错误（第几行、哪一列、原因）。",
    "不要使用合并单元格；公式请“粘贴为数值”后再导入。",
]
ITEM_NOTES = IMPORT_NOTES + [
    "事项编码已在清单中的：内容有变化即生成新版本（动态调整），新版本的生效日期须晚于现行版本；只改失效日期视为停用。",
    "责任部门填写股室或成员单位的名称；事项类别填“重点”或“一般”；专业领域填领域名称，通用事项留空或填“通用”。",
]
INSPECTOR_NOTES = IMPORT_NOTES + [
    "人员编码已在名录中的，按文件内容更新；“可承担的抽查事项”填事项编码，多个用顿号或逗号分隔。",
    "所属市场监管所、所属股室/单位填写系统中的名称，至少填一项；状态填：在岗、休假/借调、调离/退休（留空为在岗）。",
]
CONFLICT_NOTES = IMPORT_NOTES + ["每行一名人员对一户市场主体的回避申报；已登记的同一申报不会重复登记。"]
OBJECT_NOTES = IMPORT_NOTES + ["导入文件即为该名录的完整内容：文件中没有的市场主体会从名录中移除。"
                               "市场主体须在市场主体名录中。"]


def _template(spec, title: str, notes: list[str], example: list, widths: list[int]):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append([f"{label}*" if key in spec.required else label for key, label in spec.columns])
    ws.append(example)
    style_header(ws, widths)
    sheet = wb.create_sheet("填写说明")
    for line in [f"{i}. {n}" for i, n in enumerate(notes, start=1)] + ["第 2 行是示例，导入前请删除或改写。"]:
        sheet.append([line])
    sheet.column_dimensions["A"].width = 110
    return xlsx_response(wb, f"{title}导入模板.xlsx")


def _first(model, **filters):
    obj = model.objects.filter(**filters).first()
    return obj.name if obj else ""


@require(can_manage_inspections)
def item_import(request):
    return import_page(
        request, kind="inspections.import_items", title="抽查事项清单导入", back=ITEMS,
        template_url=reverse("inspections:item_template"), notes=ITEM_NOTES,
        queue=lambda **kw: library_import_queue(kind="inspections.import_items", **kw))


@require(can_manage_inspections)
def item_template(request):
    return _template(ITEM_SPEC, "抽查事项清单", ITEM_NOTES,
                     ["SC-QY-001", "企业公示信息情况的检查", "《企业信息公示暂行条例》第十四条", "年度报告公示信息",
                      "书面检查、实地核查",
                      _first(Department, kind="section"), "重点", "通用", "2023-01-01", ""],
                     [14, 36, 40, 40, 20, 22, 8, 12, 12, 12])


@require(can_manage_inspections)
def inspector_import(request):
    return import_page(
        request, kind="inspections.import_inspectors", title="执法检查人员名录导入", back=INSPECTORS,
        template_url=reverse("inspections:inspector_template"), notes=INSPECTOR_NOTES,
        queue=lambda **kw: library_import_queue(kind="inspections.import_inspectors", **kw))


@require(can_manage_inspections)
def inspector_template(request):
    return _template(INSPECTOR_SPEC, "执法检查人员名录", INSPECTOR_NOTES,
                     ["ZF0001", "陈明", "35050512345", _first(Office), "", "在岗", "SC-QY-001", "", "", ""],
                     [14, 10, 18, 22, 28, 10, 30, 14, 14, 20])


@require(can_manage_inspections)
def conflict_import(request):
    return import_page(
        request, kind="inspections.import_conflicts", title="回避申报导入", back=INSPECTORS,
        template_url=reverse("inspections:conflict_template"), notes=CONFLICT_NOTES,
        queue=lambda **kw: library_import_queue(kind="inspections.import_conflicts", **kw))


@require(can_manage_inspections)
def conflict_template(request):
    return _template(CONFLICT_SPEC, "回避申报", CONFLICT_NOTES,
                     ["ZF0001", "91350505MA2XXXXXXX", "", "配偶在该企业任职", "2023-03-01"], [14, 22, 36, 40, 12])


@require(can_view_object_lists)
def object_list_import(request, pk: int):
    object_list = get_object_or_404(_object_lists(request.user), pk=pk)
    if not can_manage_object_list(request.user, object_list):
        raise PermissionDenied("您的角色无权使用此功能。")
    return import_page(
        request, kind="inspections.import_objects", title=f"导入检查对象名录：{object_list.name}", back=OBJECTS,
        template_url=reverse("inspections:object_template"), notes=OBJECT_NOTES, params={"object_list": object_list.pk},
        queue=lambda **kw: library_import_queue(kind="inspections.import_objects",
                                                params={"object_list": object_list.pk}, **kw))


@require(can_view_object_lists)
def object_template(request):
    return _template(OBJECT_SPEC, "检查对象名录", OBJECT_NOTES, ["91350505MA2XXXXXXX", "", ""], [22, 40, 30])
