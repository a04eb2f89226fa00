"""Tests of the simulator: hand-computed tiny cases, queueing theory, identities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wfm import erlang
from wfm.errors import DataError, InputError
from wfm.simulate import (
    fit_exponential_patience,
    fit_lognormal_cv,
    on_phone_windows,
    simulate,
)

T0 = pd.Timestamp("2024-01-01")


def ts(seconds):
    return T0 + pd.to_timedelta(seconds, unit="s")


def one_queue_forecast(n_intervals, calls, aht_s, minutes=30):
    idx = pd.date_range(T0, periods=n_intervals, freq=f"{minutes}min")
    return pd.DataFrame({"queue": "q", "interval_start": idx, "calls": calls, "aht_s": aht_s})


def agents(n, start_s, end_s, prefix="a"):
    return pd.DataFrame({
        "shift_id": [f"{prefix}{i}" for i in range(n)],
        "agent_id": [f"{prefix}{i}" for i in range(n)],
        "start": ts(start_s),
        "end": ts(end_s),
    })


def records(arrivals, handles, patience=None, queue=None):
    out = pd.DataFrame({"arrival": ts(np.asarray(arrivals, float)), "handle_s": handles})
    if patience is not None:
        out["patience_s"] = patience
    if queue is not None:
        out["queue"] = queue
    return out


METHODS = ("fcfs", "event")


# ------------------------------------------------------------------ hand-computed cases
@pytest.mark.parametrize("method", METHODS)
def test_one_agent_fcfs_waits_by_hand(method):
    # arrivals 0, 10, 20, handle 15 each: answers at 0, 15, 30 -> waits 0, 5, 10
    res = simulate(agents(1, 0, 3600), None, one_queue_forecast(2, 0.0, 15.0),
                   call_records=records([0, 10, 20], [15, 15, 15]), replications=1,
                   keep_calls=True, answer_within_s=5, method=method)
    calls = res.calls
    np.testing.assert_allclose(calls["wait_s"], [0, 5, 10])
    assert (calls["outcome"] == "answered").all()
    row = res.intervals.iloc[0]
    assert row["offered"] == 3
    assert row["service_level"] == pytest.approx(2 / 3)  # waits 0 and 5 are within 5 s
    assert row["asa_s"] == pytest.approx(5.0)
    # 45 s of talk in 30 min on one agent
    assert row["occupancy"] == pytest.approx(45 / 1800)


@pytest.mark.parametrize("method", METHODS)
def test_impatient_caller_hangs_up_and_leaves_agent_free(method):
    # third caller would wait 10 s but gives up after 4 s; the fourth (t=31) is
    # answered at 31: the abandoned call did not occupy the agent.
    res = simulate(agents(1, 0, 3600), None, one_queue_forecast(2, 0.0, 15.0),
                   call_records=records([0, 10, 20, 31], [15, 15, 15, 15], [np.inf, np.inf, 4, np.inf]),
                   replications=1, keep_calls=True, method=method)
    calls = res.calls
    assert list(calls["outcome"]) == ["answered", "answered", "abandoned", "answered"]
    np.testing.assert_allclose(calls["wait_s"], [0, 5, 4, 0])
    assert res.intervals.iloc[0]["abandon_rate"] == pytest.approx(0.25)
    assert res.intervals.iloc[0]["mean_wait_s"] == pytest.approx(9 / 4)


@pytest.mark.parametrize("method", METHODS)
def test_break_delayed_by_call_in_hand_keeps_full_length(method):
    # one agent 0-1000 s with a break 100-200 s.  A call at 90 s lasting 30 s ends at
    # 120: the break runs 120-220.  A call at 150 is answered at 220 (wait 70).
    shifts = agents(1, 0, 1000)
    breaks = pd.DataFrame({"shift_id": ["a0"], "kind": "break", "name": "break",
                           "start": [ts(100)], "end": [ts(200)], "paid": True})
    res = simulate(shifts, breaks, one_queue_forecast(1, 0.0, 30.0), interval="30min",
                   call_records=records([90, 150], [30, 10]), replications=1,
                   keep_calls=True, method=method)
    np.testing.assert_allclose(res.calls["wait_s"], [0, 70])
    p = res.presence
    assert p["end"].iloc[0] == ts(120)
    assert p["start"].iloc[1] == ts(220)
    # 100 min of break per 1000 s of shift = 100/60 min per (1000/3600) h
    assert res.totals["break_min_per_agent_hour"].iloc[0] == pytest.approx((100 / 60) / (1000 / 3600))


@pytest.mark.parametrize("method", METHODS)
def test_agent_finishes_call_after_shift_end_and_takes_no_new_one(method):
    # shift 0-100 s; call at 90 s for 50 s ends at 140; a call at 95 s finds nobody
    # and, with patience 1000, still hangs up (no agent is left).
    res = simulate(agents(1, 0, 100), None, one_queue_forecast(1, 0.0, 50.0), interval="30min",
                   call_records=records([90, 95], [50, 50], [1000, 1000]),
                   replications=1, keep_calls=True, method=method)
    assert list(res.calls["outcome"]) == ["answered", "abandoned"]
    assert res.presence["end"].iloc[0] == ts(140)


@pytest.mark.parametrize("method", METHODS)
def test_caller_never_served_is_unserved_without_patience(method):
    res = simulate(agents(1, 0, 100), None, one_queue_forecast(1, 0.0, 50.0), interval="30min",
                   call_records=records([90, 95], [50, 50]), replications=1, method=method)
    row = res.intervals.iloc[0]
    assert (row["answered"], row["unserved"], row["abandoned"]) == (1, 1, 0)


def test_longest_idle_agent_answers():
    # a0 idle since 0, a1 since 50 (its shift starts then): the call at 60 goes to a0
    shifts = pd.concat([agents(1, 0, 1000, "a"), agents(1, 50, 1000, "b")], ignore_index=True)
    for method in METHODS:
        res = simulate(shifts, None, one_queue_forecast(1, 0.0, 10.0), interval="30min",
                       call_records=records([60], [10]), replications=1, keep_calls=True,
                       method=method)
        assert res.calls["shift_id"].iloc[0] == "a0"


# ------------------------------------------------------------------- queueing theory
def _steady(n_agents, traffic, aht_s, hours, patience_s=None, reps=6, seed=7):
    n_int = hours * 2
    fc = one_queue_forecast(n_int, traffic * 1800 / aht_s, aht_s)
    return simulate(agents(n_agents, 0, n_int * 1800 + 4 * 3600), None, fc, aht_cv=1.0,
                    patience_s=patience_s, replications=reps, rng=seed, keep_calls=True)


def _within(value, samples, k=4.0):
    """``value`` lies within k standard errors of the mean of ``samples``."""
    samples = np.asarray(samples, float)
    se = samples.std(ddof=1) / np.sqrt(samples.size)
    return abs(samples.mean() - value) <= k * se, samples.mean(), se


def test_mmn_matches_erlang_c():
    n, a, aht = 6, 4.5, 60.0
    res = _steady(n, a, aht, hours=60)
    calls = res.calls
    p_wait = calls.groupby("replication")["wait_s"].apply(lambda w: (w > 0).mean())
    asa = calls.groupby("replication")["wait_s"].mean()
    sl = calls.groupby("replication")["wait_s"].apply(lambda w: (w <= 20).mean())
    for sim, theory in ((p_wait, erlang.erlang_c(n, a)),
                        (asa, erlang.average_speed_of_answer(n, a, aht)),
                        (sl, erlang.service_level(n, a, aht, 20.0))):
        ok, mean, se = _within(theory, sim)
        assert ok, (theory, mean, se)
    # the reported totals are the same numbers
    assert res.totals["asa_s"].iloc[0] == pytest.approx(asa.mean())
    lo, hi = res.totals["asa_s_low"].iloc[0], res.totals["asa_s_high"].iloc[0]
    assert lo < asa.mean() < hi


def test_mmn_plus_m_matches_erlang_a():
    n, a, aht, patience = 6, 5.5, 60.0, 90.0
    res = _steady(n, a, aht, hours=60, patience_s=patience)
    calls = res.calls
    g = calls.groupby("replication")
    p_ab = g["outcome"].apply(lambda o: (o == "abandoned").mean())
    p_wait = g["wait_s"].apply(lambda w: (w > 0).mean())
    sl = g.apply(lambda d: ((d["outcome"] == "answered") & (d["wait_s"] <= 20)).mean(),
                 include_groups=False)
    mean_wait = g["wait_s"].mean()
    theory = erlang.erlang_a(n, a, aht, patience, 20.0)
    for sim, value in ((p_ab, theory.p_abandon), (p_wait, theory.p_wait),
                       (sl, theory.service_level), (mean_wait, theory.asa)):
        ok, mean, se = _within(value, sim)
        assert ok, (value, mean, se)


def test_overloaded_queue_without_patience_waits_grow():
    # traffic above agents: every later interval waits longer
    res = simulate(agents(2, 0, 6 * 3600), None, one_queue_forecast(8, 2.5 * 1800 / 60, 60.0),
                   aht_cv=1.0, replications=3, rng=1)
    asa = res.intervals["asa_s"].to_numpy()
    assert asa[-1] > asa[0] * 5


def test_fcfs_and_event_kernels_give_identical_calls():
    # breaks, shift changes, abandonment, varying volume
    fc = one_queue_forecast(16, np.r_[np.linspace(20, 80, 8), np.linspace(80, 10, 8)], 240.0)
    shifts = pd.concat([agents(6, 0, 8 * 3600, "e"), agents(5, 2 * 3600, 8 * 3600, "l")],
                       ignore_index=True)
    breaks = pd.DataFrame({
        "shift_id": [f"e{i}" for i in range(6)] + [f"l{i}" for i in range(5)],
        "start": [ts(3600 + 600 * i) for i in range(6)] + [ts(4 * 3600 + 300 * i) for i in range(5)],
    })
    breaks["end"] = breaks["start"] + pd.Timedelta("15min")
    out = [simulate(shifts, breaks, fc, patience_s=120.0, replications=2, rng=3,
                    keep_calls=True, method=m) for m in METHODS]
    pd.testing.assert_frame_equal(out[0].calls, out[1].calls)
    pd.testing.assert_frame_equal(out[0].presence, out[1].presence)
    pd.testing.assert_frame_equal(out[0].intervals, out[1].intervals)


# ------------------------------------------------------------------- roster rules
def test_no_call_is_answered_on_break_and_breaks_are_never_shortened():
    fc = one_queue_forecast(12, 60.0, 200.0)
    shifts = agents(8, 0, 6 * 3600)
    breaks = pd.DataFrame({"shift_id": [f"a{i}" for i in range(8)],
                           "start": [ts(2 * 3600 + 900 * (i % 4)) for i in range(8)]})
    breaks["end"] = breaks["start"] + pd.Timedelta("15min")
    res = simulate(shifts, breaks, fc, patience_s=300.0, replications=2, rng=5, keep_calls=True)
    calls = res.calls[res.calls["outcome"] == "answered"].merge(
        breaks.rename(columns={"start": "b_start", "end": "b_end"}), on="shift_id")
    on_break = (calls["answer"] >= calls["b_start"]) & (calls["answer"] < calls["b_end"])
    assert not on_break.any()
    # every answered call starts inside an effective window of its agent
    pres = res.presence
    merged = res.calls[res.calls["outcome"] == "answered"].merge(pres, on=["replication", "shift_id"])
    inside = (merged["answer"] >= merged["start"]) & (merged["answer"] < merged["planned_end"])
    per_call = merged.assign(inside=inside).groupby(["replication", "arrival", "shift_id"])["inside"].any()
    assert per_call.all()
    # effective break = next start - previous end, never shorter than planned 15 min
    pres = pres.sort_values(["replication", "shift_id", "planned_start"])
    gap = pres.groupby(["replication", "shift_id"]).apply(
        lambda d: (d["start"].iloc[1] - d["end"].iloc[0]) if len(d) == 2 else pd.NaT,
        include_groups=False)
    assert (gap >= pd.Timedelta("15min")).all()
    # the planned break figure is the floor of the one really taken
    planned = 8 * 15 / (8 * 6)
    assert res.totals["break_min_per_agent_hour"].iloc[0] >= planned - 1e-9


def test_overlapping_breaks_merge_and_break_at_shift_start():
    shifts = agents(1, 0, 4 * 3600)
    breaks = pd.DataFrame({"shift_id": ["a0"] * 3,
                           "start": [ts(3600 + 600), ts(0), ts(3600)],
                           "end": [ts(3600 + 1800), ts(600), ts(3600 + 900)]})
    w = on_phone_windows(shifts, breaks)
    assert list(w["start"]) == [ts(600), ts(3600 + 1800)]
    assert list(w["end"]) == [ts(3600), ts(4 * 3600)]


def test_time_in_slots_by_hand():
    from wfm.simulate import _time_in_slots

    # slots [0, 100), [100, 200), gap, [400, 500); segments 50-250 and 380-420
    got = _time_in_slots(np.array([50.0, 380.0]), np.array([250.0, 420.0]),
                         np.array([0.0, 100.0, 400.0]), 100.0)
    np.testing.assert_allclose(got, [50.0, 100.0, 20.0])


def test_on_phone_windows_cut_breaks_out():
    shifts = agents(1, 0, 8 * 3600)
    breaks = pd.DataFrame({"shift_id": ["a0", "a0"], "start": [ts(3600), ts(4 * 3600)],
                           "end": [ts(3600 + 900), ts(5 * 3600)]})
    w = on_phone_windows(shifts, breaks)
    assert list(w["start"]) == [ts(0), ts(3600 + 900), ts(5 * 3600)]
    assert list(w["end"]) == [ts(3600), ts(4 * 3600), ts(8 * 3600)]


# ---------------------------------------------------------------- several queues
def test_agents_answer_only_their_skills():
    idx = pd.date_range(T0, periods=4, freq="30min")
    fc = pd.concat([pd.DataFrame({"queue": q, "interval_start": idx, "calls": 40.0, "aht_s": 120.0})
                    for q in ("sales", "service")], ignore_index=True)
    shifts = pd.concat([agents(3, 0, 3 * 3600, "s"), agents(3, 0, 3 * 3600, "v")], ignore_index=True)
    skills = {**{f"s{i}": {"sales"} for i in range(3)}, **{f"v{i}": {"service"} for i in range(3)}}
    res = simulate(shifts, None, fc, agent_skills=skills, patience_s=200.0, replications=2,
                   rng=2, keep_calls=True)
    ans = res.calls[res.calls["outcome"] == "answered"]
    assert (ans["shift_id"].str[0] == np.where(ans["queue"] == "sales", "s", "v")).all()
    assert set(res.totals["queue"]) == {"sales", "service", "all"}


def test_priority_queue_waits_less():
    idx = pd.date_range(T0, periods=6, freq="30min")
    fc = pd.concat([pd.DataFrame({"queue": q, "interval_start": idx, "calls": 45.0, "aht_s": 180.0})
                    for q in ("gold", "basic")], ignore_index=True)
    shifts = agents(10, 0, 4 * 3600)
    res = simulate(shifts, None, fc, queue_priority={"gold": 0, "basic": 1}, replications=3, rng=4)
    t = res.totals.set_index("queue")
    assert t.loc["gold", "asa_s"] < t.loc["basic", "asa_s"] / 3
    same = simulate(shifts, None, fc, replications=3, rng=4).totals.set_index("queue")
    # without priorities the two equal queues wait alike (pooled FCFS)
    assert same.loc["gold", "asa_s"] == pytest.approx(same.loc["basic", "asa_s"], rel=0.5)


def test_two_pooled_queues_equal_one_queue_statistically():
    n, a, aht = 6, 4.5, 60.0
    hours = 40
    idx = pd.date_range(T0, periods=hours * 2, freq="30min")
    half = a * 1800 / aht / 2
    fc = pd.concat([pd.DataFrame({"queue": q, "interval_start": idx, "calls": half, "aht_s": aht})
                    for q in ("x", "y")], ignore_index=True)
    res = simulate(agents(n, 0, hours * 3600 + 7200), None, fc, aht_cv=1.0, replications=6, rng=11,
                   keep_calls=True)
    p_wait = res.calls.groupby("replication")["wait_s"].apply(lambda w: (w > 0).mean())
    ok, mean, se = _within(erlang.erlang_c(n, a), p_wait)
    assert ok, (mean, se)


# ------------------------------------------------------------- randomness, arrivals
def test_same_seed_same_result_and_replications_extend():
    fc = one_queue_forecast(6, 30.0, 180.0)
    shifts = agents(4, 0, 3 * 3600)
    a = simulate(shifts, None, fc, patience_s=100.0, replications=3, rng=42)
    b = simulate(shifts, None, fc, patience_s=100.0, replications=3, rng=np.random.default_rng(42))
    pd.testing.assert_frame_equal(a.intervals, b.intervals)
    c = simulate(shifts, None, fc, patience_s=100.0, replications=4, rng=42)
    pd.testing.assert_frame_equal(a.per_replication, c.per_replication[c.per_replication["replication"] < 3])
    d = simulate(shifts, None, fc, patience_s=100.0, replications=3, rng=43)
    assert not a.per_replication["offered"].equals(d.per_replication["offered"])


def test_poisson_counts_have_the_forecast_mean_and_overdispersion_widens_days():
    days = 40
    fc = one_queue_forecast(days * 4, 50.0, 60.0, minutes=360)  # 4 intervals a day
    shifts = agents(1, 0, 60)
    plain = simulate(shifts, None, fc, replications=1, rng=1, patience_s=1.0).per_replication
    daily = plain.groupby(plain["interval_start"].dt.date)["offered"].sum()
    assert daily.mean() == pytest.approx(200, rel=0.05)
    assert daily.var() / daily.mean() < 1.6  # Poisson: variance = mean
    over = simulate(shifts, None, fc, replications=1, rng=1, patience_s=1.0,
                    overdispersion=0.3).per_replication
    daily = over.groupby(over["interval_start"].dt.date)["offered"].sum()
    # variance = mean + (cv * mean)^2 = 200 + 3600
    assert daily.var() / daily.mean() > 6


def test_lognormal_handle_times_have_interval_mean_and_cv():
    fc = one_queue_forecast(2, 4000.0, 300.0)
    res = simulate(agents(1, 0, 10), None, fc, aht_cv=1.2, patience_s=1.0, replications=1, rng=3,
                   keep_calls=True)
    h = res.calls["handle_s"].to_numpy()
    assert h.mean() == pytest.approx(300.0, rel=0.05)
    assert h.std() / h.mean() == pytest.approx(1.2, rel=0.1)
    assert fit_lognormal_cv(h) == pytest.approx(1.2, rel=0.05)


def test_empirical_handle_times_are_rescaled_to_the_interval_aht():
    fc = one_queue_forecast(2, [100.0, 100.0], [100.0, 300.0])
    res = simulate(agents(1, 0, 10), None, fc, handle_times=[1.0, 3.0], patience_s=1.0,
                   replications=1, rng=3, keep_calls=True)
    got = res.calls.groupby("interval_start")["handle_s"].apply(lambda h: sorted(set(h.round(9))))
    assert got.iloc[0] == [50.0, 150.0]
    assert got.iloc[1] == [150.0, 450.0]


# --------------------------------------------------------------------------- fitting
def test_fit_lognormal_cv_by_hand():
    # log values -1, 1: sigma^2 = 1 -> cv = sqrt(e - 1)
    assert fit_lognormal_cv([np.exp(-1), np.exp(1)]) == pytest.approx(np.sqrt(np.e - 1))
    with pytest.raises(InputError, match=r"talk_times\[1\]"):
        fit_lognormal_cv([10.0, 0.0, 5.0])


def test_fit_exponential_patience_censored():
    assert fit_exponential_patience([10, 20, 30], [True, False, False]) == pytest.approx(60.0)
    rng = np.random.default_rng(0)
    patience = rng.exponential(400.0, 50_000)
    wait = rng.exponential(200.0, 50_000)  # offered waits, independent of patience
    observed = np.minimum(patience, wait)
    est = fit_exponential_patience(observed, patience < wait)
    assert est == pytest.approx(400.0, rel=0.03)
    with pytest.raises(InputError):
        fit_exponential_patience([1.0, 2.0], [False, False])


# ------------------------------------------------------------------------- validation
def test_bad_inputs_name_row_and_value():
    fc = one_queue_forecast(2, 10.0, 100.0)
    shifts = agents(2, 0, 3600)
    bad_break = pd.DataFrame({"shift_id": ["a1"], "start": [ts(3000)], "end": [ts(4000)]})
    with pytest.raises(DataError, match="row 0.*outside its shift"):
        on_phone_windows(shifts, bad_break)
    with pytest.raises(DataError, match="not in shifts"):
        simulate(shifts, pd.DataFrame({"shift_id": ["zz"], "start": [ts(0)], "end": [ts(10)]}), fc)
    backwards = shifts.assign(end=[ts(3600), ts(0)])
    with pytest.raises(DataError, match="row 1, column 'end'"):
        simulate(backwards, None, fc)
    with pytest.raises(InputError, match="replications"):
        simulate(shifts, None, fc, replications=0)
    with pytest.raises(InputError, match="method"):
        simulate(shifts, None, pd.concat([fc, fc.assign(queue="r")]), method="fcfs")
    with pytest.raises(DataError, match="agent_skills"):
        simulate(shifts, None, fc, agent_skills={"a0": {"q"}})
    with pytest.raises(DataError, match="outside the forecast"):
        simulate(shifts, None, fc, call_records=records([7200], [10.0]))
