"""The entity timeline's risk-class events: the first class of each type and every change after it."""
from registry.timeline import TimelineEvent

from .templatetags.credit_tags import RISK_CATEGORY


def risk_class_events(entity):
    """One event per change of class within a type (the monthly results that repeat the class are left out)."""
    last = {}
    for record in entity.risk_classes.select_related("domain").order_by("classified_on", "id"):
        before = last.get(record.domain_id)
        last[record.domain_id] = record.risk_class
        if before == record.risk_class:
            continue
        title = (f"信用风险分类（{record.type_label}）：{record.risk_class} 类" if before is None else
                 f"信用风险分类（{record.type_label}）：{before} → {record.risk_class} 类")
        yield TimelineEvent(at=record.classified_on, category=RISK_CATEGORY, title=title, detail="省级平台分类结果")


def complaint_events(entity):
    """Each complaint or report received about the entity (imported from the 12315 platform's records)."""
    for c in entity.complaints.all():
        verdict = {True: "核查属实", False: "核查不属实"}.get(c.substantiated, "尚未核查")
        yield TimelineEvent(at=c.received_on, category="投诉举报", title=f"受理{c.get_kind_display()}（{c.number}）",
                            detail="；".join(filter(None, [verdict, c.summary])))
