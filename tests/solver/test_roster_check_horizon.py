"""The independent checker on a horizon: hours averaged over weeks and rotation counts."""

from __future__ import annotations

import pandas as pd
import pytest

from wfm.roster_check import roster_breaches, rotation_counts, rotation_spread
from wfm.types import Agent, Contract, HoursOverWeeks

WS = pd.Timestamp("2024-01-08")  # Monday


def shifts(*rows):
    """(agent, day from WS, start hour, length h) -> a roster frame."""
    out = []
    for a, d, h, n in rows:
        s = WS + pd.Timedelta(days=d, hours=h)
        out.append({"agent_id": a, "start": s, "end": s + pd.Timedelta(hours=n), "paid_h": n})
    return pd.DataFrame(out)


def week_of(agent, week, days, hours=8, start=7):
    return [(agent, 7 * week + d, start, hours) for d in days]


C = {"c": Contract("c", 0, 40, 0, 5, hours_over_weeks=HoursOverWeeks(4, 144))}
A = [Agent("A", "c")]


def test_a_block_over_its_averaged_hours_is_named_with_the_hours():
    ok = shifts(*week_of("A", 0, range(5)), *week_of("A", 1, range(5)),
                *week_of("A", 2, range(5)), *week_of("A", 3, range(3)))  # 136 h
    assert roster_breaches(ok, A, C, week_start=WS, weeks=4).empty
    over = shifts(*week_of("A", 0, range(5)), *week_of("A", 1, range(5)),
                  *week_of("A", 2, range(5)), *week_of("A", 3, range(4)))  # 152 h
    br = roster_breaches(over, A, C, week_start=WS, weeks=4)
    assert list(br["rule"]) == ["hours over weeks"]
    assert br["day"].iloc[0] == WS.date()
    assert "152 paid h" in br["detail"].iloc[0] and "allows 144" in br["detail"].iloc[0]


def test_a_block_cut_short_by_the_horizon_is_held_pro_rata():
    two = shifts(*week_of("A", 0, range(5)), *week_of("A", 1, range(5)))  # 80 h in 2 weeks
    br = roster_breaches(two, A, C, week_start=WS, weeks=2)
    assert list(br["rule"]) == ["hours over weeks"] and "allows 72" in br["detail"].iloc[0]
    # six weeks: block 1 (weeks 1-4) 136 h is fine, block 2 (weeks 5-6) 80 h is over 72
    six = shifts(*week_of("A", 0, range(5)), *week_of("A", 1, range(5)),
                 *week_of("A", 2, range(5)), *week_of("A", 3, range(2)),
                 *week_of("A", 4, range(5)), *week_of("A", 5, range(5)))
    br = roster_breaches(six, A, C, week_start=WS, weeks=6)
    assert list(br["day"]) == [(WS + pd.Timedelta(weeks=4)).date()]


def test_without_hours_over_weeks_no_block_is_checked():
    plain = {"c": Contract("c", 0, 40, 0, 5)}
    many = shifts(*week_of("A", 0, range(5)), *week_of("A", 1, range(5)))
    assert roster_breaches(many, A, plain, week_start=WS, weeks=2).empty


def test_rotation_counts_and_spread_by_hand():
    c = {"c": Contract("c", 0, 40, 0, 5), "p": Contract("p", 0, 20, 0, 3, weekend_days=(6,))}
    agents = [Agent("A", "c"), Agent("B", "c"), Agent("P", "p"), Agent("Z", "c")]
    roster = shifts(
        ("A", 0, 14, 8),   # Mon 14-22: evening
        ("A", 5, 7, 8),    # Sat day: weekend
        ("A", 6, 16, 8),   # Sun 16-24: evening and weekend
        ("B", 1, 12, 8),   # Tue 12-20: ends at 20:00, not an evening
        ("P", 5, 13, 8),   # Sat 13-21: evening; Saturday is not P's weekend
        ("P", 6, 7, 4),    # Sun: weekend
    )
    counts = rotation_counts(roster, agents, c).set_index("agent_id")
    assert counts.loc[["A", "B", "P", "Z"], "evenings"].tolist() == [2, 0, 1, 0]
    assert counts.loc[["A", "B", "P", "Z"], "weekend_days"].tolist() == [2, 0, 1, 0]
    assert counts.loc["Z", "shifts"] == 0
    spread = rotation_spread(counts.reset_index()).set_index(["contract", "measure"])
    row = spread.loc[("c", "evenings")]  # A and B (Z works no shift)
    assert row["mean"] == 1 and row["range"] == 2 and row["max_from_mean"] == 1
    assert row["std"] == pytest.approx(1.0)
    assert spread.loc[("p", "weekend_days"), "range"] == 0
