"""A failed solve stops the plan with a SolveError that carries what was done."""

from __future__ import annotations

import concurrent.futures as cf

import pytest

import solver
from solver.result import SolveResult
from wfm.errors import SolveError
from wfm.pipeline import run_plan
from wfm.scenarios import load_scenario, scenario_from_dict
from wfm.sweeps import sweep


def _failed(status="NO_SOLUTION", message="nothing found within the time limit"):
    def solve(*args, **kwargs):
        return SolveResult(status=status, wall_time_s=0.01, message=message)
    return solve


def test_failed_shift_plan_carries_the_requirements(tiny_scenario_file, monkeypatch):
    s = load_scenario(tiny_scenario_file)
    monkeypatch.setattr(solver, "plan_shifts", _failed())
    with pytest.raises(SolveError, match="shift plan, week of 2024-03-04: NO_SOLUTION") as info:
        run_plan(s)
    partial = info.value.partial
    assert partial.requirements is not None and partial.kpis["requirement_hours"] > 0
    assert partial.shift_plan is None and partial.evaluation is None
    assert [w["shift_plan"].status for w in partial.weeks] == ["NO_SOLUTION"]
    assert set(partial.timings) >= {"data", "forecast", "requirements", "shifts"}


def test_failed_roster_carries_the_shift_plan(tiny_scenario_file, monkeypatch):
    base = load_scenario(tiny_scenario_file)
    raw = base.to_dict()
    raw["contracts"] = [{"name": "ft", "min_hours_week": 0, "max_hours_week": 40}]
    raw["agents"] = {"n": 3, "mix": {"ft": 1.0}}
    s = scenario_from_dict(raw, base_dir=tiny_scenario_file.parent)
    monkeypatch.setattr(solver, "build_roster", _failed("INFEASIBLE", "min rest clashes"))
    with pytest.raises(SolveError, match="roster, week of 2024-03-04: INFEASIBLE: min rest") as info:
        run_plan(s, stages=("forecast", "requirements", "shifts", "roster"))
    partial = info.value.partial
    week = partial.weeks[-1]
    assert week["shift_plan"].success and week["roster"].status == "INFEASIBLE"
    assert len(partial.agents) == 3
    assert set(partial.timings) >= {"shifts", "roster"}


def test_failed_solve_in_a_sweep_keeps_its_requirement_kpis(tiny_scenario_file, monkeypatch):
    s = load_scenario(tiny_scenario_file)
    monkeypatch.setattr(solver, "plan_shifts", _failed())
    table = sweep(s, [{"service_level": 0.7}, {"service_level": 0.9}],
                  stages=("forecast", "requirements", "shifts"), pool=cf.ThreadPoolExecutor(1))
    assert (table["status"] == "ERROR").all()
    assert table["error"].str.contains("NO_SOLUTION").all()
    assert 0 < table.loc[0, "requirement_hours"] < table.loc[1, "requirement_hours"]
