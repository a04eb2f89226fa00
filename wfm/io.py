"""Loading data: interval history files and call-level records.

Two entry points:

* :func:`load_history` reads an interval history (CSV, Parquet or Excel) into the
  history frame of :mod:`wfm.frames` and validates it.
* :func:`load_call_records` aggregates call-level records (one row per call) into the
  same frame, per queue and interval, and returns a :class:`LoadReport` that counts
  every quirk met and every row excluded, with its reason.

A ready reader handles the call records of an Israeli bank's call centre (1999,
Brown et al. 2005); other record files are described by a :class:`ColumnMapping`.

References
----------
.. [1] Brown, L., Gans, N., Mandelbaum, A., Sakov, A., Shen, H., Zeltyn, S. and Zhao, L.
   (2005). Statistical analysis of a telephone call center: a queueing-science
   perspective. *Journal of the American Statistical Association* 100(469), 36-50.
   https://doi.org/10.1198/016214504000001808
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from wfm.errors import DataError, InputError
from wfm.frames import HISTORY_COLUMNS, HISTORY_OPTIONAL, validate_history

__all__ = [
    "load_history",
    "load_shifts",
    "load_call_records",
    "aggregate_records",
    "read_call_records",
    "estimate_patience",
    "flag_burst_days",
    "ColumnMapping",
    "LoadReport",
    "ISRAELI_BANK_FIELDS",
    "RECORD_COLUMNS",
    "PATIENCE_COLUMNS",
    "shared_calls_dir",
    "demo_history_path",
    "make_demo_history",
    "make_demo_queue_history",
    "DEMO_QUEUES",
    "demo_queue_history_path",
    "ISRAELI_SERVICE_QUEUES",
    "ISRAELI_PREMIUM_PRIORITY",
]

#: Queue of each Israeli bank service type with ``queues="service"`` (the types as
#: Brown et al. 2005 describe them): PS regular banking and PE the same in English are
#: ``retail``; TT, customers the bank calls back after they left a message, are retail
#: customers too; AA (a handful of unlabelled calls) goes with them; IN internet
#: banking is ``internet``; NE stock-exchange activity is ``stocks``; NW prospective
#: customers asking for information are ``new_customers``.
ISRAELI_SERVICE_QUEUES = {"PS": "retail", "PE": "retail", "TT": "retail", "AA": "retail",
                          "IN": "internet", "NE": "stocks", "NW": "new_customers"}
#: Priority of the bank's high-priority customers: with ``queues="service"`` their
#: retail calls form the ``premium`` queue (priorities 0 and 1 are regular customers).
ISRAELI_PREMIUM_PRIORITY = 2

#: Extra per-interval columns produced by :func:`load_call_records`, used to estimate
#: patience: summed waits [s] of callers who abandoned and of callers who were answered.
PATIENCE_COLUMNS = ("wait_abandoned_s", "wait_answered_s")

#: Columns of the normalised call-record frame (one row per call offered to agents).
RECORD_COLUMNS = ("queue", "arrival", "outcome", "wait_s", "talk_s", "use_talk")

#: The 17 fields of the Israeli bank call records, in file order.
ISRAELI_BANK_FIELDS = (
    "vru+line",
    "call_id",
    "customer_id",
    "priority",
    "type",
    "date",
    "vru_entry",
    "vru_exit",
    "vru_time",
    "q_start",
    "q_exit",
    "q_time",
    "outcome",
    "ser_start",
    "ser_exit",
    "ser_time",
    "server",
)

_HISTORY_SUFFIXES = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
                     ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel"}
_OTHER_DELIMITERS = (";", "\t", "|")


# ---------------------------------------------------------------------------------------
# raw file checks shared by every text reader
# ---------------------------------------------------------------------------------------

def _table_kind(path: Path) -> str:
    """"csv", "parquet" or "excel" by the file's suffix, or a DataError naming the file."""
    kind = _HISTORY_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DataError(
            f"unknown file type {path.suffix!r}: expected one of {sorted(_HISTORY_SUFFIXES)}",
            file=str(path),
        )
    return kind


def _read_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 (a UTF-8 byte-order mark is accepted).

    Raises
    ------
    DataError
        Missing or empty file, UTF-16 / UTF-32 text, or bytes that are not UTF-8 (the
        message gives the line and the byte).
    """
    if not path.exists():
        raise DataError("file not found", file=str(path))
    if path.is_dir():
        raise DataError("is a directory, not a file", file=str(path))
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError("empty file", file=str(path))
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                      (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if raw.startswith(bom):
            raise DataError(f"file is {name} encoded (byte-order mark found), not UTF-8; "
                            "save it as UTF-8", file=str(path))
    if b"\x00" in raw[:4096]:
        raise DataError("file contains NUL bytes: it looks UTF-16 encoded, not UTF-8; "
                        "save it as UTF-8", file=str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start : exc.start + 1]
        raise DataError(
            f"file is not UTF-8: byte 0x{byte.hex()} at offset {exc.start} cannot be decoded "
            "(Latin-1 or Windows-1252 text?); save it as UTF-8",
            file=str(path), row=line, value=raw[max(0, exc.start - 10): exc.start + 10],
        ) from None
    return text.removeprefix("\ufeff")


def _check_delimiter(frame: pd.DataFrame, sep: str, path: Path) -> None:
    """A frame read with ``sep`` that has one column while the header holds another
    delimiter was read with the wrong one: say which."""
    if frame.shape[1] != 1:
        return
    header = str(frame.columns[0])
    for other in _OTHER_DELIMITERS:
        if other != sep and other in header:
            shown = "tab" if other == "\t" else repr(other)
            raise DataError(
                f"the file is {shown}-separated, not {sep!r}-separated: read as a single "
                f"column; pass sep={other!r}",
                file=str(path), row=1, value=header,
            )


def _read_csv_text(text: str, path: Path, *, sep: str, dtype=None) -> pd.DataFrame:
    from io import StringIO

    try:
        frame = pd.read_csv(StringIO(text), sep=sep, dtype=dtype, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataError("empty file", file=str(path)) from None
    except pd.errors.ParserError as exc:
        raise DataError(f"cannot parse as {sep!r}-separated text: {exc}", file=str(path)) from None
    _check_delimiter(frame, sep, path)
    return frame


# ---------------------------------------------------------------------------------------
# interval history
# ---------------------------------------------------------------------------------------

def read_table(path: str | Path, *, sheet: str | int | None = None, sep: str = ",",
               times: Sequence[str] = ()) -> pd.DataFrame:
    """Read a CSV (UTF-8), Parquet or Excel file by its suffix, with the loaders' checks.

    Parameters
    ----------
    path : str or Path
        ``.csv``/``.txt``, ``.parquet``/``.pq`` or ``.xlsx``/``.xlsm``/``.xls`` file.
    sheet : str or int, optional
        Excel sheet (default: the first).
    sep : str
        CSV delimiter; a file that reads as one column under another delimiter is refused.
    times : sequence of str
        Columns to parse as times; each must be present and every value parsable.

    Raises
    ------
    DataError
        Missing or empty file, unknown suffix, wrong encoding or delimiter, a missing time
        column, an unparsable time (naming the file line, column and value).
    """
    path = Path(path)
    kind = _table_kind(path)
    if not path.exists():
        raise DataError("file not found", file=str(path))
    if kind == "csv":
        frame = _read_csv_text(_read_text(path), path, sep=sep)
    elif kind == "parquet":
        frame = _read_binary(path, lambda: pd.read_parquet(path), "Parquet")
    else:
        frame = _read_excel(path, sheet)
    return parse_time_columns(frame, times, file=str(path))


def parse_time_columns(frame: pd.DataFrame, columns: Sequence[str], *,
                       file: str | None = None) -> pd.DataFrame:
    """Parse ``columns`` of a frame read from ``file`` as times, in place; nothing coerced.

    Raises
    ------
    DataError
        A missing column, or the first unparsable value with its file line (header = 1).
    """
    for col in columns:
        if col not in frame.columns:
            raise DataError(f"missing column '{col}'; found {list(map(str, frame.columns))}",
                            file=file, column=col)
        parsed = pd.to_datetime(frame[col], errors="coerce", format="mixed")
        bad = parsed.isna()
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError("unparsable time", file=file, row=pos + 2, column=col,
                            value=frame[col].iloc[pos], has_value=True)
        frame[col] = parsed
    return frame


def load_shifts(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read the shifts of a roster already worked or published (e.g. last week's).

    Parameters
    ----------
    path : str or Path
        CSV, Parquet or Excel with one row per shift: ``agent_id``, ``start``, ``end``
        (date and time; ``end`` may fall on the next day), optionally ``paid_h`` and any
        other column (``wfm roster --shifts`` and ``wfm roster -o`` files both qualify).
    sheet : str or int, optional
        Excel sheet.

    Returns
    -------
    DataFrame
        ``agent_id`` (str), ``start``, ``end`` (Timestamps), ``paid_h`` (NaN where the
        file has none), sorted by agent and start.

    Raises
    ------
    DataError
        A missing column, an empty agent id, an unparsable time, a shift that does not
        end after it starts, or two shifts of one agent that overlap, naming the file
        line (header = 1), column and value.
    """
    path = Path(path)
    frame = read_table(path, sheet=sheet)
    if "agent_id" not in frame.columns:
        raise DataError(f"missing column 'agent_id'; found {list(map(str, frame.columns))}",
                        file=str(path), column="agent_id")
    frame = parse_time_columns(frame.copy(), ["start", "end"], file=str(path))
    ids = frame["agent_id"].astype("string").str.strip()
    empty = ids.isna() | (ids == "")
    if empty.any():
        pos = int(np.flatnonzero(empty.to_numpy())[0])
        raise DataError("empty agent id", file=str(path), row=pos + 2, column="agent_id",
                        value=frame["agent_id"].iloc[pos], has_value=True)
    backwards = ~(frame["end"] > frame["start"])
    if backwards.any():
        pos = int(np.flatnonzero(backwards.to_numpy())[0])
        raise DataError("a shift must end after it starts", file=str(path), row=pos + 2,
                        column="end", value=frame["end"].iloc[pos])
    paid = (pd.to_numeric(frame["paid_h"], errors="coerce") if "paid_h" in frame.columns
            else pd.Series(np.nan, index=frame.index))
    out = pd.DataFrame({"agent_id": ids.astype(str), "start": frame["start"],
                        "end": frame["end"], "paid_h": paid.astype(float), "_line": frame.index + 2})
    out = out.sort_values(["agent_id", "start"], kind="stable")
    same = out["agent_id"].eq(out["agent_id"].shift())
    overlap = same & (out["start"] < out["end"].shift())
    if overlap.any():
        r = out[overlap].iloc[0]
        raise DataError(f"agent {r['agent_id']}: shift overlaps the one before it",
                        file=str(path), row=int(r["_line"]), column="start", value=r["start"])
    return out.drop(columns="_line").reset_index(drop=True)


def load_history(
    path: str | Path,
    *,
    queue: str | None = None,
    column_map: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    sep: str = ",",
) -> pd.DataFrame:
    """Read and validate an interval history file.

    Parameters
    ----------
    path : str or Path
        ``.csv`` (UTF-8 text), ``.parquet`` or ``.xlsx`` file with the columns of
        :data:`wfm.frames.HISTORY_COLUMNS` (``queue`` optional) and optionally
        ``abandoned``, ``answered``, ``answered_within_target``.
    queue : str, optional
        If the file has a ``queue`` column, keep only this queue (an unknown queue is
        an error).  If it has none, the name given to its single queue (default
        ``"default"``).
    column_map : mapping, optional
        ``{history column: file column}``, e.g. ``{"calls": "Offered", "aht_s": "AHT"}``.
    sheet : str or int, optional
        Excel sheet name or 0-based index (default: the first sheet).
    sep : str, default ","
        Field delimiter of a CSV file.  A file read as one column whose header holds
        ``;``, tab or ``|`` is rejected with a message naming the delimiter.

    Returns
    -------
    DataFrame
        The validated history frame (see :func:`wfm.frames.validate_history`).

    Raises
    ------
    DataError
        Empty file, wrong encoding or delimiter, missing column, unknown queue,
        negative calls, AHT <= 0, duplicated or irregular intervals, unparsable
        times; the message names the file, row (file line, header = 1), column and
        value.
    """
    path = Path(path)
    kind = _table_kind(path)
    if kind == "csv":  # queue names stay text ("007" is not 7)
        frame = _read_csv_text(_read_text(path), path, sep=sep, dtype={"queue": str})
    else:
        frame = read_table(path, sheet=sheet)
    if column_map:
        frame = _apply_column_map(frame, column_map, path)
    if "queue" not in frame.columns and queue is not None:
        frame.insert(0, "queue", queue)
    frame = validate_history(frame, file=str(path))
    if queue is not None:
        known = frame["queue"].unique()
        if queue not in known:
            raise DataError(f"unknown queue; the file has {sorted(map(str, known))}",
                            file=str(path), column="queue", value=queue)
        frame = frame[frame["queue"] == queue].reset_index(drop=True)
    return frame


def _read_binary(path: Path, reader, what: str) -> pd.DataFrame:
    if not path.exists():
        raise DataError("file not found", file=str(path))
    if path.stat().st_size == 0:
        raise DataError("empty file", file=str(path))
    try:
        return reader()
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read as {what}: {exc}", file=str(path)) from None
    except Exception as exc:  # pyarrow / openpyxl raise their own error types
        raise DataError(f"cannot read as {what}: {type(exc).__name__}: {exc}",
                        file=str(path)) from None


def _read_excel(path: Path, sheet: str | int | None) -> pd.DataFrame:
    if not path.exists():
        raise DataError("file not found", file=str(path))
    if path.stat().st_size == 0:
        raise DataError("empty file", file=str(path))
    try:
        book = pd.ExcelFile(path)
    except Exception as exc:
        raise DataError(f"cannot read as Excel: {type(exc).__name__}: {exc}",
                        file=str(path)) from None
    with book:
        name = 0 if sheet is None else sheet
        if isinstance(name, str) and name not in book.sheet_names:
            raise DataError(f"no sheet {name!r}; the workbook has {book.sheet_names}",
                            file=str(path), value=name)
        if isinstance(name, int) and not 0 <= name < len(book.sheet_names):
            raise DataError(f"no sheet number {name}; the workbook has {book.sheet_names}",
                            file=str(path), value=name)
        frame = book.parse(name, dtype={"queue": str})
    if frame.empty and len(frame.columns) == 0:
        raise DataError("empty sheet", file=str(path), value=name)
    return frame


def _apply_column_map(frame: pd.DataFrame, column_map: Mapping[str, str], path: Path):
    known = set(HISTORY_COLUMNS) | set(HISTORY_OPTIONAL)
    rename = {}
    for target, source in column_map.items():
        if target not in known:
            raise InputError("column_map", dict(column_map),
                             f"keys among the history columns {sorted(known)}; got {target!r}")
        if source not in frame.columns:
            raise DataError(
                f"column {source!r} (mapped to {target!r}) not found; "
                f"found {list(map(str, frame.columns))}",
                file=str(path), column=source,
            )
        rename[source] = target
    return frame.rename(columns=rename)


# ---------------------------------------------------------------------------------------
# call-level records
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnMapping:
    """How to read a generic call-record file (one row per call, a header line).

    Each call needs a queue arrival time and an outcome: answered, abandoned, or a
    value listed in ``ignore_values`` (not a real call: dropped and counted).

    Parameters
    ----------
    arrival : str
        Column with the date-time at which the caller asks for an agent.
    outcome : str, optional
        Column with the call's outcome.  Without it, a call is answered when
        ``answered_at`` is filled (or ``talk_s`` > 0), abandoned otherwise.
    answered_values, abandoned_values, ignore_values : tuple of str
        Outcome values meaning answered, abandoned (hung up while waiting), or not a
        real call.  Any other value is an error.
    queue : str, optional
        Column naming the queue; without it every call is in one queue.
    wait_s : str, optional
        Column with the seconds waited (until answer, or until hang-up).
    answered_at : str, optional
        Column with the answer date-time; gives the wait of answered calls when
        ``wait_s`` is absent.
    ended_at : str, optional
        Column with the end date-time (end of talk, or hang-up); gives the talk time
        when ``talk_s`` is absent and the wait of abandoned calls when ``wait_s`` is
        absent.
    talk_s : str, optional
        Column with the talk (handle) time in seconds of answered calls.
    sep : str, default ","
        Field delimiter (``r"\\s+"`` for any whitespace).
    time_format : str, optional
        ``strftime`` format of the date-time columns (default: inferred).
    """

    arrival: str
    outcome: str | None = None
    answered_values: tuple[str, ...] = ("answered",)
    abandoned_values: tuple[str, ...] = ("abandoned",)
    ignore_values: tuple[str, ...] = ()
    queue: str | None = None
    wait_s: str | None = None
    answered_at: str | None = None
    ended_at: str | None = None
    talk_s: str | None = None
    sep: str = ","
    time_format: str | None = None

    def __post_init__(self):
        if self.wait_s is None and self.answered_at is None:
            raise InputError("ColumnMapping", self, "wait_s or answered_at to know the waits")
        if self.talk_s is None and (self.ended_at is None or self.answered_at is None):
            raise InputError("ColumnMapping", self,
                             "talk_s, or both answered_at and ended_at, to know talk times")
        for name in ("answered_values", "abandoned_values", "ignore_values"):
            object.__setattr__(self, name, tuple(getattr(self, name)))


@dataclass(frozen=True)
class LoadReport:
    """What happened to every call record read by :func:`load_call_records`.

    Every row read ends in exactly one of: offered to agents (``offered``), a
    PHANTOM / ignored record (``phantom_dropped``), a call that ended in the
    voice-response unit without asking for an agent (``vru_only``).  The other counts
    describe quirks met and fixed, and calls kept but excluded from the AHT.

    Attributes
    ----------
    files : tuple of str
        Files read.
    rows_read : int
        Data rows read (header lines not counted).
    phantom_dropped : int
        Records that are not real calls (outcome PHANTOM or an ignored value).
    vru_only : int
        Calls that hung up in the voice-response unit before asking for an agent
        (never queued, never served): not offered to agents.
    offered, answered, abandoned : int
        Calls offered to agents, answered by an agent, abandoned while waiting.
    space_separated_rows : int
        Rows whose fields were separated by spaces instead of tabs (read all the same).
    zero_talk_time : int
        Answered calls with a talk time of 0 s: counted as answered, excluded from AHT.
    extreme_talk_time : int
        Answered calls longer than ``max_talk_s``: counted as answered, excluded from AHT.
    midnight_wraps_fixed : int
        Records with a clock time past midnight (end before start on the clock) whose
        recorded duration confirms the crossing; times moved to the next day.
    end_before_start : int
        Answered calls whose service end is before its start on the clock and the
        crossing is implausible (longer than ``max_wrap_s``): excluded from AHT.
    vru_exit_before_entry : int
        Records whose voice-response-unit exit precedes its entry (negative
        ``vru_time``); the queue arrival (``vru_exit``) is used as recorded.
    duration_mismatch : int
        Records whose recorded ``q_time`` / ``ser_time`` differ from the clock times
        (after fixing midnight wraps); the recorded durations are used.
    served_without_start : int
        Answered calls whose service start is the ``0:00:00`` "never served" marker.
    excluded_from_aht : int
        Answered calls left out of the AHT for any of the reasons above (a call may
        have several, so this is not the sum of those counts).
    burst_days : tuple of str
        Days (ISO dates) flagged by :func:`flag_burst_days`: kept, not dropped.
    max_talk_s : float
        Threshold of ``extreme_talk_time`` [s].
    """

    files: tuple[str, ...] = ()
    rows_read: int = 0
    phantom_dropped: int = 0
    vru_only: int = 0
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    space_separated_rows: int = 0
    zero_talk_time: int = 0
    extreme_talk_time: int = 0
    midnight_wraps_fixed: int = 0
    end_before_start: int = 0
    vru_exit_before_entry: int = 0
    duration_mismatch: int = 0
    served_without_start: int = 0
    excluded_from_aht: int = 0
    burst_days: tuple[str, ...] = ()
    max_talk_s: float = 7200.0

    _DESCRIPTIONS = {
        "rows_read": "data rows read",
        "phantom_dropped": "PHANTOM / ignored records dropped (not real calls)",
        "vru_only": "ended in the voice-response unit, never asked for an agent",
        "offered": "calls offered to agents",
        "answered": "answered by an agent",
        "abandoned": "abandoned while waiting",
        "space_separated_rows": "rows separated by spaces instead of tabs (read)",
        "zero_talk_time": "answered with 0 s talk time (excluded from AHT)",
        "extreme_talk_time": "answered with extreme talk time (excluded from AHT)",
        "midnight_wraps_fixed": "times past midnight moved to the next day",
        "end_before_start": "service end before start, not a midnight crossing "
        "(excluded from AHT)",
        "vru_exit_before_entry": "voice-response exit before entry (kept as recorded)",
        "duration_mismatch": "recorded duration differs from clock times (recorded used)",
        "served_without_start": "answered, service start is the 0:00:00 marker",
        "excluded_from_aht": "answered calls kept in the counts, left out of the AHT",
    }

    def to_frame(self) -> pd.DataFrame:
        """One row per count: ``item``, ``count``, ``meaning``."""
        rows = [(name, getattr(self, name), self._DESCRIPTIONS[name])
                for name in self._DESCRIPTIONS]
        rows.append(("burst_days", len(self.burst_days),
                     "days with an abnormal burst (flagged, kept): "
                     + (", ".join(self.burst_days) or "none")))
        return pd.DataFrame(rows, columns=["item", "count", "meaning"])

    def __str__(self) -> str:
        frame = self.to_frame()
        width = max(len(str(c)) for c in frame["count"])
        lines = [f"call records: {len(self.files)} file(s)"]
        lines += [f"  {c:>{width}}  {m}" for c, m in zip(frame["count"], frame["meaning"],
                                                          strict=True)]
        return "\n".join(lines)


def _clock_seconds(values: pd.Series, path: Path, column: str, lines) -> np.ndarray:
    """``H:MM:SS`` / ``HH:MM:SS`` strings -> seconds since midnight (vectorised).

    A value that is not a clock time is a DataError naming file, line, column, value.
    """
    arr = values.to_numpy(dtype=str)
    n = len(arr)
    try:
        raw = arr.astype("S9")
    except UnicodeEncodeError:
        pos = next(i for i, v in enumerate(arr) if not v.isascii())
        raise DataError("not a clock time H:MM:SS", file=str(path), row=int(lines[pos]),
                        column=column, value=values.iloc[pos]) from None
    buf = raw.view(np.uint8).reshape(n, 9) if n else np.zeros((0, 9), np.uint8)
    length = (buf != 0).sum(axis=1)
    ok = (length == 7) | (length == 8)
    idx = np.arange(n)
    last = np.where(ok, length, 8)

    def digit(offset):
        d = buf[idx, np.clip(last - offset, 0, 8)].astype(np.int64) - ord("0")
        return d, (d >= 0) & (d <= 9)

    s1, ok1 = digit(1)
    s10, ok2 = digit(2)
    m1, ok3 = digit(4)
    m10, ok4 = digit(5)
    h1, ok5 = digit(7)
    h10, ok6 = digit(8)
    two_digit_hour = length == 8
    colons = (buf[idx, np.clip(last - 3, 0, 8)] == ord(":")) & (
        buf[idx, np.clip(last - 6, 0, 8)] == ord(":"))
    ok &= ok1 & ok2 & ok3 & ok4 & ok5 & colons & (~two_digit_hour | ok6)
    ok &= (s10 < 6) & (m10 < 6)
    hours = h1 + np.where(two_digit_hour, 10 * h10, 0)
    ok &= hours < 48
    if not ok.all():
        pos = int(np.flatnonzero(~ok)[0])
        raise DataError("not a clock time H:MM:SS", file=str(path), row=int(lines[pos]),
                        column=column, value=values.iloc[pos])
    return hours * 3600 + (10 * m10 + m1) * 60 + 10 * s10 + s1


def _int_column(values: pd.Series, path: Path, column: str, lines) -> np.ndarray:
    if pd.api.types.is_integer_dtype(values):
        return values.to_numpy(dtype=np.int64)
    nums = pd.to_numeric(values, errors="coerce")
    bad = nums.isna() | (nums != np.round(nums))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError("not an integer", file=str(path), row=int(lines[pos]), column=column,
                        value=values.iloc[pos])
    return nums.to_numpy(dtype=np.int64)


class _FileLines:
    """File line number (header = line 1) of the i-th data row, computed on demand."""

    def __init__(self, text: str):
        self._text = text
        self._lines: np.ndarray | None = None

    def __getitem__(self, pos: int) -> int:
        if self._lines is None:
            nonblank = [bool(s.strip()) for s in self._text.splitlines()]
            self._lines = np.flatnonzero(nonblank)[1:] + 1
        return int(self._lines[pos])


def _arrow_clock_seconds(array) -> np.ndarray | None:
    """Seconds since midnight of an Arrow string array of ``H:MM:SS`` times, read
    straight from its byte buffer; None if any value is not such a time."""
    if array.null_count:
        return None
    n = len(array)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset: array.offset + n + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)
    end = offsets[1:].astype(np.int64)
    length = end - offsets[:-1]
    if n == 0 or not np.isin(length, (7, 8)).all():
        return None
    top = len(data) - 1

    def at(back):
        return data[np.clip(end - back, 0, top)].astype(np.int64)

    digits = [at(k) - ord("0") for k in (1, 2, 4, 5, 7)]
    ok = np.all([(d >= 0) & (d <= 9) for d in digits], axis=0)
    ok &= (at(3) == ord(":")) & (at(6) == ord(":"))
    two = length == 8
    h10 = np.where(two, at(8) - ord("0"), 0)
    ok &= (h10 >= 0) & (h10 <= 4)
    s1, s10, m1, m10, h1 = digits
    hours = 10 * h10 + h1
    ok &= (s10 < 6) & (m10 < 6) & (hours < 48)
    if not ok.all():
        return None
    return hours * 3600 + (10 * m10 + m1) * 60 + 10 * s10 + s1


_CLOCKS = ("vru_entry", "vru_exit", "q_start", "q_exit", "ser_start", "ser_exit")
_DURATIONS = ("vru_time", "q_time", "ser_time")
_OUTCOMES = ("AGENT", "HANG", "PHANTOM")


def _israeli_fast(text: str) -> dict | None:
    """Parse the records with Arrow's CSV reader; None on anything unusual (the careful
    reader then finds and names the problem)."""
    import io

    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pacsv

    spaced = 0
    if " " in text:
        lines = text.split("\n")
        for i in range(1, len(lines)):
            line = lines[i]
            if " " in line:
                spaced += " " in line.strip()
                lines[i] = "\t".join(line.split())
        text = "\n".join(lines)
    types = {c: (pa.int64() if c in _DURATIONS else pa.string()) for c in ISRAELI_BANK_FIELDS}
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode()),
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter="\t"),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                                 quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if tuple(table.column_names) != ISRAELI_BANK_FIELDS or table.num_rows == 0:
        return None
    col = {name: table.column(name).combine_chunks() for name in table.column_names}
    if any(col[c].null_count for c in ISRAELI_BANK_FIELDS):
        return None
    sec = {}
    for c in _CLOCKS:
        sec[c] = _arrow_clock_seconds(col[c])
        if sec[c] is None:
            return None
    outcome = col["outcome"].to_numpy(zero_copy_only=False)
    if not np.isin(outcome, _OUTCOMES).all():
        return None
    dates = pc.dictionary_encode(col["date"])
    try:
        uniq = pd.to_datetime(dates.dictionary.to_numpy(zero_copy_only=False), format="%y%m%d")
    except (ValueError, TypeError):
        return None
    day = uniq.to_numpy()[dates.indices.to_numpy()]
    return dict(
        n=table.num_rows, spaced=spaced, outcome=outcome, day=day, sec=sec,
        dur={c: col[c].to_numpy() for c in _DURATIONS},
        type=col["type"].to_numpy(zero_copy_only=False),
        priority=col["priority"].to_numpy(zero_copy_only=False),
    )


def _israeli_careful(text: str, path: Path) -> dict:
    """Parse the records with pandas, checking every field; a bad one is a DataError
    naming file, line, column and value."""
    from io import StringIO

    spaced = 0
    if " " in text:
        spaced = sum(1 for line in text.splitlines()[1:] if " " in line.strip())
    try:
        raw = pd.read_csv(StringIO(text), sep=r"\s+", dtype=str)
    except pd.errors.ParserError as exc:
        raise DataError(f"rows do not all have 17 fields: {exc}", file=str(path)) from None
    n = len(raw)
    if n == 0:
        raise DataError("no call records (header only)", file=str(path))
    lines = _FileLines(text)
    # A short row leaves its last fields empty.
    short = raw.isna().any(axis=1).to_numpy()
    if short.any():
        pos = int(np.flatnonzero(short)[0])
        col = raw.columns[int(np.argmax(raw.iloc[pos].isna().to_numpy()))]
        raise DataError("missing field (row has fewer than 17 fields)", file=str(path),
                        row=lines[pos], column=col)
    outcome = raw["outcome"].to_numpy()
    unknown = ~np.isin(outcome, _OUTCOMES)
    if unknown.any():
        pos = int(np.flatnonzero(unknown)[0])
        raise DataError("unknown outcome (expected AGENT, HANG or PHANTOM)", file=str(path),
                        row=lines[pos], column="outcome", value=outcome[pos])
    day = pd.to_datetime(raw["date"], format="%y%m%d", errors="coerce")
    if day.isna().any():
        pos = int(np.flatnonzero(day.isna().to_numpy())[0])
        raise DataError("unparsable date (expected YYMMDD)", file=str(path),
                        row=lines[pos], column="date", value=raw["date"].iloc[pos])
    return dict(
        n=n, spaced=spaced, outcome=outcome, day=day.to_numpy(),
        sec={c: _clock_seconds(raw[c], path, c, lines) for c in _CLOCKS},
        dur={c: _int_column(raw[c], path, c, lines) for c in _DURATIONS},
        type=raw["type"].to_numpy(), priority=raw["priority"].to_numpy(),
    )


def _read_israeli_file(path: Path, *, max_talk_s: float, max_wrap_s: float):
    """One file of the Israeli bank records -> (normalised records, counts)."""
    text = _read_text(path)
    header = text[: text.find("\n") if "\n" in text else len(text)].split()
    if tuple(header) != ISRAELI_BANK_FIELDS:
        missing = [f for f in ISRAELI_BANK_FIELDS if f not in header]
        raise DataError(
            f"not an Israeli bank call-record file: expected the 17 fields "
            f"{list(ISRAELI_BANK_FIELDS)}, found {header}",
            file=str(path), row=1, column=missing[0] if missing else None,
        )
    f = _israeli_fast(text) or _israeli_careful(text, path)
    n, outcome, day, sec, dur = f["n"], f["outcome"], f["day"], f["sec"], f["dur"]
    counts = dict(rows_read=n, space_separated_rows=f["spaced"])

    phantom = outcome == "PHANTOM"
    answered = outcome == "AGENT"
    queued = sec["q_start"] != 0
    hang = outcome == "HANG"
    abandoned = hang & queued
    vru_only = hang & ~queued
    real = ~phantom

    # Midnight crossings: the end clock time is before the start.  A crossing is
    # confirmed when the wrapped difference equals the recorded duration and it is at
    # most max_wrap_s long; the start of the queue may itself be past midnight.
    day_s = 86_400
    wrap_any = np.zeros(n, dtype=bool)
    mismatch = np.zeros(n, dtype=bool)
    end_before_start = np.zeros(n, dtype=bool)
    # The caller may leave the voice-response unit after midnight (exit before entry
    # on the clock, with a recorded vru_time confirming the crossing) ...
    vru_diff = sec["vru_exit"] - sec["vru_entry"]
    vru_cross = (vru_diff < 0) & (vru_diff + day_s == dur["vru_time"])
    # ... or join the queue after midnight.
    q_cross = queued & (sec["q_start"] < sec["vru_exit"])
    wrap_any |= (vru_cross | q_cross) & real
    for start, end, d, active in (("q_start", "q_exit", "q_time", queued),
                                  ("ser_start", "ser_exit", "ser_time",
                                   sec["ser_start"] != 0)):
        diff = sec[end] - sec[start]
        crossed = active & (diff < 0)
        wrapped = np.where(crossed, diff + day_s, diff)
        plausible = crossed & (wrapped == dur[d]) & (wrapped <= max_wrap_s)
        wrap_any |= plausible & real
        if start == "ser_start":
            end_before_start |= crossed & ~plausible & real
        mismatch |= active & ~crossed & (wrapped != dur[d]) & real
        mismatch |= crossed & (wrapped != dur[d]) & real
    served_without_start = answered & (sec["ser_start"] == 0)
    vru_back = (vru_diff < 0) & ~vru_cross & real
    mismatch |= ~vru_cross & (vru_diff != dur["vru_time"]) & real

    talk = dur["ser_time"].astype(float)
    zero_talk = answered & (talk == 0)
    extreme = answered & (talk > max_talk_s)
    use_talk = answered & ~zero_talk & ~extreme & ~end_before_start

    counts.update(
        phantom_dropped=int(phantom.sum()),
        vru_only=int(vru_only.sum()),
        offered=int((answered | abandoned).sum()),
        answered=int(answered.sum()),
        abandoned=int(abandoned.sum()),
        zero_talk_time=int(zero_talk.sum()),
        extreme_talk_time=int(extreme.sum()),
        midnight_wraps_fixed=int(wrap_any.sum()),
        end_before_start=int((end_before_start & answered).sum()),
        vru_exit_before_entry=int(vru_back.sum()),
        duration_mismatch=int(mismatch.sum()),
        served_without_start=int(served_without_start.sum()),
        excluded_from_aht=int((answered & ~use_talk).sum()),
    )
    keep = answered | abandoned
    # The caller asks for an agent when leaving the voice-response unit (vru_exit,
    # equal to q_start for queued calls); a vru_exit before vru_entry on the clock
    # with a negative vru_time is a recording error, not a midnight crossing.
    arrival_s = sec["vru_exit"] + np.where(vru_cross, day_s, 0)
    arrival = day + pd.to_timedelta(arrival_s, unit="s").to_numpy()
    records = pd.DataFrame({
        "type": f["type"][keep],
        "priority": f["priority"][keep],
        "arrival": arrival[keep],
        "outcome": np.where(answered[keep], "answered", "abandoned"),
        "wait_s": dur["q_time"][keep].astype(float),
        "talk_s": np.where(answered, talk, np.nan)[keep],
        "use_talk": use_talk[keep],
    })
    return records, counts


def _read_generic_file(path: Path, mapping: ColumnMapping, *, max_talk_s: float):
    text = _read_text(path)
    frame = _read_csv_text(text, path, sep=mapping.sep, dtype=str)
    n = len(frame)
    if n == 0:
        raise DataError("no call records (header only)", file=str(path))
    lines = np.arange(2, n + 2)
    needed = [c for c in (mapping.arrival, mapping.outcome, mapping.queue, mapping.wait_s,
                          mapping.answered_at, mapping.ended_at, mapping.talk_s) if c]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(f"missing column(s) {missing}; found {list(frame.columns)}",
                        file=str(path), column=missing[0])

    def times(col):
        values = frame[col]
        ts = pd.to_datetime(values, format=mapping.time_format or "mixed", errors="coerce")
        return ts, values

    def seconds(col):
        v = pd.to_numeric(frame[col], errors="coerce")
        bad = frame[col].notna() & (v.isna() | (v < 0))
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError("not a number of seconds >= 0", file=str(path),
                            row=int(lines[pos]), column=col, value=frame[col].iloc[pos])
        return v.to_numpy(dtype=float)

    arrival, raw_arrival = times(mapping.arrival)
    if arrival.isna().any():
        pos = int(np.flatnonzero(arrival.isna().to_numpy())[0])
        raise DataError("unparsable or missing time", file=str(path), row=int(lines[pos]),
                        column=mapping.arrival, value=raw_arrival.iloc[pos])
    answered_at = times(mapping.answered_at)[0] if mapping.answered_at else None
    ended_at = times(mapping.ended_at)[0] if mapping.ended_at else None
    talk_col = seconds(mapping.talk_s) if mapping.talk_s else None

    if mapping.outcome:
        out = frame[mapping.outcome].fillna("").astype(str).str.strip().to_numpy()
        answered = np.isin(out, mapping.answered_values)
        abandoned = np.isin(out, mapping.abandoned_values)
        ignored = np.isin(out, mapping.ignore_values)
        unknown = ~(answered | abandoned | ignored)
        if unknown.any():
            pos = int(np.flatnonzero(unknown)[0])
            expected = mapping.answered_values + mapping.abandoned_values + mapping.ignore_values
            raise DataError(f"unknown outcome (expected one of {list(expected)})",
                            file=str(path), row=int(lines[pos]), column=mapping.outcome,
                            value=out[pos])
    else:
        if answered_at is not None:
            answered = answered_at.notna().to_numpy()
        else:
            answered = np.nan_to_num(talk_col) > 0
        abandoned = ~answered
        ignored = np.zeros(n, dtype=bool)

    if mapping.wait_s:
        wait = seconds(mapping.wait_s)
    else:
        end_wait = answered_at.where(answered, ended_at) if ended_at is not None else answered_at
        wait = (end_wait - arrival).dt.total_seconds().to_numpy()
    if talk_col is not None:
        talk = talk_col
    else:
        talk = (ended_at - answered_at).dt.total_seconds().to_numpy()
    for name, values, rows in (("wait", wait, answered | abandoned), ("talk", talk, answered)):
        bad = rows & ~(np.nan_to_num(values, nan=-1.0) >= 0)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            col = (mapping.wait_s or mapping.answered_at) if name == "wait" else (
                mapping.talk_s or mapping.ended_at)
            raise DataError(f"missing or negative {name} time", file=str(path),
                            row=int(lines[pos]), column=col, value=values[pos])
    zero_talk = answered & (talk == 0)
    extreme = answered & (talk > max_talk_s)
    keep = answered | abandoned
    records = pd.DataFrame({
        "queue": (frame[mapping.queue].astype(str).to_numpy() if mapping.queue
                  else np.full(n, "default", dtype=object))[keep],
        "arrival": arrival.to_numpy()[keep],
        "outcome": np.where(answered, "answered", "abandoned")[keep],
        "wait_s": wait[keep],
        "talk_s": np.where(answered, talk, np.nan)[keep],
        "use_talk": (answered & ~zero_talk & ~extreme)[keep],
    })
    counts = dict(rows_read=n, phantom_dropped=int(ignored.sum()),
                  offered=int(keep.sum()), answered=int(answered.sum()),
                  abandoned=int(abandoned.sum()), zero_talk_time=int(zero_talk.sum()),
                  extreme_talk_time=int(extreme.sum()),
                  excluded_from_aht=int((answered & (zero_talk | extreme)).sum()))
    return records, counts


def _as_paths(paths) -> list[Path]:
    if isinstance(paths, str | Path):
        paths = [paths]
    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(p.glob("*.txt")) + sorted(p.glob("*.csv"))
            if not found:
                raise DataError("directory holds no .txt or .csv record files", file=str(p))
            out.extend(found)
        else:
            out.append(p)
    if not out:
        raise InputError("paths", paths, "at least one record file")
    return out


def read_call_records(
    paths: str | Path | Iterable[str | Path],
    *,
    mapping: Literal["israeli_bank"] | ColumnMapping | Mapping = "israeli_bank",
    queues: Literal["type", "pooled", "service"] = "type",
    pooled_name: str = "bank",
    max_talk_s: float = 7200.0,
    max_wrap_s: float = 3600.0,
) -> tuple[pd.DataFrame, dict]:
    """Read call-level records into one row per call offered to agents.

    Parameters
    ----------
    paths : path or iterable of paths
        Record files (a directory means every ``.txt`` / ``.csv`` file in it).
    mapping : "israeli_bank", ColumnMapping or dict
        The ready reader of the Israeli bank records, or a generic column mapping
        (a dict is taken as the keyword arguments of :class:`ColumnMapping`).
    queues : {"type", "pooled", "service"}
        Israeli bank records: one queue per service type (``PS``, ``NW``, ...), all
        types pooled into one queue named ``pooled_name``, or the centre's queues
        (:data:`ISRAELI_SERVICE_QUEUES`: retail, premium, internet, stocks,
        new_customers; retail calls of priority :data:`ISRAELI_PREMIUM_PRIORITY` are
        ``premium``).  With a ColumnMapping, "pooled" puts every call into
        ``pooled_name`` ("service" is for the Israeli records only).
    max_talk_s : float, default 7200
        Talk times above this [s] are extreme: counted, excluded from AHT.
    max_wrap_s : float, default 3600
        Longest plausible service crossing midnight [s] (Israeli records).

    Returns
    -------
    records : DataFrame
        In file order, :data:`RECORD_COLUMNS`: ``queue``, ``arrival`` (datetime at
        which the caller asks for an agent), ``outcome`` ("answered" /
        "abandoned"), ``wait_s`` (until answer or hang-up), ``talk_s`` (NaN for
        abandoned), ``use_talk`` (talk time enters the AHT).
    counts : dict
        The fields of :class:`LoadReport` (without burst days).
    """
    if queues not in ("type", "pooled", "service"):
        raise InputError("queues", queues, '"type", "pooled" or "service"')
    if queues == "service" and isinstance(mapping, ColumnMapping | Mapping):
        raise InputError("queues", queues, '"type" or "pooled" with a column mapping')
    if max_talk_s <= 0:
        raise InputError("max_talk_s", max_talk_s, "seconds > 0")
    if isinstance(mapping, Mapping):
        known = {f.name for f in fields(ColumnMapping)}
        unknown = sorted(set(mapping) - known)
        if unknown:
            raise InputError("mapping", dict(mapping),
                             f"ColumnMapping fields {sorted(known)}; unknown {unknown}")
        mapping = ColumnMapping(**mapping)
    files = _as_paths(paths)
    parts, totals = [], {}
    for path in files:
        if isinstance(mapping, ColumnMapping):
            records, counts = _read_generic_file(path, mapping, max_talk_s=max_talk_s)
        elif mapping == "israeli_bank":
            records, counts = _read_israeli_file(path, max_talk_s=max_talk_s,
                                                 max_wrap_s=max_wrap_s)
            types = records.pop("type")
            if queues == "service":
                records.insert(0, "queue", _service_queues(types, records["priority"], path))
            else:
                records.insert(0, "queue", types)
            records = records.drop(columns="priority")
        else:
            raise InputError("mapping", mapping, '"israeli_bank" or a ColumnMapping')
        parts.append(records)
        for k, v in counts.items():
            totals[k] = totals.get(k, 0) + v
    records = pd.concat(parts, ignore_index=True)
    if queues == "pooled":
        records["queue"] = pooled_name
    totals["files"] = tuple(str(p) for p in files)
    totals["max_talk_s"] = float(max_talk_s)
    return records[list(RECORD_COLUMNS)], totals


def _service_queues(types: pd.Series, priority: pd.Series, path) -> pd.Series:
    """Queue of each Israeli record under :data:`ISRAELI_SERVICE_QUEUES`."""
    queue = types.astype(str).map(ISRAELI_SERVICE_QUEUES)
    if queue.isna().any():
        pos = int(np.flatnonzero(queue.isna().to_numpy())[0])
        raise DataError("service type without a queue in ISRAELI_SERVICE_QUEUES",
                        file=str(path), row=pos, column="type", value=types.iloc[pos])
    prio = pd.to_numeric(priority, errors="coerce")
    premium = (queue == "retail") & (prio == ISRAELI_PREMIUM_PRIORITY)
    return queue.where(~premium.to_numpy(), "premium")


def aggregate_records(
    records: pd.DataFrame,
    *,
    interval_min: int = 30,
    answer_within_s: float = 20.0,
    fill_days: bool = True,
) -> pd.DataFrame:
    """Call records (:data:`RECORD_COLUMNS`) -> interval history per queue.

    Parameters
    ----------
    records : DataFrame
        One row per call offered to agents (see :func:`read_call_records`).
    interval_min : int, default 30
        Interval length [min]; must divide a day.
    answer_within_s : float, default 20
        Service-level threshold [s]: answered with ``wait_s <= answer_within_s``.
    fill_days : bool, default True
        Give every interval of each day that has at least one call (in any queue) a
        row, with 0 calls where none arrived; days without any call get no row (a
        missing day is not zero demand).

    Returns
    -------
    DataFrame
        ``queue``, ``interval_start``, ``calls`` (offered), ``answered``,
        ``abandoned``, ``answered_within_target``, ``aht_s`` (mean talk time of the
        answered calls of the interval of arrival whose talk time is usable; NaN
        where there is none), ``wait_abandoned_s``, ``wait_answered_s`` (summed
        waits [s], for :func:`estimate_patience`).
    """
    if interval_min <= 0 or (24 * 60) % interval_min:
        raise InputError("interval_min", interval_min, "minutes > 0 dividing a day (15, 30, 60)")
    if answer_within_s < 0:
        raise InputError("answer_within_s", answer_within_s, "seconds >= 0")
    freq = pd.Timedelta(minutes=interval_min)
    answered = (records["outcome"] == "answered").to_numpy()
    abandoned = (records["outcome"] == "abandoned").to_numpy()
    wait = records["wait_s"].to_numpy(dtype=float)
    use = records["use_talk"].to_numpy(dtype=bool)
    talk = records["talk_s"].to_numpy(dtype=float)
    work = pd.DataFrame({
        "queue": records["queue"].to_numpy(),
        "interval_start": pd.DatetimeIndex(records["arrival"]).floor(freq),
        "calls": 1,
        "answered": answered.astype(int),
        "abandoned": abandoned.astype(int),
        "answered_within_target": (answered & (wait <= answer_within_s)).astype(int),
        "talk_sum": np.where(use, talk, 0.0),
        "talk_n": use.astype(int),
        "wait_abandoned_s": np.where(abandoned, wait, 0.0),
        "wait_answered_s": np.where(answered, wait, 0.0),
    })
    grouped = work.groupby(["queue", "interval_start"], sort=True).sum()
    if fill_days and len(grouped):
        starts = grouped.index.get_level_values("interval_start")
        days = pd.DatetimeIndex(starts.normalize().unique())
        per_day = pd.timedelta_range(0, periods=int(pd.Timedelta(days=1) / freq), freq=freq)
        grid = (days.to_numpy()[:, None] + per_day.to_numpy()[None, :]).ravel()
        full = pd.MultiIndex.from_product(
            [grouped.index.get_level_values("queue").unique(), np.sort(grid)],
            names=["queue", "interval_start"])
        grouped = grouped.reindex(full, fill_value=0)
    out = grouped.reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        aht = out["talk_sum"].to_numpy() / out["talk_n"].to_numpy()
    out["aht_s"] = np.where(out["talk_n"].to_numpy() > 0, aht, np.nan)
    cols = ["queue", "interval_start", "calls", "aht_s", "answered", "abandoned",
            "answered_within_target", *PATIENCE_COLUMNS]
    out = out[cols]
    for c in ("calls", "answered", "abandoned", "answered_within_target"):
        out[c] = out[c].astype(np.int64)
    return out


def flag_burst_days(
    records: pd.DataFrame,
    *,
    ratio: float = 3.0,
    min_excess: int = 100,
    min_hours: int = 2,
) -> list[pd.Timestamp]:
    """Days with an abnormal burst of calls, judged against the same weekday.

    For each day and clock hour, the calls offered (all queues pooled) are compared
    with the median of the same hour over every day of the same weekday.  An hour is
    abnormal when its count is at least ``ratio`` times that median and exceeds it by
    at least ``min_excess`` calls; a day is flagged when it has ``min_hours``
    consecutive abnormal hours.  A single busy hour (a reminder letter, a news item)
    is not flagged; a sustained surge is.

    Parameters
    ----------
    records : DataFrame
        With an ``arrival`` datetime column (one row per call).
    ratio : float, default 3
        Factor over the weekday-hour median.
    min_excess : int, default 100
        Calls per hour above the median.
    min_hours : int, default 2
        Consecutive abnormal hours needed.

    Returns
    -------
    list of Timestamp
        Flagged days (midnight), sorted.
    """
    arrival = pd.DatetimeIndex(records["arrival"])
    if len(arrival) == 0:
        return []
    table = (pd.DataFrame({"day": arrival.normalize(), "hour": arrival.hour})
             .value_counts().unstack(fill_value=0)
             .reindex(columns=range(24), fill_value=0))
    median = table.groupby(table.index.dayofweek).transform("median")
    abnormal = ((table >= ratio * median) & (table - median >= min_excess)).to_numpy()
    run = np.zeros(len(table), dtype=int)
    best = np.zeros(len(table), dtype=int)
    for h in range(24):
        run = np.where(abnormal[:, h], run + 1, 0)
        best = np.maximum(best, run)
    return list(table.index[best >= min_hours])


def load_call_records(
    paths: str | Path | Iterable[str | Path],
    *,
    mapping: Literal["israeli_bank"] | ColumnMapping | Mapping = "israeli_bank",
    interval_min: int = 30,
    answer_within_s: float = 20.0,
    queues: Literal["type", "pooled", "service"] = "type",
    pooled_name: str = "bank",
    max_talk_s: float = 7200.0,
    burst_ratio: float = 3.0,
    burst_min_excess: int = 100,
    burst_min_hours: int = 2,
) -> tuple[pd.DataFrame, LoadReport]:
    """Call-level records -> validated interval history per queue, and a load report.

    Parameters
    ----------
    paths : path or iterable of paths
        Record files, or a directory of them.
    mapping : "israeli_bank", ColumnMapping or dict
        The ready reader of the Israeli bank records (17 whitespace-separated
        fields, see ``../shared/data/README.md``) or a generic mapping (a dict is
        taken as the keyword arguments of :class:`ColumnMapping`).
    interval_min : int, default 30
        Interval length [min] (15, 30, 60...).
    answer_within_s : float, default 20
        Service-level threshold [s].
    queues : {"type", "pooled", "service"}
        One queue per service type, all calls in one queue ``pooled_name``, or the
        centre's queues of :data:`ISRAELI_SERVICE_QUEUES` (see
        :func:`read_call_records`).
    max_talk_s : float, default 7200
        Talk times above this [s] are counted but left out of the AHT.
    burst_ratio, burst_min_excess, burst_min_hours
        Rule of :func:`flag_burst_days`.

    Returns
    -------
    history : DataFrame
        Validated history (:func:`wfm.frames.validate_history`) with ``calls``,
        ``aht_s``, ``answered``, ``abandoned``, ``answered_within_target`` and the
        patience inputs ``wait_abandoned_s``, ``wait_answered_s``.  ``aht_s`` is NaN
        in intervals without an answered call of usable talk time.
    report : LoadReport
        Counts of every row read, dropped, fixed or left out of the AHT.

    Notes
    -----
    Israeli bank records: a call is *offered* to agents when it was answered
    (``AGENT``) or hung up after joining the queue (``HANG`` with a ``q_start``);
    ``HANG`` without a queue start ended in the voice-response unit.  A call belongs
    to the interval in which it asked for an agent (``vru_exit``).  Waits are
    ``q_time``, talk times ``ser_time`` (talk only, no wrap-up).
    """
    records, counts = read_call_records(paths, mapping=mapping, queues=queues,
                                        pooled_name=pooled_name, max_talk_s=max_talk_s)
    if len(records) == 0:
        raise DataError(
            f"no call offered to agents in {len(counts['files'])} file(s): "
            f"{counts['rows_read']} rows read, {counts['phantom_dropped']} not real calls, "
            f"{counts.get('vru_only', 0)} ended in the voice-response unit",
            file=counts["files"][0] if len(counts["files"]) == 1 else None)
    history = aggregate_records(records, interval_min=interval_min,
                                answer_within_s=answer_within_s)
    bursts = flag_burst_days(records, ratio=burst_ratio, min_excess=burst_min_excess,
                             min_hours=burst_min_hours)
    report = LoadReport(burst_days=tuple(d.strftime("%Y-%m-%d") for d in bursts), **counts)
    files = counts["files"]
    history = validate_history(history, file=files[0] if len(files) == 1 else None)
    return history, report


def estimate_patience(records_or_history: pd.DataFrame) -> float:
    """Mean caller patience [s]: maximum-likelihood estimate for exponential patience.

    Each queued caller is exposed to abandonment while waiting; answered callers'
    waits are censored observations of their patience.  With exponential patience
    the likelihood is maximised by

    .. math:: \\hat\\theta = \\frac{\\sum_{abandoned} w_i + \\sum_{answered} w_i}{n_{abandoned}}

    (total waiting time of everyone over the number of abandons).

    Parameters
    ----------
    records_or_history : DataFrame
        Either call records (``outcome``, ``wait_s``) or a history with
        ``abandoned``, ``wait_abandoned_s``, ``wait_answered_s``.

    Returns
    -------
    float
        Mean patience [s]; ``inf`` when nobody abandoned.

    References
    ----------
    Brown et al. (2005), section 6 (patience, censored by service).
    """
    frame = records_or_history
    if {"outcome", "wait_s"} <= set(frame.columns):
        abandons = float((frame["outcome"] == "abandoned").sum())
        exposure = float(frame["wait_s"].sum())
    elif {"abandoned", *PATIENCE_COLUMNS} <= set(frame.columns):
        abandons = float(frame["abandoned"].sum())
        exposure = float(frame["wait_abandoned_s"].sum() + frame["wait_answered_s"].sum())
    else:
        raise DataError("cannot estimate patience: need columns outcome and wait_s "
                        "(records) or abandoned, wait_abandoned_s, wait_answered_s (history); "
                        f"found {list(map(str, frame.columns))}")
    if abandons == 0:
        return float("inf")
    return exposure / abandons


# ---------------------------------------------------------------------------------------
# demo data
# ---------------------------------------------------------------------------------------

def demo_path(name: str = "demo_history.csv") -> Path:
    """Path of a shipped demo file (``demo_history.csv``, ``demo_scenario.yaml``,
    ``demo_agents.csv``).

    Looks beside the package (editable install or source tree) and then in the data
    directory of an installed wheel (``<prefix>/share/wfm/data``).
    """
    import sys

    candidates = [Path(__file__).resolve().parents[1] / "data" / name,
                  Path(sys.prefix) / "share" / "wfm" / "data" / name]
    for c in candidates:
        if c.exists():
            return c
    raise DataError(f"demo file {name} not found; looked in "
                    + ", ".join(str(c) for c in candidates))


def demo_history_path() -> Path:
    """Path of the shipped demo history ``data/demo_history.csv``."""
    return demo_path("demo_history.csv")


def demo_queue_history_path() -> Path:
    """Path of the shipped per-queue demo history ``data/demo_history_queues.csv``."""
    return demo_path("demo_history_queues.csv")


def demo_scenario_path() -> Path:
    """Path of the shipped demo scenario ``data/demo_scenario.yaml``."""
    return demo_path("demo_scenario.yaml")


def shared_calls_dir() -> Path:
    """The Israeli bank call records in the shared data folder beside the repository."""
    return Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / \
        "israeli_bank_1999" / "calls"


DEMO_MONTHS = ("january", "february", "march", "april", "may", "june", "july")


def make_demo_history(
    calls_dir: str | Path | None = None,
    out: str | Path | None = None,
    *,
    months: Sequence[str] = DEMO_MONTHS,
    interval_min: int = 30,
    answer_within_s: float = 20.0,
) -> tuple[pd.DataFrame, LoadReport]:
    """Rebuild ``data/demo_history.csv`` from the Israeli bank call records.

    All service types pooled into one queue ``bank``; January to July 1999; 30-min
    intervals; every interval of each recorded day (0 calls where none arrived).

    Parameters
    ----------
    calls_dir : path, optional
        Folder of the monthly ``<month>.txt`` files (default: the shared data folder).
    out : path, optional
        CSV to write (nothing written when None).
    months : sequence of str
        Month files to use.

    Returns
    -------
    (history, report)
    """
    calls_dir = Path(calls_dir) if calls_dir is not None else shared_calls_dir()
    paths = [calls_dir / f"{m}.txt" for m in months]
    history, report = load_call_records(paths, interval_min=interval_min,
                                        answer_within_s=answer_within_s, queues="pooled",
                                        pooled_name="bank")
    history = history.copy()
    history["aht_s"] = history["aht_s"].round(1)
    if out is not None:
        history.to_csv(out, index=False, date_format="%Y-%m-%d %H:%M:%S", float_format="%.10g")
    return history, report


#: Queues of the per-queue demo history (the three busiest of ISRAELI_SERVICE_QUEUES).
DEMO_QUEUES = ("retail", "premium", "new_customers")


def make_demo_queue_history(
    calls_dir: str | Path | None = None,
    out: str | Path | None = None,
    *,
    months: Sequence[str] = DEMO_MONTHS,
    queues: Sequence[str] = DEMO_QUEUES,
    interval_min: int = 30,
    answer_within_s: float = 20.0,
) -> tuple[pd.DataFrame, LoadReport]:
    """Rebuild ``data/demo_history_queues.csv``: the demo history per queue.

    The same records and choices as :func:`make_demo_history`, with the service types
    mapped to the centre's queues (``queues="service"``, :data:`ISRAELI_SERVICE_QUEUES`)
    and only ``queues`` kept (the calls of the other queues are left out).

    Parameters
    ----------
    calls_dir : path, optional
        Folder of the monthly ``<month>.txt`` files (default: the shared data folder).
    out : path, optional
        CSV to write (nothing written when None).
    months, queues : sequence of str
        Month files to read; queues to keep.

    Returns
    -------
    (history, report)
    """
    calls_dir = Path(calls_dir) if calls_dir is not None else shared_calls_dir()
    paths = [calls_dir / f"{m}.txt" for m in months]
    history, report = load_call_records(paths, interval_min=interval_min,
                                        answer_within_s=answer_within_s, queues="service")
    unknown = sorted(set(queues) - set(ISRAELI_SERVICE_QUEUES.values()) - {"premium"})
    if unknown:
        raise InputError("queues", unknown[0], "queues of ISRAELI_SERVICE_QUEUES or 'premium'")
    history = history[history["queue"].isin(list(queues))].reset_index(drop=True)
    history["aht_s"] = history["aht_s"].round(1)
    if out is not None:
        history.to_csv(out, index=False, date_format="%Y-%m-%d %H:%M:%S", float_format="%.10g")
    return history, report
