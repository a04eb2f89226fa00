"""Holidays and special days.

Holidays come from the ``holidays`` package by country code (``"IL"``, ``"US"``,
``"GB"``...); special days are listed by the user (a sale, an outage, a mailing).  Both
are left out of the days the models learn from.  On a forecast day that is a holiday or
a special day, the normal forecast is multiplied by a factor:

* the user's factor for a special day that gives one;
* otherwise the factor learned from the same holiday (by name) earlier in the history;
* otherwise the median factor of earlier holidays of the same kind (:data:`HOLIDAY_KINDS`:
  the intermediate days of Pesach inform those of Sukkot);
* otherwise the median factor of earlier holidays of the same category;
* otherwise the median factor of all earlier holidays and special days in the history;
* otherwise 1 (no earlier example), which the forecast report says.

A learned factor is the day's total calls divided by the median total of the same
weekday in the surrounding weeks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm.errors import InputError

__all__ = ["SpecialDay", "DayCalendar", "build_calendar", "HOLIDAY_KINDS"]

#: Holidays (names of the ``holidays`` package) that behave alike and share a learned
#: factor when one of them has no earlier day of its own name in the history: the
#: intermediate days (chol hamoed) of Pesach and Sukkot, half-working days in Israel.
HOLIDAY_KINDS = {"Pesach holiday": "chol hamoed", "Sukkot holiday": "chol hamoed"}


@dataclass(frozen=True)
class SpecialDay:
    """A day that does not behave like its weekday.

    Parameters
    ----------
    date : datetime.date
        The day (local time of the centre).
    factor : float, optional
        Calls on that day relative to a normal day of the same weekday (0.5 = half,
        0 = closed).  None: learn it from earlier holidays / special days.
    name : str
        Label shown in reports; special days with the same name share a learned factor.
    """

    date: dt.date
    factor: float | None = None
    name: str = "special day"

    def __post_init__(self):
        if self.factor is not None and not (np.isfinite(self.factor) and self.factor >= 0):
            raise InputError("special_days factor", self.factor, "a finite number >= 0")


@dataclass(frozen=True)
class DayCalendar:
    """Holiday / special-day labels for a run of consecutive days.

    Attributes
    ----------
    names : dict[datetime.date, str]
        Name of every holiday or special day.
    factors : dict[datetime.date, float]
        User factors of special days that have one.
    categories : dict[datetime.date, str]
        Category of every holiday (``"public"``, ``"optional"``...; ``"special"`` for
        user special days).
    """

    names: Mapping[dt.date, str]
    factors: Mapping[dt.date, float]
    categories: Mapping[dt.date, str] = field(default_factory=dict)

    def flags(self, days: pd.DatetimeIndex) -> np.ndarray:
        """True on the holidays and special days among ``days``."""
        return np.array([d in self.names for d in days.date], dtype=bool)

    def horizon_factors(self, days: pd.DatetimeIndex, history_days: pd.DatetimeIndex,
                        history_totals: np.ndarray, reference: np.ndarray
                        ) -> tuple[np.ndarray, list[str]]:
        """Factor for each day of ``days`` (1 on normal days) and notes on how each was set.

        Parameters
        ----------
        days : DatetimeIndex
            Forecast days.
        history_days : DatetimeIndex
            Training days.
        history_totals : ndarray
            Daily totals of the training days (NaN where unknown).
        reference : ndarray
            Normal-day reference of each training day (median of the same weekday
            around it), NaN where unknown.
        """
        learned: dict[str, list[float]] = {}
        by_kind: dict[str, list[float]] = {}
        by_category: dict[str, list[float]] = {}
        for day, total, ref in zip(history_days.date, history_totals, reference, strict=True):
            name = self.names.get(day)
            if name is None or day in self.factors:
                continue
            if np.isfinite(total) and np.isfinite(ref) and ref > 0:
                learned.setdefault(name, []).append(total / ref)
                if name in HOLIDAY_KINDS:
                    by_kind.setdefault(HOLIDAY_KINDS[name], []).append(total / ref)
                by_category.setdefault(self.categories.get(day, ""), []).append(total / ref)
        everything = [r for ratios in learned.values() for r in ratios]
        out = np.ones(len(days))
        notes = []
        for i, day in enumerate(days.date):
            name = self.names.get(day)
            if name is None:
                continue
            if day in self.factors:
                out[i] = self.factors[day]
                notes.append(f"{day} {name}: factor {out[i]:.2f} (given)")
            elif name in learned:
                out[i] = float(np.median(learned[name]))
                notes.append(f"{day} {name}: factor {out[i]:.2f} (learned from "
                             f"{len(learned[name])} earlier day(s) of the same name)")
            elif HOLIDAY_KINDS.get(name) in by_kind:
                same = by_kind[HOLIDAY_KINDS[name]]
                out[i] = float(np.median(same))
                notes.append(f"{day} {name}: factor {out[i]:.2f} (median of {len(same)} "
                             f"earlier {HOLIDAY_KINDS[name]} day(s))")
            elif self.categories.get(day, "") in by_category and len(self.categories) > 0:
                same = by_category[self.categories.get(day, "")]
                out[i] = float(np.median(same))
                notes.append(f"{day} {name}: factor {out[i]:.2f} (median of {len(same)} "
                             f"earlier {self.categories.get(day)} holiday(s))")
            elif everything:
                out[i] = float(np.median(everything))
                notes.append(f"{day} {name}: factor {out[i]:.2f} (median of "
                             f"{len(everything)} earlier holiday(s))")
            else:
                notes.append(f"{day} {name}: no earlier holiday in the history, "
                             "forecast as a normal day")
        return out, notes


def _as_date(value, where: str) -> dt.date:
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError) as exc:
        raise InputError(where, value, "a date (YYYY-MM-DD)") from exc


def _special_days(special_days) -> list[SpecialDay]:
    if special_days is None:
        return []
    if isinstance(special_days, Mapping):
        items = []
        for key, factor in special_days.items():
            if factor is not None:
                try:
                    factor = float(factor)
                except (TypeError, ValueError) as exc:
                    raise InputError("special_days factor", factor, "a number >= 0") from exc
            items.append(SpecialDay(_as_date(key, "special_days"), factor))
        return items
    if isinstance(special_days, (str, bytes)) or not isinstance(special_days, Iterable):
        raise InputError("special_days", special_days,
                         "a list of dates or SpecialDay, or a mapping date -> factor")
    items = []
    for item in special_days:
        if isinstance(item, SpecialDay):
            items.append(item)
        else:
            items.append(SpecialDay(_as_date(item, "special_days")))
    return items


def build_calendar(years: Iterable[int], holidays_country: str | None = None,
                   special_days=None, categories: Iterable[str] | None = None) -> DayCalendar:
    """Holidays of ``holidays_country`` for ``years`` plus the user's special days.

    Parameters
    ----------
    years : iterable of int
        Years to cover (history and forecast).
    holidays_country : str, optional
        ISO country code known to the ``holidays`` package, e.g. ``"IL"``; an optional
        subdivision after a hyphen (``"US-NY"``).
    special_days : list of date / SpecialDay, or mapping date -> factor, optional
        User-listed special days; a factor of None means "learn it".
    categories : iterable of str, optional
        Holiday categories of the ``holidays`` package (default ``("public",)``; e.g.
        ``("public", "optional")`` adds Israel's intermediate days of Pesach and
        Sukkot).

    Raises
    ------
    InputError
        Unknown country code or unreadable special day.
    """
    names: dict[dt.date, str] = {}
    factors: dict[dt.date, float] = {}
    kinds: dict[dt.date, str] = {}
    if holidays_country:
        import holidays

        country, _, subdiv = str(holidays_country).partition("-")
        cats = tuple(categories) if categories else ("public",)
        try:
            table = holidays.country_holidays(country.upper(), subdiv=subdiv or None,
                                              years=sorted(set(years)), categories=cats)
        except ValueError as exc:
            raise InputError("holiday_categories", cats,
                             f"categories the holidays package knows for {country}") from exc
        except NotImplementedError as exc:
            raise InputError("holidays_country", holidays_country,
                             "a country code known to the holidays package, e.g. 'IL', 'US'"
                             ) from exc
        names.update({day: str(name) for day, name in table.items()})
        kinds.update({day: cats[0] for day in table})
        if len(cats) > 1:
            for cat in cats:
                one = holidays.country_holidays(country.upper(), subdiv=subdiv or None,
                                                years=sorted(set(years)), categories=(cat,))
                kinds.update({day: cat for day in one})
    for item in _special_days(special_days):
        names[item.date] = item.name
        kinds[item.date] = "special"
        if item.factor is not None:
            factors[item.date] = float(item.factor)
    return DayCalendar(names, factors, kinds if len(set(kinds.values())) > 1 else {})
