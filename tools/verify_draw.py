#!/usr/bin/env python3
"""Verify a 双随机 draw certificate (hmac-sha256-rank/v1) with nothing but the Python standard library.

    python3 verify_draw.py draw-12-certificate.json

Exit status 0: the certificate is intact and its selections and inspector assignments follow from its seed,
populations and inspector pool exactly. 1: the first discrepancy is printed. 2: the file cannot be read.

The algorithm (泉州市泉港区市场监督管理局 信用监管平台, DESIGN.md §4), where
H(msg) = HMAC-SHA256(key=bytes.fromhex(seed), msg=msg.encode("utf-8")).hexdigest():

1. Each stratum (risk class A, B, C, D, or U for unclassified) lists its population, sorted by code.
2. Sample size k = min(N, ceil(N × ratio)), computed exactly from the ratio's decimal string.
3. Within a stratum, the k codes with the smallest H(code) are selected, in ascending H.
4. All selected entities, every stratum together, are walked in ascending H. For each, inspectors are picked one
   at a time: among the eligible ones not yet picked for this entity (not declaring a conflict with it; with the
   cross-office option, not from its office), the one with the lowest load so far in this draw, ties broken by
   the smallest H(uscc + ":" + inspector code). A joint task (two or more departments) first picks one inspector
   from each department in order, then the rest from the whole pool, up to inspectors_per_check.
5. certificate_sha256 is the SHA-256 of the certificate without that field, serialised with
   json.dumps(cert, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8").

This file is a self-contained copy for anyone outside the bureau; the platform computes the same in
inspections/algorithm.py.
"""
import hashlib
import heapq
import json
import re
import sys
from decimal import ROUND_CEILING, Decimal, InvalidOperation, localcontext

ALGORITHM = "hmac-sha256-rank/v1"


class Mismatch(Exception):
    """The certificate does not reproduce; the message says where."""


class HMAC:
    """HMAC-SHA256 under one key, with the key blocks hashed once (same result as hmac.new(...).digest())."""

    def __init__(self, seed_hex: str):
        key = bytes.fromhex(seed_hex).ljust(64, b"\0")
        self.inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self.outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digests(self, messages):
        inner_copy, outer_copy, out = self.inner.copy, self.outer.copy, []
        for message in messages:
            i = inner_copy()
            i.update(message.encode("utf-8"))
            o = outer_copy()
            o.update(i.digest())
            out.append(o.digest())
        return out

    def smallest_for(self, prefix: str):
        """A function choosing, from a set of pool positions, the one with the smallest H(prefix + code);
        the keys are cached, so a second pick for the same entity costs nothing."""
        inner = self.inner.copy()
        inner.update(prefix.encode("utf-8"))
        inner_copy, outer_copy, cache = inner.copy, self.outer.copy, {}

        def smallest(candidates, code_bytes):
            missing = candidates.difference(cache)
            for i in missing:
                h = inner_copy()
                h.update(code_bytes[i])
                o = outer_copy()
                o.update(h.digest())
                cache[i] = o.digest()
            return min(candidates, key=cache.__getitem__)

        return smallest


def sample_size(n: int, ratio) -> int:
    try:
        value = Decimal(str(ratio))
    except InvalidOperation:
        raise Mismatch(f"比例 {ratio!r} 不是有效的小数")
    if isinstance(ratio, float) or not value.is_finite() or not 0 <= value <= 1:
        raise Mismatch(f"比例 {ratio!r} 应为 0 到 1 之间的小数字符串")
    with localcontext() as ctx:
        ctx.prec = 60
        return min(n, int((Decimal(n) * value).to_integral_value(rounding=ROUND_CEILING)))


def select(population, k, hmac_):
    if k <= 0:
        return []
    keyed = zip(hmac_.digests(population), population, strict=True)
    return sorted(keyed)[:k] if k * 4 >= len(population) else heapq.nsmallest(k, keyed)


def assign(walk, offices, pool, hmac_, per_check, cross_office, departments):
    codes = [p["code"] for p in pool]
    code_bytes = [c.encode("utf-8") for c in codes]
    load = [0] * len(pool)
    levels = [set(range(len(pool)))]  # levels[L]: inspectors with load L
    low = 0
    by_office, conflicts = {}, {}
    for i, p in enumerate(pool):
        by_office.setdefault(p.get("office"), set()).add(i)
        for uscc in p.get("conflicts", []):
            conflicts.setdefault(uscc, set()).add(i)
    joint = len(departments) >= 2
    members = {d: {i for i, p in enumerate(pool) if p.get("department") == d} for d in departments}
    out = []
    for uscc in walk:
        blocked = set(conflicts.get(uscc, ()))
        if cross_office and offices.get(uscc) is not None:
            blocked |= by_office.get(offices[uscc], set())
        smallest, picked = hmac_.smallest_for(uscc + ":"), []
        wants = [members[d] for d in departments] if joint else []
        wants += [None] * max(0, per_check - len(wants))
        for allowed in wants:
            chosen = None
            for level in levels[low:]:
                candidates = level - blocked
                if allowed is not None:
                    candidates &= allowed
                candidates.difference_update(picked)
                if candidates:
                    chosen = smallest(candidates, code_bytes)
                    break
            if chosen is None:
                raise Mismatch(f"按凭证数据无法为 {uscc} 分派足够的检查人员")
            levels[load[chosen]].discard(chosen)
            load[chosen] += 1
            if len(levels) <= load[chosen]:
                levels.append(set())
            levels[load[chosen]].add(chosen)
            picked.append(chosen)
            while low < len(levels) - 1 and not levels[low]:
                low += 1
        out.append({"uscc": uscc, "inspectors": [codes[i] for i in picked]})
    return out


def first_difference(got, want, what):
    for n, (a, b) in enumerate(zip(got, want, strict=False), start=1):
        if a != b:
            raise Mismatch(f"{what}第 {n} 项应为 {b}，凭证写的是 {a}")
    if len(got) != len(want):
        raise Mismatch(f"{what}应有 {len(want)} 项，凭证有 {len(got)} 项")


def verify(cert: dict) -> dict:
    """Raise Mismatch at the first discrepancy; return a few figures when everything reproduces."""
    if cert.get("algorithm") != ALGORITHM:
        raise Mismatch(f"算法应为 {ALGORITHM}，凭证写的是 {cert.get('algorithm')!r}")
    body = {k: v for k, v in cert.items() if k != "certificate_sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if hashlib.sha256(canonical).hexdigest() != cert.get("certificate_sha256"):
        raise Mismatch("certificate_sha256 与凭证内容不符：凭证在生成后被改动过")
    seed = cert.get("seed")
    if not isinstance(seed, str) or not re.fullmatch(r"[0-9a-f]{64}", seed):
        raise Mismatch("seed 应为 64 位小写十六进制")
    hmac_ = HMAC(seed)
    seen, ranked_all, population_total = set(), [], 0
    for stratum in cert["strata"]:
        cls, population = stratum["class"], stratum["population"]
        if population != sorted(set(population)):
            raise Mismatch(f"{cls} 类：population 未排序或有重复")
        if seen.intersection(population):
            raise Mismatch(f"{cls} 类：有主体同时属于两个类别")
        seen.update(population)
        if stratum["population_size"] != len(population):
            raise Mismatch(f"{cls} 类：population_size 与名单户数不符")
        digest = hashlib.sha256("\n".join(population).encode("utf-8")).hexdigest()
        if digest != stratum["population_sha256"]:
            raise Mismatch(f"{cls} 类：population_sha256 与名单不符")
        k = sample_size(len(population), stratum["ratio"])
        if stratum["sample_size"] != k:
            raise Mismatch(f"{cls} 类：sample_size 应为 {k}")
        ranked = select(population, k, hmac_)
        first_difference(stratum["selected"], [code for _, code in ranked], f"{cls} 类抽中名单")
        ranked_all.append(ranked)
        population_total += len(population)
    excluded = {e["uscc"] for e in cert.get("exclusions", [])}
    if excluded & seen:
        raise Mismatch(f"{sorted(excluded & seen)[0]} 既被排除又在抽取范围内")
    walk = [code for _, code in heapq.merge(*ranked_all)]
    task = cert["task"]
    expected = assign(walk, cert["entity_offices"], cert["pool"], hmac_, int(task["inspectors_per_check"]),
                      bool(task["cross_office"]), list(task["departments"]))
    first_difference(cert["assignments"], expected, "人员分派")
    return {"population": population_total, "selected": len(walk), "pool": len(cert["pool"])}


def main(argv) -> int:
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.split("\n\n")[1].strip() if len(argv) == 2 else "用法：python3 verify_draw.py 凭证文件.json",
              file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            cert = json.load(f)
    except (OSError, ValueError) as exc:
        print(f"无法读取凭证文件：{exc}", file=sys.stderr)
        return 2
    try:
        figures = verify(cert)
    except Mismatch as exc:
        print(f"不一致：{exc}")
        return 1
    except (KeyError, TypeError) as exc:
        print(f"不一致：凭证缺少或写错了字段（{exc}）")
        return 1
    print(f"一致：抽取范围 {figures['population']} 户，抽中 {figures['selected']} 户，人员库 {figures['pool']} 人；"
          f"凭证摘要 {cert['certificate_sha256']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
