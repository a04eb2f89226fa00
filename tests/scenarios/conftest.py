"""A tiny one-week scenario from a ready forecast: fast to plan end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml


@pytest.fixture
def scenario_writer(tmp_path):
    """Write a scenario over a one-week 30-min forecast whose open hours, from 8:00 on the
    first ``weekdays`` days, carry ``base + swing * sin`` calls of 240 s; ``rules`` are the
    remaining scenario sections."""

    def write(filename, *, name, weekdays, open_until, base, swing, rules):
        starts = pd.date_range("2024-03-04", periods=7 * 48, freq="30min")
        hour = starts.hour + starts.minute / 60
        open_ = (hour >= 8) & (hour < open_until) & (starts.dayofweek < weekdays)
        calls = np.where(open_, base + swing * np.sin((hour - 8) / (open_until - 8) * np.pi),
                         0.0).round()
        pd.DataFrame({"queue": "bank", "interval_start": starts, "calls": calls,
                      "aht_s": np.where(calls > 0, 240.0, np.nan)}).to_csv(tmp_path / "fc.csv",
                                                                          index=False)
        raw = {"name": name, "data": {"forecast": "fc.csv"},
               "horizon": {"week_start": "2024-03-04"}, **rules}
        path = tmp_path / filename
        path.write_text(yaml.safe_dump(raw, sort_keys=False))
        return path

    return write


@pytest.fixture
def tiny_scenario_file(scenario_writer):
    """Scenario file (YAML) over a 1-week 30-min forecast, 8:00-18:00 Mon-Fri, no agents."""
    rules = {
        "service": {"target": 0.8, "answer_within_s": 20, "max_occupancy": 0.85},
        "shrinkage": 0.2,
        "shift_templates": [{
            "name": "day", "length_min": "5:00", "earliest_start_min": "8:00",
            "latest_start_min": "13:00", "start_step_min": 60, "days": "Mon-Fri",
            "cost_per_hour": 20,
            "breaks": [{"name": "break", "length_min": 15, "earliest_start_min": 120,
                        "latest_start_min": 180}],
        }],
        "solver": {"plan_time_limit_s": 10, "num_workers": 1},
        "simulation": {"replications": 2, "seed": 3},
    }
    return scenario_writer("tiny.yaml", name="tiny", weekdays=5, open_until=18, base=12, swing=6,
                           rules=rules)
