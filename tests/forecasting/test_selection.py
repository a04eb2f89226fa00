"""model="auto" picks, per queue, the model the rolling backtest favours."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting import forecast

START = pd.Timestamp("2024-01-01")


def _chosen(history, weeks):
    start = START + pd.Timedelta(weeks=weeks)
    out = forecast(history, start, start + pd.Timedelta(days=7), "auto")
    return {q.queue: q for q in out.attrs["report"].queues}


def test_jumping_weekly_level_without_noise_picks_seasonal_naive(history_factory):
    rng = np.random.default_rng(1)
    weekly = np.exp(np.cumsum(rng.normal(0, 0.25, size=20)))  # random walk, big steps

    def level(days):
        return weekly[(days - days[0]).days // 7]

    history, _ = history_factory(weeks=16, noise="none", day_factor=level, interval_min=60)
    report = _chosen(history, 16)["sales"]
    assert report.model == "seasonal_naive"
    assert report.scores["seasonal_naive"] == min(report.scores.values())


def test_stable_noisy_series_picks_an_average(history_factory):
    history, _ = history_factory(weeks=16, seed=2, interval_min=60,
                                 weekday_totals=[120, 110, 100, 100, 90, 40, 0])
    report = _chosen(history, 16)["sales"]
    assert report.model != "seasonal_naive"
    assert report.scores[report.model] < 0.8 * report.scores["seasonal_naive"]


def test_month_effect_series_picks_the_month_model_per_queue(history_factory):
    def month(days):
        return 1.0 + 0.6 * np.exp(-0.5 * ((days.day.to_numpy() - 2.0) / 1.5) ** 2)

    a, _ = history_factory(weeks=30, noise="none", day_factor=month, interval_min=60,
                           queue="bills")
    rng = np.random.default_rng(3)
    weekly = np.exp(np.cumsum(rng.normal(0, 0.25, size=40)))
    b, _ = history_factory(weeks=30, noise="none", interval_min=60, queue="jumpy",
                           day_factor=lambda d: weekly[(d - d[0]).days // 7])
    chosen = _chosen(pd.concat([a, b], ignore_index=True), 30)
    assert chosen["bills"].model == "daily_profile_month"
    assert chosen["jumpy"].model == "seasonal_naive"
