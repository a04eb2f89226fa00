"""Per-queue sections shared by the pages: shown only when a plan keeps several queues
apart (a scenario with skill groups).  A one-queue plan draws nothing here."""

from __future__ import annotations

import streamlit as st

from wfm import queue_report
from wfm.ui import charts
from wfm.ui.widgets import fmt_money, fmt_num, fmt_pct, show_frame

__all__ = ["has_queues", "service_section", "cost_section", "groups_section"]

_PCT = st.column_config.NumberColumn(format="percent")


def has_queues(plan) -> bool:
    """Whether the plan has per-queue figures."""
    q = getattr(plan, "queue_kpis", None)
    return q is not None and len(q) > 0


def _service_columns(cur: str) -> dict:
    return {
        "target": st.column_config.NumberColumn("target", format="percent"),
        "service_level": st.column_config.NumberColumn("SL (Erlang on its share)", format="percent"),
        "pool_service_level": st.column_config.NumberColumn("SL (Erlang on its pool)",
                                                            format="percent"),
        "sim_service_level": st.column_config.NumberColumn("SL (simulated)", format="percent"),
        "sim_service_level_low": st.column_config.NumberColumn("SL low", format="percent"),
        "sim_service_level_high": st.column_config.NumberColumn("SL high", format="percent"),
        "asa_s": st.column_config.NumberColumn("ASA [s]", format="%.1f"),
        "abandon_rate": st.column_config.NumberColumn("abandoned", format="percent"),
        "calls": st.column_config.NumberColumn("calls/week", format="%,.0f"),
        "agent_hours": st.column_config.NumberColumn("on-phone hours", format="%,.0f"),
        "cost": st.column_config.NumberColumn(f"cost [{cur}/week]", format="%,.0f"),
        "cost_share": st.column_config.NumberColumn("share of cost", format="percent"),
        "cost_per_call": st.column_config.NumberColumn(f"per call offered [{cur}]", format="%.2f"),
        "cost_per_call_handled": st.column_config.NumberColumn(f"per call handled [{cur}]",
                                                               format="%.2f"),
    }


def service_section(plan, key: str) -> None:
    """Each queue's service level, ASA and abandonment beside the centre's; one queue per
    interval on request."""
    table = queue_report.queue_table(plan)
    if table is None:
        return
    centre = table.iloc[-1]
    queues = table.iloc[:-1]
    missed = queues.loc[~queues["met"], "queue"].tolist()
    cols = st.columns(4)
    cols[0].metric("Queues", len(queues))
    cols[1].metric(f"Centre service level ({centre['measured']})",
                   fmt_pct(centre["sim_service_level"] if centre["measured"] == "simulated"
                           else centre["service_level"]))
    cols[2].metric("Centre ASA [s]", fmt_num(centre["asa_s"], 1))
    cols[3].metric("Queues below target", len(missed),
                   help=", ".join(missed) if missed else "every queue meets its target")
    st.plotly_chart(charts.queue_service_figure(table), key=f"{key}.queue_service")
    shown = table[["queue", "calls", "target", "service_level", "pool_service_level",
                   "sim_service_level", "sim_service_level_low", "sim_service_level_high",
                   "asa_s", "abandon_rate", "measured", "met"]]
    show_frame(shown, key=f"{key}.queue_table",
               column_config=_service_columns(plan.scenario.costs.currency))
    st.caption("Erlang on its share: the agents the skill groups give the queue, as a team "
               "of its own (under-states sharing). On its pool: every agent of the queues "
               "linked to it (full sharing, an upper view). Simulated: calls routed by skill "
               "and priority, the one to trust; ASA and abandonment are simulated where the "
               "plan was simulated, else Erlang. The centre row is all the queues together.")
    intervals = queue_report.queue_intervals(plan)
    if intervals is None:
        return
    names = queues["queue"].astype(str).tolist()
    queue = st.radio("Queue per interval", names, horizontal=True, key=f"{key}.queue_pick")
    st.plotly_chart(charts.queue_interval_figure(intervals, queue), key=f"{key}.queue_interval")
    alloc = queue_report.group_allocation(plan, queue)
    if alloc is not None and len(alloc):
        st.plotly_chart(charts.group_allocation_figure(alloc, queue), key=f"{key}.queue_groups")
    with st.expander("Each queue per interval"):
        show_frame(intervals[intervals["queue"] == queue], key=f"{key}.queue_intervals")


def groups_section(plan, key: str) -> None:
    """Skill groups of the shift plan, and what sharing saves per queue set."""
    groups = queue_report.group_table(plan)
    shared = queue_report.shared_requirements(plan)
    if groups is None and shared is None:
        return
    cur = plan.scenario.costs.currency
    if groups is not None:
        st.markdown("**Skill groups of the shift plan** (shifts, hours and cost per week)")
        show_frame(groups, key=f"{key}.groups", column_config={
            "cost": st.column_config.NumberColumn(f"cost [{cur}]", format="%,.0f"),
            "paid_hours": st.column_config.NumberColumn("paid hours", format="%,.1f"),
            "share": _PCT})
    if shared is not None:
        st.markdown("**Queue sets shared by skill groups**: agent-hours to schedule per week "
                    "with the agents shared (Erlang on the summed traffic) against the sum "
                    "of the queues' own requirements")
        show_frame(shared, key=f"{key}.shared", column_config={
            c: st.column_config.NumberColumn(format="%,.1f")
            for c in ("pooled_staff_hours", "dedicated_staff_hours", "saving")})


def cost_section(plan, key: str) -> None:
    """Cost per queue and cost per call per queue, with how shared agents are split."""
    table = queue_report.queue_table(plan)
    if table is None:
        return
    cur = plan.scenario.costs.currency
    st.subheader("By queue")
    st.caption(queue_report.COST_SPLIT)
    queues = table.iloc[:-1]
    cols = st.columns(min(4, len(queues)))
    for col, row in zip(cols, queues.itertuples(index=False), strict=False):
        col.metric(f"{row.queue} [{cur}/week]", fmt_money(row.cost),
                   help=f"{fmt_num(row.cost_per_call, 2)} {cur} per call offered, "
                   f"{fmt_pct(row.cost_share)} of the week's cost")
    st.plotly_chart(charts.cost_figure(queues, category="queue", value="cost",
                                       title=f"Weekly cost by queue [{cur}]"),
                    key=f"{key}.queue_cost")
    shown = table[["queue", "calls", "agent_hours", "cost", "cost_share", "cost_per_call",
                   "cost_per_call_handled", "abandon_rate"]]
    show_frame(shown, key=f"{key}.queue_cost_table", column_config=_service_columns(cur))
