"""Each volume model recovers a known weekly and intraday pattern."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import MODELS, forecast, wape

FAST_MODELS = ["seasonal_naive", "week_mean", "week_weighted", "week_median",
               "daily_profile", "daily_profile_month"]


def _next_week(history, weeks=12, start="2024-01-01"):
    first = pd.Timestamp(start) + pd.Timedelta(weeks=weeks)
    return first, first + pd.Timedelta(days=7)


def _truth(factory, weeks_total, **kw):
    _, mean = factory(weeks=weeks_total, noise="none", **kw)
    return mean


@pytest.mark.parametrize("name", ["seasonal_naive", "week_mean", "week_weighted", "week_median"])
def test_interval_averages_are_exact_on_a_noise_free_series(history_factory, name):
    history, _ = history_factory(weeks=12, noise="none")
    truth = _truth(history_factory, 13)[-7:]
    start, end = _next_week(history)
    out = forecast(history, start, end, name)
    np.testing.assert_allclose(out["calls"].to_numpy(), truth.ravel(), atol=1e-9)


@pytest.mark.parametrize("name", ["daily_profile", "daily_profile_month"])
def test_daily_profile_recovers_totals_exactly_and_shape_closely(history_factory, name):
    history, _ = history_factory(weeks=12, noise="none")
    truth = _truth(history_factory, 13)[-7:]
    start, end = _next_week(history)
    calls = forecast(history, start, end, name)["calls"].to_numpy().reshape(7, -1)
    # Daily totals: exact (the profile sums to 1, month factors are 1 without an effect).
    np.testing.assert_allclose(calls.sum(axis=1), truth.sum(axis=1), rtol=1e-6)
    # Intraday shape: the light smoothing moves a smooth shape by a few percent only.
    open_days = truth.sum(axis=1) > 0
    err = np.abs(calls[open_days] - truth[open_days]).sum() / truth.sum()
    assert err < 0.03


@pytest.mark.parametrize("name", FAST_MODELS)
def test_models_recover_weekday_totals_and_peak_from_noisy_counts(history_factory, name):
    history, _ = history_factory(weeks=12, seed=3)
    truth = _truth(history_factory, 13)[-7:]
    start, end = _next_week(history)
    calls = forecast(history, start, end, name)["calls"].to_numpy().reshape(7, -1)
    tol = 0.15 if name == "seasonal_naive" else 0.06
    np.testing.assert_allclose(calls.sum(axis=1), truth.sum(axis=1), rtol=tol)
    # Intraday shape: correlation with the true shape on each open weekday.
    min_corr = 0.85 if name == "seasonal_naive" else 0.97
    for day in range(6):
        assert np.corrcoef(calls[day], truth[day])[0, 1] > min_corr


def test_averaging_beats_seasonal_naive_on_pure_noise(history_factory):
    history, _ = history_factory(weeks=12, seed=5)
    truth = _truth(history_factory, 13)[-7:].ravel()
    start, end = _next_week(history)
    err = {}
    for name in ("seasonal_naive", "week_mean", "daily_profile"):
        calls = forecast(history, start, end, name)["calls"].to_numpy()
        err[name] = np.abs(calls - truth).sum() / truth.sum()
    # 8 weeks averaged: noise shrinks roughly by sqrt(8).
    assert err["week_mean"] < 0.6 * err["seasonal_naive"]
    assert err["daily_profile"] < 0.6 * err["seasonal_naive"]


def _month_effect(days):
    # A smooth bump over the first days of the month (bills, salaries, statements).
    return 1.0 + 0.5 * np.exp(-0.5 * ((days.day.to_numpy() - 2.0) / 1.5) ** 2)


def test_month_effect_is_learned_on_daily_totals(history_factory):
    weeks = 30
    history, _ = history_factory(weeks=weeks, noise="none", day_factor=_month_effect,
                                 interval_min=60)
    truth = history_factory(weeks=weeks + 2, noise="none", day_factor=_month_effect,
                            interval_min=60)[1][-14:]
    start = pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=weeks)
    end = start + pd.Timedelta(days=14)
    days = pd.date_range(start, end - pd.Timedelta(days=1))
    first_days = (days.day <= 3) & (truth.sum(axis=1) > 0)
    assert first_days.any()
    with_month = forecast(history, start, end, "daily_profile_month")["calls"].to_numpy()
    without = forecast(history, start, end, "daily_profile")["calls"].to_numpy()
    tot_m = with_month.reshape(14, -1).sum(axis=1)
    tot_0 = without.reshape(14, -1).sum(axis=1)
    true_tot = truth.sum(axis=1)
    # Within 15 % on the busy first days of the month (the factor is shrunk towards 1);
    # the plain model misses by > 20 %.
    np.testing.assert_allclose(tot_m[first_days], true_tot[first_days], rtol=0.15)
    assert np.all(np.abs(tot_0[first_days] / true_tot[first_days] - 1) > 0.20)


def test_models_registry_names_match():
    for name, model in MODELS.items():
        assert model.name == name


@pytest.mark.slow
def test_statsforecast_mstl_recovers_weekday_totals(history_factory):
    history, _ = history_factory(weeks=10, seed=1, interval_min=60)
    truth = _truth(history_factory, 11, interval_min=60)[-7:]
    start, end = _next_week(history, weeks=10)
    calls = forecast(history, start, end, "mstl_daily")["calls"].to_numpy().reshape(7, -1)
    np.testing.assert_allclose(calls.sum(axis=1), truth.sum(axis=1), rtol=0.08, atol=5)


@pytest.mark.slow
def test_statsforecast_mstl_on_intervals_recovers_the_week(history_factory):
    history, _ = history_factory(weeks=10, seed=1, interval_min=60)
    truth = _truth(history_factory, 11, interval_min=60)[-7:]
    start, end = _next_week(history, weeks=10)
    calls = forecast(history, start, end, "mstl_interval")["calls"].to_numpy().reshape(7, -1)
    np.testing.assert_allclose(calls.sum(axis=1), truth.sum(axis=1), rtol=0.08, atol=5)
    assert wape(truth.ravel(), calls.ravel()) < 0.12
    assert (calls[truth == 0] == 0).all()  # closed hours stay closed
