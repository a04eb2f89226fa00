"""``auto`` combines the candidates by their backtest errors and never reads later weeks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from forecasting import Combination, Model, backtest, forecast
from forecasting.core import combination_weights, day_level_variance
from forecasting.models import DailyProfile, WeekAverage
from forecasting.tuning import choose_settings
from wfm.errors import InputError

from .conftest import WEEKDAY_TOTALS, intraday_shape

START = pd.Timestamp("2024-01-01")


def test_combination_weights_put_the_weight_on_the_better_forecast():
    rng = np.random.default_rng(0)
    truth = rng.uniform(20, 80, 2000)
    actual = rng.poisson(truth)
    good = truth * rng.normal(1.0, 0.03, truth.size)
    bad = truth * 1.3 + rng.normal(0, 5, truth.size)
    origin = np.repeat(np.arange(10), 200)
    w = combination_weights(actual, np.column_stack([bad, good]), prior=0, origin=origin)
    assert w[1] > 0.9 and w.sum() == pytest.approx(1.0)
    # One origin is no evidence: all weight on the prior.
    np.testing.assert_allclose(combination_weights(actual, np.column_stack([bad, good]),
                                                   prior=0, origin=np.zeros(2000)), [1, 0])


def test_combination_weights_stay_on_the_prior_when_the_gain_is_noise():
    rng = np.random.default_rng(1)
    truth = rng.uniform(20, 80, 2000)
    actual = rng.poisson(truth)
    # Two forecasts equally good, each off by its own noise: no evidence for either.
    a = truth * rng.normal(1.0, 0.15, truth.size)
    b = truth * rng.normal(1.0, 0.15, truth.size)
    origin = np.repeat(np.arange(10), 200)
    w = combination_weights(actual, np.column_stack([a, b]), prior=0, origin=origin)
    unshrunk = combination_weights(actual, np.column_stack([a, b]), prior=1, origin=origin)
    # Averaging two equal forecasts is a real gain over either: both keep weight, but
    # each prior keeps more than the other side gives it.
    assert w[0] > unshrunk[0]


def test_combination_is_the_weighted_mean_and_checks_its_weights():
    a, b = WeekAverage(4, "mean", name="a"), WeekAverage(4, "median", name="b")
    with pytest.raises(InputError, match="weights"):
        Combination((a, b), (0.7, 0.7))
    with pytest.raises(InputError, match="weights"):
        Combination((a, b), (1.0,))
    assert Combination((a, b), (0.25, 0.75)).describe() == "b 0.75 + a 0.25"


@dataclass(frozen=True)
class _Oracle(Model):
    """The true mean of a growing synthetic centre (knows the growth)."""

    growth: float = 0.04
    name: str = "oracle"

    def predict(self, training, days):
        weeks = ((days - START) / pd.Timedelta(days=7)).to_numpy()
        totals = WEEKDAY_TOTALS[days.weekday] * (1 + self.growth) ** np.floor(weeks)
        return totals[:, None] * intraday_shape(training.slots)[None, :]


def test_auto_weights_recover_the_better_model_on_a_growing_series(history_factory):
    def growth(days):
        return 1.04 ** np.floor(((days - START) / pd.Timedelta(days=7)).to_numpy())

    history, _ = history_factory(weeks=16, seed=5, interval_min=60, day_factor=growth)
    start = START + pd.Timedelta(weeks=16)
    out = forecast(history, start, start + pd.Timedelta(days=7),
                   candidates=("week_median_8", "week_mean_8", _Oracle()))
    report = out.attrs["report"]["sales"]
    # The 8-week averages lag a 4 %-a-week growth by 15 %: the oracle carries the weight.
    assert report.weights["oracle"] > 0.75
    assert report.scores["oracle"] < report.scores["week_mean_8"]
    assert report.model == "combination" and "weights: oracle" in "\n".join(report.lines())


def test_a_pure_seasonal_average_is_forecast_no_worse_than_the_median(history_factory):
    history, _ = history_factory(weeks=20, seed=7, interval_min=60)
    # Stable weekday totals and shape, Poisson counts: the truth is a seasonal average.
    rows = backtest(history, ["week_median_4", "week_median_6", "week_median_8", "auto"],
                    origins=6)
    score = rows.groupby("model")["wape"].mean()
    assert score["auto"] <= min(score[["week_median_4", "week_median_6", "week_median_8"]])


def test_day_level_variance_recovers_a_gamma_poisson_day_factor():
    rng = np.random.default_rng(3)
    days, per_day = 4000, 20
    forecast_ = np.full(days * per_day, 10.0)  # 200 calls a day
    level = rng.gamma(1 / 0.04, 0.04, days)  # mean 1, variance 0.04
    actual = rng.poisson(forecast_ * np.repeat(level, per_day))
    day = np.repeat(np.arange(days), per_day)
    # Log of a Gamma(25, 1/25) factor has sd 0.2020 (trigamma(25) = 0.0408).
    assert day_level_variance(actual, forecast_, day) == pytest.approx(0.0408, abs=0.005)


def _shuffle_after(history: pd.DataFrame, cut: pd.Timestamp, seed: int) -> pd.DataFrame:
    """The same history with the calls of the whole weeks after ``cut`` permuted by week."""
    out = history.copy()
    t = out["interval_start"]
    week = ((t - cut) // pd.Timedelta(days=7)).where(t >= cut)
    weeks = sorted(week.dropna().unique())
    full = [w for w in weeks if (week == w).sum() == (week == weeks[0]).sum()]
    order = np.random.default_rng(seed).permutation(full)
    for src, dst in zip(full, order, strict=True):
        out.loc[week == dst, "calls"] = history.loc[week == src, "calls"].to_numpy()
    assert not out["calls"].equals(history["calls"])
    return out


def test_shuffling_the_evaluation_weeks_changes_no_chosen_setting(history_factory):
    def wobble(days):
        return 1 + 0.2 * np.sin(np.arange(len(days)) / 9.0)

    history, _ = history_factory(weeks=24, seed=11, interval_min=60, day_factor=wobble)
    cut = START + pd.Timedelta(weeks=16)
    shuffled = _shuffle_after(history, cut, seed=1)
    grid = {"level_weeks": [2, 4, 8], "pool": [0.0, 0.5, 1.0], "pooled_level": [0.0, 0.5]}
    a = choose_settings(history, DailyProfile(), grid, cut)
    b = choose_settings(shuffled, DailyProfile(), grid, cut)
    assert a.settings == b.settings and a.wape == b.wape
    assert a.origins[-1] + pd.Timedelta(days=7) <= cut
    # The weights "auto" uses at an origin do not depend on the weeks after it.
    ra = backtest(history, ["auto"], origins=[cut])
    rb = backtest(shuffled, ["auto"], origins=[cut])
    assert ra["weights"].iloc[0] == rb["weights"].iloc[0]
    assert ra["wape"].iloc[0] != rb["wape"].iloc[0]  # the scored week itself moved


def test_a_failed_weight_fit_is_said_and_falls_back_to_the_best_average(history_factory,
                                                                        monkeypatch):
    from forecasting import core

    monkeypatch.setattr(core, "_simplex_least_squares",
                        lambda f, y: (None, "Iteration limit reached"))
    history, _ = history_factory(weeks=14, seed=3, interval_min=60)
    start = START + pd.Timedelta(weeks=14)
    report = forecast(history, start, start + pd.Timedelta(days=7)).attrs["report"]["sales"]
    assert len(report.weights) == 1 and next(iter(report.weights)).startswith("week_")
    assert any("not fitted (Iteration limit reached)" in note for note in report.notes)
