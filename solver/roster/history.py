"""What each agent worked before the week: the state that rules carry across its start.

A roster week is not an island.  The last shift of the previous week bounds the first
start of this one (minimum rest), and the working days at the end of the previous week
count towards the run of consecutive days.  :func:`agent_histories` reads the shifts
worked before ``week_start`` (a previous published roster, or a file of last week's
shifts) into one :class:`AgentHistory` per agent; the rules read it from the problem.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from wfm.errors import DataError, InputError
from wfm.types import Agent

__all__ = ["AgentHistory", "NO_HISTORY", "agent_histories"]


@dataclass(frozen=True)
class AgentHistory:
    """One agent's shifts before the week, as the week's rules need them.

    Attributes
    ----------
    last_end_min : int or None
        End of the agent's last shift before the week, in minutes from ``week_start``
        (negative, or positive for a night shift that runs into the week); None if none.
    trailing_days : int
        Working days in a row that end on the day before ``week_start`` (0 if the agent
        was off that day).
    """

    last_end_min: int | None = None
    trailing_days: int = 0

    def earliest_start_min(self, min_rest_h: float) -> int | None:
        """Earliest start in the week [min from ``week_start``] that keeps the rest."""
        if self.last_end_min is None:
            return None
        return self.last_end_min + int(round(min_rest_h * 60))


NO_HISTORY = AgentHistory()


def agent_histories(
    previous: pd.DataFrame | None, week_start, agents: Sequence[Agent]
) -> list[AgentHistory]:
    """Each agent's :class:`AgentHistory` from the shifts worked before the week.

    Parameters
    ----------
    previous : DataFrame or None
        One row per shift worked before the week: ``agent_id``, ``start``, ``end``
        (Timestamps).  Agents not in it, and rows of agents not in ``agents``, carry no
        history (the latter are ignored: last week's team may differ from this one's).
    week_start : Timestamp
        Midnight at which the week starts.
    agents : sequence of Agent

    Returns
    -------
    list of AgentHistory
        In the order of ``agents``.

    Raises
    ------
    DataError
        A missing column, a shift that does not end after it starts, or one that
        starts at or after ``week_start``, naming the row and value.
    """
    if previous is None or len(previous) == 0:
        return [NO_HISTORY] * len(agents)
    if not isinstance(previous, pd.DataFrame):
        raise InputError("previous", type(previous).__name__, "a DataFrame of shifts")
    for col in ("agent_id", "start", "end"):
        if col not in previous.columns:
            raise DataError(f"previous shifts: missing column '{col}'", column=col)
    ws = pd.Timestamp(week_start)
    start = pd.to_datetime(previous["start"])
    end = pd.to_datetime(previous["end"])
    for pos in range(len(previous)):
        if start.iloc[pos] >= ws:
            raise DataError("previous shifts: a shift starts at or after the week start "
                            f"{ws:%Y-%m-%d %H:%M}", row=pos, column="start", value=start.iloc[pos])
        if not end.iloc[pos] > start.iloc[pos]:
            raise DataError("previous shifts: a shift must end after it starts", row=pos,
                            column="end", value=end.iloc[pos])
    ids = previous["agent_id"].astype(str).to_numpy()
    out = []
    for a in agents:
        mine = ids == str(a.id)
        if not mine.any():
            out.append(NO_HISTORY)
            continue
        last_end = end[mine].max()
        days = {d.date() for d in start[mine]}
        run, day = 0, (ws - pd.Timedelta(days=1)).date()
        while day in days:
            run += 1
            day -= dt.timedelta(days=1)
        out.append(AgentHistory(int((last_end - ws).total_seconds() // 60), run))
    return out
