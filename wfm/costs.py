"""Finance figures of a plan: weekly cost by contract type, premiums, overtime, FTE,
cost per call handled, and the marginal cost of each point of service level.

All amounts are in the scenario's currency; hours are paid hours (shift length less
unpaid breaks).  The hourly rate of a shift is the agent's own ``cost_per_hour`` if
set, else the contract's, else the shift template's.

Premiums
    ``night_premium`` and ``weekend_premium`` of the template are extra fractions of the
    rate for paid minutes between 22:00 and 06:00 and on the template's
    ``weekend_days``.  A minute that is both night and weekend earns both.
Overtime
    Per agent and planning week, paid hours beyond the contract's ``overtime_after_h``
    earn ``overtime_premium`` × the agent's mean rate on top of their base pay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.errors import DataError, InputError
from wfm.types import Agent, Contract, ShiftTemplate

__all__ = [
    "CostReport",
    "weekly_costs",
    "night_minutes",
    "weekday_minutes",
    "marginal_cost_per_point",
    "efficient_frontier",
    "next_point",
]

_MONDAY = pd.Timestamp("2000-01-03")  # a Monday at midnight: origin of the minute clock
_DAY = 1440
_NIGHT_END = 6 * 60  # 06:00
_NIGHT_START = 22 * 60  # 22:00


def _minutes(ts) -> np.ndarray:
    """Minutes after the reference Monday midnight (float, exact for whole seconds)."""
    return ((pd.to_datetime(pd.Series(ts)) - _MONDAY) / pd.Timedelta(minutes=1)).to_numpy(float)


def _night_cum(t: np.ndarray) -> np.ndarray:
    days = np.floor(t / _DAY)
    rem = t - days * _DAY
    per_day = _NIGHT_END + (_DAY - _NIGHT_START)
    return days * per_day + np.minimum(rem, _NIGHT_END) + np.maximum(rem - _NIGHT_START, 0.0)


def night_minutes(start, end) -> np.ndarray:
    """Minutes of ``[start, end)`` between 22:00 and 06:00 [min].

    Parameters
    ----------
    start, end : array-like of Timestamp
        Interval bounds (any length, may span days).
    """
    s, e = _minutes(start), _minutes(end)
    return np.maximum(_night_cum(e) - _night_cum(s), 0.0)


def _weekday_cum(t: np.ndarray, days: Sequence[int]) -> np.ndarray:
    mask = np.zeros(7)
    mask[list(days)] = 1.0
    cum = np.concatenate([[0.0], np.cumsum(mask)])  # weekend days among the first j of a week
    whole = np.floor(t / _DAY)
    rem = t - whole * _DAY
    weeks = np.floor(whole / 7)
    j = (whole - weeks * 7).astype(int)
    return (weeks * mask.sum() + cum[j]) * _DAY + mask[j] * rem


def weekday_minutes(start, end, days: Sequence[int]) -> np.ndarray:
    """Minutes of ``[start, end)`` falling on the given weekdays (0 = Mon) [min]."""
    if not len(days):
        return np.zeros(len(pd.Series(start)))
    s, e = _minutes(start), _minutes(end)
    return np.maximum(_weekday_cum(e, days) - _weekday_cum(s, days), 0.0)


@dataclass(frozen=True)
class CostReport:
    """Cost of a shift plan or roster.

    Attributes
    ----------
    shifts : DataFrame
        Per shift: ``shift_id``, ``agent_id``, ``contract``, ``employment``,
        ``template``, ``paid_h``, ``rate``, ``base``, ``night_premium``,
        ``weekend_premium``, ``night_h``, ``weekend_h``, ``total`` (overtime is per agent).
    agents : DataFrame
        Per agent and week: ``paid_h``, ``overtime_h``, ``overtime_cost``.
    by_contract : DataFrame
        Per contract: ``employment``, ``agents``, ``shifts``, ``paid_h``, ``fte``,
        ``base``, ``night_premium``, ``weekend_premium``, ``overtime``, ``total``.
    total : float
        Weekly cost [currency/week] (the horizon's cost divided by its weeks).
    paid_hours : float
        Paid hours per week [h].
    fte : float
        Full-time equivalents: weekly paid hours / ``fte_hours_week``.
    calls_handled : float or None
        Calls answered per week, when known.
    cost_per_call : float
        ``total / calls_handled`` [currency/call] (NaN when unknown).
    weeks : int
        Weeks in the horizon.
    currency : str
    """

    shifts: pd.DataFrame
    agents: pd.DataFrame
    by_contract: pd.DataFrame
    total: float
    paid_hours: float
    fte: float
    calls_handled: float | None
    cost_per_call: float
    weeks: int
    currency: str = "EUR"

    @property
    def overtime(self) -> float:
        """Overtime premium per week [currency/week]."""
        return float(self.by_contract["overtime"].sum()) / self.weeks

    @property
    def premiums(self) -> float:
        """Night and weekend premiums per week [currency/week]."""
        b = self.by_contract
        return float(b["night_premium"].sum() + b["weekend_premium"].sum()) / self.weeks

    def by_employment(self) -> pd.DataFrame:
        """The contract table summed by employment type (full-time, part-time)."""
        cols = ["agents", "shifts", "paid_h", "fte", "base", "night_premium", "weekend_premium",
                "overtime", "total"]
        return self.by_contract.groupby("employment")[cols].sum()

    def summary(self) -> dict[str, float]:
        """Headline figures (per week) as a flat mapping."""
        b = self.by_contract
        return {
            "weekly_cost": self.total,
            "base": float(b["base"].sum()) / self.weeks,
            "night_premium": float(b["night_premium"].sum()) / self.weeks,
            "weekend_premium": float(b["weekend_premium"].sum()) / self.weeks,
            "overtime": self.overtime,
            "paid_hours": self.paid_hours,
            "fte": self.fte,
            "calls_handled": np.nan if self.calls_handled is None else self.calls_handled,
            "cost_per_call": self.cost_per_call,
        }


def weekly_costs(
    shifts: pd.DataFrame,
    breaks: pd.DataFrame | None,
    templates: Sequence[ShiftTemplate],
    *,
    contracts: Mapping[str, Contract] | None = None,
    agents: Sequence[Agent] = (),
    week_start: pd.Timestamp | None = None,
    weeks: int = 1,
    fte_hours_week: float = 40.0,
    calls_handled: float | None = None,
    currency: str = "EUR",
) -> CostReport:
    """Cost of a plan or roster, broken down for finance.

    Parameters
    ----------
    shifts : DataFrame
        ``shift_id``, ``agent_id`` ("" in an anonymous plan), ``template``, ``start``,
        ``end``, ``paid_h`` (as in ``solver.result.SHIFT_COLUMNS``).
    breaks : DataFrame or None
        ``shift_id``, ``start``, ``end``, ``paid``: unpaid breaks earn no premium.
    templates : sequence of ShiftTemplate
        Rates and premiums by template name.
    contracts : mapping name -> Contract, optional
        Contract rates and overtime rules of named agents.
    agents : sequence of Agent
        Named agents (their contract and own rate).
    week_start : Timestamp, optional
        Start of the first planning week (weeks for overtime); default: the first shift
        day's midnight.
    weeks : int
        Weeks in the horizon; totals are per week.
    fte_hours_week : float
        Paid hours of one FTE [h/week].
    calls_handled : float, optional
        Calls answered over the whole horizon (gives the cost per call).
    currency : str
        Label.

    Returns
    -------
    CostReport
    """
    contracts = dict(contracts or {})
    if weeks < 1:
        raise InputError("weeks", weeks, "an integer >= 1")
    if fte_hours_week <= 0:
        raise InputError("fte_hours_week", fte_hours_week, "hours > 0")
    need = ("shift_id", "agent_id", "template", "start", "end", "paid_h")
    missing = [c for c in need if c not in shifts.columns]
    if missing:
        raise DataError(f"shifts frame lacks column(s) {missing}", column=missing[0])
    by_name = {t.name: t for t in templates}
    unknown = sorted(set(shifts["template"]) - set(by_name))
    if unknown:
        raise DataError("shift of an unknown template", column="template", value=unknown[0])
    agent_map = {a.id: a for a in agents}
    sh = shifts.reset_index(drop=True).copy()
    sh["agent_id"] = sh["agent_id"].fillna("").astype(str)
    named = sh["agent_id"] != ""
    missing_agents = sorted(set(sh.loc[named, "agent_id"]) - set(agent_map))
    if missing_agents and agents:
        raise DataError("shift of an agent not in the agent list", column="agent_id",
                        value=missing_agents[0])

    def contract_of(agent_id: str) -> Contract | None:
        a = agent_map.get(agent_id)
        return None if a is None else contracts.get(a.contract)

    tmpl = sh["template"].map(by_name)
    contract_objs = sh["agent_id"].map(contract_of)
    rate = np.array([
        (agent_map[a].cost_per_hour if a in agent_map and agent_map[a].cost_per_hour is not None
         else c.cost_per_hour if c is not None and c.cost_per_hour is not None
         else t.cost_per_hour)
        for a, c, t in zip(sh["agent_id"], contract_objs, tmpl, strict=True)
    ], dtype=float)
    sh["contract"] = [
        agent_map[a].contract if a in agent_map else ("(unassigned)" if a == "" else "(unknown)")
        for a in sh["agent_id"]
    ]
    sh["employment"] = [c.employment if c is not None else "unassigned" for c in contract_objs]
    sh["rate"] = rate
    paid_h = pd.to_numeric(sh["paid_h"]).to_numpy(float)

    # premium minutes: the whole shift, less unpaid breaks
    start, end = sh["start"], sh["end"]
    night = night_minutes(start, end)
    wk_days = [t.weekend_days for t in tmpl]
    weekend = np.array([weekday_minutes([s], [e], d)[0] for s, e, d in zip(start, end, wk_days,
                                                                           strict=True)])
    if breaks is not None and len(breaks):
        unpaid = breaks[~breaks["paid"].astype(bool)]
        if len(unpaid):
            pos = pd.Series(np.arange(len(sh)), index=sh["shift_id"].astype(str))
            idx = pos.reindex(unpaid["shift_id"].astype(str)).to_numpy()
            ok = ~np.isnan(idx)
            idx = idx[ok].astype(int)
            ub = unpaid[ok]
            night -= np.bincount(idx, night_minutes(ub["start"], ub["end"]), minlength=len(sh))
            ub_weekend = np.array([
                weekday_minutes([s], [e], wk_days[i])[0]
                for s, e, i in zip(ub["start"], ub["end"], idx, strict=True)
            ])
            if len(ub_weekend):
                weekend -= np.bincount(idx, ub_weekend, minlength=len(sh))
    night = np.maximum(night, 0.0)
    weekend = np.maximum(weekend, 0.0)
    night_p = np.array([t.night_premium for t in tmpl], dtype=float)
    weekend_p = np.array([t.weekend_premium for t in tmpl], dtype=float)
    sh["paid_h"] = paid_h
    sh["base"] = paid_h * rate
    sh["night_h"] = night / 60.0
    sh["weekend_h"] = weekend / 60.0
    sh["night_premium"] = sh["night_h"] * rate * night_p
    sh["weekend_premium"] = sh["weekend_h"] * rate * weekend_p
    sh["total"] = sh["base"] + sh["night_premium"] + sh["weekend_premium"]

    # overtime per agent and planning week
    origin = (pd.Timestamp(week_start) if week_start is not None
              else pd.to_datetime(start).min().normalize())
    sh["week"] = ((pd.to_datetime(start) - origin) // pd.Timedelta(days=7)).astype(int)
    per_agent = (
        sh[named].groupby(["agent_id", "week"], as_index=False)
        .agg(contract=("contract", "first"), paid_h=("paid_h", "sum"), base=("base", "sum"))
    )
    ot_h, ot_cost = [], []
    for r in per_agent.itertuples(index=False):
        c = contracts.get(r.contract)
        if c is None or c.overtime_after_h is None:
            ot_h.append(0.0)
            ot_cost.append(0.0)
            continue
        extra = max(0.0, r.paid_h - c.overtime_after_h)
        mean_rate = r.base / r.paid_h if r.paid_h > 0 else 0.0
        ot_h.append(extra)
        ot_cost.append(extra * mean_rate * c.overtime_premium)
    per_agent["overtime_h"] = ot_h
    per_agent["overtime_cost"] = ot_cost

    groups = sh.groupby("contract")
    by_contract = pd.DataFrame({
        "employment": groups["employment"].first(),
        "agents": groups["agent_id"].apply(lambda s: s[s != ""].nunique()),
        "shifts": groups.size(),
        "paid_h": groups["paid_h"].sum(),
        "base": groups["base"].sum(),
        "night_premium": groups["night_premium"].sum(),
        "weekend_premium": groups["weekend_premium"].sum(),
    })
    ot = per_agent.groupby("contract")["overtime_cost"].sum()
    by_contract["overtime"] = ot.reindex(by_contract.index).fillna(0.0)
    by_contract["total"] = (by_contract["base"] + by_contract["night_premium"]
                            + by_contract["weekend_premium"] + by_contract["overtime"])
    by_contract["fte"] = by_contract["paid_h"] / weeks / fte_hours_week
    by_contract.index.name = "contract"

    total = float(by_contract["total"].sum()) / weeks
    paid_hours = float(paid_h.sum()) / weeks
    per_week_calls = None if calls_handled is None else float(calls_handled) / weeks
    cost_per_call = (total / per_week_calls if per_week_calls else np.nan)
    keep = ["shift_id", "agent_id", "contract", "employment", "template", "start", "end", "paid_h",
            "rate", "base", "night_h", "night_premium", "weekend_h", "weekend_premium", "total"]
    return CostReport(
        shifts=sh[keep],
        agents=per_agent,
        by_contract=by_contract,
        total=total,
        paid_hours=paid_hours,
        fte=paid_hours / fte_hours_week,
        calls_handled=per_week_calls,
        cost_per_call=float(cost_per_call),
        weeks=weeks,
        currency=currency,
    )


# --------------------------------------------------------------------------------------
# Frontiers
# --------------------------------------------------------------------------------------


def efficient_frontier(points: pd.DataFrame, *, service_level: str = "service_level",
                       cost: str = "weekly_cost") -> pd.DataFrame:
    """The points no other point beats (cheaper with at least as much service).

    Returns the efficient rows sorted by cost (and service level) ascending; rows with
    a missing cost or service level are left out.
    """
    for col in (service_level, cost):
        if col not in points.columns:
            raise DataError("missing column in frontier points", column=col)
    p = points.dropna(subset=[service_level, cost]).sort_values([cost, service_level],
                                                               ascending=[True, False])
    keep, best = [], -np.inf
    for idx, sl in zip(p.index, p[service_level], strict=True):
        if sl > best + 1e-12:
            keep.append(idx)
            best = sl
    return p.loc[keep]


def marginal_cost_per_point(points: pd.DataFrame, *, service_level: str = "service_level",
                            cost: str = "weekly_cost") -> pd.DataFrame:
    """Cost of each extra point (1 %) of service level along the efficient frontier.

    Parameters
    ----------
    points : DataFrame
        One row per solved plan, with its achieved ``service_level`` (fraction) and
        ``weekly_cost``; e.g. the output of :func:`wfm.sweeps.service_level_frontier`.

    Returns
    -------
    DataFrame
        One row per step between consecutive efficient points: ``from_service_level``,
        ``to_service_level``, ``from_cost``, ``to_cost``, ``points`` (service-level
        points gained) and ``cost_per_point`` [currency per point per week].
    """
    front = efficient_frontier(points, service_level=service_level, cost=cost)
    sl = front[service_level].to_numpy(float)
    c = front[cost].to_numpy(float)
    gained = (sl[1:] - sl[:-1]) * 100.0
    return pd.DataFrame({
        "from_service_level": sl[:-1],
        "to_service_level": sl[1:],
        "from_cost": c[:-1],
        "to_cost": c[1:],
        "points": gained,
        "cost_per_point": (c[1:] - c[:-1]) / gained,
    })


def next_point(points: pd.DataFrame, current_service_level: float, current_cost: float, *,
               service_level: str = "service_level", cost: str = "weekly_cost") -> dict | None:
    """What the next step up the frontier costs from the current plan.

    The next point is the cheapest efficient point (see :func:`efficient_frontier`) with
    more service than the current plan; its marginal cost is the extra weekly cost per
    point (1 %) of service level gained.

    Parameters
    ----------
    points : DataFrame
        Solved plans with ``service_level`` (fraction) and ``cost`` columns.
    current_service_level : float
        Service level of the current plan, fraction.
    current_cost : float
        Weekly cost of the current plan [currency].

    Returns
    -------
    dict or None
        ``service_level`` and ``cost`` of the next point, ``points`` (service-level
        points gained), ``extra_cost`` [currency per week] and ``cost_per_point``
        [currency per point per week]; None when no point has more service.
    """
    if not (np.isfinite(current_service_level) and np.isfinite(current_cost)):
        raise DataError("the current plan needs a finite service level and cost",
                        value=(current_service_level, current_cost))
    front = efficient_frontier(points, service_level=service_level, cost=cost)
    above = front[front[service_level] > current_service_level + 1e-9]
    if above.empty:
        return None
    row = above.sort_values([cost, service_level], ascending=[True, False]).iloc[0]
    gained = (float(row[service_level]) - current_service_level) * 100.0
    extra = float(row[cost]) - current_cost
    return {"service_level": float(row[service_level]), "cost": float(row[cost]),
            "points": gained, "extra_cost": extra, "cost_per_point": extra / gained}
