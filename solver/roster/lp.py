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

from solver.roster.data import ShiftOption, Week
from wfm.errors import SolveError

__all__ = ["LPBound", "lp_bound", "round_plan", "day_patterns"]


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
    cover_price : ndarray, shape (n_intervals,)
        Dual price of each interval's requirement: what one more model unit of it would
        add to the optimum [currency]; 0 where nothing is required.
    """

    value: float
    counts: np.ndarray
    shortfall_h: float
    cover_price: np.ndarray | None = None


def lp_bound(
    options: Sequence[ShiftOption],
    week: Week,
    req_units: np.ndarray,
    option_cost: np.ndarray,
    shortfall_per_unit: float,
    *,
    min_total_paid_h: float = 0.0,
    min_template_count: dict[str, int] | None = None,
    day_groups: Sequence[tuple[str, int, Sequence[tuple[int, ...]]]] | None = None,
    max_total_paid_h: float | None = None,
    max_counts: Sequence[tuple[Sequence[int], float]] | None = None,
    min_counts: Sequence[tuple[Sequence[int], float]] | None = None,
    meetings: Sequence[tuple[int, Sequence[Sequence[tuple[int, int]]], float]] | None = None,
    time_limit_s: float | None = None,
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
    min_template_count : dict, optional
        Template name -> least number of its shifts in the week (a valid cut where
        agents can only work that template).
    day_groups : sequence of (template, agents, patterns[, costs]), optional
        Agents who can only work ``template``: each works one of the ``patterns`` (0/1
        per day, :func:`day_patterns` of its contract), so the template's shifts on each
        day are at least the agents whose pattern works that day (a valid cut).  With
        ``costs``, an agent on a pattern also costs that much (a soft rule its days
        bend).
    max_total_paid_h : float, optional
        At most this many paid hours in total (the agents' contractual maxima).
    max_counts : sequence of (option indices, count), optional
        At most ``count`` shifts among these options (e.g. the agents who may work a
        day or a set of templates, each at most once a day and on its maximum days).
    meetings : sequence of (members, slot covers, absence price[, least absent]), optional
        Per meeting: its members, the ``(interval, units)`` cover of each slot it may
        take, the price of a member's absence and, optionally, the fewest members
        absent at any slot (those who may work no shift holding it).  Each member
        either attends (on shift and off the phones for the slot's units) or is absent
        at that price; attendees may spread over the slots (the relaxation of one
        common time), so the optimum stays a lower bound.
    time_limit_s : float, optional
        Wall-clock limit of the LP solve [s]; past it the solve fails (SolveError).

    Returns
    -------
    LPBound
    """
    c, A_ub, b_ub, A_eq, b_eq, n_opt, n_brk = _covering(
        options,
        req_units,
        option_cost,
        shortfall_per_unit,
        min_total_paid_h,
        min_template_count,
        max_total_paid_h,
        max_counts,
        min_counts,
    )
    if day_groups:
        c, A_ub, b_ub, A_eq, b_eq = _with_day_groups(c, A_ub, b_ub, A_eq, b_eq, options, day_groups)
    if meetings:
        c, A_ub, b_ub, A_eq, b_eq = _with_meetings(c, A_ub, b_ub, A_eq, b_eq, req_units, meetings)
    return _solved(c, A_ub, b_ub, A_eq, b_eq, req_units, week, n_opt, n_brk, time_limit_s)


def _solved(c, A_ub, b_ub, A_eq, b_eq, req_units, week: Week, n_opt: int, n_brk: int,
            time_limit_s: float | None = None) -> LPBound:
    """Solve the covering LP (HiGHS); its value, counts, shortfall and cover prices."""
    n_cov = int((np.asarray(req_units) > 0).sum())
    options = {} if time_limit_s is None else {"time_limit": max(0.01, float(time_limit_s))}
    res = scipy.optimize.linprog(
        c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs",
        options=options,
    )
    if res.status != 0:
        raise SolveError(f"LP bound of the anonymous shift plan failed: {res.message}")
    x = res.x
    # rows of A_ub start with one coverage row per open interval (-cover <= -req)
    price = np.zeros(len(req_units))
    open_t = np.flatnonzero(np.asarray(req_units) > 0)
    price[open_t] = -np.asarray(res.ineqlin.marginals[:n_cov])
    return LPBound(
        value=float(res.fun),
        counts=x[:n_opt],
        shortfall_h=float(x[n_opt + n_brk : n_opt + n_brk + n_cov].sum() * week.unit_min / 60),
        cover_price=np.maximum(price, 0.0),
    )


def _append_eq(A_eq, b_eq, rows, rhs):
    """Equality rows over new columns appended to ``A_eq`` (None: none yet), whose
    earlier rows get zeros in the new columns."""
    if A_eq is None:
        return rows.tocsr(), np.asarray(rhs, float)
    pad = sp.csr_matrix((A_eq.shape[0], rows.shape[1] - A_eq.shape[1]))
    return sp.vstack([sp.hstack([A_eq, pad]), rows]).tocsr(), np.concatenate([b_eq, rhs])


def _with_day_groups(c, A_ub, b_ub, A_eq, b_eq, options, day_groups):
    """One column per working-day pattern of each entry of ``day_groups`` (see
    :func:`lp_bound`), after the columns of the covering model."""
    n0 = A_ub.shape[1]
    pats = [pat for group in day_groups for pat in group[2]]
    n_pat = len(pats)
    pat_cost = np.concatenate(
        [
            np.asarray(group[3], dtype=float) if len(group) > 3 else np.zeros(len(group[2]))
            for group in day_groups
        ]
    )
    # shifts of the template on day d >= agents of the group working day d
    rows, cols, vals, rhs = [], [], [], []
    r = 0
    for g, (name, _count, patterns, *_) in enumerate(day_groups):
        first = sum(len(group[2]) for group in day_groups[:g])
        for d in range(7):
            for o in options:
                if o.template.name == name and o.day == d:
                    rows.append(r)
                    cols.append(o.index)
                    vals.append(-1.0)
            for k, pat in enumerate(patterns):
                if pat[d]:
                    rows.append(r)
                    cols.append(n0 + first + k)
                    vals.append(1.0)
            rhs.append(0.0)
            r += 1
    extra_ub = sp.csr_matrix((vals, (rows, cols)), shape=(r, n0 + n_pat))
    A_ub = sp.vstack([sp.hstack([A_ub, sp.csr_matrix((A_ub.shape[0], n_pat))]), extra_ub]).tocsr()
    b_ub = np.concatenate([b_ub, rhs])
    # each agent of the group has one pattern
    erows, ecols, evals, erhs = [], [], [], []
    for g, (_name, count, patterns, *_) in enumerate(day_groups):
        first = sum(len(group[2]) for group in day_groups[:g])
        for k in range(len(patterns)):
            erows.append(g)
            ecols.append(n0 + first + k)
            evals.append(1.0)
        erhs.append(float(count))
    eq_extra = sp.csr_matrix((evals, (erows, ecols)), shape=(len(day_groups), n0 + n_pat))
    A_eq, b_eq = _append_eq(A_eq, b_eq, eq_extra, erhs)
    c = np.concatenate([c, pat_cost])
    return c, A_ub, b_ub, A_eq, b_eq


def _with_meetings(c, A_ub, b_ub, A_eq, b_eq, req_units, meetings):
    """Columns for meeting attendance per slot and absences (see :func:`lp_bound`)."""
    open_t = np.flatnonzero(np.asarray(req_units) > 0)
    row_of = {int(t): i for i, t in enumerate(open_t)}
    n0 = A_ub.shape[1]
    n_new = sum(len(mt[1]) + 1 for mt in meetings)
    rows, cols, vals = [], [], []
    erows, ecols, evals, erhs, cost = [], [], [], [], []
    col = n0
    least = []  # (absence column, fewest absent)
    for k, (members, covers, absence, *rest) in enumerate(meetings):
        for cover in covers:  # attendees at this slot are off the phones
            for t, u in cover:
                if t in row_of:
                    rows.append(row_of[t])
                    cols.append(col)
                    vals.append(float(u))
            erows.append(k)
            ecols.append(col)
            evals.append(1.0)
            cost.append(0.0)
            col += 1
        erows.append(k)  # absent members
        ecols.append(col)
        evals.append(1.0)
        cost.append(float(absence))
        if rest and rest[0] > 0:
            least.append((col, float(rest[0])))
        col += 1
        erhs.append(float(members))
    extra = sp.csr_matrix((vals, (rows, cols)), shape=(A_ub.shape[0], n0 + n_new))
    A_ub = (sp.hstack([A_ub, sp.csr_matrix((A_ub.shape[0], n_new))]) + extra).tocsr()
    if least:  # -absent <= -fewest
        rows_l = sp.csr_matrix(
            ([-1.0] * len(least), (range(len(least)), [col for col, _ in least])),
            shape=(len(least), n0 + n_new),
        )
        A_ub = sp.vstack([A_ub, rows_l]).tocsr()
        b_ub = np.concatenate([b_ub, [-k for _, k in least]])
    eq = sp.csr_matrix((evals, (erows, ecols)), shape=(len(meetings), n0 + n_new))
    A_eq, b_eq = _append_eq(A_eq, b_eq, eq, erhs)
    return np.concatenate([c, cost]), A_ub, b_ub, A_eq, b_eq


def _covering(
    options,
    req_units,
    option_cost,
    shortfall_per_unit,
    min_total_paid_h,
    min_template_count,
    max_total_paid_h=None,
    max_counts=None,
    min_counts=None,
):
    """Matrices of the anonymous shift-covering model (see :func:`lp_bound`).

    Columns: options, break positions, shortfall per open interval; rows: coverage per
    open interval first, then the cuts.
    """
    n_opt = len(options)
    open_t = np.flatnonzero(req_units > 0)
    n_cov = len(open_t)
    brk_index = []  # (option, rule, slot) per break variable
    for o in options:
        for r, slots in enumerate(o.breaks):
            for slot in slots:
                brk_index.append((o.index, r, slot))
    n_brk = len(brk_index)
    n_var = n_opt + n_brk + n_cov
    ub = _Rows()
    _coverage_rows(ub, options, brk_index, open_t, req_units)
    _cut_rows(ub, options, min_total_paid_h, min_template_count, max_total_paid_h, max_counts)
    for idx, count in min_counts or ():
        ub.add([(i, -1.0) for i in idx], -float(count))
    A_ub = sp.csr_matrix((ub.vals, (ub.rows, ub.cols)), shape=(ub.n, n_var))
    # break counts: sum_p b[o, r, p] = n[o]
    eq = _Rows()
    key_row = {}
    for j, (oi, r, _) in enumerate(brk_index):
        key_row.setdefault((oi, r), []).append(n_opt + j)
    for (oi, _r), cols in key_row.items():
        eq.add([(j, 1.0) for j in cols] + [(oi, -1.0)], 0.0)
    A_eq = sp.csr_matrix((eq.vals, (eq.rows, eq.cols)), shape=(eq.n, n_var)) if key_row else None
    b_eq = np.zeros(len(key_row)) if key_row else None
    c = np.concatenate(
        [np.asarray(option_cost, float), np.zeros(n_brk), np.full(n_cov, shortfall_per_unit)]
    )
    return c, A_ub, np.array(ub.bound), A_eq, b_eq, n_opt, n_brk


class _Rows:
    """Rows of a sparse constraint matrix, built one at a time."""

    def __init__(self):
        self.rows, self.cols, self.vals, self.bound = [], [], [], []
        self.n = 0

    def add(self, terms, bound: float) -> None:
        """One row: ``terms`` (column, coefficient) and its bound."""
        for j, v in terms:
            self.rows.append(self.n)
            self.cols.append(int(j))
            self.vals.append(v)
        self.bound.append(float(bound))
        self.n += 1


def _coverage_rows(ub: _Rows, options, brk_index, open_t, req_units) -> None:
    """Coverage per open interval: -(sum cov n - sum cov b + s) <= -req."""
    n_opt, n_brk = len(options), len(brk_index)
    terms = {int(t): [] for t in open_t}
    for o in options:
        for t, u in o.cover:
            if t in terms:
                terms[t].append((o.index, -u))
    for j, (_, _, slot) in enumerate(brk_index):
        for t, u in slot.cover:
            if t in terms:
                terms[t].append((n_opt + j, u))
    for i, t in enumerate(open_t):
        ub.add(terms[int(t)] + [(n_opt + n_brk + i, -1.0)], -float(req_units[t]))


def _cut_rows(ub: _Rows, options, min_total_paid_h, min_template_count, max_total_paid_h,
              max_counts) -> None:
    """Template maxima and the valid cuts of :func:`lp_bound`."""
    by_template = defaultdict(list)
    for o in options:
        by_template[o.template.name].append(o)
    for opts in by_template.values():
        mc = opts[0].template.max_count
        if mc is not None:
            ub.add([(o.index, 1.0) for o in opts], mc)
    if min_total_paid_h > 0:
        ub.add([(o.index, -o.paid_h) for o in options], -float(min_total_paid_h))
    if max_total_paid_h is not None:
        ub.add([(o.index, o.paid_h) for o in options], max_total_paid_h)
    for idx, count in max_counts or ():
        ub.add([(i, 1.0) for i in idx], count)
    for name, count in (min_template_count or {}).items():
        if count > 0:
            ub.add([(o.index, -1.0) for o in by_template.get(name, [])], -float(count))


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


def day_patterns(
    min_days: int,
    max_days: int,
    max_consecutive: int,
    two_off: bool,
    weekend_limit: int | None,
    weekend: Sequence[int],
) -> list[tuple[int, ...]]:
    """Every set of working days of a week (Monday to Sunday) a contract allows."""
    out = []
    for bits in range(128):
        w = tuple((bits >> d) & 1 for d in range(7))
        k = sum(w)
        if not min_days <= k <= max_days:
            continue
        run = best = 0
        for x in w:
            run = run + 1 if x else 0
            best = max(best, run)
        if best > max_consecutive:
            continue
        if two_off and not any(w[d] == 0 and w[d + 1] == 0 for d in range(6)):
            continue
        if weekend_limit is not None and sum(w[d] for d in weekend) > weekend_limit:
            continue
        out.append(w)
    return out
