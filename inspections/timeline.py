"""The entity page's timeline: each check of the entity (drawn, result, publication, follow-up)."""
from registry.timeline import TimelineEvent

CATEGORY = "抽查"


def check_events(entity):
    """A check appears when drawn, when its result is recorded and when published; follow-ups when closed."""
    from .models import SpotCheck

    checks = (SpotCheck.objects.valid().filter(entity=entity)
              .select_related("task", "draw", "recorded_by").prefetch_related("follow_ups"))
    for check in checks:
        yield TimelineEvent(at=check.draw.drawn_at, category=CATEGORY, title=f"被抽中：{check.task.name}",
                            detail=f"第 {check.draw.number} 次抽取")
        if check.checked_on and check.status != "pending":
            yield TimelineEvent(at=check.checked_on, category=CATEGORY,
                                title=f"检查结果：{check.get_result_code_display()}",
                                detail=f"{check.task.name} · {check.get_status_display()}",
                                actor=str(check.recorded_by or ""))
        if check.published_on:
            yield TimelineEvent(at=check.published_on, category=CATEGORY, title="检查结果已公示",
                                detail=check.task.name)
        for follow_up in check.follow_ups.all():
            if follow_up.completed_on:
                yield TimelineEvent(at=follow_up.completed_on, category=CATEGORY,
                                    title=f"后续处置办结：{follow_up.get_measure_display()}",
                                    detail=follow_up.completion_note[:100])
