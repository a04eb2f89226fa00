"""The store: scenarios, forecasts, rosters and plan results, with versions.

SQLAlchemy 2.0 Core on SQLite by default (a file in the user's data directory) or any
database URL (PostgreSQL: ``postgresql+psycopg://user@host/db``).  The URL is chosen as:

1. the ``url`` argument,
2. the ``WFM_DATABASE_URL`` environment variable,
3. ``sqlite:///<user data dir>/wfm.sqlite3`` (``platformdirs.user_data_dir("wfm")``).

Guarantees
----------
- One transaction per save: a save that fails or is interrupted (exception, killed
  process) leaves nothing behind; a roster is stored with all its shifts and breaks or
  not at all.
- Versions: every save under a name gets the next version (1, 2, ...), decided inside
  the writing transaction, so two processes saving at once never share a version.  On
  SQLite, writes take the write lock up front (``BEGIN IMMEDIATE``), the journal is
  WAL (readers never block the writer) and a busy timeout makes writers wait for each
  other instead of failing.
- The schema carries a version (table ``schema_version``); :data:`MIGRATIONS` is the
  ordered list of steps that bring an older database up to date when it is opened.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from wfm.errors import StoreError

__all__ = [
    "Store",
    "StoredRef",
    "StoredRoster",
    "default_url",
    "MIGRATIONS",
    "SCHEMA_VERSION",
]

ENV_VAR = "WFM_DATABASE_URL"
_BUSY_TIMEOUT_MS = 60_000


def default_url() -> str:
    """Database URL from ``WFM_DATABASE_URL`` or the SQLite file in the user data dir."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    import platformdirs

    folder = Path(platformdirs.user_data_dir("wfm", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'wfm.sqlite3'}"


# --------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)

scenarios = sa.Table(
    "scenarios",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("format", sa.String(10), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("parsed", sa.JSON, nullable=False),
    sa.Column("source", sa.Text),
    sa.UniqueConstraint("name", "version", name="uq_scenarios_name_version"),
)

forecasts = sa.Table(
    "forecasts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("scenario_id", sa.Integer, sa.ForeignKey("scenarios.id")),
    sa.Column("model", sa.String(100)),
    sa.Column("n_rows", sa.Integer, nullable=False),
    sa.UniqueConstraint("name", "version", name="uq_forecasts_name_version"),
)

forecast_rows = sa.Table(
    "forecast_rows",
    metadata,
    sa.Column("forecast_id", sa.Integer, sa.ForeignKey("forecasts.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("queue", sa.String(200), nullable=False),
    sa.Column("interval_start", sa.DateTime, nullable=False),
    sa.Column("calls", sa.Float, nullable=False),
    sa.Column("aht_s", sa.Float),
    sa.Column("calls_low", sa.Float),
    sa.Column("calls_high", sa.Float),
)



def _roster_columns() -> list[sa.Column]:
    """Columns of ``rosters`` as created by migration 1."""
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("scenario_id", sa.Integer, sa.ForeignKey("scenarios.id")),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("objective", sa.Float),
        sa.Column("bound", sa.Float),
        sa.Column("n_shifts", sa.Integer, nullable=False),
        sa.Column("n_breaks", sa.Integer, nullable=False),
        sa.Column("total_cost", sa.Float),
        sa.Column("published", sa.Boolean, nullable=False, default=False),
        sa.Column("published_at", sa.DateTime),
        sa.UniqueConstraint("name", "version", name="uq_rosters_name_version"),
    ]


rosters = sa.Table("rosters", metadata, *_roster_columns(), sa.Column("note", sa.Text))

roster_shifts = sa.Table(
    "roster_shifts",
    metadata,
    sa.Column("roster_id", sa.Integer, sa.ForeignKey("rosters.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("shift_id", sa.String(100), nullable=False),
    sa.Column("agent_id", sa.String(100), nullable=False),
    sa.Column("template", sa.String(200), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("start", sa.DateTime, nullable=False),
    sa.Column("end", sa.DateTime, nullable=False),
    sa.Column("paid_h", sa.Float, nullable=False),
    sa.Column("cost", sa.Float, nullable=False),
)

roster_breaks = sa.Table(
    "roster_breaks",
    metadata,
    sa.Column("roster_id", sa.Integer, sa.ForeignKey("rosters.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("shift_id", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("start", sa.DateTime, nullable=False),
    sa.Column("end", sa.DateTime, nullable=False),
    sa.Column("paid", sa.Boolean, nullable=False),
)

results = sa.Table(
    "results",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("scenario_id", sa.Integer, sa.ForeignKey("scenarios.id")),
    sa.Column("roster_id", sa.Integer, sa.ForeignKey("rosters.id")),
    sa.Column("kpis", sa.JSON, nullable=False),
    sa.Column("costs", sa.JSON),
    sa.UniqueConstraint("name", "version", name="uq_results_name_version"),
)

_VERSIONED = {"scenario": scenarios, "forecast": forecasts, "roster": rosters, "result": results}


# --------------------------------------------------------------------------------------
# Migrations: version -> function(connection).  Append, never edit a released step.
# --------------------------------------------------------------------------------------


def _m1_initial(conn: Connection) -> None:
    """Version 1: scenarios, forecasts, rosters (shifts, breaks), results."""
    for table in (schema_version, scenarios, forecasts, forecast_rows):
        table.create(conn, checkfirst=True)
    v1 = sa.MetaData()
    sa.Table("scenarios", v1, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("rosters", v1, *_roster_columns()).create(conn, checkfirst=True)
    for table in (roster_shifts, roster_breaks, results):
        table.create(conn, checkfirst=True)


def _m2_roster_note_and_agent_index(conn: Connection) -> None:
    """Version 2: a free-text note on rosters; index shifts by agent for per-agent exports."""
    conn.execute(sa.text("ALTER TABLE rosters ADD COLUMN note TEXT"))
    conn.execute(sa.text("CREATE INDEX ix_roster_shifts_agent ON roster_shifts (roster_id, agent_id)"))


#: Ordered migrations: (version, function).
MIGRATIONS: tuple[tuple[int, Callable[[Connection], None]], ...] = (
    (1, _m1_initial),
    (2, _m2_roster_note_and_agent_index),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRef:
    """Where a save went: ``kind`` ("scenario", ...), row ``id``, ``name`` and ``version``."""

    kind: str
    id: int
    name: str
    version: int


@dataclass(frozen=True)
class StoredRoster:
    """A roster read back: its row (status, cost, published ...), shifts and breaks."""

    ref: StoredRef
    meta: dict
    shifts: pd.DataFrame
    breaks: pd.DataFrame

    @property
    def published(self) -> bool:
        return bool(self.meta["published"])


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _json_safe(value: Any) -> Any:
    """Plain JSON: NaN/inf become None, NumPy scalars become Python numbers."""
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def _py(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


# --------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------


class Store:
    """A versioned store of scenarios, forecasts, rosters and plan results.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; default from :func:`default_url`.
    path : str or Path, optional
        SQLite file (shortcut for ``url="sqlite:///<path>"``).
    migrate : bool
        Bring the schema up to :data:`SCHEMA_VERSION` on opening (default True).
    """

    def __init__(self, url: str | None = None, *, path: str | Path | None = None,
                 migrate: bool = True):
        if url is not None and path is not None:
            raise StoreError("give either url or path, not both")
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{Path(path)}"
        self.url = url or default_url()
        try:
            self.engine: Engine = sa.create_engine(self.url, future=True)
        except Exception as exc:  # bad URL or missing driver: say which
            raise StoreError(f"cannot open database {self.url!r}: {exc}") from exc
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        if self.is_sqlite:
            _sqlite_setup(self.engine)
        if migrate:
            self.migrate()

    # ------------------------------------------------------------------ schema
    @property
    def schema_version(self) -> int:
        """Schema version of the database (0 when empty)."""
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("schema_version"):
                return 0
            return int(conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)

    def migrate(self, upto: int | None = None) -> int:
        """Apply the missing migrations (up to ``upto``), each in its own transaction.

        Returns the schema version reached.
        """
        upto = SCHEMA_VERSION if upto is None else upto
        for version, step in MIGRATIONS:
            if version > upto:
                break
            with self._write() as conn:
                inspector = sa.inspect(conn)
                current = 0
                if inspector.has_table("schema_version"):
                    current = int(
                        conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0
                    )
                if version <= current:
                    continue
                step(conn)
                conn.execute(schema_version.insert().values(version=version, applied_at=_now()))
        reached = self.schema_version
        if reached > SCHEMA_VERSION:
            raise StoreError(
                f"database schema version {reached} is newer than this wfm ({SCHEMA_VERSION})"
            )
        return reached

    def _write(self):
        """A connection in a write transaction (BEGIN IMMEDIATE on SQLite)."""
        return _WriteTx(self.engine)

    def _next_version(self, conn: Connection, table: sa.Table, name: str) -> int:
        current = conn.execute(
            sa.select(sa.func.max(table.c.version)).where(table.c.name == name)
        ).scalar()
        return int(current or 0) + 1

    def _save(self, kind: str, name: str, write: Callable[[Connection, int], int]) -> StoredRef:
        """Run ``write(conn, version) -> id`` in one transaction, retrying version races."""
        if not isinstance(name, str) or not name.strip():
            raise StoreError(f"a {kind} needs a non-empty name (got {name!r})")
        table = _VERSIONED[kind]
        for _attempt in range(20):
            try:
                with self._write() as conn:
                    version = self._next_version(conn, table, name)
                    row_id = write(conn, version)
                return StoredRef(kind, int(row_id), name, version)
            except IntegrityError as exc:
                # another writer took this version between our read and our insert
                # (possible on databases without a global write lock): try the next one
                if "version" not in str(exc.orig).lower() and "unique" not in str(exc.orig).lower():
                    raise StoreError(f"cannot save {kind} {name!r}: {exc.orig}") from exc
        raise StoreError(f"cannot save {kind} {name!r}: too many concurrent writers")

    # --------------------------------------------------------------- scenarios
    def save_scenario(self, scenario, *, name: str | None = None) -> StoredRef:
        """Store a :class:`wfm.scenarios.Scenario` (its file text and parsed form).

        The name defaults to ``scenario.name``; each save is a new version.
        """
        text = scenario.source_text
        fmt = "yaml"
        if text is None:
            import yaml

            text = yaml.safe_dump(_json_safe(scenario.to_dict()), sort_keys=False)
        elif scenario.source and str(scenario.source).lower().endswith(".toml"):
            fmt = "toml"
        parsed = _json_safe(scenario.to_dict())
        name = name or scenario.name

        def write(conn, version):
            return conn.execute(
                scenarios.insert().values(
                    name=name, version=version, created_at=_now(), format=fmt, text=text,
                    parsed=parsed, source=None if scenario.source is None else str(scenario.source),
                )
            ).inserted_primary_key[0]

        return self._save("scenario", name, write)

    def load_scenario(self, name: str, version: int | None = None):
        """Re-read a stored scenario from its text (relative paths from its original folder)."""
        from wfm.scenarios import scenario_from_text

        row = self._row(scenarios, name, version, "scenario")
        base = Path(row.source).resolve().parent if row.source else None
        return scenario_from_text(row.text, fmt=row.format, file=f"{name} v{row.version}",
                                  base_dir=base, source=row.source)

    # --------------------------------------------------------------- forecasts
    def save_forecast(self, frame: pd.DataFrame, name: str, *, scenario: StoredRef | None = None,
                      model: str | None = None) -> StoredRef:
        """Store a forecast frame (``queue``, ``interval_start``, ``calls``, ``aht_s`` ...)."""
        missing = [c for c in ("queue", "interval_start", "calls") if c not in frame.columns]
        if missing:
            raise StoreError(f"forecast frame lacks column(s) {missing}")
        cols = ["queue", "interval_start", "calls", "aht_s", "calls_low", "calls_high"]
        rows = [
            {c: _py(r.get(c)) for c in cols}
            for r in frame.reindex(columns=cols).to_dict("records")
        ]

        def write(conn, version):
            fid = conn.execute(
                forecasts.insert().values(
                    name=name, version=version, created_at=_now(), model=model,
                    scenario_id=None if scenario is None else scenario.id, n_rows=len(rows),
                )
            ).inserted_primary_key[0]
            if rows:
                conn.execute(forecast_rows.insert(), [{"forecast_id": fid, **r} for r in rows])
            return fid

        return self._save("forecast", name, write)

    def load_forecast(self, name: str, version: int | None = None) -> pd.DataFrame:
        """A stored forecast frame."""
        row = self._row(forecasts, name, version, "forecast")
        with self.engine.connect() as conn:
            out = pd.DataFrame(
                conn.execute(
                    sa.select(*[c for c in forecast_rows.c if c.name != "forecast_id"])
                    .where(forecast_rows.c.forecast_id == row.id)
                    .order_by(forecast_rows.c.queue, forecast_rows.c.interval_start)
                ).mappings().all(),
                columns=[c.name for c in forecast_rows.c if c.name != "forecast_id"],
            )
        out["interval_start"] = pd.to_datetime(out["interval_start"])
        for col in ("calls", "aht_s", "calls_low", "calls_high"):
            out[col] = out[col].astype(float)
        return out

    # ----------------------------------------------------------------- rosters
    def save_roster(self, result, name: str, *, scenario: StoredRef | None = None,
                    note: str | None = None) -> StoredRef:
        """Store a roster (a :class:`solver.result.SolveResult`) with all its shifts and breaks.

        Everything goes in one transaction: on any failure nothing is stored.
        """
        shifts = result.shifts
        breaks = result.breaks if result.breaks is not None else pd.DataFrame()
        shift_rows = [
            {
                "shift_id": str(r["shift_id"]),
                "agent_id": "" if r.get("agent_id") is None else str(r["agent_id"]),
                "template": str(r["template"]),
                "day": pd.Timestamp(r["day"]).date(),
                "start": pd.Timestamp(r["start"]).to_pydatetime(),
                "end": pd.Timestamp(r["end"]).to_pydatetime(),
                "paid_h": float(r["paid_h"]),
                "cost": float(r["cost"]),
            }
            for r in shifts.to_dict("records")
        ]
        break_rows = [
            {
                "shift_id": str(r["shift_id"]),
                "kind": str(r["kind"]),
                "name": str(r["name"]),
                "start": pd.Timestamp(r["start"]).to_pydatetime(),
                "end": pd.Timestamp(r["end"]).to_pydatetime(),
                "paid": bool(r["paid"]),
            }
            for r in breaks.to_dict("records")
        ]
        total = float(sum(r["cost"] for r in shift_rows))

        def write(conn, version):
            rid = conn.execute(
                rosters.insert().values(
                    name=name, version=version, created_at=_now(),
                    scenario_id=None if scenario is None else scenario.id,
                    status=str(result.status), objective=_py(float(result.objective)),
                    bound=_py(float(result.bound)), n_shifts=len(shift_rows),
                    n_breaks=len(break_rows), total_cost=total, published=False, note=note,
                )
            ).inserted_primary_key[0]
            _insert_shifts(conn, rid, shift_rows)
            _insert_breaks(conn, rid, break_rows)
            return rid

        return self._save("roster", name, write)

    def load_roster(self, name: str, version: int | None = None) -> StoredRoster:
        """A stored roster (latest version by default)."""
        row = self._row(rosters, name, version, "roster")
        with self.engine.connect() as conn:
            shifts = pd.DataFrame(
                conn.execute(
                    sa.select(*[c for c in roster_shifts.c if c.name != "roster_id"])
                    .where(roster_shifts.c.roster_id == row.id)
                    .order_by(roster_shifts.c.start, roster_shifts.c.shift_id)
                ).mappings().all(),
                columns=[c.name for c in roster_shifts.c if c.name != "roster_id"],
            )
            breaks = pd.DataFrame(
                conn.execute(
                    sa.select(*[c for c in roster_breaks.c if c.name != "roster_id"])
                    .where(roster_breaks.c.roster_id == row.id)
                    .order_by(roster_breaks.c.start, roster_breaks.c.shift_id)
                ).mappings().all(),
                columns=[c.name for c in roster_breaks.c if c.name != "roster_id"],
            )
        for frame in (shifts, breaks):
            for col in ("start", "end"):
                frame[col] = pd.to_datetime(frame[col])
        return StoredRoster(StoredRef("roster", row.id, row.name, row.version), dict(row._mapping),
                            shifts, breaks)

    def publish_roster(self, name: str, version: int | None = None) -> StoredRef:
        """Mark a roster version published (and the other versions of that name not)."""
        with self._write() as conn:
            row = self._row(rosters, name, version, "roster", conn=conn)
            conn.execute(
                rosters.update().where(rosters.c.name == name).values(published=False,
                                                                      published_at=None)
            )
            conn.execute(
                rosters.update().where(rosters.c.id == row.id).values(published=True,
                                                                      published_at=_now())
            )
        return StoredRef("roster", row.id, row.name, row.version)

    def published_roster(self, name: str) -> StoredRoster | None:
        """The published version of a roster, or None."""
        with self.engine.connect() as conn:
            v = conn.execute(
                sa.select(rosters.c.version).where(rosters.c.name == name,
                                                   rosters.c.published.is_(True))
            ).scalar()
        return None if v is None else self.load_roster(name, int(v))

    def diff_rosters(self, name: str, old: int, new: int | None = None) -> pd.DataFrame:
        """The agent-days that differ between two stored versions of a roster.

        Parameters
        ----------
        name : str
            Roster name.
        old, new : int
            Versions to compare (``new`` defaults to the latest).

        Returns
        -------
        DataFrame
            :data:`wfm.roster_diff.CHANGE_COLUMNS`: agent, day, kind of change, old and
            new shift with its breaks and activities.
        """
        from wfm.roster_diff import roster_changes

        a = self.load_roster(name, old)
        b = self.load_roster(name, new)
        return roster_changes(a.shifts, b.shifts, a.breaks, b.breaks)

    # ----------------------------------------------------------------- results
    def save_result(self, kpis: Mapping[str, Any], name: str, *, costs: Mapping | None = None,
                    scenario: StoredRef | None = None, roster: StoredRef | None = None) -> StoredRef:
        """Store the KPIs (and cost figures) of a plan."""

        def write(conn, version):
            return conn.execute(
                results.insert().values(
                    name=name, version=version, created_at=_now(), kpis=_json_safe(dict(kpis)),
                    costs=None if costs is None else _json_safe(dict(costs)),
                    scenario_id=None if scenario is None else scenario.id,
                    roster_id=None if roster is None else roster.id,
                )
            ).inserted_primary_key[0]

        return self._save("result", name, write)

    def load_result(self, name: str, version: int | None = None) -> dict:
        """KPIs and costs of a stored result, with its row fields."""
        return dict(self._row(results, name, version, "result")._mapping)

    def save_plan(self, plan, name: str | None = None) -> dict[str, StoredRef]:
        """Store a whole :class:`wfm.pipeline.PlanResult`: scenario, forecast, roster, KPIs.

        Each part is its own transaction; the roster is stored whole or not at all.
        """
        name = name or plan.scenario.name
        refs = {"scenario": self.save_scenario(plan.scenario, name=name)}
        if plan.forecast is not None:
            refs["forecast"] = self.save_forecast(plan.forecast, name, scenario=refs["scenario"])
        solved = plan.roster if plan.roster is not None else plan.shift_plan
        if solved is not None and solved.success:
            refs["roster"] = self.save_roster(solved, name, scenario=refs["scenario"])
        refs["result"] = self.save_result(
            plan.kpis, name, costs=plan.costs.summary() if plan.costs is not None else None,
            scenario=refs["scenario"], roster=refs.get("roster"),
        )
        return refs

    # ------------------------------------------------------------------- lists
    def list(self, kind: str) -> pd.DataFrame:
        """Every stored item of a kind ("scenario", "forecast", "roster", "result")."""
        if kind not in _VERSIONED:
            raise StoreError(f"unknown kind {kind!r}; expected one of {sorted(_VERSIONED)}")
        table = _VERSIONED[kind]
        cols = [c for c in table.c if c.name not in ("text", "parsed", "kpis", "costs")]
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(*cols).order_by(table.c.name, table.c.version)).mappings()
            return pd.DataFrame(rows.all(), columns=[c.name for c in cols])

    def _row(self, table, name, version, kind, conn=None):
        query = sa.select(table).where(table.c.name == name)
        query = (query.where(table.c.version == version) if version is not None
                 else query.order_by(table.c.version.desc()).limit(1))
        if conn is None:
            with self.engine.connect() as c:
                row = c.execute(query).first()
        else:
            row = conn.execute(query).first()
        if row is None:
            what = f"{kind} {name!r}" + ("" if version is None else f" version {version}")
            raise StoreError(f"no {what} in {self.url}")
        return row

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _insert_shifts(conn: Connection, roster_id: int, rows: list[dict]) -> None:
    if rows:
        conn.execute(roster_shifts.insert(), [{"roster_id": roster_id, **r} for r in rows])


def _insert_breaks(conn: Connection, roster_id: int, rows: list[dict]) -> None:
    if rows:
        conn.execute(roster_breaks.insert(), [{"roster_id": roster_id, **r} for r in rows])


class _WriteTx:
    """Context manager: a connection inside a write transaction, committed on success."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def __enter__(self) -> Connection:
        self.conn = self.engine.connect().execution_options(wfm_write=True)
        try:
            self.tx = self.conn.begin()
        except OperationalError as exc:
            self.conn.close()
            raise StoreError(f"database busy or unavailable: {exc.orig}") from exc
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.tx.commit()
            else:
                self.tx.rollback()
        finally:
            self.conn.close()
        return False


def _sqlite_setup(engine: Engine) -> None:
    """WAL journal, busy timeout, foreign keys, and explicit BEGIN (IMMEDIATE for writes)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        write = conn.get_execution_options().get("wfm_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

