"""Last week's shifts read from a file: validated, named errors."""

from __future__ import annotations

import pandas as pd
import pytest

from wfm.errors import DataError
from wfm.io import load_shifts


def write(tmp_path, text, name="last_week.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_reads_a_roster_file(tmp_path):
    p = write(tmp_path, "agent_id,day,start,end,paid_h\n"
                        "A2,2024-01-07,2024-01-07 15:00,2024-01-07 23:00,7.5\n"
                        "A1,2024-01-06,2024-01-06 22:00,2024-01-07 06:00,8\n")
    out = load_shifts(p)
    assert list(out.columns) == ["agent_id", "start", "end", "paid_h"]
    assert list(out["agent_id"]) == ["A1", "A2"]
    assert out["end"].iloc[0] == pd.Timestamp("2024-01-07 06:00")
    assert out["paid_h"].tolist() == [8.0, 7.5]


def test_paid_hours_are_optional(tmp_path):
    p = write(tmp_path, "agent_id,start,end\nA1,2024-01-07 08:00,2024-01-07 16:00\n")
    assert load_shifts(p)["paid_h"].isna().all()


@pytest.mark.parametrize("text, where", [
    ("start,end\n2024-01-07 08:00,2024-01-07 16:00\n", "column 'agent_id'"),
    ("agent_id,start,end\nA1,2024-01-07 08:00,soon\n", "row 2, column 'end'.*unparsable"),
    ("agent_id,start,end\n,2024-01-07 08:00,2024-01-07 16:00\n", "row 2, column 'agent_id'"),
    ("agent_id,start,end\nA1,2024-01-07 08:00,2024-01-07 16:00\n"
     "A1,2024-01-07 18:00,2024-01-07 17:00\n", "row 3, column 'end'.*end after"),
    ("agent_id,start,end\nA1,2024-01-07 08:00,2024-01-07 16:00\n"
     "A2,2024-01-07 08:00,2024-01-07 16:00\n"
     "A1,2024-01-07 15:00,2024-01-07 20:00\n", "row 4, column 'start'.*A1.*overlaps"),
])
def test_bad_files_are_named(tmp_path, text, where):
    p = write(tmp_path, text)
    with pytest.raises(DataError, match=f"last_week.csv, {where}" if "row" in where else where):
        load_shifts(p)
