"""Which time-limit rule (code, version, amount, legal basis, 待核实 or not) set each deadline of a listing or repair
case, for the case page. The version is the one in effect on the step's start date, as core.workdays.deadline
chose it; an administrator edits the rules in 系统管理 → 时限规则."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.models import TimeLimitRule
from core.workdays import RuleNotFound, rule_for

from . import listings as svc
from . import repair as rep
from .choices import ListingKind


@dataclass
class AppliedRule:
    step: str
    start: date
    rule: TimeLimitRule | None
    code: str
    current: bool = False


def _row(step: str, code: str, start: date | None, current_code: str) -> AppliedRule | None:
    if not code or start is None:
        return None
    try:
        rule = rule_for(code, start)
    except RuleNotFound:
        rule = None
    return AppliedRule(step=step, start=start, rule=rule, code=code, current=code == current_code)


def listing_rules(case) -> list[AppliedRule]:
    rows = []
    if case.kind == ListingKind.SERIOUS:
        if case.source_listing_id and case.source_listing.listed_on:
            rows.append(_row("列入经营异常名录届满三年", svc.SERIOUS_AFTER_RULE, case.source_listing.listed_on,
                             case.due_rule))
        rows.append(_row("陈述申辩期", svc.STATEMENT_RULE, case.notified_on, case.due_rule))
        rows.append(_row("公示期", svc.SERIOUS_TERM_RULE, case.listed_on, case.due_rule))
    else:
        rows.append(_row("提醒提示", svc.REMINDER_RULE, case.occurred_on, case.due_rule))
        rows.append(_row("信用惩戒缓冲期", svc.BUFFER_RULE, case.reminded_on, case.due_rule))
        rows.append(_row("缓冲期届满后列入（标记）", svc.LISTING_RULE[case.kind], case.buffer_until, case.due_rule))
        if case.listed_on:
            rows.append(_row("异议期", svc.OBJECTION_RULES[case.kind][0], case.listed_on, ""))
        rows.append(_row("移出（恢复）", svc.REMOVAL_RULE[case.kind], case.cured_on, case.due_rule))
    return [r for r in rows if r is not None]


def repair_rules(case) -> list[AppliedRule]:
    rows = [
        _row("受理（不予受理）", rep.ACCEPTANCE_RULE, case.applied_on, case.due_rule),
        _row("作出修复决定", rep.DECISION_RULE[case.kind], case.accepted_on if case.decision_due else None,
             case.due_rule),
        _row("停止公示（移出）", rep.EFFECT_RULE, case.decided_on if case.repaired else None, case.due_rule),
        _row("告知当事人", rep.NOTICE_RULE, (case.effected_on or case.decided_on)
             if case.due_rule == rep.NOTICE_RULE or case.notified_on else None, case.due_rule),
    ]
    return [r for r in rows if r is not None]
