"""load_history: round trips through CSV / Parquet / Excel and every bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wfm.errors import DataError, InputError
from wfm.frames import HISTORY_COLUMNS
from wfm.io import load_history


def _history(n=6, queues=("sales", "support")):
    starts = pd.date_range("2024-03-04 08:00", periods=n, freq="30min")
    rows = []
    for k, q in enumerate(queues):
        for i, t in enumerate(starts):
            rows.append({"queue": q, "interval_start": t, "calls": float(10 * k + i),
                         "aht_s": 180.0 + i, "abandoned": float(i % 2)})
    return pd.DataFrame(rows)


def _write_csv(tmp_path, text, name="h.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


GOOD = (
    "queue,interval_start,calls,aht_s\n"
    "sales,2024-03-04 08:00,10,180\n"
    "sales,2024-03-04 08:30,12,175.5\n"
    "sales,2024-03-04 09:00,0,\n"
)


# --------------------------------------------------------------------- round trips

@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_round_trip(tmp_path, suffix):
    frame = _history()
    path = tmp_path / f"history{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_excel(path, index=False)
    loaded = load_history(path)
    assert list(loaded.columns[:4]) == list(HISTORY_COLUMNS)
    expected = frame.sort_values(["queue", "interval_start"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(loaded[expected.columns], expected, check_dtype=False)


def test_csv_with_missing_aht_where_no_calls(tmp_path):
    loaded = load_history(_write_csv(tmp_path, GOOD))
    assert loaded["calls"].tolist() == [10, 12, 0]
    assert np.isnan(loaded["aht_s"].iloc[2])
    assert loaded["aht_s"].iloc[1] == 175.5


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    loaded = load_history(_write_csv(tmp_path, GOOD, encoding="utf-8-sig"))
    assert len(loaded) == 3


def test_semicolon_file_reads_with_sep(tmp_path):
    path = _write_csv(tmp_path, GOOD.replace(",", ";"))
    assert len(load_history(path, sep=";")) == 3


def test_queue_selects_one_queue(tmp_path):
    path = tmp_path / "h.csv"
    _history().to_csv(path, index=False)
    loaded = load_history(path, queue="support")
    assert set(loaded["queue"]) == {"support"}
    assert len(loaded) == 6


def test_queue_names_a_file_without_queue_column(tmp_path):
    path = _write_csv(tmp_path, "interval_start,calls,aht_s\n2024-01-01 08:00,3,100\n"
                                "2024-01-01 08:15,4,90\n")
    assert set(load_history(path, queue="main")["queue"]) == {"main"}
    assert set(load_history(path)["queue"]) == {"default"}


def test_column_map(tmp_path):
    path = _write_csv(tmp_path, "Skill,Start,Offered,AHT\nA,2024-01-01 08:00,3,100\n"
                                "A,2024-01-01 08:15,4,90\n")
    loaded = load_history(path, column_map={"queue": "Skill", "interval_start": "Start",
                                            "calls": "Offered", "aht_s": "AHT"})
    assert loaded["calls"].tolist() == [3, 4]
    assert loaded["interval_start"].iloc[1] == pd.Timestamp("2024-01-01 08:15")


def test_excel_sheet_by_name(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="notes", index=False)
        _history().to_excel(writer, sheet_name="history", index=False)
    assert len(load_history(path, sheet="history")) == 12
    with pytest.raises(DataError, match="no sheet 'missing'"):
        load_history(path, sheet="missing")


# ---------------------------------------------------------------------- bad inputs

def _error(path, **kw) -> DataError:
    with pytest.raises(DataError) as info:
        load_history(path, **kw)
    return info.value


def test_missing_column(tmp_path):
    path = _write_csv(tmp_path, "queue,interval_start,aht_s\nsales,2024-03-04 08:00,180\n")
    err = _error(path)
    assert err.file == str(path) and err.column == "calls"
    assert "missing column" in str(err) and str(path) in str(err)


def test_negative_calls(tmp_path):
    path = _write_csv(tmp_path, GOOD.replace("08:30,12,", "08:30,-12,"))
    err = _error(path)
    assert (err.row, err.column, err.value) == (3, "calls", -12)
    assert "row 3" in str(err) and "-12" in str(err)


@pytest.mark.parametrize("aht", ["0", "-5"])
def test_aht_not_positive(tmp_path, aht):
    path = _write_csv(tmp_path, GOOD.replace("08:00,10,180", f"08:00,10,{aht}"))
    err = _error(path)
    assert (err.row, err.column, err.value) == (2, "aht_s", float(aht))
    assert "> 0" in str(err)


def test_duplicated_interval(tmp_path):
    path = _write_csv(tmp_path, GOOD + "sales,2024-03-04 08:30,7,170\n")
    err = _error(path)
    assert (err.row, err.column) == (5, "interval_start")
    assert "duplicated" in str(err) and "08:30" in str(err)


def test_irregular_spacing(tmp_path):
    path = _write_csv(tmp_path, GOOD + "sales,2024-03-04 09:07,7,170\n")
    err = _error(path)
    assert (err.row, err.column) == (5, "interval_start")
    assert "irregular" in str(err) and "09:07" in str(err)


def test_unparsable_time(tmp_path):
    path = _write_csv(tmp_path, GOOD.replace("2024-03-04 08:30", "tomorrow morning"))
    err = _error(path)
    assert (err.row, err.column, err.value) == (3, "interval_start", "tomorrow morning")


def test_non_numeric_calls(tmp_path):
    path = _write_csv(tmp_path, GOOD.replace("08:30,12,", "08:30,twelve,"))
    err = _error(path)
    assert (err.row, err.column, err.value) == (3, "calls", "twelve")


def test_empty_file(tmp_path):
    path = _write_csv(tmp_path, "")
    assert "empty file" in str(_error(path))


def test_header_only_file(tmp_path):
    path = _write_csv(tmp_path, "queue,interval_start,calls,aht_s\n")
    assert "empty" in str(_error(path))


@pytest.mark.parametrize("sep, name", [(";", "';'"), ("\t", "tab"), ("|", "'|'")])
def test_wrong_delimiter(tmp_path, sep, name):
    path = _write_csv(tmp_path, GOOD.replace(",", sep))
    err = _error(path)
    assert f"{name}-separated" in str(err) and str(path) in str(err)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_file(tmp_path, encoding):
    path = _write_csv(tmp_path, GOOD, encoding=encoding)
    err = _error(path)
    assert "UTF-16" in str(err) and "not UTF-8" in str(err) and err.file == str(path)


def test_latin1_file(tmp_path):
    text = GOOD.replace("sales", "ventes_été")
    path = _write_csv(tmp_path, text, encoding="latin-1")
    err = _error(path)
    assert "not UTF-8" in str(err) and "0xe9" in str(err)
    assert err.row == 2 and err.file == str(path)


def test_unknown_queue(tmp_path):
    err = _error(_write_csv(tmp_path, GOOD), queue="billing")
    assert (err.column, err.value) == ("queue", "billing")
    assert "sales" in str(err)


def test_unknown_suffix(tmp_path):
    path = _write_csv(tmp_path, GOOD, name="h.json")
    assert "unknown file type" in str(_error(path))


def test_missing_file(tmp_path):
    assert "not found" in str(_error(tmp_path / "nope.csv"))


def test_corrupt_parquet_and_excel(tmp_path):
    for name in ("h.parquet", "h.xlsx"):
        path = _write_csv(tmp_path, GOOD, name=name)
        assert "cannot read as" in str(_error(path))


def test_column_map_errors(tmp_path):
    path = _write_csv(tmp_path, GOOD)
    with pytest.raises(InputError, match="column_map"):
        load_history(path, column_map={"volume": "calls"})
    err = _error(path, column_map={"calls": "Offered"})
    assert err.column == "Offered"
