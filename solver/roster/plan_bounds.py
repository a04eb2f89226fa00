"""The lower bounds of a roster (LP relaxations with valid cuts) and the plan it starts from."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from solver.roster.data import agent_rate
from solver.roster.lp import LPBound, day_patterns, lp_bound, round_plan
from solver.roster.meetings import (
    _attendable,
    _choose_meeting_slots,
    _meeting_members,
    _meeting_slots,
)
from solver.roster.problem import _candidates, _fair_shares, _Problem, _usable_by_contract
from wfm.errors import SolveError


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


@dataclass
class _Bounds:
    """The LP lower bounds of a roster (:func:`_plan_and_bounds`)."""

    lp: LPBound  # anonymous: every shift of the templates at the cheapest rate
    contract: LPBound  # with the contracts' hours, days and single-template weeks
    meetings: LPBound  # and each meeting member attending or absent (the weekends one, if solved)
    weekends: LPBound  # and the weekend fairness of single-template day patterns
    above_min_rate: float  # what agents are paid above the cheapest rate, at least

    @property
    def value(self) -> float:
        """The best bound.  Pass 1 spreads breaks evenly, which is not a relaxation of
        placing them: its CP-SAT bound is kept in stats only."""
        extra = self.above_min_rate
        return max(self.lp.value, self.contract.value + extra, self.meetings.value + extra,
                   self.weekends.value + extra)


def _plan_and_bounds(p: _Problem, prog, deadline: float = math.inf,
                     anonymous_deadline: float = math.inf) -> tuple[_Bounds, dict[int, int], str]:
    """The LP bounds, the meetings' slots, the plan the roster starts from (the given
    plan, or the rounded LP plan with the meetings' attendees staffed) and the agents'
    candidate shifts.  Returns (bounds, plan counts by option, plan source).

    The LPs end by ``deadline`` (a ``time.perf_counter`` time): one that would not is
    left out, for a weaker bound (or a plan that staffs fewer meetings); SolveError if
    the anonymous LP itself cannot be solved by ``anonymous_deadline``."""
    ratemin, option_cost = _cheapest_rates(p)
    upi_price = p.weights["unmet requirement"] * p.week.unit_min / 60
    total_req = p.total_units()
    prog(0.02, 1.0, "LP bound")
    # LP bound over every shift of the templates, priced at the cheapest agent rate
    lp = lp_bound(p.options, p.week, total_req, option_cost, upi_price,
                  time_limit_s=_left(anonymous_deadline))
    usable_of = _usable_by_contract(p)
    contract_lp = _ContractLP(p, option_cost, upi_price, usable_of, deadline)
    # The LPs price every shift at the cheapest rate any agent is paid for it.  What an
    # agent is paid above that on the cheapest week its contract allows is a constant
    # the contract bounds add.
    above_min_rate = sum(_rate_floor(p, ai, ratemin, usable_of) for ai in range(len(p.agents)))
    try:
        lp_c = contract_lp(total_req)
    except SolveError:
        # the contracts cannot all be kept (the agent-by-agent check below names who)
        lp_c = lp
    lp_plan = lp_c
    meeting_rows = _meeting_rows(p)
    if p.activities:
        # meetings at the slots the LP prices lowest; the plan staffs their attendees
        last = [lp_c]

        def resolve(extra, holding):
            try:
                last[0] = contract_lp(total_req + extra, min_counts=holding)
            except SolveError:
                try:
                    last[0] = lp_bound(p.options, p.week, total_req + extra, option_cost,
                                       upi_price, min_counts=holding,
                                       time_limit_s=_left(deadline))
                except SolveError:
                    pass  # out of time: the plan keeps the LP so far
            return last[0]

        prog(0.03, 1.0, "placing meetings")
        lp_plan, _ = _choose_meeting_slots(p, lp_c, resolve)
    if p.plan_counts:
        base_plan, plan_source = dict(p.plan_counts), "plan"
    else:
        base_plan, plan_source = round_plan(lp_plan.counts), "rounded LP"
    base = set(base_plan) | {int(i) for i in np.flatnonzero(lp_plan.counts > 1e-6)}
    _candidates(p, base)
    lp_soft = None
    if contract_lp.day_groups and lp_c is not lp and p.weights["weekend fairness"] > 0:
        lp_soft = _weekend_bound(p, contract_lp, base_plan, meeting_rows, total_req)
    lp_m = lp_c
    if meeting_rows and lp_c is not lp:
        # each member attends (off the phones) or is absent: a bound with the meetings.
        # The weekend bound has their rows too and costs more: solved, it stands for
        # it (one LP less, 1.7 s of the benchmark's limit)
        try:
            lp_m = lp_soft or contract_lp(total_req, meeting_rows)
        except SolveError:
            pass  # out of time: the bound without the meetings stays, valid but weaker
    lp_soft = lp_soft or lp_m
    return _Bounds(lp, lp_c, lp_m, lp_soft, above_min_rate), base_plan, plan_source


def _cheapest_rates(p: _Problem) -> tuple[dict[str, float], np.ndarray]:
    """The cheapest rate any agent is paid for each template, and each option's cost at it."""
    ratemin = {}
    for t in {o.template.name: o.template for o in p.options}.values():
        ratemin[t.name] = min(agent_rate(a, p.contracts[a.contract], t) for a in p.agents)
    option_cost = np.array([ratemin[o.template.name] * o.weighted_paid_h for o in p.options])
    return ratemin, option_cost


class _ContractLP:
    """The LP bound with the contracts' cuts: total paid hours within the contracts',
    the minimum shifts and the legal day patterns of the contracts that can use a
    single template, and the shifts the agents can work per set of templates
    (:func:`_shift_caps`).  Called with the requirement (and the meetings' rows, or
    day groups priced at their weekend fairness)."""

    def __init__(self, p: _Problem, option_cost: np.ndarray, upi_price: float,
                 usable_of: Mapping[str, set[str]], deadline: float = math.inf):
        self.p, self.option_cost, self.upi_price = p, option_cost, upi_price
        self.deadline = deadline
        self.min_paid = sum(p.contracts[a.contract].min_hours_week for a in p.agents)
        self.max_paid = sum(p.contracts[a.contract].max_hours_week for a in p.agents)
        self.only: dict[str, int] = defaultdict(int)
        fixed = defaultdict(int)  # contracts that can use a single template
        for a in p.agents:
            usable = usable_of[a.contract]
            if len(usable) == 1:
                self.only[next(iter(usable))] += p.contracts[a.contract].min_days_week
                fixed[(a.contract, next(iter(usable)))] += 1
        self.day_groups, self.group_contract, self.group_weekend = [], [], []
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
                self.day_groups.append((tname, count, pats))
                self.group_contract.append(cname)
                self.group_weekend.append(weekend)
        self.caps = _shift_caps(p)

    def __call__(self, req_units, meetings=None, groups=None, min_counts=None) -> LPBound:
        return lp_bound(
            self.p.options,
            self.p.week,
            req_units,
            self.option_cost,
            self.upi_price,
            min_total_paid_h=self.min_paid,
            min_template_count=dict(self.only),
            day_groups=groups or self.day_groups,
            max_total_paid_h=self.max_paid,
            max_counts=self.caps,
            min_counts=min_counts,
            meetings=meetings,
            time_limit_s=_left(self.deadline),
        )


def _left(deadline: float) -> float | None:
    """Seconds to ``deadline`` for an LP (None: no limit); SolveError if none are left."""
    if deadline == math.inf:
        return None
    left = deadline - time.perf_counter()
    if left <= 0.05:
        raise SolveError("no time left for the LP bound")
    return left


def _meeting_rows(p: _Problem) -> list[tuple]:
    """The meetings as rows of the LP bound: members, each slot's intervals, the absence
    price and the least members absent.  A meeting has one time for all its members:
    those who may work no shift holding it are absent, at least as many as at its best
    slot."""
    return [
        (
            len(members),
            [p.week.cover(*sl) for sl in slots],
            p.weights["meeting absence"],
            len(members) - max(fit for _, fit, _ in _attendable(p, members, slots)),
        )
        for act in p.activities
        if (members := _meeting_members(p, act)) and (slots := _meeting_slots(p, act))
    ]


def _weekend_bound(p: _Problem, contract_lp: _ContractLP, base_plan: dict[int, int],
                   meeting_rows: list, total_req: np.ndarray) -> LPBound | None:
    """With the plan, the fair shares are known: the weekend days that an agent of one
    template's day patterns works above its share cost weekend fairness in the bound.
    None when no pattern bends it, or the LP fails (the bound without it stays: valid,
    only weaker)."""
    _, fair_w = _fair_shares(p, base_plan)
    share: dict[str, int] = {}  # the largest share of a contract's agents keeps the bound
    for ai in range(len(p.agents)):
        share[p.agents[ai].contract] = max(share.get(p.agents[ai].contract, 0), fair_w[ai])
    priced = [
        (*group, [
            p.weights["weekend fairness"] * max(0, sum(pat[d] for d in wk) - share[cname])
            for pat in group[2]
        ])
        for group, cname, wk in zip(contract_lp.day_groups, contract_lp.group_contract,
                                    contract_lp.group_weekend, strict=True)
    ]
    if not any(any(g[3]) for g in priced):
        return None
    try:
        return contract_lp(total_req, meeting_rows or None, priced)
    except SolveError:
        return None
