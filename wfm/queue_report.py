"""Per-queue views of a multi-queue plan: the tables the app and the CLI show.

A plan whose scenario has skill groups keeps its queues apart
(:attr:`wfm.pipeline.PlanResult.queue_kpis`); these functions lay its figures out for
reading: each queue beside the centre as a whole (:func:`queue_table`), each queue per
interval (:func:`queue_intervals`), the skill groups and the shared queue sets
(:func:`group_table`, :func:`shared_requirements`).  Every function returns None for a
plan without per-queue figures (one queue, or queues pooled into one).

How shared agents' cost is split: the plan's weekly cost goes to the queues in
proportion to the on-phone hours each queue gets from the skill groups (each group's
agents split across its queues per interval, :func:`wfm.multiskill.allocate_to_queues`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["CENTRE", "queue_table", "queue_intervals", "group_table", "group_allocation",
           "shared_requirements", "COST_SPLIT"]

#: Name of the centre-wide row of :func:`queue_table`.
CENTRE = "centre"

#: How the cost of shared agents is split across queues, in words.
COST_SPLIT = ("Agents trained on several queues are paid once: the week's cost is split "
              "across the queues in proportion to the on-phone hours each queue gets from "
              "the skill groups (each group's agents split across its queues interval by "
              "interval).")


def _weighted(values: pd.Series, weights: pd.Series) -> float:
    ok = np.isfinite(values.to_numpy(float)) & (weights.to_numpy(float) > 0)
    if not ok.any():
        return float("nan")
    w = weights.to_numpy(float)[ok]
    return float(np.sum(values.to_numpy(float)[ok] * w) / np.sum(w))


def queue_table(plan) -> pd.DataFrame | None:
    """One row per queue and a last row for the whole centre.

    Parameters
    ----------
    plan : PlanResult
        From :func:`wfm.pipeline.run_plan`.

    Returns
    -------
    DataFrame or None
        ``queue`` (the last row is :data:`CENTRE`), ``calls`` offered per week,
        ``target``, ``priority``, ``service_level`` (Erlang on the queue's share of the
        agents), ``pool_service_level`` (Erlang on its whole pool),
        ``sim_service_level`` with ``_low`` / ``_high`` (95 % bounds over replications),
        ``asa_s`` and ``abandon_rate``
        (simulated where the plan was simulated, else Erlang; ``measured`` says which),
        ``agent_hours`` on the phones, ``cost`` per week, ``cost_share``,
        ``cost_per_call`` (per call offered), ``cost_per_call_handled`` (per call
        answered: offered less abandoned), ``met`` (simulated, else Erlang, service level
        at or above the target).  The centre row adds the queues up; its Erlang service
        level is call-weighted over the queues, its simulated figures are the
        simulation's own for all calls, its target is NaN and it is met when every
        queue is.  None without per-queue figures.
    """
    q = getattr(plan, "queue_kpis", None)
    if q is None or not len(q):
        return None
    t = q.copy()
    simulated = np.isfinite(t["sim_service_level"].to_numpy(float))
    t["measured"] = np.where(simulated, "simulated", "Erlang")
    t["asa_s"] = np.where(simulated, t["sim_asa_s"], t["asa_s"])
    t["abandon_rate"] = np.where(simulated, t["sim_abandon_rate"], t["abandon_rate"])
    total_cost = float(t["cost"].sum())
    t["cost_share"] = t["cost"] / total_cost if total_cost > 0 else np.nan
    handled = t["calls"] * (1.0 - t["abandon_rate"].fillna(0.0))
    t["cost_per_call_handled"] = np.where(handled > 0, t["cost"] / handled.where(handled > 0),
                                          np.nan)
    calls = t["calls"]
    centre = {
        "queue": CENTRE, "calls": float(calls.sum()), "target": np.nan, "priority": np.nan,
        "agent_hours": float(t["agent_hours"].sum()), "cost": total_cost,
        "cost_share": 1.0 if total_cost > 0 else np.nan,
        "measured": "simulated" if simulated.all() else "Erlang",
        "met": bool(t["met"].all()),
    }
    for col in ("service_level", "asa_s", "abandon_rate"):
        centre[col] = _weighted(t[col], calls)
    centre["pool_service_level"] = np.nan
    centre.update(_centre_simulated(plan) if simulated.all() else {})
    centre_handled = float(handled.sum())
    centre["cost_per_call"] = total_cost / centre["calls"] if centre["calls"] > 0 else np.nan
    centre["cost_per_call_handled"] = total_cost / centre_handled if centre_handled > 0 else np.nan
    cols = ["queue", "calls", "target", "priority", "service_level", "pool_service_level",
            "sim_service_level", "sim_service_level_low", "sim_service_level_high", "asa_s",
            "abandon_rate", "measured", "agent_hours", "cost", "cost_share", "cost_per_call",
            "cost_per_call_handled", "met"]
    out = pd.concat([t[cols], pd.DataFrame([centre])[cols]], ignore_index=True)
    out["met"] = out["met"].astype(bool)
    return out


def _centre_simulated(plan) -> dict:
    """The simulation's figures for all the centre's calls (from the evaluation)."""
    ev = plan.evaluation
    if ev is None:
        return {}
    k = ev.kpis.set_index("kpi")
    return {"sim_service_level": float(k.loc["service_level", "simulation"]),
            "sim_service_level_low": float(k.loc["service_level", "simulation_low"]),
            "sim_service_level_high": float(k.loc["service_level", "simulation_high"]),
            "asa_s": float(k.loc["asa_s", "simulation"]),
            "abandon_rate": float(k.loc["abandon_rate", "simulation"])}


def queue_intervals(plan) -> pd.DataFrame | None:
    """Each queue per interval: demand, requirement, the plan's agents, the service.

    Returns
    -------
    DataFrame or None
        ``queue``, ``interval_start``, ``calls``, ``agents_needed`` and ``staff_needed``
        (the queue's own requirement, at its own target), ``on_phone`` (agents on the
        phones for the queue as the shift plan splits its skill groups, averaged over the
        interval), ``sim_service_level`` (NaN without simulation).  None without
        per-queue figures.
    """
    if getattr(plan, "queue_kpis", None) is None or plan.requirements is None:
        return None
    req = plan.requirements
    if "queue" not in req.columns:
        return None
    out = req[["queue", "interval_start", "calls", "agents_needed", "staff_needed"]].copy()
    out["queue"] = out["queue"].astype(str)
    out["on_phone"] = np.nan
    cov = plan.shift_plan.coverage if plan.shift_plan is not None else None
    if cov is not None and "queue" in cov.columns and len(cov):
        starts = np.sort(out["interval_start"].unique())
        slot = pd.Series(pd.to_datetime(cov["interval_start"]))
        # each plan slot falls in the requirement interval that starts at or before it
        pos = np.searchsorted(starts, slot.to_numpy(), side="right") - 1
        ok = pos >= 0
        per = (pd.DataFrame({"queue": cov["queue"].astype(str)[ok].to_numpy(),
                             "interval_start": starts[pos[ok]],
                             "on_phone": cov["on_phone"].to_numpy(float)[ok]})
               .groupby(["queue", "interval_start"], as_index=False)["on_phone"].mean())
        out = out.drop(columns="on_phone").merge(per, on=["queue", "interval_start"], how="left")
    out["sim_service_level"] = np.nan
    ev = plan.evaluation
    sim = getattr(ev, "simulation", None) if ev is not None else None
    if sim is not None and "queue" in sim.intervals.columns:
        s = sim.intervals[["queue", "interval_start", "service_level"]].rename(
            columns={"service_level": "sim_service_level"})
        s = s.assign(queue=s["queue"].astype(str))
        out = out.drop(columns="sim_service_level").merge(s, on=["queue", "interval_start"],
                                                          how="left")
    return out.sort_values(["queue", "interval_start"]).reset_index(drop=True)


def group_table(plan) -> pd.DataFrame | None:
    """One row per skill group of the shift plan: its queues, shifts, hours and cost.

    Returns
    -------
    DataFrame or None
        ``skill_group``, ``queues`` (comma-separated), ``agent_shifts`` and
        ``paid_hours`` per week, ``cost`` per week, ``share`` of the plan's cost (the
        plan's own costing of its shifts, before a roster).  None for a plan without
        skill groups.
    """
    if getattr(plan, "queue_kpis", None) is None or plan.shift_plan is None:
        return None
    weeks = _week_stats(plan)
    rows: dict[str, dict] = {}
    for stats in weeks:
        for name, g in (stats.get("groups") or {}).items():
            row = rows.setdefault(name, {"skill_group": name,
                                         "queues": ", ".join(map(str, g.get("queues", []))),
                                         "agent_shifts": 0.0, "paid_hours": 0.0, "cost": 0.0})
            for k in ("agent_shifts", "paid_hours", "cost"):
                row[k] += float(g.get(k, 0.0))
    if not rows:
        return None
    out = pd.DataFrame(list(rows.values()))
    n = max(1, len(weeks))
    out[["agent_shifts", "paid_hours", "cost"]] /= n
    total = out["cost"].sum()
    out["share"] = out["cost"] / total if total > 0 else np.nan
    return out


def _week_stats(plan) -> list[dict]:
    """The shift plan's stats, one per planned week."""
    weeks = [w["shift_plan"].stats for w in plan.weeks if w.get("shift_plan") is not None]
    return weeks or [plan.shift_plan.stats]


def group_allocation(plan, queue: str) -> pd.DataFrame | None:
    """Who answers ``queue``: each skill group's on-phone agents for it, per plan slot.

    Returns
    -------
    DataFrame or None
        ``skill_group``, ``interval_start``, ``on_phone`` (the shift plan's split of the
        group's agents that goes to ``queue``); groups not trained on it are absent.
        None for a plan without skill groups.
    """
    if getattr(plan, "queue_kpis", None) is None or plan.shift_plan is None:
        return None
    parts = [st["allocation"] for st in _week_stats(plan) if "allocation" in st]
    if not parts:
        return None
    alloc = pd.concat(parts, ignore_index=True)
    mine = alloc[alloc["queue"].astype(str) == str(queue)]
    return (mine.groupby(["skill_group", "interval_start"], as_index=False)["on_phone"].sum()
            .sort_values(["skill_group", "interval_start"]).reset_index(drop=True))


def shared_requirements(plan) -> pd.DataFrame | None:
    """What sharing saves: each queue set the groups share, pooled against dedicated.

    Returns
    -------
    DataFrame or None
        ``queue_set``, ``pooled_staff_hours`` (scheduled agent-hours per week the set
        needs with its agents shared: the Erlang requirement of its summed traffic),
        ``dedicated_staff_hours`` (the sum of its queues' own requirements), ``saving``
        (their difference) and ``peak_pooled`` / ``peak_dedicated`` agents to schedule.
        None for a plan without shared queue sets.
    """
    pooled = getattr(plan, "pooled_requirements", None)
    req = plan.requirements
    if pooled is None or not len(pooled) or req is None or "queue" not in req.columns:
        return None
    starts = np.sort(req["interval_start"].unique())
    hours = float((starts[1] - starts[0]) / np.timedelta64(1, "h")) if len(starts) > 1 else 0.5
    weeks = max(1, plan.scenario.horizon.weeks)
    rows = []
    for name, part in pooled.groupby("queue_set", sort=False):
        members = str(name).split("+")
        own = req[req["queue"].astype(str).isin(members)]
        dedicated = own.groupby("interval_start")["staff_needed"].sum()
        rows.append({
            "queue_set": str(name),
            "pooled_staff_hours": float(part["staff_needed"].sum()) * hours / weeks,
            "dedicated_staff_hours": float(dedicated.sum()) * hours / weeks,
            "peak_pooled": float(part["staff_needed"].max()),
            "peak_dedicated": float(dedicated.max()) if len(dedicated) else 0.0,
        })
    out = pd.DataFrame(rows)
    out["saving"] = out["dedicated_staff_hours"] - out["pooled_staff_hours"]
    return out[["queue_set", "pooled_staff_hours", "dedicated_staff_hours", "saving",
                "peak_pooled", "peak_dedicated"]]
