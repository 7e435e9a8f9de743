"""The demo district of 泉港区: offices, sections and member departments, a register of entities, a user per role.

Everything is derived from ``random.Random(seed)`` and the date the run counts up to, so the same seed on the
same day gives the same rows, and the first N rows of a larger run are the rows of a run with N. Codes and
names do not depend on the date (only dates and statuses do), so a run on a later day finds every entity of an
earlier one. Entities are keyed by their code, offices and departments by theirs, users by user name: a second
run creates nothing new. Village and road names are illustrative.
"""
import bisect
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from core.audit import audit
from core.choices import AuditAction, DepartmentKind, Role
from core.models import Department, Office, User
from core.roles import ensure_roles

from .choices import EntityType, RegistrationStatus
from .codes import with_check_char
from .industry_data import catalogue_rows
from .models import Industry, MarketEntity, StatusChange

DEFAULT_ENTITIES = 40_000
DEFAULT_PASSWORD = "demo-2023"
DEFAULT_SEED = 2023
DIVISION_CODE = "350505"
REGISTRATION_AUTHORITY = "泉州市泉港区市场监督管理局"
FIRST_DATE = date(1995, 1, 1)
FIRST_COOPERATIVE_DATE = date(2007, 7, 1)  # the Farmer Specialised Cooperatives Law took effect
SUSPENSION_FROM = date(2022, 3, 1)  # 歇业 exists since the market-entity registration regulation
# Entities drawn in the earliest share of the span carry a pre-2015 organisation code (GB 11714), later ones
# a code assigned with the unified code ("MA…"); a share rather than a date keeps codes stable across days.
OLD_CODE_SHARE = 0.69
BATCH_SIZE = 2_000

USCC_PREFIX = {EntityType.ENTERPRISE: "91", EntityType.INDIVIDUAL: "92", EntityType.COOPERATIVE: "93"}
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class Town:
    """A street or town of the district and the field office that supervises it."""

    short: str
    full: str
    office_code: str
    weight: int
    villages: tuple[str, ...]
    roads: tuple[str, ...]


TOWNS = (
    Town("山腰", "山腰街道", "QGSY", 24, ("钟厝村", "庄兜村", "锦川村", "前亭村", "新村社区"),
         ("驿峰东路", "驿峰中路", "驿峰西路", "朝阳路", "沙格路")),
    Town("南埔", "南埔镇", "QGNP", 15, ("南埔村", "仙境村", "柯厝村", "沙格村", "凤北村"), ("南埔大道", "南埔街")),
    Town("界山", "界山镇", "QGJS", 12, ("界山村", "东张村", "燕山村", "高山村", "后张村"), ("界山街", "界东路")),
    Town("后龙", "后龙镇", "QGHL", 12, ("土坑村", "后龙村", "峰前村", "上西村", "肖厝村"), ("后龙街", "港区路")),
    Town("峰尾", "峰尾镇", "QGFW", 13, ("峰尾村", "诚平村", "奎璧村", "郭厝村", "东西村"), ("峰尾街", "海滨路")),
    Town("涂岭", "涂岭镇", "QGTL", 9, ("涂岭村", "樟脚村", "小坝村", "黄田村", "路口村"), ("涂岭街", "涂岭路")),
    Town("前黄", "前黄镇", "QGQH", 10, ("前黄村", "凤翔村", "坝头村", "康卿村", "古县村"), ("前黄街", "前黄路")),
)
PARK_OFFICE_CODE = "QGSH"
PARK_ADDRESSES = ("泉州市泉港区泉港石化工业园区南山片区", "泉州市泉港区南埔镇泉港石化工业园区")

# (code, name, address), in display order
OFFICES = tuple(
    (town.office_code, f"{town.short}市场监督管理所", f"泉州市泉港区{town.full}") for town in TOWNS
) + ((PARK_OFFICE_CODE, "石化园区市场监督管理所", "泉州市泉港区泉港石化工业园区"),)

# (code, name, kind), in display order
DEPARTMENTS = (
    ("KS01", "办公室", DepartmentKind.SECTION),
    ("KS02", "政策法规股", DepartmentKind.SECTION),
    ("KS03", "登记注册股", DepartmentKind.SECTION),
    ("KS04", "信用监管股", DepartmentKind.SECTION),
    ("KS05", "市场规范管理股", DepartmentKind.SECTION),
    ("KS06", "食品安全监督管理股", DepartmentKind.SECTION),
    ("KS07", "特种设备安全监察股", DepartmentKind.SECTION),
    ("KS08", "知识产权股", DepartmentKind.SECTION),
    ("DD01", "综合执法大队", DepartmentKind.BRIGADE),
    ("CY01", "国家税务总局泉州市泉港区税务局", DepartmentKind.MEMBER),
    ("CY02", "泉州市泉港区人民法院", DepartmentKind.MEMBER),
    ("CY03", "泉州市泉港区自然资源局", DepartmentKind.MEMBER),
    ("CY04", "泉州市泉港区人力资源和社会保障局", DepartmentKind.MEMBER),
    ("CY05", "泉州市泉港区医疗保障局", DepartmentKind.MEMBER),
)


@dataclass(frozen=True)
class DemoUser:
    """One demo log-in: its role group, name and where it works."""

    username: str
    role: Role
    full_name: str
    office_code: str = ""
    department_code: str = ""
    superuser: bool = False


DEMO_USERS = (
    DemoUser("admin", Role.ADMIN, "陈志强", department_code="KS01", superuser=True),
    DemoUser("leader", Role.LEADER, "林建华"),
    DemoUser("credit", Role.SECTION, "黄晓燕", department_code="KS04"),
    DemoUser("office", Role.OFFICE, "刘永辉", office_code="QGSY"),
    DemoUser("discipline", Role.DISCIPLINE, "郭美玲"),
)

# Enterprises: (class, weight, name words, share located in the petrochemical park)
ENTERPRISE_INDUSTRIES = (
    ("C2511", 2, ("石油化工", "石化"), 0.9),
    ("C2614", 5, ("化工", "石化科技", "化学"), 0.8),
    ("C2619", 2, ("化工",), 0.7),
    ("C2641", 1, ("涂料",), 0.5),
    ("C2651", 4, ("新材料科技", "高分子材料", "树脂"), 0.8),
    ("C2652", 1, ("橡胶",), 0.8),
    ("C2661", 2, ("精细化工", "助剂"), 0.7),
    ("C2681", 1, ("日化",), 0.3),
    ("C2822", 1, ("化纤",), 0.5),
    ("C2921", 3, ("塑料薄膜", "包装材料"), 0.4),
    ("C2922", 2, ("管业", "塑业"), 0.3),
    ("C2923", 3, ("编织袋", "塑料编织"), 0.2),
    ("C2926", 2, ("塑料包装", "包装制品"), 0.3),
    ("C2927", 3, ("塑料制品", "日用品"), 0.2),
    ("C2929", 3, ("塑胶制品", "塑料科技"), 0.3),
    ("C1953", 2, ("鞋业",), 0.0),
    ("C1810", 2, ("服饰", "服装"), 0.0),
    ("C1361", 1, ("水产食品", "食品"), 0.0),
    ("C1411", 1, ("食品",), 0.0),
    ("C2231", 1, ("纸品包装",), 0.0),
    ("C2319", 1, ("印刷", "彩印"), 0.0),
    ("C3021", 1, ("建材", "水泥制品"), 0.0),
    ("C3032", 1, ("石材",), 0.0),
    ("C3311", 2, ("钢结构", "金属结构"), 0.3),
    ("C3521", 1, ("化工设备", "机械设备"), 0.6),
    ("C4330", 1, ("石化设备检修", "设备维修"), 0.7),
    ("D4412", 0.2, ("热电",), 1.0),
    ("D4511", 0.3, ("燃气",), 0.3),
    ("D4620", 0.3, ("水务", "环保科技"), 0.7),
    ("E4790", 3, ("建设工程", "建筑工程"), 0.0),
    ("E4710", 1, ("建筑",), 0.0),
    ("E4813", 1, ("市政工程", "路桥工程"), 0.0),
    ("E4840", 1, ("工程建设", "石化工程"), 0.4),
    ("E4852", 1, ("管道工程",), 0.5),
    ("E4910", 1, ("电力工程", "机电安装"), 0.2),
    ("E4920", 1, ("安装工程", "设备安装"), 0.4),
    ("E5011", 1, ("装饰工程",), 0.0),
    ("E5012", 1, ("装饰设计", "装修工程"), 0.0),
    ("F5162", 3, ("石油化工", "能源"), 0.4),
    ("F5169", 5, ("化工贸易", "化工"), 0.4),
    ("F5165", 2, ("建材贸易", "建材"), 0.0),
    ("F5199", 2, ("商贸", "贸易"), 0.0),
    ("F5123", 1, ("农产品贸易",), 0.0),
    ("F5124", 1, ("水产贸易", "海产品"), 0.0),
    ("F5181", 2, ("贸易", "进出口贸易"), 0.0),
    ("F5212", 1, ("超市", "商贸"), 0.0),
    ("F5265", 0.5, ("加油站", "石油"), 0.0),
    ("G5431", 4, ("物流", "运输"), 0.2),
    ("G5435", 3, ("危险品运输", "化工物流"), 0.4),
    ("G5522", 1, ("海运", "船务"), 0.0),
    ("G5532", 0.3, ("港务", "码头"), 0.3),
    ("G5821", 2, ("货运代理", "供应链管理"), 0.2),
    ("G5920", 1, ("仓储", "物流"), 0.3),
    ("G5941", 0.5, ("油气储运", "石化仓储"), 0.9),
    ("G5942", 1, ("化工仓储", "危化品仓储"), 0.9),
    ("H6110", 0.5, ("大酒店", "酒店管理"), 0.0),
    ("H6210", 2, ("餐饮管理", "餐饮"), 0.0),
    ("I6513", 1, ("信息技术", "网络科技", "软件"), 0.0),
    ("K7010", 1, ("房地产开发", "置业"), 0.0),
    ("K7020", 1, ("物业管理", "物业服务"), 0.0),
    ("L7113", 1, ("机械设备租赁", "工程机械"), 0.1),
    ("L7259", 1, ("广告", "文化传媒"), 0.0),
    ("L7299", 2, ("企业管理", "商务服务"), 0.0),
    ("M7452", 0.5, ("检测技术", "检测"), 0.5),
    ("A0411", 0.5, ("水产养殖", "海洋渔业"), 0.0),
    ("O8111", 1, ("汽车服务", "汽车维修"), 0.0),
)

# Individual businesses: (class, weight, kinds of shop)
INDIVIDUAL_INDUSTRIES = (
    ("F5219", 10, ("食杂店", "百货店", "商店")),
    ("F5213", 5, ("便利店",)),
    ("F5212", 2, ("超市",)),
    ("F5223", 3, ("水果店", "蔬菜店")),
    ("F5224", 4, ("海鲜店", "猪肉店", "水产店")),
    ("F5226", 3, ("茶行", "茶叶店")),
    ("F5227", 1, ("烟酒店",)),
    ("F5232", 4, ("服装店", "服饰店")),
    ("F5233", 1, ("鞋店",)),
    ("F5234", 1, ("化妆品店",)),
    ("F5251", 1, ("药店",)),
    ("F5274", 2, ("手机店", "通讯店")),
    ("F5281", 3, ("五金店",)),
    ("F5283", 1, ("家具店",)),
    ("F5263", 1, ("汽配店",)),
    ("F5241", 1, ("文具店",)),
    ("F5292", 2, ("网店",)),
    ("F5299", 1, ("商行",)),
    ("F5191", 1, ("废品回收站",)),
    ("H6210", 6, ("饭店", "酒家", "餐馆")),
    ("H6220", 3, ("快餐店",)),
    ("H6291", 5, ("小吃店", "面线糊店", "卤面店")),
    ("H6231", 1, ("茶馆",)),
    ("H6239", 1, ("奶茶店", "冷饮店")),
    ("H6129", 1, ("旅馆", "宾馆")),
    ("H6130", 0.5, ("民宿",)),
    ("O8040", 4, ("理发店", "美发店", "美容店")),
    ("O8111", 2, ("汽车修理厂", "汽车美容店")),
    ("O8113", 1, ("摩托车修理店",)),
    ("O8122", 0.5, ("手机维修店",)),
    ("O8030", 0.5, ("干洗店",)),
    ("O8060", 0.5, ("照相馆",)),
    ("G5431", 4, ("货运部", "运输队")),
    ("E5012", 2, ("装修队", "装饰店")),
    ("C2927", 1, ("塑料加工厂",)),
    ("C2923", 1, ("编织袋加工厂",)),
    ("C1810", 1, ("服装加工厂",)),
    ("C3312", 1, ("铝合金门窗店", "不锈钢加工店")),
    ("A0411", 0.5, ("养殖场",)),
    ("R9013", 0.3, ("网吧",)),
    ("R9011", 0.3, ("歌舞厅",)),
)

# Cooperatives: (class, weight, what the members grow, raise or do)
COOPERATIVE_INDUSTRIES = (
    ("A0154", 3, ("龙眼种植", "荔枝种植")),
    ("A0141", 3, ("蔬菜种植", "果蔬种植")),
    ("A0142", 1, ("食用菌种植",)),
    ("A0143", 1, ("花卉种植",)),
    ("A0313", 1, ("生猪养殖",)),
    ("A0321", 1, ("土鸡养殖", "蛋鸡养殖")),
    ("A0411", 3, ("水产养殖", "海蛎养殖", "紫菜养殖")),
    ("A0421", 1, ("海洋捕捞",)),
    ("A0512", 1, ("农机服务",)),
)

TRADE_FIRST = "鑫宏恒泰华永金港闽惠顺瑞嘉明兴天联聚福正安通源盛德信荣昌达丰海隆佳新益骏汇晟翔凯"
TRADE_SECOND = "源达通泰盛发祥和兴隆丰华昌荣利鑫成旺辉腾阳诚信安顺益德宝龙航业峰美佳润"
SURNAMES = "陈陈陈陈林林林林黄黄黄刘刘郭郭庄庄张王李吴蔡杨许郑洪柯连肖苏曾骆何谢周徐"
GIVEN_CHARS = "志建国明华伟强文军平辉俊杰振德荣海清福金水生春秀美丽玲燕芳英红婷雅淑惠珍梅贵龙永泉晓思宏家"
MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "177", "180", "186", "188")

# status → (weight among ended or paused entities by type, what the change record says)
STATUS_NOTES = {
    RegistrationStatus.DEREGISTERED: "申请注销登记，准予注销",
    RegistrationStatus.REVOKED: "无正当理由超过六个月未开业或自行停业六个月以上，吊销营业执照",
    RegistrationStatus.SUSPENDED: "歇业备案",
    RegistrationStatus.MOVED_OUT: "住所迁出本区，迁移登记",
}
INACTIVE_WEIGHTS = {
    EntityType.ENTERPRISE: ((RegistrationStatus.DEREGISTERED, 50), (RegistrationStatus.REVOKED, 28),
                            (RegistrationStatus.SUSPENDED, 10), (RegistrationStatus.MOVED_OUT, 12)),
    EntityType.INDIVIDUAL: ((RegistrationStatus.DEREGISTERED, 62), (RegistrationStatus.REVOKED, 22),
                            (RegistrationStatus.SUSPENDED, 12), (RegistrationStatus.MOVED_OUT, 4)),
    EntityType.COOPERATIVE: ((RegistrationStatus.DEREGISTERED, 55), (RegistrationStatus.REVOKED, 40),
                             (RegistrationStatus.SUSPENDED, 5)),
}


@dataclass(frozen=True)
class EntityRow:
    """One generated register row, before it is written."""

    uscc: str
    name: str
    entity_type: str
    legal_rep: str
    industry_code: str
    address: str
    office_code: str
    established_on: date
    status: str
    phone: str
    status_changed_on: date | None


@dataclass
class SeedSummary:
    """What a run created or found, for the command's summary."""

    offices_created: int = 0
    offices_total: int = 0
    departments_created: int = 0
    departments_total: int = 0
    users_created: int = 0
    users_updated: int = 0
    entities_created: int = 0
    entities_existing: int = 0
    status_changes_created: int = 0
    seconds: float = 0.0
    by_type: dict = field(default_factory=dict)


class _Weighted:
    """A weighted choice with one draw of the generator (bisect over cumulative weights)."""

    def __init__(self, items, weight_of):
        self.items = tuple(items)
        self.cumulative = []
        total = 0.0
        for item in self.items:
            total += weight_of(item)
            self.cumulative.append(total)
        self.total = total

    def pick(self, rng: random.Random):
        return self.at(rng.random())

    def at(self, draw: float):
        """The item a draw in [0, 1) lands on."""
        return self.items[bisect.bisect_right(self.cumulative, draw * self.total)]


def _organisation_code_old(rng: random.Random) -> str:
    """An eight-digit organisation code with its GB 11714 check character, as issued before 2015."""
    body = rng.choice("015679") + "".join(rng.choice("0123456789") for _ in range(7))
    check = 11 - sum(int(c) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _organisation_code_new(rng: random.Random) -> str:
    """A code assigned with the unified code: "MA", a block digit and six characters of the code's set."""
    return "MA" + rng.choice("2348") + "".join(rng.choice(USCC_CHARS) for _ in range(6))


def _person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN_CHARS)
    if rng.random() < 0.8:
        given += rng.choice(GIVEN_CHARS)
    return rng.choice(SURNAMES) + given


def _trade_name(rng: random.Random, personal: bool = False) -> str:
    if personal:
        return "阿" + rng.choice(GIVEN_CHARS)
    first = rng.choice(TRADE_FIRST)
    second = rng.choice(TRADE_SECOND)
    return first + (second if second != first else rng.choice(TRADE_SECOND.replace(first, "")))


def _phone(rng: random.Random) -> str:
    if rng.random() >= 0.6:
        return ""
    if rng.random() < 0.85:
        return rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))
    return "0595-87" + "".join(rng.choice("0123456789") for _ in range(6))


def _unique_name(rng: random.Random, used: set[str], make: Callable[[int], str]) -> str:
    """Draw names until one is new; the attempt number lets later attempts widen the pattern."""
    for attempt in range(200):
        name = make(attempt)
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("无法生成不重复的市场主体名称")


def generate_entities(*, count: int, seed: int, today: date) -> Iterator[EntityRow]:
    """The demo register, row by row; each row depends only on the seed, the rows before it and today."""
    rng = random.Random(seed)
    towns = _Weighted(TOWNS, lambda t: t.weight)
    rural_towns = _Weighted(TOWNS, lambda t: t.weight if t.short != "山腰" else 3)
    enterprise_industries = _Weighted(ENTERPRISE_INDUSTRIES, lambda i: i[1])
    individual_industries = _Weighted(INDIVIDUAL_INDUSTRIES, lambda i: i[1])
    cooperative_industries = _Weighted(COOPERATIVE_INDUSTRIES, lambda i: i[1])
    inactive_statuses = {kind: _Weighted(weights, lambda w: w[1]) for kind, weights in INACTIVE_WEIGHTS.items()}
    used_codes: set[str] = set()
    used_names: set[str] = set()

    for _ in range(count):
        draw = rng.random()
        if draw < 0.35:
            entity_type = EntityType.ENTERPRISE
        elif draw < 0.97:
            entity_type = EntityType.INDIVIDUAL
        else:
            entity_type = EntityType.COOPERATIVE

        # More entities were set up in recent years: the span's share is skewed towards its end.
        share = rng.random() ** 0.55
        first = FIRST_COOPERATIVE_DATE if entity_type == EntityType.COOPERATIVE else FIRST_DATE
        established = first + timedelta(days=int(share * (today - first).days))

        in_park = False
        if entity_type == EntityType.ENTERPRISE:
            industry, _, words, park_share = enterprise_industries.pick(rng)
            in_park = rng.random() < park_share
            town = towns.pick(rng)
            trade_word = rng.choice(words)
            form = "股份有限公司" if rng.random() < 0.03 else "有限公司"
            prefix_draw = rng.random()
            prefix = "泉州市泉港区" if prefix_draw < 0.8 else "泉州" if prefix_draw < 0.92 else "福建"

            def make(attempt, trade_word=trade_word, form=form, prefix=prefix):
                trade = _trade_name(rng)
                if attempt >= 20:
                    trade += rng.choice(TRADE_SECOND)
                return f"{prefix}{trade}{trade_word}{form}"
        elif entity_type == EntityType.INDIVIDUAL:
            industry, _, kinds = individual_industries.pick(rng)
            town = towns.pick(rng)
            kind = rng.choice(kinds)

            def make(attempt, town=town, kind=kind):
                trade = _trade_name(rng, personal=rng.random() < 0.12)
                if attempt >= 20:
                    trade += rng.choice(TRADE_SECOND)
                return f"泉港区{town.short}{trade}{kind}"
        else:
            industry, _, products = cooperative_industries.pick(rng)
            town = rural_towns.pick(rng)
            product = rng.choice(products)

            def make(attempt, town=town, product=product):
                if attempt < 3:
                    return f"泉港区{town.short}{rng.choice(town.villages).removesuffix('村')}{product}专业合作社"
                trade = _trade_name(rng) + (rng.choice(TRADE_SECOND) if attempt >= 20 else "")
                return f"泉港区{town.short}{trade}{product}专业合作社"

        name = _unique_name(rng, used_names, make)

        while True:
            old_style = share < OLD_CODE_SHARE and entity_type != EntityType.INDIVIDUAL
            org_code = _organisation_code_old(rng) if old_style else _organisation_code_new(rng)
            uscc = with_check_char(USCC_PREFIX[entity_type] + DIVISION_CODE + org_code)
            if uscc not in used_codes:
                used_codes.add(uscc)
                break

        if in_park:
            address = f"{rng.choice(PARK_ADDRESSES)}{rng.randint(1, 300)}号"
            office_code = PARK_OFFICE_CODE
        else:
            place = rng.choice(town.villages) if rng.random() < 0.6 else rng.choice(town.roads)
            address = f"泉州市泉港区{town.full}{place}{rng.randint(1, 600)}号"
            office_code = town.office_code

        legal_rep = _person_name(rng)
        phone = _phone(rng)

        # Always three draws, whatever today is: the draws of the next rows (their codes) must not depend
        # on the date, or a run on another day would register a second, different district.
        ended_draw, status_draw, date_draw = rng.random(), rng.random(), rng.random()
        status, changed_on = RegistrationStatus.ACTIVE, None
        years = (today - established).days / 365.25
        base = 0.012 if entity_type == EntityType.ENTERPRISE else 0.016
        if ended_draw < min(0.5, 0.01 + base * years):
            status = inactive_statuses[entity_type].at(status_draw)[0]
            earliest = established + timedelta(days=730 if status == RegistrationStatus.REVOKED else 180)
            if status == RegistrationStatus.SUSPENDED:
                earliest = max(earliest, SUSPENSION_FROM)
            if earliest < today:
                changed_on = earliest + timedelta(days=int(date_draw * ((today - earliest).days + 1)))
            else:
                status = RegistrationStatus.ACTIVE

        yield EntityRow(
            uscc=uscc, name=name, entity_type=entity_type, legal_rep=legal_rep, industry_code=industry,
            address=address, office_code=office_code, established_on=established, status=status, phone=phone,
            status_changed_on=changed_on,
        )


def _at_office_hours(day: date, minutes: int) -> datetime:
    """A time on a working morning or afternoon of that day, in the bureau's time zone."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, 8, 30) + timedelta(minutes=minutes))


def ensure_catalogue() -> int:
    """Add the catalogue nodes an older database lacks (the migration normally loaded them all)."""
    existing = dict(Industry.objects.values_list("code", "id"))
    created = 0
    for code, name, level, parent_code in catalogue_rows():
        if code not in existing:
            node = Industry.objects.create(code=code, name=name, level=level,
                                           parent_id=existing[parent_code] if parent_code else None)
            existing[code] = node.id
            created += 1
    return created


def _ensure_by_code(model, rows: list[dict]) -> tuple[dict, int]:
    """Create or update rows keyed by code (or by name, when an administrator created it without our code)."""
    objects, created = {}, 0
    for values in rows:
        obj = model.objects.filter(code=values["code"]).first() or model.objects.filter(name=values["name"]).first()
        if obj is None:
            obj = model.objects.create(**values)
            created += 1
        else:
            changed = [k for k, v in values.items() if getattr(obj, k) != v]
            for key in changed:
                setattr(obj, key, values[key])
            if changed:
                obj.save(update_fields=changed)
        objects[obj.code] = obj
    return objects, created


def ensure_organisation() -> tuple[dict, dict, int, int]:
    """The district's field offices, the bureau's sections and brigade, and the member departments."""
    offices, offices_created = _ensure_by_code(Office, [
        {"code": code, "name": name, "address": address, "sort_order": i}
        for i, (code, name, address) in enumerate(OFFICES, start=1)
    ])
    departments, departments_created = _ensure_by_code(Department, [
        {"code": code, "name": name, "kind": kind, "sort_order": i}
        for i, (code, name, kind) in enumerate(DEPARTMENTS, start=1)
    ])
    return offices, departments, offices_created, departments_created


def ensure_demo_users(*, password: str, offices: dict, departments: dict) -> tuple[int, int]:
    """One log-in per role; a second run resets passwords and attributes instead of duplicating."""
    created = updated = 0
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(username=spec.username)
            created += 1
        else:
            updated += 1
        user.full_name = spec.full_name
        user.is_active = True
        user.is_staff = spec.superuser
        user.is_superuser = spec.superuser
        user.office = offices[spec.office_code] if spec.office_code else None
        user.department = departments[spec.department_code] if spec.department_code else None
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=spec.role.value)])
    return created, updated


def _write_batch(rows: list[EntityRow], offices: dict) -> tuple[list[MarketEntity], int]:
    """Insert the rows whose code is not yet registered, with the status history of those not 存续."""
    existing = set(MarketEntity.objects.filter(uscc__in=[r.uscc for r in rows]).values_list("uscc", flat=True))
    fresh = [r for r in rows if r.uscc not in existing]
    entities = [
        MarketEntity(
            uscc=r.uscc, name=r.name, entity_type=r.entity_type, legal_rep=r.legal_rep, industry_code=r.industry_code,
            address=r.address, registration_authority=REGISTRATION_AUTHORITY, office=offices[r.office_code],
            established_on=r.established_on, status=r.status, phone=r.phone,
        )
        for r in fresh
    ]
    MarketEntity.objects.bulk_create(entities, batch_size=500)
    if any(e.pk is None for e in entities):  # a backend that does not return ids from a bulk insert
        ids = dict(MarketEntity.objects.filter(uscc__in=[e.uscc for e in entities]).values_list("uscc", "id"))
        for entity in entities:
            entity.pk = ids[entity.uscc]

    changes, times = [], []
    for row, entity in zip(fresh, entities, strict=True):
        if row.status_changed_on is None:
            continue
        # Minutes into the working day, derived from the code so they need no draws of the generator.
        minutes = sum(map(ord, row.uscc)) % 420
        changes.append(StatusChange(entity=entity, old_status="", new_status=RegistrationStatus.ACTIVE,
                                    source="设立登记", note="准予设立登记"))
        times.append(_at_office_hours(row.established_on, minutes))
        changes.append(StatusChange(entity=entity, old_status=RegistrationStatus.ACTIVE, new_status=row.status,
                                    source=REGISTRATION_AUTHORITY, note=STATUS_NOTES[row.status]))
        times.append(_at_office_hours(row.status_changed_on, (minutes * 7) % 420))
    StatusChange.objects.bulk_create(changes, batch_size=500)
    # changed_at is set on insert; the history needs the dates the changes happened on.
    for change, at in zip(changes, times, strict=True):
        change.changed_at = at
    StatusChange.objects.bulk_update(changes, ["changed_at"], batch_size=500)
    return entities, len(changes)


def seed_demo(
    *, entities: int = DEFAULT_ENTITIES, password: str = DEFAULT_PASSWORD, seed: int = DEFAULT_SEED,
    today: date | None = None, progress: Callable[[str], None] | None = None,
) -> SeedSummary:
    """Create (or complete) the demo district: organisation, catalogue, a user per role, the register."""
    started = time.monotonic()
    today = today or timezone.localdate()
    report = progress or (lambda message: None)
    summary = SeedSummary()

    with transaction.atomic():
        ensure_roles()
        ensure_catalogue()
        offices, departments, summary.offices_created, summary.departments_created = ensure_organisation()
        summary.users_created, summary.users_updated = ensure_demo_users(
            password=password, offices=offices, departments=departments
        )
    summary.offices_total, summary.departments_total = len(offices), len(departments)
    report(f"机构：市场监督管理所 {len(offices)} 个，股室与成员单位 {len(departments)} 个；"
           f"演示账号 {len(DEMO_USERS)} 个")

    batch: list[EntityRow] = []
    done = 0

    def flush():
        nonlocal done
        with transaction.atomic():
            created, changes = _write_batch(batch, offices)
        summary.entities_created += len(created)
        summary.entities_existing += len(batch) - len(created)
        summary.status_changes_created += changes
        for entity in created:
            summary.by_type[entity.entity_type] = summary.by_type.get(entity.entity_type, 0) + 1
        done += len(batch)
        batch.clear()
        report(f"市场主体：已处理 {done}/{entities} 户（新增 {summary.entities_created} 户）")

    for row in generate_entities(count=entities, seed=seed, today=today):
        batch.append(row)
        if len(batch) >= BATCH_SIZE:
            flush()
    if batch:
        flush()

    if summary.entities_created:
        audit(actor=None, action=AuditAction.IMPORT,
              summary=f"生成演示数据：新增市场主体 {summary.entities_created} 户（随机种子 {seed}）",
              extra={"seed": seed, "entities": entities, "created": summary.entities_created})
    summary.seconds = time.monotonic() - started
    return summary


def summary_text(summary: SeedSummary) -> str:
    """The run's outcome in the bureau's words."""
    types = "，".join(
        f"{label} {summary.by_type.get(value, 0)} 户" for value, label in EntityType.choices
    )
    lines = [
        "演示数据已就绪：",
        f"  市场监督管理所 {summary.offices_total} 个（新增 {summary.offices_created} 个）",
        f"  股室与成员单位 {summary.departments_total} 个（新增 {summary.departments_created} 个）",
        f"  演示账号：新建 {summary.users_created} 个，更新 {summary.users_updated} 个",
        f"  市场主体：新增 {summary.entities_created} 户（{types}），已存在 {summary.entities_existing} 户",
        f"  登记状态变更记录：新增 {summary.status_changes_created} 条",
        f"  用时 {summary.seconds:.1f} 秒",
    ]
    return "\n".join(lines)
