"""wfm: workforce management for contact centres.

Base layer: :mod:`wfm.types`, :mod:`wfm.errors`, :mod:`wfm.erlang`, :mod:`wfm.frames`.
"""

from wfm.errors import DataError, InputError, SolveError, StoreError, WfmError

__version__ = "0.1.0"

__all__ = ["WfmError", "InputError", "DataError", "SolveError", "StoreError", "__version__"]
