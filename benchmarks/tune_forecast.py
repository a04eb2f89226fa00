"""Choose the forecasting settings on January-June 1999 only.

The settings of ``daily_profile`` and ``daily_profile_month``, those of ``auto``
(weekly origins of its backtest; the intraday level update's prior scale, recency and
persistence half-lives and normal/unusual-day mixture; the shape update's rank and
noise scale, or rank 0) and the benchmark's holiday calendar are chosen on the Israeli bank's arrivals of January-June 1999 at
30 min: the history is cut at 1999-07-01 before anything is computed, and every choice
is the lowest WAPE over one-week-ahead forecasts from the weekly (Sunday) origins
1999-03-07 .. 1999-06-20.  ``benchmarks/bench_forecast.py`` reports on the last 13
weeks of 1999, which play no part here.  The values printed are the defaults in
``forecasting/models.py`` and ``forecasting/core.py``.

Run: ``python benchmarks/tune_forecast.py [calendar] [models] [auto] [intraday]`` (all
four without arguments; a few minutes each on 2 cores).
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_forecast import CALENDAR, CALENDARS, calendar_kw, load  # noqa: E402

import forecasting  # noqa: E402
from forecasting import core  # noqa: E402
from forecasting.intraday import shape_update  # noqa: E402
from forecasting.models import DailyProfile  # noqa: E402
from forecasting.tuning import choose_settings  # noqa: E402

UNTIL = pd.Timestamp("1999-07-01")
FIRST = pd.Timestamp("1999-03-07")
ORIGINS = list(pd.date_range(FIRST, "1999-06-20", freq="7D"))

PROFILE_GRID = {
    "level_weeks": [2, 3, 4, 6, 8],
    "profile_weeks": [4, 6, 8, 12],
    "pool": [0.0, 0.25, 0.5, 0.75, 1.0],
    "pool_weeks": [1, 2, 3, 4],
    "pooled_level": [0.0, 0.25, 0.5, 0.75, 1.0],
    "pooled_days": [7, 14, 21, 28],
    "weekday_weeks": [4, 8, 12, 16],
    "trim": [0.0, 0.1, 0.2, 0.3, 0.4],
    "smooth": [True, False],
}
MONTH_GRID = {
    **PROFILE_GRID,
    "month_shrink": [0.5, 1.0, 2.0, 4.0, 8.0],
    "month_smoothing": [0.0, 0.15, 0.25, 0.33],
}
AUTO_GRID = {"SELECTION_WEEKS": [6, 8, 10, 13]}
#: The holiday calendar the later steps use (the one chosen when ``calendar`` runs).
CHOSEN_CALENDAR = CALENDAR
INTRADAY_RANKS = [1, 2, 3, 4, 6]
INTRADAY_SHAPE_PRIORS = [0.25, 0.5, 1.0, 2.0, 4.0]
INTRADAY_GRID = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]
INTRADAY_HALF_LIVES = [None, 2.0, 1.0, 0.5, 0.25, 0.125]
INTRADAY_PERSISTENCES = [None, 4.0, 1.0]
INTRADAY_UNUSUAL_SHARES = [0.0, 0.02, 0.05, 0.1, 0.2]
INTRADAY_UNUSUAL_VARIANCES = [0.25, 1.0, 4.0]
INTRADAY_DAYS = pd.date_range("1999-04-04", "1999-06-30", freq="D")


def tune_models(history: pd.DataFrame) -> dict:
    out = {}
    for name, model, grid in (
        ("daily_profile", DailyProfile(), PROFILE_GRID),
        ("daily_profile_month", DailyProfile(month_effect=True, name="daily_profile_month"),
         MONTH_GRID),
    ):
        t0 = time.perf_counter()
        result = choose_settings(history, model, grid, UNTIL, first_origin=FIRST,
                                 holidays_country="IL")
        print(f"{name}: WAPE {result.wape:.4f} over {len(result.origins)} origins "
              f"({time.perf_counter() - t0:.0f} s)")
        print("   ", result.settings)
        out[name] = result
    return out


def auto_wape(history: pd.DataFrame, calendar: str | None = None) -> float:
    rows = forecasting.backtest(history, ["auto"], origins=ORIGINS,
                                **calendar_kw(calendar or CHOSEN_CALENDAR))
    return float(rows["wape"].mean())


def tune_calendar(history: pd.DataFrame) -> str:
    """The holiday calendar (of ``CALENDARS``) with the lowest WAPE of ``auto``."""
    names = list(CALENDARS)
    scores = {name: auto_wape(history, name) for name in names}
    for name, score in scores.items():
        print(f"  holiday calendar {name!r}: WAPE {score:.4f}")
    chosen = min(names, key=lambda n: (scores[n], names.index(n)))
    print(f"holiday calendar chosen: CALENDAR = {chosen!r}")
    return chosen


def tune_auto(history: pd.DataFrame) -> dict:
    """Coordinate descent over the settings of ``auto`` (module constants of core)."""
    chosen = {name: getattr(core, name) for name in AUTO_GRID}
    best = auto_wape(history)
    print(f"auto with {chosen}: WAPE {best:.4f}")
    for _ in range(2):
        changed = False
        for name, values in AUTO_GRID.items():
            for value in values:
                if value == chosen[name]:
                    continue
                setattr(core, name, value)
                score = auto_wape(history)
                print(f"  {name} = {value}: WAPE {score:.4f}")
                if score < best - 1e-9:
                    best, chosen[name], changed = score, value, True
                setattr(core, name, chosen[name])
        if not changed:
            break
    print(f"auto chosen: {chosen}, WAPE {best:.4f}")
    return chosen


def morning_forecasts(history: pd.DataFrame, days) -> list:
    """Per open day: its forecast from the history to its midnight, its calls and the
    day-level variance the forecast reports."""
    t = history["interval_start"]
    out = []
    for day in days:
        end = day + pd.Timedelta(days=1)
        fc = forecasting.forecast(history[t < day], day, end, "auto",
                                  **calendar_kw(CHOSEN_CALENDAR))
        f = fc.set_index("interval_start")["calls"]
        a = history[(t >= day) & (t < end)].set_index("interval_start")["calls"]
        a = a.reindex(f.index)
        if a.notna().any():
            report = fc.attrs["report"].queues[0]
            out.append((f.to_numpy(), a.to_numpy(), report.day_variance,
                        report.slot_covariance))
    return out


def intraday_ratio(cases, cut_slot: int, interval, prior: float, half_life,
                   persistence, share: float = 0.0, variance: float = 1.0) -> float:
    """Rest-of-day WAPE from ``cut_slot`` with the update over without it."""
    err_with = err_without = total = 0.0
    w_all = core.recency_weights(cut_slot, interval, half_life)
    keep_all = None
    for f, a, day_variance, _ in cases:
        known = np.isfinite(a[:cut_slot])
        w = w_all[known]
        factor = core.intraday_factor(float((w * a[:cut_slot][known]).sum()),
                                      float((w * f[:cut_slot][known]).sum()), day_variance,
                                      prior, share, variance)
        if keep_all is None:
            keep_all = core.persistence_weights(len(a) - cut_slot, interval, persistence)
        rest = np.isfinite(a[cut_slot:])
        ar, fr = a[cut_slot:][rest], f[cut_slot:][rest]
        err_with += np.abs(ar - (1 + (factor - 1) * keep_all[rest]) * fr).sum()
        err_without += np.abs(ar - fr).sum()
        total += ar.sum()
    return err_with / err_without if total > 0 else float("nan")


def shape_ratio(cases, cut_slot: int, rank: int, prior: float) -> float:
    """Rest-of-day WAPE from ``cut_slot`` with the shape update over without it."""
    err_with = err_without = 0.0
    for f, a, _, cov in cases:
        so_far = np.where(np.isfinite(a[:cut_slot]), a[:cut_slot], np.nan)
        so_far[f[:cut_slot] <= 0] = np.nan
        updated = shape_update(f, so_far, cut_slot, cov, rank, prior)
        rest = np.isfinite(a[cut_slot:])
        err_with += np.abs(a[cut_slot:][rest] - updated[rest]).sum()
        err_without += np.abs(a[cut_slot:][rest] - f[cut_slot:][rest]).sum()
    return err_with / err_without if err_without > 0 else float("nan")


def tune_intraday(history: pd.DataFrame) -> tuple:
    """Settings of the intraday update, from 10:00, on the days of April-June (the
    update's own arithmetic on each day's morning forecast): the level update's prior
    strength, recency and persistence half-lives, and the shape update's rank and prior
    scale; rank 0 (the level update) unless a shape update does better."""
    interval = pd.Timedelta(minutes=30)
    cut = int(pd.Timedelta(hours=10) / interval)
    cases = morning_forecasts(history, INTRADAY_DAYS)
    shape_best, shape_chosen = np.inf, None
    for rank in INTRADAY_RANKS:
        for prior in INTRADAY_SHAPE_PRIORS:
            ratio = shape_ratio(cases, cut, rank, prior)
            print(f"  shape update, rank {rank}, prior {prior}: WAPE ratio {ratio:.3f}")
            if ratio < shape_best - 1e-9:
                shape_best, shape_chosen = ratio, (rank, prior)
    print(f"shape update best: rank {shape_chosen[0]}, prior {shape_chosen[1]} "
          f"(ratio {shape_best:.3f} over {len(cases)} days)")
    trials = []
    for persistence, half_life, prior, share, variance in itertools.product(
            INTRADAY_PERSISTENCES, INTRADAY_HALF_LIVES, INTRADAY_GRID,
            INTRADAY_UNUSUAL_SHARES, INTRADAY_UNUSUAL_VARIANCES):
        if share == 0.0 and variance != INTRADAY_UNUSUAL_VARIANCES[0]:
            continue  # no unusual component: its variance plays no part
        ratio = intraday_ratio(cases, cut, interval, prior, half_life, persistence, share,
                               variance)
        trials.append((ratio, prior, half_life, persistence, share, variance))
    trials.sort(key=lambda t: t[0])  # stable: ties keep the grid order
    print(f"level update, {len(trials)} settings tried; the best ten (WAPE ratio, prior, "
          "half-life h, persistence h, unusual share, unusual variance):")
    for t in trials[:10]:
        print("  ", t)
    single = next(t for t in trials if t[4] == 0.0)
    print(f"  best with one Gamma prior (unusual share 0): {single}")
    best, chosen = trials[0][0], trials[0][1:]
    print(f"level update best: INTRADAY_PRIOR = {chosen[0]}, INTRADAY_HALF_LIFE_H = "
          f"{chosen[1]}, INTRADAY_PERSISTENCE_H = {chosen[2]}, INTRADAY_UNUSUAL_SHARE = "
          f"{chosen[3]}, INTRADAY_UNUSUAL_VARIANCE = {chosen[4]} "
          f"(ratio {best:.3f} over {len(cases)} days)")
    if shape_best < best:
        print(f"intraday chosen: shape update, INTRADAY_RANK = {shape_chosen[0]}, "
              f"INTRADAY_SHAPE_PRIOR = {shape_chosen[1]}")
        return shape_chosen
    print("intraday chosen: level update (INTRADAY_RANK = 0)")
    return chosen


def main() -> None:
    history = load(30)
    history = history[history["interval_start"] < UNTIL].reset_index(drop=True)
    what = sys.argv[1:] or ["models", "calendar", "auto", "intraday"]
    global CHOSEN_CALENDAR
    if "calendar" in what:
        CHOSEN_CALENDAR = tune_calendar(history)
    if "models" in what:
        tune_models(history)
    if "auto" in what:
        tune_auto(history)
    if "intraday" in what:
        tune_intraday(history)


if __name__ == "__main__":
    main()
