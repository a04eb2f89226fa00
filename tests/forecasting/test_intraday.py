"""Re-forecasting the rest of a day from its calls so far."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import forecast
from forecasting.core import intraday_factor
from wfm.errors import InputError

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
    # The prior chosen on January-June 1999 holds a morning two day-level standard
    # deviations high partly back (a normal day is far likelier than an unusual one);
    # a weaker prior lets it further.
    assert 1.05 < ratio < 1.3
    weaker = forecast(pd.concat([before, so_far], ignore_index=True), cut,
                      day + pd.Timedelta(days=1), intraday_prior=1.0)
    assert ratio + 0.03 < weaker["calls"].sum() / morning["calls"].sum() < 1.3
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


def _mixture_posterior_mean(a, f, v, prior, share, variance):
    """Posterior mean of the level by numerical integration (independent reference)."""
    from scipy import integrate, stats

    def density(x):
        normal = stats.gamma.pdf(x, a=prior / v, scale=v / prior)
        unusual = stats.gamma.pdf(x, a=1 / variance, scale=variance)
        return ((1 - share) * normal + share * unusual) * stats.poisson.pmf(a, x * f)

    top = integrate.quad(lambda x: x * density(x), 0, 5, points=[a / f, 1.0], limit=200)[0]
    bottom = integrate.quad(density, 0, 5, points=[a / f, 1.0], limit=200)[0]
    return top / bottom


@pytest.mark.parametrize("a, f", [(95.0, 100.0), (130.0, 100.0), (12.0, 100.0)])
def test_mixture_prior_factor_is_the_posterior_mean(a, f):
    got = intraday_factor(a, f, 0.01, prior=2.0, unusual_share=0.05, unusual_variance=1.0)
    assert got == pytest.approx(_mixture_posterior_mean(a, f, 0.01, 2.0, 0.05, 1.0), rel=1e-5)


def test_mixture_prior_moves_a_far_morning_most_of_the_way():
    single = intraday_factor(12.0, 100.0, 0.01, prior=16.0)
    mixed = intraday_factor(12.0, 100.0, 0.01, prior=16.0, unusual_share=0.05)
    assert single > 0.9  # one strong prior barely moves
    assert 0.1 < mixed < 0.2  # an unusual day: near the 0.12 of the morning
    near = intraday_factor(103.0, 100.0, 0.01, prior=16.0, unusual_share=0.05)
    assert near == pytest.approx(intraday_factor(103.0, 100.0, 0.01, prior=16.0), abs=2e-3)
    assert intraday_factor(50.0, 40.0, 0.01, unusual_share=0.0) == intraday_factor(50.0, 40.0, 0.01)
    with pytest.raises(InputError, match="unusual_share"):
        intraday_factor(50.0, 40.0, 0.01, unusual_share=1.0)
