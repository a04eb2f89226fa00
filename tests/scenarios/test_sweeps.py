"""Sweeps on a local process pool and on a local Dask cluster, through the same code;
frontiers where each point solves the shift plan; ``wfm sweep``."""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from wfm.errors import InputError
from wfm.pipeline import run_plan
from wfm.scenarios import DataSource, apply_overrides, load_scenario, scenario_from_dict
from wfm.sweeps import break_policy_frontier, service_level_frontier, sweep

STAGES = ("forecast", "requirements")


@pytest.fixture
def scenario(tmp_path):
    starts = pd.date_range("2024-03-04", periods=7 * 48, freq="30min")
    hour = starts.hour + starts.minute / 60
    calls = np.where((hour >= 8) & (hour < 20), 30 + 15 * np.sin((hour - 8) / 12 * np.pi), 0.0)
    pd.DataFrame({"queue": "bank", "interval_start": starts, "calls": calls.round(),
                  "aht_s": np.where(calls > 0, 240.0, np.nan)}).to_csv(tmp_path / "fc.csv", index=False)
    return scenario_from_dict({
        "name": "tiny",
        "data": {"forecast": str(tmp_path / "fc.csv")},
        "horizon": {"week_start": "2024-03-04"},
        "shift_templates": [{"name": "day", "length_min": 480, "cost_per_hour": 20}],
    })


def _expected(scenario, target):
    return run_plan(apply_overrides(scenario, service_level=target), stages=STAGES).kpis


def test_frontier_on_a_process_pool(scenario):
    targets = (0.7, 0.8, 0.9, 0.95)
    seen = []
    table = service_level_frontier(scenario, targets, stages=STAGES, max_workers=2,
                                   progress=lambda d, t, m: seen.append(d))
    assert table["target"].tolist() == list(targets)
    assert (table["status"] != "ERROR").all(), table["error"].tolist()
    for t, hours in zip(targets, table["requirement_hours"], strict=True):
        assert hours == pytest.approx(_expected(scenario, t)["requirement_hours"])
    assert table["requirement_hours"].is_monotonic_increasing
    assert table["requirement_cost"].iloc[-1] > table["requirement_cost"].iloc[0]
    assert sorted(seen) == [0, 1, 2, 3, 4]


def test_dask_cluster_gives_the_same_rows(scenario):
    distributed = pytest.importorskip("distributed")
    targets = (0.75, 0.9)
    local = service_level_frontier(scenario, targets, stages=STAGES, max_workers=1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        remote = service_level_frontier(scenario, targets, stages=STAGES,
                                        scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(local, remote)


def test_a_failing_point_does_not_lose_the_others(scenario):
    # a -500 s AHT change is valid as an override but makes AHT negative in the forecast
    table = sweep(scenario, [{"aht_delta_s": -500}, {"aht_delta_s": 10}], stages=STAGES,
                  pool=cf.ThreadPoolExecutor(1))
    assert table.loc[0, "status"] == "ERROR" and "aht_delta_s" in table.loc[0, "error"]
    assert table.loc[1, "error"] == "" and table.loc[1, "requirement_hours"] > 0


def test_bad_points_fail_before_any_work(scenario):
    with pytest.raises(InputError, match="volume"):
        sweep(scenario, [{"volume": 2}], stages=STAGES, pool=cf.ThreadPoolExecutor(1))
    with pytest.raises(InputError):
        sweep(scenario, [], stages=STAGES)


# --------------------------------------------------------------------------------------
# Frontiers where every point solves the shift plan (tiny: two days, one template)
# --------------------------------------------------------------------------------------

SOLVE = ("forecast", "requirements", "shifts", "evaluate")


@pytest.fixture
def solve_file(scenario_writer):
    """Scenario file: calls Mon-Tue 8:00-16:00 in 30-min intervals, one 4-h template with
    one 15-min break, no agents (no roster), Erlang only (no simulation)."""
    rules = {
        "service": {"target": 0.8, "answer_within_s": 20, "max_occupancy": 0.9},
        "shrinkage": 0.1,
        "shift_templates": [{
            "name": "half", "length_min": "4:00", "earliest_start_min": "8:00",
            "latest_start_min": "12:00", "start_step_min": 30, "days": "Mon-Tue",
            "cost_per_hour": 20,
            "breaks": [{"name": "break", "length_min": 15, "earliest_start_min": 60,
                        "latest_start_min": 150}],
        }],
        "solver": {"plan_time_limit_s": 5, "num_workers": 1},
        "simulation": {"enabled": False},
    }
    return scenario_writer("two_days.yaml", name="two days", weekdays=2, open_until=16, base=20,
                           swing=10, rules=rules)


def _solved(table):
    assert (table["status"] != "ERROR").all(), table["error"].tolist()
    assert table["status"].isin(["OPTIMAL", "FEASIBLE"]).all()


def test_service_level_frontier_cost_rises_with_the_target(solve_file):
    s = load_scenario(solve_file)
    targets = (0.6, 0.8, 0.95)
    table = service_level_frontier(s, targets, stages=SOLVE, max_workers=2)  # process pool
    _solved(table)
    cost = table["weekly_cost"].to_numpy()
    assert (np.diff(cost) >= -1e-6).all() and cost[-1] > cost[0]
    assert (np.diff(table["requirement_hours"]) > 0).all()
    # the solver's LP bound rises too, and no plan costs less than its bound
    assert (np.diff(table["plan_bound"]) >= -1e-6).all()
    assert (table["plan_objective"] >= table["plan_bound"] - 1e-6).all()
    # every interval covered at its target -> the weekly Erlang service level reaches it
    assert (table["service_level_erlang"] >= table["target"]).all()
    # one template at 20/h, no agents: cost = 20 x paid hours
    assert_allclose(table["weekly_cost"], 20 * table["paid_hours"])
    # a point of the sweep is the plan solved on its own
    for t, c in zip(targets, cost, strict=True):
        alone = run_plan(apply_overrides(s, service_level=t), stages=SOLVE).kpis
        assert c == pytest.approx(alone["weekly_cost"])


def _policy_break_min_per_hour(m: float) -> float:
    """Paid break minutes per hour of the 4-h template under a floor of ``m`` min/h: the
    15-min break plus policy breaks in whole 15-min slots, at least ``4 m`` minutes."""
    need = max(0.0, 4 * m - 15)
    return (15 + 15 * np.ceil(need / 15 - 1e-9)) / 4


def test_break_policy_frontier_cost_rises_and_a_failed_point_keeps_the_others(solve_file):
    s = load_scenario(solve_file)
    minutes = (0.0, 5.0, 10.0, 15.0, 45.0)  # 45 min/h: 180 min of break in a 4-h shift
    table = break_policy_frontier(s, minutes, stages=SOLVE, max_workers=2)
    assert table["break_min_per_hour"].tolist() == list(minutes)
    bad = table.iloc[-1]
    assert bad["status"] == "ERROR" and "half" in bad["error"] and "break" in bad["error"]
    assert np.isnan(bad["weekly_cost"]) and np.isnan(bad["extra_cost"])
    ok = table.iloc[:-1]
    _solved(ok)
    assert (ok["error"] == "").all()
    assert_allclose(ok["break_min_per_agent_hour"], [_policy_break_min_per_hour(m) for m in minutes[:-1]])
    cost = ok["weekly_cost"].to_numpy()
    assert (np.diff(cost) >= -1e-6).all() and cost[-1] > cost[0]
    assert_allclose(ok["extra_cost"], cost - cost[0])


def test_a_lost_worker_is_recorded_in_its_row(scenario, monkeypatch):
    import wfm.sweeps as sweeps

    real = sweeps.run_point

    def flaky(scenario, overrides, *args, **kwargs):
        if overrides.get("service_level") == 0.9:
            raise RuntimeError("worker lost")
        return real(scenario, overrides, *args, **kwargs)

    monkeypatch.setattr(sweeps, "run_point", flaky)
    table = service_level_frontier(scenario, (0.7, 0.9, 0.95), stages=STAGES,
                                   pool=cf.ThreadPoolExecutor(1))
    assert table["status"].tolist()[1] == "ERROR" and "worker lost" in table.loc[1, "error"]
    assert (table.loc[[0, 2], "error"] == "").all()
    assert table.loc[2, "requirement_hours"] > table.loc[0, "requirement_hours"] > 0


def test_sweep_on_a_forecast_frame_equals_the_file(scenario, tmp_path):
    fc = pd.read_csv(tmp_path / "fc.csv", parse_dates=["interval_start"])
    missing = dataclasses.replace(scenario, data=DataSource(forecast=tmp_path / "gone.csv"))
    points = [{"service_level": 0.7}, {"volume_factor": 1.2}]
    pool = cf.ThreadPoolExecutor(1)
    from_file = sweep(scenario, points, stages=STAGES, pool=pool)
    from_frame = sweep(missing, points, stages=STAGES, pool=pool, forecast=fc)
    pd.testing.assert_frame_equal(from_frame, from_file)
    assert (from_frame["error"] == "").all()


def test_cli_sweep(solve_file, tmp_path):
    from typer.testing import CliRunner

    from wfm.cli import app

    runner = CliRunner()
    out = tmp_path / "sl.csv"
    res = runner.invoke(app, ["sweep", "service-level", str(solve_file), "--values", "0.7,0.9",
                              "--workers", "2", "-q", "-o", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out)
    assert table["label"].tolist() == ["SL 70%", "SL 90%"]
    assert table["status"].isin(["OPTIMAL", "FEASIBLE"]).all()
    c, sl = table["weekly_cost"], table["service_level_erlang"]
    per_point = (c[1] - c[0]) / ((sl[1] - sl[0]) * 100)
    assert f"{per_point:,.0f} per point of service level per week" in res.output

    out = tmp_path / "breaks.csv"
    res = runner.invoke(app, ["sweep", "breaks", str(solve_file), "--values", "5,45",
                              "--workers", "1", "-q", "-o", str(out)])
    assert res.exit_code == 1, res.output  # an incomplete frontier is not a success
    assert "1 of 2 points failed" in res.output
    table = pd.read_csv(out, keep_default_na=False)
    assert table["status"].tolist()[1] == "ERROR"
    assert table["status"].tolist()[0] in ("OPTIMAL", "FEASIBLE")
    assert "breaks 45 min/h: " in res.output  # the failed point is named

    res = runner.invoke(app, ["sweep", "cost", str(solve_file), "-q"])
    assert res.exit_code != 0


def test_dask_cluster_solves_the_same_plans(solve_file):
    distributed = pytest.importorskip("distributed")
    s = load_scenario(solve_file)
    minutes = (5.0, 15.0)
    local = break_policy_frontier(s, minutes, stages=SOLVE, pool=cf.ThreadPoolExecutor(1))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        remote = break_policy_frontier(s, minutes, stages=SOLVE,
                                       scheduler=cluster.scheduler_address)
    _solved(remote)
    cols = ["label", "status", "weekly_cost", "paid_hours", "break_min_per_agent_hour",
            "service_level_erlang", "extra_cost"]
    pd.testing.assert_frame_equal(remote[cols], local[cols])
    assert remote.loc[1, "extra_cost"] > 0
