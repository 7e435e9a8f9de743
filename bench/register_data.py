"""Benchmark set-up shared by the register benchmarks: a PostgreSQL database of their own, migrated, and a
realistic 泉港区 register generated in Python and loaded with COPY (about 1,000,000 rows a minute or faster).

Never the test or demo database: each benchmark names its own (xinyong_bench_export, xinyong_bench_list).
"""
import io
import os
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")

OFFICES = [  # name, share of the district's entities
    ("山腰市场监督管理所", 0.22), ("南埔市场监督管理所", 0.16), ("界山市场监督管理所", 0.13),
    ("后龙市场监督管理所", 0.12), ("峰尾市场监督管理所", 0.11), ("前黄市场监督管理所", 0.10),
    ("涂岭市场监督管理所", 0.09), ("驿峰市场监督管理所", 0.07),
]
TOWNS = ["山腰街道", "南埔镇", "界山镇", "后龙镇", "峰尾镇", "前黄镇", "涂岭镇", "山腰街道驿峰社区"]
# Industry class, share, and the words a name in it ends with (a petrochemical base: chemicals and plastics,
# logistics, retail, catering, construction, services).
INDUSTRIES = [
    ("C2651", 3, "石化", "塑料"), ("C2614", 1, "化工", "化工"), ("C2929", 3, "塑胶", "塑料制品"),
    ("C2511", 0.3, "石化", "炼化"), ("C3130", 1, "钢铁", "钢材"), ("C1713", 1, "纺织", "纺织"),
    ("G5430", 7, "物流", "货运"), ("G5990", 2, "仓储", "仓储"), ("F5212", 8, "超市", "便利店"),
    ("F5123", 5, "商行", "日用品"), ("F5261", 2, "汽贸", "汽车用品"), ("F5265", 3, "车行", "摩托车"),
    ("H6210", 10, "餐饮", "小吃店"), ("H6220", 4, "快餐", "快餐店"), ("H6110", 2, "酒店", "宾馆"),
    ("E4790", 4, "建筑", "建材"), ("E4813", 2, "建设工程", "工程队"), ("O8010", 8, "家政", "理发店"),
    ("O8111", 4, "汽修", "汽车修理"), ("A0412", 3, "水产", "养殖场"), ("A0141", 2, "果蔬", "种植场"),
    ("L7212", 3, "咨询", "咨询服务部"), ("I6510", 2, "科技", "电脑维修"), ("K7020", 1, "物业", "物业管理"),
    ("R8710", 1, "文化传媒", "影音"), ("M7320", 1, "检测", "检测站"),
]
TRADE_WORDS = list(
    "鸿运 兴隆 顺发 恒昌 永盛 金源 华泰 福润 天成 宏达 新港 海峰 聚丰 润泽 佳和 瑞祥 盛世 荣晟 嘉禾 泰和 "
    "锦程 广源 祥和 惠民 众诚 鑫旺 同安 东方 中南 联创 长青 腾达 汇通 益丰 德顺 万家 百川 正大 明辉 安泰".split()
)
SURNAMES = list("陈林黄张李王吴刘蔡杨郑许谢洪郭邱曾廖赖徐周叶苏庄吕江何萧罗高潘简朱钟彭游詹胡施沈余连")
GIVEN = list("志伟建华明辉国强文杰俊峰丽芳秀英海燕永福金水春生清泉德明美玲雅婷家豪宏达荣辉少华")
ROADS = ["沙格路", "前黄路", "驿峰路", "荷花路", "泉港大道", "山腰大街", "南山路", "峰前路", "海滨路", "兴通路"]
TYPES = [("individual", 0.66), ("enterprise", 0.32), ("cooperative", 0.02)]
STATUSES = [("active", 0.80), ("deregistered", 0.13), ("revoked", 0.04), ("suspended", 0.02), ("moved_out", 0.01)]
ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def database_url(name: str) -> str:
    return f"{PG_SERVER}/{name}"


def setup_django(dbname: str, *, migrate: bool = True) -> None:
    """Point Django at the benchmark's own database (created if missing) and migrate it."""
    import psycopg2

    conn = psycopg2.connect(database_url("postgres"))
    conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
            if not cur.fetchone():
                cur.execute(f'CREATE DATABASE "{dbname}"')
    finally:
        conn.close()
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url(dbname)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory, which would distort time and memory
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # one log line per request would bury the figures
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def _weighted(pairs, rng, n):
    values = [p[0] for p in pairs]
    weights = [p[1] for p in pairs]
    return rng.choices(values, weights=weights, k=n)


def _uscc(kind: str, n: int) -> str:
    from registry.codes import with_check_char

    digits = []
    for _ in range(9):
        n, r = divmod(n, 31)
        digits.append(ORG_CHARS[r])
    return with_check_char(kind + "350505" + "".join(reversed(digits)))


COLUMNS = ("uscc, name, entity_type, legal_rep, industry_code, address, registration_authority, office_id, "
           "established_on, status, phone, created_at, updated_at")


def _offices() -> list[tuple[int, float]]:
    from core.models import Office

    offices = []
    for i, (name, share) in enumerate(OFFICES, 1):
        office, _ = Office.objects.get_or_create(name=name, defaults={"code": f"QG{i:02d}", "sort_order": i})
        offices.append((office.id, share))
    return offices


def generate_tsv(first_serial: int, n: int, rng: random.Random, offices: list[tuple[int, float]]) -> io.StringIO:
    """n generated entities as COPY text; serials (and so codes) start at first_serial."""
    industries = [(code, weight) for code, weight, _, _ in INDUSTRIES]
    words = {code: (ent, ind) for code, _, ent, ind in INDUSTRIES}
    start = date(1995, 1, 1)
    span = (date(2025, 12, 31) - start).days
    kinds = _weighted(TYPES, rng, n)
    statuses = _weighted(STATUSES, rng, n)
    codes = _weighted(industries, rng, n)
    office_ids = _weighted(offices, rng, n)
    buf = io.StringIO()
    for i in range(n):
        serial = first_serial + i
        kind, code, office_id = kinds[i], codes[i], office_ids[i]
        town = TOWNS[office_id % len(TOWNS)]
        trade = rng.choice(TRADE_WORDS) + (rng.choice(TRADE_WORDS) if rng.random() < 0.3 else "")
        ent_word, ind_word = words[code]
        if kind == "individual":
            name = f"泉港区{town[:2]}{trade}{ind_word}"
            prefix = "92"
        elif kind == "cooperative":
            name = f"泉州市泉港区{trade}{ent_word}专业合作社"
            prefix = "93"
        else:
            name = f"泉州市泉港区{trade}{ent_word}有限公司"
            prefix = "91"
        # Recent years register more entities: the power below 1 skews the spread towards today.
        established = start + timedelta(days=int(span * rng.random() ** 0.6))
        rep = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if rng.random() < 0.85 else ""
        address = f"福建省泉州市泉港区{town}{rng.choice(ROADS)}{rng.randrange(1, 400)}号"
        buf.write("\t".join((
            _uscc(prefix, serial * 7919), name, kind, rep, code, address, "泉州市泉港区市场监督管理局",
            str(office_id), established.isoformat(), statuses[i], phone, "2026-01-01 00:00:00+08",
            "2026-01-01 00:00:00+08",
        )) + "\n")
    buf.seek(0)
    return buf


def copy_tsv(buf: io.StringIO) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.copy_expert(f"COPY registry_marketentity ({COLUMNS}) FROM STDIN", buf)


def ensure_register(total: int, *, seed: int = 2026, batch: int = 100_000, log=print) -> None:
    """Make the register hold exactly `total` generated entities (kept between runs if already there)."""
    from django.db import connection

    from registry.models import MarketEntity

    offices = _offices()
    if MarketEntity.objects.count() == total:
        log(f"已有 {total:,} 户测试数据，直接使用")
        return
    log(f"生成 {total:,} 户测试数据（COPY）…")
    with connection.cursor() as cur:
        cur.execute("TRUNCATE registry_statuschange, registry_marketentity RESTART IDENTITY CASCADE")
    rng = random.Random(seed)
    done = 0
    while done < total:
        n = min(batch, total - done)
        copy_tsv(generate_tsv(done + 1, n, rng, offices))
        done += n
        log(f"  {done:,} / {total:,}")
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) registry_marketentity")
