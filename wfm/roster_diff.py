"""What changed between two versions of a roster, agent-day by agent-day.

The list a planner sends to the people affected: who works a shift that is new, who
lost one, whose hours moved, whose breaks or meetings moved.  Pure pandas; the store
(:meth:`wfm.store.Store.diff_rosters`) and roster repair both use it.
"""

from __future__ import annotations

import pandas as pd

from wfm.errors import DataError

__all__ = ["CHANGE_COLUMNS", "roster_changes"]

#: One row per changed agent-day.
CHANGE_COLUMNS = ("agent_id", "day", "change", "old_shift", "new_shift")

_NEEDED = ("shift_id", "agent_id", "template", "start", "end")


def roster_changes(
    old_shifts: pd.DataFrame,
    new_shifts: pd.DataFrame,
    old_breaks: pd.DataFrame | None = None,
    new_breaks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every agent-day whose shift, or whose breaks and activities, differ.

    Parameters
    ----------
    old_shifts, new_shifts : DataFrame
        Shifts of the two versions (``shift_id``, ``agent_id``, ``template``, ``start``,
        ``end``; :data:`solver.result.SHIFT_COLUMNS`).  An agent works at most one
        shift starting on a day.
    old_breaks, new_breaks : DataFrame, optional
        Breaks and activities of each version (``shift_id``, ``name``, ``start``,
        ``end``); when given, a shift whose hours stay but whose breaks or meetings move
        is listed as ``"breaks"``.

    Returns
    -------
    DataFrame
        Columns :data:`CHANGE_COLUMNS`, sorted by day and agent.  ``change`` is
        ``"added"`` (a shift on a day off), ``"removed"`` (a day off instead of a
        shift), ``"moved"`` (other hours or template) or ``"breaks"``; ``old_shift``
        and ``new_shift`` read like ``"08:00-16:30 d8"`` with breaks and activities
        after a colon, ``""`` for a day off.
    """
    old = _by_agent_day(old_shifts, old_breaks, "old")
    new = _by_agent_day(new_shifts, new_breaks, "new")
    rows = []
    for key in sorted(set(old) | set(new), key=lambda k: (k[1], k[0])):
        o, n = old.get(key), new.get(key)
        if o == n:
            continue
        if o is None:
            change = "added"
        elif n is None:
            change = "removed"
        elif o[0] != n[0]:
            change = "moved"
        else:
            change = "breaks"
        rows.append((key[0], key[1], change, _text(o), _text(n)))
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


def _text(entry: tuple[str, str] | None) -> str:
    if entry is None:
        return ""
    return entry[0] + (f": {entry[1]}" if entry[1] else "")


def _by_agent_day(shifts: pd.DataFrame, breaks: pd.DataFrame | None, which: str) -> dict:
    missing = [c for c in _NEEDED if c not in shifts.columns]
    if missing:
        raise DataError(f"{which} shifts: missing column(s) {missing}", column=missing[0])
    inner: dict = {}
    if breaks is not None and len(breaks):
        b = breaks.sort_values("start")
        text = (b["name"].astype(str) + " " + pd.to_datetime(b["start"]).dt.strftime("%H:%M")
                + "-" + pd.to_datetime(b["end"]).dt.strftime("%H:%M"))
        inner = text.groupby(b["shift_id"].astype(str), sort=False).agg(", ".join).to_dict()
    out: dict = {}
    for pos, r in enumerate(shifts.itertuples(index=False)):
        start, end = pd.Timestamp(r.start), pd.Timestamp(r.end)
        key = (str(r.agent_id), start.date())
        if key in out:
            raise DataError(f"{which} shifts: agent {key[0]} has two shifts starting on "
                            f"{key[1]}", row=pos, column="start", value=start)
        hours = f"{start:%H:%M}-{end:%H:%M} {r.template}"
        out[key] = (hours, inner.get(str(r.shift_id), ""))
    return out
