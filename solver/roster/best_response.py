"""The start built and improved one agent at a time (best response by each agent's small model).
"""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.sat.python import cp_model

from solver.roster.meetings import _meeting_fits
from solver.roster.problem import ALL_QUEUES, _fair_shares, _Problem
from solver.roster.scoring import _week_ok
from solver.roster.shift_model import _agent_model

#: Hours above its contract minimum an agent may take in the first round of the start.
_FIRST_ROUND_EXTRA_H = 2.0


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
