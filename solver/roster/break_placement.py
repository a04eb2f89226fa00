"""Pass 2: placing breaks (and keeping them clear of meetings) on fixed shifts."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from solver.roster import rules
from solver.roster.cpsat import _STATUS, _solve
from solver.roster.data import ShiftOption, breaks_avoiding
from solver.roster.meetings import _holds
from solver.roster.problem import _cents, _Problem
from solver.roster.scoring import _hall_sets, _hall_unmet, _on_phone_units, _serve


@dataclass
class _Pass2:
    breaks: dict  # (agent, day) -> list of (BreakSlot)
    short_units: dict  # (queue index, t) -> units
    served: np.ndarray  # (Q, T) units served
    status: str
    wall_s: float


def _place_breaks(
    p: _Problem,
    assign: list[dict[int, int]],
    meeting_times: dict[int, tuple[int, int]],
    time_limit_s: float,
    num_workers: int,
    hint: dict | None = None,
    const_on: np.ndarray | None = None,
    intervals: np.ndarray | None = None,
) -> _Pass2:
    """Pass 2: place every agent's breaks given the shifts (and meetings attended).

    ``const_on`` (classes x intervals) adds on-phone units of shifts whose breaks are
    already placed (:func:`_place_breaks_by_day`); ``intervals`` (bool mask) limits the
    modelled requirement to the intervals these shifts touch.
    """
    t0 = time.perf_counter()
    bm = _BreakModel(p, intervals)
    for ai, days in enumerate(assign):
        for d, oi in days.items():
            bm.add_shift(ai, d, p.options[oi], meeting_times.get(ai), hint)
    bm.add_constants(const_on)
    s, st = _solve(bm.model, time_limit_s, num_workers)
    status = _STATUS.get(st, "NO_SOLUTION")
    placed = {}
    if status in ("OPTIMAL", "FEASIBLE"):
        for (ai, d, _r), lst in bm.z.items():
            for slot, v in lst:
                if s.value(v):
                    placed.setdefault((ai, d), []).append(slot)
    else:  # keep the earliest legal placement and measure its coverage
        placed = bm.fallback
    on = _on_phone_units(p, assign, placed, meeting_times)
    served, short = _serve(p, on)
    return _Pass2(placed, short, served, status, time.perf_counter() - t0)


class _BreakModel:
    """The CP-SAT model of pass 2: one boolean per break position of each shift, in
    order with their gaps and clear of the agent's meeting; the unmet requirement
    priced, ties going to the positions of least total requirement."""

    def __init__(self, p: _Problem, intervals: np.ndarray | None = None):
        self.p = p
        self.model = cp_model.CpModel()
        self.crew = p.crew(intervals)
        self.one = self.model.new_constant(1)
        self.sched = [defaultdict(int) for _ in p.classes]
        self.off_const = [defaultdict(int) for _ in p.classes]
        self.z: dict = {}  # (ai, day, r) -> list of (slot, var)
        self.tie: list = []
        self.total_req = p.total_units()
        self.fallback: dict = {}  # (ai, day) -> the earliest legal breaks

    def add_shift(self, ai: int, d: int, o: ShiftOption, mt, hint: dict | None) -> None:
        """The break variables of agent ``ai``'s shift ``o`` on day ``d``."""
        p, m = self.p, self.model
        ci = p.class_of[ai]
        for t, u in o.cover:
            self.sched[ci][t] += u
        busy = []
        if _holds(o, mt):
            busy = [(mt[0], mt[0] + mt[1])]
            for t, u in p.week.cover(mt[0], mt[1]):
                self.off_const[ci][t] += u
        first = breaks_avoiding(o, busy)
        if first is None:  # cannot happen for meetings placed in pass 1
            first = breaks_avoiding(o, [])
            busy = []
        self.fallback[(ai, d)] = list(first)
        starts = []
        for r, slots in enumerate(o.breaks):
            ok = [
                s
                for s in slots
                if not any(
                    o.abs_start + s.offset_min < be
                    and bs < o.abs_start + s.offset_min + s.length_min
                    for bs, be in busy
                )
            ]
            vs = [m.new_bool_var(f"{p.agents[ai].id} d{d} {s.name}+{s.offset_min}") for s in ok]
            m.add_exactly_one(vs)
            self.z[(ai, d, r)] = list(zip(ok, vs, strict=True))
            for s, v in zip(ok, vs, strict=True):
                for t, u in s.cover:
                    self.crew.off[ci][t].append((u, v))
                    self.tie.append((int(self.total_req[t]) * u, v))
            start = cp_model.LinearExpr.weighted_sum(vs, [s.offset_min for s in ok])
            length = o.template.breaks[r].length_min
            gap = o.template.breaks[r].min_gap_min
            if starts:
                m.add(start >= starts[-1][0] + starts[-1][1] + gap)
            elif gap:
                m.add(start >= gap)
            starts.append((start, length))
            if hint is not None:
                for s, v in zip(ok, vs, strict=True):
                    m.add_hint(v, int(s.offset_min == hint.get((ai, d, r), -1)))

    def add_constants(self, const_on: np.ndarray | None) -> None:
        """The shifts' own cover, the meetings, the on-phone units held constant, and
        the objective."""
        crew, one = self.crew, self.one
        for ci in range(len(self.p.classes)):
            for t, u in self.sched[ci].items():
                crew.sched[ci][t].append((u, one))
                crew.on[ci][t].append((u, one))
            for t, u in self.off_const[ci].items():
                crew.off[ci][t].append((u, one))
            if const_on is not None:
                for t in np.flatnonzero(const_on[ci]):
                    crew.on[ci][int(t)].append((int(const_on[ci, t]), one))
        pen, _ = rules.coverage(self.model, crew, self.p.weights["unmet requirement"])
        obj = []
        for pen_ in pen:
            obj.append(_cents(pen_.weight * pen_.per_unit) * pen_.var)
        self.model.minimize(sum(obj) + sum(c * v for c, v in self.tie))


def _earliest_breaks(o: ShiftOption, mt: tuple[int, int] | None) -> list:
    """The shift's earliest legal breaks, clear of its agent's meeting if it holds it."""
    busy = [(mt[0], mt[0] + mt[1])] if _holds(o, mt) else []
    return list(breaks_avoiding(o, busy) or breaks_avoiding(o, []) or ())


def _place_breaks_among(
    p: _Problem,
    sub: list[dict[int, int]],
    rest: list[dict[int, int]],
    breaks: dict,
    meeting_times: dict[int, tuple[int, int]],
    time_limit_s: float,
    num_workers: int,
    hint: dict | None = None,
) -> tuple[_Pass2, np.ndarray]:
    """Pass 2 for the shifts of ``sub`` alone, those of ``rest`` on the phones with
    their breaks as ``breaks`` has them, over the intervals ``sub``'s shifts touch.
    Returns the solve and the on-phone units of ``rest`` (classes x intervals)."""
    const = _on_phone_units(p, rest, breaks, meeting_times)
    touched = np.zeros(p.week.n_intervals, bool)
    for days in sub:
        for i in days.values():
            touched[[t for t, _ in p.options[i].cover]] = True
    r = _place_breaks(p, sub, meeting_times, time_limit_s, num_workers, hint, const_on=const,
                      intervals=touched)
    return r, const


def _place_breaks_by_day(
    p: _Problem,
    assign: list[dict[int, int]],
    meeting_times: dict[int, tuple[int, int]],
    time_limit_s: float,
    num_workers: int,
) -> _Pass2:
    """Pass 2 one day at a time: the breaks of the shifts starting on each day, with
    the other days' shifts on the phones as placed so far (first at their earliest
    legal breaks), each day's share of the time in proportion to its shifts.  Rounds
    repeat, from the placement so far, while time is left and some day's solve
    stopped short of its optimum."""
    t0 = time.perf_counter()
    placed = {}
    for ai, days in enumerate(assign):
        for d, oi in days.items():
            placed[(ai, d)] = _earliest_breaks(p.options[oi], meeting_times.get(ai))
    n_day = [sum(1 for days in assign if d in days) for d in range(7)]
    overhead = 0.0  # model building of the day before [s]
    todo = sorted((d for d in range(7) if n_day[d]), key=lambda d: -n_day[d])
    req_s, serve = _hall_sets(p)

    on = _on_phone_units(p, assign, placed, meeting_times)
    best = _hall_unmet(req_s, serve, on, bool(p.sets))
    rounds, solved = 0, set()
    while True:
        statuses = []
        for k, d in enumerate(todo):
            left = time_limit_s - (time.perf_counter() - t0)
            if rounds and left < overhead + 0.5:
                break  # a later round stops where the time does
            if left < overhead + 0.05:
                break  # out of time: the days left keep their earliest legal breaks
            share = n_day[d] / sum(n_day[dd] for dd in todo[k:])
            sub = [{d: days[d]} if d in days else {} for days in assign]
            rest = [{dd: i for dd, i in days.items() if dd != d} for days in assign]
            hint = None
            if rounds:  # later rounds start from the placement so far
                hint = {
                    (ai, d, r): sl.offset_min
                    for ai, days in enumerate(sub)
                    if d in days
                    for r, sl in enumerate(placed[(ai, d)])
                }
            tl = max(0.1, share * left - overhead)
            r, const = _place_breaks_among(p, sub, rest, placed, meeting_times, tl, num_workers,
                                           hint)
            overhead = max(0.0, r.wall_s - tl)
            statuses.append(r.status)
            if r.status in ("OPTIMAL", "FEASIBLE"):
                # kept only if no worse (a short solve may miss the hinted placement)
                trial_on = const + _on_phone_units(p, sub, r.breaks, meeting_times)
                new = _hall_unmet(req_s, serve, trial_on, bool(p.sets))
                if not rounds or new <= best:
                    placed, best, on = {**placed, **r.breaks}, new, trial_on
                solved.add(d)
        rounds += 1
        # another round while some day stopped short of its optimum and time is left
        # (days couple only through shifts across midnight)
        if all(s == "OPTIMAL" for s in statuses):
            break
        if time_limit_s - (time.perf_counter() - t0) < 3.0 + overhead:
            break
    served, short = _serve(p, on)
    status = "FEASIBLE" if solved == set(todo) else "NO_SOLUTION"
    return _Pass2(placed, short, served, status, time.perf_counter() - t0)


def _place_new_breaks(
    p: _Problem,
    assign: list[dict[int, int]],
    more: list[dict[int, int]],
    placed: _Pass2,
    meeting_times: dict[int, tuple[int, int]],
    time_limit_s: float,
    num_workers: int,
    guess: dict | None = None,
) -> _Pass2:
    """The breaks of the shifts that ``more`` adds to ``assign`` or puts in place of
    one, the others' breaks as ``guess`` has them (else as ``placed``): one small
    CP-SAT over the intervals the new shifts touch, hinted by (and kept only if no
    worse than) the new shifts' breaks in ``guess`` (else the earliest legal ones)."""
    new = [
        {d: i for d, i in mine.items() if old.get(d) != i}
        for old, mine in zip(assign, more, strict=True)
    ]
    kept = [
        {d: i for d, i in mine.items() if old.get(d) == i}
        for old, mine in zip(assign, more, strict=True)
    ]
    base = guess or placed.breaks
    start = {
        (ai, d): (guess or {}).get((ai, d))
        or _earliest_breaks(p.options[i], meeting_times.get(ai))
        for ai, days in enumerate(new)
        for d, i in days.items()
    }
    hint = {(ai, d, r): sl.offset_min for (ai, d), sls in start.items() for r, sl in enumerate(sls)}
    breaks = {(ai, d): base[(ai, d)] for ai, days in enumerate(kept) for d in days
              if (ai, d) in base}
    if not start:  # only breaks moved
        served, short = _serve(p, _on_phone_units(p, more, breaks, meeting_times))
        return _Pass2(breaks, short, served, placed.status, placed.wall_s)
    r, const = _place_breaks_among(p, new, kept, base, meeting_times, time_limit_s, num_workers,
                                   hint)
    req_s, serve = _hall_sets(p)

    def unmet(brk):
        return _hall_unmet(req_s, serve, const + _on_phone_units(p, new, brk, meeting_times),
                           bool(p.sets))

    if r.status in ("OPTIMAL", "FEASIBLE") and unmet(r.breaks) <= unmet(start):
        breaks.update(r.breaks)
    else:
        breaks.update(start)
    served, short = _serve(p, _on_phone_units(p, more, breaks, meeting_times))
    return _Pass2(breaks, short, served, placed.status, placed.wall_s + r.wall_s)
