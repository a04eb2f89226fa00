"""wfm.staffing: requirements frame, shrinkage rounding, service-level curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from wfm import erlang
from wfm.errors import DataError, InputError
from wfm.frames import REQUIREMENTS_COLUMNS
from wfm.staffing import requirements, service_level_curves
from wfm.types import ServiceTarget, Shrinkage


def _forecast(calls, aht=180.0, freq="30min", queue="sales"):
    n = len(calls)
    return pd.DataFrame(
        {
            "queue": queue,
            "interval_start": pd.date_range("2026-03-02 08:00", periods=n, freq=freq),
            "calls": np.asarray(calls, float),
            "aht_s": np.broadcast_to(np.asarray(aht, float), (n,)),
        }
    )


def test_requirements_columns_and_values_by_hand():
    # 100 calls of 180 s in 30 min = 10 Erlang -> 14 agents for 80/20 (no occupancy cap).
    req = requirements(_forecast([100.0, 0.0, 50.0]), ServiceTarget(0.8, 20.0, 1.0), 0.0)
    assert list(req.columns[: len(REQUIREMENTS_COLUMNS)]) == list(REQUIREMENTS_COLUMNS)
    assert_allclose(req["traffic"], [10.0, 0.0, 5.0])
    assert req["agents_needed"].tolist() == [
        14,
        0,
        erlang.agents_for_service_level(5.0, 180.0, 0.8, 20.0),
    ]
    assert_allclose(req["expected_service_level"].iloc[0], erlang.service_level(14, 10.0, 180.0, 20.0))
    assert req["expected_service_level"].iloc[1] == 1.0


def test_each_interval_uses_its_own_aht():
    req = requirements(_forecast([100.0, 100.0], aht=[120.0, 420.0]), ServiceTarget(0.8, 20.0, 0.85), 0.3)
    low, high = req["agents_needed"].tolist()
    assert high > 2 * low
    assert low == erlang.agents_for_service_level(100 * 120 / 1800, 120.0, 0.8, 20.0, 0.85)


def test_occupancy_cap_binds():
    # At 200 Erlang, 80/20 alone needs about 206 agents; an 85 % cap needs 236.
    one = _forecast([2000.0], aht=180.0)
    req = requirements(one, ServiceTarget(0.8, 20.0, 0.85), 0.0, interval="30min")
    assert req["agents_needed"].iloc[0] == 236
    free = requirements(one, ServiceTarget(0.8, 20.0, 1.0), 0.0, interval="30min")
    assert free["agents_needed"].iloc[0] < 236


def test_shrinkage_without_round_off():
    # 21 on the phones at 30 % shrinkage: 21 / 0.7 = 30.000000000000004 -> 30, not 31.
    assert Shrinkage(0.3).scheduled(21) == 30
    assert Shrinkage(0.3).scheduled(22) == 32
    assert Shrinkage(0.0).scheduled(7) == 7
    assert Shrinkage(0.3).scheduled(np.array([0, 21, 22])).tolist() == [0, 30, 32]


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 5000), s=st.floats(0.0, 0.6))
def test_shrinkage_gives_the_least_sufficient_headcount(n, s):
    m = Shrinkage(s).scheduled(n)
    # sufficient up to the documented relative round-off guard of 1e-9
    assert m * (1 - s) >= n * (1 - 1e-9) - 1e-9
    assert m == 0 or (m - 1) * (1 - s) < n - 1e-9 or np.isclose((m - 1) * (1 - s), n)


def test_shrinkage_components_combine():
    assert_allclose(Shrinkage.from_components(absence=0.1, training=0.05).fraction, 0.145)


def test_zero_volume_needs_no_agents_unless_open_minimum():
    fc = _forecast([0.0, 0.0, 30.0, 0.0])
    assert requirements(fc)["agents_needed"].tolist()[:2] == [0, 0]
    fc["open"] = [False, True, True, True]
    req = requirements(fc, min_staff_open=2)
    assert req["agents_needed"].tolist()[0] == 0
    assert req["agents_needed"].tolist()[1] == 2 and req["agents_needed"].tolist()[3] == 2
    hours = requirements(_forecast([0.0, 0.0]), min_staff_open=1, opening_hours={0: (8 * 60, 8 * 60 + 30)})
    assert hours["agents_needed"].tolist() == [1, 0]  # 2026-03-02 is a Monday


def test_erlang_a_requirements_use_patience():
    fc = _forecast([100.0, 300.0])
    c = requirements(fc, ServiceTarget(0.8, 20.0, 1.0), 0.0)
    a = requirements(fc, ServiceTarget(0.8, 20.0, 1.0), 0.0, model="erlang_a", patience_s=200.0)
    assert (a["agents_needed"] <= c["agents_needed"]).all()
    expected = erlang.agents_needed(a["traffic"].to_numpy(), 180.0, service_level=0.8, patience=200.0)
    assert a["agents_needed"].tolist() == list(expected)
    assert "expected_abandon_rate" in a.columns
    with pytest.raises(InputError, match="patience_s"):
        requirements(fc, model="erlang_a")
    capped = requirements(
        fc, ServiceTarget(0.5, 20.0, 1.0, max_abandon_rate=0.01), 0.0, model="erlang_a", patience_s=200.0
    )
    assert (capped["expected_abandon_rate"] <= 0.01).all()


def test_single_interval_needs_its_length():
    with pytest.raises(DataError, match="interval length"):
        requirements(_forecast([10.0]))


def test_bad_forecast_is_named():
    fc = _forecast([10.0, -1.0])
    with pytest.raises(DataError, match=r"row 1, column 'calls'.*-1"):
        requirements(fc)
    fc = _forecast([10.0, 5.0])
    fc.loc[1, "aht_s"] = 0.0
    with pytest.raises(DataError, match="aht_s"):
        requirements(fc)
    with pytest.raises(DataError, match="missing column"):
        requirements(fc.drop(columns=["aht_s"]))


def test_service_level_curves_are_concave_above_stability():
    req = requirements(_forecast([120.0, 0.0]), ServiceTarget(0.8, 20.0, 0.85), 0.3)
    curves = service_level_curves(req)
    first = curves[curves["interval_start"] == req["interval_start"].iloc[0]]
    traffic = req["traffic"].iloc[0]
    assert first["agents"].iloc[0] == 0 and first["agents"].max() >= req["agents_needed"].iloc[0]
    stable = first[first["agents"] > traffic]
    gains = np.diff(stable["answered_within"].to_numpy())
    assert np.all(gains >= 0) and np.all(np.diff(gains) <= 1e-9)
    at_need = first.loc[first["agents"] == req["agents_needed"].iloc[0], "service_level"].iloc[0]
    assert_allclose(at_need, req["expected_service_level"].iloc[0])
    empty = curves[curves["interval_start"] == req["interval_start"].iloc[1]]
    assert (empty["answered_within"] == 0).all()
