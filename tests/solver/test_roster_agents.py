"""Agents CSV import / export and the synthetic population."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from wfm.agents import (
    DEFAULT_CONTRACTS,
    load_agents,
    load_contracts,
    make_agents,
    parse_availability,
    save_agents,
)
from wfm.errors import DataError, InputError
from wfm.types import TimeWindow


def test_round_trip(tmp_path):
    agents, contracts = make_agents(30, 3, week_start=np.datetime64("2024-03-04"),
                                    time_off_share=0.2)
    path = save_agents(agents, tmp_path / "agents.csv")
    back = load_agents(path, contracts)
    assert back == agents


def test_availability_text():
    assert parse_availability("Mon 09:00-15:00;Sat 20:00-25:30") == (
        TimeWindow(0, 540, 900),
        TimeWindow(5, 1200, 1530),
    )
    with pytest.raises(InputError):
        parse_availability("Monday 9-15")


@pytest.mark.parametrize(
    "row, column",
    [
        ("A1,ft,sales,T1,maybe,,,,,", "is_lead"),
        ("A1,ft,sales,T1,yes,Mon 9-15,,,,", "availability"),
        ("A1,ft,sales,T1,yes,,2024-13-01,,,", "time_off"),
        ("A1,nope,sales,T1,yes,,,,,", "contract"),
        ("A1,ft,sales,T1,yes,,,25:99,,", "preferred_start"),
        ("A1,ft,sales,T1,yes,,,,Funday,", "preferred_days_off"),
        ("A1,ft,sales,T1,yes,,,,,-3", "cost_per_hour"),
    ],
)
def test_bad_rows_name_line_and_column(tmp_path, row, column):
    header = ("id,contract,skills,team,is_lead,availability,time_off,preferred_start,"
              "preferred_days_off,cost_per_hour")
    path = tmp_path / "agents.csv"
    path.write_text(f"{header}\nA0,ft,sales,T1,no,,,,,\n{row}\n")
    with pytest.raises(DataError) as err:
        load_agents(path, ["ft"])
    assert err.value.row == 3 and err.value.column == column
    assert str(path) in str(err.value)


def test_duplicate_id_and_missing_column(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,contract\nA1,ft\nA1,ft\n")
    with pytest.raises(DataError, match="duplicated"):
        load_agents(path)
    path.write_text("id,skills\nA1,sales\n")
    with pytest.raises(DataError, match="contract"):
        load_agents(path)


def test_contracts_csv(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "name,min_hours_week,max_hours_week,max_days_week,two_consecutive_days_off,weekend_days\n"
        "ft,36,40,5,yes,Sat;Sun\npt,10,20,4,no,\n"
    )
    c = load_contracts(path)
    assert c["ft"].min_hours_week == 36 and c["ft"].two_consecutive_days_off
    assert c["ft"].weekend_days == (5, 6) and c["pt"].max_days_week == 4
    path.write_text("name,min_hours_week,max_hours_week\nbad,50,40\n")
    with pytest.raises(DataError) as err:
        load_contracts(path)
    assert err.value.row == 2


def test_population_shares_and_seed():
    a1, c1 = make_agents(400, 11)
    a2, _ = make_agents(400, 11)
    assert a1 == a2 and c1 == DEFAULT_CONTRACTS
    assert sum(bool(a.availability) for a in a1) == 40  # 10 % limited availability
    assert {a.team for a in a1} == {f"T{i}" for i in range(1, 6)}
    leads = [a for a in a1 if a.is_lead]
    assert len(leads) == 28 and {a.team for a in leads} == {f"T{i}" for i in range(1, 6)}
    assert {s for a in a1 for s in a.skills} == {"sales", "support", "billing"}
    pt = sum(c1[a.contract].employment == "part_time" for a in a1)
    assert pt == 120  # 30 % part time
    assert all(c1[a.contract].employment == "part_time" for a in a1 if a.availability)


def test_time_off_needs_the_week():
    with pytest.raises(InputError):
        make_agents(10, 1, time_off_share=0.5)
    agents, _ = make_agents(50, 1, time_off_share=1.0, week_start=np.datetime64("2024-03-04"))
    days = {d for a in agents for d in a.time_off}
    assert days and all(dt.date(2024, 3, 4) <= d <= dt.date(2024, 3, 10) for d in days)


def test_preferred_shifts_column(tmp_path):
    path = tmp_path / "agents.csv"
    path.write_text("id,contract,preferred_shifts\nA1,ft,early 8h; 6h\nA2,ft,\n")
    a1, a2 = load_agents(path, ["ft"])
    assert a1.preferred_shifts == ("early 8h", "6h") and a2.preferred_shifts == ()
    again = load_agents(save_agents([a1, a2], tmp_path / "again.csv"), ["ft"])
    assert again == [a1, a2]
