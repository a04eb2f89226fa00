"""Moves that solve a small CP-SAT model: breaks placed again in a window, a meeting
moved to another slot, and the large-neighbourhood step that frees a group of agents
on a day and re-solves their shifts and breaks exactly."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from solver.roster import rules
from solver.roster.break_placement import _place_breaks_among
from solver.roster.cpsat import _STATUS
from solver.roster.meetings import _compatible, _holds, _meeting_members, _meeting_slots
from solver.roster.moves import Move, RosterState, _day_of, _unmet_interval
from solver.roster.problem import _cents
from solver.roster.scoring import _on_phone_of

#: Intervals either side of an unmet interval whose shifts' breaks are placed again.
_BREAK_WINDOW = 2
#: Agents freed by one large-neighbourhood step, and how far their shifts may move [min].
_LNS_AGENTS = 6
_LNS_MOVE_MIN = 120


@dataclass
class Replaced:
    """A change of breaks (and meeting times), priced: ready to be made."""

    delta: float
    breaks: dict  # (agent, day) -> breaks
    cols: np.ndarray
    on: np.ndarray  # on-phone units over ``cols`` after the change
    meeting_times: dict | None = None  # agent -> (start, length) or None, if they change


def _left(state: RosterState, time_limit_s: float) -> float:
    """A solve's time: its own limit, within what is left of the moves' budget."""
    return max(0.05, min(time_limit_s, state.deadline - time.perf_counter()))


def _rebreak(state: RosterState, sub: list[dict[int, int]], meeting_times: dict,
             time_limit_s: float, num_workers: int) -> Replaced | None:
    """The breaks of the shifts of ``sub`` placed again by CP-SAT (the others' as they
    are, the meetings at ``meeting_times``), hinted by the breaks as placed; priced."""
    p = state.p
    rest = [{d: i for d, i in days.items() if d not in sub[ai]}
            for ai, days in enumerate(state.assign)]
    hint = {(ai, d, r): sl.offset_min for ai, days in enumerate(sub) for d in days
            for r, sl in enumerate(state.breaks.get((ai, d), []))}
    r, _ = _place_breaks_among(p, sub, rest, state.breaks, meeting_times,
                               _left(state, time_limit_s), num_workers, hint)
    if r.status not in ("OPTIMAL", "FEASIBLE"):
        return None
    touched = sorted({int(t) for days in sub for i in days.values() for t in state.shape(i)[0]})
    cols = np.array(touched, int)
    pos = {t: k for k, t in enumerate(touched)}
    on = state.on[:, cols].copy()
    for ai, days in enumerate(sub):
        c = p.class_of[ai]
        for d, i in days.items():
            o = p.options[i]
            old = _on_phone_of(p, o, state.breaks.get((ai, d), []), state.meeting_times.get(ai))
            new = _on_phone_of(p, o, r.breaks.get((ai, d), []), meeting_times.get(ai))
            for t, u in old.items():
                on[c, pos[int(t)]] -= u
            for t, u in new.items():
                on[c, pos[int(t)]] += u
    delta = state.scoring.unmet_change(cols, state.on[:, cols], on)
    return Replaced(delta, dict(r.breaks), cols, on)


def _apply_replaced(state: RosterState, rp: Replaced) -> None:
    state.breaks.update(rp.breaks)
    state.on[:, rp.cols] = rp.on
    if rp.meeting_times is not None:
        for ai, mt in rp.meeting_times.items():
            if mt is None:
                state.meeting_times.pop(ai, None)
            else:
                state.meeting_times[ai] = mt
    state._short = None


class ReplaceBreaks(Move):
    """The breaks of every shift around an interval with requirement unmet placed again
    exactly (CP-SAT over the intervals those shifts touch)."""

    name = "re-place breaks"

    def __init__(self, time_limit_s: float = 0.5, num_workers: int = 1):
        self.time_limit_s, self.num_workers = time_limit_s, num_workers

    def propose(self, state, rng):
        t = _unmet_interval(state, rng)
        if t is None:
            return None
        T = state.p.week.n_intervals
        window = {(t + k) % T for k in range(-_BREAK_WINDOW, _BREAK_WINDOW + 1)}
        sub = [{d: i for d, i in days.items() if window & set(state.shape(i)[0].tolist())}
               for days in state.assign]
        return sub if any(sub) else None

    def delta(self, state, proposal):
        return _rebreak(state, proposal, state.meeting_times, self.time_limit_s,
                        self.num_workers)

    def apply(self, state, priced):
        _apply_replaced(state, priced)


class MoveMeeting(Move):
    """A meeting moved to another of its slots: its members whose shifts hold the new
    slot attend (the others are absent), and their breaks that day are placed again
    around it (CP-SAT)."""

    name = "move meeting"

    def __init__(self, time_limit_s: float = 1.0, num_workers: int = 1):
        self.time_limit_s, self.num_workers = time_limit_s, num_workers

    def propose(self, state, rng):
        p = state.p
        if not p.activities:
            return None
        act = p.activities[int(rng.integers(len(p.activities)))]
        members = _meeting_members(p, act)
        slots = _meeting_slots(p, act)
        now = {state.meeting_times[ai] for ai in members if ai in state.meeting_times}
        if len(now) != 1 or len(slots) < 2:
            return None
        (sl,) = now
        near = [s for s in slots if s != sl and abs(s[0] - sl[0]) <= 180]
        if not near:
            return None
        return members, near[int(rng.integers(len(near)))]

    def delta(self, state, proposal):
        members, sl = proposal
        p = state.p
        mt, absent0, absent1 = {}, 0, 0
        sub = [{} for _ in p.agents]
        for ai in members:
            absent0 += ai not in state.meeting_times
            hold = [i for i in state.assign[ai].values() if _compatible(p.options[i], *sl)]
            mt[ai] = sl if hold else None
            absent1 += not hold
            for d, i in state.assign[ai].items():
                if _holds(p.options[i], state.meeting_times.get(ai)) or i in hold:
                    sub[ai][d] = i
        times = {**state.meeting_times, **{a: m for a, m in mt.items() if m is not None}}
        for ai, m in mt.items():
            if m is None:
                times.pop(ai, None)
        rp = _rebreak(state, sub, times, self.time_limit_s, self.num_workers)
        if rp is None:
            return None
        rp.delta += (absent1 - absent0) * p.weights["meeting absence"]
        rp.meeting_times = mt
        return rp

    def apply(self, state, priced):
        _apply_replaced(state, priced)


class FreeAndSolve(Move):
    """Large-neighbourhood step: a group of agents (not team leads, not holding a
    meeting that day) is freed on a day with requirement unmet, and their shifts of the
    day (or none) and breaks are solved again exactly by CP-SAT, the rest of the roster
    fixed: wages, the unmet requirement, each agent's soft and hard rules."""

    name = "free and solve"

    def __init__(self, time_limit_s: float = 1.0, num_workers: int = 1):
        self.time_limit_s, self.num_workers = time_limit_s, num_workers

    def propose(self, state, rng):
        t = _unmet_interval(state, rng)
        if t is None:
            return None
        p = state.p
        d = _day_of(state, t)
        t_min = t * p.week.step_min % 1440
        near = []
        for ai, a in enumerate(p.agents):
            if a.is_lead:
                continue
            i = state.assign[ai].get(d)
            if i is None:
                near.append(ai)
            elif not state.holds_meeting(ai, i) and abs(p.options[i].start_min - t_min) <= 360:
                near.append(ai)
        if not near:
            return None
        k = min(_LNS_AGENTS, len(near))
        return d, [int(a) for a in rng.choice(near, size=k, replace=False)]

    def delta(self, state, proposal):
        d, agents = proposal
        model = _FreedModel(state, d, agents)
        changes = model.solve(_left(state, self.time_limit_s), self.num_workers)
        if changes is None:
            return None
        return state.price(changes)


class _FreedModel:
    """The CP-SAT model of :class:`FreeAndSolve`: the freed agents' shifts of day ``d``
    and their breaks, the rest of the roster constant."""

    def __init__(self, state: RosterState, d: int, agents: list[int]):
        self.state, self.d, self.agents = state, d, agents
        p = state.p
        self.m = cp_model.CpModel()
        self.opts = {ai: self._options(ai) for ai in agents}
        cols = sorted({int(t) for ai in agents for i in self.opts[ai] for t in state.shape(i)[0]})
        mask = np.zeros(p.week.n_intervals, bool)
        mask[cols] = True
        self.crew = p.crew(mask)
        self.one = self.m.new_constant(1)
        self.x: dict = {}  # (agent, option) -> var
        self.z: dict = {}  # (agent, option, rule) -> [(slot, var)]
        self.terms: list = []  # (cents, var)
        self._constant_cover(cols)
        for ai in agents:
            self._agent(ai)
        pens, _ = rules.coverage(self.m, self.crew, p.weights["unmet requirement"])
        for pen in pens:
            self.terms.append((_cents(pen.weight * pen.per_unit), pen.var))
        self.m.minimize(sum(c * v for c, v in self.terms if c))

    def _options(self, ai: int) -> list[int]:
        """The agent's candidate shifts of the day: near its shift's start (same
        template), or any when it is off."""
        st, p = self.state, self.state.p
        cur = st.assign[ai].get(self.d)
        if cur is None:
            return list(st.by_day[(ai, self.d)])
        o = p.options[cur]
        return [i for i in st.by_day[(ai, self.d)] if p.options[i].template is o.template
                and abs(p.options[i].start_min - o.start_min) <= _LNS_MOVE_MIN]

    def _constant_cover(self, cols: list[int]) -> None:
        """The on-phone units and shifts of the rest of the roster."""
        st, p = self.state, self.state.p
        on = st.on.copy()
        for ai in self.agents:
            i = st.assign[ai].get(self.d)
            if i is not None:
                units = _on_phone_of(p, p.options[i], st.breaks.get((ai, self.d), []),
                                     st.meeting_times.get(ai))
                for t, u in units.items():
                    on[p.class_of[ai], int(t)] -= u
        for c in range(len(p.classes)):
            for t in cols:
                if on[c, t]:
                    self.crew.on[c][t].append((int(round(on[c, t])), self.one))

    def _agent(self, ai: int) -> None:
        """The agent's week (its other days fixed), its rules and its shifts' breaks."""
        st, p, m = self.state, self.state.p, self.m
        a = p.agents[ai]
        c = p.contracts[a.contract]
        w = p.weights
        fixed = [i for dd, i in st.assign[ai].items() if dd != self.d]
        opts = [p.options[i] for i in fixed + self.opts[ai]]
        av = rules.AgentVars.create(m, a, c, p.week, opts, p.history_of(ai))
        rules.one_shift_per_day(m, av)
        for fn in rules.AGENT_HARD_RULES.values():
            fn(m, av)
        for o, v in zip(av.options, av.x, strict=True):
            if o.index in fixed:
                m.add(v == 1)
            else:
                self._shift(ai, o, v)
            self.terms.append((_cents(p.shift_cost(ai, o)), v))
        sc = st.scoring
        for pen in rules.agent_soft_rules(m, av, w, sc.fair_e[ai], sc.fair_w[ai]):
            self.terms.append((_cents(pen.weight * pen.per_unit), pen.var))
        cur = st.assign[ai].get(self.d)
        for o, v in zip(av.options, av.x, strict=True):
            if o.index not in fixed:
                m.add_hint(v, int(o.index == cur))

    def _shift(self, ai: int, o, x) -> None:
        """A freed shift: its cover, and its breaks in order with their gaps when on."""
        st, p, m = self.state, self.state.p, self.m
        ci = p.class_of[ai]
        self.x[(ai, o.index)] = x
        for t, u in o.cover:
            self.crew.on[ci][t].append((u, x))
        cur = st.assign[ai].get(self.d)
        placed = {r: sl.offset_min for r, sl in enumerate(st.breaks.get((ai, self.d), []))}
        prev = None
        for r, slots in enumerate(o.breaks):
            vs = [m.new_bool_var(f"a{ai} o{o.index} r{r} +{s.offset_min}") for s in slots]
            m.add(sum(vs) == x)
            self.z[(ai, o.index, r)] = list(zip(slots, vs, strict=True))
            for s, v in zip(slots, vs, strict=True):
                for t, u in s.cover:
                    self.crew.off[ci][t].append((u, v))
                m.add_hint(v, int(o.index == cur and placed.get(r) == s.offset_min))
            start = cp_model.LinearExpr.weighted_sum(vs, [s.offset_min for s in slots])
            rule = o.template.breaks[r]
            if prev is not None:
                m.add(start >= prev[0] + prev[1] + rule.min_gap_min).only_enforce_if(x)
            elif rule.min_gap_min:
                m.add(start >= rule.min_gap_min).only_enforce_if(x)
            prev = (start, rule.length_min)

    def solve(self, time_limit_s: float, num_workers: int) -> list | None:
        """The freed agents' shifts of the day with their breaks, as changes for
        :meth:`RosterState.price`; None if no solution was found."""
        s = cp_model.CpSolver()
        s.parameters.max_time_in_seconds = time_limit_s
        s.parameters.num_workers = num_workers
        if _STATUS.get(s.solve(self.m)) not in ("OPTIMAL", "FEASIBLE"):
            return None
        p, changes = self.state.p, []
        for ai in self.agents:
            chosen = None
            for i in self.opts[ai]:
                v = self.x.get((ai, i))
                if v is not None and s.value(v):
                    chosen = i
            if chosen is None:
                changes.append((ai, self.d, None, None))
                continue
            brk = [sl for r in range(len(p.options[chosen].breaks))
                   for sl, v in self.z[(ai, chosen, r)] if s.value(v)]
            changes.append((ai, self.d, chosen, brk))
        return changes
