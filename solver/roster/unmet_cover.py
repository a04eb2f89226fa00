"""Changes after pass 2 where the placed breaks leave requirement unmet.
"""

from __future__ import annotations

import heapq
import time
from collections import Counter

import numpy as np

from solver.roster.break_placement import _Pass2, _place_breaks_among
from solver.roster.meetings import _holds
from solver.roster.problem import _on_phone_h, _Problem
from solver.roster.scoring import (
    _hall_sets,
    _hall_short,
    _hall_unmet,
    _on_phone_of,
    _on_phone_units,
    _on_shift,
    _serve,
    _week_ok,
    _WeekPricing,
)

#: Furthest a shift is moved on its day for the unmet requirement [min].
_MOVE_MIN = 120


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
    more than the change in wages, soft rules and meeting (:meth:`_WeekPricing.delta`)
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
    assign = [dict(d) for d in assign]
    breaks = dict(placed.breaks)
    on = _on_phone_units(p, assign, breaks, meeting_times).astype(float)
    req_s, serve = _hall_sets(p)
    price = p.weights["unmet requirement"] * p.week.unit_min / 60
    pricing = _WeekPricing.of(p, plan)
    supervised = p.lead_ratio > 0 and any(a.is_lead for a in p.agents)
    T = p.week.n_intervals
    lead, other = _on_shift(p, assign)
    open_ = p.req_units.sum(axis=0) > 0
    shapes = {}

    def shape(i):
        """Intervals, units on shift and, per break rule, the units of each position."""
        if i not in shapes:
            o = p.options[i]
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
            shapes[i] = (idx, cover, [(*rl, lt) for rl, lt in zip(rules_, latest, strict=True)])
        return shapes[i]

    def unmet(cols, on_cols) -> float:
        return _hall_unmet(req_s[:, cols], serve, on_cols)

    # per interval: the unmet requirement, and per class the largest shortfall of a set
    # of queues it is trained on (a unit of the class taken off raises the unmet
    # requirement to at least that plus one)
    in_set = serve.T[:, :, None] > 0

    def shortfalls(cols):
        sh = req_s[:, cols] - serve @ on[:, cols]
        return np.maximum(0.0, sh.max(axis=0)), np.where(in_set, sh[None], -np.inf).max(axis=1)

    worst, peak = shortfalls(np.arange(T))
    if not worst.any():
        return assign, breaks, Counter()
    mine_of = {}  # (agent, day) -> on-phone units of its shift over the shift's intervals
    credit = {}  # agent -> the most its soft rules and meeting could cost less

    def mine(ai, d):
        if (ai, d) not in mine_of:
            i = assign[ai][d]
            units = _on_phone_of(p, p.options[i], breaks.get((ai, d), []), meeting_times.get(ai))
            mine_of[(ai, d)] = np.array([units.get(int(t), 0) for t in shape(i)[0]], float)
        return mine_of[(ai, d)]

    def credit_of(ai):
        if ai not in credit:
            credit[ai] = pricing.soft(ai, [p.options[j] for j in assign[ai].values()])
            credit[ai] += p.weights["meeting absence"] * (ai in pricing.fits)
        return credit[ai]

    def most(ai, i, was) -> float:
        """At most what the change is worth: the shift's units where requirement is
        unmet and the agent is not on the phones now, less what the shift it replaces
        leaves unmet where the new one is not."""
        idx, cover, _ = shape(i)
        if was is None:
            g = float(np.minimum(cover, worst[idx]).sum())
        else:
            w_idx = shape(was)[0]
            now = mine(ai, p.options[i].day)
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
                loss = np.maximum(0.0, peak[p.class_of[ai], t] + now[out])
                g -= float(np.maximum(0.0, loss - worst[t]).sum())
        wages = p.shift_cost(ai, p.options[i])
        if was is not None:
            wages -= p.shift_cost(ai, p.options[was])
        return g * price - wages + credit_of(ai)

    def value(ai, i):
        """What giving ``ai`` the shift ``i`` is worth now, with its breaks; None if it
        cannot be given or is worth nothing."""
        o = p.options[i]
        days = assign[ai]
        was = days.get(o.day)
        if was is None and len(days) >= p.contracts[p.agents[ai].contract].max_days_week:
            return None
        mt = meeting_times.get(ai)
        if _holds(o, mt) or (was is not None and _holds(p.options[was], mt)):
            return None  # the meeting's hour stays where it is
        if most(ai, i, was) <= 0:
            return None
        c = p.class_of[ai]
        idx, cover, rules_ = shape(i)
        cols = idx if was is None else np.union1d(idx, shape(was)[0])
        base = on[:, cols]
        rest = base.copy()
        if was is not None:
            rest[c, np.searchsorted(cols, shape(was)[0])] -= mine(ai, o.day)
        before = float(worst[cols].sum())
        pos = np.searchsorted(cols, idx)
        vec = np.zeros(len(cols))
        vec[pos] = cover
        others_s = serve @ rest
        need = req_s[:, cols]
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
        gain = (before - unmet(cols, rest + _row(c, vec, len(p.classes)))) * price
        if gain <= 0:
            return None
        if supervised and not p.agents[ai].is_lead:
            units = dict(o.cover)
            gone = dict(p.options[was].cover) if was is not None else {}
            if any(
                open_[t] and other[t] - gone.get(t, 0) + u > p.lead_ratio * lead[t]
                for t, u in units.items()
            ):
                return None
        week = {d: p.options[j] for d, j in days.items()}
        week[o.day] = o
        if not _week_ok(p, ai, week):
            return None
        dc = pricing.delta(assign, [(ai, o.day, i)])
        if dc is None or gain - dc <= 0:
            return None
        return gain - dc, cols, rest[c] + vec, chosen

    # lazy greedy: a change is made once its value, priced again, still leads the
    # others' last prices; a change may raise another's value, so rounds repeat from a
    # fresh pricing while one made a change and time is left
    counts = Counter()
    changed = np.ones(T, bool)  # intervals whose cover changed in the last round
    whose = set(range(len(p.agents)))  # agents whose week changed in the last round
    while time.perf_counter() - t0 < time_budget_s:
        heap = []
        hot = {o.index for o in p.options if worst[shape(o.index)[0]].any()}
        near = {o.index for o in p.options if changed[shape(o.index)[0]].any()}
        for ai, a in enumerate(p.agents):
            if a.is_lead:
                continue
            days = assign[ai]
            spare = len(days) < p.contracts[a.contract].max_days_week
            fresh = ai in whose
            for i in pricing.cand[ai] & hot:
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
                v = value(ai, i)
                if v is not None:
                    heap.append((-v[0], ai, i))
            if time.perf_counter() - t0 >= 0.7 * time_budget_s:
                break  # the rest of the time makes the changes priced so far
        heapq.heapify(heap)
        changes = counts.total()
        changed[:] = False
        whose = set()
        while heap and time.perf_counter() - t0 < time_budget_s:
            _, ai, i = heapq.heappop(heap)
            v = value(ai, i)
            if v is None:
                continue
            if heap and v[0] < -heap[0][0]:
                heapq.heappush(heap, (-v[0], ai, i))
                continue
            _, cols, row, chosen = v
            o = p.options[i]
            was = assign[ai].get(o.day)
            on[p.class_of[ai], cols] = row
            worst[cols], peak[:, cols] = shortfalls(cols)
            changed[cols] = True
            whose.add(ai)
            if was is not None:
                for t, u in p.options[was].cover:
                    other[t] -= u
            for t, u in o.cover:
                other[t] += u
            assign[ai][o.day] = i
            breaks[(ai, o.day)] = chosen
            mine_of.pop((ai, o.day), None)
            credit.pop(ai, None)
            counts["added" if was is None else "moved" if was != i else "breaks"] += 1
        if counts.total() == changes:
            break
    return assign, breaks, counts


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
    (:meth:`_WeekPricing.delta`), one start per agent.  In that order they are priced
    exactly, by a small CP-SAT placing again the breaks of every shift touching those
    hours (:func:`_place_breaks`, hinted by the breaks as placed); the first that pays
    is added and the ranking made again, until the budget is spent, no candidate is
    left, or two rankings in a row gave none that pays.

    Returns the assignment, its breaks placed, and how many shifts were added.
    """
    t0 = time.perf_counter()
    assign = [dict(d) for d in assign]
    breaks = dict(placed.breaks)
    req_s, serve = _hall_sets(p)
    price = p.weights["unmet requirement"] * p.week.unit_min / 60
    pricing = _WeekPricing.of(p, plan)
    T = p.week.n_intervals
    open_ = p.req_units.sum(axis=0) > 0
    supervised = p.lead_ratio > 0 and any(a.is_lead for a in p.agents)
    lead, other = _on_shift(p, assign)
    on = _on_phone_units(p, assign, breaks, meeting_times)
    reach = _REACH_MIN // p.week.step_min
    added = 0
    failed = set()  # (agent, shift) priced exactly and found not to pay
    misses = 0  # rankings in a row whose tries did not pay

    on_units = {name: h * 60 / p.week.unit_min for name, h in _on_phone_h(p).items()}

    def candidates(short):
        """(bound on the value, cost, agent, shift), the agent's best start only, most
        valuable first."""
        best_of = {}
        for ai, a in enumerate(p.agents):
            days = assign[ai]
            if a.is_lead or len(days) >= p.contracts[a.contract].max_days_week:
                continue
            for i in pricing.cand[ai]:
                o = p.options[i]
                if o.day in days or (ai, i) in failed or i in pricing.fits.get(ai, ()):
                    continue  # (who attends a meeting is settled: an absent member stays so)
                ts = [t for t, _ in o.cover]
                lo, hi = min(ts) - reach, max(ts) + reach
                most = min(short[np.arange(lo, hi + 1) % T].sum(), on_units[o.template.name])
                most *= price
                if most <= p.shift_cost(ai, o) or most <= best_of.get(ai, (0.0,))[0]:
                    continue
                if supervised and any(
                    open_[t] and other[t] + u > p.lead_ratio * lead[t] for t, u in o.cover
                ):
                    continue
                week = {dd: p.options[j] for dd, j in days.items()}
                week[o.day] = o
                if not _week_ok(p, ai, week):
                    continue
                dc = pricing.delta(assign, [(ai, o.day, i)])
                if dc is not None and most - dc > best_of.get(ai, (0.0,))[0]:
                    best_of[ai] = (most - dc, dc, ai, i)
        return sorted(best_of.values(), key=lambda c: -c[0])

    def left() -> float:  # for a solve: its model's building and the last serving apart
        return time_budget_s - (time.perf_counter() - t0) - 0.8

    while left() > 0.5:
        short = _hall_short(req_s, serve, on)
        before = float(short.sum())
        best = None
        cands = candidates(short)
        for _, dc, ai, i in cands[:_ADD_TRIES]:
            if left() < 0.3:
                break
            window = np.zeros(T, bool)  # the shifts whose breaks may move into its hours
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
            r, const = _place_breaks_among(p, sub, rest, breaks, meeting_times, min(1.0, left()),
                                           num_workers, hint)
            if r.status in ("OPTIMAL", "FEASIBLE"):
                trial = const + _on_phone_units(p, sub, r.breaks, meeting_times)
                gain = (before - _hall_unmet(req_s, serve, trial)) * price - dc
                if gain > 0:  # the first that pays, in the order of what they might meet
                    best = (ai, i, r.breaks, trial)
                    break
            failed.add((ai, i))
        if best is None:
            misses += 1
            if misses == 2 or not cands[_ADD_TRIES:]:
                break  # two rankings in a row without a shift that pays
            continue
        misses = 0
        ai, i, new_breaks, on = best
        assign[ai][p.options[i].day] = i
        breaks.update(new_breaks)
        for t, u in p.options[i].cover:
            other[t] += u
        added += 1
    served, short_units = _serve(p, on)
    return assign, _Pass2(breaks, short_units, served, placed.status, placed.wall_s), added


def _is_run(idx: np.ndarray) -> bool:
    """Whether sorted interval indices are consecutive (a shift not across the week's end)."""
    return int(idx[-1] - idx[0]) + 1 == len(idx)


def _row(c: int, vec: np.ndarray, n: int) -> np.ndarray:
    """``vec`` as row ``c`` of an ``n``-row matrix of zeros."""
    out = np.zeros((n, len(vec)))
    out[c] = vec
    return out
