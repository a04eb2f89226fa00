"""The forecast frame contract, bad input, and backtest rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import AUTO_CANDIDATES, backtest, forecast, wape
from wfm.errors import DataError, InputError
from wfm.frames import FORECAST_COLUMNS, validate_forecast

START = pd.Timestamp("2024-01-01")


def test_frame_covers_every_queue_and_interval(history_factory):
    a, _ = history_factory(weeks=6, queue="sales", seed=1)
    b, _ = history_factory(weeks=6, queue="support", seed=2, interval_min=30)
    history = pd.concat([a, b], ignore_index=True)
    start = START + pd.Timedelta(weeks=6, hours=9, minutes=30)
    end = start + pd.Timedelta(days=2, hours=3)
    calls = []
    out = forecast(history, start, end, progress=lambda d, t, m: calls.append((d, t)))
    assert list(out.columns) == list(FORECAST_COLUMNS)
    expected = pd.date_range(start, end, freq="30min", inclusive="left")
    for q in ("sales", "support"):
        got = out[out["queue"] == q]["interval_start"]
        assert list(got) == list(expected)
    assert (out["calls_low"] <= out["calls"] + 1).all()
    assert (out["calls_high"] >= np.floor(out["calls"])).all()
    assert out["aht_s"].isna().all()  # volume-only history
    assert calls[-1] == (2, 2)
    # Open intervals have AHT NaN here, so only the volume part is checked.
    validate_forecast(out.assign(aht_s=np.where(out["calls"] > 0, 200.0, np.nan)))


def test_short_history_says_how_much_is_needed(history_factory):
    history, _ = history_factory(weeks=1)
    with pytest.raises(DataError, match="two weeks"):
        forecast(history, "2024-01-08", "2024-01-15")


@pytest.mark.parametrize("breakage, message", [
    (lambda h: h.assign(calls=h["calls"].where(h.index != 5, -1.0)), ">= 0"),
    (lambda h: pd.concat([h, h.iloc[[7]]], ignore_index=True), "duplicated"),
    (lambda h: h.iloc[::-1].reset_index(drop=True), "not sorted"),
])
def test_bad_history_is_reported(history_factory, breakage, message):
    history, _ = history_factory(weeks=3)
    with pytest.raises(DataError, match=message):
        forecast(breakage(history), "2024-01-22", "2024-01-29")


def test_bad_parameters(history_factory):
    history, _ = history_factory(weeks=3)
    with pytest.raises(InputError, match="end"):
        forecast(history, "2024-01-22", "2024-01-22")
    with pytest.raises(InputError, match="grid"):
        forecast(history, "2024-01-22 00:10", "2024-01-29")
    with pytest.raises(InputError, match="model"):
        forecast(history, "2024-01-22", "2024-01-29", "prophet")
    with pytest.raises(InputError, match="holidays_country"):
        forecast(history, "2024-01-22", "2024-01-29", holidays_country="XX")


def test_backtest_rows_and_seasonal_naive_wape_by_hand(history_factory):
    history, _ = history_factory(weeks=6, seed=4, interval_min=60)
    rows = backtest(history, ["seasonal_naive", "week_mean", "auto"], origins=2)
    assert len(rows) == 3 * 2
    assert set(rows["model"]) == {"seasonal_naive", "week_mean", "auto"}
    first = rows[rows["model"] == "seasonal_naive"].iloc[-1]
    origin = first["origin"]
    # Sundays are closed (no rows), so the last whole week runs Sunday 4 .. Saturday 10.
    assert origin == pd.Timestamp("2024-02-04")
    t = history.set_index("interval_start")["calls"]
    actual = t[(t.index >= origin) & (t.index < origin + pd.Timedelta(days=7))]
    last_week = t[(t.index >= origin - pd.Timedelta(days=7)) & (t.index < origin)]
    expected = wape(actual.to_numpy(), last_week.to_numpy())
    assert first["wape"] == pytest.approx(expected)
    assert first["intervals"] == len(actual)
    auto = rows[rows["model"] == "auto"]
    assert auto["selected"].isin(["combination", *AUTO_CANDIDATES]).all()
    # The weights "auto" used are reported and sum to 1.
    for text in auto["weights"]:
        weights = [float(part.rsplit(" ", 1)[1]) for part in text.split(" + ")]
        assert sum(weights) == pytest.approx(1.0, abs=0.02)


def test_backtest_explicit_origins_must_be_midnights(history_factory):
    history, _ = history_factory(weeks=5)
    with pytest.raises(InputError, match="midnight"):
        backtest(history, ["week_mean"], origins=["2024-01-29 12:00"])


def test_two_working_weeks_are_enough_for_a_five_day_centre(history_factory):
    history, _ = history_factory(weeks=2, weekday_totals=[500, 500, 500, 500, 500, 0, 0])
    assert history["interval_start"].iloc[-1] < pd.Timestamp("2024-01-13")  # Friday
    out = forecast(history, "2024-01-15", "2024-01-22")
    report = out.attrs["report"]["sales"]
    assert report.model == "daily_profile"
    assert any("too short" in note for note in report.notes)
    daily = out.groupby(out["interval_start"].dt.weekday)["calls"].sum()
    np.testing.assert_allclose(daily[:5], 500, rtol=0.1)


def test_thirteen_days_of_a_24_7_centre_are_not_enough(history_factory, shape_factory):
    history, _ = history_factory(weeks=2, weekday_totals=[300] * 7,
                                 shape=shape_factory(48, 0, 24))
    history = history[history["interval_start"] < "2024-01-14"]
    with pytest.raises(DataError, match="two weeks"):
        forecast(history, "2024-01-15", "2024-01-22")
