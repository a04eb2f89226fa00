"""Plotly figure builders for the app: frames in, ``plotly.graph_objects.Figure`` out.

No Streamlit here, so every figure can be built and checked in a plain test.  The
builders only reshape frames for display (sum over queues, pivot to weekday × time of
day); every number they draw comes from the pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from wfm.types import WEEKDAYS

__all__ = [
    "history_figure",
    "forecast_figure",
    "aht_figure",
    "requirement_pivot",
    "requirement_heatmap",
    "erlang_curve_figure",
    "gantt_frame",
    "gantt_figure",
    "coverage_figure",
    "comparison_figure",
    "frontier_figure",
    "cost_figure",
    "day_view_figure",
    "agent_week_figure",
    "queue_coverage_figure",
    "difference_figure",
    "queue_calls_figure",
    "queue_service_figure",
    "queue_interval_figure",
    "queue_compare_figure",
    "group_allocation_figure",
]

_COLORS = {
    "history": "#9aa5b1",
    "forecast": "#1f77b4",
    "band": "rgba(31, 119, 180, 0.18)",
    "required": "#d62728",
    "on_phone": "#98df8a",
    "available": "#2ca02c",
    "scheduled": "#1f77b4",
    "service_level": "#ff7f0e",
    "shift": "#4c78a8",
}
# Breaks and activities drawn over the shift bars, by kind.
_KIND_COLORS = {
    "shift": "#4c78a8",
    "break": "#f58518",
    "lunch": "#e45756",
    "meeting": "#54a24b",
    "training": "#b279a2",
    "activity": "#72b7b2",
}


def _layout(fig: go.Figure, title: str, *, height: int = 380) -> go.Figure:
    fig.update_layout(
        title=title,
        height=height,
        margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
        hovermode="x unified",
    )
    return fig


def _total_per_interval(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Sum the given columns over queues, per interval start."""
    cols = [c for c in columns if c in frame.columns]
    return frame.groupby("interval_start", sort=True)[cols].sum(min_count=1).reset_index()


def history_figure(history: pd.DataFrame, *, queue: str | None = None) -> go.Figure:
    """Calls offered per day of a history frame (one line per queue).

    Daily totals keep months of 15/30-minute intervals readable (and light to draw);
    days absent from the history are gaps in the line, not zeros.

    Parameters
    ----------
    history : DataFrame
        History frame (``queue``, ``interval_start``, ``calls``).
    queue : str, optional
        Draw only this queue.
    """
    frame = history if queue is None else history[history["queue"] == queue]
    day = pd.to_datetime(frame["interval_start"]).dt.normalize()
    daily = frame.assign(day=day).groupby(["queue", "day"], sort=True)["calls"].sum()
    fig = go.Figure()
    for name, part in daily.groupby(level="queue", sort=True):
        part = part.droplevel("queue")
        full = pd.date_range(part.index.min(), part.index.max(), freq="D")
        part = part.reindex(full)  # absent days -> NaN -> a gap
        fig.add_trace(go.Scatter(x=part.index, y=part.to_numpy(), mode="lines", name=str(name),
                                 line=dict(width=1.5), connectgaps=False))
    fig.update_yaxes(title_text="calls offered per day", rangemode="tozero")
    return _layout(fig, "History: calls offered per day")


def forecast_figure(
    forecast: pd.DataFrame, history: pd.DataFrame | None = None, *, queue: str | None = None
) -> go.Figure:
    """Forecast calls per interval with the uncertainty band, after the recent history.

    Parameters
    ----------
    forecast : DataFrame
        Forecast frame (``interval_start``, ``calls``, ``calls_low``, ``calls_high``).
    history : DataFrame, optional
        Drawn in grey before the forecast (the same span as the forecast, at most).
    queue : str, optional
        Draw only this queue; otherwise queues are summed (the band is then the sum
        of the per-queue bounds, a conservative envelope).
    """
    if queue is not None:
        forecast = forecast[forecast["queue"] == queue]
        if history is not None:
            history = history[history["queue"] == queue]
    fc = _total_per_interval(forecast, ["calls", "calls_low", "calls_high"])
    fig = go.Figure()
    if history is not None and len(history) and len(fc):
        span = fc["interval_start"].max() - fc["interval_start"].min()
        hist = _total_per_interval(history, ["calls"])
        hist = hist[hist["interval_start"] >= hist["interval_start"].max() - span]
        fig.add_trace(
            go.Scatter(
                x=hist["interval_start"], y=hist["calls"], mode="lines", name="history",
                line=dict(color=_COLORS["history"], width=1),
            )
        )
    fig.add_trace(
        go.Scatter(
            x=fc["interval_start"], y=fc["calls_high"], mode="lines", line=dict(width=0),
            name="upper bound", showlegend=False, hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=fc["interval_start"], y=fc["calls_low"], mode="lines", line=dict(width=0),
            fill="tonexty", fillcolor=_COLORS["band"], name="uncertainty band",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=fc["interval_start"], y=fc["calls"], mode="lines", name="forecast",
            line=dict(color=_COLORS["forecast"], width=2),
        )
    )
    fig.update_yaxes(title_text="calls per interval", rangemode="tozero")
    return _layout(fig, "Forecast: calls per interval")


def aht_figure(forecast: pd.DataFrame, *, queue: str | None = None) -> go.Figure:
    """Forecast average handle time per interval [s] (call-weighted over queues)."""
    frame = forecast if queue is None else forecast[forecast["queue"] == queue]
    work = frame.assign(_work=frame["calls"] * frame["aht_s"])
    agg = work.groupby("interval_start", sort=True)[["calls", "_work"]].sum(min_count=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        aht = (agg["_work"] / agg["calls"]).where(agg["calls"] > 0)
    fig = go.Figure(
        go.Scatter(x=agg.index, y=aht, mode="lines", name="AHT",
                   line=dict(color=_COLORS["forecast"], width=1.5))
    )
    fig.update_yaxes(title_text="average handle time [s]", rangemode="tozero")
    return _layout(fig, "Forecast: average handle time [s]", height=300)


def requirement_pivot(requirements: pd.DataFrame, value: str = "staff_needed") -> pd.DataFrame:
    """Weekday × time-of-day table of a requirements column, summed over queues.

    Where the frame spans several weeks, each cell is the mean over the weeks.

    Returns
    -------
    DataFrame
        Index: weekday names present (Mon … Sun, in order); columns: "HH:MM".
    """
    total = _total_per_interval(requirements, [value])
    ts = pd.to_datetime(total["interval_start"])
    total = total.assign(
        weekday=ts.dt.weekday, time=ts.dt.strftime("%H:%M"), minute=ts.dt.hour * 60 + ts.dt.minute
    )
    table = total.pivot_table(index="weekday", columns="minute", values=value, aggfunc="mean")
    times = total.drop_duplicates("minute").set_index("minute")["time"]
    table.columns = [times[m] for m in table.columns]
    table.index = [WEEKDAYS[d] for d in table.index]
    return table


def requirement_heatmap(requirements: pd.DataFrame, value: str = "staff_needed") -> go.Figure:
    """Heatmap of agents required, weekday (rows) × time of day (columns)."""
    labels = {
        "staff_needed": "agents to schedule (after shrinkage)",
        "agents_needed": "agents on the phones",
        "calls": "calls offered",
        "traffic": "traffic [Erlang]",
    }
    table = requirement_pivot(requirements, value)
    fig = go.Figure(
        go.Heatmap(
            z=table.to_numpy(float), x=list(table.columns), y=list(table.index),
            colorscale="Blues", colorbar=dict(title=dict(text="agents" if "needed" in value else "")),
            hovertemplate="%{y} %{x}<br>%{z:.1f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title_text="weekday")
    fig.update_xaxes(title_text="interval start (time of day)")
    fig = _layout(fig, f"Requirement: {labels.get(value, value)}", height=340)
    fig.update_layout(hovermode="closest")
    return fig


def erlang_curve_figure(
    curves: pd.DataFrame, *, target: float | None = None, agents: dict[str, int] | None = None
) -> go.Figure:
    """Service level against agents on the phones, one line per model.

    Parameters
    ----------
    curves : DataFrame
        Columns ``agents``, ``model`` and ``service_level`` (fraction).
    target : float, optional
        Service-level target drawn as a horizontal line.
    agents : dict, optional
        Model name -> agents needed, marked on its curve.
    """
    fig = go.Figure()
    for model, part in curves.groupby("model", sort=False):
        fig.add_trace(
            go.Scatter(
                x=part["agents"], y=100 * part["service_level"], mode="lines+markers",
                name=str(model), marker=dict(size=5),
            )
        )
    if target is not None:
        fig.add_hline(y=100 * target, line_dash="dot", annotation_text=f"target {target:.0%}")
    for model, n in (agents or {}).items():
        fig.add_vline(x=n, line_dash="dash", line_color="#888",
                      annotation_text=f"{model}: {n}", annotation_position="top left")
    fig.update_xaxes(title_text="agents on the phones")
    fig.update_yaxes(title_text="service level [%]", range=[0, 101])
    return _layout(fig, "Service level against agents", height=340)


def gantt_frame(shifts: pd.DataFrame, breaks: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per bar of the Gantt chart: every shift, then every break and activity.

    Returns
    -------
    DataFrame
        ``agent``, ``kind`` ("shift", or the break/activity kind), ``name``, ``start``,
        ``end``.  Anonymous shifts (no ``agent_id``) are labelled by template and a
        running number.
    """
    shifts = shifts.copy()
    agent = shifts["agent_id"].astype(str) if "agent_id" in shifts.columns else None
    if agent is None or (agent.str.len() == 0).all():
        agent = shifts["template"].astype(str) + " #" + (
            shifts.groupby("template").cumcount() + 1
        ).astype(str)
    shifts["agent"] = agent.to_numpy()
    rows = [
        pd.DataFrame(
            {
                "agent": shifts["agent"],
                "kind": "shift",
                "name": shifts["template"].astype(str),
                "start": pd.to_datetime(shifts["start"]),
                "end": pd.to_datetime(shifts["end"]),
            }
        )
    ]
    if breaks is not None and len(breaks):
        who = breaks.merge(shifts[["shift_id", "agent"]], on="shift_id", how="left")
        rows.append(
            pd.DataFrame(
                {
                    "agent": who["agent"],
                    "kind": who["kind"].astype(str),
                    "name": who["name"].astype(str),
                    "start": pd.to_datetime(who["start"]),
                    "end": pd.to_datetime(who["end"]),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def gantt_figure(shifts: pd.DataFrame, breaks: pd.DataFrame | None = None) -> go.Figure:
    """Every agent's week: shift bars with breaks and activities drawn over them."""
    frame = gantt_frame(shifts, breaks)
    order = sorted(frame["agent"].unique(), key=_natural_key)
    kinds = ["shift"] + sorted(k for k in frame["kind"].unique() if k != "shift")
    palette = {k: _KIND_COLORS.get(k, px.colors.qualitative.Set2[i % 8]) for i, k in enumerate(kinds)}
    fig = px.timeline(
        frame, x_start="start", x_end="end", y="agent", color="kind", hover_name="name",
        category_orders={"agent": order, "kind": kinds}, color_discrete_map=palette,
    )
    fig.update_layout(barmode="overlay")
    # First agent on top: explicit category order, axis drawn top-down.
    fig.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed",
                     title_text="agent")
    fig.update_xaxes(title_text="time")
    height = max(300, 22 * len(order) + 120)
    fig = _layout(fig, "Roster: shifts, breaks and activities", height=height)
    fig.update_layout(hovermode="closest")
    return fig


def coverage_figure(coverage: pd.DataFrame, *, target: float | None = None) -> go.Figure:
    """Agents on the phones against the requirement, with service level per interval.

    Parameters
    ----------
    coverage : DataFrame
        Coverage frame (``interval_start``, ``scheduled``, ``on_phone``, optional
        ``available``, ``agents_needed``, ``service_level``); summed over queues where there are several
        (the service level is then call-weighted if ``calls`` is present, else averaged).
    target : float, optional
        Service-level target, a dotted line on the right axis.
    """
    cov = coverage.copy()
    extra = {"available": ("available", "sum")} if "available" in cov.columns else {}
    if "queue" in cov.columns and cov["queue"].nunique() > 1:
        if "calls" in cov.columns:
            cov["_w"] = cov["service_level"] * cov["calls"]
            agg = cov.groupby("interval_start", sort=True).agg(
                scheduled=("scheduled", "sum"), on_phone=("on_phone", "sum"),
                agents_needed=("agents_needed", "sum"), _w=("_w", "sum"), calls=("calls", "sum"),
                **extra,
            )
            agg["service_level"] = (agg["_w"] / agg["calls"]).where(agg["calls"] > 0, 1.0)
        else:
            agg = cov.groupby("interval_start", sort=True).agg(
                scheduled=("scheduled", "sum"), on_phone=("on_phone", "sum"),
                agents_needed=("agents_needed", "sum"), service_level=("service_level", "mean"),
                **extra,
            )
        cov = agg.reset_index()
    cov = cov.sort_values("interval_start")
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for col, label, dash in (
        ("agents_needed", "required on phones", "solid"),
        ("available", "available after shrinkage", "solid"),
        ("on_phone", "on phones (not on break)", "dash"),
        ("scheduled", "scheduled", "dot"),
    ):
        if col in cov.columns:
            fig.add_trace(
                go.Scatter(
                    x=cov["interval_start"], y=cov[col], name=label, mode="lines",
                    line=dict(shape="hv", color=_COLORS.get(col, _COLORS["required"]),
                              dash=dash, width=1.5),
                ),
                secondary_y=False,
            )
    fig.add_trace(
        go.Scatter(
            x=cov["interval_start"], y=100 * cov["service_level"], name="service level [%]",
            mode="lines", line=dict(color=_COLORS["service_level"], width=1),
        ),
        secondary_y=True,
    )
    if target is not None:
        fig.add_hline(y=100 * target, line_dash="dot", line_color=_COLORS["service_level"],
                      secondary_y=True)
    fig.update_yaxes(title_text="agents", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text="service level [%]", range=[0, 101], tickmode="array",
                     tickvals=[0, 20, 40, 60, 80, 100], showgrid=False, secondary_y=True)
    return _layout(fig, "Coverage against requirement, service level per interval", height=420)


def comparison_figure(table: pd.DataFrame, measures: Sequence[str], *, name: str = "scenario",
                      labels: dict[str, str] | None = None,
                      percent: Sequence[str] = ()) -> go.Figure:
    """Small multiples: one bar chart per measure, one bar (one colour) per scenario.

    Parameters
    ----------
    table : DataFrame
        One row per scenario, with a ``name`` column (or index) and the measures.
    measures : sequence of str
        Columns to draw, in order.
    labels : dict, optional
        Panel title of each measure (default: the column name).
    percent : sequence of str
        Measures that are fractions, drawn as percentages.
    """
    frame = table.reset_index() if name not in table.columns else table
    measures = [m for m in measures if m in frame.columns]
    labels = labels or {}
    fig = make_subplots(rows=1, cols=max(1, len(measures)),
                        subplot_titles=[labels.get(m, m) for m in measures])
    colors = px.colors.qualitative.Plotly
    names = frame[name].astype(str).tolist()
    for i, m in enumerate(measures, start=1):
        scale = 100.0 if m in percent else 1.0
        fig.add_trace(
            go.Bar(x=names, y=scale * frame[m].to_numpy(float), name=m, showlegend=False,
                   marker_color=[colors[k % len(colors)] for k in range(len(names))]),
            row=1, col=i,
        )
    fig = _layout(fig, "Scenarios side by side", height=340)
    fig.update_layout(hovermode="closest")
    return fig


def frontier_figure(points: pd.DataFrame, *, x: str = "service_level", y: str = "cost",
                    label: str | None = None,
                    current: tuple[float, float] | None = None,
                    next_point: tuple[float, float] | None = None) -> go.Figure:
    """Cost against service level: one marker per full solve, joined in order of ``x``.

    Parameters
    ----------
    points : DataFrame
        One row per sweep point with the columns ``x`` (fraction) and ``y`` (currency).
    label : str, optional
        Column used as the hover label of each point (e.g. the target).
    current : (service level, cost), optional
        The plan in use, drawn as a star.
    next_point : (service level, cost), optional
        The next point up the frontier, joined to ``current`` by a dotted line.
    """
    frame = points.sort_values(x)
    fig = go.Figure(
        go.Scatter(
            x=100 * frame[x], y=frame[y], mode="lines+markers", name="frontier",
            text=None if label is None else frame[label].astype(str),
            hovertemplate="%{x:.1f} %<br>%{y:,.0f}<extra>%{text}</extra>",
        )
    )
    if current is not None:
        fig.add_trace(go.Scatter(
            x=[100 * current[0]], y=[current[1]], mode="markers", name="current plan",
            marker=dict(symbol="star", size=16, color=_COLORS["required"]),
            hovertemplate="current plan<br>%{x:.1f} %<br>%{y:,.0f}<extra></extra>"))
        if next_point is not None:
            fig.add_trace(go.Scatter(
                x=[100 * current[0], 100 * next_point[0]], y=[current[1], next_point[1]],
                mode="lines", name="next point", line=dict(dash="dot",
                                                           color=_COLORS["required"]),
                hoverinfo="skip"))
    fig.update_xaxes(title_text="service level achieved [%]")
    fig.update_yaxes(title_text="weekly cost [currency]")
    fig = _layout(fig, "Cost against service level", height=360)
    fig.update_layout(hovermode="closest")
    return fig


def cost_figure(table: pd.DataFrame, *, category: str, value: str = "cost",
                title: str = "Weekly cost") -> go.Figure:
    """Bar chart of a cost breakdown (one bar per category)."""
    fig = go.Figure(go.Bar(x=table[category].astype(str), y=table[value], name=value))
    fig.update_yaxes(title_text=f"{value} [currency]")
    fig = _layout(fig, title, height=320)
    fig.update_layout(hovermode="closest")
    return fig


def _bars(frame: pd.DataFrame, y: str, *, palette: dict, legend: set, row: int | None = None,
          fig: go.Figure) -> None:
    """Horizontal bars from ``start`` to ``end`` on a date axis, one trace per kind."""
    for kind, part in frame.groupby("kind", sort=False, observed=True):
        width = (pd.to_datetime(part["end"]) - pd.to_datetime(part["start"])) \
            / pd.Timedelta(milliseconds=1)
        trace = go.Bar(
            base=pd.to_datetime(part["start"]), x=width, y=part[y].astype(str),
            orientation="h", name=str(kind), marker_color=palette.get(kind, "#888"),
            legendgroup=str(kind), showlegend=kind not in legend,
            customdata=np.stack([part["name"].astype(str),
                                 pd.to_datetime(part["start"]).dt.strftime("%H:%M"),
                                 pd.to_datetime(part["end"]).dt.strftime("%H:%M")], axis=-1),
            hovertemplate="%{y}: %{customdata[0]} %{customdata[1]}-%{customdata[2]}"
                          "<extra></extra>",
            width=0.8 if kind == "shift" else 0.5,
        )
        legend.add(kind)
        if row is None:
            fig.add_trace(trace)
        else:
            fig.add_trace(trace, row=row, col=1)


def _palette(kinds) -> dict:
    kinds = ["shift"] + sorted(k for k in set(kinds) if k != "shift")
    return {k: _KIND_COLORS.get(k, px.colors.qualitative.Set2[i % 8]) for i, k in enumerate(kinds)}


def day_view_figure(shifts: pd.DataFrame, breaks: pd.DataFrame | None,
                    coverage: pd.DataFrame | None = None, *,
                    focus: tuple[pd.Timestamp, pd.Timestamp] | None = None,
                    title: str = "Day view") -> go.Figure:
    """One day: an agent per row on a 15-minute grid, breaks and meetings coloured over
    the shifts, and under it the agents on the phones against the requirement.

    Parameters
    ----------
    shifts, breaks : DataFrame
        The shifts of the day (and their breaks and activities).
    coverage : DataFrame, optional
        The day's coverage (``interval_start``, ``on_phone``, ``available``,
        ``agents_needed``), drawn in a panel under the agents.
    focus : (start, end), optional
        An interval to highlight (e.g. one that misses the service level).
    """
    frame = gantt_frame(shifts, breaks)
    order = sorted(frame["agent"].unique(), key=_natural_key)
    palette = _palette(frame["kind"].unique())
    rows = 2 if coverage is not None and len(coverage) else 1
    agents_h = max(220, 18 * len(order) + 60)
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.03,
                        row_heights=[agents_h, 180][:rows])
    frame["kind"] = pd.Categorical(frame["kind"], categories=list(palette))
    _bars(frame.sort_values("kind"), "agent", palette=palette, legend=set(), row=1, fig=fig)
    fig.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed",
                     title_text="agent", row=1, col=1)
    if rows == 2:
        cov = coverage.sort_values("interval_start")
        for col, label, dash in (("agents_needed", "required on phones", "solid"),
                                 ("available", "available after shrinkage", "solid"),
                                 ("on_phone", "on phones", "dash")):
            if col in cov.columns:
                fig.add_trace(go.Scatter(
                    x=cov["interval_start"], y=cov[col], name=label, mode="lines",
                    line=dict(shape="hv", dash=dash, width=1.5,
                              color=_COLORS.get(col, _COLORS["required"]))), row=2, col=1)
        fig.update_yaxes(title_text="agents", rangemode="tozero", row=2, col=1)
    if focus is not None:
        fig.add_vrect(x0=focus[0], x1=focus[1], fillcolor="#d62728", opacity=0.15,
                      line_width=0)
    # hours labelled, a grid line every 15 minutes
    fig.update_xaxes(type="date", dtick=60 * 60 * 1000, tickformat="%H:%M", showgrid=True,
                     gridcolor="rgba(0,0,0,0.15)", tickangle=0,
                     minor=dict(dtick=15 * 60 * 1000, showgrid=True,
                                gridcolor="rgba(0,0,0,0.05)"))
    fig.update_layout(barmode="overlay")
    fig = _layout(fig, title, height=agents_h + (200 if rows == 2 else 0) + 60)
    fig.update_layout(hovermode="closest")
    return fig


def agent_week_figure(shifts: pd.DataFrame, breaks: pd.DataFrame | None,
                      title: str = "Agent's week") -> go.Figure:
    """One agent's week: a row per day, the time of day across, breaks coloured."""
    frame = gantt_frame(shifts, breaks)
    if frame.empty:
        return _layout(go.Figure(), title)
    shift_day = pd.to_datetime(shifts["start"]).dt.normalize()
    day_of = dict(zip(shifts["shift_id"].astype(str), shift_day, strict=True))
    # each bar on the day its shift starts: times as hours since that midnight
    frame["day"] = pd.concat([
        pd.Series(shift_day.to_numpy()),
        pd.Series([day_of.get(str(s)) for s in breaks["shift_id"]]) if breaks is not None
        and len(breaks) else pd.Series(dtype="datetime64[ns]"),
    ], ignore_index=True).to_numpy()
    ref = pd.Timestamp("2000-01-03")
    frame["start"] = ref + (pd.to_datetime(frame["start"]) - pd.to_datetime(frame["day"]))
    frame["end"] = ref + (pd.to_datetime(frame["end"]) - pd.to_datetime(frame["day"]))
    frame["weekday"] = pd.to_datetime(frame["day"]).dt.strftime("%a %d %b")
    palette = _palette(frame["kind"].unique())
    frame["kind"] = pd.Categorical(frame["kind"], categories=list(palette))
    fig = go.Figure()
    _bars(frame.sort_values("kind"), "weekday", palette=palette, legend=set(), fig=fig)
    days = sorted(frame["day"].unique())
    fig.update_yaxes(categoryorder="array",
                     categoryarray=[pd.Timestamp(d).strftime("%a %d %b") for d in days],
                     autorange="reversed", title_text="day")
    fig.update_xaxes(type="date", tickformat="%H:%M", dtick=60 * 60 * 1000,
                     title_text="time of day")
    fig.update_layout(barmode="overlay")
    fig = _layout(fig, title, height=max(260, 40 * len(days) + 120))
    fig.update_layout(hovermode="closest")
    return fig


def queue_coverage_figure(frame: pd.DataFrame, queue: str) -> go.Figure:
    """One queue: agents on the phones with its skill against its requirement."""
    part = frame[frame["queue"].astype(str) == str(queue)].sort_values("interval_start")
    fig = go.Figure()
    for col, label, color, dash in (
        ("staff_needed", "to schedule (with shrinkage)", _COLORS["required"], "dot"),
        ("agents_needed", "required on phones", _COLORS["required"], "solid"),
        ("on_phone", "on phones with the skill", _COLORS["available"], "solid"),
    ):
        fig.add_trace(go.Scatter(x=part["interval_start"], y=part[col], name=label,
                                 mode="lines", line=dict(shape="hv", color=color, dash=dash,
                                                         width=1.5)))
    fig.update_yaxes(title_text="agents", rangemode="tozero")
    return _layout(fig, f"Coverage of queue {queue}", height=360)


def difference_figure(diffs: pd.DataFrame, label: str) -> go.Figure:
    """Per-interval difference of each scenario against the baseline (one line each)."""
    fig = go.Figure()
    colors = px.colors.qualitative.Plotly
    for k, (name, part) in enumerate(diffs.groupby("scenario", sort=False)):
        part = part.sort_values("interval_start")
        fig.add_trace(go.Scatter(x=part["interval_start"], y=part["difference"], name=str(name),
                                 mode="lines", line=dict(shape="hv", width=1.5,
                                                         color=colors[(k + 1) % len(colors)])))
    fig.add_hline(y=0, line_color="#888", line_width=1)
    fig.update_yaxes(title_text=f"Δ {label}")
    return _layout(fig, f"Difference per interval against the baseline: {label}", height=360)


def _natural_key(text: str):
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(text))]


def queue_calls_figure(forecast: pd.DataFrame) -> go.Figure:
    """Calls per interval of each queue, stacked: how the centre's demand is made up."""
    fig = go.Figure()
    for queue, part in forecast.groupby(forecast["queue"].astype(str), sort=True):
        per = part.groupby("interval_start")["calls"].sum()
        fig.add_trace(go.Scatter(x=per.index, y=per.to_numpy(float), name=str(queue),
                                 mode="lines", stackgroup="calls", line=dict(width=0.8)))
    fig.update_yaxes(title_text="calls per interval", rangemode="tozero")
    return _layout(fig, "Calls per queue (stacked)", height=340)


def queue_service_figure(table: pd.DataFrame) -> go.Figure:
    """Service level of each queue and of the centre against its target.

    ``table`` is :func:`wfm.queue_report.queue_table`: bars for Erlang on the queue's
    share and for the simulation (with its 95 % bounds, clipped to 0-100 %), a marker
    at each queue's target.
    """
    names = table["queue"].astype(str).tolist()
    fig = go.Figure()
    fig.add_trace(go.Bar(x=names, y=100 * table["service_level"].to_numpy(float),
                         name="Erlang on its share", marker_color="#9ecae1"))
    sim = table["sim_service_level"].to_numpy(float)
    if np.isfinite(sim).any():
        hi = np.clip(table["sim_service_level_high"].to_numpy(float), 0, 1)
        lo = np.clip(table["sim_service_level_low"].to_numpy(float), 0, 1)
        fig.add_trace(go.Bar(x=names, y=100 * sim, name="simulated", marker_color="#1f77b4",
                             error_y=dict(type="data", array=100 * (hi - sim),
                                          arrayminus=100 * (sim - lo), visible=True)))
    fig.add_trace(go.Scatter(x=names, y=100 * table["target"].to_numpy(float), name="target",
                             mode="markers", marker=dict(symbol="line-ew-open", size=28,
                                                         color=_COLORS["required"],
                                                         line=dict(width=3))))
    fig.update_yaxes(title_text="service level [%]", range=[0, 105])
    fig = _layout(fig, "Service level per queue and for the centre", height=340)
    fig.update_layout(barmode="group", hovermode="closest")
    return fig


def queue_interval_figure(frame: pd.DataFrame, queue: str) -> go.Figure:
    """One queue per interval: its requirement, the plan's agents for it, the simulated
    service level (right axis).  ``frame`` is :func:`wfm.queue_report.queue_intervals`."""
    part = frame[frame["queue"].astype(str) == str(queue)].sort_values("interval_start")
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for col, label, color, dash in (
        ("staff_needed", "to schedule (with shrinkage)", _COLORS["required"], "dot"),
        ("agents_needed", "required on phones", _COLORS["required"], "solid"),
        ("on_phone", "on phones for this queue (plan's split)", _COLORS["available"], "solid"),
    ):
        fig.add_trace(go.Scatter(x=part["interval_start"], y=part[col], name=label, mode="lines",
                                 line=dict(shape="hv", color=color, dash=dash, width=1.5)),
                      secondary_y=False)
    if part["sim_service_level"].notna().any():
        fig.add_trace(go.Scatter(x=part["interval_start"], y=100 * part["sim_service_level"],
                                 name="service level, simulated [%]", mode="markers",
                                 marker=dict(size=4, color=_COLORS["service_level"])),
                      secondary_y=True)
        fig.update_yaxes(title_text="service level [%]", range=[0, 105], secondary_y=True)
    fig.update_yaxes(title_text="agents", rangemode="tozero", secondary_y=False)
    return _layout(fig, f"Queue {queue}: requirement, agents and service", height=360)


def queue_compare_figure(table: pd.DataFrame, measure: str, label: str, *,
                         percent: bool = False) -> go.Figure:
    """One measure per queue, one bar per scenario (``table``:
    :func:`wfm.scenarios.compare_queues`)."""
    fig = go.Figure()
    colors = px.colors.qualitative.Plotly
    for k, (name, part) in enumerate(table.groupby("scenario", sort=False)):
        fig.add_trace(go.Bar(x=part["queue"].astype(str),
                             y=(100.0 if percent else 1.0) * part[measure].to_numpy(float),
                             name=str(name), marker_color=colors[k % len(colors)]))
    fig.update_yaxes(title_text=label)
    fig = _layout(fig, f"{label} per queue", height=340)
    fig.update_layout(barmode="group", hovermode="closest")
    return fig


def group_allocation_figure(alloc: pd.DataFrame, queue: str) -> go.Figure:
    """Who answers a queue: on-phone agents of each skill group for it, stacked
    (``alloc``: :func:`wfm.queue_report.group_allocation`)."""
    fig = go.Figure()
    for group, part in alloc.groupby(alloc["skill_group"].astype(str), sort=True):
        fig.add_trace(go.Scatter(x=part["interval_start"], y=part["on_phone"].to_numpy(float),
                                 name=str(group), mode="lines", stackgroup="groups",
                                 line=dict(shape="hv", width=0.6)))
    fig.update_yaxes(title_text="agents on the phones", rangemode="tozero")
    return _layout(fig, f"Who answers {queue}: agents by skill group (plan's split)", height=320)
