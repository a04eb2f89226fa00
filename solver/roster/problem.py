"""The rostering problem: agents, contracts, shift options, requirement and prices.

:func:`_prepare` checks the inputs and builds a :class:`_Problem`; the candidate shifts of
each agent (:func:`_candidates`) and the fair shares of evening and weekend work
(:func:`_fair_shares`) are set from the plan.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from solver.result import SolveResult
from solver.roster import rules
from solver.roster.data import (
    ShiftOption,
    Week,
    agent_rate,
    allowed_by_availability,
    allowed_by_time_off,
    check_inputs,
    expand_templates,
    model_unit,
    requirement_matrix,
)
from solver.roster.history import NO_HISTORY, AgentHistory, agent_histories
from wfm.errors import DataError, InputError
from wfm.types import Activity, Agent, Contract, ServiceTarget

#: Queue name used when the requirement has no queues: every agent counts for it.
ALL_QUEUES = "*"


Progress = Callable[[float, float, str], None]


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
    history: list = field(default_factory=list)  # per agent: AgentHistory before the week
    # the queue sets of a multi-skill plan (tuples of queue indices, each queue alone
    # first) and their own requirement in units (S, T); None: every set of queues, its
    # requirement the sum of its queues' (Hall's condition)
    sets: list | None = None
    set_units: np.ndarray | None = None

    def total_units(self) -> np.ndarray:
        """Least on-phone units of all queues together per interval (T,): the largest
        requirement of a queue set, or the queues' sum without sets."""
        if self.sets:
            return self.set_units.max(axis=0)
        return self.req_units.sum(axis=0)

    def crew(self, mask: np.ndarray | None = None, scale: int = 1) -> rules.Crew:
        """The coverage terms' container for this problem, the requirement kept only in
        the intervals of ``mask`` (all by default)."""
        keep = (lambda a: a) if mask is None else (lambda a: np.where(mask, a, 0))
        return rules.Crew(self.week, self.queues, keep(self.req_units), self.classes,
                          scale=scale, sets=self.sets,
                          set_req=None if self.sets is None else keep(self.set_units))
    # per agent: (evening shifts, weekend days) owed (> 0) or worked above the share (< 0)
    # on the horizon so far (solver.roster.horizon); moves the week's fair shares
    fair_carry: list = field(default_factory=list)

    def history_of(self, ai: int) -> AgentHistory:
        return self.history[ai] if self.history else NO_HISTORY

    def prior_days(self, ai: int) -> int:
        """Days in a row agent ``ai`` worked up to the week start."""
        return self.history_of(ai).trailing_days

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
    previous=None,
    pooled=None,
) -> _Problem:
    """The problem of :func:`solver.roster.build_roster`'s inputs, checked."""
    check_inputs(agents, contracts, templates)
    shifts, breaks, coverage, req_frame = _as_plan(plan_or_requirements)
    if requirements is not None:
        req_frame = requirements
    w = _weights_of(weights)
    unit0 = model_unit(15, templates, activities)
    ws, step = _week_of(
        week_start,
        [(req_frame, "interval_start"), (coverage, "interval_start"), (shifts, "start")],
        math.gcd(15, unit0),
    )
    unit = model_unit(step, templates, activities)
    week = Week(ws, step, math.gcd(unit, step))
    queues, req, traffic, aht = _requirement_of(req_frame, coverage, shifts, breaks, week, cover)
    req_units = _units(req, week)
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
        history=agent_histories(previous, ws, agents),
    )
    if pooled is not None:
        p.sets, p.set_units = _queue_sets(pooled, p.queues, req_units, week, cover)
    _set_allowed_and_classes(p)
    return p


def _units(req: np.ndarray, week: Week) -> np.ndarray:
    """Requirement [agents] in whole model units, rounded up (round-off guarded)."""
    return np.ceil(req * week.units_per_interval - 1e-9).astype(int)


def _queue_sets(pooled: pd.DataFrame, queues: list[str], req_units: np.ndarray, week: Week,
                cover: str) -> tuple[list, np.ndarray]:
    """The queue sets of a multi-skill plan and their requirement in units (S, T).

    Each queue alone, with its own requirement, then every set of ``pooled`` (column
    ``queue_set``, queues joined by "+", as :func:`wfm.multiskill.pooled_requirements`
    writes them) with the requirement of its pooled traffic.
    """
    if not isinstance(pooled, pd.DataFrame) or "queue_set" not in pooled.columns:
        raise DataError("pooled requirements need a 'queue_set' column (queues joined by '+')",
                        column="queue_set")
    if queues == [ALL_QUEUES]:
        raise DataError("pooled requirements need a requirement per queue (column 'queue')",
                        column="queue")
    sets = [(q,) for q in range(len(queues))]
    rows = [req_units[q] for q in range(len(queues))]
    if len(pooled):
        names, req = requirement_matrix(pooled.rename(columns={"queue_set": "queue"}), week,
                                        cover, what="pooled requirements")
        index = {q: i for i, q in enumerate(queues)}
        for name, row in zip(names, req, strict=True):
            unknown = [q for q in name.split("+") if q not in index]
            if unknown:
                raise DataError(f"pooled requirements: queue set names a queue without "
                                f"requirements ('{unknown[0]}'; queues: {queues})",
                                column="queue_set", value=name, has_value=True)
            qs = tuple(sorted(index[q] for q in set(name.split("+"))))
            if len(qs) > 1:
                sets.append(qs)
                rows.append(_units(row, week))
    return sets, np.array(rows, int)


def _weights_of(weights: Mapping[str, float] | None) -> dict:
    """The soft rules' prices: the defaults, updated by ``weights`` (checked)."""
    w = dict(rules.DEFAULT_WEIGHTS)
    for k, v in (weights or {}).items():
        if k not in w:
            raise InputError("weights", k, f"one of {sorted(w)}")
        if not (isinstance(v, int | float) and v >= 0 and math.isfinite(v)):
            raise InputError(f"weights[{k!r}]", v, "a price >= 0")
        w[k] = float(v)
    return w


def _requirement_of(req_frame, coverage, shifts, breaks, week: Week, cover: str):
    """(queues, requirement [agents] (Q, T), traffic, aht_s) from the requirements
    frame, else the plan's coverage frame, else the plan's own on-phone agents."""
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
    return queues, req, traffic, aht


def _set_allowed_and_classes(p: _Problem) -> None:
    """Each agent's allowed options (hours, availability, time off) and its class of
    equal skills and lead status."""
    for ai, a in enumerate(p.agents):
        c = p.contracts[a.contract]
        earliest = p.history_of(ai).earliest_start_min(c.min_rest_h)
        p.allowed.append(
            {
                o.index
                for o in p.options
                if o.paid_min <= c.max_hours_week * 60 + 1e-9
                and allowed_by_availability(a, o)
                and allowed_by_time_off(a, o, p.week)
                and (earliest is None or o.abs_start >= earliest)
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


def _on_phone_h(p: _Problem) -> dict[str, float]:
    """Hours on the phones of a shift of each template (its length less its breaks)."""
    return {
        o.template.name: (o.length_min - sum(b[0].length_min for b in o.breaks if b)) / 60
        for o in p.options
    }


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
    if p.fair_carry:  # the horizon's rotation: shares moved by what was worked so far
        fe = [max(0, f + ce) for f, (ce, _) in zip(fe, p.fair_carry, strict=True)]
        fw = [max(0, f + cw) for f, (_, cw) in zip(fw, p.fair_carry, strict=True)]
    return fe, fw
