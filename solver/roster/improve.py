"""Improvement moves on a legal roster before breaks are placed."""

from __future__ import annotations

import math
import time
from collections import defaultdict

import numpy as np

from solver.roster.meetings import _meeting_members
from solver.roster.problem import _on_phone_h, _Problem
from solver.roster.scoring import (
    _FLUID_SCALE,
    Scoring,
    _fluid_on,
    _on_shift,
    _rest_ok,
    _week_legal,
    _week_ok,
)


def _swap_search(
    p: _Problem,
    assign: list[dict[int, int]],
    plan: dict[int, int],
    time_budget_s: float,
) -> tuple[list[dict[int, int]], int]:
    """Improve a legal roster by moving single shifts to another start or another day.

    A move replaces one agent's shift on one day by another candidate of the same
    template, on that day or on one of the agent's days off, so paid hours and the
    number of days are unchanged (availability and time off hold since candidates
    respect them); the new week must keep the day-pattern rules and the minimum rest
    (:func:`_week_legal`).  Each agent-day takes its best move when it lowers the
    pass-1 cost: a breach of the lead rules (priced far above the rest), wages, agent
    soft rules, meeting absence at the pre-chosen slot, and the unmet
    requirement with breaks as their expected share and skills by Hall's condition
    (the largest shortfall of any set of queues against the agents trained on some
    queue of the set).  Sweeps repeat until one changes nothing or the budget is spent.

    Returns
    -------
    assignment : list of dict day -> option index
    sweeps : int
        Sweeps completed.
    """
    t0 = time.perf_counter()
    ss = _SwapSearch(p, [dict(d) for d in assign], plan)
    sweeps = 0
    while time.perf_counter() - t0 < time_budget_s:
        moved = 0
        for ai in range(len(p.agents)):
            if time.perf_counter() - t0 > time_budget_s:
                break
            moved += ss.visit(ai)
        sweeps += 1
        if moved == 0:
            break
    # A breach of the lead rules still left when the budget ends: the leads and the
    # agents on breached intervals keep moving, for up to the budget again (at least
    # 1 s), since a roster that breaks a crew rule is no start for pass 1.  Only moves
    # that lessen the breach: the others are priced with breaks at their average share
    # (on the benchmark with meetings they had added 57 unmet agent-hours).
    t1 = time.perf_counter()
    while ss.supervised and time.perf_counter() - t1 < max(1.0, time_budget_s):
        near = ss.near_breach()
        if near is None:
            break
        if sum(ss.visit(ai, mend=True) for ai in near) == 0:
            break
        sweeps += 1
    return ss.assign, sweeps


class _SwapSearch:
    """The state of :func:`_swap_search`: the roster, its on-phone units per class (breaks
    at their expected share, meetings off the phones) and the leads and others on shift."""

    def __init__(self, p: _Problem, assign: list[dict[int, int]], plan: dict[int, int]):
        self.p = p
        self.assign = assign
        week = p.week
        T = week.n_intervals
        self.scoring = Scoring(p, plan)
        self.price = self.scoring.unit_price
        self.absence = p.weights["meeting absence"]
        self.fluid = {}
        self.on = np.zeros((len(p.classes), T))
        self.lead = np.zeros(T)
        self.other = np.zeros(T)
        self.supervised = self.scoring.supervised
        self.fits = self.scoring.fits
        self.meet_cover = {}  # member -> (intervals, units) its meeting takes off the phones
        for act in p.activities:
            sl = p.meeting_slot.get(act.name)
            if sl is not None:
                cov = p.week.cover(*sl)
                mc = (np.array([t for t, _ in cov], int), np.array([u for _, u in cov], float))
                for ai in _meeting_members(p, act):
                    self.meet_cover[ai] = mc
        for ai, days in enumerate(assign):
            ci = p.class_of[ai]
            for i in days.values():
                idx, val, sidx, su = self.arr(i)
                self.on[ci, idx] += val
                (self.lead if p.agents[ai].is_lead else self.other)[sidx] += su
            if ai in self.meet_cover and any(i in self.fits.get(ai, ()) for i in days.values()):
                self.on[ci, self.meet_cover[ai][0]] -= self.meet_cover[ai][1]
        self.breach_price = 100.0 * self.price
        self.by_key = defaultdict(list)  # (agent, day, template) -> candidates
        self.by_day = defaultdict(list)  # (agent, day) -> candidates
        for ai in range(len(p.agents)):
            for i in p.cand[ai]:
                o = p.options[i]
                self.by_key[(ai, o.day, o.template.name)].append(i)
                self.by_day[(ai, o.day)].append(i)

    def arr(self, i: int):
        """The option's on-phone units (expected breaks) and its units on shift."""
        hit = self.fluid.get(i)
        if hit is None:
            o = self.p.options[i]
            fl = _fluid_on(o, _FLUID_SCALE)
            idx = np.array(sorted(fl), int)
            on = np.array([fl[t] / _FLUID_SCALE for t in idx], float)
            sidx = np.array([t for t, _ in o.cover], int)
            su = np.array([u for _, u in o.cover], float)
            hit = self.fluid[i] = (idx, on, sidx, su)
        return hit

    def near_breach(self) -> list[int] | None:
        """The leads and the agents on intervals where the lead rules are broken; None
        if they are kept."""
        p = self.p
        sc = self.scoring
        bad = sc.open_ & ((self.other > p.lead_ratio * self.lead + 1e-9)
                          | (self.lead < sc.need_lead - 1e-9))
        if not bad.any():
            return None
        return [
            ai
            for ai in range(len(p.agents))
            if p.agents[ai].is_lead
            or any(bad[[t for t, _ in p.options[i].cover]].any() for i in self.assign[ai].values())
        ]

    def visit(self, ai: int, mend: bool = False) -> int:
        """The best move of each of the agent's days, in turn; the moves made.  With
        ``mend``, only moves that lessen a breach of the lead rules, also to another
        template where the agent's paid hours stay within its contract (a lead on a
        4-h shift that may not start before the centre opens takes an 8-h one)."""
        count = 0
        assign = self.assign
        for d in sorted(assign[ai]):
            if d not in assign[ai]:
                continue
            best_j = self._best_move(ai, d, mend)
            if best_j is not None:
                self._apply(ai, d, best_j)
                count += 1
        return count

    def _best_move(self, ai: int, d: int, mend: bool) -> int | None:
        """The candidate that best replaces the agent's shift of day ``d``, if any saves."""
        p = self.p
        assign = self.assign
        c = p.contracts[p.agents[ai].contract]
        i = assign[ai][d]
        o = p.options[i]
        week_opts = {dd: p.options[j] for dd, j in assign[ai].items()}
        soft0 = self.scoring.soft(ai, week_opts.values())
        best, best_j = -1e-6, None
        moves = [
            j
            for dd in range(7)
            if dd == d or dd not in week_opts
            for j in (self.by_day[(ai, dd)] if mend else self.by_key[(ai, dd, o.template.name)])
        ]
        for j in moves:
            if j == i:
                continue
            delta = self._delta(ai, d, j, mend)
            if delta is None or delta >= best + 50.0:  # soft rules cannot win that much back
                continue
            oj = p.options[j]
            new_week = {dd: oo for dd, oo in week_opts.items() if dd != d}
            new_week[oj.day] = oj
            if not _week_legal(p, c, new_week, p.prior_days(ai)):
                continue
            if oj.template.name != o.template.name and not _week_ok(p, ai, new_week):
                continue  # another template: its paid hours must fit the contract
            delta += self.scoring.soft(ai, new_week.values()) - soft0
            if delta >= best:
                continue
            best, best_j = delta, j
        return best_j

    def _attends(self, ai: int, d: int, j: int | None) -> bool:
        """Whether the agent attends its meeting with its shift of day ``d`` replaced by
        ``j`` (None: kept)."""
        fit = self.fits.get(ai, ())
        if j is None:
            return any(k in fit for k in self.assign[ai].values())
        return any(k in fit for dd, k in self.assign[ai].items() if dd != d) or j in fit

    def _delta(self, ai: int, d: int, j: int, mend: bool) -> float | None:
        """Cost change of the move but for the soft rules: the lead rules' breach, the
        unmet requirement, wages and the meeting.  None for a mending move that does
        not lessen the breach."""
        p = self.p
        a = p.agents[ai]
        ci = p.class_of[ai]
        i = self.assign[ai][d]
        idx0, val0, sidx0, su0 = self.arr(i)
        idx1, val1, sidx1, su1 = self.arr(j)
        db = 0.0
        if self.supervised:
            # a breach of the lead rules (from the start) is priced far
            # above any unmet requirement, so that moves mend it first
            scols = np.union1d(sidx0, sidx1)
            lb, ob = self.lead[scols], self.other[scols]
            la, oa = lb.copy(), ob.copy()
            tgt_a = la if a.is_lead else oa
            tgt_a[np.searchsorted(scols, sidx0)] -= su0
            tgt_a[np.searchsorted(scols, sidx1)] += su1
            db = self.scoring.breach(la, oa, scols) - self.scoring.breach(lb, ob, scols)
            if mend and db > -1e-9:
                return None
        attends0, attends1 = self._attends(ai, d, None), self._attends(ai, d, j)
        cols = np.union1d(idx0, idx1)
        if attends1 != attends0:
            cols = np.union1d(cols, self.meet_cover[ai][0])
        before = self.on[:, cols]
        after = before.copy()
        after[ci, np.searchsorted(cols, idx0)] -= val0
        after[ci, np.searchsorted(cols, idx1)] += val1
        if attends1 != attends0:  # the meeting hour off the phones, or back
            mi, mu = self.meet_cover[ai]
            after[ci, np.searchsorted(cols, mi)] += mu if attends0 else -mu
        delta = self.scoring.unmet_change(cols, before, after)
        delta += p.shift_cost(ai, p.options[j]) - p.shift_cost(ai, p.options[i])
        delta += self.absence * (attends0 - attends1)
        return delta + self.breach_price * db

    def _apply(self, ai: int, d: int, j: int) -> None:
        """Make the move: the agent's shift of day ``d`` replaced by ``j``."""
        p = self.p
        ci = p.class_of[ai]
        i = self.assign[ai][d]
        idx0, val0, sidx0, su0 = self.arr(i)
        idx1, val1, sidx1, su1 = self.arr(j)
        attends0, attends1 = self._attends(ai, d, None), self._attends(ai, d, j)
        self.on[ci, idx0] -= val0
        self.on[ci, idx1] += val1
        if attends1 != attends0:
            mi, mu = self.meet_cover[ai]
            self.on[ci, mi] += mu if attends0 else -mu
        tgt = self.lead if p.agents[ai].is_lead else self.other
        tgt[sidx0] -= su0
        tgt[sidx1] += su1
        del self.assign[ai][d]
        self.assign[ai][p.options[j].day] = j


def _mend_meeting_absences(
    p: _Problem, assign: list[dict[int, int]], plan: dict[int, int]
) -> tuple[list[dict[int, int]], int]:
    """Bring members absent from their meeting to it by exchanging shifts over two days.

    A member whose shift on its meeting's day does not hold the meeting takes the start
    of an agent of its skill set and lead status, on the same template that day, that
    does hold it; the other takes the member's.  Where the minimum rest after the
    member's shift of the day before (or before its shift of the day after) bars that,
    the member also exchanges that neighbouring shift with an agent of its kind on the
    same template.  The starts held by each skill set do not change, so neither does
    the cover.  The exchange of least cost (:meth:`Scoring.cost`: wages, soft rules,
    meetings) is made when it saves.  Exchanges within one day alone are left to
    :func:`_rematch_starts`.

    Returns
    -------
    assignment : list of dict day -> option index
    moves : int
    """
    assign = [dict(d) for d in assign]
    scoring = Scoring(p, plan)
    fits = scoring.fits
    if not fits:
        return assign, 0
    kind = [(p.class_of[ai], p.agents[ai].is_lead) for ai in range(len(p.agents))]
    holders = defaultdict(list)  # (day, template, kind) -> agents
    for ai, days in enumerate(assign):
        for d, i in days.items():
            holders[(d, p.options[i].template.name, kind[ai])].append(ai)
    moves = 0
    for act in p.activities:
        sl = p.meeting_slot.get(act.name)
        if sl is None:
            continue
        d = sl[0] // 1440
        for ai in _meeting_members(p, act):
            fit = fits.get(ai)
            if not fit or d not in assign[ai] or any(j in fit for j in assign[ai].values()):
                continue
            name = p.options[assign[ai][d]].template.name
            tries = []
            for b in holders[(d, name, kind[ai])]:
                sb = assign[b][d]
                if b == ai or sb not in fit:
                    continue
                swap = [(ai, d, sb), (b, d, assign[ai][d])]
                tries.append(swap)
                for dn in (d - 1, d + 1):
                    if dn not in assign[ai]:
                        continue
                    other = p.options[assign[ai][dn]].template.name
                    for c in holders[(dn, other, kind[ai])]:
                        if c != ai and assign[c][dn] != assign[ai][dn]:
                            tries.append(
                                [*swap, (ai, dn, assign[c][dn]), (c, dn, assign[ai][dn])]
                            )
            best, best_delta = None, -1e-6
            for changes in tries:
                if len({(w, dd) for w, dd, _ in changes}) < len(changes):
                    continue  # b and c are one agent on one day: not an exchange
                dc = scoring.delta(assign, changes)
                if dc is not None and dc < best_delta:
                    best, best_delta = changes, dc
            if best is not None:
                for who, dd, i in best:
                    assign[who][dd] = i
                moves += 1
    return assign, moves


def _exchange_days(
    p: _Problem, assign: list[dict[int, int]], plan: dict[int, int], time_budget_s: float
) -> tuple[list[dict[int, int]], int]:
    """Exchange working days between agents of one skill set and lead status.

    Agent A works day ``d1`` and is off on ``d2``; agent B of its kind works ``d2`` and
    is off on ``d1``.  A takes B's shift of ``d2`` and B takes A's shift of ``d1``: the
    shifts held by each skill set stay, so the cover and the leads on shift do too,
    while each agent's week changes (its days off, weekends, evenings, starts).  The
    exchange is made when both weeks stay legal (:func:`_week_ok`, candidates only)
    and it lowers their cost (:meth:`Scoring.cost`: wages, soft rules as pass 1 prices
    them, meetings): weekend days or evenings above an agent's fair share handed to one
    below it, a preferred day off freed, a start out of line with the rest of the week
    swapped for one in line.  Agents with the costliest weeks are tried first; sweeps
    repeat until one makes no exchange or the budget is spent.

    Returns
    -------
    assignment : list of dict day -> option index
    moves : int
    """
    t0 = time.perf_counter()
    assign = [dict(d) for d in assign]
    scoring = Scoring(p, plan)
    kind = defaultdict(list)
    for ai in range(len(p.agents)):
        if assign[ai]:
            kind[(p.class_of[ai], p.agents[ai].is_lead)].append(ai)

    def soft(ai):
        return scoring.soft(ai, (p.options[i] for i in assign[ai].values()))

    moves = 0
    while time.perf_counter() - t0 < time_budget_s:
        moved = 0
        order = sorted((ai for ai in range(len(p.agents)) if assign[ai]), key=soft, reverse=True)
        for a in order:
            if time.perf_counter() - t0 >= time_budget_s:
                break
            if soft(a) <= 1e-9:
                break
            partners = kind[(p.class_of[a], p.agents[a].is_lead)]
            best = _best_day_exchange(p, scoring, assign, a, partners)
            if best is not None:
                b, d1, d2 = best
                i1, i2 = assign[a].pop(d1), assign[b].pop(d2)
                assign[a][d2], assign[b][d1] = i2, i1
                moved += 1
        moves += moved
        if not moved:
            break
    return assign, moves


def _best_day_exchange(
    p: _Problem, scoring: Scoring, assign: list[dict[int, int]], a: int, partners: list[int]
) -> tuple[int, int, int] | None:
    """Agent ``a``'s exchange of days of least cost with one of ``partners``: (partner,
    day ``a`` gives, day ``a`` takes), or None if none saves."""
    cand = scoring.cand

    def week(days):
        return {d: p.options[i] for d, i in days.items()}

    def cost(ai, days):
        return scoring.cost(ai, week(days))

    base_a = cost(a, assign[a])
    gain_a = {}  # (d1, option of d2) -> A's cost change
    best, best_delta = None, -1e-6
    for b in partners:
        if b == a:
            continue
        d1s = [d for d in assign[a] if d not in assign[b]]
        d2s = [d for d in assign[b] if d not in assign[a]]
        for d1 in d1s:
            if assign[a][d1] not in cand[b]:
                continue
            for d2 in d2s:
                j = assign[b][d2]
                key = (d1, j)
                if key not in gain_a:
                    new_a = {d: i for d, i in assign[a].items() if d != d1}
                    new_a[d2] = j
                    ok = j in cand[a] and _week_ok(p, a, week(new_a))
                    gain_a[key] = cost(a, new_a) - base_a if ok else None
                ga = gain_a[key]
                if ga is None or ga >= best_delta:
                    continue
                new_b = {d: i for d, i in assign[b].items() if d != d2}
                new_b[d1] = assign[a][d1]
                if not _week_ok(p, b, week(new_b)):
                    continue
                delta = ga + cost(b, new_b) - cost(b, assign[b])
                if delta < best_delta:
                    best, best_delta = (b, d1, d2), delta
    return best


def _match_weeks(
    p: _Problem, assign: list[dict[int, int]], plan: dict[int, int], time_budget_s: float
) -> tuple[list[dict[int, int]], int]:
    """Hand whole weeks to other agents of the same kind where that costs less.

    Agents of one skill set, lead status and contract are matched to their weeks at
    least cost (Hungarian method, :meth:`Scoring.cost`: wages, soft rules as pass 1 prices
    them, meetings), a week being barred to an agent it is not legal for
    (:func:`_week_ok`, candidates only).  The shifts stay, so the cover and the leads on
    shift do too; what moves is whose preferred start and days off a week meets.
    Groups are matched in turn until the budget is spent (a group left unfinished keeps
    its weeks).

    Returns
    -------
    assignment : list of dict day -> option index
    agents : int
        Agents whose week changed.
    """
    from scipy.optimize import linear_sum_assignment

    t0 = time.perf_counter()
    assign = [dict(d) for d in assign]
    scoring = Scoring(p, plan)
    groups = defaultdict(list)
    for ai, a in enumerate(p.agents):
        if assign[ai]:
            groups[(p.class_of[ai], a.is_lead, a.contract)].append(ai)
    big = 1e9
    changed = 0
    for members in groups.values():
        if len(members) < 2:
            continue
        weeks = [assign[ai] for ai in members]
        cm = np.full((len(members), len(weeks)), big)
        for r, ai in enumerate(members):
            if time.perf_counter() - t0 >= time_budget_s:
                break
            for k, days in enumerate(weeks):
                opts = {d: p.options[i] for d, i in days.items()}
                if all(i in scoring.cand[ai] for i in days.values()) and _week_ok(p, ai, opts):
                    cm[r, k] = scoring.cost(ai, opts)
        else:
            rows, cols = linear_sum_assignment(cm)
            chosen = cm[rows, cols]
            if chosen.max() < big and chosen.sum() < np.trace(cm) - 1e-6:
                for r, k in zip(rows, cols, strict=True):
                    if k != r:
                        assign[members[r]] = dict(weeks[k])
                        changed += 1
            continue
        break  # out of time in the middle of a group
    return assign, changed


def _rematch_starts(
    p: _Problem,
    assign: list[dict[int, int]],
    plan: dict[int, int],
    time_budget_s: float,
) -> tuple[list[dict[int, int]], int]:
    """Hand the same shifts to other agents where that costs less in wages and soft rules.

    Per day, the agents of one skill set and lead status exchange their shifts at least
    cost (Hungarian method), of any template as long as each agent's paid hours stay
    within its contract: wages, preferred start, start consistency, evening and weekend
    fairness, each agent's week priced as pass 1 prices it (:func:`_agent_soft_cost`),
    and a member's meeting: absence, or attending priced as the meeting's hours unmet.
    The shifts stay the same, so the shift coverage of every skill set and the leads on
    shift do not change (only who attends a meeting does), except that an agent on a
    start beyond the plan's count (where the plan start it needed broke its rest) may
    take a start of the plan left free, priced as a shift's hours unmet saved.  A start
    an agent may not work (not among its candidates, or breaking the minimum rest after
    its other days) is barred.  Rounds over the days repeat until one changes nothing or
    the budget is spent.

    Returns
    -------
    assignment : list of dict day -> option index
    rounds : int
        Rounds completed.
    """
    t0 = time.perf_counter()
    rm = _Rematch(p, [dict(d) for d in assign], plan)
    rounds = 0
    while time.perf_counter() - t0 < time_budget_s:
        gain = 0.0
        for d in range(7):
            groups, held = rm.groups_of_day(d)
            for members in groups.values():
                if time.perf_counter() - t0 >= time_budget_s:
                    break  # every exchange made so far saved; the rest of the round waits
                gain += rm.exchange(d, members, held)
        rounds += 1
        if gain <= 1e-6:
            break
    return rm.assign, rounds


class _Rematch:
    """The state of :func:`_rematch_starts`: the roster, the leads and others on shift,
    and the prices of its exchanges."""

    big = 1e9

    def __init__(self, p: _Problem, assign: list[dict[int, int]], plan: dict[int, int]):
        self.p, self.assign, self.plan = p, assign, plan
        self.scoring = Scoring(p, plan)
        # a start held beyond the plan's count of it, while a start of the plan is left,
        # is priced as the hours of a shift unmet (as in _plan_days)
        self.over_price = {
            name: p.weights["unmet requirement"] * h for name, h in _on_phone_h(p).items()
        }
        self.paid_range = [
            (
                math.ceil(p.contracts[a.contract].min_hours_week * 60 - 1e-9),
                math.floor(p.contracts[a.contract].max_hours_week * 60 + 1e-9),
            )
            for a in p.agents
        ]
        # leads and others on shift, for the lead rules (a start that breaks them is kept)
        self.supervised = self.scoring.supervised
        self.lead, self.other = _on_shift(p, assign)

    def breach(self) -> float:
        return self.scoring.breach(self.lead, self.other)

    def groups_of_day(self, d: int) -> tuple[dict, dict]:
        """The agents working day ``d`` by skill set and lead status, and how many hold
        each start."""
        p = self.p
        groups = defaultdict(list)
        held = defaultdict(int)
        for ai, days in enumerate(self.assign):
            if d in days:
                groups[(p.class_of[ai], p.agents[ai].is_lead)].append(ai)
                held[days[d]] += 1
        return groups, held

    def solve(self, d: int, members: list[int], cols_i: list[int], col_cost: list[float]):
        """The least-cost matching of ``members`` to the starts ``cols_i`` of day ``d``:
        (cost as they are, cost matched, rows, columns)."""
        from scipy.optimize import linear_sum_assignment

        p, assign, scoring = self.p, self.assign, self.scoring
        cm = np.full((len(members), len(cols_i)), self.big)
        for r, ai in enumerate(members):
            c = p.contracts[p.agents[ai].contract]
            rest = {dd: p.options[j] for dd, j in assign[ai].items() if dd != d}
            paid = sum(o.paid_min for o in rest.values())
            lo, hi = self.paid_range[ai]
            for k, j in enumerate(cols_i):
                o = p.options[j]
                if j in scoring.cand[ai] and lo <= paid + o.paid_min <= hi and _rest_ok(c, rest, o):
                    cm[r, k] = scoring.cost(ai, {**rest, d: o}) + col_cost[k]
        rows, cols = linear_sum_assignment(cm)
        return float(np.trace(cm)), float(cm[rows, cols].sum()), rows, cols

    def move(self, d: int, ai: int, j: int, held: dict) -> None:
        """The agent's shift of day ``d`` becomes ``j``."""
        p, assign = self.p, self.assign
        tgt = self.lead if p.agents[ai].is_lead else self.other
        for t, u in p.options[assign[ai][d]].cover:
            tgt[t] -= u
        for t, u in p.options[j].cover:
            tgt[t] += u
        held[assign[ai][d]] -= 1
        assign[ai][d] = j
        held[j] += 1

    def exchange(self, d: int, members: list[int], held: dict) -> float:
        """The group's best exchange of its day-``d`` starts (and the plan's free
        starts of its templates); the cost it saved."""
        p, assign, plan = self.p, self.assign, self.plan
        names = {p.options[assign[ai][d]].template.name for ai in members}
        free = [
            i
            for i, n in plan.items()
            if p.options[i].day == d and p.options[i].template.name in names
            for _ in range(max(0, n - held[i]))
        ]
        if len(members) < 2 and not free:
            return 0.0
        opts = [assign[ai][d] for ai in members]
        extra = defaultdict(int)  # holders beyond the plan's count, in this group
        col_cost = []
        for j in opts:
            beyond = held[j] - plan.get(j, 0) - extra[j] > 0
            extra[j] += beyond
            name = p.options[j].template.name
            col_cost.append(self.over_price[name] if beyond and free else 0.0)
        cols_i = opts + free
        before, after, rows, cols = self.solve(d, members, cols_i, col_cost + [0.0] * len(free))
        if after >= before - 1e-6:
            return 0.0
        old_breach = self.breach() if self.supervised and free else 0.0
        undo = [(ai, assign[ai][d]) for ai in members]
        for r, k in zip(rows, cols, strict=True):
            self.move(d, members[r], cols_i[k], held)
        if self.supervised and free and self.breach() > old_breach + 1e-9:
            # the free starts broke a lead rule: only exchanges within the group
            for ai, j in undo:
                self.move(d, ai, j, held)
            before, after, rows, cols = self.solve(d, members, opts, col_cost)
            if after >= before - 1e-6:
                return 0.0
            for r, k in zip(rows, cols, strict=True):
                self.move(d, members[r], opts[k], held)
        return before - after
