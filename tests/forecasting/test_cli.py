"""``wfm forecast`` and ``wfm backtest`` through typer's CliRunner."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from wfm.cli import app
from wfm.errors import DataError


@pytest.fixture
def history_csv(tmp_path, history_factory):
    history, _ = history_factory(weeks=6, seed=1, interval_min=60)
    history["aht_s"] = 240.0
    path = tmp_path / "history.csv"
    history.to_csv(path, index=False)
    return path


def test_forecast_writes_a_forecast_csv(tmp_path, history_csv):
    out = tmp_path / "fc.csv"
    result = CliRunner().invoke(app, ["forecast", str(history_csv), "--start", "2024-02-12",
                                      "--end", "2024-02-19", "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, parse_dates=["interval_start"])
    assert len(frame) == 7 * 24
    assert list(frame.columns) == ["queue", "interval_start", "calls", "aht_s", "calls_low",
                                   "calls_high"]
    assert frame["aht_s"].dropna().round(6).eq(240.0).all()
    assert "wrote 168 intervals" in result.output


def test_forecast_with_model_holidays_and_special_day(tmp_path, history_csv):
    out = tmp_path / "fc.csv"
    result = CliRunner().invoke(app, [
        "forecast", str(history_csv), "--start", "2024-02-12", "--end", "2024-02-19",
        "-o", str(out), "--model", "week_median", "--holidays", "GB",
        "--special-day", "2024-02-14:0", "--quiet"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, parse_dates=["interval_start"])
    assert frame[frame["interval_start"].dt.day == 14]["calls"].sum() == 0
    assert frame[frame["interval_start"].dt.day == 13]["calls"].sum() > 0


def test_backtest_prints_a_table(history_csv, tmp_path):
    rows = tmp_path / "rows.csv"
    result = CliRunner().invoke(app, ["backtest", str(history_csv), "--models",
                                      "seasonal_naive,week_mean,auto", "--origins", "2",
                                      "-o", str(rows), "--quiet"])
    assert result.exit_code == 0, result.output
    for word in ("seasonal_naive", "week_mean", "auto", "WAPE", "MAPE", "bias"):
        assert word in result.output
    assert len(pd.read_csv(rows)) == 6
    assert "auto, sales, origin" in result.output  # the weights auto used


def test_short_history_is_a_data_error(tmp_path, history_factory):
    history, _ = history_factory(weeks=1)
    path = tmp_path / "short.csv"
    history.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["forecast", str(path), "--start", "2024-01-08",
                                      "--end", "2024-01-09", "--quiet"])
    assert isinstance(result.exception, DataError)
    assert "two weeks" in str(result.exception)


def test_forecast_from_a_time_inside_the_last_day_updates_the_rest_of_it(tmp_path,
                                                                         history_factory):
    history, _ = history_factory(weeks=7, seed=1, interval_min=30)
    day = pd.Timestamp("2024-02-13")
    history = history[history["interval_start"] < day + pd.Timedelta(hours=10)]
    path = tmp_path / "history.csv"
    history.to_csv(path, index=False)
    out = tmp_path / "fc.csv"
    result = CliRunner().invoke(app, ["forecast", str(path), "--start", "2024-02-13 10:00",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, parse_dates=["interval_start"])
    assert frame["interval_start"].min() == day + pd.Timedelta(hours=10)
    assert frame["interval_start"].max() == day + pd.Timedelta(hours=23, minutes=30)
    assert "intraday update 2024-02-13 from 10:00" in result.output
