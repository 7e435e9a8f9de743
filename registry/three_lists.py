"""Registration-matter findings (登记事项监管) and the three lists (不予处罚 / 从轻 / 减轻 清单).

A finding is recorded inside a spot check's result or on its own. Linking it to an item of the catalogue in force
on the day it was found proposes the handling the item allows, unless an exclusion applies: aggravating
circumstances, or a repeat — the same entity found with a problem in the same registration matter within the
window of rule ``no_penalty_repeat_window`` (one year) before, computed from the findings on record. The decision
issues a warning or administrative prompt letter and orders rectification by a deadline that is then tracked.
"""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from core.audit import audit, diff, model_values
from core.choices import AuditAction
from core.workdays import add_period, deadline, rule_for

from .supervision_choices import FindingSource, FindingStatus, Handling, LetterKind, ListKind
from .supervision_models import ListCatalogue, ListItem, RegistrationFinding

REPEAT_RULE = "no_penalty_repeat_window"
RECTIFICATION_RULE = "registration_rectification"
FINDING_FIELDS = ["entity", "spot_check", "source", "matter", "description", "found_on"]
HANDLING_OF_KIND = {ListKind.NO_PENALTY: Handling.NO_PENALTY, ListKind.LIGHTER: Handling.LIGHTER,
                    ListKind.REDUCED: Handling.REDUCED}


def _today() -> date:
    return timezone.localdate()


def catalogue_for(day: date) -> ListCatalogue | None:
    """The version of the three lists in force on a day: the latest one whose effective date is on or before it."""
    return ListCatalogue.objects.filter(effective_from__lte=day).order_by("-effective_from", "-year").first()


def items_for(finding: RegistrationFinding):
    """The catalogue items a finding may be linked to: the version in force on the day it was found."""
    catalogue = catalogue_for(finding.found_on)
    if catalogue is None:
        return ListItem.objects.none()
    # The items of the finding's registration matter first, then the rest of the catalogue.
    same_matter = Case(When(matter=finding.matter, then=Value(0)), default=Value(1))
    return catalogue.items.filter(is_active=True).order_by(same_matter, "kind", "number")


def repeat_findings(finding: RegistrationFinding):
    """Earlier findings of the same entity in the same registration matter within the repeat window."""
    rule = rule_for(REPEAT_RULE, on=finding.found_on)
    since = add_period(finding.found_on, -rule.amount, rule.unit)
    return (RegistrationFinding.objects.filter(entity_id=finding.entity_id, matter=finding.matter,
                                               found_on__gte=since, found_on__lte=finding.found_on)
            .exclude(pk=finding.pk).order_by("-found_on"))


def exclusions_for(finding: RegistrationFinding, *, aggravating: bool, aggravating_note: str) -> list[str]:
    """Why the lists do not apply to this finding (empty: they apply), in the bureau's words."""
    reasons = []
    if aggravating:
        reasons.append("有从重处罚情节" + (f"：{aggravating_note}" if aggravating_note else ""))
    rule = rule_for(REPEAT_RULE, on=finding.found_on)
    earlier = list(repeat_findings(finding)[:3])
    if earlier:
        dates = "、".join(f"{f.found_on:%Y-%m-%d}" for f in earlier)
        reasons.append(f"{rule.amount}{rule.get_unit_display()}内再次发生同类违法行为（此前 {dates} 发现"
                       f"“{finding.get_matter_display()}”问题；依据{rule.basis_label}）")
    return reasons


def _check_spot_check(entity, spot_check) -> None:
    if spot_check is not None and spot_check.entity_id != entity.pk:
        raise ValidationError({"spot_check": "所选抽查检查不是对该市场主体的检查。"})


@transaction.atomic
def finding_create(*, data: dict, by) -> RegistrationFinding:
    """Record a registration-matter finding (inside a spot check's result or on its own)."""
    finding = RegistrationFinding(recorded_by=by, **{k: data.get(k) for k in FINDING_FIELDS if k in data})
    if finding.spot_check_id:
        finding.source = FindingSource.SPOT_CHECK
    _check_spot_check(finding.entity, finding.spot_check)
    if finding.found_on and finding.found_on > _today():
        raise ValidationError({"found_on": "发现日期不能晚于今天。"})
    if finding.spot_check and finding.spot_check.checked_on and finding.found_on < finding.spot_check.checked_on:
        raise ValidationError({"found_on": "发现日期不能早于抽查检查日期。"})
    finding.full_clean()
    finding.save()
    audit(actor=by, action=AuditAction.CREATE, target=finding, summary=f"登记登记事项问题：{finding}",
          changes={k: [None, v] for k, v in model_values(finding, FINDING_FIELDS).items() if v not in (None, "")})
    return finding


def _lock(finding) -> RegistrationFinding:
    return RegistrationFinding.objects.select_for_update(of=("self",)) \
        .select_related("entity", "entity__office", "list_item").get(pk=finding.pk)


@transaction.atomic
def finding_link_item(*, finding: RegistrationFinding, item: ListItem | None, aggravating: bool,
                      aggravating_note: str, by) -> RegistrationFinding:
    """Link a finding to a list item (or to none) and compute the proposed handling with its exclusions."""
    finding = _lock(finding)
    if finding.status != FindingStatus.RECORDED:
        raise ValidationError(f"该问题已{finding.get_status_display()}，不能再调整清单适用。")
    aggravating_note = (aggravating_note or "").strip()
    if aggravating and not aggravating_note:
        raise ValidationError({"aggravating_note": "有从重情节的，请写明情节。"})
    if item is not None:
        allowed = items_for(finding)
        if not allowed.filter(pk=item.pk).exists():
            raise ValidationError({"item": "所选事项不属于发现之日施行的清单版本。"})
    before = model_values(finding, ["list_item", "aggravating", "handling", "exclusions"])
    finding.list_item = item
    finding.aggravating = aggravating
    finding.aggravating_note = aggravating_note
    finding.exclusions = exclusions_for(finding, aggravating=aggravating, aggravating_note=aggravating_note) \
        if item is not None else []
    if item is None or finding.exclusions:
        finding.handling = Handling.CASE
    else:
        finding.handling = HANDLING_OF_KIND[item.kind]
    finding.save()
    audit(actor=by, action=AuditAction.UPDATE, target=finding, summary=f"适用三张清单：{finding}",
          changes=diff(before, model_values(finding, ["list_item", "aggravating", "handling", "exclusions"])))
    return finding


def default_letter(finding: RegistrationFinding) -> str:
    """No penalty → 行政提示函 (prompt to correct); lighter or reduced → 预警提醒函 alongside the penalty case."""
    return LetterKind.PROMPT if finding.handling == Handling.NO_PENALTY else LetterKind.WARNING


def default_rectification_due(day: date) -> date:
    return deadline(RECTIFICATION_RULE, day)[0]


def _letter_context(finding: RegistrationFinding, kind: str) -> dict:
    entity = finding.entity
    base = {"entity_name": entity.name, "uscc": entity.uscc, "legal_rep": entity.legal_rep, "address": entity.address}
    item = finding.list_item
    if kind == LetterKind.PROMPT:
        return {**base, "matters": f"{finding.description.rstrip('。')}，请依法改正"
                                   + (f"（{item.measures.rstrip('。')}）" if item and item.measures else ""),
                "legal_basis": item.legal_basis if item else "《中华人民共和国市场主体登记管理条例》",
                "deadline": finding.rectification_due, "contact": entity.office.name + (
                    f"（{entity.office.phone}）" if entity.office.phone else "")}
    return {**base, "risks": f"{finding.get_matter_display()}方面：{finding.description.rstrip('。')}",
            "suggestions": "对照登记事项逐项自查，及时办理变更登记或备案，避免因同类问题再次被查处",
            "reply_deadline": finding.rectification_due}


@transaction.atomic
def finding_decide(*, finding: RegistrationFinding, letter_kind: str, rectification_due: date, case_note: str,
                   by, decided_on: date | None = None) -> RegistrationFinding:
    """Decide the handling: within the lists, order rectification and issue the letter; outside, transfer to a case."""
    finding = _lock(finding)
    if finding.status != FindingStatus.RECORDED:
        raise ValidationError(f"该问题已{finding.get_status_display()}。")
    if not finding.handling:
        raise ValidationError("请先对照三张清单确定处理方式（或选择不适用清单）。")
    decided_on = decided_on or _today()
    before = model_values(finding, ["status", "letter_kind", "rectification_due"])
    finding.decided_on, finding.decided_by = decided_on, by
    if finding.handling == Handling.CASE:
        if not (case_note or "").strip():
            raise ValidationError({"case_note": "不适用清单的，请写明立案或移送情况。"})
        finding.status = FindingStatus.TRANSFERRED
        finding.case_note = case_note.strip()[:300]
        finding.save()
    else:
        if letter_kind not in LetterKind.values:
            raise ValidationError({"letter_kind": "请选择要出具的文书。"})
        if rectification_due is None or rectification_due <= decided_on:
            raise ValidationError({"rectification_due": "改正期限须晚于处理日期。"})
        finding.letter_kind = letter_kind
        finding.rectification_due = rectification_due
        finding.status = FindingStatus.RECTIFYING
        finding.save()
        from core.documents import DocumentError, issue_document

        try:
            issue_document(letter_kind, _letter_context(finding, letter_kind), user=by, subject=finding,
                           office=finding.entity.office, on=decided_on)
        except DocumentError as exc:
            raise ValidationError(exc.message) from exc
    audit(actor=by, action=AuditAction.STATUS, target=finding,
          summary=f"登记事项问题处理（{finding.get_handling_display()}）：{finding}",
          changes=diff(before, model_values(finding, ["status", "letter_kind", "rectification_due"])))
    return finding


@transaction.atomic
def finding_rectify(*, finding: RegistrationFinding, rectified_on: date, note: str, by) -> RegistrationFinding:
    """Record that the entity corrected the matter (late corrections are kept and shown as late)."""
    finding = _lock(finding)
    if finding.status != FindingStatus.RECTIFYING:
        raise ValidationError(f"该问题当前为“{finding.get_status_display()}”，不能登记改正。")
    if rectified_on > _today() or rectified_on < finding.decided_on:
        raise ValidationError({"rectified_on": "改正日期须在处理日期与今天之间。"})
    if not (note or "").strip():
        raise ValidationError({"note": "请填写改正情况（如：已于某日办理变更登记）。"})
    finding.status = FindingStatus.RECTIFIED
    finding.rectified_on, finding.rectification_note = rectified_on, note.strip()
    finding.save()
    audit(actor=by, action=AuditAction.STATUS, target=finding, summary=f"登记改正：{finding}",
          changes={"status": [FindingStatus.RECTIFYING, FindingStatus.RECTIFIED]},
          extra={"late": rectified_on > finding.rectification_due})
    return finding


@transaction.atomic
def finding_close(*, finding: RegistrationFinding, by, on: date | None = None) -> RegistrationFinding:
    """办结 after the correction was verified (``on``: the day it was verified, default today)."""
    finding = _lock(finding)
    if finding.status != FindingStatus.RECTIFIED:
        raise ValidationError("只有已改正的问题才能办结。")
    on = on or _today()
    if on > _today() or on < finding.rectified_on:
        raise ValidationError("办结日期须在改正日期与今天之间。")
    finding.status = FindingStatus.CLOSED
    finding.closed_on = on
    finding.save()
    audit(actor=by, action=AuditAction.STATUS, target=finding, summary=f"办结登记事项问题：{finding}",
          changes={"status": [FindingStatus.RECTIFIED, FindingStatus.CLOSED]})
    return finding
