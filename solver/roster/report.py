"""The result frames of a roster: shifts, breaks and meetings, coverage, penalties."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from solver.result import BREAK_COLUMNS, SHIFT_COLUMNS, SolveResult
from solver.roster.meetings import _holds
from solver.roster.problem import ALL_QUEUES, _Problem
from solver.roster.scoring import Scoring
from wfm.types import WEEKDAYS


def _frames(p: _Problem, assign, placed, meeting_times, meeting_names):
    week = p.week
    srows, brows = [], []
    k = 0
    for ai, days in enumerate(assign):
        a = p.agents[ai]
        for d in sorted(days):
            o = p.options[days[d]]
            k += 1
            sid = f"S{k:05d}"
            unpaid = sum(s.length_min for s in placed.get((ai, d), []) if not s.paid)
            srows.append(
                {
                    "shift_id": sid,
                    "agent_id": a.id,
                    "template": o.template.name,
                    "day": week.date(d),
                    "start": week.timestamp(o.abs_start),
                    "end": week.timestamp(o.abs_end),
                    "paid_h": (o.length_min - unpaid) / 60 if placed.get((ai, d)) else o.paid_h,
                    "cost": round(p.shift_cost(ai, o), 2),
                    "team": a.team or "",
                    "contract": a.contract,
                }
            )
            for slot in placed.get((ai, d), []):
                s = o.abs_start + slot.offset_min
                brows.append(
                    {
                        "shift_id": sid,
                        "kind": "lunch" if "lunch" in slot.name.lower() else "break",
                        "name": slot.name,
                        "start": week.timestamp(s),
                        "end": week.timestamp(s + slot.length_min),
                        "paid": slot.paid,
                    }
                )
            mt = meeting_times.get(ai)
            if _holds(o, mt):
                name = meeting_names[ai]
                brows.append(
                    {
                        "shift_id": sid,
                        "kind": "training" if "train" in name.lower() else "meeting",
                        "name": name,
                        "start": week.timestamp(mt[0]),
                        "end": week.timestamp(mt[0] + mt[1]),
                        "paid": True,
                    }
                )
    shifts = pd.DataFrame(srows, columns=list(SHIFT_COLUMNS) + ["team", "contract"])
    breaks = pd.DataFrame(brows, columns=list(BREAK_COLUMNS))
    if len(breaks):
        breaks = breaks.sort_values(["shift_id", "start"], kind="stable").reset_index(drop=True)
    return shifts, breaks


def _coverage_frame(p: _Problem, assign, served: np.ndarray) -> pd.DataFrame:
    from wfm import erlang

    week = p.week
    upi = week.units_per_interval
    sched = np.zeros((len(p.queues), week.n_intervals))
    for ai, days in enumerate(assign):
        k = p.classes[p.class_of[ai]][0]
        for oi in days.values():
            for t, u in p.options[oi].cover:
                for qi, q in enumerate(p.queues):
                    if q in k or q == ALL_QUEUES:
                        sched[qi, t] += u / upi
    rows = []
    starts = [week.timestamp(t * week.step_min) for t in range(week.n_intervals)]
    for qi, q in enumerate(p.queues):
        on = served[qi] / upi
        sl = np.full(week.n_intervals, np.nan)
        asa = np.full(week.n_intervals, np.nan)
        occ = np.full(week.n_intervals, np.nan)
        if p.traffic is not None:
            tr = p.traffic[qi]
            aht = p.aht_s[qi]
            ok = aht > 0
            if ok.any():
                sl[ok] = erlang.service_level(on[ok], tr[ok], aht[ok], p.target.answer_within_s)
                asa[ok] = erlang.average_speed_of_answer(on[ok], tr[ok], aht[ok])
                occ[ok] = erlang.occupancy(on[ok], tr[ok])
        frame = pd.DataFrame(
            {
                "queue": q,
                "interval_start": starts,
                "scheduled": sched[qi],
                "on_phone": on,
                "agents_needed": p.req[qi],
                "service_level": sl,
                "asa_s": asa,
                "occupancy": occ,
            }
        )
        rows.append(frame)
    cov = pd.concat(rows, ignore_index=True)
    if len(p.queues) == 1:
        cov = cov.drop(columns="queue")
    return cov


def _penalty_rows(
    p: _Problem, scoring: Scoring, assign: list[dict[int, int]], short: dict, absent: list[int]
) -> list[dict]:
    """Rows of the penalty report: meeting absences, every soft rule each agent's week
    bends (:meth:`Scoring.soft_terms`) and the unmet requirement of the placed breaks
    per queue and day."""
    rows = []
    for ai in absent:
        w = p.weights["meeting absence"]
        rows.append(
            {
                "rule": "meeting absence",
                "subject": p.agents[ai].id,
                "amount": 1.0,
                "unit": "meetings",
                "cost": w,
            }
        )
    for ai, days in enumerate(assign):
        for term in scoring.soft_terms(ai, [p.options[i] for i in days.values()]):
            rows.append(
                {
                    "rule": term.rule,
                    "subject": term.subject,
                    "amount": round(term.amount, 4),
                    "unit": term.unit,
                    "cost": round(term.amount * term.weight, 2),
                }
            )
    per_day = defaultdict(float)
    for (qi, t), units in short.items():
        if units:
            d = (t * p.week.step_min) // 1440
            per_day[(qi, d)] += units * p.week.unit_min / 60
    price = p.weights["unmet requirement"]
    for (qi, d), h in sorted(per_day.items()):
        # with a multi-skill plan's sets the key is the set's (each queue alone first)
        q = "+".join(p.queues[j] for j in p.sets[qi]) if p.sets else p.queues[qi]
        subject = f"{q} {WEEKDAYS[p.week.weekday(d)]} {p.week.date(d)}"
        rows.append(
            {
                "rule": "unmet requirement",
                "subject": subject,
                "amount": round(h, 4),
                "unit": "agent-h",
                "cost": round(h * price, 2),
            }
        )
    return rows


def schedule_table(result: SolveResult) -> pd.DataFrame:
    """One row per agent and working day: start, end, breaks and activities as text.

    Parameters
    ----------
    result : SolveResult
        A roster from :func:`build_roster`.

    Returns
    -------
    DataFrame
        Columns ``agent_id``, ``team``, ``day``, ``weekday``, ``template``, ``start``,
        ``end``, ``paid_h``, ``cost``, ``breaks``, ``activities``.
    """
    sh = result.shifts
    br = result.breaks
    rows = []
    by_shift = {k: g for k, g in br.groupby("shift_id")} if len(br) else {}
    for r in sh.itertuples(index=False):
        g = by_shift.get(r.shift_id)
        brk = act = ""
        if g is not None:
            b = g[g["kind"].isin(["break", "lunch"])]
            a = g[~g["kind"].isin(["break", "lunch"])]
            brk = ", ".join(f"{x.name} {x.start:%H:%M}-{x.end:%H:%M}" for x in b.itertuples())
            act = ", ".join(f"{x.name} {x.start:%H:%M}-{x.end:%H:%M}" for x in a.itertuples())
        rows.append(
            {
                "agent_id": r.agent_id,
                "team": getattr(r, "team", ""),
                "day": r.day,
                "weekday": WEEKDAYS[pd.Timestamp(r.day).weekday()],
                "template": r.template,
                "start": r.start,
                "end": r.end,
                "paid_h": r.paid_h,
                "cost": r.cost,
                "breaks": brk,
                "activities": act,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "agent_id",
            "team",
            "day",
            "weekday",
            "template",
            "start",
            "end",
            "paid_h",
            "cost",
            "breaks",
            "activities",
        ],
    )
