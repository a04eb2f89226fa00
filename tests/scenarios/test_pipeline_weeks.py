"""Weeks of one horizon are chained: each week's roster continues the one before."""

from __future__ import annotations

import pandas as pd
import yaml

import solver
import wfm.pipeline as pipeline
from tests.scenarios.frames import one_queue_weeks
from wfm.roster_check import roster_breaches
from wfm.scenarios import load_scenario

MON = pd.Timestamp("2024-03-04")


def _scenario(tmp_path, weeks=2):
    one_queue_weeks(tmp_path, weeks)
    raw = {
        "name": "two weeks", "data": {"forecast": "fc.csv"},
        "horizon": {"week_start": "2024-03-04", "weeks": weeks},
        "service": {"target": 0.8, "answer_within_s": 20, "max_occupancy": 0.85},
        "shrinkage": 0.2,
        "shift_templates": [
            {"name": "early", "length_min": "8:00", "earliest_start_min": "7:00",
             "latest_start_min": "8:00", "start_step_min": 60, "cost_per_hour": 20,
             "breaks": [{"name": "break", "length_min": 15, "earliest_start_min": 120,
                         "latest_start_min": 240}]},
            {"name": "late", "length_min": "8:00", "earliest_start_min": "14:00",
             "latest_start_min": "15:00", "start_step_min": 60, "cost_per_hour": 20,
             "breaks": [{"name": "break", "length_min": 15, "earliest_start_min": 120,
                         "latest_start_min": 240}]},
        ],
        "contracts": [{"name": "six", "min_hours_week": 0, "max_hours_week": 48,
                       "max_days_week": 6, "max_consecutive_days": 6, "min_rest_h": 11}],
        "agents": {"file": "agents.csv"},
        "solver": {"plan_time_limit_s": 5, "roster_time_limit_s": 10, "num_workers": 1},
        "simulation": {"replications": 1, "seed": 3},
    }
    (tmp_path / "agents.csv").write_text(
        "id,contract,skills,is_lead\n"
        + "".join(f"A{i:02d},six,bank,{'yes' if i < 4 else 'no'}\n" for i in range(14)))
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return load_scenario(path)


def test_week_two_sees_week_one(tmp_path, monkeypatch):
    seen = []

    def recording(*args, **kw):
        seen.append(kw.get("previous"))
        return solver.build_roster(*args, **kw)

    monkeypatch.setattr(pipeline, "_build_roster", lambda: recording)
    s = _scenario(tmp_path)
    out = pipeline.run_plan(s, stages=("forecast", "requirements", "shifts", "roster"))
    assert len(out.weeks) == 2 and all(w["roster"].success for w in out.weeks)
    assert seen[0] is None
    assert seen[1] is out.weeks[0]["roster"].shifts  # week 2 was given week 1's shifts
    # the two weeks together keep every rule, read by the independent checker
    both = pd.concat([w["roster"].shifts for w in out.weeks], ignore_index=True)
    breaches = roster_breaches(both, out.agents, s.contracts, week_start=MON, weeks=2)
    assert breaches.empty, breaches.to_string()


def test_repair_plan_mends_a_one_week_plan_and_keeps_the_original(tmp_path):
    from wfm.changes import Absence

    s = _scenario(tmp_path, weeks=1)
    plan = pipeline.run_plan(s, stages=("forecast", "requirements", "shifts", "roster",
                                        "evaluate"))
    wed = (MON + pd.Timedelta(days=2)).date()
    sick = plan.roster.shifts.loc[plan.roster.shifts["day"] == wed, "agent_id"].iloc[0]
    before = plan.roster.shifts.copy()
    fixed, rep = pipeline.repair_plan(plan, [Absence(sick, [wed])], time_limit_s=10)
    assert rep.success and fixed is not None
    assert fixed.roster is rep and plan.roster.shifts.equals(before)  # the plan is kept
    assert not ((fixed.roster.shifts["agent_id"] == sick)
                & (fixed.roster.shifts["day"] == wed)).any()
    assert fixed.evaluation is not None and "weekly_cost" in fixed.kpis
    assert roster_breaches(fixed.roster.shifts, plan.agents, s.contracts, week_start=MON).empty
