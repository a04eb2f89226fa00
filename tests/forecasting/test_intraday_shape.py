"""The intraday shape update (Shen & Huang 2008) against cases with known answers."""

from __future__ import annotations

import numpy as np

from forecasting.core import intraday_factor
from forecasting.intraday import shape_update, slot_covariance

SLOTS = 24


def _loading():
    # Morning slots above the forecast go with afternoon slots below it.
    g = np.where(np.arange(SLOTS) < 10, 1.0, -1.0)
    return g / np.linalg.norm(g)


def test_rank_one_afternoon_is_recovered_from_the_morning():
    g = _loading()
    cov = 0.04 * np.outer(g, g)
    f = np.full(SLOTS, 1e6)  # Poisson noise negligible
    beta = 0.5
    truth = f * (1.0 + beta * g)
    rest = shape_update(f, truth[:10], 10, cov, rank=1)
    np.testing.assert_allclose(rest, truth[10:], rtol=1e-4)
    assert (rest < f[10:]).all()  # a level update would have raised them


def test_rank_one_constant_loading_is_the_gamma_poisson_level_update():
    v = 0.02
    cov = np.full((SLOTS, SLOTS), v)
    f = np.linspace(5.0, 40.0, SLOTS)
    so_far = 1.3 * f[:8] + np.arange(8)
    rest = shape_update(f, so_far, 8, cov, rank=1)
    factor = intraday_factor(so_far.sum(), f[:8].sum(), v)
    np.testing.assert_allclose(rest, factor * f[8:], rtol=1e-9)
    # A larger prior scale trusts the morning less: nearer the forecast.
    weaker = shape_update(f, so_far, 8, cov, rank=1, prior=4.0)
    assert (f[8:] < weaker).all() and (weaker < rest).all()


def test_no_morning_or_no_component_leaves_the_forecast():
    f = np.full(SLOTS, 10.0)
    cov = np.zeros((SLOTS, SLOTS))
    np.testing.assert_array_equal(shape_update(f, np.full(6, 20.0), 6, cov, 2), f[6:])
    cov = np.eye(SLOTS) * 0.01
    unknown = np.full(6, np.nan)
    np.testing.assert_array_equal(shape_update(f, unknown, 6, cov, 2), f[6:])


def test_slot_covariance_recovers_a_rank_one_structure():
    rng = np.random.default_rng(3)
    g = _loading()
    days = 400
    f = np.full((days, SLOTS), 400.0)
    eta = rng.normal(0.0, 0.2, days)[:, None] * g[None, :]
    a = rng.poisson(f * (1.0 + eta)).astype(float)
    day = np.repeat(np.arange(days), SLOTS)
    slot = np.tile(np.arange(SLOTS), days)
    cov = slot_covariance(a.ravel(), f.ravel(), day, slot, SLOTS)
    # The Poisson part (1/400 on the diagonal) is taken off.
    np.testing.assert_allclose(cov, 0.04 * np.outer(g, g), atol=0.0015)
    values = np.linalg.eigvalsh(cov)
    assert values[-1] > 20 * abs(values[-2])


def test_slot_covariance_ignores_slots_forecast_below_one_call():
    f = np.zeros(SLOTS)
    cov = slot_covariance(np.ones(SLOTS), f, np.zeros(SLOTS, int), np.arange(SLOTS), SLOTS)
    assert cov.shape == (SLOTS, SLOTS) and not cov.any()


def test_forecast_lowers_the_afternoon_of_a_day_whose_morning_ran_high(history_factory,
                                                                         monkeypatch):
    import pandas as pd

    from forecasting import core, forecast

    monkeypatch.setattr(core, "INTRADAY_RANK", 1)
    history, _ = history_factory(weeks=14, noise="none", interval_min=60)
    t = history["interval_start"]
    hour = t.dt.hour.to_numpy()
    day = ((t - t.iloc[0]) // pd.Timedelta(days=1)).to_numpy()
    rng = np.random.default_rng(5)
    z = rng.normal(0.0, 0.25, day.max() + 2)
    # Calls move from the morning to the afternoon and back, day by day (rank 1).
    g = np.where(hour < 12, 1.0, -1.0)
    history["calls"] = rng.poisson(history["calls"] * 4 * (1 + z[day] * g)).astype(float)
    target = t.iloc[0].normalize() + pd.Timedelta(weeks=13, days=1)
    cut, end = target + pd.Timedelta(hours=12), target + pd.Timedelta(days=1)
    before = history[t < target]
    base = forecast(before, target, end)
    morning = base[base["interval_start"] < cut][["queue", "interval_start", "calls"]].copy()
    morning["calls"] = np.round(1.4 * morning["calls"])
    updated = forecast(pd.concat([before, morning], ignore_index=True), cut, end)
    plain = base[base["interval_start"] >= cut]["calls"].sum()
    assert updated["calls"].sum() < 0.9 * plain  # the level update would raise it
    report = updated.attrs["report"]["sales"]
    assert report.slot_covariance.shape == (24, 24)
    assert any("shape" in note for note in report.notes)
