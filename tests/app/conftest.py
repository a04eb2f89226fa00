"""Shared helpers of the app tests: the AppTest harness and tiny synthetic frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PAGES = ROOT / "wfm" / "ui" / "pages"


def _make_history(days: int = 14, interval_min: int = 30, queue: str = "q1",
                 start: str = "2024-01-01") -> pd.DataFrame:
    """A tidy history: open 08:00-20:00, a smooth daily profile, AHT 180-240 s."""
    idx = pd.date_range(start, periods=days * 24 * 60 // interval_min, freq=f"{interval_min}min")
    hour = idx.hour + idx.minute / 60
    open_ = (hour >= 8) & (hour < 20)
    calls = np.where(open_, np.round(40 + 30 * np.sin((hour - 8) / 12 * np.pi)), 0.0)
    aht = np.where(open_, 180 + 60 * np.cos(hour / 24 * 2 * np.pi) ** 2, np.nan)
    return pd.DataFrame({"queue": queue, "interval_start": idx, "calls": calls, "aht_s": aht})


def _make_forecast(week_start: str = "2024-01-15", interval_min: int = 30) -> pd.DataFrame:
    """A forecast frame for one week, built like :func:`make_history` (band ±10 %)."""
    fc = _make_history(days=7, interval_min=interval_min, start=week_start)
    fc["aht_s"] = fc["aht_s"].fillna(200.0)
    fc["calls_low"] = 0.9 * fc["calls"]
    fc["calls_high"] = 1.1 * fc["calls"]
    return fc


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    """Every app test gets its own SQLite store (never the user's data directory)."""
    monkeypatch.setenv("WFM_DATABASE_URL", f"sqlite:///{tmp_path / 'wfm.sqlite3'}")


@pytest.fixture
def app():
    """A fresh AppTest of the whole app (navigation + sidebar), not yet run."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=60)


def _open_page(at, stem: str):
    """Run the app once (registers the pages), then switch to ``stem`` and run it."""
    if not at._tree or not getattr(at, "_ran_once", False):
        at.run()
        at._ran_once = True
    at.switch_page(f"wfm/ui/pages/{stem}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at) -> dict[str, str]:
    """Label -> shown value of every ``st.metric`` (later duplicates get a suffix)."""
    out: dict[str, str] = {}
    for m in at.metric:
        label = m.label
        while label in out:
            label += "'"
        out[label] = m.value
    return out


@pytest.fixture
def make_history():
    return _make_history


@pytest.fixture
def make_forecast():
    return _make_forecast


@pytest.fixture
def open_page():
    return _open_page


@pytest.fixture
def metrics():
    return _metrics


def _decode(obj):
    """Undo plotly's typed-array JSON encoding ({"dtype", "bdata", "shape"})."""
    import base64

    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:
            arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
            if "shape" in obj:
                arr = arr.reshape([int(x) for x in str(obj["shape"]).split(",")])
            return arr
        return {k: _decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(v) for v in obj]
    return obj


def _figures(at):
    """Every ``st.plotly_chart`` of the last run as a plain dict (``data``, ``layout``)."""
    import json

    return [_decode(json.loads(el.proto.spec)) for el in at.get("plotly_chart")]


@pytest.fixture
def figures():
    return _figures


def _tiny_forecast() -> pd.DataFrame:
    """One week of light demand (3-14 calls per 30 min, 08:00-20:00), AHT 200 s."""
    idx = pd.date_range("2024-01-15", periods=7 * 48, freq="30min")
    hour = idx.hour + idx.minute / 60
    open_ = (hour >= 8) & (hour < 20)
    calls = np.where(open_, np.round(8 + 6 * np.sin((hour - 8) / 12 * np.pi)), 0.0)
    fc = pd.DataFrame({"queue": "q1", "interval_start": idx, "calls": calls, "aht_s": 200.0})
    fc["calls_low"] = 0.9 * fc["calls"]
    fc["calls_high"] = 1.1 * fc["calls"]
    return fc


@pytest.fixture(scope="session")
def solved():
    """(data, forecast run, plan run): the demo rules solved once on a tiny week.

    Shift plan only (no named roster), Erlang evaluation only, 2 s time limit.
    """
    from wfm.pipeline import run_plan
    from wfm.scenarios import load_scenario
    from wfm.ui import state

    fc = _tiny_forecast()
    data = state.LoadedData(history=fc, source="test", version=1)
    run = state.ForecastRun(forecast=fc, start=pd.Timestamp("2024-01-15"),
                            end=pd.Timestamp("2024-01-22"), model="test", data_version=1)
    options = state.SolveOptions(time_limit_s=2.0, roster=False, simulate=False)
    base = load_scenario(ROOT / "data" / "demo_scenario.yaml")
    scenario = state.plan_scenario(base, run, state.Settings(), options)
    plan = run_plan(scenario, forecast=fc,
                    stages=("forecast", "requirements", "shifts", "evaluate"))
    plan_run = state.PlanRun(plan=plan, settings=state.Settings(), options=options,
                             forecast_start=run.start, data_version=1, demand=fc,
                             rules_source="demo scenario")
    return data, run, plan_run


def _inject(at, data=None, forecast=None, plan=None):
    """Run once, then put the given stages into the session (as the pages would)."""
    from wfm.ui import state

    at.run()
    if data is not None:
        at.session_state[state.DATA] = data
    if forecast is not None:
        at.session_state[state.FORECAST] = forecast
    if plan is not None:
        at.session_state[state.PLAN] = plan
    return at


@pytest.fixture
def inject():
    return _inject


@pytest.fixture
def tiny_forecast():
    return _tiny_forecast


def _two_queue_forecast() -> pd.DataFrame:
    """The tiny week split into two queues: ``sales`` (60 %) and ``care`` (40 %)."""
    one = _tiny_forecast()
    parts = []
    for q, share in (("sales", 0.6), ("care", 0.4)):
        part = one.copy()
        part["queue"] = q
        part[["calls", "calls_low", "calls_high"]] *= share
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _two_queue_rules():
    """Rules of a two-queue centre: agents on sales only, care only, or both; care 90 %."""
    from wfm.scenarios import scenario_from_dict

    return scenario_from_dict({
        "name": "two queues", "data": {"history": "demo"},
        "horizon": {"week_start": "2024-01-15"},
        "queues": ["sales", "care"],
        "queue_settings": {"care": {"target": 0.9, "priority": 0}, "sales": {"priority": 1}},
        "skill_groups": [{"name": "sales", "queues": ["sales"]},
                         {"name": "care", "queues": ["care"]},
                         {"name": "both", "queues": ["sales", "care"]}],
        "shift_templates": [{"name": "day", "length_min": "6:00", "earliest_start_min": "8:00",
                             "latest_start_min": "14:00", "start_step_min": 120, "days": "all",
                             "cost_per_hour": 20}],
        "simulation": {"replications": 2, "seed": 1},
    }, base_dir=ROOT / "data")


@pytest.fixture(scope="session")
def solved_multi():
    """(data, forecast run, plan run): two queues with skill groups, solved once.

    Shift plan only, simulated (2 replications), 2 s time limit; the rules are also
    returned as fourth item (the app's rule set for pages that re-solve).
    """
    from wfm.pipeline import run_plan
    from wfm.ui import state

    fc = _two_queue_forecast()
    data = state.LoadedData(history=fc, source="test", version=1)
    run = state.ForecastRun(forecast=fc, start=pd.Timestamp("2024-01-15"),
                            end=pd.Timestamp("2024-01-22"), model="test", data_version=1)
    options = state.SolveOptions(time_limit_s=2.0, roster=False, simulate=True, replications=2)
    rules = _two_queue_rules()
    scenario = state.plan_scenario(rules, run, state.Settings(), options)
    plan = run_plan(scenario, forecast=fc,
                    stages=("forecast", "requirements", "shifts", "evaluate"))
    plan_run = state.PlanRun(plan=plan, settings=state.Settings(), options=options,
                             forecast_start=run.start, data_version=1, demand=fc,
                             rules_source="two queues")
    return data, run, plan_run, rules
