"""Figure builders: the numbers drawn are the frame's numbers, reshaped as documented."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wfm.ui import charts


def test_requirement_pivot_is_weekday_by_time_of_day_mean_over_weeks(make_history, make_forecast):
    fc = make_forecast(week_start="2024-01-15")  # a Monday
    two = pd.concat([fc, fc.assign(interval_start=fc["interval_start"] + pd.Timedelta(days=7),
                                   calls=3 * fc["calls"])])
    two["staff_needed"] = two["calls"]
    table = charts.requirement_pivot(two, "staff_needed")
    assert list(table.index) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert table.shape == (7, 48)
    assert table.columns[0] == "00:00" and table.columns[-1] == "23:30"
    # Mean over two weeks of x and 3x is 2x.
    first = fc.set_index("interval_start")["calls"]
    assert np.isclose(table.loc["Wed", "12:00"], 2 * first[pd.Timestamp("2024-01-17 12:00")])


def test_requirement_pivot_sums_queues(make_history, make_forecast):
    a = make_forecast().assign(queue="a")
    b = make_forecast().assign(queue="b", calls=lambda f: 2 * f["calls"])
    both = pd.concat([a, b])
    table = charts.requirement_pivot(both, "calls")
    one = charts.requirement_pivot(a, "calls")
    assert np.allclose(table.to_numpy(), 3 * one.to_numpy())


def test_heatmap_carries_the_pivot(make_history, make_forecast):
    fc = make_forecast()
    fc["staff_needed"] = np.arange(len(fc))
    fig = charts.requirement_heatmap(fc)
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.allclose(z, charts.requirement_pivot(fc).to_numpy())


def test_forecast_figure_band_and_line(make_history, make_forecast):
    fc = make_forecast()
    fig = charts.forecast_figure(fc, make_history())
    names = [t.name for t in fig.data]
    assert names[0] == "history" and "forecast" in names and "uncertainty band" in names
    line = next(t for t in fig.data if t.name == "forecast")
    low = next(t for t in fig.data if t.name == "uncertainty band")
    assert np.allclose(np.asarray(line.y, float), fc["calls"].to_numpy())
    assert np.all(np.asarray(low.y, float) <= np.asarray(line.y, float))
    # History is clipped to the forecast's span (one week of the two).
    hist = fig.data[0]
    assert len(hist.x) <= len(fc)


def test_aht_figure_is_call_weighted_over_queues(make_history, make_forecast):
    a = make_forecast().assign(queue="a", aht_s=100.0, calls=1.0)
    b = make_forecast().assign(queue="b", aht_s=400.0, calls=3.0)
    fig = charts.aht_figure(pd.concat([a, b]))
    assert np.allclose(np.asarray(fig.data[0].y, float), (100 * 1 + 400 * 3) / 4)


def _roster():
    t0 = pd.Timestamp("2024-01-15 08:00")
    shifts = pd.DataFrame({
        "shift_id": [1, 2, 3], "agent_id": ["A2", "A10", "A2"], "template": ["8h", "8h", "4h"],
        "day": [t0.date(), t0.date(), (t0 + pd.Timedelta(days=1)).date()],
        "start": [t0, t0 + pd.Timedelta(hours=1), t0 + pd.Timedelta(days=1)],
        "end": [t0 + pd.Timedelta(hours=8), t0 + pd.Timedelta(hours=9),
                t0 + pd.Timedelta(days=1, hours=4)],
        "paid_h": [8.0, 8.0, 4.0], "cost": [160.0, 160.0, 80.0],
    })
    breaks = pd.DataFrame({
        "shift_id": [1, 1, 2], "kind": ["break", "lunch", "meeting"],
        "name": ["break 1", "lunch", "team"],
        "start": [t0 + pd.Timedelta(hours=2), t0 + pd.Timedelta(hours=4),
                  t0 + pd.Timedelta(hours=3)],
        "end": [t0 + pd.Timedelta(hours=2, minutes=15), t0 + pd.Timedelta(hours=4, minutes=30),
                t0 + pd.Timedelta(hours=4)],
        "paid": [True, False, True],
    })
    return shifts, breaks


def test_gantt_frame_links_breaks_to_their_agent(make_history, make_forecast):
    shifts, breaks = _roster()
    frame = charts.gantt_frame(shifts, breaks)
    assert len(frame) == 6
    lunch = frame[frame["kind"] == "lunch"].iloc[0]
    assert lunch["agent"] == "A2"
    meeting = frame[frame["kind"] == "meeting"].iloc[0]
    assert meeting["agent"] == "A10"


def test_gantt_frame_labels_anonymous_shifts_by_template(make_history, make_forecast):
    shifts, _ = _roster()
    shifts["agent_id"] = ""
    frame = charts.gantt_frame(shifts)
    assert list(frame["agent"]) == ["8h #1", "8h #2", "4h #1"]


def test_gantt_figure_one_row_per_agent_natural_order(make_history, make_forecast):
    shifts, breaks = _roster()
    fig = charts.gantt_figure(shifts, breaks)
    kinds = {t.name for t in fig.data}
    assert kinds == {"shift", "break", "lunch", "meeting"}
    assert fig.layout.yaxis.categoryarray == ("A2", "A10")
    assert fig.layout.barmode == "overlay"


def test_coverage_figure_traces_and_percent(make_history, make_forecast):
    idx = pd.date_range("2024-01-15 08:00", periods=4, freq="30min")
    cov = pd.DataFrame({"interval_start": idx, "scheduled": [5, 6, 6, 5],
                        "on_phone": [4, 5, 6, 5], "agents_needed": [4, 6, 6, 4],
                        "service_level": [0.8, 0.6, 0.85, 0.9], "asa_s": 1.0,
                        "occupancy": 0.8})
    fig = charts.coverage_figure(cov, target=0.8)
    by = {t.name: t for t in fig.data}
    assert np.allclose(np.asarray(by["service level [%]"].y, float), [80, 60, 85, 90])
    assert np.allclose(np.asarray(by["required on phones"].y, float), [4, 6, 6, 4])


def test_coverage_figure_call_weighted_over_queues(make_history, make_forecast):
    idx = pd.date_range("2024-01-15 08:00", periods=2, freq="30min")
    a = pd.DataFrame({"queue": "a", "interval_start": idx, "scheduled": 1, "on_phone": 1,
                      "agents_needed": 1, "service_level": [1.0, 0.5], "calls": [10, 10],
                      "asa_s": 0.0, "occupancy": 0.5})
    b = a.assign(queue="b", service_level=[0.5, 0.5], calls=[30, 10])
    fig = charts.coverage_figure(pd.concat([a, b]))
    sl = np.asarray(fig.data[-1].y, float)
    assert np.allclose(sl, [100 * (10 + 15) / 40, 50.0])
    assert np.allclose(np.asarray(fig.data[0].y, float), [2, 2])


def test_frontier_sorted_by_service_level(make_history, make_forecast):
    pts = pd.DataFrame({"service_level": [0.9, 0.7, 0.8], "cost": [300.0, 100.0, 200.0],
                        "target": [0.9, 0.7, 0.8]})
    fig = charts.frontier_figure(pts, label="target")
    assert list(fig.data[0].x) == [70.0, 80.0, 90.0]
    assert list(fig.data[0].y) == [100.0, 200.0, 300.0]


def test_comparison_figure_one_panel_per_measure(make_history, make_forecast):
    table = pd.DataFrame({"scenario": ["base", "volume +15 %"], "cost": [1.0, 2.0],
                          "fte": [3.0, 4.0]})
    fig = charts.comparison_figure(table, ["cost", "fte", "not there"])
    assert len(fig.data) == 2
    assert list(fig.data[1].y) == [3.0, 4.0]


def test_comparison_figure_percent_and_labels(make_history, make_forecast):
    table = pd.DataFrame({"scenario": ["a", "b"], "service_level": [0.8, 0.9]})
    fig = charts.comparison_figure(table, ["service_level"], labels={"service_level": "SL [%]"},
                                   percent=["service_level"])
    assert list(fig.data[0].y) == [80.0, 90.0]
    assert fig.layout.annotations[0].text == "SL [%]"


def test_history_figure_daily_totals_with_gaps_for_absent_days(make_history, make_forecast):
    hist = make_history(days=4)
    day2 = hist["interval_start"].dt.normalize() == pd.Timestamp("2024-01-02")
    hist = hist[~day2]
    fig = charts.history_figure(hist)
    y = np.asarray(fig.data[0].y, float)
    per_day = make_history(days=1)["calls"].sum()
    assert len(y) == 4 and np.isnan(y[1])
    assert np.allclose(y[[0, 2, 3]], per_day)


def _day():
    t0 = pd.Timestamp("2024-01-15 08:00")
    shifts = pd.DataFrame({"shift_id": ["s1", "s2"], "agent_id": ["A2", "A10"],
                           "template": "day", "start": [t0, t0 + pd.Timedelta("1h")],
                           "end": [t0 + pd.Timedelta("8h"), t0 + pd.Timedelta("9h")],
                           "paid_h": 8.0})
    breaks = pd.DataFrame({"shift_id": ["s1", "s2"], "kind": ["break", "meeting"],
                           "name": ["break", "team"], "paid": True,
                           "start": [t0 + pd.Timedelta("2h"), t0 + pd.Timedelta("3h")],
                           "end": [t0 + pd.Timedelta("2h15min"), t0 + pd.Timedelta("4h")]})
    return shifts, breaks


def test_day_view_rows_agents_colours_kinds_and_draws_the_requirement():
    from wfm.ui.charts import day_view_figure

    shifts, breaks = _day()
    cov = pd.DataFrame({"interval_start": pd.date_range("2024-01-15 08:00", periods=4,
                                                        freq="30min"),
                        "on_phone": [1.0, 2, 2, 1.5], "agents_needed": [1.0, 2, 3, 1]})
    fig = day_view_figure(shifts, breaks, cov)
    bars = {t.name: t for t in fig.data if t.type == "bar"}
    assert set(bars) == {"shift", "break", "meeting"}
    assert list(bars["shift"].y) == ["A2", "A10"]
    assert bars["meeting"].marker.color != bars["break"].marker.color
    # a bar runs from its start for its length [ms]
    assert bars["break"].x[0] == 15 * 60 * 1000
    assert tuple(fig.layout.yaxis.categoryarray) == ("A2", "A10")  # natural order
    assert fig.layout.xaxis.minor.dtick == 15 * 60 * 1000
    req = next(t for t in fig.data if t.name == "required on phones")
    assert list(req.y) == [1.0, 2, 3, 1]


def test_agent_week_puts_each_day_on_its_own_row():
    from wfm.ui.charts import agent_week_figure

    shifts, breaks = _day()
    shifts.loc[1, ["start", "end"]] = [pd.Timestamp("2024-01-16 09:00"),
                                       pd.Timestamp("2024-01-16 17:00")]
    breaks.loc[1, ["start", "end"]] = [pd.Timestamp("2024-01-16 11:00"),
                                       pd.Timestamp("2024-01-16 12:00")]
    fig = agent_week_figure(shifts, breaks)
    shift = next(t for t in fig.data if t.name == "shift")
    assert list(shift.y) == ["Mon 15 Jan", "Tue 16 Jan"]
    meeting = next(t for t in fig.data if t.name == "meeting")
    # drawn at its time of day (11:00) on the reference day
    assert pd.Timestamp(meeting.base[0]).strftime("%H:%M") == "11:00"
