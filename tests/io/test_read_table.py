"""wfm.io.read_table: the one reader of plan, shift and requirement files."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from wfm.cli import app
from wfm.errors import DataError
from wfm.io import read_table


def test_reads_every_kind_and_parses_times(tmp_path):
    frame = pd.DataFrame({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:30"], "x": [1, 2]})
    for name, write in (("a.csv", frame.to_csv), ("a.parquet", frame.to_parquet),
                        ("a.xlsx", frame.to_excel)):
        write(tmp_path / name, index=False)
        out = read_table(tmp_path / name, times=("interval_start",))
        assert out["interval_start"].iloc[1] == pd.Timestamp("2026-03-02 08:30")


def test_bad_time_is_named_not_coerced(tmp_path):
    f = tmp_path / "req.csv"
    f.write_text("interval_start,staff_needed\n2026-03-02 08:00,3\nlunchtime,4\n")
    with pytest.raises(DataError, match=r"req\.csv, row 3, column 'interval_start'.*lunchtime"):
        read_table(f, times=("interval_start",))


def test_schedule_command_names_a_bad_time(tmp_path):
    f = tmp_path / "req.csv"
    f.write_text("interval_start,staff_needed\n2026-03-02 08:00,3\nlunchtime,4\n")
    res = CliRunner().invoke(app, ["schedule", str(f), "--templates", str(f), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code != 0
    assert "lunchtime" in str(res.exception)


def test_unknown_suffix_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="unknown file type"):
        read_table(tmp_path / "x.json")
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "nothing.csv")
