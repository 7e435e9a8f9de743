"""hmac-sha256-rank/v1 on its own: exact sample sizes, uniform inclusion (chi-square over fixed seeds), and property
tests of the assignment (conflicts, cross-office, at least two, one per department) against the reference."""
import hashlib
import hmac
import math
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspections.algorithm import DrawFailure, Hasher, PoolMember, assign, rank_select, sample_size, walk_order
from tests.inspections import reference

# ------------------------------------------------------------------------------------------------------------
# H, sample sizes, ranking
# ------------------------------------------------------------------------------------------------------------


def test_h_is_hmac_sha256_of_the_utf8_message_keyed_by_the_seed():
    seed = "00112233445566778899aabbccddeeff" * 2
    for message in ("91350505MA2Y4L5X1K", "91350505MA2Y4L5X1K:ZF01", "泉港"):
        expected = hmac.new(bytes.fromhex(seed), message.encode("utf-8"), hashlib.sha256).hexdigest()
        assert Hasher(seed).hex(message) == expected


@pytest.mark.parametrize("n, ratio, k", [
    (0, "0.5", 0), (1, "0.035", 1), (100, "0.035", 4), (1000, "0.035", 35), (1001, "0.035", 36),
    (10, "1", 10), (10, "0", 0), (3, "0.3333", 1), (3, "0.33334", 2), (7, "0.5", 4),
    (1_000_000, "0.035", 35_000), (999_999, "0.0000001", 1),
])
def test_sample_size_is_the_exact_decimal_ceiling(n, ratio, k):
    assert sample_size(n, ratio) == k == min(n, math.ceil(Decimal(n) * Decimal(ratio)))


def test_ratios_must_be_decimal_strings_between_0_and_1():
    for bad in (0.035, "1.01", "-0.1", "abc", "NaN"):
        with pytest.raises(ValueError):
            sample_size(10, bad)


def test_selection_is_the_k_smallest_keys_in_ascending_order():
    seed = "ab" * 32
    codes = [f"91350505MA{i:07d}X" for i in range(500)]
    for k in (0, 1, 17, 130, 499, 500):
        chosen = [code for _, code in rank_select(codes, k, Hasher(seed))]
        assert chosen == sorted(codes, key=lambda c: reference.H(seed, c))[:k]


# ------------------------------------------------------------------------------------------------------------
# Statistics: every entity of a stratum is drawn with probability k / N
# ------------------------------------------------------------------------------------------------------------

ALPHA_Z = 3.0902  # one-sided standard normal quantile for the fixed significance level α = 0.001


def chi_square_critical(df: int, z: float = ALPHA_Z) -> float:
    """Wilson–Hilferty approximation of the chi-square quantile (standard library only)."""
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


@pytest.mark.parametrize("n, ratio", [(200, "0.1"), (120, "0.05"), (60, "0.6")])
def test_inclusion_frequencies_match_k_over_n(n, ratio):
    rounds = 2000
    codes = [f"91350505MA{i:07d}Q" for i in range(n)]
    k = sample_size(n, ratio)
    counts = dict.fromkeys(codes, 0)
    for r in range(rounds):
        seed = hashlib.sha256(f"chi-square seed {r}".encode()).hexdigest()  # fixed, deterministic seeds
        for _, code in rank_select(codes, k, Hasher(seed)):
            counts[code] += 1
    p = k / n
    expected, variance = rounds * p, rounds * p * (1 - p)
    statistic = sum((observed - expected) ** 2 / variance for observed in counts.values())
    assert sum(counts.values()) == rounds * k
    assert statistic < chi_square_critical(n - 1), (statistic, chi_square_critical(n - 1))


# ------------------------------------------------------------------------------------------------------------
# Property tests of the assignment
# ------------------------------------------------------------------------------------------------------------

OFFICES = ["O1", "O2", "O3"]
DEPARTMENTS = ["D1", "D2", "D3"]


@st.composite
def scenarios(draw):
    entities = draw(st.lists(st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=18, max_size=18),
                             min_size=1, max_size=14, unique=True))
    offices = {code: draw(st.sampled_from(OFFICES)) for code in entities}
    size = draw(st.integers(min_value=2, max_value=10))
    pool = [PoolMember(f"P{i:02d}", draw(st.sampled_from([*OFFICES, None])), draw(st.sampled_from(DEPARTMENTS)),
                       frozenset(draw(st.lists(st.sampled_from(entities), max_size=3))))
            for i in range(size)]
    joint = draw(st.booleans())
    departments = draw(st.permutations(DEPARTMENTS).map(lambda p: list(p[:2]))) if joint else ["D1"]
    per_check = draw(st.integers(min_value=max(2, len(departments)), max_value=4))
    seed = draw(st.binary(min_size=32, max_size=32)).hex()
    return {"entities": entities, "offices": offices, "pool": pool, "departments": departments,
            "per_check": per_check, "cross_office": draw(st.booleans()), "seed": seed}


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_assignments_respect_conflicts_cross_office_minimum_and_departments(s):
    hasher = Hasher(s["seed"])
    ranked = rank_select(s["entities"], len(s["entities"]), hasher)
    walk = [code for _, code in walk_order({"A": ranked})]
    by_code = {m.code: m for m in s["pool"]}
    pool_dicts = [{"code": m.code, "office": m.office, "department": m.department, "conflicts": sorted(m.conflicts)}
                  for m in s["pool"]]
    try:
        expected = reference.assign(s["seed"], walk, s["offices"], pool_dicts, per_check=s["per_check"],
                                    cross_office=s["cross_office"], departments=s["departments"])
    except ValueError as exc:
        with pytest.raises(DrawFailure) as failure:
            assign([(c, s["offices"][c]) for c in walk], s["pool"], hasher=hasher, per_check=s["per_check"],
                   cross_office=s["cross_office"], departments=s["departments"])
        assert failure.value.uscc == str(exc)
        return
    result = assign([(c, s["offices"][c]) for c in walk], s["pool"], hasher=hasher, per_check=s["per_check"],
                    cross_office=s["cross_office"], departments=s["departments"])
    assert [codes for _, codes in expected] == result
    for uscc, codes in zip(walk, result, strict=True):
        members = [by_code[c] for c in codes]
        assert len(codes) == len(set(codes)) == s["per_check"] >= 2
        assert all(uscc not in m.conflicts for m in members)
        if s["cross_office"]:
            assert all(m.office != s["offices"][uscc] for m in members)
        if len(s["departments"]) >= 2:
            assert [m.department for m in members[:len(s["departments"])]] == s["departments"]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(min_value=2, max_value=30), st.integers(min_value=1, max_value=200))
def test_load_stays_balanced_without_constraints(inspectors, entities):
    pool = [PoolMember(f"P{i:02d}", None, "D1") for i in range(inspectors)]
    walk = [(f"E{i:017d}", "O1") for i in range(entities)]
    result = assign(walk, pool, hasher=Hasher("cd" * 32), per_check=2, cross_office=False, departments=["D1"])
    loads = {m.code: 0 for m in pool}
    for codes in result:
        for code in codes:
            loads[code] += 1
    assert max(loads.values()) - min(loads.values()) <= 1
