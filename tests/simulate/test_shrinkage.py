"""Shrinkage in the evaluation: Erlang on expected available agents, absence in the simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose

from wfm import erlang
from wfm.evaluate import evaluate
from wfm.simulate import simulate
from wfm.types import ServiceTarget


def _case(n_agents=20, calls=80.0, aht=300.0):
    start = pd.Timestamp("2026-03-02 08:00")
    shifts = pd.DataFrame({
        "shift_id": [f"s{i}" for i in range(n_agents)],
        "agent_id": [f"a{i}" for i in range(n_agents)],
        "template": "t",
        "day": start.date(),
        "start": start,
        "end": start + pd.Timedelta(hours=4),
        "paid_h": 4.0,
        "cost": 80.0,
    })
    forecast = pd.DataFrame({
        "queue": "q",
        "interval_start": pd.date_range(start, periods=8, freq="30min"),
        "calls": calls,
        "aht_s": aht,
    })
    return shifts, forecast


def test_erlang_uses_on_phone_agents_less_shrinkage():
    shifts, fc = _case()
    target = ServiceTarget(0.8, 20.0, 0.85)
    plain = evaluate(shifts, fc, target, simulate=False)
    shrunk = evaluate(shifts, fc, target, simulate=False, shrinkage=0.25)
    traffic = 80 * 300 / 1800
    assert_allclose(plain.coverage["on_phone"], 20.0)
    assert_allclose(shrunk.coverage["available"], 15.0)
    assert_allclose(shrunk.coverage["service_level"], erlang.service_level(15, traffic, 300.0, 20.0))
    assert_allclose(shrunk.coverage["occupancy"], traffic / 15)
    assert shrunk.kpis.set_index("kpi").loc["service_level", "erlang"] < \
        plain.kpis.set_index("kpi").loc["service_level", "erlang"]
    needed = erlang.agents_for_service_level(traffic, 300.0, 0.8, 20.0, 0.85)
    assert 15 < needed <= 20  # so every interval is understaffed after shrinkage
    assert shrunk.kpis.set_index("kpi").loc["understaffed_intervals", "erlang"] == 8
    assert plain.kpis.set_index("kpi").loc["understaffed_intervals", "erlang"] == 0


def test_absence_removes_the_expected_share_of_agent_time():
    shifts, fc = _case(n_agents=40, calls=0.0)
    fc["calls"] = 1.0
    res = simulate(shifts, None, fc, replications=40, rng=5, absence=0.3)
    present_hours = res.per_replication.groupby("replication")["on_phone_s"].sum() / 3600
    share = present_hours.mean() / (40 * 4.0)
    assert abs(share - 0.7) < 0.03  # 40 x 40 Bernoulli(0.7) shifts: sd of the mean ~0.011


def test_absence_zero_changes_nothing():
    shifts, fc = _case()
    a = simulate(shifts, None, fc, replications=2, rng=11)
    b = simulate(shifts, None, fc, replications=2, rng=11, absence=0.0)
    pd.testing.assert_frame_equal(a.intervals, b.intervals)


def test_simulated_service_level_falls_with_absence():
    shifts, fc = _case(n_agents=16)
    target = ServiceTarget(0.8, 20.0, 0.85)
    full = evaluate(shifts, fc, target, replications=6, rng=3)
    absent = evaluate(shifts, fc, target, replications=6, rng=3, shrinkage=0.2)
    k_full = full.kpis.set_index("kpi").loc["service_level", "simulation"]
    k_abs = absent.kpis.set_index("kpi").loc["service_level", "simulation"]
    assert k_abs < k_full - 0.05
    assert np.isfinite(absent.kpis.set_index("kpi").loc["service_level", "erlang"])
