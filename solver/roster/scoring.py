"""The scoring model: the objective of a roster, priced in one place.

:class:`Scoring` prices a roster by its parts, with the same prices every stage and move
uses:

* wages (each agent's rate for the template, the template's weighted paid hours);
* the unmet requirement per interval, by Hall's condition over the sets of queues
  (:func:`_hall_sets`), priced per model unit at ``weights["unmet requirement"]``;
* each soft rule of each agent's week (:meth:`Scoring.soft_terms`: preferred start,
  preferred days off, preferred shifts, start consistency, evening and weekend fairness
  at the plan's fair shares, overtime), in the closed form of the CP-SAT terms of
  :mod:`solver.roster.rules`;
* a meeting member's absence at ``weights["meeting absence"]``.

Changes of one or two agents' weeks are priced by :meth:`Scoring.delta` (wages, soft
rules, meetings) and :meth:`Scoring.unmet_change` (the unmet requirement over the
intervals they touch); a whole roster by :meth:`Scoring.evaluate`.  The breach of the
lead rules (:func:`_lead_breach`) is a hard rule some moves mend first, and the legality
of a week (:func:`_week_ok`) is checked here too.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from solver.roster import rules
from solver.roster.data import ShiftOption
from solver.roster.meetings import _holds, _meeting_fits, _meeting_off_price
from solver.roster.problem import ALL_QUEUES, _fair_shares, _Problem
from wfm.types import Contract


def _lead_breach(ratio: int, lead, other, need_lead, open_) -> float:
    """Units by which the lead rules are broken over some intervals: agents above
    ``ratio`` per lead on shift, and missing leads (weighted by ``ratio``), where open."""
    gap = np.maximum(0.0, other - ratio * lead) + np.maximum(0.0, need_lead - lead) * ratio
    return float(gap[open_].sum())


def _on_shift(p: _Problem, assign: list[dict[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Units of leads and of other agents on shift per interval."""
    lead, other = np.zeros(p.week.n_intervals), np.zeros(p.week.n_intervals)
    for ai, days in enumerate(assign):
        for i in days.values():
            for t, u in p.options[i].cover:
                (lead if p.agents[ai].is_lead else other)[t] += u
    return lead, other


def _crew_breach(p: _Problem, assign: list[dict[int, int]]) -> float:
    """Units by which ``assign`` breaks the lead rules (as pass 1 states them)."""
    if p.lead_ratio <= 0:
        return 0.0
    total = p.req_units.sum(axis=0)
    lead, other = _on_shift(p, assign)
    need_lead = np.where(total > 0, float(p.week.units_per_interval), 0.0)
    return _lead_breach(p.lead_ratio, lead, other, need_lead, total > 0)


_FLUID_SCALE = 12
_FLUID_CACHE: dict = {}


def _fluid_on(o: ShiftOption, scale: int) -> dict[int, int]:
    """Expected on-phone units x ``scale`` per interval, breaks spread over their positions."""
    key = (o.template, o.abs_start, o.cover, scale)  # not the index: it is per problem
    hit = _FLUID_CACHE.get(key)
    if hit is not None:
        return hit
    on = defaultdict(float)
    for t, u in o.cover:
        on[t] += u
    for slots in o.breaks:
        for s in slots:
            for t, u in s.cover:
                on[t] -= u / len(slots)
    out = {t: int(round(v * scale)) for t, v in on.items()}
    _FLUID_CACHE[key] = out
    return out


def _hall_sets(p: _Problem) -> tuple[np.ndarray, np.ndarray]:
    """Requirement of each set of queues (S, T) and which classes serve it (S, C).

    By Hall's condition the unmet requirement of an interval is the largest shortfall
    of any set of queues against the agents trained on some queue of the set.  With the
    queue sets of a multi-skill plan (``p.sets``) the sets are the plan's, each with its
    own requirement (:func:`solver.roster.problem._queue_sets`).
    """
    Q = len(p.queues)
    if p.sets:
        subsets, req_s = [list(S) for S in p.sets], p.set_units.astype(float)
    else:
        subsets = [[q for q in range(Q) if mask >> q & 1] for mask in range(1, 1 << Q)]
        req_s = np.array([p.req_units[qs].sum(axis=0) for qs in subsets], float)
    serve = np.array(
        [
            [
                float(
                    ALL_QUEUES in p.classes[c][0] or any(p.queues[q] in p.classes[c][0] for q in qs)
                )
                for c in range(len(p.classes))
            ]
            for qs in subsets
        ]
    )
    return req_s, serve


def _hall_short(req_s: np.ndarray, serve: np.ndarray, on: np.ndarray,
                by_set: bool = False) -> np.ndarray:
    """Unmet requirement per interval of on-phone units ``on`` (classes x intervals)
    against the requirement of each set of queues ``req_s`` (:func:`_hall_sets`).

    Hall's: the largest shortfall of a set.  ``by_set`` (the queue sets of a multi-skill
    plan, whose requirements do not add up): the shortfalls of the sets added, as the
    plan prices them, so that no set's shortfall hides behind another's.
    """
    gap = np.maximum(0.0, req_s - serve @ on)
    return gap.sum(axis=0) if by_set else gap.max(axis=0)


def _hall_unmet(req_s: np.ndarray, serve: np.ndarray, on: np.ndarray,
                by_set: bool = False) -> float:
    """Unmet requirement of ``on`` over the intervals (:func:`_hall_short`)."""
    return float(_hall_short(req_s, serve, on, by_set).sum())


def _class_queues(p: _Problem) -> np.ndarray:
    """Which queues (columns) each class of agents (rows) is trained on."""
    return np.array(
        [[k[0] == frozenset({ALL_QUEUES}) or q in k[0] for q in p.queues] for k in p.classes]
    )


def _on_phone_units(p, assign, placed, meeting_times) -> np.ndarray:
    """On-phone units per class and interval of a full roster."""
    on = np.zeros((len(p.classes), p.week.n_intervals), int)
    for ai, days in enumerate(assign):
        ci = p.class_of[ai]
        for d, oi in days.items():
            for t, u in _on_phone_of(
                p, p.options[oi], placed.get((ai, d), []), meeting_times.get(ai)
            ).items():
                on[ci, t] += u
    return on


def _on_phone_of(
    p: _Problem, o: ShiftOption, breaks: Sequence, mt: tuple[int, int] | None
) -> dict[int, int]:
    """On-phone units per interval of one shift, its breaks placed and its agent's
    meeting (when the shift holds it) taken off."""
    on = defaultdict(int)
    for t, u in o.cover:
        on[t] += u
    for slot in breaks:
        for t, u in slot.cover:
            on[t] -= u
    if _holds(o, mt):
        for t, u in p.week.cover(mt[0], mt[1]):
            on[t] -= u
    return on


def _serve(p: _Problem, on: np.ndarray) -> tuple[np.ndarray, dict]:
    """Assign on-phone units of each class to its queues (max flow per interval).

    A small LP-free greedy is exact here only for nested skills; use a max-flow per
    interval through scipy for the general case.  With the queue sets of a multi-skill
    plan the shortfall is the sets' (:func:`_set_short`): the served units still show
    how the agents split across the queues.
    """
    from scipy.optimize import linprog

    Q, T = p.req_units.shape
    served = np.zeros((Q, T))
    short = {}
    skill = _class_queues(p).astype(float)
    for t in range(T):
        need = p.req_units[:, t].astype(float)
        have = on[:, t].astype(float)
        if have.sum() == 0:
            for qi in range(Q):
                if need[qi] > 0:
                    short[(qi, t)] = int(need[qi])
            continue
        pairs = [(c, q) for c in range(len(p.classes)) for q in range(Q) if skill[c, q]]
        if Q == 1:
            tot = sum(have[c] for c, _ in pairs)
            served[0, t] = tot
            if need[0] > tot:
                short[(0, t)] = int(need[0] - tot)
            continue
        # maximise served min(need) first, then spread the rest: two-stage LP
        n = len(pairs)
        A_ub, b_ub = [], []
        for c in range(len(p.classes)):
            row = [1.0 if pc == c else 0.0 for pc, _ in pairs]
            A_ub.append(row)
            b_ub.append(have[c])
        capped = np.zeros(n)
        res = linprog(
            -np.ones(n),
            A_ub=np.array(A_ub + [[1.0 if pq == q else 0.0 for _, pq in pairs] for q in range(Q)]),
            b_ub=np.array(b_ub + list(need)),
            bounds=(0, None),
            method="highs",
        )
        capped = res.x if res.status == 0 else capped
        for (_c, q), v in zip(pairs, capped, strict=True):
            served[q, t] += v
        for qi in range(Q):
            gap = need[qi] - served[qi, t]
            if gap > 1e-6:
                short[(qi, t)] = int(round(gap))
        # idle agents go to the busiest queue they know (reporting only)
        left = have.copy()
        for (c, _q), v in zip(pairs, capped, strict=True):
            left[c] -= v
        for c in range(len(p.classes)):
            if left[c] > 1e-9:
                qs = [q for q in range(Q) if skill[c, q]]
                if qs:
                    served[max(qs, key=lambda q: need[q]), t] += left[c]
    if p.sets:
        short = _set_short(p, on)
    return served, short


def _set_short(p: _Problem, on: np.ndarray) -> dict:
    """Unmet requirement of a multi-skill plan's queue sets (:func:`_hall_short` by
    set), keyed by (index of the set in ``p.sets``, interval) [units]."""
    req_s, serve = _hall_sets(p)
    gap = req_s - serve @ on
    return {(int(s), int(t)): int(round(gap[s, t])) for s, t in zip(*np.nonzero(gap > 1e-6),
                                                                    strict=True)}


def _week_legal(p: _Problem, c: Contract, week_opts: dict[int, ShiftOption],
                prior_days: int = 0) -> bool:
    """Whether a week of one shift per day keeps the contract's day-pattern rules.

    Checks the rules a move of a shift to another start or another day can break:
    maximum consecutive days (after ``prior_days`` worked in a row up to the week
    start), two consecutive days off, the weekend limit and the minimum rest (hours,
    days, availability, time off and the rest after the week before are kept by the
    candidates themselves).
    """
    work = [d in week_opts for d in range(7)]
    k = c.max_consecutive_days
    if any(all(work[d0 : d0 + k + 1]) for d0 in range(0, 7 - k)):
        return False
    if prior_days and all(work[: max(1, k + 1 - prior_days)]):
        return False
    if c.two_consecutive_days_off and not any(not work[d] and not work[d + 1] for d in range(6)):
        return False
    if (
        c.max_weekend_days is not None
        and sum(work[d] for d in range(7) if p.week.weekday(d) in c.weekend_days)
        > c.max_weekend_days
    ):
        return False
    return all(_rest_ok(c, week_opts, o) for o in week_opts.values())


def _rest_ok(c: Contract, week_opts: dict[int, ShiftOption], o: ShiftOption) -> bool:
    """Shift ``o`` keeps the minimum rest with the shifts of ``week_opts`` around it."""
    rest = c.min_rest_h * 60
    for j in (1, 2):
        prev = week_opts.get(o.day - j)
        if prev is not None and o.abs_start < prev.abs_end + rest:
            return False
        nxt = week_opts.get(o.day + j)
        if nxt is not None and nxt.abs_start < o.abs_end + rest:
            return False
    return True


def _week_ok(p: _Problem, ai: int, week_opts: dict[int, ShiftOption]) -> bool:
    """Every hard agent rule of one agent's week (hours, days, what it may work, day patterns, rest)."""
    c = p.contracts[p.agents[ai].contract]
    paid = sum(o.paid_min for o in week_opts.values())
    if paid < math.ceil(c.min_hours_week * 60 - 1e-9) or paid > math.floor(
        c.max_hours_week * 60 + 1e-9
    ):
        return False
    if not c.min_days_week <= len(week_opts) <= c.max_days_week:
        return False
    if any(o.index not in p.allowed[ai] for o in week_opts.values()):
        return False
    return _week_legal(p, c, week_opts, p.prior_days(ai))


class Term(NamedTuple):
    """One soft rule bent by one agent's week: ``amount`` in ``unit`` at ``weight`` per unit."""

    rule: str
    subject: str
    amount: float
    unit: str
    weight: float

    @property
    def cost(self) -> float:
        return self.amount * self.weight


@dataclass
class Score:
    """A roster's objective by part [currency]."""

    wages: float
    unmet_units: np.ndarray  # unmet requirement per interval [model units]
    unmet: float  # its price
    soft: dict[str, float]  # cost by soft rule
    absences: int  # meeting members absent
    absence: float  # their price

    @property
    def total(self) -> float:
        return self.wages + self.unmet + sum(self.soft.values()) + self.absence


class Scoring:
    """The objective of a roster and its changes (see the module docstring).

    Parameters
    ----------
    p : _Problem
        With its candidates set.
    plan : dict option index -> count
        The plan whose evening and weekend shifts set the fair shares.
    """

    def __init__(self, p: _Problem, plan: dict[int, int]):
        self.p = p
        self.fair_e, self.fair_w = _fair_shares(p, plan)
        self.fits = _meeting_fits(p)  # members: the shifts that fit their meeting's slot
        self.off_price = _meeting_off_price(p)  # members: attending, as its hours unmet
        self.cand = [set(c) for c in p.cand]  # pass 1 has variables for these only
        self.req_s, self.serve = _hall_sets(p)  # (S, T), (S, C)
        self.by_set = bool(p.sets)
        self.unit_price = p.weights["unmet requirement"] * p.week.unit_min / 60
        total = p.req_units.sum(axis=0)
        self.open_ = total > 0
        self.need_lead = np.where(self.open_, float(p.week.units_per_interval), 0.0)
        self.supervised = p.lead_ratio > 0 and any(a.is_lead for a in p.agents)
        self._overtime_rate: dict[int, float] = {}

    # ------------------------------------------------------------ one agent's week

    def wages(self, ai: int, opts) -> float:
        """Wages of the agent's shifts ``opts``."""
        return sum(self.p.shift_cost(ai, o) for o in opts)

    def soft_terms(self, ai: int, opts) -> list[Term]:
        """The soft rules the agent's week ``opts`` bends, each with its amount.

        The closed form of the terms pass 1 and each agent's own model state
        (:func:`solver.roster.rules.preferred_start` and the rules after it): the usual
        start of start consistency at its best, overtime at the agent's highest rate
        over its candidate shifts.
        """
        opts = list(opts)
        if not opts:
            return []
        p, w = self.p, self.p.weights
        a = p.agents[ai]
        c = p.contracts[a.contract]
        out = []
        if a.preferred_start_min is not None:
            gaps = sum(rules._circular_gap(o.start_min, a.preferred_start_min) for o in opts)
            out.append(Term("preferred start", a.id, gaps / 60, "h", w["preferred start"]))
        days_off = sum(o.weekday in a.preferred_days_off for o in opts)
        out.append(Term("preferred day off", a.id, days_off, "days", w["preferred day off"]))
        if a.preferred_shifts:
            other = sum(o.template.name not in a.preferred_shifts for o in opts)
            out.append(Term("preferred shift", a.id, other, "shifts", w["preferred shift"]))
        starts = [o.start_min for o in opts]
        anchors = {x + k for x in starts for k in (-60, 0, 60)}
        dev = min(sum(max(0, abs(x - an) - 60) for x in starts) for an in anchors)
        out.append(Term("start consistency", a.id, dev / 60, "h", w["start consistency"]))
        evenings = max(0, sum(o.evening for o in opts) - self.fair_e[ai])
        out.append(Term("evening fairness", a.id, evenings, "shifts", w["evening fairness"]))
        weekend = max(0, sum(o.weekday in c.weekend_days for o in opts) - self.fair_w[ai])
        out.append(Term("weekend fairness", a.id, weekend, "days", w["weekend fairness"]))
        if c.overtime_after_h is not None:
            over = max(0, sum(o.paid_min for o in opts) - int(round(c.overtime_after_h * 60)))
            rate = self._rate_of_overtime(ai) * c.overtime_premium
            out.append(Term("overtime", a.id, over / 60, "h", rate))
        return [x for x in out if x.amount and x.weight]

    def _rate_of_overtime(self, ai: int) -> float:
        """The agent's highest rate over its candidate shifts (as :func:`rules.overtime`)."""
        if ai not in self._overtime_rate:
            p = self.p
            rates = [p.rate(ai, p.options[i]) for i in p.cand[ai]]
            self._overtime_rate[ai] = max(rates) if rates else 0.0
        return self._overtime_rate[ai]

    def soft(self, ai: int, opts) -> float:
        """Cost of the soft rules (and overtime) of the agent's week ``opts``."""
        return sum(x.cost for x in self.soft_terms(ai, opts))

    def meeting(self, ai: int, opts) -> float:
        """A member's meeting: absent at the absence price, or attending priced as its
        hours unmet (the most it can cost); 0 for an agent with no meeting."""
        fit = self.fits.get(ai)
        if not fit:
            return 0.0
        attends = any(o.index in fit for o in opts)
        return self.off_price.get(ai, 0.0) if attends else self.p.weights["meeting absence"]

    def cost(self, ai: int, week_opts: dict[int, ShiftOption]) -> float:
        """The agent's week: wages, its meeting and soft rules."""
        opts = list(week_opts.values())
        return self.wages(ai, opts) + self.meeting(ai, opts) + self.soft(ai, opts)

    def delta(
        self, assign: list[dict[int, int]], changes: list[tuple[int, int, int]]
    ) -> float | None:
        """Cost change of the agents' weeks under ``changes`` (agent, day, option); None
        if a new shift is not a candidate or breaks the minimum rest."""
        p = self.p
        new = defaultdict(dict)
        for who, d, i in changes:
            new[who][d] = i
        total = 0.0
        for who, upd in new.items():
            week = {dd: p.options[k] for dd, k in assign[who].items()}
            old = self.cost(who, week)
            week.update({d: p.options[i] for d, i in upd.items()})
            c = p.contracts[p.agents[who].contract]
            for d, i in upd.items():
                others = {dd: o for dd, o in week.items() if dd != d}
                if i not in self.cand[who] or not _rest_ok(c, others, p.options[i]):
                    return None
            total += self.cost(who, week) - old
        return total

    # ------------------------------------------------------------ the requirement

    def unmet_units(self, on: np.ndarray, cols=None) -> float:
        """Unmet requirement [model units] of the on-phone units ``on`` (classes x the
        intervals ``cols``, or all)."""
        req_s = self.req_s if cols is None else self.req_s[:, cols]
        return _hall_unmet(req_s, self.serve, on, self.by_set)

    def unmet_change(self, cols, before: np.ndarray, after: np.ndarray) -> float:
        """Price of the change of the on-phone units over the intervals ``cols``."""
        return self.unit_price * (self.unmet_units(after, cols) - self.unmet_units(before, cols))

    def breach(self, lead, other, cols=None) -> float:
        """Units by which leads ``lead`` and others ``other`` on shift (over ``cols``, or
        all intervals) break the lead rules; 0 without them."""
        if not self.supervised:
            return 0.0
        if cols is None:
            return _lead_breach(self.p.lead_ratio, lead, other, self.need_lead, self.open_)
        return _lead_breach(self.p.lead_ratio, lead, other, self.need_lead[cols],
                            self.open_[cols])

    # ------------------------------------------------------------ a whole roster

    def evaluate(self, assign: list[dict[int, int]], on: np.ndarray, absent: int) -> Score:
        """The roster's objective by part: ``on`` its on-phone units (classes x
        intervals, breaks placed and meetings off the phones), ``absent`` the meeting
        members absent."""
        p = self.p
        wages = 0.0
        soft: dict[str, float] = defaultdict(float)
        for ai, days in enumerate(assign):
            opts = [p.options[i] for i in days.values()]
            wages += self.wages(ai, opts)
            for x in self.soft_terms(ai, opts):
                soft[x.rule] += x.cost
        short = _hall_short(self.req_s, self.serve, on, self.by_set)
        return Score(wages, short, float(short.sum()) * self.unit_price, dict(soft), absent,
                     absent * p.weights["meeting absence"])

    def soft_total(self, assign: list[dict[int, int]]) -> float:
        """Cost of every agent's soft rules (and overtime)."""
        return sum(
            self.soft(ai, [self.p.options[i] for i in days.values()])
            for ai, days in enumerate(assign)
        )
