"""The rules of a scenario as editable tables, and back, checked like a scenario file.

:func:`rule_tables` lays out a :class:`wfm.scenarios.Scenario`'s agents, contracts, shift
templates, break rules and activities as one frame each (times as ``H:MM`` text, weekdays
as ``Mon,Tue`` text, lists ``;``-separated), the way a planner edits them in a grid.
:func:`apply_rule_tables` reads edited frames back into a new scenario through the same
checks a scenario file goes through (:func:`wfm.scenarios.scenario_from_dict`); a bad
cell raises :class:`RuleTableError` naming the table, its 1-based row and the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from wfm.errors import InputError
from wfm.types import WEEKDAYS

__all__ = ["TABLES", "TABLE_COLUMNS", "RuleTableError", "rule_tables", "apply_rule_tables"]

#: Table name -> title shown to the user.
TABLES = {
    "agents": "agents",
    "contracts": "contracts",
    "shift_templates": "shift templates",
    "breaks": "break rules",
    "activities": "activities",
}

_TEMPLATE_TIMES = ("length_min", "earliest_start_min", "latest_start_min", "start_step_min")
_BREAK_TIMES = ("length_min", "earliest_start_min", "latest_start_min", "min_gap_min",
                "max_length_min")
_ACTIVITY_TIMES = ("length_min", "earliest_start_min", "latest_start_min")
_DAY_FIELDS = ("days", "weekend_days")

#: Columns of each table, in order.
TABLE_COLUMNS = {
    "agents": ("id", "contract", "skills", "team", "is_lead", "availability", "time_off",
               "preferred_start", "preferred_days_off", "cost_per_hour", "preferred_shifts"),
    "contracts": ("name", "employment", "min_hours_week", "max_hours_week", "min_days_week",
                  "max_days_week", "max_consecutive_days", "min_rest_h",
                  "two_consecutive_days_off", "max_weekend_days", "weekend_days",
                  "cost_per_hour", "overtime_after_h", "overtime_premium"),
    "shift_templates": ("name", "length_min", "earliest_start_min", "latest_start_min",
                        "start_step_min", "days", "cost_per_hour", "night_premium",
                        "weekend_premium", "weekend_days", "max_count"),
    "breaks": ("template", "name", "length_min", "earliest_start_min", "latest_start_min",
               "paid", "min_gap_min", "max_length_min"),
    "activities": ("name", "length_min", "team", "attendees", "days", "earliest_start_min",
                   "latest_start_min", "together"),
}


class RuleTableError(InputError):
    """A cell of a rules table is out of its domain.

    Attributes
    ----------
    table : str
        Table name (a key of :data:`TABLES`).
    row : int or None
        1-based row of the table (None when the whole table is wrong).
    field : str
        Column of the table.
    """

    def __init__(self, table: str, row: int | None, field: str, value: Any, expected: str):
        self.table = table
        self.row = row
        self.field = field
        self.parameter = field
        self.value = value
        self.expected = expected
        where = f"{TABLES.get(table, table)}" + (f", row {row}" if row is not None else "")
        ValueError.__init__(self, f"{where}, field '{field}': {value!r} (expected {expected})")


def _hhmm(minutes) -> str | None:
    if minutes is None:
        return None
    return f"{int(minutes) // 60}:{int(minutes) % 60:02d}"


def _day_text(days) -> str:
    return ",".join(WEEKDAYS[int(d)] for d in days)


def rule_tables(scenario) -> dict[str, pd.DataFrame]:
    """The scenario's rules as one frame per :data:`TABLES` entry.

    Agents are the scenario's resolved agents (read from its file, listed, or
    generated); the other tables come from its own fields.
    """
    from wfm.agents import agent_rows

    d = scenario.to_dict()
    templates, breaks = [], []
    for t in d["shift_templates"]:
        row = {k: t.get(k) for k in TABLE_COLUMNS["shift_templates"]}
        for k in _TEMPLATE_TIMES:
            row[k] = _hhmm(row[k])
        for k in _DAY_FIELDS:
            row[k] = _day_text(row[k])
        templates.append(row)
        for b in t["breaks"]:
            brow = {"template": t["name"], **{k: b.get(k) for k in TABLE_COLUMNS["breaks"][1:]}}
            for k in _BREAK_TIMES:
                brow[k] = _hhmm(brow[k])
            breaks.append(brow)
    contracts = []
    for c in d["contracts"]:
        row = {k: c.get(k) for k in TABLE_COLUMNS["contracts"]}
        row["weekend_days"] = _day_text(row["weekend_days"])
        contracts.append(row)
    activities = []
    for a in d["activities"]:
        row = {k: a.get(k) for k in TABLE_COLUMNS["activities"]}
        for k in _ACTIVITY_TIMES:
            row[k] = _hhmm(row[k])
        row["days"] = _day_text(row["days"])
        row["attendees"] = ";".join(row["attendees"] or ())
        activities.append(row)
    agents = agent_rows(scenario.resolve_agents()) if scenario.agents.given else []
    for row in agents:
        row["is_lead"] = row["is_lead"] == "yes"
    frames = {
        "agents": pd.DataFrame(agents, columns=list(TABLE_COLUMNS["agents"])),
        "contracts": pd.DataFrame(contracts, columns=list(TABLE_COLUMNS["contracts"])),
        "shift_templates": pd.DataFrame(templates, columns=list(TABLE_COLUMNS["shift_templates"])),
        "breaks": pd.DataFrame(breaks, columns=list(TABLE_COLUMNS["breaks"])),
        "activities": pd.DataFrame(activities, columns=list(TABLE_COLUMNS["activities"])),
    }
    frames["agents"]["is_lead"] = frames["agents"]["is_lead"].astype(bool)
    return frames


def _cell(value):
    """A table cell as a scenario file would hold it (None for an empty cell)."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _records(table: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    if frame is None:
        return []
    unknown = [c for c in frame.columns if c not in TABLE_COLUMNS[table]]
    if unknown:
        raise RuleTableError(table, None, unknown[0], unknown[0],
                             "one of the columns " + ", ".join(TABLE_COLUMNS[table]))
    rows = []
    for record in frame.to_dict("records"):
        row = {k: _cell(v) for k, v in record.items()}
        row = {k: v for k, v in row.items() if v is not None}
        rows.append(row)
    return rows


_PATH = re.compile(r"^(?P<section>[a-z_]+)(?:\[(?P<i>\d+)\])?(?:\.(?P<rest>.*))?$")


def apply_rule_tables(scenario, tables: Mapping[str, pd.DataFrame]):
    """A copy of ``scenario`` with the rules of the edited tables.

    Parameters
    ----------
    scenario : Scenario
        The base; its other sections (data, horizon, service, costs ...) are kept.
    tables : mapping table name -> DataFrame
        Some or all of :func:`rule_tables`'s frames, edited.  A table left out keeps
        the scenario's rules; an agents table replaces the agents' source by the
        listed agents (``agents.list``; headcount and cost overrides are kept).

    Returns
    -------
    Scenario
        Checked as a scenario file is (``source`` and ``source_text`` cleared: the
        file no longer describes it).

    Raises
    ------
    RuleTableError
        Naming the table, the 1-based row and the field of the first bad cell.
    """
    from wfm.scenarios import ScenarioError, scenario_from_dict

    unknown = [k for k in tables if k not in TABLES]
    if unknown:
        raise InputError("tables", unknown[0], "tables among " + ", ".join(TABLES))
    raw = scenario.to_dict()
    # where each scenario list item came from: (table, 1-based row)
    origin: dict[tuple[str, int], tuple[str, int]] = {}
    break_origin: dict[tuple[int, int], int] = {}

    if "shift_templates" in tables or "breaks" in tables:
        if "shift_templates" in tables:
            templates = _records("shift_templates", tables["shift_templates"])
        else:
            templates = [{k: v for k, v in t.items() if k != "breaks"}
                         for t in raw["shift_templates"]]
        for i in range(len(templates)):
            origin[("shift_templates", i)] = ("shift_templates", i + 1)
        names = [t.get("name") for t in templates]
        if "breaks" in tables:
            for t in templates:
                t["breaks"] = []
            for pos, b in enumerate(_records("breaks", tables["breaks"])):
                owner = b.pop("template", None)
                if owner not in names:
                    raise RuleTableError("breaks", pos + 1, "template", owner,
                                         "the name of a shift template: "
                                         + ", ".join(str(n) for n in names))
                i = names.index(owner)
                break_origin[(i, len(templates[i]["breaks"]))] = pos + 1
                templates[i]["breaks"].append(b)
        else:
            by_name = {t["name"]: t["breaks"] for t in raw["shift_templates"]}
            for t in templates:
                t["breaks"] = list(by_name.get(t.get("name"), []))
        raw["shift_templates"] = templates
    for table in ("contracts", "activities"):
        if table in tables:
            raw[table] = _records(table, tables[table])
            for i in range(len(raw[table])):
                origin[(table, i)] = (table, i + 1)
    if "agents" in tables:
        rows = _records("agents", tables["agents"])
        keep = {k: v for k, v in raw["agents"].items() if k in ("headcount", "cost_per_hour")}
        raw["agents"] = {"list": rows, **keep} if rows else {}
        for i in range(len(rows)):
            origin[("agents", i)] = ("agents", i + 1)
    try:
        return scenario_from_dict(raw, file="rules")
    except ScenarioError as exc:
        raise _table_error(exc, origin, break_origin) from None


def _table_error(exc, origin, break_origin) -> Exception:
    """The scenario error of a key path such as ``shift_templates[1].breaks[0].paid``
    as a table error (table, row, field)."""
    key = str(exc.key)
    m = _PATH.match(key)
    if m is None:
        return exc
    section, i, rest = m.group("section"), m.group("i"), m.group("rest") or ""
    if section == "agents" and rest.startswith("list["):
        m2 = re.match(r"list\[(\d+)\]\.?(.*)", rest)
        section, i, rest = "agents", m2.group(1), m2.group(2)
    if i is None:
        return exc if section not in TABLES else RuleTableError(section, None, rest or section,
                                                                exc.value, exc.expected)
    i = int(i)
    if section == "shift_templates" and rest.startswith("breaks["):
        m2 = re.match(r"breaks\[(\d+)\]\.?(.*)", rest)
        j, field = int(m2.group(1)), m2.group(2)
        row = break_origin.get((i, j))
        return RuleTableError("breaks", row, field or "name", exc.value, exc.expected)
    table, row = origin.get((section, i), (section, i + 1))
    if table not in TABLES:
        return exc
    field = rest.split("[")[0] if rest else TABLE_COLUMNS[table][0]
    return RuleTableError(table, row, field, exc.value, exc.expected)
