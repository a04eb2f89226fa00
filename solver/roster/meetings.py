"""Meetings: their slots, their members, the shifts that hold them, who attends."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from solver.roster.data import ShiftOption, breaks_avoiding
from solver.roster.lp import LPBound
from solver.roster.problem import _Problem, _usable_by_contract
from wfm.types import Activity


def _meeting_slots(p: _Problem, act: Activity) -> list[tuple[int, int]]:
    step = max(30, p.week.step_min)
    slots = []
    for d in range(7):
        if p.week.weekday(d) not in act.days:
            continue
        for s in range(act.earliest_start_min, act.latest_start_min + 1, step):
            slots.append((d * 1440 + s, act.length_min))
    return slots


def _meeting_members(p: _Problem, act: Activity) -> list[int]:
    return [
        ai
        for ai, a in enumerate(p.agents)
        if (act.team is not None and a.team == act.team) or a.id in act.attendees
    ]


_COMPAT_CACHE: dict = {}


def _holds(o: ShiftOption, mt: tuple[int, int] | None) -> bool:
    """The shift contains the meeting ``(abs_start, length)`` (None: no meeting)."""
    return mt is not None and o.abs_start <= mt[0] and mt[0] + mt[1] <= o.abs_end


def _compatible(o: ShiftOption, s: int, length: int) -> bool:
    if not (o.abs_start <= s and s + length <= o.abs_end):
        return False
    key = (o.template, s - o.abs_start, length)
    hit = _COMPAT_CACHE.get(key)
    if hit is None:
        hit = breaks_avoiding(o, [(s, s + length)]) is not None
        _COMPAT_CACHE[key] = hit
    return hit


def _attendance(
    p: _Problem, assign: list[dict[int, int]], slot_of: dict
) -> tuple[dict[int, tuple[int, int]], dict[int, str], list[int]]:
    """Each meeting's time and who attends it (:func:`_meeting_time`).  Returns the
    time and meeting name by attending member, and the absent members."""
    meeting_times, meeting_names, absent = {}, {}, []
    for act in p.activities:
        members = _meeting_members(p, act)
        if not members or slot_of.get(act.name) is None:
            continue
        sl, present = _meeting_time(p, act, members, assign, slot_of[act.name])
        for ai in members:
            if ai in present:
                meeting_times[ai] = sl
                meeting_names[ai] = act.name
            else:
                absent.append(ai)
    return meeting_times, meeting_names, absent


def _meeting_time(
    p: _Problem,
    act: Activity,
    members: list[int],
    assign: list[dict[int, int]],
    chosen: tuple[int, int],
) -> tuple[tuple[int, int], set[int]]:
    """The meeting's time (``chosen``: pass 1's slot, or the planned one when pass 1
    did not run) and the members whose shifts hold it.

    Pass 1 spreads breaks evenly, no guide to a meeting's hour: on the benchmark it
    moved one by 30 min from the slot the plan staffed, losing 5 members, with no less
    unmet requirement once the breaks were placed.  The planned slot stands unless
    fewer members can attend it.
    """

    def attend(sl):
        return {
            ai
            for ai in members
            if any(_compatible(p.options[oi], *sl) for oi in assign[ai].values())
        }

    planned = p.meeting_slot.get(act.name)
    if planned is not None and planned != chosen:
        at_plan = attend(planned)
        at_chosen = attend(chosen)
        return (planned, at_plan) if len(at_plan) >= len(at_chosen) else (chosen, at_chosen)
    return chosen, attend(chosen)


def _meeting_fits(p: _Problem) -> dict[int, set[int]]:
    """Per meeting member, the candidate shifts that fit its meeting's slot.

    The slot is the one :func:`_choose_meeting_slots` set, or else the one most members
    can reach, the quietest of those (by total requirement).  Computed once per
    problem, after the candidates.
    """
    if p.meeting_fits is not None:
        return p.meeting_fits
    total = p.total_units()
    fits_of: dict[int, set[int]] = defaultdict(set)
    for act in p.activities:
        members = _meeting_members(p, act)
        slots = _meeting_slots(p, act)
        if not members or not slots:
            continue

        def fits(sl, members=members):
            return sum(any(_compatible(p.options[i], *sl) for i in p.cand[ai]) for ai in members)

        chosen = p.meeting_slot.get(act.name) or min(
            slots,
            key=lambda sl: (-fits(sl), sum(total[t] * u for t, u in p.week.cover(*sl))),
        )
        p.meeting_slot[act.name] = chosen
        for ai in members:
            fits_of[ai] |= {i for i in p.cand[ai] if _compatible(p.options[i], *chosen)}
    p.meeting_fits = fits_of
    return fits_of


def _attendable(
    p: _Problem, members: list[int], slots: list[tuple[int, int]]
) -> list[tuple[tuple[int, int], int, set[int]]]:
    """Per slot: how many of ``members`` may work a shift (allowed, of a template their
    contract can use) that holds the meeting with its breaks around it, and the options
    that do."""
    usable = _usable_by_contract(p)
    reach = [
        {i for i in p.allowed[ai] if p.options[i].template.name in usable[p.agents[ai].contract]}
        for ai in members
    ]
    out = []
    for sl in slots:
        fit_opts = {o.index for o in p.options if _compatible(o, *sl)}
        out.append((sl, sum(1 for r in reach if not fit_opts.isdisjoint(r)), fit_opts))
    return out


def _choose_meeting_slots(p: _Problem, lp: LPBound, resolve) -> tuple[LPBound, np.ndarray]:
    """Set each meeting's slot where the plan pays least for it; plan for its attendees.

    Meetings are taken in turn.  A slot costs the absence price for each member who
    cannot work a shift around it (availability, time off), plus, for each who can,
    the LP's dual price of the intervals it takes off the phones.  The dual prices are
    flat over long stretches of a day (on the 400-agent benchmark one price from 09:00
    to 14:00), so ties are common: they go to the quietest slot (least requirement),
    then to the one the plan already staffs most.  The busiest slot of a tie took a
    whole team off the phones at the morning peak, where the roster left 43 agent-hours
    unmet in the meeting's hour; the LP itself pays for the meeting there about what it
    pays in the midday trough, but a roster cannot move breaks off a peak as freely.

    The chosen meetings' attendees are added to the requirement, the plan must hold a
    shift around each meeting for each of them, of a template they may work
    (:func:`_holding_rows`), and ``resolve(extra, holding)`` re-solves the LP: once at the end while each meeting has a day of its own (a
    meeting then barely moves the prices of the other days), and before a meeting
    that must share a day with one not yet priced, so that it sees the new prices.

    Returns the last LP and the extra requirement (model units per interval).
    """
    extra = np.zeros(p.req_units.shape[1])
    holding: list[tuple[list[int], int]] = []
    total = p.req_units.sum(axis=0)
    absence = p.weights["meeting absence"]
    unpriced: set[int] = set()  # days of the meetings added since the last solve
    for act in p.activities:
        members = _meeting_members(p, act)
        slots = _meeting_slots(p, act)
        if not members or not slots:
            continue
        # one meeting a day while days are free: a team's members then compete only
        # with other teams' agents for the plan's shifts around their meeting
        used = {sl[0] // 1440 for sl in p.meeting_slot.values()}
        slots = [sl for sl in slots if sl[0] // 1440 not in used] or slots
        if unpriced & {sl[0] // 1440 for sl in slots}:
            lp, unpriced = resolve(extra, holding), set()
        best = None
        for sl, fit, fit_opts in _attendable(p, members, slots):
            cover = p.week.cover(*sl)
            price = sum(lp.cover_price[t] * u for t, u in cover)
            quiet = sum(total[t] * u for t, u in cover)
            staffed = sum(lp.counts[i] for i in fit_opts)
            key = (round(absence * (len(members) - fit) + fit * price, 2), quiet, -staffed)
            if best is None or key < best[0]:
                best = (key, sl, fit, cover)
        _, sl, fit, cover = best
        p.meeting_slot[act.name] = sl
        unpriced.add(sl[0] // 1440)
        holding += _holding_rows(p, members, sl)
        for t, u in cover:
            extra[t] += fit * u
    if unpriced:
        lp = resolve(extra, holding)
    return lp, extra


def _holding_rows(p: _Problem, members: list[int], sl: tuple[int, int]
                  ) -> list[tuple[list[int], int]]:
    """The shifts a plan needs around the meeting at ``sl``: per set of templates the
    members may work, as many shifts of them holding the meeting (breaks around it) as
    members who may work one and no other.  Rows ``(options, count)`` of the LP's ``min_counts``.

    Without them the LP staffs a late meeting's attendees with the part-time 4-h
    shifts that cover the evening most cheaply, which the full-time members cannot
    work: on the 400-agent benchmark, 20 of a team's 80 members missed its 17:00
    meeting.
    """
    usable = _usable_by_contract(p)
    fit_opts = {o.index for o in p.options if _compatible(o, *sl)}
    groups: dict[frozenset, int] = defaultdict(int)
    for ai in members:
        ok = usable[p.agents[ai].contract]
        reach = {i for i in p.allowed[ai] if p.options[i].template.name in ok} & fit_opts
        if reach:
            groups[frozenset(p.options[i].template.name for i in reach)] += 1
    # members whose templates are among a set's need that many shifts of the set
    return [
        (sorted(i for i in fit_opts if p.options[i].template.name in names),
         sum(n for other, n in groups.items() if other <= names))
        for names in groups
    ]


def _meeting_off_price(p: _Problem) -> dict[int, float]:
    """Per meeting member: attending takes it off the phones for the meeting, priced as
    the meeting's hours unmet (the most it can cost)."""
    out = {}
    for act in p.activities:
        sl = p.meeting_slot.get(act.name)
        if sl is not None:
            for ai in _meeting_members(p, act):
                out[ai] = p.weights["unmet requirement"] * sl[1] / 60
    return out
