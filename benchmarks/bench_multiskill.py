"""Multi-skill benchmark: shared agents against dedicated ones, on the same week.

Run ``python benchmarks/bench_multiskill.py`` (about 1.5 min on two cores) or ``--quick``
(shorter time limits, fewer replications).  Prints small tables; every ratio is
against a baseline measured in the same run.

1. Three queues, a week at 15 min (retail double hump, premium daytime, internet
   evening), about 150 agents on the phones at the peak with dedicated staffing,
   80/20 for every queue (no occupancy cap: 80/20 is the target), 8.5-h and 4-h
   shifts with breaks, no shrinkage, both plans solved to a 0.5 % gap.  Skill mix: single-skill groups unbounded, the
   three two-skill groups at most 35 % of the paid hours together, the all-skill group
   at most 15 %.  Baseline: each queue planned with its own dedicated agents
   (``plan_shifts`` without groups).  Both plans are simulated with routing by skill
   (5 replications, the same seed); a queue of the multi-skill plan that misses 80 %
   gets agents where it missed most and the week is planned again (at most two
   corrections).  Reported: cost of each, the saving, each queue's simulated SL.
2. The same week with one queue (retail only): the single-queue model against the
   skill-group model with one group; cost ratio (no regression: within 0.1 %).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from solver import plan_shifts  # noqa: E402
from wfm import multiskill as ms  # noqa: E402
from wfm.evaluate import evaluate  # noqa: E402
from wfm.staffing import requirements  # noqa: E402
from wfm.types import BreakRule, ServiceTarget, ShiftTemplate, SkillGroup  # noqa: E402

WEEK_START = pd.Timestamp("2024-03-04")  # a Monday
TARGET = ServiceTarget(service_level=0.8, answer_within_s=20, max_occupancy=1.0)
STEP_MIN = 15
QUEUES = ("retail", "premium", "internet")
#: calls per 15 min at the peak and AHT [s] of each queue
PEAK_CALLS = {"retail": 330.0, "premium": 130.0, "internet": 175.0}
AHT_S = {"retail": 200.0, "premium": 300.0, "internet": 240.0}
#: Relative gap at which both plans stop (the same for both)
GAP = 0.005


def three_queue_forecast(queues=QUEUES) -> pd.DataFrame:
    """A week of forecasts, open 06:00-23:00, quieter at the weekend."""
    n = 7 * 1440 // STEP_MIN
    h = (np.arange(n) * STEP_MIN % 1440) / 60 + STEP_MIN / 120
    day = np.arange(n) * STEP_MIN // 1440
    day_factor = np.array([1.0, 0.95, 0.92, 0.9, 0.88, 0.6, 0.45])[day]
    shapes = {
        "retail": np.exp(-0.5 * ((h - 10.5) / 1.8) ** 2) + 0.8 * np.exp(-0.5 * ((h - 15.5) / 2) ** 2),
        "premium": np.exp(-0.5 * ((h - 11.5) / 2.5) ** 2),
        "internet": np.exp(-0.5 * ((h - 19) / 2.2) ** 2) + 0.5 * np.exp(-0.5 * ((h - 13) / 2) ** 2),
    }
    open_ = (h >= 6) & (h < 23)
    times = WEEK_START + pd.to_timedelta(np.arange(n) * STEP_MIN, unit="min")
    rows = []
    for q in queues:
        s = shapes[q] + 0.03
        calls = s / s.max() * PEAK_CALLS[q] * day_factor * open_
        rows.append(pd.DataFrame({"queue": q, "interval_start": times, "calls": calls,
                                  "aht_s": AHT_S[q]}))
    return pd.concat(rows, ignore_index=True)


def templates():
    return [
        ShiftTemplate("full 8h", length_min=510, earliest_start_min=360, latest_start_min=900,
                      start_step_min=30, cost_per_hour=22.0,
                      breaks=(BreakRule("break 1", 15, 90, 150, paid=True),
                              BreakRule("lunch", 30, 210, 300, paid=False),
                              BreakRule("break 2", 15, 360, 420, paid=True))),
        ShiftTemplate("part 4h", length_min=240, earliest_start_min=360, latest_start_min=1140,
                      start_step_min=30, cost_per_hour=20.0,
                      breaks=(BreakRule("break", 15, 90, 150, paid=True),)),
    ]


def skill_groups():
    """50 % single-skill (what the others leave), 35 % two skills, 15 % all three."""
    r, p, i = QUEUES
    return [SkillGroup(q, frozenset([q])) for q in QUEUES] + [
        SkillGroup(f"{r}+{p}", frozenset({r, p}), 0.15),
        SkillGroup(f"{r}+{i}", frozenset({r, i}), 0.12),
        SkillGroup(f"{p}+{i}", frozenset({p, i}), 0.08),
        SkillGroup("all", frozenset(QUEUES), 0.15),
    ]


def _sim(plan, fc, groups, reps, seed):
    ev = evaluate(plan, fc, TARGET, replications=reps, rng=seed, skill_groups=groups)
    return ev


def bench_three_queues(quick: bool):
    limit = 30 if quick else 120
    reps = 3 if quick else 5
    fc = three_queue_forecast()
    req = requirements(fc, TARGET, 0.0)
    peak = req.groupby("interval_start")["agents_needed"].sum().max()
    print(f"1. three queues: {len(fc) // len(QUEUES)} intervals, peak {peak:.0f} agents on the "
          "phones (dedicated Erlang C, 80/20)")
    t0 = time.perf_counter()
    ded = plan_shifts(req, templates(), week_start=WEEK_START, time_limit_s=limit,
                      num_workers=2, relative_gap=GAP)
    t_ded = time.perf_counter() - t0
    ev_ded = _sim(ded, fc, None, reps, 7)
    groups = skill_groups()
    pooled = ms.pooled_requirements(fc, groups, TARGET, 0.0)
    goals = {q: TARGET.service_level for q in QUEUES}
    work = req
    rounds = []
    for k in range(3):
        t0 = time.perf_counter()
        mul = plan_shifts(work, templates(), week_start=WEEK_START, time_limit_s=limit,
                          num_workers=2, skill_groups=groups, pooled_requirements=pooled,
                          relative_gap=GAP)
        t_mul = time.perf_counter() - t0
        ev_mul = _sim(mul, fc, groups, reps, 7)
        sl = ev_mul.queues.set_index("queue")["sim_service_level"]
        rounds.append((k, mul.stats["cost"], t_mul, mul.gap, sl.min()))
        if (sl >= TARGET.service_level).all() or k == 2:
            break
        work, raised = ms.raise_where_missed(work, ev_mul.simulation.intervals, goals)
    print(f"   {'plan':<12} {'status':<9} {'cost':>10} {'gap':>6} {'time s':>7}   simulated SL "
          "per queue (Erlang on its share / on its pool)")
    for name, plan, ev, t in (("dedicated", ded, ev_ded, t_ded), ("multi-skill", mul, ev_mul, t_mul)):
        qs = ev.queues.set_index("queue")
        per = "  ".join(f"{q} {qs.loc[q, 'sim_service_level']:.3f} ({qs.loc[q, 'service_level']:.3f}"
                        f" / {qs.loc[q, 'pool_service_level']:.3f})" for q in QUEUES)
        print(f"   {name:<12} {plan.status:<9} {plan.stats['cost']:>10,.0f} {plan.gap:>6.2%} "
              f"{t:>7.1f}   {per}")
    for k, cost, t, gap, worst in rounds:
        print(f"   round {k + 1}: cost {cost:,.0f}, gap {gap:.2%}, {t:.0f} s, lowest queue SL "
              f"{worst:.3f}")
    mix = mul.stats["groups"]
    by_skills = {}
    for g in groups:
        by_skills[len(g.queues)] = by_skills.get(len(g.queues), 0.0) + mix[g.name]["share"]
    print("   paid-hour mix of the multi-skill plan: "
          + ", ".join(f"{n} skill(s) {s:.1%}" for n, s in sorted(by_skills.items())))
    saving = 1 - mul.stats["cost"] / ded.stats["cost"]
    met = bool((ev_mul.queues["sim_service_level"] >= TARGET.service_level - 0.01).all())
    print(f"   multi-skill / dedicated cost = {mul.stats['cost'] / ded.stats['cost']:.3f} "
          f"(saving {saving:.1%}; goal >= 5 %), every queue's simulated SL >= 0.79: {met}")
    return saving, met


def bench_single_queue(quick: bool):
    limit = 20 if quick else 60
    fc = three_queue_forecast(("retail",))
    req = requirements(fc, TARGET, 0.0)
    t0 = time.perf_counter()
    base = plan_shifts(req, templates(), week_start=WEEK_START, time_limit_s=limit, num_workers=2)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    one = plan_shifts(req, templates(), week_start=WEEK_START, time_limit_s=limit, num_workers=2,
                      skill_groups=[SkillGroup("retail", frozenset({"retail"}))])
    t_one = time.perf_counter() - t0
    ratio = one.stats["cost"] / base.stats["cost"]
    same = (base.shifts[["template", "start"]].sort_values(["start", "template"]).to_numpy().tolist()
            == one.shifts[["template", "start"]].sort_values(["start", "template"]).to_numpy().tolist())
    print("2. one queue: single-queue model against one skill group")
    print(f"   single-queue model: {base.status}, cost {base.stats['cost']:,.0f}, gap {base.gap:.2%}, "
          f"{t_base:.1f} s")
    print(f"   one skill group:    {one.status}, cost {one.stats['cost']:,.0f}, gap {one.gap:.2%}, "
          f"{t_one:.1f} s")
    print(f"   cost ratio {ratio:.4f} (goal within 0.1 %), same shifts: {same}")
    return ratio


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short time limits, for a smoke run")
    ap.add_argument("--only", type=int, choices=(1, 2), help="run one benchmark")
    args = ap.parse_args(argv)
    if args.only in (None, 1):
        bench_three_queues(args.quick)
    if args.only in (None, 2):
        bench_single_queue(args.quick)


if __name__ == "__main__":
    main()
