"""Benchmark of rostering week after week: two chained weeks, and repairing a published week.

Instance: the roster benchmark's (``benchmarks/bench_roster.py``: 400 agents, full and
part time, 5 teams with leads, 3 skills, a week at 15 min), without meetings.

Reported, in the same run:

* **Chained weeks.**  Week 1 is rostered; week 2 (the same requirement a week later)
  is rostered once with week 1's shifts as ``previous`` and once alone, as a roster
  built week by week without history would be.  Both two-week rosters are read by the
  independent checker (``wfm.roster_check.roster_breaches``), which shares no code with
  the solver's rules: rule breaks across the boundary, and each week's time.
* **Repair.**  5 % of the agents working on Wednesday to Friday fall sick on those days.
  ``solver.repair_roster`` mends week 1 (15 s limit); the baseline is a full re-solve
  of the week with those agents on time off (``build_roster``, the same limit as week
  1).  Reported: the repair's time, whether it is legal (checker), the agent-days it
  changes against the agent-days lost, and its unmet requirement against the re-solve's.

* **Horizon** (``--horizon``, instead of the two cases above).  ``--weeks`` (4) weeks
  of the same instance, the requirement of each week scaled by :data:`WEEK_FACTORS`,
  and contracts with hours averaged over 4 weeks (:func:`averaged_contracts`: the
  weekly limits of hours widened, the 4-week total at the old weekly maximum; the
  full-time weeks, five shifts of at most 7.5 paid hours, never reach it).  Rostered
  ``chained`` and ``joint`` (``solver.roster.horizon.roster_horizon``).  Reported per
  mode: rule breaks of the whole horizon by the independent checker (averaged hours
  among them), the cost and unmet requirement, the time per week, and the spread of
  evening shifts and weekend days per agent (``wfm.roster_check.rotation_spread``: the
  standard deviation and range within each contract).  ``--fairness-weight W`` adds a
  joint run with evening and weekend fairness priced at W per shift (4 by default).

Run ``python benchmarks/bench_weeks.py`` (400 agents, 60 s per week) or ``--quick``
(80 agents, 20 s); add ``--horizon`` for the horizon case.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_roster import WEEK, instance  # noqa: E402

from solver import build_roster, repair_roster  # noqa: E402
from solver.roster.horizon import roster_horizon  # noqa: E402
from wfm.changes import Absence  # noqa: E402
from wfm.roster_check import roster_breaches, rotation_counts, rotation_spread  # noqa: E402
from wfm.types import HoursOverWeeks  # noqa: E402

#: Requirement of each week of the horizon case, against the benchmark week's.
WEEK_FACTORS = (0.95, 1.0, 1.1, 1.05, 0.9, 1.0)


def _unmet_h(res) -> float:
    pen = res.penalties
    return float(pen.loc[pen["rule"] == "unmet requirement", "amount"].sum())


def chained(agents, contracts, temps, req, limit) -> dict:
    """Week 1, then week 2 with and without week 1's shifts; breaks across the boundary."""
    out = {}
    t0 = time.perf_counter()
    w1 = build_roster(req, agents, contracts, temps, time_limit_s=limit, num_workers=2)
    out["week1_s"] = time.perf_counter() - t0
    req2 = req.assign(interval_start=req["interval_start"] + pd.Timedelta(weeks=1))
    for label, prev in (("chained", w1.shifts), ("alone", None)):
        t0 = time.perf_counter()
        w2 = build_roster(req2, agents, contracts, temps, time_limit_s=limit, num_workers=2,
                          previous=prev)
        out[f"{label}_s"] = time.perf_counter() - t0
        out[f"{label}_status"] = w2.status
        both = pd.concat([w1.shifts, w2.shifts], ignore_index=True)
        br = roster_breaches(both, agents, contracts, week_start=WEEK, weeks=2)
        out[f"{label}_breaches"] = br
        out[f"{label}_objective"] = w2.objective
    out["week1"] = w1
    return out


def repair(w1, agents, contracts, temps, req, limit, seed) -> dict:
    """5 % of the agents working Wednesday-Friday sick on those days: repair vs re-solve."""
    days = [(WEEK + pd.Timedelta(days=d)).date() for d in (2, 3, 4)]
    working = sorted(set(w1.shifts.loc[w1.shifts["day"].isin(days), "agent_id"]))
    rng = np.random.default_rng(seed)
    n_sick = max(1, round(0.05 * len(agents)))
    sick = sorted(rng.choice(working, size=n_sick, replace=False))
    lost = int(w1.shifts[w1.shifts["agent_id"].isin(sick) & w1.shifts["day"].isin(days)].shape[0])
    t0 = time.perf_counter()
    rep = repair_roster(w1, [Absence(a, days) for a in sick], agents, contracts, temps, req,
                        time_limit_s=15.0, num_workers=2, replan="rest of week",
                        max_changes=3 * lost, change_cost=15.0)
    rep_s = time.perf_counter() - t0
    out = {"sick": len(sick), "lost": lost, "repair": rep, "repair_s": rep_s}
    sick_agents, sick_contracts = _sick_view(w1, agents, contracts, sick, days)
    t0 = time.perf_counter()
    full = build_roster(req, sick_agents, sick_contracts, temps, time_limit_s=limit,
                        num_workers=2)
    out["resolve_s"] = time.perf_counter() - t0
    out["resolve"] = full
    if rep.success:
        out["repair_breaches"] = roster_breaches(rep.shifts, sick_agents, sick_contracts,
                                                 week_start=WEEK)
    return out


def _sick_view(w1, agents, contracts, sick, days):
    """The team as the sickness leaves it: the sick agents on time off those days, their
    weekly minimums lowered by the hours and days the sickness takes (as the repair
    does), each on a contract of its own."""
    out_agents, out_contracts = [], dict(contracts)
    for a in agents:
        if a.id not in sick:
            out_agents.append(a)
            continue
        lost = w1.shifts[(w1.shifts["agent_id"] == a.id) & w1.shifts["day"].isin(days)]
        c = contracts[a.contract]
        mine = dataclasses.replace(
            c, name=f"{c.name} ({a.id} sick)",
            min_hours_week=max(0.0, c.min_hours_week - float(lost["paid_h"].sum())),
            min_days_week=max(0, c.min_days_week - len(lost)))
        out_contracts[mine.name] = mine
        out_agents.append(dataclasses.replace(
            a, contract=mine.name, time_off=tuple(sorted(set(a.time_off) | set(days)))))
    return out_agents, out_contracts


def averaged_contracts(contracts, weeks: int = 4):
    """The contracts with hours averaged over ``weeks`` weeks: the weekly hours from
    0.8x the old minimum to 1.2x the old maximum, and at most the old weekly maximum on
    average over the block.  (Working days stay: with a sixth day and no two days off
    in a row, week 2 of the 400-agent horizon found no roster in 60 s.)"""
    return {name: dataclasses.replace(
        c, min_hours_week=0.8 * c.min_hours_week, max_hours_week=1.2 * c.max_hours_week,
        hours_over_weeks=HoursOverWeeks(weeks, weeks * c.max_hours_week))
        for name, c in contracts.items()}


def horizon(agents, contracts, temps, req, limit, weeks: int, fairness: float | None = None
            ) -> dict:
    """The horizon case, chained and joint (see the module docstring); with
    ``fairness``, joint once more with evening and weekend fairness at that price."""
    frames = [req.assign(interval_start=req["interval_start"] + pd.Timedelta(weeks=k),
                         staff_needed=np.ceil(req["staff_needed"] * WEEK_FACTORS[k] - 1e-9))
              for k in range(weeks)]
    horizon_req = pd.concat(frames, ignore_index=True)
    avg = averaged_contracts(contracts)
    out = {}
    runs = [("chained", "chained", None), ("joint", "joint", None)]
    if fairness is not None:
        runs.append((f"joint, fairness at {fairness:g}", "joint",
                     {"evening fairness": fairness, "weekend fairness": fairness}))
    for label, mode, weights in runs:
        t0 = time.perf_counter()
        res = roster_horizon(horizon_req, agents, avg, temps, week_start=WEEK, weeks=weeks,
                             mode=mode, time_limit_s=limit, num_workers=2, weights=weights)
        wall = time.perf_counter() - t0
        row = {"weeks_solved": sum(r.success for r in res), "status": [r.status for r in res],
               "s_per_week": wall / len(res)}
        if row["weeks_solved"] == weeks:
            shifts = pd.concat([r.shifts for r in res], ignore_index=True)
            br = roster_breaches(shifts, agents, avg, week_start=WEEK, weeks=weeks)
            spread = rotation_spread(rotation_counts(shifts, agents, avg))
            row.update(breaches=br, spread=spread,
                       cost=sum(r.objective for r in res),
                       wages=float(shifts["cost"].sum()),
                       unmet_h=sum(_unmet_h(r) for r in res))
        out[label] = row
    return out


def _print_horizon(h: dict, weeks: int) -> None:
    for mode, row in h.items():
        if row["weeks_solved"] < weeks:
            print(f"{mode:<8}: only {row['weeks_solved']} of {weeks} weeks: {row['status']}")
            continue
        br = row["breaches"]
        kinds = br["rule"].value_counts().to_dict() if len(br) else {}
        print(f"{mode}: {weeks} weeks {row['status']}, {row['s_per_week']:.1f} s per week; "
              f"cost {row['cost']:,.0f} (wages {row['wages']:,.0f}, unmet "
              f"{row['unmet_h']:.2f} agent-h); independent check: {len(br)} rule breaks {kinds}, "
              f"{int((br['rule'] == 'hours over weeks').sum()) if len(br) else 0} "
              f"averaged-hours breaches")
        sp = row["spread"].set_index(["contract", "measure"])
        for (contract, measure), r in sp.iterrows():
            print(f"    {contract:<14} {measure:<12} mean {r['mean']:5.2f}  std {r['std']:4.2f}  "
                  f"range {r['min']:g}-{r['max']:g}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="80 agents, 20 s per week")
    ap.add_argument("--agents", type=int, default=None)
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repair-only", action="store_true",
                    help="week 1 and its repair only (no chained week 2)")
    ap.add_argument("--horizon", action="store_true",
                    help="the horizon case (chained vs joint) instead of the others")
    ap.add_argument("--weeks", type=int, default=4, help="weeks of the horizon case (2-6)")
    ap.add_argument("--fairness-weight", type=float, default=None,
                    help="horizon case: also joint with evening and weekend fairness at this price")
    args = ap.parse_args(argv)
    n = args.agents or (80 if args.quick else 400)
    limit = args.time_limit or (20.0 if args.quick else 60.0)
    agents, contracts, temps, req = instance(n, args.seed)
    print(f"instance: {n} agents, 3 queues, 672 intervals of 15 min, {limit:g} s per week")
    if args.horizon:
        if not 2 <= args.weeks <= len(WEEK_FACTORS):
            ap.error(f"--weeks {args.weeks}: 2 to {len(WEEK_FACTORS)}")
        print(f"horizon: {args.weeks} weeks, requirement x {WEEK_FACTORS[:args.weeks]}, "
              "hours averaged over 4 weeks")
        _print_horizon(horizon(agents, contracts, temps, req, limit, args.weeks,
                               args.fairness_weight), args.weeks)
        return
    if args.repair_only:
        t0 = time.perf_counter()
        c = {"week1": build_roster(req, agents, contracts, temps, time_limit_s=limit,
                                   num_workers=2)}
        c["week1_s"] = time.perf_counter() - t0
    else:
        c = chained(agents, contracts, temps, req, limit)
    print(f"week 1: {c['week1'].summary()} in {c['week1_s']:.1f} s")
    for label in () if args.repair_only else ("chained", "alone"):
        br = c[f"{label}_breaches"]
        kinds = br["rule"].value_counts().to_dict() if len(br) else {}
        print(f"week 2 {label:<8}: {c[f'{label}_status']} in {c[f'{label}_s']:.1f} s, "
              f"objective {c[f'{label}_objective']:,.0f}; independent check of both weeks: "
              f"{len(br)} rule breaks {kinds}")
    r = repair(c["week1"], agents, contracts, temps, req, limit, args.seed)
    rep, full = r["repair"], r["resolve"]
    print(f"repair: {r['sick']} agents sick Wed-Fri, {r['lost']} agent-days lost")
    if not rep.success:
        print(f"  repair failed in {r['repair_s']:.1f} s: {rep.message}")
        return
    changed = rep.stats["changed_agent_days"]
    print(f"  repair  : {rep.status} in {r['repair_s']:.1f} s, {changed} agent-days changed "
          f"({changed / max(r['lost'], 1):.2f}x the lost), unmet {_unmet_h(rep):.2f} agent-h, "
          f"independent check: {len(r['repair_breaches'])} rule breaks "
          f"{r['repair_breaches']['rule'].value_counts().to_dict()}")
    print(f"  soft rules: {rep.stats['soft_cost_before']:,.2f} as published, "
          f"{rep.stats['soft_cost_after']:,.2f} after the repair; {rep.stats['repaired_by']}")
    print(f"  re-solve: {full.status} in {r['resolve_s']:.1f} s, unmet {_unmet_h(full):.2f} agent-h")
    base = _unmet_h(full)
    print(f"  unmet after repair / after full re-solve: "
          f"{_unmet_h(rep) / base if base > 0 else float('nan'):.3f} "
          f"(unmet before the absences: {_unmet_h(c['week1']):.2f} agent-h)")


if __name__ == "__main__":
    main()
