"""Pipeline benchmark: the stages of ``wfm demo`` and a service-level sweep.

Run ``python benchmarks/bench_pipeline.py`` (about 2 min on two cores: the demo
scenario's own time limits, 10 s per shift plan and 40 s for the roster; ``--multiskill``
for the three-queue demo, 30 s per shift plan) or
``--quick`` (shift plan 5 s, roster 10 s, one simulation replication; under a
minute).  Prints two tables; every ratio is against a baseline measured in the same
run.

1. ``wfm demo``'s pipeline on ``data/demo_scenario.yaml`` (or the multi-skill demo,
   with each queue's simulated service level against its target): wall time of each stage
   (data, forecast, requirements, shift plan, roster, evaluation, costs) and of the
   whole run, each stage's share of the whole, and the solver statuses and gaps.  A
   roster that finds no solution or stops at its time limit is printed as such; when
   the roster fails, evaluation and costs are timed on the shift plan instead.
2. A sweep of 3 service-level targets (shift plans, Erlang only: ``wfm sweep``'s
   defaults) on a process pool of 2 against the same 3 points run one after another
   in this process (the baseline); the speed-up is serial time / pool time.  A third
   line gives the pool the forecast frame of the serial run, so no point forecasts.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wfm.errors import SolveError  # noqa: E402
from wfm.pipeline import STAGES, run_plan  # noqa: E402
from wfm.scenarios import load_scenario  # noqa: E402
from wfm.sweeps import run_point, sweep  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo_scenario.yaml"
MULTISKILL = DEMO.with_name("demo_multiskill.yaml")
#: Stage keys of ``PlanResult.timings`` and their row names.
ROWS = (("data", "data (read history)"), ("forecast", "forecast"),
        ("requirements", "requirements"), ("shifts", "shift plan"), ("roster", "roster"),
        ("evaluate", "evaluation"), ("costs", "costs"))
SWEEP_TARGETS = (0.75, 0.85, 0.95)
SWEEP_STAGES = ("forecast", "requirements", "shifts", "evaluate")


def quick_settings(scenario):
    """Shorter time limits and one simulation replication."""
    return dataclasses.replace(
        scenario,
        solver=dataclasses.replace(scenario.solver, plan_time_limit_s=5.0, roster_time_limit_s=10.0),
        simulation=dataclasses.replace(scenario.simulation, replications=1),
    )


def solve_note(result, limit_s: float | None) -> str:
    """Status, gap and wall time of a SolveResult, saying when the time limit was hit."""
    if result is None:
        return "not run"
    text = result.status
    if result.success:
        text += f", gap {result.gap:.1%}" if np.isfinite(result.gap) else ", gap n/a"
    text += f", {result.wall_time_s:.1f} s"
    if limit_s is not None:
        text += f" of {limit_s:g} s limit"
        if "time limit" in (result.message or ""):
            text += " (STOPPED BY THE TIME LIMIT)"
        elif result.status == "FEASIBLE" and result.wall_time_s >= 0.8 * limit_s:
            text += " (stopped near the limit, not proven optimal)"
    return text


def bench_demo(scenario) -> list[str]:
    """Time the demo pipeline; return the printed lines."""
    lines = []
    t0 = time.perf_counter()
    failure = None
    try:
        out = run_plan(scenario)
    except SolveError as exc:  # the roster (or plan) found nothing: time what was done
        failure = str(exc)
        out = exc.partial
    total = time.perf_counter() - t0
    timings = dict(out.timings)
    s = scenario.solver
    weeks = scenario.horizon.weeks
    notes = {}
    if failure is None:
        notes["shifts"] = solve_note(out.shift_plan, s.plan_time_limit_s * weeks)
        notes["roster"] = solve_note(out.roster, s.roster_time_limit_s * weeks)
        sim = scenario.simulation
        notes["evaluate"] = (f"Erlang + {sim.replications} simulation replications"
                             if sim.enabled else "Erlang only")
    else:
        last = out.weeks[-1]
        if last["roster"] is None:
            notes["shifts"] = "FAILED: " + solve_note(last["shift_plan"], s.plan_time_limit_s)
            notes["roster"] = "not run (the shift plan failed)"
        else:
            notes["shifts"] = solve_note(last["shift_plan"], s.plan_time_limit_s)
            notes["roster"] = "FAILED: " + solve_note(last["roster"], s.roster_time_limit_s)
        lines.append(f"   {failure}")
    report = None if out.forecast is None else out.forecast.attrs.get("report")
    if report is not None:
        notes["forecast"] = "models: " + ", ".join(f"{q.queue}={q.model}" for q in report.queues)
    if out.roster is not None:
        plan, ros = out.shift_plan.shifts, out.roster.shifts
        notes["roster"] += (f"; {len(ros)} of {len(plan)} planned shifts rostered, "
                            f"{ros['paid_h'].sum():,.0f} of {plan['paid_h'].sum():,.0f} paid h")
    name = Path(scenario.source).name if scenario.source else DEMO.name
    lines.insert(0, f"1. wfm demo pipeline on {name} "
                 f"({scenario.horizon.weeks} week, {len(scenario.templates)} templates)")
    lines.append(f"   {'stage':<20} {'wall s':>8} {'share':>7}  solver status / notes")
    for key, name in ROWS:
        if key in timings:
            lines.append(f"   {name:<20} {timings[key]:>8.2f} {timings[key] / total:>7.1%}  "
                         f"{notes.get(key, '')}")
        else:
            lines.append(f"   {name:<20} {'-':>8} {'':>7}  {notes.get(key, 'not run')}")
    other = total - sum(timings.values())
    lines.append(f"   {'(other)':<20} {other:>8.2f} {other / total:>7.1%}")
    lines.append(f"   {'whole run':<20} {total:>8.2f} {1:>7.0%}  "
                 + ("completed" if failure is None else "stopped by the failed solve"))
    if failure is None:
        k = out.kpis
        lines.append(f"   result: weekly cost {k['weekly_cost']:,.0f} {scenario.costs.currency}, "
                     f"{k['fte']:.1f} FTE, service level {k['service_level_erlang']:.1%} (Erlang) "
                     f"/ {k['service_level_sim']:.1%} (simulated) against a target of "
                     f"{scenario.target.service_level:.0%}")
        queues = out.evaluation.queues if out.evaluation is not None else None
        if queues is not None:  # several queues: each against its own target
            for row in queues.itertuples():
                goal = scenario.queue_target(row.queue).service_level
                lines.append(f"   queue {row.queue}: simulated {row.sim_service_level:.3f}, "
                             f"Erlang {row.service_level:.3f}, target {goal:.2f}"
                             f" ({'met' if row.sim_service_level >= goal - 0.01 else 'MISSED'}"
                             " within 0.01)")
    elif out.weeks[-1]["roster"] is not None:
        # the roster failed: time evaluation and costs on the shift plan instead
        t1 = time.perf_counter()
        plan_only = run_plan(scenario, stages=tuple(x for x in STAGES if x != "roster"))
        lines.append(f"   without roster: whole run {time.perf_counter() - t1:.2f} s; "
                     f"evaluation {plan_only.timings['evaluate']:.2f} s, "
                     f"costs {plan_only.timings['costs']:.3f} s; shift plan "
                     + solve_note(plan_only.shift_plan, s.plan_time_limit_s))
    return lines


def bench_sweep(scenario) -> list[str]:
    """3 service-level points: process pool of 2 against serial in this process."""
    base = dataclasses.replace(
        scenario, simulation=dataclasses.replace(scenario.simulation, enabled=False))
    points = [{"service_level": t} for t in SWEEP_TARGETS]

    t0 = time.perf_counter()
    serial = [run_point(base, p, SWEEP_STAGES, 1) for p in points]
    t_serial = time.perf_counter() - t0

    t0 = time.perf_counter()
    pooled = sweep(base, points, stages=SWEEP_STAGES, max_workers=2, solver_workers=1)
    t_pool = time.perf_counter() - t0

    forecast = run_plan(base, stages=("forecast",)).forecast  # the horizon's forecast, reused
    t0 = time.perf_counter()
    given = sweep(base, points, stages=SWEEP_STAGES, max_workers=2, solver_workers=1,
                  forecast=forecast)
    t_given = time.perf_counter() - t0

    lines = [f"2. service-level sweep, {len(points)} points "
             f"({', '.join(f'{t:.0%}' for t in SWEEP_TARGETS)}), shift plans with 1 solver "
             f"thread each, {base.solver.plan_time_limit_s:g} s limit, Erlang only"]
    lines.append(f"   {'run':<34} {'wall s':>8} {'speed-up':>9}")
    lines.append(f"   {'serial, this process (baseline)':<34} {t_serial:>8.2f} {1:>9.2f}")
    lines.append(f"   {'process pool of 2':<34} {t_pool:>8.2f} {t_serial / t_pool:>9.2f}")
    lines.append(f"   {'process pool of 2, forecast given':<34} {t_given:>8.2f} "
                 f"{t_serial / t_given:>9.2f}")
    rounds = math.ceil(len(points) / 2)
    lines.append(f"   (best possible speed-up for {len(points)} equal points on 2 processes: "
                 f"{len(points) / rounds:.2f}, {rounds} rounds; the last line also skips the "
                 "forecast of each point)")
    lines.append(f"   {'target':<7} {'status (gap) serial':<22} {'pool':<15} {'given':<15} "
                 f"{'cost serial':>11} {'pool':>8} {'given':>8} {'SL Erlang':>9}")

    def status(row):
        if row.get("status") == "ERROR":
            return "ERROR"
        return f"{row['status']} ({row['plan_gap']:.1%})"

    for t, a, (_, b), (_, c) in zip(SWEEP_TARGETS, serial, pooled.iterrows(), given.iterrows(),
                                    strict=True):
        lines.append(f"   {t:<7.0%} {status(a):<22} {status(b):<15} {status(c):<15} "
                     f"{a.get('weekly_cost', math.nan):>11,.0f} {b['weekly_cost']:>8,.0f} "
                     f"{c['weekly_cost']:>8,.0f} {a.get('service_level_erlang', math.nan):>9.1%}")
        for row in (a, b, c):
            if row.get("status") == "ERROR":
                lines.append(f"      ERROR: {row['error'].splitlines()[0]}")
    lines.append("   (plans stopped by the time limit can differ between runs: the pool gives "
                 "each solve less CPU when the machine is busy)")
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="shift plan 5 s, roster 10 s, one simulation replication")
    parser.add_argument("--only", type=int, choices=(1, 2), help="run one benchmark")
    parser.add_argument("--multiskill", action="store_true",
                        help="the three-queue demo with skill groups (data/demo_multiskill.yaml)")
    args = parser.parse_args(argv)

    scenario = load_scenario(MULTISKILL if args.multiskill else DEMO)
    if args.quick:
        scenario = quick_settings(scenario)
    s = scenario.solver
    print(f"settings: shift plan limit {s.plan_time_limit_s:g} s, roster limit "
          f"{s.roster_time_limit_s:g} s, {s.num_workers} solver threads, "
          f"{scenario.simulation.replications} simulation replications"
          + (" (--quick)" if args.quick else ""))
    print()
    if args.only in (None, 1):
        print("\n".join(bench_demo(scenario)))
        print()
    if args.only in (None, 2):
        print("\n".join(bench_sweep(scenario)))


if __name__ == "__main__":
    main()
