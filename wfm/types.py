"""Domain types: the rules and inputs of a plan, as small frozen dataclasses.

Times of day are minutes after midnight (``int``); a value of 1440 or more means
"after midnight of the next day", so a night shift may start at 22:00 (1320) and a
start window may run to 01:00 (1500).  Weekdays are ``0`` = Monday ... ``6`` = Sunday,
as in :mod:`datetime`.  Durations carry their unit in the name (``_min``, ``_h``, ``_s``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from wfm.errors import InputError

__all__ = [
    "ServiceTarget",
    "Shrinkage",
    "BreakRule",
    "BreakPolicy",
    "ShiftTemplate",
    "Contract",
    "HoursOverWeeks",
    "TimeWindow",
    "Agent",
    "Activity",
    "SkillGroup",
    "WEEKDAYS",
    "parse_weekdays",
]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


_DAY_NAMES = {name.lower(): i for i, name in enumerate(WEEKDAYS)}
_DAYS_EXPECTED = "weekdays: 0 (Mon) to 6 (Sun), names 'Mon'...'Sun', or a text such as 'Mon-Fri', 'Sat,Sun', 'all'"


def parse_weekdays(value, parameter: str = "days") -> tuple[int, ...]:
    """Weekdays from the ways people write them, sorted and without repeats.

    Accepts an integer 0 (Mon) to 6 (Sun), a name (``"Mon"``, ``"monday"``), a list of
    those, or a text: ``"all"``, ``"Mon-Fri"``, ``"Sat,Sun"``, ``"Fri-Sun"``; a range may
    wrap past Sunday (``"Sat-Mon"``).

    Raises
    ------
    InputError
        Naming ``parameter`` and the value.
    """

    def one(item) -> list[int]:
        if isinstance(item, int | np.integer) and not isinstance(item, bool) and 0 <= item <= 6:
            return [int(item)]
        if not isinstance(item, str):
            raise InputError(parameter, value, _DAYS_EXPECTED)
        text = item.strip().lower()
        if text == "all":
            return list(range(7))
        out: list[int] = []
        for part in text.split(","):
            a, dash, b = part.strip().partition("-")
            a, b = a.strip()[:3], b.strip()[:3]
            if a not in _DAY_NAMES or (dash and b not in _DAY_NAMES):
                raise InputError(parameter, value, _DAYS_EXPECTED)
            i = _DAY_NAMES[a]
            j = _DAY_NAMES[b] if dash else i
            out.extend(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
        return out

    items = value if isinstance(value, list | tuple) else [value]
    if len(items) == 0:
        raise InputError(parameter, value, _DAYS_EXPECTED)
    return tuple(sorted({d for item in items for d in one(item)}))


def _check(condition: bool, parameter: str, value, expected: str) -> None:
    if not condition:
        raise InputError(parameter, value, expected)


def _check_fraction(name: str, value: float, *, open_low=False, open_high=False) -> None:
    ok = isinstance(value, int | float) and math.isfinite(value)
    if ok:
        ok = (value > 0 if open_low else value >= 0) and (value < 1 if open_high else value <= 1)
    lo = "(0" if open_low else "[0"
    hi = "1)" if open_high else "1]"
    _check(ok, name, value, f"a fraction in {lo}, {hi}")


def _check_days(name: str, days) -> tuple[int, ...]:
    days = tuple(days)
    _check(
        len(days) > 0 and all(isinstance(d, int) and 0 <= d <= 6 for d in days),
        name,
        days,
        "weekdays as integers 0 (Mon) to 6 (Sun)",
    )
    return tuple(sorted(set(days)))


@dataclass(frozen=True)
class ServiceTarget:
    """What "good service" means for a queue.

    Parameters
    ----------
    service_level : float
        Fraction of offered calls answered within ``answer_within_s`` (0.8 for 80/20).
    answer_within_s : float
        Threshold of the service level [s].
    max_occupancy : float
        Highest fraction of on-phone time agents may spend handling calls.
    max_asa_s : float or None
        Highest mean wait of all callers [s], or no limit.
    max_abandon_rate : float or None
        Highest fraction of callers who hang up (Erlang A only), or no limit.
    """

    service_level: float = 0.8
    answer_within_s: float = 20.0
    max_occupancy: float = 0.85
    max_asa_s: float | None = None
    max_abandon_rate: float | None = None

    def __post_init__(self):
        _check_fraction("service_level", self.service_level, open_high=True)
        _check(
            isinstance(self.answer_within_s, int | float) and self.answer_within_s >= 0,
            "answer_within_s",
            self.answer_within_s,
            "seconds >= 0",
        )
        _check_fraction("max_occupancy", self.max_occupancy, open_low=True)
        if self.max_asa_s is not None:
            _check(self.max_asa_s > 0, "max_asa_s", self.max_asa_s, "seconds > 0")
        if self.max_abandon_rate is not None:
            _check_fraction("max_abandon_rate", self.max_abandon_rate, open_low=True, open_high=True)


@dataclass(frozen=True)
class Shrinkage:
    """Share of paid time in which a scheduled agent is *not* available for calls.

    Covers absence, holidays, training and other off-phone time that is not planned
    explicitly in the roster (breaks placed by the solver are not shrinkage).

    Parameters
    ----------
    fraction : float
        Total shrinkage in [0, 1).
    """

    fraction: float = 0.30

    def __post_init__(self):
        _check_fraction("shrinkage", self.fraction, open_high=True)

    @classmethod
    def from_components(cls, **components: float) -> Shrinkage:
        """Combine independent components multiplicatively.

        ``Shrinkage.from_components(absence=0.1, training=0.05)`` keeps
        ``(1 - 0.1) * (1 - 0.05)`` of paid time, i.e. 14.5 % shrinkage.
        """
        keep = 1.0
        for name, value in components.items():
            _check_fraction(name, value, open_high=True)
            keep *= 1.0 - value
        return cls(1.0 - keep)

    def scheduled(self, on_phone):
        """Agents to schedule so that ``on_phone`` remain after shrinkage.

        ``ceil(on_phone / (1 - fraction))`` guarded against float round-off:
        21 agents at 30 % shrinkage is 30 scheduled, not 31.
        """
        on_phone = np.asarray(on_phone, dtype=float)
        raw = on_phone / (1.0 - self.fraction)
        # 21 / 0.7 = 30.000000000000004 in binary floating point: round to the
        # nearest integer first when the quotient is within 1e-9 of it.
        nearest = np.rint(raw)
        out = np.where(np.abs(raw - nearest) <= 1e-9 * np.maximum(1.0, raw), nearest, np.ceil(raw))
        return out.astype(np.int64) if out.ndim else int(out)


@dataclass(frozen=True)
class BreakRule:
    """One break inside a shift.

    Parameters
    ----------
    name : str
        "break", "lunch", ...
    length_min : int
        Length of the break [min].
    earliest_start_min, latest_start_min : int
        Window, after the *shift* start, in which the break must start [min].
    paid : bool
        Paid breaks count as paid time; unpaid breaks are subtracted from paid hours.
    min_gap_min : int
        Least time between the end of the previous break (or the shift start) and
        the start of this one [min].
    max_length_min : int or None
        If set, the break may be longer, up to this [min] (e.g. a 30–60 min lunch);
        the extra minutes are of the same paid status.
    """

    name: str
    length_min: int
    earliest_start_min: int
    latest_start_min: int
    paid: bool = True
    min_gap_min: int = 0
    max_length_min: int | None = None

    def __post_init__(self):
        _check(self.length_min > 0, "length_min", self.length_min, "minutes > 0")
        _check(
            0 <= self.earliest_start_min <= self.latest_start_min,
            "latest_start_min",
            self.latest_start_min,
            f"minutes >= earliest_start_min ({self.earliest_start_min}) >= 0",
        )
        _check(self.min_gap_min >= 0, "min_gap_min", self.min_gap_min, "minutes >= 0")
        if self.max_length_min is not None:
            _check(
                self.max_length_min >= self.length_min,
                "max_length_min",
                self.max_length_min,
                f"minutes >= length_min ({self.length_min})",
            )


@dataclass(frozen=True)
class BreakPolicy:
    """A floor on break time, whatever the templates say.

    Parameters
    ----------
    min_break_min_per_hour : float
        At least this many minutes of break for every hour of shift (5, 8, 10 ...).
    """

    min_break_min_per_hour: float = 0.0

    def __post_init__(self):
        _check(
            0 <= self.min_break_min_per_hour < 60,
            "min_break_min_per_hour",
            self.min_break_min_per_hour,
            "minutes in [0, 60)",
        )


@dataclass(frozen=True)
class ShiftTemplate:
    """A kind of shift: length, when it may start, its breaks and its cost.

    Parameters
    ----------
    name : str
        Unique name ("early 8h").
    length_min : int
        Length from start to end, breaks included [min].
    earliest_start_min, latest_start_min : int
        Start window, minutes after midnight; may exceed 1440 (after midnight).
    start_step_min : int
        Starts every this many minutes inside the window.
    days : tuple of int
        Weekdays on which the shift may start.
    breaks : tuple of BreakRule
        Breaks, in the order they are taken.
    cost_per_hour : float
        Cost of a paid hour [currency/h].
    night_premium : float
        Extra fraction of ``cost_per_hour`` for paid minutes between 22:00 and 06:00.
    weekend_premium : float
        Extra fraction of ``cost_per_hour`` for paid minutes on ``weekend_days``.
    weekend_days : tuple of int
        Weekdays that count as weekend for the premium.
    max_count : int or None
        Most shifts of this template in the whole week, or no limit.
    """

    name: str
    length_min: int
    earliest_start_min: int = 6 * 60
    latest_start_min: int = 22 * 60
    start_step_min: int = 15
    days: tuple[int, ...] = _ALL_DAYS
    breaks: tuple[BreakRule, ...] = ()
    cost_per_hour: float = 20.0
    night_premium: float = 0.0
    weekend_premium: float = 0.0
    weekend_days: tuple[int, ...] = (5, 6)
    max_count: int | None = None

    def __post_init__(self):
        _check(bool(self.name), "name", self.name, "a non-empty name")
        _check(0 < self.length_min <= 24 * 60, "length_min", self.length_min, "minutes in (0, 1440]")
        _check(
            0 <= self.earliest_start_min <= self.latest_start_min < 48 * 60,
            "latest_start_min",
            self.latest_start_min,
            f"minutes in [earliest_start_min ({self.earliest_start_min}), 2880)",
        )
        _check(self.start_step_min > 0, "start_step_min", self.start_step_min, "minutes > 0")
        object.__setattr__(self, "days", _check_days("days", self.days))
        object.__setattr__(self, "weekend_days", tuple(sorted(set(self.weekend_days))))
        object.__setattr__(self, "breaks", tuple(self.breaks))
        _check(self.cost_per_hour >= 0, "cost_per_hour", self.cost_per_hour, "a cost >= 0")
        _check(self.night_premium >= 0, "night_premium", self.night_premium, "a fraction >= 0")
        _check(self.weekend_premium >= 0, "weekend_premium", self.weekend_premium, "a fraction >= 0")
        if self.max_count is not None:
            _check(self.max_count >= 0, "max_count", self.max_count, "a count >= 0")
        for rule in self.breaks:
            _check(
                rule.latest_start_min + (rule.max_length_min or rule.length_min) <= self.length_min,
                f"{self.name}: break '{rule.name}' latest_start_min",
                rule.latest_start_min,
                f"a break that ends inside the {self.length_min}-min shift",
            )

    @property
    def starts_min(self) -> tuple[int, ...]:
        """Every allowed start, minutes after midnight."""
        return tuple(range(self.earliest_start_min, self.latest_start_min + 1, self.start_step_min))

    @property
    def unpaid_break_min(self) -> int:
        """Minutes of unpaid break at their minimum length."""
        return sum(b.length_min for b in self.breaks if not b.paid)

    @property
    def paid_min(self) -> int:
        """Paid minutes of one shift (length less unpaid breaks at minimum length)."""
        return self.length_min - self.unpaid_break_min


@dataclass(frozen=True)
class HoursOverWeeks:
    """Paid hours averaged over several weeks: at most ``max_hours`` in each block of
    ``weeks`` weeks.

    Blocks are counted from the first week of the planning horizon (weeks 1-4, 5-8 ...
    for ``weeks=4``); a block the horizon cuts short (a 2-week horizon, or weeks 5-6 of
    a 6-week one) is held pro rata, ``max_hours * weeks_in_block / weeks``.

    Parameters
    ----------
    weeks : int
        Length of a block [weeks], 2 to 52.
    max_hours : float
        Most paid hours in a block [h].
    """

    weeks: int
    max_hours: float

    def __post_init__(self):
        _check(isinstance(self.weeks, int) and not isinstance(self.weeks, bool)
               and 2 <= self.weeks <= 52, "hours_over_weeks.weeks", self.weeks,
               "a whole number of weeks in [2, 52]")
        _check(isinstance(self.max_hours, int | float) and not isinstance(self.max_hours, bool)
               and math.isfinite(self.max_hours) and self.max_hours > 0,
               "hours_over_weeks.max_hours", self.max_hours, "hours > 0")

    def cap_h(self, weeks_in_block: int) -> float:
        """Most paid hours in a block of ``weeks_in_block`` weeks (pro rata when short) [h]."""
        return self.max_hours * min(weeks_in_block, self.weeks) / self.weeks


@dataclass(frozen=True)
class Contract:
    """Labour rules of one employment contract.

    Parameters
    ----------
    name : str
        "full-time 40h", "part-time 20h" ...
    min_hours_week, max_hours_week : float
        Paid hours per week [h].
    min_days_week, max_days_week : int
        Working days per week.
    max_consecutive_days : int
        Most working days in a row (counting the days before the week is not modelled).
    min_rest_h : float
        Least rest between the end of one shift and the start of the next [h].
    two_consecutive_days_off : bool
        The week must contain two days off in a row.
    max_weekend_days : int or None
        Most working days among ``weekend_days``.
    weekend_days : tuple of int
        Weekdays that count as weekend for ``max_weekend_days``.
    employment : {"full_time", "part_time"}
        For reports and costs by contract type.
    cost_per_hour : float or None
        Overrides the template cost for agents on this contract.
    overtime_after_h : float or None
        Paid hours per week beyond which ``overtime_premium`` applies.
    overtime_premium : float
        Extra fraction of the hourly cost for overtime hours.
    hours_over_weeks : HoursOverWeeks or None
        Paid hours averaged over several weeks (e.g. 160 h over 4 weeks), on top of
        the weekly limits; held by :mod:`solver.roster.horizon` across the weeks of a
        plan.
    """

    name: str
    min_hours_week: float = 0.0
    max_hours_week: float = 40.0
    min_days_week: int = 0
    max_days_week: int = 5
    max_consecutive_days: int = 6
    min_rest_h: float = 11.0
    two_consecutive_days_off: bool = False
    max_weekend_days: int | None = None
    weekend_days: tuple[int, ...] = (5, 6)
    employment: Literal["full_time", "part_time"] = "full_time"
    cost_per_hour: float | None = None
    overtime_after_h: float | None = None
    overtime_premium: float = 0.5
    hours_over_weeks: HoursOverWeeks | None = None

    def __post_init__(self):
        _check(bool(self.name), "name", self.name, "a non-empty name")
        _check(
            0 <= self.min_hours_week <= self.max_hours_week <= 7 * 24,
            "max_hours_week",
            self.max_hours_week,
            f"hours in [min_hours_week ({self.min_hours_week}), 168]",
        )
        _check(
            0 <= self.min_days_week <= self.max_days_week <= 7,
            "max_days_week",
            self.max_days_week,
            f"days in [min_days_week ({self.min_days_week}), 7]",
        )
        _check(
            1 <= self.max_consecutive_days <= 7,
            "max_consecutive_days",
            self.max_consecutive_days,
            "days in [1, 7]",
        )
        _check(0 <= self.min_rest_h <= 48, "min_rest_h", self.min_rest_h, "hours in [0, 48]")
        _check(
            self.employment in ("full_time", "part_time"),
            "employment",
            self.employment,
            "'full_time' or 'part_time'",
        )
        object.__setattr__(self, "weekend_days", tuple(sorted(set(self.weekend_days))))
        h = self.hours_over_weeks
        if h is not None:
            _check(isinstance(h, HoursOverWeeks), "hours_over_weeks", h,
                   "HoursOverWeeks(weeks, max_hours)")
            _check(h.max_hours >= h.weeks * self.min_hours_week - 1e-9,
                   "hours_over_weeks.max_hours", h.max_hours,
                   f"at least weeks x min_hours_week ({h.weeks} x {self.min_hours_week:g} h = "
                   f"{h.weeks * self.min_hours_week:g} h), or no week could reach its minimum")


@dataclass(frozen=True)
class TimeWindow:
    """A recurring weekly window: ``day`` from ``start_min`` to ``end_min`` (may pass 1440)."""

    day: int
    start_min: int
    end_min: int

    def __post_init__(self):
        _check(isinstance(self.day, int) and 0 <= self.day <= 6, "day", self.day, "0 (Mon) to 6 (Sun)")
        _check(
            0 <= self.start_min < self.end_min <= 48 * 60,
            "end_min",
            self.end_min,
            f"minutes in (start_min ({self.start_min}), 2880]",
        )


@dataclass(frozen=True)
class Agent:
    """A named agent.

    Parameters
    ----------
    id : str
        Unique identifier ("A017").
    contract : str
        Name of the agent's :class:`Contract`.
    skills : frozenset of str
        Queues the agent is trained on.
    team : str or None
        Team, for meetings and supervision.
    is_lead : bool
        Team lead (counts for supervision rules).
    availability : tuple of TimeWindow
        When the agent can work; empty means any time.
    time_off : tuple of datetime.date
        Approved days off.
    preferred_start_min : int or None
        Preferred shift start, minutes after midnight.
    preferred_days_off : tuple of int
        Preferred weekdays off.
    cost_per_hour : float or None
        Overrides contract and template cost.
    preferred_shifts : tuple of str
        Names of the shift templates the agent would rather work ("6h"); empty means
        no preference.
    """

    id: str
    contract: str
    skills: frozenset[str] = field(default_factory=lambda: frozenset({"default"}))
    team: str | None = None
    is_lead: bool = False
    availability: tuple[TimeWindow, ...] = ()
    time_off: tuple[dt.date, ...] = ()
    preferred_start_min: int | None = None
    preferred_days_off: tuple[int, ...] = ()
    cost_per_hour: float | None = None
    preferred_shifts: tuple[str, ...] = ()

    def __post_init__(self):
        _check(bool(str(self.id).strip()), "id", self.id, "a non-empty agent id")
        _check(bool(self.contract), f"agent {self.id}: contract", self.contract, "a contract name")
        skills = frozenset([self.skills] if isinstance(self.skills, str) else self.skills)
        _check(len(skills) > 0, f"agent {self.id}: skills", self.skills, "at least one skill")
        object.__setattr__(self, "skills", skills)
        object.__setattr__(self, "availability", tuple(self.availability))
        object.__setattr__(self, "time_off", tuple(self.time_off))
        object.__setattr__(self, "preferred_days_off", tuple(self.preferred_days_off))
        pref = self.preferred_shifts
        pref = (pref,) if isinstance(pref, str) else tuple(pref)
        _check(
            all(isinstance(t, str) and t.strip() for t in pref),
            f"agent {self.id}: preferred_shifts",
            self.preferred_shifts,
            "shift template names",
        )
        object.__setattr__(self, "preferred_shifts", pref)


@dataclass(frozen=True)
class Activity:
    """Off-phone work to place in the roster: a meeting, training, coaching.

    Parameters
    ----------
    name : str
        "team meeting".
    length_min : int
        Length [min].
    team : str or None
        Whole team attends (if set); otherwise ``attendees``.
    attendees : tuple of str
        Agent ids attending.
    days : tuple of int
        Weekdays on which it may take place.
    earliest_start_min, latest_start_min : int
        Window for its start, minutes after midnight.
    together : bool
        All attendees at the same time (a meeting) or each on their own (e-learning).
    """

    name: str
    length_min: int
    team: str | None = None
    attendees: tuple[str, ...] = ()
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    earliest_start_min: int = 8 * 60
    latest_start_min: int = 17 * 60
    together: bool = True

    def __post_init__(self):
        _check(self.length_min > 0, "length_min", self.length_min, "minutes > 0")
        _check(
            self.team is not None or len(self.attendees) > 0,
            f"activity {self.name}: attendees",
            self.attendees,
            "a team or at least one attendee",
        )
        object.__setattr__(self, "days", _check_days("days", self.days))
        object.__setattr__(self, "attendees", tuple(self.attendees))


@dataclass(frozen=True)
class SkillGroup:
    """Agents trained on the same queues: the unit of multi-skill staffing and planning.

    Parameters
    ----------
    name : str
        Unique name of the group ("retail+premium").
    queues : frozenset of str
        Queues every agent of the group may answer.
    max_share : float or None
        Largest share of the plan's paid hours the group may hold (the centre's skill
        mix: how many agents are trained on these queues); None: no limit.
    """

    name: str
    queues: frozenset[str]
    max_share: float | None = None

    def __post_init__(self):
        _check(bool(str(self.name).strip()), "skill group name", self.name, "a non-empty name")
        queues = frozenset([self.queues] if isinstance(self.queues, str) else self.queues)
        _check(len(queues) > 0 and all(isinstance(q, str) and q for q in queues),
               f"skill group {self.name}: queues", self.queues, "at least one queue name")
        object.__setattr__(self, "queues", queues)
        if self.max_share is not None:
            _check(isinstance(self.max_share, int | float) and 0 < self.max_share <= 1,
                   f"skill group {self.name}: max_share", self.max_share, "a fraction in (0, 1]")
