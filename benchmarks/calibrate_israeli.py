"""Which model predicts real service best?  Erlang C, Erlang A and the simulator on the
Israeli bank call records (1999), busy weekday half-hours.

For every half-hour of every Sunday-Thursday (the Israeli working week) we observe the
calls offered, their talk times, who answered within 20 s and who hung up.  There are no
staffing records, so the agents present in a half-hour are estimated as the number of
distinct agent names (``server``) that were talking to a caller at some point of it.
Given that staffing and the observed workload (calls x mean talk time), each model
predicts the service level (answered within 20 s / offered) and the abandon rate:

* Erlang C -- callers never hang up, steady state;
* Erlang A -- exponential patience fitted to the whole data (censored MLE);
* simulation, Poisson -- the day simulated interval after interval, Poisson arrivals at
  the observed counts, lognormal talk times (observed mean per half-hour, CV fitted),
  exponential patience;
* simulation, replay -- the day's real calls replayed: real arrival times and talk
  times, real patience of callers who hung up, patience drawn beyond the observed wait
  for callers who were answered (exponential is memoryless).

Writes ``docs/img/calibration_israeli.png`` and prints the error table used in
``docs/calibration.md``.  Run: ``python benchmarks/calibrate_israeli.py`` (about a
minute).  Needs the shared data folder beside the repository and matplotlib.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import erlang, io
from wfm.simulate import fit_exponential_patience, fit_lognormal_cv, simulate

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "docs" / "img" / "calibration_israeli.png"
INTERVAL_MIN = 30
ANSWER_WITHIN_S = 20.0
MIN_CALLS = 60  # a "busy" half-hour offers at least this many calls
OPEN_HOURS = (7, 18)  # busy half-hours start between these hours
REPLICATIONS = 8
WEEKDAYS = (6, 0, 1, 2, 3)  # Sunday to Thursday
FIELDS = ["vru_line", "call_id", "customer_id", "priority", "type", "date", "vru_entry",
          "vru_exit", "vru_time", "q_start", "q_exit", "q_time", "outcome", "ser_start",
          "ser_exit", "ser_time", "server"]


def _clock_s(col: pd.Series) -> np.ndarray:
    parts = col.str.split(":", expand=True).astype(int)
    return (parts[0] * 3600 + parts[1] * 60 + parts[2]).to_numpy(float)


def agent_sessions(calls_dir: Path) -> pd.DataFrame:
    """Talk periods of named agents: ``server``, ``start``, ``end`` (Timestamps)."""
    frames = []
    for path in sorted(calls_dir.glob("*.txt")):
        raw = pd.read_csv(path, sep=r"\s+", names=FIELDS, header=0, dtype=str)
        raw = raw[(raw["outcome"] == "AGENT") & (raw["server"] != "NO_SERVER")
                  & (raw["ser_start"] != "0:00:00")]
        day = pd.to_datetime("19" + raw["date"], format="%Y%m%d")
        s0, s1 = _clock_s(raw["ser_start"]), _clock_s(raw["ser_exit"])
        s1 = np.where(s1 < s0, s1 + 86400, s1)  # past midnight
        frames.append(pd.DataFrame({
            "server": raw["server"].to_numpy(),
            "start": day + pd.to_timedelta(s0, unit="s"),
            "end": day + pd.to_timedelta(np.maximum(s1, s0 + 1), unit="s"),
        }))
    return pd.concat(frames, ignore_index=True)


def agents_present(sessions: pd.DataFrame) -> pd.Series:
    """Distinct agents talking at some point of each half-hour, indexed by interval start."""
    step = pd.Timedelta(minutes=INTERVAL_MIN)
    first = sessions["start"].dt.floor(step)
    last = (sessions["end"] - pd.Timedelta(seconds=1)).dt.floor(step)
    n = ((last - first) // step).astype(int) + 1
    rows = np.repeat(np.arange(len(sessions)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    starts = first.to_numpy()[rows] + offset * step.to_timedelta64()
    frame = pd.DataFrame({"interval_start": starts, "server": sessions["server"].to_numpy()[rows]})
    return frame.drop_duplicates().groupby("interval_start").size()


def agents_time_weighted(sessions: pd.DataFrame, max_gap_min: float = 10.0) -> pd.Series:
    """Agent-time present per half-hour / its length.

    An agent counts as present from the start of a call to the start of the next one
    when the gap between them is at most ``max_gap_min`` (idle on the phone), and only
    while talking otherwise (away: break, other work, gone home).
    """
    s = sessions.sort_values(["server", "start"]).reset_index(drop=True)
    nxt = s.groupby([s["server"], s["start"].dt.normalize()])["start"].shift(-1)
    gap = nxt - s["end"]
    stay = gap.notna() & (gap <= pd.Timedelta(minutes=max_gap_min))
    end = s["end"].where(~stay, nxt)
    step = pd.Timedelta(minutes=INTERVAL_MIN)
    first = s["start"].dt.floor(step)
    last = (end - pd.Timedelta(seconds=1)).dt.floor(step)
    n = ((last - first) // step).astype(int) + 1
    rows = np.repeat(np.arange(len(s)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    cell = first.to_numpy()[rows] + offset * step.to_timedelta64()
    a = np.maximum(s["start"].to_numpy()[rows], cell)
    b = np.minimum(end.to_numpy()[rows], cell + step.to_timedelta64())
    seconds = (b - a) / np.timedelta64(1, "s")
    out = pd.Series(np.asarray(seconds, float), index=pd.DatetimeIndex(cell))
    return out.groupby(level=0).sum() / step.total_seconds()


def interval_table(rec: pd.DataFrame, agents: pd.Series) -> pd.DataFrame:
    step = f"{INTERVAL_MIN}min"
    rec = rec.assign(interval_start=rec["arrival"].dt.floor(step))
    answered = rec["outcome"] == "answered"
    g = rec.assign(
        answered=answered,
        abandoned=~answered,
        within=answered & (rec["wait_s"] <= ANSWER_WITHIN_S),
        talk=np.where(answered & rec["use_talk"], rec["talk_s"], np.nan),
    ).groupby("interval_start")
    out = pd.DataFrame({
        "calls": g.size(),
        "answered": g["answered"].sum(),
        "abandoned": g["abandoned"].sum(),
        "within": g["within"].sum(),
        "aht_s": g["talk"].mean(),
    })
    out["agents"] = agents.reindex(out.index).fillna(0)
    return out.reset_index()


def day_roster(day_frame: pd.DataFrame) -> pd.DataFrame:
    """Shifts giving ``agents`` on duty per interval: agent k works while agents > k."""
    n = day_frame["agents"].to_numpy()
    starts = day_frame["interval_start"].to_numpy()
    step = np.timedelta64(INTERVAL_MIN, "m")
    rows = []
    for k in range(int(n.max(initial=0))):
        on = np.r_[False, n > k, False].astype(int)
        edges = np.flatnonzero(np.diff(on))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            rows.append((f"{starts[0]}-{k}-{a}", starts[a], starts[b - 1] + step))
    return pd.DataFrame(rows, columns=["shift_id", "start", "end"])


def main() -> int:
    calls_dir = io.shared_calls_dir()
    if not calls_dir.exists():
        print(f"no data at {calls_dir}", file=sys.stderr)
        return 1
    rec, _ = io.read_call_records(calls_dir, queues="pooled")
    bursts = set(io.flag_burst_days(rec))
    day = rec["arrival"].dt.normalize()
    rec = rec[day.dt.weekday.isin(WEEKDAYS) & ~day.isin(bursts)].reset_index(drop=True)
    sessions = agent_sessions(calls_dir)
    estimates = {
        "distinct agents talking in the half-hour": agents_present(sessions),
        "time-weighted presence (idle gaps <= 10 min)": agents_time_weighted(sessions),
    }
    first_busy = None
    for k, (name, agents) in enumerate(estimates.items()):
        print(f"\n## agents present = {name}\n")
        # the chart shows the time-weighted estimate (the last one)
        first_busy = evaluate_models(rec, agents, first_busy, chart=(k == len(estimates) - 1))
    return 0


def evaluate_models(rec, agents, busy_keys, chart):
    """Predictions of every model on the busy half-hours for one staffing estimate."""
    table = interval_table(rec, agents)

    talk = rec.loc[(rec["outcome"] == "answered") & rec["use_talk"] & (rec["talk_s"] > 0), "talk_s"]
    cv = fit_lognormal_cv(talk)
    patience = fit_exponential_patience(rec["wait_s"], rec["outcome"] == "abandoned")
    mean_aht = float(talk.mean())

    # every interval of every kept day (the simulation runs whole days)
    table["day"] = table["interval_start"].dt.normalize()
    full = []
    for d, frame in table.groupby("day"):
        grid = pd.DataFrame({"interval_start": pd.date_range(d, periods=24 * 60 // INTERVAL_MIN,
                                                             freq=f"{INTERVAL_MIN}min")})
        full.append(grid.merge(frame, on="interval_start", how="left"))
    full = pd.concat(full, ignore_index=True)
    for col in ("calls", "answered", "abandoned", "within", "agents"):
        full[col] = full[col].fillna(0)
    full["aht_s"] = full["aht_s"].fillna(mean_aht)
    hour = full["interval_start"].dt.hour
    if busy_keys is None:  # the same half-hours for every staffing estimate
        busy_keys = set(full.loc[(full["calls"] >= MIN_CALLS) & (full["agents"] >= 2)
                                 & (hour >= OPEN_HOURS[0]) & (hour < OPEN_HOURS[1]),
                                 "interval_start"])
    busy = full["interval_start"].isin(busy_keys).to_numpy()
    # the roster needs whole agents: round the estimate per half-hour
    full["agents"] = np.rint(full["agents"]).astype(int)

    # ---- closed forms on the busy intervals
    b = full[busy].copy()
    traffic = b["calls"] * b["aht_s"] / (INTERVAL_MIN * 60)
    n = b["agents"].to_numpy(float)
    b["obs_sl"] = b["within"] / b["calls"]
    b["obs_ab"] = b["abandoned"] / b["calls"]
    b["erlang_c_sl"] = erlang.service_level(n, traffic.to_numpy(), b["aht_s"].to_numpy(), ANSWER_WITHIN_S)
    b["erlang_c_ab"] = 0.0
    ea = erlang.erlang_a(n, traffic.to_numpy(), b["aht_s"].to_numpy(), patience, ANSWER_WITHIN_S)
    b["erlang_a_sl"], b["erlang_a_ab"] = ea.service_level, ea.p_abandon

    # ---- simulation: all kept days in one run, each day's agents as a roster
    rosters = [day_roster(f) for _, f in full.groupby(full["interval_start"].dt.normalize())]
    shifts = pd.concat([r for r in rosters if len(r)], ignore_index=True)
    forecast = full[["interval_start", "calls", "aht_s"]]
    sim = simulate(shifts, None, forecast, aht_cv=cv, patience_s=patience, replications=REPLICATIONS,
                   rng=1999, answer_within_s=ANSWER_WITHIN_S)
    iv = sim.intervals.set_index("interval_start")
    b["sim_poisson_sl"] = iv.loc[b["interval_start"], "service_level"].to_numpy()
    b["sim_poisson_ab"] = iv.loc[b["interval_start"], "abandon_rate"].to_numpy()

    # ---- replay of the real calls
    rng = np.random.default_rng(2005)
    kept_days = set(full["interval_start"].dt.normalize())
    calls = rec[rec["arrival"].dt.normalize().isin(kept_days)].reset_index(drop=True)
    answered = (calls["outcome"] == "answered").to_numpy()
    aht_of_call = full.set_index("interval_start")["aht_s"].reindex(
        calls["arrival"].dt.floor(f"{INTERVAL_MIN}min")).to_numpy()
    sums = []
    for _ in range(REPLICATIONS):
        handle = np.where(answered, np.maximum(calls["talk_s"].fillna(0).to_numpy(), 1.0), np.nan)
        sigma2 = np.log1p(cv**2)
        drawn = aht_of_call * np.exp(np.sqrt(sigma2) * rng.standard_normal(len(calls)) - sigma2 / 2)
        handle = np.where(answered, handle, drawn)  # hung up: talk time never seen
        wait = calls["wait_s"].to_numpy()
        pat = np.where(answered, wait + rng.exponential(patience, len(calls)), np.maximum(wait, 0.5))
        records = pd.DataFrame({"arrival": calls["arrival"], "handle_s": handle, "patience_s": pat})
        res = simulate(shifts, None, forecast, call_records=records, replications=1,
                       answer_within_s=ANSWER_WITHIN_S)
        sums.append(res.per_replication.set_index("interval_start"))
    within = np.mean([s.loc[b["interval_start"], "answered_within"].to_numpy() for s in sums], axis=0)
    aband = np.mean([s.loc[b["interval_start"], "abandoned"].to_numpy() for s in sums], axis=0)
    b["sim_replay_sl"] = within / b["calls"].to_numpy()
    b["sim_replay_ab"] = aband / b["calls"].to_numpy()

    models = {"erlang_c": "Erlang C", "erlang_a": "Erlang A",
              "sim_poisson": "simulation, Poisson", "sim_replay": "simulation, replay"}
    rows = []
    w = b["calls"].to_numpy()
    for key, label in models.items():
        e_sl = b[f"{key}_sl"] - b["obs_sl"]
        e_ab = b[f"{key}_ab"] - b["obs_ab"]
        rows.append({
            "model": label,
            "SL MAE": np.abs(e_sl).mean(), "SL bias": e_sl.mean(),
            "SL pooled": np.sum(b[f"{key}_sl"] * w) / w.sum(),
            "abandon MAE": np.abs(e_ab).mean(), "abandon bias": e_ab.mean(),
            "abandon pooled": np.sum(b[f"{key}_ab"] * w) / w.sum(),
        })
    obs_sl = np.sum(b["obs_sl"] * w) / w.sum()
    obs_ab = np.sum(b["obs_ab"] * w) / w.sum()
    n_days = b["interval_start"].dt.normalize().nunique()

    print(f"busy half-hours: {len(b)} on {n_days} weekdays; calls in them: {int(w.sum()):,}")
    print(f"fitted: lognormal talk-time CV {cv:.3f}, mean talk {mean_aht:.1f} s, "
          f"(moment CV {talk.std() / talk.mean():.3f}), exponential patience mean {patience:.1f} s")
    print(f"agents present per busy half-hour: median {np.median(n):.0f}, "
          f"range {n.min():.0f}-{n.max():.0f}; occupancy implied (traffic/agents) median "
          f"{np.median(traffic / n):.2f}")
    print(f"observed pooled: service level {obs_sl:.3f}, abandon rate {obs_ab:.3f}")
    print()
    print("| model | SL MAE | SL bias | SL pooled | abandon MAE | abandon bias | abandon pooled |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['model']} | {r['SL MAE']:.3f} | {r['SL bias']:+.3f} | {r['SL pooled']:.3f} | "
              f"{r['abandon MAE']:.3f} | {r['abandon bias']:+.3f} | {r['abandon pooled']:.3f} |")
    print(f"| observed | | | {obs_sl:.3f} | | | {obs_ab:.3f} |")
    if chart:
        _chart(b, models)
        print(f"\nchart written to {CHART.relative_to(ROOT)}")
    return busy_keys


def _chart(b: pd.DataFrame, models: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(15, 7.5), sharex="row", sharey="row")
    for j, (key, label) in enumerate(models.items()):
        for i, (what, name) in enumerate((("sl", "service level (20 s)"), ("ab", "abandon rate"))):
            ax = axes[i, j]
            obs = b[f"obs_{what}"]
            pred = b[f"{key}_{what}"]
            ax.scatter(obs, pred, s=6, alpha=0.35, color="C0" if i == 0 else "C3", linewidths=0)
            top = 1.0 if what == "sl" else max(0.6, float(obs.max()))
            ax.plot([0, top], [0, top], color="k", lw=0.8)
            mae = np.abs(pred - obs).mean()
            ax.set_title(f"{label}\nMAE {mae:.3f}", fontsize=10)
            if j == 0:
                ax.set_ylabel(f"predicted {name}")
            ax.set_xlabel(f"observed {name}")
            ax.set_xlim(0, top)
            ax.set_ylim(0, top)
    fig.suptitle("Israeli bank 1999, 1,410 busy weekday half-hours: predicted vs observed "
                 "(agents = time-weighted presence)", fontsize=12)
    fig.tight_layout()
    CHART.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(CHART, dpi=110)


if __name__ == "__main__":
    raise SystemExit(main())
