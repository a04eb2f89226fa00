"""Forecast page: calls and AHT per interval with the uncertainty band; backtest accuracy."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from wfm.errors import WfmError
from wfm.ui import charts, compute, state
from wfm.ui.widgets import backend, fmt_num, fmt_pct, pending, require_data, show_frame

HOLIDAY_COUNTRIES = {"none": None, "Israel (IL)": "IL", "United States (US)": "US",
                     "United Kingdom (GB)": "GB", "Germany (DE)": "DE", "France (FR)": "FR"}


def _models(fc_mod) -> list[str]:
    return ["auto", *fc_mod.MODELS]


def _make(data: state.LoadedData, start, weeks: int, model: str, country) -> None:
    start = pd.Timestamp(start)
    end = start + pd.Timedelta(days=7 * weeks)
    try:
        with st.spinner(f"Forecasting {start:%Y-%m-%d} to {end:%Y-%m-%d} with {model}…"):
            frame, lines = compute.forecast(data.history, start, end, model, country)
    except WfmError as exc:
        st.error(str(exc))
        return
    state.set_forecast(state.ForecastRun(
        forecast=frame, start=start, end=end, model=model, data_version=data.version,
        backtest=None, report=lines,
    ))


def forecast_section(fc_mod, data: state.LoadedData) -> None:
    with st.form("forecast.form", border=True):
        c1, c2, c3, c4 = st.columns(4)
        start = c1.date_input("Week starts on", value=state.default_week_start(data.history),
                              key="forecast.start",
                              help="Midnight at which the planning week starts. Default: the "
                              "day after the last day of the history.")
        weeks = c2.number_input("Weeks", min_value=1, max_value=8, value=1, step=1,
                                key="forecast.weeks")
        model = c3.selectbox("Model", _models(fc_mod), key="forecast.model",
                             help="'auto' combines, per queue, the models weighted by "
                             "their one-week-ahead errors over the last 10 weeks of the "
                             "history, shrunk towards the best 4/6/8-week mean or median.")
        country = c4.selectbox("Holidays", list(HOLIDAY_COUNTRIES), key="forecast.holidays",
                               help="Public holidays are not learned from and get their own "
                               "factor in the forecast.")
        submitted = st.form_submit_button("Make forecast", type="primary")
    if submitted:
        _make(data, start, int(weeks), model, HOLIDAY_COUNTRIES[country])

    run = state.get(state.FORECAST)
    if run is None:
        st.info("Choose the week and press **Make forecast**.")
        return
    if run.data_version != data.version:
        st.warning("This forecast was made on other data: make it again.")
    fc = run.forecast
    queues = sorted(fc["queue"].unique())
    queue = None
    if len(queues) > 1:
        choice = st.selectbox("Queue", ["all queues", *queues], key="forecast.queue")
        queue = None if choice == "all queues" else choice
    part = fc if queue is None else fc[fc["queue"] == queue]
    st.success(f"Forecast {run.start:%a %Y-%m-%d} to {run.end:%a %Y-%m-%d}, model "
               f"{run.model}.", icon=":material/check_circle:")
    cols = st.columns(4)
    cols[0].metric("Calls forecast", fmt_num(part["calls"].sum(), 0))
    cols[1].metric("Band 10–90 % (sum)", f"{part['calls_low'].sum():,.0f}–"
                   f"{part['calls_high'].sum():,.0f}",
                   help="Sum of the per-interval 10 % and 90 % quantiles.")
    peak = part.groupby("interval_start")["calls"].sum()
    cols[2].metric("Peak interval [calls]", fmt_num(peak.max(), 0),
                   help=f"at {peak.idxmax():%a %H:%M}" if len(peak) else None)
    handled = part["calls"] * part["aht_s"]
    aht = handled.sum(min_count=1) / part.loc[part["aht_s"].notna(), "calls"].sum()
    cols[3].metric("Mean AHT [s]", fmt_num(aht, 0))
    st.plotly_chart(charts.forecast_figure(fc, data.history, queue=queue), key="forecast.chart")
    if len(queues) > 1 and queue is None:
        _per_queue(fc)
    st.plotly_chart(charts.aht_figure(fc, queue=queue), key="forecast.aht_chart")
    if run.report:
        with st.expander("Forecast report (model per queue, days not learned from)"):
            st.code("\n".join(run.report), language=None)
    with st.expander("Forecast per interval"):
        show_frame(part)


def _per_queue(fc: pd.DataFrame) -> None:
    """Each queue's share of the week: stacked calls and a small table."""
    st.plotly_chart(charts.queue_calls_figure(fc), key="forecast.queue_calls")
    rows = []
    total = fc["calls"].sum()
    for q, part in fc.groupby(fc["queue"].astype(str)):
        calls = part["calls"].sum()
        known = part["aht_s"].notna()
        rows.append({"queue": q, "calls": calls, "share": calls / total if total > 0 else 0.0,
                     "peak interval": part.groupby("interval_start")["calls"].sum().max(),
                     "mean AHT [s]": (part["calls"] * part["aht_s"]).sum(min_count=1)
                     / part.loc[known, "calls"].sum() if part.loc[known, "calls"].sum() > 0
                     else float("nan")})
    show_frame(pd.DataFrame(rows), key="forecast.queue_table", column_config={
        "calls": st.column_config.NumberColumn(format="%,.0f"),
        "share": st.column_config.NumberColumn(format="percent"),
        "peak interval": st.column_config.NumberColumn(format="%,.0f"),
        "mean AHT [s]": st.column_config.NumberColumn(format="%.0f")})


def _intraday_figure(history: pd.DataFrame, morning: pd.DataFrame, updated: pd.DataFrame,
                     cut: pd.Timestamp) -> go.Figure:
    """The day's calls, the morning forecast and the forecast updated at ``cut``."""
    day = cut.normalize()
    t = history["interval_start"]
    actual = history[(t >= day) & (t < day + pd.Timedelta(days=1))]
    fig = go.Figure()
    for name, frame, style in (
        ("calls", actual, {"mode": "markers", "marker": {"color": "#444", "size": 5}}),
        ("morning forecast", morning, {"mode": "lines", "line": {"dash": "dot"}}),
        ("updated forecast", updated, {"mode": "lines", "line": {"width": 3}}),
    ):
        per = frame.groupby("interval_start")["calls"].sum()
        fig.add_trace(go.Scatter(x=per.index, y=per.to_numpy(), name=name, **style))
    fig.add_vline(x=cut, line_dash="dash", line_color="grey")
    fig.update_layout(title=f"{day:%a %Y-%m-%d}: rest of the day re-forecast from the "
                            f"calls to {cut:%H:%M}", yaxis_title="calls per interval",
                      height=380, margin={"t": 50, "b": 30})
    return fig


def intraday_section(data: state.LoadedData) -> None:
    """Re-forecast the rest of a day from its calls so far, beside the morning forecast."""
    st.subheader("Re-forecast the rest of a day")
    st.caption("The morning forecast is made from the days before; the updated one also "
               "reads the day's calls up to the chosen time and scales the rest of the day "
               "by how far they ran above or below the forecast. Calls after that time "
               "are not read.")
    last = pd.Timestamp(data.history["interval_start"].max()).normalize()
    with st.form("intraday.form", border=True):
        c1, c2 = st.columns(2)
        day = c1.date_input("Day", value=last.date(), key="intraday.day")
        at = c2.time_input("Calls known up to", value=dt.time(10, 0), step=1800,
                           key="intraday.time")
        submitted = st.form_submit_button("Re-forecast")
    model = st.session_state.get("forecast.model", "auto")
    country = HOLIDAY_COUNTRIES.get(st.session_state.get("forecast.holidays", "none"))
    if submitted:
        day = pd.Timestamp(day)
        cut = day + pd.Timedelta(hours=at.hour, minutes=at.minute)
        hist = data.history
        t = hist["interval_start"]
        try:
            with st.spinner(f"Re-forecasting {day:%Y-%m-%d} from {cut:%H:%M}…"):
                morning, _ = compute.forecast(hist[t < day], day, day + pd.Timedelta(days=1),
                                              model, country)
                updated, lines = compute.forecast(hist[t < cut], cut,
                                                  day + pd.Timedelta(days=1), model, country)
        except WfmError as exc:
            st.error(str(exc))
            return
        st.session_state["wfm.intraday"] = (data.version, cut, morning, updated, lines)
    stored = st.session_state.get("wfm.intraday")
    if not stored or stored[0] != data.version:
        return
    _, cut, morning, updated, lines = stored
    rest = morning[morning["interval_start"] >= cut]["calls"].sum()
    new = updated["calls"].sum()
    cols = st.columns(3)
    cols[0].metric("Rest of day, morning forecast", fmt_num(rest, 0))
    cols[1].metric("Rest of day, updated", fmt_num(new, 0),
                   delta=f"{new / rest - 1:+.1%}" if rest > 0 else None)
    known = data.history["interval_start"]
    cols[2].metric("Calls so far", fmt_num(data.history.loc[
        (known >= cut.normalize()) & (known < cut), "calls"].sum(), 0))
    st.plotly_chart(_intraday_figure(data.history, morning, updated, cut),
                    key="intraday.chart")
    notes = [line for line in lines if "intraday update" in line]
    if notes:
        st.caption("; ".join(line.strip() for line in notes))


def backtest_section(fc_mod, data: state.LoadedData) -> None:
    st.subheader("Backtest accuracy")
    st.caption("Rolling origin: forecast each of the last weeks from the history before it "
               "and compare with what happened. WAPE = Σ|error| / Σ actual; bias > 0 means "
               "over-forecast; coverage = share of actuals inside the 10–90 % band.")
    with st.form("backtest.form", border=True):
        c1, c2, c3 = st.columns([3, 1, 1])
        models = c1.multiselect("Models", _models(fc_mod),
                                default=["seasonal_naive", "week_mean", "daily_profile"],
                                key="backtest.models")
        origins = c2.number_input("Weekly origins", min_value=1, max_value=12, value=4,
                                  key="backtest.origins")
        horizon = c3.number_input("Horizon [days]", min_value=1, max_value=28, value=7,
                                  key="backtest.horizon")
        submitted = st.form_submit_button("Run backtest")
    if submitted:
        if not models:
            st.warning("Choose at least one model.")
            return
        try:
            with st.spinner(f"Backtesting {len(models)} model(s) over {origins} week(s)…"):
                table = compute.backtest(data.history, tuple(models), int(horizon),
                                         int(origins))
        except WfmError as exc:
            st.error(str(exc))
            return
        st.session_state["wfm.backtest"] = (data.version, table)
    stored = st.session_state.get("wfm.backtest")
    if not stored or stored[0] != data.version:
        return
    table = stored[1]
    summary = (
        table.groupby("model", sort=False)
        .apply(lambda g: pd.Series({
            "WAPE": (g["wape"] * g["actual_calls"]).sum() / g["actual_calls"].sum()
            if g["actual_calls"].sum() > 0 else float("nan"),
            "MAPE": g["mape"].mean(),
            "bias": g["bias"].mean(),
            "coverage": g["coverage"].mean(),
            "origins": g["origin"].nunique(),
        }), include_groups=False)
        .sort_values("WAPE")
        .reset_index()
    )
    best = summary.iloc[0]
    st.markdown(f"Most accurate: **{best['model']}** (WAPE {fmt_pct(best['WAPE'])}).")
    show_frame(summary, key="backtest.summary", column_config={
        "WAPE": st.column_config.NumberColumn("WAPE", format="percent",
                                              help="Volume-weighted over origins"),
        "MAPE": st.column_config.NumberColumn("MAPE", format="percent"),
        "bias": st.column_config.NumberColumn("bias", format="percent"),
        "coverage": st.column_config.NumberColumn("band coverage", format="percent"),
    })
    with st.expander("Every model, queue and origin"):
        show_frame(table)


def render() -> None:
    st.title("Forecast")
    st.caption("Calls and handle time per interval for the week to plan, with a 10–90 % "
               "band on the calls.")
    data = require_data()
    fc_mod = backend("forecasting", "forecast", "backtest", "MODELS")
    if fc_mod is None:
        pending("Forecasting")
        return
    forecast_section(fc_mod, data)
    intraday_section(data)
    backtest_section(fc_mod, data)


if __name__ == "__main__":
    render()
