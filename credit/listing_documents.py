"""The standard documents of listing cases and repair cases, issued through core.documents.

Each transition that hands the entity a document (the reminder, the listing decision or mark notice, the serious
list's notice and decision, the removal decision, the repair case's notices and decisions) calls one function here
inside its own transaction, so that a transition whose document cannot be issued (a template switched off, a
placeholder an administrator made required) changes nothing and the user reads why.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError

from core.documents import DocumentError, chinese_date, documents_for, issue_document

from .choices import ListingKind, ListingReason, RepairKind

ABNORMAL_BASIS = "《企业信息公示暂行条例》《企业经营异常名录管理暂行办法》"
INDIVIDUAL_BASIS = "《个体工商户年度报告暂行办法》"
SERIOUS_BASIS = "《市场监督管理严重违法失信名单管理办法》"
REPAIR_BASIS = "《市场监督管理信用修复管理办法》"
PENALTY_BASIS = "《市场监督管理信用修复管理办法》《市场监督管理行政处罚信息公示规定》"

# What the entity did or failed to do, as a clause after 经查， (no final 。: the templates add it).
FACTS = {
    ListingReason.ANNUAL_REPORT: "你（单位）未在规定期限内报送上一年度年度报告",
    ListingReason.INSTANT_INFO: "你（单位）未在责令的期限内公示有关即时信息",
    ListingReason.FALSE_INFO: "你（单位）公示的信息隐瞒真实情况、弄虚作假",
    ListingReason.UNREACHABLE: "通过你（单位）登记的住所（经营场所）无法联系",
    ListingReason.THREE_YEARS: "你（单位）被列入经营异常名录届满三年仍未履行相关义务",
}
REMEDY = {
    ListingReason.ANNUAL_REPORT: "通过国家企业信用信息公示系统补报年度报告",
    ListingReason.INSTANT_INFO: "依法公示有关即时信息",
    ListingReason.FALSE_INFO: "更正公示信息",
    ListingReason.UNREACHABLE: "办理住所（经营场所）变更登记，或者向本局说明可以通过登记的住所联系",
}


def _clause(text: str) -> str:
    return (text or "").strip().rstrip("。；;.")


def _entity(entity) -> dict:
    return {"entity_name": entity.name, "uscc": entity.uscc, "legal_rep": entity.legal_rep,
            "address": entity.address}


def _contact(office) -> str:
    return f"{office.name}（{office.phone}）" if office and office.phone else (office.name if office else "")


def _issue(code: str, context: dict, *, by, subject, office, on):
    try:
        return issue_document(code, context, user=by, subject=subject, office=office, on=on)
    except DocumentError as exc:
        raise ValidationError(f"文书未能生成，本次操作未保存：{exc.message}")


def _facts(case) -> str:
    if case.reason == ListingReason.SERIOUS_OTHER:
        return _clause(case.note) or "你（单位）存在严重违法失信行为"
    fact = FACTS[case.reason]
    if case.kind == ListingKind.INDIVIDUAL_ABNORMAL:
        fact = fact.replace("（单位）", "（户）")
    return fact


def _basis(case) -> str:
    return {ListingKind.ABNORMAL: ABNORMAL_BASIS, ListingKind.INDIVIDUAL_ABNORMAL: INDIVIDUAL_BASIS,
            ListingKind.SERIOUS: SERIOUS_BASIS}[case.kind]


def issue_for_listing(case, code: str, by, on):
    """Issue the listing step's document (code: a core.documents template) for the case."""
    context = _entity(case.entity)
    if code == "listing_reminder":
        context.update(problem=_facts(case).replace("你（单位）", "").replace("你（户）", "") or _facts(case),
                       legal_basis=_basis(case), cure_deadline=case.buffer_until,
                       remedy_hint=REMEDY.get(case.reason, ""), contact=_contact(case.office))
    elif code in ("abnormal_listing_decision", "individual_abnormal_notice"):
        context.update(facts=_facts(case), reasons=case.get_reason_display(), legal_basis=_basis(case))
    elif code in ("abnormal_removal_decision", "individual_abnormal_restore_decision", "serious_removal_decision"):
        context.update(listing_date=case.listed_on, listing_reasons=case.get_reason_display(),
                       listing_number=case.decision_no, removal_reasons=_clause(case.removal_reason),
                       legal_basis=_basis(case))
    elif code == "serious_listing_notice":
        context.update(facts=_facts(case), reasons=case.get_reason_display(), legal_basis=SERIOUS_BASIS,
                       statement_deadline=case.statement_due, contact=_contact(case.office))
    elif code == "serious_listing_decision":
        from core.workdays import rule_for

        rule = rule_for("serious_list_publicity", case.listed_on)
        statement = ""
        if case.statement or case.hearing_requested:
            statement = "你（单位）在规定期限内" + "，".join(filter(None, [
                "提出了陈述、申辩" if case.statement else "",
                f"要求听证，本局于{chinese_date(case.hearing_on)}举行了听证" if case.hearing_on else "",
            ])) + "，本局已依法复核。"
        context.update(facts=_facts(case), reasons=case.get_reason_display(), legal_basis=SERIOUS_BASIS,
                       listing_term=f"{rule.amount}{rule.get_unit_display()}", statement_summary=statement,
                       approval=f"本决定已报经{case.superior_authority}批准（{case.superior_document}）")
    else:
        raise ValueError(f"unknown listing document {code}")
    return _issue(code, context, by=by, subject=case, office=case.office, on=on)


REMOVAL_DOCUMENT = {ListingKind.ABNORMAL: "abnormal_removal_decision",
                    ListingKind.INDIVIDUAL_ABNORMAL: "individual_abnormal_restore_decision",
                    ListingKind.SERIOUS: "serious_removal_decision"}
LISTING_WHAT = {ListingKind.ABNORMAL: "列入经营异常名录", ListingKind.INDIVIDUAL_ABNORMAL: "标记为经营异常状态"}
OBJECTION_MEASURE = {ListingKind.ABNORMAL: "撤销将你（单位）列入经营异常名录的决定，将你（单位）移出经营异常名录",
                     ListingKind.INDIVIDUAL_ABNORMAL: "撤销对你（户）的经营异常状态标记，恢复为正常记载状态"}


def _finding(text: str) -> str:
    """A verification's conclusion as the clause after the template's 经核实，/经审查，(a leading one is dropped)."""
    text = _clause(text)
    for lead in ("经核实，", "经核查，", "经审查，", "经核实,", "经核查,", "经审查,"):
        if text.startswith(lead):
            return text[len(lead):]
    return text


def issue_for_objection(objection, code: str, by, on):
    """Issue the objection's outcome (不予受理, 异议成立 → 撤销, 异议不成立 → 维持) for its listing case."""
    case = objection.case
    context = _entity(case.entity)
    context.update(addressee="你（户）" if case.kind == ListingKind.INDIVIDUAL_ABNORMAL else "你（单位）",
                   listing_what=LISTING_WHAT[case.kind], listing_date=case.listed_on,
                   listing_number=case.decision_no, received_date=objection.received_on,
                   legal_basis=_basis(case))
    if code == "listing_objection_refusal_notice":
        context.update(reasons=_finding(objection.conclusion))
    elif code == "listing_objection_upheld_decision":
        context.update(conclusion=_finding(objection.conclusion), measure=OBJECTION_MEASURE[case.kind])
    elif code == "listing_objection_rejected_notice":
        context.update(conclusion=_finding(objection.conclusion))
    else:
        raise ValueError(f"unknown objection document {code}")
    return _issue(code, context, by=by, subject=case, office=case.office, on=on)


def _repair_item(case) -> str:
    if case.kind == RepairKind.PENALTY:
        p = case.penalty
        return f"行政处罚决定书 {p.decision_no}（{p.get_kind_display()}，{p.violation}）的公示信息"
    listing = case.listing
    where = {ListingKind.ABNORMAL: "经营异常名录", ListingKind.INDIVIDUAL_ABNORMAL: "经营异常状态标记",
             ListingKind.SERIOUS: "严重违法失信名单"}[listing.kind]
    return f"因“{listing.get_reason_display()}”于{chinese_date(listing.listed_on)}列入的{where}"


MEASURE = {
    RepairKind.ABNORMAL: "将你（单位）移出经营异常名录",
    RepairKind.INDIVIDUAL: "将你（户）恢复为正常记载状态",
    RepairKind.SERIOUS: "将你（单位）提前移出严重违法失信名单",
    RepairKind.PENALTY: "提前停止公示你（单位）的上述行政处罚信息",
}


def issue_for_repair(case, code: str, by, on):
    """Issue the repair step's document for the case."""
    context = _entity(case.entity)
    context.update(apply_date=case.applied_on, repair_kind=case.get_kind_display(), repair_item=_repair_item(case))
    basis = PENALTY_BASIS if case.kind == RepairKind.PENALTY else REPAIR_BASIS
    if code == "repair_acceptance_notice":
        context.update(decide_deadline=case.decision_due, contact=_contact(case.office))
    elif code == "repair_refusal_notice":
        context.update(reasons=_clause(case.acceptance_reason), legal_basis=basis)
    elif code == "repair_decision":
        acceptance = (documents_for(case).filter(template_version__template__code="repair_acceptance_notice")
                      .values_list("number", flat=True).first() or "")
        context.update(acceptance_number=acceptance, findings=_clause(case.review_opinion or case.decision_reason),
                       legal_basis=basis, measure=MEASURE[case.kind])
    elif code == "repair_refusal_decision":
        context.update(findings=_clause(case.review_opinion), reasons=_clause(case.decision_reason), legal_basis=basis)
    else:
        raise ValueError(f"unknown repair document {code}")
    return _issue(code, context, by=by, subject=case, office=case.office, on=on)
