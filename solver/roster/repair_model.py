"""The CP-SAT of a repair, over every agent or over a group of them at a time.

:class:`_RepairModel` states the free agent-days of a repair: for each agent it models,
its published shift of each free day, a day off or another candidate shift, with every
hard rule of its week (the fixed days included), the soft rules of the week as
:class:`~solver.roster.scoring.Scoring` prices them, coverage of the free days'
requirement (breaks at their expected share), wages, a price per changed agent-day and
at most the budget of changed days.  The agents it does not model keep the shifts of the
roster it starts from and enter coverage and the lead rules as constants.

On a large roster :func:`_repair_lns` solves it a group of agents at a time (a large
neighbourhood search): each round frees the agents of one group, hinted with the
current roster, and keeps what the solve finds when it costs no more.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import numpy as np
from ortools.sat.python import cp_model

from solver.roster import rules
from solver.roster.cpsat import _solve
from solver.roster.problem import _cents, _Problem
from solver.roster.scoring import _FLUID_SCALE, Scoring, _fluid_on
from solver.roster.shift_model import _count_classes

#: Agents freed together in one round of the search (the whole roster below this).
GROUP_SIZE = 80
#: Least time of one round [s].
_ROUND_MIN_S = 0.8


def _agent_options(p: _Problem, pub, ai: int, absent: dict, free: set) -> tuple:
    """(fixed option indices, free candidate indices) of one agent, ``free`` its days
    that may change."""
    fixed = [i for d, i in pub.assign[ai].items() if d not in free]
    cand = {i for i in p.cand[ai] if p.options[i].day in free and (ai, p.options[i].day) not in absent}
    for d, i in pub.assign[ai].items():
        if d in free and (ai, d) not in absent and i in p.allowed[ai]:
            cand.add(i)
    return fixed, sorted(cand)


def _changed_days(pub, absent, free_of, assign, who) -> int:
    """Agent-days of the agents ``who`` whose shift differs from the published one."""
    return sum(assign[ai].get(d) != pub.assign[ai].get(d)
               for ai in who for d in free_of[ai] if (ai, d) not in absent)


class _RepairModel:
    """The CP-SAT of the free agent-days: keep, drop or change each agent's day.

    ``free_of`` gives each agent's days that may change; ``who`` the agents modelled
    (by default all), the others keep their shifts of ``start``."""

    def __init__(self, p, pub, absent, free_of, contracts_now, pricing, start, who=None):
        self.p, self.m = p, cp_model.CpModel()
        self.changed: list = []
        self.vars: list[list[tuple[int, cp_model.IntVar]]] = []
        self.who = list(range(len(p.agents))) if who is None else sorted(who)
        days = set().union(*free_of) if free_of else set()
        mask = np.zeros(p.week.n_intervals, bool)
        mask[[t for t in range(p.week.n_intervals) if (t * p.week.step_min) // 1440 in days]] = True
        crew = p.crew(mask, scale=_FLUID_SCALE)
        groups: dict = defaultdict(list)
        cost, self.fixed_cost = [], 0.0
        for ai in self.who:
            cost += self._agent(ai, pub, absent, free_of[ai], contracts_now[ai], pricing,
                                start[ai], groups)
        if pricing.max_changes is not None:
            others = set(range(len(p.agents))) - set(self.who)
            left = pricing.max_changes - _changed_days(pub, absent, free_of, start, others)
            self.m.add(sum(v for _, v in self.changed) <= max(0, left))
        self._crew(crew, groups)
        self._constants(crew, start)
        pen, _ = rules.coverage(self.m, crew, p.weights["unmet requirement"])
        if p.lead_ratio > 0:
            rules.lead_on_shift(self.m, crew)
            rules.lead_ratio(self.m, crew, p.lead_ratio)
        obj = cost + [(_cents(x.weight * x.per_unit), x.var) for x in pen]
        self.m.minimize(sum(c * v for c, v in obj))

    def _agent(self, ai, pub, absent, free, contract, pricing, hinted, groups) -> list:
        """One agent's variables, rules and cost terms, hinted with its week ``hinted``."""
        p = self.p
        fixed, cand = _agent_options(p, pub, ai, absent, free)
        opts = [p.options[i] for i in fixed + cand]
        av = rules.AgentVars.create(self.m, p.agents[ai], contract, p.week, opts, p.history_of(ai))
        rules.one_shift_per_day(self.m, av)
        for rule in rules.AGENT_HARD_RULES.values():
            rule(self.m, av)
        cost = []
        for k, (o, v) in enumerate(zip(opts, av.x, strict=True)):
            if k < len(fixed):
                self.m.add(v == 1)
                self.fixed_cost += p.shift_cost(ai, o)
            else:
                cost.append((_cents(p.shift_cost(ai, o)), v))
            self.m.add_hint(v, int(hinted.get(o.day) == o.index))
            groups[(p.class_of[ai], o.index)].append((v, int(hinted.get(o.day) == o.index)))
        for d, w in enumerate(av.work):
            self.m.add_hint(w, int(d in hinted))
        self.vars.append(list(zip((o.index for o in opts), av.x, strict=True)))
        cost += self._change_terms(ai, av, opts, pub, free, absent, pricing.price, hinted)
        return cost + self._soft_terms(ai, av, pricing.scoring, bool(cand))

    def _change_terms(self, ai, av, opts, pub, free, absent, price, hinted) -> list:
        """A price for each free day whose shift is not the published one."""
        terms = []
        for d in sorted(free):
            if (ai, d) in absent:
                continue
            old = pub.assign[ai].get(d)
            changed = self.m.new_bool_var(f"{self.p.agents[ai].id} day {d} changed")
            self.m.add_hint(changed, int(hinted.get(d) != pub.assign[ai].get(d)))
            keep = [v for o, v in zip(opts, av.x, strict=True) if o.index == old]
            if old is None:
                self.m.add(changed >= av.work[d])
            else:
                self.m.add(changed >= 1 - keep[0]) if keep else self.m.add(changed == 1)
            terms.append((_cents(price), changed))
            self.changed.append(((ai, d), changed))
        return terms

    def _soft_terms(self, ai, av, scoring: Scoring, free: bool) -> list:
        """The soft rules of the agent's week, as pass 1 states them, at the fair shares
        of ``scoring``; an agent with nothing free pays its week's, a constant."""
        if not free:
            self.fixed_cost += scoring.soft(ai, av.options)
            return []
        pens = rules.agent_soft_rules(self.m, av, self.p.weights, scoring.fair_e[ai],
                                      scoring.fair_w[ai])
        return [(_cents(pn.weight * pn.per_unit), pn.var) for pn in pens]

    def _crew(self, crew, groups) -> None:
        counts = _count_classes(self.m, self.p, crew,
                                {key: [v for v, _ in xs] for key, xs in groups.items()})
        for key, n in counts.items():
            self.m.add_hint(n, sum(h for _, h in groups[key]))

    def _constants(self, crew, start) -> None:
        """The shifts of the agents not modelled, as constants of coverage and the lead
        rules."""
        p = self.p
        mine = set(self.who)
        fixed = Counter((p.class_of[ai], i) for ai, days in enumerate(start) if ai not in mine
                        for i in days.values())
        if not fixed:
            return
        one = self.m.new_constant(1)
        for (ci, oi), n in fixed.items():
            o = p.options[oi]
            for t, u in o.cover:
                crew.sched[ci][t].append((u * n, one))
            for t, k in _fluid_on(o, crew.scale).items():
                if k:
                    crew.on[ci][t].append((k * n, one))

    def assignment(self, s: cp_model.CpSolver, start=None) -> list[dict[int, int]]:
        """The roster of the solve: the modelled agents' shifts, the others' of ``start``."""
        out = [dict(d) for d in start] if start is not None else [{} for _ in self.p.agents]
        for ai, xs in zip(self.who, self.vars, strict=True):
            out[ai] = {self.p.options[i].day: i for i, v in xs if s.value(v)}
        return out


def _complete_hint(m: cp_model.CpModel, time_limit_s: float, num_workers: int) -> float | None:
    """Solve with the hinted shifts fixed, which is quick and gives a whole solution, and
    hint every variable with it; its objective (None if none was found in the time).

    CP-SAT does not turn a hint of the shift variables alone into a first solution on
    these models in the time a repair has; a complete hint it takes at once.
    """
    first = cp_model.CpSolver()
    first.parameters.fix_variables_to_their_hinted_value = True
    first.parameters.max_time_in_seconds = max(0.2, float(time_limit_s))
    first.parameters.num_workers = int(num_workers)
    first.parameters.cp_model_probing_level = 0
    if first.solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    m.clear_hints()
    m.proto.solution_hint.vars.extend(range(len(m.proto.variables)))
    m.proto.solution_hint.values.extend(first.response_proto.solution)
    return first.objective_value


def _solve_from_published(m: cp_model.CpModel, time_limit_s: float, num_workers: int):
    """Solve from the published roster: a complete hint first (:func:`_complete_hint`),
    then the whole model hinted with it."""
    t0 = time.perf_counter()
    _complete_hint(m, 0.25 * time_limit_s, num_workers)
    return _solve(m, time_limit_s - (time.perf_counter() - t0), num_workers)


def _solve_round(m: cp_model.CpModel, time_limit_s: float, num_workers: int):
    """One round of the search: (solver, status, objective of the hint or None)."""
    t0 = time.perf_counter()
    hint = _complete_hint(m, 0.3 * time_limit_s, num_workers)
    s, st = _solve(m, time_limit_s - (time.perf_counter() - t0), num_workers)
    return s, st, hint


def _groups(n: int, size: int, rng: np.random.Generator) -> list[list[int]]:
    """The agents in random groups of about ``size`` (every agent in one)."""
    order = rng.permutation(n)
    k = max(1, round(n / size))
    return [sorted(int(a) for a in g) for g in np.array_split(order, k)]


def _repair_lns(p, pub, absent, free_of, contracts_now, pricing, start, time_limit_s,
                num_workers, rng=0) -> tuple[list, dict]:
    """The roster ``start`` improved a group of agents at a time within ``time_limit_s``.

    Each round frees one group (the others fixed as they stand), hints it with the
    current roster and keeps the solve's roster when its cost is no higher than the
    hint's.  Returns the roster and the search's figures (rounds, rounds that improved,
    rounds without a solution).
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(rng)
    assign = [dict(d) for d in start]
    stats = {"rounds": 0, "improved": 0, "unsolved": 0}
    todo: list[list[int]] = []
    while time.perf_counter() - t0 + _ROUND_MIN_S < time_limit_s:
        if not todo:
            todo = _groups(len(p.agents), GROUP_SIZE, rng)
        who = todo.pop()
        model = _RepairModel(p, pub, absent, free_of, contracts_now, pricing, assign, who)
        left = time_limit_s - (time.perf_counter() - t0)
        s, st, hint = _solve_round(model.m, max(0.2, min(left, max(_ROUND_MIN_S,
                                                                   0.15 * time_limit_s))),
                                   num_workers)
        stats["rounds"] += 1
        if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            stats["unsolved"] += 1
            continue
        if hint is None or s.objective_value < hint - 0.5:
            stats["improved"] += 1
        if hint is None or s.objective_value <= hint + 0.5:
            assign = model.assignment(s, assign)
    return assign, stats
