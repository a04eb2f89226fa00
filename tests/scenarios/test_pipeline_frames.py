"""run_plan on a history or forecast frame given in memory instead of the scenario's file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import forecasting
from wfm.errors import DataError
from wfm.pipeline import run_plan
from wfm.scenarios import apply_overrides, load_scenario, scenario_from_dict

REQ = ("forecast", "requirements")


def _no_file(scenario):
    """The scenario with a data source that does not exist: any read of it fails."""
    data = dataclasses.replace(scenario.data, history=None, call_records=(),
                               forecast=Path("/no/such/forecast.csv"))
    return dataclasses.replace(scenario, data=data)


@pytest.fixture
def tiny(tiny_scenario_file):
    s = load_scenario(tiny_scenario_file)
    fc = pd.read_csv(tiny_scenario_file.parent / "fc.csv", parse_dates=["interval_start"])
    return s, fc


def test_forecast_frame_gives_the_same_requirements_as_the_file(tiny):
    s, fc = tiny
    from_file = run_plan(s, stages=REQ)
    from_frame = run_plan(_no_file(s), forecast=fc, stages=REQ)
    pd.testing.assert_frame_equal(from_frame.forecast, from_file.forecast)
    pd.testing.assert_frame_equal(from_frame.requirements, from_file.requirements)
    assert from_frame.kpis == from_file.kpis
    assert from_frame.history is None


def test_forecast_frame_gives_the_same_shift_plan_as_the_file(tiny):
    s, fc = tiny
    stages = ("forecast", "requirements", "shifts")
    from_file = run_plan(s, stages=stages)
    from_frame = run_plan(_no_file(s), forecast=fc, stages=stages)
    assert from_frame.kpis["weekly_cost"] == pytest.approx(from_file.kpis["weekly_cost"])
    assert from_frame.shift_plan.status == from_file.shift_plan.status


def test_forecast_frame_is_cut_to_the_horizon_and_takes_the_overrides(tiny):
    s, fc = tiny
    # one more (busier) week after the horizon: only the horizon is planned
    later = fc.assign(interval_start=fc["interval_start"] + pd.Timedelta(weeks=1), calls=fc["calls"] * 3)
    frame = pd.concat([fc, later], ignore_index=True)
    out = run_plan(apply_overrides(_no_file(s), volume_factor=1.2, aht_delta_s=15),
                   forecast=frame, stages=REQ)
    assert out.forecast["interval_start"].min() == s.horizon.week_start
    assert out.forecast["interval_start"].max() < s.horizon.end
    assert_allclose(out.forecast["calls"], fc["calls"] * 1.2)
    busy = fc["calls"] > 0
    assert_allclose(out.forecast.loc[busy, "aht_s"], fc.loc[busy, "aht_s"] + 15)


def test_bad_forecast_frames_are_refused_with_the_place(tiny):
    s, fc = tiny
    with pytest.raises(DataError, match="aht_s"):
        run_plan(s, forecast=fc.drop(columns="aht_s"), stages=REQ)
    bad = fc.copy()
    bad.loc[17, "calls"] = -1.0
    with pytest.raises(DataError, match="row 17, column 'calls'") as info:
        run_plan(s, forecast=bad, stages=REQ)
    assert info.value.file is None  # no file to name: the row is the frame position
    with pytest.raises(DataError, match="unknown queue"):
        run_plan(dataclasses.replace(s, queues=("loans",)), forecast=fc, stages=REQ)
    with pytest.raises(DataError, match="no interval"):
        run_plan(s, forecast=fc.assign(interval_start=fc["interval_start"] + pd.Timedelta(weeks=5)),
                 stages=REQ)


# --------------------------------------------------------------------------------------
# history frames
# --------------------------------------------------------------------------------------


def _history(weeks: int) -> pd.DataFrame:
    """``weeks`` weeks of 30-min history before 2024-03-04 and one week after it."""
    starts = pd.date_range("2024-03-04", periods=(weeks + 1) * 7 * 48, freq="30min") \
        - pd.Timedelta(weeks=weeks)
    hour = starts.hour + starts.minute / 60
    week_no = (starts - starts[0]).days // 7
    calls = np.where((hour >= 8) & (hour < 18), 10 + 2 * week_no + 4 * np.sin(hour / 3), 0.0).round()
    return pd.DataFrame({"queue": "bank", "interval_start": starts, "calls": calls,
                         "aht_s": np.where(calls > 0, 200.0 + 5 * week_no, np.nan)})


def _history_scenario(path) -> object:
    return scenario_from_dict({
        "name": "from history",
        "data": {"history": str(path), "train_weeks": 2},
        "horizon": {"week_start": "2024-03-04"},
        "forecast": {"model": "seasonal_naive"},
        "shift_templates": [{"name": "day", "length_min": 480, "cost_per_hour": 20}],
    })


def test_history_frame_gives_the_same_forecast_as_the_file(tmp_path):
    hist = _history(3)
    hist.to_csv(tmp_path / "history.csv", index=False)
    s = _history_scenario(tmp_path / "history.csv")
    from_file = run_plan(s, stages=REQ)
    from_frame = run_plan(_no_file(s), history=hist, stages=REQ)
    pd.testing.assert_frame_equal(from_frame.forecast, from_file.forecast)
    pd.testing.assert_frame_equal(from_frame.requirements, from_file.requirements)
    # the training window is applied to the frame: the last 2 weeks before the horizon
    assert from_frame.history["interval_start"].min() == s.horizon.week_start - pd.Timedelta(weeks=2)
    assert from_frame.history["interval_start"].max() < s.horizon.week_start
    # seasonal naive: each interval of the horizon repeats the week before it
    last = hist[(hist["interval_start"] >= s.horizon.week_start - pd.Timedelta(weeks=1))
                & (hist["interval_start"] < s.horizon.week_start)]
    assert_allclose(from_frame.forecast["calls"], last["calls"])


def test_with_both_frames_the_forecast_is_used(tiny, monkeypatch):
    s, fc = tiny

    def boom(*args, **kwargs):
        raise AssertionError("forecast() must not run when a forecast is given")

    monkeypatch.setattr(forecasting, "forecast", boom)
    hist = _history(2)
    out = run_plan(_no_file(s), history=hist, forecast=fc, stages=REQ)
    assert_allclose(out.forecast["calls"], fc["calls"])
    assert len(out.history) == 2 * 7 * 48  # kept, cut before the horizon


def test_history_frame_without_weeks_before_the_horizon_is_refused(tmp_path):
    s = _history_scenario(tmp_path / "unused.csv")
    late = _history(2)
    late = late[late["interval_start"] >= s.horizon.week_start]
    with pytest.raises(DataError, match="no history before"):
        run_plan(s, history=late, stages=REQ)
