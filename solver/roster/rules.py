"""The rules of a roster, one function each.

Every function adds its rule to a CP-SAT model and returns the penalty terms of the
soft part (an empty list for a hard rule).  Hard rules accept an enforcement literal
``lit``: :func:`solver.roster.build_roster` passes one per rule group when it has to
explain an infeasible model (CP-SAT then names the smallest set of groups it needed to
prove infeasibility).  Penalty variables carry readable names and each
:class:`Penalty` says which rule it measures, for whom, in which unit and at what price.

Agent-level rules work on :class:`AgentVars` (one boolean per candidate shift of one
agent); crew-level rules work on :class:`Crew` (agents aggregated into classes of equal
skills and lead status, which keeps the model small and is exact for coverage).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from solver.roster.data import (
    ShiftOption,
    Week,
    agent_rate,
    allowed_by_availability,
    allowed_by_time_off,
)
from solver.roster.history import NO_HISTORY, AgentHistory
from wfm.types import Agent, Contract

__all__ = [
    "Penalty",
    "AgentVars",
    "Crew",
    "DEFAULT_WEIGHTS",
    "one_shift_per_day",
    "weekly_hours",
    "days_per_week",
    "max_consecutive_days",
    "min_rest",
    "two_consecutive_days_off",
    "weekend_limit",
    "availability",
    "time_off",
    "preferred_start",
    "preferred_days_off",
    "preferred_shifts",
    "start_consistency",
    "evening_fairness",
    "weekend_fairness",
    "overtime",
    "coverage",
    "lead_on_shift",
    "lead_ratio",
    "AGENT_HARD_RULES",
]

#: Price of one unit of each soft rule [currency per unit].
DEFAULT_WEIGHTS = {
    "unmet requirement": 60.0,  # per agent-hour short of the requirement
    "preferred start": 2.0,  # per hour between the shift start and the preferred start
    "preferred day off": 10.0,  # per preferred day off worked
    "preferred shift": 5.0,  # per shift on a template the agent does not prefer
    "start consistency": 3.0,  # per hour a start lies outside +-1 h of the agent's usual start
    "evening fairness": 4.0,  # per evening shift above the agent's fair share
    "weekend fairness": 4.0,  # per weekend shift above the agent's fair share
    "meeting absence": 200.0,  # per team member absent from a team meeting
}


@dataclass
class Penalty:
    """A soft-rule term: ``amount = value(var) * per_unit`` in ``unit``; cost ``amount * weight``."""

    rule: str
    subject: str
    var: cp_model.LinearExprT
    per_unit: float
    unit: str
    weight: float


@dataclass
class AgentVars:
    """The decision variables of one agent: one boolean per candidate shift, one per day."""

    agent: Agent
    contract: Contract
    week: Week
    options: list[ShiftOption]
    x: list[cp_model.IntVar]
    work: list[cp_model.IntVar]
    history: AgentHistory = NO_HISTORY  # what the agent worked before the week

    @classmethod
    def create(cls, m: cp_model.CpModel, agent, contract, week, options,
               history: AgentHistory = NO_HISTORY) -> AgentVars:
        x = [m.new_bool_var(f"{agent.id} works {o.label}") for o in options]
        work = [m.new_bool_var(f"{agent.id} works day {d}") for d in range(7)]
        return cls(agent, contract, week, list(options), x, work, history)

    def on_day(self, day: int) -> list[tuple[ShiftOption, cp_model.IntVar]]:
        return [(o, v) for o, v in zip(self.options, self.x, strict=True) if o.day == day]

    def paid_min(self) -> cp_model.LinearExprT:
        return cp_model.LinearExpr.weighted_sum(self.x, [o.paid_min for o in self.options])


def _enforce(ct: cp_model.Constraint, lit) -> None:
    if lit is not None:
        ct.only_enforce_if(lit)


# --------------------------------------------------------------------------- hard, agent


def one_shift_per_day(m: cp_model.CpModel, av: AgentVars, lit=None) -> list[Penalty]:
    """At most one shift per day; ``work[d]`` is 1 exactly when a shift starts on day d."""
    for d in range(7):
        day = av.on_day(d)
        m.add(sum(v for _, v in day) == av.work[d])
    return []


def weekly_hours(m: cp_model.CpModel, av: AgentVars, lit=None) -> list[Penalty]:
    """Paid hours of the week within the contract's ``[min_hours_week, max_hours_week]``."""
    paid = av.paid_min()
    lo = math.ceil(av.contract.min_hours_week * 60 - 1e-9)
    hi = math.floor(av.contract.max_hours_week * 60 + 1e-9)
    if lo > 0:
        _enforce(m.add(paid >= lo), lit)
    _enforce(m.add(paid <= hi), lit)
    return []


def days_per_week(m: cp_model.CpModel, av: AgentVars, lit=None) -> list[Penalty]:
    """Working days within the contract's ``[min_days_week, max_days_week]``."""
    days = sum(av.work)
    if av.contract.min_days_week > 0:
        _enforce(m.add(days >= av.contract.min_days_week), lit)
    if av.contract.max_days_week < 7:
        _enforce(m.add(days <= av.contract.max_days_week), lit)
    return []


def max_consecutive_days(m: cp_model.CpModel, av: AgentVars, lit=None) -> list[Penalty]:
    """No more than ``max_consecutive_days`` working days in a row, counting the days in a
    row the agent worked up to the week start (``av.history.trailing_days``)."""
    k = av.contract.max_consecutive_days
    for d0 in range(0, 7 - k):
        _enforce(m.add(sum(av.work[d0 : d0 + k + 1]) <= k), lit)
    if av.history.trailing_days > 0:  # the first n days would make a run of k + 1
        n = max(1, k + 1 - av.history.trailing_days)
        _enforce(m.add(sum(av.work[:n]) <= n - 1), lit)
    return []


def min_rest(m: cp_model.CpModel, av: AgentVars, lit=None) -> list[Penalty]:
    """At least ``min_rest_h`` between the end of a shift and the start of the next,
    the last shift before the week (``av.history``) included.

    Only the clashing pairs are banned: a shift ending at ``e`` excludes, on the
    following days, exactly the starts before ``e + rest``.  One constraint per distinct
    threshold ``T``: "any shift with ``end + rest >= T``" and "any next-day start before
    ``T``" cannot both be worked.
    """
    rest = int(round(av.contract.min_rest_h * 60))
    earliest = av.history.earliest_start_min(av.contract.min_rest_h)
    if earliest is not None:  # the last shift of the week before
        for o, v in zip(av.options, av.x, strict=True):
            if o.abs_start < earliest:
                _enforce(m.add(v == 0), lit)
    for d in range(7):
        today = av.on_day(d)
        if not today:
            continue
        for j in (1, 2):
            if d + j > 6:
                continue
            later = av.on_day(d + j)
            thresholds = sorted({o.abs_end + rest for o, _ in today})
            for T in thresholds:
                clash_next = [v for o, v in later if o.abs_start < T]
                if not clash_next:
                    continue
                ending = [v for o, v in today if o.abs_end + rest >= T]
                _enforce(m.add(sum(ending) + sum(clash_next) <= 1), lit)
    return []


def two_consecutive_days_off(m: cp_model.CpModel, av: AgentVars, lit=None) -> list[Penalty]:
    """Where the contract says so, two days off in a row inside the week (Mon-Tue ... Sat-Sun)."""
    if not av.contract.two_consecutive_days_off:
        return []
    pairs = []
    for d in range(6):
        p = m.new_bool_var(f"{av.agent.id} off days {d} and {d + 1}")
        m.add_implication(p, av.work[d].negated())
        m.add_implication(p, av.work[d + 1].negated())
        pairs.append(p)
    _enforce(m.add_bool_or(pairs), lit)
    return []


def weekend_limit(m: cp_model.CpModel, av: AgentVars, lit=None) -> list[Penalty]:
    """At most ``max_weekend_days`` working days among the contract's weekend days."""
    c = av.contract
    if c.max_weekend_days is None:
        return []
    days = [av.work[d] for d in range(7) if av.week.weekday(d) in c.weekend_days]
    if len(days) > c.max_weekend_days:
        _enforce(m.add(sum(days) <= c.max_weekend_days), lit)
    return []


def availability(m: cp_model.CpModel, av: AgentVars, lit=None) -> list[Penalty]:
    """Shifts only inside the agent's availability windows."""
    for o, v in zip(av.options, av.x, strict=True):
        if not allowed_by_availability(av.agent, o):
            _enforce(m.add(v == 0), lit)
    return []


def time_off(m: cp_model.CpModel, av: AgentVars, lit=None) -> list[Penalty]:
    """No shift touching a day of approved time off."""
    for o, v in zip(av.options, av.x, strict=True):
        if not allowed_by_time_off(av.agent, o, av.week):
            _enforce(m.add(v == 0), lit)
    return []


#: Hard agent rules, by the name used in explanations.
AGENT_HARD_RULES = {
    "weekly hours": weekly_hours,
    "days per week": days_per_week,
    "max consecutive days": max_consecutive_days,
    "min rest": min_rest,
    "two consecutive days off": two_consecutive_days_off,
    "weekend limit": weekend_limit,
    "availability": availability,
    "time off": time_off,
}


# --------------------------------------------------------------------------- soft, agent


def _circular_gap(a: int, b: int) -> int:
    d = abs(a - b) % 1440
    return min(d, 1440 - d)


def preferred_start(m: cp_model.CpModel, av: AgentVars, weight: float) -> list[Penalty]:
    """Soft: hours between each shift start and the agent's preferred start."""
    pref = av.agent.preferred_start_min
    if pref is None or weight == 0:
        return []
    coef = [_circular_gap(o.start_min, pref) for o in av.options]
    if not any(coef):
        return []
    amount = cp_model.LinearExpr.weighted_sum(av.x, coef)
    return [Penalty("preferred start", av.agent.id, amount, 1 / 60, "h", weight)]


def preferred_days_off(m: cp_model.CpModel, av: AgentVars, weight: float) -> list[Penalty]:
    """Soft: preferred weekdays off that the agent works."""
    pref = set(av.agent.preferred_days_off)
    days = [av.work[d] for d in range(7) if av.week.weekday(d) in pref]
    if not days or weight == 0:
        return []
    return [Penalty("preferred day off", av.agent.id, sum(days), 1.0, "days", weight)]


def preferred_shifts(m: cp_model.CpModel, av: AgentVars, weight: float) -> list[Penalty]:
    """Soft: shifts on a template the agent does not prefer (when it prefers some)."""
    pref = set(av.agent.preferred_shifts)
    other = [v for o, v in zip(av.options, av.x, strict=True) if o.template.name not in pref]
    if not pref or not other or weight == 0:
        return []
    return [Penalty("preferred shift", av.agent.id, sum(other), 1.0, "shifts", weight)]


def start_consistency(
    m: cp_model.CpModel, av: AgentVars, weight: float, tolerance_min: int = 60
) -> list[Penalty]:
    """Soft: hours by which a start lies outside ``usual start +- tolerance_min``.

    The usual start is a free variable per agent (the solver picks the best anchor).
    """
    starts = sorted({o.start_min for o in av.options})
    if weight == 0 or not starts or starts[-1] - starts[0] <= 2 * tolerance_min:
        return []
    anchor = m.new_int_var(starts[0], starts[-1], f"{av.agent.id} usual start")
    devs = []
    for d in range(7):
        day = av.on_day(d)
        if not day:
            continue
        s = cp_model.LinearExpr.weighted_sum([v for _, v in day], [o.start_min for o, _ in day])
        dev = m.new_int_var(0, starts[-1] - starts[0], f"{av.agent.id} start deviation day {d}")
        m.add(s - anchor <= tolerance_min + dev).only_enforce_if(av.work[d])
        m.add(anchor - s <= tolerance_min + dev).only_enforce_if(av.work[d])
        devs.append(dev)
    return [Penalty("start consistency", av.agent.id, sum(devs), 1 / 60, "h", weight)]


def _fair_excess(m, av, name, chosen, fair_share, weight, unit):
    if weight == 0 or not chosen or len(chosen) <= fair_share:
        return []
    over = m.new_int_var(0, len(chosen), f"{av.agent.id} {name} above fair share {fair_share}")
    m.add(over >= sum(chosen) - int(fair_share))
    return [Penalty(name, av.agent.id, over, 1.0, unit, weight)]


def evening_fairness(
    m: cp_model.CpModel, av: AgentVars, fair_share: int, weight: float
) -> list[Penalty]:
    """Soft: evening shifts (ending after 20:00) above the agent's fair share."""
    chosen = [v for o, v in zip(av.options, av.x, strict=True) if o.evening]
    return _fair_excess(m, av, "evening fairness", chosen, fair_share, weight, "shifts")


def weekend_fairness(
    m: cp_model.CpModel, av: AgentVars, fair_share: int, weight: float
) -> list[Penalty]:
    """Soft: weekend days worked (the contract's weekend days) above the fair share."""
    days = [av.work[d] for d in range(7) if av.week.weekday(d) in av.contract.weekend_days]
    return _fair_excess(m, av, "weekend fairness", days, fair_share, weight, "days")


def overtime(m: cp_model.CpModel, av: AgentVars) -> list[Penalty]:
    """Cost of paid hours beyond the contract's ``overtime_after_h`` (a cost, not a rule)."""
    c = av.contract
    if c.overtime_after_h is None or not av.options:
        return []
    limit = int(round(c.overtime_after_h * 60))
    most = max(o.paid_min for o in av.options) * 7
    if most <= limit:
        return []
    ot = m.new_int_var(0, most, f"{av.agent.id} overtime minutes")
    m.add(ot >= av.paid_min() - limit)
    rate = max(agent_rate(av.agent, c, o.template) for o in av.options)
    return [Penalty("overtime", av.agent.id, ot, 1 / 60, "h", rate * c.overtime_premium)]


def agent_soft_rules(m: cp_model.CpModel, av: AgentVars, w: Mapping[str, float],
                     fair_evenings: float, fair_weekends: float) -> list[Penalty]:
    """Every soft rule of one agent's week (preferences, start consistency, evening and
    weekend fairness at the given fair shares, overtime), at the prices ``w``."""
    return (preferred_start(m, av, w["preferred start"])
            + preferred_days_off(m, av, w["preferred day off"])
            + preferred_shifts(m, av, w["preferred shift"])
            + start_consistency(m, av, w["start consistency"])
            + evening_fairness(m, av, fair_evenings, w["evening fairness"])
            + weekend_fairness(m, av, fair_weekends, w["weekend fairness"])
            + overtime(m, av))


# --------------------------------------------------------------------------- crew level


@dataclass
class Crew:
    """Agents aggregated into classes (same skills in the requirement's queues, same lead flag).

    ``sched[c][t]`` lists ``(coefficient, variable)`` terms giving the scheduled units of
    class ``c`` in interval ``t`` (for supervision); ``on[c][t]`` and ``off[c][t]`` give
    its on-phone capacity before and the off-phone time for meetings (and breaks when
    placed explicitly), in units times ``scale``.  ``req[q, t]`` is the requirement in
    units (agents x units per interval).
    """

    week: Week
    queues: list[str]
    req: object  # ndarray (n_queues, n_intervals) of int units
    classes: list[tuple[frozenset, bool]]
    scale: int = 1
    sets: list | None = None  # queue sets (tuples of queue indices); None: every set
    set_req: object = None  # ndarray (n_sets, n_intervals) of int units, with ``sets``
    sched: list = field(default_factory=list)
    on: list = field(default_factory=list)
    off: list = field(default_factory=list)

    def __post_init__(self):
        if not self.sched:
            self.sched = [defaultdict(list) for _ in self.classes]
            self.on = [defaultdict(list) for _ in self.classes]
            self.off = [defaultdict(list) for _ in self.classes]

    def expr(self, terms) -> cp_model.LinearExprT:
        if not terms:
            return 0
        return cp_model.LinearExpr.weighted_sum([v for _, v in terms], [c for c, _ in terms])

    def on_phone(self, c: int, t: int) -> cp_model.LinearExprT:
        return self.expr(self.on[c].get(t, [])) - self.expr(self.off[c].get(t, []))

    def open_intervals(self) -> list[int]:
        need = self.req.sum(axis=0)
        if self.sets:
            need = need + self.set_req.sum(axis=0)
        return [int(t) for t in range(self.req.shape[1]) if need[t] > 0]

    def set_requirements(self) -> tuple[list, object]:
        """The queue sets whose requirement binds and that requirement (S, T) in units:
        the sets given, or every set of queues with the sum of its queues' requirement
        (Hall's condition); ([], None) above :data:`HALL_MAX_QUEUES` queues."""
        if self.sets:
            return list(self.sets), self.set_req
        Q = len(self.queues)
        if Q > HALL_MAX_QUEUES:
            return [], None
        subsets = [[q for q in range(Q) if mask >> q & 1] for mask in range(1, 2**Q)]
        return subsets, np.array([self.req[S].sum(axis=0) for S in subsets])

    def serves(self, c: int, q: int) -> bool:
        skills = self.classes[c][0]
        return self.queues[q] in skills or "*" in skills


#: Above this many queues, coverage uses flows instead of Hall's subset inequalities.
HALL_MAX_QUEUES = 5


def coverage(m: cp_model.CpModel, crew: Crew, weight: float) -> tuple[list[Penalty], dict]:
    """Skills and requirement: on-phone agents serve only the queues they are trained on.

    A multi-skilled agent serves one queue per interval.  Whether the on-phone agents of
    each class can be split among their queues to cover every queue is a transportation
    problem; by Hall's theorem the least total shortfall is
    ``max over queue sets S of (requirement of S - agents trained on some queue of S)``,
    so one shortfall variable per interval and one inequality per set of queues model it
    exactly, without a flow variable per class and queue (for up to
    :data:`HALL_MAX_QUEUES` queues; flows beyond).  With the queue sets of a
    multi-skill plan (``crew.sets``) the inequalities are the plan's own: each set's
    requirement (of its pooled traffic, smaller than the sum of its queues') against the
    agents trained on some queue of the set, one shortfall per set, added up.  The
    shortfall is soft, priced by ``weight`` per agent-hour.

    Returns
    -------
    penalties : list of Penalty
        One per day (agent-hours short, all queues).
    handles : dict
        ``short[t]`` variables.
    """
    week = crew.week
    Q = len(crew.queues)
    k = crew.scale
    short = {}
    by_day = defaultdict(list)
    subsets, set_req = crew.set_requirements()
    by_set = bool(crew.sets)
    for t in crew.open_intervals():
        need = int(crew.req[:, t].sum() if set_req is None else set_req[:, t].sum()) * k
        s = m.new_int_var(0, need, f"short t{t}")
        short[t] = s
        by_day[(t * week.step_min) // 1440].append(s)
        present = [c for c in range(len(crew.classes)) if crew.on[c].get(t)]
        if subsets:
            on = {}
            for c in present:
                terms = crew.on[c][t]
                hi = sum(abs(k) for k, _ in terms) * len(crew.classes) * 1000
                v = m.new_int_var(-hi, hi, f"on phone c{c} t{t}")
                m.add(v == crew.on_phone(c, t))
                on[c] = v
            per_set = []
            for si, S in enumerate(subsets):
                req_s = int(set_req[si, t]) * k
                if req_s <= 0:
                    continue
                cls = [c for c in present if any(crew.serves(c, q) for q in S)]
                if by_set:  # each set's own shortfall, added up (as the plan prices them)
                    s_set = m.new_int_var(0, req_s, f"short set{si} t{t}")
                    per_set.append(s_set)
                    m.add(s_set + sum(on[c] for c in cls) >= req_s)
                else:
                    m.add(s + sum(on[c] for c in cls) >= req_s)
            if by_set:
                m.add(s == sum(per_set))
        else:
            flows_q = defaultdict(list)
            shorts = []
            for c in present:
                fl = []
                for q in range(Q):
                    if crew.serves(c, q) and crew.req[q, t] > 0:
                        f = m.new_int_var(0, int(crew.req[q, t]) * k, f"serve c{c} q{q} t{t}")
                        fl.append(f)
                        flows_q[q].append(f)
                if fl:
                    m.add(sum(fl) <= crew.on_phone(c, t))
            for q in range(Q):
                if crew.req[q, t] > 0:
                    sq = m.new_int_var(0, int(crew.req[q, t]) * k, f"short q{q} t{t}")
                    m.add(sum(flows_q[q]) + sq >= int(crew.req[q, t]) * k)
                    shorts.append(sq)
            m.add(s == sum(shorts))
    penalties = [
        Penalty("unmet requirement", f"day {d}", sum(v), week.unit_min / 60 / k, "agent-h", weight)
        for d, v in sorted(by_day.items())
    ]
    return penalties, {"short": short}


def lead_on_shift(m: cp_model.CpModel, crew: Crew, lit=None) -> list[Penalty]:
    """At least one team lead on shift in every interval in which the centre is open."""
    leads = [c for c, (_, lead) in enumerate(crew.classes) if lead]
    full = crew.week.units_per_interval
    for t in crew.open_intervals():
        terms = [tv for c in leads for tv in crew.sched[c].get(t, [])]
        _enforce(m.add(crew.expr(terms) >= full), lit)
    return []


def lead_ratio(m: cp_model.CpModel, crew: Crew, per: int = 15, lit=None) -> list[Penalty]:
    """At least one lead on shift per ``per`` other agents on shift, in every interval.

    Counting agents on shift (not only those on the phones at that moment) keeps the
    rule independent of where breaks fall, and implies it for agents on the phones.
    """
    leads = [c for c, (_, lead) in enumerate(crew.classes) if lead]
    others = [c for c, (_, lead) in enumerate(crew.classes) if not lead]
    for t in crew.open_intervals():
        lead_terms = [tv for c in leads for tv in crew.sched[c].get(t, [])]
        if not any(crew.sched[c].get(t) for c in others):
            continue
        others_on = crew.expr([tv for c in others for tv in crew.sched[c].get(t, [])])
        _enforce(m.add(per * crew.expr(lead_terms) >= others_on), lit)
    return []


def class_key(agent: Agent, queues: Sequence[str]) -> tuple[frozenset, bool]:
    """Skills restricted to the requirement's queues, and the lead flag."""
    return (frozenset(s for s in agent.skills if s in queues), bool(agent.is_lead))


def team_meeting(
    m: cp_model.CpModel,
    crew: Crew,
    name: str,
    slots: Sequence[tuple[int, int]],
    members: Sequence[tuple[AgentVars, int]],
    compatible,
    weight: float,
) -> tuple[list[Penalty], list[cp_model.IntVar]]:
    """A meeting with all ``members`` present, at one of ``slots``, where it costs least service.

    Parameters
    ----------
    slots : sequence of (abs_start, length_min)
        Candidate times of the meeting.
    members : sequence of (AgentVars, class index)
    compatible : callable (ShiftOption, abs_start, length_min) -> bool
        The shift contains the meeting and its breaks fit around it.
    weight : float
        Price of a member who cannot attend (soft: a member with no shift that fits is
        reported, not made infeasible).

    Returns
    -------
    penalties : list of Penalty
    chosen : list of BoolVar
        One per slot, exactly one true.
    """
    y = [m.new_bool_var(f"{name} at slot {j}") for j in range(len(slots))]
    m.add_exactly_one(y)
    penalties = []
    fits_by_class = defaultdict(list)  # class -> per member, per slot: list of x vars
    for av, c in members:
        fits = [
            [v for o, v in zip(av.options, av.x, strict=True) if compatible(o, s, length)]
            for s, length in slots
        ]
        miss = m.new_bool_var(f"{av.agent.id} misses {name}")
        for yj, f in zip(y, fits, strict=True):
            m.add(yj <= sum(f) + miss)
        penalties.append(Penalty("meeting absence", av.agent.id, miss, 1.0, "meetings", weight))
        fits_by_class[c].append(fits)
    # Members whose shift fits the chosen slot attend and are off the phones:
    # red >= sum(fits) - n * (1 - chosen) is exact when the slot is chosen, void otherwise.
    for c, per_member in fits_by_class.items():
        n = len(per_member)
        for j, (s, length) in enumerate(slots):
            terms = [v for fits in per_member for v in fits[j]]
            if not terms:
                continue
            red = m.new_int_var(0, n, f"{name} attendees of class {c} at slot {j}")
            m.add(red >= sum(terms) - n + n * y[j])
            for t, units in crew.week.cover(s, length):
                crew.off[c][t].append((units * crew.scale, red))
    return penalties, y
