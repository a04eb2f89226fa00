"""CP-SAT solves shared by the stages: status names and a progress callback."""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

_STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.UNKNOWN: "NO_SOLUTION",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
}


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress, lo, hi, limit, label):
        super().__init__()
        self._p, self._lo, self._hi, self._limit, self._label = progress, lo, hi, limit, label
        self._t0 = time.perf_counter()

    def on_solution_callback(self):
        """Report the solution found; a progress callback that answers True (the user
        asked to stop) ends the search, which keeps its best solution."""
        frac = min(1.0, (time.perf_counter() - self._t0) / max(self._limit, 1e-9))
        stop = self._p(
            self._lo + (self._hi - self._lo) * frac,
            1.0,
            f"{self._label}: cost {self.objective_value / 100:,.0f}, bound {self.best_objective_bound / 100:,.0f}",
        )
        if stop is True:
            self.stop_search()


def _solve(m, time_limit_s, num_workers, progress=None, lo=0.0, hi=1.0, label=""):
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = max(0.1, float(time_limit_s))
    s.parameters.num_workers = int(num_workers)
    # probing during presolve costs more than it brings on these large covering models
    s.parameters.cp_model_probing_level = 0
    cb = _Progress(progress, lo, hi, time_limit_s, label) if progress else None
    st = s.solve(m, cb)
    return s, st
