"""Lower bound of a roster (LP relaxation of anonymous shift covering) and its rounding.

* :func:`lp_bound` solves the LP relaxation of the *anonymous* shift-covering problem
  (how many agents start each shift, breaks placed implicitly by counts per break
  position, unmet requirement priced) with HiGHS through :func:`scipy.optimize.linprog`.
  Its optimum is a lower bound on the cost of any roster with the same templates and
  requirement, whatever the agents' contracts; its support gives the candidate shifts
  of the roster model.
* :func:`round_plan` turns the LP counts into whole shifts (the starting plan when no
  shift plan is given).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from solver.roster_data import ShiftOption, Week
from wfm.errors import SolveError

__all__ = ["LPBound", "lp_bound", "round_plan"]


@dataclass(frozen=True)
class LPBound:
    """Result of :func:`lp_bound`.

    Attributes
    ----------
    value : float
        Optimal LP cost [currency] (a lower bound).
    counts : ndarray
        Agents starting each option (fractional).
    shortfall_h : float
        Agent-hours of unmet requirement in the LP optimum.
    """

    value: float
    counts: np.ndarray
    shortfall_h: float


def lp_bound(
    options: Sequence[ShiftOption],
    week: Week,
    req_units: np.ndarray,
    option_cost: np.ndarray,
    shortfall_per_unit: float,
    *,
    min_total_paid_h: float = 0.0,
    min_template_count: dict[str, int] | None = None,
) -> LPBound:
    """LP relaxation of anonymous shift covering with implicit breaks.

    Parameters
    ----------
    options : sequence of ShiftOption
    week : Week
    req_units : ndarray, shape (n_intervals,)
        Requirement summed over queues, in model units.
    option_cost : ndarray
        Cost of one agent on each option [currency] (the lowest rate any agent could
        be paid keeps the bound valid).
    shortfall_per_unit : float
        Price of one model unit of unmet requirement [currency].
    min_total_paid_h : float
        If > 0, at least this many paid hours in total (the sum of the agents'
        contractual minimum hours): a valid cut for rosters.

    Returns
    -------
    LPBound
    """
    n_opt = len(options)
    open_t = np.flatnonzero(req_units > 0)
    row_of = {int(t): i for i, t in enumerate(open_t)}
    n_cov = len(open_t)
    brk_index = []  # (option, rule, slot) per break variable
    for o in options:
        for r, slots in enumerate(o.breaks):
            for slot in slots:
                brk_index.append((o.index, r, slot))
    n_brk = len(brk_index)
    n_var = n_opt + n_brk + n_cov
    rows, cols, vals = [], [], []
    # coverage: -(sum cov n - sum cov b + s) <= -req
    for o in options:
        for t, u in o.cover:
            if t in row_of:
                rows.append(row_of[t])
                cols.append(o.index)
                vals.append(-u)
    for j, (_, _, slot) in enumerate(brk_index):
        for t, u in slot.cover:
            if t in row_of:
                rows.append(row_of[t])
                cols.append(n_opt + j)
                vals.append(u)
    for i in range(n_cov):
        rows.append(i)
        cols.append(n_opt + n_brk + i)
        vals.append(-1.0)
    b_ub = [-float(req_units[t]) for t in open_t]
    # template maxima
    n_rows = n_cov
    by_template = defaultdict(list)
    for o in options:
        by_template[o.template.name].append(o)
    for opts in by_template.values():
        mc = opts[0].template.max_count
        if mc is not None:
            for o in opts:
                rows.append(n_rows)
                cols.append(o.index)
                vals.append(1.0)
            b_ub.append(float(mc))
            n_rows += 1
    if min_total_paid_h > 0:
        for o in options:
            rows.append(n_rows)
            cols.append(o.index)
            vals.append(-o.paid_h)
        b_ub.append(-float(min_total_paid_h))
        n_rows += 1
    for name, count in (min_template_count or {}).items():
        if count <= 0:
            continue
        for o in by_template.get(name, []):
            rows.append(n_rows)
            cols.append(o.index)
            vals.append(-1.0)
        b_ub.append(-float(count))
        n_rows += 1
    A_ub = sp.csr_matrix((vals, (rows, cols)), shape=(n_rows, n_var))
    # break counts: sum_p b[o, r, p] = n[o]
    erows, ecols, evals = [], [], []
    key_row = {}
    for j, (oi, r, _) in enumerate(brk_index):
        k = key_row.setdefault((oi, r), len(key_row))
        erows.append(k)
        ecols.append(n_opt + j)
        evals.append(1.0)
    for (oi, _r), k in key_row.items():
        erows.append(k)
        ecols.append(oi)
        evals.append(-1.0)
    A_eq = sp.csr_matrix((evals, (erows, ecols)), shape=(len(key_row), n_var)) if key_row else None
    b_eq = np.zeros(len(key_row)) if key_row else None
    c = np.concatenate(
        [np.asarray(option_cost, float), np.zeros(n_brk), np.full(n_cov, shortfall_per_unit)]
    )
    res = scipy.optimize.linprog(
        c, A_ub=A_ub, b_ub=np.array(b_ub), A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs"
    )
    if res.status != 0:
        raise SolveError(f"LP bound of the anonymous shift plan failed: {res.message}")
    x = res.x
    return LPBound(
        value=float(res.fun),
        counts=x[:n_opt],
        shortfall_h=float(x[n_opt + n_brk :].sum() * week.unit_min / 60),
    )


def round_plan(counts: np.ndarray) -> dict[int, int]:
    """Whole shifts from fractional counts: floor, then the largest remainders per day.

    Keeps the total per day at the rounded total of the LP.
    """
    counts = np.asarray(counts, float)
    out = {}
    base = np.floor(counts + 1e-6)
    rem = counts - base
    extra = int(round(rem.sum()))
    order = np.argsort(-rem)
    base[order[:extra]] += 1
    for i in np.flatnonzero(base > 0):
        out[int(i)] = int(base[i])
    return out
