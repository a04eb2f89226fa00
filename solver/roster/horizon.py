"""Several roster weeks as one horizon: hours averaged over weeks, evenings and weekends rotated.

A plan of ``weeks: 2..6`` is rostered week by week, each week seeing the shifts of the
one before (:mod:`solver.roster.history`: rest and runs of working days across the
boundary).  :class:`HorizonLedger` keeps the horizon's accounts between the weeks and
hands each week's solve what the horizon asks of it:

* **Hours averaged over weeks** (``Contract.hours_over_weeks``, e.g. 160 h over 4
  weeks).  Each week an agent gets a weekly cap of its own: the block's hours left,
  less the weekly minimums of the block's later weeks, so the block can always close
  within its budget.  A week's roster keeps the cap as it keeps ``max_hours_week``
  (a contract of the agent's own for the week, named after the cap).  In ``"joint"``
  mode the cap is also paced: the hours left are shared out over the block's weeks
  left in proportion to each week's requirement, plus a slack of ``pace_slack_h``, so
  the early weeks do not spend the budget the late ones need.  ``"chained"`` spends
  greedily: week 1 may take the weekly maximum, and the last weeks get what is left.
* **Rotation of evenings and weekends** (``"joint"`` mode).  Each week's fair shares
  of evening shifts and weekend days (the soft rules "evening fairness" and "weekend
  fairness", priced in :class:`solver.roster.scoring.Scoring`) are moved by what the
  agent worked so far: an agent who worked more evenings than its share of the team's
  evenings so far gets a smaller share this week (more evenings cost more), one who
  worked fewer gets a larger one.  The shares so far are the team's counts split in
  proportion to ``max_days_week`` over the agents whose availability allows an evening
  (a weekend day); the carry is ``floor(share so far - worked)``, so an agent one
  evening above an even split has a share one smaller this week.

The weeks are not solved in one model: each week's solve is the one-week roster, given
the horizon's accounts, and no pass goes back to change an earlier week.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import pandas as pd

from wfm.errors import InputError
from wfm.types import Agent, Contract

__all__ = ["MODES", "HorizonLedger", "block_of", "evening_shift", "roster_horizon"]

#: How the weeks of a plan are rostered.
MODES = ("chained", "joint")
#: A shift that ends after this time of its start day [h] is an evening shift (as the
#: roster's ``ShiftOption.evening``).
_EVENING_AFTER_H = 20.0


def block_of(week: int, n_weeks: int, block_weeks: int) -> range:
    """The weeks (0-based) of the averaging block that holds ``week``, cut to the horizon.

    >>> list(block_of(5, 6, 4))
    [4, 5]
    """
    first = week // block_weeks * block_weeks
    return range(first, min(first + block_weeks, n_weeks))


def evening_shift(start: pd.Timestamp, end: pd.Timestamp) -> bool:
    """True for a shift that runs past 20:00 of the day it starts."""
    return end > start.normalize() + pd.Timedelta(hours=_EVENING_AFTER_H)


class HorizonLedger:
    """The accounts of a horizon of roster weeks, kept between the weeks' solves.

    Parameters
    ----------
    agents : sequence of Agent
    contracts : mapping str -> Contract
    n_weeks : int
        Weeks in the horizon.
    mode : {"chained", "joint"}
        See the module docstring.
    week_weights : sequence of float, optional
        One per week, e.g. its requirement [agent-hours]: the joint pacing shares an
        averaging block's hours out in these proportions (equal by default).
    pace_slack_h : float
        Hours a week may go above its paced share [h] (joint mode).
    templates : sequence of ShiftTemplate, optional
        The shifts the weeks are built of.  With them a cap is one a week can reach
        exactly (a sum of ``min_days_week`` to ``max_days_week`` shifts' paid hours),
        and the later weeks of a block keep the least such sum at or above their
        minimum: three shifts of 4 and 6 h cannot make a week of 12.8-13 h.  The joint
        pace goes to the nearest such week.

    Examples
    --------
    >>> ledger = HorizonLedger(agents, contracts, 4, mode="joint")  # doctest: +SKIP
    >>> for k in range(4):                                            # doctest: +SKIP
    ...     ags, cons, carry = ledger.week_inputs(k)
    ...     res = build_roster(req[k], ags, cons, templates, horizon_carry=carry, ...)
    ...     res = ledger.record(k, res)
    """

    def __init__(self, agents: Sequence[Agent], contracts: Mapping[str, Contract], n_weeks: int,
                 *, mode: str = "chained", week_weights: Sequence[float] | None = None,
                 pace_slack_h: float = 2.0, templates: Sequence = ()):
        if mode not in MODES:
            raise InputError("horizon mode", mode, "one of " + ", ".join(MODES))
        if not isinstance(n_weeks, int) or n_weeks < 1:
            raise InputError("weeks", n_weeks, "a whole number of weeks >= 1")
        if week_weights is not None and (len(week_weights) != n_weeks
                                         or any(not w >= 0 for w in week_weights)):
            raise InputError("week_weights", list(week_weights), f"{n_weeks} weights >= 0")
        if not pace_slack_h >= 0:
            raise InputError("pace_slack_h", pace_slack_h, "hours >= 0")
        self.agents = list(agents)
        self.contracts = dict(contracts)
        self.n_weeks = n_weeks
        self.mode = mode
        self.week_weights = list(week_weights) if week_weights is not None else [1.0] * n_weeks
        self.pace_slack_min = int(round(pace_slack_h * 60))
        self.paid_min = {a.id: [0] * n_weeks for a in self.agents}  # per week
        self.evenings = {a.id: 0 for a in self.agents}
        self.weekend_days = {a.id: 0 for a in self.agents}
        self._original: dict[str, str] = {}  # week contract name -> contract name
        paid = sorted({t.paid_min for t in templates})
        self._weeks = {n: _reachable_weeks(c, paid) for n, c in self.contracts.items()}

    # ------------------------------------------------------------------ one week's inputs
    def week_inputs(self, k: int) -> tuple[list[Agent], dict[str, Contract], list | None]:
        """Agents, contracts and rotation carry for week ``k`` (0-based).

        Agents whose averaged hours bind this week are put on a contract of their own
        for the week (the contract with ``max_hours_week`` lowered to the cap); the
        carry is None in chained mode, else one (evenings, weekend days) pair per agent:
        the shifts it is owed (> 0) or has worked above its share (< 0) so far.
        """
        agents, contracts = [], dict(self.contracts)
        for a in self.agents:
            c = self.contracts[a.contract]
            cap = self.cap_min(a, k)
            if cap is None or cap >= self._top_min(c):
                agents.append(a)
                continue
            mine = dataclasses.replace(
                c, name=f"{c.name} (week {k + 1}: at most {cap / 60:g} h)",
                max_hours_week=cap / 60, min_hours_week=min(c.min_hours_week, cap / 60),
                hours_over_weeks=None)
            contracts[mine.name] = mine
            self._original[mine.name] = c.name
            agents.append(dataclasses.replace(a, contract=mine.name))
        return agents, contracts, (self.carry() if self.mode == "joint" else None)

    def _top_min(self, c: Contract) -> int:
        """The most paid minutes a week of the contract can make [min]."""
        top = math.floor(c.max_hours_week * 60 + 1e-9)
        weeks = self._weeks[c.name]
        return max((w for w in weeks if w <= top), default=top) if weeks else top

    def cap_min(self, a: Agent, k: int) -> int | None:
        """Agent ``a``'s most paid minutes in week ``k``: its weekly maximum, lowered by
        its averaged hours; None if its contract has none."""
        c = self.contracts[a.contract]
        h = c.hours_over_weeks
        if h is None:
            return None
        block = block_of(k, self.n_weeks, h.weeks)
        done = sum(self.paid_min[a.id][j] for j in block if j < k)
        left = math.floor(h.cap_h(len(block)) * 60 + 1e-9) - done
        later = [j for j in block if j > k]
        weeks = self._weeks[a.contract]  # paid minutes a week can reach, or None
        min_week = math.ceil(c.min_hours_week * 60 - 1e-9)
        if weeks:
            min_week = next((w for w in weeks if w >= min_week), min_week)
        cap = min(left - min_week * len(later), math.floor(c.max_hours_week * 60 + 1e-9))
        if weeks:  # the most a week can make within the budget
            cap = max((w for w in weeks if w <= cap), default=cap)
        if self.mode == "joint":
            weights = [self.week_weights[j] for j in block if j >= k]
            share = weights[0] / sum(weights) if sum(weights) > 0 else 1 / len(weights)
            pace = max(min_week, math.floor(left * share) + self.pace_slack_min)
            if weeks:  # the week nearest the pace (above it on a tie)
                pace = min(weeks, key=lambda w: (abs(w - pace), -w))
            cap = min(cap, pace)
        return max(0, cap)

    def carry(self) -> list[tuple[int, int]]:
        """Per agent (evening shifts, weekend days) owed (> 0) or worked above its share
        (< 0) of the team's counts so far, in the order of the agents."""
        out_e = self._owed(self.evenings, _can_work_evenings)
        out_w = self._owed(self.weekend_days,
                           lambda a: _can_work_weekends(a, self.contracts[a.contract]))
        return [(out_e[a.id], out_w[a.id]) for a in self.agents]

    def _owed(self, counts: Mapping[str, int], can) -> dict[str, int]:
        """floor(share so far - count) for the agents ``can`` says may work such shifts
        (0 for the others): the team's count split in proportion to ``max_days_week``."""
        cap = {a.id: self.contracts[a.contract].max_days_week for a in self.agents}
        able = {a.id for a in self.agents if can(a)}
        total, weight = sum(counts.values()), sum(cap[aid] for aid in able)
        if total == 0 or weight == 0:
            return {aid: 0 for aid in counts}
        return {aid: (math.floor(total * cap[aid] / weight - n + 1e-9) if aid in able else 0)
                for aid, n in counts.items()}

    # ------------------------------------------------------------------ after the week
    def record(self, k: int, result):
        """Count week ``k``'s roster into the accounts; returns the result with each
        shift's ``contract`` the agent's own contract again (not the week's)."""
        shifts = result.shifts
        if shifts is None or len(shifts) == 0:
            return result
        if "contract" in shifts.columns:
            shifts = shifts.assign(contract=shifts["contract"].map(
                lambda n: self._original.get(n, n)))
        by_id = {a.id: a for a in self.agents}
        for row in shifts.itertuples(index=False):
            a = by_id.get(str(row.agent_id))
            if a is None:
                continue
            self.paid_min[a.id][k] += int(round(float(row.paid_h) * 60))
            start, end = pd.Timestamp(row.start), pd.Timestamp(row.end)
            self.evenings[a.id] += evening_shift(start, end)
            c = self.contracts[a.contract]
            self.weekend_days[a.id] += start.weekday() in c.weekend_days
        result.shifts = shifts
        return result


def _can_work_evenings(a: Agent) -> bool:
    return not a.availability or any(w.end_min > _EVENING_AFTER_H * 60 for w in a.availability)


def _can_work_weekends(a: Agent, c: Contract) -> bool:
    return not a.availability or any(w.day in c.weekend_days for w in a.availability)


def roster_horizon(
    requirements: pd.DataFrame, agents: Sequence[Agent], contracts: Mapping[str, Contract],
    templates, *, week_start, weeks: int, mode: str = "chained",
    previous: pd.DataFrame | None = None, cover: str = "staff_needed", progress=None, **kw,
) -> list:
    """Roster ``weeks`` weeks of a requirement one after the other, as one horizon.

    Parameters
    ----------
    requirements : DataFrame
        ``queue``, ``interval_start`` and ``cover`` over the whole horizon.
    agents, contracts, templates
        As :func:`solver.build_roster`.
    week_start : Timestamp
        Midnight at which the first week starts.
    weeks : int
    mode : {"chained", "joint"}
        See the module docstring.
    previous : DataFrame, optional
        Shifts worked before the horizon (rest and runs of days carry into week 1).
    cover : str
        Requirement column; its sum per week weighs the joint pacing of the hours.
    progress : callable (done, total, message), optional
    **kw
        Passed to :func:`solver.build_roster` (``time_limit_s``, ``num_workers`` ...);
        ``time_limit_s`` is per week.

    Returns
    -------
    list of SolveResult
        One per week solved, in order; a week without a roster ends the list (it is
        its last item), as the weeks after it have no week before them.
    """
    from solver.roster.build import build_roster

    ws0 = pd.Timestamp(week_start)
    starts = [ws0 + pd.Timedelta(weeks=k) for k in range(weeks)]
    frames = [requirements[(requirements["interval_start"] >= s)
                           & (requirements["interval_start"] < s + pd.Timedelta(weeks=1))]
              for s in starts]
    ledger = HorizonLedger(agents, contracts, weeks, mode=mode, templates=templates,
                           week_weights=[float(f[cover].sum()) for f in frames])
    out, worked = [], previous
    for k, (ws, req) in enumerate(zip(starts, frames, strict=True)):
        ags, cons, carry = ledger.week_inputs(k)
        sub = None if progress is None else (
            lambda d, t, m="", k=k: progress((k + d / max(t, 1e-9)) / weeks, 1.0,
                                             f"week {k + 1}/{weeks} {m}"))
        res = build_roster(req.reset_index(drop=True), ags, cons, templates, week_start=ws,
                           previous=worked, horizon_carry=carry, cover=cover, progress=sub, **kw)
        out.append(res)
        if not res.success:
            break
        res = ledger.record(k, res)
        worked = res.shifts
    return out


def _reachable_weeks(c: Contract, paid: Sequence[int]) -> list[int] | None:
    """Paid minutes of the weeks of ``min_days_week`` to ``max_days_week`` shifts of the
    paid lengths ``paid`` [min], up to the weekly maximum, sorted; None without shifts."""
    if not paid:
        return None
    top = math.floor(c.max_hours_week * 60 + 1e-9)
    sums, out = {0}, set()
    for d in range(c.max_days_week + 1):
        if d >= c.min_days_week:
            out |= sums
        sums = {x + y for x in sums for y in paid if x + y <= top}
    return sorted(out)
