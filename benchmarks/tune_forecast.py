"""Choose the forecasting settings on January-June 1999 only.

The settings of ``daily_profile`` and ``daily_profile_month`` and those of ``auto``
(weekly origins of its backtest; strength and recency half-life of the intraday
update) are chosen on the Israeli bank's arrivals of January-June 1999 at
30 min: the history is cut at 1999-07-01 before anything is computed, and every choice
is the lowest WAPE over one-week-ahead forecasts from the weekly (Sunday) origins
1999-03-07 .. 1999-06-20.  ``benchmarks/bench_forecast.py`` reports on the last 13
weeks of 1999, which play no part here.  The values printed are the defaults in
``forecasting/models.py`` and ``forecasting/core.py``.

Run: ``python benchmarks/tune_forecast.py`` (a few minutes on 2 cores).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_forecast import load  # noqa: E402

import forecasting  # noqa: E402
from forecasting import core  # noqa: E402
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
INTRADAY_GRID = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
INTRADAY_HALF_LIVES = [None, 2.0, 1.0, 0.5, 0.25]
INTRADAY_PERSISTENCES = [None, 8.0, 4.0, 2.0, 1.0]
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


def auto_wape(history: pd.DataFrame) -> float:
    rows = forecasting.backtest(history, ["auto"], origins=ORIGINS, holidays_country="IL")
    return float(rows["wape"].mean())


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
        fc = forecasting.forecast(history[t < day], day, end, "auto", holidays_country="IL")
        f = fc.set_index("interval_start")["calls"]
        a = history[(t >= day) & (t < end)].set_index("interval_start")["calls"]
        a = a.reindex(f.index)
        if a.notna().any():
            out.append((f.to_numpy(), a.to_numpy(), fc.attrs["report"].queues[0].day_variance))
    return out


def intraday_ratio(cases, cut_slot: int, interval, prior: float, half_life,
                   persistence) -> float:
    """Rest-of-day WAPE from ``cut_slot`` with the update over without it."""
    err_with = err_without = total = 0.0
    w_all = core.recency_weights(cut_slot, interval, half_life)
    keep_all = None
    for f, a, variance in cases:
        known = np.isfinite(a[:cut_slot])
        w = w_all[known]
        factor = core.intraday_factor(float((w * a[:cut_slot][known]).sum()),
                                      float((w * f[:cut_slot][known]).sum()), variance, prior)
        if keep_all is None:
            keep_all = core.persistence_weights(len(a) - cut_slot, interval, persistence)
        rest = np.isfinite(a[cut_slot:])
        ar, fr = a[cut_slot:][rest], f[cut_slot:][rest]
        err_with += np.abs(ar - (1 + (factor - 1) * keep_all[rest]) * fr).sum()
        err_without += np.abs(ar - fr).sum()
        total += ar.sum()
    return err_with / err_without if total > 0 else float("nan")


def tune_intraday(history: pd.DataFrame) -> tuple:
    """Prior strength and recency half-life of the intraday update, from 10:00, on the
    days of April-June (the update's own arithmetic on each day's morning forecast)."""
    interval = pd.Timedelta(minutes=30)
    cut = int(pd.Timedelta(hours=10) / interval)
    cases = morning_forecasts(history, INTRADAY_DAYS)
    best, chosen = np.inf, None
    for persistence in INTRADAY_PERSISTENCES:
        for half_life in INTRADAY_HALF_LIVES:
            for prior in INTRADAY_GRID:
                ratio = intraday_ratio(cases, cut, interval, prior, half_life, persistence)
                print(f"  persistence {persistence} h, half-life {half_life} h, "
                      f"prior {prior}: WAPE ratio {ratio:.3f}")
                if ratio < best - 1e-9:
                    best, chosen = ratio, (prior, half_life, persistence)
    print(f"intraday chosen: prior {chosen[0]}, half-life {chosen[1]} h, persistence "
          f"{chosen[2]} h (ratio {best:.3f} over {len(cases)} days)")
    return chosen


def main() -> None:
    history = load(30)
    history = history[history["interval_start"] < UNTIL].reset_index(drop=True)
    what = sys.argv[1:] or ["models", "auto", "intraday"]
    if "models" in what:
        tune_models(history)
    if "auto" in what:
        tune_auto(history)
    if "intraday" in what:
        tune_intraday(history)


if __name__ == "__main__":
    main()
