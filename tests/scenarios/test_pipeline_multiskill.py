"""The pipeline on a multi-queue centre with skill groups: per-queue results and costs."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.scenarios.frames import two_queue_forecast
from wfm.cli import app
from wfm.pipeline import run_plan
from wfm.scenarios import scenario_from_dict


def _forecast(tmp_path):
    two_queue_forecast(tmp_path)


def _scenario(tmp_path, groups):
    _forecast(tmp_path)
    raw = {
        "name": "two queues", "data": {"forecast": "fc.csv"},
        "horizon": {"week_start": "2024-03-04"},
        "queues": ["sales", "care"],
        "queue_settings": {"care": {"target": 0.9, "priority": 0}, "sales": {"priority": 1}},
        "skill_groups": groups,
        "service": {"target": 0.8, "answer_within_s": 20, "max_occupancy": 1.0},
        "shrinkage": 0.0,
        "shift_templates": [{"name": "day", "length_min": "8:00", "earliest_start_min": "8:00",
                             "latest_start_min": "8:00", "days": "Mon-Tue",
                             "cost_per_hour": 20}],
        "solver": {"plan_time_limit_s": 10, "num_workers": 1},
        "simulation": {"replications": 2, "seed": 3},
    }
    return scenario_from_dict(raw, base_dir=tmp_path)


SHARED = [{"name": "sales", "queues": ["sales"]}, {"name": "care", "queues": ["care"]},
          {"name": "both", "queues": ["sales", "care"]}]
DEDICATED = SHARED[:2]


def test_multiskill_plan_reports_each_queue_and_shares_the_cost(tmp_path):
    plan = run_plan(_scenario(tmp_path, SHARED), stages=("forecast", "requirements", "shifts",
                                                         "evaluate"))
    assert set(plan.forecast["queue"]) == {"sales", "care"}  # queues kept apart
    care = plan.requirements[plan.requirements["queue"] == "care"]
    assert (care.loc[care["calls"] > 0, "expected_service_level"] >= 0.9).all()  # its own target
    assert set(plan.pooled_requirements["queue_set"]) == {"care+sales"}
    assert "skill_group" in plan.shift_plan.shifts.columns
    q = plan.queue_kpis.set_index("queue")
    assert q["cost"].sum() == pytest.approx(plan.kpis["weekly_cost"])
    assert q.loc["care", "target"] == 0.9 and q.loc["care", "priority"] == 0
    assert q["sim_service_level"].notna().all()
    # pooling: cheaper than the same queues with dedicated agents only
    dedicated = run_plan(_scenario(tmp_path, DEDICATED),
                         stages=("forecast", "requirements", "shifts", "evaluate"))
    assert plan.kpis["weekly_cost"] < dedicated.kpis["weekly_cost"]
    assert "queue sales" in plan.summary() and "queue care" in plan.summary()


def test_cli_plan_writes_the_per_queue_files(tmp_path):
    s = _scenario(tmp_path, SHARED)
    path = tmp_path / "two.yaml"
    import yaml

    path.write_text(yaml.safe_dump(s.to_dict(), sort_keys=False))
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["plan", str(path), "-o", str(out), "--no-roster", "-q"])
    assert res.exit_code == 0, res.output
    for name in ("queues.csv", "pooled_requirements.csv", "allocation.csv", "shift_plan.csv"):
        assert (out / name).exists(), name
    queues = pd.read_csv(out / "queues.csv")
    assert set(queues["queue"]) == {"sales", "care"}


def test_check_by_simulation_raises_the_queue_that_misses_and_plans_again(tmp_path):
    import dataclasses

    import solver
    from wfm.pipeline import _check_by_simulation

    s = _scenario(tmp_path, SHARED)
    s = dataclasses.replace(s, solver=dataclasses.replace(s.solver, check_rounds=2))
    base = run_plan(s, stages=("forecast", "requirements"))
    # a plan for half of what care needs: the simulation shows care short, not sales
    req = base.requirements.copy()
    care = req["queue"] == "care"
    req.loc[care, "agents_needed"] = req.loc[care, "agents_needed"] // 2
    req.loc[care, "staff_needed"] = req.loc[care, "agents_needed"]
    groups = {"skill_groups": s.skill_groups, "pooled_requirements": None}
    groups["skill_groups"] = [g for g in s.skill_groups if len(g.queues) == 1]  # dedicated
    ws = s.horizon.week_start
    short = solver.plan_shifts(req, s.templates, week_start=ws, target=s.target,
                               shrinkage=s.shrinkage, time_limit_s=10, num_workers=1, **groups)
    plan, checks, raised = _check_by_simulation(short, req, groups, s, ws, None)
    first = checks[checks["round"] == 1].set_index("queue")
    assert first.loc["care", "sim_service_level"] < 0.9
    assert first.loc["care", "intervals_raised"] > 0 and first.loc["sales", "intervals_raised"] == 0
    assert first.loc["care", "replan_status"] in ("OPTIMAL", "FEASIBLE")
    assert plan.stats["cost"] > short.stats["cost"]
    assert set(checks["round"]) <= {1, 2}


def test_service_level_mode_plans_each_queue_to_its_own_target(tmp_path):
    import dataclasses

    s = _scenario(tmp_path, DEDICATED)
    s = dataclasses.replace(s, solver=dataclasses.replace(s.solver, mode="service_level"))
    plan = run_plan(s, stages=("forecast", "requirements", "shifts"))
    sl = {q: v["service_level"] for q, v in plan.shift_plan.stats["queues"].items()}
    # care's own 90 %, sales the scenario's 80 % (Erlang C on each queue's agents)
    assert sl["care"] >= 0.9 - 1e-6
    assert 0.8 - 1e-6 <= sl["sales"] < 0.9
    flat = run_plan(dataclasses.replace(s, queue_settings={}),
                    stages=("forecast", "requirements", "shifts"))
    assert flat.shift_plan.stats["queues"]["care"]["service_level"] < 0.9
    assert len(flat.shift_plan.shifts) < len(plan.shift_plan.shifts)
