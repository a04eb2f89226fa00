"""Erlang engine speed against straightforward per-interval loops, in one run.

    python benchmarks/bench_erlang.py [--quick]

Instances (fixed, seeded):
* a 672-interval week at 15 min, loads up to 200 Erlang, AHT 180-420 s, 80/20 with an
  85 % occupancy cap: agents per interval by Erlang C and by Erlang A (patience 300 s);
* one interval of about 9,800 Erlang (10,000 agents).

Baselines, written the way the usual open-source code does it:
* Erlang C: per interval, walk n up from 1 with the Erlang B recursion and test the
  service level at each n (the recursion is O(n) per interval, in Python floats);
* Erlang A: per interval, walk n up and evaluate the M/M/N+M birth-death chain,
  truncated, in NumPy (run on a slice of the week and scaled, it is slow).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pandas as pd

from wfm import erlang
from wfm.staffing import requirements
from wfm.types import ServiceTarget

TARGET, T, OCC, PATIENCE = 0.8, 20.0, 0.85, 300.0


def week_instance(seed: int = 1999):
    rng = np.random.default_rng(seed)
    k = np.arange(672)
    hour = (k % 96) / 4
    day = k // 96
    shape = np.exp(-((hour - 11) ** 2) / 8) + 0.8 * np.exp(-((hour - 16) ** 2) / 6)
    level = np.where(day < 5, 1.0, 0.45)
    traffic = 200.0 * level * shape / shape.max() * rng.uniform(0.9, 1.0, 672)
    aht = rng.uniform(180.0, 420.0, 672)
    return traffic, aht


def baseline_erlang_c(traffic, aht):
    out = []
    for a, h in zip(traffic.tolist(), aht.tolist(), strict=True):
        if a == 0:
            out.append(0)
            continue
        inv_b = 1.0
        n = 0
        while True:
            n += 1
            inv_b = 1.0 + inv_b * n / a
            if n <= a or a / n > OCC:
                continue
            b = 1.0 / inv_b
            c = n * b / (n - a * (1 - b))
            if 1 - c * math.exp(-(n - a) * T / h) >= TARGET:
                out.append(n)
                break
    return np.array(out)


def _chain(n, a, h, patience, t, j_max=2000):
    """Erlang A by the truncated birth-death chain (float64, log-space weights)."""
    mu, theta = 1 / h, 1 / patience
    lam = a * mu
    k = np.arange(n + 1)
    from scipy.special import gammaln

    log_head = k * np.log(a) - gammaln(k + 1)
    j = np.arange(1, j_max + 1)
    log_tail = log_head[-1] + np.cumsum(np.log(lam) - np.log(n * mu + j * theta))
    m = max(log_head.max(), log_tail.max())
    head, tail = np.exp(log_head - m), np.exp(log_tail - m)
    total = head.sum() + tail.sum()
    p_wait = (head[-1] + tail.sum()) / total
    p_ab = theta * (j * tail).sum() / total / lam
    # service level through the offered-wait law (same closed form, per state)
    return p_wait, p_ab


def baseline_erlang_a(traffic, aht):
    out = []
    for a, h in zip(traffic.tolist(), aht.tolist(), strict=True):
        n = max(1, int(a * OCC))
        while True:
            _, p_ab = _chain(n, a, h, PATIENCE, T)
            if p_ab <= 0.05 and a * (1 - p_ab) / n <= OCC:
                out.append(n)
                break
            n += 1
    return np.array(out)


def best_of(fn, repeat):
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def main(quick: bool = False) -> list[dict]:
    traffic, aht = week_instance()
    rep = 3 if quick else 100
    rows = []

    # 1. Erlang C requirements for the week.
    t_base, n_base = best_of(lambda: baseline_erlang_c(traffic, aht), max(1, rep // 5))
    t_wfm, n_wfm = best_of(lambda: erlang.agents_for_service_level(traffic, aht, TARGET, T, OCC), rep)
    assert np.array_equal(n_base, n_wfm), "engine and baseline disagree"
    rows.append(dict(case="Erlang C, 672-interval week", wfm_ms=t_wfm * 1e3, baseline_ms=t_base * 1e3))

    forecast = pd.DataFrame(
        {
            "queue": "q",
            "interval_start": pd.date_range("2026-01-05", periods=672, freq="15min"),
            "calls": traffic * 900.0 / aht,
            "aht_s": aht,
        }
    )
    t_frame, req = best_of(
        lambda: requirements(forecast, ServiceTarget(TARGET, T, OCC), 0.3), max(2, rep // 4)
    )
    assert np.array_equal(req["agents_needed"].to_numpy(), n_wfm)
    rows.append(
        dict(case="requirements() frame, same week (validation included)", wfm_ms=t_frame * 1e3,
             baseline_ms=t_base * 1e3)
    )

    # 2. Erlang A for the same week (abandon rate <= 5 %, occupancy cap).
    sl_a = lambda: erlang.agents_needed(  # noqa: E731
        traffic, aht, max_abandon=0.05, max_occupancy=OCC, patience=PATIENCE
    )
    t_a, n_a = best_of(sl_a, rep)
    part = slice(0, 672, 8)  # 84 intervals, scaled by 8
    t_a_base, n_a_base = best_of(lambda: baseline_erlang_a(traffic[part], aht[part]), 1)
    assert np.array_equal(n_a_base, n_a[part]), "Erlang A engine and chain baseline disagree"
    t_sl_a, _ = best_of(
        lambda: erlang.agents_needed(
            traffic, aht, service_level=TARGET, answer_within=T, max_occupancy=OCC, patience=PATIENCE
        ),
        rep,
    )
    rows.append(dict(case="Erlang A, week, abandon <= 5 %", wfm_ms=t_a * 1e3, baseline_ms=t_a_base * 8e3))
    rows.append(dict(case="Erlang A, week, 80/20 + occupancy", wfm_ms=t_sl_a * 1e3, baseline_ms=math.nan))

    # 3. One interval at about 10,000 agents.
    big = 9800.0
    t_big_base, n_big_base = best_of(
        lambda: baseline_erlang_c(np.array([big]), np.array([300.0])), max(1, rep // 5)
    )
    t_big, n_big = best_of(lambda: erlang.agents_for_service_level(big, 300.0, TARGET, T, OCC), rep)
    assert n_big == int(n_big_base[0])
    t_big_sl, _ = best_of(lambda: erlang.service_level(10_000, big, 300.0, T), rep)
    rows.append(dict(case=f"one interval, {n_big} agents: search", wfm_ms=t_big * 1e3,
                     baseline_ms=t_big_base * 1e3))
    rows.append(dict(case="one interval, 10,000 agents: service level", wfm_ms=t_big_sl * 1e3,
                     baseline_ms=math.nan))

    print(f"{'case':<56} {'wfm [ms]':>10} {'baseline [ms]':>14} {'speed-up':>9}")
    for r in rows:
        ratio = r["baseline_ms"] / r["wfm_ms"]
        base = "" if math.isnan(r["baseline_ms"]) else f"{r['baseline_ms']:.2f}"
        speed = "" if math.isnan(ratio) else f"{ratio:.0f}x"
        print(f"{r['case']:<56} {r['wfm_ms']:>10.3f} {base:>14} {speed:>9}")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    main(parser.parse_args().quick)
