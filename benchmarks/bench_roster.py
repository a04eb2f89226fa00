"""Benchmark of named-agent rostering (``solver.build_roster``).

Instance: a synthetic population (``wfm.agents.make_agents``: full and part time, 10 %
with limited availability, 5 teams with leads, 3 skills) and a week of requirements at
15 min for 3 queues (double-hump weekdays, lighter weekends, centre open 07:00-23:00),
scaled so that the anonymous plan needs about the agents' contractual hours.  Three
shift templates (8 h with two paid 15-min breaks and an unpaid 30-min lunch, 6 h and
4 h part-time shifts), starts every 15 min.

Reported, in the same run:

* the anonymous shift-plan lower bound: the LP relaxation of the same shift-covering
  problem with implicit breaks (``solver.roster.lp.lp_bound``), priced like the
  roster.  It knows nothing of the meetings; with them, a second anonymous bound is
  also reported: the same LP with each meeting's members attending (off the phones
  for its hour, at any of its slots) or absent at the absence price, still without
  the contracts (``anonymous LP + meetings``).  Both gaps are printed;
* a greedy baseline: the LP plan rounded, its shifts handed in time order to the legal
  agent who most needs hours, then topped up to contract minimums, breaks placed by the
  same break pass;
* ``build_roster``: time, cost, its own bound and gap, the gap to the anonymous bound,
  and the ratio of its cost to the greedy cost.

Run ``python benchmarks/bench_roster.py`` (400 agents, 60 s limit) or ``--quick``
(80 agents, 20 s).  ``--scale 100,400,1000,2000`` (limit ``--time-limit``, 180 s by
default) reports per team size the time to the first roster that keeps every rule,
the wall time, and the gaps to the roster's own bound and to the anonymous LP bound.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from solver.roster.best_response import _local_search  # noqa: E402
from solver.roster.break_placement import _place_breaks  # noqa: E402
from solver.roster.build import build_roster  # noqa: E402
from solver.roster.lp import lp_bound, round_plan  # noqa: E402
from solver.roster.meetings import _compatible, _meeting_members, _meeting_slots  # noqa: E402
from solver.roster.plan_bounds import _cheapest_rates, _meeting_rows  # noqa: E402
from solver.roster.problem import _candidates, _prepare  # noqa: E402
from solver.roster.scoring import Scoring  # noqa: E402
from wfm.agents import make_agents  # noqa: E402
from wfm.types import Activity, BreakRule, ServiceTarget, ShiftTemplate  # noqa: E402

WEEK = pd.Timestamp("2024-03-04")  # a Monday
QUEUES = ("sales", "support", "billing")
SHARES = (0.5, 0.3, 0.2)


def templates() -> list[ShiftTemplate]:
    b1 = BreakRule("break", 15, 90, 180)
    lunch = BreakRule("lunch", 30, 210, 300, paid=False, min_gap_min=30)
    b2 = BreakRule("break", 15, 330, 420, min_gap_min=30)
    return [
        ShiftTemplate("8h", 480, 7 * 60, 15 * 60, 15, breaks=(b1, lunch, b2), cost_per_hour=20),
        ShiftTemplate(
            "6h",
            360,
            7 * 60,
            17 * 60,
            15,
            breaks=(BreakRule("break", 15, 90, 150), BreakRule("lunch", 30, 180, 270, paid=False)),
            cost_per_hour=20,
        ),
        ShiftTemplate(
            "4h", 240, 7 * 60, 19 * 60, 15, breaks=(BreakRule("break", 15, 90, 150),), cost_per_hour=20
        ),
    ]


def profile() -> np.ndarray:
    """Relative load per 15-min interval of the week (double hump, open 07:00-23:00)."""
    h = np.arange(96) / 4 + 0.125
    day = np.exp(-((h - 10.5) ** 2) / 4.5) + 0.8 * np.exp(-((h - 15) ** 2) / 6)
    day += 0.35 * np.exp(-((h - 20) ** 2) / 3)
    day = np.where((h >= 7) & (h < 23), day + 0.15, 0.0)
    week = [day * f for f in (1.0, 0.95, 0.9, 0.9, 0.95, 0.55, 0.4)]
    return np.concatenate(week)


def requirements(scale: float) -> pd.DataFrame:
    base = profile()
    idx = pd.date_range(WEEK, periods=len(base), freq="15min")
    frames = []
    for q, share in zip(QUEUES, SHARES, strict=True):
        need = np.ceil(base * scale * share - 1e-9)
        need = np.where(base > 0, np.maximum(need, 1), 0)
        frames.append(pd.DataFrame({"queue": q, "interval_start": idx, "staff_needed": need}))
    return pd.concat(frames, ignore_index=True)


def instance(n: int, seed: int):
    """(agents, contracts, templates, requirement) of the benchmark for ``n`` agents."""
    agents, contracts = make_agents(n, seed, week_start=WEEK, time_off_share=0.03,
                                    lead_share=0.10)
    temps = templates()
    req, _ = calibrate(agents, contracts, temps)
    return agents, contracts, temps, req


def calibrate(agents, contracts, temps) -> tuple[pd.DataFrame, float]:
    """Scale the requirement so that the anonymous LP pays about the contract minimums."""
    target_h = 1.0 * sum(contracts[a.contract].min_hours_week for a in agents)
    scale = 30.0
    for _ in range(4):
        req = requirements(scale)
        p = _prepare(req, agents, contracts, temps, [], None, None, None, "staff_needed",
                       ServiceTarget())
        cost = np.array([20 * o.weighted_paid_h for o in p.options])
        lp = lp_bound(p.options, p.week, p.req_units.sum(axis=0), cost,
                      p.weights["unmet requirement"] * p.week.unit_min / 60)
        hours = float(sum(c * o.paid_h for c, o in zip(lp.counts, p.options, strict=True)))
        scale *= target_h / hours
    return requirements(scale), scale


def greedy_baseline(req, agents, contracts, temps, activities):
    """One greedy pass: agents one at a time take their best legal week against what is
    left of the requirement (leads first); meetings at the slot most members can attend;
    breaks placed by the roster's break pass."""
    t0 = time.perf_counter()
    p = _prepare(req, agents, contracts, temps, activities, None, None, None, "staff_needed",
                   ServiceTarget())
    price = p.weights["unmet requirement"] * p.week.unit_min / 60
    cost = np.array([20 * o.weighted_paid_h for o in p.options])
    lp = lp_bound(p.options, p.week, p.req_units.sum(axis=0), cost, price)
    plan = round_plan(lp.counts)
    _candidates(p, set(plan))
    assign, _ = _local_search(p, plan, 1e9, rounds=1)
    mt, absent = {}, 0
    for act in activities:
        members = _meeting_members(p, act)
        slots = _meeting_slots(p, act)
        best = max(
            slots,
            key=lambda s: sum(
                any(_compatible(p.options[i], *s) for i in assign[ai].values()) for ai in members
            ),
        )
        for ai in members:
            if any(_compatible(p.options[i], *best) for i in assign[ai].values()):
                mt[ai] = best
            else:
                absent += 1
    p2 = _place_breaks(p, assign, mt, 15.0, 2)
    wages = sum(p.shift_cost(ai, p.options[i]) for ai, d in enumerate(assign) for i in d.values())
    short_h = sum(p2.short_units.values()) * p.week.unit_min / 60
    soft = Scoring(p, plan).soft_total(assign)
    total_cost = (wages + short_h * p.weights["unmet requirement"]
                  + absent * p.weights["meeting absence"] + soft)
    return {
        "cost": total_cost,
        "soft": soft,
        "wages": wages,
        "short_h": short_h,
        "absent": absent,
        "time_s": time.perf_counter() - t0,
    }


def anonymous_with_meetings(req, agents, contracts, temps, activities) -> float:
    """The anonymous LP bound with the meetings' rows (no contract cuts): each member
    attends, off the phones for the meeting's hour, or is absent at its price."""
    p = _prepare(req, agents, contracts, temps, activities, None, None, None, "staff_needed",
                 ServiceTarget())
    _, option_cost = _cheapest_rates(p)
    return lp_bound(p.options, p.week, p.req_units.sum(axis=0), option_cost,
                    p.weights["unmet requirement"] * p.week.unit_min / 60,
                    meetings=_meeting_rows(p) or None).value


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="80 agents, 20 s limit")
    ap.add_argument("--agents", type=int, default=None)
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--no-meetings", action="store_true", help="leave out the team meetings")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", default=None,
                    help="comma-separated team sizes: time to feasible and gap per size")
    args = ap.parse_args(argv)
    if args.scale:
        scale_curve([int(n) for n in args.scale.split(",")], args.time_limit or 180.0,
                    args.seed, not args.no_meetings)
        return
    n = args.agents or (80 if args.quick else 400)
    limit = args.time_limit or (20.0 if args.quick else 60.0)
    agents, contracts, temps, req = instance(n, args.seed)
    teams = sorted({a.team for a in agents})
    activities = [] if args.no_meetings else [Activity(f"{t} meeting", 60, team=t) for t in teams]
    print(f"instance: {n} agents ({sum(a.is_lead for a in agents)} leads, "
          f"{sum(bool(a.availability) for a in agents)} limited availability, "
          f"{sum(bool(a.time_off) for a in agents)} with time off), {len(teams)} teams, "
          f"3 queues, 672 intervals of 15 min, peak {req.groupby('interval_start')['staff_needed'].sum().max():.0f} "
          f"agents, {len(activities)} team meetings")
    g = greedy_baseline(req, agents, contracts, temps, activities)
    t0 = time.perf_counter()
    res = build_roster(req, agents, contracts, temps, activities=activities,
                         time_limit_s=limit, num_workers=2)
    wall = time.perf_counter() - t0
    lp = res.stats.get("lp_bound", float("nan"))
    rows = [
        ("anonymous LP bound", lp, "", "", ""),
        ("greedy baseline", g["cost"], f"{g['time_s']:.1f}", f"{(g['cost'] - lp) / g['cost']:.2%}",
         "1.000"),
        ("build_roster", res.objective, f"{wall:.1f}", f"{(res.objective - lp) / res.objective:.2%}",
         f"{res.objective / g['cost']:.3f}"),
    ]
    if activities:
        lpm = anonymous_with_meetings(req, agents, contracts, temps, activities)
        rows.insert(1, ("anonymous LP + meetings", lpm, "", "", ""))
    print(f"{'method':<24}{'cost':>12}{'time s':>9}{'gap to LP':>11}{'vs greedy':>11}")
    for name, cost, t, gap, ratio in rows:
        print(f"{name:<24}{cost:>12,.0f}{t:>9}{gap:>11}{ratio:>11}")
    if activities:
        print(f"  gap to the anonymous LP + meetings {(res.objective - lpm) / res.objective:.2%} "
              f"(greedy {(g['cost'] - lpm) / g['cost']:.2%})")
    print(f"build_roster: {res.summary()}")
    pass1 = str(res.stats.get("pass1_status"))
    if "pass1_wall_s" in res.stats:
        pass1 += f" in {res.stats['pass1_wall_s']:.1f} s, {res.stats.get('variables')} variables"
    print(f"  own bound {res.bound:,.0f} (gap {res.gap:.2%}); wages {res.stats.get('wages', 0):,.0f}, "
          f"penalties {res.stats.get('penalty_cost', 0):,.0f}; pass 1 {pass1}; pass 2 "
          f"{res.stats.get('pass2_wall_s', 0):.1f} s")
    if len(res.penalties):
        by_rule = res.penalties.groupby("rule")[["amount", "cost"]].sum()
        print(by_rule.to_string())
        # the terms the anonymous bound prices, apart from the soft rules it cannot see
        unmet = float(by_rule["cost"].get("unmet requirement", 0.0))
        labour = res.stats.get("wages", 0) + unmet
        print(f"  wages + unmet requirement {labour:,.0f} (gap to LP {(labour - lp) / labour:.2%}); "
              f"soft rules and meetings {res.objective - labour:,.0f}")
    print(f"greedy: wages {g['wages']:,.0f}, short {g['short_h']:.1f} agent-h, "
          f"{g['absent']} meeting absences, soft rules {g['soft']:,.0f}")


def scale_curve(sizes: list[int], limit: float, seed: int, meetings: bool) -> None:
    """Per team size: the time to the first roster that keeps every rule, the wall
    time, and the gaps to the roster's own bound and to the anonymous LP bound."""
    print(f"{'agents':>7}{'feasible s':>12}{'wall s':>9}{'cost':>12}{'own bound':>12}"
          f"{'gap':>8}{'gap to LP':>11}  status")
    for n in sizes:
        agents, contracts, temps, req = instance(n, seed)
        teams = sorted({a.team for a in agents})
        acts = [Activity(f"{t} meeting", 60, team=t) for t in teams] if meetings else []
        t0 = time.perf_counter()
        res = build_roster(req, agents, contracts, temps, activities=acts, time_limit_s=limit,
                           num_workers=2)
        wall = time.perf_counter() - t0
        lp = res.stats.get("lp_bound", float("nan"))
        feas = res.stats.get("t_feasible_s", float("nan"))
        if res.success:
            print(f"{n:>7}{feas:>12.1f}{wall:>9.1f}{res.objective:>12,.0f}{res.bound:>12,.0f}"
                  f"{res.gap:>8.2%}{(res.objective - lp) / res.objective:>11.2%}  {res.status}")
        else:
            print(f"{n:>7}{'-':>12}{wall:>9.1f}{'-':>12}{'-':>12}{'-':>8}{'-':>11}  "
                  f"{res.status}: {res.message[:60]}")


if __name__ == "__main__":
    main()
