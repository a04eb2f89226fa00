"""Sweeps and frontiers: many full plans of one scenario, run in parallel.

Each point is a what-if (:func:`wfm.scenarios.apply_overrides`) solved end to end by
:func:`wfm.pipeline.run_plan`.  Points run on a local process pool by default, or on a
Dask distributed cluster when a scheduler address is given; both go through the same
``concurrent.futures`` interface (``ProcessPoolExecutor`` or
``distributed.Client(address).get_executor()``), so the code path is one.

Frontiers
---------
:func:`service_level_frontier`
    cost against the service-level target (70 % ... 95 %).
:func:`break_policy_frontier`
    cost of the break policy (5 ... 15 minutes of break per hour of shift).
Feed either to :func:`wfm.costs.marginal_cost_per_point` for the cost of each point.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from wfm.errors import InputError, WfmError
from wfm.pipeline import STAGES
from wfm.scenarios import Scenario, apply_overrides

__all__ = [
    "sweep",
    "service_level_frontier",
    "break_policy_frontier",
    "executor",
    "run_point",
    "SWEEP_COLUMNS",
]

#: KPI columns of a sweep row (NaN where the stages run do not give them).
SWEEP_COLUMNS = (
    "weekly_cost", "fte", "paid_hours", "service_level_erlang", "service_level_sim", "asa_s",
    "abandon_rate_sim", "occupancy", "break_min_per_agent_hour", "cost_per_call",
    "requirement_hours", "requirement_cost", "plan_gap", "roster_gap",
)


@contextmanager
def executor(scheduler: str | None = None, max_workers: int = 2) -> Iterator[cf.Executor]:
    """A ``concurrent.futures`` executor: local processes, or a Dask cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``); default: a local
        process pool.
    max_workers : int
        Processes of the local pool.
    """
    if scheduler is None:
        if max_workers < 1:
            raise InputError("max_workers", max_workers, "an integer >= 1")
        with cf.ProcessPoolExecutor(max_workers=max_workers) as pool:
            yield pool
        return
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise WfmError("a scheduler address needs the 'distributed' package") from exc
    try:
        client = Client(scheduler, timeout="10s")
    except OSError as exc:
        raise WfmError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    try:
        with client.get_executor() as ex:
            yield ex
    finally:
        client.close()


def run_point(scenario: Scenario, overrides: Mapping[str, Any], stages: Sequence[str],
              solver_workers: int | None, *, history: pd.DataFrame | None = None,
              forecast: pd.DataFrame | None = None) -> dict[str, Any]:
    """Solve one point (in a worker): the KPIs of ``apply_overrides(scenario, **overrides)``.

    ``history`` and ``forecast`` go to :func:`wfm.pipeline.run_plan` (demand given in
    memory instead of the scenario's file).  Never raises: a failed point returns
    ``status="ERROR"`` and the message (with the KPIs of the stages done before a failed
    solve, e.g. the requirement hours), so one bad point does not lose the others.
    """
    from wfm.pipeline import run_plan

    row: dict[str, Any] = {}
    try:
        s = apply_overrides(scenario, **overrides) if overrides else scenario
        if solver_workers is not None:
            s = dataclasses.replace(s, solver=dataclasses.replace(s.solver,
                                                                  num_workers=solver_workers))
        result = run_plan(s, stages=stages, history=history, forecast=forecast)
        row.update({k: v for k, v in result.kpis.items() if np.isscalar(v)})
        row.setdefault("status", "REQUIREMENTS" if result.shift_plan is None else "")
        row["error"] = ""
    except WfmError as exc:
        partial = getattr(exc, "partial", None)  # a failed solve: keep what was computed
        if partial is not None:
            row.update({k: v for k, v in partial.kpis.items() if np.isscalar(v)})
        row.update(status="ERROR", error=str(exc))
    except Exception as exc:  # a bug in a worker: keep its traceback in the row
        row.update(status="ERROR", error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    return row


def sweep(
    scenario: Scenario,
    points: Sequence[Mapping[str, Any]],
    *,
    labels: Sequence[str] | None = None,
    stages: Sequence[str] = STAGES,
    scheduler: str | None = None,
    pool: cf.Executor | None = None,
    max_workers: int = 2,
    solver_workers: int | None = 1,
    history: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
    progress: Callable[[float, float, str], None] | None = None,
) -> pd.DataFrame:
    """Solve every what-if of ``points`` on ``scenario``, in parallel.

    Parameters
    ----------
    scenario : Scenario
        The base.
    points : sequence of mapping
        Overrides of each point (keys of :data:`wfm.scenarios.OVERRIDE_KEYS`).
    labels : sequence of str, optional
        Row labels (default ``"key=value, ..."``).
    stages : sequence of str
        Stages of :func:`wfm.pipeline.run_plan` per point (default: all).
    scheduler : str, optional
        Dask scheduler address; default a local process pool.
    pool : Executor, optional
        An executor to use instead (``scheduler`` and ``max_workers`` are then ignored).
    max_workers : int
        Size of the local process pool.
    solver_workers : int or None
        Solver threads per point (default 1: the points are the parallelism); None
        keeps the scenario's.
    history, forecast : DataFrame, optional
        Demand given in memory instead of the scenario's data file (see
        :func:`wfm.pipeline.run_plan`); sent to every point.  A forecast saves each
        point the forecasting step.
    progress : callable, optional
        ``progress(done, total, message)`` as points finish.

    Returns
    -------
    DataFrame
        One row per point, in the order given: ``label``, the override values,
        ``status``, ``error`` and the KPIs (:data:`SWEEP_COLUMNS` and more).  A point
        that fails (bad setting, no plan found, worker lost) has ``status="ERROR"``
        and the reason in ``error``; the other points are still solved.
    """
    points = [dict(p) for p in points]
    if not points:
        raise InputError("points", points, "at least one point")
    for p in points:  # fail here, not in a worker
        apply_overrides(scenario, **p)
    labels = list(labels) if labels is not None else [
        ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in p.items())
        or "base" for p in points
    ]
    if len(labels) != len(points):
        raise InputError("labels", labels, f"{len(points)} labels, one per point")
    stages = tuple(stages)
    rows: list[dict | None] = [None] * len(points)

    def collect(ex: cf.Executor) -> None:
        futures = {ex.submit(run_point, scenario, p, stages, solver_workers, history=history,
                             forecast=forecast): i
                   for i, p in enumerate(points)}
        done = 0
        if progress is not None:
            progress(0, len(points), "submitted")
        for fut in cf.as_completed(futures):
            i = futures[fut]
            try:
                rows[i] = fut.result()
            except Exception as exc:  # the worker died (killed, out of memory) or pickling
                rows[i] = {"status": "ERROR", "error": f"{type(exc).__name__}: {exc}"}
            done += 1
            if progress is not None:
                progress(done, len(points), labels[i])

    if pool is not None:
        collect(pool)
    else:
        with executor(scheduler, max_workers) as ex:
            collect(ex)

    table = pd.DataFrame([{"label": lab, **p, **(r or {})}
                          for lab, p, r in zip(labels, points, rows, strict=True)])
    for col in SWEEP_COLUMNS:
        if col not in table.columns:
            table[col] = np.nan
    return table


def service_level_frontier(
    scenario: Scenario,
    targets: Sequence[float] = (0.70, 0.75, 0.80, 0.85, 0.90, 0.95),
    **kwargs: Any,
) -> pd.DataFrame:
    """Cost against the service-level target, each target a full solve.

    Returns :func:`sweep`'s table with a ``target`` column; pass it to
    :func:`wfm.costs.marginal_cost_per_point` (``service_level="service_level_erlang"``
    or ``"service_level_sim"``) for the cost of each extra point.
    """
    table = sweep(scenario, [{"service_level": float(t)} for t in targets],
                  labels=[f"SL {t:.0%}" for t in targets], **kwargs)
    table.insert(1, "target", [float(t) for t in targets])
    return table


def break_policy_frontier(
    scenario: Scenario,
    minutes_per_hour: Sequence[float] = (5.0, 7.5, 10.0, 12.5, 15.0),
    **kwargs: Any,
) -> pd.DataFrame:
    """Cost of the break policy: each floor of break minutes per hour a full solve.

    Returns :func:`sweep`'s table with a ``break_min_per_hour`` column and
    ``extra_cost`` against the smallest floor.
    """
    table = sweep(scenario, [{"break_min_per_hour": float(m)} for m in minutes_per_hour],
                  labels=[f"breaks {m:g} min/h" for m in minutes_per_hour], **kwargs)
    table["extra_cost"] = table["weekly_cost"] - table["weekly_cost"].iloc[0]
    return table
