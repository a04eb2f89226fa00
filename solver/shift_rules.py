"""The rules of the shift-planning model, one function each (OR-Tools MathOpt).

Each ``add_*`` function adds one rule's variables and constraints to the model and
returns its cost or penalty terms as a ``{variable: coefficient}`` mapping (summed
into the objective by the caller).  Variables carry readable names:
``x[early 8h|Mon|06:15]`` agents starting that shift, ``b[...|lunch|+3:30|45]``
agents of that shift taking their lunch 3 h 30 after the start for 45 min,
``short[Tue 10:15]`` agents missing in a slot.

The break formulation is Aykin's (1996) implicit one: instead of one column per
shift × break placement (set covering, Dantzig 1954), integer counts ``b`` of agents
of a shift taking each break at each start link to the shift count ``x`` by
``sum b = x``; on-phone agents in a slot are ``sum x (covering) - sum b (covering)``.
The order of breaks and their minimum gaps hold agent by agent thanks to the
"forward" counting constraints of :func:`add_break_order`.

References
----------
Aykin, T. (1996). Optimal shift scheduling with multiple break windows.
Management Science 42(4), 591-602. https://doi.org/10.1287/mnsc.42.4.591
Bechtold, S. E., & Jacobs, L. W. (1990). Implicit modeling of flexible break
assignments in optimal shift scheduling. Management Science 36(11), 1339-1351.
https://doi.org/10.1287/mnsc.36.11.1339
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.math_opt.python import mathopt

from solver.shift_grid import BreakOption, Candidates, Demand
from wfm.types import WEEKDAYS

__all__ = [
    "PlanModel",
    "add_shift_counts",
    "add_template_max_count",
    "add_breaks",
    "add_break_order",
    "add_coverage",
    "add_on_phone",
    "add_service_curves",
    "add_service_target",
    "add_occupancy_floor",
    "add_queue_floor",
    "add_budget",
    "add_break_placement_preference",
    "group_on_phone_terms",
    "add_group_shares",
    "allocation_model",
]

Terms = dict  # {mathopt.Variable: float}


@dataclass
class PlanModel:
    """The model under construction and the handles the rules share."""

    model: mathopt.Model
    demand: Demand
    cand: Candidates
    integer_slack: bool = False
    integer_breaks: bool = True
    x: list = field(default_factory=list)
    #: (shift index, BreakOption, variable) for every break placement
    b: list = field(default_factory=list)
    #: slot -> list of (variable, +1/-1): on-phone agents in the slot
    on_phone_terms: dict = field(default_factory=lambda: defaultdict(list))
    on_phone: dict = field(default_factory=dict)
    answered: dict = field(default_factory=dict)
    #: rule name -> {subject: variable} of the slack variables, for the penalties frame
    slacks: dict = field(default_factory=lambda: defaultdict(dict))

    def slot_label(self, t: int) -> str:
        ts = self.demand.week_start + np.timedelta64(int(t * self.demand.slot_min), "m")
        return f"{WEEKDAYS[ts.weekday()]} {ts:%H:%M}"

    def shift_label(self, s: int) -> str:
        c = self.cand
        tpl = c.templates[c.template[s]]
        minute = int(c.start[s] * self.demand.slot_min - c.day[s] * 1440)
        wd = WEEKDAYS[(self.demand.week_start.weekday() + int(c.day[s])) % 7]
        return f"{tpl.name}|{wd}|{_hhmm(minute)}"

    def week_label(self) -> str:
        """Label of the whole week (of one queue set in a skill-group plan)."""
        return "week"

    def slack(self, ub: float, name: str):
        if self.integer_slack:
            return self.model.add_integer_variable(lb=0, ub=math.ceil(ub), name=name)
        return self.model.add_variable(lb=0, ub=ub, name=name)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _constraint(model, terms, *, lb=-math.inf, ub=math.inf, name=""):
    con = model.add_linear_constraint(lb=lb, ub=ub, name=name)
    for var, coef in terms:
        con.set_coefficient(var, coef)
    return con


def add_shift_counts(pm: PlanModel, ub: int) -> Terms:
    """Integer agents ``x[s]`` starting each candidate shift; returns their cost.

    The cost of a shift counts every minute at the template's hourly cost with its
    night (22:00-06:00) and weekend premiums; unpaid breaks give theirs back in
    :func:`add_breaks`.
    """
    c = pm.cand
    n = pm.demand.n_slots
    cost = {}
    for s in range(len(c)):
        tpl = c.templates[c.template[s]]
        upper = ub if tpl.max_count is None else min(ub, tpl.max_count)
        var = pm.model.add_integer_variable(lb=0, ub=upper, name=f"x[{pm.shift_label(s)}]")
        pm.x.append(var)
        cost[var] = float(c.cost[s])
        for t in c.slots(s, n):
            pm.on_phone_terms[int(t)].append((var, 1.0))
    return cost


def add_template_max_count(pm: PlanModel) -> Terms:
    """At most ``max_count`` shifts of a template in the week (hard)."""
    c = pm.cand
    for ti, tpl in enumerate(c.templates):
        if tpl.max_count is None:
            continue
        members = [pm.x[s] for s in np.flatnonzero(c.template == ti)]
        if members:
            _constraint(pm.model, [(v, 1.0) for v in members], ub=tpl.max_count,
                        name=f"max_count[{tpl.name}]")
    return {}


def add_breaks(pm: PlanModel) -> Terms:
    """Every agent of a shift takes each of its template's breaks exactly once.

    ``sum over placements b[s, k, start, length] = x[s]`` for each shift ``s`` and
    break ``k``; an agent on break is off the phones during the break's slots.
    Returns the cost given back by unpaid break minutes (negative terms).
    """
    c = pm.cand
    n = pm.demand.n_slots
    slot = pm.demand.slot_min
    saving = {}
    for s in range(len(c)):
        ti = int(c.template[s])
        tpl = c.templates[ti]
        for k, opts in enumerate(c.options[ti]):
            rule = tpl.breaks[k]
            group = []
            for opt in opts:
                name = (f"b[{pm.shift_label(s)}|{k + 1}.{rule.name}|+{_hhmm(opt.offset * slot)}|"
                        f"{opt.length * slot}]")
                var = (pm.model.add_integer_variable if pm.integer_breaks else pm.model.add_variable)(
                    lb=0, ub=pm.x[s].upper_bound, name=name)
                pm.b.append((s, opt, var))
                group.append(var)
                covered = (c.start[s] + opt.offset + np.arange(opt.length)) % n
                for t in covered:
                    pm.on_phone_terms[int(t)].append((var, -1.0))
                if not rule.paid:
                    saving[var] = -float(c.slot_cost[ti][covered].sum())
            _constraint(pm.model, [(v, 1.0) for v in group] + [(pm.x[s], -1.0)], lb=0, ub=0,
                        name=f"take[{pm.shift_label(s)}|{k + 1}.{rule.name}]")
    return saving


def add_break_order(pm: PlanModel) -> Terms:
    """Breaks in template order, each ``min_gap_min`` after the end of the previous one.

    With counts instead of agents, an agent-by-agent assignment exists if and only if,
    for every start ``v`` of break ``k+1``, the agents starting it at or before ``v``
    are no more than those whose break ``k`` ends (plus the gap) at or before ``v``
    (match the i-th earliest of one with the i-th earliest of the other).
    """
    c = pm.cand
    slot = pm.demand.slot_min
    by_shift = defaultdict(lambda: defaultdict(list))
    for s, opt, var in pm.b:
        by_shift[s][opt.rule].append((opt, var))
    for s, rules in by_shift.items():
        tpl = c.templates[c.template[s]]
        for k in range(1, len(tpl.breaks)):
            gap = math.ceil(tpl.breaks[k].min_gap_min / slot)
            prev = [(o.offset + o.length + gap, v) for o, v in rules[k - 1]]
            latest_ready = max(e for e, _ in prev)
            nxt = sorted(rules[k], key=lambda ov: ov[0].offset)
            for v_start in sorted({o.offset for o, _ in nxt}):
                if v_start >= latest_ready:
                    break  # every agent is ready: the constraint cannot bind
                lhs = [(v, 1.0) for o, v in nxt if o.offset <= v_start]
                rhs = [(v, -1.0) for e, v in prev if e <= v_start]
                _constraint(pm.model, lhs + rhs, ub=0,
                            name=f"order[{pm.shift_label(s)}|{k + 1}.{tpl.breaks[k].name}|{v_start}]")
    return {}


def add_coverage(pm: PlanModel, need: np.ndarray, penalty_per_slot: float) -> Terms:
    """On-phone agents (scheduled minus on break) cover ``need`` in every slot.

    A slack ``short[slot]`` at ``penalty_per_slot`` per agent makes the rule soft, so
    a demand no shift can meet leaves unmet slots instead of an infeasible model.
    """
    penalty = {}
    for t in np.flatnonzero(need > 0):
        t = int(t)
        short = pm.slack(float(need[t]), f"short[{pm.slot_label(t)}]")
        pm.slacks["coverage"][t] = short
        penalty[short] = penalty_per_slot
        _constraint(pm.model, pm.on_phone_terms.get(t, []) + [(short, 1.0)], lb=float(need[t]),
                    name=f"cover[{pm.slot_label(t)}]")
    return penalty


def add_on_phone(pm: PlanModel, slots) -> Terms:
    """A variable ``n[slot]`` = on-phone agents in the slot, for the slots given."""
    for t in slots:
        t = int(t)
        var = pm.model.add_variable(lb=0, name=f"n[{pm.slot_label(t)}]")
        pm.on_phone[t] = var
        _constraint(pm.model, pm.on_phone_terms.get(t, []) + [(var, -1.0)], lb=0, ub=0,
                    name=f"on_phone[{pm.slot_label(t)}]")
    return {}


def add_service_curves(pm: PlanModel, curves: dict, keep: float) -> Terms:
    """Calls answered within t in each slot, under its concave piecewise-linear curve.

    ``answered[slot] <= slope_k * keep * n[slot] + intercept_k`` for every segment
    ``k`` of the slot's curve (``keep = 1 - shrinkage`` turns scheduled on-phone
    agents into available agents).  Below the curve's ``n_floor`` the first segment,
    extended, under-states the calls answered (down to negative values): a slot left
    overloaded is never credited with service it would not give.
    """
    for t, (slopes, inter, top, _floor) in curves.items():
        var = pm.model.add_variable(lb=-math.inf, ub=top, name=f"answered[{pm.slot_label(t)}]")
        pm.answered[t] = var
        n = pm.on_phone[t]
        for k, (a, b0) in enumerate(zip(slopes, inter, strict=True)):
            if a <= 0:
                continue
            _constraint(pm.model, [(var, 1.0), (n, -a * keep)], ub=float(b0),
                        name=f"curve[{pm.slot_label(t)}|{k}]")
    return {}


def add_service_target(pm: PlanModel, calls_total: float, target: float,
                       penalty_per_call: float) -> Terms:
    """Weekly volume-weighted service level: ``sum answered >= target * sum calls``.

    Soft: ``sl_short`` calls below the target cost ``penalty_per_call`` each.
    """
    short = pm.slack(target * calls_total, f"sl_short[{pm.week_label()}]")
    pm.slacks["service_level_target"]["week"] = short
    _constraint(pm.model, [(v, 1.0) for v in pm.answered.values()] + [(short, 1.0)],
                lb=target * calls_total, name=f"service_level_target[{pm.week_label()}]")
    return {short: penalty_per_call}


def add_occupancy_floor(pm: PlanModel, traffic: np.ndarray, keep: float, max_occupancy: float,
                        penalty_per_slot: float) -> Terms:
    """Enough agents that occupancy stays at or below ``max_occupancy`` in every slot.

    ``n[slot] >= ceil(traffic / max_occupancy / keep)`` whole scheduled on-phone agents
    (soft, ``occ_short[slot]`` agents at ``penalty_per_slot`` each).
    """
    penalty = {}
    for t, n in pm.on_phone.items():
        floor = _whole(traffic[t] / max_occupancy / keep)
        if floor <= 0:
            continue
        short = pm.slack(floor, f"occ_short[{pm.slot_label(t)}]")
        pm.slacks["occupancy"][t] = short
        penalty[short] = penalty_per_slot
        _constraint(pm.model, [(n, 1.0), (short, 1.0)], lb=floor,
                    name=f"occupancy[{pm.slot_label(t)}]")
    return penalty


def add_queue_floor(pm: PlanModel, curves: dict, keep: float, penalty: float | np.ndarray
                    ) -> Terms:
    """At least the agents where a slot's service curve turns concave (soft).

    Below that point the queue is overloaded or nearly so: service is near zero and
    the piecewise-linear curve is not exact.  ``n[slot] >= ceil(n_floor / keep)``, with
    ``queue_short[slot]`` agents at ``penalty`` (per agent; an array gives one per slot).
    """
    terms = {}
    for t, (_s, _i, _top, n_floor) in curves.items():
        floor = _whole(n_floor / keep)
        if floor <= 0:
            continue
        short = pm.slack(floor, f"queue_short[{pm.slot_label(t)}]")
        pm.slacks["stable_queue"][t] = short
        terms[short] = float(penalty[t]) if np.ndim(penalty) else float(penalty)
        _constraint(pm.model, [(pm.on_phone[t], 1.0), (short, 1.0)], lb=floor,
                    name=f"queue_floor[{pm.slot_label(t)}]")
    return terms


def _whole(value: float) -> int:
    """Smallest whole number of agents >= value, guarded against float round-off."""
    near = round(value)
    return int(near) if abs(value - near) <= 1e-9 * max(1.0, abs(value)) else math.ceil(value)


def add_budget(pm: PlanModel, cost: Terms, budget: float) -> Terms:
    """Weekly cost (shifts with premiums, less unpaid breaks) at most ``budget``."""
    _constraint(pm.model, list(cost.items()), ub=budget, name="budget")
    return {}


def add_break_placement_preference(pm: PlanModel, weight: np.ndarray, eps: float) -> Terms:
    """A tiny cost per agent on break, larger where demand is high.

    Among plans of equal cost and coverage, breaks then land where ``weight`` (the
    requirement or the calls) is lowest within their windows.
    """
    top = float(weight.max()) if weight.size and weight.max() > 0 else 1.0
    n = pm.demand.n_slots
    terms = {}
    for s, opt, var in pm.b:
        covered = (pm.cand.start[s] + opt.offset + np.arange(opt.length)) % n
        w = float(weight[covered].sum()) / top
        if w > 0:
            terms[var] = eps * w
    return terms


def option_slots(cand: Candidates, s: int, opt: BreakOption, n_slots: int) -> np.ndarray:
    """Week slots of one break placement (wrapped)."""
    return (cand.start[s] + opt.offset + np.arange(opt.length)) % n_slots


# --------------------------------------------------------------------- skill groups
def group_on_phone_terms(pm: PlanModel, group_of: np.ndarray, n_groups: int) -> list[dict]:
    """On-phone agents of each skill group per slot: ``[group][slot] -> [(var, +-1)]``."""
    c = pm.cand
    n = pm.demand.n_slots
    out = [defaultdict(list) for _ in range(n_groups)]
    for s, var in enumerate(pm.x):
        for t in c.slots(s, n):
            out[group_of[s]][int(t)].append((var, 1.0))
    for s, opt, var in pm.b:
        for t in option_slots(c, s, opt, n):
            out[group_of[s]][int(t)].append((var, -1.0))
    return out


def add_group_shares(pm: PlanModel, group_of: np.ndarray, shares, names) -> Terms:
    """Each group holds at most its share of the plan's scheduled hours (the skill mix).

    ``sum_{s in g} h_s x_s <= share_g * sum_s h_s x_s`` (hard): how many agents are
    trained on a set of queues is a fact of the centre, not a price.
    """
    c = pm.cand
    hours = c.length * pm.demand.slot_min / 60.0
    for gi, (share, name) in enumerate(zip(shares, names, strict=True)):
        if share is None or share >= 1:
            continue
        terms = [(pm.x[s], float(hours[s]) * ((group_of[s] == gi) - share))
                 for s in range(len(c))]
        _constraint(pm.model, terms, ub=0.0, name=f"group_share[{name}]")
    return {}


def add_group_supply(pm: PlanModel, group_of: np.ndarray, served: list, supply) -> Terms:
    """The groups' shifts within the hours the named agents trained on them can work.

    A shift of a group can go to an agent trained on all the group's queues.  For every
    set ``X`` of groups, ``sum_{s in X} paid_h_s x_s <= sum of supply[K]`` over the
    skill sets ``K`` that cover the queues of some group of ``X`` (Hall's condition of
    assigning the shifts to the agents' weekly hours; hard: the team is a fact).  Sets
    with the same agents keep only the largest.  ``served[g]``: the queues of group
    ``g``; ``supply``: ``frozenset of queues -> paid hours a week``.
    """
    c = pm.cand
    tpl = c.templates
    unpaid = np.array([sum(b.length_min for b in t.breaks if not b.paid) for t in tpl], float)
    paid_h = c.length * pm.demand.slot_min / 60.0 - unpaid[c.template] / 60.0
    n = len(served)
    able = [frozenset(k for k in supply if set(served[g]) <= set(k)) for g in range(n)]
    widest: dict = {}  # the agents able -> the groups whose agents are among them
    for mask in range(1, 2 ** n if n <= 10 else 1):
        agents = frozenset().union(*(able[g] for g in range(n) if mask >> g & 1))
        widest[agents] = widest.get(agents, 0) | mask
    if n > 10:  # each group on its own, and all together
        widest = {able[g]: 1 << g for g in range(n)}
        widest[frozenset(supply)] = (1 << n) - 1
    for agents, mask in widest.items():
        members = [s for s in range(len(c)) if mask >> int(group_of[s]) & 1]
        cap = float(sum(supply[k] for k in agents))
        _constraint(pm.model, [(pm.x[s], float(paid_h[s])) for s in members], ub=cap,
                    name=f"group_supply[{mask}]")
    return {}


def allocation_model(phone: np.ndarray, served, groups, demands, sets, pools, mode):
    """The split of each group's on-phone agents across its queues: a flow per slot.

    Built on the plan's shifts once they are chosen (``phone[g, t]`` on-phone agents
    of group ``g``): ``y[g, q, t] >= 0`` exists only for the queues ``q`` group ``g``
    is trained on; ``sum_q y[g, q, t] <= phone[g, t]``; each queue takes its share of
    its pool (the queues linked through shared groups) -- the pool's requirement
    (mode "coverage") or on-phone agents (mode "service_level") times the queue's
    share of the pool's requirement or calls -- short by ``alloc_short`` where the
    skills do not allow it; the model minimises the shortfall.  The coverage rules of
    the queue sets make the coverage-mode split exist without shortfall.

    Returns
    -------
    (mathopt.Model, dict)
        The LP and the flow ``{(group, queue): {slot: var}}``.
    """
    model = mathopt.Model(name="allocation")
    weight = {q: (d.staff_needed if mode == "coverage" else d.calls) for q, d in demands.items()}
    pool_set = {q: next((nm for nm, (qs, _) in sets.items() if qs == pool), None)
                for q, pool in pools.items()}
    flow: dict = {}
    shortfall = []
    n = phone.shape[1]
    for t in range(n):
        incoming = defaultdict(list)
        for gi, g in enumerate(groups):
            if phone[gi, t] <= 1e-9:
                continue
            ys = []
            for q in served[g.name]:
                if weight[q][t] <= 0:
                    continue
                var = model.add_variable(lb=0, name=f"y[{g.name}|{q}|{t}]")
                flow.setdefault((gi, q), {})[t] = var
                ys.append((var, 1.0))
                incoming[q].append((var, 1.0))
            if ys:
                _constraint(model, ys, ub=float(phone[gi, t]), name=f"split[{g.name}|{t}]")
        for q, ys in incoming.items():
            pool = pools[q]
            total = float(sum(weight[p][t] for p in pool))
            frac = weight[q][t] / total if total > 0 else 0.0
            name = pool_set[q]
            if mode == "coverage":
                amount = (float(sets[name][1].staff_needed[t]) if name is not None
                          else float(sum(demands[p].staff_needed[t] for p in pool)))
            else:
                amount = float(sum(phone[gi, t] for gi, g in enumerate(groups)
                                   if set(served[g.name]) & pool))
            short = model.add_variable(lb=0, name=f"alloc_short[{q}|{t}]")
            shortfall.append(short)
            _constraint(model, ys + [(short, 1.0)], lb=frac * amount, name=f"share[{q}|{t}]")
    model.minimize(mathopt.LinearSum(shortfall))
    return model, flow
