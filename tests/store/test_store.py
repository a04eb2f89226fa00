"""The store: versions, round trips, publishing, migrations, transactions, concurrency."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import wfm.store as store_mod
from solver.result import SolveResult
from wfm.errors import StoreError
from wfm.scenarios import load_scenario
from wfm.store import SCHEMA_VERSION, Store, default_url

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo_scenario.yaml"
FORK = multiprocessing.get_context("fork")


def _roster(n_agents: int = 3, tag: str = "") -> SolveResult:
    """A small hand-made roster: each agent works Mon 08:00-16:30 with two breaks."""
    day = pd.Timestamp("2024-03-04")
    shifts, breaks = [], []
    for i in range(n_agents):
        sid = f"s{i}{tag}"
        start = day + pd.Timedelta(hours=8 + i)
        shifts.append(
            {"shift_id": sid, "agent_id": f"=A{i}", "template": "day", "day": day.date(),
             "start": start, "end": start + pd.Timedelta(minutes=510), "paid_h": 8.0,
             "cost": 160.0 + i}
        )
        breaks.append({"shift_id": sid, "kind": "break", "name": "lunch",
                       "start": start + pd.Timedelta(hours=4),
                       "end": start + pd.Timedelta(hours=4, minutes=30), "paid": False})
        breaks.append({"shift_id": sid, "kind": "break", "name": "coffee",
                       "start": start + pd.Timedelta(hours=2),
                       "end": start + pd.Timedelta(hours=2, minutes=15), "paid": True})
    return SolveResult(status="OPTIMAL", objective=481.0 + n_agents, bound=480.0,
                       shifts=pd.DataFrame(shifts), breaks=pd.DataFrame(breaks))


@pytest.fixture
def db(tmp_path):
    with Store(path=tmp_path / "wfm.sqlite3") as s:
        yield s


def test_url_from_environment_and_default(monkeypatch, tmp_path):
    monkeypatch.setenv("WFM_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert Store().url == f"sqlite:///{tmp_path / 'env.db'}"
    assert (tmp_path / "env.db").exists()
    monkeypatch.delenv("WFM_DATABASE_URL")
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(tmp_path / "ud"))
    assert default_url() == f"sqlite:///{tmp_path / 'ud' / 'wfm.sqlite3'}"


def test_bad_url_is_a_store_error():
    with pytest.raises(StoreError, match="nosuchdb"):
        Store("nosuchdb://x")


def test_scenario_versions_and_round_trip(db):
    s = load_scenario(DEMO)
    r1 = db.save_scenario(s)
    r2 = db.save_scenario(s)
    assert (r1.name, r1.version, r2.version) == ("demo", 1, 2)
    back = db.load_scenario("demo")
    assert back == s  # same text, same folder -> equal scenario
    assert db.load_scenario("demo", 1) == s
    listing = db.list("scenario")
    assert list(listing["version"]) == [1, 2]
    with pytest.raises(StoreError, match="no scenario 'demo' version 3"):
        db.load_scenario("demo", 3)


def test_forecast_round_trip(db):
    fc = pd.DataFrame({
        "queue": ["bank"] * 4,
        "interval_start": pd.date_range("2024-03-04 08:00", periods=4, freq="30min"),
        "calls": [10.0, 12.5, 0.0, 7.0],
        "aht_s": [200.0, 210.0, float("nan"), 190.0],
        "calls_low": [8.0, 10.0, 0.0, 5.0],
        "calls_high": [12.0, 15.0, 0.0, 9.0],
    })
    ref = db.save_forecast(fc, "march", model="seasonal_naive")
    back = db.load_forecast("march", ref.version)
    pd.testing.assert_frame_equal(back, fc, check_dtype=False)


def test_roster_round_trip_and_publish(db):
    r1 = db.save_roster(_roster(3), "week10")
    r2 = db.save_roster(_roster(4), "week10", note="after volume update")
    got = db.load_roster("week10")
    assert got.ref.version == 2 and len(got.shifts) == 4 and len(got.breaks) == 8
    assert got.meta["note"] == "after volume update"
    assert got.meta["total_cost"] == sum(160.0 + i for i in range(4))
    assert got.shifts["start"].iloc[0] == pd.Timestamp("2024-03-04 08:00")
    assert db.published_roster("week10") is None
    db.publish_roster("week10", r1.version)
    assert db.published_roster("week10").ref.version == 1
    db.publish_roster("week10", r2.version)  # publishing v2 un-publishes v1
    assert db.published_roster("week10").ref.version == 2
    assert not db.load_roster("week10", 1).published


def test_result_round_trip_keeps_nan_as_null(db):
    db.save_result({"weekly_cost": 1234.5, "service_level_sim": float("nan")}, "demo",
                   costs={"total": 1234.5})
    row = db.load_result("demo")
    assert row["kpis"] == {"weekly_cost": 1234.5, "service_level_sim": None}
    assert row["costs"]["total"] == 1234.5


def test_failed_save_leaves_no_half_roster(db, monkeypatch):
    def boom(conn, roster_id, rows):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_mod, "_insert_breaks", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        db.save_roster(_roster(3), "week10")
    monkeypatch.undo()
    assert db.list("roster").empty
    with db.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store_mod.roster_shifts)).scalar() == 0
    assert db.save_roster(_roster(2), "week10").version == 1


def _killed_writer(path):
    """Child: dies (no exception, no cleanup) after inserting the roster row and its shifts."""

    def die(conn, roster_id, rows):
        os._exit(3)

    store_mod._insert_breaks = die
    Store(path=path).save_roster(_roster(5), "week10")
    os._exit(0)  # pragma: no cover - not reached


def test_killed_process_leaves_no_half_roster(tmp_path):
    path = tmp_path / "wfm.sqlite3"
    Store(path=path).close()
    child = FORK.Process(target=_killed_writer, args=(path,))
    child.start()
    child.join(60)
    assert child.exitcode == 3
    with Store(path=path) as db:
        assert db.list("roster").empty
        with db.engine.connect() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(store_mod.roster_shifts)).scalar()
        assert n == 0
        assert db.save_roster(_roster(1), "week10").version == 1


def _writer(path, worker, n, queue):
    try:
        with Store(path=path) as db:
            for i in range(n):
                db.save_roster(_roster(2 + (i % 3), tag=f"w{worker}i{i}"), "shared")
                db.save_result({"worker": worker, "i": i}, f"r{worker}")
        queue.put(("ok", worker))
    except Exception as exc:  # pragma: no cover - reported to the parent
        queue.put(("error", repr(exc)))


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "wfm.sqlite3"
    Store(path=path).close()
    n_workers, n = 3, 8
    queue = FORK.Queue()
    procs = [FORK.Process(target=_writer, args=(path, w, n, queue)) for w in range(n_workers)]
    for p in procs:
        p.start()
    seen_versions = []
    with Store(path=path) as reader:  # reads while the writers write
        while any(p.is_alive() for p in procs):
            listing = reader.list("roster")
            if len(listing):
                latest = reader.load_roster("shared")
                # a roster is never visible half-written
                assert len(latest.shifts) == latest.meta["n_shifts"]
                assert len(latest.breaks) == latest.meta["n_breaks"]
                seen_versions.append(int(listing["version"].max()))
        for p in procs:
            p.join(120)
        outcomes = [queue.get(timeout=5) for _ in procs]
        assert all(o[0] == "ok" for o in outcomes), outcomes
        listing = reader.list("roster")
        assert sorted(listing["version"]) == list(range(1, n_workers * n + 1))
        for v in listing["version"]:
            r = reader.load_roster("shared", int(v))
            assert len(r.shifts) == r.meta["n_shifts"] and len(r.breaks) == 2 * len(r.shifts)
        results = reader.list("result")
        assert len(results) == n_workers * n
        for w in range(n_workers):
            assert sorted(results.loc[results["name"] == f"r{w}", "version"]) == list(range(1, n + 1))
    assert seen_versions == sorted(seen_versions)  # versions only grow


def test_migrations_upgrade_an_old_database(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = Store(path=path, migrate=False)
    assert old.schema_version == 0
    assert old.migrate(upto=1) == 1
    with old.engine.connect() as conn:
        cols = {c["name"] for c in sa.inspect(conn).get_columns("rosters")}
    assert "note" not in cols
    old.save_scenario(load_scenario(DEMO))
    old.close()
    with Store(path=path) as new:
        assert new.schema_version == SCHEMA_VERSION == 2
        with new.engine.connect() as conn:
            cols = {c["name"] for c in sa.inspect(conn).get_columns("rosters")}
            idx = {i["name"] for i in sa.inspect(conn).get_indexes("roster_shifts")}
        assert "note" in cols and "ix_roster_shifts_agent" in idx
        assert new.load_scenario("demo").name == "demo"
        assert new.migrate() == 2  # idempotent


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    with Store(path=path) as db, db.engine.begin() as conn:
        conn.execute(store_mod.schema_version.insert().values(version=99, applied_at=store_mod._now()))
    with pytest.raises(StoreError, match="newer"):
        Store(path=path)


def test_wal_mode_on_files(db):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
