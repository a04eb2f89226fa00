"""``wfm roster``: a week of shifts, breaks and meetings for named agents."""

from __future__ import annotations

from pathlib import Path

import typer

from wfm.errors import DataError, InputError


def register(app: typer.Typer) -> None:
    app.command("roster")(roster_command)


def _read_input(path: Path):
    """A shift plan (template, start, ...) or a requirements frame (interval_start, ...)."""
    from wfm.io import parse_time_columns, read_table

    frame = read_table(path)
    if {"template", "start"} <= set(frame.columns):
        cols = ["start", "end"] if "end" in frame.columns else ["start"]
    elif "interval_start" in frame.columns:
        cols = ["interval_start"]
    else:
        raise DataError(
            "expected a shift plan (columns template, start, end) or requirements "
            f"(columns queue, interval_start, staff_needed); found {list(frame.columns)}",
            file=str(path),
        )
    return parse_time_columns(frame, cols, file=str(path))


def roster_command(
    plan_or_requirements: Path = typer.Argument(
        ..., help="Shift plan from 'wfm schedule' (template, start, end) or requirements "
        "(queue, interval_start, staff_needed): CSV, Parquet or Excel."),
    agents: Path = typer.Option(..., "--agents", help="Agents CSV (id, contract, skills, team, "
                                "is_lead, availability, time_off, preferences)."),
    templates: Path = typer.Option(..., "--templates", help="Shift templates (YAML)."),
    contracts: Path | None = typer.Option(
        None, "--contracts", help="Contracts CSV (default: the built-in full-time, "
        "part-time 20h and part-time 30h contracts)."),
    output: Path = typer.Option(Path("roster.csv"), "-o", "--output",
                                help="Roster CSV to write: one row per agent and working day."),
    team_meeting_min: int = typer.Option(
        0, "--team-meeting-min", help="Weekly whole-team meeting of this length [min] for "
        "every team (0: none)."),
    lead_ratio: int = typer.Option(15, "--lead-ratio", help="One team lead on shift per this "
                                   "many agents (0: no supervision rules)."),
    cover: str = typer.Option("staff_needed", "--cover", help="Requirement column to cover."),
    week_start: str | None = typer.Option(None, "--week-start", help="Midnight starting the week."),
    time_limit_s: float = typer.Option(60.0, "--time-limit-s", help="Solver time limit [s]."),
    workers: int = typer.Option(2, "--workers", help="CP-SAT worker threads."),
    shifts_out: Path | None = typer.Option(None, "--shifts", help="Also write the shifts CSV."),
    breaks_out: Path | None = typer.Option(None, "--breaks",
                                           help="Also write breaks and activities CSV."),
    coverage_out: Path | None = typer.Option(None, "--coverage", help="Also write coverage CSV."),
    penalties_out: Path | None = typer.Option(None, "--penalties",
                                              help="Also write the bent soft rules CSV."),
    previous: Path | None = typer.Option(
        None, "--previous", exists=True, dir_okay=False, help="Shifts worked before the week "
        "(CSV/Excel: agent_id, start, end), e.g. last week's roster: rest and runs of days "
        "continue from them."),
    previous_roster: str | None = typer.Option(
        None, "--previous-roster", help="Name of a stored roster whose published version "
        "(else latest) this week continues."),
    db: str | None = typer.Option(None, "--db", help="Database URL for --previous-roster."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Assign the week to named agents with their contracts, availability and breaks."""
    import pandas as pd

    from solver import build_roster
    from solver.roster import schedule_table
    from solver.templates import load_templates
    from wfm.agents import DEFAULT_CONTRACTS, load_agents, load_contracts
    from wfm.cli.plan import previous_shifts
    from wfm.cli.progress import progress_bar
    from wfm.exports import write_frame_csv
    from wfm.types import Activity

    if team_meeting_min < 0:
        raise InputError("--team-meeting-min", team_meeting_min, "minutes >= 0")
    frame = _read_input(plan_or_requirements)
    contract_map = load_contracts(contracts) if contracts is not None else dict(DEFAULT_CONTRACTS)
    people = load_agents(agents, contract_map)
    tpl = load_templates(templates)
    activities = []
    if team_meeting_min:
        for team in sorted({a.team for a in people if a.team}):
            activities.append(Activity(f"{team} meeting", team_meeting_min, team=team))
    ws = None if week_start is None else pd.Timestamp(week_start)
    before = previous_shifts(previous, previous_roster, db)
    with progress_bar("roster", enabled=not quiet) as bar:
        result = build_roster(
            frame, people, contract_map, tpl, activities=activities, week_start=ws,
            time_limit_s=time_limit_s, num_workers=workers, progress=bar, cover=cover,
            lead_ratio=lead_ratio, previous=before,
        )
    if not result.success:
        typer.echo(result.summary(), err=True)
        raise typer.Exit(1)
    table = schedule_table(result)
    write_frame_csv(table, output)
    for frame_out, path in ((result.shifts, shifts_out), (result.breaks, breaks_out),
                            (result.coverage, coverage_out), (result.penalties, penalties_out)):
        if path is not None:
            write_frame_csv(frame_out, path)
    typer.echo(result.summary())
    typer.echo(result.message)
    if len(result.penalties):
        by_rule = result.penalties.groupby("rule")[["amount", "cost"]].sum()
        for rule, row in by_rule.iterrows():
            typer.echo(f"  {rule}: {row['amount']:g} ({row['cost']:,.2f})")
    typer.echo(f"wrote {len(table)} agent-days to {output}")
