"""The shipped demo history and the function that rebuilds it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wfm.io import (
    ISRAELI_BANK_FIELDS,
    demo_history_path,
    estimate_patience,
    load_history,
    make_demo_history,
)


def test_demo_history_is_shipped_small_and_valid():
    path = demo_history_path()
    assert path.name == "demo_history.csv" and path.exists()
    assert path.stat().st_size < 5 * 1024 * 1024
    history = load_history(path)
    assert set(history["queue"]) == {"bank"}
    steps = history["interval_start"].diff().dropna()
    assert (steps >= pd.Timedelta(minutes=30)).all()
    assert (steps.value_counts().idxmax()) == pd.Timedelta(minutes=30)
    # identities of the aggregation
    assert (history["calls"] == history["answered"] + history["abandoned"]).all()
    assert (history["answered_within_target"] <= history["answered"]).all()
    assert history.loc[history["answered"] == 0, "aht_s"].isna().all()
    # whole days: 48 intervals for every day present
    per_day = history.groupby(history["interval_start"].dt.normalize()).size()
    assert (per_day == 48).all()
    assert history["interval_start"].min() == pd.Timestamp("1999-01-01")
    assert history["interval_start"].max() == pd.Timestamp("1999-07-31 23:30")


def test_demo_patience_is_minutes_not_seconds_or_hours():
    history = load_history(demo_history_path())
    patience = estimate_patience(history)
    assert 60 < patience < 3600  # Brown et al. (2005) report a few minutes


def test_make_demo_history_from_a_small_folder(tmp_path):
    header = "\t".join(ISRAELI_BANK_FIELDS)
    rows = [
        "AA0101\t1\t0\t2\tPS\t990104\t9:00:00\t9:00:05\t5\t9:00:05\t9:00:15\t10\tAGENT"
        "\t9:00:15\t9:02:15\t120\tDANA",
        "AA0101\t2\t0\t2\tNW\t990104\t9:10:00\t9:10:05\t5\t9:10:05\t9:11:05\t60\tHANG"
        "\t0:00:00\t0:00:00\t0\tNO_SERVER",
    ]
    (tmp_path / "january.txt").write_text(header + "\n" + "\n".join(rows) + "\n")
    out = tmp_path / "demo.csv"
    history, report = make_demo_history(tmp_path, out, months=["january"])
    assert report.offered == 2
    assert len(history) == 48 and set(history["queue"]) == {"bank"}
    again = load_history(out)
    row = again[again["interval_start"] == pd.Timestamp("1999-01-04 09:00")].iloc[0]
    assert (row.calls, row.answered, row.abandoned, row.answered_within_target) == (2, 1, 1, 1)
    assert row.aht_s == 120
    assert np.isnan(again["aht_s"]).sum() == 47
