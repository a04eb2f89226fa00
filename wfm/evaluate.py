"""Score a roster: Erlang per interval and discrete-event simulation, side by side.

:func:`evaluate` takes a shift plan or roster (a ``solver.result.SolveResult``, or its
shifts and breaks frames) and a forecast, and returns

* ``coverage``: one row per interval with agents scheduled, agents on the phones
  (scheduled less those on break or in an activity, time-averaged over the interval),
  agents available (on the phones less shrinkage: what Erlang is given),
  agents needed for the target, and the Erlang service level, ASA and occupancy that
  the on-phone agents give -- plus the same measures from simulation with their 95 %
  confidence intervals (``sim_*`` columns);
* ``kpis``: a small table, one row per measure, with the Erlang and the simulated
  value for the whole horizon (volume-weighted).

Erlang C is used when callers never hang up, Erlang A when ``patience_s`` is given.
With several queues the Erlang columns pool them (calls added, AHT workload-weighted,
every agent answers every queue); the simulation keeps the queues apart and honours
skills and priorities.  ``queues`` then scores each queue on its own: by Erlang with
the agents the skill groups can give it (each group's agents split across its queues so
that every queue gets the most agents per Erlang, :func:`wfm.multiskill.allocate_to_queues`;
a queue's share counts as a team of its own, which under-states what shared agents give),
by Erlang on its whole pool (the queues linked to it through shared groups, with all
their agents: what full sharing would give, an upper view), and by the simulation
routed by skill and priority, which is the one to trust.  A shift plan's ``skill_group``
column (or the ``queue`` column of a plan with dedicated agents) gives each shift its
skills.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm import erlang
from wfm import simulate as _sim
from wfm.errors import InputError
from wfm.frames import roster_frames, validate_forecast
from wfm.staffing import requirements
from wfm.types import ServiceTarget, Shrinkage

__all__ = ["evaluate", "Evaluation", "KPI_COLUMNS", "QUEUE_COLUMNS"]

#: Columns of :attr:`Evaluation.queues`.
QUEUE_COLUMNS = ("queue", "calls", "agent_hours", "service_level", "asa_s", "abandon_rate",
                 "pool", "pool_service_level", "sim_service_level", "sim_service_level_low", "sim_service_level_high",
                 "sim_asa_s", "sim_abandon_rate")

#: Columns of :attr:`Evaluation.kpis`.
KPI_COLUMNS = ("kpi", "unit", "erlang", "simulation", "simulation_low", "simulation_high")

_KPI_UNITS = {
    "service_level": "fraction",
    "asa_s": "s",
    "mean_wait_s": "s",
    "abandon_rate": "fraction",
    "occupancy": "fraction",
    "break_min_per_agent_hour": "min/h",
    "understaffed_intervals": "count",
}


@dataclass(frozen=True)
class Evaluation:
    """Erlang and simulated performance of a roster.

    Attributes
    ----------
    coverage : DataFrame
        :data:`wfm.frames.COVERAGE_COLUMNS` (``asa_s`` is the mean wait of all callers:
        under Erlang A, abandoned ones until they hang up), plus ``available`` (on the
        phones after shrinkage), ``calls``, ``aht_s``, ``traffic``,
        ``abandon_rate`` (Erlang A, 0 under Erlang C) and, when simulated,
        ``sim_service_level``, ``sim_asa_s``, ``sim_abandon_rate``, ``sim_occupancy``
        each with ``_low`` / ``_high`` bounds.
    kpis : DataFrame
        :data:`KPI_COLUMNS`; one row per measure: ``service_level`` (answered within
        the threshold / offered), ``asa_s`` (mean wait of answered calls),
        ``mean_wait_s`` (mean wait of all callers), ``abandon_rate``, ``occupancy``,
        ``break_min_per_agent_hour`` (Erlang: as planned; simulation: as taken, with
        delays behind calls in hand), ``understaffed_intervals`` (Erlang: intervals
        with calls whose available agents fall short of ``agents_needed``).
    model : str
        "erlang_c" or "erlang_a".
    simulation : SimulationResult or None
        The full simulation output.
    queues : DataFrame or None
        With several queues: one row per queue, :data:`QUEUE_COLUMNS` (Erlang on the
        agents its skill groups give it; simulated with 95 % confidence bounds).
    """

    coverage: pd.DataFrame
    kpis: pd.DataFrame
    model: str
    simulation: _sim.SimulationResult | None = None
    queues: pd.DataFrame | None = None


def evaluate(
    result_or_shifts,
    forecast: pd.DataFrame,
    target: ServiceTarget | None = None,
    *,
    breaks: pd.DataFrame | None = None,
    patience_s: float | None = None,
    simulate: bool = True,
    replications: int = 10,
    rng: np.random.Generator | int | None = None,
    progress: Callable[[float, float, str], None] | None = None,
    aht_cv: float = 1.1,
    overdispersion: float | None = None,
    agent_skills: Mapping[str, set[str]] | None = None,
    queue_priority: Mapping[str, int] | None = None,
    interval: pd.Timedelta | str | None = None,
    shrinkage: Shrinkage | float = 0.0,
    skill_groups=None,
) -> Evaluation:
    """Coverage and KPIs of a roster by Erlang and by simulation.

    Parameters
    ----------
    result_or_shifts : SolveResult or DataFrame
        A solver result (its ``shifts`` and ``breaks`` are used) or a shifts frame.
    forecast : DataFrame
        Forecast frame (``queue``, ``interval_start``, ``calls``, ``aht_s``).
    target : ServiceTarget
        Gives ``answer_within_s`` and the criteria of ``agents_needed``.  Its
        ``max_abandon_rate`` needs ``patience_s``; without patience it is left out of
        ``agents_needed`` (Erlang C cannot predict abandonment).
    breaks : DataFrame or None
        Breaks and activities, with a shifts frame.
    patience_s : float or None
        Mean caller patience [s]: Erlang A and exponential patience in the simulation.
    simulate : bool
        Also run the simulation.
    replications, rng, progress, aht_cv, overdispersion, agent_skills, queue_priority
        Passed to :func:`wfm.simulate.simulate`.
    interval : Timedelta or str or None
        Interval length when the forecast has a single interval per queue.
    shrinkage : Shrinkage or float
        Share of scheduled time lost to absence and other unplanned off-phone time (the
        same shrinkage the requirements were divided by).  Erlang uses the expected
        agents available, ``on_phone * (1 - shrinkage)`` (a fractional count, through
        the gamma extension of Erlang B); the simulation drops each agent-shift with
        that probability in every replication.
    skill_groups : sequence of SkillGroup, optional
        Queues each ``skill_group`` of the shifts answers (a multi-skill shift plan);
        without it, a ``queue`` column makes each shift answer its queue only.

    Returns
    -------
    Evaluation
    """
    target = ServiceTarget() if target is None else target
    if not isinstance(target, ServiceTarget):
        raise InputError("target", target, "a wfm.types.ServiceTarget")
    shrink = (shrinkage if isinstance(shrinkage, Shrinkage) else Shrinkage(float(shrinkage))).fraction
    shifts, breaks = roster_frames(result_or_shifts, breaks)
    fc = validate_forecast(forecast)
    groups = _shift_groups(shifts, skill_groups, fc)
    if groups is not None and agent_skills is None:
        # an anonymous plan: each shift is an agent of its skill group
        shifts = shifts.assign(agent_id=shifts["skill_group"].astype(str)
                               if "skill_group" in shifts.columns else shifts["queue"].astype(str))
        agent_skills = {g.name: set(g.queues) for g in groups}
    windows = _sim.on_phone_windows(shifts, breaks)
    grid = _sim._grid(fc, interval, pd.Timestamp(shifts["start"].min()))
    L = grid.interval_s
    slots = pd.to_datetime(grid.origin) + pd.to_timedelta(grid.slot_start, unit="s")

    # pooled forecast per interval
    calls = np.bincount(grid.row_slot, grid.calls, minlength=grid.slot_start.size)
    work = np.bincount(grid.row_slot, grid.calls * grid.aht, minlength=grid.slot_start.size)
    aht = np.where(calls > 0, work / np.where(calls > 0, calls, 1.0), 1.0)
    traffic = work / L

    sec = pd.Timedelta(seconds=1)
    s_start = ((pd.to_datetime(shifts["start"]) - grid.origin) / sec).to_numpy(float)
    s_end = ((pd.to_datetime(shifts["end"]) - grid.origin) / sec).to_numpy(float)
    w_start = ((windows["start"] - grid.origin) / sec).to_numpy(float)
    w_end = ((windows["end"] - grid.origin) / sec).to_numpy(float)
    scheduled = _sim._time_in_slots(s_start, s_end, grid.slot_start, L) / L
    on_phone = _sim._time_in_slots(w_start, w_end, grid.slot_start, L) / L
    available = on_phone * (1.0 - shrink)

    # Erlang with the agents really on the phones
    model = "erlang_c" if patience_s is None else "erlang_a"
    need_target = target
    if patience_s is None and target.max_abandon_rate is not None:
        need_target = dataclasses.replace(target, max_abandon_rate=None)
    pooled = pd.DataFrame({"queue": "all", "interval_start": slots, "calls": calls,
                           "aht_s": np.where(calls > 0, aht, np.nan)})
    needed = requirements(pooled, need_target, 0.0, model=model, patience_s=patience_s,
                          interval=pd.Timedelta(seconds=L))["agents_needed"].to_numpy()
    t = target.answer_within_s
    busy = traffic > 0
    if patience_s is None:
        sl = erlang.service_level(available, traffic, aht, t)
        wait = erlang.average_speed_of_answer(available, traffic, aht)
        asa = wait
        aband = np.zeros_like(traffic)
        occ = erlang.occupancy(available, traffic)
    else:
        r = erlang.erlang_a(available, traffic, aht, patience_s, t)
        sl, wait, aband, occ = r.service_level, r.asa, r.p_abandon, r.occupancy
        asa = np.full_like(traffic, np.nan)  # mean wait of answered calls: not in closed form here
    coverage = pd.DataFrame({  # COVERAGE_COLUMNS first
        "interval_start": slots,
        "scheduled": scheduled,
        "on_phone": on_phone,
        "agents_needed": needed,
        "service_level": np.where(busy, sl, 1.0),
        "asa_s": np.where(busy, asa if patience_s is None else wait, 0.0),
        "occupancy": np.where(available > 0, occ, np.nan),
        "available": available,
        "calls": calls,
        "aht_s": np.where(calls > 0, aht, np.nan),
        "traffic": traffic,
        "abandon_rate": np.where(busy, aband, 0.0),
    })

    planned_break = _planned_break_min_per_hour(shifts, s_start, s_end, w_start, w_end)
    erl = {
        "service_level": _weighted(sl, calls),
        "asa_s": _weighted(asa, calls) if patience_s is None else np.nan,
        "mean_wait_s": _weighted(wait, calls),
        "abandon_rate": _weighted(aband, calls),
        "occupancy": _weighted(occ, available),
        "break_min_per_agent_hour": planned_break,
        "understaffed_intervals": float(np.sum(busy & (available < needed - 1e-9))),
    }
    sim_result = None
    sim = {k: (np.nan, np.nan, np.nan) for k in _KPI_UNITS}
    if simulate:
        sim_result = _sim.simulate(
            shifts, breaks, fc, aht_cv=aht_cv, patience_s=patience_s, overdispersion=overdispersion,
            agent_skills=agent_skills, queue_priority=queue_priority, replications=replications,
            rng=rng, progress=progress, answer_within_s=t, interval=pd.Timedelta(seconds=L),
            absence=shrink,
        )
        coverage = _add_simulated(coverage, sim_result, grid)
        total = sim_result.totals.set_index("queue").loc["all"]
        sim = {k: (total[k], total[f"{k}_low"], total[f"{k}_high"]) for k in _KPI_UNITS
               if k in total.index}
        sim.setdefault("understaffed_intervals", (np.nan, np.nan, np.nan))
    kpis = pd.DataFrame([
        {"kpi": k, "unit": u, "erlang": float(erl[k]), "simulation": float(sim[k][0]),
         "simulation_low": float(sim[k][1]), "simulation_high": float(sim[k][2])}
        for k, u in _KPI_UNITS.items()
    ], columns=list(KPI_COLUMNS))
    per_queue = None
    if len(grid.queues) > 1:
        per_queue = _per_queue(shifts, windows, grid, groups, agent_skills, shrink, target,
                               patience_s, sim_result)
    return Evaluation(coverage=coverage, kpis=kpis, model=model, simulation=sim_result,
                      queues=per_queue)


def _pools_of(queues, groups) -> dict:
    """Queue -> the queues linked to it through groups trained on two of them or more."""
    pool = {q: {q} for q in queues}
    changed = True
    while changed:
        changed = False
        for g in groups:
            linked = set().union(*(pool[q] for q in g.queues if q in pool)) if g.queues & set(queues) else set()
            for q in linked:
                if pool[q] != linked:
                    pool[q] = set(linked)
                    changed = True
    return {q: frozenset(p) for q, p in pool.items()}


def _shift_groups(shifts, skill_groups, fc):
    """The skill groups of a plan's shifts, or None (every shift answers every queue)."""
    from wfm.types import SkillGroup

    if skill_groups is not None:
        groups = list(skill_groups)
        if "skill_group" not in shifts.columns:
            raise InputError("skill_groups", [g.name for g in groups],
                             "shifts with a 'skill_group' column")
        known = {g.name for g in groups}
        unknown = sorted(set(shifts["skill_group"].astype(str)) - known)
        if unknown:
            raise InputError("skill_groups", sorted(known), f"a group named '{unknown[0]}'")
        return groups
    if "queue" in shifts.columns and fc["queue"].nunique() > 1:
        return [SkillGroup(str(q), frozenset([str(q)])) for q in pd.unique(shifts["queue"])]
    return None


def _per_queue(shifts, windows, grid, groups, agent_skills, shrink, target, patience_s, sim_result):
    """One row per queue: Erlang on the agents its groups give it, and the simulation."""
    from wfm.multiskill import allocate_to_queues
    from wfm.types import SkillGroup

    L = grid.interval_s
    queues = list(grid.queues)
    if groups is None:
        if agent_skills is not None and "agent_id" in shifts.columns:
            keys = shifts["agent_id"].astype(str)
            sets = {a: frozenset(str(q) for q in agent_skills[a]) for a in pd.unique(keys)}
            names = {qs: "+".join(sorted(qs)) for qs in set(sets.values())}
            groups = [SkillGroup(n, qs) for qs, n in names.items()]
            member = keys.map(lambda a: names[sets[a]]).to_numpy()
        else:
            groups = [SkillGroup("all", frozenset(queues))]
            member = np.full(len(shifts), "all")
    else:
        col = "skill_group" if "skill_group" in shifts.columns else "queue"
        member = shifts[col].astype(str).to_numpy()
    gindex = {g.name: i for i, g in enumerate(groups)}
    sec = pd.Timedelta(seconds=1)
    w_start = ((windows["start"] - grid.origin) / sec).to_numpy(float)
    w_end = ((windows["end"] - grid.origin) / sec).to_numpy(float)
    w_group = np.array([gindex[m] for m in member[windows["shift"].to_numpy()]], dtype=int)
    n_slots = grid.slot_start.size
    agents = np.zeros((len(groups), n_slots))
    for gi in range(len(groups)):
        mine = w_group == gi
        if mine.any():
            agents[gi] = _sim._time_in_slots(w_start[mine], w_end[mine], grid.slot_start, L) / L
    agents *= 1.0 - shrink
    calls = np.zeros((len(queues), n_slots))
    work = np.zeros((len(queues), n_slots))
    np.add.at(calls, (grid.row_queue, grid.row_slot), grid.calls)
    np.add.at(work, (grid.row_queue, grid.row_slot), grid.calls * grid.aht)
    traffic = work / L
    alloc = allocate_to_queues(agents, groups, queues, traffic).sum(axis=0)  # (Q, T)
    pools = _pools_of(queues, groups)
    rows = []
    totals = sim_result.totals.set_index("queue") if sim_result is not None else None
    for qi, q in enumerate(queues):
        c, a, n = calls[qi], traffic[qi], alloc[qi]
        busy = c > 0
        aht = np.where(busy, work[qi] / np.where(busy, c, 1.0), 1.0)
        if patience_s is None:
            sl = erlang.service_level(n, a, aht, target.answer_within_s)
            asa = erlang.average_speed_of_answer(n, a, aht)
            ab = np.zeros_like(a)
        else:
            r = erlang.erlang_a(n, a, aht, patience_s, target.answer_within_s)
            sl, asa, ab = r.service_level, r.asa, r.p_abandon
        row = {"queue": q, "calls": float(c.sum()), "agent_hours": float(n.sum() * L / 3600),
               "service_level": _weighted(np.where(busy, sl, 1.0), c),
               "asa_s": _weighted(np.where(busy, asa, 0.0), c),
               "abandon_rate": _weighted(np.where(busy, ab, 0.0), c)}
        # the pool: every queue linked to q through shared groups, with all their agents
        pool = pools[q]
        members = [i for i, p in enumerate(queues) if p in pool]
        pool_agents = agents[[i for i, g in enumerate(groups) if g.queues & pool]].sum(axis=0)
        pa = traffic[members].sum(axis=0)
        pc = calls[members].sum(axis=0)
        p_busy = pc > 0
        p_aht = np.where(p_busy, work[members].sum(axis=0) / np.where(p_busy, pc, 1.0), 1.0)
        if patience_s is None:
            p_sl = erlang.service_level(pool_agents, pa, p_aht, target.answer_within_s)
        else:
            p_sl = erlang.erlang_a(pool_agents, pa, p_aht, patience_s, target.answer_within_s).service_level
        row["pool"] = "+".join(p for p in queues if p in pool)
        row["pool_service_level"] = _weighted(np.where(p_busy, p_sl, 1.0), pc)
        if totals is not None:
            t = totals.loc[q]
            row.update(sim_service_level=float(t["service_level"]),
                       sim_service_level_low=float(t["service_level_low"]),
                       sim_service_level_high=float(t["service_level_high"]),
                       sim_asa_s=float(t["asa_s"]), sim_abandon_rate=float(t["abandon_rate"]))
        rows.append(row)
    return pd.DataFrame(rows).reindex(columns=list(QUEUE_COLUMNS))


def _weighted(values, weights) -> float:
    values = np.asarray(values, float)
    weights = np.asarray(weights, float)
    use = weights > 0
    if not use.any():
        return float("nan")
    with np.errstate(invalid="ignore"):
        return float(np.sum(values[use] * weights[use]) / np.sum(weights[use]))


def _planned_break_min_per_hour(shifts, s_start, s_end, w_start, w_end) -> float:
    hours = float(np.sum(s_end - s_start)) / 3600.0
    if hours <= 0:
        return float("nan")
    off_min = (float(np.sum(s_end - s_start)) - float(np.sum(w_end - w_start))) / 60.0
    return off_min / hours


def _add_simulated(coverage, res: _sim.SimulationResult, grid) -> pd.DataFrame:
    """Pool the simulated sums over queues per interval, with CIs over replications."""
    per = res.per_replication
    reps = res.replications
    n_slots = grid.slot_start.size
    slot_of_row = np.tile(grid.row_slot, reps)
    rep = per["replication"].to_numpy()
    key = rep * n_slots + slot_of_row

    def pooled(column):
        return np.bincount(key, per[column].to_numpy(float), minlength=reps * n_slots).reshape(reps, n_slots)

    offered = pooled("offered")
    kpis = {
        "sim_service_level": _sim._ratio(pooled("answered_within"), offered),
        "sim_asa_s": _sim._ratio(pooled("wait_answered_s"), pooled("answered")),
        "sim_abandon_rate": _sim._ratio(pooled("abandoned"), offered),
    }
    # busy and on-phone time are per slot already (the same on every queue's row)
    first = per.drop_duplicates(["replication", "interval_start"])
    busy = np.zeros((reps, n_slots))
    avail = np.zeros((reps, n_slots))
    slot_index = pd.Series(np.arange(n_slots), index=pd.to_datetime(grid.origin)
                           + pd.to_timedelta(grid.slot_start, unit="s"))
    cols = slot_index.loc[first["interval_start"]].to_numpy()
    busy[first["replication"].to_numpy(), cols] = first["busy_s"].to_numpy()
    avail[first["replication"].to_numpy(), cols] = first["on_phone_s"].to_numpy()
    kpis["sim_occupancy"] = _sim._ratio(busy, avail)
    out = coverage.copy()
    for name, values in kpis.items():
        mean, lo, hi = _sim._mean_ci(values)
        out[name], out[f"{name}_low"], out[f"{name}_high"] = mean, lo, hi
    return out
