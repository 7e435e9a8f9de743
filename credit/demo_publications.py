"""Demo 信用宣传: the repair handbook and two typical cases published, one briefing in draft.

Drafted by the demo section account ``credit`` and approved by ``leader`` through the services (so the audit
trail shows the flow), then dated into the recent past relative to ``today``. Idempotent: a title already
present is left alone. The cases name no real business (the bureau's practice: 某公司, 某店).
"""
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from core.models import User

from .choices import PublicationStatus
from .models import Publication
from .publications import publication_approve, publication_publish, publication_save

HANDBOOK = """一、什么是信用修复
信用修复是指因违法失信行为被列入经营异常名录、标记为经营异常状态、列入严重违法失信名单或者公示行政处罚信息的市场主体，在纠正违法失信行为、消除不良影响后，依法向市场监督管理部门申请移出名单、恢复正常记载状态或者提前停止公示相关信息。
二、哪些情形可以申请
（一）因未按期报送年度报告、未按规定公示即时信息、公示信息隐瞒真实情况弄虚作假、通过登记的住所或者经营场所无法联系被列入经营异常名录的，补报年度报告、公示相关信息、更正公示信息或者办理住所变更登记后，可以申请移出。
（二）个体工商户被标记为经营异常状态的，消除标记事由后，可以申请恢复正常记载状态。
（三）列入严重违法失信名单满一年，且已履行行政处罚决定规定的义务、纠正违法行为的，可以申请提前移出。
（四）行政处罚信息公示满六个月（食品、药品、特种设备领域满一年），已履行处罚决定、消除危害后果且未再发生同类违法行为的，可以申请提前停止公示。
三、不予修复的情形
受到责令停产停业、限制从业、吊销许可证件或者营业执照等行政处罚的，相关信息不予提前停止公示；通过欺骗等不正当手段申请信用修复的，撤销修复决定，三年内不再受理其信用修复申请。
四、需要提交的材料
（一）信用修复申请书；
（二）守信承诺书；
（三）履行法定义务、纠正违法行为的相关证明材料。
五、办理流程和时限
申请人可以通过窗口、国家企业信用信息公示系统或者邮寄方式提出申请。本局在收到申请后依法作出受理或者不予受理的决定；受理后进行核查，作出予以修复或者不予修复的决定，并将结果告知申请人、共享至有关部门。各环节时限以公布的办理时限为准。
六、咨询方式
可以到泉港区政务服务中心市场监管窗口或者所在辖区市场监督管理所咨询办理。"""

CASE_ANNUAL_REPORT = """一、基本情况
我区某贸易有限公司因未按规定期限报送2024年度年度报告，被列入经营异常名录。该公司在参与工程项目招投标时发现因处于经营异常名录而受到限制，遂主动到窗口咨询。
二、修复过程
窗口工作人员一次性告知其补报年度报告并提交信用修复申请书、守信承诺书。该公司当日通过国家企业信用信息公示系统补报年度报告，次日提交申请。本局受理后即对补报情况进行核查，在规定时限内作出信用修复决定，将其移出经营异常名录，并将修复结果推送至有关部门。
三、典型意义
本案是“提醒在先、修复在后”的常见情形。企业应当在每年1月1日至6月30日按时报送上一年度年度报告；已被列入的，补报后即可申请修复，不必担心“一次失信、处处受限”。"""

CASE_PENALTY = """一、基本情况
我区某餐饮店因未按规定对餐具进行清洗消毒，被依法处以警告以外的行政处罚，处罚信息在国家企业信用信息公示系统公示。该店依法缴纳罚款，并对后厨进行了整改。
二、修复过程
处罚信息公示满一年后，该店提出提前停止公示的申请，提交了罚款缴纳凭证、整改情况说明和守信承诺书。本局核查确认其已履行处罚决定、消除不良影响，公示期内未再发生同类违法行为，依法作出信用修复决定，提前停止公示该条处罚信息。
三、典型意义
食品领域行政处罚信息须公示满一年方可申请修复。市场主体受到处罚后应当及时履行义务、整改到位，珍惜自身信用记录。"""

BRIEFING = """一、本月工作概况
本月共受理信用修复申请一批，均在规定时限内办结；向即将满三年仍未移出经营异常名录的市场主体发出提醒。
二、下一步工作
持续开展“信用修复进窗口”宣传，编写典型案例；对长期未报送年度报告的市场主体开展提醒提示。"""

DEMO = [
    # (kind, title, summary, body, status, days before today it was published)
    ("handbook", "泉港区市场主体信用修复办事指南", "信用修复的适用情形、所需材料、办理流程和咨询方式。", HANDBOOK,
     PublicationStatus.PUBLISHED, 40),
    ("case", "典型案例：补报年度报告后及时移出经营异常名录", "企业补报年报后申请信用修复，在规定时限内移出名录。",
     CASE_ANNUAL_REPORT, PublicationStatus.PUBLISHED, 21),
    ("case", "典型案例：餐饮店履行处罚后提前停止公示处罚信息", "食品领域行政处罚信息公示满一年后依法修复。",
     CASE_PENALTY, PublicationStatus.PUBLISHED, 7),
    ("briefing", "信用修复工作简报（本月）", "", BRIEFING, PublicationStatus.DRAFT, None),
]


def seed_publications(*, today: date | None = None, progress: Callable[[str], None] | None = None) -> int:
    """Create the demo publications that are missing; returns how many were created."""
    today = today or timezone.localdate()
    author = User.objects.filter(username="credit").first()
    approver = User.objects.filter(username="leader").first()
    if author is None or approver is None:
        return 0
    created = 0
    for kind, title, summary, body, status, days_ago in DEMO:
        if Publication.objects.filter(title=title).exists():
            continue
        with transaction.atomic():
            publication = publication_save(publication=Publication(), by=author,
                                           values={"kind": kind, "title": title, "summary": summary, "body": body})
            if status == PublicationStatus.PUBLISHED:
                publication_approve(publication=publication, by=approver)
                publication_publish(publication=publication, by=author)
                published_on = today - timedelta(days=days_ago)
                approved_at = timezone.make_aware(datetime.combine(published_on - timedelta(days=2), time(10)))
                Publication.objects.filter(pk=publication.pk).update(published_on=published_on,
                                                                      approved_at=approved_at)
        created += 1
    if progress:
        progress(f"信用宣传：新增 {created} 篇（手册、典型案例已发布，简报为草稿）")
    return created
