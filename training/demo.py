"""The demo district's 业务培训 (plan item 14): each year's required hours and the 市场监管大讲堂 and credit-supervision
sessions held so far, with the staff's sign-ins — written through the services, deterministic and idempotent."""
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import services
from .models import HoursRequirement, TrainingSession
from .selectors import trainees

REQUIRED_HOURS = Decimal("12.0")
# (month, day, topic, kind, lecturer, hours)
SESSIONS = [
    (2, 20, "《市场监督管理信用修复管理办法》解读", "credit", "信用监管股", Decimal("2.0")),
    (3, 28, "市场监管大讲堂：企业信用风险分类管理与“双随机、一公开”", "lecture", "市局信用监管处", Decimal("3.0")),
    (5, 16, "经营异常名录列入、移出与严重违法失信名单实务", "credit", "信用监管股", Decimal("2.0")),
    (6, 27, "市场监管大讲堂：年报公示与个体工商户年报改革", "lecture", "登记注册股", Decimal("2.0")),
    (9, 12, "行政处罚信息公示与信用修复文书规范", "credit", "法制股", Decimal("2.0")),
    (10, 24, "市场监管大讲堂：包容审慎监管与“三张清单”适用", "lecture", "执法大队", Decimal("3.0")),
]


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def seed_training(*, seed: int, today: date, progress: Callable[[str], None] | None = None) -> int:
    """Last year's and this year's requirement and the sessions held before today; returns sessions created."""
    by = get_user_model().objects.filter(username="credit").first()
    people = list(trainees().order_by("username"))
    if by is None or not people:
        return 0
    made = 0
    with transaction.atomic():
        for year in (today.year - 1, today.year):
            HoursRequirement.objects.get_or_create(
                year=year, defaults={"hours": REQUIRED_HOURS, "basis": "局年度教育培训计划（演示数据）"})
            rng = random.Random(f"{seed}:training:{year}")
            for month, day, topic, kind, lecturer, hours in SESSIONS:
                held_on = _weekday(date(year, month, day))
                attending = [p for p in people if rng.random() < 0.8]  # drawn every time: the same people each run
                if held_on >= today or TrainingSession.objects.filter(topic=topic, date=held_on).exists():
                    continue
                end = (datetime.combine(held_on, time(14, 30)) + timedelta(hours=float(hours))).time()
                session = services.session_create(data={
                    "topic": topic, "kind": kind, "lecturer": lecturer, "date": held_on, "start_time": time(14, 30),
                    "end_time": end, "hours": hours, "place": "区市场监管局三楼会议室", "audience": "全局工作人员",
                    "description": "结合本局信用监管工作实际讲解政策要点和办理流程。"}, by=by)
                if attending:
                    signed_in = timezone.make_aware(datetime.combine(held_on, time(14, 25)))
                    services.attendance_record(session=session, users=attending, signed_in_at=signed_in, by=by)
                made += 1
    if progress:
        progress(f"业务培训：年度应完成 {REQUIRED_HOURS} 学时，新增培训 {made} 场（含签到）")
    return made
