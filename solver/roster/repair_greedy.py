"""The first repair of a published roster: shifts added or moved where the gap is.

A lazy greedy over the free agent-days.  Each candidate change gives one agent, on one
free day, a shift among its candidates: on a day it has off, in place of that day's
shift (starting at most two hours away), or in place of its shift of a later day
that is not free (same template), which then becomes a day off: the repair is made at
the start of the first free day, so the days before it are worked and stay.  Its value
is the unmet requirement it meets (Hall's, the agents' on-phone units shared among the
queues they are trained on at best, breaks at their expected share) less its change in
wages and the price of each published day it changes; a change is made while its
value, priced again, leads the others' and is positive.  Every changed week keeps the
agent's hard rules; no change breaks the lead rules more, and a change that mends them
(a lead's shift in place of a sick lead's) comes before any other.  The
CP-SAT of :mod:`solver.roster.repair` starts from its result.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict

import numpy as np

from solver.roster.data import ShiftOption
from solver.roster.problem import _Problem
from solver.roster.scoring import (
    _FLUID_SCALE,
    _fluid_on,
    _hall_sets,
    _hall_short,
    _lead_breach,
    _on_phone_units,
    _on_shift,
    _week_ok,
)

_MOVE_MIN = 120  # a day's shift moves at most this far [min]
_BREACH_PRICE = 1e4  # per unit of lead-rule breach mended: before any other gain


class _GreedyRepair:
    """The roster being repaired: its shifts, on-phone units per class, leads on shift."""

    def __init__(self, p: _Problem, assign, published, placed, meeting_times, free, absent,
                 pricing):
        self.p, self.assign, self.published = p, [dict(d) for d in assign], published
        self.free, self.absent, self.price = free, absent, pricing.price
        self.scoring, self.left = pricing.scoring, pricing.max_changes  # changes still allowed
        self.on = _on_phone_units(p, self.assign, placed, meeting_times).astype(float)
        self.req_s, self.serve = _hall_sets(p)
        self.unit_price = p.weights["unmet requirement"] * p.week.unit_min / 60
        self.lead, self.other = _on_shift(p, self.assign)
        self.open_ = p.req_units.sum(axis=0) > 0
        self.need_lead = np.where(self.open_, float(p.week.units_per_interval), 0.0)
        # later days that are not free: their shifts may move to a free day
        self.movable = {d for d in range(7) if d > min(free) and d not in free} if free else set()
        self.moved: list[set[int]] = [set() for _ in p.agents]

    def _phone(self, i: int) -> dict[int, float]:
        return {t: k / _FLUID_SCALE for t, k in _fluid_on(self.p.options[i], _FLUID_SCALE).items()}

    def candidates(self) -> list[tuple[int, int, int | None]]:
        """(agent, option, day) triples: a shift ``option`` on a free day, and the day
        whose shift it replaces: the same day (a day off, or a shift starting at most
        ``_MOVE_MIN`` away), or a later day that is not free, whose shift (of the same
        template) moves here."""
        p, out = self.p, []
        for ai, days in enumerate(self.assign):
            later = [d for d in days if d in self.movable]
            for i in p.cand[ai]:
                o = p.options[i]
                if o.day not in self.free or (ai, o.day) in self.absent:
                    continue
                j = days.get(o.day)
                if j is None:
                    out.append((ai, i, o.day))
                    out += [(ai, i, e) for e in later
                            if p.options[days[e]].template.name == o.template.name]
                elif j != i and abs(p.options[j].start_min - o.start_min) <= _MOVE_MIN:
                    out.append((ai, i, o.day))
        return out

    def value(self, ai: int, i: int, e: int) -> float | None:
        """What giving agent ``ai`` shift ``i`` in place of its shift on day ``e`` is worth
        now; None if it breaks a rule or no longer applies."""
        p = self.p
        o = p.options[i]
        j = self.assign[ai].get(e)  # the shift that shift i replaces
        if self.assign[ai].get(o.day) == i or (e != o.day and (j is None or o.day in self.assign[ai])):
            return None
        week = {d: p.options[k] for d, k in self.assign[ai].items() if d != e}
        week[o.day] = o
        if not _week_ok(p, ai, week):
            return None
        breach = self._breach_change(ai, i, j)
        if breach > 1e-9:
            return None
        delta = self._delta_on(i, j)
        cols = np.array(sorted(delta), int)
        before = self.on[:, cols]
        after = before.copy()
        c = p.class_of[ai]
        for k, t in enumerate(cols):
            after[c, k] += delta[int(t)]
        by_set = bool(p.sets)
        met = (_hall_short(self.req_s[:, cols], self.serve, before, by_set).sum()
               - _hall_short(self.req_s[:, cols], self.serve, after, by_set).sum())
        wages = p.shift_cost(ai, o) - (p.shift_cost(ai, p.options[j]) if j is not None else 0.0)
        changed = self.changed(ai, i, e)
        if self.left is not None and changed > self.left:
            return None
        soft = (self.scoring.soft(ai, week.values())
                - self.scoring.soft(ai, (p.options[k] for k in self.assign[ai].values())))
        return (met * self.unit_price - wages - soft - self.price * changed
                - _BREACH_PRICE * breach)

    def changed(self, ai: int, i: int, e: int) -> int:
        """Change in the number of the agent's days that differ from the published roster
        if shift ``i`` replaces its shift of day ``e``."""
        o = self.p.options[i]
        week = {d: k for d, k in self.assign[ai].items() if d != e}
        week[o.day] = i
        return sum(self._differs(ai, d, week) - self._differs(ai, d, self.assign[ai])
                   for d in {o.day, e})

    def _differs(self, ai: int, d: int, week: dict) -> int:
        got = week.get(d)
        got = got.index if isinstance(got, ShiftOption) else got
        return int(got != self.published[ai].get(d))

    def _delta_on(self, i: int, j: int | None) -> dict[int, float]:
        delta = dict(self._phone(i))
        if j is not None:
            for t, u in self._phone(j).items():
                delta[t] = delta.get(t, 0.0) - u
        return delta

    def _breach_change(self, ai: int, i: int, j: int | None) -> float:
        """Change in the units by which the lead rules are broken (a lead on shift in
        every open interval, at most ``lead_ratio`` others per lead)."""
        p = self.p
        if p.lead_ratio <= 0:
            return 0.0
        cover = defaultdict(float)
        for t, u in p.options[i].cover:
            cover[t] += u
        if j is not None:
            for t, u in p.options[j].cover:
                cover[t] -= u
        cols = np.array(sorted(cover), int)
        d = np.array([cover[int(t)] for t in cols])
        lead, other = self.lead[cols], self.other[cols]
        need, open_ = self.need_lead[cols], self.open_[cols]
        before = _lead_breach(p.lead_ratio, lead, other, need, open_)
        if p.agents[ai].is_lead:
            return _lead_breach(p.lead_ratio, lead + d, other, need, open_) - before
        return _lead_breach(p.lead_ratio, lead, other + d, need, open_) - before

    def make(self, ai: int, i: int, e: int) -> None:
        p = self.p
        o = p.options[i]
        if self.left is not None:
            self.left -= self.changed(ai, i, e)
        j = self.assign[ai].get(e)  # the shift that shift i replaces
        for t, u in self._delta_on(i, j).items():
            self.on[p.class_of[ai], t] += u
        crew = self.lead if p.agents[ai].is_lead else self.other
        for t, u in o.cover:
            crew[t] += u
        if j is not None:
            for t, u in p.options[j].cover:
                crew[t] -= u
        if e != o.day:
            del self.assign[ai][e]
            self.moved[ai].add(e)
        self.assign[ai][o.day] = i


def greedy_repair(p: _Problem, assign, published, placed, meeting_times, free, absent,
                  pricing, budget_s: float) -> tuple[list[dict[int, int]], list[set[int]]]:
    """The roster with the changes that pay made, lazily, within ``budget_s``, and per
    agent the later days whose shift moved to a free day.

    Parameters
    ----------
    assign : list of dict day -> option index
        The roster to repair (the published one less the absent agent-days).
    published : list of dict day -> option index
        The published roster, against which a change is priced.
    placed, meeting_times
        Breaks and meetings of ``assign``'s shifts (for their on-phone units).
    free : set of int
        Days that may change.
    absent : dict
        (agent, day) pairs that stay off.
    pricing : solver.roster.repair._Pricing
        Price of one changed agent-day, the most days that may change, and the
        :class:`~solver.roster.scoring.Scoring` that prices each week's soft rules.
    """
    t0 = time.perf_counter()
    g = _GreedyRepair(p, assign, published, placed, meeting_times, free, absent, pricing)
    heap = []
    for ai, i, e in g.candidates():
        v = g.value(ai, i, e)
        if v is not None and v > 0:
            heap.append((-v, ai, i, e))
        if time.perf_counter() - t0 > 0.6 * budget_s:
            break
    heapq.heapify(heap)
    while heap and time.perf_counter() - t0 < budget_s:
        _, ai, i, e = heapq.heappop(heap)
        v = g.value(ai, i, e)
        if v is None or v <= 0:
            continue
        if heap and v < -heap[0][0]:
            heapq.heappush(heap, (-v, ai, i, e))
            continue
        g.make(ai, i, e)
    return g.assign, g.moved
