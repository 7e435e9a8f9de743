"""Demo listing cases, penalty publicity and credit-repair cases for the seeded district, in every state.

Everything is written through the services (so the deadlines, documents and audit records are the real ones),
with dates counted back from ``today``: some steps are on time, some overdue. The entities are the first active
ones of each type (by code, in the demo user's office first) that have no listing case yet, so the result is the
same on every run; a second run finds its marker and adds nothing.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from core.models import Department, Office, User
from registry.choices import EntityType, RegistrationStatus
from registry.models import MarketEntity

from . import listings as svc
from . import penalties as pen
from . import repair as rep
from .choices import ListingReason, RepairKind
from .models import ListingCase

MARKER = "演示数据"
ENTERPRISES_NEEDED, INDIVIDUALS_NEEDED = 25, 5  # the distinct entities the cases below use


@dataclass
class ListingSeedSummary:
    listings: int = 0
    penalties: int = 0
    repairs: int = 0
    skipped: bool = False
    notes: list = field(default_factory=list)


class _Picker:
    """Hands out distinct entities of a type, the demo office's first."""

    def __init__(self, office: Office | None):
        taken = ListingCase.objects.values("entity_id")
        base = (MarketEntity.objects.filter(status=RegistrationStatus.ACTIVE).exclude(pk__in=taken)
                .exclude(penalty_records__isnull=False))
        self.pools = {}
        for entity_type in (EntityType.ENTERPRISE, EntityType.INDIVIDUAL):
            qs = base.filter(entity_type=entity_type)
            own = list(qs.filter(office=office).order_by("uscc")[:40]) if office else []
            others = list(qs.exclude(pk__in=[e.pk for e in own]).order_by("uscc")[:40])
            self.pools[entity_type] = own + others

    def __call__(self, entity_type=EntityType.ENTERPRISE) -> MarketEntity:
        pool = self.pools[entity_type]
        if not pool:
            raise LookupError("演示市场主体不足")
        return pool.pop(0)


def _listed(entity, reason, *, occurred: date, by, reviewer, source="staff", note=""):
    case = svc.open_trigger(entity, reason, source=source, occurred_on=occurred, user=by, source_ref=MARKER,
                            note=note)
    case = svc.listing_remind(case=case, by=by, on=occurred + timedelta(days=1), channel="phone",
                              note="电话告知列入事由和改正方式")
    case = svc.listing_propose(case=case, by=by, on=case.buffer_until + timedelta(days=1),
                               note="缓冲期届满，事由仍未消除")
    return svc.listing_approve(case=case, by=reviewer, on=case.buffer_until + timedelta(days=3))


def _penalty(entity, n: int, *, decided: date, kind: str, by, domain="general", violation="虚假宣传",
             published: date | None = None, fine=None):
    record = pen.penalty_record_create(
        entity=entity, decision_no=f"泉港市监罚〔{decided.year}〕{n}号（演示）", decided_on=decided, kind=kind,
        domain=domain, violation=violation, authority="泉州市泉港区市场监督管理局", by=by, fine_amount=fine,
        note=MARKER)
    if published:
        record = pen.penalty_publish(record=record, by=by, on=published)
    return record


def seed_listings(*, today: date, progress: Callable[[str], None] | None = None) -> ListingSeedSummary:
    """Write the demo cases (idempotent: nothing is added when the marker's cases exist)."""
    summary = ListingSeedSummary()
    if ListingCase.objects.filter(source_ref=MARKER).exists():
        summary.skipped = True
        if progress:
            progress("列异列严、行政处罚公示、信用修复：演示数据已存在，跳过")
        return summary
    office_user = User.objects.filter(username="office").first()
    section = User.objects.filter(username="credit").first()
    leader = User.objects.filter(username="leader").first()
    if not (office_user and section and leader):
        raise LookupError("请先生成演示账号（seed_demo）")
    pick = _Picker(office_user.office)
    if len(pick.pools[EntityType.ENTERPRISE]) < ENTERPRISES_NEEDED or len(
            pick.pools[EntityType.INDIVIDUAL]) < INDIVIDUALS_NEEDED:
        summary.skipped = True
        if progress:
            progress("列异列严、行政处罚公示、信用修复：演示名录中的市场主体不足，未生成演示案件")
        return summary
    departments = list(Department.objects.filter(kind="member").order_by("sort_order", "code")[:2])
    t = today

    def d(days: int) -> date:
        return t - timedelta(days=days)

    with transaction.atomic():
        # ---- abnormal list and individual marks, before listing ------------------------------------------------
        svc.open_trigger(pick(), ListingReason.UNREACHABLE, source="spot_check", occurred_on=d(1), user=office_user,
                         source_ref=MARKER, note="双随机抽查：通过登记的住所无法联系")
        svc.open_trigger(pick(), ListingReason.INSTANT_INFO, source="staff", occurred_on=d(20), user=office_user,
                         source_ref=MARKER, note="责令期限届满仍未公示股东出资信息")  # reminder overdue
        svc.open_trigger(pick(EntityType.INDIVIDUAL), ListingReason.UNREACHABLE, source="staff", occurred_on=d(2),
                         user=office_user, source_ref=MARKER, note="经营场所已关闭，电话无人接听")
        for days in (4, 7):
            case = svc.open_trigger(pick(), ListingReason.UNREACHABLE, source="spot_check", occurred_on=d(days + 1),
                                    user=office_user, source_ref=MARKER, note="双随机抽查结果：无法联系")
            svc.listing_remind(case=case, by=office_user, on=d(days), channel="sms", note="短信提醒办理住所变更")
        case = svc.open_trigger(pick(), ListingReason.FALSE_INFO, source="staff", occurred_on=d(70), user=office_user,
                                source_ref=MARKER, note="年报公示的从业人数与社保登记不符")
        svc.listing_remind(case=case, by=office_user, on=d(69), channel="visit", note="上门送达提醒提示函")  # overdue
        case = svc.open_trigger(pick(), ListingReason.UNREACHABLE, source="staff", occurred_on=d(40),
                                user=office_user, source_ref=MARKER, note="信函退回，实地核查无此企业")
        case = svc.listing_remind(case=case, by=office_user, on=d(39), channel="mail")
        svc.listing_propose(case=case, by=office_user, on=case.buffer_until + timedelta(days=1),
                            note="缓冲期届满仍无法联系，拟列入经营异常名录")
        for entity in (pick(), pick(EntityType.INDIVIDUAL)):  # cured during the buffer: closed, never listed
            case = svc.open_trigger(entity, ListingReason.UNREACHABLE, source="staff", occurred_on=d(30),
                                    user=office_user, source_ref=MARKER)
            svc.listing_remind(case=case, by=office_user, on=d(29), channel="phone")
            svc.cure(entity, ListingReason.UNREACHABLE, cured_on=d(25), source="staff", user=office_user,
                     note="已办理住所变更登记，可以联系")
        summary.listings += 10

        # ---- listed and marked, objections, removal ------------------------------------------------------------
        listed = [_listed(pick(), reason, occurred=d(days), by=office_user, reviewer=section)
                  for reason, days in ((ListingReason.UNREACHABLE, 150), (ListingReason.INSTANT_INFO, 120),
                                       (ListingReason.FALSE_INFO, 90), (ListingReason.UNREACHABLE, 60),
                                       (ListingReason.UNREACHABLE, 200), (ListingReason.UNREACHABLE, 110))]
        marked = [_listed(pick(EntityType.INDIVIDUAL), ListingReason.UNREACHABLE, occurred=d(days), by=office_user,
                          reviewer=section) for days in (80, 130, 100)]
        summary.listings += 9
        svc.objection_receive(case=listed[3], by=office_user, received_on=listed[3].listed_on + timedelta(days=5),
                              grounds="企业称已在原住所恢复经营，可以联系")
        objection = svc.objection_receive(case=marked[0], by=office_user,
                                          received_on=marked[0].listed_on + timedelta(days=3),
                                          grounds="经营者称经营场所未变更，抽查当日临时外出")
        svc.objection_accept(objection=objection, by=office_user, on=objection.received_on + timedelta(days=1))
        objection = svc.objection_receive(case=listed[1], by=office_user,
                                          received_on=listed[1].listed_on + timedelta(days=4),
                                          grounds="企业称已在公示系统公示股东出资信息")
        svc.objection_accept(objection=objection, by=office_user, on=objection.received_on + timedelta(days=1))
        svc.objection_conclude(objection=objection, by=section, on=objection.received_on + timedelta(days=6),
                               upheld=False, conclusion="经核查，企业在责令期限届满后才公示有关信息，列入事由成立")

        # ---- serious list: candidates from the three-year rule, a procedure in progress, one listed ------------
        old_soon = _listed(pick(), ListingReason.UNREACHABLE, occurred=d(3 * 365 - 20), by=office_user,
                           reviewer=section)  # in the 60 days before its third anniversary: a candidate
        old_due = _listed(pick(), ListingReason.UNREACHABLE, occurred=d(3 * 365 + 45), by=office_user,
                          reviewer=section)
        serious = svc.serious_open(entity=old_due.entity, reason=ListingReason.THREE_YEARS, by=section,
                                   occurred_on=svc.third_anniversary(old_due), source_listing=old_due,
                                   note="列入经营异常名录届满三年仍未办理住所变更")
        svc.serious_notify(case=serious, by=section, on=min(t, serious.occurred_on + timedelta(days=2)),
                           channel="mail", note="邮寄送达告知书")
        entity = pick()
        serious = svc.serious_open(entity=entity, reason=ListingReason.SERIOUS_OTHER, by=section, occurred_on=d(60),
                                   note="因生产销售不符合食品安全标准的食品受到较重行政处罚")
        serious = svc.serious_notify(case=serious, by=section, on=d(58), channel="visit")
        serious = svc.serious_statement(case=serious, by=section, statement="当事人称已全面整改，请求不予列入",
                                        hearing_requested=True)
        serious = svc.serious_hearing(case=serious, by=section, held_on=d(45), note="听证会依法举行，当事人到场陈述")
        svc.serious_approve(case=serious, by=section, approved_on=d(30), authority="泉州市市场监督管理局",
                            approver="王建国", document=f"泉市监信函〔{d(30).year}〕12号")
        summary.listings += 4
        summary.notes.append(f"列严候选：{old_soon.entity.name}")

        # ---- penalty publicity -----------------------------------------------------------------------------------
        food, general, special = pick(), pick(), pick()
        penalties = [
            _penalty(general, 901, decided=d(300), kind="fine", by=office_user, published=d(290),
                     fine=Decimal("30000")),
            _penalty(food, 902, decided=d(250), kind="low_fine", by=office_user, domain="food", published=d(245),
                     violation="销售超过保质期的食品", fine=Decimal("2000")),
            _penalty(special, 903, decided=d(230), kind="fine", by=office_user, domain="special_equipment",
                     published=d(225), violation="使用未经定期检验的特种设备", fine=Decimal("50000")),
            _penalty(food, 904, decided=d(400), kind="confiscation", by=office_user, domain="food", published=d(395),
                     violation="经营标签不符合规定的食品", fine=Decimal("8000")),
            _penalty(pick(), 905, decided=d(10), kind="fine", by=office_user, fine=Decimal("15000")),
            _penalty(pick(), 906, decided=d(45), kind="criticism", by=office_user),  # publication overdue
            _penalty(pick(), 907, decided=d(20), kind="warning", by=office_user),  # warnings are not published
            _penalty(pick(), 908, decided=d(200), kind="suspension", by=office_user, published=d(196),
                     violation="无证生产"),
        ]
        revoked = _penalty(pick(), 909, decided=d(90), kind="fine", by=office_user, published=d(85),
                           fine=Decimal("10000"))
        pen.penalty_revoke(record=revoked, by=office_user, revoked_on=d(12), note="经行政复议撤销")  # overdue
        withdrawn = _penalty(pick(), 910, decided=d(150), kind="fine", by=office_user, published=d(140))
        withdrawn = pen.penalty_revoke(record=withdrawn, by=office_user, revoked_on=d(60), note="经行政诉讼判决撤销")
        pen.penalty_withdraw(record=withdrawn, by=office_user, on=d(59))
        pen.penalty_end_expired(on=t, by=office_user)  # the short publicity of the criticism/low fine ran out
        summary.penalties += len(penalties) + 2

        # ---- credit repair in every state --------------------------------------------------------------------
        def receive(target, kind, applied: date, materials, channel="counter"):
            return rep.repair_receive(entity=target.entity, kind=kind, target=target, channel=channel,
                                      applied_on=applied, applicant=target.entity.legal_rep or "委托代理人",
                                      contact="0595-87" + target.entity.uscc[-6:-1], by=office_user,
                                      materials=materials)

        full = ["application", "pledge", "address"]
        # received, acceptance due soon; and one overdue
        svc.cure(listed[0].entity, listed[0].reason, cured_on=d(1), source="staff", user=office_user,
                 note="已办理住所变更登记")  # waiting for removal: its repair case is opened with it
        receive(listed[1], RepairKind.ABNORMAL, d(12), ["application", "pledge"], channel="post")
        # accepted, waiting for review; reviewed, decision overdue
        case = receive(listed[2], RepairKind.ABNORMAL, d(3), ["application", "pledge", "info_corrected"])
        rep.repair_accept(case=case, by=office_user, on=d(2))
        case = receive(marked[1], RepairKind.INDIVIDUAL, d(15), full, channel="online")
        case = rep.repair_accept(case=case, by=office_user, on=d(14))
        rep.repair_review(case=case, by=office_user, on=d(13), opinion="经营者已提交经营场所租赁合同，核查属实")
        # approved, removal pending
        case = receive(marked[2], RepairKind.INDIVIDUAL, d(6), full)
        case = rep.repair_accept(case=case, by=office_user, on=d(5))
        case = rep.repair_review(case=case, by=office_user, on=d(5), opinion="实地核查，经营场所可以联系")
        rep.repair_decide(case=case, by=leader, on=d(4), repaired=True, reason="标记事由已消除，符合恢复条件")
        # closed: repaired, removed, notified, shared
        case = receive(listed[4], RepairKind.ABNORMAL, d(40), full)
        case = rep.repair_accept(case=case, by=office_user, on=d(39))
        case = rep.repair_review(case=case, by=office_user, on=d(38), opinion="已办理住所变更登记")
        case = rep.repair_decide(case=case, by=leader, on=d(37), repaired=True, reason="列入事由已消除")
        case = rep.repair_effect(case=case, by=office_user, on=d(36))
        case = rep.repair_notify(case=case, by=office_user, on=d(35), channel="sms")
        if departments:
            rep.repair_share(case=case, by=office_user, on=d(34), departments=departments)
        # refused after review, notified and closed
        case = receive(listed[5], RepairKind.ABNORMAL, d(25), full)
        case = rep.repair_accept(case=case, by=office_user, on=d(24))
        case = rep.repair_review(case=case, by=office_user, on=d(23),
                                 opinion="实地核查仍无法联系，提交的租赁合同已到期")
        case = rep.repair_decide(case=case, by=leader, on=d(22), repaired=False, reason="列入事由尚未消除")
        rep.repair_notify(case=case, by=office_user, on=d(21), channel="mail")
        # penalty publicity: repaired early (general domain, 6 months elapsed), and one never repairable
        case = receive(penalties[0], RepairKind.PENALTY, d(30), ["application", "pledge", "penalty_done",
                                                                  "harm_removed"], channel="online")
        case = rep.repair_accept(case=case, by=office_user, on=d(29))
        case = rep.repair_review(case=case, by=office_user, on=d(25), opinion="罚款已缴纳，违法广告已撤除")
        case = rep.repair_decide(case=case, by=leader, on=d(20), repaired=True, reason="符合提前停止公示条件")
        case = rep.repair_effect(case=case, by=office_user, on=d(19))
        rep.repair_notify(case=case, by=office_user, on=d(18), channel="online")
        case = receive(penalties[7], RepairKind.PENALTY, d(9), ["application", "pledge", "penalty_done"])
        rep.repair_refuse_acceptance(case=case, by=office_user, on=d(8),
                                     reason="责令停产停业的行政处罚信息不得申请提前停止公示")
        summary.repairs += 9

    if progress:
        progress(f"列异列严：演示案件 {summary.listings} 件；行政处罚公示 {summary.penalties} 件；"
                 f"信用修复 {summary.repairs} 件（含逾期的步骤）")
    return summary

