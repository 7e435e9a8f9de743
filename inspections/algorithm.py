"""The verifiable draw ``hmac-sha256-rank/v1`` (DESIGN.md §4): ranking, sample sizes, inspector assignment, checks.

Pure Python and the standard library only, so that the draw, ``manage.py verify_draw`` and anyone reading this
file compute the same thing. ``tools/verify_draw.py`` is a separate, self-contained copy for people outside the
bureau. ``H(msg) = HMAC-SHA256(key=bytes.fromhex(seed), msg=msg.encode("utf-8"))``; comparing raw digests orders
them exactly as comparing their lowercase hex forms does.
"""
import hashlib
import heapq
import json
import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, InvalidOperation, localcontext
from itertools import compress

ALGORITHM = "hmac-sha256-rank/v1"
STRATA = ("A", "B", "C", "D", "U")
_SEED = re.compile(r"^[0-9a-f]{64}$")


class DrawFailure(Exception):
    """The draw cannot be completed (an entity lacks eligible inspectors); nothing is saved."""

    def __init__(self, message: str, *, uscc: str = ""):
        super().__init__(message)
        self.uscc = uscc


class Hasher:
    """H for one seed, with the HMAC key blocks hashed once (about twice as fast as hmac.digest per message)."""

    def __init__(self, seed: str):
        key = bytes.fromhex(seed)
        if len(key) > 64:
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(self, message: str) -> bytes:
        inner = self._inner.copy()
        inner.update(message.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def hex(self, message: str) -> str:
        return self.digest(message).hex()

    def digests(self, messages) -> list[bytes]:
        """H of many messages (ASCII codes), in order."""
        inner_copy, outer_copy = self._inner.copy, self._outer.copy
        out = []
        append = out.append
        for message in messages:
            inner = inner_copy()
            inner.update(message.encode())
            outer = outer_copy()
            outer.update(inner.digest())
            append(outer.digest())
        return out

    def prefixed(self, prefix: str):
        """A function code → H(prefix + code), sharing the prefix's hashing (the assignment's tie-break)."""
        inner = self._inner.copy()
        inner.update(prefix.encode("utf-8"))
        inner_copy, outer_copy = inner.copy, self._outer.copy

        def h(code_bytes: bytes) -> bytes:
            i = inner_copy()
            i.update(code_bytes)
            o = outer_copy()
            o.update(i.digest())
            return o.digest()

        return h


def parse_ratio(ratio) -> Decimal:
    """A ratio written as a decimal string ("0.035"), 0 to 1; never a float."""
    if isinstance(ratio, float):
        raise ValueError("比例必须写成小数字符串，不能用浮点数")
    try:
        value = Decimal(str(ratio))
    except InvalidOperation:
        raise ValueError(f"比例“{ratio}”不是有效的小数")
    if not value.is_finite() or value < 0 or value > 1:
        raise ValueError(f"比例“{ratio}”应在 0 到 1 之间")
    return value


def ratio_text(ratio) -> str:
    """The ratio as the certificate writes it: plain decimal notation without trailing zeros ("0.035")."""
    value = parse_ratio(ratio)
    text = format(value.normalize(), "f")
    return text


def sample_size(n: int, ratio) -> int:
    """k = min(N, ceil(N × ratio)), exactly."""
    value = parse_ratio(ratio)
    with localcontext() as ctx:
        ctx.prec = 60
        k = (Decimal(n) * value).to_integral_value(rounding=ROUND_CEILING)
    return min(n, int(k))


def rank_select(population: list[str], k: int, hasher: Hasher) -> list[tuple[bytes, str]]:
    """The k codes with the smallest H(code), as (key, code) in ascending key order."""
    if k <= 0 or not population:
        return []
    digests = hasher.digests(population)
    n = len(population)
    if k * 4 < n:
        # Keys are uniform over 256 bits, so the k smallest lie below a bound a little above k/n of the range:
        # keep the keys under it (a C-level pass), and if at least k are kept, they contain the k smallest.
        share = min(1.0, (k + 6 * k ** 0.5 + 16) / n)
        bound = min(int(share * 2 ** 256), 2 ** 256 - 1).to_bytes(32, "big")
        kept = sorted(compress(zip(digests, population, strict=True), map(bound.__gt__, digests)))
        if len(kept) >= k:
            return kept[:k]
        return heapq.nsmallest(k, zip(digests, population, strict=True))
    return sorted(zip(digests, population, strict=True))[:k]


@dataclass(frozen=True)
class PoolMember:
    """An inspector as the draw froze them: code, office and department codes, declared conflicts."""

    code: str
    office: str | None
    department: str | None
    conflicts: frozenset = field(default_factory=frozenset)

    def as_certificate(self) -> dict:
        return {"code": self.code, "office": self.office, "department": self.department,
                "conflicts": sorted(self.conflicts)}


def _reason(uscc: str, need: str, excluded_conflict: int, excluded_office: int) -> str:
    parts = []
    if excluded_conflict:
        parts.append(f"{excluded_conflict} 名因回避申报排除")
    if excluded_office:
        parts.append(f"{excluded_office} 名因跨所检查排除（属本所）")
    detail = f"（{'，'.join(parts)}）" if parts else ""
    return f"市场主体 {uscc} 无法分派检查人员：{need}{detail}。本次抽取未保存任何结果。"


class _Loads:
    """Inspectors grouped by load so far: levels[L] holds those with L entities; levels below ``low`` are empty."""

    def __init__(self, n: int):
        self.load = [0] * n
        self.levels: list[set[int]] = [set(range(n))]
        self.low = 0

    def pick(self, *, blocked: set[int], allowed: set[int] | None, picked: list[int], key: "_TieBreak") -> int | None:
        """The eligible inspector with the lowest load; among equals the one with the smallest tie-break key."""
        for level in self.levels[self.low:]:
            candidates = level - blocked
            if allowed is not None:
                candidates &= allowed
            candidates.difference_update(picked)
            if candidates:
                return key.smallest(candidates)
        return None

    def take(self, i: int) -> None:
        level = self.load[i]
        self.levels[level].discard(i)
        self.load[i] = level + 1
        if len(self.levels) <= level + 1:
            self.levels.append(set())
        self.levels[level + 1].add(i)
        while self.low < len(self.levels) - 1 and not self.levels[self.low]:
            self.low += 1


class _TieBreak:
    """H(uscc + ":" + code) for one entity, computed once per inspector and only for those that tie."""

    def __init__(self, hasher: Hasher, uscc: str, code_bytes: list[bytes]):
        inner = hasher._inner.copy()
        inner.update(uscc.encode("utf-8") + b":")
        self.inner_copy, self.outer_copy = inner.copy, hasher._outer.copy
        self.code_bytes = code_bytes
        self.cache: dict[int, bytes] = {}

    def smallest(self, candidates: set[int]) -> int:
        """The candidate with the smallest key; the keys of all of them are computed in one tight loop."""
        cache = self.cache
        missing = candidates.difference(cache)
        if missing:
            inner_copy, outer_copy, code_bytes = self.inner_copy, self.outer_copy, self.code_bytes
            for i in missing:
                h = inner_copy()
                h.update(code_bytes[i])
                o = outer_copy()
                o.update(h.digest())
                cache[i] = o.digest()
        return min(candidates, key=cache.__getitem__)


class _Ordered:
    """The tie-break of one entity from a precomputed order: its eligible inspectors sorted by H(uscc + ":" + code)
    (``inspections.parallel`` computes it in a second process); the first candidate in that order is the one with
    the smallest key, exactly as ``_TieBreak`` would find it."""

    __slots__ = ("order",)

    def __init__(self, order):
        self.order = order

    def smallest(self, candidates: set[int]) -> int:
        return next(filter(candidates.__contains__, self.order))


def assign(walk: list[tuple[str, str | None]], pool: list[PoolMember], *, hasher: Hasher, per_check: int,
           cross_office: bool, departments: list[str], names: dict | None = None, ahead=None,
           emit=None, emit_every: int = 4096) -> list[list[str]]:
    """Inspectors for each entity of the walk (uscc, office code), in walk order, by the rule of DESIGN.md §4.

    One pick at a time: the eligible inspector not yet picked for this entity with the lowest load so far, ties
    broken by the smallest H(uscc + ":" + code); a joint task (2+ departments) first takes one from each
    department in order. ``names`` (uscc → name) only words the failure message. ``ahead`` (optional, see
    ``inspections.parallel``): ``ahead.order(j)`` gives the j-th entity's eligible inspectors already sorted by
    their key, or None; the result is the same either way. ``emit(start, assignments)`` (optional) receives the
    assignments as they are made, ``emit_every`` entities at a time (the draw job writes them meanwhile).
    """
    codes = [m.code for m in pool]
    code_bytes = [c.encode("utf-8") for c in codes]
    n = len(pool)
    by_office, conflicts = blocking_maps(pool)
    loads = _Loads(n)
    joint = len(departments) >= 2
    in_department = {d: {i for i, m in enumerate(pool) if m.department == d} for d in departments} if joint else {}
    no_conflicts: frozenset = frozenset()
    result = []
    append = result.append
    pick, take = loads.pick, loads.take
    for j, (uscc, office) in enumerate(walk):
        blocked = set(conflicts.get(uscc, no_conflicts))
        n_conflict = len(blocked)
        n_office = 0
        if cross_office and office is not None:
            same = by_office.get(office, no_conflicts)
            n_office = len(same - blocked)
            blocked |= same
        order = ahead.order(j) if ahead is not None else None
        key = _Ordered(order) if order is not None else _TieBreak(hasher, uscc, code_bytes)
        picked: list[int] = []
        for department in departments if joint else ():
            i = pick(blocked=blocked, allowed=in_department[department], picked=picked, key=key)
            if i is None:
                raise DrawFailure(_reason(_label(uscc, names), f"没有来自部门 {department} 的可用检查人员", n_conflict,
                                          n_office), uscc=uscc)
            take(i)
            picked.append(i)
        while len(picked) < per_check:
            i = pick(blocked=blocked, allowed=None, picked=picked, key=key)
            if i is None:
                raise DrawFailure(_reason(_label(uscc, names), f"需要 {per_check} 名检查人员，符合条件的只有 "
                                          f"{n - len(blocked)} 名", n_conflict, n_office), uscc=uscc)
            take(i)
            picked.append(i)
        append([codes[i] for i in picked])
        if emit is not None and not (j + 1) % emit_every:
            emit(j + 1 - emit_every, result[j + 1 - emit_every:])
    if emit is not None and len(result) % emit_every:
        start = len(result) - len(result) % emit_every
        emit(start, result[start:])
    return result


def _label(uscc: str, names: dict | None) -> str:
    return f"{names[uscc]}（{uscc}）" if names and uscc in names else uscc


def blocking_maps(pool: list[PoolMember]) -> tuple[dict[str | None, set[int]], dict[str, set[int]]]:
    """Pool indices by office, and by the entity codes they declared conflicts with."""
    by_office: dict[str | None, set[int]] = {}
    conflicts: dict[str, set[int]] = {}
    for i, m in enumerate(pool):
        by_office.setdefault(m.office, set()).add(i)
        for uscc in m.conflicts:
            conflicts.setdefault(uscc, set()).add(i)
    return by_office, conflicts


def eligible_order(hasher: Hasher, uscc: str, eligible: list[int], code_bytes: list[bytes]) -> list[int]:
    """The eligible pool indices of one entity sorted by H(uscc + ":" + code) (what the parallel helper sends)."""
    h = hasher.prefixed(uscc + ":")
    return sorted(eligible, key=lambda i: h(code_bytes[i]))


def walk_order(selected: dict[str, list[tuple[bytes, str]]]) -> list[tuple[bytes, str]]:
    """Every selected entity of every stratum together, in ascending key order."""
    return list(heapq.merge(*selected.values()))


# ---------------------------------------------------------------------------------------------------------
# The certificate
# ---------------------------------------------------------------------------------------------------------

def canonical_bytes(cert: dict) -> bytes:
    """The certificate without certificate_sha256, serialised as DESIGN.md §4 fixes it."""
    body = {k: v for k, v in cert.items() if k != "certificate_sha256"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def certificate_digest(cert: dict) -> str:
    return hashlib.sha256(canonical_bytes(cert)).hexdigest()


def population_digest(codes: list[str]) -> str:
    return hashlib.sha256("\n".join(codes).encode("utf-8")).hexdigest()


def verify_certificate(cert: dict) -> list[str]:
    """Recompute the strata, selections and assignments from the certificate; the discrepancies, first first."""
    problems: list[str] = []
    if cert.get("algorithm") != ALGORITHM:
        return [f"算法不是 {ALGORITHM}（凭证写的是 {cert.get('algorithm')!r}）"]
    if cert.get("certificate_sha256") != certificate_digest(cert):
        problems.append("凭证摘要 certificate_sha256 与凭证内容不符（凭证被改动过）")
    seed = cert.get("seed", "")
    if not isinstance(seed, str) or not _SEED.match(seed):
        return problems + ["随机种子 seed 应为 64 位小写十六进制"]
    hasher = Hasher(seed)
    seen: set[str] = set()
    selected: dict[str, list[tuple[bytes, str]]] = {}
    for stratum in cert.get("strata", []):
        cls = stratum.get("class")
        population = stratum.get("population", [])
        if population != sorted(set(population)):
            problems.append(f"{cls} 类：抽取范围 population 未按代码排序或有重复")
        if stratum.get("population_size") != len(population):
            problems.append(f"{cls} 类：population_size 为 {stratum.get('population_size')}，"
                            f"名单实有 {len(population)} 户")
        if stratum.get("population_sha256") != population_digest(population):
            problems.append(f"{cls} 类：population_sha256 与抽取范围名单不符（抽取范围被改动过）")
        overlap = seen.intersection(population)
        if overlap:
            problems.append(f"{cls} 类：{sorted(overlap)[0]} 同时出现在两个类别中")
        seen.update(population)
        try:
            k = sample_size(len(population), stratum.get("ratio"))
        except ValueError as exc:
            problems.append(f"{cls} 类：{exc}")
            continue
        if stratum.get("sample_size") != k:
            problems.append(f"{cls} 类：sample_size 应为 {k}，凭证写的是 {stratum.get('sample_size')}")
        ranked = rank_select(population, k, hasher)
        expected = [code for _, code in ranked]
        if stratum.get("selected") != expected:
            got = stratum.get("selected") or []
            at = next((i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b),
                      min(len(got), len(expected)))
            want = expected[at] if at < len(expected) else "（无）"
            found = got[at] if at < len(got) else "（无）"
            problems.append(f"{cls} 类：抽中名单第 {at + 1} 位应为 {want}，凭证写的是 {found}")
        selected[cls] = ranked
    excluded = {e.get("uscc") for e in cert.get("exclusions", [])}
    both = excluded & seen
    if both:
        problems.append(f"{sorted(both)[0]} 既被排除又在抽取范围内")
    walk = walk_order(selected)
    offices = cert.get("entity_offices", {})
    missing = [code for _, code in walk if code not in offices]
    if missing:
        problems.append(f"entity_offices 缺少抽中主体 {missing[0]} 的管辖单位")
    task = cert.get("task", {})
    try:
        pool = [PoolMember(p["code"], p.get("office"), p.get("department"), frozenset(p.get("conflicts", [])))
                for p in cert.get("pool", [])]
        expected_assignments = assign(
            [(code, offices.get(code)) for _, code in walk], pool, hasher=hasher,
            per_check=int(task.get("inspectors_per_check", 2)), cross_office=bool(task.get("cross_office")),
            departments=list(task.get("departments", [])),
        )
    except DrawFailure as exc:
        problems.append(f"按凭证数据无法完成人员分派：{exc}")
        return problems
    got = cert.get("assignments", [])
    want = [{"uscc": code, "inspectors": inspectors}
            for (_, code), inspectors in zip(walk, expected_assignments, strict=True)]
    if got != want:
        at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), min(len(got), len(want)))
        if at < len(want) and at < len(got):
            problems.append(f"人员分派第 {at + 1} 户（{want[at]['uscc']}）应为 {'、'.join(want[at]['inspectors'])}，"
                            f"凭证写的是 {got[at].get('uscc')}：{'、'.join(got[at].get('inspectors', []))}")
        else:
            problems.append(f"人员分派应有 {len(want)} 户，凭证有 {len(got)} 户")
    return problems
