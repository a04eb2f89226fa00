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

Run ``python benchmarks/bench_weeks.py`` (400 agents, 60 s per week) or ``--quick``
(80 agents, 20 s).
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
from wfm.changes import Absence  # noqa: E402
from wfm.roster_check import roster_breaches  # noqa: E402


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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="80 agents, 20 s per week")
    ap.add_argument("--agents", type=int, default=None)
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repair-only", action="store_true",
                    help="week 1 and its repair only (no chained week 2)")
    args = ap.parse_args(argv)
    n = args.agents or (80 if args.quick else 400)
    limit = args.time_limit or (20.0 if args.quick else 60.0)
    agents, contracts, temps, req = instance(n, args.seed)
    print(f"instance: {n} agents, 3 queues, 672 intervals of 15 min, {limit:g} s per week")
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
