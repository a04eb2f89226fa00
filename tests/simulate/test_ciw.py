"""Cross-check against Ciw (an independent queueing simulator) on a time-varying day."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wfm.simulate import simulate

ciw = pytest.importorskip("ciw")

T0 = pd.Timestamp("2024-01-01")
AHT, CV, PATIENCE = 150.0, 1.0, 180.0
# calls per 30-min interval over 4 h, and agents on duty per interval
CALLS = np.array([40, 70, 100, 120, 110, 80, 50, 30], float)
STAFF = np.array([4, 6, 8, 8, 8, 7, 5, 3])


def _roster():
    """Ciw's schedule semantics as a roster: at each change of the schedule Ciw puts a
    fresh set of servers on duty while the outgoing ones finish the customer in hand
    (``preemption=False``).  The same is one 30-min shift per agent and interval here:
    an agent finishes the call in hand after its shift end while the next comes on."""
    rows = [
        {"shift_id": f"i{i}a{k}", "start": T0 + pd.Timedelta(minutes=30 * i),
         "end": T0 + pd.Timedelta(minutes=30 * (i + 1))}
        for i, n in enumerate(STAFF) for k in range(n)
    ]
    return pd.DataFrame(rows)


def _ciw_replication(seed):
    sigma2 = np.log1p(CV**2)
    ends = 1800.0 * np.arange(1, CALLS.size + 1)
    net = ciw.create_network(
        arrival_distributions=[ciw.dists.PoissonIntervals(
            rates=list(CALLS / 1800.0), endpoints=list(ends), max_sample_date=float(ends[-1]))],
        service_distributions=[ciw.dists.Lognormal(np.log(AHT) - sigma2 / 2, np.sqrt(sigma2))],
        number_of_servers=[ciw.Schedule(numbers_of_servers=[int(s) for s in STAFF] + [0],
                                        shift_end_dates=list(ends) + [ends[-1] + 50_000.0],
                                        preemption=False)],
        reneging_time_distributions=[ciw.dists.Exponential(1.0 / PATIENCE)],
    )
    ciw.seed(seed)
    q = ciw.Simulation(net)
    q.simulate_until_max_time(ends[-1] + 40_000.0)
    recs = q.get_all_records()
    served = np.array([r.record_type == "service" for r in recs])
    wait = np.array([r.waiting_time for r in recs])
    return {
        "service_level": np.mean(served & (wait <= 20.0)),
        "abandon_rate": np.mean(~served),
        "mean_wait_s": wait.mean(),
    }


def test_time_varying_day_agrees_with_ciw():
    reps = 12
    fc = pd.DataFrame({"interval_start": pd.date_range(T0, periods=CALLS.size, freq="30min"),
                       "calls": CALLS, "aht_s": AHT})
    ours = simulate(_roster(), None, fc, aht_cv=CV, patience_s=PATIENCE, replications=reps,
                    rng=2024).per_replication.groupby("replication").sum(numeric_only=True)
    mine = {
        "service_level": ours["answered_within"] / ours["offered"],
        "abandon_rate": ours["abandoned"] / ours["offered"],
        "mean_wait_s": ours["wait_all_s"] / ours["offered"],
    }
    theirs = pd.DataFrame([_ciw_replication(s) for s in range(reps)])
    for name, values in mine.items():
        a, b = np.asarray(values), theirs[name].to_numpy()
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(a.mean() - b.mean()) <= 4 * se, (name, a.mean(), b.mean(), se)
        # and the comparison has teeth: the two agree to a few points, not by luck of wide noise
        assert se < 0.25 * max(abs(b.mean()), 1e-9)
