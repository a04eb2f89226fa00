"""One error hierarchy for everything wfm rejects.

Every error names *where* the problem is (file, row, column) and *what* was found
(the value), so that a planner can fix the input without reading a traceback.
"""

from __future__ import annotations

from typing import Any

__all__ = ["WfmError", "InputError", "DataError", "SolveError", "StoreError"]


class WfmError(Exception):
    """Base class of every error raised by wfm on purpose."""


class InputError(WfmError, ValueError):
    """A parameter of a public function is out of its domain.

    Parameters
    ----------
    parameter : str
        Name of the offending parameter.
    value : Any
        The value that was given.
    expected : str
        What would have been accepted, in words.
    """

    def __init__(self, parameter: str, value: Any, expected: str):
        self.parameter = parameter
        self.value = value
        self.expected = expected
        super().__init__(f"{parameter}={_short(value)}: expected {expected}")


class DataError(WfmError, ValueError):
    """Bad input data: a file or a frame that does not follow its schema.

    The message reads ``<file>, row <r>, column '<c>': <problem> (value: <v>)``
    with whatever parts are known.  ``row`` is the 1-based line number in the file
    (the header is line 1) when a file is known, otherwise the 0-based frame position.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        has_value: bool | None = None,
    ):
        self.problem = problem
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        self.value = value
        where = []
        if self.file is not None:
            where.append(self.file)
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        text = (", ".join(where) + ": " if where else "") + problem
        if has_value if has_value is not None else value is not None:
            text += f" (value: {_short(value)})"
        super().__init__(text)


class SolveError(WfmError, RuntimeError):
    """A model could not be built or solved; the message says why in words."""


class StoreError(WfmError, RuntimeError):
    """The scenario / roster store refused an operation."""


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
