"""Re-forecasting the rest of a day from its calls so far."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import forecast
from forecasting.core import intraday_factor

START = pd.Timestamp("2024-01-01")


def test_intraday_factor_is_the_gamma_poisson_posterior_mean():
    # c = prior / variance = 1 / 0.01 = 100 calls of prior weight.
    assert intraday_factor(130.0, 100.0, 0.01) == pytest.approx(230.0 / 200.0)
    assert intraday_factor(130.0, 100.0, 0.01, prior=2.0) == pytest.approx(330.0 / 300.0)
    assert intraday_factor(0.0, 0.0, 0.01) == 1.0  # nothing expected yet: no update
    assert intraday_factor(50.0, 40.0, float("nan")) == 1.0


def _day_levels(days):
    # Day-to-day level noise (sd ~ 15 %) so that days are known to differ.
    rng = np.random.default_rng(42)
    return np.exp(rng.normal(0, 0.15, len(days)))


def test_a_day_that_started_30_percent_above_profile_is_raised(history_factory):
    history, mean = history_factory(weeks=12, seed=8, interval_min=30, day_factor=_day_levels)
    day = START + pd.Timedelta(weeks=11, days=1)  # a Tuesday
    cut = day + pd.Timedelta(hours=11)
    t = history["interval_start"]
    morning = forecast(history[t < day], cut, day + pd.Timedelta(days=1))
    # The day so far: 30 % above the forecast, interval by interval.
    before = history[t < day]
    fc_day = forecast(before, day, day + pd.Timedelta(days=1))
    so_far = fc_day[fc_day["interval_start"] < cut].copy()
    so_far["calls"] = np.round(1.3 * so_far["calls"])
    so_far = so_far[so_far["calls"] > 0][["queue", "interval_start", "calls"]]
    updated = forecast(pd.concat([before, so_far], ignore_index=True), cut,
                       day + pd.Timedelta(days=1))
    report = updated.attrs["report"]["sales"]
    ratio = updated["calls"].sum() / morning["calls"].sum()
    assert 1.1 < ratio < 1.3
    assert report.intraday_factor == pytest.approx(ratio, rel=1e-6)
    assert any("intraday update" in note for note in report.notes)
    # Without the day's calls in the history the forecast is the morning one.
    assert np.isnan(morning.attrs["report"]["sales"].intraday_factor)
    # Calls after the cut in the history are not read: the same forecast results.
    later = forecast(history[t < day + pd.Timedelta(days=1)].pipe(
        lambda h: pd.concat([h[h["interval_start"] < day], so_far,
                             h[h["interval_start"] >= cut]], ignore_index=True)),
        cut, day + pd.Timedelta(days=1))
    np.testing.assert_allclose(later["calls"], updated["calls"])


def test_a_day_on_profile_is_left_nearly_as_it_was(history_factory):
    history, _ = history_factory(weeks=12, seed=9, interval_min=30, day_factor=_day_levels)
    day = START + pd.Timedelta(weeks=11, days=2)
    cut = day + pd.Timedelta(hours=11)
    t = history["interval_start"]
    before = history[t < day]
    fc_day = forecast(before, day, day + pd.Timedelta(days=1))
    so_far = fc_day[fc_day["interval_start"] < cut][["queue", "interval_start", "calls"]]
    so_far = so_far[so_far["calls"] > 0]
    updated = forecast(pd.concat([before, so_far], ignore_index=True), cut,
                       day + pd.Timedelta(days=1))
    assert updated.attrs["report"]["sales"].intraday_factor == pytest.approx(1.0, abs=1e-9)
