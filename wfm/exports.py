"""Exports and imports: roster CSV, Excel workbook, iCalendar per agent, agents CSV.

Every text cell written to CSV or Excel that starts with ``=``, ``+``, ``-``, ``@`` (or a
tab / carriage return) is prefixed with ``'`` so that a spreadsheet shows it as text
instead of running it as a formula (CSV / formula injection, OWASP).  Numbers are
written as numbers and never altered.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from wfm.agents import AGENT_COLUMNS, load_agents
from wfm.errors import InputError
from wfm.frames import roster_frames
from wfm.types import WEEKDAYS, Agent, Contract

__all__ = [
    "neutralise",
    "neutralise_frame",
    "roster_table",
    "write_roster_csv",
    "write_frame_csv",
    "write_excel",
    "write_icalendar",
    "agent_calendar",
    "load_agents_csv",
    "AGENT_CSV_COLUMNS",
]

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and column name) neutralised; numbers untouched."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    if out.index.dtype == object:
        out.index = out.index.map(neutralise)
    return out


def roster_table(result_or_shifts, breaks: pd.DataFrame | None = None) -> pd.DataFrame:
    """The roster as planners read it: one row per shift, breaks spelled out.

    Returns
    -------
    DataFrame
        ``agent_id``, ``date``, ``weekday``, ``template``, ``start``, ``end`` (HH:MM;
        ``+1`` when on the next day), ``paid_h``, ``cost``, ``breaks`` (e.g.
        ``"10:00-10:15 break 1; 12:30-13:00 lunch (unpaid)"``), ``activities``,
        ``shift_id``; sorted by agent and start.
    """
    shifts, breaks = roster_frames(result_or_shifts, breaks)
    sh = shifts.copy()
    sh["start"] = pd.to_datetime(sh["start"])
    sh["end"] = pd.to_datetime(sh["end"])
    day0 = sh["start"].dt.normalize()
    text_breaks: dict[str, list[str]] = {}
    text_acts: dict[str, list[str]] = {}
    if breaks is not None and len(breaks):
        b = breaks.copy()
        b["start"] = pd.to_datetime(b["start"])
        b["end"] = pd.to_datetime(b["end"])
        for r in b.sort_values("start").itertuples(index=False):
            label = f"{r.start:%H:%M}-{r.end:%H:%M} {r.name}" + ("" if r.paid else " (unpaid)")
            target = text_acts if str(r.kind) not in ("break", "lunch") else text_breaks
            target.setdefault(str(r.shift_id), []).append(label)

    def clock(ts, base):
        days = (ts.normalize() - base).days
        return f"{ts:%H:%M}" + (f" +{days}" if days else "")

    out = pd.DataFrame({
        "agent_id": sh["agent_id"].astype(str),
        "date": day0.dt.date,
        "weekday": [WEEKDAYS[d] for d in day0.dt.weekday],
        "template": sh["template"].astype(str),
        "start": [clock(s, b) for s, b in zip(sh["start"], day0, strict=True)],
        "end": [clock(e, b) for e, b in zip(sh["end"], day0, strict=True)],
        "paid_h": pd.to_numeric(sh["paid_h"]).round(4),
        "cost": pd.to_numeric(sh["cost"]).round(2),
        "breaks": ["; ".join(text_breaks.get(str(i), [])) for i in sh["shift_id"]],
        "activities": ["; ".join(text_acts.get(str(i), [])) for i in sh["shift_id"]],
        "shift_id": sh["shift_id"].astype(str),
        "_start": sh["start"],
    })
    return out.sort_values(["agent_id", "_start"], kind="stable").drop(columns="_start") \
        .reset_index(drop=True)


def write_frame_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a frame to CSV with text cells neutralised (no index)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise_frame(frame).to_csv(path, index=False)
    return path


def write_roster_csv(result_or_shifts, path: str | Path, breaks: pd.DataFrame | None = None) -> Path:
    """Write :func:`roster_table` to ``path`` (CSV, neutralised)."""
    return write_frame_csv(roster_table(result_or_shifts, breaks), path)


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    out = neutralise_frame(frame)
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_localize(None)
    return out


def write_excel(
    path: str | Path,
    *,
    roster: pd.DataFrame,
    coverage: pd.DataFrame | None = None,
    kpis: pd.DataFrame | Mapping[str, Any] | None = None,
    costs: pd.DataFrame | Mapping[str, Any] | None = None,
) -> Path:
    """An Excel workbook with sheets ``roster``, ``coverage``, ``KPIs``, ``costs``.

    Parameters
    ----------
    roster : DataFrame
        Usually :func:`roster_table`.
    coverage : DataFrame, optional
        Coverage per interval.
    kpis, costs : DataFrame or mapping, optional
        A mapping is written as two columns ``measure``, ``value``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def as_frame(x):
        if x is None:
            return pd.DataFrame({"measure": [], "value": []})
        if isinstance(x, Mapping):
            return pd.DataFrame({"measure": list(x), "value": list(x.values())})
        return x

    sheets = {
        "roster": roster,
        "coverage": coverage if coverage is not None else pd.DataFrame(),
        "KPIs": as_frame(kpis),
        "costs": as_frame(costs),
    }
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            keep_index = not isinstance(frame.index, pd.RangeIndex)
            _excel_ready(frame).to_excel(writer, sheet_name=name, index=keep_index)
            ws = writer.sheets[name]
            ws.freeze_panes = "A2"
            for col_cells in ws.columns:
                width = max((len(str(c.value)) for c in col_cells if c.value is not None), default=8)
                ws.column_dimensions[col_cells[0].column_letter].width = min(max(width + 2, 8), 60)
    return path


# --------------------------------------------------------------------------------------
# iCalendar
# --------------------------------------------------------------------------------------


def agent_calendar(agent_id: str, shifts: pd.DataFrame, breaks: pd.DataFrame | None = None,
                   *, calendar_name: str = "wfm roster") -> bytes:
    """One agent's shifts as an iCalendar file (bytes).

    Each shift is a ``VEVENT`` (floating local time, as in the roster) whose
    description lists its breaks; each activity (meeting, training) is its own event.
    """
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//wfm//roster//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{calendar_name}: {agent_id}")
    mine = shifts[shifts["agent_id"].astype(str) == str(agent_id)].sort_values("start")
    b = breaks if breaks is not None else pd.DataFrame(columns=["shift_id", "kind", "name",
                                                                "start", "end", "paid"])
    stamp = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    for r in mine.itertuples(index=False):
        ev = Event()
        ev.add("uid", f"{r.shift_id}@wfm")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", pd.Timestamp(r.start).to_pydatetime())
        ev.add("dtend", pd.Timestamp(r.end).to_pydatetime())
        ev.add("summary", f"Shift: {r.template}")
        mine_b = b[b["shift_id"].astype(str) == str(r.shift_id)].sort_values("start")
        lines = [
            f"{pd.Timestamp(x.start):%H:%M}-{pd.Timestamp(x.end):%H:%M} {x.name}"
            + ("" if x.paid else " (unpaid)")
            for x in mine_b.itertuples(index=False)
        ]
        ev.add("description", "Breaks:\n" + "\n".join(lines) if lines else "No breaks")
        cal.add_component(ev)
        for i, x in enumerate(mine_b.itertuples(index=False)):
            if str(x.kind) in ("break", "lunch"):
                continue
            act = Event()
            act.add("uid", f"{r.shift_id}-{i}@wfm")
            act.add("dtstamp", stamp)
            act.add("dtstart", pd.Timestamp(x.start).to_pydatetime())
            act.add("dtend", pd.Timestamp(x.end).to_pydatetime())
            act.add("summary", f"{str(x.kind).capitalize()}: {x.name}")
            cal.add_component(act)
    return cal.to_ical()


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def write_icalendar(result_or_shifts, out_dir: str | Path, breaks: pd.DataFrame | None = None,
                    *, calendar_name: str = "wfm roster") -> dict[str, Path]:
    """Write one ``.ics`` file per agent into ``out_dir``; returns agent id -> path."""
    shifts, breaks = roster_frames(result_or_shifts, breaks)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = [a for a in pd.unique(shifts["agent_id"].astype(str)) if a]
    if not ids:
        raise InputError("shifts", "no agent_id", "a roster with named agents (not an anonymous plan)")
    paths: dict[str, Path] = {}
    used: set[str] = set()
    for agent_id in sorted(ids):
        stem = _SAFE_NAME.sub("_", agent_id).strip("._") or "agent"
        base, k = stem, 2
        while stem in used:
            stem, k = f"{base}_{k}", k + 1
        used.add(stem)
        path = out_dir / f"{stem}.ics"
        path.write_bytes(agent_calendar(agent_id, shifts, breaks, calendar_name=calendar_name))
        paths[agent_id] = path
    return paths


# --------------------------------------------------------------------------------------
# Agents CSV import
# --------------------------------------------------------------------------------------

#: Columns of an agents CSV (``id`` and ``contract`` required).
AGENT_CSV_COLUMNS = AGENT_COLUMNS


def load_agents_csv(path: str | Path, contracts: Mapping[str, Contract] | Sequence[str] | None = None
                    ) -> tuple[Agent, ...]:
    """Read and check an agents CSV; see :func:`wfm.agents.load_agents` for the columns.

    Raises
    ------
    DataError
        Naming the file, the line (header = line 1), the column and the value.
    """
    return tuple(load_agents(path, contracts))
