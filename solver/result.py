"""The result object every solver returns (never prints, never raises on a hard instance)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["SolveResult", "SHIFT_COLUMNS", "BREAK_COLUMNS", "PENALTY_COLUMNS"]

#: One row per agent-shift (anonymous in a shift plan, named in a roster).
SHIFT_COLUMNS = (
    "shift_id",  # unique within the result
    "agent_id",  # "" in an anonymous shift plan
    "template",
    "day",  # datetime.date on which the shift starts
    "start",  # Timestamp
    "end",  # Timestamp (may be on the next day)
    "paid_h",
    "cost",
)
#: One row per break or activity, linked to its shift.
BREAK_COLUMNS = ("shift_id", "kind", "name", "start", "end", "paid")
#: One row per bent soft rule (or unmet requirement).
PENALTY_COLUMNS = ("rule", "subject", "amount", "unit", "cost")


@dataclass
class SolveResult:
    """Outcome of a shift-planning or rostering solve, in the manner of scipy.optimize.

    Attributes
    ----------
    status : str
        "OPTIMAL", "FEASIBLE" (time limit reached with a solution), "INFEASIBLE",
        "NO_SOLUTION" (time limit reached without one), "MODEL_INVALID".
    objective : float
        Objective value of the returned solution (nan without one).
    bound : float
        Best proven lower bound on the objective (minimisation).
    wall_time_s : float
        Wall-clock time of the solve [s].
    shifts, breaks : DataFrame
        See :data:`SHIFT_COLUMNS` and :data:`BREAK_COLUMNS`.
    coverage : DataFrame
        The coverage frame (``wfm.frames.COVERAGE_COLUMNS``, plus ``queue`` if several).
    penalties : DataFrame
        Bent soft rules and unmet requirement (:data:`PENALTY_COLUMNS`).
    message : str
        Plain-language summary; on infeasibility, which rules clash.
    stats : dict
        Model size and solver statistics.
    """

    status: str
    objective: float = math.nan
    bound: float = math.nan
    wall_time_s: float = 0.0
    shifts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(SHIFT_COLUMNS)))
    breaks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(BREAK_COLUMNS)))
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    penalties: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(PENALTY_COLUMNS))
    )
    message: str = ""
    stats: dict = field(default_factory=dict)

    @property
    def success(self) -> bool:
        """A solution is available (optimal or not)."""
        return self.status in ("OPTIMAL", "FEASIBLE")

    @property
    def optimal(self) -> bool:
        return self.status == "OPTIMAL"

    @property
    def gap(self) -> float:
        """Relative gap ``(objective - bound) / |objective|``; 0 when proven optimal."""
        if not self.success or math.isnan(self.bound):
            return math.nan
        if self.objective == self.bound:
            return 0.0
        return max(0.0, (self.objective - self.bound)) / max(abs(self.objective), 1e-9)

    def summary(self) -> str:
        """One line for a log or a status widget."""
        if not self.success:
            return f"{self.status}: {self.message}"
        return (
            f"{self.status}: objective {self.objective:,.2f}, bound {self.bound:,.2f}, "
            f"gap {self.gap:.2%}, {self.wall_time_s:.1f} s"
        )
