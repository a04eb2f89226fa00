"""Named-agent rostering with CP-SAT: contracts, labour rules, availability, fairness, activities.

:func:`build_roster` turns a shift plan (or a requirement) into a roster of named
agents:

1. **Bounds and plan.**  LP relaxations of the anonymous shift-covering problem
   (:func:`solver.roster_bound.lp_bound`): the anonymous bound, and one with valid
   cuts for the contracts (and the meetings, with the members no slot suits counted
   absent, and the weekend fairness the day patterns of one-template contracts bend)
   that is the reported bound.  Meetings are set where the LP's prices make
   them cheapest; the rounded LP is the plan when none is given.
2. **Start.**  The plan's shifts are matched to agents: days and templates by CP-SAT
   (:func:`_plan_days`, with enough team leads each day and a template before one
   whose starts clash by the rest priced), start times by a small MILP for the leads
   and the Hungarian method for the others (:func:`_plan_starts`); shifts left off the
   plan move onto its free starts through exchanges with other agents
   (:func:`_fill_plan_gaps`); a breach of the lead rules left is mended by
   single-shift moves, and agents of one skill set exchange shifts (of any template,
   within their contract hours) where that lowers wages and soft rules
   (:func:`_rematch_starts`), then working days (:func:`_exchange_days`), and whole
   weeks go to the agents of one contract they suit best (:func:`_match_weeks`); a
   member kept from its meeting by the rest after the day before exchanges both days'
   shifts with an agent of its kind (:func:`_mend_meeting_absences`).
3. **Shifts and meetings (pass 1).**  One boolean per agent and candidate shift; every
   contract and labour rule is a function of :mod:`solver.roster_rules`.  Agents are
   aggregated into classes of equal skills and lead status for coverage, breaks at
   their expected share, skills by Hall's condition.  Hinted with the start.  On a
   large team a start that keeps every rule is the roster, each agent's week priced
   by its own small model (:func:`_repriced`), and pass 1 only repairs a start.
4. **Breaks (pass 2).**  With the shifts fixed, each agent's breaks are placed (in
   order, with their gaps, clear of meetings), one day at a time, lowest-volume
   positions preferred.
5. **Unmet requirement.**  Shifts are added or moved, and breaks moved, where the
   placed breaks leave requirement unmet (:func:`_cover_unmet`); then shifts are added
   where, with the breaks around them placed again, the breaks they let move meet it
   (:func:`_add_with_breaks_moved`).

Before the big solve each distinct agent profile is checked on its own (contract vs
availability vs time off); an agent who cannot be rostered is named with the rules that
clash.  If the crew rules (team leads) make the model infeasible, CP-SAT assumptions
name the rules and agents involved.
"""

from __future__ import annotations

import heapq
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from solver import roster_rules as rules
from solver.result import BREAK_COLUMNS, PENALTY_COLUMNS, SHIFT_COLUMNS, SolveResult
from solver.roster_bound import LPBound, day_patterns, lp_bound, round_plan
from solver.roster_data import (
    ShiftOption,
    Week,
    agent_rate,
    allowed_by_availability,
    allowed_by_time_off,
    breaks_avoiding,
    check_inputs,
    expand_templates,
    fmt_min,
    model_unit,
    requirement_matrix,
)
from wfm.errors import DataError, InputError, SolveError
from wfm.types import WEEKDAYS, Activity, Agent, Contract, ServiceTarget, ShiftTemplate

__all__ = ["build_roster", "schedule_table", "ALL_QUEUES"]

#: Queue name used when the requirement has no queues: every agent counts for it.
ALL_QUEUES = "*"
_STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.UNKNOWN: "NO_SOLUTION",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
}
Progress = Callable[[float, float, str], None]


# --------------------------------------------------------------------------- problem


@dataclass
class _Problem:
    week: Week
    queues: list[str]
    req: np.ndarray  # agents (Q, T)
    req_units: np.ndarray  # int units (Q, T)
    options: list[ShiftOption]
    agents: list[Agent]
    contracts: Mapping[str, Contract]
    activities: list[Activity]
    weights: dict
    target: ServiceTarget
    traffic: np.ndarray | None = None  # (Q, T)
    aht_s: np.ndarray | None = None
    plan_counts: dict = field(default_factory=dict)
    allowed: list = field(default_factory=list)  # per agent: set of option index
    cand: list = field(default_factory=list)  # per agent: sorted list of option index
    lead_ratio: int = 15
    meeting_fits: dict | None = None  # memo of _meeting_fits
    meeting_slot: dict = field(default_factory=dict)  # activity name -> (abs_start, length)
    classes: list = field(default_factory=list)
    class_of: list = field(default_factory=list)

    def rate(self, ai: int, o: ShiftOption) -> float:
        a = self.agents[ai]
        return agent_rate(a, self.contracts[a.contract], o.template)

    def shift_cost(self, ai: int, o: ShiftOption) -> float:
        return self.rate(ai, o) * o.weighted_paid_h


def _cents(x: float) -> int:
    return int(round(x * 100))


def _as_plan(plan_or_requirements):
    """(shifts, breaks, coverage, requirements) from whatever was passed."""
    if isinstance(plan_or_requirements, SolveResult):
        r = plan_or_requirements
        if not r.success:
            raise InputError("plan_or_requirements", r.status, "a solved shift plan")
        return r.shifts, r.breaks, r.coverage, None
    if isinstance(plan_or_requirements, pd.DataFrame):
        f = plan_or_requirements
        if {"template", "start"} <= set(f.columns):
            return f, None, None, None
        if "interval_start" in f.columns:
            return None, None, None, f
        raise DataError(
            "expected a shift plan (columns template, start, ...) or a requirements frame "
            f"(columns queue, interval_start, staff_needed, ...); found {list(f.columns)}",
            column="template",
        )
    raise InputError(
        "plan_or_requirements",
        type(plan_or_requirements).__name__,
        "a SolveResult of plan_shifts, its shifts frame, or a requirements frame",
    )


def _week_of(week_start, frames, step_default: int) -> tuple[pd.Timestamp, int]:
    """Week start (midnight) and interval length [min]."""
    step = None
    first = None
    for f, col in frames:
        if f is None or len(f) == 0 or col not in f.columns:
            continue
        ts = pd.to_datetime(f[col])
        first = ts.min() if first is None else min(first, ts.min())
        if col == "interval_start":
            keys = f["queue"] if "queue" in f.columns else pd.Series(0, index=f.index)
            diffs = ts.groupby(keys.to_numpy()).diff().dropna()
            diffs = diffs[diffs > pd.Timedelta(0)]
            if len(diffs):
                step = int(diffs.min() / pd.Timedelta(minutes=1))
    if week_start is None:
        if first is None:
            raise InputError("week_start", None, "a Timestamp (no frame to infer it from)")
        week_start = first.normalize()
    week_start = pd.Timestamp(week_start)
    if week_start != week_start.normalize():
        raise InputError("week_start", week_start, "a Timestamp at midnight")
    if step is None:
        step = step_default
    if 1440 % step:
        raise InputError("interval length", step, "minutes dividing a day")
    return week_start, step


def _plan_keys(shifts: pd.DataFrame, week_start: pd.Timestamp, templates) -> list:
    names = {t.name for t in templates}
    keys = []
    for pos, (name, start) in enumerate(zip(shifts["template"], shifts["start"], strict=True)):
        if name not in names:
            raise DataError(
                f"shift plan: unknown template; known: {sorted(names)}",
                row=pos,
                column="template",
                value=name,
                has_value=True,
            )
        start = pd.Timestamp(start)
        minutes = int((start - week_start) / pd.Timedelta(minutes=1))
        if minutes < 0 or minutes >= 7 * 1440:
            raise DataError(
                f"shift plan: start outside the week starting {week_start}",
                row=pos,
                column="start",
                value=str(start),
                has_value=True,
            )
        keys.append((name, minutes // 1440, minutes % 1440))
    return keys


def _plan_requirement(shifts, breaks, week: Week) -> np.ndarray:
    """On-phone agents of an anonymous plan (shifts minus their breaks), in agents."""
    req = np.zeros(week.n_intervals)
    for start, end in zip(shifts["start"], shifts["end"], strict=True):
        a = int((pd.Timestamp(start) - week.start) / pd.Timedelta(minutes=1))
        b = int((pd.Timestamp(end) - week.start) / pd.Timedelta(minutes=1))
        for t, u in week.cover(a, b - a):
            req[t] += u / week.units_per_interval
    if breaks is not None and len(breaks):
        for start, end in zip(breaks["start"], breaks["end"], strict=True):
            a = int((pd.Timestamp(start) - week.start) / pd.Timedelta(minutes=1))
            b = int((pd.Timestamp(end) - week.start) / pd.Timedelta(minutes=1))
            for t, u in week.cover(a, b - a):
                req[t] -= u / week.units_per_interval
    return np.maximum(req, 0.0)


def _prepare(
    plan_or_requirements,
    agents,
    contracts,
    templates,
    activities,
    weights,
    week_start,
    requirements,
    cover,
    target,
) -> _Problem:
    check_inputs(agents, contracts, templates)
    shifts, breaks, coverage, req_frame = _as_plan(plan_or_requirements)
    if requirements is not None:
        req_frame = requirements
    w = dict(rules.DEFAULT_WEIGHTS)
    for k, v in (weights or {}).items():
        if k not in w:
            raise InputError("weights", k, f"one of {sorted(w)}")
        if not (isinstance(v, int | float) and v >= 0 and math.isfinite(v)):
            raise InputError(f"weights[{k!r}]", v, "a price >= 0")
        w[k] = float(v)
    unit0 = model_unit(15, templates, activities)
    ws, step = _week_of(
        week_start,
        [(req_frame, "interval_start"), (coverage, "interval_start"), (shifts, "start")],
        math.gcd(15, unit0),
    )
    unit = model_unit(step, templates, activities)
    week = Week(ws, step, math.gcd(unit, step))
    traffic = aht = None
    if req_frame is not None:
        if cover not in req_frame.columns:
            raise DataError(
                f"requirements: missing column '{cover}' (the agents to cover); "
                f"found {list(map(str, req_frame.columns))}",
                column=cover,
            )
        queues, req = requirement_matrix(req_frame, week, cover)
        if "queue" not in req_frame.columns:
            queues = [ALL_QUEUES]
        if {"traffic", "aht_s"} <= set(req_frame.columns):
            _, traffic = requirement_matrix(req_frame, week, "traffic")
            _, aht = requirement_matrix(req_frame.fillna({"aht_s": 0}), week, "aht_s")
    elif (
        coverage is not None
        and len(coverage)
        and (cover in coverage.columns or "agents_needed" in coverage.columns)
    ):
        col = cover if cover in coverage.columns else "agents_needed"
        queues, req = requirement_matrix(coverage, week, col, what="plan coverage")
        if "queue" not in coverage.columns:
            queues = [ALL_QUEUES]
    else:
        queues, req = [ALL_QUEUES], _plan_requirement(shifts, breaks, week)[None, :]
    upi = week.units_per_interval
    req_units = np.ceil(req * upi - 1e-9).astype(int)
    extra = _plan_keys(shifts, ws, templates) if shifts is not None else []
    options = expand_templates(templates, week, extra)
    index = {(o.template.name, o.day, o.start_min): o.index for o in options}
    plan_counts: dict[int, int] = defaultdict(int)
    for k in extra:
        plan_counts[index[(k[0], k[1], k[2])]] += 1
    for act in activities:
        if not isinstance(act, Activity):
            raise InputError("activities", act, "Activity objects")
    p = _Problem(
        week=week,
        queues=list(queues),
        req=req,
        req_units=req_units,
        options=options,
        agents=list(agents),
        contracts=contracts,
        activities=list(activities),
        weights=w,
        target=target,
        traffic=traffic,
        aht_s=aht,
        plan_counts=dict(plan_counts),
    )
    for a in p.agents:
        c = contracts[a.contract]
        p.allowed.append(
            {
                o.index
                for o in options
                if o.paid_min <= c.max_hours_week * 60 + 1e-9
                and allowed_by_availability(a, o)
                and allowed_by_time_off(a, o, week)
            }
        )
    keys = [
        rules.class_key(a, p.queues)
        if p.queues != [ALL_QUEUES]
        else (frozenset({ALL_QUEUES}), bool(a.is_lead))
        for a in p.agents
    ]
    p.classes = sorted(set(keys), key=lambda k: (sorted(k[0]), k[1]))
    cix = {k: i for i, k in enumerate(p.classes)}
    p.class_of = [cix[k] for k in keys]
    return p


def _usable_templates(p: _Problem, contract: Contract) -> set[str]:
    """Templates that can be part of a legal week of the contract (hours and days)."""
    temps = {o.template.name: o.paid_min for o in p.options}
    best = max(temps.values())
    need = contract.min_hours_week * 60 - 1e-9
    days = max(contract.max_days_week, 1)
    return {
        name
        for name, paid in temps.items()
        if paid <= contract.max_hours_week * 60 + 1e-9 and paid + (days - 1) * best >= need
    }


def _shift_caps(p: _Problem) -> list[tuple[list[int], int]]:
    """Most shifts the agents can work, per set of templates, in the week and per day.

    Each agent works at most one shift a day and at most its contract's days a week,
    only on templates its contract can use and options it is allowed; so the shifts of
    a set of templates are at most the sum of these limits (valid cuts for the LP).
    Every set of templates when there are at most four, else each one and all.
    """
    names = sorted({o.template.name for o in p.options})
    if len(names) <= 4:
        sets = [
            frozenset(n for k, n in enumerate(names) if bits >> k & 1)
            for bits in range(1, 2 ** len(names))
        ]
    else:
        sets = [frozenset([n]) for n in names] + [frozenset(names)]
    usable = _usable_by_contract(p)
    week_cap = dict.fromkeys(sets, 0)
    day_cap = {(d, S): 0 for d in range(7) for S in sets}
    for ai, a in enumerate(p.agents):
        ok = usable[a.contract]
        days_of = defaultdict(set)  # template -> days the agent can work it
        for i in p.allowed[ai]:
            o = p.options[i]
            if o.template.name in ok:
                days_of[o.template.name].add(o.day)
        for S in sets:
            days = set().union(*(days_of.get(n, set()) for n in S))
            week_cap[S] += min(p.contracts[a.contract].max_days_week, len(days))
            for d in days:
                day_cap[(d, S)] += 1
    caps = []
    for S, cap in week_cap.items():
        caps.append(([o.index for o in p.options if o.template.name in S], cap))
    for (d, S), cap in day_cap.items():
        caps.append(([o.index for o in p.options if o.day == d and o.template.name in S], cap))
    return caps


def _rate_floor(
    p: _Problem, ai: int, ratemin: Mapping[str, float], usable_of: Mapping[str, set[str]]
) -> float:
    """Least the agent is paid above the cheapest rate of each template, over every
    week its contract allows: so many shifts of each template it may work (on no more
    days than it may work the template), its days and paid hours within the contract.

    A valid addition to the LP bounds, which price each shift at the cheapest rate:
    a full-time agent paid 22 on 8-h shifts and 20 on 4-h ones, with at least 32 h in
    at most five days, works at least three 8-h shifts, 48 above the part-timers' 20.
    0 when no week is legal (the check of each agent's rules names the clash).
    """
    a = p.agents[ai]
    c = p.contracts[a.contract]
    days_of = defaultdict(set)  # template -> days the agent may work it
    paid, extra = {}, {}
    for i in p.allowed[ai]:
        o = p.options[i]
        name = o.template.name
        if name in usable_of[a.contract]:
            days_of[name].add(o.day)
            paid[name] = o.paid_min
            extra[name] = (agent_rate(a, c, o.template) - ratemin[name]) * o.paid_min / 60
    lo = math.ceil(c.min_hours_week * 60 - 1e-9)
    hi = math.floor(c.max_hours_week * 60 + 1e-9)
    max_days = min(c.max_days_week, len(set().union(*days_of.values())) if days_of else 0)
    best = {(0, 0): 0.0}  # (shifts, paid minutes) -> least extra
    for name in sorted(days_of):
        nxt = dict(best)
        for (n, m), cost in best.items():
            for k in range(1, len(days_of[name]) + 1):
                key = (n + k, m + k * paid[name])
                if key[0] > max_days or key[1] > hi:
                    break
                val = cost + k * extra[name]
                if val < nxt.get(key, math.inf):
                    nxt[key] = val
        best = nxt
    legal = [v for (n, m), v in best.items() if n >= c.min_days_week and m >= lo]
    return max(0.0, min(legal)) if legal else 0.0


def _usable_by_contract(p: _Problem) -> dict[str, set[str]]:
    """:func:`_usable_templates` of every contract the agents have."""
    return {c: _usable_templates(p, p.contracts[c]) for c in {a.contract for a in p.agents}}


def _candidates(p: _Problem, base: set[int], grid_min: int = 120) -> None:
    """Candidate shifts per agent.

    The base shifts (plan or LP support) with one start step either side, plus every
    template on a ``grid_min`` grid; restricted to what the agent may work and to the
    templates its contract can use.  Agents with limited availability keep every
    shift they can work.
    """
    by_key = {(o.template.name, o.day, o.start_min): o.index for o in p.options}
    wide = set()
    for i in base:
        o = p.options[i]
        for k in (-1, 0, 1):
            j = by_key.get((o.template.name, o.day, o.start_min + k * o.template.start_step_min))
            if j is not None:
                wide.add(j)
    wide |= {
        o.index for o in p.options if (o.start_min - o.template.earliest_start_min) % grid_min == 0
    }
    usable = _usable_by_contract(p)
    for ai, a in enumerate(p.agents):
        ok = usable[a.contract]
        allowed = {i for i in p.allowed[ai] if p.options[i].template.name in ok}
        cand = allowed if a.availability else wide & allowed
        p.cand.append(sorted(cand))


# --------------------------------------------------------------------------- explanations


def _describe_rule(name: str, a: Agent, c: Contract, week: Week) -> str:
    if name == "weekly hours":
        return f"weekly hours ({c.min_hours_week:g}-{c.max_hours_week:g} h)"
    if name == "days per week":
        return f"days per week ({c.min_days_week}-{c.max_days_week})"
    if name == "max consecutive days":
        return f"at most {c.max_consecutive_days} days in a row"
    if name == "min rest":
        return f"{c.min_rest_h:g} h rest between shifts"
    if name == "two consecutive days off":
        return "two consecutive days off"
    if name == "weekend limit":
        return f"at most {c.max_weekend_days} weekend days"
    if name == "availability":
        win = ", ".join(
            f"{WEEKDAYS[w.day]} {fmt_min(w.start_min)}-{fmt_min(w.end_min)}" for w in a.availability
        )
        return f"availability ({win})"
    if name == "time off":
        return "time off (" + ", ".join(str(d) for d in a.time_off) + ")"
    return name


def _agent_feasible(p: _Problem, ai: int, options: list[ShiftOption], names) -> bool | None:
    a = p.agents[ai]
    m = cp_model.CpModel()
    av = rules.AgentVars.create(m, a, p.contracts[a.contract], p.week, options)
    rules.one_shift_per_day(m, av)
    for name in names:
        rules.AGENT_HARD_RULES[name](m, av)
    s = cp_model.CpSolver()
    s.parameters.num_workers = 1
    s.parameters.max_time_in_seconds = 5.0
    st = s.solve(m)
    if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return False if st == cp_model.INFEASIBLE else None


def _agent_check(p: _Problem, ai: int, options: list[ShiftOption]) -> list[str] | None:
    """None if the agent can be rostered alone; else a minimal set of clashing rules.

    A deletion filter over the hard agent rules: drop each rule in turn and keep it
    out if the rest is still infeasible; what remains clashes, and dropping any one of
    those rules would make the agent feasible.
    """
    names = list(rules.AGENT_HARD_RULES)
    ok = _agent_feasible(p, ai, options, names)
    if ok is None:
        return ["(undecided within 5 s)"]
    if ok:
        return None
    keep = list(names)
    for name in names:
        trial = [n for n in keep if n != name]
        if _agent_feasible(p, ai, options, trial) is False:
            keep = trial
    return keep or ["one shift per day"]


def _precheck(p: _Problem) -> list[str]:
    """Check each distinct agent profile alone; return one sentence per agent that cannot work."""
    problems = []
    seen: dict = {}
    for ai, a in enumerate(p.agents):
        c = p.contracts[a.contract]
        key = (a.contract, a.availability, a.time_off, tuple(p.cand[ai]))
        if key not in seen:
            opts = [p.options[i] for i in p.cand[ai]]
            clash = _agent_check(p, ai, opts)
            if clash is not None and not a.availability and not a.time_off:
                seen[key] = clash
            elif clash is not None:
                # explain against all shifts of the templates (hourly), not only candidates
                fits = [
                    o
                    for o in p.options
                    if o.paid_min <= c.max_hours_week * 60 + 1e-9
                    and (o.start_min - o.template.earliest_start_min) % 60 == 0
                ]
                seen[key] = _agent_check(p, ai, fits) or clash
            else:
                seen[key] = None
        clash = seen[key]
        if clash:
            what = " vs ".join(_describe_rule(n, a, c, p.week) for n in clash)
            problems.append(f"agent {a.id} (contract '{a.contract}'): {what}")
    return problems


def _lead_gaps(p: _Problem) -> list[str]:
    """Open intervals that no team lead can cover with any of its candidate shifts."""
    open_t = np.flatnonzero(p.req_units.sum(axis=0) > 0)
    covered = np.zeros(p.week.n_intervals, bool)
    for ai, a in enumerate(p.agents):
        if a.is_lead:
            for i in p.cand[ai]:
                for t, _ in p.options[i].cover:
                    covered[t] = True
    gaps = [int(t) for t in open_t if not covered[t]]
    return _ranges(gaps, p.week)


def _ranges(ts: list[int], week: Week) -> list[str]:
    out = []
    for t in ts:
        if out and out[-1][1] == t - 1:
            out[-1][1] = t
        else:
            out.append([t, t])
    text = []
    for a, b in out:
        s = week.timestamp(a * week.step_min)
        e = week.timestamp((b + 1) * week.step_min)
        text.append(f"{WEEKDAYS[s.weekday()]} {s:%H:%M}-{e:%H:%M}")
    return text


# --------------------------------------------------------------------------- pass 1


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


def _meeting_slots(p: _Problem, act: Activity) -> list[tuple[int, int]]:
    step = max(30, p.week.step_min)
    slots = []
    for d in range(7):
        if p.week.weekday(d) not in act.days:
            continue
        for s in range(act.earliest_start_min, act.latest_start_min + 1, step):
            slots.append((d * 1440 + s, act.length_min))
    return slots


def _meeting_members(p: _Problem, act: Activity) -> list[int]:
    return [
        ai
        for ai, a in enumerate(p.agents)
        if (act.team is not None and a.team == act.team) or a.id in act.attendees
    ]


_COMPAT_CACHE: dict = {}


def _holds(o: ShiftOption, mt: tuple[int, int] | None) -> bool:
    """The shift contains the meeting ``(abs_start, length)`` (None: no meeting)."""
    return mt is not None and o.abs_start <= mt[0] and mt[0] + mt[1] <= o.abs_end


def _compatible(o: ShiftOption, s: int, length: int) -> bool:
    if not (o.abs_start <= s and s + length <= o.abs_end):
        return False
    key = (o.template, s - o.abs_start, length)
    hit = _COMPAT_CACHE.get(key)
    if hit is None:
        hit = breaks_avoiding(o, [(s, s + length)]) is not None
        _COMPAT_CACHE[key] = hit
    return hit


def _on_phone_h(p: _Problem) -> dict[str, float]:
    """Hours on the phones of a shift of each template (its length less its breaks)."""
    return {
        o.template.name: (o.length_min - sum(b[0].length_min for b in o.breaks if b)) / 60
        for o in p.options
    }


def _lead_breach(ratio: int, lead, other, need_lead, open_) -> float:
    """Units by which the lead rules are broken over some intervals: agents above
    ``ratio`` per lead on shift, and missing leads (weighted by ``ratio``), where open."""
    gap = np.maximum(0.0, other - ratio * lead) + np.maximum(0.0, need_lead - lead) * ratio
    return float(gap[open_].sum())


def _on_shift(p: _Problem, assign: list[dict[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Units of leads and of other agents on shift per interval."""
    lead, other = np.zeros(p.week.n_intervals), np.zeros(p.week.n_intervals)
    for ai, days in enumerate(assign):
        for i in days.values():
            for t, u in p.options[i].cover:
                (lead if p.agents[ai].is_lead else other)[t] += u
    return lead, other


def _crew_breach(p: _Problem, assign: list[dict[int, int]]) -> float:
    """Units by which ``assign`` breaks the lead rules (as pass 1 states them)."""
    if p.lead_ratio <= 0:
        return 0.0
    total = p.req_units.sum(axis=0)
    lead, other = _on_shift(p, assign)
    need_lead = np.where(total > 0, float(p.week.units_per_interval), 0.0)
    return _lead_breach(p.lead_ratio, lead, other, need_lead, total > 0)


def _fair_shares(p: _Problem, plan: dict[int, int]) -> tuple[list[int], list[int]]:
    evening = sum(n for i, n in plan.items() if p.options[i].evening)
    weekend_total = sum(n for i, n in plan.items() if p.options[i].weekday in (5, 6))
    cap = [p.contracts[a.contract].max_days_week for a in p.agents]
    can_e = [any(p.options[i].evening for i in p.cand[ai]) for ai in range(len(p.agents))]
    can_w = [any(p.options[i].weekday in (5, 6) for i in p.cand[ai]) for ai in range(len(p.agents))]
    tot_e = sum(c for c, ok in zip(cap, can_e, strict=True) if ok) or 1
    tot_w = sum(c for c, ok in zip(cap, can_w, strict=True) if ok) or 1
    fe = [math.ceil(evening * c / tot_e) for c in cap]
    fw = [math.ceil(weekend_total * c / tot_w) for c in cap]
    return fe, fw


_FLUID_SCALE = 12
#: Share of the time limit for the agent-by-agent search that builds the start.
_LOCAL_SEARCH_SHARE = 0.01
#: Share of the time limit for matching agents' days and templates to the plan.
_PLAN_DAYS_SHARE = 0.2
#: Hours above its contract minimum an agent may take in the first round of the start.
_FIRST_ROUND_EXTRA_H = 2.0
#: Share of the time left after the searches for pass 1 (at most _PASS1_MAX_S seconds).
_PASS1_SHARE = 0.25
_PASS1_MAX_S = 2.0
#: Above this many candidate (agent, shift) pairs, pass 1 runs only to repair a start
#: that breaks a rule (the benchmark has 82,000, the demo 15,000).
_PASS1_MAX_CANDIDATES = 40_000
#: Share of the time limit for moving single shifts, when the start is not the plan's.
_SWAP_SEARCH_SHARE = 0.3
#: Share of the time limit for handing the same starts to other agents at less cost.
_REMATCH_SHARE = 0.05
#: Share of the time limit for exchanging working days between agents of one kind.
_DAY_EXCHANGE_SHARE = 0.05
#: Share of the time limit for matching whole weeks to the agents of one contract.
_WEEK_MATCH_SHARE = 0.03
#: Share of the time limit for adding or moving shifts, and moving breaks, where the
#: breaks placed by pass 2 leave requirement unmet.
_COVER_SHIFTS_SHARE = 0.04
#: Time kept for the frames and report after the last solve [s].
_REPORT_S = 2.0
#: Furthest a shift is moved on its day for the unmet requirement [min].
_MOVE_MIN = 120
#: Share of the time limit for adding shifts priced with the breaks around them placed
#: again; how many candidates are priced so before they are ranked again; the hours on
#: either side of a new shift whose unmet requirement it may meet by letting breaks
#: move [min].
_ADD_SHARE = 0.1
_ADD_TRIES = 3
_REACH_MIN = 90
_FLUID_CACHE: dict = {}


def _fluid_on(o: ShiftOption, scale: int) -> dict[int, int]:
    """Expected on-phone units x ``scale`` per interval, breaks spread over their positions."""
    key = (o.template, o.abs_start, o.cover, scale)  # not the index: it is per problem
    hit = _FLUID_CACHE.get(key)
    if hit is not None:
        return hit
    on = defaultdict(float)
    for t, u in o.cover:
        on[t] += u
    for slots in o.breaks:
        for s in slots:
            for t, u in s.cover:
                on[t] -= u / len(slots)
    out = {t: int(round(v * scale)) for t, v in on.items()}
    _FLUID_CACHE[key] = out
    return out


def _build_pass1(p: _Problem, plan: dict[int, int], crew_lits: bool = False) -> _Pass1:
    m = cp_model.CpModel()
    w = p.weights
    crew = rules.Crew(p.week, p.queues, p.req_units, p.classes, scale=_FLUID_SCALE)
    avs, penalties, cost_terms = [], [], []
    fair_e, fair_w = _fair_shares(p, plan)
    lits = {}
    brk = {}
    # agents
    groups: dict[tuple[int, int], list] = defaultdict(list)  # (class, option) -> x vars
    for ai, a in enumerate(p.agents):
        c = p.contracts[a.contract]
        opts = [p.options[i] for i in p.cand[ai]]
        av = rules.AgentVars.create(m, a, c, p.week, opts)
        avs.append(av)
        rules.one_shift_per_day(m, av)
        lit = None
        if crew_lits and a.is_lead:
            lit = m.new_bool_var(f"contract rules of lead {a.id}")
            lits[f"contract rules of lead {a.id}"] = lit
        for fn in rules.AGENT_HARD_RULES.values():
            fn(m, av, lit)
        penalties += rules.preferred_start(m, av, w["preferred start"])
        penalties += rules.preferred_days_off(m, av, w["preferred day off"])
        penalties += rules.preferred_shifts(m, av, w["preferred shift"])
        penalties += rules.start_consistency(m, av, w["start consistency"])
        penalties += rules.evening_fairness(m, av, fair_e[ai], w["evening fairness"])
        penalties += rules.weekend_fairness(m, av, fair_w[ai], w["weekend fairness"])
        penalties += rules.overtime(m, av)
        for o, v in zip(opts, av.x, strict=True):
            cost_terms.append((_cents(p.shift_cost(ai, o)), v))
            groups[(p.class_of[ai], o.index)].append(v)
    # aggregated counts per class and shift.  Breaks enter as their expected share
    # (every position of each break equally likely); pass 2 places them exactly.
    for (ci, oi), xs in groups.items():
        o = p.options[oi]
        n = m.new_int_var(0, len(xs), f"class {ci} on {o.label}")
        m.add(n == sum(xs))
        for t, u in o.cover:
            crew.sched[ci][t].append((u, n))
        for t, k in _fluid_on(o, crew.scale).items():
            if k:
                crew.on[ci][t].append((k, n))
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


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress, lo, hi, limit, label):
        super().__init__()
        self._p, self._lo, self._hi, self._limit, self._label = progress, lo, hi, limit, label
        self._t0 = time.perf_counter()

    def on_solution_callback(self):
        frac = min(1.0, (time.perf_counter() - self._t0) / max(self._limit, 1e-9))
        self._p(
            self._lo + (self._hi - self._lo) * frac,
            1.0,
            f"{self._label}: cost {self.objective_value / 100:,.0f}, bound {self.best_objective_bound / 100:,.0f}",
        )


def _solve(m, time_limit_s, num_workers, progress=None, lo=0.0, hi=1.0, label=""):
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = max(0.5, float(time_limit_s))
    s.parameters.num_workers = int(num_workers)
    # probing during presolve costs more than it brings on these large covering models
    s.parameters.cp_model_probing_level = 0
    cb = _Progress(progress, lo, hi, time_limit_s, label) if progress else None
    st = s.solve(m, cb)
    return s, st


# --------------------------------------------------------------------------- pass 2


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
    m = cp_model.CpModel()
    req_units = p.req_units if intervals is None else np.where(intervals, p.req_units, 0)
    crew = rules.Crew(p.week, p.queues, req_units, p.classes)
    one = m.new_constant(1)
    sched = [defaultdict(int) for _ in p.classes]
    off_const = [defaultdict(int) for _ in p.classes]
    z = {}  # (ai, day, r) -> list of (slot, var)
    tie = []
    total_req = p.req_units.sum(axis=0)
    fallback = {}
    for ai, days in enumerate(assign):
        ci = p.class_of[ai]
        for d, oi in days.items():
            o = p.options[oi]
            for t, u in o.cover:
                sched[ci][t] += u
            busy = []
            mt = meeting_times.get(ai)
            if _holds(o, mt):
                busy = [(mt[0], mt[0] + mt[1])]
                for t, u in p.week.cover(mt[0], mt[1]):
                    off_const[ci][t] += u
            first = breaks_avoiding(o, busy)
            if first is None:  # cannot happen for meetings placed in pass 1
                first = breaks_avoiding(o, [])
                busy = []
            fallback[(ai, d)] = list(first)
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
                z[(ai, d, r)] = list(zip(ok, vs, strict=True))
                for s, v in zip(ok, vs, strict=True):
                    for t, u in s.cover:
                        crew.off[ci][t].append((u, v))
                        tie.append((int(total_req[t]) * u, v))
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
    for ci in range(len(p.classes)):
        for t, u in sched[ci].items():
            crew.sched[ci][t].append((u, one))
            crew.on[ci][t].append((u, one))
        for t, u in off_const[ci].items():
            crew.off[ci][t].append((u, one))
        if const_on is not None:
            for t in np.flatnonzero(const_on[ci]):
                crew.on[ci][int(t)].append((int(const_on[ci, t]), one))
    pen, _ = rules.coverage(m, crew, p.weights["unmet requirement"])
    obj = []
    for pen_ in pen:
        obj.append(_cents(pen_.weight * pen_.per_unit) * pen_.var)
    m.minimize(sum(obj) + sum(c * v for c, v in tie))
    s, st = _solve(m, time_limit_s, num_workers)
    status = _STATUS.get(st, "NO_SOLUTION")
    placed = {}
    if status in ("OPTIMAL", "FEASIBLE"):
        for (ai, d, _r), lst in z.items():
            for slot, v in lst:
                if s.value(v):
                    placed.setdefault((ai, d), []).append(slot)
    else:  # keep the earliest legal placement and measure its coverage
        placed = fallback
    on = _on_phone_units(p, assign, placed, meeting_times)
    served, short = _serve(p, on)
    return _Pass2(placed, short, served, status, time.perf_counter() - t0)


def _hall_sets(p: _Problem) -> tuple[np.ndarray, np.ndarray]:
    """Requirement of each set of queues (S, T) and which classes serve it (S, C).

    By Hall's condition the unmet requirement of an interval is the largest shortfall
    of any set of queues against the agents trained on some queue of the set.
    """
    Q = len(p.queues)
    subsets = [[q for q in range(Q) if mask >> q & 1] for mask in range(1, 1 << Q)]
    req_s = np.array([p.req_units[qs].sum(axis=0) for qs in subsets], float)
    serve = np.array(
        [
            [
                float(
                    ALL_QUEUES in p.classes[c][0] or any(p.queues[q] in p.classes[c][0] for q in qs)
                )
                for c in range(len(p.classes))
            ]
            for qs in subsets
        ]
    )
    return req_s, serve


def _hall_short(req_s: np.ndarray, serve: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Unmet requirement per interval of on-phone units ``on`` (classes x intervals)
    against the requirement of each set of queues ``req_s`` (:func:`_hall_sets`)."""
    return np.maximum(0.0, (req_s - serve @ on).max(axis=0))


def _hall_unmet(req_s: np.ndarray, serve: np.ndarray, on: np.ndarray) -> float:
    """Unmet requirement of ``on`` over the intervals (:func:`_hall_short`)."""
    return float(_hall_short(req_s, serve, on).sum())


def _earliest_breaks(o: ShiftOption, mt: tuple[int, int] | None) -> list:
    """The shift's earliest legal breaks, clear of its agent's meeting if it holds it."""
    busy = [(mt[0], mt[0] + mt[1])] if _holds(o, mt) else []
    return list(breaks_avoiding(o, busy) or breaks_avoiding(o, []) or ())


def _class_queues(p: _Problem) -> np.ndarray:
    """Which queues (columns) each class of agents (rows) is trained on."""
    return np.array(
        [[k[0] == frozenset({ALL_QUEUES}) or q in k[0] for q in p.queues] for k in p.classes]
    )


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
    best = _hall_unmet(req_s, serve, on)
    rounds, solved = 0, set()
    while True:
        statuses = []
        for k, d in enumerate(todo):
            left = time_limit_s - (time.perf_counter() - t0)
            if rounds and left < overhead + 0.5:
                break  # a later round stops where the time does
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
            tl = max(0.2, share * left - overhead)
            r, const = _place_breaks_among(p, sub, rest, placed, meeting_times, tl, num_workers,
                                           hint)
            overhead = max(0.0, r.wall_s - tl)
            statuses.append(r.status)
            if r.status in ("OPTIMAL", "FEASIBLE"):
                # kept only if no worse (a short solve may miss the hinted placement)
                trial_on = const + _on_phone_units(p, sub, r.breaks, meeting_times)
                new = _hall_unmet(req_s, serve, trial_on)
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
        return _hall_unmet(req_s, serve, const + _on_phone_units(p, new, brk, meeting_times))

    if r.status in ("OPTIMAL", "FEASIBLE") and unmet(r.breaks) <= unmet(start):
        breaks.update(r.breaks)
    else:
        breaks.update(start)
    served, short = _serve(p, _on_phone_units(p, more, breaks, meeting_times))
    return _Pass2(breaks, short, served, placed.status, placed.wall_s + r.wall_s)


def _on_phone_units(p, assign, placed, meeting_times) -> np.ndarray:
    """On-phone units per class and interval of a full roster."""
    on = np.zeros((len(p.classes), p.week.n_intervals), int)
    for ai, days in enumerate(assign):
        ci = p.class_of[ai]
        for d, oi in days.items():
            for t, u in _on_phone_of(
                p, p.options[oi], placed.get((ai, d), []), meeting_times.get(ai)
            ).items():
                on[ci, t] += u
    return on


def _on_phone_of(
    p: _Problem, o: ShiftOption, breaks: Sequence, mt: tuple[int, int] | None
) -> dict[int, int]:
    """On-phone units per interval of one shift, its breaks placed and its agent's
    meeting (when the shift holds it) taken off."""
    on = defaultdict(int)
    for t, u in o.cover:
        on[t] += u
    for slot in breaks:
        for t, u in slot.cover:
            on[t] -= u
    if _holds(o, mt):
        for t, u in p.week.cover(mt[0], mt[1]):
            on[t] -= u
    return on


def _serve(p: _Problem, on: np.ndarray) -> tuple[np.ndarray, dict]:
    """Assign on-phone units of each class to its queues (max flow per interval).

    A small LP-free greedy is exact here only for nested skills; use a max-flow per
    interval through scipy for the general case.
    """
    from scipy.optimize import linprog

    Q, T = p.req_units.shape
    served = np.zeros((Q, T))
    short = {}
    skill = _class_queues(p).astype(float)
    for t in range(T):
        need = p.req_units[:, t].astype(float)
        have = on[:, t].astype(float)
        if have.sum() == 0:
            for qi in range(Q):
                if need[qi] > 0:
                    short[(qi, t)] = int(need[qi])
            continue
        pairs = [(c, q) for c in range(len(p.classes)) for q in range(Q) if skill[c, q]]
        if Q == 1:
            tot = sum(have[c] for c, _ in pairs)
            served[0, t] = tot
            if need[0] > tot:
                short[(0, t)] = int(need[0] - tot)
            continue
        # maximise served min(need) first, then spread the rest: two-stage LP
        n = len(pairs)
        A_ub, b_ub = [], []
        for c in range(len(p.classes)):
            row = [1.0 if pc == c else 0.0 for pc, _ in pairs]
            A_ub.append(row)
            b_ub.append(have[c])
        capped = np.zeros(n)
        res = linprog(
            -np.ones(n),
            A_ub=np.array(A_ub + [[1.0 if pq == q else 0.0 for _, pq in pairs] for q in range(Q)]),
            b_ub=np.array(b_ub + list(need)),
            bounds=(0, None),
            method="highs",
        )
        capped = res.x if res.status == 0 else capped
        for (_c, q), v in zip(pairs, capped, strict=True):
            served[q, t] += v
        for qi in range(Q):
            gap = need[qi] - served[qi, t]
            if gap > 1e-6:
                short[(qi, t)] = int(round(gap))
        # idle agents go to the busiest queue they know (reporting only)
        left = have.copy()
        for (c, _q), v in zip(pairs, capped, strict=True):
            left[c] -= v
        for c in range(len(p.classes)):
            if left[c] > 1e-9:
                qs = [q for q in range(Q) if skill[c, q]]
                if qs:
                    served[max(qs, key=lambda q: need[q]), t] += left[c]
    return served, short


# --------------------------------------------------------------------------- results


def _frames(p: _Problem, assign, placed, meeting_times, meeting_names):
    week = p.week
    srows, brows = [], []
    k = 0
    for ai, days in enumerate(assign):
        a = p.agents[ai]
        for d in sorted(days):
            o = p.options[days[d]]
            k += 1
            sid = f"S{k:05d}"
            unpaid = sum(s.length_min for s in placed.get((ai, d), []) if not s.paid)
            srows.append(
                {
                    "shift_id": sid,
                    "agent_id": a.id,
                    "template": o.template.name,
                    "day": week.date(d),
                    "start": week.timestamp(o.abs_start),
                    "end": week.timestamp(o.abs_end),
                    "paid_h": (o.length_min - unpaid) / 60 if placed.get((ai, d)) else o.paid_h,
                    "cost": round(p.shift_cost(ai, o), 2),
                    "team": a.team or "",
                    "contract": a.contract,
                }
            )
            for slot in placed.get((ai, d), []):
                s = o.abs_start + slot.offset_min
                brows.append(
                    {
                        "shift_id": sid,
                        "kind": "lunch" if "lunch" in slot.name.lower() else "break",
                        "name": slot.name,
                        "start": week.timestamp(s),
                        "end": week.timestamp(s + slot.length_min),
                        "paid": slot.paid,
                    }
                )
            mt = meeting_times.get(ai)
            if _holds(o, mt):
                name = meeting_names[ai]
                brows.append(
                    {
                        "shift_id": sid,
                        "kind": "training" if "train" in name.lower() else "meeting",
                        "name": name,
                        "start": week.timestamp(mt[0]),
                        "end": week.timestamp(mt[0] + mt[1]),
                        "paid": True,
                    }
                )
    shifts = pd.DataFrame(srows, columns=list(SHIFT_COLUMNS) + ["team", "contract"])
    breaks = pd.DataFrame(brows, columns=list(BREAK_COLUMNS))
    if len(breaks):
        breaks = breaks.sort_values(["shift_id", "start"], kind="stable").reset_index(drop=True)
    return shifts, breaks


def _coverage_frame(p: _Problem, assign, served: np.ndarray) -> pd.DataFrame:
    from wfm import erlang

    week = p.week
    upi = week.units_per_interval
    sched = np.zeros((len(p.queues), week.n_intervals))
    for ai, days in enumerate(assign):
        k = p.classes[p.class_of[ai]][0]
        for oi in days.values():
            for t, u in p.options[oi].cover:
                for qi, q in enumerate(p.queues):
                    if q in k or q == ALL_QUEUES:
                        sched[qi, t] += u / upi
    rows = []
    starts = [week.timestamp(t * week.step_min) for t in range(week.n_intervals)]
    for qi, q in enumerate(p.queues):
        on = served[qi] / upi
        sl = np.full(week.n_intervals, np.nan)
        asa = np.full(week.n_intervals, np.nan)
        occ = np.full(week.n_intervals, np.nan)
        if p.traffic is not None:
            tr = p.traffic[qi]
            aht = p.aht_s[qi]
            ok = aht > 0
            if ok.any():
                sl[ok] = erlang.service_level(on[ok], tr[ok], aht[ok], p.target.answer_within_s)
                asa[ok] = erlang.average_speed_of_answer(on[ok], tr[ok], aht[ok])
                occ[ok] = erlang.occupancy(on[ok], tr[ok])
        frame = pd.DataFrame(
            {
                "queue": q,
                "interval_start": starts,
                "scheduled": sched[qi],
                "on_phone": on,
                "agents_needed": p.req[qi],
                "service_level": sl,
                "asa_s": asa,
                "occupancy": occ,
            }
        )
        rows.append(frame)
    cov = pd.concat(rows, ignore_index=True)
    if len(p.queues) == 1:
        cov = cov.drop(columns="queue")
    return cov


def _repriced(p: _Problem, plan: dict[int, int], assign, agents) -> list[tuple] | None:
    """The soft rules of ``agents``' weeks in ``assign`` as pass 1 prices them: one small
    CP-SAT per agent with its shifts fixed.  Returns (penalty, solver) pairs; None if a
    week breaks one of the agent's hard rules."""
    fair_e, fair_w = _fair_shares(p, plan)
    out = []
    for ai in agents:
        am = _agent_model(p, ai, (fair_e[ai], fair_w[ai]))
        chosen = set(assign[ai].values())
        for o, v in zip(am.av.options, am.av.x, strict=True):
            am.model.add(v == int(o.index in chosen))
        am.model.minimize(am.penalty)
        s = cp_model.CpSolver()
        s.parameters.num_workers = 1
        s.parameters.max_time_in_seconds = 5.0
        if s.solve(am.model) != cp_model.OPTIMAL:
            return None
        out += [(pen, s) for pen in am.penalties]
    return out


def _penalty_rows(
    p: _Problem, priced: Sequence[tuple], short: dict, absent: list[int],
    repriced: Sequence[tuple] = (),
) -> list[dict]:
    """Rows of the penalty report: the (penalty, solver) pairs of ``priced`` at their
    values (those of agents in ``repriced`` at the values of their later solves), meeting
    absences and the unmet requirement of the placed breaks per queue and day."""
    rows = []
    again = {pen.subject for pen, _ in repriced}
    for ai in absent:
        w = p.weights["meeting absence"]
        rows.append(
            {
                "rule": "meeting absence",
                "subject": p.agents[ai].id,
                "amount": 1.0,
                "unit": "meetings",
                "cost": w,
            }
        )
    valued = [(pen, s) for pen, s in priced if pen.subject not in again] + list(repriced)
    for pen, solver in valued:
        if pen.rule in ("unmet requirement", "meeting absence"):
            continue
        v = solver.value(pen.var)
        if v:
            amount = v * pen.per_unit
            rows.append(
                {
                    "rule": pen.rule,
                    "subject": pen.subject,
                    "amount": round(amount, 4),
                    "unit": pen.unit,
                    "cost": round(amount * pen.weight, 2),
                }
            )
    per_day = defaultdict(float)
    for (qi, t), units in short.items():
        if units:
            d = (t * p.week.step_min) // 1440
            per_day[(qi, d)] += units * p.week.unit_min / 60
    price = p.weights["unmet requirement"]
    for (qi, d), h in sorted(per_day.items()):
        q = p.queues[qi]
        subject = f"{q} {WEEKDAYS[p.week.weekday(d)]} {p.week.date(d)}"
        rows.append(
            {
                "rule": "unmet requirement",
                "subject": subject,
                "amount": round(h, 4),
                "unit": "agent-h",
                "cost": round(h * price, 2),
            }
        )
    return rows


def schedule_table(result: SolveResult) -> pd.DataFrame:
    """One row per agent and working day: start, end, breaks and activities as text.

    Parameters
    ----------
    result : SolveResult
        A roster from :func:`build_roster`.

    Returns
    -------
    DataFrame
        Columns ``agent_id``, ``team``, ``day``, ``weekday``, ``template``, ``start``,
        ``end``, ``paid_h``, ``cost``, ``breaks``, ``activities``.
    """
    sh = result.shifts
    br = result.breaks
    rows = []
    by_shift = {k: g for k, g in br.groupby("shift_id")} if len(br) else {}
    for r in sh.itertuples(index=False):
        g = by_shift.get(r.shift_id)
        brk = act = ""
        if g is not None:
            b = g[g["kind"].isin(["break", "lunch"])]
            a = g[~g["kind"].isin(["break", "lunch"])]
            brk = ", ".join(f"{x.name} {x.start:%H:%M}-{x.end:%H:%M}" for x in b.itertuples())
            act = ", ".join(f"{x.name} {x.start:%H:%M}-{x.end:%H:%M}" for x in a.itertuples())
        rows.append(
            {
                "agent_id": r.agent_id,
                "team": getattr(r, "team", ""),
                "day": r.day,
                "weekday": WEEKDAYS[pd.Timestamp(r.day).weekday()],
                "template": r.template,
                "start": r.start,
                "end": r.end,
                "paid_h": r.paid_h,
                "cost": r.cost,
                "breaks": brk,
                "activities": act,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "agent_id",
            "team",
            "day",
            "weekday",
            "template",
            "start",
            "end",
            "paid_h",
            "cost",
            "breaks",
            "activities",
        ],
    )


# --------------------------------------------------------------------------- entry point


def build_roster(
    plan_or_requirements,
    agents: Sequence[Agent],
    contracts: Mapping[str, Contract],
    templates: Sequence[ShiftTemplate],
    *,
    activities: Sequence[Activity] = (),
    weights: Mapping[str, float] | None = None,
    week_start=None,
    time_limit_s: float = 60.0,
    num_workers: int = 2,
    progress: Progress | None = None,
    requirements: pd.DataFrame | None = None,
    cover: str = "staff_needed",
    target: ServiceTarget | None = None,
    lead_ratio: int = 15,
) -> SolveResult:
    """Assign a week of shifts, breaks and meetings to named agents.

    Parameters
    ----------
    plan_or_requirements : SolveResult, DataFrame
        A shift plan from :func:`solver.plan_shifts` (or its shifts frame: one row per
        anonymous agent-shift with ``template`` and ``start``), whose shifts are the
        candidates and hint; or a requirements frame (``queue``, ``interval_start`` and
        the ``cover`` column), from which shifts are chosen directly.
    agents : sequence of Agent
    contracts : mapping str -> Contract
        By name, for every ``Agent.contract``.
    templates : sequence of ShiftTemplate
    activities : sequence of Activity
        Meetings with the whole team (``team``) or a list of ``attendees``, placed at
        one common time where they cost the least service (``together`` is assumed).
    weights : mapping str -> float, optional
        Prices of the soft rules [currency per unit]; keys of
        :data:`solver.roster_rules.DEFAULT_WEIGHTS`.
    week_start : Timestamp, optional
        Midnight at which the week starts; by default the first day of the input.
    time_limit_s : float
        Wall-clock limit of the whole solve [s].
    num_workers : int
        CP-SAT worker threads.
    progress : callable (done, total, message), optional
    requirements : DataFrame, optional
        Per-queue requirement to cover when a plan is given (by default the plan's
        coverage frame, or the plan's own on-phone agents).
    cover : str
        Requirement column to cover with agents on the phones (breaks are planned, so
        ``staff_needed``, which adds shrinkage, is the default).
    target : ServiceTarget, optional
        For the service level of the coverage frame (default 80/20).
    lead_ratio : int
        One team lead on shift per this many other agents on shift; 0 switches both
        supervision rules off.

    Returns
    -------
    SolveResult
        ``shifts`` with ``agent_id`` (plus ``team``, ``contract``), ``breaks`` with the
        breaks and meetings, ``coverage``, ``penalties`` (every bent soft rule and the
        unmet requirement), ``objective`` (wages + penalties), ``bound`` and ``gap``;
        on infeasibility ``message`` names the agents and rules that clash.

    Notes
    -----
    Week boundaries: rest, consecutive days and days off are counted inside the week
    (Monday to Sunday); coverage wraps (a Sunday-night shift covers Monday morning).
    """
    t_start = time.perf_counter()
    prog = progress or (lambda done, total, message="": None)
    if time_limit_s <= 0:
        raise InputError("time_limit_s", time_limit_s, "seconds > 0")
    if num_workers < 1:
        raise InputError("num_workers", num_workers, "an integer >= 1")

    def clock() -> float:
        return time.perf_counter() - t_start

    prog(0.0, 1.0, "preparing")
    p = _prepare(
        plan_or_requirements,
        agents,
        contracts,
        templates,
        activities,
        weights,
        week_start,
        requirements,
        cover,
        target or ServiceTarget(),
    )
    p.lead_ratio = int(lead_ratio)
    bounds, base_plan, plan_source = _plan_and_bounds(p, prog)
    stats = {
        "agents": len(p.agents),
        "queues": p.queues,
        "classes": len(p.classes),
        "options": len(p.options),
        "candidates": int(sum(len(c) for c in p.cand)),
        "lp_bound": bounds.lp.value,
        "lp_bound_contract_hours": bounds.contract.value,
        "lp_bound_meetings": bounds.meetings.value,
        "lp_bound_weekends": bounds.weekends.value,
        "bound_above_min_rate": bounds.above_min_rate,
        "lp_shortfall_h": bounds.lp.shortfall_h,
        "plan_source": plan_source,
        "interval_min": p.week.step_min,
        "unit_min": p.week.unit_min,
    }
    prog(0.05, 1.0, "checking each agent's rules")
    stats["t_prepare_lp_s"] = clock()
    problems = _precheck(p)
    stats["t_precheck_s"] = clock()
    if problems:
        return SolveResult(
            status="INFEASIBLE",
            wall_time_s=clock(),
            message="no roster: " + "; ".join(problems),
            stats=stats,
        )
    hint = _start(p, base_plan, time_limit_s, stats, clock, prog)
    out = _shifts_from_start(p, base_plan, hint, time_limit_s, num_workers, progress, stats, clock)
    if isinstance(out, SolveResult):
        return out
    assign, priced, slot_of = out
    meeting_times, meeting_names, absent = _attendance(p, assign, slot_of)
    prog(0.87, 1.0, "placing breaks")
    stats["t_pass1_s"] = clock()
    assign, p2, repriced = _breaks_and_cover(
        p, base_plan, assign, meeting_times, time_limit_s, num_workers, stats, clock
    )
    shifts, breaks = _frames(p, assign, p2.breaks, meeting_times, meeting_names)
    coverage = _coverage_frame(p, assign, p2.served)
    prows = _penalty_rows(p, priced, p2.short_units, absent, repriced)
    penalties = pd.DataFrame(prows, columns=list(PENALTY_COLUMNS))
    wages = float(shifts["cost"].sum())
    objective = wages + float(penalties["cost"].sum())
    bound = min(bounds.value, objective)
    stats.update(wages=wages, penalty_cost=float(penalties["cost"].sum()))
    status = "OPTIMAL" if objective - bound <= 1e-9 * max(1.0, abs(objective)) else "FEASIBLE"
    prog(1.0, 1.0, "done")
    res = SolveResult(
        status=status,
        objective=objective,
        bound=bound,
        wall_time_s=clock(),
        shifts=shifts,
        breaks=breaks,
        coverage=coverage,
        penalties=penalties,
        stats=stats,
    )
    res.message = (
        f"{len(shifts)} shifts for {sum(1 for a in assign if a)} of {len(p.agents)} agents; "
        f"wages {wages:,.2f}, penalties {stats['penalty_cost']:,.2f}"
    )
    return res


@dataclass
class _Bounds:
    """The LP lower bounds of a roster (:func:`_plan_and_bounds`)."""

    lp: LPBound  # anonymous: every shift of the templates at the cheapest rate
    contract: LPBound  # with the contracts' hours, days and single-template weeks
    meetings: LPBound  # and each meeting member attending or absent
    weekends: LPBound  # and the weekend fairness of single-template day patterns
    above_min_rate: float  # what agents are paid above the cheapest rate, at least

    @property
    def value(self) -> float:
        """The best bound.  Pass 1 spreads breaks evenly, which is not a relaxation of
        placing them: its CP-SAT bound is kept in stats only."""
        extra = self.above_min_rate
        return max(self.lp.value, self.contract.value + extra, self.meetings.value + extra,
                   self.weekends.value + extra)


def _plan_and_bounds(p: _Problem, prog) -> tuple[_Bounds, dict[int, int], str]:
    """The LP bounds, the meetings' slots, the plan the roster starts from (the given
    plan, or the rounded LP plan with the meetings' attendees staffed) and the agents'
    candidate shifts.  Returns (bounds, plan counts by option, plan source)."""
    upi_price = p.weights["unmet requirement"] * p.week.unit_min / 60
    # LP bound over every shift of the templates, priced at the cheapest agent rate
    ratemin = {}
    for t in {o.template.name: o.template for o in p.options}.values():
        ratemin[t.name] = min(agent_rate(a, p.contracts[a.contract], t) for a in p.agents)
    option_cost = np.array([ratemin[o.template.name] * o.weighted_paid_h for o in p.options])
    total_req = p.req_units.sum(axis=0)
    prog(0.02, 1.0, "LP bound")
    lp = lp_bound(p.options, p.week, total_req, option_cost, upi_price)
    min_paid = sum(p.contracts[a.contract].min_hours_week for a in p.agents)
    only = defaultdict(int)
    fixed = defaultdict(int)  # contracts that can use a single template
    usable_of = _usable_by_contract(p)
    for a in p.agents:
        c = p.contracts[a.contract]
        usable = usable_of[a.contract]
        if len(usable) == 1:
            only[next(iter(usable))] += c.min_days_week
            fixed[(a.contract, next(iter(usable)))] += 1
    day_groups, group_contract, group_weekend = [], [], []
    for (cname, tname), count in fixed.items():
        c = p.contracts[cname]
        weekend = [d for d in range(7) if p.week.weekday(d) in c.weekend_days]
        pats = day_patterns(
            c.min_days_week,
            c.max_days_week,
            c.max_consecutive_days,
            c.two_consecutive_days_off,
            c.max_weekend_days,
            weekend,
        )
        if pats:
            day_groups.append((tname, count, pats))
            group_contract.append(cname)
            group_weekend.append(weekend)
    max_paid = sum(p.contracts[a.contract].max_hours_week for a in p.agents)
    caps = _shift_caps(p)
    # The LPs price every shift at the cheapest rate any agent is paid for it.  What an
    # agent is paid above that on the cheapest week its contract allows is a constant
    # the contract bounds add.
    above_min_rate = sum(_rate_floor(p, ai, ratemin, usable_of) for ai in range(len(p.agents)))

    def contract_lp(req_units, meetings=None, groups=None):
        return lp_bound(
            p.options,
            p.week,
            req_units,
            option_cost,
            upi_price,
            min_total_paid_h=min_paid,
            min_template_count=dict(only),
            day_groups=groups or day_groups,
            max_total_paid_h=max_paid,
            max_counts=caps,
            meetings=meetings,
        )

    try:
        lp_c = contract_lp(total_req)
    except SolveError:
        # the contracts cannot all be kept (the agent-by-agent check below names who)
        lp_c = lp
    lp_plan = lp_m = lp_c
    # a meeting has one time for all its members: those who may work no shift holding
    # it are absent, at least as many as at its best slot
    meeting_rows = [
        (
            len(members),
            [p.week.cover(*sl) for sl in slots],
            p.weights["meeting absence"],
            len(members) - max(fit for _, fit, _ in _attendable(p, members, slots)),
        )
        for act in p.activities
        if (members := _meeting_members(p, act)) and (slots := _meeting_slots(p, act))
    ]
    if meeting_rows and lp_c is not lp:
        # each member attends (off the phones) or is absent: a bound with the meetings
        lp_m = contract_lp(total_req, meeting_rows)
    if p.activities:
        # meetings at the slots the LP prices lowest; the plan staffs their attendees

        def resolve(extra):
            try:
                return contract_lp(total_req + extra)
            except SolveError:
                return lp_bound(p.options, p.week, total_req + extra, option_cost, upi_price)

        prog(0.03, 1.0, "placing meetings")
        lp_plan, _ = _choose_meeting_slots(p, lp_c, resolve)
    if p.plan_counts:
        base_plan, plan_source = dict(p.plan_counts), "plan"
    else:
        base_plan, plan_source = round_plan(lp_plan.counts), "rounded LP"
    base = set(base_plan) | {int(i) for i in np.flatnonzero(lp_plan.counts > 1e-6)}
    _candidates(p, base)
    # with the plan, the fair shares are known: the weekend days that an agent of one
    # template's day patterns works above its share cost weekend fairness in the bound
    lp_soft = lp_m if meeting_rows else lp_c
    if day_groups and lp_c is not lp and p.weights["weekend fairness"] > 0:
        _, fair_w = _fair_shares(p, base_plan)
        share = {p.agents[ai].contract: fair_w[ai] for ai in range(len(p.agents))}
        priced = [
            (*group, [
                p.weights["weekend fairness"] * max(0, sum(pat[d] for d in wk) - share[cname])
                for pat in group[2]
            ])
            for group, cname, wk in zip(day_groups, group_contract, group_weekend, strict=True)
        ]
        if any(any(g[3]) for g in priced):
            try:
                lp_soft = contract_lp(total_req, meeting_rows or None, priced)
            except SolveError:
                pass  # the bound without the weekends stays: valid, only weaker
    return _Bounds(lp, lp_c, lp_m, lp_soft, above_min_rate), base_plan, plan_source


def _start(p: _Problem, base_plan: dict[int, int], time_limit_s: float, stats: dict, clock,
           prog) -> list[dict[int, int]]:
    """A roster that keeps each agent's rules, built from the plan and improved by the
    searches in turn (each within its share of ``time_limit_s``).  Their counts and
    finishing times go to ``stats``."""
    prog(0.06, 1.0, "matching agents to the plan's shifts")
    days = _plan_days(p, base_plan, _PLAN_DAYS_SHARE * time_limit_s)
    start = _plan_starts(p, base_plan, days) if days is not None else None
    if start is not None:
        start, stats["plan_gap_moves"] = _fill_plan_gaps(p, start, base_plan)
    stats["plan_matched"] = days is not None
    stats["t_plan_match_s"] = clock()
    hint, n_rounds = _local_search(p, base_plan, _LOCAL_SEARCH_SHARE * time_limit_s, start=start)
    stats["local_search_rounds"] = n_rounds
    stats["local_search_s"] = clock()
    # Single-shift moves price breaks at their average share.  From the plan's own
    # starts they lost more than they won (on the 400-agent benchmark, unmet
    # requirement after the breaks went from 47 to 117 agent-hours): there they only
    # mend a breach of the lead rules.  A start built without the plan gets the sweeps.
    budget = _SWAP_SEARCH_SHARE * time_limit_s if start is None else 0.0
    hint, n_sweeps = _swap_search(p, hint, base_plan, budget)
    stats["swap_search_sweeps"] = n_sweeps
    stats["swap_search_s"] = clock()
    hint, n_rounds = _rematch_starts(p, hint, base_plan, _REMATCH_SHARE * time_limit_s)
    stats["rematch_rounds"] = n_rounds
    stats["rematch_s"] = clock()
    hint, stats["day_exchanges"] = _exchange_days(
        p, hint, base_plan, _DAY_EXCHANGE_SHARE * time_limit_s
    )
    stats["day_exchange_s"] = clock()
    hint, stats["weeks_rehanded"] = _match_weeks(
        p, hint, base_plan, _WEEK_MATCH_SHARE * time_limit_s
    )
    stats["week_match_s"] = clock()
    hint, stats["meeting_mend_moves"] = _mend_meeting_absences(p, hint, base_plan)
    stats["meeting_mend_s"] = clock()
    return hint


def _shifts_from_start(
    p: _Problem, base_plan: dict[int, int], hint: list[dict[int, int]], time_limit_s: float,
    num_workers: int, progress, stats: dict, clock,
) -> tuple[list[dict[int, int]], list[tuple], dict] | SolveResult:
    """The week's shifts: the start itself when it keeps every rule on a large team,
    else pass 1 from it.  Returns (assignment, (penalty, solver) pairs of the soft
    rules, meeting slot by activity name), or the SolveResult saying why there is no
    roster."""
    prog = progress or (lambda done, total, message="": None)
    # Pass 1, on a large team only to repair a start that breaks a rule.  From the
    # 400-agent benchmark's legal start its search never began within its time (with
    # and without meetings), while building and loading its model took 7 s of the 60 s,
    # 14 s with meetings, which pass 2 puts to better use.  On small teams it searches.
    priced = None  # (penalty, solver) pairs of the roster's soft rules
    if stats["candidates"] > _PASS1_MAX_CANDIDATES and not _crew_breach(p, hint):
        priced = _repriced(p, base_plan, hint, range(len(p.agents)))
        stats["pass1_status"] = "not run (the start keeps every rule)"
    if priced is None:
        prog(0.1, 1.0, "building the roster model")
        pass1 = _build_pass1(p, base_plan)
        stats["t_build_s"] = clock()
        hint_cost = _complete_hint(pass1, hint, num_workers)
        stats["t_hint_s"] = clock()
        stats["greedy_cost_pass1"] = hint_cost
        elapsed = clock()
        reserve = 1.5 + 0.05 * time_limit_s  # frames and reports after the solves
        remaining = max(1.0, time_limit_s - elapsed - reserve)
        t1 = min(_PASS1_SHARE * remaining, _PASS1_MAX_S)
        s1, st1 = _solve(pass1.model, max(0.5, t1), num_workers, progress, 0.15, 0.85, "shifts")
        status1 = _STATUS.get(st1, "NO_SOLUTION")
        if status1 == "NO_SOLUTION" and hint_cost is not None:
            # out of time before the search started: the start keeps every rule
            priced = _repriced(p, base_plan, hint, range(len(p.agents)))
            stats["pass1_from_start"] = True
        left = time_limit_s - clock() - reserve
        if priced is None and status1 == "NO_SOLUTION" and left > 2.0:
            # the start breaks a crew rule and the short solve found no roster: pass 1
            # gets the time left but a fifth, kept for the breaks
            s1, st1 = _solve(pass1.model, 0.8 * left, num_workers, progress, 0.15, 0.85, "shifts")
            status1 = _STATUS.get(st1, "NO_SOLUTION")
            stats["pass1_retried"] = True
        stats.update(
            pass1_status=status1 if priced is None else "no solution in its time: the start is kept",
            pass1_wall_s=s1.wall_time,
            pass1_objective=s1.objective_value / 100 if status1 in ("OPTIMAL", "FEASIBLE") else None,
            pass1_bound=s1.best_objective_bound / 100,
            variables=len(pass1.model.proto.variables),
            constraints=len(pass1.model.proto.constraints),
        )
        if priced is None and status1 not in ("OPTIMAL", "FEASIBLE"):
            msg = _explain(p, base_plan, status1, num_workers)
            return SolveResult(
                status=status1 if status1 != "NO_SOLUTION" else "NO_SOLUTION",
                wall_time_s=clock(),
                message=msg,
                stats=stats,
            )
    if priced is not None:  # the start is the roster
        assign = hint
        _meeting_fits(p)  # sets the slot of every meeting
        slot_of = {act.name: p.meeting_slot.get(act.name) for act in p.activities}
    else:
        assign = [
            {o.day: o.index for o, v in zip(av.options, av.x, strict=True) if s1.value(v)}
            for av in pass1.avs
        ]
        priced = [(pen, s1) for pen in pass1.penalties]
        slot_of = {
            act.name: slots[next(j for j, v in enumerate(y) if s1.value(v))]
            for act, slots, y, _ in pass1.meetings
        }
    return assign, priced, slot_of


def _attendance(
    p: _Problem, assign: list[dict[int, int]], slot_of: dict
) -> tuple[dict[int, tuple[int, int]], dict[int, str], list[int]]:
    """Each meeting's time and who attends it (:func:`_meeting_time`).  Returns the
    time and meeting name by attending member, and the absent members."""
    meeting_times, meeting_names, absent = {}, {}, []
    for act in p.activities:
        members = _meeting_members(p, act)
        if not members or slot_of.get(act.name) is None:
            continue
        sl, present = _meeting_time(p, act, members, assign, slot_of[act.name])
        for ai in members:
            if ai in present:
                meeting_times[ai] = sl
                meeting_names[ai] = act.name
            else:
                absent.append(ai)
    return meeting_times, meeting_names, absent


def _breaks_and_cover(
    p: _Problem, base_plan: dict[int, int], assign: list[dict[int, int]], meeting_times: dict,
    time_limit_s: float, num_workers: int, stats: dict, clock,
) -> tuple[list[dict[int, int]], _Pass2, list[tuple]]:
    """Pass 2 places the breaks; then shifts are added or moved, and breaks moved, where
    requirement is left unmet (:func:`_cover_unmet`), and shifts added with the breaks
    around them placed again (:func:`_add_with_breaks_moved`).  Returns the final
    assignment, its placed breaks and the (penalty, solver) pairs of the agents whose
    weeks changed (none if one of those weeks breaks a rule: then no change is kept)."""
    # kept for the changes after pass 2, their pricing and breaks (1 s), and 1 s for
    # pass 2 running over
    step_s = _COVER_SHIFTS_SHARE * time_limit_s
    add_s = _ADD_SHARE * time_limit_s
    pass2_s = time_limit_s - clock() - _REPORT_S - step_s - add_s - 2.0
    # one day at a time: on the 400-agent benchmark, 6 s leave 150-300 unmet agent-hours
    # by day and 320-440 in one model (equal at 12 s).  No hint from pass 1's break
    # counts: handed to the agents in order, they led CP-SAT to three times the unmet
    p2 = _place_breaks_by_day(p, assign, meeting_times, max(0.5, pass2_s), num_workers)
    stats["t_pass2_s"] = clock()
    stats.update(pass2_status=p2.status, pass2_wall_s=p2.wall_s)
    # shifts added or moved, and breaks moved, where the placed breaks leave requirement
    # unmet, the new shifts' breaks placed among the others'; then shifts added with
    # the breaks around them placed again.  The soft rules of the agents whose weeks
    # changed are priced again
    left = time_limit_s - clock() - _REPORT_S
    more, guess, counts = _cover_unmet(
        p, assign, base_plan, p2, meeting_times, max(0.2, min(step_s, left - add_s - 1.0))
    )
    placed = p2
    if counts:
        left = max(0.5, time_limit_s - clock() - _REPORT_S - add_s)
        placed = _place_new_breaks(p, assign, more, p2, meeting_times, left, num_workers, guess)
    stats["t_cover_shifts_s"] = clock()
    left = time_limit_s - clock() - _REPORT_S - 0.5
    if left > 0.5:
        more, placed, counts["added with breaks moved"] = _add_with_breaks_moved(
            p, more, base_plan, placed, meeting_times, min(add_s, left), num_workers
        )
    stats["t_add_s"] = clock()
    changed = [ai for ai, (a, b) in enumerate(zip(assign, more, strict=True)) if a != b]
    repriced = _repriced(p, base_plan, more, changed)
    if repriced is None:  # a week the checks let through breaks a rule: no change is kept
        stats["cover_rejected"] = True
        repriced, counts = [], Counter()
    else:
        assign, p2 = more, placed
    stats.update(
        cover_shifts_added=counts["added"],
        cover_shifts_moved=counts["moved"],
        cover_breaks_moved=counts["breaks"],
        shifts_added_with_breaks_moved=counts["added with breaks moved"],
    )
    return assign, p2, repriced


def _meeting_time(
    p: _Problem,
    act: Activity,
    members: list[int],
    assign: list[dict[int, int]],
    chosen: tuple[int, int],
) -> tuple[tuple[int, int], set[int]]:
    """The meeting's time (``chosen``: pass 1's slot, or the planned one when pass 1
    did not run) and the members whose shifts hold it.

    Pass 1 spreads breaks evenly, no guide to a meeting's hour: on the benchmark it
    moved one by 30 min from the slot the plan staffed, losing 5 members, with no less
    unmet requirement once the breaks were placed.  The planned slot stands unless
    fewer members can attend it.
    """

    def attend(sl):
        return {
            ai
            for ai in members
            if any(_compatible(p.options[oi], *sl) for oi in assign[ai].values())
        }

    planned = p.meeting_slot.get(act.name)
    if planned is not None and planned != chosen:
        at_plan = attend(planned)
        at_chosen = attend(chosen)
        return (planned, at_plan) if len(at_plan) >= len(at_chosen) else (chosen, at_chosen)
    return chosen, attend(chosen)


def _complete_hint(pass1: _Pass1, hint: list[dict[int, int]], num_workers: int) -> float | None:
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
    s.parameters.max_time_in_seconds = 5.0
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
    av = rules.AgentVars.create(m, a, c, p.week, opts)
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


def _agent_soft_cost(p: _Problem, ai: int, opts: list[ShiftOption], fair: tuple[int, int]) -> float:
    """Cost of the agent-level soft rules and overtime of one agent's week, as pass 1 prices it."""
    if not opts:
        return 0.0
    w = p.weights
    a = p.agents[ai]
    c = p.contracts[a.contract]
    total = 0.0
    if a.preferred_start_min is not None:
        gaps = sum(rules._circular_gap(o.start_min, a.preferred_start_min) for o in opts)
        total += w["preferred start"] * gaps / 60
    total += w["preferred day off"] * sum(o.weekday in a.preferred_days_off for o in opts)
    if a.preferred_shifts:
        pref = a.preferred_shifts
        total += w["preferred shift"] * sum(o.template.name not in pref for o in opts)
    starts = [o.start_min for o in opts]
    anchors = {x + k for x in starts for k in (-60, 0, 60)}
    dev = min(sum(max(0, abs(x - an) - 60) for x in starts) for an in anchors)
    total += w["start consistency"] * dev / 60
    total += w["evening fairness"] * max(0, sum(o.evening for o in opts) - fair[0])
    wk = sum(o.weekday in c.weekend_days for o in opts)
    total += w["weekend fairness"] * max(0, wk - fair[1])
    if c.overtime_after_h is not None:
        over = max(0.0, sum(o.paid_h for o in opts) - c.overtime_after_h)
        rate = max(p.rate(ai, o) for o in opts)
        total += over * rate * c.overtime_premium
    return total


def _soft_cost(p: _Problem, assign: list[dict[int, int]], plan: dict[int, int]) -> float:
    """Cost of the agent-level soft rules and overtime of a roster, as pass 1 prices them."""
    fair_e, fair_w = _fair_shares(p, plan)
    return sum(
        _agent_soft_cost(p, ai, [p.options[i] for i in days.values()], (fair_e[ai], fair_w[ai]))
        for ai, days in enumerate(assign)
    )


def _meeting_fits(p: _Problem) -> dict[int, set[int]]:
    """Per meeting member, the candidate shifts that fit its meeting's slot.

    The slot is the one :func:`_choose_meeting_slots` set, or else the one most members
    can reach, the quietest of those (by total requirement).  Computed once per
    problem, after the candidates.
    """
    if p.meeting_fits is not None:
        return p.meeting_fits
    total = p.req_units.sum(axis=0)
    fits_of: dict[int, set[int]] = defaultdict(set)
    for act in p.activities:
        members = _meeting_members(p, act)
        slots = _meeting_slots(p, act)
        if not members or not slots:
            continue

        def fits(sl, members=members):
            return sum(any(_compatible(p.options[i], *sl) for i in p.cand[ai]) for ai in members)

        chosen = p.meeting_slot.get(act.name) or min(
            slots,
            key=lambda sl: (-fits(sl), sum(total[t] * u for t, u in p.week.cover(*sl))),
        )
        p.meeting_slot[act.name] = chosen
        for ai in members:
            fits_of[ai] |= {i for i in p.cand[ai] if _compatible(p.options[i], *chosen)}
    p.meeting_fits = fits_of
    return fits_of


def _attendable(
    p: _Problem, members: list[int], slots: list[tuple[int, int]]
) -> list[tuple[tuple[int, int], int, set[int]]]:
    """Per slot: how many of ``members`` may work a shift (allowed, of a template their
    contract can use) that holds the meeting with its breaks around it, and the options
    that do."""
    usable = _usable_by_contract(p)
    reach = [
        {i for i in p.allowed[ai] if p.options[i].template.name in usable[p.agents[ai].contract]}
        for ai in members
    ]
    out = []
    for sl in slots:
        fit_opts = {o.index for o in p.options if _compatible(o, *sl)}
        out.append((sl, sum(1 for r in reach if not fit_opts.isdisjoint(r)), fit_opts))
    return out


def _choose_meeting_slots(p: _Problem, lp: LPBound, resolve) -> tuple[LPBound, np.ndarray]:
    """Set each meeting's slot where the plan pays least for it; plan for its attendees.

    Meetings are taken in turn.  A slot costs the absence price for each member who
    cannot work a shift around it (availability, time off), plus, for each who can,
    the LP's dual price of the intervals it takes off the phones; ties go to the slot
    the current plan already staffs most.  The chosen meeting's attendees are added to
    the requirement and ``resolve(extra)`` re-solves the LP, so that the next meeting
    sees the new prices and the final plan has shifts for everyone's meeting.

    Returns the last LP and the extra requirement (model units per interval).
    """
    extra = np.zeros(p.req_units.shape[1])
    absence = p.weights["meeting absence"]
    for act in p.activities:
        members = _meeting_members(p, act)
        slots = _meeting_slots(p, act)
        if not members or not slots:
            continue
        # one meeting a day while days are free: a team's members then compete only
        # with other teams' agents for the plan's shifts around their meeting
        used = {sl[0] // 1440 for sl in p.meeting_slot.values()}
        slots = [sl for sl in slots if sl[0] // 1440 not in used] or slots
        best = None
        for sl, fit, fit_opts in _attendable(p, members, slots):
            cover = p.week.cover(*sl)
            price = sum(lp.cover_price[t] * u for t, u in cover)
            staffed = sum(lp.counts[i] for i in fit_opts)
            key = (absence * (len(members) - fit) + fit * price, -staffed)
            if best is None or key < best[0]:
                best = (key, sl, fit, cover)
        _, sl, fit, cover = best
        p.meeting_slot[act.name] = sl
        for t, u in cover:
            extra[t] += fit * u
        lp = resolve(extra)
    return lp, extra


def _local_search(
    p: _Problem,
    plan: dict[int, int],
    time_budget_s: float,
    rounds: int | None = None,
    start: list[dict[int, int]] | None = None,
) -> tuple[list[dict[int, int]], int]:
    """A legal roster, built and improved one agent at a time (best response).

    Round 1 builds: leads first, then agents with limited availability, full time,
    part time.  Each agent takes the legal week (every hard rule of its contract, via a
    small CP-SAT model) that maximises the value of the requirement it covers (priced
    like unmet requirement, breaks as their average share) less its wages and its soft
    penalties; leads also cover the remaining need for leads, and other agents avoid
    intervals without room under the lead ratio.  Later rounds take each agent out in
    turn and re-solve its week against what the others leave, until ``time_budget_s``
    or ``rounds`` is reached or a round changes nothing.

    Returns
    -------
    assignment : list of dict day -> option index
    rounds : int
        Rounds completed.
    """
    t0 = time.perf_counter()
    week = p.week
    Q = len(p.queues)
    resid = p.req_units.astype(float).copy()
    total = p.req_units.sum(axis=0)
    supervised = p.lead_ratio > 0 and any(a.is_lead for a in p.agents)
    price = p.weights["unmet requirement"] * week.unit_min / 60
    qidx = {q: i for i, q in enumerate(p.queues)}
    fair_e, fair_w = _fair_shares(p, plan)
    lead_units = np.zeros(week.n_intervals)
    other_units = np.zeros(week.n_intervals)
    open_units = np.where(total > 0, float(week.units_per_interval), 0.0)

    def rank(ai):
        a = p.agents[ai]
        c = p.contracts[a.contract]
        return (not a.is_lead, not a.availability, c.employment != "full_time", ai)

    order = sorted(range(len(p.agents)), key=rank)
    arrays = {}
    for i in {i for c in p.cand for i in c}:
        o = p.options[i]
        on_phone = 1.0 - sum(b[0].length_min for b in o.breaks) / o.length_min
        idx = np.array([t for t, _ in o.cover], int)
        units = np.array([u for _, u in o.cover], float)
        arrays[i] = (idx, units, units * on_phone)
    qs_of = []
    for ai in range(len(p.agents)):
        qs = [qidx[q] for q in p.classes[p.class_of[ai]][0] if q in qidx]
        qs_of.append([0] if p.queues == [ALL_QUEUES] else qs)
    # each meeting at a slot chosen up front; members are paid (the absence price) to fit it
    meeting_bonus = _meeting_fits(p)
    absence = p.weights["meeting absence"]
    assign: list[dict[int, int]] = [{} for _ in p.agents]
    taken: list[dict] = [{} for _ in p.agents]  # per agent: t -> array of units per queue
    models: dict = {}

    def remove(ai):
        a = p.agents[ai]
        for i in assign[ai].values():
            idx, units, _ = arrays[i]
            if a.is_lead:
                lead_units[idx] -= units
            else:
                other_units[idx] -= units
        for t, got in taken[ai].items():
            resid[:, t] += got
        assign[ai] = {}
        taken[ai] = {}

    def add(ai, chosen):
        a = p.agents[ai]
        qs = qs_of[ai]
        for i in chosen:
            o = p.options[i]
            assign[ai][o.day] = i
            idx, units, on = arrays[i]
            if a.is_lead:
                lead_units[idx] += units
            else:
                other_units[idx] += units
            for t, take in zip(idx, on, strict=True):
                got = taken[ai].setdefault(int(t), np.zeros(Q))
                for q in sorted(qs, key=lambda q, t=t: -resid[q, t]):
                    d = min(take, resid[q, t])
                    if d > 0:
                        resid[q, t] -= d
                        got[q] += d
                        take -= d
                    if take <= 0:
                        break

    def best_week(ai) -> list[int] | None:
        a = p.agents[ai]
        if not p.cand[ai]:
            return []
        full = done > 0
        c = p.contracts[a.contract]
        # the first round keeps each agent near its minimum hours, so that the agents
        # placed early do not take the hours the later ones must work anyway
        cap = (
            None
            if full or c.min_hours_week <= 0
            else math.ceil((c.min_hours_week + _FIRST_ROUND_EXTRA_H) * 60 - 1e-9)
        )
        if cap is not None and cap >= c.max_hours_week * 60:
            cap = None
        return _best_response(ai, full, cap) or (
            _best_response(ai, full, None) if cap is not None else None
        )

    def _best_response(ai, full, cap) -> list[int] | None:
        a = p.agents[ai]
        key = (
            (ai, full, cap)
            if a.preferred_start_min is not None or a.preferred_days_off or a.preferred_shifts
            else (
                a.contract,
                a.time_off,
                a.availability,
                tuple(p.cand[ai]),
                fair_e[ai],
                fair_w[ai],
                full,
                cap,
            )
        )
        if key not in models:
            models[key] = _agent_model(p, ai, (fair_e[ai], fair_w[ai]), full, cap)
        am = models[key]
        qs = qs_of[ai]
        avail = resid[qs].sum(axis=0) if qs else np.zeros(week.n_intervals)
        if supervised:
            # before the other agents are placed, expect them at the requirement plus breaks
            expected = np.maximum(other_units, 1.2 * total)
            need_leads = np.maximum(
                open_units,
                np.ceil(expected / week.units_per_interval / p.lead_ratio)
                * week.units_per_interval,
            )
            room = lead_units * p.lead_ratio - other_units
        coefs = []
        for i in p.cand[ai]:
            idx, units, on = arrays[i]
            gain = np.minimum(on, avail[idx]).sum() * price
            if supervised and a.is_lead:
                gain += (
                    np.minimum(units, np.maximum(0, need_leads[idx] - lead_units[idx])).sum() * 1e3
                )
            elif supervised and (room[idx] < units).any():
                gain -= 1e5  # would break the lead ratio
            if i in meeting_bonus.get(ai, ()):
                gain += absence
            coefs.append(int(round((gain - p.shift_cost(ai, p.options[i])) * 100)))
        m = am.model
        m.clear_objective()
        m.maximize(cp_model.LinearExpr.weighted_sum(am.av.x, coefs) - am.penalty)
        s = cp_model.CpSolver()
        s.parameters.num_workers = 1
        s.parameters.max_time_in_seconds = 1.0
        s.parameters.cp_model_presolve = False
        st = s.solve(m)
        if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return [i for i, x in zip(p.cand[ai], am.av.x, strict=True) if s.value(x)]

    done = 0
    placed = set()
    for ai in order if start is not None else ():
        if _week_ok(p, ai, {d: p.options[i] for d, i in start[ai].items()}):
            add(ai, list(start[ai].values()))
            placed.add(ai)
    max_rounds = rounds if rounds is not None else 1000
    while done < max_rounds:
        changed = 0
        for ai in order:
            if done > 0 and time.perf_counter() - t0 > time_budget_s:
                break
            if done == 0 and ai in placed:
                continue
            before = sorted(assign[ai].values())
            remove(ai)
            chosen = best_week(ai)
            if chosen is None:
                chosen = before
            add(ai, chosen)
            changed += sorted(chosen) != before
        done += 1
        if changed == 0 or time.perf_counter() - t0 > time_budget_s:
            break
    return assign, done


def _week_legal(p: _Problem, c: Contract, week_opts: dict[int, ShiftOption]) -> bool:
    """Whether a week of one shift per day keeps the contract's day-pattern rules.

    Checks the rules a move of a shift to another start or another day can break:
    maximum consecutive days, two consecutive days off, the weekend limit and the
    minimum rest (hours, days, availability and time off are kept by the move itself).
    """
    work = [d in week_opts for d in range(7)]
    k = c.max_consecutive_days
    if any(all(work[d0 : d0 + k + 1]) for d0 in range(0, 7 - k)):
        return False
    if c.two_consecutive_days_off and not any(not work[d] and not work[d + 1] for d in range(6)):
        return False
    if (
        c.max_weekend_days is not None
        and sum(work[d] for d in range(7) if p.week.weekday(d) in c.weekend_days)
        > c.max_weekend_days
    ):
        return False
    return all(_rest_ok(c, week_opts, o) for o in week_opts.values())


def _rest_ok(c: Contract, week_opts: dict[int, ShiftOption], o: ShiftOption) -> bool:
    """Shift ``o`` keeps the minimum rest with the shifts of ``week_opts`` around it."""
    rest = c.min_rest_h * 60
    for j in (1, 2):
        prev = week_opts.get(o.day - j)
        if prev is not None and o.abs_start < prev.abs_end + rest:
            return False
        nxt = week_opts.get(o.day + j)
        if nxt is not None and nxt.abs_start < o.abs_end + rest:
            return False
    return True


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
    week = p.week
    T = week.n_intervals
    C = len(p.classes)
    price = p.weights["unmet requirement"] * week.unit_min / 60
    absence = p.weights["meeting absence"]
    req_s, serve = _hall_sets(p)  # (S, T), (S, C)
    fluid = {}

    def arr(i):
        hit = fluid.get(i)
        if hit is None:
            o = p.options[i]
            fl = _fluid_on(o, _FLUID_SCALE)
            idx = np.array(sorted(fl), int)
            on = np.array([fl[t] / _FLUID_SCALE for t in idx], float)
            sidx = np.array([t for t, _ in o.cover], int)
            su = np.array([u for _, u in o.cover], float)
            hit = fluid[i] = (idx, on, sidx, su)
        return hit

    on = np.zeros((C, T))
    lead = np.zeros(T)
    other = np.zeros(T)
    total = p.req_units.sum(axis=0)
    need_lead = np.where(total > 0, float(week.units_per_interval), 0.0)
    supervised = p.lead_ratio > 0 and any(a.is_lead for a in p.agents)
    fits = _meeting_fits(p)
    meet_cover = {}  # member -> (intervals, units) its meeting takes off the phones
    for act in p.activities:
        sl = p.meeting_slot.get(act.name)
        if sl is not None:
            cov = p.week.cover(*sl)
            mc = (np.array([t for t, _ in cov], int), np.array([u for _, u in cov], float))
            for ai in _meeting_members(p, act):
                meet_cover[ai] = mc
    for ai, days in enumerate(assign):
        ci = p.class_of[ai]
        for i in days.values():
            idx, val, sidx, su = arr(i)
            on[ci, idx] += val
            (lead if p.agents[ai].is_lead else other)[sidx] += su
        if ai in meet_cover and any(i in fits.get(ai, ()) for i in days.values()):
            on[ci, meet_cover[ai][0]] -= meet_cover[ai][1]

    def short(cols, on_cols):
        return _hall_unmet(req_s[:, cols], serve, on_cols)

    def breach(cols, lead_c, other_c):
        if not supervised:
            return 0.0
        return _lead_breach(p.lead_ratio, lead_c, other_c, need_lead[cols], total[cols] > 0)

    breach_price = 100.0 * price
    fair_e, fair_w = _fair_shares(p, plan)
    by_key = defaultdict(list)  # (agent, day, template) -> candidates
    by_day = defaultdict(list)  # (agent, day) -> candidates
    for ai in range(len(p.agents)):
        for i in p.cand[ai]:
            o = p.options[i]
            by_key[(ai, o.day, o.template.name)].append(i)
            by_day[(ai, o.day)].append(i)
    def visit(ai, mend=False) -> int:
        """The best move of each of the agent's days, in turn; the moves made.  With
        ``mend``, only moves that lessen a breach of the lead rules, also to another
        template where the agent's paid hours stay within its contract (a lead on a
        4-h shift that may not start before the centre opens takes an 8-h one)."""
        count = 0
        a = p.agents[ai]
        c = p.contracts[a.contract]
        ci = p.class_of[ai]
        fair = (fair_e[ai], fair_w[ai])
        for d in sorted(assign[ai]):
            if d not in assign[ai]:
                continue
            i = assign[ai][d]
            o = p.options[i]
            week_opts = {dd: p.options[j] for dd, j in assign[ai].items()}
            soft0 = _agent_soft_cost(p, ai, list(week_opts.values()), fair)
            attends0 = any(j in fits.get(ai, ()) for j in assign[ai].values())
            others_attend = any(
                j in fits.get(ai, ()) for dd, j in assign[ai].items() if dd != d
            )
            idx0, val0, sidx0, su0 = arr(i)
            best, best_j = -1e-6, None
            moves = [
                j
                for dd in range(7)
                if dd == d or dd not in week_opts
                for j in (by_day[(ai, dd)] if mend else by_key[(ai, dd, o.template.name)])
            ]
            for j in moves:
                if j == i:
                    continue
                oj = p.options[j]
                idx1, val1, sidx1, su1 = arr(j)
                db = 0.0
                if supervised:
                    # a breach of the lead rules (from the start) is priced far
                    # above any unmet requirement, so that moves mend it first
                    scols = np.union1d(sidx0, sidx1)
                    lb, ob = lead[scols], other[scols]
                    la, oa = lb.copy(), ob.copy()
                    tgt_a = la if a.is_lead else oa
                    tgt_a[np.searchsorted(scols, sidx0)] -= su0
                    tgt_a[np.searchsorted(scols, sidx1)] += su1
                    db = breach(scols, la, oa) - breach(scols, lb, ob)
                    if mend and db > -1e-9:
                        continue
                attends1 = others_attend or j in fits.get(ai, ())
                cols = np.union1d(idx0, idx1)
                if attends1 != attends0:
                    cols = np.union1d(cols, meet_cover[ai][0])
                before = on[:, cols]
                after = before.copy()
                after[ci, np.searchsorted(cols, idx0)] -= val0
                after[ci, np.searchsorted(cols, idx1)] += val1
                if attends1 != attends0:  # the meeting hour off the phones, or back
                    mi, mu = meet_cover[ai]
                    after[ci, np.searchsorted(cols, mi)] += mu if attends0 else -mu
                delta = price * (short(cols, after) - short(cols, before))
                delta += p.shift_cost(ai, oj) - p.shift_cost(ai, o)
                delta += absence * (attends0 - attends1)
                delta += breach_price * db
                if delta >= best + 50.0:  # soft rules cannot win that much back
                    continue
                new_week = {dd: oo for dd, oo in week_opts.items() if dd != d}
                new_week[oj.day] = oj
                if not _week_legal(p, c, new_week):
                    continue
                if oj.template.name != o.template.name and not _week_ok(p, ai, new_week):
                    continue  # another template: its paid hours must fit the contract
                delta += _agent_soft_cost(p, ai, list(new_week.values()), fair) - soft0
                if delta >= best:
                    continue
                best, best_j = delta, j
            if best_j is not None:
                idx1, val1, sidx1, su1 = arr(best_j)
                on[ci, idx0] -= val0
                on[ci, idx1] += val1
                attends1 = others_attend or best_j in fits.get(ai, ())
                if attends1 != attends0:
                    mi, mu = meet_cover[ai]
                    on[ci, mi] += mu if attends0 else -mu
                tgt = lead if a.is_lead else other
                tgt[sidx0] -= su0
                tgt[sidx1] += su1
                del assign[ai][d]
                assign[ai][p.options[best_j].day] = best_j
                count += 1
        return count

    assign = [dict(d) for d in assign]
    sweeps = 0
    while time.perf_counter() - t0 < time_budget_s:
        moved = 0
        for ai in range(len(p.agents)):
            if time.perf_counter() - t0 > time_budget_s:
                break
            moved += visit(ai)
        sweeps += 1
        if moved == 0:
            break
    # A breach of the lead rules still left when the budget ends: the leads and the
    # agents on breached intervals keep moving, for up to the budget again (at least
    # 1 s), since a roster that breaks a crew rule is no start for pass 1.  Only moves
    # that lessen the breach: the others are priced with breaks at their average share
    # (on the benchmark with meetings they had added 57 unmet agent-hours).
    t1 = time.perf_counter()
    while supervised and time.perf_counter() - t1 < max(1.0, time_budget_s):
        open_ = total > 0
        bad = open_ & ((other > p.lead_ratio * lead + 1e-9) | (lead < need_lead - 1e-9))
        if not bad.any():
            break
        near = [
            ai
            for ai in range(len(p.agents))
            if p.agents[ai].is_lead
            or any(bad[[t for t, _ in p.options[i].cover]].any() for i in assign[ai].values())
        ]
        if sum(visit(ai, mend=True) for ai in near) == 0:
            break
        sweeps += 1
    return assign, sweeps


def _meeting_off_price(p: _Problem) -> dict[int, float]:
    """Per meeting member: attending takes it off the phones for the meeting, priced as
    the meeting's hours unmet (the most it can cost)."""
    out = {}
    for act in p.activities:
        sl = p.meeting_slot.get(act.name)
        if sl is not None:
            for ai in _meeting_members(p, act):
                out[ai] = p.weights["unmet requirement"] * sl[1] / 60
    return out


@dataclass
class _WeekPricing:
    """One agent's week as the exchanges between agents price it: wages, soft rules as
    pass 1 prices them (at the plan's fair shares), and its meeting (absence, or
    attending at ``off_price``, the meeting's hours unmet)."""

    p: _Problem
    fair_e: list[int]
    fair_w: list[int]
    fits: dict[int, set[int]]  # members: the shifts that fit their meeting's slot
    off_price: dict[int, float]
    cand: list[set[int]]  # pass 1 has variables for these only

    @classmethod
    def of(cls, p: _Problem, plan: dict[int, int]) -> _WeekPricing:
        fair_e, fair_w = _fair_shares(p, plan)
        return cls(p, fair_e, fair_w, _meeting_fits(p), _meeting_off_price(p),
                   [set(c) for c in p.cand])

    def soft(self, ai: int, opts) -> float:
        """Soft rules and overtime of the agent's shifts."""
        return _agent_soft_cost(self.p, ai, list(opts), (self.fair_e[ai], self.fair_w[ai]))

    def cost(self, ai: int, week_opts: dict[int, ShiftOption]) -> float:
        """The agent's week: wages, soft rules and its meeting."""
        p = self.p
        cost = sum(p.shift_cost(ai, o) for o in week_opts.values())
        fit = self.fits.get(ai)
        if fit:
            attends = any(o.index in fit for o in week_opts.values())
            cost += self.off_price.get(ai, 0.0) if attends else p.weights["meeting absence"]
        return cost + self.soft(ai, week_opts.values())

    def delta(
        self, assign: list[dict[int, int]], changes: list[tuple[int, int, int]]
    ) -> float | None:
        """Cost change of the agents' weeks under ``changes`` (agent, day, option); None
        if a new shift is not a candidate or breaks the minimum rest."""
        p = self.p
        new = defaultdict(dict)
        for who, d, i in changes:
            new[who][d] = i
        total = 0.0
        for who, upd in new.items():
            week = {dd: p.options[k] for dd, k in assign[who].items()}
            old = self.cost(who, week)
            week.update({d: p.options[i] for d, i in upd.items()})
            c = p.contracts[p.agents[who].contract]
            for d, i in upd.items():
                others = {dd: o for dd, o in week.items() if dd != d}
                if i not in self.cand[who] or not _rest_ok(c, others, p.options[i]):
                    return None
            total += self.cost(who, week) - old
        return total


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
    the cover.  The exchange of least cost (:meth:`_WeekPricing.cost`: wages, soft rules,
    meetings) is made when it saves.  Exchanges within one day alone are left to
    :func:`_rematch_starts`.

    Returns
    -------
    assignment : list of dict day -> option index
    moves : int
    """
    assign = [dict(d) for d in assign]
    pricing = _WeekPricing.of(p, plan)
    fits = pricing.fits
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
                dc = pricing.delta(assign, changes)
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
    and it lowers their cost (:meth:`_WeekPricing.cost`: wages, soft rules as pass 1 prices
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
    pricing = _WeekPricing.of(p, plan)
    cand = pricing.cand
    kind = defaultdict(list)
    for ai in range(len(p.agents)):
        if assign[ai]:
            kind[(p.class_of[ai], p.agents[ai].is_lead)].append(ai)

    def week(ai, days):
        return {d: p.options[i] for d, i in days.items()}

    def cost(ai, days):
        return pricing.cost(ai, week(ai, days))

    def soft(ai):
        return pricing.soft(ai, (p.options[i] for i in assign[ai].values()))

    moves = 0
    while time.perf_counter() - t0 < time_budget_s:
        moved = 0
        order = sorted((ai for ai in range(len(p.agents)) if assign[ai]), key=soft, reverse=True)
        for a in order:
            if time.perf_counter() - t0 >= time_budget_s:
                break
            if soft(a) <= 1e-9:
                break
            base_a = cost(a, assign[a])
            gain_a = {}  # (d1, option of d2) -> A's cost change
            best, best_delta = None, -1e-6
            for b in kind[(p.class_of[a], p.agents[a].is_lead)]:
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
                            ok = j in cand[a] and _week_ok(p, a, week(a, new_a))
                            gain_a[key] = cost(a, new_a) - base_a if ok else None
                        ga = gain_a[key]
                        if ga is None or ga >= best_delta:
                            continue
                        new_b = {d: i for d, i in assign[b].items() if d != d2}
                        new_b[d1] = assign[a][d1]
                        if not _week_ok(p, b, week(b, new_b)):
                            continue
                        delta = ga + cost(b, new_b) - cost(b, assign[b])
                        if delta < best_delta:
                            best, best_delta = (b, d1, d2), delta
            if best is not None:
                b, d1, d2 = best
                i1, i2 = assign[a].pop(d1), assign[b].pop(d2)
                assign[a][d2], assign[b][d1] = i2, i1
                moved += 1
        moves += moved
        if not moved:
            break
    return assign, moves


def _match_weeks(
    p: _Problem, assign: list[dict[int, int]], plan: dict[int, int], time_budget_s: float
) -> tuple[list[dict[int, int]], int]:
    """Hand whole weeks to other agents of the same kind where that costs less.

    Agents of one skill set, lead status and contract are matched to their weeks at
    least cost (Hungarian method, :meth:`_WeekPricing.cost`: wages, soft rules as pass 1 prices
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
    pricing = _WeekPricing.of(p, plan)
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
                if all(i in pricing.cand[ai] for i in days.values()) and _week_ok(p, ai, opts):
                    cm[r, k] = pricing.cost(ai, opts)
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


def _fill_plan_gaps(
    p: _Problem, assign: list[dict[int, int]], plan: dict[int, int]
) -> tuple[list[dict[int, int]], int]:
    """Put shifts held beyond the plan's count on the plan's starts left free.

    An agent (not a team lead) on a start the plan has too many of, on a day and
    template where a plan start is free, moves to it.  Where its availability or the
    minimum rest bars that: it takes the start of another agent of the day and
    template, who moves to the free start; or it exchanges its shift of the day before
    or after with an agent on the same template that day (the rest it needed), and
    moves.  Skill sets may differ: the pooled cover becomes the plan's.  The exchange of
    least cost in wages, soft rules and meetings (:meth:`_WeekPricing.cost`) is made when that
    cost is below the hours of a shift unmet.

    Returns
    -------
    assignment : list of dict day -> option index
    moves : int
    """
    assign = [dict(d) for d in assign]
    pricing = _WeekPricing.of(p, plan)
    worth = {name: p.weights["unmet requirement"] * h for name, h in _on_phone_h(p).items()}
    held = defaultdict(int)
    for days in assign:
        for i in days.values():
            held[i] += 1
    by_day = defaultdict(list)  # (day, template) -> agents other than leads
    for ai, days in enumerate(assign):
        if not p.agents[ai].is_lead:
            for d, i in days.items():
                by_day[(d, p.options[i].template.name)].append(ai)

    def delta(changes):
        return pricing.delta(assign, changes)

    moves = 0
    for d in range(7):
        for ai in [ai for ai, days in enumerate(assign) if d in days]:
            j = assign[ai][d]
            name = p.options[j].template.name
            if p.agents[ai].is_lead or held[j] <= plan.get(j, 0):
                continue
            free = [
                s
                for s, n in plan.items()
                if held[s] < n and p.options[s].day == d and p.options[s].template.name == name
            ]
            if not free:
                continue
            tries = [[(ai, d, s)] for s in free]
            for b in by_day[(d, name)]:  # b's start to ai, b to the free start
                sb = assign[b][d]
                if b != ai and held[sb] <= plan.get(sb, 0):
                    tries += [[(ai, d, sb), (b, d, s)] for s in free]
            for dn in (d - 1, d + 1):  # ai's neighbouring shift exchanged with b's
                if dn not in assign[ai]:
                    continue
                other = p.options[assign[ai][dn]].template.name
                for b in by_day[(dn, other)]:
                    if b != ai and assign[b][dn] != assign[ai][dn]:
                        swap = [(ai, dn, assign[b][dn]), (b, dn, assign[ai][dn])]
                        tries += [[*swap, (ai, d, s)] for s in free]
            best, best_delta = None, worth[name]
            for changes in tries:
                dc = delta(changes)
                if dc is not None and dc < best_delta:
                    best, best_delta = changes, dc
            if best is None:
                continue
            for who, dd, s in best:
                held[assign[who][dd]] -= 1
                assign[who][dd] = s
                held[s] += 1
            moves += 1
    return assign, moves


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
    from scipy.optimize import linear_sum_assignment

    t0 = time.perf_counter()
    assign = [dict(d) for d in assign]
    pricing = _WeekPricing.of(p, plan)
    cand = pricing.cand
    big = 1e9

    # a start held beyond the plan's count of it, while a start of the plan is left,
    # is priced as the hours of a shift unmet (as in _plan_days)
    over_price = {
        name: p.weights["unmet requirement"] * h for name, h in _on_phone_h(p).items()
    }

    paid_range = [
        (
            math.ceil(p.contracts[a.contract].min_hours_week * 60 - 1e-9),
            math.floor(p.contracts[a.contract].max_hours_week * 60 + 1e-9),
        )
        for a in p.agents
    ]
    # leads and others on shift, for the lead rules (a start that breaks them is kept)
    total = p.req_units.sum(axis=0)
    supervised = p.lead_ratio > 0 and any(a.is_lead for a in p.agents)
    lead, other = _on_shift(p, assign)
    need_lead = np.where(total > 0, float(p.week.units_per_interval), 0.0)

    def breach():
        return _lead_breach(p.lead_ratio, lead, other, need_lead, total > 0)

    def solve(members, cols_i, col_cost):
        cm = np.full((len(members), len(cols_i)), big)
        for r, ai in enumerate(members):
            c = p.contracts[p.agents[ai].contract]
            rest = {dd: p.options[j] for dd, j in assign[ai].items() if dd != d}
            paid = sum(o.paid_min for o in rest.values())
            lo, hi = paid_range[ai]
            for k, j in enumerate(cols_i):
                o = p.options[j]
                if j in cand[ai] and lo <= paid + o.paid_min <= hi and _rest_ok(c, rest, o):
                    cm[r, k] = pricing.cost(ai, {**rest, d: o}) + col_cost[k]
        rows, cols = linear_sum_assignment(cm)
        return float(np.trace(cm)), float(cm[rows, cols].sum()), rows, cols

    def move(ai, j):
        tgt = lead if p.agents[ai].is_lead else other
        for t, u in p.options[assign[ai][d]].cover:
            tgt[t] -= u
        for t, u in p.options[j].cover:
            tgt[t] += u
        held[assign[ai][d]] -= 1
        assign[ai][d] = j
        held[j] += 1

    rounds = 0
    while time.perf_counter() - t0 < time_budget_s:
        gain = 0.0
        for d in range(7):
            groups = defaultdict(list)
            held = defaultdict(int)
            for ai, days in enumerate(assign):
                if d in days:
                    groups[(p.class_of[ai], p.agents[ai].is_lead)].append(ai)
                    held[days[d]] += 1
            for members in groups.values():
                if time.perf_counter() - t0 >= time_budget_s:
                    break  # every exchange made so far saved; the rest of the round waits
                names = {p.options[assign[ai][d]].template.name for ai in members}
                free = [
                    i
                    for i, n in plan.items()
                    if p.options[i].day == d and p.options[i].template.name in names
                    for _ in range(max(0, n - held[i]))
                ]
                if len(members) < 2 and not free:
                    continue
                opts = [assign[ai][d] for ai in members]
                extra = defaultdict(int)  # holders beyond the plan's count, in this group
                col_cost = []
                for j in opts:
                    beyond = held[j] - plan.get(j, 0) - extra[j] > 0
                    extra[j] += beyond
                    name = p.options[j].template.name
                    col_cost.append(over_price[name] if beyond and free else 0.0)
                cols_i = opts + free
                before, after, rows, cols = solve(members, cols_i, col_cost + [0.0] * len(free))
                if after >= before - 1e-6:
                    continue
                old_breach = breach() if supervised and free else 0.0
                undo = [(ai, assign[ai][d]) for ai in members]
                for r, k in zip(rows, cols, strict=True):
                    move(members[r], cols_i[k])
                if supervised and free and breach() > old_breach + 1e-9:
                    # the free starts broke a lead rule: only exchanges within the group
                    for ai, j in undo:
                        move(ai, j)
                    before, after, rows, cols = solve(members, opts, col_cost)
                    if after >= before - 1e-6:
                        continue
                    for r, k in zip(rows, cols, strict=True):
                        move(members[r], opts[k])
                gain += before - after
        rounds += 1
        if gain <= 1e-6:
            break
    return assign, rounds


# --------------------------------------------------------------------------- plan assignment


def _week_ok(p: _Problem, ai: int, week_opts: dict[int, ShiftOption]) -> bool:
    """Every hard agent rule of one agent's week (hours, days, what it may work, day patterns, rest)."""
    c = p.contracts[p.agents[ai].contract]
    paid = sum(o.paid_min for o in week_opts.values())
    if paid < math.ceil(c.min_hours_week * 60 - 1e-9) or paid > math.floor(
        c.max_hours_week * 60 + 1e-9
    ):
        return False
    if not c.min_days_week <= len(week_opts) <= c.max_days_week:
        return False
    if any(o.index not in p.allowed[ai] for o in week_opts.values()):
        return False
    return _week_legal(p, c, week_opts)


def _rest_clash_share(
    p: _Problem, rest_h: float, first: list[int], then: list[int], plan: dict[int, int]
) -> float:
    """Share of the pairs of plan shifts (``first`` one day, ``then`` the next, each
    weighted by its count in ``plan``) that break a minimum rest of ``rest_h``."""
    total = clash = 0
    for i in first:
        end = p.options[i].abs_end + rest_h * 60
        for j in then:
            n = plan[i] * plan[j]
            total += n
            clash += n * (p.options[j].abs_start < end)
    return clash / total if total else 0.0


def _plan_days(
    p: _Problem, plan: dict[int, int], time_limit_s: float
) -> list[dict[int, str]] | None:
    """Which agent works which template on which day, so that the plan's shifts per day
    and template are matched (CP-SAT).

    Per agent: one template a day among those with a plan start it may work, paid hours
    and days within its contract, consecutive days, two days off in a row and the weekend
    limit.  Objective: shifts of the plan left over or added (priced at the unmet
    requirement of a whole shift), wages, preferred days off worked, meeting members
    not working the day of their meeting (at the slot :func:`_meeting_fits` chooses).
    Rest between shifts depends on start times and is left to the start assignment.
    """
    w = p.weights
    need = defaultdict(int)  # (day, template) -> plan shifts
    starts = defaultdict(list)
    for i, n in plan.items():
        o = p.options[i]
        need[(o.day, o.template.name)] += n
        starts[(o.day, o.template.name)].append(i)
    paid = {o.template.name: o.paid_min for o in p.options}
    on_h = _on_phone_h(p)
    # An agent that may work only some of a day's plan starts of a template (limited
    # availability) chooses a band: plan starts that the same such agents may work.
    # No more of them take a band than it has starts, so that every agent finds a plan
    # start of its own (the day and template alone had left students with the
    # evening's starts taken and a morning start 8 h away).
    partial = defaultdict(set)  # (day, template) -> agents with some plan starts barred
    for key, idx in starts.items():
        for ai in range(len(p.agents)):
            if any(i not in p.allowed[ai] for i in idx):
                partial[key].add(ai)
    band_of: dict = {}  # (day, template, start) -> band
    band_need = defaultdict(int)
    for key, idx in starts.items():
        for i in idx:
            sig = frozenset(ai for ai in partial[key] if i in p.allowed[ai])
            band_of[(*key, i)] = sig
            band_need[(*key, sig)] += plan[i]
    m = cp_model.CpModel()
    x: dict = {}
    terms = []
    in_band = defaultdict(list)  # (day, template, band) -> x vars of partial agents
    lead_work = defaultdict(list)  # day -> "works" literals of team leads
    for ai, a in enumerate(p.agents):
        c = p.contracts[a.contract]
        work, hours = [], []
        # every template it can work that day (a day off the plan is priced as over);
        # candidates keep to the templates its contract can use
        own = {(p.options[i].day, p.options[i].template.name): i for i in p.cand[ai]}
        for d in range(7):
            day = []
            for (dd, name), i in sorted(own.items()):
                if dd != d:
                    continue
                v = m.new_bool_var(f"a{ai} d{d} {name}")
                x[(ai, d, name)] = v
                day.append(v)
                hours.append(paid[name] * v)
                cost = p.rate(ai, p.options[i]) * paid[name] / 60
                if p.week.weekday(d) in a.preferred_days_off:
                    cost += w["preferred day off"]
                if a.preferred_shifts and name not in a.preferred_shifts:
                    cost += w["preferred shift"]
                terms.append((v, cost))
                if ai in partial.get((d, name), ()):
                    bands = {
                        band_of[(d, name, j)]
                        for j in starts[(d, name)]
                        if j in p.allowed[ai]
                    }
                    ys = []
                    for b in sorted(bands, key=sorted):
                        y = m.new_bool_var(f"a{ai} d{d} {name} band")
                        in_band[(d, name, b)].append(y)
                        ys.append(y)
                    # off the plan's starts: the day's count is met, but one of its
                    # starts is left and another start is added (priced twice)
                    off = m.new_bool_var(f"a{ai} d{d} {name} off the plan")
                    m.add(sum(ys) + off == v)
                    terms.append((off, 2 * w["unmet requirement"] * on_h[name]))
            wd = m.new_bool_var(f"a{ai} works d{d}")
            m.add(sum(day) == wd) if day else m.add(wd == 0)
            work.append(wd)
            if a.is_lead:
                lead_work[d].append(wd)
        if not hours:  # no plan start it may work: the best response places it
            continue
        lo = math.ceil(c.min_hours_week * 60 - 1e-9)
        if lo > 0:
            m.add(sum(hours) >= lo)
        m.add(sum(hours) <= math.floor(c.max_hours_week * 60 + 1e-9))
        # the day-pattern rules of the roster model, on this model's working days
        av = rules.AgentVars(a, c, p.week, [], [], work)
        for rule in (rules.days_per_week, rules.max_consecutive_days,
                     rules.two_consecutive_days_off, rules.weekend_limit):
            rule(m, av)
    # a template one day and another the next whose plan starts mostly clash by the
    # minimum rest (an evening shift, then a morning one): the start assignment would
    # take a start off the plan, priced so in the share of clashing pairs
    clash_cost: dict = {}
    for ai, a in enumerate(p.agents):
        rest = p.contracts[a.contract].min_rest_h
        for d in range(6):
            for name1, name2 in product(sorted(paid), repeat=2):
                x1, x2 = x.get((ai, d, name1)), x.get((ai, d + 1, name2))
                if x1 is None or x2 is None:
                    continue
                key = (rest, d, name1, name2)
                if key not in clash_cost:
                    share = _rest_clash_share(
                        p, rest, starts[(d, name1)], starts[(d + 1, name2)], plan
                    )
                    clash_cost[key] = (
                        share * 2 * w["unmet requirement"] * on_h[name2] if share >= 0.5 else 0.0
                    )
                if clash_cost[key] > 0:
                    z = m.new_bool_var(f"a{ai} d{d} {name1} then {name2}")
                    m.add_bool_or([x1.Not(), x2.Not(), z])
                    terms.append((z, clash_cost[key]))
    fits = _meeting_fits(p)
    for act in p.activities:
        # a member attends on a day and template of the plan with a start that fits
        # the meeting, and no more members attend on one than it has such starts
        sl = p.meeting_slot.get(act.name)
        members = [ai for ai in _meeting_members(p, act) if ai in fits]
        att = defaultdict(list)
        for ai in members:
            keys = {(p.options[i].day, p.options[i].template.name) for i in fits[ai]}
            lits = []
            for k in sorted(keys):
                if (ai, *k) not in x:
                    continue
                y = m.new_bool_var(f"a{ai} attends {act.name} on {k}")
                m.add_implication(y, x[(ai, *k)])
                att[k].append(y)
                lits.append(y)
            absent = m.new_bool_var(f"a{ai} misses {act.name}")
            m.add_bool_or([*lits, absent])
            terms.append((absent, w["meeting absence"]))
        if sl is None:
            continue
        for k, ys in att.items():
            room = sum(plan[i] for i in starts.get(k, []) if _compatible(p.options[i], *sl))
            if room < len(ys):
                m.add(sum(ys) <= room)
    price = w["unmet requirement"]
    # enough team leads each day to cover the lead rules with their shifts: a lead
    # short on a day costs the plan a start moved off it, later, for each interval
    for d, n in _lead_days(p, plan).items():
        short = m.new_int_var(0, n, f"leads short d{d}")
        m.add(sum(lead_work[d]) + short >= n)
        terms.append((short, 2 * price * max(on_h.values())))
    got_of = defaultdict(list)
    for (_ai, d, name), v in x.items():
        got_of[(d, name)].append(v)
    for key in sorted(got_of.keys() | need.keys()):
        n = need.get(key, 0)
        got = got_of.get(key, [])
        under = m.new_int_var(0, n, f"under {key}")
        over = m.new_int_var(0, len(got), f"over {key}")
        m.add(sum(got) + under - over == n)
        terms.append((under, price * on_h[key[1]]))
        terms.append((over, price * on_h[key[1]]))
    for (d, name, b), ys in in_band.items():
        room = band_need[(d, name, b)]
        if room < len(ys):
            over = m.new_int_var(0, len(ys), f"over band {d} {name}")
            m.add(sum(ys) <= room + over)
            terms.append((over, 2 * price * on_h[name]))
    m.minimize(sum(_cents(c) * v for v, c in terms))
    s = cp_model.CpSolver()
    # one worker with the full LP relaxation: measured on the 400-agent benchmark, it
    # ends within 0.1 % of the bound in 4 s where the default portfolio of two workers
    # stays 7 % to 40 % above it
    s.parameters.num_workers = 1
    s.parameters.linearization_level = 2
    s.parameters.max_time_in_seconds = max(0.5, float(time_limit_s))
    # a deterministic limit (half the seconds in work units: about 70 % of the wall
    # time on the benchmark machine) makes runs repeatable; the wall limit stays as a
    # guard on slower machines
    s.parameters.max_deterministic_time = max(0.25, 0.5 * float(time_limit_s))
    st = s.solve(m)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    out: list[dict[int, str]] = [{} for _ in p.agents]
    for (ai, d, name), v in x.items():
        if s.value(v):
            out[ai][d] = name
    return out


def _lead_need(p: _Problem, plan: dict[int, int]) -> np.ndarray:
    """Team leads needed on shift per interval [agents] to staff ``plan``: one while the
    centre is open, and one per ``lead_ratio`` others."""
    total = p.req_units.sum(axis=0)
    on_shift = np.zeros(p.week.n_intervals)
    for i, n in plan.items():
        for t, u in p.options[i].cover:
            on_shift[t] += n * u / p.week.units_per_interval
    need = np.where(total > 0, 1.0, 0.0)
    if p.lead_ratio > 0:
        need = np.maximum(need, np.ceil(on_shift / (p.lead_ratio + 1) - 1e-9))
    return need


def _lead_days(p: _Problem, plan: dict[int, int]) -> dict[int, int]:
    """Least number of team leads on each day that can cover :func:`_lead_need` with the
    shifts leads may work (a small covering MILP per day); {} without leads."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    leads = [ai for ai, a in enumerate(p.agents) if a.is_lead]
    if p.lead_ratio <= 0 or not leads:
        return {}
    need = _lead_need(p, plan)
    usable = sorted({i for ai in leads for i in p.cand[ai]})
    per_day = 1440 // p.week.step_min
    out = {}
    for d in range(7):
        opts = [i for i in usable if p.options[i].day == d]
        ts = [t for t in range(p.week.n_intervals) if need[t] > 0 and t // per_day == d]
        if not opts or not ts:
            continue
        row = {t: k for k, t in enumerate(ts)}
        a = np.zeros((len(ts), len(opts)))
        for k, i in enumerate(opts):
            for t, u in p.options[i].cover:
                if t in row:
                    a[row[t], k] += u / p.week.units_per_interval
        coverable = a.sum(axis=1) > 0
        lo = np.where(coverable, need[ts], 0.0)
        res = milp(
            np.ones(len(opts)),
            constraints=LinearConstraint(a, lo, np.inf),
            integrality=np.ones(len(opts)),
            bounds=Bounds(0, len(leads)),
            options={"time_limit": 2.0},
        )
        if res.x is not None:
            out[d] = int(round(res.fun))
    return out


def _plan_starts(
    p: _Problem, plan: dict[int, int], days: list[dict[int, str]]
) -> list[dict[int, int]]:
    """Start times for the agents' days and templates (:func:`_plan_days`), day by day.

    Per day, team leads take first the plan starts that cover most of the leads still
    needed (one on shift while open, one per ``lead_ratio`` others); the other agents are
    matched to the remaining plan starts of their template at least cost (Hungarian
    method): preferred start, distance from the agent's usual start, missing the
    agent's meeting (at the slot :func:`_meeting_fits` chooses), and no start that
    breaks the minimum rest after the days already placed.  An agent left without a plan
    start takes its nearest legal start of the template.
    """
    from scipy.optimize import linear_sum_assignment

    w = p.weights
    upi = p.week.units_per_interval
    by_dt = defaultdict(list)
    for i, n in plan.items():
        o = p.options[i]
        by_dt[(o.day, o.template.name)] += [i] * n
    supervised = p.lead_ratio > 0 and any(a.is_lead for a in p.agents)
    lead_need = _lead_need(p, plan)
    lead_cov = np.zeros(p.week.n_intervals)
    assign: list[dict[int, int]] = [{} for _ in p.agents]
    anchor: list[int | None] = [a.preferred_start_min for a in p.agents]
    big = 1e7
    fits = _meeting_fits(p)  # members: the shifts that fit their meeting's slot

    def cost(ai, i):
        a = p.agents[ai]
        o = p.options[i]
        if i not in p.allowed[ai]:
            return big
        week_opts = {d: p.options[j] for d, j in assign[ai].items()}
        if not _rest_ok(p.contracts[a.contract], week_opts, o):
            return big
        cst = 0.0
        if a.preferred_start_min is not None:
            cst += (
                w["preferred start"] * rules._circular_gap(o.start_min, a.preferred_start_min) / 60
            )
        if anchor[ai] is not None:
            cst += w["start consistency"] * max(0, abs(o.start_min - anchor[ai]) - 60) / 60
        fit = fits.get(ai)
        if fit and i not in fit and not any(j in fit for j in assign[ai].values()):
            cst += w["meeting absence"]
        return cst

    def fallback(ai, d, name, pool):
        """The agent's legal start of the template nearest the plan's unfilled starts."""
        a = p.agents[ai]
        c = p.contracts[a.contract]
        week_opts = {dd: p.options[j] for dd, j in assign[ai].items()}
        targets = [p.options[i].start_min for i in pool or by_dt.get((d, name), [])]
        best, best_c = None, big
        for i in p.cand[ai]:
            o = p.options[i]
            if o.day != d or o.template.name != name or not _rest_ok(c, week_opts, o):
                continue
            ci = cost(ai, i)
            if targets:
                ci += w["unmet requirement"] * min(abs(o.start_min - s) for s in targets) / 60
            if ci < best_c:
                best, best_c = i, ci
        return best

    def place(ai, i):
        o = p.options[i]
        assign[ai][o.day] = i
        if anchor[ai] is None:
            anchor[ai] = o.start_min

    # meeting days first, so that the rest after a late shift the day before does not
    # keep a member from the start that fits its meeting
    first = sorted({sl[0] // 1440 % 7 for sl in p.meeting_slot.values()})
    for d in first + [d for d in range(7) if d not in first]:
        for name in sorted({n for dd in days for dd_, n in dd.items() if dd_ == d}):
            agents = [ai for ai in range(len(p.agents)) if days[ai].get(d) == name]
            pool = list(by_dt.get((d, name), []))
            if supervised:
                leads = [ai for ai in agents if p.agents[ai].is_lead]
                got = _lead_starts(p, leads, d, name, pool, cost, lead_need - lead_cov)
                for ai in leads:
                    i = got.get(ai)
                    if i in pool:
                        pool.remove(i)
                    elif i is None:
                        i = fallback(ai, d, name, pool)
                    if i is not None:
                        place(ai, i)
                        for t, u in p.options[i].cover:
                            lead_cov[t] += u / upi
                agents = [ai for ai in agents if not p.agents[ai].is_lead]
            if not agents:
                continue
            if pool:
                cm = np.array([[cost(ai, i) for i in pool] for ai in agents])
                # a column per agent for "no plan start" (a large but finite price)
                extra = np.full((len(agents), len(agents)), big / 10)
                rows, cols = linear_sum_assignment(np.hstack([cm, extra]))
                chosen = dict(zip(rows, cols, strict=True))
            else:
                chosen = {}
            left = []
            for r, ai in enumerate(agents):
                col = chosen.get(r)
                if col is not None and col < len(pool) and cm[r, col] < big:
                    place(ai, pool[col])
                    pool[col] = None
                else:
                    left.append(ai)
            pool = [i for i in pool if i is not None]
            for ai in left:
                i = fallback(ai, d, name, pool)
                if i is not None:
                    place(ai, i)
    return assign


def _lead_starts(
    p: _Problem,
    leads: list[int],
    d: int,
    name: str,
    pool: list[int],
    cost: Callable[[int, int], float],
    still_needed: np.ndarray,
) -> dict[int, int]:
    """Starts of template ``name`` on day ``d`` for these team leads (a small MILP).

    Each lead takes a start of the plan's ``pool`` (no more leads on a start than the
    pool holds) or, priced as the hours of a shift unmet, a candidate start off the
    plan.  Leads missing from ``still_needed`` (per interval, in agents) are priced far
    above any start, so the rules are kept where the starts allow; then the least
    ``cost`` (preferences, usual start).  Leads with no legal start are left out.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    far = 1e6  # a lead still needed; a start that ``cost`` prices this high is barred
    upi = p.week.units_per_interval
    in_pool = defaultdict(int)
    for i in pool:
        in_pool[i] += 1
    off_plan = p.weights["unmet requirement"] * _on_phone_h(p)[name]
    cols = []  # (lead, option, price): a lead on a start
    for ai in leads:
        for i in p.cand[ai]:
            o = p.options[i]
            if o.day == d and o.template.name == name and (c := cost(ai, i)) < far:
                cols.append((ai, i, c + (0.0 if i in in_pool else off_plan)))
    if not cols:
        return {}
    placed = sorted({ai for ai, _, _ in cols})
    starts = sorted(in_pool)
    need_t = [int(t) for t in np.flatnonzero(still_needed > 1e-9)]
    # rows: one start per lead, the pool's count of each start, leads still needed;
    # columns: the (lead, start) pairs, then one "short" per interval
    n_rows = len(placed) + len(starts) + len(need_t)
    a = np.zeros((n_rows, len(cols) + len(need_t)))
    lead_row = {ai: r for r, ai in enumerate(placed)}
    start_row = {i: len(placed) + r for r, i in enumerate(starts)}
    need_row = {t: len(placed) + len(starts) + r for r, t in enumerate(need_t)}
    for k, (ai, i, _) in enumerate(cols):
        a[lead_row[ai], k] = 1.0
        if i in start_row:
            a[start_row[i], k] = 1.0
        for t, u in p.options[i].cover:
            if t in need_row:
                a[need_row[t], k] += u / upi
    for r, t in enumerate(need_t):
        a[need_row[t], len(cols) + r] = 1.0
    lo = [1.0] * len(placed) + [0.0] * len(starts) + [float(still_needed[t]) for t in need_t]
    hi = [1.0] * len(placed) + [float(in_pool[i]) for i in starts] + [np.inf] * len(need_t)
    res = milp(
        np.array([price for _, _, price in cols] + [far] * len(need_t)),
        constraints=LinearConstraint(a, lo, hi),
        integrality=np.array([1] * len(cols) + [0] * len(need_t)),
        bounds=Bounds(0, [1] * len(cols) + [np.inf] * len(need_t)),
        options={"time_limit": 5.0},
    )
    if res.x is None:
        return {}
    return {ai: i for k, (ai, i, _) in enumerate(cols) if res.x[k] > 0.5}


def _explain(p: _Problem, plan, status: str, num_workers: int) -> str:
    if status != "INFEASIBLE":
        return "no roster found within the time limit (the model is not proven infeasible)"
    parts = []
    gaps = _lead_gaps(p)
    if gaps and p.lead_ratio > 0:
        parts.append(
            "rule 'lead on shift': no team lead can be on shift in "
            + ", ".join(gaps[:6])
            + (" ..." if len(gaps) > 6 else "")
        )
    pass1 = _build_pass1(p, plan, crew_lits=True)
    pass1.model.add_assumptions(list(pass1.lits.values()))
    s = cp_model.CpSolver()
    s.parameters.num_workers = num_workers
    s.parameters.max_time_in_seconds = 20.0
    st = s.solve(pass1.model)
    if st == cp_model.INFEASIBLE:
        core = set(s.sufficient_assumptions_for_infeasibility())
        names = [n for n, lit in pass1.lits.items() if lit.index in core]
        if names:
            parts.append("clashing: " + " vs ".join(names))
    return "no roster: " + ("; ".join(parts) if parts else "the rules clash")
