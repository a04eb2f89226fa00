"""The state each agent carries into the week from the shifts it worked before."""

from __future__ import annotations

import pandas as pd
import pytest

from solver.roster.history import NO_HISTORY, AgentHistory, agent_histories
from wfm.errors import DataError
from wfm.types import Agent

WS = pd.Timestamp("2024-01-08")  # Monday


def prev(*rows):
    return pd.DataFrame([{"agent_id": a, "start": pd.Timestamp(s),
                          "end": pd.Timestamp(s) + pd.Timedelta(hours=h)} for a, s, h in rows])


def test_last_end_and_trailing_days_by_hand():
    agents = [Agent("A", "c"), Agent("B", "c"), Agent("C", "c")]
    last_week = prev(("A", "2024-01-05 09:00", 8), ("A", "2024-01-06 09:00", 8),
                     ("A", "2024-01-07 15:00", 8),  # Fri, Sat, Sun to 23:00
                     ("B", "2024-01-05 09:00", 8),  # Friday only: off Sat and Sun
                     ("Z", "2024-01-07 09:00", 8))  # not in this week's team
    a, b, c = agent_histories(last_week, WS, agents)
    assert a == AgentHistory(last_end_min=-60, trailing_days=3)
    assert a.earliest_start_min(11) == 600  # Monday 10:00
    assert b == AgentHistory(last_end_min=-(2 * 1440 + 7 * 60), trailing_days=0)
    assert c == NO_HISTORY and c.earliest_start_min(11) is None


def test_a_night_shift_into_the_week_ends_after_its_start():
    (a,) = agent_histories(prev(("A", "2024-01-07 22:00", 8)), WS, [Agent("A", "c")])
    assert a.last_end_min == 360 and a.trailing_days == 1


def test_no_previous_roster_means_no_history():
    assert agent_histories(None, WS, [Agent("A", "c")]) == [NO_HISTORY]


def test_bad_previous_shifts_are_named():
    with pytest.raises(DataError, match="row 0, column 'start'.*week start"):
        agent_histories(prev(("A", "2024-01-08 09:00", 8)), WS, [Agent("A", "c")])
    with pytest.raises(DataError, match="column 'end'"):
        agent_histories(prev(("A", "2024-01-07 09:00", 8)).drop(columns="end"), WS, [])
