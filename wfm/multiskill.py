"""Multi-skill staffing: requirements of the queue sets that skill groups share.

A centre whose agents are trained on several queues needs fewer agents than one that
dedicates agents to each queue: calls of several queues answered by one pool wait less
than the same calls split into separate teams (Erlang C is subadditive in traffic).
How much of that economy a centre gets depends on its skill groups.

The model here is the one ``solver.plan_shifts`` plans with (``docs/shift-planning.md``):
for every *queue set* ``S``, the agents of the groups trained on some queue of ``S``
must reach the Erlang requirement of ``S``'s pooled traffic.  With one fully
cross-trained group that is the pooled Erlang C staffing of the summed traffic; with
dedicated groups it is each queue's own staffing; in between, Hall's conditions of a
flow of agents to queues with pooled (subadditive) requirements.  Only the sets that
are *closed* (no larger set has the same groups trained on it) need a requirement.

That model is optimistic where agents are shared between queues that are both busy,
so :func:`skill_staffing` checks it by simulation with routing by skill and priority
(:func:`wfm.simulate.simulate`) and corrects it: where a queue misses its target, its
requirement rises in the intervals where it misses most, and the check runs again.

References
----------
Wallace, R. B., & Whitt, W. (2005). A staffing algorithm for call centers with
skill-based routing. Manufacturing & Service Operations Management 7(4), 276-294.
https://doi.org/10.1287/msom.1050.0086
Cezik, M. T., & L'Ecuyer, P. (2008). Staffing multiskill call centers via linear
programming and simulation. Management Science 54(2), 310-323.
https://doi.org/10.1287/mnsc.1070.0824
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm import simulate as _sim
from wfm.errors import DataError, InputError
from wfm.staffing import requirements as staffing_requirements
from wfm.types import ServiceTarget, Shrinkage, SkillGroup

__all__ = ["queue_sets", "set_name", "pooled_requirements", "skill_staffing", "SkillStaffing",
           "dedicated_groups", "group_skills", "allocate_to_queues", "raise_where_missed"]

SEPARATOR = "+"


def set_name(queues: Sequence[str], order: Sequence[str] | None = None) -> str:
    """Name of a queue set: its queues joined by ``+`` in ``order`` (default sorted)."""
    qs = list(queues)
    ordered = [q for q in order if q in qs] if order is not None else sorted(qs)
    return SEPARATOR.join(ordered)


def dedicated_groups(queues: Sequence[str]) -> list[SkillGroup]:
    """One group per queue, trained on that queue only (today's dedicated staffing)."""
    return [SkillGroup(str(q), frozenset([str(q)])) for q in queues]


def group_skills(groups: Sequence[SkillGroup]) -> dict[str, set[str]]:
    """``group name -> queues``, the ``agent_skills`` of a plan whose agents are its groups."""
    return {g.name: set(g.queues) for g in groups}


def queue_sets(queues: Sequence[str], groups: Sequence[SkillGroup]) -> list[frozenset[str]]:
    """The closed, connected queue sets: the sets whose pooled requirement binds.

    A set ``S`` is closed when every queue whose groups all serve ``S`` is in ``S``:
    the requirement of a set that is not closed is implied by that of its closure (a
    larger pool needs at least as many agents).  It is connected when its queues are
    linked through groups trained on two of them or more: the agents of a set that
    is not are separate pools, whose requirement is the sum of its parts'.

    Parameters
    ----------
    queues : sequence of str
        Queues with demand.
    groups : sequence of SkillGroup

    Returns
    -------
    list of frozenset
        Closed, connected sets, smallest first.

    Raises
    ------
    InputError
        A queue no group is trained on.
    """
    queues = [str(q) for q in queues]
    for q in queues:
        if SEPARATOR in q:
            raise InputError("queue", q, f"a queue name without '{SEPARATOR}' in a multi-skill plan")
        if not any(q in g.queues for g in groups):
            raise InputError("skill_groups", [g.name for g in groups],
                             f"a group trained on queue '{q}'")
    serving = {q: frozenset(i for i, g in enumerate(groups) if q in g.queues) for q in queues}
    out = []
    for k in range(1, len(queues) + 1):
        for combo in itertools.combinations(queues, k):
            adjacent = frozenset().union(*(serving[q] for q in combo))
            closure = {q for q in queues if serving[q] <= adjacent}
            if closure == set(combo) and _connected(combo, groups):
                out.append(frozenset(combo))
    return out


def _connected(queues, groups) -> bool:
    """Queues linked through groups trained on two of them or more (one pool)."""
    queues = set(queues)
    reached = {next(iter(queues))}
    grew = True
    while grew:
        grew = False
        for g in groups:
            mine = g.queues & queues
            if mine & reached and not mine <= reached:
                reached |= mine
                grew = True
    return reached == queues


def _targets(queues, target, targets) -> dict[str, ServiceTarget]:
    out = {}
    for q in queues:
        t = (targets or {}).get(q, target)
        if not isinstance(t, ServiceTarget):
            raise InputError(f"targets[{q!r}]", t, "a wfm.types.ServiceTarget")
        out[q] = t
    return out


def _strictest(ts: Sequence[ServiceTarget]) -> ServiceTarget:
    """The target a pool of queues must meet to meet each of theirs (conservatively)."""
    asa = [t.max_asa_s for t in ts if t.max_asa_s is not None]
    ab = [t.max_abandon_rate for t in ts if t.max_abandon_rate is not None]
    return ServiceTarget(service_level=max(t.service_level for t in ts),
                         answer_within_s=min(t.answer_within_s for t in ts),
                         max_occupancy=min(t.max_occupancy for t in ts),
                         max_asa_s=min(asa) if asa else None,
                         max_abandon_rate=min(ab) if ab else None)


def _pooled_forecast(forecast: pd.DataFrame, qs, name) -> pd.DataFrame:
    part = forecast[forecast["queue"].astype(str).isin(qs)].copy()
    part["_work"] = part["calls"] * part["aht_s"].fillna(0.0)
    agg = {"calls": ("calls", "sum"), "_work": ("_work", "sum")}
    for col in ("calls_low", "calls_high"):
        if col in part.columns:
            agg[col] = (col, "sum")
    g = part.groupby("interval_start", as_index=False).agg(**agg)
    g["aht_s"] = np.where(g["calls"] > 0, g["_work"] / g["calls"].where(g["calls"] > 0), np.nan)
    g.insert(0, "queue", name)
    return g.drop(columns="_work")


def pooled_requirements(
    forecast: pd.DataFrame,
    groups: Sequence[SkillGroup],
    target: ServiceTarget | None = None,
    shrinkage: Shrinkage | float = 0.30,
    *,
    targets: Mapping[str, ServiceTarget] | None = None,
    model: str = "erlang_c",
    patience_s: float | None = None,
    interval: pd.Timedelta | str | None = None,
) -> pd.DataFrame:
    """Requirements of every closed queue set of several queues, by pooled Erlang.

    Parameters
    ----------
    forecast : DataFrame
        Forecast (or requirements) frame of several queues: ``queue``,
        ``interval_start``, ``calls``, ``aht_s``.
    groups : sequence of SkillGroup
    target : ServiceTarget
        Service target of every queue (default 80/20, occupancy 85 %).
    shrinkage : Shrinkage or float
    targets : mapping queue -> ServiceTarget, optional
        Per-queue targets; a set must meet the strictest of its queues' (highest
        service level, shortest answer-within, lowest occupancy cap).
    model, patience_s, interval
        As in :func:`wfm.staffing.requirements`.

    Returns
    -------
    DataFrame
        The requirements columns of :func:`wfm.staffing.requirements` (``traffic``,
        ``agents_needed``, ``staff_needed`` ...) for the pooled calls of each set, with
        ``queue_set`` ("a+b") in place of ``queue``; empty when no group serves more
        than one queue.  Calls are added, AHT is workload-weighted.
    """
    target = ServiceTarget() if target is None else target
    for col in ("queue", "interval_start", "calls", "aht_s"):
        if col not in forecast.columns:
            raise DataError("missing column in the forecast", column=col)
    queues = [str(q) for q in pd.unique(forecast["queue"].astype(str))]
    per_queue = _targets(queues, target, targets)
    parts = []
    cols = ["interval_start", "calls", "aht_s"] + [c for c in ("calls_low", "calls_high")
                                                   if c in forecast.columns]
    fc = forecast.assign(queue=forecast["queue"].astype(str))[["queue"] + cols]
    for qs in queue_sets(queues, groups):
        if len(qs) < 2:
            continue
        name = set_name(qs, queues)
        pooled = _pooled_forecast(fc, qs, name)
        req = staffing_requirements(pooled, _strictest([per_queue[q] for q in qs]), shrinkage,
                                    model=model, patience_s=patience_s, interval=interval)
        parts.append(req.rename(columns={"queue": "queue_set"}))
    if not parts:
        return pd.DataFrame(columns=["queue_set", "interval_start", "staff_needed"])
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------- simulation check
@dataclass(frozen=True)
class SkillStaffing:
    """Outcome of :func:`skill_staffing`.

    Attributes
    ----------
    requirements : DataFrame
        Per-queue requirements, ``staff_needed`` / ``agents_needed`` raised where the
        simulation asked for more.
    pooled : DataFrame
        Requirements of the queue sets (:func:`pooled_requirements`).
    groups : DataFrame
        On-phone agents per skill group and interval (``skill_group``,
        ``interval_start``, ``agents``) of the last round: the least whole agents
        meeting every set's requirement within the groups' shares.
    rounds : DataFrame
        One row per round and queue: ``round``, ``queue``, simulated
        ``service_level`` (with ``_low`` / ``_high``), ``target``, ``agents_added``
        (agent-intervals added to the queue's requirement after that round).
    met : bool
        Every queue's simulated service level reached its target in the last round.
    """

    requirements: pd.DataFrame
    pooled: pd.DataFrame
    groups: pd.DataFrame
    rounds: pd.DataFrame
    met: bool
    simulation: _sim.SimulationResult | None = field(default=None, repr=False)


def _interval_staffing(need_sets, sets, groups):
    """Least whole agents per group meeting each set's requirement, per interval (MILP).

    ``need_sets`` (n_sets, T) on-phone agents; group shares hold per interval.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    G = len(groups)
    T = need_sets.shape[1]
    adj = np.array([[bool(g.queues & s) for g in groups] for s in sets], dtype=float)
    share_rows = []
    for gi, g in enumerate(groups):
        if g.max_share is not None and g.max_share < 1:
            row = -g.max_share * np.ones(G)
            row[gi] += 1.0
            share_rows.append(row)
    A = np.vstack([adj] + share_rows) if share_rows else adj
    # ties: fewer flexible agents (their training is the scarcer resource)
    cost = 1.0 + 1e-3 * np.array([len(g.queues) for g in groups], float)
    out = np.zeros((G, T))
    cache: dict = {}
    for t in range(T):
        need = need_sets[:, t]
        if not (need > 0).any():
            continue
        key = tuple(need)
        if key not in cache:
            lo = np.r_[need, np.full(len(share_rows), -np.inf)]
            hi = np.r_[np.full(len(need), np.inf), np.zeros(len(share_rows))]
            res = milp(cost, constraints=LinearConstraint(A, lo, hi), integrality=np.ones(G),
                       bounds=Bounds(0, np.inf))
            if res.x is None:
                raise InputError("skill_groups", [g.name for g in groups],
                                 f"groups whose shares can meet the requirement ({res.message})")
            cache[key] = np.rint(res.x)
        out[:, t] = cache[key]
    return out


def _roster_of(agents: np.ndarray, groups, slot_times, interval: pd.Timedelta) -> pd.DataFrame:
    """Shifts that put ``agents[g, t]`` agents of each group on the phones in each interval.

    Agent ``k`` of a group works every run of intervals where the group has more than
    ``k`` agents, so agents stay on through consecutive intervals.
    """
    rows = []
    T = agents.shape[1]
    for gi, g in enumerate(groups):
        top = int(agents[gi].max()) if T else 0
        for k in range(top):
            on = np.r_[False, agents[gi] > k, False]
            edges = np.flatnonzero(on[1:] != on[:-1])
            for a, b in zip(edges[::2], edges[1::2], strict=True):
                rows.append((g.name, slot_times[a], slot_times[b - 1] + interval))
    frame = pd.DataFrame(rows, columns=["agent_id", "start", "end"])
    frame.insert(0, "shift_id", [f"G{i:06d}" for i in range(len(frame))])
    return frame


def skill_staffing(
    requirements: pd.DataFrame,
    groups: Sequence[SkillGroup],
    target: ServiceTarget | None = None,
    shrinkage: Shrinkage | float = 0.30,
    *,
    targets: Mapping[str, ServiceTarget] | None = None,
    queue_priority: Mapping[str, int] | None = None,
    patience_s: float | None = None,
    aht_cv: float = 1.1,
    replications: int = 5,
    rounds: int = 4,
    margin: float = 0.005,
    rng: np.random.Generator | int | None = None,
    progress: Callable[[float, float, str], None] | None = None,
) -> SkillStaffing:
    """Per-queue and pooled requirements, checked and corrected by simulation.

    Round by round: (1) the least whole agents of each group meeting every closed
    set's requirement in each interval (a small integer program per interval, the
    groups' shares holding per interval); (2) those agents on the phones, interval
    after interval, simulated with routing by skill and priority; (3) each queue whose
    simulated service level is below ``target + margin`` gets one more agent in its
    requirement (of the smallest closed set holding it) in the intervals where it
    missed the target by the most calls, enough intervals to make up the calls it
    lacked.  Stops when every queue meets its target, or after ``rounds`` rounds.

    Parameters
    ----------
    requirements : DataFrame
        Per-queue requirements (:func:`wfm.staffing.requirements`) of several queues.
    groups : sequence of SkillGroup
    target, shrinkage, targets
        As in :func:`pooled_requirements` (per-queue requirements are not recomputed:
        they are the frame's).
    queue_priority : mapping queue -> int, optional
        Lower is served first (:func:`wfm.simulate.simulate`).
    patience_s, aht_cv, replications, rng
        Passed to :func:`wfm.simulate.simulate`.
    rounds : int
        Simulation rounds at most (>= 1).
    margin : float
        Service level above the target a queue must show in simulation.
    progress : callable, optional

    Returns
    -------
    SkillStaffing
    """
    target = ServiceTarget() if target is None else target
    if not (isinstance(rounds, int) and rounds >= 1):
        raise InputError("rounds", rounds, "an integer >= 1")
    shrink = shrinkage if isinstance(shrinkage, Shrinkage) else Shrinkage(float(shrinkage))
    req = requirements.copy()
    req["queue"] = req["queue"].astype(str)
    queues = [str(q) for q in pd.unique(req["queue"])]
    per_queue = _targets(queues, target, targets)
    if len({t.answer_within_s for t in per_queue.values()}) > 1:
        raise InputError("targets", {q: t.answer_within_s for q, t in per_queue.items()},
                         "one answer-within time for all queues in the simulation check")
    groups = [g for g in groups if g.queues & set(queues)]
    sets = queue_sets(queues, groups)
    names = [set_name(s, queues) for s in sets]
    pooled = pooled_requirements(req, groups, target, shrink, targets=targets,
                                 model="erlang_c" if patience_s is None else "erlang_a",
                                 patience_s=patience_s)
    times = pd.DatetimeIndex(sorted(pd.unique(req["interval_start"])))
    T = len(times)
    interval = pd.Timedelta(times[1] - times[0]) if T > 1 else pd.Timedelta(minutes=15)
    pos = {t: i for i, t in enumerate(times)}

    def matrix(frame, key, col):
        out = np.zeros((len(names), T))
        idx = {n: i for i, n in enumerate(names)}
        rows = frame[frame[key].isin(idx)]
        out[rows[key].map(idx).to_numpy(), rows["interval_start"].map(pos).to_numpy()] = \
            rows[col].to_numpy(float)
        return out

    base = np.maximum(matrix(req, "queue", "agents_needed"),
                      matrix(pooled, "queue_set", "agents_needed") if len(pooled) else 0.0)
    added = np.zeros_like(base)
    calls_q = {q: req.loc[req["queue"] == q].set_index("interval_start")["calls"]
               .reindex(times, fill_value=0.0).to_numpy(float) for q in queues}
    fc = req[["queue", "interval_start", "calls", "aht_s"]]
    skills = group_skills(groups)
    log, sim, met = [], None, False
    for r in range(rounds):
        if progress is not None:
            progress(r, rounds, f"round {r + 1}: staffing the groups")
        agents = _interval_staffing(base + added, sets, groups)
        shifts = _roster_of(agents, groups, times, interval)
        sim = _sim.simulate(shifts, None, fc, aht_cv=aht_cv, patience_s=patience_s,
                            agent_skills=skills, queue_priority=queue_priority,
                            replications=replications, rng=rng,
                            answer_within_s=per_queue[queues[0]].answer_within_s,
                            interval=interval)
        totals = sim.totals.set_index("queue")
        iv = sim.intervals
        met = True
        for q in queues:
            sl = float(totals.loc[q if len(queues) > 1 else "all", "service_level"])
            goal = per_queue[q].service_level
            rec = {"round": r + 1, "queue": q, "service_level": sl,
                   "service_level_low": float(totals.loc[q if len(queues) > 1 else "all",
                                                         "service_level_low"]),
                   "service_level_high": float(totals.loc[q if len(queues) > 1 else "all",
                                                          "service_level_high"]),
                   "target": goal, "agents_added": 0}
            if sl < goal + margin:
                met = False
                if r < rounds - 1:
                    rec["agents_added"] = _raise_worst(iv, q, goal, margin, sl, calls_q[q], times,
                                                       sets, names, added)
            log.append(rec)
        if met:
            break
    # requirements raised where the check added agents (on their smallest set)
    out = req.copy()
    single = {n: i for i, n in enumerate(names) if SEPARATOR not in n}
    for q, i in single.items():
        extra = added[i]
        if not extra.any():
            continue
        m = out["queue"] == q
        add = pd.Series(extra, index=times).reindex(out.loc[m, "interval_start"]).to_numpy()
        out.loc[m, "agents_needed"] = out.loc[m, "agents_needed"] + add
        out.loc[m, "staff_needed"] = np.asarray(shrink.scheduled(
            out.loc[m, "agents_needed"].to_numpy(np.int64)), dtype=np.int64)
    pooled_out = pooled.copy()
    for n, i in {n: i for i, n in enumerate(names) if SEPARATOR in n}.items():
        extra = added[i]
        if not extra.any():
            continue
        m = pooled_out["queue_set"] == n
        add = pd.Series(extra, index=times).reindex(pooled_out.loc[m, "interval_start"]).to_numpy()
        pooled_out.loc[m, "agents_needed"] = pooled_out.loc[m, "agents_needed"] + add
        pooled_out.loc[m, "staff_needed"] = np.asarray(shrink.scheduled(
            pooled_out.loc[m, "agents_needed"].to_numpy(np.int64)), dtype=np.int64)
    group_frame = pd.DataFrame({
        "skill_group": np.repeat([g.name for g in groups], T),
        "interval_start": np.tile(times, len(groups)),
        "agents": agents.ravel(),
    })
    if progress is not None:
        progress(rounds, rounds, "done")
    return SkillStaffing(requirements=out, pooled=pooled_out, groups=group_frame,
                         rounds=pd.DataFrame(log), met=met, simulation=sim)


def _raise_worst(iv, q, goal, margin, sl, calls, times, sets, names, added) -> int:
    """One more agent where queue ``q`` lacked the most calls, enough to make up its gap."""
    mine = iv[iv["queue"] == q].set_index("interval_start").reindex(times)
    sl_t = mine["service_level"].to_numpy(float)
    lack = np.where(np.isfinite(sl_t), (goal - sl_t) * calls, 0.0)
    gap = (goal + margin - sl) * calls.sum()
    order = np.argsort(-lack)
    home = min((i for i, s in enumerate(sets) if q in s), key=lambda i: len(sets[i]))
    got, n = 0.0, 0
    for t in order:
        if lack[t] <= 0 or got >= gap:
            break
        added[home, t] += 1
        got += lack[t]
        n += 1
    return n


def allocate_to_queues(agents: np.ndarray, groups: Sequence[SkillGroup], queues: Sequence[str],
                       traffic: np.ndarray) -> np.ndarray:
    """Split each group's agents across its queues, each queue getting the most per Erlang.

    Per interval, the largest ``lam`` such that every queue with traffic gets at least
    ``lam * traffic`` agents from the groups trained on it (a small LP): the balanced
    split that a router sending each call to the least loaded skilled agent tends to.

    Parameters
    ----------
    agents : ndarray (G, T)
        Agents available per group and interval.
    groups : sequence of SkillGroup
    queues : sequence of str
    traffic : ndarray (Q, T)
        Offered load per queue [Erlang].

    Returns
    -------
    ndarray (G, Q, T)
        Agents of each group given to each queue; zero where the group is not
        trained on the queue.
    """
    from scipy.optimize import linprog

    G, T = agents.shape
    Q = len(queues)
    skill = np.array([[q in g.queues for q in queues] for g in groups], bool)
    pairs = [(g, q) for g in range(G) for q in range(Q) if skill[g, q]]
    out = np.zeros((G, Q, T))
    for t in range(T):
        a = traffic[:, t]
        n = agents[:, t]
        if n.sum() <= 0:
            continue
        live = [(g, q) for g, q in pairs if n[g] > 0]
        if not (a > 0).any() or not live:
            for g in range(G):  # no calls: agents stay with their queues evenly
                qs = np.flatnonzero(skill[g])
                out[g, qs, t] = n[g] / len(qs)
            continue
        P = len(live)
        c = np.zeros(P + 1)
        c[-1] = -1.0
        A, b = [], []
        for g in range(G):  # sum_q y[g, q] <= n[g]
            row = np.zeros(P + 1)
            for k, (gg, _q) in enumerate(live):
                if gg == g:
                    row[k] = 1.0
            A.append(row)
            b.append(n[g])
        for q in range(Q):  # lam * a[q] - sum_g y[g, q] <= 0
            if a[q] <= 0:
                continue
            row = np.zeros(P + 1)
            row[-1] = a[q]
            for k, (_g, qq) in enumerate(live):
                if qq == q:
                    row[k] = -1.0
            A.append(row)
            b.append(0.0)
        res = linprog(c, A_ub=np.array(A), b_ub=np.array(b), bounds=[(0, None)] * (P + 1),
                      method="highs")
        if res.status != 0:  # pragma: no cover - the LP is always feasible (y = 0)
            raise InputError("agents", n, f"an allocation LP that solves ({res.message})")
        y = res.x[:P]
        for k, (g, q) in enumerate(live):
            out[g, q, t] = y[k]
        # agents the LP left idle: with their queues in the split's proportions
        for g in range(G):
            used = out[g, :, t].sum()
            if n[g] - used > 1e-9:
                qs = np.flatnonzero(skill[g])
                w = out[g, qs, t] if used > 1e-9 else np.ones(len(qs))
                out[g, qs, t] += (n[g] - used) * w / w.sum()
    return out


def raise_where_missed(requirements: pd.DataFrame, simulated: pd.DataFrame,
                       targets: Mapping[str, float], *, margin: float = 0.005,
                       shrinkage: Shrinkage | float = 0.0) -> tuple[pd.DataFrame, dict]:
    """One more agent for each queue that missed its target, where it missed most.

    The correction step of a plan checked by simulation: for each queue whose
    simulated weekly service level is below ``target + margin``, ``agents_needed``
    (and ``staff_needed`` after shrinkage) rises by one in the intervals where the
    queue lacked the most calls answered in time, enough intervals to make up the
    calls it lacked over the week.

    Parameters
    ----------
    requirements : DataFrame
        Per-queue requirements (``queue``, ``interval_start``, ``calls``,
        ``agents_needed``, ``staff_needed``).
    simulated : DataFrame
        ``wfm.simulate.SimulationResult.intervals`` of the plan.
    targets : mapping queue -> float
        Weekly service level each queue must reach.
    margin : float
    shrinkage : Shrinkage or float

    Returns
    -------
    (DataFrame, dict)
        The raised requirements and ``queue -> intervals raised``.
    """
    shrink = shrinkage if isinstance(shrinkage, Shrinkage) else Shrinkage(float(shrinkage))
    out = requirements.copy()
    raised = {}
    for q, goal in targets.items():
        iv = simulated[simulated["queue"].astype(str) == q]
        offered = iv["offered"].to_numpy(float)
        sl_t = iv["service_level"].to_numpy(float)
        if offered.sum() <= 0:
            continue
        sl = float(np.nansum(sl_t * offered) / offered.sum())
        if sl >= goal + margin:
            raised[q] = 0
            continue
        lack = np.where(np.isfinite(sl_t), (goal - sl_t) * offered, 0.0)
        gap = (goal + margin - sl) * offered.sum()
        order = np.argsort(-lack)
        cum = np.cumsum(lack[order])
        k = int(np.searchsorted(cum, gap) + 1)
        chosen = [t for t in order[:k] if lack[t] > 0]
        when = set(pd.to_datetime(iv["interval_start"].to_numpy()[chosen]))
        m = (out["queue"].astype(str) == q) & out["interval_start"].isin(when)
        out.loc[m, "agents_needed"] = out.loc[m, "agents_needed"] + 1
        out.loc[m, "staff_needed"] = np.asarray(
            shrink.scheduled(out.loc[m, "agents_needed"].to_numpy(np.int64)), dtype=np.int64)
        raised[q] = int(m.sum())
    return out, raised
