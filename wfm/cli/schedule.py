"""``wfm schedule``: shifts with breaks for a week of requirements."""

from __future__ import annotations

from pathlib import Path

import typer

from wfm.errors import InputError


def register(app: typer.Typer) -> None:
    app.command("schedule")(schedule_command)


def _read_frame(path: Path):
    from wfm.io import read_table

    return read_table(path, times=("interval_start",))


def _by_group(frame, path: Path, target, shrinkage, sl_target):
    """The skill groups of ``path``, the pooled requirements of the queue sets they share
    and, in mode "service_level", each queue's weekly target (its own, else the one
    given)."""
    import dataclasses

    import numpy as np

    from wfm.multiskill import pooled_requirements
    from wfm.scenarios import load_skill_groups

    if "queue" not in frame.columns:
        raise InputError("--skill-groups", str(path), "requirements with a 'queue' column")
    groups, settings = load_skill_groups(path)
    own = {q: s.service_level for q, s in settings.items() if s.service_level is not None}
    targets = {q: dataclasses.replace(target, service_level=v) for q, v in own.items()}
    if shrinkage is None and {"agents_needed", "staff_needed"} <= set(frame.columns):
        staff = frame["staff_needed"].to_numpy(float)
        ratio = np.divide(frame["agents_needed"].to_numpy(float), staff,
                          out=np.ones_like(staff), where=staff > 0)
        shrinkage = float(max(0.0, 1.0 - ratio.max()))  # as plan_shifts infers it
    pooled = pooled_requirements(frame, groups, target, shrinkage or 0.0, targets=targets)
    if sl_target is not None:
        sl_target = {q: own.get(q, sl_target) for q in frame["queue"].astype(str).unique()}
    return {"skill_groups": groups, "pooled_requirements": pooled}, sl_target


def schedule_command(
    requirements: Path = typer.Argument(..., help="Requirements file (CSV, Parquet, Excel): "
                                        "interval_start, staff_needed (and calls, aht_s, traffic)."),
    templates: Path = typer.Option(..., "--templates", help="Shift templates (YAML)."),
    output: Path = typer.Option(Path("shifts.csv"), "-o", "--output", help="Shifts CSV to write."),
    mode: str = typer.Option("coverage", "--mode", help="coverage, service_level or budget."),
    service_level: float = typer.Option(0.8, "--service-level",
                                        help="Weekly service level to reach (service_level mode)."),
    answer_within_s: float = typer.Option(20.0, "--answer-within-s", help="Service-level threshold [s]."),
    max_occupancy: float = typer.Option(0.85, "--max-occupancy", help="Occupancy cap, fraction."),
    budget: float | None = typer.Option(None, "--budget", help="Weekly budget (budget mode)."),
    break_min_per_hour: float = typer.Option(0.0, "--break-min-per-hour",
                                             help="Paid break minutes per paid hour, at least."),
    shrinkage: float | None = typer.Option(None, "--shrinkage",
                                           help="Shrinkage fraction (default: from the file)."),
    week_start: str | None = typer.Option(None, "--week-start", help="Midnight starting the week."),
    queue: str | None = typer.Option(None, "--queue", help="Plan only this queue."),
    skill_groups: Path | None = typer.Option(
        None, "--skill-groups",
        help="Plan the queues together by skill group: a YAML/TOML file with "
             "'skill_groups' (name, queues, max_share) and optional 'queue_settings' "
             "(target, priority), e.g. a scenario file.  The requirements need queue, "
             "calls and aht_s: the queue sets groups share are staffed on their pooled "
             "calls, and each shift gets its skill_group."),
    time_limit_s: float = typer.Option(60.0, "--time-limit-s", help="Solver time limit [s]."),
    workers: int = typer.Option(2, "--workers", help="Solver threads (CP-SAT)."),
    solver: str = typer.Option("highs", "--solver", help="highs, scip or cp-sat."),
    breaks_out: Path | None = typer.Option(None, "--breaks", help="Also write breaks CSV here."),
    coverage_out: Path | None = typer.Option(None, "--coverage", help="Also write coverage CSV here."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Plan how many agents start each shift and where their breaks go; write the shifts."""
    import pandas as pd

    from solver import plan_shifts
    from solver.templates import load_templates
    from wfm.cli.progress import progress_bar
    from wfm.types import BreakPolicy, ServiceTarget

    frame = _read_frame(requirements)
    if queue is not None:
        if "queue" not in frame.columns or not (frame["queue"].astype(str) == queue).any():
            raise InputError("--queue", queue, "a queue present in the requirements file")
        frame = frame[frame["queue"].astype(str) == queue].reset_index(drop=True)
    tpl = load_templates(templates)
    target = ServiceTarget(service_level=service_level, answer_within_s=answer_within_s,
                           max_occupancy=max_occupancy)
    ws = None if week_start is None else pd.Timestamp(week_start)
    sl_target = service_level if mode == "service_level" else None
    groups = {}
    if skill_groups is not None:
        groups, sl_target = _by_group(frame, skill_groups, target, shrinkage, sl_target)
    with progress_bar("schedule", enabled=not quiet) as bar:
        result = plan_shifts(
            frame, tpl, mode=mode, target=target, break_policy=BreakPolicy(break_min_per_hour),
            week_start=ws, service_level_target=sl_target,
            budget=budget, shrinkage=shrinkage, time_limit_s=time_limit_s, num_workers=workers,
            solver=solver, progress=bar, **groups,
        )
    if not result.success:
        typer.echo(result.summary(), err=True)
        raise typer.Exit(1)
    shifts = result.shifts.copy()
    text = pd.Series(dtype=str)
    if len(result.breaks):  # shifts without breaks have no break rows
        text = (result.breaks.assign(
            text=lambda b: b["start"].dt.strftime("%H:%M") + "-" + b["end"].dt.strftime("%H:%M")
            + " " + b["name"]).groupby("shift_id")["text"].agg("; ".join))
    shifts["breaks"] = shifts["shift_id"].map(text).fillna("")
    shifts.to_csv(output, index=False)
    if breaks_out is not None:
        result.breaks.to_csv(breaks_out, index=False)
    if coverage_out is not None:
        result.coverage.to_csv(coverage_out, index=False)
    typer.echo(result.summary())
    typer.echo(result.message)
    typer.echo(f"wrote {len(shifts)} shifts to {output}")
