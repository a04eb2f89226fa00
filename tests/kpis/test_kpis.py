"""Tests of wfm.kpis: headline figures by hand, the intervals that break them, per-queue
coverage and per-interval differences."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wfm import erlang
from wfm.errors import InputError
from wfm.evaluate import evaluate
from wfm.kpis import BREAKING_COLUMNS, coverage_by_queue, headline, interval_differences
from wfm.types import ServiceTarget

T0 = pd.Timestamp("2024-01-01 08:00")


def coverage(**cols):
    n = len(next(iter(cols.values())))
    base = {"interval_start": pd.date_range(T0, periods=n, freq="30min"),
            "agents_needed": [0.0] * n}
    base.update(cols)
    return pd.DataFrame(base)


def test_headline_weights_by_calls_and_leaves_overloaded_interval_out_of_asa():
    cov = coverage(
        calls=[100.0, 300.0, 50.0, 0.0],
        service_level=[0.9, 0.7, 0.0, 1.0],
        asa_s=[10.0, 30.0, math.inf, 0.0],
        occupancy=[0.5, 0.8, 1.0, np.nan],
        available=[10.0, 20.0, 5.0, 0.0],
        traffic=[5.0, 16.0, 6.0, 0.0],
        agents_needed=[9.0, 22.0, 8.0, 0.0],
    )
    h = headline(cov, 0.8)
    # (0.9*100 + 0.7*300 + 0*50) / 450
    assert h.service_level == pytest.approx(300.0 / 450.0)
    # ASA over the 400 answered calls of the two stable intervals
    assert h.asa_s == pytest.approx((10 * 100 + 30 * 300) / 400)
    assert h.asa_share == pytest.approx(400 / 450)
    assert h.overloaded == 1
    assert h.abandon_rate == 0.0
    # busy / available time: (0.5*10 + 0.8*20 + 1*5) / 35
    assert h.occupancy == pytest.approx(26.0 / 35.0)
    assert h.calls == 450.0
    b = h.breaking
    assert list(b.columns) == list(BREAKING_COLUMNS)
    # interval 1 (SL 0.7 < 0.8, short 2 agents: 90 late) and 2 (overloaded: 50 late)
    assert list(b["interval_start"]) == [T0 + pd.Timedelta("30min"), T0 + pd.Timedelta("60min")]
    assert list(b["calls_late"]) == pytest.approx([90.0, 50.0])
    assert list(b["short"]) == pytest.approx([2.0, 3.0])
    assert list(b["overloaded"]) == [False, True]
    assert np.isnan(b["asa_s"].iloc[1])


def test_headline_answered_calls_weight_asa_under_abandonment():
    cov = coverage(calls=[100.0, 100.0], service_level=[0.8, 0.6], asa_s=[20.0, 60.0],
                   occupancy=[0.9, 0.95], available=[10.0, 10.0], traffic=[9.5, 11.0],
                   abandon_rate=[0.0, 0.5])
    h = headline(cov, 0.5)
    # answered: 100 and 50 -> (20*100 + 60*50) / 150; interval 2 is not overloaded
    # (callers hang up, Erlang A has a steady state)
    assert h.asa_s == pytest.approx(5000 / 150)
    assert h.abandon_rate == pytest.approx(0.25)
    assert h.overloaded == 0
    assert h.breaking.empty


def test_headline_of_an_evaluated_roster_matches_the_evaluation():
    """Against wfm.evaluate's own volume-weighted KPIs on a roster with a short interval."""
    idx = pd.date_range(T0, periods=8, freq="30min")
    calls = np.array([40, 60, 60, 200, 60, 60, 40, 20], float)
    fc = pd.DataFrame({"queue": "q", "interval_start": idx, "calls": calls, "aht_s": 180.0})
    shifts = pd.DataFrame({"shift_id": [f"s{i}" for i in range(7)],
                           "agent_id": [f"a{i}" for i in range(7)],
                           "start": T0, "end": T0 + pd.Timedelta(hours=4)})
    ev = evaluate(shifts, fc, ServiceTarget(0.8, 20.0), simulate=False)
    h = headline(ev.coverage, 0.8)
    k = ev.kpis.set_index("kpi")["erlang"]
    assert h.service_level == pytest.approx(k["service_level"])
    assert math.isinf(k["asa_s"])  # the evaluation's plain average is unbounded
    assert h.overloaded == 1  # 200 calls x 180 s / 1800 s = 20 Erlang > 7 agents
    stable = calls != 200
    traffic = calls * 180 / 1800
    asa = erlang.average_speed_of_answer(7, traffic[stable], 180.0)
    assert h.asa_s == pytest.approx(np.sum(asa * calls[stable]) / calls[stable].sum())
    assert h.breaking["overloaded"].sum() == 1


def test_headline_rejects_bad_input():
    cov = coverage(calls=[1.0], service_level=[1.0], asa_s=[0.0], occupancy=[0.1],
                   available=[1.0])
    with pytest.raises(InputError, match="target_service_level"):
        headline(cov, 1.5)
    with pytest.raises(InputError, match="available"):
        headline(cov.drop(columns="available"), 0.8)


def test_coverage_by_queue_counts_each_agent_on_their_skills():
    shifts = pd.DataFrame({"shift_id": ["s1", "s2"], "agent_id": ["a1", "a2"],
                           "start": T0, "end": T0 + pd.Timedelta("60min")})
    breaks = pd.DataFrame({"shift_id": ["s1"], "kind": ["break"], "name": ["b"],
                           "start": [T0 + pd.Timedelta("15min")],
                           "end": [T0 + pd.Timedelta("30min")], "paid": [True]})
    req = pd.DataFrame({"queue": ["x", "x", "y", "y"],
                        "interval_start": [T0, T0 + pd.Timedelta("30min")] * 2,
                        "agents_needed": [1.0, 1.0, 2.0, 2.0],
                        "staff_needed": [2.0, 2.0, 3.0, 3.0]})
    out = coverage_by_queue(shifts, breaks, req, {"a1": ["x", "y"], "a2": ["y"]})
    x = out[out["queue"] == "x"]["on_phone"].to_numpy()
    y = out[out["queue"] == "y"]["on_phone"].to_numpy()
    assert x == pytest.approx([0.5, 1.0])  # a1 on break 15 of the first 30 min
    assert y == pytest.approx([1.5, 2.0])
    assert list(out[out["queue"] == "y"]["agents_needed"]) == [2.0, 2.0]


def test_interval_differences_subtracts_the_baseline():
    a = pd.DataFrame({"interval_start": [T0, T0 + pd.Timedelta("30min")], "on_phone": [3.0, 4.0]})
    b = a.assign(on_phone=[5.0, 3.0])
    c = a.assign(on_phone=[3.0, 4.0])
    out = interval_differences({"base": a, "more": b, "same": c}, "on_phone")
    assert list(out["scenario"].unique()) == ["more", "same"]
    assert list(out[out["scenario"] == "more"]["difference"]) == [2.0, -1.0]
    assert (out[out["scenario"] == "same"]["difference"] == 0).all()
    with pytest.raises(InputError, match="coverages"):
        interval_differences({"base": a}, "on_phone")
    with pytest.raises(InputError, match="measure"):
        interval_differences({"base": a, "more": b}, "nope")
