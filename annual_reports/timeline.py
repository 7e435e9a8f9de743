"""The entity timeline's 年报 events: filings, reminders made, suspensions and the guidance given."""
from registry.timeline import TimelineEvent

from .choices import FILED


def annual_report_events(entity):
    from .models import AnnualReport, ContactRecord, DormancyGuidance, SuspensionPeriod

    for report in AnnualReport.objects.filter(entity=entity, status__in=FILED).select_related("season",
                                                                                             "recorded_by"):
        detail = report.get_channel_display()
        if report.publish is not None:
            detail += "，选择公示" if report.publish else "，选择不公示"
        yield TimelineEvent(at=report.filed_on, category="年报",
                            title=f"报送{report.season.year} 年度年报（{report.get_status_display()}）", detail=detail,
                            actor=str(report.recorded_by or ""))
    for report in AnnualReport.objects.filter(entity=entity, listing_opened_on__isnull=False).select_related("season"):
        yield TimelineEvent(at=report.listing_opened_on, category="年报",
                            title=f"{report.season.year} 年度年报逾期未报送，移交列异流程")
    for contact in ContactRecord.objects.filter(target__entity=entity).select_related("target__campaign",
                                                                                     "recorded_by"):
        yield TimelineEvent(at=contact.contacted_on, category="年报",
                            title=f"年报提醒（{contact.get_channel_display()}）：{contact.get_outcome_display()}",
                            detail=" ".join(filter(None, [contact.target.campaign.name, contact.note])),
                            actor=str(contact.recorded_by))
    for period in SuspensionPeriod.objects.filter(entity=entity):
        yield TimelineEvent(at=period.starts_on, category="歇业",
                            title=f"歇业（至 {period.planned_end}）", detail=period.note)
        if period.resumed_on:
            yield TimelineEvent(at=period.resumed_on, category="歇业", title="恢复营业")
    for guidance in DormancyGuidance.objects.filter(entity=entity).select_related("recorded_by"):
        yield TimelineEvent(at=guidance.guided_on, category="引导", title=guidance.get_kind_display(),
                            detail=f"结果：{guidance.get_outcome_display()}。{guidance.note}",
                            actor=str(guidance.recorded_by))
