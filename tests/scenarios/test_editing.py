"""Rules as tables and back: a round trip keeps the scenario, a bad cell names its place."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wfm.editing import TABLE_COLUMNS, TABLES, RuleTableError, apply_rule_tables, rule_tables
from wfm.scenarios import load_scenario

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_scenario.yaml"


@pytest.fixture(scope="module")
def demo():
    return load_scenario(DEMO)


def test_tables_round_trip_to_the_same_rules(demo):
    tables = rule_tables(demo)
    assert set(tables) == set(TABLES)
    for name, frame in tables.items():
        assert list(frame.columns) == list(TABLE_COLUMNS[name])
    assert len(tables["agents"]) == 56
    assert tables["shift_templates"]["length_min"].tolist() == ["8:30", "4:00"]
    assert tables["breaks"]["template"].tolist() == ["full 8h"] * 3 + ["part 4h"]
    back = apply_rule_tables(demo, tables)
    assert back.templates == demo.templates
    assert dict(back.contracts) == dict(demo.contracts)
    assert back.activities == demo.activities
    assert back.resolve_agents() == demo.resolve_agents()
    assert back.agents.file is None and len(back.agents.listed) == 56
    assert back.source is None and back.horizon == demo.horizon


def test_an_edit_changes_only_what_was_edited(demo):
    tables = rule_tables(demo)
    agents = tables["agents"].copy()
    agents.loc[0, "contract"] = "part-time"
    agents.loc[0, "team"] = "south"
    breaks = tables["breaks"].copy()
    breaks.loc[1, "length_min"] = "0:45"
    out = apply_rule_tables(demo, {"agents": agents, "breaks": breaks})
    first = out.resolve_agents()[0]
    assert (first.id, first.contract, first.team) == ("A001", "part-time", "south")
    lunch = out.templates[0].breaks[1]
    assert (lunch.name, lunch.length_min) == ("lunch", 45)
    assert out.templates[1] == demo.templates[1]
    assert out.resolve_agents()[1:] == demo.resolve_agents()[1:]


def test_new_rows_are_added(demo):
    tables = rule_tables(demo)
    templates = pd.concat([tables["shift_templates"], pd.DataFrame([{
        "name": "short 6h", "length_min": "6:00", "earliest_start_min": "8:00",
        "latest_start_min": "14:00", "start_step_min": 60, "days": "Sun-Thu",
        "cost_per_hour": 21.0}])], ignore_index=True)
    out = apply_rule_tables(demo, {"shift_templates": templates})
    t = out.templates[2]
    assert (t.name, t.length_min, t.earliest_start_min, t.days) == ("short 6h", 360, 480,
                                                                   (0, 1, 2, 3, 6))
    assert t.breaks == ()
    assert out.templates[0].breaks == demo.templates[0].breaks


@pytest.mark.parametrize(("table", "row", "column", "value", "field"), [
    ("agents", 3, "contract", "nope", "contract"),
    ("agents", 2, "preferred_start", "7h", "preferred_start"),
    ("agents", 5, "id", "A001", "id"),
    ("contracts", 2, "max_days_week", -1, "max_days_week"),
    ("shift_templates", 1, "length_min", "eight", "length_min"),
    ("shift_templates", 2, "days", "Funday", "days"),
    ("breaks", 4, "paid", "perhaps", "paid"),
    ("breaks", 2, "template", "ghost", "template"),
])
def test_a_bad_cell_names_table_row_and_field(demo, table, row, column, value, field):
    tables = rule_tables(demo)
    frame = tables[table].astype(object)
    frame.loc[row - 1, column] = value
    with pytest.raises(RuleTableError) as info:
        apply_rule_tables(demo, {table: frame})
    err = info.value
    assert (err.table, err.row, err.field) == (table, row, field)
    assert f"{TABLES[table]}, row {row}, field '{field}'" in str(err)


def test_an_unknown_column_is_refused(demo):
    frame = rule_tables(demo)["contracts"].assign(colour="red")
    with pytest.raises(RuleTableError, match="colour"):
        apply_rule_tables(demo, {"contracts": frame})
