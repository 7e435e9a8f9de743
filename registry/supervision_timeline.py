"""An entity's timeline: its forced-deregistration case, registration findings and unlicensed-operation cases."""
from .timeline import TimelineEvent


def supervision_events(entity):
    """登记监管 events of one entity (three small queries)."""
    for case in entity.dereg_cases.select_related("rule", "decided_by"):
        yield TimelineEvent(at=case.screened_on, category="强制注销", title="列为强制注销候选", detail=case.rule.name)
        if case.reminder_sent_on:
            yield TimelineEvent(at=case.reminder_sent_on, category="强制注销", title="发出强制注销催告",
                                detail=f"催告期至 {case.reminder_due:%Y-%m-%d}")
        if case.announcement_start:
            yield TimelineEvent(at=case.announcement_start, category="强制注销", title="强制注销公告",
                                detail=f"公告期至 {case.announcement_end:%Y-%m-%d}（{case.announcement_media}）")
        if case.decided_on:
            yield TimelineEvent(at=case.decided_on, category="强制注销", title="决定强制注销",
                                actor=str(case.decided_by or ""))
        if case.terminated_on:
            yield TimelineEvent(at=case.terminated_on, category="强制注销", title="强制注销终止",
                                detail=case.termination_reason)
    for finding in entity.registration_findings.all():
        detail = finding.description
        if finding.handling:
            detail += f"（{finding.get_handling_display()}）"
        yield TimelineEvent(at=finding.found_on, category="登记事项",
                            title=f"登记事项问题：{finding.get_matter_display()}，{finding.get_status_display()}",
                            detail=detail)
    for case in entity.unlicensed_cases.all():
        yield TimelineEvent(at=case.discovered_on, category="无证无照",
                            title=f"无证无照经营 {case.number}：{case.get_status_display()}",
                            detail=f"{case.activity}，{case.get_missing_display()}"
                                   + (f"（{case.permit_name}）" if case.permit_name else ""))
