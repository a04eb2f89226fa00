"""What happens to a published roster: absences, approved time off, new requirement, swaps.

Frozen dataclasses, the inputs of :func:`solver.repair_roster`.  Days are dates; each
change names the agents and days it touches, so the repair knows which agent-days it
may change and which it must leave exactly as published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from wfm.errors import InputError

__all__ = ["Absence", "RequirementUpdate", "ShiftSwap", "RosterChange", "parse_days"]


def _dates(days, what: str) -> tuple[dt.date, ...]:
    if isinstance(days, dt.date | str | pd.Timestamp):
        days = (days,)
    out = []
    for d in days:
        try:
            out.append(pd.Timestamp(d).date())
        except (ValueError, TypeError):
            raise InputError(f"{what}: days", d, "dates (YYYY-MM-DD)") from None
    if not out:
        raise InputError(f"{what}: days", days, "at least one date")
    return tuple(sorted(set(out)))


@dataclass(frozen=True)
class Absence:
    """An agent who will not work on some days (sick, or approved time off).

    Parameters
    ----------
    agent_id : str
    days : sequence of date
    reason : str
        ``"sick"``, ``"time off"`` ...: reported with the changes.
    """

    agent_id: str
    days: tuple[dt.date, ...]
    reason: str = "sick"

    def __post_init__(self):
        if not str(self.agent_id).strip():
            raise InputError("agent_id", self.agent_id, "a non-empty agent id")
        object.__setattr__(self, "days", _dates(self.days, f"absence of {self.agent_id}"))


@dataclass(frozen=True)
class RequirementUpdate:
    """The requirement of some days changed (the new requirement is passed with it)."""

    days: tuple[dt.date, ...]

    def __post_init__(self):
        object.__setattr__(self, "days", _dates(self.days, "requirement update"))


@dataclass(frozen=True)
class ShiftSwap:
    """Two agents ask to exchange their shifts of one day (one of them may be off)."""

    agent_a: str
    agent_b: str
    day: dt.date

    def __post_init__(self):
        if self.agent_a == self.agent_b:
            raise InputError("agent_b", self.agent_b, f"an agent other than {self.agent_a}")
        object.__setattr__(self, "day", _dates(self.day, "swap")[0])


RosterChange = Absence | RequirementUpdate | ShiftSwap


def parse_days(text: str) -> tuple[dt.date, ...]:
    """Days from ``"2024-03-06"``, ``"2024-03-06..2024-03-08"`` or a ``;``-separated list.

    Raises
    ------
    InputError
        A part that is not a date or a range that runs backwards.
    """
    out: list[dt.date] = []
    for part in str(text).split(";"):
        part = part.strip()
        if ".." in part:
            lo, hi = (p.strip() for p in part.split("..", 1))
            a, b = _dates(lo, "days")[0], _dates(hi, "days")[0]
            if b < a:
                raise InputError("days", part, "a range from an earlier to a later date")
            out += [a + dt.timedelta(days=k) for k in range((b - a).days + 1)]
        elif part:
            out.append(_dates(part, "days")[0])
    if not out:
        raise InputError("days", text, "dates (YYYY-MM-DD, ranges as A..B, lists with ;)")
    return tuple(sorted(set(out)))
