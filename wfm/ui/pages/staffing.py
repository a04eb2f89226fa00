"""Staffing page: the requirement heatmap of the forecast week, and an Erlang calculator."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from wfm.errors import WfmError
from wfm.frames import interval_length
from wfm.types import ServiceTarget
from wfm.ui import charts, compute, queues, state
from wfm.ui.widgets import fmt_num, fmt_pct, show_frame

HEATMAP_VALUES = {
    "Agents to schedule (after shrinkage)": "staff_needed",
    "Agents on the phones": "agents_needed",
    "Calls offered": "calls",
    "Traffic [Erlang]": "traffic",
}


def requirement_section() -> None:
    st.subheader("Requirement of the forecast week")
    run = state.get(state.FORECAST)
    if run is None:
        st.info("Make a forecast on the Forecast page to see the requirement per interval.")
        return
    s = state.settings()
    targets = _queue_targets(run.forecast, s)
    try:
        if targets:
            req = pd.concat([compute.requirements(run.forecast[run.forecast["queue"] == q],
                                                  t, s.shrinkage, s.patience_s)
                             for q, t in targets.items()], ignore_index=True)
        else:
            req = compute.requirements(run.forecast, s.target, s.shrinkage, s.patience_s)
    except WfmError as exc:
        st.error(str(exc))
        return
    model = "Erlang A" if s.patience_s is not None else "Erlang C"
    st.caption(
        f"{model}, target {s.service_level:.0%} within {s.answer_within_s:g} s, occupancy at "
        f"most {s.max_occupancy:.0%}, shrinkage {s.shrinkage:.0%} (change these in the sidebar)."
        + ("".join(f" {q}: own target {t.service_level:.0%}." for q, t in targets.items()
                   if t.service_level != s.service_level))
    )
    names = sorted(req["queue"].astype(str).unique())
    if len(names) > 1:
        _queue_requirements(req)
        pick = st.selectbox("Queue", ["all queues", *names], key="staffing.queue")
        if pick != "all queues":
            req = req[req["queue"].astype(str) == pick]
    hours = interval_length(req).total_seconds() / 3600.0
    cols = st.columns(4)
    cols[0].metric("Peak agents to schedule", int(req.groupby("interval_start")["staff_needed"]
                                                  .sum().max()))
    cols[1].metric("Agent-hours on phones", fmt_num(req["agents_needed"].sum() * hours, 0))
    cols[2].metric("Agent-hours to schedule", fmt_num(req["staff_needed"].sum() * hours, 0),
                   help="Sum over intervals of agents to schedule × interval length [h].")
    calls = req["calls"].sum()
    sl = (req["expected_service_level"] * req["calls"]).sum() / calls if calls > 0 else 1.0
    cols[3].metric("Expected service level", fmt_pct(sl),
                   help="Call-weighted over the week, if every interval got exactly its "
                   "requirement on the phones.")
    label = st.radio("Show", list(HEATMAP_VALUES), horizontal=True, key="staffing.heat_value")
    st.plotly_chart(charts.requirement_heatmap(req, HEATMAP_VALUES[label]),
                    key="staffing.heatmap")
    with st.expander("Requirement per interval"):
        show_frame(req)


def _queue_targets(forecast, s: state.Settings) -> dict:
    """Each queue's own target, when the rules plan several queues apart (skill groups);
    empty otherwise (every queue then gets the sidebar target)."""
    rules = state.rules().scenario
    names = sorted(forecast["queue"].astype(str).unique())
    if not rules.skill_groups or len(names) < 2:
        return {}
    out = {}
    for q in names:
        own = rules.queue_settings.get(q)
        sl = own.service_level if own is not None and own.service_level is not None \
            else s.service_level
        out[q] = dataclasses.replace(s.target, service_level=sl)
    return out


def _queue_requirements(req) -> None:
    """One row per queue: its peak, its agent-hours, the service its requirement gives."""
    hours = interval_length(req).total_seconds() / 3600.0
    rows = []
    for q, part in req.groupby(req["queue"].astype(str)):
        calls = part["calls"].sum()
        rows.append({"queue": q, "calls": calls,
                     "peak to schedule": part["staff_needed"].max(),
                     "agent-hours on phones": part["agents_needed"].sum() * hours,
                     "agent-hours to schedule": part["staff_needed"].sum() * hours,
                     "expected service level": (part["expected_service_level"] * part["calls"]).sum()
                     / calls if calls > 0 else 1.0})
    st.markdown("**Requirement per queue** (each queue staffed on its own; skill groups that "
                "share queues need less, see below once a schedule is solved)")
    show_frame(pd.DataFrame(rows), key="staffing.queue_table", column_config={
        "calls": st.column_config.NumberColumn(format="%,.0f"),
        "agent-hours on phones": st.column_config.NumberColumn(format="%,.0f"),
        "agent-hours to schedule": st.column_config.NumberColumn(format="%,.0f"),
        "expected service level": st.column_config.NumberColumn(format="percent")})


def plan_groups_section() -> None:
    """The solved plan's skill groups and shared queue sets (a multi-queue plan only)."""
    current = state.get(state.PLAN)
    if current is None or not queues.has_queues(current.plan):
        return
    st.subheader("Requirement of the shared queue sets (solved schedule)")
    queues.groups_section(current.plan, "staffing")


def calculator_section() -> None:
    st.subheader("Erlang calculator: one interval")
    st.caption(
        "Erlang C assumes callers wait forever; Erlang A lets them hang up after a mean "
        "patience, which is closer to life and usually needs fewer agents for the same "
        "service level, at the price of abandoned calls."
    )
    s = state.settings()
    left, right = st.columns(2)
    with left:
        calls = st.number_input("Calls offered in the interval", min_value=0.0, value=100.0,
                                step=5.0, format="%.0f", key="calc.calls")
        aht = st.number_input("Average handle time [s]", min_value=1.0, value=180.0, step=10.0,
                              format="%.0f", key="calc.aht_s", help="Talk + hold + after-call work.")
        interval = st.selectbox("Interval length [min]", [15, 30, 60], index=1,
                                key="calc.interval_min")
    with right:
        sl = st.number_input("Service level [%]", min_value=1.0, max_value=99.9,
                             value=100 * s.service_level, step=1.0, format="%.1f",
                             key="calc.sl_pct")
        within = st.number_input("Answer within [s]", min_value=0.0, value=s.answer_within_s,
                                 step=5.0, format="%.0f", key="calc.within_s")
        occ = st.number_input("Max occupancy [%]", min_value=1.0, max_value=100.0,
                              value=100 * s.max_occupancy, step=1.0, format="%.1f",
                              key="calc.occ_pct")
        patience = st.number_input("Mean patience for Erlang A [s]", min_value=1.0,
                                   value=s.patience_s or 120.0, step=10.0, format="%.0f",
                                   key="calc.patience_s")
    target = ServiceTarget(service_level=sl / 100, answer_within_s=within,
                           max_occupancy=occ / 100)
    out = compute.erlang_table(calls, aht, float(interval), target, patience)
    st.metric("Traffic [Erlang]", fmt_num(out["traffic"], 2),
              help="Calls × AHT / interval length.")
    c_col, a_col = st.columns(2)
    for col, key, title in ((c_col, "c", "Erlang C (no abandonment)"),
                            (a_col, "a", f"Erlang A (patience {patience:g} s)")):
        r = out[key]
        with col, st.container(border=True):
            st.markdown(f"**{title}**")
            m1, m2 = st.columns(2)
            m1.metric("Agents on phones", r["agents"])
            m2.metric(f"Service level ({within:g} s)", fmt_pct(r["service_level"]))
            m3, m4 = st.columns(2)
            m3.metric("ASA [s]", fmt_num(r["asa_s"], 1))
            m4.metric("Occupancy", fmt_pct(r["occupancy"]))
            if key == "a":
                st.metric("Abandoned", fmt_pct(r["p_abandon"]))
    st.plotly_chart(
        charts.erlang_curve_figure(
            out["curves"], target=target.service_level,
            agents={"Erlang C": out["c"]["agents"], "Erlang A": out["a"]["agents"]},
        ),
        key="calc.curve",
    )
    with st.expander("Service level, ASA and occupancy by agents"):
        table = out["curves"].pivot(index="agents", columns="model",
                                    values=["service_level", "asa_s", "occupancy", "p_abandon"])
        table.columns = [f"{m} {v}" for v, m in table.columns]
        show_frame(table.reset_index())


def render() -> None:
    st.title("Staffing")
    st.caption("Agents needed per interval to meet the service target, with the occupancy "
               "cap and shrinkage; handle times are the forecast's, never capped.")
    requirement_section()
    plan_groups_section()
    calculator_section()


if __name__ == "__main__":
    render()
