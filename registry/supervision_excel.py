"""The .xlsx exports of the registration-supervision lists (exactly the filtered rows)."""
from django.utils import timezone

from core.xlsx import Workbook

DEREG_HEADERS = ["统一社会信用代码", "名称", "管辖单位", "候选规则", "触发日期", "满足期限日期", "环节", "催告日期",
                 "催告期满", "征求意见日期", "公告开始", "公告期满", "决定日期", "终止原因", "适用期限及依据"]


def dereg_workbook(queryset) -> Workbook:
    rows = ([c.entity.uscc, c.entity.name, c.entity.office.name, c.rule.name, c.trigger_date, c.eligible_on,
             c.get_status_display(), c.reminder_sent_on, c.reminder_due, c.feedback_requested_on,
             c.announcement_start, c.announcement_end, c.decided_on, c.termination_reason, c.period_text]
            for c in queryset.iterator(chunk_size=2000))
    book = Workbook()
    book.add_sheet("强制注销案件", DEREG_HEADERS, rows)
    return book


FEEDBACK_HEADERS = ["统一社会信用代码", "名称", "成员单位", "征求日期", "反馈期限", "状态", "意见", "异议理由",
                    "反馈日期", "是否逾期", "催办次数"]


def feedback_workbook(queryset) -> Workbook:
    today = timezone.localdate()
    rows = ([f.case.entity.uscc, f.case.entity.name, f.department.name, f.requested_on, f.due_on,
             f.get_status_display(), f.get_answer_display() if f.answer else "", f.reason, f.answered_on,
             "是" if f.is_overdue(today) else "", f.chase_count] for f in queryset.iterator(chunk_size=2000))
    book = Workbook()
    book.add_sheet("征求意见", FEEDBACK_HEADERS, rows)
    return book


FINDING_HEADERS = ["统一社会信用代码", "名称", "管辖单位", "发现途径", "登记事项", "发现问题", "发现日期",
                   "对应清单事项",
                   "排除适用情形", "处理方式", "状态", "文书", "改正期限", "改正日期", "是否逾期"]


def findings_workbook(queryset) -> Workbook:
    today = timezone.localdate()
    rows = ([f.entity.uscc, f.entity.name, f.entity.office.name, f.get_source_display(), f.get_matter_display(),
             f.description, f.found_on, str(f.list_item or ""), "；".join(f.exclusions),
             f.get_handling_display() if f.handling else "", f.get_status_display(),
             f.get_letter_kind_display() if f.letter_kind else "", f.rectification_due, f.rectified_on,
             "是" if f.is_overdue(today) else ""] for f in queryset.iterator(chunk_size=2000))
    book = Workbook()
    book.add_sheet("登记事项检查发现", FINDING_HEADERS, rows)
    return book


UNLICENSED_HEADERS = ["编号", "承办单位", "经营场所", "经营者", "经营项目", "缺少证照", "所缺许可证件", "许可主管部门",
                      "线索来源", "发现日期", "状态", "处置方式", "处置日期", "改正期限", "办理结果", "办结日期",
                      "关联市场主体", "罚款情形", "罚款金额（元）"]


def unlicensed_workbook(queryset) -> Workbook:
    rows = ([c.number, c.office.name, c.place, c.operator, c.activity, c.get_missing_display(), c.permit_name,
             str(c.responsible_department or ""), c.get_source_display(), c.discovered_on, c.get_status_display(),
             c.get_handling_display() if c.handling else "", c.handled_on, c.correction_due,
             c.get_result_display() if c.result else "", c.closed_on, c.entity.uscc if c.entity else "",
             c.get_fine_severity_display() if c.fine_severity else "", c.fine_amount]
            for c in queryset.iterator(chunk_size=2000))
    book = Workbook()
    book.add_sheet("无证无照案件", UNLICENSED_HEADERS, rows)
    return book


NOTIFICATION_HEADERS = ["案件编号", "经营者", "抄告部门", "抄告日期", "回复期限", "状态", "签收日期", "回复日期",
                        "回复内容", "是否逾期"]


def notifications_workbook(queryset) -> Workbook:
    today = timezone.localdate()
    rows = ([n.case.number, n.case.operator, n.department.name, n.sent_on, n.reply_due, n.get_status_display(),
             n.acknowledged_on, n.replied_on, n.reply, "是" if n.is_overdue(today) else ""]
            for n in queryset.iterator(chunk_size=2000))
    book = Workbook()
    book.add_sheet("信息抄告", NOTIFICATION_HEADERS, rows)
    return book


CATALOGUE_HEADERS = ["年度", "所属清单", "序号", "登记事项", "违法行为", "法律依据", "适用条件", "处理措施", "有效"]


def catalogue_workbook(catalogue, items) -> Workbook:
    rows = ([catalogue.year, i.get_kind_display(), i.number, i.get_matter_display(), i.violation, i.legal_basis,
             i.conditions, i.measures, "是" if i.is_active else "否"] for i in items)
    book = Workbook()
    book.add_sheet(f"{catalogue.year}年三张清单", CATALOGUE_HEADERS, rows)
    return book


ASSESSMENT_HEADERS = ["单位 / 部门", "案件数", "已办结", "办结率（%）", "按时办结", "按时办结率（%）", "罚款案件",
                      "罚款金额（元）", "信息抄告", "已签收", "已回复", "逾期未回复"]


def assessment_workbook(year: int, figures: dict) -> Workbook:
    rule = figures["rule"]

    def row(r):
        return [r.label, r.cases, r.closed, r.handling_rate, r.on_time if rule else None,
                r.timely_rate if rule else None, r.fined, r.fine_total, r.notifications, r.acknowledged, r.replied,
                r.overdue_replies]

    book = Workbook()
    book.add_sheet("按市场监管所", ASSESSMENT_HEADERS, [row(r) for r in [*figures["offices"], figures["district"]]])
    book.add_sheet("按许可主管部门", ASSESSMENT_HEADERS, [row(r) for r in figures["departments"]])
    basis = [[year, rule.handling_workdays, rule.target_handling_rate, rule.target_timely_rate, rule.basis]] \
        if rule else [[year, None, None, None, "本年度考核口径尚未录入"]]
    book.add_sheet("考核口径", ["年度", "按时办结时限（工作日）", "办结率目标（%）", "按时办结率目标（%）", "依据"],
                   basis)
    return book
