"""An independent, deliberately plain implementation of hmac-sha256-rank/v1 written from DESIGN.md §4 alone.

It shares no code with inspections.algorithm: hex digests, full sorts and a linear search for every pick, so
that a mistake in the optimised draw (levels, cached keys, heaps) shows up as a difference.
"""
import hashlib
import hmac
import json
import math
from decimal import Decimal


def H(seed: str, msg: str) -> str:
    return hmac.new(bytes.fromhex(seed), msg.encode("utf-8"), hashlib.sha256).hexdigest()


def sample_size(n: int, ratio: str) -> int:
    return min(n, math.ceil(Decimal(n) * Decimal(ratio)))


def select(seed: str, population: list[str], ratio: str) -> list[str]:
    return sorted(population, key=lambda code: H(seed, code))[:sample_size(len(population), ratio)]


def assign(seed, walk, offices, pool, *, per_check, cross_office, departments):
    """[(uscc, [codes])] in walk order, or raise ValueError naming the entity."""
    loads = {p["code"]: 0 for p in pool}
    out = []
    for uscc in walk:
        eligible = [p for p in pool if uscc not in p["conflicts"]
                    and not (cross_office and p["office"] is not None and p["office"] == offices[uscc])]
        picked = []

        def best(candidates, uscc=uscc):
            return min(candidates, key=lambda member: (loads[member["code"]], H(seed, uscc + ":" + member["code"])))

        if len(departments) >= 2:
            for department in departments:
                candidates = [p for p in eligible if p["department"] == department and p["code"] not in picked]
                if not candidates:
                    raise ValueError(uscc)
                chosen = best(candidates)
                picked.append(chosen["code"])
                loads[chosen["code"]] += 1
        while len(picked) < per_check:
            candidates = [p for p in eligible if p["code"] not in picked]
            if not candidates:
                raise ValueError(uscc)
            chosen = best(candidates)
            picked.append(chosen["code"])
            loads[chosen["code"]] += 1
        out.append((uscc, picked))
    return out


def recompute(cert: dict) -> dict:
    """The strata's selections, the assignments and the digests, recomputed from a certificate's inputs."""
    seed = cert["seed"]
    selected = {s["class"]: select(seed, s["population"], s["ratio"]) for s in cert["strata"]}
    walk = sorted((code for codes in selected.values() for code in codes), key=lambda code: H(seed, code))
    task = cert["task"]
    assignments = assign(seed, walk, cert["entity_offices"], cert["pool"], per_check=task["inspectors_per_check"],
                         cross_office=task["cross_office"], departments=task["departments"])
    body = {k: v for k, v in cert.items() if k != "certificate_sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return {
        "selected": selected,
        "sample_sizes": {s["class"]: sample_size(len(s["population"]), s["ratio"]) for s in cert["strata"]},
        "population_sha256": {s["class"]: hashlib.sha256("\n".join(s["population"]).encode("utf-8")).hexdigest()
                              for s in cert["strata"]},
        "assignments": [{"uscc": u, "inspectors": codes} for u, codes in assignments],
        "certificate_sha256": hashlib.sha256(canonical).hexdigest(),
    }
