"""``wfm repair``: mend a stored roster for absences, time off, new requirement and swaps."""

from __future__ import annotations

from pathlib import Path

import typer

from wfm.errors import InputError


def register(app: typer.Typer) -> None:
    app.command("repair")(repair_command)


def _agent_days(values: list[str] | None, option: str, reason: str):
    """``AGENT:DAYS`` options (days as ``2024-03-06``, ``A..B`` or ``a;b``) as absences."""
    from wfm.changes import Absence, parse_days

    out = []
    for v in values or []:
        agent, sep, days = v.partition(":")
        if not sep or not agent.strip():
            raise InputError(option, v, "AGENT:DAYS, e.g. A012:2024-03-06..2024-03-08")
        out.append(Absence(agent.strip(), parse_days(days), reason))
    return out


def _swaps(values: list[str] | None):
    from wfm.changes import ShiftSwap, parse_days

    out = []
    for v in values or []:
        parts = [x.strip() for x in v.split(",")]
        if len(parts) != 3:
            raise InputError("--swap", v, "AGENT_A,AGENT_B,DAY, e.g. A012,A031,2024-03-06")
        out.append(ShiftSwap(parts[0], parts[1], parse_days(parts[2])[0]))
    return out


def repair_command(
    requirements: Path = typer.Argument(..., exists=True, dir_okay=False, help=(
        "The week's requirement as it now stands (queue, interval_start, staff_needed): "
        "CSV, Parquet or Excel.")),
    roster: str = typer.Option(..., "--roster", help="Name of the stored roster to repair "
                               "(its published version, else its latest)."),
    agents: Path = typer.Option(..., "--agents", help="Agents CSV."),
    templates: Path = typer.Option(..., "--templates", help="Shift templates (YAML)."),
    contracts: Path | None = typer.Option(None, "--contracts", help="Contracts CSV (default: "
                                          "the built-in contracts)."),
    absent: list[str] | None = typer.Option(None, "--absent", help="AGENT:DAYS off sick, e.g. "
                                            "A012:2024-03-06..2024-03-08 (repeatable)."),
    time_off: list[str] | None = typer.Option(None, "--time-off", help="AGENT:DAYS of approved "
                                              "time off (repeatable)."),
    swap: list[str] | None = typer.Option(None, "--swap", help="AGENT_A,AGENT_B,DAY: two agents "
                                          "exchange that day's shifts (repeatable)."),
    update_days: str | None = typer.Option(None, "--update-days", help="Days whose requirement "
                                           "changed, e.g. 2024-03-05;2024-03-06."),
    version: int | None = typer.Option(None, "--version", help="Repair this version instead."),
    previous: Path | None = typer.Option(None, "--previous", exists=True, dir_okay=False,
                                         help="Shifts worked before the week (CSV/Excel)."),
    change_cost: float | None = typer.Option(None, "--change-cost", help="Price of changing "
                                             "one agent's day (default: 2 agent-hours unmet)."),
    output: Path = typer.Option(Path("changes.csv"), "-o", "--output",
                                help="CSV of the changes to send to the agents."),
    roster_out: Path | None = typer.Option(None, "--roster-out", help="Also write the repaired "
                                           "roster (one row per agent and day)."),
    save: bool = typer.Option(True, "--save/--no-save", help="Store the repair as a new version "
                              "of the roster (the old versions stay)."),
    db: str | None = typer.Option(None, "--db", help="Database URL."),
    lead_ratio: int = typer.Option(15, "--lead-ratio", help="One team lead per this many agents "
                                   "on shift (0: none)."),
    time_limit_s: float = typer.Option(15.0, "--time-limit-s", help="Limit of the repair [s]."),
    workers: int = typer.Option(2, "--workers", help="CP-SAT worker threads."),
) -> None:
    """Repair a published roster, changing as few agents' days as pays, and list every change.

    A failed repair stores nothing; a repair is stored as a new version of the roster.
    """
    from solver import repair_roster
    from solver.roster import schedule_table
    from solver.templates import load_templates
    from wfm.agents import DEFAULT_CONTRACTS, load_agents, load_contracts
    from wfm.changes import RequirementUpdate, parse_days
    from wfm.cli.roster import _read_input
    from wfm.exports import write_frame_csv
    from wfm.io import load_shifts
    from wfm.store import Store

    changes = (_agent_days(absent, "--absent", "sick") + _agent_days(time_off, "--time-off",
                                                                     "time off") + _swaps(swap))
    if update_days:
        changes.append(RequirementUpdate(parse_days(update_days)))
    if not changes:
        raise InputError("changes", None, "at least one --absent, --time-off, --swap or "
                         "--update-days")
    req = _read_input(requirements)
    contract_map = load_contracts(contracts) if contracts is not None else dict(DEFAULT_CONTRACTS)
    people = load_agents(agents, contract_map)
    with Store(db) as st:
        stored = (st.load_roster(roster, version) if version is not None
                  else st.published_roster(roster) or st.load_roster(roster))
        typer.echo(f"repairing roster {roster} v{stored.ref.version}"
                   + (" (published)" if stored.published else ""))
        res = repair_roster(stored, changes, people, contract_map, load_templates(templates), req,
                            previous=None if previous is None else load_shifts(previous),
                            change_cost=change_cost, lead_ratio=lead_ratio,
                            time_limit_s=time_limit_s, num_workers=workers)
        for row in res.swaps.itertuples():
            verdict = "accepted" if row.accepted else f"refused: {row.reason}"
            typer.echo(f"swap {row.agent_a} <-> {row.agent_b} on {row.day}: {verdict}")
        if not res.success:
            typer.echo(res.message, err=True)
            raise typer.Exit(1)
        write_frame_csv(res.changes, output)
        if roster_out is not None:
            write_frame_csv(schedule_table(res), roster_out)
        if save:
            ref = st.save_roster(res, roster, note=res.message)
            typer.echo(f"stored roster {roster} v{ref.version} (v{stored.ref.version} kept)")
    typer.echo(res.message)
    if len(res.changes):
        typer.echo(res.changes.to_string(index=False))
    typer.echo(f"wrote {len(res.changes)} changes to {output}")
