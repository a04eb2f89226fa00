"""Agents and contracts: CSV import with validation, and a seeded synthetic population.

The agents CSV has one row per agent::

    id,contract,skills,team,is_lead,availability,time_off,preferred_start,preferred_days_off,cost_per_hour,preferred_shifts
    A001,full-time,sales;support,T1,yes,,,08:00,Sat;Sun,,
    A002,student,sales,T2,no,Mon 17:00-23:00;Sat 08:00-20:00,2024-03-08,,,,4h

``id`` and ``contract`` are required; ``skills`` are ``;``-separated queue names
(default ``default``); ``availability`` lists weekly windows ``Day HH:MM-HH:MM`` (an end
past midnight is written ``25:00``; empty means any time); ``time_off`` lists ISO dates;
``preferred_shifts`` lists the names of the shift templates the agent would rather work
(``;``-separated, checked against the templates when the roster is built).
:func:`wfm.exports.load_agents_csv` reads the same file.

The contracts CSV has one row per contract with the fields of
:class:`wfm.types.Contract` as columns (``name`` required, the rest optional).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wfm.errors import DataError, InputError
from wfm.types import WEEKDAYS, Agent, Contract, TimeWindow

__all__ = [
    "AGENT_COLUMNS",
    "DEFAULT_CONTRACTS",
    "load_agents",
    "agents_from_frame",
    "agent_rows",
    "load_contracts",
    "save_agents",
    "make_agents",
    "parse_availability",
    "format_availability",
]

AGENT_COLUMNS = (
    "id",
    "contract",
    "skills",
    "team",
    "is_lead",
    "availability",
    "time_off",
    "preferred_start",
    "preferred_days_off",
    "cost_per_hour",
    "preferred_shifts",
)

#: Contracts of the demo population: full time 37.5-40 h on 5 days with two days off
#: in a row; part time 16-24 h and 24-32 h.
DEFAULT_CONTRACTS = {
    "full-time": Contract(
        "full-time",
        min_hours_week=37.5,
        max_hours_week=40,
        min_days_week=5,
        max_days_week=5,
        max_consecutive_days=5,
        two_consecutive_days_off=True,
        employment="full_time",
    ),
    "part-time 20h": Contract(
        "part-time 20h",
        min_hours_week=16,
        max_hours_week=24,
        min_days_week=3,
        max_days_week=5,
        max_consecutive_days=5,
        employment="part_time",
    ),
    "part-time 30h": Contract(
        "part-time 30h",
        min_hours_week=24,
        max_hours_week=32,
        min_days_week=4,
        max_days_week=5,
        max_consecutive_days=5,
        employment="part_time",
    ),
}

_DAY = {name.lower(): i for i, name in enumerate(WEEKDAYS)}
_WINDOW = re.compile(r"^\s*([A-Za-z]{3})\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_availability(text: str) -> tuple[TimeWindow, ...]:
    """``"Mon 09:00-15:00;Sat 08:00-25:00"`` -> TimeWindows (empty text = any time).

    Raises
    ------
    InputError
        A window that is not ``Day HH:MM-HH:MM`` with a known day and end after start.
    """
    out = []
    for part in [p for p in str(text).split(";") if p.strip()]:
        m = _WINDOW.match(part)
        if not m or m.group(1).lower() not in _DAY:
            raise InputError("availability", part, "windows 'Day HH:MM-HH:MM' (Mon ... Sun)")
        h1, m1, h2, m2 = (int(m.group(k)) for k in (2, 3, 4, 5))
        if m1 >= 60 or m2 >= 60:
            raise InputError("availability", part, "minutes below 60")
        out.append(TimeWindow(_DAY[m.group(1).lower()], h1 * 60 + m1, h2 * 60 + m2))
    return tuple(out)


def format_availability(windows: Sequence[TimeWindow]) -> str:
    """Inverse of :func:`parse_availability`."""
    return ";".join(
        f"{WEEKDAYS[w.day]} {w.start_min // 60:02d}:{w.start_min % 60:02d}-"
        f"{w.end_min // 60:02d}:{w.end_min % 60:02d}"
        for w in windows
    )


def _read_csv(path) -> tuple[pd.DataFrame, str]:
    path = Path(path)
    file = str(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise DataError("file not found", file=file) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"not a readable CSV: {exc}", file=file) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataError("no rows in the file", file=file)
    return frame, file


def load_agents(
    path: str | Path, contracts: Mapping[str, Contract] | Sequence[str] | None = None
) -> list[Agent]:
    """Read and check an agents CSV (see the module docstring for the columns).

    Parameters
    ----------
    path : str or Path
    contracts : mapping or sequence of names, optional
        Known contracts; an agent on another contract is refused.

    Returns
    -------
    list of Agent

    Raises
    ------
    DataError
        Naming the file, the line (header = line 1), the column and the value.
    """
    frame, file = _read_csv(path)
    return agents_from_frame(frame, file=file, contracts=contracts, first_row=2)


def agents_from_frame(
    frame: pd.DataFrame,
    *,
    file: str | None = None,
    contracts: Mapping[str, Contract] | Sequence[str] | None = None,
    first_row: int = 0,
) -> list[Agent]:
    """Check a frame of agents with the CSV's columns (text cells) and build the agents.

    Parameters
    ----------
    frame : DataFrame
        :data:`AGENT_COLUMNS` (``id`` and ``contract`` required), every cell a text
        (empty for "not given").
    file : str, optional
        Named in the errors.
    contracts : mapping or sequence of names, optional
        Known contracts; an agent on another contract is refused.
    first_row : int
        Number the errors give the first row (2 for a CSV file with its header as
        line 1; 0 for a list indexed from 0).

    Raises
    ------
    DataError
        Naming the file, the row, the column and the value.
    """
    frame = frame.fillna("").astype(str)
    for col in ("id", "contract"):
        if col not in frame.columns:
            raise DataError(
                f"missing column '{col}'; found {list(frame.columns)}", file=file, column=col
            )
    unknown = [c for c in frame.columns if c not in AGENT_COLUMNS]
    if unknown:
        raise DataError(
            f"unknown column; expected some of {list(AGENT_COLUMNS)}",
            file=file,
            column=unknown[0],
            value=unknown[0],
        )
    known = None if contracts is None else set(contracts)
    agents, seen = [], {}
    for pos, row in enumerate(frame.to_dict("records")):
        line = pos + first_row

        def fail(problem, column, value, line=line):
            raise DataError(problem, file=file, row=line, column=column, value=value, has_value=True)

        aid = row["id"].strip()
        if not aid:
            fail("missing agent id", "id", row["id"])
        if aid in seen:
            fail(f"duplicated agent id (first on line {seen[aid]})", "id", aid)
        seen[aid] = line
        contract = row["contract"].strip()
        if not contract:
            fail("missing contract", "contract", row["contract"])
        if known is not None and contract not in known:
            fail(f"unknown contract; expected one of {sorted(known)}", "contract", contract)
        kw: dict[str, Any] = {"id": aid, "contract": contract}
        skills = [s.strip() for s in row.get("skills", "").split(";") if s.strip()]
        if skills:
            kw["skills"] = frozenset(skills)
        kw["team"] = row.get("team", "").strip() or None
        lead = row.get("is_lead", "").strip().lower()
        if lead:
            if lead not in ("true", "false", "1", "0", "yes", "no"):
                fail("not a yes/no value", "is_lead", row["is_lead"])
            kw["is_lead"] = lead in ("true", "1", "yes")
        cost = row.get("cost_per_hour", "").strip()
        if cost:
            try:
                value = float(cost)
            except ValueError:
                value = np.nan
            if not np.isfinite(value) or value < 0:
                fail("not a cost >= 0", "cost_per_hour", cost)
            kw["cost_per_hour"] = value
        avail = row.get("availability", "").strip()
        if avail:
            try:
                kw["availability"] = parse_availability(avail)
            except InputError as exc:
                fail(f"expected {exc.expected}", "availability", exc.value)
        start = row.get("preferred_start", "").strip()
        if start:
            m = re.fullmatch(r"(\d{1,2}):(\d{2})", start)
            if not m or int(m.group(2)) >= 60 or int(m.group(1)) >= 48:
                fail("not a time H:MM", "preferred_start", start)
            kw["preferred_start_min"] = int(m.group(1)) * 60 + int(m.group(2))
        days = [d.strip() for d in row.get("preferred_days_off", "").split(";") if d.strip()]
        if days:
            bad = [d for d in days if d.lower() not in _DAY]
            if bad:
                fail("not a weekday Mon ... Sun", "preferred_days_off", bad[0])
            kw["preferred_days_off"] = tuple(sorted({_DAY[d.lower()] for d in days}))
        shifts = [t.strip() for t in row.get("preferred_shifts", "").split(";") if t.strip()]
        if shifts:
            kw["preferred_shifts"] = tuple(dict.fromkeys(shifts))
        off = [d.strip() for d in row.get("time_off", "").split(";") if d.strip()]
        if off:
            dates = []
            for d in off:
                try:
                    dates.append(dt.date.fromisoformat(d))
                except ValueError:
                    fail("not a date YYYY-MM-DD", "time_off", d)
            kw["time_off"] = tuple(dates)
        try:
            agents.append(Agent(**kw))
        except InputError as exc:
            fail(f"{exc.parameter}: expected {exc.expected}", "id", exc.value)
    return agents


def save_agents(agents: Sequence[Agent], path: str | Path) -> Path:
    """Write agents in the format :func:`load_agents` reads."""
    path = Path(path)
    pd.DataFrame(agent_rows(agents), columns=list(AGENT_COLUMNS)).to_csv(path, index=False)
    return path


def agent_rows(agents: Sequence[Agent]) -> list[dict[str, str]]:
    """The agents as rows of the CSV's columns, every cell a text (see :func:`load_agents`)."""
    rows = []
    for a in agents:
        ps = a.preferred_start_min
        rows.append(
            {
                "id": a.id,
                "contract": a.contract,
                "skills": ";".join(sorted(a.skills)),
                "team": a.team or "",
                "is_lead": "yes" if a.is_lead else "no",
                "availability": format_availability(a.availability),
                "time_off": ";".join(d.isoformat() for d in a.time_off),
                "preferred_start": "" if ps is None else f"{ps // 60:02d}:{ps % 60:02d}",
                "preferred_days_off": ";".join(WEEKDAYS[d] for d in a.preferred_days_off),
                "cost_per_hour": "" if a.cost_per_hour is None else f"{a.cost_per_hour:g}",
                "preferred_shifts": ";".join(a.preferred_shifts),
            }
        )
    return rows


_BOOL = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def load_contracts(path: str | Path) -> dict[str, Contract]:
    """Read a contracts CSV: ``name`` plus any :class:`Contract` field as a column.

    Raises
    ------
    DataError
        Unknown column, duplicated name, a value of the wrong type or out of range.
    """
    frame, file = _read_csv(path)
    types = {f.name: f.type for f in fields(Contract)}
    if "name" not in frame.columns:
        raise DataError(f"missing column 'name'; found {list(frame.columns)}", file=file,
                        column="name")
    for c in frame.columns:
        if c not in types:
            raise DataError(f"unknown column; expected some of {list(types)}", file=file,
                            column=c, value=c)
    out: dict[str, Contract] = {}
    for pos, row in enumerate(frame.to_dict("records")):
        line = pos + 2
        kw: dict[str, Any] = {}
        for col, raw in row.items():
            raw = raw.strip()
            if raw == "":
                continue
            typ = str(types[col])
            try:
                if col in ("name", "employment"):
                    kw[col] = raw
                elif col == "weekend_days":
                    kw[col] = tuple(_DAY[d.strip().lower()] for d in raw.split(";") if d.strip())
                elif "bool" in typ:
                    kw[col] = _BOOL[raw.lower()]
                elif "int" in typ and "float" not in typ:
                    kw[col] = int(raw)
                else:
                    kw[col] = float(raw)
            except (KeyError, ValueError):
                raise DataError(f"not a valid {col}", file=file, row=line, column=col,
                                value=raw, has_value=True) from None
        name = kw.get("name", "")
        if not name:
            raise DataError("missing contract name", file=file, row=line, column="name",
                            value=row["name"], has_value=True)
        if name in out:
            raise DataError("duplicated contract name", file=file, row=line, column="name",
                            value=name, has_value=True)
        try:
            out[name] = Contract(**kw)
        except InputError as exc:
            raise DataError(f"expected {exc.expected}", file=file, row=line,
                            column=str(exc.parameter), value=exc.value, has_value=True) from None
    return out


def make_agents(
    n: int,
    rng: np.random.Generator | int | None = None,
    *,
    queues: Sequence[str] = ("sales", "support", "billing"),
    teams: int = 5,
    part_time_share: float = 0.3,
    limited_share: float = 0.10,
    lead_share: float = 0.07,
    second_skill_share: float = 0.35,
    all_skills_share: float = 0.10,
    preference_share: float = 0.3,
    time_off_share: float = 0.0,
    week_start: pd.Timestamp | None = None,
) -> tuple[list[Agent], dict[str, Contract]]:
    """A synthetic agent population for demos and benchmarks.

    Parameters
    ----------
    n : int
        Number of agents.
    rng : numpy Generator, int or None
    queues : sequence of str
        Skills; the first is the most common primary skill.
    teams : int
        Teams ``T1`` ... ``Tk``, agents spread evenly.
    part_time_share : float
        Share on a part-time contract (half 20 h, half 30 h).
    limited_share : float
        Share with limited availability: students (weekday evenings and weekends) and
        carers (weekdays 09:00-15:00); these are part time.
    lead_share : float
        Share of team leads (at least two per team; full time, every skill).
    second_skill_share, all_skills_share : float
        Shares trained on two / on every queue.
    preference_share : float
        Share with a preferred start time, and (independently) with a preferred day off.
    time_off_share : float
        Share with one approved day off in the week (needs ``week_start``).
    week_start : Timestamp, optional

    Returns
    -------
    agents : list of Agent
    contracts : dict of str -> Contract
        :data:`DEFAULT_CONTRACTS`.
    """
    if n < 1:
        raise InputError("n", n, "at least one agent")
    if time_off_share > 0 and week_start is None:
        raise InputError("week_start", None, "a Timestamp when time_off_share > 0")
    rng = np.random.default_rng(rng)
    queues = list(queues)
    n_leads = max(2 * teams, int(round(lead_share * n)))
    n_leads = min(n_leads, n)
    n_limited = int(round(limited_share * n))
    n_part = max(int(round(part_time_share * n)), n_limited)
    kinds = ["lead"] * n_leads + ["limited"] * n_limited + ["part"] * max(0, n_part - n_limited)
    kinds = kinds[:n] + ["full"] * max(0, n - len(kinds))
    rng.shuffle(kinds)
    primary_p = np.array([0.5, 0.3, 0.2][: len(queues)] + [0.1] * max(0, len(queues) - 3))
    primary_p = primary_p / primary_p.sum()
    agents = []
    width = max(3, len(str(n)))
    lead_count = 0
    for i, kind in enumerate(kinds):
        team = f"T{i % teams + 1}" if kind != "lead" else f"T{lead_count % teams + 1}"
        if kind == "lead":
            lead_count += 1
        first = queues[int(rng.choice(len(queues), p=primary_p))]
        u = rng.random()
        if kind == "lead" or u < all_skills_share:
            skills = frozenset(queues)
        elif u < all_skills_share + second_skill_share and len(queues) > 1:
            other = [q for q in queues if q != first]
            skills = frozenset({first, other[int(rng.integers(len(other)))]})
        else:
            skills = frozenset({first})
        availability: tuple[TimeWindow, ...] = ()
        if kind == "limited":
            contract = "part-time 20h"
            if rng.random() < 0.5:  # student: evenings and weekends
                availability = tuple(TimeWindow(d, 16 * 60, 23 * 60) for d in range(5)) + tuple(
                    TimeWindow(d, 8 * 60, 22 * 60) for d in (5, 6)
                )
            else:  # carer: school hours on weekdays
                availability = tuple(TimeWindow(d, 9 * 60, 15 * 60) for d in range(5))
        elif kind == "part":
            contract = "part-time 20h" if rng.random() < 0.5 else "part-time 30h"
        else:
            contract = "full-time"
        pref_start = None
        if rng.random() < preference_share and kind != "limited":
            pref_start = int(rng.choice(np.arange(7 * 60, 14 * 60 + 1, 60)))
        pref_off: tuple[int, ...] = ()
        if rng.random() < preference_share:
            pref_off = (int(rng.integers(7)),)
        time_off: tuple[dt.date, ...] = ()
        if time_off_share > 0 and rng.random() < time_off_share:
            day = int(rng.integers(7))
            time_off = ((pd.Timestamp(week_start) + pd.Timedelta(days=day)).date(),)
        agents.append(
            Agent(
                id=f"A{i + 1:0{width}d}",
                contract=contract,
                skills=skills,
                team=team,
                is_lead=kind == "lead",
                availability=availability,
                time_off=time_off,
                preferred_start_min=pref_start,
                preferred_days_off=pref_off,
            )
        )
    return agents, dict(DEFAULT_CONTRACTS)
