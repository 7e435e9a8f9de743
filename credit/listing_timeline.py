"""The entity timeline's listing, mark, penalty publicity and credit-repair events."""
from registry.timeline import TimelineEvent

from .choices import ListingKind, ListingStatus

CATEGORY = {ListingKind.ABNORMAL: "列异", ListingKind.INDIVIDUAL_ABNORMAL: "经营异常状态", ListingKind.SERIOUS: "列严"}


def listing_events(entity):
    """Each listing case: the trigger, the reminder, the listing or mark, the removal, or the close before listing."""
    for c in entity.listing_cases.all():
        cat = CATEGORY[c.kind]
        marked = c.kind == ListingKind.INDIVIDUAL_ABNORMAL
        yield TimelineEvent(at=c.occurred_on, category=cat, title=f"列异列严立案：{c.get_reason_display()}",
                            detail=f"{c.get_source_display()}{'（' + c.source_ref + '）' if c.source_ref else ''}")
        if c.reminded_on:
            yield TimelineEvent(at=c.reminded_on, category=cat, title="提醒提示",
                                detail=f"{c.get_reminder_channel_display()}；缓冲期至 {c.buffer_until}")
        if c.notified_on:
            yield TimelineEvent(at=c.notified_on, category=cat, title="告知拟列入严重违法失信名单",
                                detail=f"陈述申辩期至 {c.statement_due}")
        if c.listed_on:
            title = {ListingKind.ABNORMAL: "列入经营异常名录", ListingKind.INDIVIDUAL_ABNORMAL: "标记经营异常状态",
                     ListingKind.SERIOUS: "列入严重违法失信名单"}[c.kind]
            yield TimelineEvent(at=c.listed_on, category=cat, title=title,
                                detail="；".join(filter(None, [c.get_reason_display(), c.decision_no])))
        if c.removed_on:
            yield TimelineEvent(at=c.removed_on, category=cat, title="恢复正常记载状态" if marked else "移出",
                                detail=c.removal_reason)
        elif c.status in (ListingStatus.CLOSED, ListingStatus.REVOKED) and c.closed_on:
            yield TimelineEvent(at=c.closed_on, category=cat, title=c.status_label,
                                detail=c.removal_reason or c.cure_note)


def penalty_events(entity):
    for r in entity.penalty_records.all():
        yield TimelineEvent(at=r.decided_on, category="行政处罚", title=f"行政处罚决定 {r.decision_no}",
                            detail=f"{r.get_kind_display()}；{r.violation}")
        if r.published_on:
            yield TimelineEvent(at=r.published_on, category="行政处罚", title="行政处罚信息公示",
                                detail=f"公示期至 {r.publicity_end}")
        if r.revoked_on:
            yield TimelineEvent(at=r.revoked_on, category="行政处罚", title="处罚决定被撤销", detail=r.note)
        if r.ended_on and not r.revoked_on:
            yield TimelineEvent(at=r.ended_on, category="行政处罚", title="停止公示",
                                detail=r.get_status_display())


def repair_events(entity):
    for c in entity.repair_cases.all():
        yield TimelineEvent(at=c.applied_on, category="信用修复", title=f"申请信用修复 {c.number}",
                            detail=f"{c.get_kind_display()}；{c.get_channel_display()}")
        if c.decided_on:
            yield TimelineEvent(at=c.decided_on, category="信用修复",
                                title="准予信用修复" if c.repaired else "不予信用修复", detail=c.decision_reason[:200])
        elif c.status == "not_accepted":
            yield TimelineEvent(at=c.accepted_on, category="信用修复", title="信用修复申请不予受理",
                                detail=c.acceptance_reason)
