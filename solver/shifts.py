"""Shift planning with breaks: how many agents start each shift, and where breaks go.

See ``docs/shift-planning.md`` for the model, the formulation and benchmark results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.math_opt.python import mathopt

from solver import shift_rules as rules
from solver.result import BREAK_COLUMNS, SHIFT_COLUMNS, SolveResult
from solver.shift_grid import Demand, build_candidates, build_demand, service_curves
from solver.templates import apply_break_policy
from wfm import erlang
from wfm.errors import DataError, InputError
from wfm.types import BreakPolicy, ServiceTarget, ShiftTemplate, Shrinkage, SkillGroup

__all__ = ["plan_shifts", "SOLVERS"]

#: Back ends of :func:`plan_shifts` (OR-Tools MathOpt solver types).
SOLVERS = {
    "highs": mathopt.SolverType.HIGHS,
    "scip": mathopt.SolverType.GSCIP,
    "cp-sat": mathopt.SolverType.CP_SAT,
}
#: Default back end, chosen by ``benchmarks/bench_shifts.py`` (see docs/shift-planning.md).
DEFAULT_SOLVER = "highs"

_MODES = ("coverage", "service_level", "budget")


def plan_shifts(
    requirements: pd.DataFrame,
    templates: Sequence[ShiftTemplate],
    *,
    mode: str = "coverage",
    target: ServiceTarget = ServiceTarget(),
    break_policy: BreakPolicy = BreakPolicy(),
    week_start=None,
    service_level_target: float | None = None,
    budget: float | None = None,
    shortfall_penalty: float | None = None,
    time_limit_s: float = 60,
    num_workers: int = 2,
    progress: Callable[[float, float, str], None] | None = None,
    shrinkage: Shrinkage | float | None = None,
    solver: str = DEFAULT_SOLVER,
    relative_gap: float = 1e-3,
    method: str = "lp_rounding",
    skill_groups: Sequence[SkillGroup] | None = None,
    pooled_requirements: pd.DataFrame | None = None,
) -> SolveResult:
    """Choose how many agents start each shift and where each agent's breaks go.

    Parameters
    ----------
    requirements : DataFrame
        Requirements frame of one queue for one planning week (``interval_start``,
        ``staff_needed`` for mode "coverage"; ``calls``, ``aht_s``, ``traffic`` for the
        service-level modes; ``agents_needed`` is reported when present).
    templates : sequence of ShiftTemplate
        Shift kinds that may be used (see :func:`solver.templates.load_templates`).
    mode : {"coverage", "service_level", "budget"}
        "coverage": on-phone agents (scheduled minus on break) >= ``staff_needed`` in
        every interval at least cost, shortfall at ``shortfall_penalty``.
        "service_level": reach a weekly volume-weighted service level at least cost.
        "budget": most calls answered within the target time for at most ``budget``.
    target : ServiceTarget
        Answer-within time and occupancy cap for the service-level modes; its
        ``service_level`` is the weekly target unless ``service_level_target`` is set.
    break_policy : BreakPolicy
        Floor of paid break minutes per paid hour (see
        :func:`solver.templates.apply_break_policy`).
    week_start : Timestamp, optional
        Midnight starting the planning week; default midnight of the first interval.
    service_level_target : float, optional
        Weekly service level to reach in mode "service_level" (fraction).
    budget : float, optional
        Weekly cost ceiling in mode "budget" [currency].
    shortfall_penalty : float, optional
        Cost of one agent missing for one hour [currency/agent-h] (coverage and
        occupancy).  Default: 1.2 x the dearest shift per slot, so a requirement is
        left unmet only where no shift can meet it.
    time_limit_s : float
        Wall-clock limit of the solver [s].
    num_workers : int
        Threads of the solver (CP-SAT and SCIP; HiGHS runs its branch and bound on
        one thread whatever is asked, which ``stats["threads"]`` records).
    progress : callable, optional
        ``progress(done, total, message)``.
    shrinkage : Shrinkage or float, optional
        Off-phone share of scheduled time not planned here (absence, coaching...).
        Default: inferred from the frame as ``1 - max(agents_needed / staff_needed)``
        (the largest shrinkage consistent with the rounding of ``staff_needed``), or 0
        without ``agents_needed``.
    solver : {"highs", "scip", "cp-sat"}
        MIP / CP back end through OR-Tools MathOpt.
    relative_gap : float
        Stop when the relative gap to the bound is below this.
    method : {"lp_rounding", "direct"}
        "lp_rounding": LP relaxation (the bound), then the MIP restricted to shift
        counts between the floor and ceiling of their LP values (RENS); falls back to
        "direct" if the LP does not finish.  "direct": one branch and bound.
    skill_groups : sequence of SkillGroup, optional
        Plan the queues together: every shift belongs to one skill group, and a
        group's on-phone agents answer the queues it is trained on (see
        :func:`_plan_by_group` and ``docs/shift-planning.md``).  Without groups,
        several queues are planned one by one with dedicated agents.
    pooled_requirements : DataFrame, optional
        Requirements of the queue sets that groups share (``queue_set`` such as
        ``"a+b"``, ``interval_start`` and the mode's columns), from
        :func:`wfm.multiskill.pooled_requirements`; needed when a group serves more
        than one queue of the requirements.

    Returns
    -------
    SolveResult
        ``shifts`` (one row per agent-shift), ``breaks``, ``coverage`` (one row per
        slot of the requirements, with the Erlang C service level of the available
        agents), ``penalties`` (unmet slots, occupancy shortfalls, missed target),
        ``objective``, ``bound``, ``gap``, ``stats`` (model size, cost, weekly service
        level, solver, threads).

    Raises
    ------
    InputError
        Unknown mode or solver, missing target or budget, template rules that clash
        (break windows and gaps), a break policy a template has no room for.
    DataError
        Bad requirements frame.

    Notes
    -----
    Breaks are explicit: an agent on break is scheduled but not on the phones.
    Shrinkage is everything else: in mode "coverage" on-phone agents must reach
    ``staff_needed`` (already grossed up for shrinkage); in the service-level modes
    ``(1 - shrinkage) * on_phone`` agents answer calls.
    """
    t0 = time.perf_counter()
    report = progress or (lambda done, total, message="": None)
    if mode not in _MODES:
        raise InputError("mode", mode, f"one of {_MODES}")
    if solver not in SOLVERS:
        raise InputError("solver", solver, f"one of {tuple(SOLVERS)}")
    if method not in ("lp_rounding", "direct"):
        raise InputError("method", method, "'lp_rounding' or 'direct'")
    if not templates:
        raise InputError("templates", templates, "at least one ShiftTemplate")
    names = [t.name for t in templates]
    if len(set(names)) != len(names):
        raise InputError("templates", names, "unique template names")
    if time_limit_s <= 0:
        raise InputError("time_limit_s", time_limit_s, "seconds > 0")
    if num_workers < 1:
        raise InputError("num_workers", num_workers, "an integer >= 1")
    sl_target = target.service_level if service_level_target is None else service_level_target
    if mode == "service_level" and not 0 < sl_target < 1:
        raise InputError("service_level_target", sl_target, "a fraction in (0, 1)")
    if mode == "budget" and (budget is None or not budget >= 0):
        raise InputError("budget", budget, "a weekly cost >= 0 in mode 'budget'")

    if not isinstance(requirements, pd.DataFrame):
        raise InputError("requirements", type(requirements).__name__, "a pandas DataFrame")
    queues = (list(pd.unique(requirements["queue"].astype(str)))
              if "queue" in requirements.columns else [])
    if skill_groups is not None:
        if mode == "budget":
            raise InputError("mode", mode, "'coverage' or 'service_level' with skill groups")
        return _plan_by_group(requirements, queues, list(skill_groups), pooled_requirements,
                              report, t0, locals())
    if len(queues) > 1:
        if mode == "budget":
            raise InputError("mode", mode, "one queue in mode 'budget' (how to split the budget "
                             f"between queues {queues[:5]} is a planning decision: plan each "
                             "queue with its own budget)")
        return _plan_by_queue(requirements, queues, report, t0, locals())
    report(0, 1, "reading requirements")
    columns = ("staff_needed",) if mode == "coverage" else ("calls", "aht_s", "traffic")
    extra = tuple(c for c in ("staff_needed", "agents_needed", "calls", "aht_s", "traffic")
                  if c in requirements.columns and c not in columns)
    # slot grid depends on templates after the policy; policy needs the grid: two passes
    demand = build_demand(requirements, week_start, templates, columns=columns + extra)
    planned = tuple(apply_break_policy(t, break_policy, demand.slot_min) for t in templates)
    demand = build_demand(requirements, week_start, planned, columns=columns + extra)
    keep = _keep(requirements, demand, shrinkage)

    weight = demand.staff_needed if mode == "coverage" else demand.calls
    cand = build_candidates(planned, demand, weight)
    report(0.05, 1, f"{len(cand)} candidate shifts")
    slot_h = demand.slot_min / 60
    dearest = float(cand.cost.max()) if len(cand) else 1.0
    if shortfall_penalty is None:
        per_slot = 1.2 * dearest + 1.0
    else:
        if not shortfall_penalty >= 0:
            raise InputError("shortfall_penalty", shortfall_penalty, "a cost >= 0 per agent-hour")
        per_slot = shortfall_penalty * slot_h

    pm = rules.PlanModel(mathopt.Model(name=f"shifts-{mode}"), demand, cand,
                         integer_slack=solver == "cp-sat")
    if mode == "coverage":
        ub = int(math.ceil(2 * demand.staff_needed.max())) + 2
    else:
        ub = int(math.ceil(2 * (demand.traffic.max() / max(target.max_occupancy, 0.05)) / keep)) + 10
    cost = rules.add_shift_counts(pm, ub)
    rules.add_template_max_count(pm)
    cost.update(rules.add_breaks(pm))
    rules.add_break_order(pm)
    objective: dict = {}
    min_slot_cost = float(cand.slot_cost[cand.slot_cost > 0].min()) if (cand.slot_cost > 0).any() else 1.0
    if mode == "coverage":
        _merge(objective, cost)
        _merge(objective, rules.add_coverage(pm, demand.staff_needed, per_slot))
        eps = 1e-3 * min_slot_cost
    else:
        slots = np.flatnonzero(demand.calls > 0)
        rules.add_on_phone(pm, slots)
        cap = np.full(demand.n_slots, float(ub) * 4)
        curves = service_curves(demand, keep, target.answer_within_s, cap)
        rules.add_service_curves(pm, curves, keep)
        calls_total = float(demand.calls.sum())
        if mode == "service_level":
            _merge(objective, cost)
            _merge(objective, rules.add_service_target(pm, calls_total, sl_target,
                                                       10 * dearest))
            _merge(objective, rules.add_queue_floor(pm, curves, keep, per_slot))
            if target.max_occupancy < 1:
                _merge(objective, rules.add_occupancy_floor(
                    pm, demand.traffic, keep, target.max_occupancy, per_slot))
            eps = 1e-3 * min_slot_cost
        else:
            rules.add_budget(pm, cost, float(budget))
            unanswered = {v: -1.0 for v in pm.answered.values()}
            _merge(objective, unanswered)
            # cheaper among equally good plans: the whole cost weighs < 0.01 calls
            _merge(objective, {v: c * 1e-2 / max(budget, 1.0) for v, c in cost.items()})
            eps = 1e-4 * max(calls_total / max(len(slots), 1), 1e-3)
    _merge(objective, rules.add_break_placement_preference(pm, weight, eps))
    offset = float(demand.calls.sum()) if mode == "budget" else 0.0
    pm.model.minimize(mathopt.LinearSum(c * v for v, c in objective.items()) + offset)

    stats = {
        "mode": mode,
        "solver": solver,
        "slot_min": demand.slot_min,
        "candidate_shifts": len(cand),
        "variables": len(list(pm.model.variables())),
        "constraints": len(list(pm.model.linear_constraints())),
        "break_placements": len(pm.b),
        "shrinkage": 1 - keep,
        "templates": planned,
    }
    report(0.1, 1, f"model: {stats['variables']} variables, {stats['constraints']} constraints")
    result = _solve(pm, solver, method, time_limit_s, num_workers, relative_gap, report, stats)
    build_s = time.perf_counter() - t0 - result["solve_s"]
    stats.update(build_s=build_s, solve_s=result["solve_s"])
    if result["values"] is None:
        return SolveResult(
            status=result["status"], bound=result["bound"],
            wall_time_s=time.perf_counter() - t0, message=result["message"], stats=stats,
        )
    out = _extract(pm, result["values"], keep, target, mode, objective, stats)
    objective_value = result["objective"]
    bound = result["bound"]
    if mode == "budget":
        stats["objective_meaning"] = "calls not answered within target (+ 0.01 x cost/budget)"
    else:
        stats["objective_meaning"] = "cost + penalties [currency]"
    message = _message(result, out, stats, demand, cand, mode, sl_target, budget)
    report(1, 1, "done")
    return SolveResult(
        status=result["status"], objective=objective_value, bound=bound,
        wall_time_s=time.perf_counter() - t0, shifts=out["shifts"], breaks=out["breaks"],
        coverage=out["coverage"], penalties=out["penalties"], message=message, stats=stats,
    )


def _plan_by_queue(requirements, queues, report, t0, args) -> SolveResult:
    """Plan each queue on its own (agents dedicated to a queue) and stack the results.

    The time limit is shared in proportion to each queue's requirement; in mode
    "service_level" every queue reaches the weekly target.
    """
    keys = ("templates", "mode", "target", "break_policy", "week_start", "service_level_target",
            "budget", "shortfall_penalty", "num_workers", "shrinkage", "solver", "relative_gap",
            "method")
    kw = {k: args[k] for k in keys}
    q = requirements["queue"].astype(str)
    col = "staff_needed" if "staff_needed" in requirements.columns else "calls"
    weight = (pd.to_numeric(requirements[col], errors="coerce").fillna(0).clip(lower=0)
              .groupby(q).sum() if col in requirements.columns else None)
    total = float(weight.sum()) if weight is not None else 0.0
    parts = []
    for i, name in enumerate(queues):
        share = (float(weight[name]) / total) if total > 0 else 1 / len(queues)
        limit = max(1.0, args["time_limit_s"] * share)

        def sub(done, tot, message="", i=i, name=name):
            report((i + done / max(tot, 1e-12)) / len(queues), 1, f"{name}: {message}")

        frame = requirements[q == name].reset_index(drop=True)
        parts.append((name, plan_shifts(frame, time_limit_s=limit, progress=sub, **kw)))
    order = ["MODEL_INVALID", "INFEASIBLE", "NO_SOLUTION", "FEASIBLE", "OPTIMAL"]
    status = min((r.status for _, r in parts), key=order.index)
    shifts, breaks = [], []
    for name, r in parts:
        prefix = f"{name}:"
        shifts.append(r.shifts.assign(shift_id=prefix + r.shifts["shift_id"].astype(str),
                                      queue=name))
        breaks.append(r.breaks.assign(shift_id=prefix + r.breaks["shift_id"].astype(str)))
    ok = all(r.success for _, r in parts)
    stats = {"queues": {name: r.stats for name, r in parts}}
    for key in ("cost", "paid_hours", "agent_shifts", "needed_hours"):
        stats[key] = sum(r.stats.get(key, 0.0) for _, r in parts)
    return SolveResult(
        status=status,
        objective=sum(r.objective for _, r in parts) if ok else math.nan,
        bound=sum(r.bound for _, r in parts),
        wall_time_s=time.perf_counter() - t0,
        shifts=pd.concat(shifts, ignore_index=True),
        breaks=pd.concat(breaks, ignore_index=True),
        coverage=pd.concat([r.coverage for _, r in parts], ignore_index=True),
        penalties=pd.concat([r.penalties.assign(subject=name + " " + r.penalties["subject"])
                             for name, r in parts], ignore_index=True),
        message=" | ".join(f"{name}: {r.message}" for name, r in parts),
        stats=stats,
    )


def _plan_by_group(requirements, queues, groups, pooled, report, t0, args) -> SolveResult:
    """Plan several queues together with shifts that belong to skill groups.

    Every candidate shift exists once per skill group.  The coverage rule holds for
    every *queue set* ``S`` given (each queue alone, plus the sets of
    ``pooled_requirements``): the on-phone agents of the groups trained on some queue
    of ``S`` reach the requirement of ``S``'s pooled traffic.  With additive
    requirements these are Hall's conditions, which hold exactly when the groups'
    agents can be split across their queues to cover each queue (a flow per
    interval); pooled requirements are smaller than the sums of their parts, which
    is the economy of scale that shared agents buy.  In mode "service_level" each set
    has its own service curve (of its pooled traffic) and weekly target.

    Once the shifts are chosen, a flow ``y[group, queue, slot]`` splits each group's
    on-phone agents across its queues, each queue taking its share of its pool (by
    requirement or calls; :func:`solver.shift_rules.allocation_model`); it is what the
    coverage per queue reports, and it never gives a group's agents to a queue the
    group is not trained on.  Each group's scheduled hours are at most its
    ``max_share`` of the plan's.  The shifts frame gets a ``skill_group`` column;
    ``stats`` adds ``skill_groups`` (group -> queues), ``queue_sets``, ``groups``
    (shifts, hours, cost, share per group), ``allocation`` (frame ``skill_group``,
    ``queue``, ``interval_start``, ``on_phone``) and ``queues`` (per-queue figures).
    """
    a = args
    mode, target, keep_arg = a["mode"], a["target"], a["shrinkage"]
    if not queues:
        queues = ["default"]
        requirements = requirements.assign(queue="default")
    _check_groups(groups, queues)
    present = set(queues)
    served = {g.name: [q for q in queues if q in g.queues] for g in groups}
    groups = [g for g in groups if served[g.name]]
    report(0, 1, "reading requirements")
    columns = ("staff_needed",) if mode == "coverage" else ("calls", "aht_s", "traffic")
    extra = tuple(c for c in ("staff_needed", "agents_needed", "calls", "aht_s", "traffic")
                  if c in requirements.columns and c not in columns)
    q_col = requirements["queue"].astype(str)
    frames = {q: requirements[q_col == q].reset_index(drop=True) for q in queues}
    templates, ws = a["templates"], a["week_start"]
    first = build_demand(frames[queues[0]], ws, templates, columns=columns + extra)
    planned = tuple(apply_break_policy(t, a["break_policy"], first.slot_min) for t in templates)
    ws = first.week_start if ws is None else ws
    demands = {q: build_demand(frames[q], ws, planned, columns=columns + extra) for q in queues}
    sets = {q: (frozenset([q]), demands[q]) for q in queues}
    sets.update(_pooled_sets(pooled, present, served, ws, planned, columns, extra, groups))
    slot_min = {d.slot_min for _, d in sets.values()}
    if len(slot_min) != 1:
        raise DataError("the queues' requirements are on different interval grids",
                        column="interval_start", value=sorted(slot_min))
    keep = min(_keep(frames[q], demands[q], keep_arg) for q in queues)
    combined = _combined_demand([demands[q] for q in queues])

    weight = {q: (d.staff_needed if mode == "coverage" else d.calls) for q, d in demands.items()}
    parts, group_of = [], []
    for gi, g in enumerate(groups):
        w = np.sum([weight[q] for q in served[g.name]], axis=0)
        c = build_candidates(planned, combined, w)
        parts.append(c)
        group_of.append(np.full(len(c), gi))
    cand = _concat_candidates(parts)
    group_of = np.concatenate(group_of) if group_of else np.zeros(0, int)
    report(0.05, 1, f"{len(cand)} candidate shifts in {len(groups)} skill groups")
    slot_h = combined.slot_min / 60
    dearest = float(cand.cost.max()) if len(cand) else 1.0
    pen = a["shortfall_penalty"]
    if pen is None:
        per_slot = 1.2 * dearest + 1.0
    else:
        if not pen >= 0:
            raise InputError("shortfall_penalty", pen, "a cost >= 0 per agent-hour")
        per_slot = pen * slot_h

    pm = _GroupModel(mathopt.Model(name=f"shifts-{mode}-groups"), combined, cand,
                     integer_slack=a["solver"] == "cp-sat",
                     group_names=tuple(groups[gi].name for gi in group_of))
    top = max(float(np.max(d.staff_needed)) for _, d in sets.values())
    if mode == "coverage":
        ub = int(math.ceil(2 * top)) + 2
    else:
        traffic_top = max(float(np.max(d.traffic)) for _, d in sets.values())
        ub = int(math.ceil(2 * (traffic_top / max(target.max_occupancy, 0.05)) / keep)) + 10
    cost = rules.add_shift_counts(pm, ub)
    rules.add_template_max_count(pm)
    cost.update(rules.add_breaks(pm))
    rules.add_break_order(pm)
    by_group = rules.group_on_phone_terms(pm, group_of, len(groups))
    rules.add_group_shares(pm, group_of, [g.max_share for g in groups],
                           [g.name for g in groups])
    adjacent = {name: [gi for gi, g in enumerate(groups) if qs & set(served[g.name])]
                for name, (qs, _) in sets.items()}
    for name, gis in adjacent.items():
        if not gis:
            raise InputError("skill_groups", [g.name for g in groups],
                             f"a skill group trained on a queue of '{name}'")
    objective: dict = {}
    _merge(objective, cost)
    min_slot_cost = float(cand.slot_cost[cand.slot_cost > 0].min()) if (cand.slot_cost > 0).any() else 1.0
    eps = 1e-3 * min_slot_cost
    subs = {}
    sl_target = target.service_level if a["service_level_target"] is None else a["service_level_target"]
    for name, (_qs, d) in sets.items():
        sub = _SetModel(model=pm.model, demand=d, cand=cand, integer_slack=pm.integer_slack,
                        set_name=name, on_phone_terms=_sum_terms(by_group, adjacent[name]))
        subs[name] = sub
        if mode == "coverage":
            _merge(objective, rules.add_coverage(sub, d.staff_needed, per_slot))
        else:
            slots = np.flatnonzero(d.calls > 0)
            rules.add_on_phone(sub, slots)
            cap = np.full(d.n_slots, float(ub) * 4)
            curves = service_curves(d, keep, target.answer_within_s, cap)
            rules.add_service_curves(sub, curves, keep)
            _merge(objective, rules.add_service_target(sub, float(d.calls.sum()), sl_target,
                                                       10 * dearest))
            _merge(objective, rules.add_queue_floor(sub, curves, keep, per_slot))
            if target.max_occupancy < 1:
                _merge(objective, rules.add_occupancy_floor(
                    sub, d.traffic, keep, target.max_occupancy, per_slot))
        for rule_name, slacks in sub.slacks.items():
            for subject, var in slacks.items():
                pm.slacks[rule_name][(name, subject)] = var
    total_weight = np.sum([weight[q] for q in queues], axis=0)
    _merge(objective, rules.add_break_placement_preference(pm, total_weight, eps))
    pm.model.minimize(mathopt.LinearSum(c * v for v, c in objective.items()))

    stats = {
        "mode": mode,
        "solver": a["solver"],
        "slot_min": combined.slot_min,
        "candidate_shifts": len(cand),
        "variables": len(list(pm.model.variables())),
        "constraints": len(list(pm.model.linear_constraints())),
        "break_placements": len(pm.b),
        "shrinkage": 1 - keep,
        "templates": planned,
        "skill_groups": {g.name: sorted(served[g.name]) for g in groups},
        "queue_sets": {name: sorted(qs) for name, (qs, _) in sets.items()},
        # interior point: 2-3x faster than simplex on the LP of several groups (the
        # 3-queue benchmark: 10 s against 25 s); one group keeps the single-queue path
        "lp_algorithm": "barrier" if len(groups) > 1 else "default",
        "box_breaks": len(groups) > 1,
    }
    report(0.1, 1, f"model: {stats['variables']} variables, {stats['constraints']} constraints")
    result = _solve(pm, a["solver"], a["method"], a["time_limit_s"], a["num_workers"],
                    a["relative_gap"], report, stats)
    stats.update(build_s=time.perf_counter() - t0 - result["solve_s"], solve_s=result["solve_s"])
    if result["values"] is None:
        return SolveResult(status=result["status"], bound=result["bound"],
                           wall_time_s=time.perf_counter() - t0, message=result["message"],
                           stats=stats)
    values = result["values"]
    out = _extract(pm, values, keep, target, mode, objective, stats)
    shifts = out["shifts"]
    shifts.insert(2, "skill_group", [groups[group_of[s]].name for s in out["candidate"]])
    coverage, allocation = _group_coverage(pm, values, groups, served, queues, demands, sets,
                                           group_of, keep, target, mode)
    group_stats = {}
    total_h = float(shifts["paid_h"].sum()) if len(shifts) else 0.0
    for g in groups:
        mine = shifts[shifts["skill_group"] == g.name]
        group_stats[g.name] = {"agent_shifts": len(mine), "paid_hours": float(mine["paid_h"].sum()),
                               "cost": float(mine["cost"].sum()),
                               "share": float(mine["paid_h"].sum()) / total_h if total_h else 0.0,
                               "queues": sorted(served[g.name])}
    has = coverage["calls"] > 0
    weekly = (float((coverage["service_level"] * coverage["calls"])[has].sum()
                    / coverage["calls"][has].sum()) if has.any() else math.nan)
    stats.update(groups=group_stats, allocation=allocation, service_level=weekly,
                 needed_hours=float(sum(d.staff_needed.sum() for d in demands.values())
                                    * combined.slot_min / 60),
                 queues={q: _queue_stats(coverage[coverage["queue"] == q], combined.slot_min)
                         for q in queues})
    stats["objective_meaning"] = "cost + penalties [currency]"
    message = _message(result, out, stats, combined, cand, mode, sl_target, None)
    report(1, 1, "done")
    return SolveResult(
        status=result["status"], objective=result["objective"], bound=result["bound"],
        wall_time_s=time.perf_counter() - t0, shifts=shifts, breaks=out["breaks"],
        coverage=coverage, penalties=out["penalties"], message=message, stats=stats,
    )


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
    from solver.shift_grid import Candidates

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
        frame, _ = _coverage(demands[q], sched_q, sched_q - on_phone_q, on_phone_q, keep, target)
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
    has = cov["calls"] > 0
    sl = (float((cov["service_level"] * cov["calls"])[has].sum() / cov["calls"][has].sum())
          if has.any() else math.nan)
    return {"service_level": sl, "on_phone_hours": float(cov["on_phone"].sum() * slot_min / 60),
            "needed_hours": float(cov["staff_needed"].sum() * slot_min / 60)}


def _merge(acc: dict, terms: dict) -> None:
    for v, c in terms.items():
        acc[v] = acc.get(v, 0.0) + c


def _keep(requirements, demand: Demand, shrinkage) -> float:
    if shrinkage is not None:
        frac = shrinkage.fraction if isinstance(shrinkage, Shrinkage) else Shrinkage(float(shrinkage)).fraction
        return 1.0 - frac
    if "agents_needed" in requirements.columns and "staff_needed" in requirements.columns:
        a = pd.to_numeric(requirements["agents_needed"], errors="coerce").to_numpy(float)
        s = pd.to_numeric(requirements["staff_needed"], errors="coerce").to_numpy(float)
        ok = (s > 0) & (a > 0)
        if ok.any():
            return float(min(1.0, np.max(a[ok] / s[ok])))
    return 1.0


def _solve(pm, solver, method, time_limit_s, num_workers, relative_gap, report, stats):
    """Solve ``pm.model``: directly, or LP relaxation then a restricted MIP around it.

    ``method="lp_rounding"`` (RENS, Berthold 2014): solve the LP relaxation (its value is
    a valid lower bound of the whole problem), then solve the MIP with every shift
    count boxed between the floor and the ceiling of its LP value (with several skill
    groups, ``stats["box_breaks"]``, the break counts too, and the LP by interior point,
    ``stats["lp_algorithm"]``).  The reported bound
    is the best of the LP bound and the restricted solve's, never the restricted
    solve's alone.  ``method="direct"``: one branch-and-bound on the whole model.
    """
    start = time.perf_counter()
    deadline = start + float(time_limit_s)
    last = [0.0]

    def on_message(_lines):
        now = time.perf_counter() - start
        if now - last[0] >= 0.5:
            last[0] = now
            report(0.1 + 0.85 * min(now / time_limit_s, 1.0), 1,
                   f"solving ({solver}, {method}) {now:.0f}/{time_limit_s:.0f} s")

    def params_for(seconds, gap, threads=solver == "cp-sat"):
        params = mathopt.SolveParameters(time_limit=dt.timedelta(seconds=max(seconds, 0.1)),
                                         relative_gap_tolerance=float(gap))
        if threads:  # only CP-SAT takes a per-solve thread count
            params.threads = int(num_workers)
        return params

    # HiGHS threads are a process-wide setting and SCIP solves on one thread here.
    stats["threads"] = int(num_workers) if solver == "cp-sat" else 1
    stats["method"] = method
    lp_bound = math.nan
    if method == "lp_rounding":
        ints = [v for v in pm.model.variables() if v.integer]
        for v in ints:
            v.integer = False
        try:
            lp_params = params_for(0.6 * time_limit_s, relative_gap, threads=False)
            if stats.get("lp_algorithm") == "barrier":
                lp_params.lp_algorithm = mathopt.LPAlgorithm.BARRIER
            lp = _call(pm.model, mathopt.SolverType.HIGHS, lp_params, on_message)
        finally:
            for v in ints:
                v.integer = True
        stats["lp_s"] = time.perf_counter() - start
        if isinstance(lp, dict):
            return lp | {"solve_s": time.perf_counter() - start}
        if lp.termination.reason == mathopt.TerminationReason.OPTIMAL:
            lp_bound = float(lp.objective_value())
            stats["lp_bound"] = lp_bound
            values = lp.variable_values()
            boxed = list(pm.x)
            if stats.get("box_breaks"):
                boxed += [var for _s, _o, var in pm.b]
            saved = [(v, v.lower_bound, v.upper_bound) for v in boxed]
            for v in boxed:
                x = values[v]
                v.lower_bound = max(v.lower_bound, math.floor(x + 1e-6))
                v.upper_bound = min(v.upper_bound, math.ceil(x - 1e-6))
            try:
                sub = _call(pm.model, SOLVERS[solver],
                            params_for(deadline - time.perf_counter(), relative_gap), on_message)
            finally:
                for v, lo, hi in saved:
                    v.lower_bound, v.upper_bound = lo, hi
            if not isinstance(sub, dict) and sub.has_primal_feasible_solution():
                out = _read(sub, time_limit_s, time.perf_counter() - start)
                out["bound"] = lp_bound  # the restricted bound is not a global one
                gap = (out["objective"] - lp_bound) / max(abs(out["objective"]), 1e-9)
                out["status"] = "OPTIMAL" if gap <= relative_gap + 1e-12 else "FEASIBLE"
                if out["status"] == "FEASIBLE" and not out["message"]:
                    out["message"] = (f"plan within {gap:.2%} of the LP bound (asked "
                                      f"{relative_gap:.2%}); the bound may be loose, not the plan")
                stats["restricted_s"] = time.perf_counter() - start - stats["lp_s"]
                return out
        # LP not solved in time or restricted MIP without a plan: fall back to direct
    res = _call(pm.model, SOLVERS[solver], params_for(deadline - time.perf_counter(),
                                                       relative_gap), on_message)
    if isinstance(res, dict):
        return res | {"solve_s": time.perf_counter() - start}
    out = _read(res, time_limit_s, time.perf_counter() - start)
    if not math.isnan(lp_bound):
        out["bound"] = max(lp_bound, out["bound"]) if not math.isnan(out["bound"]) else lp_bound
    return out


def _call(model, solver_type, params, on_message):
    try:
        return mathopt.solve(model, solver_type, params=params, msg_cb=on_message)
    except Exception as exc:  # the solver rejected the model: say so, in words
        exc = exc.__context__ or exc  # OR-Tools wraps the solver's status
        return {"status": "MODEL_INVALID", "values": None, "bound": math.nan,
                "objective": math.nan,
                "message": f"the {solver_type.name} solver rejected the model: {exc}"}


def _read(res, time_limit_s, solve_s):
    reason = res.termination.reason
    TR = mathopt.TerminationReason
    bound = res.termination.objective_bounds.dual_bound
    bound = float(bound) if math.isfinite(bound) else math.nan
    if res.has_primal_feasible_solution():
        status = "OPTIMAL" if reason == TR.OPTIMAL else "FEASIBLE"
        objective = float(res.objective_value())
        if status == "OPTIMAL" and math.isnan(bound):
            bound = objective
        msg = "" if status == "OPTIMAL" else (
            f"stopped by the {time_limit_s:g} s time limit after {solve_s:.1f} s with a "
            "feasible plan" if reason == TR.FEASIBLE else f"stopped: {reason.name.lower()}")
        return {"status": status, "values": res.variable_values(), "bound": bound,
                "objective": objective, "solve_s": solve_s, "message": msg}
    if reason in (TR.INFEASIBLE, TR.INFEASIBLE_OR_UNBOUNDED):
        status, msg = "INFEASIBLE", (
            "no plan satisfies the hard rules (template max counts, break windows and gaps, "
            "budget): " + res.termination.detail)
    elif reason == TR.NO_SOLUTION_FOUND:
        status, msg = "NO_SOLUTION", f"no plan found within the {time_limit_s:g} s time limit"
    else:
        status, msg = "MODEL_INVALID", f"solver stopped: {reason.name} {res.termination.detail}"
    return {"status": status, "values": None, "bound": bound, "objective": math.nan,
            "solve_s": solve_s, "message": msg}


def _extract(pm, values, keep, target, mode, objective, stats):
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
    coverage, weekly_sl = _coverage(demand, scheduled, on_break, on_phone, keep, target)
    penalties = _penalties(pm, values, objective, slot, mode)
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


def _coverage(demand: Demand, scheduled, on_break, on_phone, keep, target: ServiceTarget):
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


def _penalties(pm, values, objective, slot, mode):
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


def _message(result, out, stats, demand, cand, mode, sl_target, budget):
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
