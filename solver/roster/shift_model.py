"""Pass 1: the CP-SAT model of every agent's shifts and meetings; each agent's own
small model."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.roster import rules
from solver.roster.meetings import _compatible, _meeting_members, _meeting_slots
from solver.roster.problem import _cents, _fair_shares, _Problem
from solver.roster.scoring import _FLUID_SCALE, _fluid_on, _week_ok


@dataclass
class _Pass1:
    model: cp_model.CpModel
    avs: list
    penalties: list
    cost_terms: list
    meetings: list  # (activity, slots, y vars, members)
    crew: rules.Crew
    lits: dict = field(default_factory=dict)
    brk: dict = field(default_factory=dict)  # (class, option, rule, offset) -> count var
    handles: dict = field(default_factory=dict)


def _count_classes(m: cp_model.CpModel, p: _Problem, crew, groups: dict) -> dict:
    """One count per class and shift of the agents' booleans ``groups[(class, option)]``,
    entered in the crew's coverage; returns the counts by (class, option).  Breaks enter
    as their expected share (every position of each break equally likely); pass 2
    places them exactly."""
    counts = {}
    for (ci, oi), xs in groups.items():
        o = p.options[oi]
        n = counts[(ci, oi)] = m.new_int_var(0, len(xs), f"class {ci} on {o.label}")
        m.add(n == sum(xs))
        for t, u in o.cover:
            crew.sched[ci][t].append((u, n))
        for t, k in _fluid_on(o, crew.scale).items():
            if k:
                crew.on[ci][t].append((k, n))
    return counts


def _build_pass1(p: _Problem, plan: dict[int, int], crew_lits: bool = False) -> _Pass1:
    m = cp_model.CpModel()
    w = p.weights
    crew = p.crew(scale=_FLUID_SCALE)
    avs, penalties, cost_terms = [], [], []
    fair_e, fair_w = _fair_shares(p, plan)
    lits = {}
    brk = {}
    # agents
    groups: dict[tuple[int, int], list] = defaultdict(list)  # (class, option) -> x vars
    for ai, a in enumerate(p.agents):
        c = p.contracts[a.contract]
        opts = [p.options[i] for i in p.cand[ai]]
        av = rules.AgentVars.create(m, a, c, p.week, opts, p.history_of(ai))
        avs.append(av)
        rules.one_shift_per_day(m, av)
        lit = None
        if crew_lits and a.is_lead:
            lit = m.new_bool_var(f"contract rules of lead {a.id}")
            lits[f"contract rules of lead {a.id}"] = lit
        for fn in rules.AGENT_HARD_RULES.values():
            fn(m, av, lit)
        penalties += rules.agent_soft_rules(m, av, w, fair_e[ai], fair_w[ai])
        for o, v in zip(opts, av.x, strict=True):
            cost_terms.append((_cents(p.shift_cost(ai, o)), v))
            groups[(p.class_of[ai], o.index)].append(v)
    _count_classes(m, p, crew, groups)
    # meetings
    meetings = []
    for act in p.activities:
        members = _meeting_members(p, act)
        slots = _meeting_slots(p, act)
        if not members or not slots:
            continue
        pen, y = rules.team_meeting(
            m,
            crew,
            act.name,
            slots,
            [(avs[ai], p.class_of[ai]) for ai in members],
            _compatible,
            w["meeting absence"],
        )
        penalties += pen
        meetings.append((act, slots, y, members))
    pen, handles = rules.coverage(m, crew, w["unmet requirement"])
    penalties += pen
    if any(a.is_lead for a in p.agents) or True:
        lit1 = lit2 = None
        if crew_lits:
            lit1 = lits["lead on shift"] = m.new_bool_var("lead on shift")
            lit2 = lits["lead ratio"] = m.new_bool_var("lead ratio")
        if p.lead_ratio > 0:
            rules.lead_on_shift(m, crew, lit1)
            rules.lead_ratio(m, crew, p.lead_ratio, lit2)
    obj = [(c, v) for c, v in cost_terms]
    for pen_ in penalties:
        obj_coef = _cents(pen_.weight * pen_.per_unit)
        if obj_coef:
            obj.append((obj_coef, pen_.var))
    m.minimize(sum(c * v for c, v in obj))
    return _Pass1(m, avs, penalties, cost_terms, meetings, crew, lits, brk, handles)


def _weeks_kept(p: _Problem, assign: list[dict[int, int]], agents) -> bool:
    """Whether each of ``agents``' weeks in ``assign`` keeps every hard rule of the
    agent (:func:`_week_ok`) with its shifts among its candidates (as pass 1 has them):
    the check a changed roster must pass to be kept.  ``_week_ok`` states the rules of
    :data:`solver.roster.rules.AGENT_HARD_RULES` (the tests compare it with the agent's
    own CP-SAT model)."""
    for ai in agents:
        cand = set(p.cand[ai])
        if any(i not in cand for i in assign[ai].values()):
            return False
        if not _week_ok(p, ai, {d: p.options[i] for d, i in assign[ai].items()}):
            return False
    return True


def _complete_hint(pass1: _Pass1, hint: list[dict[int, int]], num_workers: int,
                   time_limit_s: float = 5.0) -> float | None:
    """Hint every variable of pass 1 from the greedy shifts.

    The shifts alone leave CP-SAT to complete the coverage, penalty and meeting
    variables; a short solve of a copy with the shifts fixed does that, and its full
    solution becomes the hint.  Returns the pass-1 cost of the greedy roster (None if
    the greedy roster breaks a crew rule; then only the shifts are hinted).
    """
    m = pass1.model
    fixed = m.clone()
    for ai, av in enumerate(pass1.avs):
        chosen = set(hint[ai].values())
        for o, v in zip(av.options, av.x, strict=True):
            fixed.add(fixed.get_bool_var_from_proto_index(v.index) == int(o.index in chosen))
    s = cp_model.CpSolver()
    s.parameters.num_workers = int(num_workers)
    s.parameters.max_time_in_seconds = time_limit_s
    st = s.solve(fixed)
    m.clear_hints()
    if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        sol = s.response_proto.solution
        n = len(m.proto.variables)
        m.proto.solution_hint.vars.extend(range(n))
        m.proto.solution_hint.values.extend([sol[i] for i in range(n)])
        return s.objective_value / 100
    for ai, av in enumerate(pass1.avs):
        chosen = set(hint[ai].values())
        for o, v in zip(av.options, av.x, strict=True):
            m.add_hint(v, int(o.index in chosen))
    return None


@dataclass
class _AgentModel:
    model: cp_model.CpModel
    av: rules.AgentVars
    penalty: cp_model.LinearExprT  # soft-rule cost of the agent's week [cents]
    penalties: list = field(default_factory=list)  # its rules.Penalty terms


def _agent_model(
    p: _Problem, ai: int, fair: tuple[int, int], full: bool = True, cap_min: int | None = None
) -> _AgentModel:
    a = p.agents[ai]
    c = p.contracts[a.contract]
    w = p.weights
    opts = [p.options[i] for i in p.cand[ai]]
    m = cp_model.CpModel()
    av = rules.AgentVars.create(m, a, c, p.week, opts, p.history_of(ai))
    rules.one_shift_per_day(m, av)
    for fn in rules.AGENT_HARD_RULES.values():
        fn(m, av)
    pens = []
    pens += rules.preferred_start(m, av, w["preferred start"])
    pens += rules.preferred_days_off(m, av, w["preferred day off"])
    pens += rules.preferred_shifts(m, av, w["preferred shift"])
    if cap_min is not None:
        m.add(av.paid_min() <= cap_min)
    if full:
        pens += rules.start_consistency(m, av, w["start consistency"])
        pens += rules.evening_fairness(m, av, fair[0], w["evening fairness"])
        pens += rules.weekend_fairness(m, av, fair[1], w["weekend fairness"])
        pens += rules.overtime(m, av)
    expr = sum(_cents(pn.weight * pn.per_unit) * pn.var for pn in pens) if pens else 0
    return _AgentModel(m, av, expr, pens)
