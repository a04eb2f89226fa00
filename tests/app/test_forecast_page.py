"""Forecast page: the forecast follows the chosen model; the backtest table scores models."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wfm.ui import state


def _with_history(app, history):
    app.run()
    app.session_state[state.DATA] = state.LoadedData(history=history, source="test", version=1)
    return app


def _forecast(at, model: str):
    at.selectbox(key="forecast.model").set_value(model)
    at.button(key="FormSubmitter:forecast.form-Make forecast").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at.session_state[state.FORECAST]


def test_seasonal_naive_repeats_the_last_week(app, open_page, make_history, metrics, figures):
    # Four weeks, then a last week with 50 % more calls: seasonal naive repeats that week.
    hist = make_history(days=35)
    last = hist["interval_start"] >= hist["interval_start"].max().normalize() - pd.Timedelta(days=6)
    hist.loc[last, "calls"] = np.round(1.5 * hist.loc[last, "calls"])
    at = open_page(_with_history(app, hist), "forecast")
    run = _forecast(at, "seasonal_naive")
    # Default week: the day after the last day of the history.
    assert run.start == pd.Timestamp("2024-02-05") and run.end == pd.Timestamp("2024-02-12")
    assert metrics(at)["Calls forecast"] == f"{hist.loc[last, 'calls'].sum():,.0f}"
    fig = figures(at)[0]
    line = next(t for t in fig["data"] if t.get("name") == "forecast")
    assert np.allclose(np.asarray(line["y"], float), hist.loc[last, "calls"].to_numpy())


def test_changing_the_model_changes_the_forecast(app, open_page, make_history, metrics):
    hist = make_history(days=35)
    last = hist["interval_start"] >= pd.Timestamp("2024-01-29")
    hist.loc[last, "calls"] = np.round(1.5 * hist.loc[last, "calls"])
    at = open_page(_with_history(app, hist), "forecast")
    _forecast(at, "seasonal_naive")
    naive = metrics(at)["Calls forecast"]
    _forecast(at, "week_mean")
    mean = metrics(at)["Calls forecast"]
    # The 8-week mean blends the ordinary weeks in: fewer calls than the last week alone.
    assert float(mean.replace(",", "")) < float(naive.replace(",", ""))


def test_backtest_table_scores_each_model(app, open_page, make_history):
    hist = make_history(days=35)  # every day the same: seasonal naive is exact
    at = open_page(_with_history(app, hist), "forecast")
    at.multiselect(key="backtest.models").set_value(["seasonal_naive", "week_mean"])
    at.number_input(key="backtest.origins").set_value(2)
    at.button(key="FormSubmitter:backtest.form-Run backtest").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "WAPE" in d.value.columns)
    assert set(table["model"]) == {"seasonal_naive", "week_mean"}
    naive = table.set_index("model").loc["seasonal_naive"]
    assert naive["WAPE"] == 0 and naive["origins"] == 2


def test_rest_of_a_day_is_re_forecast_beside_the_morning_forecast(app, open_page,
                                                                   make_history, metrics,
                                                                   figures):
    hist = make_history(days=35)
    # Days differ by about 15 % in level, so a morning's calls say something.
    day_of = hist["interval_start"].dt.normalize()
    level = np.exp(np.random.default_rng(0).normal(0, 0.15, day_of.nunique()))
    hist["calls"] = np.round(hist["calls"] * level[day_of.factorize()[0]])
    day = hist["interval_start"].max().normalize()
    # The last day runs 40 % above the others from its start.
    on_day = hist["interval_start"] >= day
    hist.loc[on_day, "calls"] = np.round(1.4 * hist.loc[on_day, "calls"])
    at = open_page(_with_history(app, hist), "forecast")
    at.button(key="FormSubmitter:intraday.form-Re-forecast").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = metrics(at)
    morning = float(shown["Rest of day, morning forecast"].replace(",", ""))
    updated = float(shown["Rest of day, updated"].replace(",", ""))
    assert updated > 1.1 * morning
    fig = next(f for f in figures(at) if any(t.get("name") == "updated forecast"
                                             for t in f["data"]))
    names = {t.get("name") for t in fig["data"]}
    assert {"calls", "morning forecast", "updated forecast"} <= names
