"""How a roster is priced: unmet requirement, lead rules, wages and soft rules, and
whether a week is legal."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

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
    of any set of queues against the agents trained on some queue of the set.
    """
    Q = len(p.queues)
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


def _hall_short(req_s: np.ndarray, serve: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Unmet requirement per interval of on-phone units ``on`` (classes x intervals)
    against the requirement of each set of queues ``req_s`` (:func:`_hall_sets`)."""
    return np.maximum(0.0, (req_s - serve @ on).max(axis=0))


def _hall_unmet(req_s: np.ndarray, serve: np.ndarray, on: np.ndarray) -> float:
    """Unmet requirement of ``on`` over the intervals (:func:`_hall_short`)."""
    return float(_hall_short(req_s, serve, on).sum())


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
    interval through scipy for the general case.
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
    return served, short


def _agent_soft_cost(p: _Problem, ai: int, opts: list[ShiftOption], fair: tuple[int, int]) -> float:
    """Cost of the agent-level soft rules and overtime of one agent's week, as pass 1 prices it."""
    if not opts:
        return 0.0
    w = p.weights
    a = p.agents[ai]
    c = p.contracts[a.contract]
    total = 0.0
    if a.preferred_start_min is not None:
        gaps = sum(rules._circular_gap(o.start_min, a.preferred_start_min) for o in opts)
        total += w["preferred start"] * gaps / 60
    total += w["preferred day off"] * sum(o.weekday in a.preferred_days_off for o in opts)
    if a.preferred_shifts:
        pref = a.preferred_shifts
        total += w["preferred shift"] * sum(o.template.name not in pref for o in opts)
    starts = [o.start_min for o in opts]
    anchors = {x + k for x in starts for k in (-60, 0, 60)}
    dev = min(sum(max(0, abs(x - an) - 60) for x in starts) for an in anchors)
    total += w["start consistency"] * dev / 60
    total += w["evening fairness"] * max(0, sum(o.evening for o in opts) - fair[0])
    wk = sum(o.weekday in c.weekend_days for o in opts)
    total += w["weekend fairness"] * max(0, wk - fair[1])
    if c.overtime_after_h is not None:
        over = max(0.0, sum(o.paid_h for o in opts) - c.overtime_after_h)
        rate = max(p.rate(ai, o) for o in opts)
        total += over * rate * c.overtime_premium
    return total


def _soft_cost(p: _Problem, assign: list[dict[int, int]], plan: dict[int, int]) -> float:
    """Cost of the agent-level soft rules and overtime of a roster, as pass 1 prices them."""
    fair_e, fair_w = _fair_shares(p, plan)
    return sum(
        _agent_soft_cost(p, ai, [p.options[i] for i in days.values()], (fair_e[ai], fair_w[ai]))
        for ai, days in enumerate(assign)
    )


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


@dataclass
class _WeekPricing:
    """One agent's week as the exchanges between agents price it: wages, soft rules as
    pass 1 prices them (at the plan's fair shares), and its meeting (absence, or
    attending at ``off_price``, the meeting's hours unmet)."""

    p: _Problem
    fair_e: list[int]
    fair_w: list[int]
    fits: dict[int, set[int]]  # members: the shifts that fit their meeting's slot
    off_price: dict[int, float]
    cand: list[set[int]]  # pass 1 has variables for these only

    @classmethod
    def of(cls, p: _Problem, plan: dict[int, int]) -> _WeekPricing:
        fair_e, fair_w = _fair_shares(p, plan)
        return cls(p, fair_e, fair_w, _meeting_fits(p), _meeting_off_price(p),
                   [set(c) for c in p.cand])

    def soft(self, ai: int, opts) -> float:
        """Soft rules and overtime of the agent's shifts."""
        return _agent_soft_cost(self.p, ai, list(opts), (self.fair_e[ai], self.fair_w[ai]))

    def cost(self, ai: int, week_opts: dict[int, ShiftOption]) -> float:
        """The agent's week: wages, soft rules and its meeting."""
        p = self.p
        cost = sum(p.shift_cost(ai, o) for o in week_opts.values())
        fit = self.fits.get(ai)
        if fit:
            attends = any(o.index in fit for o in week_opts.values())
            cost += self.off_price.get(ai, 0.0) if attends else p.weights["meeting absence"]
        return cost + self.soft(ai, week_opts.values())

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
