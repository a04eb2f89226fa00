"""model="auto" weights, per queue, the models the rolling backtest favours."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting import forecast

START = pd.Timestamp("2024-01-01")


def _main(report):
    """The candidate with the largest weight in the forecast "auto" made."""
    return max(report.weights, key=report.weights.get)


def _chosen(history, weeks):
    start = START + pd.Timedelta(weeks=weeks)
    out = forecast(history, start, start + pd.Timedelta(days=7), "auto")
    return {q.queue: q for q in out.attrs["report"].queues}


def test_growing_level_without_noise_weights_seasonal_naive(history_factory):
    def level(days):
        return 1.1 ** np.asarray((days - days[0]).days // 7)  # +10 % a week

    history, _ = history_factory(weeks=16, noise="none", day_factor=level, interval_min=60)
    report = _chosen(history, 16)["sales"]
    assert _main(report) == "seasonal_naive"
    assert report.weights["seasonal_naive"] > 0.9
    assert report.scores["seasonal_naive"] == min(report.scores.values())


def test_stable_noisy_series_weights_the_averages(history_factory):
    history, _ = history_factory(weeks=16, seed=2, interval_min=60,
                                 weekday_totals=[120, 110, 100, 100, 90, 40, 0])
    report = _chosen(history, 16)["sales"]
    assert report.weights.get("seasonal_naive", 0.0) < 0.2
    assert report.scores[_main(report)] < 0.8 * report.scores["seasonal_naive"]


def test_weights_are_chosen_per_queue(history_factory):
    a, _ = history_factory(weeks=16, seed=2, interval_min=60, queue="stable")
    b, _ = history_factory(weeks=16, noise="none", interval_min=60, queue="growing",
                           day_factor=lambda d: 1.1 ** np.asarray((d - d[0]).days // 7))
    chosen = _chosen(pd.concat([a, b], ignore_index=True), 16)
    assert chosen["stable"].weights.get("seasonal_naive", 0.0) < 0.2
    assert chosen["growing"].weights["seasonal_naive"] > 0.9
