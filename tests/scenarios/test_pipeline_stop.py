"""A stop request: the solve under way keeps its plan, the rest is left out and said."""

from __future__ import annotations

import dataclasses

from wfm.pipeline import run_plan
from wfm.scenarios import AgentSource, load_scenario


def _with_agents(path):
    s = load_scenario(path)
    raw = s.to_dict()
    raw["contracts"] = [{"name": "ft", "min_hours_week": 0, "max_hours_week": 40,
                         "max_days_week": 5, "min_rest_h": 11}]
    raw["agents"] = {"n": 8, "mix": {"ft": 1.0}, "seed": 1}
    from wfm.scenarios import scenario_from_dict

    return scenario_from_dict(raw, base_dir=path.parent)


def test_stop_after_the_shift_plan_keeps_it_and_skips_roster_and_simulation(tiny_scenario_file):
    scenario = _with_agents(tiny_scenario_file)
    asked = []

    def stop():
        asked.append(True)
        return True

    seen = []
    plan = run_plan(scenario, stop=stop, progress=lambda d, t, m="": seen.append(m))
    assert plan.shift_plan.success
    assert plan.roster is None and plan.final is plan.shift_plan
    assert plan.stopped == "roster not built, no simulation"
    assert plan.evaluation is not None and plan.evaluation.simulation is None
    assert plan.kpis["weekly_cost"] > 0 and "roster_status" not in plan.kpis
    assert asked and seen[-1] == "done"


def test_without_a_stop_request_nothing_is_left_out(tiny_scenario_file):
    scenario = load_scenario(tiny_scenario_file)
    scenario = dataclasses.replace(scenario, agents=AgentSource())
    plan = run_plan(scenario, stop=lambda: False)
    assert plan.stopped == ""
    assert plan.evaluation.simulation is not None


def test_the_solvers_callbacks_answer_the_stop_request():
    from wfm.pipeline import _stage_progress

    flag = [False]
    cb = _stage_progress(None, "shifts", 0.0, 0.5, lambda: flag[0])
    assert cb(0.5, 1.0, "x") is False
    flag[0] = True
    assert cb(0.6, 1.0, "x") is True


def test_the_roster_is_told_of_a_stop_and_the_shift_plan_is_not():
    from wfm.pipeline import _stage_progress, _sub_progress

    cb = _stage_progress(None, "roster", 0.0, 0.5, lambda: True)
    assert _sub_progress(cb, 0, 1)(0.5, 1.0, "x") is True
    assert _sub_progress(cb, 0, 1, answer=False)(0.5, 1.0, "x") is None
