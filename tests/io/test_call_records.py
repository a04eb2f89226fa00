"""Call-level records -> interval history, hand-counted on tiny files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from wfm.cli import app
from wfm.errors import DataError, InputError
from wfm.io import (
    ISRAELI_BANK_FIELDS,
    ColumnMapping,
    LoadReport,
    aggregate_records,
    estimate_patience,
    flag_burst_days,
    load_call_records,
    read_call_records,
)

HEADER = "\t".join(ISRAELI_BANK_FIELDS)


def _row(type_, vru_entry, vru_exit, vru_time, q_start, q_exit, q_time, outcome,
         ser_start, ser_exit, ser_time, date="990301", server="DANA", sep="\t"):
    fields = ["AA0101", "1", "0", "2", type_, date, vru_entry, vru_exit, str(vru_time),
              q_start, q_exit, str(q_time), outcome, ser_start, ser_exit, str(ser_time),
              server]
    return sep.join(fields)


Z = "0:00:00"

# 1999-03-01 (a Monday).  Hand-made calls; the comments give what each one must count as.
ROWS = [
    # interval 10:00, PS
    _row("PS", "10:00:02", "10:00:10", 8, "10:00:10", "10:00:25", 15, "AGENT",
         "10:00:25", "10:02:05", 100),                     # answered, wait 15 (within 20)
    _row("PS", "10:04:50", "10:05:00", 10, Z, Z, 0, "AGENT",
         "10:05:00", "10:08:20", 200),                     # answered without queueing, wait 0
    _row("PS", "10:09:55", "10:10:00", 5, "10:10:00", "10:11:00", 60, "HANG",
         Z, Z, 0, server="NO_SERVER"),                     # abandoned after 60 s
    _row("PS", "10:29:50", "10:29:59", 9, "10:29:59", "10:30:29", 30, "AGENT",
         "10:30:29", "10:35:29", 300),                     # answered, wait 30 (not within)
    # interval 10:30, PS
    _row("PS", "10:29:55", "10:30:00", 5, "10:30:00", "10:30:20", 20, "AGENT",
         "10:30:20", "10:30:20", 0),                       # answered within, 0 s talk
    _row("PS", "10:31:00", "10:31:30", 30, Z, Z, 0, "HANG",
         Z, Z, 0, server="NO_SERVER"),                     # ended in the VRU: not offered
    _row("PS", "10:40:00", "10:40:05", 5, "10:40:05", "10:41:05", 60, "PHANTOM",
         "10:41:05", "10:41:08", 3, server="NO_SERVER"),   # not a call
    _row("PS", "10:44:55", "10:45:00", 5, "10:45:00", "10:45:05", 5, "AGENT",
         "10:45:05", "13:15:05", 9000),                    # answered within, 2.5 h talk
    # NW, around midnight and other quirks
    _row("NW", "23:49:55", "23:50:00", 5, "23:50:00", "23:50:30", 30, "AGENT",
         "23:50:30", "0:10:30", 1200),                     # service wraps midnight
    _row("NW", "23:59:45", "23:59:50", 5, "23:59:50", "0:00:20", 30, "HANG",
         Z, Z, 0, server="NO_SERVER"),                     # queue wraps midnight, abandoned
    _row("NW", "23:59:50", "23:59:58", 8, "0:00:02", "0:00:40", 38, "HANG",
         Z, Z, 0, server="NO_SERVER"),                     # joins the queue after midnight
    _row("NW", "22:49:50", "22:50:00", 10, Z, Z, 0, "AGENT",
         "22:50:00", "0:05:00", 4500),                     # end < start, 75 min: implausible
    _row("NW", "12:00:30", "12:00:00", -30, Z, Z, 0, "AGENT",
         "12:00:00", "12:00:50", 50),                      # VRU exit before entry
    _row("NW", "12:10:00", "12:10:10", 10, Z, Z, 0, "AGENT",
         "12:10:10", "12:11:00", 50, sep="   "),           # space separated
]


@pytest.fixture
def records_file(tmp_path):
    path = tmp_path / "march.txt"
    path.write_text(HEADER + "\n" + "\n".join(ROWS) + "\n")
    return path


def _at(history, queue, start):
    row = history[(history["queue"] == queue)
                  & (history["interval_start"] == pd.Timestamp(start))]
    assert len(row) == 1
    return row.iloc[0]


def test_report_counts_every_quirk(records_file):
    _, report = load_call_records(records_file)
    assert report.rows_read == 14
    assert report.phantom_dropped == 1
    assert report.vru_only == 1
    assert report.offered == 12
    assert report.answered == 9
    assert report.abandoned == 3
    assert report.offered + report.phantom_dropped + report.vru_only == report.rows_read
    assert report.space_separated_rows == 1
    assert report.zero_talk_time == 1
    assert report.extreme_talk_time == 1
    assert report.midnight_wraps_fixed == 3
    assert report.end_before_start == 1
    assert report.vru_exit_before_entry == 1
    assert report.duration_mismatch == 0
    assert report.excluded_from_aht == 3
    assert report.files == (str(records_file),)


def test_interval_counts_by_hand(records_file):
    history, _ = load_call_records(records_file, interval_min=30, answer_within_s=20)
    ten = _at(history, "PS", "1999-03-01 10:00")
    assert (ten.calls, ten.answered, ten.abandoned, ten.answered_within_target) == (4, 3, 1, 2)
    assert ten.aht_s == pytest.approx((100 + 200 + 300) / 3)
    assert (ten.wait_abandoned_s, ten.wait_answered_s) == (60, 15 + 0 + 30)
    half = _at(history, "PS", "1999-03-01 10:30")
    assert (half.calls, half.answered, half.abandoned, half.answered_within_target) == (2, 2, 0, 2)
    assert np.isnan(half.aht_s)  # 0 s and 9000 s talk are both left out of the AHT
    late = _at(history, "NW", "1999-03-01 23:30")
    # 23:50 answered (1200 s), 23:59:50 abandoned, 23:59:58 abandoned
    assert (late.calls, late.answered, late.abandoned) == (3, 1, 2)
    assert late.aht_s == 1200
    assert late.wait_abandoned_s == 30 + 38
    eve = _at(history, "NW", "1999-03-01 22:30")
    assert (eve.calls, eve.answered) == (1, 1) and np.isnan(eve.aht_s)
    noon = _at(history, "NW", "1999-03-01 12:00")
    assert (noon.calls, noon.answered, noon.answered_within_target) == (2, 2, 2)
    assert noon.aht_s == 50


def test_totals_and_empty_intervals(records_file):
    history, report = load_call_records(records_file)
    assert history["calls"].sum() == report.offered
    assert history["answered"].sum() == report.answered
    assert history["abandoned"].sum() == report.abandoned
    assert (history["calls"] == history["answered"] + history["abandoned"]).all()
    # every 30-min interval of the recorded day, per queue
    assert len(history) == 2 * 48
    assert history.loc[history["calls"] == 0, "aht_s"].isna().all()


@pytest.mark.parametrize("interval_min, answer_within_s, calls, within", [
    (15, 20, 3, 2),   # 10:00-10:15: waits 15, 0 answered; 60 abandoned
    (30, 20, 4, 2),
    (60, 30, 6, 5),   # 10:00-11:00: answered waits 15, 0, 30, 20, 5
    (60, 0, 6, 1),
])
def test_interval_length_and_threshold(records_file, interval_min, answer_within_s, calls,
                                       within):
    history, _ = load_call_records(records_file, interval_min=interval_min,
                                   answer_within_s=answer_within_s)
    assert len(history) == 2 * 24 * 60 // interval_min
    row = _at(history, "PS", "1999-03-01 10:00")
    assert (row.calls, row.answered_within_target) == (calls, within)


def test_pooled_queue(records_file):
    history, _ = load_call_records(records_file, queues="pooled", pooled_name="bank")
    assert set(history["queue"]) == {"bank"}
    assert history["calls"].sum() == 12
    assert len(history) == 48


def test_midnight_wrap_moves_to_next_day(tmp_path):
    row = _row("PS", "23:59:55", "0:00:05", 86410 - 86400 + 0, "0:00:05", "0:00:15", 10,
               "AGENT", "0:00:15", "0:01:15", 60)
    path = tmp_path / "m.txt"
    path.write_text(HEADER + "\n" + row.replace("\t10\t", "\t10\t", 1) + "\n")
    history, report = load_call_records(path)
    # vru_time 10 confirms the crossing: the caller asked for an agent on March 2
    assert report.midnight_wraps_fixed == 1 and report.vru_exit_before_entry == 0
    day = history.loc[history["calls"] > 0, "interval_start"]
    assert day.tolist() == [pd.Timestamp("1999-03-02 00:00")]


def test_duration_mismatch_is_counted_and_recorded_value_used(tmp_path):
    row = _row("PS", "10:00:00", "10:00:05", 5, "10:00:05", "10:00:15", 10, "AGENT",
               "10:00:15", "10:01:15", 90)  # clock says 60 s, recorded 90 s
    path = tmp_path / "m.txt"
    path.write_text(HEADER + "\n" + row + "\n")
    history, report = load_call_records(path)
    assert report.duration_mismatch == 1
    assert history["aht_s"].dropna().tolist() == [90]


def test_extreme_threshold_is_a_parameter(records_file):
    _, report = load_call_records(records_file, max_talk_s=1000)
    assert report.extreme_talk_time == 3  # 9000 s, 1200 s and 4500 s
    # the 4500 s call also ends before it starts: counted once in the AHT exclusions
    assert report.end_before_start == 1
    assert report.excluded_from_aht == 4  # 0 s, 9000 s, 1200 s, 4500 s


def test_served_without_service_times(tmp_path):
    row = _row("PS", "10:00:00", "10:00:05", 5, Z, Z, 0, "AGENT", Z, Z, 0)
    path = tmp_path / "m.txt"
    path.write_text(HEADER + "\n" + row + "\n")
    history, report = load_call_records(path)
    assert report.served_without_start == 1 and report.zero_talk_time == 1
    assert history["answered"].sum() == 1 and history["aht_s"].isna().all()


def test_several_files_add_up(tmp_path, records_file):
    second = tmp_path / "april.txt"
    second.write_text(HEADER + "\n" + "\n".join(r.replace("990301", "990405")
                                                for r in ROWS) + "\n")
    history, report = load_call_records([records_file, second])
    assert report.rows_read == 28 and report.offered == 24
    assert history["interval_start"].dt.normalize().nunique() == 2
    dirwise, report2 = load_call_records(tmp_path)
    assert report2.rows_read == 28 and history.equals(dirwise)


def test_report_display(records_file):
    _, report = load_call_records(records_file)
    frame = report.to_frame()
    assert {"item", "count", "meaning"} <= set(frame.columns)
    assert frame.set_index("item").loc["phantom_dropped", "count"] == 1
    text = str(report)
    assert "PHANTOM" in text and "midnight" in text
    with pytest.raises(AttributeError):
        report.rows_read = 0  # frozen


def test_report_descriptions_cover_every_count():
    counts = {name for name, value in LoadReport().__dict__.items() if isinstance(value, int)}
    assert counts == set(LoadReport._DESCRIPTIONS)


# --------------------------------------------------------------- bad record files

def test_bad_clock_time(tmp_path):
    row = ROWS[0].replace("10:00:25\t15", "10:0025\t15")
    path = tmp_path / "m.txt"
    path.write_text(HEADER + "\n" + ROWS[1] + "\n" + row + "\n")
    with pytest.raises(DataError) as info:
        load_call_records(path)
    err = info.value
    assert (err.row, err.column, err.value) == (3, "q_exit", "10:0025")


def test_unknown_outcome(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text(HEADER + "\n" + ROWS[0].replace("AGENT", "LOST") + "\n")
    with pytest.raises(DataError, match="unknown outcome") as info:
        load_call_records(path)
    assert (info.value.row, info.value.column) == (2, "outcome")


def test_wrong_header(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("a\tb\tc\n1\t2\t3\n")
    with pytest.raises(DataError, match="17 fields"):
        load_call_records(path)


def test_short_row(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text(HEADER + "\n" + ROWS[0] + "\n" + ROWS[1].rsplit("\t", 1)[0] + "\n")
    with pytest.raises(DataError) as info:
        load_call_records(path)
    assert info.value.row == 3


def test_empty_and_latin1_record_files(tmp_path):
    empty = tmp_path / "e.txt"
    empty.write_text("")
    with pytest.raises(DataError, match="empty"):
        load_call_records(empty)
    latin = tmp_path / "l.txt"
    latin.write_bytes((HEADER + "\n" + ROWS[0].replace("DANA", "DANAé") + "\n")
                      .encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        load_call_records(latin)


def test_bad_parameters(records_file):
    with pytest.raises(InputError):
        load_call_records(records_file, interval_min=7)
    with pytest.raises(InputError):
        load_call_records(records_file, queues="priority")
    with pytest.raises(InputError):
        load_call_records(records_file, mapping="acme")


# ------------------------------------------------------------------ generic mapping

GENERIC = """id,skill,arrived,answered_at,ended_at,result
1,sales,2024-05-06 09:00:05,2024-05-06 09:00:15,2024-05-06 09:03:15,ok
2,sales,2024-05-06 09:10:00,,2024-05-06 09:11:30,lost
3,sales,2024-05-06 09:20:00,2024-05-06 09:20:40,2024-05-06 09:21:40,ok
4,sales,2024-05-06 09:25:00,,,test
5,support,2024-05-06 09:40:00,2024-05-06 09:40:00,2024-05-06 09:40:00,ok
"""

MAPPING = ColumnMapping(arrival="arrived", outcome="result", answered_values=("ok",),
                        abandoned_values=("lost",), ignore_values=("test",), queue="skill",
                        answered_at="answered_at", ended_at="ended_at")


def test_generic_mapping_by_hand(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(GENERIC)
    history, report = load_call_records(path, mapping=MAPPING, interval_min=30)
    assert (report.rows_read, report.phantom_dropped, report.offered) == (5, 1, 4)
    assert (report.answered, report.abandoned, report.zero_talk_time) == (3, 1, 1)
    sales = _at(history, "sales", "2024-05-06 09:00")
    assert (sales.calls, sales.answered, sales.abandoned) == (3, 2, 1)
    assert sales.answered_within_target == 1  # waits 10 s and 40 s
    assert sales.aht_s == pytest.approx((180 + 60) / 2)
    assert (sales.wait_abandoned_s, sales.wait_answered_s) == (90, 50)
    support = _at(history, "support", "2024-05-06 09:30")
    assert support.calls == 1 and np.isnan(support.aht_s)  # 0 s talk


def test_generic_mapping_errors(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(GENERIC.replace("2024-05-06 09:20:00", "not a time"))
    with pytest.raises(DataError) as info:
        load_call_records(path, mapping=MAPPING)
    assert (info.value.row, info.value.column) == (4, "arrived")
    path.write_text(GENERIC.replace("test", "weird"))
    with pytest.raises(DataError, match="unknown outcome"):
        load_call_records(path, mapping=MAPPING)
    path.write_text(GENERIC.replace(",", ";"))
    with pytest.raises(DataError, match="';'-separated"):
        load_call_records(path, mapping=MAPPING)
    with pytest.raises(InputError):
        ColumnMapping(arrival="arrived", talk_s="talk")  # no way to know waits


# ---------------------------------------------------------------------- patience

def test_patience_by_hand(records_file):
    records, _ = read_call_records(records_file)
    # queued waits: answered 15, 0, 30, 20, 5, 30, 0, 0, 0; abandoned 60, 30, 38
    exposure = (15 + 0 + 30 + 20 + 5 + 30) + (60 + 30 + 38)
    assert estimate_patience(records) == pytest.approx(exposure / 3)
    history, _ = load_call_records(records_file)
    assert estimate_patience(history) == pytest.approx(exposure / 3)


def test_patience_without_abandons_is_infinite():
    frame = pd.DataFrame({"outcome": ["answered"], "wait_s": [12.0]})
    assert estimate_patience(frame) == float("inf")
    with pytest.raises(DataError, match="cannot estimate patience"):
        estimate_patience(pd.DataFrame({"calls": [1]}))


def test_patience_recovers_exponential_mean():
    # Exponential patience (mean 300 s) censored by exponential waits for an agent
    # (mean 200 s): the censored MLE is consistent.
    rng = np.random.default_rng(7)
    patience = rng.exponential(300.0, 20_000)
    service_wait = rng.exponential(200.0, 20_000)
    abandoned = patience < service_wait
    frame = pd.DataFrame({"outcome": np.where(abandoned, "abandoned", "answered"),
                          "wait_s": np.minimum(patience, service_wait)})
    assert estimate_patience(frame) == pytest.approx(300.0, rel=0.05)


# ---------------------------------------------------------------------- bursts

def _burst_records(spike_hours):
    mondays = pd.date_range("1999-03-01", periods=5, freq="7D")
    arrivals = []
    for k, day in enumerate(mondays):
        for hour in range(8, 21):
            n = 10
            if k == 2 and hour in spike_hours:
                n = 300
            if k == 3 and hour == 9:
                n = 400  # one busy hour on another Monday: not a burst
            arrivals += [day + pd.Timedelta(hours=hour, minutes=m % 60) for m in range(n)]
    return pd.DataFrame({"arrival": arrivals})


def test_burst_day_flagged_by_rule():
    flagged = flag_burst_days(_burst_records({18, 19}))
    assert flagged == [pd.Timestamp("1999-03-15")]


def test_single_busy_hour_not_flagged():
    assert flag_burst_days(_burst_records({18})) == []
    assert flag_burst_days(_burst_records({18}), min_hours=1) == [
        pd.Timestamp("1999-03-15"), pd.Timestamp("1999-03-22")]


def test_aggregate_without_fill(records_file):
    records, _ = read_call_records(records_file)
    sparse = aggregate_records(records, fill_days=False)
    assert (sparse["calls"] > 0).all()
    assert sparse["calls"].sum() == 12


# ------------------------------------------------------------------------- CLI

def test_load_calls_writes_history_and_prints_report(tmp_path):
    records = tmp_path / "march.txt"
    records.write_text(HEADER + "\n" + "\n".join(ROWS) + "\n")
    out = tmp_path / "history.csv"
    report = tmp_path / "report.csv"
    result = CliRunner().invoke(app, ["load-calls", str(records), "-o", str(out), "--pooled",
                                      "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "phantom_dropped" in result.output and "wrote 48 intervals" in result.output
    history = pd.read_csv(out)
    assert history["calls"].sum() == 12 and set(history["queue"]) == {"bank"}
    counts = pd.read_csv(report).set_index("item")["count"]
    assert counts["rows_read"] == 14 and counts["midnight_wraps_fixed"] == 3


def test_load_calls_bad_file_is_a_wfm_error(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("")
    result = CliRunner().invoke(app, ["load-calls", str(bad), "-o", str(tmp_path / "h.csv")])
    assert result.exit_code != 0
    assert "empty file" in str(result.exception)


def test_non_integer_duration(tmp_path):
    path = tmp_path / "m.txt"
    row = ROWS[2].replace("\t60\tHANG", "\tsixty\tHANG")
    path.write_text(HEADER + "\n" + ROWS[0] + "\n\n" + row + "\n")
    with pytest.raises(DataError) as info:
        load_call_records(path)
    assert (info.value.row, info.value.column, info.value.value) == (4, "q_time", "sixty")


def test_fast_and_careful_readers_agree(records_file):
    from wfm.io import _israeli_careful, _israeli_fast

    text = records_file.read_text()
    fast = _israeli_fast(text)
    careful = _israeli_careful(text, records_file)
    assert fast is not None  # the quirks of the sample do not need the careful reader
    assert fast["n"] == careful["n"] == 14 and fast["spaced"] == careful["spaced"] == 1
    for key in ("outcome", "day", "type", "priority"):
        np.testing.assert_array_equal(fast[key], careful[key])
    for group in ("sec", "dur"):
        for name, values in fast[group].items():
            np.testing.assert_array_equal(values, careful[group][name])


def test_file_without_offered_calls(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text(HEADER + "\n" + ROWS[5] + "\n" + ROWS[6] + "\n")  # VRU-only, PHANTOM
    with pytest.raises(DataError, match="no call offered to agents") as info:
        load_call_records(path)
    assert "1 not real calls" in str(info.value) and info.value.file == str(path)


def test_mapping_as_dict(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(GENERIC)
    as_dict = dict(arrival="arrived", outcome="result", answered_values=["ok"],
                   abandoned_values=["lost"], ignore_values=["test"], queue="skill",
                   answered_at="answered_at", ended_at="ended_at")
    history, _ = load_call_records(path, mapping=as_dict)
    expected, _ = load_call_records(path, mapping=MAPPING)
    pd.testing.assert_frame_equal(history, expected)
    with pytest.raises(InputError, match="unknown"):
        load_call_records(path, mapping={**as_dict, "colour": "x"})


def _israeli_rows(tmp_path, rows):
    from wfm.io import ISRAELI_BANK_FIELDS

    header = "\t".join(ISRAELI_BANK_FIELDS)
    path = tmp_path / "january.txt"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def _service_row(call_id, priority, kind, minute):
    return (f"AA0101\t{call_id}\t0\t{priority}\t{kind}\t990104\t9:{minute:02d}:00\t9:{minute:02d}:05"
            f"\t5\t9:{minute:02d}:05\t9:{minute:02d}:15\t10\tAGENT\t9:{minute:02d}:15"
            f"\t9:{minute + 2:02d}:15\t120\tDANA")


def test_service_types_map_to_the_centres_queues(tmp_path):
    from wfm.io import load_call_records

    path = _israeli_rows(tmp_path, [_service_row(1, 0, "PS", 0), _service_row(2, 2, "PS", 1), _service_row(3, 2, "PE", 2),
                                    _service_row(4, 1, "TT", 3), _service_row(5, 2, "NW", 4), _service_row(6, 0, "NE", 5),
                                    _service_row(7, 0, "IN", 6)])
    history, report = load_call_records(path, queues="service")
    calls = history.groupby("queue")["calls"].sum().to_dict()
    # priority 2 makes retail calls premium, not the other services' calls
    assert calls == {"retail": 2, "premium": 2, "new_customers": 1, "stocks": 1, "internet": 1}
    assert report.offered == 7


def test_unknown_service_type_is_named(tmp_path):
    from wfm.io import load_call_records

    path = _israeli_rows(tmp_path, [_service_row(1, 0, "PS", 0), _service_row(2, 0, "XX", 1)])
    with pytest.raises(DataError, match="service type") as err:
        load_call_records(path, queues="service")
    assert "XX" in str(err.value) and "january.txt" in str(err.value)
