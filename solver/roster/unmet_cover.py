"""Changes after pass 2 where the placed breaks leave requirement unmet."""

from __future__ import annotations

import heapq
import time
from collections import Counter

import numpy as np

from solver.roster.break_placement import _Pass2, _place_breaks_among
from solver.roster.data import ShiftOption
from solver.roster.meetings import _holds
from solver.roster.problem import _on_phone_h, _Problem
from solver.roster.scoring import (
    Scoring,
    _hall_short,
    _on_phone_of,
    _on_phone_units,
    _on_shift,
    _serve,
    _week_ok,
)

#: Furthest a shift is moved on its day for the unmet requirement [min].
_MOVE_MIN = 120
#: How many candidates :func:`_add_with_breaks_moved` prices exactly before it ranks
#: them again; the hours on either side of a new shift whose unmet requirement it may
#: meet by letting breaks move [min].
_ADD_TRIES = 3
_REACH_MIN = 90


def _cover_unmet(
    p: _Problem,
    assign: list[dict[int, int]],
    plan: dict[int, int],
    placed: _Pass2,
    meeting_times: dict[int, tuple[int, int]],
    time_budget_s: float,
) -> tuple[list[dict[int, int]], dict, Counter]:
    """Add a shift on a day off, move a day's shift or its breaks, where the placed
    breaks leave requirement unmet.

    The plan's whole shifts, their breaks placed, leave some intervals short (on the
    benchmark, lunches crowding an hour).  An agent (not a team lead) takes, among its
    candidates, a shift on a day it has off (with a day and hours to spare in its
    contract) or in place of the shift it works that day (the same template, starting
    at most ``_MOVE_MIN`` away, or the same shift with its breaks placed again; unless
    that shift holds its meeting), when the unmet requirement this lowers is worth
    more than the change in wages, soft rules and meeting (:meth:`Scoring.delta`)
    and the week stays legal; no shift puts more agents per team lead on shift than
    the lead rules allow.
    The unmet requirement is Hall's (:func:`_hall_sets`), the agents' on-phone units
    shared among the queues they are trained on at best; the new shift's breaks go,
    one rule after another, where they leave least unmet, and the shift it replaces
    leaves with its placed breaks.  Lazy greedy: each change is priced again before it
    is made, until none pays or the budget is spent.

    Returns
    -------
    assignment : list of dict day -> option index
    breaks : dict (agent, day) -> list of BreakSlot
        The breaks as placed, the new shifts' where they were priced.
    counts : Counter
        ``added`` shifts on days off, ``moved`` shifts in place of another on the same
        day, ``breaks`` shifts whose breaks alone were placed again.
    """
    t0 = time.perf_counter()
    cu = _CoverUnmet(p, [dict(d) for d in assign], plan, dict(placed.breaks), meeting_times)
    if not cu.worst.any():
        return cu.assign, cu.breaks, Counter()
    # lazy greedy: a change is made once its value, priced again, still leads the
    # others' last prices; a change may raise another's value, so rounds repeat from a
    # fresh scoring while one made a change and time is left
    counts = Counter()
    changed = np.ones(p.week.n_intervals, bool)  # intervals whose cover changed last round
    whose = set(range(len(p.agents)))  # agents whose week changed in the last round
    while time.perf_counter() - t0 < time_budget_s:
        heap = cu.ranked(changed, whose, lambda: time.perf_counter() - t0 >= 0.7 * time_budget_s)
        heapq.heapify(heap)
        changes = counts.total()
        changed[:] = False
        whose = set()
        while heap and time.perf_counter() - t0 < time_budget_s:
            _, ai, i = heapq.heappop(heap)
            v = cu.value(ai, i)
            if v is None:
                continue
            if heap and v[0] < -heap[0][0]:
                heapq.heappush(heap, (-v[0], ai, i))
                continue
            counts[cu.make(ai, i, v, changed)] += 1
            whose.add(ai)
        if counts.total() == changes:
            break
    return cu.assign, cu.breaks, counts


class _CoverUnmet:
    """The state of :func:`_cover_unmet`: the roster with its breaks, its on-phone units
    per class, the unmet requirement per interval and each class's largest shortfall."""

    def __init__(self, p: _Problem, assign: list[dict[int, int]], plan: dict[int, int],
                 breaks: dict, meeting_times: dict[int, tuple[int, int]]):
        self.p, self.assign, self.breaks, self.meeting_times = p, assign, breaks, meeting_times
        self.on = _on_phone_units(p, assign, breaks, meeting_times).astype(float)
        self.scoring = Scoring(p, plan)
        self.req_s, self.serve = self.scoring.req_s, self.scoring.serve
        self.price = self.scoring.unit_price
        self.supervised = self.scoring.supervised
        self.lead, self.other = _on_shift(p, assign)
        self.open_ = self.scoring.open_
        self.shapes = {}
        # per interval: the unmet requirement, and per class the largest shortfall of a set
        # of queues it is trained on (a unit of the class taken off raises the unmet
        # requirement to at least that plus one)
        self.in_set = self.serve.T[:, :, None] > 0
        self.worst, self.peak = self.shortfalls(np.arange(p.week.n_intervals))
        self.mine_of = {}  # (agent, day) -> on-phone units of its shift over its intervals
        self.credit = {}  # agent -> the most its soft rules and meeting could cost less

    def shape(self, i: int):
        """Intervals, units on shift and, per break rule, the units of each position."""
        if i not in self.shapes:
            self.shapes[i] = _shape(self.p.options[i])
        return self.shapes[i]

    def unmet(self, cols, on_cols) -> float:
        return self.scoring.unmet_units(on_cols, cols)

    def shortfalls(self, cols):
        sh = self.req_s[:, cols] - self.serve @ self.on[:, cols]
        return (np.maximum(0.0, sh.max(axis=0)),
                np.where(self.in_set, sh[None], -np.inf).max(axis=1))

    def mine(self, ai: int, d: int) -> np.ndarray:
        if (ai, d) not in self.mine_of:
            p = self.p
            i = self.assign[ai][d]
            units = _on_phone_of(p, p.options[i], self.breaks.get((ai, d), []),
                                 self.meeting_times.get(ai))
            self.mine_of[(ai, d)] = np.array([units.get(int(t), 0) for t in self.shape(i)[0]],
                                             float)
        return self.mine_of[(ai, d)]

    def credit_of(self, ai: int) -> float:
        if ai not in self.credit:
            p = self.p
            week = [p.options[j] for j in self.assign[ai].values()]
            self.credit[ai] = self.scoring.soft(ai, week)
            self.credit[ai] += p.weights["meeting absence"] * (ai in self.scoring.fits)
        return self.credit[ai]

    def most(self, ai: int, i: int, was: int | None) -> float:
        """At most what the change is worth: the shift's units where requirement is
        unmet and the agent is not on the phones now, less what the shift it replaces
        leaves unmet where the new one is not."""
        p, worst = self.p, self.worst
        idx, cover, _ = self.shape(i)
        if was is None:
            g = float(np.minimum(cover, worst[idx]).sum())
        else:
            w_idx = self.shape(was)[0]
            now = self.mine(ai, p.options[i].day)
            new = cover.copy()
            lo, hi = max(idx[0], w_idx[0]), min(idx[-1], w_idx[-1])
            if lo <= hi and _is_run(idx) and _is_run(w_idx):
                new[lo - idx[0]:hi - idx[0] + 1] -= now[lo - w_idx[0]:hi - w_idx[0] + 1]
            g = float(np.minimum(np.maximum(new, 0.0), worst[idx]).sum())
        if g <= 0:
            return g
        if was is not None:
            out = (w_idx < idx[0]) | (w_idx > idx[-1])
            if out.any() and _is_run(idx):
                t = w_idx[out]
                loss = np.maximum(0.0, self.peak[p.class_of[ai], t] + now[out])
                g -= float(np.maximum(0.0, loss - worst[t]).sum())
        wages = p.shift_cost(ai, p.options[i])
        if was is not None:
            wages -= p.shift_cost(ai, p.options[was])
        return g * self.price - wages + self.credit_of(ai)

    def value(self, ai: int, i: int):
        """What giving ``ai`` the shift ``i`` is worth now, with its breaks: (value,
        intervals, the class's on-phone units there, breaks); None if it cannot be given
        or is worth nothing."""
        p = self.p
        o = p.options[i]
        days = self.assign[ai]
        was = days.get(o.day)
        if was is None and len(days) >= p.contracts[p.agents[ai].contract].max_days_week:
            return None
        mt = self.meeting_times.get(ai)
        if _holds(o, mt) or (was is not None and _holds(p.options[was], mt)):
            return None  # the meeting's hour stays where it is
        if self.most(ai, i, was) <= 0:
            return None
        c = p.class_of[ai]
        idx = self.shape(i)[0]
        cols = idx if was is None else np.union1d(idx, self.shape(was)[0])
        rest = self.on[:, cols].copy()
        if was is not None:
            rest[c, np.searchsorted(cols, self.shape(was)[0])] -= self.mine(ai, o.day)
        before = float(self.worst[cols].sum())
        placed = self._greedy_breaks(c, i, cols, rest)
        if placed is None:
            return None
        vec, chosen = placed
        gain = (before - self.unmet(cols, rest + _row(c, vec, len(p.classes)))) * self.price
        if gain <= 0 or not self._keeps_rules(ai, i, was):
            return None
        dc = self.scoring.delta(self.assign, [(ai, o.day, i)])
        if dc is None or gain - dc <= 0:
            return None
        return gain - dc, cols, rest[c] + vec, chosen

    def _greedy_breaks(self, c: int, i: int, cols, rest):
        return _greedy_breaks(self.scoring, self.p.options[i], self.shape(i), c, cols, rest)

    def _keeps_rules(self, ai: int, i: int, was: int | None) -> bool:
        """The lead ratio (for an agent other than a lead) and the agent's week."""
        p = self.p
        o = p.options[i]
        if self.supervised and not p.agents[ai].is_lead:
            units = dict(o.cover)
            gone = dict(p.options[was].cover) if was is not None else {}
            if any(
                self.open_[t] and self.other[t] - gone.get(t, 0) + u > p.lead_ratio * self.lead[t]
                for t, u in units.items()
            ):
                return False
        week = {d: p.options[j] for d, j in self.assign[ai].items()}
        week[o.day] = o
        return _week_ok(p, ai, week)

    def ranked(self, changed: np.ndarray, whose: set[int], out_of_time) -> list:
        """(-value, agent, shift) of the changes worth scoring again: a shift on an
        unmet interval, for an agent whose week changed or near a changed interval."""
        p = self.p
        heap = []
        hot = {o.index for o in p.options if self.worst[self.shape(o.index)[0]].any()}
        near = {o.index for o in p.options if changed[self.shape(o.index)[0]].any()}
        for ai, a in enumerate(p.agents):
            if a.is_lead:
                continue
            days = self.assign[ai]
            spare = len(days) < p.contracts[a.contract].max_days_week
            fresh = ai in whose
            for i in self.scoring.cand[ai] & hot:
                o = p.options[i]
                was = days.get(o.day)
                if was is None:
                    if not spare or not (fresh or i in near):
                        continue
                else:  # a move: the same template, by _MOVE_MIN at most
                    w = p.options[was]
                    if w.template is not o.template or abs(w.start_min - o.start_min) > _MOVE_MIN:
                        continue
                    if not (fresh or i in near or was in near):
                        continue
                v = self.value(ai, i)
                if v is not None:
                    heap.append((-v[0], ai, i))
            if out_of_time():
                break  # the rest of the time makes the changes priced so far
        return heap

    def make(self, ai: int, i: int, v: tuple, changed: np.ndarray) -> str:
        """Make the change ``v`` (:meth:`value`); its kind."""
        p = self.p
        _, cols, row, chosen = v
        o = p.options[i]
        was = self.assign[ai].get(o.day)
        self.on[p.class_of[ai], cols] = row
        self.worst[cols], self.peak[:, cols] = self.shortfalls(cols)
        changed[cols] = True
        if was is not None:
            for t, u in p.options[was].cover:
                self.other[t] -= u
        for t, u in o.cover:
            self.other[t] += u
        self.assign[ai][o.day] = i
        self.breaks[(ai, o.day)] = chosen
        self.mine_of.pop((ai, o.day), None)
        self.credit.pop(ai, None)
        return "added" if was is None else "moved" if was != i else "breaks"


def _add_with_breaks_moved(
    p: _Problem,
    assign: list[dict[int, int]],
    plan: dict[int, int],
    placed: _Pass2,
    meeting_times: dict[int, tuple[int, int]],
    time_budget_s: float,
    num_workers: int,
) -> tuple[list[dict[int, int]], _Pass2, int]:
    """Add shifts on days off where, with the breaks around them placed again, they
    meet more unmet requirement than they cost.

    :func:`_cover_unmet` prices a new shift by what it covers itself, the others'
    breaks staying where they are.  Where breaks crowd an hour that no break can leave
    without leaving another hour short, one more agent on shift lets breaks move into
    its hours: on the benchmark's Saturday, with the day's breaks placed again, a 6-h
    shift so met 18 of its 21 unmet units.  The candidates (agents who are not team leads, on a day
    off, with a day and hours to spare, on a week that stays legal and under the lead
    ratio) are ranked by the unmet requirement within their reach (their hours widened
    by ``_REACH_MIN`` either side, at most their on-phone units) less their cost
    (:meth:`Scoring.delta`), one start per agent.  In that order they are priced
    exactly, by a small CP-SAT placing again the breaks of every shift touching those
    hours (:func:`_place_breaks`, hinted by the breaks as placed); the first that pays
    is added and the ranking made again, until the budget is spent, no candidate is
    left, or two rankings in a row gave none that pays.

    Returns the assignment, its breaks placed, and how many shifts were added.
    """
    t0 = time.perf_counter()
    ab = _AddWithBreaks(p, [dict(d) for d in assign], plan, dict(placed.breaks), meeting_times)
    added = 0
    misses = 0  # rankings in a row whose tries did not pay

    def left() -> float:  # for a solve: its model's building and the last serving apart
        return time_budget_s - (time.perf_counter() - t0) - 0.8

    while left() > 0.5:
        short = _hall_short(ab.req_s, ab.serve, ab.on, ab.scoring.by_set)
        cands = ab.candidates(short)
        best = ab.first_that_pays(cands[:_ADD_TRIES], float(short.sum()), left, num_workers)
        if best is None:
            misses += 1
            if misses == 2 or not cands[_ADD_TRIES:]:
                break  # two rankings in a row without a shift that pays
            continue
        misses = 0
        ab.add(*best)
        added += 1
    served, short_units = _serve(p, ab.on)
    return ab.assign, _Pass2(ab.breaks, short_units, served, placed.status, placed.wall_s), added


class _AddWithBreaks:
    """The state of :func:`_add_with_breaks_moved`: the roster with its breaks, its
    on-phone units per class, the leads and others on shift, the tries that failed."""

    def __init__(self, p: _Problem, assign: list[dict[int, int]], plan: dict[int, int],
                 breaks: dict, meeting_times: dict[int, tuple[int, int]]):
        self.p, self.assign, self.breaks, self.meeting_times = p, assign, breaks, meeting_times
        self.scoring = Scoring(p, plan)
        self.req_s, self.serve = self.scoring.req_s, self.scoring.serve
        self.price = self.scoring.unit_price
        self.open_ = self.scoring.open_
        self.supervised = self.scoring.supervised
        self.lead, self.other = _on_shift(p, assign)
        self.on = _on_phone_units(p, assign, breaks, meeting_times)
        self.reach = _REACH_MIN // p.week.step_min
        self.failed = set()  # (agent, shift) priced exactly and found not to pay
        self.on_units = {name: h * 60 / p.week.unit_min for name, h in _on_phone_h(p).items()}

    def candidates(self, short: np.ndarray) -> list[tuple]:
        """(bound on the value, cost, agent, shift), the agent's best start only, most
        valuable first."""
        p, T = self.p, self.p.week.n_intervals
        best_of = {}
        for ai, a in enumerate(p.agents):
            days = self.assign[ai]
            if a.is_lead or len(days) >= p.contracts[a.contract].max_days_week:
                continue
            for i in self.scoring.cand[ai]:
                o = p.options[i]
                if o.day in days or (ai, i) in self.failed or i in self.scoring.fits.get(ai, ()):
                    continue  # (who attends a meeting is settled: an absent member stays so)
                ts = [t for t, _ in o.cover]
                lo, hi = min(ts) - self.reach, max(ts) + self.reach
                most = min(short[np.arange(lo, hi + 1) % T].sum(), self.on_units[o.template.name])
                most *= self.price
                if most <= p.shift_cost(ai, o) or most <= best_of.get(ai, (0.0,))[0]:
                    continue
                if self.supervised and any(
                    self.open_[t] and self.other[t] + u > p.lead_ratio * self.lead[t]
                    for t, u in o.cover
                ):
                    continue
                week = {dd: p.options[j] for dd, j in days.items()}
                week[o.day] = o
                if not _week_ok(p, ai, week):
                    continue
                dc = self.scoring.delta(self.assign, [(ai, o.day, i)])
                if dc is not None and most - dc > best_of.get(ai, (0.0,))[0]:
                    best_of[ai] = (most - dc, dc, ai, i)
        return sorted(best_of.values(), key=lambda c: -c[0])

    def first_that_pays(self, tries: list[tuple], before: float, left, num_workers: int):
        """The first of ``tries``, in the order of what they might meet, that pays with
        the breaks around it placed again: (agent, shift, breaks, on-phone units); the
        others are marked failed."""
        for _, dc, ai, i in tries:
            if left() < 0.3:
                break
            got = self._priced(ai, i, min(1.0, left()), num_workers)
            if got is not None:
                new_breaks, trial = got
                gain = (before - self.scoring.unmet_units(trial)) * self.price - dc
                if gain > 0:
                    return ai, i, new_breaks, trial
            self.failed.add((ai, i))
        return None

    def _priced(self, ai: int, i: int, time_limit_s: float, num_workers: int):
        """The breaks of every shift touching the new shift's hours placed again with
        it (:func:`_place_breaks_among`, hinted by the breaks as placed): (breaks,
        on-phone units), or None if the solve found none."""
        p, assign, breaks = self.p, self.assign, self.breaks
        # the shifts whose breaks may move into its hours
        window = np.zeros(p.week.n_intervals, bool)
        window[[t for t, _ in p.options[i].cover]] = True
        sub = [
            {dd: j for dd, j in days_.items() if window[[t for t, _ in p.options[j].cover]].any()}
            for days_ in assign
        ]
        rest = [
            {dd: j for dd, j in days_.items() if dd not in sub[a_]}
            for a_, days_ in enumerate(assign)
        ]
        hint = {
            (a_, dd, r): sl.offset_min
            for a_, days_ in enumerate(sub)
            for dd in days_
            for r, sl in enumerate(breaks.get((a_, dd), []))
        }
        sub[ai] = {**sub[ai], p.options[i].day: i}
        r, const = _place_breaks_among(p, sub, rest, breaks, self.meeting_times, time_limit_s,
                                       num_workers, hint)
        if r.status not in ("OPTIMAL", "FEASIBLE"):
            return None
        return r.breaks, const + _on_phone_units(p, sub, r.breaks, self.meeting_times)

    def add(self, ai: int, i: int, new_breaks: dict, on: np.ndarray) -> None:
        o = self.p.options[i]
        self.assign[ai][o.day] = i
        self.breaks.update(new_breaks)
        self.on = on
        for t, u in o.cover:
            self.other[t] += u


def _shape(o: ShiftOption):
    """The shift's intervals (sorted), its units on shift there and, per break rule, the
    break positions, the units each takes off there, their offsets and the latest
    offset that leaves room for the breaks after it."""
    idx = np.array(sorted({t for t, _ in o.cover}), int)
    pos = {int(t): k for k, t in enumerate(idx)}
    cover = np.zeros(len(idx))
    for t, u in o.cover:
        cover[pos[t]] += u
    rules_ = []
    for slots in o.breaks:
        units = np.zeros((len(slots), len(idx)))
        for j, sl in enumerate(slots):
            for t, u in sl.cover:
                if t in pos:
                    units[j, pos[t]] += u
        offset = np.array([sl.offset_min for sl in slots])
        rules_.append((slots, units, offset))
    # the latest start of each break that leaves room for the breaks after it
    latest, after = [], np.inf
    for r in range(len(rules_) - 1, -1, -1):
        rule = o.template.breaks[r]
        fits = rules_[r][2][rules_[r][2] + rule.length_min <= after]
        latest.append(fits.max() if len(fits) else -1)
        after = latest[-1] - rule.min_gap_min
    latest.reverse()
    return idx, cover, [(*rl, lt) for rl, lt in zip(rules_, latest, strict=True)]


def _greedy_breaks(scoring: Scoring, o: ShiftOption, shape, c: int, cols, rest):
    """Shift ``o``'s breaks (its agent of class ``c``), one rule after another, where
    they leave least unmet against the other on-phone units ``rest`` (classes x
    ``cols``, which hold the shift's intervals): (its on-phone units over ``cols``, the
    breaks); None if a break has no position."""
    idx, cover, rules_ = shape
    pos = np.searchsorted(cols, idx)
    vec = np.zeros(len(cols))
    vec[pos] = cover
    serve = scoring.serve
    others_s = serve @ rest
    need = scoring.req_s[:, cols]
    chosen, free = [], 0
    for r, (slots, units, offset, late) in enumerate(rules_):
        ok = np.flatnonzero((offset >= free + o.template.breaks[r].min_gap_min)
                            & (offset <= late))
        if not len(ok):
            return None
        trial = np.repeat(vec[None, :], len(ok), axis=0)
        trial[:, pos] -= units[ok]
        left = need[None] - others_s[None] - serve[:, c][None, :, None] * trial[:, None, :]
        k = int(np.argmin(np.maximum(0.0, left.max(axis=1)).sum(axis=1)))
        vec = trial[k]
        chosen.append(slots[ok[k]])
        free = offset[ok[k]] + chosen[-1].length_min
    return vec, chosen


def _is_run(idx: np.ndarray) -> bool:
    """Whether sorted interval indices are consecutive (a shift not across the week's end)."""
    return int(idx[-1] - idx[0]) + 1 == len(idx)


def _row(c: int, vec: np.ndarray, n: int) -> np.ndarray:
    """``vec`` as row ``c`` of an ``n``-row matrix of zeros."""
    out = np.zeros((n, len(vec)))
    out[c] = vec
    return out
