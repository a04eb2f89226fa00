"""Tests of wfm.evaluate: coverage by hand, Erlang identities, simulation side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solver.result import SolveResult
from wfm import erlang
from wfm.errors import InputError
from wfm.evaluate import KPI_COLUMNS, evaluate
from wfm.frames import COVERAGE_COLUMNS
from wfm.types import ServiceTarget

T0 = pd.Timestamp("2024-01-01 08:00")


def forecast(n=8, calls=60.0, aht=180.0):
    idx = pd.date_range(T0, periods=n, freq="30min")
    return pd.DataFrame({"queue": "q", "interval_start": idx, "calls": calls, "aht_s": aht})


def roster(n_agents=8, hours=4):
    shifts = pd.DataFrame({
        "shift_id": [f"s{i}" for i in range(n_agents)],
        "agent_id": [f"a{i}" for i in range(n_agents)],
        "start": T0,
        "end": T0 + pd.Timedelta(hours=hours),
    })
    breaks = pd.DataFrame({"shift_id": ["s0", "s1"], "kind": "break", "name": "break",
                           "start": [T0 + pd.Timedelta("60min"), T0 + pd.Timedelta("75min")],
                           "paid": True})
    breaks["end"] = breaks["start"] + pd.Timedelta("15min")
    return shifts, breaks


def test_coverage_by_hand_and_erlang_on_phone_agents():
    shifts, breaks = roster()
    ev = evaluate(shifts, forecast(), ServiceTarget(0.8, 20.0), breaks=breaks, simulate=False)
    cov = ev.coverage
    assert tuple(cov.columns[: len(COVERAGE_COLUMNS)]) == COVERAGE_COLUMNS
    np.testing.assert_allclose(cov["scheduled"], 8.0)
    # s0 off 09:00-09:15, s1 off 09:15-09:30: two half-intervals lost, 7 on average
    np.testing.assert_allclose(cov["on_phone"], [8, 8, 7, 8, 8, 8, 8, 8])
    traffic = 60 * 180 / 1800
    np.testing.assert_allclose(cov["service_level"],
                               erlang.service_level(cov["on_phone"].to_numpy(), traffic, 180.0, 20.0))
    np.testing.assert_allclose(cov["asa_s"],
                               erlang.average_speed_of_answer(cov["on_phone"].to_numpy(), traffic, 180.0))
    assert (cov["agents_needed"] == erlang.agents_needed(traffic, 180.0, service_level=0.8,
                                                         answer_within=20.0, max_occupancy=0.85)).all()
    k = ev.kpis.set_index("kpi")
    assert list(ev.kpis.columns) == list(KPI_COLUMNS)
    # 30 min of break over 32 agent-hours
    assert k.loc["break_min_per_agent_hour", "erlang"] == pytest.approx(30 / 32)
    assert k.loc["service_level", "erlang"] == pytest.approx(cov["service_level"].mean())
    assert np.isnan(k.loc["service_level", "simulation"])


def test_erlang_a_with_patience():
    shifts, breaks = roster(n_agents=6)
    ev = evaluate(shifts, forecast(), ServiceTarget(0.8, 20.0), breaks=breaks, patience_s=120.0,
                  simulate=False)
    assert ev.model == "erlang_a"
    traffic = 6.0
    expect = erlang.erlang_a(ev.coverage["on_phone"].to_numpy(), traffic, 180.0, 120.0, 20.0)
    np.testing.assert_allclose(ev.coverage["abandon_rate"], expect.p_abandon)
    np.testing.assert_allclose(ev.coverage["service_level"], expect.service_level)


def test_simulation_side_by_side_with_ci():
    shifts, breaks = roster(n_agents=9, hours=6)
    result = SolveResult(status="OPTIMAL", shifts=shifts, breaks=breaks)
    fc = forecast(n=12)
    calls = []
    ev = evaluate(result, fc, ServiceTarget(0.8, 20.0), patience_s=300.0, replications=6, rng=1,
                  progress=lambda d, t, m: calls.append(d))
    assert calls == [1, 2, 3, 4, 5, 6]
    cov = ev.coverage
    for name in ("sim_service_level", "sim_asa_s", "sim_abandon_rate", "sim_occupancy"):
        assert ((cov[f"{name}_low"] <= cov[name]) & (cov[name] <= cov[f"{name}_high"])).all()
    k = ev.kpis.set_index("kpi")
    # a steady load: simulation and Erlang A agree to a few points of service level
    assert k.loc["service_level", "simulation"] == pytest.approx(k.loc["service_level", "erlang"], abs=0.08)
    assert k.loc["occupancy", "simulation"] == pytest.approx(k.loc["occupancy", "erlang"], abs=0.05)
    # breaks taken in simulation are never shorter than planned
    assert k.loc["break_min_per_agent_hour", "simulation"] >= k.loc["break_min_per_agent_hour", "erlang"] - 1e-9
    # the simulated totals are those of the result kept in the evaluation
    assert ev.simulation.totals["service_level"].iloc[0] == k.loc["service_level", "simulation"]


def test_two_queues_pooled_in_erlang_and_by_queue_in_simulation():
    shifts, breaks = roster(n_agents=8)
    fc = pd.concat([forecast(calls=30.0, aht=120.0), forecast(calls=30.0, aht=240.0).assign(queue="r")])
    ev = evaluate(shifts, fc, breaks=breaks, replications=2, rng=0)
    np.testing.assert_allclose(ev.coverage["calls"], 60.0)
    np.testing.assert_allclose(ev.coverage["aht_s"], 180.0)
    assert set(ev.simulation.totals["queue"]) == {"q", "r", "all"}


def test_bad_arguments():
    shifts, breaks = roster()
    result = SolveResult(status="OPTIMAL", shifts=shifts, breaks=breaks)
    with pytest.raises(InputError, match="breaks"):
        evaluate(result, forecast(), breaks=breaks, simulate=False)
    with pytest.raises(InputError, match="result_or_shifts"):
        evaluate({"shifts": shifts}, forecast(), simulate=False)
