"""Planning several queues together with shifts that belong to skill groups.

:func:`plan_by_group` is the skill-group path of :func:`solver.shifts.plan_shifts`:
the queues' requirements and the pooled requirements of the queue sets that groups
share (:class:`_GroupInputs`), one candidate shift per group, the shared model with
the rules of every queue set, the solve (:mod:`solver.shift_solve`), and the split of
each group's agents across its queues (:func:`_group_coverage`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.math_opt.python import mathopt

from solver import shift_rules as rules
from solver.result import SolveResult
from solver.shift_grid import Candidates, Demand, build_candidates, build_demand
from solver.shift_model import (
    add_requirement,
    add_shift_rules,
    count_bound,
    dearest_shift,
    keep_fraction,
    merge,
    mode_columns,
    model_stats,
    placement_eps,
    shortfall_per_slot,
)
from solver.shift_output import coverage_frame, extract, plan_message
from solver.shift_solve import solve_plan
from solver.templates import apply_break_policy
from wfm.errors import DataError, InputError
from wfm.types import SkillGroup


def plan_by_group(requirements, queues, groups, pooled, report, t0, a) -> SolveResult:
    """Plan several queues together with shifts that belong to skill groups.

    Every candidate shift exists once per skill group.  The coverage rule holds for
    every *queue set* ``S`` given (each queue alone, plus the sets of
    ``pooled_requirements``): the on-phone agents of the groups trained on some queue
    of ``S`` reach the requirement of ``S``'s pooled traffic.  With additive
    requirements these are Hall's conditions, which hold exactly when the groups'
    agents can be split across their queues to cover each queue (a flow per
    interval); pooled requirements are smaller than the sums of their parts, which
    is the economy of scale that shared agents buy.  In mode "service_level" each set
    has its own service curve (of its pooled traffic) and weekly target: a queue's own
    (``service_level_target`` per queue), a shared set's the strictest of its queues'.

    Once the shifts are chosen, a flow ``y[group, queue, slot]`` splits each group's
    on-phone agents across its queues, each queue taking its share of its pool (by
    requirement or calls; :func:`solver.shift_rules.allocation_model`); it is what the
    coverage per queue reports, and it never gives a group's agents to a queue the
    group is not trained on.  Each group's scheduled hours are at most its
    ``max_share`` of the plan's.  The shifts frame gets a ``skill_group`` column;
    ``stats`` adds ``skill_groups`` (group -> queues), ``queue_sets``, ``groups``
    (shifts, hours, cost, share per group), ``allocation`` (frame ``skill_group``,
    ``queue``, ``interval_start``, ``on_phone``) and ``queues`` (per-queue figures).
    ``a`` holds the other arguments of ``plan_shifts``.
    """
    gi = _GroupInputs.read(requirements, queues, groups, pooled, report, a)
    cand, group_of = _group_candidates(gi, a.mode)
    report(0.05, 1, f"{len(cand)} candidate shifts in {len(gi.groups)} skill groups")
    pm = _GroupModel(mathopt.Model(name=f"shifts-{a.mode}-groups"), gi.combined, cand,
                     integer_slack=a.solver == "cp-sat",
                     group_names=tuple(gi.groups[g].name for g in group_of))
    objective = _build_group_objective(pm, gi, group_of, a)
    stats = model_stats(pm, mode=a.mode, solver=a.solver, keep=gi.keep, templates=gi.planned)
    stats.update({
        "skill_groups": {g.name: sorted(gi.served[g.name]) for g in gi.groups},
        "queue_sets": {name: sorted(qs) for name, (qs, _) in gi.sets.items()},
        # interior point: 2-3x faster than simplex on the LP of several groups (the
        # 3-queue benchmark: 10 s against 25 s); one group keeps the single-queue path
        "lp_algorithm": "barrier" if len(gi.groups) > 1 else "default",
        "box_breaks": len(gi.groups) > 1,
    })
    report(0.1, 1, f"model: {stats['variables']} variables, {stats['constraints']} constraints")
    result = solve_plan(pm, a.settings(), report, stats)
    stats.update(build_s=time.perf_counter() - t0 - result["solve_s"], solve_s=result["solve_s"])
    if result["values"] is None:
        return SolveResult(status=result["status"], bound=result["bound"],
                           wall_time_s=time.perf_counter() - t0, message=result["message"],
                           stats=stats)
    return _group_result(pm, result, gi, group_of, objective, stats, t0, a, report)


@dataclass
class _GroupInputs:
    """The queues, the groups that serve them and every queue set's demand, on one grid."""

    queues: list
    groups: list
    served: dict  # group name -> the queues of the plan it is trained on
    demands: dict  # queue -> Demand
    sets: dict  # queue set name -> (frozenset of queues, Demand)
    planned: tuple  # templates after the break policy
    keep: float
    combined: Demand
    weight: dict  # queue -> candidate weight per slot

    @classmethod
    def read(cls, requirements, queues, groups, pooled, report, a) -> _GroupInputs:
        if not queues:
            queues = ["default"]
            requirements = requirements.assign(queue="default")
        _check_groups(groups, queues)
        served = {g.name: [q for q in queues if q in g.queues] for g in groups}
        groups = [g for g in groups if served[g.name]]
        report(0, 1, "reading requirements")
        columns, extra = mode_columns(a.mode, requirements)
        q_col = requirements["queue"].astype(str)
        frames = {q: requirements[q_col == q].reset_index(drop=True) for q in queues}
        ws = a.week_start
        first = build_demand(frames[queues[0]], ws, a.templates, columns=columns + extra)
        planned = tuple(apply_break_policy(t, a.break_policy, first.slot_min)
                        for t in a.templates)
        ws = first.week_start if ws is None else ws
        demands = {q: build_demand(frames[q], ws, planned, columns=columns + extra)
                   for q in queues}
        sets = {q: (frozenset([q]), demands[q]) for q in queues}
        sets.update(_pooled_sets(pooled, set(queues), served, ws, planned, columns, extra,
                                 groups))
        slot_min = {d.slot_min for _, d in sets.values()}
        if len(slot_min) != 1:
            raise DataError("the queues' requirements are on different interval grids",
                            column="interval_start", value=sorted(slot_min))
        keep = min(keep_fraction(frames[q], demands[q], a.shrinkage) for q in queues)
        weight = {q: (d.staff_needed if a.mode == "coverage" else d.calls)
                  for q, d in demands.items()}
        return cls(queues=queues, groups=groups, served=served, demands=demands, sets=sets,
                   planned=planned, keep=keep,
                   combined=_combined_demand([demands[q] for q in queues]), weight=weight)


def _group_candidates(gi: _GroupInputs, mode: str):
    """Every candidate shift once per group, weighted by the group's queues; and its group."""
    parts, group_of = [], []
    for k, g in enumerate(gi.groups):
        w = np.sum([gi.weight[q] for q in gi.served[g.name]], axis=0)
        c = build_candidates(gi.planned, gi.combined, w)
        parts.append(c)
        group_of.append(np.full(len(c), k))
    cand = _concat_candidates(parts)
    return cand, (np.concatenate(group_of) if group_of else np.zeros(0, int))


def _build_group_objective(pm, gi: _GroupInputs, group_of, a) -> dict:
    """The shift rules, the group shares and every queue set's rules; sets the objective."""
    cand, groups, target = pm.cand, gi.groups, a.target
    per_slot = shortfall_per_slot(a.shortfall_penalty, cand, gi.combined.slot_min)
    staff_top = max(float(np.max(d.staff_needed)) for _, d in gi.sets.values())
    traffic_top = (max(float(np.max(d.traffic)) for _, d in gi.sets.values())
                   if a.mode != "coverage" else 0.0)
    ub = count_bound(a.mode, staff_top, traffic_top, target, gi.keep)
    cost = add_shift_rules(pm, ub)
    by_group = rules.group_on_phone_terms(pm, group_of, len(groups))
    rules.add_group_shares(pm, group_of, [g.max_share for g in groups],
                           [g.name for g in groups])
    if a.skill_supply:
        rules.add_group_supply(pm, group_of, [gi.served[g.name] for g in groups],
                               _supply(a.skill_supply))
    adjacent = {name: [k for k, g in enumerate(groups) if qs & set(gi.served[g.name])]
                for name, (qs, _) in gi.sets.items()}
    for name, ks in adjacent.items():
        if not ks:
            raise InputError("skill_groups", [g.name for g in groups],
                             f"a skill group trained on a queue of '{name}'")
    objective: dict = {}
    merge(objective, cost)
    for name, (qs, d) in gi.sets.items():
        sub = _SetModel(model=pm.model, demand=d, cand=cand, integer_slack=pm.integer_slack,
                        set_name=name, on_phone_terms=_sum_terms(by_group, adjacent[name]))
        add_requirement(objective, sub, d, mode=a.mode, keep=gi.keep, target=target,
                        sl_target=a.sl_target_of(qs), ub=ub, per_slot=per_slot,
                        dearest=dearest_shift(cand))
        for rule_name, slacks in sub.slacks.items():
            for subject, var in slacks.items():
                pm.slacks[rule_name][(name, subject)] = var
    total_weight = np.sum([gi.weight[q] for q in gi.queues], axis=0)
    merge(objective, rules.add_break_placement_preference(pm, total_weight,
                                                          placement_eps(cand)))
    pm.model.minimize(mathopt.LinearSum(c * v for v, c in objective.items()))
    return objective


def _group_result(pm, result, gi: _GroupInputs, group_of, objective, stats, t0, a,
                  report) -> SolveResult:
    """The solved plan: shifts with their group, coverage per queue, group figures."""
    values = result["values"]
    out = extract(pm, values, gi.keep, a.target, a.mode, objective, stats)
    shifts = out["shifts"]
    shifts.insert(2, "skill_group", [gi.groups[group_of[s]].name for s in out["candidate"]])
    coverage, allocation = _group_coverage(pm, values, gi.groups, gi.served, gi.queues,
                                           gi.demands, gi.sets, group_of, gi.keep, a.target,
                                           a.mode)
    total_h = float(shifts["paid_h"].sum()) if len(shifts) else 0.0
    group_stats = {}
    for g in gi.groups:
        mine = shifts[shifts["skill_group"] == g.name]
        group_stats[g.name] = {"agent_shifts": len(mine), "paid_hours": float(mine["paid_h"].sum()),
                               "cost": float(mine["cost"].sum()),
                               "share": float(mine["paid_h"].sum()) / total_h if total_h else 0.0,
                               "queues": sorted(gi.served[g.name])}
    slot_min = gi.combined.slot_min
    stats.update(groups=group_stats, allocation=allocation,
                 service_level=_weekly_service_level(coverage),
                 needed_hours=float(sum(d.staff_needed.sum() for d in gi.demands.values())
                                    * slot_min / 60),
                 queues={q: _queue_stats(coverage[coverage["queue"] == q], slot_min)
                         for q in gi.queues})
    stats["objective_meaning"] = "cost + penalties [currency]"
    message = plan_message(result, out, stats, gi.combined, pm.cand, a.mode, a.sl_target, None)
    report(1, 1, "done")
    return SolveResult(
        status=result["status"], objective=result["objective"], bound=result["bound"],
        wall_time_s=time.perf_counter() - t0, shifts=shifts, breaks=out["breaks"],
        coverage=coverage, penalties=out["penalties"], message=message, stats=stats,
    )


def _weekly_service_level(cov) -> float:
    """Call-weighted service level of a coverage frame (NaN without calls)."""
    has = cov["calls"] > 0
    if not has.any():
        return math.nan
    return float((cov["service_level"] * cov["calls"])[has].sum() / cov["calls"][has].sum())


@dataclass
class _GroupModel(rules.PlanModel):
    """The shared model: shift labels carry the shift's skill group."""

    group_names: tuple = ()

    def shift_label(self, s: int) -> str:
        return f"{self.group_names[s]}|{super().shift_label(s)}"


@dataclass
class _SetModel(rules.PlanModel):
    """The rules of one queue set on the shared model (labels carry the set's name)."""

    set_name: str = ""

    def slot_label(self, t: int) -> str:
        return f"{self.set_name}|{super().slot_label(t)}"

    def week_label(self) -> str:
        return f"{self.set_name}|week"


def _supply(supply) -> dict:
    """``skill_supply`` checked: frozenset of queues -> paid hours >= 0."""
    out = {}
    for k, h in dict(supply).items():
        key = frozenset([k] if isinstance(k, str) else k)
        if not (isinstance(h, int | float) and math.isfinite(h) and h >= 0):
            raise InputError(f"skill_supply[{sorted(key)}]", h, "paid hours a week >= 0")
        out[key] = out.get(key, 0.0) + float(h)
    return out


def _check_groups(groups, queues) -> None:
    names = []
    for g in groups:
        if not isinstance(g, SkillGroup):
            raise InputError("skill_groups", g, "wfm.types.SkillGroup objects")
        names.append(g.name)
    if not groups:
        raise InputError("skill_groups", groups, "at least one SkillGroup")
    if len(set(names)) != len(names):
        raise InputError("skill_groups", names, "unique group names")
    for q in queues:
        if not any(q in g.queues for g in groups):
            raise InputError("skill_groups", names, f"a group trained on queue '{q}'")


def _pooled_sets(pooled, present, served, ws, planned, columns, extra, groups) -> dict:
    """Demands of the queue sets of ``pooled`` (queue_set 'a+b' ...), checked."""
    shared = any(len(qs) > 1 for qs in served.values())
    if pooled is None:
        if shared:
            raise InputError("pooled_requirements", None,
                             "the requirements of the queue sets that skill groups share "
                             "(wfm.multiskill.pooled_requirements)")
        return {}
    if not isinstance(pooled, pd.DataFrame) or "queue_set" not in pooled.columns:
        raise DataError("pooled requirements need a 'queue_set' column", column="queue_set")
    out = {}
    names = pooled["queue_set"].astype(str)
    for name in pd.unique(names):
        qs = frozenset(name.split("+"))
        unknown = sorted(qs - present)
        if unknown:
            raise DataError("queue set names a queue without requirements", column="queue_set",
                            value=name)
        if len(qs) < 2:
            continue  # a single queue's requirement comes from the requirements frame
        frame = pooled[names == name].drop(columns="queue_set").assign(queue=name)
        out[name] = (qs, build_demand(frame.reset_index(drop=True), ws, planned,
                                      columns=columns + tuple(c for c in extra if c in frame)))
    return out


def _combined_demand(demands) -> Demand:
    """The queues' demands added up (labels, candidate weights, break preference)."""
    d0 = demands[0]
    calls = np.sum([d.calls for d in demands], axis=0)
    work = np.sum([np.nan_to_num(d.aht_s) * d.calls for d in demands], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        aht = np.where(calls > 0, work / np.where(calls > 0, calls, 1.0), np.nan)
    return dataclasses.replace(
        d0, staff_needed=np.sum([d.staff_needed for d in demands], axis=0),
        agents_needed=np.sum([d.agents_needed for d in demands], axis=0), calls=calls,
        traffic=np.sum([d.traffic for d in demands], axis=0), aht_s=aht,
        present=np.any([d.present for d in demands], axis=0),
        queue="+".join(d.queue for d in demands))


def _concat_candidates(parts):
    first = parts[0]
    cat = {k: np.concatenate([getattr(p, k) for p in parts])
           for k in ("template", "day", "start", "length", "cost")}
    return Candidates(options=first.options, slot_cost=first.slot_cost, templates=first.templates,
                      **cat)


def _sum_terms(by_group, gis):
    out = {}
    for gi in gis:
        for t, terms in by_group[gi].items():
            out.setdefault(t, []).extend(terms)
    return out


def _pools(queues, served, groups):
    """Connected queues (through groups trained on several of them), queue -> pool."""
    parent = {q: q for q in queues}

    def find(q):
        while parent[q] != q:
            q = parent[q]
        return q

    for g in groups:
        qs = served[g.name]
        for q in qs[1:]:
            parent[find(q)] = find(qs[0])
    members = {}
    for q in queues:
        members.setdefault(find(q), []).append(q)
    return {q: frozenset(members[find(q)]) for q in queues}


def _group_coverage(pm, values, groups, served, queues, demands, sets, group_of, keep, target,
                    mode):
    """Coverage per queue from the split of the groups' agents, and the allocation frame.

    The split is :func:`solver.shift_rules.allocation_model` solved on the chosen
    shifts (one LP, slots independent).
    """
    n = pm.demand.n_slots
    cand = pm.cand
    counts = np.array([int(round(values[v])) for v in pm.x])
    sched = np.zeros((len(groups), n))
    brk = np.zeros((len(groups), n))
    for s in np.flatnonzero(counts):
        sched[group_of[s], cand.slots(s, n)] += counts[s]
    for s, opt, var in pm.b:
        m = int(round(values[var]))
        if m:
            brk[group_of[s], rules.option_slots(cand, s, opt, n)] += m
    phone = sched - brk
    flow, flow_values = {}, {}
    if len(queues) > 1:
        model, flow = rules.allocation_model(phone, served, groups, demands, sets,
                                             _pools(queues, served, groups), mode)
        res = mathopt.solve(model, mathopt.SolverType.HIGHS)
        if res.termination.reason != mathopt.TerminationReason.OPTIMAL:  # pragma: no cover
            # always feasible (y = 0, all short) and bounded below: a solver failure
            raise RuntimeError(f"the allocation LP was not solved: {res.termination}")
        flow_values = res.variable_values()
    rows, frames = [], []
    times = pm.demand.slot_times()
    share = np.zeros((len(groups), len(queues), n))
    for gi, g in enumerate(groups):
        qs = served[g.name]
        if len(queues) == 1:
            share[gi, queues.index(qs[0])] = 1.0
            continue
        got = np.zeros((len(qs), n))
        for k, q in enumerate(qs):
            for t, var in flow.get((gi, q), {}).items():
                got[k, t] = max(flow_values[var], 0.0)
        tot = got.sum(axis=0)
        for k, q in enumerate(qs):
            # the flow may leave agents idle; they stay with the queues in its proportions
            frac = np.where(tot > 1e-9, got[k] / np.where(tot > 1e-9, tot, 1.0), 1.0 / len(qs))
            share[gi, queues.index(q)] = frac
    for qi, q in enumerate(queues):
        on_phone_q = np.sum(share[:, qi] * phone, axis=0)
        sched_q = np.sum(share[:, qi] * sched, axis=0)
        frame, _ = coverage_frame(demands[q], sched_q, sched_q - on_phone_q, on_phone_q, keep, target)
        frame["queue"] = q
        for col in ("scheduled", "on_break", "on_phone"):
            frame[col] = {"scheduled": sched_q, "on_break": sched_q - on_phone_q,
                          "on_phone": on_phone_q}[col][demands[q].present]
        frame["shortfall"] = np.maximum(frame["staff_needed"] - frame["on_phone"], 0)
        frames.append(frame)
        for gi, g in enumerate(groups):
            if q not in served[g.name]:
                continue
            amount = share[gi, qi] * phone[gi]
            keep_t = demands[q].present
            rows.append(pd.DataFrame({"skill_group": g.name, "queue": q,
                                      "interval_start": times[keep_t],
                                      "on_phone": amount[keep_t]}))
    allocation = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["skill_group", "queue", "interval_start", "on_phone"])
    return pd.concat(frames, ignore_index=True), allocation


def _queue_stats(cov, slot_min):
    return {"service_level": _weekly_service_level(cov),
            "on_phone_hours": float(cov["on_phone"].sum() * slot_min / 60),
            "needed_hours": float(cov["staff_needed"].sum() * slot_min / 60)}
