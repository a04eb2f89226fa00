"""wfm.erlang against 50-digit references, published values and identities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from tests.erlang import reference as ref
from wfm import erlang
from wfm.errors import InputError

RTOL = 1e-9

# (agents, traffic): small, medium, large; under, near and over the stability point.
CASES = [
    (1, 0.5), (1, 3.0), (2, 1.0), (5, 4.9), (10, 5.0), (10, 8.0), (13, 10.0), (20, 30.0),
    (50, 45.5), (100, 80.0), (100, 99.9), (100, 100.0), (150, 140.2), (250, 230.7),
    (500, 120.0), (1000, 995.0), (1000, 1500.0), (2000, 1900.0), (5000, 4870.3),
    (10000, 9800.0), (10000, 12000.0), (20000, 19850.0), (20000, 20000.0), (20000, 15000.0),
    (20000, 30000.0), (3, 2000.0), (40, 5000.0),
]


@pytest.mark.parametrize(("n", "a"), CASES)
def test_erlang_b_matches_high_precision(n, a):
    expected = ref.erlang_b(n, a)
    assert_allclose(erlang.erlang_b(n, a), expected, rtol=RTOL)


@pytest.mark.parametrize(("n", "a"), CASES)
def test_erlang_c_matches_definition(n, a):
    assert_allclose(erlang.erlang_c(n, a), ref.erlang_c(n, a), rtol=RTOL)


@pytest.mark.parametrize(("n", "a"), [c for c in CASES if c[0] > c[1]])
@pytest.mark.parametrize(("aht", "t"), [(180.0, 20.0), (300.0, 15.0), (45.0, 60.0)])
def test_service_level_and_asa_match(n, a, aht, t):
    assert_allclose(erlang.service_level(n, a, aht, t), ref.service_level(n, a, aht, t), rtol=RTOL)
    assert_allclose(erlang.average_speed_of_answer(n, a, aht), ref.asa(n, a, aht), rtol=RTOL)


def test_published_values():
    # Erlang B table: 10 trunks offered 5 Erlang block 1.84 % of calls.
    assert_allclose(erlang.erlang_b(10, 5.0), 0.018384570, atol=1e-9)
    # The classic Erlang C worked example: 100 calls of 180 s in 30 min (10 Erlang),
    # 13 agents: P(wait) 28.53 %, 79.6 % answered in 20 s, ASA 17.1 s; 14 agents reach 80/20.
    assert_allclose(erlang.erlang_c(13, 10.0), 0.2853, atol=5e-5)
    assert_allclose(erlang.service_level(13, 10.0, 180.0, 20.0), 0.7956, atol=5e-5)
    assert_allclose(erlang.average_speed_of_answer(13, 10.0, 180.0), 17.12, atol=5e-3)
    assert erlang.agents_for_service_level(10.0, 180.0, 0.8, 20.0) == 14


def test_unstable_and_degenerate_loads():
    assert erlang.erlang_c(10, 10.0) == 1.0
    assert erlang.erlang_c(10, 12.0) == 1.0
    assert erlang.service_level(10, 12.0, 180.0, 20.0) == 0.0
    assert erlang.average_speed_of_answer(10, 10.0, 180.0) == math.inf
    assert erlang.erlang_b(0, 5.0) == 1.0
    assert erlang.erlang_b(5, 0.0) == 0.0
    assert erlang.erlang_c(5, 0.0) == 0.0
    assert erlang.service_level(5, 0.0, 180.0, 20.0) == 1.0
    assert erlang.occupancy(0, 0.0) == 0.0
    assert erlang.occupancy(10, 12.0) == 1.0
    assert erlang.agents_for_service_level(0.0, 180.0, 0.8, 20.0) == 0


def test_never_overflows_at_extremes():
    n = np.array([1, 20000, 20000, 20000, 1])
    a = np.array([1e5, 1.0, 19999.0, 40000.0, 1e-6])
    values = [erlang.erlang_b(n, a), erlang.erlang_c(n, a), erlang.service_level(n, a, 200.0, 20.0)]
    for v in values:
        assert np.all(np.isfinite(v)) and np.all((v >= 0) & (v <= 1))


def test_scalar_equals_array_and_broadcasts():
    n = np.arange(1, 40)
    a = 17.3
    arr = erlang.service_level(n, a, 240.0, 20.0)
    scal = [erlang.service_level(int(k), a, 240.0, 20.0) for k in n]
    assert_allclose(arr, scal, rtol=0, atol=0)
    grid = erlang.erlang_c(n[:, None], np.array([5.0, 10.0, 20.0])[None, :])
    assert grid.shape == (39, 3)
    assert isinstance(erlang.erlang_b(3, 2.0), float)
    assert isinstance(erlang.agents_for_service_level(3.0, 100.0, 0.8, 20.0), int)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 3000), rho=st.floats(0.01, 3.0))
def test_c_at_least_b_and_both_probabilities(n, rho):
    a = n * rho
    b, c = erlang.erlang_b(n, a), erlang.erlang_c(n, a)
    assert 0.0 <= b <= c <= 1.0


@settings(max_examples=60, deadline=None)
@given(a=st.floats(0.1, 2000.0), aht=st.floats(10.0, 1200.0), t=st.floats(0.0, 120.0))
def test_service_level_rises_with_agents(a, aht, t):
    n = np.arange(int(a) + 1, int(a) + 60)
    sl = erlang.service_level(n, a, aht, t)
    assert np.all(np.diff(sl) >= -1e-15)
    asa = erlang.average_speed_of_answer(n, a, aht)
    assert np.all(np.diff(asa) <= 1e-12 * asa[:-1])


@settings(max_examples=80, deadline=None)
@given(
    a=st.floats(0.01, 3000.0),
    aht=st.floats(10.0, 1200.0),
    target=st.floats(0.05, 0.99),
    t=st.floats(0.0, 120.0),
    occ=st.floats(0.5, 1.0),
)
def test_agents_for_service_level_is_least(a, aht, target, t, occ):
    n = erlang.agents_for_service_level(a, aht, target, t, occ)
    assert erlang.service_level(n, a, aht, t) >= target * (1 - 1e-12)
    assert a / n <= occ * (1 + 1e-9)
    m = n - 1
    fails = m <= a or a / m > occ * (1 + 1e-9) or erlang.service_level(m, a, aht, t) < target
    assert fails, f"{m} agents would do"


def test_agents_search_never_skips_the_least_count():
    # Light loads where 1 or 2 agents suffice: a search starting at a fixed 'reasonable'
    # count would overshoot.
    assert erlang.agents_for_service_level(0.01, 180.0, 0.8, 20.0) == 1
    assert erlang.agents_for_service_level(0.5, 180.0, 0.5, 20.0) == 1
    # Round-off: A / max_occupancy = 8.5 / 0.85 is 10.000000000000002 in floats.
    assert erlang.agents_needed(8.5, 60.0, max_occupancy=0.85) == 10


def test_vectorised_search_equals_scalar_search():
    rng = np.random.default_rng(7)
    a = rng.uniform(0, 250, 300)
    aht = rng.uniform(60, 600, 300)
    vec = erlang.agents_for_service_level(a, aht, 0.8, 20.0, 0.85)
    one = [erlang.agents_for_service_level(x, h, 0.8, 20.0, 0.85) for x, h in zip(a, aht, strict=True)]
    assert vec.tolist() == one


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.1, 1500.0), aht=st.floats(30.0, 900.0), asa=st.floats(1.0, 300.0))
def test_agents_for_asa_is_least(a, aht, asa):
    n = erlang.agents_for_asa(a, aht, asa)
    assert erlang.average_speed_of_answer(n, a, aht) <= asa * (1 + 1e-12)
    m = n - 1
    assert m <= a or erlang.average_speed_of_answer(m, a, aht) > asa


# ------------------------------------------------------------------ Erlang A
A_CASES = [
    # agents, traffic, aht, patience, answer_within
    (1, 0.7, 180.0, 300.0, 20.0),
    (3, 2.5, 200.0, 60.0, 10.0),
    (5, 6.0, 120.0, 400.0, 30.0),
    (10, 9.0, 180.0, 300.0, 20.0),
    (10, 14.0, 180.0, 120.0, 20.0),
    (12, 8.0, 240.0, 900.0, 15.0),
    (20, 19.5, 150.0, 500.0, 20.0),
    (25, 40.0, 300.0, 200.0, 20.0),
]


@pytest.mark.parametrize(("n", "a", "aht", "patience", "t"), A_CASES)
def test_erlang_a_matches_birth_death_chain(n, a, aht, patience, t):
    p_wait, p_ab, sl = ref.erlang_a(n, a, aht, patience, t)
    r = erlang.erlang_a(n, a, aht, patience, t)
    assert_allclose(r.p_wait, p_wait, rtol=RTOL)
    assert_allclose(r.p_abandon, p_ab, rtol=RTOL)
    assert_allclose(r.service_level, sl, rtol=RTOL)
    assert_allclose(r.asa, p_ab * patience, rtol=RTOL)  # Little's law on abandonment
    assert_allclose(r.occupancy, a * (1 - p_ab) / n, rtol=RTOL)


@pytest.mark.parametrize(("n", "a"), [(400, 390.0), (2000, 2100.0), (20000, 19900.0)])
def test_erlang_a_large_systems_match_chain_for_waits(n, a):
    p_wait, p_ab, _ = ref.erlang_a(n, a, 200.0, 400.0, 20.0, tol=1e-30, with_sl=False)
    r = erlang.erlang_a(n, a, 200.0, 400.0, 20.0)
    assert_allclose(r.p_wait, p_wait, rtol=RTOL)
    assert_allclose(r.p_abandon, p_ab, rtol=RTOL)


def test_erlang_a_identities():
    n = np.arange(1, 60)
    a, aht, pat = 30.0, 180.0, 250.0
    at_zero = erlang.erlang_a(n, a, aht, pat, 0.0)
    assert_allclose(at_zero.service_level, 1 - at_zero.p_wait, rtol=0, atol=1e-15)
    never = erlang.erlang_a(n, a, aht, pat, 1e7)
    assert_allclose(never.service_level, 1 - never.p_abandon, atol=1e-12)
    sl = erlang.erlang_a(n, a, aht, pat, 20.0).service_level
    assert np.all(np.diff(sl) > 0)
    assert np.all(np.diff(never.p_abandon) < 0)
    # Very patient callers: Erlang A tends to Erlang C (stable case).
    r = erlang.erlang_a(40, 30.0, 180.0, 1e8, 20.0)
    assert_allclose(r.p_wait, erlang.erlang_c(40, 30.0), rtol=1e-5)
    assert_allclose(r.service_level, erlang.service_level(40, 30.0, 180.0, 20.0), rtol=1e-5)


def test_erlang_a_no_agents_and_no_traffic():
    r = erlang.erlang_a(np.array([0, 5]), np.array([3.0, 0.0]), 180.0, 300.0, 20.0)
    assert r.p_abandon.tolist() == [1.0, 0.0]
    assert r.service_level.tolist() == [0.0, 1.0]


@settings(max_examples=40, deadline=None)
@given(
    a=st.floats(0.05, 400.0),
    aht=st.floats(30.0, 900.0),
    patience=st.floats(10.0, 1800.0),
    target=st.floats(0.2, 0.95),
    max_ab=st.floats(0.01, 0.5),
)
def test_erlang_a_search_is_least(a, aht, patience, target, max_ab):
    n = erlang.agents_needed(a, aht, service_level=target, max_abandon=max_ab, patience=patience)
    r = erlang.erlang_a(n, a, aht, patience, 20.0)
    assert r.service_level >= target * (1 - 1e-12) and r.p_abandon <= max_ab * (1 + 1e-12)
    if n > 1:
        s = erlang.erlang_a(n - 1, a, aht, patience, 20.0)
        assert s.service_level < target or s.p_abandon > max_ab


def test_abandon_rate_inverse():
    n = erlang.agents_for_abandon_rate(50.0, 180.0, 300.0, 0.03)
    assert erlang.erlang_a(n, 50.0, 180.0, 300.0).p_abandon <= 0.03
    assert erlang.erlang_a(n - 1, 50.0, 180.0, 300.0).p_abandon > 0.03


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda: erlang.erlang_b(-1, 2.0), "agents"),
        (lambda: erlang.erlang_c(3, float("nan")), "traffic"),
        (lambda: erlang.service_level(3, 2.0, 0.0, 20.0), "aht"),
        (lambda: erlang.agents_for_service_level(3.0, 100.0, 1.0, 20.0), "target"),
        (lambda: erlang.agents_for_service_level(3.0, 100.0, 0.8, 20.0, 0.0), "max_occupancy"),
        (lambda: erlang.erlang_a(3, 2.0, 100.0, math.inf), "patience"),
        (lambda: erlang.agents_needed(3.0, 100.0, max_abandon=0.1), "max_abandon"),
    ],
)
def test_bad_input_names_the_parameter(call, parameter):
    with pytest.raises(InputError, match=parameter):
        call()
