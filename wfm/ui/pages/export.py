"""Export page: the solved roster as CSV, an Excel workbook and iCalendar files."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st

from wfm.ui.widgets import backend, pending, require_plan, show_frame

_CACHE = "wfm.export_files"
_PREVIEW = "wfm.export_preview"


class _Files:
    """The downloads of one plan, each made when it is first asked for (a download button
    asks on click) and kept for the session: a visit to the page makes none of them."""

    def __init__(self, exports, plan):
        self.exports, self.plan, self.made = exports, plan, {}
        final = plan.final
        self.names = ["roster.csv", "roster.xlsx"]
        if plan.coverage is not None:
            self.names.append("coverage.csv")
        if getattr(plan, "queue_kpis", None) is not None:
            self.names.append("queues.csv")
        if final.shifts["agent_id"].astype(str).str.len().gt(0).any():
            self.names.append("calendars.zip")

    def __contains__(self, name: str) -> bool:
        return name in self.names or name in self.made

    def __getitem__(self, name: str) -> bytes:
        if name not in self.made:
            self.made[name] = self._make(name)
        return self.made[name]

    def __setitem__(self, name: str, data: bytes) -> None:
        self.made[name] = data

    def get(self, name: str, default=None):
        return self[name] if name in self else default

    def later(self, name: str):
        """The file as a callable, for a download button to make it on click."""
        return lambda: self[name]

    def _make(self, name: str) -> bytes:
        exports, plan, final = self.exports, self.plan, self.plan.final
        folder = Path(tempfile.mkdtemp(prefix="wfm-export-"))
        if name == "roster.csv":
            return exports.write_roster_csv(final, folder / name).read_bytes()
        if name == "coverage.csv":
            return exports.write_frame_csv(plan.coverage, folder / name).read_bytes()
        if name == "queues.csv":
            from wfm.queue_report import queue_table

            return exports.write_frame_csv(queue_table(plan), folder / name).read_bytes()
        if name == "roster.xlsx":
            kpis = plan.evaluation.kpis if plan.evaluation is not None else plan.kpis
            costs = plan.costs.summary() if plan.costs is not None else None
            return exports.write_excel(folder / name, roster=exports.roster_table(final),
                                       coverage=plan.coverage, kpis=kpis,
                                       costs=costs).read_bytes()
        if name == "calendars.zip":
            paths = exports.write_icalendar(final, folder / "ics")
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
                for path in sorted(paths.values()):
                    zf.write(path, arcname=path.name)
            return buffer.getvalue()
        raise KeyError(name)


def _files(exports, plan) -> _Files:
    """The plan's downloads (made on demand, kept for the session)."""
    cached = st.session_state.get(_CACHE)
    if cached is not None and cached[0] is plan:
        return cached[1]
    files = _Files(exports, plan)
    st.session_state[_CACHE] = (plan, files)
    return files


def render() -> None:
    st.title("Export")
    st.caption("The roster for planners (CSV, Excel) and for agents (one calendar each). "
               "Text cells that a spreadsheet would run as a formula are neutralised.")
    run = require_plan()
    exports = backend("wfm.exports", "roster_table", "write_roster_csv", "write_excel",
                      "write_icalendar", "agent_calendar", "write_frame_csv")
    if exports is None:
        pending("Exporting")
        return
    plan = run.plan
    files = _files(exports, plan)
    name = f"{plan.scenario.name}-{pd.Timestamp(plan.scenario.horizon.week_start):%Y-%m-%d}"
    c1, c2, c3 = st.columns(3)
    c1.download_button("Roster (CSV)", files.later("roster.csv"), file_name=f"{name}-roster.csv",
                       mime="text/csv", key="export.csv", on_click="ignore", type="primary",
                       help="One row per shift: agent, date, start, end, paid hours, cost, "
                       "breaks and activities spelled out.")
    c2.download_button("Workbook (Excel)", files.later("roster.xlsx"), file_name=f"{name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="export.xlsx", on_click="ignore", help="Sheets: roster, coverage, KPIs, costs.")
    if "coverage.csv" in files:
        c3.download_button("Coverage (CSV)", files.later("coverage.csv"),
                           file_name=f"{name}-coverage.csv", mime="text/csv",
                           key="export.coverage", on_click="ignore")
    if "queues.csv" in files:
        st.download_button("Queues (CSV)", files.later("queues.csv"),
                           file_name=f"{name}-queues.csv", mime="text/csv",
                           key="export.queues", on_click="ignore",
                           help="Each queue and the centre: calls, target, service level "
                           "(Erlang and simulated), ASA, abandonment, cost and cost per call.")

    st.subheader("Calendars")
    if "calendars.zip" not in files:
        st.info("The plan has no named agents (no roster was built): calendars need a named "
                "roster.")
    else:
        st.download_button("Every agent's calendar (ZIP of .ics)", files.later("calendars.zip"),
                           file_name=f"{name}-calendars.zip", mime="application/zip",
                           key="export.ics_zip", on_click="ignore")
        agents = sorted(a for a in plan.final.shifts["agent_id"].astype(str).unique() if a)
        agent = st.selectbox("One agent", agents, key="export.agent")
        ics = files.get(f"{agent}.ics")
        if ics is None:  # made once per agent and plan, kept with the other files
            ics = files[f"{agent}.ics"] = exports.agent_calendar(agent, plan.final.shifts,
                                                                 plan.final.breaks)
        st.download_button(f"Calendar of {agent} (.ics)", ics, file_name=f"{agent}.ics",
                           mime="text/calendar", key="export.ics_one")

    st.subheader("Preview")
    held = st.session_state.get(_PREVIEW)
    if held is None or held[0] is not plan:
        held = st.session_state[_PREVIEW] = (plan, exports.roster_table(plan.final).head(200))
    show_frame(held[1], key="export.preview")


if __name__ == "__main__":
    render()
