"""``wfm staff``: staffing requirements per interval from a history or forecast file."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("staff")(staff_command)


def staff_command(
    source: Path = typer.Argument(..., help="History or forecast file (CSV, Parquet or Excel) with queue, interval_start, calls, aht_s.", exists=True, dir_okay=False),
    output: Path = typer.Option(Path("requirements.csv"), "-o", "--output", help="Where to write the requirements (CSV, or .xlsx / .parquet)."),
    target: float = typer.Option(0.8, "--target", help="Service level to reach, fraction (0.8 = 80 %)."),
    answer_within_s: float = typer.Option(20.0, "--answer-within-s", help="Service-level threshold [s]."),
    max_occupancy: float = typer.Option(0.85, "--max-occupancy", help="Highest occupancy, fraction."),
    shrinkage: float = typer.Option(0.30, "--shrinkage", help="Share of paid time off the phones (absence, training...), fraction."),
    model: str = typer.Option("erlang_c", "--model", help="erlang_c, or erlang_a (callers hang up; needs --patience-s)."),
    patience_s: float | None = typer.Option(None, "--patience-s", help="Mean caller patience [s] for Erlang A."),
    max_asa_s: float | None = typer.Option(None, "--max-asa-s", help="Highest mean wait [s], optional."),
    max_abandon: float | None = typer.Option(None, "--max-abandon", help="Highest abandon rate, fraction (Erlang A), optional."),
    min_staff_open: int = typer.Option(0, "--min-staff-open", help="Least agents on the phones while the centre is open."),
    queue: str | None = typer.Option(None, "--queue", help="Only this queue of the file."),
    fill_aht: bool = typer.Option(True, "--fill-aht/--no-fill-aht", help="Where calls came but none was handled (all hung up), use the queue's volume-weighted AHT; with --no-fill-aht such intervals are an error."),
) -> None:
    """Agents needed on the phones and agents to schedule, per queue and interval."""
    from rich.console import Console
    from rich.table import Table

    from wfm.io import load_history
    from wfm.staffing import fill_missing_aht, requirements
    from wfm.types import ServiceTarget, Shrinkage

    console = Console()
    frame = load_history(source, queue=queue)
    if fill_aht:
        frame, filled = fill_missing_aht(frame)
        if filled:
            console.print(f"{filled:,} intervals had calls but no handled call: used the queue's mean AHT there.")
    goal = ServiceTarget(target, answer_within_s, max_occupancy, max_asa_s, max_abandon)
    req = requirements(
        frame,
        goal,
        Shrinkage(shrinkage),
        model=model,  # type: ignore[arg-type]
        patience_s=patience_s,
        min_staff_open=min_staff_open,
    )
    write_frame(req, output)

    hours = (req["interval_start"].groupby(req["queue"]).diff().dt.total_seconds().median() or 0) / 3600
    table = Table(title=f"Requirements written to {output}")
    for col in ("queue", "intervals", "calls", "peak on phones", "peak scheduled", "scheduled agent-hours"):
        table.add_column(col, justify="right" if col != "queue" else "left")
    for name, part in req.groupby("queue", sort=True):
        table.add_row(
            str(name),
            f"{len(part):,}",
            f"{part['calls'].sum():,.0f}",
            f"{part['agents_needed'].max():,}",
            f"{part['staff_needed'].max():,}",
            f"{part['staff_needed'].sum() * hours:,.1f}",
        )
    console.print(table)


def write_frame(frame, output: Path) -> None:
    """Write a frame by the suffix of ``output`` (CSV by default)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    suffix = output.suffix.lower()
    if suffix == ".xlsx":
        frame.to_excel(output, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(output, index=False)
    else:
        frame.to_csv(output, index=False)
