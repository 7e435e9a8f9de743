"""The demo year of 双随机、一公开 for the seeded district: the one list and two libraries, the year's plan with
differentiated, professional-domain, joint and control-sample tasks, draws, and checks in every state.

Deterministic and idempotent: everything comes from ``random.Random(f"{seed}:…")`` and the run's date; items,
inspectors and users are keyed by code or user name, the plan by year, tasks by name, and a check is only moved
on while it is still 未录入, so a second run changes nothing. Demo draws use a seed derived from the demo seed
(a real draw takes 32 random bytes) so that the same demo gives the same draws; each still has its certificate
and verifies. Work goes through the services, so the audit trail is real.
"""
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from core.models import Department, Office, User
from credit.models import RiskDomain
from registry.models import MarketEntity

from . import services
from .choices import CheckStatus, DrawStatus, TaskKind
from .models import CheckItem, Inspector, InspectorConflict, JointVisit, Plan, SpotCheck, Task
from .services.draws import draw_compute, draw_write

# (code, name, legal basis, content, method, department code, kind, domain code)
ITEMS = (
    ("SC-QY-001", "企业公示信息情况的检查", "《企业信息公示暂行条例》第十四条、第十八条",
     "年度报告、即时信息公示的真实性、及时性", "书面检查、实地核查、网络监测", "KS04", "key", None),
    ("SC-DJ-001", "市场主体登记事项的检查", "《市场主体登记管理条例》第三十八条",
     "住所（经营场所）、经营范围、法定代表人等登记事项", "实地核查", "KS03", "key", None),
    ("SC-SP-001", "食品经营许可和备案管理的检查", "《中华人民共和国食品安全法》第三十五条、第一百二十二条",
     "许可证有效性、经营条件、进货查验记录", "实地核查", "KS06", "key", "food"),
    ("SC-TZ-001", "特种设备使用单位的检查", "《中华人民共和国特种设备安全法》第三十二条至第四十一条",
     "使用登记、定期检验、作业人员持证", "实地核查", "KS07", "key", "special_equipment"),
    ("SC-GY-001", "重要工业产品生产许可获证企业的检查", "《中华人民共和国工业产品生产许可证管理条例》第三十四条",
     "生产条件、检验能力、证书使用", "实地核查、抽样检验", "KS05", "general", "industrial_products"),
    ("SC-SB-001", "商标使用行为的检查", "《中华人民共和国商标法》第四十三条、第四十九条", "注册商标使用、商标标识印制",
     "实地核查", "KS08", "general", None),
    ("SW-001", "纳税申报及发票使用情况的检查", "《中华人民共和国税收征收管理法》第二十五条", "纳税申报、发票领用与开具",
     "书面检查", "CY01", "general", None),
    ("RS-001", "劳动用工及社会保险参保情况的检查", "《劳动保障监察条例》第十一条", "劳动合同签订、社会保险参保缴费",
     "书面检查、实地核查", "CY04", "general", None),
)
SURNAMES = "陈林黄刘郭庄张王李吴蔡杨许郑洪柯连肖苏曾"
GIVEN = "志建国明华伟强文军平辉俊杰振德荣海清福金水生春秀美丽玲燕芳英红婷"
CONFLICT_REASONS = ("配偶在该企业任职", "近三年曾在该企业任职", "近亲属为该企业股东", "与该企业负责人有利害关系")
PROBLEM_CODES_CYCLE = ("A", "B", "6", "D", "E")
MEMBER_USER = ("tax", "郑晓东", "CY01")  # a member department's inspector account


@dataclass
class InspectionSeedSummary:
    year: int = 0
    items: int = 0
    inspectors: int = 0
    conflicts: int = 0
    tasks: int = 0
    draws: int = 0
    checks: int = 0
    results: int = 0
    visits: int = 0


def demo_year(today: date) -> int:
    """The year the demo plan covers: this year once enough of it has passed for every state, else last year."""
    return today.year if today >= date(today.year, 4, 15) else today.year - 1


def _rng(seed: int, what: str) -> random.Random:
    return random.Random(f"{seed}:inspections:{what}")


def _at(day: date, hour: int = 9, minute: int = 30) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def ensure_items(year: int) -> dict[str, CheckItem]:
    departments = {d.code: d for d in Department.objects.all()}
    domains = {d.code: d for d in RiskDomain.objects.all()}
    items = {}
    for code, name, basis, content, method, dept, kind, domain in ITEMS:
        item = CheckItem.objects.filter(code=code).first()
        if item is None:
            item = services.check_item_create(data={
                "code": code, "name": name, "legal_basis": basis, "content": content, "method": method,
                "department": departments[dept], "kind": kind, "domain": domains.get(domain),
                "valid_from": date(year - 1, 1, 1)}, by=None)
        items[code] = item
    first = items["SC-QY-001"]
    if first.version == 1:  # 动态调整: the list's history shows a revision
        services.check_item_revise(item=first, data={
            "content": "年度报告、即时信息公示的真实性、及时性；公示信息与登记信息的一致性",
            "valid_from": date(year, 1, 1)}, note="按省局年度抽查事项清单调整检查内容", by=None)
        items["SC-QY-001"] = CheckItem.objects.get(pk=first.pk)
    return items


def _person(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        if name not in used:
            used.add(name)
            return name


def ensure_member_user(password: str) -> User:
    username, full_name, dept = MEMBER_USER
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
    user.full_name, user.department = full_name, Department.objects.get(code=dept)
    user.is_active, user.is_staff, user.is_superuser = True, False, False
    user.set_password(password)
    user.save()
    user.groups.clear()
    return user


def ensure_inspectors(seed: int, items: dict, member_user: User) -> list[Inspector]:
    """Four inspectors per office, the brigade, two sections, and the tax and HR departments' inspectors."""
    rng = _rng(seed, "inspectors")
    used = set(Inspector.objects.values_list("name", flat=True))
    general = [items["SC-QY-001"], items["SC-DJ-001"], items["SC-SB-001"]]
    specs = []
    for office in Office.objects.filter(is_active=True).order_by("sort_order", "code"):
        for n in range(1, 5):
            extra = [items["SC-SP-001"]] if n <= 2 else [items["SC-GY-001"]]
            specs.append((f"ZF-{office.code}-{n:02d}", office, None, general + extra))
    brigade = Department.objects.get(code="DD01")
    for n in range(1, 7):
        specs.append((f"ZF-DD01-{n:02d}", None, brigade, general + [items["SC-TZ-001"], items["SC-GY-001"],
                                                                    items["SC-SP-001"]]))
    for code in ("KS04", "KS06"):
        dept = Department.objects.get(code=code)
        for n in range(1, 3):
            specs.append((f"ZF-{code}-{n:02d}", None, dept, general + [items["SC-SP-001"]]))
    for code, item in (("CY01", "SW-001"), ("CY04", "RS-001")):
        dept = Department.objects.get(code=code)
        for n in range(1, 4):
            specs.append((f"{code}-JC-{n:02d}", None, dept, [items[item]]))
    office_user = User.objects.filter(username="office").first()
    inspectors = []
    for number, (code, office, dept, qualified) in enumerate(specs, start=1):
        inspector = Inspector.objects.filter(code=code).first()
        if inspector is None:
            account = None
            if code == "ZF-QGSY-01":
                account = office_user
            elif code == "CY01-JC-01":
                account = member_user
            name = account.full_name if account else _person(rng, used)
            inspector = services.inspector_create(data={
                "code": code, "name": name, "certificate_no": f"闽 35050{5 + number // 100}{number:04d}",
                "office": office, "department": dept, "user": account}, items=qualified, by=None)
        inspectors.append(inspector)
    on_leave = Inspector.objects.filter(code="ZF-DD01-06", status="active").first()
    if on_leave is not None:
        services.inspector_update(inspector=on_leave, data={"status": "leave", "note": "借调市局专项整治"},
                                  items=None, by=None)
    return inspectors


def ensure_conflicts(seed: int, inspectors: list[Inspector], today: date) -> int:
    rng = _rng(seed, "conflicts")
    ids = list(MarketEntity.objects.order_by("uscc").values_list("id", flat=True)[:5000])
    if not ids or InspectorConflict.objects.exists():
        return InspectorConflict.objects.count()
    for inspector in rng.sample(inspectors, min(10, len(inspectors))):
        entity = MarketEntity.objects.get(pk=rng.choice(ids))
        if not InspectorConflict.objects.filter(inspector=inspector, entity=entity).exists():
            services.conflict_declare(inspector=inspector, entity=entity, reason=rng.choice(CONFLICT_REASONS),
                                      declared_on=today - timedelta(days=rng.randint(30, 300)), by=None)
    return InspectorConflict.objects.count()


def _task_specs(year: int, end: date, items: dict) -> list[dict]:
    first_start = max(date(year, 1, 5), end - timedelta(days=150))
    ratios = {"ratio_a": Decimal("0.02"), "ratio_b": Decimal("0.035"), "ratio_c": Decimal("0.1"),
              "ratio_d": Decimal("0.3"), "ratio_u": Decimal("0.035")}
    uniform = dict.fromkeys(ratios, None)
    domains = {d.code: d for d in RiskDomain.objects.all()}
    return [
        {"name": f"{year} 年企业公示信息及登记事项双随机抽查（第一批）", "items": ["SC-QY-001", "SC-DJ-001"],
         "lead": "KS04", "starts_on": first_start, "deadline": first_start + timedelta(days=90), "cross_office": True,
         "filter": {"entity_types": ["enterprise"], "statuses": ["active", "suspended"]}, **ratios},
        {"name": f"{year} 年企业公示信息双随机抽查（第二批）", "items": ["SC-QY-001"], "lead": "KS04",
         "starts_on": end - timedelta(days=45), "deadline": end + timedelta(days=45), "cross_office": True,
         "filter": {"entity_types": ["enterprise"], "statuses": ["active"]}, **ratios},
        {"name": f"{year} 年食品经营者专项抽查", "items": ["SC-SP-001"], "lead": "KS06", "sampling": "uniform",
         "domain": domains.get("food"), "ratio": Decimal("0.05"), **uniform,
         "starts_on": first_start + timedelta(days=20), "deadline": first_start + timedelta(days=110),
         "filter": {"industries": ["H62", "F522", "F521"], "statuses": ["active"]}},
        {"name": f"{year} 年石化行业“一业一查”部门联合抽查", "items": ["SC-GY-001", "SW-001", "RS-001"],
         "lead": "DD01", "participants": ["CY01", "CY04"], "inspectors_per_check": 3,
         "starts_on": first_start + timedelta(days=30), "deadline": end + timedelta(days=20),
         "filter": {"industries": ["C25", "C26"], "statuses": ["active"]}, "ratio_a": Decimal("0.05"),
         "ratio_b": Decimal("0.1"), "ratio_c": Decimal("0.3"), "ratio_d": Decimal("0.6"), "ratio_u": Decimal("0.1")},
        {"name": f"{year} 年 A 类企业对照抽样", "kind": TaskKind.CONTROL, "items": ["SC-QY-001"], "lead": "KS04",
         "starts_on": first_start + timedelta(days=10), "deadline": end + timedelta(days=30),
         "filter": {"entity_types": ["enterprise"], "statuses": ["active"]}, "exclude_recent_months": None,
         "ratio_a": Decimal("0.005"), "ratio_b": Decimal("0"), "ratio_c": Decimal("0"), "ratio_d": Decimal("0"),
         "ratio_u": Decimal("0")},
        {"name": f"{year} 年特种设备使用单位专项抽查", "items": ["SC-TZ-001"], "lead": "KS07", "sampling": "uniform",
         "domain": domains.get("special_equipment"), "ratio": Decimal("0.1"), **uniform, "draft": True,
         "starts_on": end, "deadline": end + timedelta(days=60),
         "filter": {"industries": ["C25", "C26", "G594", "D4511"], "statuses": ["active"]}},
    ]


def ensure_plan_and_tasks(year: int, end: date, items: dict, *, seed: int, by) -> tuple[Plan, list[Task], int]:
    plan = Plan.objects.filter(year=year).first() or services.plan_create(data={
        "year": year, "name": f"{year} 年度泉港区双随机抽查工作计划",
        "note": "按“双随机、一公开”要求，结合企业信用风险分类实施差异化抽查，推进部门联合抽查和“一业一查”。"}, by=by)
    departments = {d.code: d for d in Department.objects.all()}
    tasks, draws = [], 0
    for spec in _task_specs(year, end, items):
        task = Task.objects.filter(plan=plan, name=spec["name"]).first()
        if task is None:
            data = {"name": spec["name"], "kind": spec.get("kind", TaskKind.REGULAR),
                    "lead_department": departments[spec["lead"]], "sampling": spec.get("sampling", "differentiated"),
                    "domain": spec.get("domain"), "ratio": spec.get("ratio"),
                    **{k: spec.get(k) for k in ("ratio_a", "ratio_b", "ratio_c", "ratio_d", "ratio_u")},
                    "inspectors_per_check": spec.get("inspectors_per_check", 2),
                    "cross_office": spec.get("cross_office", False), "starts_on": spec["starts_on"],
                    "deadline": spec["deadline"], "population_filter": spec["filter"],
                    "exclude_recent_months": spec.get("exclude_recent_months", 12)}
            task = services.task_create(plan=plan, data=data, items=[items[c] for c in spec["items"]],
                                        participants=[departments[c] for c in spec.get("participants", [])], by=by)
        if not spec.get("draft") and not task.draws.filter(status=DrawStatus.VALID).exists():
            Task.objects.filter(pk=task.pk).update(status="drawing")
            task.refresh_from_db()
            draw_seed = hashlib.sha256(f"{seed}:inspections:draw:{task.name}".encode()).hexdigest()
            computed = draw_compute(task, seed=draw_seed, drawn_at=_at(spec["starts_on"] - timedelta(days=3)))
            draw_write(task, computed, job=None, by=by)
            draws += 1
        tasks.append(task)
    return plan, tasks, draws


def _between(rng, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def progress_checks(seed: int, tasks: list[Task], today: date, users: dict) -> int:
    """Move the drawn checks on, deterministically by walk order, so that every state has examples."""
    moved = 0
    for task in tasks:
        draw = task.draws.filter(status=DrawStatus.VALID).first()
        if draw is None:
            continue
        drawn_on = timezone.localtime(draw.drawn_at).date()
        past_deadline = task.deadline < today
        checks = SpotCheck.objects.filter(draw=draw).select_related("entity", "entity__office", "draw", "task")
        for check in checks.order_by("walk_order"):
            if check.status != CheckStatus.PENDING:
                continue
            rng = _rng(seed, f"results:{task.name}:{check.entity.uscc}")  # per check: reruns decide the same
            bucket = rng.random()
            latest = min(today, task.deadline) if past_deadline else today
            plan = _result_plan(bucket, past_deadline)
            if plan is None:
                continue
            checked_on = _between(rng, max(drawn_on, task.starts_on), latest - timedelta(days=plan["before_end"]))
            problem = plan.get("problem")
            code = rng.choice(PROBLEM_CODES_CYCLE) if problem else ("F" if rng.random() < 0.05 else "1")
            recorder = users["office"] if check.entity.office.code == "QGSY" else users["credit"]
            reviewer = users["credit"] if recorder != users["credit"] else users["admin"]
            findings = {"A": "未按规定公示年度报告中的对外担保信息，已告知限期补正", "B": "即时信息未按期公示",
                        "6": "现场核查无人，电话无法联系，通过登记的住所无法联系", "D": "超出登记经营范围从事经营活动",
                        "E": "营业执照未在经营场所醒目位置悬挂，现场责令改正并已改正"}.get(code, "")
            check = services.check_submit_result(spot_check=check, result_code=code, findings=findings,
                                                 checked_on=checked_on, by=recorder)
            moved += 1
            if plan["state"] == "submitted":
                continue
            if plan["state"] == "returned":
                services.check_review(spot_check=check, approve=False, by=reviewer,
                                      note="检查日期与现场记录不一致，请核对后重新提交")
                continue
            check = services.check_review(spot_check=check, approve=True, note="", by=reviewer)
            if plan["state"] == "published":
                delay = plan.get("publish_after", 7)
                published_on = min(today, checked_on + timedelta(days=delay))
                services.checks_publish(ids=[check.pk], published_on=published_on, by=users["credit"])
            if problem and code != "E":
                _follow_up(check, rng, today, users, close=plan.get("close", False))
    return moved


def _result_plan(bucket: float, past_deadline: bool) -> dict | None:
    """What happens to a check: its final state, whether it found a problem and how it is handled."""
    if past_deadline:
        table = ((0.50, {"state": "published", "before_end": 25}), (0.55, {"state": "published", "before_end": 60,
                                                                           "publish_after": 45}),
                 (0.62, {"state": "approved", "before_end": 40}), (0.66, {"state": "submitted", "before_end": 5}),
                 (0.69, {"state": "returned", "before_end": 10}),
                 (0.75, {"state": "published", "before_end": 30, "problem": True, "close": True}),
                 (0.80, {"state": "approved", "before_end": 20, "problem": True}),
                 (0.92, None))
    else:
        table = ((0.15, {"state": "published", "before_end": 10}), (0.30, {"state": "approved", "before_end": 3}),
                 (0.42, {"state": "submitted", "before_end": 0}), (0.45, {"state": "returned", "before_end": 2}),
                 (0.52, {"state": "approved", "before_end": 5, "problem": True}))
    for limit, plan in table:
        if bucket < limit:
            return plan
    return None


def _follow_up(check, rng, today: date, users: dict, *, close: bool) -> None:
    if check.follow_ups.exists():
        return
    if check.result_code == "6":
        measure, extra = "listing", {}
    elif check.result_code == "D" and rng.random() < 0.5:
        measure, extra = "case", {"case_number": f"泉港市监立〔{check.checked_on.year}〕{rng.randint(10, 300)}号"}
    else:
        measure, extra = "rectification", {"deadline": check.checked_on + timedelta(days=15)}
    follow_up = services.follow_up_open(spot_check=check, measure=measure, note="依据检查结果登记后续处置",
                                        by=users["credit"], **extra)
    if close:
        done = min(today, check.checked_on + timedelta(days=rng.randint(5, 14)))
        note = {"listing": "已列入经营异常名录", "case": "已作出行政处罚决定",
                "rectification": "已按期整改并补正公示"}[measure]
        services.follow_up_close(follow_up=follow_up, completed_on=done, note=note, by=users["credit"])


def ensure_visits(plan: Plan, by, limit: int = 6) -> int:
    """A few joint visits: entities drawn by two tasks merged into one visit (visits saved)."""
    from .selectors import integration_candidates

    if JointVisit.objects.filter(plan=plan).exists():
        return JointVisit.objects.filter(plan=plan).count()
    for group in integration_candidates(plan)[:limit]:
        checks = [c for c in group["checks"] if c.status == CheckStatus.PENDING]
        if len(checks) < 2:
            continue
        team = list({a.inspector_id: a.inspector for c in checks for a in c.assignments.all()}.values())
        services.visit_create(checks=checks, team=team, planned_on=None, note="进一次门、查多项事", by=by)
    return JointVisit.objects.filter(plan=plan).count()


def seed_inspections(*, seed: int, today: date, password: str,
                     progress: Callable[[str], None] | None = None) -> InspectionSeedSummary:
    """The demo year's 双随机 work for the seeded district (idempotent)."""
    summary = InspectionSeedSummary()
    year = demo_year(today)
    end = min(today, date(year, 12, 31))
    users = {name: User.objects.filter(username=name).first() for name in ("admin", "credit", "office")}
    if not all(users.values()) or not Group.objects.exists():
        return summary
    with transaction.atomic():
        items = ensure_items(year)
        member = ensure_member_user(password)
        inspectors = ensure_inspectors(seed, items, member)
        summary.conflicts = ensure_conflicts(seed, inspectors, today)
        plan, tasks, summary.draws = ensure_plan_and_tasks(year, end, items, seed=seed, by=users["credit"])
        summary.visits = ensure_visits(plan, users["credit"])
        summary.results = progress_checks(seed, tasks, today, users)
    summary.year, summary.items, summary.inspectors = year, len(items), len(inspectors)
    summary.tasks = len(tasks)
    summary.checks = SpotCheck.objects.valid().filter(task__plan=plan).count()
    if progress:
        progress(f"双随机抽查：{year} 年计划 {summary.tasks} 项任务（新抽取 {summary.draws} 次），"
                 f"抽查 {summary.checks} 户，本次录入结果 {summary.results} 户；抽查事项 {summary.items} 项，"
                 f"执法检查人员 {summary.inspectors} 人，回避申报 {summary.conflicts} 条，"
                 f"联合检查 {summary.visits} 次；成员单位演示账号 {MEMBER_USER[0]}")
    return summary


# The business-environment figures a district bureau typically reports (营商环境), entered as staff would.
DEMO_INDICATORS = [
    ("企业开办时间", "1.5", "个工作日", "2", False, "区政务服务中心统计"),
    ("企业开办“一网通办”率", "98.6", "%", "95", True, "省市场监管局通报"),
    ("经营主体满意度", "96.2", "分", "95", True, "第三方测评报告"),
    ("信用修复平均办理时间", "2.4", "个工作日", "3", False, "本局信用监管股统计"),
]


def seed_dashboard(*, today: date, progress: Callable[[str], None] | None = None) -> dict:
    """The dashboard's demo: the reported business-environment figures of the demo year, then a full rollup of every
    capability's data (run last, after every app's demo). Idempotent."""
    from .models import BusinessIndicator
    from .rollup import rollup

    year = demo_year(today)
    entered_by = User.objects.filter(username="credit").first()
    for name, value, unit, target, higher, source in DEMO_INDICATORS:
        BusinessIndicator.objects.update_or_create(
            year=year, period="year", name=name,
            defaults={"value": Decimal(value), "unit": unit, "target": Decimal(target), "higher_is_better": higher,
                      "source": source, "entered_by": entered_by})
    result = rollup(full=True, today=today)
    if progress:
        progress(f"领导驾驶舱：{result['summary']}；营商环境指标 {len(DEMO_INDICATORS)} 项")
    return result
