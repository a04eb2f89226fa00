"""``wfm erlang``: the Erlang calculator."""

from __future__ import annotations

import json

import typer

from wfm import erlang
from wfm.errors import InputError


def register(app: typer.Typer) -> None:
    app.command("erlang")(erlang_command)


def erlang_command(
    calls: float = typer.Option(..., "--calls", help="Calls offered in the interval."),
    aht_s: float = typer.Option(..., "--aht-s", help="Average handle time [s]."),
    interval_min: float = typer.Option(30.0, "--interval-min", help="Interval length [min]."),
    target: float = typer.Option(0.8, "--target", help="Service level to reach, fraction (0.8 = 80 %)."),
    answer_within_s: float = typer.Option(20.0, "--answer-within-s", help="Service-level threshold [s]."),
    max_occupancy: float = typer.Option(1.0, "--max-occupancy", help="Highest occupancy, fraction."),
    patience_s: float | None = typer.Option(
        None, "--patience-s", help="Mean caller patience [s]: switches to Erlang A (callers hang up)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
) -> None:
    """Agents needed for a service target in one interval (Erlang C, or Erlang A with --patience-s)."""
    if interval_min <= 0:
        raise InputError("--interval-min", interval_min, "minutes > 0")
    traffic = erlang.traffic_intensity(calls, aht_s, interval_min * 60.0)
    agents = erlang.agents_needed(
        traffic,
        aht_s,
        service_level=target,
        answer_within=answer_within_s,
        max_occupancy=max_occupancy,
        patience=patience_s,
    )
    if patience_s is None:
        out = {
            "agents": agents,
            "traffic": traffic,
            "service_level": erlang.service_level(agents, traffic, aht_s, answer_within_s),
            "asa_s": erlang.average_speed_of_answer(agents, traffic, aht_s),
            "occupancy": erlang.occupancy(agents, traffic),
            "model": "erlang_c",
        }
    else:
        r = erlang.erlang_a(agents, traffic, aht_s, patience_s, answer_within_s)
        out = {
            "agents": agents,
            "traffic": traffic,
            "service_level": r.service_level,
            "asa_s": r.asa,
            "occupancy": r.occupancy,
            "p_abandon": r.p_abandon,
            "model": "erlang_a",
        }
    if as_json:
        typer.echo(json.dumps(out))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{calls:g} calls × {aht_s:g} s in {interval_min:g} min ({out['model']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("traffic [Erlang]", f"{traffic:.2f}")
    table.add_row("agents on phones", str(agents))
    table.add_row(f"service level ({answer_within_s:g} s)", f"{out['service_level']:.1%}")
    table.add_row("ASA \\[s]", f"{out['asa_s']:.1f}")
    table.add_row("occupancy", f"{out['occupancy']:.1%}")
    if "p_abandon" in out:
        table.add_row("abandoned", f"{out['p_abandon']:.1%}")
    Console().print(table)
