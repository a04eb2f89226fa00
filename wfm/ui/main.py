"""App shell: page configuration, navigation and the settings sidebar."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from wfm.ui import state

__all__ = ["PAGES", "main", "page_path"]

_PAGE_DIR = Path(__file__).resolve().parent / "pages"

#: (file stem, title, icon) of every page, in menu order.
PAGES = (
    ("data", "Data", ":material/database:"),
    ("forecast", "Forecast", ":material/trending_up:"),
    ("staffing", "Staffing", ":material/groups:"),
    ("rules", "Rules", ":material/rule:"),
    ("schedule", "Schedule", ":material/calendar_month:"),
    ("what_if", "What-if", ":material/tune:"),
    ("cost", "Cost", ":material/payments:"),
    ("scenarios", "Scenarios", ":material/inventory_2:"),
    ("export", "Export", ":material/download:"),
)


def page_path(stem: str) -> Path:
    """Path of a page script (also importable as ``wfm.ui.pages.<stem>``)."""
    return _PAGE_DIR / f"{stem}.py"


def sidebar_settings() -> None:
    """Service target and staffing assumptions, shared by every page."""
    with st.sidebar:
        st.subheader("Service target")
        st.number_input(
            "Service level [%]", min_value=1.0, max_value=99.9, step=1.0, format="%.1f",
            key="set.service_level_pct",
            help="Share of offered calls to answer within the threshold (80 for 80/20).",
        )
        st.number_input(
            "Answer within [s]", min_value=0.0, max_value=3600.0, step=5.0, format="%.0f",
            key="set.answer_within_s",
            help="Service-level threshold: 20 for 80/20.",
        )
        st.number_input(
            "Max occupancy [%]", min_value=1.0, max_value=100.0, step=1.0, format="%.1f",
            key="set.max_occupancy_pct",
            help="Highest share of on-phone time an agent spends handling calls. "
            "Above ~85 % agents burn out; the staffing adds agents to respect the cap.",
        )
        st.number_input(
            "Shrinkage [%]", min_value=0.0, max_value=95.0, step=1.0, format="%.1f",
            key="set.shrinkage_pct",
            help="Paid time off the phones not planned in the roster (absence, holidays, "
            "coaching). Agents to schedule = agents on phones / (1 - shrinkage).",
        )
        st.toggle(
            "Callers hang up (Erlang A)", key="set.use_patience",
            help="Off: Erlang C, callers wait forever. On: Erlang A with the mean patience "
            "below; requirements then account for abandonment.",
        )
        if st.session_state.get("set.use_patience"):
            st.number_input(
                "Mean patience [s]", min_value=1.0, max_value=3600.0, step=10.0, format="%.0f",
                key="set.patience_s",
                help="Average time a caller waits before hanging up (exponential).",
            )
        data = state.get(state.DATA)
        st.caption(f"Data: {data.source}" if data is not None else "No data loaded yet.")


def main() -> None:
    """Run one pass of the app (Streamlit reruns it on every interaction)."""
    st.set_page_config(page_title="wfm planner", page_icon=":telephone_receiver:",
                       layout="wide")
    state.init()
    pages = [
        st.Page(page_path(stem), title=title, icon=icon, default=(i == 0))
        for i, (stem, title, icon) in enumerate(PAGES)
    ]
    current = st.navigation(pages)
    sidebar_settings()
    current.run()
