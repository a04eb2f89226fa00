"""Small forecast files the scenario tests plan from."""
import numpy as np
import pandas as pd

MON = pd.Timestamp("2024-03-04")


def two_queue_forecast(tmp_path) -> None:
    """``fc.csv``: sales (30 calls) and care (20) every half hour 08:00-16:00, Mon-Tue."""
    starts = pd.date_range(MON, periods=7 * 48, freq="30min")
    hour = starts.hour + starts.minute / 60
    open_ = (hour >= 8) & (hour < 16) & (starts.dayofweek < 2)
    rows = []
    for q, calls in (("sales", 30.0), ("care", 20.0)):
        c = np.where(open_, calls, 0.0)
        rows.append(pd.DataFrame({"queue": q, "interval_start": starts, "calls": c,
                                  "aht_s": np.where(c > 0, 240.0, np.nan)}))
    pd.concat(rows).to_csv(tmp_path / "fc.csv", index=False)


def one_queue_weeks(tmp_path, weeks: int) -> None:
    """``fc.csv``: one queue open 07:00-23:00 every day of ``weeks`` weeks, a daily arc."""
    starts = pd.date_range(MON, periods=weeks * 7 * 48, freq="30min")
    hour = starts.hour + starts.minute / 60
    open_ = (hour >= 7) & (hour < 23)
    calls = np.where(open_, 10 + 4 * np.sin((hour - 7) / 16 * np.pi), 0.0).round()
    pd.DataFrame({"queue": "bank", "interval_start": starts, "calls": calls,
                  "aht_s": np.where(calls > 0, 240.0, np.nan)}).to_csv(tmp_path / "fc.csv",
                                                                      index=False)
