"""Building blocks of a shift-plan model shared by the one-queue and skill-group plans.

The rules themselves live in :mod:`solver.shift_rules` (one function per rule); this
module puts them together: the shift and break rules every plan has, the rules and
objective terms of one requirement (a queue, or a queue set of a skill-group plan),
and the defaults derived from the inputs (shrinkage, shortfall penalty, count bound).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from solver import shift_rules as rules
from solver.shift_grid import Candidates, Demand, service_curves
from wfm.errors import InputError
from wfm.types import ServiceTarget, Shrinkage

#: Columns of the other modes that are carried along when present.
_EXTRA = ("staff_needed", "agents_needed", "calls", "aht_s", "traffic")


def merge(acc: dict, terms: dict) -> None:
    """Add objective ``terms`` {variable: coefficient} into ``acc``."""
    for v, c in terms.items():
        acc[v] = acc.get(v, 0.0) + c


def mode_columns(mode: str, requirements: pd.DataFrame) -> tuple[tuple, tuple]:
    """Columns the mode needs, and the other requirement columns present."""
    columns = ("staff_needed",) if mode == "coverage" else ("calls", "aht_s", "traffic")
    extra = tuple(c for c in _EXTRA if c in requirements.columns and c not in columns)
    return columns, extra


def keep_fraction(requirements, demand: Demand, shrinkage) -> float:
    """Share of on-phone time that answers calls: ``1 - shrinkage`` (see plan_shifts)."""
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


def dearest_shift(cand: Candidates) -> float:
    """Cost of the dearest candidate shift [currency]."""
    return float(cand.cost.max()) if len(cand) else 1.0


def shortfall_per_slot(shortfall_penalty: float | None, cand: Candidates, slot_min: int) -> float:
    """Penalty of one agent missing for one slot [currency]."""
    if shortfall_penalty is None:
        return 1.2 * dearest_shift(cand) + 1.0
    if not shortfall_penalty >= 0:
        raise InputError("shortfall_penalty", shortfall_penalty, "a cost >= 0 per agent-hour")
    return shortfall_penalty * (slot_min / 60)


def count_bound(mode: str, staff_top: float, traffic_top: float, target: ServiceTarget,
                keep: float) -> int:
    """Upper bound of the count of any one shift."""
    if mode == "coverage":
        return int(math.ceil(2 * staff_top)) + 2
    return int(math.ceil(2 * (traffic_top / max(target.max_occupancy, 0.05)) / keep)) + 10


def placement_eps(cand: Candidates) -> float:
    """Weight of the break-placement preference: far below any shift's slot cost."""
    positive = cand.slot_cost > 0
    return 1e-3 * (float(cand.slot_cost[positive].min()) if positive.any() else 1.0)


def add_shift_rules(pm: rules.PlanModel, ub: int) -> dict:
    """Shift counts, template maxima, breaks and their order; returns the cost terms."""
    cost = rules.add_shift_counts(pm, ub)
    rules.add_template_max_count(pm)
    cost.update(rules.add_breaks(pm))
    rules.add_break_order(pm)
    return cost


def add_service_rules(pm: rules.PlanModel, demand: Demand, keep: float, target: ServiceTarget,
                      ub: int) -> dict:
    """On-phone counts and service curves of ``demand``; returns the curves."""
    rules.add_on_phone(pm, np.flatnonzero(demand.calls > 0))
    cap = np.full(demand.n_slots, float(ub) * 4)
    curves = service_curves(demand, keep, target.answer_within_s, cap)
    rules.add_service_curves(pm, curves, keep)
    return curves


def add_requirement(objective: dict, pm: rules.PlanModel, demand: Demand, *, mode: str,
                    keep: float, target: ServiceTarget, sl_target: float, ub: int,
                    per_slot: float, dearest: float) -> None:
    """The rules of one requirement in mode "coverage" or "service_level".

    "coverage": on-phone agents reach ``staff_needed`` (shortfall at ``per_slot``).
    "service_level": the weekly service level of ``demand`` reaches ``sl_target``
    (shortfall at 10 x the dearest shift per call), no slot below a stable queue and,
    with an occupancy cap, none above it.
    """
    if mode == "coverage":
        merge(objective, rules.add_coverage(pm, demand.staff_needed, per_slot))
        return
    curves = add_service_rules(pm, demand, keep, target, ub)
    merge(objective, rules.add_service_target(pm, float(demand.calls.sum()), sl_target,
                                              10 * dearest))
    merge(objective, rules.add_queue_floor(pm, curves, keep, per_slot))
    if target.max_occupancy < 1:
        merge(objective, rules.add_occupancy_floor(
            pm, demand.traffic, keep, target.max_occupancy, per_slot))


def model_stats(pm: rules.PlanModel, *, mode: str, solver: str, keep: float,
                templates) -> dict:
    """The size and settings of a built model, for ``SolveResult.stats``."""
    return {
        "mode": mode,
        "solver": solver,
        "slot_min": pm.demand.slot_min,
        "candidate_shifts": len(pm.cand),
        "variables": len(list(pm.model.variables())),
        "constraints": len(list(pm.model.linear_constraints())),
        "break_placements": len(pm.b),
        "shrinkage": 1 - keep,
        "templates": templates,
    }
