"""Cost page: the finance view of the solved schedule."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wfm.ui import charts, queues, state
from wfm.ui.pages.what_if import frontier_section
from wfm.ui.widgets import fmt_money, fmt_num, fmt_pct, require_plan, show_frame


def render() -> None:
    st.title("Cost")
    st.caption("Weekly cost by contract type, premiums and overtime, FTE, cost per call, and "
               "what each extra point of service level costs.")
    run = require_plan()
    plan = run.plan
    report = plan.costs
    if report is None:
        st.info("This plan has no cost figures.")
        return
    cur = report.currency
    cols = st.columns(4)
    cols[0].metric(f"Weekly cost [{cur}]", fmt_money(report.total))
    cols[1].metric(f"Cost per call handled [{cur}]", fmt_num(report.cost_per_call, 2),
                   help="Weekly cost / calls answered per week (offered less abandoned).")
    cols[2].metric("FTE", fmt_num(report.fte, 1),
                   help=f"Paid hours per week ({report.paid_hours:,.0f} h) / hours of one "
                   "full-time equivalent.")
    cols[3].metric("Paid hours per week", fmt_num(report.paid_hours, 0))
    cols = st.columns(4)
    cols[0].metric(f"Overtime [{cur}/week]", fmt_money(report.overtime))
    cols[1].metric(f"Night and weekend premiums [{cur}/week]", fmt_money(report.premiums))
    k = plan.kpis
    cols[2].metric("Service level (Erlang)", fmt_pct(k.get("service_level_erlang")))
    lower = k.get("requirement_cost")
    if lower:
        cols[3].metric(f"Requirement at cheapest rate [{cur}]", fmt_money(lower),
                       help="Scheduled hours the requirement needs, at the cheapest hourly "
                       "rate: no plan with these rules costs less.")

    st.subheader("By contract")
    by = report.by_contract.reset_index() if report.by_contract.index.name else \
        report.by_contract
    money = st.column_config.NumberColumn(format="%,.0f")
    show_frame(by, key="cost.by_contract", column_config={
        c: money for c in ("base", "night_premium", "weekend_premium", "overtime", "total")})
    emp = report.by_employment().reset_index()
    st.plotly_chart(charts.cost_figure(emp, category="employment", value="total",
                                       title=f"Weekly cost by employment type [{cur}]"),
                    key="cost.by_employment")
    agents = report.agents
    if agents is not None and len(agents) and "overtime_h" in agents.columns:
        over = agents[agents["overtime_h"] > 0]
        with st.expander(f"Overtime: {len(over)} agent-week(s)"):
            show_frame(over if len(over) else agents.head(0), key="cost.overtime")

    queues.cost_section(plan, "cost")
    frontier_section(run)
    whatifs = state.get(state.WHATIF) or []
    if whatifs:
        rows = [{"scenario": "as solved", "weekly_cost": report.total,
                 "cost_per_call": report.cost_per_call, "fte": report.fte}]
        rows += [{"scenario": name, "weekly_cost": p.costs.total,
                  "cost_per_call": p.costs.cost_per_call, "fte": p.costs.fte}
                 for name, _, p in whatifs if p.costs is not None]
        st.plotly_chart(charts.cost_figure(pd.DataFrame(rows),
                                           category="scenario", value="weekly_cost",
                                           title=f"Weekly cost of the what-ifs [{cur}]"),
                        key="cost.whatifs")


if __name__ == "__main__":
    render()
