"""``wfm plan``, ``wfm demo``, ``wfm compare``, ``wfm sweep``, ``wfm store``: whole plans."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from wfm.errors import InputError

store_app = typer.Typer(help="The plan store: list stored items, publish a roster, diff versions.",
                        no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_command)
    app.command("demo")(demo_command)
    app.command("compare")(compare_command)
    app.command("sweep")(sweep_command)
    app.add_typer(store_app, name="store")


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


@contextmanager
def stage_bars(enabled: bool = True) -> Iterator[Callable[[float, float, str], None]]:
    """A progress callback drawing one bar per pipeline stage ("shifts: ..." messages)."""
    if not enabled:
        yield lambda done, total, message="": None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description:<13}"),
        BarColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[message]}"),
        transient=False,
    ) as bar:
        from wfm.pipeline import _WEIGHTS

        tasks: dict[str, int] = {}
        start: dict[str, float] = {}

        def callback(done: float, total: float, message: str = "") -> None:
            stage, _, detail = message.partition(": ")
            frac = done / total if total else 0.0
            if stage == "done" or stage not in _WEIGHTS:
                for t in tasks.values():
                    bar.update(t, completed=1.0)
                return
            if stage not in tasks:
                for t in tasks.values():  # earlier stages are finished
                    bar.update(t, completed=1.0)
                tasks[stage] = bar.add_task(stage, total=1.0, message="")
                start[stage] = frac
            local = (frac - start[stage]) / _WEIGHTS[stage]
            bar.update(tasks[stage], completed=min(1.0, max(0.0, local)), message=detail)

        yield callback


#: ``--set KEY.QUEUE=VALUE``: the per-queue override each KEY stands for.
_QUEUE_SETS = {"volume_factor": "queue_volume_factor", "service_level": "queue_service_level"}


def _parse_sets(sets: list[str] | None) -> dict:
    """``--set`` items as :func:`wfm.scenarios.apply_overrides` keywords.

    ``key=value`` sets a scenario-wide override; ``volume_factor.QUEUE=value`` and
    ``service_level.QUEUE=value`` change one queue (its calls, its target).
    """
    from wfm.scenarios import OVERRIDE_KEYS

    keys = [k for k in OVERRIDE_KEYS if k not in _QUEUE_SETS.values()]
    out: dict = {}
    for item in sets or []:
        key, sep, value = item.partition("=")
        key, dot, queue = key.strip().partition(".")
        queue = queue.strip()
        if not sep or (key not in keys) or (dot and (key not in _QUEUE_SETS or not queue)):
            raise InputError("--set", item, "key=value with key among " + ", ".join(keys)
                             + ", or volume_factor.QUEUE=value / service_level.QUEUE=value")
        try:
            number = int(value) if key == "headcount" else float(value)
        except ValueError:
            raise InputError(f"--set {key}", value, "a number") from None
        if dot:
            out.setdefault(_QUEUE_SETS[key], {})[queue] = number
        else:
            out[key] = number
    return out


def _load(path: Path, sets: list[str] | None):
    from wfm.scenarios import apply_overrides, load_scenario

    scenario = load_scenario(path)
    changes = _parse_sets(sets)
    return apply_overrides(scenario, **changes) if changes else scenario


def _with_horizon_mode(scenario, mode: str):
    import dataclasses

    from solver.roster.horizon import MODES

    if mode not in MODES:
        raise typer.BadParameter(f"{mode!r}: expected one of " + ", ".join(MODES),
                                 param_hint="--horizon")
    return dataclasses.replace(scenario,
                               horizon=dataclasses.replace(scenario.horizon, mode=mode))


def _stages(no_roster: bool, no_simulate: bool, scenario):
    import dataclasses

    from wfm.pipeline import STAGES

    stages = tuple(s for s in STAGES if not (no_roster and s == "roster"))
    if no_simulate:
        scenario = dataclasses.replace(
            scenario, simulation=dataclasses.replace(scenario.simulation, enabled=False))
    return stages, scenario


def write_outputs(result, outdir: Path, *, excel: bool = True, ics: bool = True) -> list[Path]:
    """Write roster, coverage, KPIs and costs of a plan into ``outdir``; return the paths.

    A multi-skill plan adds ``queues.csv`` (each queue's service and cost),
    ``pooled_requirements.csv`` (the shared queue sets), ``shift_plan.csv`` (the
    anonymous shifts with their ``skill_group``) and ``allocation.csv`` (each group's
    on-phone agents per queue and interval).
    """
    import pandas as pd

    from wfm.exports import roster_table, write_excel, write_frame_csv, write_icalendar

    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    final = result.final
    roster = roster_table(final) if final is not None else pd.DataFrame()
    if final is not None:
        written.append(write_frame_csv(roster, outdir / "roster.csv"))
        written.append(write_frame_csv(final.breaks, outdir / "breaks.csv"))
    if result.coverage is not None:
        written.append(write_frame_csv(result.coverage, outdir / "coverage.csv"))
    kpis = pd.DataFrame({"kpi": list(result.kpis), "value": list(result.kpis.values())})
    written.append(write_frame_csv(kpis, outdir / "kpis.csv"))
    if result.evaluation is not None:
        written.append(write_frame_csv(result.evaluation.kpis, outdir / "evaluation.csv"))
    if result.requirements is not None:
        written.append(write_frame_csv(result.requirements, outdir / "requirements.csv"))
    if getattr(result, "queue_kpis", None) is not None:
        written.append(write_frame_csv(result.queue_kpis, outdir / "queues.csv"))
    pooled = getattr(result, "pooled_requirements", None)
    if pooled is not None and len(pooled):
        written.append(write_frame_csv(pooled, outdir / "pooled_requirements.csv"))
    plan = result.shift_plan
    if plan is not None and "allocation" in plan.stats:
        written.append(write_frame_csv(plan.stats["allocation"], outdir / "allocation.csv"))
        written.append(write_frame_csv(plan.shifts, outdir / "shift_plan.csv"))
    costs = None
    if result.costs is not None:
        costs = result.costs.by_contract.reset_index()
        written.append(write_frame_csv(costs, outdir / "costs.csv"))
    if excel and final is not None:
        written.append(write_excel(outdir / "plan.xlsx", roster=roster, coverage=result.coverage,
                                   kpis=result.kpis, costs=costs))
    if ics and result.roster is not None:
        written.extend(write_icalendar(result.roster, outdir / "calendars").values())
    return written


def _print_summary(result) -> None:
    from rich.console import Console

    Console().print(result.summary(), highlight=False, markup=False)


def previous_shifts(previous: Path | None, previous_roster: str | None, db: str | None):
    """The shifts worked before the horizon: from a file, or a stored roster's published
    version (else its latest); None without either."""
    if previous is not None and previous_roster is not None:
        raise typer.BadParameter("give --previous or --previous-roster, not both")
    if previous is not None:
        from wfm.io import load_shifts

        return load_shifts(previous)
    if previous_roster is not None:
        from wfm.store import Store

        with Store(db) as st:
            stored = st.published_roster(previous_roster) or st.load_roster(previous_roster)
        typer.echo(f"previous roster: {previous_roster} v{stored.ref.version}"
                   + (" (published)" if stored.published else " (latest, not published)"))
        return stored.shifts
    return None


def _run(scenario, outdir: Path | None, *, no_roster: bool, no_simulate: bool, quiet: bool,
         store: bool, db: str | None, excel: bool = True, ics: bool = True, previous=None):
    from wfm.pipeline import run_plan

    stages, scenario = _stages(no_roster, no_simulate, scenario)
    with stage_bars(not quiet) as progress:
        result = run_plan(scenario, progress=progress, stages=stages, previous=previous)
    _print_summary(result)
    if outdir is not None:
        paths = write_outputs(result, outdir, excel=excel, ics=ics)
        typer.echo(f"wrote {len(paths)} files to {outdir}")
    if store:
        from wfm.store import Store

        with Store(db) as st:
            refs = st.save_plan(result)
        typer.echo("stored " + ", ".join(f"{r.kind} {r.name} v{r.version}" for r in refs.values()))
    return result


# --------------------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------------------


def plan_command(
    scenario_path: Path = typer.Argument(..., exists=True, dir_okay=False, metavar="SCENARIO",
                                         help="Scenario file (YAML or TOML)."),
    outdir: Path = typer.Option(Path("plan-out"), "-o", "--outdir", help="Folder for the outputs."),
    sets: list[str] | None = typer.Option(
        None, "--set", help="What-if, e.g. --set volume_factor=1.15; one queue: "
        "--set volume_factor.premium=1.2 or --set service_level.premium=0.9."),
    no_roster: bool = typer.Option(False, "--no-roster", help="Stop at the anonymous shift plan."),
    no_simulate: bool = typer.Option(False, "--no-simulate", help="Erlang only, no simulation."),
    excel: bool = typer.Option(True, "--excel/--no-excel", help="Also write plan.xlsx."),
    ics: bool = typer.Option(True, "--ics/--no-ics", help="Also write one calendar per agent."),
    store: bool = typer.Option(False, "--store", help="Save scenario, forecast, roster and KPIs."),
    db: str | None = typer.Option(None, "--db", help="Database URL (default: WFM_DATABASE_URL or "
                                  "the SQLite file in the user data folder)."),
    previous: Path | None = typer.Option(
        None, "--previous", exists=True, dir_okay=False, help="Shifts worked before the horizon "
        "(CSV/Excel: agent_id, start, end): rest and runs of days continue from them."),
    previous_roster: str | None = typer.Option(
        None, "--previous-roster", help="Name of a stored roster whose published version "
        "(else latest) the horizon continues."),
    horizon: str | None = typer.Option(
        None, "--horizon", help="How the weeks share the horizon: 'chained' or 'joint' "
        "(hours averaged over weeks paced by demand, evenings and weekends rotated); "
        "default: the scenario's horizon.mode."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bars."),
) -> None:
    """Run a scenario end to end and write roster, coverage, KPIs and costs.

    With several weeks (horizon.weeks), each week's roster continues the one before.
    """
    scenario = _load(scenario_path, sets)
    if horizon is not None:
        scenario = _with_horizon_mode(scenario, horizon)
    _run(scenario, outdir, no_roster=no_roster, no_simulate=no_simulate, quiet=quiet,
         store=store, db=db, excel=excel, ics=ics,
         previous=previous_shifts(previous, previous_roster, db))


def demo_scenario_path() -> Path:
    """The shipped demo scenario ``data/demo_scenario.yaml``."""
    from wfm.io import demo_scenario_path as path

    return path()


def demo_command(
    outdir: Path | None = typer.Option(None, "-o", "--outdir", help="Also write the outputs here."),
    multiskill: bool = typer.Option(False, "--multiskill", help="The three-queue centre with "
                                    "skill groups (data/demo_multiskill.yaml)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bars."),
) -> None:
    """Plan one week of the demo call centre (about a minute) and print a summary."""
    from wfm.scenarios import load_scenario

    path = demo_scenario_path()
    scenario = load_scenario(path.with_name("demo_multiskill.yaml") if multiskill else path)
    result = _run(scenario, outdir, no_roster=False, no_simulate=False, quiet=quiet,
                  store=False, db=None)
    if result.costs is not None:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"weekly cost by contract [{result.costs.currency}]")
        for col in ("contract", "agents", "paid h", "FTE", "premiums", "overtime", "total"):
            table.add_column(col, justify="left" if col == "contract" else "right")
        for name, r in result.costs.by_contract.iterrows():
            table.add_row(str(name), f"{r['agents']:.0f}", f"{r['paid_h']:,.1f}", f"{r['fte']:.1f}",
                          f"{r['night_premium'] + r['weekend_premium']:,.0f}",
                          f"{r['overtime']:,.0f}", f"{r['total']:,.0f}")
        Console().print(table)
    if result.queue_kpis is not None:
        _print_queues(result)


def _print_queues(result) -> None:
    """Each queue's calls, target, service level, ASA, abandonment and cost (weekly)."""
    import math

    from rich.console import Console
    from rich.table import Table

    def pct(x):
        return "n/a" if x is None or math.isnan(x) else f"{x:.1%}"

    table = Table(title=f"per queue, weekly [{result.scenario.costs.currency}]; shared agents' "
                        "cost split by the on-phone hours each queue gets")
    for col in ("queue", "calls", "target", "SL Erlang", "SL simulated", "ASA sim [s]",
                "abandoned sim", "cost", "cost/call"):
        table.add_column(col, justify="left" if col == "queue" else "right")
    for r in result.queue_kpis.itertuples(index=False):
        table.add_row(str(r.queue), f"{r.calls:,.0f}", f"{r.target:.0%}",
                      pct(r.service_level), pct(r.sim_service_level),
                      "n/a" if math.isnan(r.sim_asa_s) else f"{r.sim_asa_s:.0f}",
                      pct(r.sim_abandon_rate), f"{r.cost:,.0f}", f"{r.cost_per_call:.2f}")
    Console().print(table)


def compare_command(
    base: Path = typer.Argument(..., exists=True, dir_okay=False, help="Baseline scenario."),
    variants: list[Path] | None = typer.Argument(None, help="Variant scenario files."),
    what_if: list[str] | None = typer.Option(
        None, "--what-if", help="A variant of BASE: 'name:key=value,key=value', e.g. "
        "'busier:volume_factor=1.15,aht_delta_s=30' or, for one queue, "
        "'vip:volume_factor.premium=1.2,service_level.premium=0.9'. Repeatable."),
    no_roster: bool = typer.Option(False, "--no-roster", help="Compare shift plans only (faster)."),
    no_simulate: bool = typer.Option(False, "--no-simulate", help="Erlang only."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the table as CSV."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bars."),
) -> None:
    """Plan a baseline and its variants and show cost and service side by side."""
    from wfm.pipeline import run_plan
    from wfm.scenarios import apply_overrides, compare, load_scenario

    base_s = load_scenario(base)
    runs = {base_s.name: base_s}
    for v in variants or []:
        s = load_scenario(v)
        runs[_unique_name(s.name, runs)] = s
    for spec in what_if or []:
        name, sep, body = spec.partition(":")
        if not sep or not name.strip():
            raise InputError("--what-if", spec, "'name:key=value,...'")
        runs[_unique_name(name.strip(), runs)] = apply_overrides(
            base_s, **_parse_sets([p for p in body.split(",") if p.strip()]))
    if len(runs) < 2:
        raise InputError("VARIANTS", None, "at least one variant file or --what-if")
    results = {}
    for name, s in runs.items():
        stages, s = _stages(no_roster, no_simulate, s)
        if not quiet:
            typer.echo(f"== {name}", err=True)
        with stage_bars(not quiet) as progress:
            results[name] = run_plan(s, progress=progress, stages=stages)
    table = compare(results, baseline=base_s.name)
    if output is not None:
        from wfm.exports import write_frame_csv

        write_frame_csv(table.reset_index(), output)
    _print_compare(table)
    from wfm.scenarios import compare_queues

    per_queue = compare_queues(results, baseline=base_s.name)
    if len(per_queue):
        _print_compare_queues(per_queue)


def _unique_name(name: str, taken) -> str:
    out, k = name, 2
    while out in taken:
        out, k = f"{name} ({k})", k + 1
    return out


def _print_compare(table) -> None:
    import math

    from rich.console import Console
    from rich.table import Table

    show = [("weekly_cost", "cost/week", "{:,.0f}"), ("fte", "FTE", "{:.1f}"),
            ("service_level_erlang", "SL Erlang", "{:.1%}"), ("service_level_sim", "SL sim", "{:.1%}"),
            ("asa_s", "ASA s", "{:.1f}"), ("abandon_rate_sim", "abandon sim", "{:.1%}"),
            ("occupancy", "occupancy", "{:.1%}"), ("break_min_per_agent_hour", "break min/h", "{:.1f}"),
            ("cost_per_call", "cost/call", "{:.2f}")]
    t = Table(title="scenario comparison (delta vs baseline)")
    t.add_column("scenario")
    for _, head, _ in show:
        t.add_column(head, justify="right")
    for name, row in table.iterrows():
        cells = []
        for col, _, fmt in show:
            v, d = row[col], row[f"{col}_delta"]
            if isinstance(v, float) and math.isnan(v):
                cells.append("n/a")
                continue
            text = fmt.format(v)
            if d and not (isinstance(d, float) and math.isnan(d)):
                text += f" ({'+' if d > 0 else ''}{fmt.format(d)})"
            cells.append(text)
        t.add_row(str(name), *cells)
    Console().print(t)


def _print_compare_queues(table) -> None:
    """Each queue of each plan: service level, ASA, abandonment, cost (delta vs baseline)."""
    import math

    from rich.console import Console
    from rich.table import Table

    show = [("calls", "calls", "{:,.0f}"), ("target", "target", "{:.0%}"),
            ("service_level", "SL Erlang", "{:.1%}"),
            ("sim_service_level", "SL sim", "{:.1%}"), ("sim_asa_s", "ASA sim s", "{:.1f}"),
            ("sim_abandon_rate", "abandon sim", "{:.1%}"), ("cost", "cost/week", "{:,.0f}"),
            ("cost_per_call", "cost/call", "{:.2f}")]
    t = Table(title="per queue (delta vs the same queue in the baseline)")
    t.add_column("scenario")
    t.add_column("queue")
    for _, head, _ in show:
        t.add_column(head, justify="right")
    for row in table.itertuples(index=False):
        cells = []
        for col, _, fmt in show:
            v, d = getattr(row, col), getattr(row, f"{col}_delta")
            if v is None or math.isnan(v):
                cells.append("n/a")
                continue
            text = fmt.format(v)
            if d and not math.isnan(d):
                text += f" ({'+' if d > 0 else ''}{fmt.format(d)})"
            cells.append(text)
        t.add_row(str(row.scenario), str(row.queue), *cells)
    Console().print(t)


def sweep_command(
    kind: str = typer.Argument(..., metavar="KIND", help="'service-level' or 'breaks'."),
    scenario_path: Path = typer.Argument(..., exists=True, dir_okay=False, metavar="SCENARIO"),
    values: str | None = typer.Option(None, "--values", help="Comma-separated points, e.g. "
                                      "'0.7,0.8,0.9' or '5,10,15' (defaults: 70..95 %, 5..15 min/h)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address "
                                         "(tcp://host:8786); default a local process pool."),
    workers: int = typer.Option(2, "--workers", help="Processes of the local pool."),
    no_roster: bool = typer.Option(True, "--no-roster/--roster", help="Solve shift plans only "
                                   "(default) or full rosters."),
    no_simulate: bool = typer.Option(True, "--no-simulate/--simulate", help="Erlang only (default)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the frontier as CSV."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bar."),
) -> None:
    """Cost frontier: cost against service-level targets or break policies, each a full solve."""
    from wfm.cli.progress import progress_bar
    from wfm.costs import marginal_cost_per_point
    from wfm.sweeps import break_policy_frontier, service_level_frontier

    if kind not in ("service-level", "breaks"):
        raise InputError("KIND", kind, "'service-level' or 'breaks'")
    scenario = _load(scenario_path, None)
    stages, scenario = _stages(no_roster, no_simulate, scenario)
    points = None
    if values:
        try:
            points = [float(v) for v in values.split(",") if v.strip()]
        except ValueError:
            raise InputError("--values", values, "comma-separated numbers") from None
    kw = {"stages": stages, "scheduler": scheduler, "max_workers": workers}
    with progress_bar(f"sweep {kind}", enabled=not quiet) as progress:
        if kind == "service-level":
            table = service_level_frontier(scenario, points or (0.70, 0.75, 0.80, 0.85, 0.90, 0.95),
                                           progress=progress, **kw)
        else:
            table = break_policy_frontier(scenario, points or (5.0, 7.5, 10.0, 12.5, 15.0),
                                          progress=progress, **kw)
    if output is not None:
        from wfm.exports import write_frame_csv

        write_frame_csv(table, output)
    from rich.console import Console
    from rich.table import Table

    cols = ["label", "status", "weekly_cost", "fte", "service_level_erlang", "plan_gap"]
    t = Table(title=f"{kind} frontier")
    for c in cols:
        t.add_column(c)
    for _, r in table.iterrows():
        t.add_row(*[f"{r[c]:,.3f}" if isinstance(r[c], float) else str(r[c]) for c in cols])
    Console().print(t)
    errors = table[table["status"] == "ERROR"]
    for _, r in errors.iterrows():
        typer.echo(f"{r['label']}: {r['error'].splitlines()[0]}", err=True)
    if kind == "service-level" and len(table) - len(errors) >= 2:
        m = marginal_cost_per_point(table, service_level="service_level_erlang")
        for _, r in m.iterrows():
            typer.echo(f"{r['from_service_level']:.1%} -> {r['to_service_level']:.1%}: "
                       f"{r['cost_per_point']:,.0f} per point of service level per week")
    if len(errors):
        typer.echo(f"{len(errors)} of {len(table)} points failed", err=True)
        # Some points failed: the frontier is incomplete, which a script must be able to see.
        raise typer.Exit(1)


@store_app.command("list")
def store_list(
    kind: str = typer.Argument("roster", help="scenario, forecast, roster or result"),
    db: str | None = typer.Option(None, "--db", help="Database URL."),
) -> None:
    """List the stored items of a kind."""
    from wfm.store import Store

    with Store(db) as st:
        typer.echo(st.list(kind).to_string(index=False))


@store_app.command("publish")
def store_publish(
    name: str = typer.Argument(..., help="Roster name."),
    version: int | None = typer.Option(None, "--version", help="Version (default the latest)."),
    db: str | None = typer.Option(None, "--db", help="Database URL."),
) -> None:
    """Mark a stored roster version published."""
    from wfm.store import Store

    with Store(db) as st:
        ref = st.publish_roster(name, version)
    typer.echo(f"published roster {ref.name} v{ref.version}")


@store_app.command("diff")
def store_diff(
    name: str = typer.Argument(..., help="Roster name."),
    old: int = typer.Argument(..., help="Older version."),
    new: int | None = typer.Argument(None, help="Newer version (default the latest)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the changes as CSV."),
    db: str | None = typer.Option(None, "--db", help="Database URL."),
) -> None:
    """List the agent-days that differ between two versions of a stored roster."""
    from wfm.exports import write_frame_csv
    from wfm.store import Store

    with Store(db) as st:
        changes = st.diff_rosters(name, old, new)
    if output is not None:
        write_frame_csv(changes, output)
    if changes.empty:
        typer.echo(f"roster {name}: no change between v{old} and {'the latest' if new is None else f'v{new}'}")
        return
    typer.echo(changes.to_string(index=False))
    typer.echo(f"{len(changes)} agent-days changed, "
               f"{changes['agent_id'].nunique()} agents to tell")


@store_app.command("export")
def store_export(
    name: str = typer.Argument(..., help="Roster name."),
    outdir: Path = typer.Option(Path("roster-out"), "-o", "--outdir"),
    version: int | None = typer.Option(None, "--version", help="Version (default: the published "
                                       "one, else the latest)."),
    db: str | None = typer.Option(None, "--db", help="Database URL."),
) -> None:
    """Export a stored roster: CSV, Excel and one calendar per agent."""
    from wfm.exports import roster_table, write_excel, write_frame_csv, write_icalendar
    from wfm.store import Store

    with Store(db) as st:
        stored = (st.load_roster(name, version) if version is not None
                  else st.published_roster(name) or st.load_roster(name))
    table = roster_table(stored.shifts, stored.breaks)
    write_frame_csv(table, outdir / "roster.csv")
    write_excel(outdir / "roster.xlsx", roster=table)
    n = 0
    if (stored.shifts["agent_id"] != "").any():
        n = len(write_icalendar(stored.shifts, outdir / "calendars", stored.breaks))
    typer.echo(f"roster {name} v{stored.ref.version}: {len(table)} shifts, {n} calendars -> {outdir}")
