"""Reading a solved shift plan: agent-shifts, breaks, coverage, penalties and the message.

Shared by the one-queue plan (:mod:`solver.shifts`) and the skill-group plan
(:mod:`solver.shift_groups`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from solver import shift_rules as rules
from solver.result import BREAK_COLUMNS, SHIFT_COLUMNS
from solver.shift_grid import Demand
from wfm import erlang
from wfm.types import ServiceTarget


def extract(pm, values, keep, target, mode, objective, stats):
    demand, cand = pm.demand, pm.cand
    n = demand.n_slots
    slot = demand.slot_min
    ws = demand.week_start
    counts = np.array([int(round(values[v])) for v in pm.x])
    scheduled = np.zeros(n)
    on_break = np.zeros(n)
    by_shift: dict = {}
    for s, opt, var in pm.b:
        m = int(round(values[var]))
        if m > 0:
            by_shift.setdefault(s, {}).setdefault(opt.rule, []).extend([opt] * m)
            on_break[rules.option_slots(cand, s, opt, n)] += m
    shift_rows, break_rows = [], []
    candidate_of_row = []
    total_cost = 0.0
    sid = 0
    for s in np.flatnonzero(counts):
        tpl = cand.templates[cand.template[s]]
        scheduled[cand.slots(s, n)] += counts[s]
        start = ws + pd.Timedelta(minutes=int(cand.start[s] * slot))
        assigned = _assign_breaks(tpl, by_shift.get(s, {}), int(counts[s]), slot)
        for agent_breaks in assigned:
            sid += 1
            shift_id = f"S{sid:05d}"
            cost = float(cand.cost[s])
            unpaid = 0
            for opt in agent_breaks:
                rule = tpl.breaks[opt.rule]
                b_start = start + pd.Timedelta(minutes=opt.offset * slot)
                break_rows.append((shift_id, "break", rule.name, b_start,
                                   b_start + pd.Timedelta(minutes=opt.length * slot), rule.paid))
                if not rule.paid:
                    unpaid += opt.length * slot
                    cost -= float(cand.slot_cost[cand.template[s]][
                        rules.option_slots(cand, s, opt, n)].sum())
            total_cost += cost
            candidate_of_row.append(int(s))
            shift_rows.append((shift_id, "", tpl.name, start.date(), start,
                               start + pd.Timedelta(minutes=tpl.length_min),
                               (tpl.length_min - unpaid) / 60, round(cost, 6)))
    shifts = pd.DataFrame(shift_rows, columns=list(SHIFT_COLUMNS))
    breaks = pd.DataFrame(break_rows, columns=list(BREAK_COLUMNS))
    on_phone = scheduled - on_break
    coverage, weekly_sl = coverage_frame(demand, scheduled, on_break, on_phone, keep, target)
    penalties = penalty_frame(pm, values, objective, slot, mode)
    stats.update(cost=total_cost, paid_hours=float(shifts["paid_h"].sum()) if len(shifts) else 0.0,
                 agent_shifts=len(shifts), service_level=weekly_sl,
                 needed_hours=float(demand.staff_needed.sum() * slot / 60))
    return {"shifts": shifts, "breaks": breaks, "coverage": coverage, "penalties": penalties,
            "candidate": np.asarray(candidate_of_row, dtype=int), "counts": counts,
            "on_break": on_break, "scheduled": scheduled}


def _assign_breaks(tpl, per_rule: dict, count: int, slot: int):
    """Give each of ``count`` agents one placement of every break, in order with gaps.

    The i-th agent ready earliest takes the i-th earliest start of the next break,
    which the order constraints guarantee is feasible.
    """
    agents = [[] for _ in range(count)]
    ready = [0] * count
    for k, rule in enumerate(tpl.breaks):
        opts = sorted(per_rule.get(k, []), key=lambda o: (o.offset, o.length))
        order = sorted(range(count), key=lambda i: ready[i])
        gap = math.ceil(rule.min_gap_min / slot)
        for i, opt in zip(order, opts, strict=False):
            agents[i].append(opt)
            ready[i] = opt.offset + opt.length + gap
    return agents


def _interp(fn, n_eff, *args):
    lo = np.floor(n_eff)
    frac = n_eff - lo
    v_lo = np.asarray(fn(lo, *args), dtype=float)
    v_hi = np.asarray(fn(lo + 1, *args), dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.where(frac > 1e-9, v_lo + frac * (v_hi - v_lo), v_lo)
    return np.where(np.isinf(v_lo) & (frac > 1e-9), np.inf, out) if out.ndim else out


def coverage_frame(demand: Demand, scheduled, on_break, on_phone, keep, target: ServiceTarget):
    idx = np.flatnonzero(demand.present)
    n_eff = keep * on_phone[idx]
    a = demand.traffic[idx]
    calls = demand.calls[idx]
    aht = np.where(np.isfinite(demand.aht_s[idx]) & (demand.aht_s[idx] > 0), demand.aht_s[idx], 1.0)
    has = calls > 0
    sl = np.full(len(idx), np.nan)
    asa = np.full(len(idx), np.nan)
    if has.any():
        sl[has] = _interp(lambda n, a_, h: erlang.service_level(n, a_, h, target.answer_within_s),
                          n_eff[has], a[has], aht[has])
        asa[has] = _interp(erlang.average_speed_of_answer, n_eff[has], a[has], aht[has])
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n_eff > 0, np.minimum(a / np.where(n_eff > 0, n_eff, 1), 1.0),
                       np.where(a > 0, 1.0, 0.0))
    frame = pd.DataFrame({
        "queue": demand.queue,
        "interval_start": demand.slot_times()[idx],
        "scheduled": scheduled[idx].astype(int),
        "on_break": on_break[idx].astype(int),
        "on_phone": on_phone[idx].astype(int),
        "available": n_eff,
        "staff_needed": demand.staff_needed[idx],
        "agents_needed": demand.agents_needed[idx],
        "shortfall": np.maximum(demand.staff_needed[idx] - on_phone[idx], 0),
        "calls": calls,
        "service_level": sl,
        "asa_s": asa,
        "occupancy": occ,
    })
    weekly = float(np.nansum(sl[has] * calls[has]) / calls[has].sum()) if has.any() else math.nan
    return frame, weekly


def penalty_frame(pm, values, objective, slot, mode):
    rows = []
    unit_cost = "calls" if mode == "budget" else "currency"
    for rule_name, slacks in pm.slacks.items():
        for subject, var in slacks.items():
            amount = float(values[var])
            if amount <= 1e-6:
                continue
            cost = amount * objective.get(var, math.nan)
            prefix = ""
            if isinstance(subject, tuple):  # (queue set, slot) of a skill-group plan
                prefix, subject = f"{subject[0]} ", subject[1]
            if rule_name == "service_level_target":
                rows.append((rule_name, prefix + "week", amount, "calls below target", cost))
                continue
            ts = pm.demand.week_start + pd.Timedelta(minutes=int(subject) * slot)
            rows.append((rule_name, prefix + str(ts), amount,
                         f"agents short for {slot:g} min (cost in {unit_cost})", cost))
    return pd.DataFrame(rows, columns=["rule", "subject", "amount", "unit", "cost"])


def plan_message(result, out, stats, demand, cand, mode, sl_target, budget):
    parts = []
    if result["message"]:
        parts.append(result["message"])
    parts.append(f"{stats['agent_shifts']} agent-shifts, {stats['paid_hours']:,.1f} paid h, "
                 f"cost {stats['cost']:,.2f}")
    if not math.isnan(stats["service_level"]):
        parts.append(f"weekly service level {stats['service_level']:.1%}")
    pen = out["penalties"]
    cov = pen[pen["rule"] == "coverage"]
    if len(cov):
        uncovered = _uncoverable(demand, cand)
        text = (f"{len(cov)} slots short of staff ({cov['amount'].sum():.1f} agent-slots, "
                f"worst {cov['amount'].max():.1f} agents)")
        if uncovered:
            text += f"; no template can cover {uncovered}"
        parts.append(text)
    occ = pen[pen["rule"] == "occupancy"]
    if len(occ):
        parts.append(f"{len(occ)} slots above the occupancy cap")
    unstable = pen[pen["rule"] == "stable_queue"]
    if len(unstable):
        parts.append(f"{len(unstable)} slots staffed below the point where service starts "
                     "(queue overloaded)")
    sl = pen[pen["rule"] == "service_level_target"]
    if len(sl):
        parts.append(f"weekly target {sl_target:.1%} missed by {sl['amount'].iloc[0]:.1f} calls "
                     "(template limits)")
    if mode == "budget":
        parts.append(f"budget {budget:,.2f}")
    return "; ".join(parts)


def _uncoverable(demand: Demand, cand):
    covered = np.zeros(demand.n_slots, dtype=bool)
    for s in range(len(cand)):
        covered[cand.slots(s, demand.n_slots)] = True
    gap = demand.present & ~covered & (demand.staff_needed > 0)
    if not gap.any():
        return ""
    times = demand.slot_times()[gap]
    first = ", ".join(f"{t:%a %H:%M}" for t in times[:3])
    return f"{int(gap.sum())} slots ({first}{'...' if gap.sum() > 3 else ''})"
