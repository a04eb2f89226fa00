"""Shift planning with breaks: how many agents start each shift, and where breaks go.

:func:`plan_shifts` checks its arguments and plans one of three ways: one queue
(:func:`_plan_one_queue`: requirements on the slot grid, candidate shifts, the model,
the solve, the read-out), several queues one by one (:func:`_plan_by_queue`), or
several queues together with skill groups (:func:`solver.shift_groups.plan_by_group`).
The rules are in :mod:`solver.shift_rules`, their assembly in :mod:`solver.shift_model`,
the MathOpt solve in :mod:`solver.shift_solve` and the read-out of a solution in
:mod:`solver.shift_output`.  See ``docs/shift-planning.md`` for the model, the
formulation and benchmark results.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.math_opt.python import mathopt

from solver import shift_rules as rules
from solver.result import SolveResult
from solver.shift_grid import build_candidates, build_demand
from solver.shift_groups import plan_by_group
from solver.shift_model import (
    add_requirement,
    add_service_rules,
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
from solver.shift_output import extract, plan_message
from solver.shift_solve import SOLVERS, Progress, SolveSettings, solve_plan
from solver.templates import apply_break_policy
from wfm.errors import InputError
from wfm.types import BreakPolicy, ServiceTarget, ShiftTemplate, Shrinkage, SkillGroup

__all__ = ["plan_shifts", "SOLVERS"]

#: Default back end, chosen by ``benchmarks/bench_shifts.py`` (see docs/shift-planning.md).
DEFAULT_SOLVER = "highs"

_MODES = ("coverage", "service_level", "budget")


def plan_shifts(
    requirements: pd.DataFrame, templates: Sequence[ShiftTemplate], *,
    mode: str = "coverage", target: ServiceTarget = ServiceTarget(),
    break_policy: BreakPolicy = BreakPolicy(), week_start=None,
    service_level_target: float | Mapping[str, float] | None = None,
    budget: float | None = None, shortfall_penalty: float | None = None, time_limit_s: float = 60, num_workers: int = 2,
    progress: Callable[[float, float, str], bool | None] | None = None,
    shrinkage: Shrinkage | float | None = None, solver: str = DEFAULT_SOLVER, relative_gap: float = 1e-3,
    method: str = "lp_rounding", skill_groups: Sequence[SkillGroup] | None = None,
    pooled_requirements: pd.DataFrame | None = None,
    skill_supply: Mapping | None = None,
) -> SolveResult:
    """Choose how many agents start each shift and where each agent's breaks go.

    Parameters
    ----------
    requirements : DataFrame
        Requirements of one planning week: ``interval_start``, ``staff_needed`` (mode
        "coverage") or ``calls``, ``aht_s``, ``traffic`` (service-level modes); ``queue``
        for several queues; ``agents_needed`` is reported when present.
    templates : sequence of ShiftTemplate
        Shift kinds that may be used (see :func:`solver.templates.load_templates`).
    mode : {"coverage", "service_level", "budget"}
        "coverage": on-phone agents >= ``staff_needed`` in every interval at least cost;
        "service_level": a weekly (call-weighted) service level at least cost; "budget":
        most calls answered within the target time for at most ``budget``.
    target : ServiceTarget
        Answer-within, occupancy cap, weekly service level (or ``service_level_target``).
    break_policy : BreakPolicy
        Floor of paid break minutes per paid hour (:func:`solver.templates.apply_break_policy`).
    week_start : Timestamp, optional
        Midnight starting the week; default midnight of the first interval.
    service_level_target : float or mapping str -> float, optional
        Weekly service level in mode "service_level", or one per queue (a queue left out
        takes ``target.service_level``; a shared queue set its queues' strictest).
    budget : float, optional, the cost ceiling [currency] in mode "budget".
    shortfall_penalty : float, optional
        Cost of one agent missing for one hour [currency/agent-h].  Default: 1.2 x the
        dearest shift per slot, so a requirement is unmet only where no shift meets it.
    time_limit_s, num_workers, relative_gap : float, int, float
        Wall-clock limit [s]; threads (HiGHS uses one); stop below this relative gap.
    progress : callable, optional
        ``progress(done, total, message)``; True stops the solve (plan so far FEASIBLE).
    shrinkage : Shrinkage or float, optional
        Off-phone share not planned here (default ``1 - max(agents/staff_needed)`` or 0).
    solver : {"highs", "scip", "cp-sat"}, the back end through OR-Tools MathOpt.
    method : {"lp_rounding", "direct"}
        "lp_rounding": LP relaxation (the bound), then the MIP with shift counts between
        the floor and ceiling of their LP values (RENS), "direct" if the LP does not
        finish.  "direct": one branch and bound.
    skill_groups : sequence of SkillGroup, optional
        Plan the queues together, each shift in one group that answers its queues
        (:func:`solver.shift_groups.plan_by_group`); without, queue by queue.
    pooled_requirements : DataFrame, optional
        Requirements of queue sets groups share (``queue_set`` "a+b"; wfm.multiskill).
    skill_supply : mapping frozenset of str -> float, optional
        With ``skill_groups``: most paid hours a week the agents trained on each set of
        queues can work; the groups' shifts stay within it (rosterable).

    Returns
    -------
    SolveResult
        ``shifts``, ``breaks``, ``coverage`` (per slot, with the Erlang C service level),
        ``penalties``, ``objective``, ``bound``, ``gap``, ``stats`` (size, cost, solver).

    Raises
    ------
    InputError
        Bad mode, solver or limits, missing target or budget, template rules that
        clash, a break policy a template has no room for.  DataError: bad requirements.

    Notes
    -----
    Breaks are explicit (scheduled, not on the phones).  Shrinkage is everything else:
    ``staff_needed`` is grossed up for it; ``(1 - shrinkage) * on_phone`` answer calls.
    """
    t0 = time.perf_counter()
    args = _Args(**{k: v for k, v in locals().items() if k in _Args.__dataclass_fields__})
    _check_args(args, requirements)
    return _route(requirements, skill_groups, pooled_requirements, progress, t0, args)


def _route(requirements, skill_groups, pooled, progress, t0, a: _Args) -> SolveResult:
    """Plan one queue, several queues one by one, or several queues with skill groups."""
    report = progress if isinstance(progress, Progress) else Progress(progress)
    queues = (list(pd.unique(requirements["queue"].astype(str)))
              if "queue" in requirements.columns else [])
    if skill_groups is not None:
        if a.mode == "budget":
            raise InputError("mode", a.mode, "'coverage' or 'service_level' with skill groups")
        return plan_by_group(requirements, queues, list(skill_groups), pooled, report, t0, a)
    if isinstance(a.service_level_target, Mapping) and len(queues) <= 1:
        # one queue: its own target
        a = dataclasses.replace(a, service_level_target=a.sl_target_of(queues or ["default"]))
    if len(queues) > 1:
        if a.mode == "budget":
            raise InputError("mode", a.mode, "one queue in mode 'budget' (how to split the "
                             f"budget between queues {queues[:5]} is a planning decision: "
                             "plan each queue with its own budget)")
        return _plan_by_queue(requirements, queues, report, t0, a)
    return _plan_one_queue(requirements, report, t0, a)


@dataclass(frozen=True)
class _Args:
    """The arguments of :func:`plan_shifts` that its stages read."""

    templates: Sequence[ShiftTemplate]
    mode: str
    target: ServiceTarget
    break_policy: BreakPolicy
    week_start: object
    service_level_target: float | Mapping[str, float] | None
    budget: float | None
    shortfall_penalty: float | None
    time_limit_s: float
    num_workers: int
    shrinkage: object
    solver: str
    relative_gap: float
    method: str
    skill_supply: Mapping | None = None

    @property
    def sl_target(self) -> float:
        """The weekly service level of mode "service_level" (fraction; with one target
        per queue, the strictest)."""
        if isinstance(self.service_level_target, Mapping):
            return max(self.service_level_target.values(), default=self.target.service_level)
        if self.service_level_target is None:
            return self.target.service_level
        return self.service_level_target

    def sl_target_of(self, queues) -> float:
        """The weekly service level a plan of the queues ``queues`` must reach: the
        strictest of their targets."""
        own = self.service_level_target
        if not isinstance(own, Mapping):
            return self.sl_target
        return max(float(own.get(str(q), self.target.service_level)) for q in queues)

    def settings(self, time_limit_s: float | None = None) -> SolveSettings:
        return SolveSettings(solver=self.solver, method=self.method,
                             time_limit_s=self.time_limit_s if time_limit_s is None
                             else time_limit_s,
                             num_workers=self.num_workers, relative_gap=self.relative_gap)


def _check_args(a: _Args, requirements) -> None:
    templates = a.templates
    if a.mode not in _MODES:
        raise InputError("mode", a.mode, f"one of {_MODES}")
    if a.solver not in SOLVERS:
        raise InputError("solver", a.solver, f"one of {tuple(SOLVERS)}")
    if a.method not in ("lp_rounding", "direct"):
        raise InputError("method", a.method, "'lp_rounding' or 'direct'")
    if not templates:
        raise InputError("templates", templates, "at least one ShiftTemplate")
    names = [t.name for t in templates]
    if len(set(names)) != len(names):
        raise InputError("templates", names, "unique template names")
    if a.time_limit_s <= 0:
        raise InputError("time_limit_s", a.time_limit_s, "seconds > 0")
    if a.num_workers < 1:
        raise InputError("num_workers", a.num_workers, "an integer >= 1")
    own = a.service_level_target
    if a.mode == "service_level" and isinstance(own, Mapping):
        for q, v in own.items():
            if not (isinstance(v, int | float) and 0 < v < 1):
                raise InputError(f"service_level_target[{q!r}]", v, "a fraction in (0, 1)")
    elif a.mode == "service_level" and not 0 < a.sl_target < 1:
        raise InputError("service_level_target", a.sl_target, "a fraction in (0, 1)")
    if a.mode == "budget" and (a.budget is None or not a.budget >= 0):
        raise InputError("budget", a.budget, "a weekly cost >= 0 in mode 'budget'")
    if not isinstance(requirements, pd.DataFrame):
        raise InputError("requirements", type(requirements).__name__, "a pandas DataFrame")


def _plan_one_queue(requirements, report, t0, a: _Args) -> SolveResult:
    """Plan one queue: grid, candidates, model, solve, read-out."""
    report(0, 1, "reading requirements")
    columns, extra = mode_columns(a.mode, requirements)
    # slot grid depends on templates after the policy; policy needs the grid: two passes
    demand = build_demand(requirements, a.week_start, a.templates, columns=columns + extra)
    planned = tuple(apply_break_policy(t, a.break_policy, demand.slot_min) for t in a.templates)
    demand = build_demand(requirements, a.week_start, planned, columns=columns + extra)
    keep = keep_fraction(requirements, demand, a.shrinkage)
    weight = demand.staff_needed if a.mode == "coverage" else demand.calls
    cand = build_candidates(planned, demand, weight)
    report(0.05, 1, f"{len(cand)} candidate shifts")
    pm = rules.PlanModel(mathopt.Model(name=f"shifts-{a.mode}"), demand, cand,
                         integer_slack=a.solver == "cp-sat")
    objective = _build_objective(pm, keep, weight, a)
    stats = model_stats(pm, mode=a.mode, solver=a.solver, keep=keep, templates=planned)
    report(0.1, 1, f"model: {stats['variables']} variables, {stats['constraints']} constraints")
    result = solve_plan(pm, a.settings(), report, stats)
    stats.update(build_s=time.perf_counter() - t0 - result["solve_s"], solve_s=result["solve_s"])
    if result["values"] is None:
        return SolveResult(
            status=result["status"], bound=result["bound"],
            wall_time_s=time.perf_counter() - t0, message=result["message"], stats=stats,
        )
    out = extract(pm, result["values"], keep, a.target, a.mode, objective, stats)
    if a.mode == "budget":
        stats["objective_meaning"] = "calls not answered within target (+ 0.01 x cost/budget)"
    else:
        stats["objective_meaning"] = "cost + penalties [currency]"
    message = plan_message(result, out, stats, demand, cand, a.mode, a.sl_target, a.budget)
    report(1, 1, "done")
    return SolveResult(
        status=result["status"], objective=result["objective"], bound=result["bound"],
        wall_time_s=time.perf_counter() - t0, shifts=out["shifts"], breaks=out["breaks"],
        coverage=out["coverage"], penalties=out["penalties"], message=message, stats=stats,
    )


def _build_objective(pm: rules.PlanModel, keep: float, weight, a: _Args) -> dict:
    """Add the rules of mode ``a.mode`` to ``pm`` and set its objective; returns its terms."""
    demand, cand = pm.demand, pm.cand
    per_slot = shortfall_per_slot(a.shortfall_penalty, cand, demand.slot_min)
    ub = count_bound(a.mode, demand.staff_needed.max(), demand.traffic.max(), a.target, keep)
    cost = add_shift_rules(pm, ub)
    objective: dict = {}
    if a.mode == "budget":
        add_service_rules(pm, demand, keep, a.target, ub)
        rules.add_budget(pm, cost, float(a.budget))
        merge(objective, {v: -1.0 for v in pm.answered.values()})  # calls unanswered
        # cheaper among equally good plans: the whole cost weighs < 0.01 calls
        merge(objective, {v: c * 1e-2 / max(a.budget, 1.0) for v, c in cost.items()})
        n_slots = max(int(np.count_nonzero(demand.calls > 0)), 1)
        eps = 1e-4 * max(float(demand.calls.sum()) / n_slots, 1e-3)
    else:
        merge(objective, cost)
        add_requirement(objective, pm, demand, mode=a.mode, keep=keep, target=a.target,
                        sl_target=a.sl_target, ub=ub, per_slot=per_slot,
                        dearest=dearest_shift(cand))
        eps = placement_eps(cand)
    merge(objective, rules.add_break_placement_preference(pm, weight, eps))
    offset = float(demand.calls.sum()) if a.mode == "budget" else 0.0
    pm.model.minimize(mathopt.LinearSum(c * v for v, c in objective.items()) + offset)
    return objective


class _QueueProgress:
    """Progress of queue ``i`` of ``n`` planned one by one, as a share of the whole."""

    def __init__(self, report, i: int, n: int, name: str):
        self.report, self.i, self.n, self.name = report, i, n, name

    def __call__(self, done, total, message=""):
        return self.report((self.i + done / max(total, 1e-12)) / self.n, 1,
                           f"{self.name}: {message}")


def _plan_by_queue(requirements, queues, report, t0, a: _Args) -> SolveResult:
    """Plan each queue on its own (agents dedicated to a queue) and stack the results.

    The time limit is shared in proportion to each queue's requirement; in mode
    "service_level" every queue reaches its weekly target.
    """
    kw = {k: getattr(a, k) for k in _Args.__dataclass_fields__ if k != "time_limit_s"}
    q = requirements["queue"].astype(str)
    col = "staff_needed" if "staff_needed" in requirements.columns else "calls"
    weight = (pd.to_numeric(requirements[col], errors="coerce").fillna(0).clip(lower=0)
              .groupby(q).sum() if col in requirements.columns else None)
    total = float(weight.sum()) if weight is not None else 0.0
    parts = []
    for i, name in enumerate(queues):
        share = (float(weight[name]) / total) if total > 0 else 1 / len(queues)
        limit = max(1.0, a.time_limit_s * share)
        frame = requirements[q == name].reset_index(drop=True)
        sub = _QueueProgress(report, i, len(queues), name)
        own = {**kw, "service_level_target": a.sl_target_of([name])}  # the queue's target
        parts.append((name, plan_shifts(frame, time_limit_s=limit, progress=sub, **own)))
    return _stack_queues(parts, t0)


def _stack_queues(parts, t0) -> SolveResult:
    """One result from the per-queue results ``[(queue, SolveResult)]``."""
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
