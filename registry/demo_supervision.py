"""The demo of 登记监管 for the seeded district: forced-deregistration cases at every step with member departments'
feedback (accounts tax, court, ziran, renshe, yibao), registration findings handled by the three lists with their
letters (some inside spot checks), unlicensed-operation cases with notifications and joint actions, the year's
assessment rules.

Deterministic and idempotent: choices come from ``random.Random(f"{seed}:supervision:…")`` over records sorted by
code, dates count back from the run's date, and each part is written only when its records are not there yet.
Everything goes through the services, so the audit trail and the documents are real.
"""
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from core.choices import DepartmentKind
from core.models import Department, Office, User

from . import dereg, three_lists, unlicensed
from .choices import RegistrationStatus
from .models import MarketEntity
from .supervision_choices import (
    DeregStatus,
    FeedbackAnswer,
    MissingKind,
    ObjectionOutcome,
    RegistrationMatter,
)
from .supervision_models import DeregCase, DeregRule, ListItem, RegistrationFinding, UnlicensedCase, UnlicensedRule

# Member departments' accounts for forced-deregistration feedback (tax is also the 双随机 demo's inspector account).
MEMBER_ACCOUNTS = (
    ("tax", "郑晓东", "CY01"),
    ("court", "苏雅琴", "CY02"),
    ("ziran", "柯志明", "CY03"),
    ("renshe", "洪丽娟", "CY04"),
    ("yibao", "骆建平", "CY05"),
)
# Departments responsible for permits often missing in unlicensed operation (members of the joint mechanism).
PERMIT_DEPARTMENTS = (
    ("CY06", "泉州市泉港区交通运输局"),
    ("CY07", "泉州市泉港区应急管理局"),
    ("CY08", "泉州市泉港区卫生健康局"),
    ("CY09", "泉州市泉港区文体旅游局"),
)
# (activity, missing, permit, department code or "" when the permit is the bureau's own)
UNLICENSED_KINDS = (
    ("小餐饮", MissingKind.BOTH, "食品经营许可证", ""),
    ("流动早餐摊点", MissingKind.LICENCE, "", ""),
    ("食杂店", MissingKind.LICENCE, "", ""),
    ("成品油零售", MissingKind.BOTH, "危险化学品经营许可证", "CY07"),
    ("化工原料仓储", MissingKind.PERMIT, "危险化学品经营许可证", "CY07"),
    ("货物运输", MissingKind.PERMIT, "道路运输经营许可证", "CY06"),
    ("诊所（口腔）", MissingKind.BOTH, "医疗机构执业许可证", "CY08"),
    ("KTV", MissingKind.PERMIT, "娱乐经营许可证", "CY09"),
    ("劳务派遣", MissingKind.PERMIT, "劳务派遣经营许可证", "CY04"),
    ("采砂", MissingKind.BOTH, "采矿许可证", "CY03"),
)
ROADS = ("驿峰东路", "驿峰中路", "朝阳路", "南埔大道", "界东路", "后龙街", "峰尾街", "涂岭路", "前黄街")
SURNAMES = "陈林黄刘郭庄张王李吴蔡杨许郑洪柯连肖苏曾"
MATTER_TEXT = {
    RegistrationMatter.ADDRESS: "实际经营场所已迁至{road}，未办理住所变更登记",
    RegistrationMatter.LEGAL_REP: "法定代表人已更换，未在规定期限内办理变更登记",
    RegistrationMatter.SCOPE: "实际从事的一般经营项目超出登记的经营范围，未办理变更登记",
    RegistrationMatter.FILING: "监事、财务负责人变动未办理备案",
    RegistrationMatter.LICENCE: "营业执照未置于经营场所醒目位置",
}

HANDLING_NOTES = {"guidance": "上门宣传政策，引导办理证照", "correction": "下达责令改正通知书",
                  "ban": "依法予以取缔，登记保存相关物品", "transfer": "移送许可主管部门处理"}


@dataclass
class SupervisionSeedSummary:
    candidates: int = 0
    dereg_moved: int = 0
    findings: int = 0
    unlicensed: int = 0
    notifications: int = 0


def ensure_member_accounts(password: str) -> dict[str, User]:
    """One account per member department (no bureau role: they see only what is addressed to them)."""
    accounts = {}
    for username, full_name, code in MEMBER_ACCOUNTS:
        department = Department.objects.filter(code=code).first()
        if department is None:
            continue
        user = User.objects.filter(username=username).first() or User(username=username)
        user.full_name, user.department, user.office = full_name, department, None
        user.is_active, user.is_staff, user.is_superuser = True, False, False
        user.set_password(password)
        user.save()
        user.groups.clear()
        accounts[code] = user
    for i, (code, name) in enumerate(PERMIT_DEPARTMENTS, start=20):
        Department.objects.get_or_create(code=code, defaults={"name": name, "kind": DepartmentKind.MEMBER,
                                                              "sort_order": i})
    return accounts


def ensure_rules(today: date) -> None:
    """The assessment rules of the demo year and the year before (as a bureau would enter them), and the member
    departments each forced-deregistration rule asks by default (tax, courts, natural resources, HR, insurance)."""
    asked = Department.objects.filter(code__in=[code for _u, _n, code in MEMBER_ACCOUNTS])
    for rule in DeregRule.objects.all():
        if not rule.feedback_departments.exists():
            rule.feedback_departments.set(asked)
    for year in (today.year - 1, today.year):
        UnlicensedRule.objects.get_or_create(year=year, defaults={
            "handling_workdays": 15, "target_handling_rate": Decimal("95"), "target_timely_rate": Decimal("90"),
            "basis": f"泉港区{year}年无证无照经营综合治理工作考核方案（演示）"})


def _member(code: str) -> Department:
    return Department.objects.get(code=code)


def seed_dereg(rng: random.Random, today: date, by, leader, accounts: dict) -> tuple[int, int]:
    """Screen the register, then move a batch of candidates through the pipeline to every step."""
    # The batch in progress was screened five months ago; today's screening adds the rest of the pool.
    earlier, _notes = dereg.candidates_screen(by=by, on=today - timedelta(days=150))
    pool = sorted(earlier, key=lambda c: c.entity.uscc)
    created, _notes = dereg.candidates_screen(by=by, on=today)
    if not pool or DeregCase.objects.exclude(status=DeregStatus.CANDIDATE).exists():
        return len(earlier) + len(created), 0
    batch = rng.sample(pool, min(16, len(pool)))
    members = [_member(code) for code in ("CY01", "CY02", "CY03", "CY04", "CY05")]
    t = lambda days: today - timedelta(days=days)  # noqa: E731
    plan = ["reminded"] * 3 + ["feedback_overdue"] * 2 + ["feedback_partial"] + ["statement"] * 2 \
        + ["announced"] * 2 + ["objection"] + ["ready"] + ["decided"] * 2 + ["terminated_objection"] \
        + ["terminated_self"]
    moved = 0
    for case, step in zip(batch, plan, strict=False):
        moved += 1
        if step == "terminated_self":
            dereg.case_send_reminder(case=case, sent_on=t(20), by=by)
            dereg.case_terminate(case=case, reason="催告期内当事人已申请简易注销", by=by)
            continue
        reminder_on = t(rng.randint(3, 25)) if step == "reminded" else t(rng.randint(130, 140))
        dereg.case_send_reminder(case=case, sent_on=reminder_on, by=by)
        if step == "reminded":
            continue
        asked_on = t(24) if step.startswith("feedback") else t(rng.randint(90, 98))
        rows = dereg.case_request_feedback(case=case, departments=members, requested_on=asked_on, by=by)
        answered = lambda asked=asked_on: min(today, asked + timedelta(days=rng.randint(2, 12)))  # noqa: E731
        if step == "feedback_overdue":
            # Tax (the demo's member account) and HR are overdue and chased: tax twice, so its list shows the 催办.
            for row in rows[1:3]:
                dereg.feedback_answer(feedback=row, answer=FeedbackAnswer.NO_OBJECTION, reason="",
                                      by=accounts.get(row.department.code), on=answered())
            for row, days in ((rows[0], 5), (rows[0], 2), (rows[3], 2)):
                if row.due_on < today - timedelta(days=days):
                    dereg.feedback_chase(feedback=row, by=by, on=today - timedelta(days=days))
            continue
        if step == "feedback_partial":
            dereg.feedback_answer(feedback=rows[0], answer=FeedbackAnswer.NO_OBJECTION, reason="",
                                  by=accounts.get("CY01"), on=answered())
            continue
        if step == "terminated_objection":
            for row in rows:
                objection = row.department.code == "CY01"
                dereg.feedback_answer(feedback=row, answer=FeedbackAnswer.OBJECTION if objection else
                                      FeedbackAnswer.NO_OBJECTION, reason="尚有欠缴税款及滞纳金未清缴" if objection
                                      else "", by=accounts.get(row.department.code), on=answered())
            dereg.case_terminate(case=case, reason="税务局反馈尚有欠缴税款，暂不强制注销", by=by)
            continue
        for row in rows:
            dereg.feedback_answer(feedback=row, answer=FeedbackAnswer.NO_OBJECTION, reason="",
                                  by=accounts.get(row.department.code), on=answered())
        notified = t(3) if step == "statement" else t(85)
        case = dereg.case_notify_statement(case=case, notified_on=notified, by=by)
        if step == "statement":
            continue
        start = {"announced": t(rng.randint(10, 40)), "objection": t(30)}.get(step, t(78))
        case = dereg.case_announce(case=case, start=start, media="国家企业信用信息公示系统", by=by)
        if step == "objection":
            dereg.case_record_objection(case=case, received_on=t(12), objector="原股东（委托代理人）",
                                        content="公司尚有对外债权未追回，请求暂缓强制注销", by=by)
            continue
        if step == "decided":
            if rng.random() < 0.5:
                objection = dereg.case_record_objection(case=case, received_on=t(60), objector="某供应商",
                                                        content="该公司尚欠货款", by=by)
                dereg.objection_handle(objection=objection, outcome=ObjectionOutcome.REJECTED,
                                       note="债权债务纠纷可另行主张，不影响强制注销", by=by)
            dereg.case_decide(case=case, decided_on=t(rng.randint(2, 8)), by=leader)
    return len(earlier) + len(created), moved


def seed_findings(rng: random.Random, today: date, by) -> int:
    """Registration findings: some inside spot checks, handled by the three lists to every state."""
    if RegistrationFinding.objects.exists():
        return 0
    from inspections.models import SpotCheck

    checks = list(SpotCheck.objects.filter(checked_on__isnull=False, result_code__in=["A", "D", "E"],
                                           checked_on__lt=today).select_related("entity").order_by("pk")[:6])
    active = list(MarketEntity.objects.filter(status=RegistrationStatus.ACTIVE).order_by("uscc")[:4000])
    matters = list(MATTER_TEXT)
    made = 0
    for i in range(22 if active else len(checks)):
        spot_check = checks[i] if i < len(checks) else None
        entity = spot_check.entity if spot_check else rng.choice(active)
        found_on = spot_check.checked_on if spot_check else today - timedelta(days=rng.randint(5, 200))
        matter = matters[i % len(matters)]
        finding = three_lists.finding_create(data={
            "entity": entity, "spot_check": spot_check, "source": "spot_check" if spot_check else rng.choice(
                ["routine", "routine", "complaint"]), "matter": matter,
            "description": MATTER_TEXT[matter].format(road=rng.choice(ROADS)), "found_on": found_on}, by=by)
        made += 1
        items = three_lists.items_for(finding)
        item = items.filter(matter=matter, kind="no_penalty").first() or items.filter(kind="lighter").first()
        if i % 7 == 6:
            continue  # recorded, waiting for the officer
        aggravating = i % 11 == 10
        finding = three_lists.finding_link_item(finding=finding, item=item, aggravating=aggravating,
                                                aggravating_note="经责令改正后仍拒不改正" if aggravating else "",
                                                by=by)
        decided_on = min(today, found_on + timedelta(days=rng.randint(1, 5)))
        if finding.handling == "case":
            three_lists.finding_decide(finding=finding, letter_kind="", rectification_due=None,
                                       case_note="已移送执法大队立案调查", by=by, decided_on=decided_on)
            continue
        due = three_lists.default_rectification_due(decided_on)
        three_lists.finding_decide(finding=finding, letter_kind=three_lists.default_letter(finding),
                                   rectification_due=due, case_note="", by=by, decided_on=decided_on)
        if due < today and i % 3 != 1:
            rectified = min(today, due - timedelta(days=rng.randint(0, 6)))
            finding = three_lists.finding_rectify(finding=finding, rectified_on=max(rectified, decided_on),
                                                  note="已办理变更登记（备案），现场核实一致", by=by)
            if i % 2 == 0:
                three_lists.finding_close(finding=finding, by=by,
                                          on=min(today, finding.rectified_on + timedelta(days=rng.randint(1, 3))))
    # One entity found twice within a year: the second finding is excluded from the lists.
    first = RegistrationFinding.objects.filter(spot_check__isnull=True).order_by("found_on", "pk").first()
    if first is not None:
        repeat_on = min(today, first.found_on + timedelta(days=120))
        repeat = three_lists.finding_create(data={
            "entity": first.entity, "source": "routine", "matter": first.matter,
            "description": "再次发现：" + first.description, "found_on": repeat_on}, by=by)
        item = ListItem.objects.filter(matter=first.matter, kind="no_penalty").order_by("-catalogue__year").first()
        if item is not None and three_lists.items_for(repeat).filter(pk=item.pk).exists():
            three_lists.finding_link_item(finding=repeat, item=item, aggravating=False, aggravating_note="", by=by)
        made += 1
    return made


def seed_unlicensed(rng: random.Random, today: date, by, accounts: dict) -> tuple[int, int]:
    """Cases of this year and last in every office, handled to every state, notified and answered."""
    if UnlicensedCase.objects.exists():
        return 0, 0
    offices = list(Office.objects.filter(is_active=True).order_by("sort_order", "code"))
    enterprises = list(MarketEntity.objects.filter(status=RegistrationStatus.ACTIVE, entity_type="enterprise",
                                                   industry_code__startswith="F51").order_by("uscc")[:200])
    made = notified = 0
    starts = [(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), 18),
              (date(today.year, 1, 1), today - timedelta(days=1), 26)]
    for first, last, count in starts:
        span = (last - first).days
        if span <= 0:
            continue
        for _ in range(count):
            activity, missing, permit, dept_code = rng.choice(UNLICENSED_KINDS)
            office = rng.choice(offices)
            discovered = first + timedelta(days=rng.randint(0, span))
            linked = missing == MissingKind.PERMIT and enterprises and rng.random() < 0.5
            entity = rng.choice(enterprises) if linked else None
            case = unlicensed.case_create(data={
                "office": entity.office if entity else office,
                "place": entity.address if entity else
                f"泉港区{office.name[:2]}{rng.choice(ROADS)}{rng.randint(1, 300)}号",
                "operator": entity.name if entity else rng.choice(SURNAMES) + "某",
                "activity": activity, "entity": entity, "missing": missing, "permit_name": permit,
                "responsible_department": _member(dept_code) if dept_code else None,
                "source": rng.choice(["patrol", "patrol", "complaint", "transfer", "spot_check"]),
                "discovered_on": discovered}, by=by)
            made += 1
            if dept_code and discovered < today - timedelta(days=1):
                sent = min(today, discovered + timedelta(days=rng.randint(1, 3)))
                notice = unlicensed.notification_send(case=case, department=_member(dept_code),
                                                      content=f"{case.place}的{case.operator}从事{activity}，"
                                                      f"未取得{permit}，请依职责处理并回复。", sent_on=sent, by=by)
                notified += 1
                account = accounts.get(dept_code)
                if account and rng.random() < 0.7:
                    acknowledged = min(today, sent + timedelta(days=rng.randint(0, 3)))
                    unlicensed.notification_acknowledge(notice=notice, by=account, on=acknowledged)
                    if rng.random() < 0.7:
                        unlicensed.notification_reply(
                            notice=notice, reply="已联系经营者，责令限期办理许可，将跟踪核查。", by=account,
                            on=min(today, acknowledged + timedelta(days=rng.randint(2, 16))))
            age = (today - discovered).days
            if age < 3 or rng.random() < 0.12:
                continue  # still 待处置
            handling = "transfer" if dept_code and rng.random() < 0.3 else rng.choice(
                ["guidance", "guidance", "correction", "ban"])
            handled = discovered + timedelta(days=rng.randint(0, 2))
            due = handled + timedelta(days=30) if handling in ("guidance", "correction") else None
            unlicensed.case_handle(case=case, handling=handling, handled_on=handled, correction_due=due,
                                   note=HANDLING_NOTES[handling], by=by)
            if age < 20 or rng.random() < 0.15:
                continue  # 处置中
            result = {"guidance": "licensed", "correction": rng.choice(["licensed", "ceased"]), "ban": "banned",
                      "transfer": "transferred"}[handling]
            closed = min(today, handled + timedelta(days=rng.randint(5, 40)))
            fine = {}
            if (handling == "correction" and missing != "permit" and due and (today - due).days > 3
                    and rng.random() < 0.35):
                # 逾期拒不改正: fined within the range in force (registry.0010's data, when it is there).
                late = due + timedelta(days=rng.randint(1, min(20, (today - due).days)))
                scale = unlicensed.fine_scale_for("refusal", late)
                if scale:
                    result, closed = "penalised", late
                    amount = max(scale.min_amount, min(scale.max_amount, Decimal(rng.choice([10, 15, 20, 30]) * 1000)))
                    fine = {"fine_severity": "refusal", "fine_amount": amount}
            unlicensed.case_close(case=case, result=result, closed_on=closed, note="", by=by, **fine)
    # Joint actions of this year with the cases they found.
    year_cases = list(UnlicensedCase.objects.filter(discovered_on__year=today.year).order_by("discovered_on"))
    if len(year_cases) >= 6:
        for title, cases, codes in (("石化园区周边危化品无证经营联合整治", year_cases[:3], ("CY07", "CY06")),
                                    ("城区校园周边无证无照经营专项整治", year_cases[3:6], ("CY08", "CY09"))):
            unlicensed.joint_action_create(data={
                "title": title, "held_on": max(c.discovered_on for c in cases),
                "place": cases[0].place[:20] + "一带",
                "lead_office": cases[0].office, "summary": "联合检查经营场所，现场登记无证无照经营行为并分类处置。"},
                departments=[_member(c) for c in codes], cases=cases, by=by)
    return made, notified


def seed_member_training(today: date, by) -> None:
    """A session for member units this year (业务培训, kind 成员单位培训), linked from the assessment page."""
    from training import services as training_services
    from training.models import TrainingSession

    day = today - timedelta(days=30)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    if TrainingSession.objects.filter(kind="member", date__year=today.year).exists():
        return
    from datetime import time

    training_services.session_create(data={
        "topic": "无证无照经营综合治理与强制注销协作机制培训", "kind": "member", "lecturer": "区市场监管局登记注册股",
        "date": day, "start_time": time(9, 0), "end_time": time(11, 0), "hours": Decimal("2.0"),
        "place": "区市场监管局三楼会议室", "audience": "成员单位业务人员",
        "description": "信息抄告与回复、联合执法、强制注销征求意见的办理要求。"}, by=by)


def seed_supervision(*, seed: int, today: date, password: str,
                     progress: Callable[[str], None] | None = None) -> SupervisionSeedSummary:
    """The demo district's registration supervision (idempotent)."""
    summary = SupervisionSeedSummary()
    users = {name: User.objects.filter(username=name).first() for name in ("credit", "office", "leader")}
    if not all(users.values()):
        return summary
    with transaction.atomic():
        accounts = ensure_member_accounts(password)
        ensure_rules(today)
        summary.candidates, summary.dereg_moved = seed_dereg(random.Random(f"{seed}:supervision:dereg"), today,
                                                             users["credit"], users["leader"], accounts)
        summary.findings = seed_findings(random.Random(f"{seed}:supervision:findings"), today, users["credit"])
        summary.unlicensed, summary.notifications = seed_unlicensed(
            random.Random(f"{seed}:supervision:unlicensed"), today, users["credit"], accounts)
        seed_member_training(today, users["credit"])
    if progress:
        progress(f"登记监管：强制注销候选新增 {summary.candidates} 户，推进办理 {summary.dereg_moved} 件；"
                 f"登记事项问题 {summary.findings} 条；无证无照案件 {summary.unlicensed} 件、"
                 f"信息抄告 {summary.notifications} 件；"
                 f"成员单位演示账号 {'、'.join(a[0] for a in MEMBER_ACCOUNTS)}")
    return summary

