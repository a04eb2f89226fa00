"""A plan of several weeks as one horizon: ``horizon.mode`` and ``hours_over_weeks``."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

import solver
import wfm.pipeline as pipeline
from tests.scenarios.frames import one_queue_weeks
from wfm.roster_check import roster_breaches
from wfm.scenarios import ScenarioError, load_scenario, scenario_from_dict

MON = pd.Timestamp("2024-03-04")


def _raw(tmp_path, weeks=2, mode="joint"):
    one_queue_weeks(tmp_path, weeks)
    brk = [{"name": "break", "length_min": 15, "earliest_start_min": 120, "latest_start_min": 240}]
    (tmp_path / "agents.csv").write_text(
        "id,contract,skills,is_lead\n"
        + "".join(f"A{i:02d},six,bank,{'yes' if i < 4 else 'no'}\n" for i in range(14)))
    return {
        "name": "two weeks", "data": {"forecast": "fc.csv"},
        "horizon": {"week_start": "2024-03-04", "weeks": weeks, "mode": mode},
        "service": {"target": 0.8, "answer_within_s": 20, "max_occupancy": 0.85},
        "shrinkage": 0.2,
        "shift_templates": [
            {"name": "early", "length_min": "8:00", "earliest_start_min": "7:00",
             "latest_start_min": "8:00", "start_step_min": 60, "cost_per_hour": 20,
             "breaks": brk},
            {"name": "late", "length_min": "8:00", "earliest_start_min": "14:00",
             "latest_start_min": "15:00", "start_step_min": 60, "cost_per_hour": 20,
             "breaks": brk},
        ],
        "contracts": [{"name": "six", "min_hours_week": 0, "max_hours_week": 48,
                       "max_days_week": 6, "max_consecutive_days": 6, "min_rest_h": 11,
                       "hours_over_weeks": {"weeks": 2, "max_hours": 72}}],
        "agents": {"file": "agents.csv"},
        "solver": {"plan_time_limit_s": 5, "roster_time_limit_s": 10, "num_workers": 1},
        "simulation": {"replications": 1, "seed": 3},
    }


def _scenario(tmp_path, **kw):
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(_raw(tmp_path, **kw), sort_keys=False))
    return load_scenario(path)


def test_two_joint_weeks_keep_the_averaged_hours_and_pass_the_rotation(tmp_path, monkeypatch):
    seen = []

    def recording(*args, **kw):
        seen.append((args[2], kw.get("horizon_carry")))
        return solver.build_roster(*args, **kw)

    monkeypatch.setattr(pipeline, "_build_roster", lambda: recording)
    s = _scenario(tmp_path)
    assert s.horizon.mode == "joint"
    assert s.contracts["six"].hours_over_weeks.max_hours == 72
    out = pipeline.run_plan(s, stages=("forecast", "requirements", "shifts", "roster"))
    assert [w["roster"].success for w in out.weeks] == [True, True]
    assert all(carry is not None and len(carry) == 14 for _, carry in seen)
    both = pd.concat([w["roster"].shifts for w in out.weeks], ignore_index=True)
    breaches = roster_breaches(both, out.agents, s.contracts, week_start=MON, weeks=2)
    assert breaches.empty, breaches.to_string()
    assert (both.groupby("agent_id")["paid_h"].sum() <= 72 + 1e-9).all()
    assert set(both["contract"]) == {"six"}
    # the first week's caps are paced: 72 h / 2 weeks + 2 h slack = 38 h, to the nearest
    # week 8-h shifts make, 40 h (not the weekly 48)
    caps = {c.max_hours_week for c in seen[0][0].values() if c.name != "six"}
    assert caps == {40.0}


def test_chained_is_the_default_and_passes_no_rotation(tmp_path):
    raw = _raw(tmp_path)
    del raw["horizon"]["mode"]
    s = scenario_from_dict(raw, base_dir=tmp_path)
    assert s.horizon.mode == "chained"
    assert s.to_dict()["contracts"][0]["hours_over_weeks"] == {"weeks": 2, "max_hours": 72.0}


@pytest.mark.parametrize("change, key", [
    (lambda r: r["horizon"].update(mode="together"), "horizon.mode"),
    (lambda r: r["contracts"][0].update(hours_over_weeks={"weeks": 1, "max_hours": 40}),
     "contracts[0].hours_over_weeks.weeks"),
    (lambda r: r["contracts"][0].update(hours_over_weeks={"weeks": 4}),
     "contracts[0].hours_over_weeks.max_hours"),
    (lambda r: r["contracts"][0].update(hours_over_weeks={"weeks": 4, "max_hours": 160,
                                                          "min_hours": 1}),
     "contracts[0].hours_over_weeks.min_hours"),
    (lambda r: r["contracts"][0].update(min_hours_week=30,
                                        hours_over_weeks={"weeks": 4, "max_hours": 100}),
     "contracts[0].hours_over_weeks.max_hours"),
])
def test_bad_horizon_settings_name_the_key(tmp_path, change, key):
    raw = _raw(tmp_path)
    change(raw)
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(raw, base_dir=tmp_path)
    assert exc.value.key == key, str(exc.value)


def test_wfm_plan_horizon_option_overrides_the_mode(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from wfm.cli import app

    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(_raw(tmp_path, mode="chained"), sort_keys=False))
    seen = []

    class Stop(Exception):
        pass

    def fake_run_plan(scenario, **kw):
        seen.append(scenario.horizon.mode)
        raise Stop

    monkeypatch.setattr(pipeline, "run_plan", fake_run_plan)
    runner = CliRunner()
    res = runner.invoke(app, ["plan", str(path), "--horizon", "joint", "-q", "--no-simulate"])
    assert isinstance(res.exception, Stop) and seen == ["joint"]
    res = runner.invoke(app, ["plan", str(path), "--horizon", "together", "-q"])
    assert res.exit_code != 0 and "--horizon" in res.output and seen == ["joint"]
