"""Pipeline stages that need no solver: demand, overrides on the forecast, requirements."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from wfm.errors import DataError, InputError
from wfm.pipeline import adjusted_forecast, run_plan
from wfm.scenarios import apply_overrides, scenario_from_dict
from wfm.staffing import requirements


def _forecast_file(tmp_path, queues=("bank",)):
    starts = pd.date_range("2024-03-04", periods=7 * 48, freq="30min")
    hour = starts.hour + starts.minute / 60
    rows = []
    for k, q in enumerate(queues):
        calls = np.where((hour >= 8) & (hour < 20), 20 + 10 * np.sin((hour - 8) / 12 * np.pi) + k, 0.0)
        rows.append(pd.DataFrame({"queue": q, "interval_start": starts, "calls": calls.round(),
                                  "aht_s": np.where(calls > 0, 240.0 + 10 * k, np.nan)}))
    path = tmp_path / "fc.csv"
    pd.concat(rows).to_csv(path, index=False)
    return path


def _scenario(tmp_path, **extra):
    raw = {
        "name": "tiny",
        "data": {"forecast": str(_forecast_file(tmp_path, extra.pop("queues_in_file", ("bank",))))},
        "horizon": {"week_start": "2024-03-04"},
        "shift_templates": [{"name": "day", "length_min": 480}],
        "shrinkage": 0.25,
    }
    raw.update(extra)
    return scenario_from_dict(raw)


def test_requirements_stage_matches_staffing(tmp_path):
    s = _scenario(tmp_path)
    seen = []
    out = run_plan(s, stages=("forecast", "requirements"), progress=lambda d, t, m: seen.append((d, m)))
    fc = pd.read_csv(tmp_path / "fc.csv", parse_dates=["interval_start"])
    expected = requirements(fc, s.target, s.shrinkage)
    assert_allclose(out.requirements["staff_needed"], expected["staff_needed"])
    assert out.kpis["requirement_hours"] == pytest.approx(expected["staff_needed"].sum() * 0.5)
    assert out.kpis["calls"] == pytest.approx(fc["calls"].sum())
    assert out.shift_plan is None and out.evaluation is None
    assert seen[-1] == (1.0, "done")
    fracs = [d for d, _ in seen]
    assert fracs == sorted(fracs)  # progress never goes back


def test_volume_and_aht_overrides_reach_the_forecast(tmp_path):
    s = apply_overrides(_scenario(tmp_path), volume_factor=1.15, aht_delta_s=30)
    out = run_plan(s, stages=("forecast", "requirements"))
    fc = pd.read_csv(tmp_path / "fc.csv", parse_dates=["interval_start"])
    assert_allclose(out.forecast["calls"], fc["calls"] * 1.15)
    busy = fc["calls"] > 0
    assert_allclose(out.forecast.loc[busy, "aht_s"], fc.loc[busy, "aht_s"] + 30)
    base = run_plan(_scenario(tmp_path), stages=("forecast", "requirements"))
    assert (out.requirements["staff_needed"] >= base.requirements["staff_needed"]).all()
    assert out.kpis["requirement_hours"] > base.kpis["requirement_hours"]


def test_queues_are_pooled_workload_weighted(tmp_path):
    s = _scenario(tmp_path, queues_in_file=("a", "b"))
    fc = pd.read_csv(tmp_path / "fc.csv", parse_dates=["interval_start"])
    pooled = adjusted_forecast(fc, s)
    assert pooled["queue"].unique().tolist() == ["a+b"]
    a = fc[fc.queue == "a"].reset_index(drop=True)
    b = fc[fc.queue == "b"].reset_index(drop=True)
    assert_allclose(pooled["calls"], a["calls"] + b["calls"])
    busy = pooled["calls"] > 0
    work = (a["calls"] * a["aht_s"].fillna(0) + b["calls"] * b["aht_s"].fillna(0))[busy]
    assert_allclose(pooled.loc[busy, "aht_s"], work / pooled.loc[busy, "calls"])


def test_aht_change_that_makes_aht_negative_is_refused(tmp_path):
    s = apply_overrides(_scenario(tmp_path), aht_delta_s=-500)
    with pytest.raises(InputError, match="aht_delta_s"):
        run_plan(s, stages=("forecast", "requirements"))


def test_unknown_queue_and_empty_horizon(tmp_path):
    with pytest.raises(DataError, match="unknown queue"):
        run_plan(_scenario(tmp_path, queues=["loans"]), stages=("forecast",))
    with pytest.raises(DataError, match="no interval"):
        run_plan(_scenario(tmp_path, horizon={"week_start": "2025-01-06"}), stages=("forecast",))


def test_stage_order_is_checked(tmp_path):
    with pytest.raises(InputError, match="stages"):
        run_plan(_scenario(tmp_path), stages=("forecast", "shifts"))
    with pytest.raises(InputError, match="stages"):
        run_plan(_scenario(tmp_path), stages=("forecast", "magic"))
