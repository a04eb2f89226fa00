"""Open hours learned from history, missing days, gaps, holidays and special days."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecasting import SpecialDay, forecast

START = pd.Timestamp("2024-01-01")  # a Monday


def _week_after(weeks):
    s = START + pd.Timedelta(weeks=weeks)
    return s, s + pd.Timedelta(days=7)


def test_closed_hours_and_closed_weekends_forecast_zero(history_factory):
    # Monday-Friday 08:00-20:00; ACD rows only while open.
    totals = [1000, 900, 850, 800, 700, 0, 0]
    history, _ = history_factory(weeks=10, weekday_totals=totals)
    start, end = _week_after(10)
    out = forecast(history, start, end, "auto")
    t = out["interval_start"]
    closed = (t.dt.weekday >= 5) | (t.dt.hour < 8) | (t.dt.hour >= 20)
    assert (out.loc[closed, ["calls", "calls_low", "calls_high"]].to_numpy() == 0).all()
    assert (out.loc[~closed, "calls"] > 0).all()
    report = out.attrs["report"]["sales"]
    assert report.gap_intervals == () and report.missing_days == ()


def test_sunday_to_thursday_week(history_factory):
    # Monday..Sunday totals: Friday short, Saturday closed, Sunday a full working day.
    totals = [1500, 1450, 1400, 1350, 450, 0, 1600]
    history, _ = history_factory(weeks=10, weekday_totals=totals)
    start, end = _week_after(10)
    out = forecast(history, start, end, "daily_profile")
    daily = out.groupby(out["interval_start"].dt.weekday)["calls"].sum()
    assert daily[5] == 0
    np.testing.assert_allclose(daily[[6, 0, 4]], [1600, 1500, 450], rtol=0.08)


def test_24_7_centre_has_no_closed_interval(history_factory, shape_factory):
    shape = shape_factory(48, open_from=0, open_to=24)
    history, _ = history_factory(weeks=8, weekday_totals=[900] * 7, shape=shape, seed=2)
    start, end = _week_after(8)
    out = forecast(history, start, end, "week_mean")
    assert len(out) == 7 * 48 and (out["calls"] > 0).all()


def test_missing_day_is_not_zero_demand(history_factory):
    history, _ = history_factory(weeks=10, noise="none")
    gone = START + pd.Timedelta(weeks=9, days=1)  # the last Tuesday
    history = history[history["interval_start"].dt.normalize() != gone]
    start, end = _week_after(10)
    out = forecast(history, start, end, "week_mean")
    tuesday = out[out["interval_start"].dt.weekday == 1]["calls"].sum()
    assert tuesday == pytest.approx(900.0)
    assert out.attrs["report"]["sales"].missing_days == (gone.date(),)


def test_recurring_absence_is_a_closure(history_factory):
    # No Saturday rows at all, ever: Saturday is closed, not "missing".
    history, _ = history_factory(weeks=9, weekday_totals=[800, 800, 800, 800, 800, 0, 300])
    start, end = _week_after(9)
    out = forecast(history, start, end, "week_mean")
    assert out[out["interval_start"].dt.weekday == 5]["calls"].sum() == 0
    assert out.attrs["report"]["sales"].missing_days == ()


def test_gaps_inside_open_hours_are_reported_and_not_learned(history_factory):
    history, _ = history_factory(weeks=10, noise="none")
    day = START + pd.Timedelta(weeks=9, days=2)  # last Wednesday
    holes = [day + pd.Timedelta(hours=h) for h in (10, 10.5, 14)]
    history = history[~history["interval_start"].isin(holes)]
    start, end = _week_after(10)
    out = forecast(history, start, end, "week_mean")
    report = out.attrs["report"]["sales"]
    assert list(report.gap_intervals) == holes
    wed = out[out["interval_start"].dt.weekday == 2]["calls"].sum()
    assert wed == pytest.approx(850.0)  # the gap day is left out, not counted short


def _us_factor(days):
    # Independence Day at a fifth of normal volume; the other US holidays are normal.
    return np.where((days.month == 7) & (days.day == 4), 0.2, 1.0)


def test_holiday_by_country_excluded_and_factor_learned_by_name(history_factory):
    start_hist = pd.Timestamp("2023-06-05")  # Monday
    weeks = 56
    history, _ = history_factory(start=str(start_hist.date()), weeks=weeks, noise="none",
                                 day_factor=_us_factor, interval_min=60)
    start = start_hist + pd.Timedelta(weeks=weeks)  # 2024-07-01
    end = start + pd.Timedelta(days=7)
    out = forecast(history, start, end, "week_mean", holidays_country="US")
    daily = out.groupby(out["interval_start"].dt.date)["calls"].sum()
    july4 = dt.date(2024, 7, 4)  # a Thursday: normal Thursday total is 800
    assert daily[july4] == pytest.approx(0.2 * 800, rel=1e-6)
    assert daily[dt.date(2024, 7, 3)] == pytest.approx(850.0)
    report = out.attrs["report"]["sales"]
    assert dt.date(2023, 7, 4) in report.excluded_days
    assert any("Independence Day" in note for note in report.notes)


def test_special_days_with_factor_and_excluded_from_training(history_factory):
    def boost(days):  # one promotion Tuesday at +30 % (too mild to look abnormal)
        return np.where(days == START + pd.Timedelta(weeks=8, days=1), 1.3, 1.0)

    history, _ = history_factory(weeks=10, noise="none", day_factor=boost)
    start, end = _week_after(10)
    promo = (START + pd.Timedelta(weeks=8, days=1)).date()
    plain = forecast(history, start, end, "week_mean")
    listed = forecast(history, start, end, "week_mean",
                      special_days=[promo, SpecialDay(dt.date(2024, 3, 13), 0.5, "strike")])
    tue = lambda f: f[f["interval_start"].dt.weekday == 1]["calls"].sum()  # noqa: E731
    wed = lambda f: f[f["interval_start"].dt.weekday == 2]["calls"].sum()  # noqa: E731
    assert tue(plain) == pytest.approx(900 * (1 + 0.3 / 8))  # the promotion leaks in
    assert tue(listed) == pytest.approx(900.0)  # listed: not learned from
    assert wed(listed) == pytest.approx(0.5 * 850)  # 2024-03-13 is that Wednesday


def test_special_days_mapping_form(history_factory):
    history, _ = history_factory(weeks=8, noise="none")
    start, end = _week_after(8)
    out = forecast(history, start, end, "week_mean", special_days={"2024-02-26": 0.0})
    monday = out[out["interval_start"].dt.date == dt.date(2024, 2, 26)]
    assert (monday["calls"] == 0).all()


def test_a_new_holiday_takes_the_factor_of_its_category():
    from forecasting.calendar import DayCalendar, build_calendar

    days = pd.date_range("2024-01-01", periods=10, freq="D")
    a, b, new = days[2].date(), days[5].date(), dt.date(2024, 1, 20)
    cal = DayCalendar({a: "Half day", b: "Closed day", new: "Other half day"}, {},
                      {a: "optional", b: "public", new: "optional"})
    totals = np.full(10, 100.0)
    totals[2], totals[5] = 60.0, 0.0
    factors, notes = cal.horizon_factors(pd.DatetimeIndex([pd.Timestamp(new)]), days,
                                         totals, np.full(10, 100.0))
    assert factors[0] == pytest.approx(0.6)  # not the median of 0.6 and 0 over all
    assert "optional" in notes[0]
    il = build_calendar([1999], "IL", categories=("public", "optional"))
    assert il.categories[dt.date(1999, 9, 27)] == "optional"  # an intermediate day of Sukkot
    assert il.categories[dt.date(1999, 9, 20)] == "public"  # Yom Kippur
    assert build_calendar([1999], "IL").categories == {}


def test_sukkot_intermediate_days_learn_from_those_of_pesach():
    from forecasting.calendar import build_calendar

    cal = build_calendar([1999], "IL", categories=("public", "optional"))
    days = pd.date_range("1999-03-28", "1999-04-30", freq="D")
    totals = np.full(len(days), 1000.0)
    pesach = [i for i, d in enumerate(days.date) if cal.names.get(d) == "Pesach holiday"]
    assert len(pesach) == 5
    totals[pesach] = [700.0, 600.0, 650.0, 800.0, 500.0]
    # Purim, Remembrance Day (optional, normal volume) do not dilute the factor.
    sukkot = pd.DatetimeIndex(["1999-09-27", "1999-09-28"])
    factors, notes = cal.horizon_factors(sukkot, days, totals, np.full(len(days), 1000.0))
    np.testing.assert_allclose(factors, 0.65)
    assert "chol hamoed" in notes[0]


def test_special_days_do_not_set_the_factor_of_a_new_public_holiday():
    from forecasting.calendar import SpecialDay, build_calendar

    promos = [dt.date(1999, 3, 10), dt.date(1999, 3, 17), dt.date(1999, 3, 24)]
    cal = build_calendar([1999], "IL", special_days=[SpecialDay(d, None, "sale")
                                                     for d in promos])
    days = pd.date_range("1999-03-01", "1999-04-10", freq="D")
    totals = np.full(len(days), 1000.0)
    totals[np.isin(days.date, promos)] = 1500.0  # would make the median of all 1.5
    totals[days.date == dt.date(1999, 4, 1)] = 100.0  # Pesach
    totals[days.date == dt.date(1999, 4, 7)] = 100.0  # its seventh day
    factors, notes = cal.horizon_factors(pd.DatetimeIndex(["1999-04-21"]), days, totals,
                                         np.full(len(days), 1000.0))
    assert factors[0] == pytest.approx(0.1)  # Independence Day: the public holiday's 0.1
    assert "public" in notes[0]
