"""Speed of the simulator: a week of ~250,000 calls with a peak of ~150 agents, and
calls per second against Ciw on a smaller day, measured in the same run.

Run: ``python benchmarks/bench_simulate.py``.  Prints one table; timings are wall-clock
medians on this machine, the ratio is what to compare across machines.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd

from wfm import erlang
from wfm.simulate import simulate

WEEK_START = pd.Timestamp("2024-01-01")
AHT_S = 120.0
PATIENCE_S = 300.0


def week_instance(total_calls=250_000, interval_min=30):
    """A 24/7 week: a daily profile peaking at noon, quieter weekends, and a greedy roster
    of 8-hour shifts (15-min break, 30-min lunch, 15-min break) covering Erlang C needs."""
    n = 7 * 24 * 60 // interval_min
    idx = pd.date_range(WEEK_START, periods=n, freq=f"{interval_min}min")
    hour = (idx.hour + idx.minute / 60).to_numpy()
    profile = 0.15 + np.exp(-0.5 * ((hour - 12.5) / 3.5) ** 2)
    profile = profile * np.where(idx.weekday >= 5, 0.6, 1.0)
    calls = total_calls * profile / profile.sum()
    fc = pd.DataFrame({"queue": "default", "interval_start": idx, "calls": calls, "aht_s": AHT_S})
    traffic = calls * AHT_S / (interval_min * 60)
    need = erlang.agents_for_service_level(traffic, AHT_S, 0.8, 20.0) / 0.9  # breaks
    need = np.ceil(need).astype(int)
    per_shift = 8 * 60 // interval_min
    on = np.zeros(n + per_shift, int)
    shifts, breaks = [], []
    for k in range(n):
        add = max(0, need[k] - on[k])
        on[k : k + per_shift] += add
        for j in range(add):
            sid = f"s{k}_{j}"
            start = idx[k]
            shifts.append((sid, start, start + pd.Timedelta(hours=8)))
            off = (j % 4) * 15
            for b_at, b_len in ((120 + off, 15), (240 + off, 30), (360 + off, 15)):
                b0 = start + pd.Timedelta(minutes=b_at)
                breaks.append((sid, b0, b0 + pd.Timedelta(minutes=b_len)))
    shifts = pd.DataFrame(shifts, columns=["shift_id", "start", "end"])
    breaks = pd.DataFrame(breaks, columns=["shift_id", "start", "end"])
    return shifts, breaks, fc, int(on[:n].max())


def small_day():
    """A 6-hour day at about 10 agents: small enough for Ciw."""
    calls = np.array([60, 90, 120, 140, 150, 140, 120, 100, 80, 70, 60, 50], float)
    staff = np.array([8, 10, 12, 13, 14, 13, 12, 10, 9, 8, 7, 6])
    idx = pd.date_range(WEEK_START, periods=calls.size, freq="30min")
    fc = pd.DataFrame({"interval_start": idx, "calls": calls, "aht_s": AHT_S})
    rows = [(f"i{i}a{k}", idx[i], idx[i] + pd.Timedelta("30min")) for i, s in enumerate(staff)
            for k in range(s)]
    return pd.DataFrame(rows, columns=["shift_id", "start", "end"]), fc, calls, staff


def run_ciw(calls, staff, seed):
    import ciw

    ends = 1800.0 * np.arange(1, calls.size + 1)
    sigma2 = np.log1p(1.1**2)
    net = ciw.create_network(
        arrival_distributions=[ciw.dists.PoissonIntervals(
            rates=list(calls / 1800.0), endpoints=list(ends), max_sample_date=float(ends[-1]))],
        service_distributions=[ciw.dists.Lognormal(np.log(AHT_S) - sigma2 / 2, np.sqrt(sigma2))],
        number_of_servers=[ciw.Schedule(numbers_of_servers=[int(s) for s in staff] + [0],
                                        shift_end_dates=list(ends) + [ends[-1] + 50_000.0])],
        reneging_time_distributions=[ciw.dists.Exponential(1.0 / PATIENCE_S)],
    )
    ciw.seed(seed)
    q = ciw.Simulation(net)
    q.simulate_until_max_time(ends[-1] + 40_000.0)
    return len(q.get_all_records())


def timed(fn, repeat):
    out, times = None, []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, statistics.median(times)


def main():
    rows = []
    t = time.perf_counter()
    shifts, breaks, fc, peak = week_instance()
    build_s = time.perf_counter() - t
    # first call compiles (or loads the numba cache)
    _, warm_s = timed(lambda: simulate(shifts, breaks, fc, patience_s=PATIENCE_S, replications=1, rng=0), 1)
    reps = 5
    for method in ("fcfs", "event"):
        res, wall = timed(lambda m=method: simulate(shifts, breaks, fc, patience_s=PATIENCE_S,
                                                    replications=reps, rng=1, method=m), 3)
        offered = res.totals["offered"].iloc[0]
        rows.append((f"week, {method} kernel", f"{offered:,.0f} calls, peak {peak} agents",
                     wall / reps, offered / (wall / reps)))
    sl = res.totals["service_level"].iloc[0]

    small_shifts, small_fc, calls, staff = small_day()
    reps_small = 20
    res_small, ours_s = timed(lambda: simulate(small_shifts, None, small_fc, patience_s=PATIENCE_S,
                                               replications=reps_small, rng=2), 3)
    ours_calls = res_small.totals["offered"].iloc[0] * reps_small
    ours_rate = ours_calls / ours_s
    ciw_reps = 5
    n_ciw, ciw_s = timed(lambda: sum(run_ciw(calls, staff, s) for s in range(ciw_reps)), 1)
    ciw_rate = n_ciw / ciw_s
    rows.append(("small day, wfm", f"{ours_calls / reps_small:,.0f} calls x {reps_small}",
                 ours_s / reps_small, ours_rate))
    rows.append(("small day, Ciw", f"{n_ciw / ciw_reps:,.0f} calls x {ciw_reps}", ciw_s / ciw_reps, ciw_rate))

    print(f"instance built in {build_s:.2f} s; first call (compile or cache load) {warm_s:.2f} s")
    print(f"week service level (simulated, 20 s): {sl:.1%}")
    print(f"{'case':<22} {'size':<36} {'s / replication':>16} {'calls / s':>14}")
    for case, size, per_rep, rate in rows:
        print(f"{case:<22} {size:<36} {per_rep:>16.3f} {rate:>14,.0f}")
    print(f"speed-up over Ciw, same small day (calls per second): {ours_rate / ciw_rate:,.0f}x")
    print(f"speed-up over Ciw, week (fcfs) vs small day Ciw (calls per second): "
          f"{rows[0][3] / ciw_rate:,.0f}x")
    print(f"target: <= 1 s per replication of the week -> "
          f"{'met' if max(r[2] for r in rows[:2]) <= 1.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
