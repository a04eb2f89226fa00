"""Sweeps on a local process pool and on a local Dask cluster, through the same code."""

from __future__ import annotations

import concurrent.futures as cf

import numpy as np
import pandas as pd
import pytest

from wfm.errors import InputError
from wfm.pipeline import run_plan
from wfm.scenarios import apply_overrides, scenario_from_dict
from wfm.sweeps import service_level_frontier, sweep

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
