"""Check a roster against its agents' labour rules, independently of the solver.

The solver builds its rules into a CP-SAT model (``solver/``); this module reads a
finished roster as a planner would, shift by shift in time order, and lists every rule
it breaks.  It shares no code with the solver's rules, so a roster that passes here has
been checked twice, by two different readings of the contract.

Shifts worked before the week (the previous published roster) may be given: rest,
consecutive working days and overlaps are then checked across the boundary, the way an
agent lives them.  Weekly rules (hours, days, two days off in a row, weekend days) are
counted per roster week of seven days from ``week_start``; hours averaged over weeks
(``Contract.hours_over_weeks``) per block of weeks from ``week_start``, pro rata for a
block the roster cuts short.  :func:`rotation_counts` says how evenly evening shifts
and weekend days are shared out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from wfm.errors import DataError, InputError
from wfm.types import Agent, Contract

__all__ = ["BREACH_COLUMNS", "roster_breaches", "rotation_counts", "rotation_spread"]

#: One row per broken rule.
BREACH_COLUMNS = ("agent_id", "rule", "day", "detail")

_NEEDED = ("agent_id", "start", "end", "paid_h")


def roster_breaches(
    shifts: pd.DataFrame,
    agents: Sequence[Agent],
    contracts: Mapping[str, Contract],
    *,
    week_start: dt.date | pd.Timestamp,
    weeks: int = 1,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every labour rule a roster breaks, one row per breach.

    Parameters
    ----------
    shifts : DataFrame
        The roster: one row per shift with ``agent_id``, ``start``, ``end``
        (Timestamps) and ``paid_h`` [h] (``solver.SolveResult.shifts`` has them).
    agents : sequence of Agent
        Every agent that may appear in ``shifts`` or ``previous``.
    contracts : mapping of str to Contract
        Contracts by name.
    week_start : date or Timestamp
        First day of the roster (the day its first week starts).
    weeks : int
        Number of consecutive weeks the roster covers (weekly rules per week).
    previous : DataFrame, optional
        Shifts worked before ``week_start`` (same columns): checked for rest,
        overlaps and consecutive days across the boundary, not for their own weeks.

    Returns
    -------
    DataFrame
        Columns :data:`BREACH_COLUMNS`; empty when every rule holds.  ``rule`` is one
        of "overlap", "min rest", "max consecutive days", "weekly hours",
        "days per week", "two consecutive days off", "weekend limit",
        "hours over weeks", "time off",
        "availability", "unknown agent".
    """
    start_day = pd.Timestamp(week_start).normalize()
    if weeks < 1:
        raise InputError("weeks", weeks, "a whole number of weeks ≥ 1")
    now = _validated(shifts, "shifts")
    before = _validated(previous, "previous") if previous is not None else now.iloc[:0]
    late = before[before["start"] >= start_day]
    if len(late):
        r = late.iloc[0]
        raise DataError("previous shifts must start before week_start", row=int(late.index[0]),
                        column="start", value=r["start"])
    by_id = {a.id: a for a in agents}
    out: list[tuple] = []
    for aid in sorted(set(now["agent_id"]) | set(before["agent_id"]) | set(by_id)):
        agent = by_id.get(aid)
        if agent is None:
            out.append((aid, "unknown agent", None, "not in the agents list"))
            continue
        contract = contracts.get(agent.contract)
        if contract is None:
            raise InputError(f"agent {aid}: contract", agent.contract,
                             f"one of {sorted(contracts)}")
        mine = now[now["agent_id"] == aid].sort_values("start")
        past = before[before["agent_id"] == aid].sort_values("start")
        out += _sequence_breaches(agent, contract, past, mine)
        out += _placement_breaches(agent, mine)
        for w in range(weeks):
            lo = start_day + pd.Timedelta(days=7 * w)
            week = mine[(mine["start"] >= lo) & (mine["start"] < lo + pd.Timedelta(days=7))]
            out += _weekly_breaches(agent, contract, week, lo)
        out += _averaged_breaches(agent, contract, mine, start_day, weeks)
    return pd.DataFrame(out, columns=list(BREACH_COLUMNS))


def _validated(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    missing = [c for c in _NEEDED if c not in frame.columns]
    if missing:
        raise DataError(f"{name}: missing column(s) {missing}", column=missing[0])
    f = frame[list(_NEEDED)].copy()
    f["agent_id"] = f["agent_id"].astype(str)
    for col in ("start", "end"):
        try:
            f[col] = pd.to_datetime(f[col])
        except (ValueError, TypeError) as exc:
            raise DataError(f"{name}: unparsable time ({exc})", column=col) from None
    bad = f[~(f["end"] > f["start"])]
    if len(bad):
        raise DataError(f"{name}: a shift must end after it starts", row=int(bad.index[0]),
                        column="end", value=bad.iloc[0]["end"])
    return f


def _sequence_breaches(agent: Agent, c: Contract, past: pd.DataFrame, mine: pd.DataFrame):
    """Overlaps, rest and runs of working days, reading past and present in one line."""
    both = pd.concat([past, mine]).sort_values("start")
    starts, ends = list(both["start"]), list(both["end"])
    out = []
    for i in range(1, len(starts)):
        gap_h = (starts[i] - ends[i - 1]).total_seconds() / 3600
        day = starts[i].date()
        if gap_h < 0:
            out.append((agent.id, "overlap", day,
                        f"shift at {starts[i]:%a %d %b %H:%M} starts before the one "
                        f"ending {ends[i - 1]:%a %d %b %H:%M}"))
        elif gap_h < c.min_rest_h - 1e-9:
            out.append((agent.id, "min rest", day,
                        f"{gap_h:g} h between {ends[i - 1]:%a %d %b %H:%M} and "
                        f"{starts[i]:%a %d %b %H:%M}, contract {c.name!r} needs {c.min_rest_h:g} h"))
    first_new = mine["start"].min() if len(mine) else None
    days = sorted({s.date() for s in starts})
    run = 1
    for i in range(1, len(days) + 1):
        if i < len(days) and days[i] - days[i - 1] == dt.timedelta(days=1):
            run += 1
            continue
        last = days[i - 1]
        if run > c.max_consecutive_days and first_new is not None and last >= first_new.date():
            first = last - dt.timedelta(days=run - 1)
            out.append((agent.id, "max consecutive days", last,
                        f"{run} days in a row, {first:%a %d %b} to {last:%a %d %b}, contract "
                        f"{c.name!r} allows {c.max_consecutive_days}"))
        run = 1
    return out


def _placement_breaches(agent: Agent, mine: pd.DataFrame):
    """Shifts on approved time off or outside the agent's availability windows."""
    out = []
    off = set(agent.time_off)
    for s, e in zip(mine["start"], mine["end"], strict=True):
        touched = pd.date_range(s.normalize(), (e - pd.Timedelta(seconds=1)).normalize())
        hit = [d.date() for d in touched if d.date() in off]
        if hit:
            out.append((agent.id, "time off", s.date(),
                        f"shift {s:%a %d %b %H:%M}-{e:%H:%M} on approved time off {hit[0]}"))
        if agent.availability and not _inside_windows(agent, s, e):
            out.append((agent.id, "availability", s.date(),
                        f"shift {s:%a %d %b %H:%M}-{e:%H:%M} outside the agent's availability"))
    return out


def _inside_windows(agent: Agent, s: pd.Timestamp, e: pd.Timestamp) -> bool:
    start = s.weekday() * 1440 + s.hour * 60 + s.minute
    length = (e - s).total_seconds() / 60
    for w in agent.availability:
        for wrap in (0, 7 * 1440, -7 * 1440):
            lo = w.day * 1440 + w.start_min + wrap
            hi = w.day * 1440 + w.end_min + wrap
            if lo <= start and start + length <= hi:
                return True
    return False


def _weekly_breaches(agent: Agent, c: Contract, week: pd.DataFrame, lo: pd.Timestamp):
    """Hours, days, two days off in a row and weekend days of one roster week."""
    out = []
    label = f"week of {lo:%d %b %Y}"
    hours = float(week["paid_h"].sum())
    if not c.min_hours_week - 1e-6 <= hours <= c.max_hours_week + 1e-6:
        out.append((agent.id, "weekly hours", lo.date(),
                    f"{hours:g} paid h in the {label}, contract {c.name!r} allows "
                    f"{c.min_hours_week:g}-{c.max_hours_week:g}"))
    worked = {(s.normalize() - lo).days for s in week["start"]}
    if not c.min_days_week <= len(worked) <= c.max_days_week:
        out.append((agent.id, "days per week", lo.date(),
                    f"{len(worked)} days in the {label}, contract {c.name!r} allows "
                    f"{c.min_days_week}-{c.max_days_week}"))
    if c.two_consecutive_days_off and not any(
        d not in worked and d + 1 not in worked for d in range(6)
    ):
        out.append((agent.id, "two consecutive days off", lo.date(),
                    f"no two days off in a row in the {label}"))
    if c.max_weekend_days is not None:
        weekend = [d for d in worked if (lo + pd.Timedelta(days=d)).weekday() in c.weekend_days]
        if len(weekend) > c.max_weekend_days:
            out.append((agent.id, "weekend limit", lo.date(),
                        f"{len(weekend)} weekend days in the {label}, contract {c.name!r} "
                        f"allows {c.max_weekend_days}"))
    return out


def _averaged_breaches(agent: Agent, c: Contract, mine: pd.DataFrame, first: pd.Timestamp,
                       weeks: int):
    """Paid hours of each block of ``hours_over_weeks.weeks`` weeks from ``first``."""
    rule = c.hours_over_weeks
    if rule is None:
        return []
    out = []
    for b0 in range(0, weeks, rule.weeks):
        n = min(rule.weeks, weeks - b0)
        lo = first + pd.Timedelta(days=7 * b0)
        hi = lo + pd.Timedelta(days=7 * n)
        hours = float(mine.loc[(mine["start"] >= lo) & (mine["start"] < hi), "paid_h"].sum())
        allowed = rule.max_hours * n / rule.weeks
        if hours > allowed + 1e-6:
            out.append((agent.id, "hours over weeks", lo.date(),
                        f"{hours:g} paid h in the {n} weeks from {lo:%d %b %Y}, contract "
                        f"{c.name!r} allows {allowed:g} ({rule.max_hours:g} h over "
                        f"{rule.weeks} weeks)"))
    return out


def rotation_counts(shifts: pd.DataFrame, agents: Sequence[Agent],
                    contracts: Mapping[str, Contract]) -> pd.DataFrame:
    """Evening shifts and weekend days each agent works in a roster.

    An evening shift runs past 20:00 of the day it starts; a weekend day is a day on
    which a shift starts that is one of the contract's ``weekend_days``.

    Returns
    -------
    DataFrame
        One row per agent: ``agent_id``, ``contract``, ``shifts``, ``evenings``,
        ``weekend_days``.
    """
    f = _validated(shifts, "shifts")
    rows = []
    for a in agents:
        mine = f[f["agent_id"] == str(a.id)]
        wk = contracts[a.contract].weekend_days
        late = sum(e > s.normalize() + pd.Timedelta(hours=20)
                   for s, e in zip(mine["start"], mine["end"], strict=True))
        days = {s.normalize() for s in mine["start"] if s.weekday() in wk}
        rows.append((a.id, a.contract, len(mine), int(late), len(days)))
    return pd.DataFrame(rows, columns=["agent_id", "contract", "shifts", "evenings",
                                       "weekend_days"])


def rotation_spread(counts: pd.DataFrame) -> pd.DataFrame:
    """How far apart the agents of each contract are in evenings and weekend days.

    Parameters
    ----------
    counts : DataFrame
        From :func:`rotation_counts`.

    Returns
    -------
    DataFrame
        One row per contract and measure (``evenings``, ``weekend_days``): ``mean``,
        ``std``, ``min``, ``max``, ``range`` (max - min) and ``max_from_mean`` (the
        largest distance of one agent from the contract's mean), among the agents of
        the contract who work any shift.
    """
    rows = []
    working = counts[counts["shifts"] > 0]
    for contract, g in working.groupby("contract", sort=True):
        for col in ("evenings", "weekend_days"):
            x = g[col].astype(float)
            rows.append((contract, col, x.mean(), x.std(ddof=0), x.min(), x.max(),
                         x.max() - x.min(), float((x - x.mean()).abs().max())))
    return pd.DataFrame(rows, columns=["contract", "measure", "mean", "std", "min", "max",
                                       "range", "max_from_mean"])
