"""Staffing page: the Erlang calculator and the requirement heatmap."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wfm import erlang, staffing
from wfm.types import ServiceTarget, Shrinkage
from wfm.ui import charts, state


def _calc(at):
    """(Erlang C agents, Erlang A agents) shown by the calculator."""
    agents = [m.value for m in at.metric if m.label == "Agents on phones"]
    assert len(agents) == 2
    return int(agents[0]), int(agents[1])


def test_calculator_shows_erlang_c_and_a_side_by_side(app, open_page, metrics):
    at = open_page(app, "staffing")
    # 100 calls x 180 s in 30 min = 10 Erlang.
    shown = metrics(at)
    assert shown["Traffic [Erlang]"] == "10.00"
    n_c, n_a = _calc(at)
    # Erlang C: the least N meeting 80/20 (classic table: SL(13) = 79.6 % < 80 % <= SL(14)).
    assert erlang.service_level(n_c, 10.0, 180, 20) >= 0.8
    assert erlang.service_level(n_c - 1, 10.0, 180, 20) < 0.8
    assert n_c == 14
    # Erlang A (patience 120 s): callers who hang up relieve the queue, fewer agents needed.
    r = erlang.erlang_a(n_a, 10.0, 180, 120, 20)
    assert r.service_level >= 0.8 and n_a < n_c
    assert "Abandoned" in shown


def test_calculator_follows_its_inputs(app, open_page):
    at = open_page(app, "staffing")
    before = _calc(at)
    at.number_input(key="calc.calls").set_value(200.0).run()
    after = _calc(at)
    expected_c = erlang.agents_needed(20.0, 180.0, service_level=0.8, answer_within=20,
                                      max_occupancy=0.85)
    assert after[0] == expected_c and after[0] > before[0]
    # A tighter occupancy cap binds at high load: 20 Erlang / 0.75 -> 27 agents.
    at.number_input(key="calc.occ_pct").set_value(75.0).run()
    assert _calc(at)[0] == 27


def test_calculator_patience_changes_only_erlang_a(app, open_page):
    at = open_page(app, "staffing")
    c0, a0 = _calc(at)
    at.number_input(key="calc.patience_s").set_value(30.0).run()
    c1, a1 = _calc(at)
    assert c1 == c0
    assert a1 <= a0
    assert a1 == erlang.agents_needed(10.0, 180.0, service_level=0.8, answer_within=20,
                                      max_occupancy=0.85, patience=30.0)


def _with_forecast(at, fc):
    at.run()
    at.session_state[state.DATA] = state.LoadedData(history=fc, source="test", version=1)
    at.session_state[state.FORECAST] = state.ForecastRun(
        forecast=fc, start=fc["interval_start"].min(),
        end=fc["interval_start"].max() + pd.Timedelta(minutes=30), model="test",
        data_version=1,
    )


def test_heatmap_shows_requirements_of_the_forecast(app, open_page, make_forecast, metrics,
                                                     figures):
    fc = make_forecast()
    _with_forecast(app, fc)
    at = open_page(app, "staffing")
    req = staffing.requirements(fc, ServiceTarget(), Shrinkage(0.30))
    peak = int(req.groupby("interval_start")["staff_needed"].sum().max())
    assert metrics(at)["Peak agents to schedule"] == str(peak)
    z = np.asarray(figures(at)[0]["data"][0]["z"], dtype=float)
    assert np.allclose(z, charts.requirement_pivot(req).to_numpy(), equal_nan=True)


def test_heatmap_follows_sidebar_shrinkage(app, open_page, make_forecast, metrics):
    fc = make_forecast()
    _with_forecast(app, fc)
    at = open_page(app, "staffing")
    before = int(metrics(at)["Peak agents to schedule"])
    at.number_input(key="set.shrinkage_pct").set_value(50.0).run()
    after = int(metrics(at)["Peak agents to schedule"])
    req = staffing.requirements(fc, ServiceTarget(), Shrinkage(0.5))
    assert after == int(req.groupby("interval_start")["staff_needed"].sum().max())
    assert after > before
