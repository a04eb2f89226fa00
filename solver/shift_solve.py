"""The MathOpt solve of a shift plan: LP relaxation and restricted MIP, or one direct MIP.

:func:`solve_plan` takes a built :class:`solver.shift_rules.PlanModel` and returns a
plain dict (``status``, ``values``, ``bound``, ``objective``, ``solve_s``, ``message``)
that :func:`solver.shifts.plan_shifts` turns into a :class:`solver.result.SolveResult`.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass

from ortools.math_opt.python import mathopt

#: Back ends of :func:`solver.shifts.plan_shifts` (OR-Tools MathOpt solver types).
SOLVERS = {
    "highs": mathopt.SolverType.HIGHS,
    "scip": mathopt.SolverType.GSCIP,
    "cp-sat": mathopt.SolverType.CP_SAT,
}


@dataclass(frozen=True)
class SolveSettings:
    """How to solve: back end, method, limits (the arguments of ``plan_shifts``)."""

    solver: str
    method: str
    time_limit_s: float
    num_workers: int
    relative_gap: float

    def params(self, seconds: float, *, threads: bool | None = None) -> mathopt.SolveParameters:
        """Parameters of one solve of at most ``seconds`` [s]."""
        params = mathopt.SolveParameters(time_limit=dt.timedelta(seconds=max(seconds, 0.1)),
                                         relative_gap_tolerance=float(self.relative_gap))
        if threads is None:
            threads = self.solver == "cp-sat"
        if threads:  # only CP-SAT takes a per-solve thread count
            params.threads = int(self.num_workers)
        return params


class SolveWatch:
    """Reports a solve's progress from the solver's log, at most every 0.5 s."""

    def __init__(self, settings: SolveSettings, report):
        self.settings = settings
        self.report = report
        self.start = time.perf_counter()
        self.deadline = self.start + float(settings.time_limit_s)
        self.last = 0.0

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def on_message(self, _lines) -> None:
        now = self.elapsed()
        if now - self.last >= 0.5:
            self.last = now
            s = self.settings
            self.report(0.1 + 0.85 * min(now / s.time_limit_s, 1.0), 1,
                        f"solving ({s.solver}, {s.method}) {now:.0f}/{s.time_limit_s:.0f} s")


def solve_plan(pm, settings: SolveSettings, report, stats: dict) -> dict:
    """Solve ``pm.model``: directly, or LP relaxation then a restricted MIP around it.

    ``method="lp_rounding"`` (RENS, Berthold 2014): solve the LP relaxation (its value is
    a valid lower bound of the whole problem), then solve the MIP with every shift
    count boxed between the floor and the ceiling of its LP value (with several skill
    groups, ``stats["box_breaks"]``, the break counts too, and the LP by interior point,
    ``stats["lp_algorithm"]``).  The reported bound
    is the best of the LP bound and the restricted solve's, never the restricted
    solve's alone.  ``method="direct"``: one branch-and-bound on the whole model.
    """
    watch = SolveWatch(settings, report)
    # HiGHS threads are a process-wide setting and SCIP solves on one thread here.
    stats["threads"] = int(settings.num_workers) if settings.solver == "cp-sat" else 1
    stats["method"] = settings.method
    lp_bound = math.nan
    if settings.method == "lp_rounding":
        lp = _solve_relaxation(pm, settings, watch, stats)
        if isinstance(lp, dict):
            return lp | {"solve_s": watch.elapsed()}
        if lp.termination.reason == mathopt.TerminationReason.OPTIMAL:
            lp_bound = float(lp.objective_value())
            stats["lp_bound"] = lp_bound
            out = _solve_restricted(pm, lp.variable_values(), lp_bound, settings, watch, stats)
            if out is not None:
                return out
        # LP not solved in time or restricted MIP without a plan: fall back to direct
    return _solve_direct(pm, settings, watch, lp_bound)


def _solve_relaxation(pm, settings: SolveSettings, watch: SolveWatch, stats: dict):
    """The LP relaxation by HiGHS (integrality dropped for the solve, then restored)."""
    ints = [v for v in pm.model.variables() if v.integer]
    for v in ints:
        v.integer = False
    try:
        lp_params = settings.params(0.6 * settings.time_limit_s, threads=False)
        if stats.get("lp_algorithm") == "barrier":
            lp_params.lp_algorithm = mathopt.LPAlgorithm.BARRIER
        lp = _call(pm.model, mathopt.SolverType.HIGHS, lp_params, watch.on_message)
    finally:
        for v in ints:
            v.integer = True
    stats["lp_s"] = watch.elapsed()
    return lp


def _solve_restricted(pm, lp_values, lp_bound: float, settings: SolveSettings,
                      watch: SolveWatch, stats: dict) -> dict | None:
    """The MIP with counts boxed around their LP values; None when it finds no plan."""
    boxed = list(pm.x)
    if stats.get("box_breaks"):
        boxed += [var for _s, _o, var in pm.b]
    saved = [(v, v.lower_bound, v.upper_bound) for v in boxed]
    for v in boxed:
        x = lp_values[v]
        v.lower_bound = max(v.lower_bound, math.floor(x + 1e-6))
        v.upper_bound = min(v.upper_bound, math.ceil(x - 1e-6))
    try:
        sub = _call(pm.model, SOLVERS[settings.solver], settings.params(watch.left()),
                    watch.on_message)
    finally:
        for v, lo, hi in saved:
            v.lower_bound, v.upper_bound = lo, hi
    if isinstance(sub, dict) or not sub.has_primal_feasible_solution():
        return None
    out = _read(sub, settings.time_limit_s, watch.elapsed())
    out["bound"] = lp_bound  # the restricted bound is not a global one
    gap = (out["objective"] - lp_bound) / max(abs(out["objective"]), 1e-9)
    rel = settings.relative_gap
    out["status"] = "OPTIMAL" if gap <= rel + 1e-12 else "FEASIBLE"
    if out["status"] == "FEASIBLE" and not out["message"]:
        out["message"] = (f"plan within {gap:.2%} of the LP bound (asked "
                          f"{rel:.2%}); the bound may be loose, not the plan")
    stats["restricted_s"] = watch.elapsed() - stats["lp_s"]
    return out


def _solve_direct(pm, settings: SolveSettings, watch: SolveWatch, lp_bound: float) -> dict:
    """One branch and bound on the whole model, in the time left."""
    res = _call(pm.model, SOLVERS[settings.solver], settings.params(watch.left()),
                watch.on_message)
    if isinstance(res, dict):
        return res | {"solve_s": watch.elapsed()}
    out = _read(res, settings.time_limit_s, watch.elapsed())
    if not math.isnan(lp_bound):
        out["bound"] = max(lp_bound, out["bound"]) if not math.isnan(out["bound"]) else lp_bound
    return out


def _call(model, solver_type, params, on_message):
    try:
        return mathopt.solve(model, solver_type, params=params, msg_cb=on_message)
    except Exception as exc:  # the solver rejected the model: say so, in words
        exc = exc.__context__ or exc  # OR-Tools wraps the solver's status
        return {"status": "MODEL_INVALID", "values": None, "bound": math.nan,
                "objective": math.nan,
                "message": f"the {solver_type.name} solver rejected the model: {exc}"}


def _read(res, time_limit_s, solve_s):
    reason = res.termination.reason
    TR = mathopt.TerminationReason
    bound = res.termination.objective_bounds.dual_bound
    bound = float(bound) if math.isfinite(bound) else math.nan
    if res.has_primal_feasible_solution():
        status = "OPTIMAL" if reason == TR.OPTIMAL else "FEASIBLE"
        objective = float(res.objective_value())
        if status == "OPTIMAL" and math.isnan(bound):
            bound = objective
        msg = "" if status == "OPTIMAL" else (
            f"stopped by the {time_limit_s:g} s time limit after {solve_s:.1f} s with a "
            "feasible plan" if reason == TR.FEASIBLE else f"stopped: {reason.name.lower()}")
        return {"status": status, "values": res.variable_values(), "bound": bound,
                "objective": objective, "solve_s": solve_s, "message": msg}
    if reason in (TR.INFEASIBLE, TR.INFEASIBLE_OR_UNBOUNDED):
        status, msg = "INFEASIBLE", (
            "no plan satisfies the hard rules (template max counts, break windows and gaps, "
            "budget): " + res.termination.detail)
    elif reason == TR.NO_SOLUTION_FOUND:
        status, msg = "NO_SOLUTION", f"no plan found within the {time_limit_s:g} s time limit"
    else:
        status, msg = "MODEL_INVALID", f"solver stopped: {reason.name} {res.termination.detail}"
    return {"status": status, "values": None, "bound": bound, "objective": math.nan,
            "solve_s": solve_s, "message": msg}
