"""Moves on a roster with its breaks placed, each with one small interface, and the
scheduler that shares their time by what each has recently bought.

A move (:class:`Move`) proposes a change of the roster (:meth:`Move.propose`), prices it
(:meth:`Move.delta`, the change of the objective of :class:`~solver.roster.scoring.Scoring`
with the breaks placed) and makes it (:meth:`Move.apply`).  Most moves change shifts:
a list of ``(agent, day, option or None, breaks or None)``, priced by
:meth:`RosterState.price` (the new shifts' breaks placed greedily where they leave least
unmet, unless carried); the moves that place breaks or meetings again, and the
large-neighbourhood step, solve a small CP-SAT model (:mod:`solver.roster.lns`).

A change is kept only if it lowers the objective, keeps each changed week legal
(:func:`~solver.roster.scoring._week_ok`, candidate shifts only) and does not break the
lead rules more; a shift that holds its agent's meeting stays where it is (the meeting
moves with :class:`~solver.roster.lns.MoveMeeting`).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from solver.roster.meetings import _holds
from solver.roster.problem import _Problem
from solver.roster.scoring import (
    Scoring,
    _hall_short,
    _on_phone_of,
    _on_phone_units,
    _on_shift,
    _week_ok,
)
from solver.roster.unmet_cover import _greedy_breaks, _shape

#: Furthest a shift is moved on its day by a move [min].
_SHIFT_MOVE_MIN = 120


@dataclass
class Priced:
    """A change priced by :meth:`RosterState.price`, ready to be made."""

    delta: float
    changes: list  # (agent, day, option or None, breaks or None)
    cols: np.ndarray  # the intervals the change touches
    on: np.ndarray  # on-phone units there after it (classes x cols)
    lead: np.ndarray  # leads on shift there after it
    other: np.ndarray  # other agents on shift there after it
    breaks: dict  # (agent, day) -> the new shifts' breaks


class RosterState:
    """A roster with its breaks placed and its meetings attended, kept up to date as
    moves change it: the on-phone units per class and interval, the leads and others
    on shift, and the unmet requirement per interval."""

    def __init__(self, p: _Problem, scoring: Scoring, assign: list[dict[int, int]],
                 breaks: dict, meeting_times: dict[int, tuple[int, int]]):
        self.p, self.scoring = p, scoring
        self.assign = [dict(d) for d in assign]
        self.breaks = dict(breaks)
        self.meeting_times = dict(meeting_times)
        self.on = _on_phone_units(p, self.assign, self.breaks, self.meeting_times).astype(float)
        self.lead, self.other = _on_shift(p, self.assign)
        self.shapes: dict = {}
        self.by_day = defaultdict(list)  # (agent, day) -> candidate options
        for ai in range(len(p.agents)):
            for i in p.cand[ai]:
                self.by_day[(ai, p.options[i].day)].append(i)
        self.kind = defaultdict(list)  # (class, lead) -> agents
        for ai, a in enumerate(p.agents):
            self.kind[(p.class_of[ai], a.is_lead)].append(ai)
        self._short = None
        self.deadline = float("inf")  # perf_counter time by which the moves end

    # ------------------------------------------------------------ views

    def shape(self, i: int):
        if i not in self.shapes:
            self.shapes[i] = _shape(self.p.options[i])
        return self.shapes[i]

    def short(self) -> np.ndarray:
        """Unmet requirement per interval [model units]."""
        if self._short is None:
            self._short = _hall_short(self.scoring.req_s, self.scoring.serve, self.on,
                                      self.scoring.by_set)
        return self._short

    def week(self, ai: int) -> dict:
        return {d: self.p.options[i] for d, i in self.assign[ai].items()}

    def holds_meeting(self, ai: int, i: int) -> bool:
        return _holds(self.p.options[i], self.meeting_times.get(ai))

    def objective(self) -> float:
        """Wages, unmet requirement and soft rules (absences do not change here)."""
        sc = self.scoring
        total = float(self.short().sum()) * sc.unit_price
        for ai in range(len(self.p.agents)):
            opts = list(self.week(ai).values())
            total += sc.wages(ai, opts) + sc.soft(ai, opts)
        return total

    # ------------------------------------------------------------ pricing a change

    def price(self, changes: list) -> Priced | None:
        """The change of the objective under ``changes`` (agent, day, option or None,
        breaks or None: placed greedily); None if it breaks a rule."""
        p, sc = self.p, self.scoring
        weeks = self._new_weeks(changes)
        if weeks is None:
            return None
        olds = [(ai, d, self.assign[ai][d]) for ai, d, *_ in changes if d in self.assign[ai]]
        news = [(ai, i, brk) for ai, _d, i, brk in changes if i is not None]
        idx = [self.shape(i)[0] for _, _, i in olds] + [self.shape(i)[0] for _, i, _ in news]
        if not idx:
            return None  # nothing changes
        cols = np.unique(np.concatenate(idx))
        on = self.on[:, cols].copy()
        lead, other = self.lead[cols].copy(), self.other[cols].copy()
        for ai, d, i in olds:
            units = _on_phone_of(p, p.options[i], self.breaks.get((ai, d), []),
                                 self.meeting_times.get(ai))
            self._add(ai, i, cols, on, lead, other, units, -1)
        new_breaks = {}
        for ai, i, brk in news:
            o = p.options[i]
            if brk is None:
                got = _greedy_breaks(sc, o, self.shape(i), p.class_of[ai], cols, on)
                if got is None:
                    return None
                brk = got[1]
            units = _on_phone_of(p, o, brk, self.meeting_times.get(ai))
            self._add(ai, i, cols, on, lead, other, units, +1)
            new_breaks[(ai, o.day)] = list(brk)
        if sc.supervised and (sc.breach(lead, other, cols)
                              > sc.breach(self.lead[cols], self.other[cols], cols) + 1e-9):
            return None
        delta = sc.unmet_change(cols, self.on[:, cols], on)
        for ai, week in weeks.items():
            old, new = list(self.week(ai).values()), list(week.values())
            delta += sc.wages(ai, new) - sc.wages(ai, old) + sc.soft(ai, new) - sc.soft(ai, old)
        return Priced(delta, list(changes), cols, on, lead, other, new_breaks)

    def _new_weeks(self, changes: list) -> dict | None:
        """The changed agents' new weeks; None if one breaks a rule or touches a shift
        that holds the agent's meeting."""
        p = self.p
        weeks = {}
        for ai, d, i, _ in changes:
            week = weeks.setdefault(ai, self.week(ai))
            old = self.assign[ai].get(d)
            if old is not None and self.holds_meeting(ai, old) and old != i:
                return None
            if i is None:
                week.pop(d, None)
                continue
            if i not in self.scoring.cand[ai] or self.holds_meeting(ai, i):
                return None
            week[p.options[i].day] = p.options[i]
        for ai, week in weeks.items():
            if week and not _week_ok(self.p, ai, week):
                return None
            if not week and self.p.contracts[self.p.agents[ai].contract].min_hours_week > 0:
                return None
        return weeks

    def _add(self, ai, i, cols, on, lead, other, units, sign) -> None:
        p = self.p
        pos = {int(t): k for k, t in enumerate(cols)}
        c = p.class_of[ai]
        for t, u in units.items():
            on[c, pos[int(t)]] += sign * u
        tgt = lead if p.agents[ai].is_lead else other
        for t, u in p.options[i].cover:
            tgt[pos[int(t)]] += sign * u

    def apply(self, priced: Priced) -> None:
        """Make the priced change."""
        p = self.p
        self.on[:, priced.cols] = priced.on
        self.lead[priced.cols] = priced.lead
        self.other[priced.cols] = priced.other
        for ai, d, _i, _ in priced.changes:
            if d in self.assign[ai]:
                del self.assign[ai][d]
                self.breaks.pop((ai, d), None)
        for ai, _d, i, _ in priced.changes:
            if i is not None:
                self.assign[ai][p.options[i].day] = i
        self.breaks.update(priced.breaks)
        self._short = None

    def reset_cover(self) -> None:
        """Recompute the on-phone units after a change made outside :meth:`apply`."""
        self.on = _on_phone_units(self.p, self.assign, self.breaks,
                                  self.meeting_times).astype(float)
        self._short = None


# --------------------------------------------------------------------------- moves


class Move:
    """One kind of change: ``propose`` a change (or None), ``delta`` its cost change
    (None if it breaks a rule), ``apply`` it."""

    name = "move"

    def propose(self, state: RosterState, rng: np.random.Generator):
        raise NotImplementedError

    def delta(self, state: RosterState, proposal) -> Priced | None:
        return state.price(proposal)

    def apply(self, state: RosterState, priced) -> None:
        state.apply(priced)


def _unmet_interval(state: RosterState, rng: np.random.Generator) -> int | None:
    """An interval with requirement unmet, drawn by how much is unmet."""
    short = state.short()
    total = short.sum()
    if total <= 0:
        return None
    return int(rng.choice(len(short), p=short / total))


def _starts_covering(state: RosterState, ai: int, d: int, t: int, like=None) -> list[int]:
    """The agent's candidate shifts on day ``d`` that cover interval ``t`` (of the
    template of ``like`` and within ``_SHIFT_MOVE_MIN`` of its start, if given)."""
    p = state.p
    out = []
    for i in state.by_day[(ai, d)]:
        o = p.options[i]
        if like is not None and (o.template is not like.template
                                 or abs(o.start_min - like.start_min) > _SHIFT_MOVE_MIN):
            continue
        if t in state.shape(i)[0]:
            out.append(i)
    return out


def _day_of(state: RosterState, t: int) -> int:
    return (t * state.p.week.step_min) // 1440 % 7


def _not_leads(state: RosterState) -> list[int]:
    return [ai for ai, a in enumerate(state.p.agents) if not a.is_lead]


class ChangeShift(Move):
    """An agent's shift of a day moved to another start of its template (within
    ``_SHIFT_MOVE_MIN``) that covers an interval with requirement unmet."""

    name = "change shift"

    def propose(self, state, rng):
        t = _unmet_interval(state, rng)
        if t is None:
            return None
        d = _day_of(state, t)
        p = state.p
        who = [ai for ai in _not_leads(state) if d in state.assign[ai]]
        if not who:
            return None
        ai = int(rng.choice(who))
        i = state.assign[ai][d]
        starts = [j for j in _starts_covering(state, ai, d, t, p.options[i]) if j != i]
        if not starts:
            return None
        return [(ai, d, int(rng.choice(starts)), None)]


class MoveDayOff(Move):
    """An agent's shift moved from a day it works to a day it has off, onto a start of
    its template that covers an interval with requirement unmet."""

    name = "move day off"

    def propose(self, state, rng):
        t = _unmet_interval(state, rng)
        if t is None:
            return None
        d2 = _day_of(state, t)
        who = [ai for ai in _not_leads(state) if state.assign[ai] and d2 not in state.assign[ai]]
        if not who:
            return None
        ai = int(rng.choice(who))
        d1 = int(rng.choice(sorted(state.assign[ai])))
        o = state.p.options[state.assign[ai][d1]]
        starts = [j for j in _starts_covering(state, ai, d2, t)
                  if state.p.options[j].template is o.template]
        if not starts:
            return None
        return [(ai, d1, None, None), (ai, d2, int(rng.choice(starts)), None)]


class ExchangeDays(Move):
    """Two agents of one skill set and lead status exchange working days: A gives its
    shift of ``d1`` to B and takes B's of ``d2`` (each with its breaks), so the cover
    stays and each week changes (its days off, weekends, evenings, starts)."""

    name = "exchange days"

    def propose(self, state, rng):
        p = state.p
        a = int(rng.integers(len(p.agents)))
        if not state.assign[a]:
            return None
        mates = state.kind[(p.class_of[a], p.agents[a].is_lead)]
        b = int(rng.choice(mates))
        if a == b:
            return None
        d1s = [d for d in state.assign[a] if d not in state.assign[b]]
        d2s = [d for d in state.assign[b] if d not in state.assign[a]]
        if not d1s or not d2s:
            return None
        d1, d2 = int(rng.choice(d1s)), int(rng.choice(d2s))
        ia, ib = state.assign[a][d1], state.assign[b][d2]
        return [(a, d1, None, None), (b, d2, None, None),
                (a, d2, ib, state.breaks.get((b, d2))), (b, d1, ia, state.breaks.get((a, d1)))]


class AddShift(Move):
    """A shift added on a day off of an agent with a day and hours to spare, covering an
    interval with requirement unmet."""

    name = "add shift"

    def propose(self, state, rng):
        t = _unmet_interval(state, rng)
        if t is None:
            return None
        d = _day_of(state, t)
        p = state.p
        who = [ai for ai in _not_leads(state) if d not in state.assign[ai]
               and len(state.assign[ai]) < p.contracts[p.agents[ai].contract].max_days_week]
        if not who:
            return None
        ai = int(rng.choice(who))
        starts = _starts_covering(state, ai, d, t)
        if not starts:
            return None
        return [(ai, d, int(rng.choice(starts)), None)]


class RemoveShift(Move):
    """A shift taken off where the requirement it meets is worth less than its wages
    (the agent's week staying within its contract)."""

    name = "remove shift"

    def propose(self, state, rng):
        who = [ai for ai in _not_leads(state) if state.assign[ai]]
        if not who:
            return None
        ai = int(rng.choice(who))
        d = int(rng.choice(sorted(state.assign[ai])))
        return [(ai, d, None, None)]


# --------------------------------------------------------------------------- scheduler


@dataclass
class MoveStats:
    """What one move has cost and bought: in all, and discounted (each try's weight
    falling by half in every ``Scheduler.half_life_s`` of the moves' time after it)."""

    tries: int = 0
    made: int = 0
    time_s: float = 0.0
    gain: float = 0.0
    recent_gain: float = 0.0
    recent_time_s: float = 0.0
    recent_tries: float = 0.0

    def as_dict(self) -> dict:
        return {"tries": self.tries, "made": self.made, "time_s": round(self.time_s, 3),
                "gain": round(self.gain, 2)}


class Scheduler:
    """Runs moves in turn, giving each a share of the time in proportion to what it
    recently bought per second: its discounted gain over its discounted time, both
    started at a prior (``prior_gain`` over ``prior_s``) so that an untried or unlucky
    move keeps some time, and at least ``floor`` of the time shared evenly.  A move is
    drawn with a chance of its share over its recent time per try, so that a move of a
    millisecond and one of a second get the time their shares say."""

    def __init__(self, moves: list[Move], rng: np.random.Generator, floor: float = 0.05,
                 half_life_s: float = 1.0, prior_gain: float = 1.0, prior_s: float = 0.01):
        self.moves, self.rng, self.floor, self.half_life_s = moves, rng, floor, half_life_s
        self.prior_gain, self.prior_s = prior_gain, prior_s
        self.stats = {m.name: MoveStats() for m in moves}

    def rate(self, move: Move) -> float:
        """The move's recent gain per second [currency/s]."""
        st = self.stats[move.name]
        return (st.recent_gain + self.prior_gain) / (st.recent_time_s + self.prior_s)

    def pick(self) -> Move:
        rates = np.array([self.rate(m) for m in self.moves])
        share = self.floor / len(rates) + (1 - self.floor) * rates / rates.sum()
        per_try = np.array([
            max(1e-4, self.stats[m.name].recent_time_s / self.stats[m.name].recent_tries)
            if self.stats[m.name].recent_tries else 1e-4
            for m in self.moves
        ])
        chance = share / per_try
        return self.moves[int(self.rng.choice(len(self.moves), p=chance / chance.sum()))]

    def step(self, state: RosterState) -> float:
        """One try of one move; the cost it saved."""
        move = self.pick()
        st = self.stats[move.name]
        t0 = time.perf_counter()
        gain = 0.0
        proposal = move.propose(state, self.rng)
        if proposal is not None:
            priced = move.delta(state, proposal)
            if priced is not None and priced.delta < -1e-6:
                move.apply(state, priced)
                gain = -priced.delta
                st.made += 1
        spent = max(time.perf_counter() - t0, 1e-6)
        st.tries += 1
        st.time_s += spent
        st.gain += gain
        keep = 0.5 ** (spent / self.half_life_s)
        for other in self.stats.values():
            other.recent_gain *= keep
            other.recent_time_s *= keep
            other.recent_tries *= keep
        st.recent_gain += gain
        st.recent_time_s += spent
        st.recent_tries += 1
        return gain

    def run(self, state: RosterState, time_budget_s: float, patience_s: float = 1.5) -> float:
        """Moves until the budget is spent, or no move has saved anything for
        ``patience_s``; the cost saved."""
        t0 = time.perf_counter()
        state.deadline = t0 + time_budget_s
        saved, last = 0.0, t0
        while (now := time.perf_counter()) < state.deadline and now - last < patience_s:
            gain = self.step(state)
            if gain > 0:
                saved += gain
                last = time.perf_counter()
        return saved
