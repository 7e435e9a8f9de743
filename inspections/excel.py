"""Excel exchange of 双随机 (the headers are a public interface: the provincial collaborative platform uses them):
the check-item list, the inspector library and its conflicts, member departments' object lists, the checks, the
follow-ups, and the publication upload. Nothing written for publication carries a risk class.
"""
from django.utils import timezone

from core.importing import HeaderSpec
from core.xlsx import Workbook

from .choices import InspectorStatus, ItemKind

ITEM_SPEC = HeaderSpec(
    columns=[("code", "事项编码"), ("name", "抽查事项"), ("legal_basis", "法律依据"), ("content", "检查内容"),
             ("method", "检查方式"), ("department", "责任部门"), ("kind", "事项类别"), ("domain", "专业领域"),
             ("valid_from", "生效日期"), ("valid_to", "失效日期")],
    required={"code", "name", "legal_basis", "department", "valid_from"},
    aliases={"抽查事项名称": "name", "事项名称": "name", "检查依据": "legal_basis", "抽查依据": "legal_basis",
             "检查方法": "method", "抽查方式": "method", "实施部门": "department", "类别": "kind"},
    hint="“事项编码”“抽查事项”等列名",
)
INSPECTOR_SPEC = HeaderSpec(
    columns=[("code", "人员编码"), ("name", "姓名"), ("certificate_no", "执法证号"), ("office", "所属市场监管所"),
             ("department", "所属股室/单位"), ("status", "状态"), ("items", "可承担的抽查事项"),
             ("phone", "联系电话"), ("user", "登录账号"), ("note", "备注")],
    required={"code", "name"},
    aliases={"执法证件号": "certificate_no", "执法证编号": "certificate_no", "所属单位": "department",
             "所属部门": "department", "市场监管所": "office", "人员状态": "status", "抽查事项编码": "items",
             "用户名": "user"},
    hint="“人员编码”“姓名”等列名",
)
CONFLICT_SPEC = HeaderSpec(
    columns=[("inspector", "人员编码"), ("uscc", "统一社会信用代码"), ("entity_name", "市场主体名称"),
             ("reason", "回避事由"), ("declared_on", "申报日期")],
    required={"inspector", "uscc", "reason"},
    aliases={"回避原因": "reason", "名称": "entity_name"},
    hint="“人员编码”“统一社会信用代码”等列名",
)
OBJECT_SPEC = HeaderSpec(
    columns=[("uscc", "统一社会信用代码"), ("entity_name", "市场主体名称"), ("note", "备注")],
    required={"uscc"},
    aliases={"名称": "entity_name", "企业名称": "entity_name"},
    hint="“统一社会信用代码”等列名",
)

KIND_LABEL = {ItemKind.KEY: "重点", ItemKind.GENERAL: "一般"}
KIND_BY_LABEL = {"重点": ItemKind.KEY, "重点检查事项": ItemKind.KEY, "一般": ItemKind.GENERAL,
                 "一般检查事项": ItemKind.GENERAL, "": ItemKind.GENERAL}
STATUS_BY_LABEL = {label: value for value, label in InspectorStatus.choices} | {"": InspectorStatus.ACTIVE,
                                                                                 "在职": InspectorStatus.ACTIVE}
GENERAL_DOMAIN = "通用"


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def items_workbook(queryset) -> Workbook:
    """The check-item list in the import layout, plus every version (动态调整的历史)."""
    from .models import CheckItemVersion

    rows = ([i.code, i.name, i.legal_basis, i.content, i.method, i.department.name, KIND_LABEL[i.kind],
             i.domain.name if i.domain_id else GENERAL_DOMAIN, i.valid_from, i.valid_to]
            for i in queryset.select_related("department", "domain").iterator(chunk_size=2000))
    versions = ([v.item.code, v.version, v.name, v.legal_basis, v.content, v.method, v.department.name,
                 KIND_LABEL[v.kind], v.domain.name if v.domain_id else GENERAL_DOMAIN, v.valid_from, v.valid_to,
                 v.change_note, str(v.created_by or ""), _local(v.created_at)]
                for v in CheckItemVersion.objects.filter(item__in=queryset.values("pk"))
                .select_related("item", "department", "domain", "created_by").order_by("item__code", "version"))
    book = Workbook()
    book.add_sheet("抽查事项清单", [h for _, h in ITEM_SPEC.columns], rows,
                   widths=[14, 36, 40, 40, 20, 22, 8, 12, 12, 12])
    book.add_sheet("调整记录", ["事项编码", "版本", "抽查事项", "法律依据", "检查内容", "检查方式", "责任部门",
                            "事项类别",
                            "专业领域", "生效日期", "失效日期", "调整说明", "调整人", "调整时间"], versions)
    return book


def inspectors_workbook(queryset) -> Workbook:
    """The inspector library in the import layout, and the declared conflicts on a second sheet."""
    from .models import InspectorConflict

    rows = ([i.code, i.name, i.certificate_no, i.office.name if i.office_id else "",
             i.department.name if i.department_id else "", i.get_status_display(),
             "、".join(item.code for item in i.qualified_items.all()), i.phone,
             i.user.username if i.user_id else "", i.note]
            for i in queryset.select_related("office", "department", "user").prefetch_related("qualified_items")
            .iterator(chunk_size=500))
    conflicts = ([c.inspector.code, c.entity.uscc, c.entity.name, c.reason, c.declared_on]
                 for c in InspectorConflict.objects.filter(inspector__in=queryset.values("pk"))
                 .select_related("inspector", "entity").order_by("inspector__code", "entity__uscc"))
    book = Workbook()
    book.add_sheet("执法检查人员名录", [h for _, h in INSPECTOR_SPEC.columns], rows,
                   widths=[14, 10, 18, 22, 28, 10, 30, 14, 14, 20])
    book.add_sheet("回避申报", [h for _, h in CONFLICT_SPEC.columns], conflicts, widths=[14, 22, 36, 40, 12])
    return book


def object_list_workbook(object_list) -> Workbook:
    rows = ([e.entity.uscc, e.entity.name, e.note]
            for e in object_list.entries.select_related("entity").order_by("entity__uscc").iterator(chunk_size=2000))
    book = Workbook()
    book.add_sheet("检查对象名录", [h for _, h in OBJECT_SPEC.columns], rows, widths=[22, 40, 30])
    return book


CHECK_HEADERS = ["抽查计划", "抽查任务", "统一社会信用代码", "市场主体名称", "管辖单位", "执法检查人员", "联合检查",
                 "状态", "检查日期", "检查结果", "完成期限", "公示期限", "公示日期", "后续处置", "是否逾期"]


def checks_workbook(queryset, *, today=None) -> Workbook:
    """The check list as filtered on its page (an internal list: still no risk class)."""
    today = today or timezone.localdate()

    def rows():
        for c in queryset.prefetch_related("assignments__inspector").iterator(chunk_size=2000):
            due = c.publish_due
            yield [c.task.plan.name, c.task.name, c.entity.uscc, c.entity.name, c.entity.office.name,
                   "、".join(a.inspector.name for a in c.assignments.all()), "是" if c.visit_id else "",
                   c.get_status_display(), c.checked_on, c.get_result_code_display() if c.result_code else "",
                   c.task.deadline, due, c.published_on, _follow_up_text(c), "是" if c.is_overdue(today) else ""]

    book = Workbook()
    book.add_sheet("抽查检查", CHECK_HEADERS, rows(),
                   widths=[24, 30, 22, 36, 20, 24, 8, 8, 12, 28, 12, 12, 12, 10, 8])
    return book


def _follow_up_text(check) -> str:
    if getattr(check, "follow_up_count", 0) == 0:
        return "待处置" if check.found_problem and check.status != "pending" else ""
    return "处置中" if getattr(check, "open_follow_ups", 0) else "已办结"


# The collaborative platform's upload layout for results (抽查检查结果公示). Deliberately no risk class.
PUBLICATION_HEADERS = ["序号", "抽查计划名称", "抽查任务名称", "抽查机关", "抽查事项", "统一社会信用代码",
                       "市场主体名称",
                       "检查日期", "检查结果代码", "检查结果", "执法检查人员", "公示日期"]
AUTHORITY = "泉州市泉港区市场监督管理局"


def publication_workbook(checks) -> Workbook:
    """Reviewed results in the platform's upload layout, the most urgent first."""
    def rows():
        for n, c in enumerate(checks, start=1):
            items = "；".join(i.name for i in c.task.items.all())
            yield [n, c.task.plan.name, c.task.name, AUTHORITY, items, c.entity.uscc, c.entity.name, c.checked_on,
                   c.result_code, c.get_result_code_display().split(" ", 1)[-1],
                   "、".join(a.inspector.name for a in c.assignments.all()), c.published_on]

    book = Workbook()
    book.add_sheet("抽查结果公示", PUBLICATION_HEADERS, rows(),
                   widths=[6, 28, 30, 26, 36, 22, 36, 12, 10, 30, 20, 12])
    return book


FOLLOW_UP_HEADERS = ["统一社会信用代码", "市场主体名称", "抽查任务", "检查结果", "处置措施", "整改期限", "立案文号",
                     "移送部门",
                     "处置说明", "状态", "办结日期", "办结情况", "是否逾期"]


def follow_ups_workbook(queryset) -> Workbook:
    today = timezone.localdate()
    rows = ([f.spot_check.entity.uscc, f.spot_check.entity.name, f.spot_check.task.name,
             f.spot_check.get_result_code_display(), f.get_measure_display(), f.deadline, f.case_number,
             f.transfer_to.name if f.transfer_to_id else "", f.note, f.get_status_display(), f.completed_on,
             f.completion_note, "是" if f.is_overdue(today) else ""]
            for f in queryset.iterator(chunk_size=2000))
    book = Workbook()
    book.add_sheet("后续处置", FOLLOW_UP_HEADERS, rows, widths=[22, 36, 30, 28, 18, 12, 18, 22, 40, 8, 12, 40, 8])
    return book
