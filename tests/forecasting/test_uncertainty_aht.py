"""Prediction intervals (calibrated negative binomial) and the AHT profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import backtest, forecast
from forecasting.uncertainty import calibrate_dispersion, count_quantiles, interval_coverage

START = pd.Timestamp("2024-01-01")


def test_calibrated_dispersion_gives_target_coverage_on_negative_binomial_data():
    rng = np.random.default_rng(7)
    mu = rng.uniform(20, 80, size=20_000)
    phi = 0.05
    n = 1 / phi
    y = rng.negative_binomial(n, n / (n + mu))
    est = calibrate_dispersion(y, mu)
    assert 0.02 < est < 0.08
    assert interval_coverage(y, mu, est) == pytest.approx(0.8, abs=0.01)


def test_poisson_data_needs_almost_no_extra_dispersion():
    rng = np.random.default_rng(8)
    mu = rng.uniform(20, 80, size=20_000)
    y = rng.poisson(mu)
    assert calibrate_dispersion(y, mu) < 0.005


def test_quantiles_zero_where_closed_and_ordered():
    low, high = count_quantiles(np.array([0.0, 5.0, 50.0]), 0.05)
    assert low[0] == high[0] == 0
    assert (low[1:] <= [5, 50]).all() and (high[1:] >= [5, 50]).all()


def test_backtest_coverage_lands_between_70_and_90_percent(history_factory):
    rng = np.random.default_rng(11)
    level = rng.gamma(50, 1 / 50, size=7 * 40)  # day-to-day level noise, cv 14 %

    def day_noise(days):
        return level[: len(days)]

    history, _ = history_factory(weeks=26, day_factor=day_noise, seed=12, interval_min=60)
    rows = backtest(history, ["daily_profile"], origins=6)
    cov = rows["coverage"].mean()
    assert 0.70 <= cov <= 0.90


def _aht(days, slots):
    hours = np.arange(slots) * 24 / slots
    return np.tile(180 + 60 * np.sin(2 * np.pi * (hours - 8) / 24), (len(days), 1))


def test_aht_profile_follows_time_of_day(history_factory):
    history, _ = history_factory(weeks=8, aht=_aht, seed=3)
    start = START + pd.Timedelta(weeks=8)
    out = forecast(history, start, start + pd.Timedelta(days=7), "week_mean")
    busy = out["calls"] > 20  # about 160 calls behind each slot: little shrinkage
    truth = _aht(pd.DatetimeIndex(out["interval_start"]), 48)[0]
    slot = (out["interval_start"].dt.hour * 2 + out["interval_start"].dt.minute // 30)
    np.testing.assert_allclose(out.loc[busy, "aht_s"], truth[slot[busy]], rtol=0.05)


def test_aht_thin_slots_shrink_towards_daily_mean(history_factory):
    history, _ = history_factory(weeks=4, aht=_aht, seed=4, noise="none")
    history["aht_s"] = 200.0
    # One odd slot: a single call per week at 07:30-08:00 on Mondays lasting 2000 s.
    odd = (history["interval_start"].dt.weekday == 0) & (history["interval_start"].dt.hour == 19) \
        & (history["interval_start"].dt.minute == 30)
    history.loc[odd, "calls"] = 1.0
    history.loc[odd, "aht_s"] = 2000.0
    start = START + pd.Timedelta(weeks=4)
    out = forecast(history, start, start + pd.Timedelta(days=1), "week_mean")
    value = out.loc[out["interval_start"] == start + pd.Timedelta(hours=19, minutes=30), "aht_s"]
    value = float(value.iloc[0])
    # 4 calls against a prior of 30: w = 4/34, so about 200 + (2000 - 200) * 4/34 = 412 s
    # (the daily mean itself moves up a little with those 4 long calls).
    assert 380 < value < 450
    normal = out.loc[out["interval_start"] == start + pd.Timedelta(hours=10), "aht_s"]
    assert float(normal.iloc[0]) == pytest.approx(200.0, rel=0.01)
