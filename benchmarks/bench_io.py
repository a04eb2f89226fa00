"""Speed of loading the Israeli bank call records (9 months, 318,286 rows).

Run: ``python benchmarks/bench_io.py``.  Needs ``../shared/data`` beside the repository.

Compares, in the same run, :func:`wfm.io.load_call_records` with two baselines that
compute the same pooled 30-min counts (offered, answered, abandoned):

* ``per-row loop``: the csv module, one Python iteration and one ``datetime`` per call
  (what a straightforward loader does);
* ``pandas, string times``: ``read_csv`` then ``pd.to_timedelta`` on the clock strings.

The totals of every method are checked to agree before any time is printed.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
import time
from collections import defaultdict
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wfm.io import load_call_records, shared_calls_dir  # noqa: E402


def _files() -> list[Path]:
    files = sorted(shared_calls_dir().glob("*.txt"))
    if not files:
        raise SystemExit(f"no record files in {shared_calls_dir()}")
    return files


def per_row_loop(files):
    counts = defaultdict(lambda: [0, 0, 0])
    for path in files:
        with open(path, newline="") as fh:
            reader = csv.reader(fh, delimiter="\t")
            next(reader)
            for fields in reader:
                if len(fields) != 17:  # space-separated rows
                    fields = " ".join(fields).split()
                outcome = fields[12]
                if outcome == "PHANTOM":
                    continue
                queued = fields[9] != "0:00:00"
                if outcome == "HANG" and not queued:
                    continue
                day = dt.datetime.strptime(fields[5], "%y%m%d")
                h, m, s = (int(x) for x in fields[7].split(":"))
                entry = [int(x) for x in fields[6].split(":")]
                arrival = day + dt.timedelta(hours=h, minutes=m, seconds=s)
                if (h, m, s) < tuple(entry) and int(fields[8]) > 0:
                    arrival += dt.timedelta(days=1)
                key = arrival.replace(minute=arrival.minute // 30 * 30, second=0)
                c = counts[key]
                c[0] += 1
                c[1] += outcome == "AGENT"
                c[2] += outcome == "HANG"
    return counts


def pandas_string_times(files):
    raw = pd.concat([pd.read_csv(p, sep=r"\s+", dtype=str) for p in files], ignore_index=True)
    raw = raw[raw["outcome"] != "PHANTOM"]
    raw = raw[(raw["outcome"] == "AGENT") | (raw["q_start"] != "0:00:00")]
    day = pd.to_datetime(raw["date"], format="%y%m%d")
    exit_ = pd.to_timedelta(raw["vru_exit"])
    entry = pd.to_timedelta(raw["vru_entry"])
    wrap = (exit_ < entry) & (pd.to_numeric(raw["vru_time"]) > 0)
    arrival = day + exit_ + pd.to_timedelta(wrap.astype(int), unit="D")
    frame = pd.DataFrame({"start": arrival.dt.floor("30min"), "calls": 1,
                          "answered": (raw["outcome"] == "AGENT").astype(int),
                          "abandoned": (raw["outcome"] == "HANG").astype(int)})
    return frame.groupby("start").sum()


def _time(fn, repeat):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    files = _files()
    t_loop, loop = _time(lambda: per_row_loop(files), 1)
    t_pd, pdf = _time(lambda: pandas_string_times(files), 2)
    t_wfm, (history, report) = _time(
        lambda: load_call_records(files, queues="pooled", interval_min=30), 3)

    # same totals from every method
    busy = history[history["calls"] > 0].set_index("interval_start")
    loop_frame = pd.DataFrame.from_dict(loop, orient="index",
                                        columns=["calls", "answered", "abandoned"]).sort_index()
    for name, other in (("per-row loop", loop_frame), ("pandas", pdf)):
        for col in ("calls", "answered", "abandoned"):
            mine = busy[col].astype(int)
            theirs = other[col].reindex(mine.index).fillna(0).astype(int)
            if not (mine.equals(theirs) and other[col].sum() == mine.sum()):
                raise SystemExit(f"{name} disagrees with wfm.io on {col}")

    rows = report.rows_read
    print(f"call records: {len(files)} files, {rows:,} rows; "
          f"{report.offered:,} offered calls -> {len(history):,} intervals")
    print(f"{'method':<34}{'time [s]':>10}{'rows/s':>12}{'speed-up':>10}")
    for name, t in (("per-row loop (baseline)", t_loop), ("pandas, string times", t_pd),
                    ("wfm.io.load_call_records", t_wfm)):
        print(f"{name:<34}{t:>10.2f}{rows / t:>12,.0f}{t_loop / t:>9.1f}x")
    print("wfm.io also counts every quirk, checks every field and builds all 9 history "
          "columns; the baselines only count calls.")


if __name__ == "__main__":
    main()
