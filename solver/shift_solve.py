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
from ortools.util.python.solve_interrupter import SolveInterrupter

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


class Progress:
    """The caller's ``progress(done, total, message)``, and whether it asked to stop.

    A callback that answers ``True`` asks to stop (the app's Stop button); the request
    holds from then on: every later call answers ``True`` too.
    """

    def __init__(self, callback=None):
        self.callback = callback
        self.stopped = False

    def __call__(self, done, total, message="") -> bool:
        if self.callback is not None and self.callback(done, total, message) is True:
            self.stopped = True
        return self.stopped


class SolveWatch:
    """Reports a solve's progress from the solver's log, at most every 0.5 s, and
    interrupts the solve under way once the progress callback asks to stop."""

    def __init__(self, settings: SolveSettings, report: Progress):
        self.settings = settings
        self.report = report
        self.start = time.perf_counter()
        self.deadline = self.start + float(settings.time_limit_s)
        self.last = 0.0
        self.phase = ""
        self.interrupter = SolveInterrupter()

    @property
    def stopped(self) -> bool:
        return self.report.stopped

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def begin(self, phase: str) -> bool:
        """Begin solve ``phase``: report it, and answer whether a stop was asked."""
        self.phase = phase
        self.last = self.elapsed()
        return self._say(self.last)

    def on_message(self, _lines) -> None:
        now = self.elapsed()
        if now - self.last >= 0.5:
            self.last = now
            if self._say(now):
                self.interrupter.interrupt()

    def _say(self, now: float) -> bool:
        s = self.settings
        return self.report(0.1 + 0.85 * min(now / s.time_limit_s, 1.0), 1,
                           f"solving ({s.solver}, {s.method}, {self.phase}) "
                           f"{now:.0f}/{s.time_limit_s:.0f} s")

    def call(self, model, solver_type, params):
        """One MathOpt solve, interruptible; a rejected model gives a MODEL_INVALID dict."""
        try:
            return mathopt.solve(model, solver_type, params=params, msg_cb=self.on_message,
                                 interrupter=self.interrupter)
        except Exception as exc:  # the solver rejected the model: say so, in words
            exc = exc.__context__ or exc  # OR-Tools wraps the solver's status
            return {"status": "MODEL_INVALID", "values": None, "bound": math.nan,
                    "objective": math.nan,
                    "message": f"the {solver_type.name} solver rejected the model: {exc}"}

    def no_plan(self, bound: float = math.nan) -> dict:
        """The result of a stop before any plan was found."""
        t = self.elapsed()
        return {"status": "NO_SOLUTION", "values": None, "bound": bound, "objective": math.nan,
                "solve_s": t, "message": f"stopped on request after {t:.1f} s, before any "
                                         "plan was found"}


def solve_plan(pm, settings: SolveSettings, report: Progress, stats: dict) -> dict:
    """Solve ``pm.model``: directly, or LP relaxation then a restricted MIP around it.

    ``method="lp_rounding"`` (RENS, Berthold 2014): solve the LP relaxation (its value is
    a valid lower bound of the whole problem), then solve the MIP with every shift
    count boxed between the floor and the ceiling of its LP value (with several skill
    groups, ``stats["box_breaks"]``, the break counts too, and the LP by interior point,
    ``stats["lp_algorithm"]``).  The reported bound
    is the best of the LP bound and the restricted solve's, never the restricted
    solve's alone.  ``method="direct"``: one branch-and-bound on the whole model.

    Once ``report`` asks to stop, the solve under way is interrupted and no other
    starts: a plan found so far is kept (status FEASIBLE, the message says it was
    stopped on request), else the status is NO_SOLUTION.
    """
    watch = SolveWatch(settings, report)
    # HiGHS threads are a process-wide setting and SCIP solves on one thread here.
    stats["threads"] = int(settings.num_workers) if settings.solver == "cp-sat" else 1
    stats["method"] = settings.method
    lp_bound = math.nan
    if settings.method == "lp_rounding":
        if watch.begin("LP relaxation"):
            return watch.no_plan()
        lp = _solve_relaxation(pm, settings, watch, stats)
        if isinstance(lp, dict):
            return lp | {"solve_s": watch.elapsed()}
        if lp.termination.reason == mathopt.TerminationReason.OPTIMAL:
            lp_bound = float(lp.objective_value())
            stats["lp_bound"] = lp_bound
            if watch.begin("restricted MIP"):
                return watch.no_plan(lp_bound)
            out = _solve_restricted(pm, lp.variable_values(), lp_bound, settings, watch, stats)
            if out is not None:
                return out
        # LP not solved in time or restricted MIP without a plan: fall back to direct,
        # unless a stop was asked
    if watch.begin("whole MIP"):
        return watch.no_plan(lp_bound)
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
        lp = watch.call(pm.model, mathopt.SolverType.HIGHS, lp_params)
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
        sub = watch.call(pm.model, SOLVERS[settings.solver], settings.params(watch.left()))
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
    if _interrupted(sub, watch):
        out["status"] = "FEASIBLE"
        out["message"] = (f"stopped on request after {watch.elapsed():.1f} s with a plan "
                          f"within {gap:.2%} of the LP bound")
    elif watch.stopped:
        out["message"] = _unheard(out["message"], settings.solver)
    elif out["status"] == "FEASIBLE" and not out["message"]:
        out["message"] = (f"plan within {gap:.2%} of the LP bound (asked "
                          f"{rel:.2%}); the bound may be loose, not the plan")
    stats["restricted_s"] = watch.elapsed() - stats["lp_s"]
    return out


def _solve_direct(pm, settings: SolveSettings, watch: SolveWatch, lp_bound: float) -> dict:
    """One branch and bound on the whole model, in the time left."""
    res = watch.call(pm.model, SOLVERS[settings.solver], settings.params(watch.left()))
    if isinstance(res, dict):
        return res | {"solve_s": watch.elapsed()}
    if _interrupted(res, watch) and not res.has_primal_feasible_solution():
        return watch.no_plan(lp_bound)
    out = _read(res, settings.time_limit_s, watch.elapsed())
    if _interrupted(res, watch):
        out["status"] = "FEASIBLE"
        out["message"] = f"stopped on request after {watch.elapsed():.1f} s with a feasible plan"
    elif watch.stopped:
        out["message"] = _unheard(out["message"], settings.solver)
    if not math.isnan(lp_bound):
        out["bound"] = max(lp_bound, out["bound"]) if not math.isnan(out["bound"]) else lp_bound
    return out


def _interrupted(res, watch: SolveWatch) -> bool:
    """Whether a stop request ended ``res`` (a solve that finished first is not stopped)."""
    return watch.stopped and res.termination.limit == mathopt.Limit.INTERRUPTED


def _unheard(message: str, solver: str) -> str:
    """``message`` and a word that the solve ran on after a stop request.

    HiGHS through MathOpt (OR-Tools 9.15) reads neither the interrupter nor a callback:
    a stop request during a HiGHS solve lets it run to its own end, and only keeps
    any further solve from starting.
    """
    note = f"the stop request came during the {solver} solve, which ran to its end"
    return f"{message}; {note}" if message else note


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
