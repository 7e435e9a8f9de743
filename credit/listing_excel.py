"""Exports of the listing board, the penalty publicity list and the repair case list (the rows as filtered)."""
from django.utils import timezone

from core.xlsx import Workbook

LISTING_HEADERS = ["统一社会信用代码", "市场主体名称", "承办单位", "类别", "事由", "触发来源", "事由发生日期",
                   "状态", "提醒日期", "缓冲期届满", "列入（标记）日期", "决定书文号", "当前步骤期限", "是否逾期",
                   "移出（恢复）日期"]
PENALTY_HEADERS = ["处罚决定书文号", "统一社会信用代码", "市场主体名称", "承办单位", "处罚决定日期", "处罚种类", "领域",
                   "违法行为类型", "罚没金额（元）", "作出决定机关", "状态", "公示期限", "公示日期", "公示期届满",
                   "撤销日期", "撤下日期", "是否逾期"]
REPAIR_HEADERS = ["案件编号", "统一社会信用代码", "市场主体名称", "承办单位", "修复类别", "申请渠道", "申请日期",
                  "状态", "当前步骤期限", "是否逾期", "受理日期", "决定期限", "决定日期", "决定", "是否按期决定",
                  "办结日期"]


def listings_workbook(queryset) -> Workbook:
    today = timezone.localdate()

    def rows():
        for c in queryset.select_related("entity", "office").iterator(chunk_size=2000):
            yield [c.entity.uscc, c.entity.name, c.office.name, c.get_kind_display(), c.get_reason_display(),
                   c.get_source_display(), c.occurred_on, c.status_label, c.reminded_on, c.buffer_until, c.listed_on,
                   c.decision_no, c.due_on, "是" if c.due_on and c.due_on < today else "", c.removed_on]

    book = Workbook()
    book.add_sheet("列异列严", LISTING_HEADERS, rows())
    return book


def penalties_workbook(queryset) -> Workbook:
    def rows():
        for r in queryset.select_related("entity", "office").iterator(chunk_size=2000):
            yield [r.decision_no, r.entity.uscc, r.entity.name, r.office.name, r.decided_on, r.get_kind_display(),
                   r.get_domain_display(), r.violation, r.fine_amount, r.authority, r.get_status_display(),
                   r.publish_due, r.published_on, r.publicity_end, r.revoked_on, r.withdrawn_on,
                   "是" if r.overdue else ""]

    book = Workbook()
    book.add_sheet("行政处罚公示", PENALTY_HEADERS, rows())
    return book


def repairs_workbook(queryset) -> Workbook:
    def rows():
        for c in queryset.select_related("entity", "office").iterator(chunk_size=2000):
            on_time = ""
            if c.decided_on and c.decision_due:
                on_time = "是" if c.decided_on <= c.decision_due else "否"
            decision = "" if c.repaired is None else ("准予修复" if c.repaired else "不予修复")
            yield [c.number, c.entity.uscc, c.entity.name, c.office.name, c.get_kind_display(), c.get_channel_display(),
                   c.applied_on, c.get_status_display(), c.due_on, "是" if c.overdue else "", c.accepted_on,
                   c.decision_due, c.decided_on, decision, on_time, c.closed_on]

    book = Workbook()
    book.add_sheet("信用修复", REPAIR_HEADERS, rows())
    return book


SHARED_HEADERS = ["修复案件编号", "统一社会信用代码", "市场主体名称", "修复类别", "修复决定", "决定日期",
                  "移出（停止公示）日期", "共享日期", "共享说明"]


def shared_repairs_workbook(queryset) -> Workbook:
    """The repair results shared with a department, as its staff see them (no internal opinions)."""
    def rows():
        for s in queryset.select_related("case", "case__entity").iterator(chunk_size=2000):
            c = s.case
            yield [c.number, c.entity.uscc, c.entity.name, c.get_kind_display(),
                   "准予修复" if c.repaired else "不予修复", c.decided_on, c.effected_on, s.shared_on, s.note]

    book = Workbook()
    book.add_sheet("信用修复结果", SHARED_HEADERS, rows())
    return book
