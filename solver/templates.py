"""Shift templates from YAML, and the break-policy floor applied to templates.

A template file is a YAML list of :class:`wfm.types.ShiftTemplate` fields (or a
mapping with a ``templates`` key holding that list), each with a nested ``breaks``
list of :class:`wfm.types.BreakRule` fields::

    templates:
      - name: early 8h
        length_min: 480
        earliest_start_min: "06:00"      # "HH:MM" or minutes after midnight
        latest_start_min: "10:00"
        days: [Mon, Tue, Wed, Thu, Fri]  # names or 0 (Mon) .. 6 (Sun)
        cost_per_hour: 21.5
        breaks:
          - {name: break, length_min: 15, earliest_start_min: "1:30", latest_start_min: "3:00"}
          - {name: lunch, length_min: 30, max_length_min: 60, paid: false,
             earliest_start_min: "3:30", latest_start_min: "5:00", min_gap_min: 60}

Every ``*_min`` field takes an integer number of minutes or an ``"H:MM"`` string.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path

from wfm.errors import DataError, InputError
from wfm.types import BreakPolicy, BreakRule, ShiftTemplate, parse_weekdays

__all__ = ["load_templates", "templates_from_records", "apply_break_policy", "policy_break_min"]

_TEMPLATE_FIELDS = {f.name for f in dataclasses.fields(ShiftTemplate)}
_BREAK_FIELDS = {f.name for f in dataclasses.fields(BreakRule)}


def load_templates(path: str | Path) -> tuple[ShiftTemplate, ...]:
    """Read shift templates from a YAML file.

    Parameters
    ----------
    path : str or Path
        YAML file: a list of templates, or a mapping with a ``templates`` list.

    Returns
    -------
    tuple of ShiftTemplate

    Raises
    ------
    DataError
        Unreadable file, unknown field, bad value; the message names the file, the
        template (1-based entry number and name) and the field.
    """
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read template file: {exc.strerror}", file=str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataError(f"not valid YAML: {exc}", file=str(path)) from None
    return templates_from_records(data, file=str(path))


def templates_from_records(data, *, file: str | None = None) -> tuple[ShiftTemplate, ...]:
    """Build templates from already-parsed records (lists and dicts, as in YAML).

    See :func:`load_templates` for the layout.
    """
    if isinstance(data, dict) and "templates" in data:
        data = data["templates"]
    if not isinstance(data, list) or not data:
        raise DataError("expected a non-empty list of shift templates", file=file,
                        value=data, has_value=True)
    out = []
    for i, rec in enumerate(data, start=1):
        where = f"template {i}"
        if not isinstance(rec, dict):
            raise DataError(f"{where}: expected a mapping of fields", file=file, value=rec,
                            has_value=True)
        where = f"template {i} ({rec.get('name', '?')})"
        unknown = sorted(set(rec) - _TEMPLATE_FIELDS)
        if unknown:
            raise DataError(f"{where}: unknown field(s) {unknown}; known: {sorted(_TEMPLATE_FIELDS)}",
                            file=file, column=unknown[0])
        kwargs = {}
        for key, value in rec.items():
            if key == "breaks":
                kwargs[key] = tuple(_break(b, f"{where}, break {j}", file)
                                    for j, b in enumerate(value or (), start=1))
            elif key in ("days", "weekend_days"):
                kwargs[key] = _days(value, where, key, file)
            elif key.endswith("_min"):
                kwargs[key] = _minutes(value, where, key, file)
            else:
                kwargs[key] = value
        try:
            out.append(ShiftTemplate(**kwargs))
        except (InputError, TypeError) as exc:
            raise DataError(f"{where}: {exc}", file=file) from None
    names = [t.name for t in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError(f"duplicated template name(s) {dup}", file=file, column="name")
    return tuple(out)


def _as_list(value):
    return value if isinstance(value, list | tuple) else [value]


def _break(rec, where, file) -> BreakRule:
    if not isinstance(rec, dict):
        raise DataError(f"{where}: expected a mapping of fields", file=file, value=rec,
                        has_value=True)
    unknown = sorted(set(rec) - _BREAK_FIELDS)
    if unknown:
        raise DataError(f"{where}: unknown field(s) {unknown}; known: {sorted(_BREAK_FIELDS)}",
                        file=file, column=unknown[0])
    kwargs = {k: (_minutes(v, where, k, file) if k.endswith("_min") and v is not None else v)
              for k, v in rec.items()}
    try:
        return BreakRule(**kwargs)
    except (InputError, TypeError) as exc:
        raise DataError(f"{where}: {exc}", file=file) from None


def _minutes(value, where, key, file) -> int:
    if isinstance(value, bool):
        raise DataError(f"{where}: expected minutes", file=file, column=key, value=value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        parts = value.strip().split(":")
        if len(parts) == 2 and all(p.isdigit() for p in parts) and int(parts[1]) < 60:
            return int(parts[0]) * 60 + int(parts[1])
        if value.strip().isdigit():
            return int(value)
    raise DataError(f"{where}: expected whole minutes or 'H:MM'", file=file, column=key,
                    value=value)


def _days(value, where, key, file) -> tuple[int, ...]:
    try:
        return parse_weekdays(value, key)
    except InputError as exc:
        raise DataError(f"{where}: expected {exc.expected}", file=file, column=key,
                        value=value) from None


# --------------------------------------------------------------------------- break policy


def policy_break_min(template: ShiftTemplate, policy: BreakPolicy) -> float:
    """Paid break minutes the policy asks of one shift of ``template`` [min].

    The floor counts **paid** breaks per **paid hour**: an unpaid lunch is neither
    work nor a rest from the phones paid by the employer, so it does not count,
    and its minutes are not hours worked.  ``X`` minutes per hour on an 8 h shift
    with a 30 min unpaid lunch asks ``X * 7.5`` minutes of paid break.
    """
    return policy.min_break_min_per_hour * template.paid_min / 60.0


def apply_break_policy(
    template: ShiftTemplate, policy: BreakPolicy, slot_min: int = 15
) -> ShiftTemplate:
    """Return ``template`` with enough paid break time to meet the policy floor.

    The deficit ``policy_break_min - paid break minutes``, rounded up to whole
    slots, is added in two steps:

    1. paid breaks that may be longer (``max_length_min``) get a longer minimum
       length, up to their maximum, earliest break first;
    2. what is still missing becomes extra paid breaks named ``"policy break N"`` of
       ``max(15, slot_min)`` minutes (rounded up to slots), each placed in the longest
       stretch of work left between breaks (never in the first or last hour), with
       a start window of ±30 min around the middle of that stretch;
    3. when no stretch is left, paid breaks grow one slot at a time in turn, as long as
       each still ends inside the shift (their windows are kept; whether the longer
       breaks still fit one after another is checked when the plan is built).

    Parameters
    ----------
    template : ShiftTemplate
    policy : BreakPolicy
    slot_min : int
        Time grid of the plan [min]; added minutes are whole slots.

    Returns
    -------
    ShiftTemplate
        The same template if the floor is already met.

    Raises
    ------
    InputError
        The template has no room left for the breaks the policy asks (the message
        names the template, the policy and the minutes).
    """
    need = policy_break_min(template, policy)
    have = sum(b.length_min for b in template.breaks if b.paid)
    deficit = _round_up(need - have - 1e-9, slot_min) if need > have + 1e-9 else 0
    if deficit <= 0:
        return template
    breaks = list(template.breaks)
    deficit = _lengthen_breaks(breaks, deficit)
    deficit = _add_policy_breaks(breaks, deficit, template.length_min, slot_min)
    deficit = _grow_breaks(breaks, deficit, template.length_min, slot_min)
    if deficit > 0:
        raise InputError(
            f"template '{template.name}' under break policy "
            f"{policy.min_break_min_per_hour:g} min/h",
            template.breaks,
            f"room for {need:.0f} min of paid break in a {template.length_min}-min shift "
            f"(still {deficit} min short: no stretch of work left for another break and "
            "no break can grow without running past the end of the shift)",
        )
    return dataclasses.replace(template, breaks=tuple(breaks))


def _lengthen_breaks(breaks: list, deficit: int) -> int:
    """Step 1: lengthen extendable paid breaks in place; returns the minutes still missing."""
    for i, b in enumerate(breaks):
        if deficit <= 0:
            break
        if b.paid and b.max_length_min is not None and b.max_length_min > b.length_min:
            extra = min(deficit, b.max_length_min - b.length_min)
            breaks[i] = dataclasses.replace(b, length_min=b.length_min + extra)
            deficit -= extra
    return deficit


def _add_policy_breaks(breaks: list, deficit: int, shift_min: int, slot_min: int) -> int:
    """Step 2: insert "policy break N" where work stretches allow; returns what is missing."""
    chunk = _round_up(15, slot_min)
    count = 0
    while deficit > 0:
        length = chunk
        placed = _place_extra_break(shift_min, breaks, length, slot_min)
        if placed is None:
            break
        index, rule = placed
        count += 1
        breaks.insert(index, dataclasses.replace(rule, name=f"policy break {count}"))
        deficit -= length
    return deficit


def _grow_breaks(breaks: list, deficit: int, shift_min: int, slot_min: int) -> int:
    """Step 3: grow paid breaks a slot at a time in turn; returns the minutes still missing."""
    grown = True
    while deficit > 0 and grown:
        grown = False
        for i, b in enumerate(breaks):
            longest = (b.max_length_min or b.length_min) + slot_min
            if deficit <= 0 or not b.paid or b.latest_start_min + longest > shift_min:
                continue
            breaks[i] = dataclasses.replace(
                b, length_min=b.length_min + slot_min,
                max_length_min=None if b.max_length_min is None else longest)
            deficit -= slot_min
            grown = True
    return deficit


def _round_up(value: float, step: int) -> int:
    return int(math.ceil(value / step - 1e-9) * step)


def _place_extra_break(shift_min, breaks: Sequence[BreakRule], length, slot_min):
    """Where an extra break fits: (insert position, BreakRule) or None."""
    best = None
    for k in range(len(breaks) + 1):
        prev = breaks[k - 1] if k > 0 else None
        nxt = breaks[k] if k < len(breaks) else None
        # Work stretch between the latest end of the previous break and the earliest
        # start of the next one, with the first and last hour kept free.
        lo = 60 if prev is None else prev.latest_start_min + (prev.max_length_min or prev.length_min)
        hi = (shift_min - 60 - length) if nxt is None else (
            nxt.earliest_start_min - length - nxt.min_gap_min)
        lo = _round_up(lo, slot_min)
        hi = (hi // slot_min) * slot_min
        stretch = hi - lo
        if hi >= lo and (best is None or stretch > best[0]):
            best = (stretch, k, lo, hi)
    if best is None:
        return None
    _, k, lo, hi = best
    mid = _round_up((lo + hi) / 2, slot_min)
    mid = min(mid, hi)
    return k, BreakRule(
        name="policy break",
        length_min=length,
        earliest_start_min=max(lo, mid - 30),
        latest_start_min=min(hi, mid + 30),
        paid=True,
    )
