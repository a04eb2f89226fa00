"""A progress callback that answers True stops the shift plan's MathOpt solve."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest
from ortools.math_opt.python import mathopt

from solver import plan_shifts, shift_solve
from wfm.types import BreakRule, ShiftTemplate

WS = pd.Timestamp("2024-01-01")  # a Monday


def _tiny():
    """Two hours needing 1, 2, 2, 1 agents; one 1-h shift kind at 08:00 or 09:00."""
    times = WS + pd.to_timedelta(8 * 60 + 30 * np.arange(4), unit="min")
    need = np.array([1.0, 2.0, 2.0, 1.0])
    req = pd.DataFrame({"queue": "q", "interval_start": times, "staff_needed": need,
                        "agents_needed": need})
    tpl = ShiftTemplate("t", length_min=60, earliest_start_min=480, latest_start_min=540,
                        start_step_min=30, cost_per_hour=20.0)
    return req, [tpl]


def _days(n_days: int):
    """``n_days`` of a double-hump day (peak 40) with noise; 8-h and 4-h shifts with breaks."""
    rng = np.random.default_rng(0)
    n = n_days * 96
    h = (np.arange(n) * 15 % 1440) / 60
    base = 40 * (np.exp(-0.5 * ((h - 10.5) / 2) ** 2) + 0.8 * np.exp(-0.5 * ((h - 15.5) / 2) ** 2))
    need = np.round(base * rng.uniform(0.85, 1.15, n))
    need[(h < 6) | (h >= 22)] = 0
    req = pd.DataFrame({"queue": "q", "interval_start": WS + pd.to_timedelta(15 * np.arange(n),
                                                                              unit="min"),
                        "staff_needed": need, "agents_needed": need})
    eight = ShiftTemplate("eight", length_min=480, earliest_start_min=360, latest_start_min=840,
                          cost_per_hour=20.0, breaks=(
                              BreakRule("break", 15, 90, 180),
                              BreakRule("lunch", 30, 210, 300, paid=False, min_gap_min=60),
                              BreakRule("break", 15, 330, 420, min_gap_min=60)))
    four = ShiftTemplate("four", length_min=240, earliest_start_min=360, latest_start_min=1080,
                         cost_per_hour=21.0, breaks=(BreakRule("break", 15, 60, 150),))
    return req, [eight, four]


@pytest.fixture
def solves(monkeypatch):
    """The MathOpt solves started: one solver-type name per solve."""
    started = []
    real = mathopt.solve

    def counting(model, solver_type, **kw):
        started.append(solver_type.name)
        return real(model, solver_type, **kw)

    monkeypatch.setattr(shift_solve.mathopt, "solve", counting)
    return started


def test_a_stop_at_once_starts_no_solve(solves):
    req, tpls = _tiny()
    t0 = time.perf_counter()
    r = plan_shifts(req, tpls, week_start=WS, time_limit_s=60, progress=lambda d, t, m="": True)
    assert time.perf_counter() - t0 < 10  # far inside the 60 s limit
    assert r.status == "NO_SOLUTION" and not r.success
    assert "stopped on request" in r.message and "before any plan" in r.message
    assert solves == [] and len(r.shifts) == 0


def test_queues_planned_one_by_one_stop_too(solves):
    req, tpls = _tiny()
    two = pd.concat([req, req.assign(queue="r")], ignore_index=True)
    r = plan_shifts(two, tpls, week_start=WS, time_limit_s=60, progress=lambda d, t, m="": True)
    assert r.status == "NO_SOLUTION" and solves == []
    assert r.message.count("stopped on request") == 2


@pytest.mark.parametrize("answer", [None, False])
def test_a_callback_that_does_not_ask_to_stop_changes_nothing(answer):
    req, tpls = _tiny()
    plain = plan_shifts(req, tpls, week_start=WS, time_limit_s=10, num_workers=1)
    seen = []

    def progress(done, total, message=""):
        seen.append(message)
        return answer

    r = plan_shifts(req, tpls, week_start=WS, time_limit_s=10, num_workers=1, progress=progress)
    assert r.status == plain.status == "OPTIMAL"
    assert r.objective == plain.objective == pytest.approx(60.0)  # 3 shifts of 1 h at 20/h
    pd.testing.assert_frame_equal(r.shifts, plain.shifts)
    assert "stopped" not in r.message and seen[-1] == "done"


def test_a_stop_before_the_restricted_mip_keeps_the_lp_bound_and_starts_no_fallback(solves):
    req, tpls = _days(2)

    def stop_after_the_lp(done, total, message=""):
        return "restricted MIP" in message

    r = plan_shifts(req, tpls, week_start=WS, time_limit_s=60, relative_gap=0.0,
                    num_workers=1, progress=stop_after_the_lp)
    assert r.status == "NO_SOLUTION"
    assert "stopped on request" in r.message and "before any plan" in r.message
    assert solves == ["HIGHS"]  # the LP only: neither the restricted MIP nor a fallback
    assert math.isfinite(r.bound) and r.bound == r.stats["lp_bound"]


def test_a_stop_during_the_restricted_mip_keeps_its_plan_as_feasible(solves):
    # CP-SAT reads the interrupter; left alone, this restricted MIP runs about 15 s
    req, tpls = _days(2)
    asked = []

    def stop_after_two_seconds(done, total, message=""):
        if "restricted MIP" in message:
            asked.append(time.perf_counter())
        return bool(asked) and asked[-1] - asked[0] >= 2.0

    t0 = time.perf_counter()
    r = plan_shifts(req, tpls, week_start=WS, time_limit_s=60, relative_gap=0.0,
                    num_workers=1, solver="cp-sat", progress=stop_after_two_seconds)
    assert time.perf_counter() - t0 < 30  # far inside the 60 s limit
    assert r.status == "FEASIBLE" and r.success and len(r.shifts) > 0
    assert "stopped on request" in r.message
    assert r.bound == r.stats["lp_bound"] and r.objective >= r.bound
    assert solves == ["HIGHS", "CP_SAT"]  # no fallback after the stop
