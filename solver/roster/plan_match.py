"""The start: the plan's shifts matched to agents (days and templates, then start times)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from itertools import product

import numpy as np
from ortools.sat.python import cp_model

from solver.roster import rules
from solver.roster.meetings import _compatible, _meeting_fits, _meeting_members
from solver.roster.problem import _cents, _on_phone_h, _Problem
from solver.roster.scoring import Scoring, _rest_ok


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
    least cost in wages, soft rules and meetings (:meth:`Scoring.cost`) is made when that
    cost is below the hours of a shift unmet.

    Returns
    -------
    assignment : list of dict day -> option index
    moves : int
    """
    assign = [dict(d) for d in assign]
    scoring = Scoring(p, plan)
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
        return scoring.delta(assign, changes)

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
    if time_limit_s < 0.05:
        return None  # no time: the best response builds the start
    dm = _DaysModel(p, plan)
    for ai in range(len(p.agents)):
        dm.add_agent(ai)
    dm.add_rest_clashes()
    dm.add_meetings()
    dm.add_counts()
    return dm.solve(time_limit_s)


class _DaysModel:
    """The CP-SAT model of :func:`_plan_days`: ``x[(agent, day, template)]`` and the
    priced terms of its objective."""

    def __init__(self, p: _Problem, plan: dict[int, int]):
        self.p, self.plan = p, plan
        self.need = defaultdict(int)  # (day, template) -> plan shifts
        self.starts = defaultdict(list)
        for i, n in plan.items():
            o = p.options[i]
            self.need[(o.day, o.template.name)] += n
            self.starts[(o.day, o.template.name)].append(i)
        self.paid = {o.template.name: o.paid_min for o in p.options}
        self.on_h = _on_phone_h(p)
        self._bands()
        self.m = cp_model.CpModel()
        self.x: dict = {}
        self.terms: list = []
        self.in_band = defaultdict(list)  # (day, template, band) -> x vars of partial agents
        self.lead_work = defaultdict(list)  # day -> "works" literals of team leads

    def _bands(self) -> None:
        """An agent that may work only some of a day's plan starts of a template (limited
        availability) chooses a band: plan starts that the same such agents may work.
        No more of them take a band than it has starts, so that every agent finds a plan
        start of its own (the day and template alone had left students with the
        evening's starts taken and a morning start 8 h away)."""
        p = self.p
        self.partial = defaultdict(set)  # (day, template) -> agents with some plan starts barred
        for key, idx in self.starts.items():
            for ai in range(len(p.agents)):
                if any(i not in p.allowed[ai] for i in idx):
                    self.partial[key].add(ai)
        self.band_of: dict = {}  # (day, template, start) -> band
        self.band_need = defaultdict(int)
        for key, idx in self.starts.items():
            for i in idx:
                sig = frozenset(ai for ai in self.partial[key] if i in p.allowed[ai])
                self.band_of[(*key, i)] = sig
                self.band_need[(*key, sig)] += self.plan[i]

    def add_agent(self, ai: int) -> None:
        """The agent's days and templates, its hours and day-pattern rules."""
        p, m = self.p, self.m
        a = p.agents[ai]
        c = p.contracts[a.contract]
        work, hours = [], []
        # every template it can work that day (a day off the plan is priced as over);
        # candidates keep to the templates its contract can use
        own = {(p.options[i].day, p.options[i].template.name): i for i in p.cand[ai]}
        for d in range(7):
            day = []
            for (dd, name), i in sorted(own.items()):
                if dd == d:
                    day.append(self._template_day(ai, d, name, i, hours))
            wd = m.new_bool_var(f"a{ai} works d{d}")
            m.add(sum(day) == wd) if day else m.add(wd == 0)
            work.append(wd)
            if a.is_lead:
                self.lead_work[d].append(wd)
        if not hours:  # no plan start it may work: the best response places it
            return
        lo = math.ceil(c.min_hours_week * 60 - 1e-9)
        if lo > 0:
            m.add(sum(hours) >= lo)
        m.add(sum(hours) <= math.floor(c.max_hours_week * 60 + 1e-9))
        # the day-pattern rules of the roster model, on this model's working days
        av = rules.AgentVars(a, c, p.week, [], [], work, p.history_of(ai))
        for rule in (rules.days_per_week, rules.max_consecutive_days,
                     rules.two_consecutive_days_off, rules.weekend_limit):
            rule(m, av)

    def _template_day(self, ai: int, d: int, name: str, i: int, hours: list):
        """The variable of the agent on template ``name`` on day ``d``, priced (wages,
        preferences, and for an agent of limited availability its band or a start off
        the plan)."""
        p, m, w = self.p, self.m, self.p.weights
        a = p.agents[ai]
        v = m.new_bool_var(f"a{ai} d{d} {name}")
        self.x[(ai, d, name)] = v
        hours.append(self.paid[name] * v)
        cost = p.rate(ai, p.options[i]) * self.paid[name] / 60
        if p.week.weekday(d) in a.preferred_days_off:
            cost += w["preferred day off"]
        if a.preferred_shifts and name not in a.preferred_shifts:
            cost += w["preferred shift"]
        self.terms.append((v, cost))
        if ai in self.partial.get((d, name), ()):
            bands = {
                self.band_of[(d, name, j)]
                for j in self.starts[(d, name)]
                if j in p.allowed[ai]
            }
            ys = []
            for b in sorted(bands, key=sorted):
                y = m.new_bool_var(f"a{ai} d{d} {name} band")
                self.in_band[(d, name, b)].append(y)
                ys.append(y)
            # off the plan's starts: the day's count is met, but one of its
            # starts is left and another start is added (priced twice)
            off = m.new_bool_var(f"a{ai} d{d} {name} off the plan")
            m.add(sum(ys) + off == v)
            self.terms.append((off, 2 * w["unmet requirement"] * self.on_h[name]))
        return v

    def add_rest_clashes(self) -> None:
        """A template one day and another the next whose plan starts mostly clash by the
        minimum rest (an evening shift, then a morning one): the start assignment would
        take a start off the plan, priced so in the share of clashing pairs."""
        p, m, w, x = self.p, self.m, self.p.weights, self.x
        clash_cost: dict = {}
        for ai, a in enumerate(p.agents):
            rest = p.contracts[a.contract].min_rest_h
            for d in range(6):
                for name1, name2 in product(sorted(self.paid), repeat=2):
                    x1, x2 = x.get((ai, d, name1)), x.get((ai, d + 1, name2))
                    if x1 is None or x2 is None:
                        continue
                    key = (rest, d, name1, name2)
                    if key not in clash_cost:
                        share = _rest_clash_share(
                            p, rest, self.starts[(d, name1)], self.starts[(d + 1, name2)],
                            self.plan
                        )
                        clash_cost[key] = (
                            share * 2 * w["unmet requirement"] * self.on_h[name2]
                            if share >= 0.5 else 0.0
                        )
                    if clash_cost[key] > 0:
                        z = m.new_bool_var(f"a{ai} d{d} {name1} then {name2}")
                        m.add_bool_or([x1.Not(), x2.Not(), z])
                        self.terms.append((z, clash_cost[key]))

    def add_meetings(self) -> None:
        """A member attends on a day and template of the plan with a start that fits
        the meeting, and no more members attend on one than it has such starts; a
        member absent costs the absence price."""
        p, m, x = self.p, self.m, self.x
        fits = _meeting_fits(p)
        for act in p.activities:
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
                self.terms.append((absent, p.weights["meeting absence"]))
            if sl is None:
                continue
            for k, ys in att.items():
                room = sum(self.plan[i] for i in self.starts.get(k, [])
                           if _compatible(p.options[i], *sl))
                if room < len(ys):
                    m.add(sum(ys) <= room)

    def add_counts(self) -> None:
        """Enough team leads each day, the plan's shifts per day and template, and the
        bands' starts."""
        p, m, terms = self.p, self.m, self.terms
        price = p.weights["unmet requirement"]
        on_h = self.on_h
        # enough team leads each day to cover the lead rules with their shifts: a lead
        # short on a day costs the plan a start moved off it, later, for each interval
        for d, n in _lead_days(p, self.plan).items():
            short = m.new_int_var(0, n, f"leads short d{d}")
            m.add(sum(self.lead_work[d]) + short >= n)
            terms.append((short, 2 * price * max(on_h.values())))
        got_of = defaultdict(list)
        for (_ai, d, name), v in self.x.items():
            got_of[(d, name)].append(v)
        for key in sorted(got_of.keys() | self.need.keys()):
            n = self.need.get(key, 0)
            got = got_of.get(key, [])
            under = m.new_int_var(0, n, f"under {key}")
            over = m.new_int_var(0, len(got), f"over {key}")
            m.add(sum(got) + under - over == n)
            terms.append((under, price * on_h[key[1]]))
            terms.append((over, price * on_h[key[1]]))
        for (d, name, b), ys in self.in_band.items():
            room = self.band_need[(d, name, b)]
            if room < len(ys):
                over = m.new_int_var(0, len(ys), f"over band {d} {name}")
                m.add(sum(ys) <= room + over)
                terms.append((over, 2 * price * on_h[name]))

    def solve(self, time_limit_s: float) -> list[dict[int, str]] | None:
        """Each agent's template by day, or None if no solution was found in time."""
        m = self.m
        m.minimize(sum(_cents(c) * v for v, c in self.terms))
        s = cp_model.CpSolver()
        # one worker with the full LP relaxation: measured on the 400-agent benchmark, it
        # ends within 0.1 % of the bound in 4 s where the default portfolio of two workers
        # stays 7 % to 40 % above it
        s.parameters.num_workers = 1
        s.parameters.linearization_level = 2
        s.parameters.max_time_in_seconds = max(0.05, float(time_limit_s))
        # a deterministic limit (half the seconds in work units: about 70 % of the wall
        # time on the benchmark machine) makes runs repeatable; the wall limit stays as a
        # guard on slower machines
        s.parameters.max_deterministic_time = max(0.025, 0.5 * float(time_limit_s))
        st = s.solve(m)
        if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        out: list[dict[int, str]] = [{} for _ in self.p.agents]
        for (ai, d, name), v in self.x.items():
            if s.value(v):
                out[ai][d] = name
        return out


def _lead_need(p: _Problem, plan: dict[int, int]) -> np.ndarray:
    """Team leads needed on shift per interval [agents] to staff ``plan``: one while the
    centre is open, and one per ``lead_ratio`` others."""
    total = p.total_units()
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
    sm = _StartsMatch(p, plan)
    # meeting days first, so that the rest after a late shift the day before does not
    # keep a member from the start that fits its meeting
    first = sorted({sl[0] // 1440 % 7 for sl in p.meeting_slot.values()})
    for d in first + [d for d in range(7) if d not in first]:
        for name in sorted({n for dd in days for dd_, n in dd.items() if dd_ == d}):
            agents = [ai for ai in range(len(p.agents)) if days[ai].get(d) == name]
            pool = list(sm.by_dt.get((d, name), []))
            if sm.supervised:
                sm.place_leads([ai for ai in agents if p.agents[ai].is_lead], d, name, pool)
                agents = [ai for ai in agents if not p.agents[ai].is_lead]
            if agents:
                sm.place_others(agents, d, name, pool)
    return sm.assign


class _StartsMatch:
    """The state of :func:`_plan_starts`: the starts placed so far, each agent's usual
    start, and the leads they put on shift."""

    big = 1e7

    def __init__(self, p: _Problem, plan: dict[int, int]):
        self.p = p
        self.by_dt = defaultdict(list)
        for i, n in plan.items():
            o = p.options[i]
            self.by_dt[(o.day, o.template.name)] += [i] * n
        self.supervised = p.lead_ratio > 0 and any(a.is_lead for a in p.agents)
        self.lead_need = _lead_need(p, plan)
        self.lead_cov = np.zeros(p.week.n_intervals)
        self.assign: list[dict[int, int]] = [{} for _ in p.agents]
        self.anchor: list[int | None] = [a.preferred_start_min for a in p.agents]
        self.fits = _meeting_fits(p)  # members: the shifts that fit their meeting's slot

    def cost(self, ai: int, i: int) -> float:
        """The agent on start ``i``: preferred start, distance from its usual start,
        missing its meeting; ``big`` if barred (not allowed, or breaking the rest)."""
        p, w = self.p, self.p.weights
        a = p.agents[ai]
        o = p.options[i]
        if i not in p.allowed[ai]:
            return self.big
        week_opts = {d: p.options[j] for d, j in self.assign[ai].items()}
        if not _rest_ok(p.contracts[a.contract], week_opts, o):
            return self.big
        cst = 0.0
        if a.preferred_start_min is not None:
            cst += (
                w["preferred start"] * rules._circular_gap(o.start_min, a.preferred_start_min) / 60
            )
        if self.anchor[ai] is not None:
            cst += w["start consistency"] * max(0, abs(o.start_min - self.anchor[ai]) - 60) / 60
        fit = self.fits.get(ai)
        if fit and i not in fit and not any(j in fit for j in self.assign[ai].values()):
            cst += w["meeting absence"]
        return cst

    def fallback(self, ai: int, d: int, name: str, pool: list[int]) -> int | None:
        """The agent's legal start of the template nearest the plan's unfilled starts."""
        p = self.p
        c = p.contracts[p.agents[ai].contract]
        week_opts = {dd: p.options[j] for dd, j in self.assign[ai].items()}
        targets = [p.options[i].start_min for i in pool or self.by_dt.get((d, name), [])]
        best, best_c = None, self.big
        for i in p.cand[ai]:
            o = p.options[i]
            if o.day != d or o.template.name != name or not _rest_ok(c, week_opts, o):
                continue
            ci = self.cost(ai, i)
            if targets:
                gap = min(abs(o.start_min - s) for s in targets)
                ci += p.weights["unmet requirement"] * gap / 60
            if ci < best_c:
                best, best_c = i, ci
        return best

    def place(self, ai: int, i: int) -> None:
        o = self.p.options[i]
        self.assign[ai][o.day] = i
        if self.anchor[ai] is None:
            self.anchor[ai] = o.start_min

    def place_leads(self, leads: list[int], d: int, name: str, pool: list[int]) -> None:
        """The leads' starts (:func:`_lead_starts`); ``pool`` loses the plan starts taken."""
        p = self.p
        upi = p.week.units_per_interval
        got = _lead_starts(p, leads, d, name, pool, self.cost, self.lead_need - self.lead_cov)
        for ai in leads:
            i = got.get(ai)
            if i in pool:
                pool.remove(i)
            elif i is None:
                i = self.fallback(ai, d, name, pool)
            if i is not None:
                self.place(ai, i)
                for t, u in p.options[i].cover:
                    self.lead_cov[t] += u / upi

    def place_others(self, agents: list[int], d: int, name: str, pool: list[int]) -> None:
        """The other agents matched to the plan's starts left (Hungarian method), those
        left over on their fallback start."""
        from scipy.optimize import linear_sum_assignment

        if pool:
            cm = np.array([[self.cost(ai, i) for i in pool] for ai in agents])
            # a column per agent for "no plan start" (a large but finite price)
            extra = np.full((len(agents), len(agents)), self.big / 10)
            rows, cols = linear_sum_assignment(np.hstack([cm, extra]))
            chosen = dict(zip(rows, cols, strict=True))
        else:
            chosen = {}
        left = []
        for r, ai in enumerate(agents):
            col = chosen.get(r)
            if col is not None and col < len(pool) and cm[r, col] < self.big:
                self.place(ai, pool[col])
                pool[col] = None
            else:
                left.append(ai)
        pool = [i for i in pool if i is not None]
        for ai in left:
            i = self.fallback(ai, d, name, pool)
            if i is not None:
                self.place(ai, i)


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
