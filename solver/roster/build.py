"""The public entry point :func:`build_roster` and the order of its stages within the time limit."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from solver.result import PENALTY_COLUMNS, SolveResult
from solver.roster.best_response import _local_search
from solver.roster.break_placement import _Pass2, _place_breaks_by_day, _place_new_breaks
from solver.roster.cpsat import _STATUS, _solve
from solver.roster.explain import _explain, _precheck
from solver.roster.improve import (
    _exchange_days,
    _match_weeks,
    _mend_meeting_absences,
    _rematch_starts,
    _swap_search,
)
from solver.roster.lns import FreeAndSolve, MoveMeeting, ReplaceBreaks
from solver.roster.meetings import _attendance, _meeting_fits, _meeting_members
from solver.roster.moves import (
    AddShift,
    ChangeShift,
    ExchangeDays,
    MoveDayOff,
    RemoveShift,
    RosterState,
    Scheduler,
)
from solver.roster.plan_bounds import _Bounds, _plan_and_bounds
from solver.roster.plan_match import _fill_plan_gaps, _plan_days, _plan_starts
from solver.roster.problem import Progress, _prepare, _Problem
from solver.roster.report import _coverage_frame, _frames, _penalty_rows
from solver.roster.scoring import Scoring, _crew_breach, _on_phone_units, _serve
from solver.roster.shift_model import _build_pass1, _complete_hint, _weeks_kept
from solver.roster.unmet_cover import _add_with_breaks_moved, _cover_unmet
from wfm.errors import InputError, SolveError
from wfm.types import Activity, Agent, Contract, ServiceTarget, ShiftTemplate

#: Share of the time limit for the agent-by-agent search that builds the start.
_LOCAL_SEARCH_SHARE = 0.01
#: Share of the time limit for matching agents' days and templates to the plan.
_PLAN_DAYS_SHARE = 0.2
#: Share of the time left after the searches for pass 1 (at most _PASS1_MAX_S seconds).
_PASS1_SHARE = 0.25
_PASS1_MAX_S = 2.0
#: Above this many candidate (agent, shift) pairs, pass 1 runs only to repair a start
#: that breaks a rule (the benchmark has 82,000, the demo 15,000).
_PASS1_MAX_CANDIDATES = 40_000
#: Share of the time limit for moving single shifts, when the start is not the plan's.
_SWAP_SEARCH_SHARE = 0.3
#: Share of the time limit for handing the same starts to other agents at less cost.
_REMATCH_SHARE = 0.05
#: Share of the time limit for exchanging working days between agents of one kind.
_DAY_EXCHANGE_SHARE = 0.05
#: Share of the time limit for matching whole weeks to the agents of one contract.
_WEEK_MATCH_SHARE = 0.03
#: Share of the time limit for adding or moving shifts, and moving breaks, where the
#: breaks placed by pass 2 leave requirement unmet.
_COVER_SHIFTS_SHARE = 0.04
#: Time kept for the frames and report after the last solve [s] (at most: a tenth of
#: the limit and 0.2 s on a short limit).
_REPORT_S = 1.0
#: Shares of the limit by which the LP bounds end (those that would not are left out),
#: and by which the anonymous LP, which the plan needs, must end.
_LP_SHARE = 0.3
_ANONYMOUS_LP_SHARE = 0.6
#: Share of the limit the stages of the start leave for pass 1, pass 2 and the moves.
_LATER_SHARE = 0.45
#: Share of the time limit for the moves on the roster with its breaks placed.
_MOVES_SHARE = 0.1
#: Share of the time limit for adding shifts priced with the breaks around them placed
#: again.
_ADD_SHARE = 0.1


def build_roster(
    plan_or_requirements, agents: Sequence[Agent], contracts: Mapping[str, Contract],
    templates: Sequence[ShiftTemplate], *, activities: Sequence[Activity] = (),
    weights: Mapping[str, float] | None = None, week_start=None, time_limit_s: float = 60.0,
    num_workers: int = 2, progress: Progress | None = None,
    requirements: pd.DataFrame | None = None, cover: str = "staff_needed",
    target: ServiceTarget | None = None, lead_ratio: int = 15,
    previous: pd.DataFrame | None = None, pooled_requirements: pd.DataFrame | None = None,
    horizon_carry: Sequence | None = None,
) -> SolveResult:
    """Assign a week of shifts, breaks and meetings to named agents.

    Parameters
    ----------
    plan_or_requirements : SolveResult, DataFrame
        A shift plan from :func:`solver.plan_shifts` (or its shifts frame: one row per
        anonymous agent-shift with ``template`` and ``start``), whose shifts are the
        candidates and hint; or a requirements frame (``queue``, ``interval_start`` and
        the ``cover`` column), from which shifts are chosen directly.
    agents : sequence of Agent
    contracts : mapping str -> Contract
        By name, for every ``Agent.contract``.
    templates : sequence of ShiftTemplate
    activities : sequence of Activity
        Meetings with the whole team (``team``) or a list of ``attendees``, placed at
        one common time where they cost the least service (``together`` is assumed).
    weights : mapping str -> float, optional
        Prices of the soft rules [currency per unit]; keys of
        :data:`solver.roster.rules.DEFAULT_WEIGHTS`.
    week_start : Timestamp, optional
        Midnight at which the week starts; by default the first day of the input.
    time_limit_s : float
        Wall-clock limit of the whole solve [s].
    num_workers : int
        CP-SAT worker threads.  ``progress``: optional callable (done, total, message).
    requirements : DataFrame, optional
        Per-queue requirement to cover when a plan is given (default: the plan's).
    cover : str
        Requirement column to cover with agents on the phones (breaks are planned, so
        ``staff_needed``, which adds shrinkage, is the default).
    target : ServiceTarget, optional
        For the service level of the coverage frame (default 80/20).
    lead_ratio : int
        One team lead on shift per this many others; 0 switches both lead rules off.
    previous : DataFrame, optional
        Shifts worked before the week (``agent_id``, ``start``, ``end``; a published
        roster or :func:`wfm.io.load_shifts`): rest and the run of days carry on.
    pooled_requirements : DataFrame, optional
        Requirements of the queue sets skill groups share (``queue_set`` "a+b",
        :func:`wfm.multiskill.pooled_requirements`), beside the per-queue ones:
        coverage is then counted per queue and per set, as a skill-group plan's.
    horizon_carry : sequence of (int, int), optional
        Per agent, evenings and weekend days owed (> 0) or worked above its share (< 0)
        so far on a horizon (:mod:`solver.roster.horizon`); they move its fair shares.

    Returns
    -------
    SolveResult
        ``shifts`` with ``agent_id`` (plus ``team``, ``contract``), ``breaks`` with the
        breaks and meetings, ``coverage``, ``penalties`` (every bent soft rule and the
        unmet requirement), ``objective`` (wages + penalties), ``bound`` and ``gap``;
        on infeasibility ``message`` names the agents and rules that clash.

    Notes
    -----
    Weekly hours, days, days off and the weekend limit count inside the week (rest and
    the run of days across it, with ``previous``).  Coverage wraps round the week.
    """
    t_start = time.perf_counter()
    if time_limit_s <= 0:
        raise InputError("time_limit_s", time_limit_s, "seconds > 0")
    if num_workers < 1:
        raise InputError("num_workers", num_workers, "an integer >= 1")
    (progress or (lambda done, total, message="": None))(0.0, 1.0, "preparing")
    p = _prepare(plan_or_requirements, agents, contracts, templates, activities, weights,
                 week_start, requirements, cover, target or ServiceTarget(), previous,
                 pooled=pooled_requirements)
    p.lead_ratio = int(lead_ratio)
    p.fair_carry = _carry(horizon_carry, len(p.agents))
    return _roster(p, time_limit_s, num_workers, progress, t_start)


def _carry(horizon_carry, n_agents: int) -> list[tuple[int, int]]:
    """The checked ``horizon_carry`` of :func:`build_roster` ([] for none)."""
    if horizon_carry is None:
        return []
    if len(horizon_carry) != n_agents:
        raise InputError("horizon_carry", f"{len(horizon_carry)} pairs",
                         f"one (evenings, weekend days) pair per agent ({n_agents})")
    return [(int(e), int(w)) for e, w in horizon_carry]


def _roster(p: _Problem, time_limit_s: float, num_workers: int, progress, t_start: float
            ) -> SolveResult:
    """The stages of :func:`build_roster` on the prepared problem, in turn."""
    prog = progress or (lambda done, total, message="": None)

    def clock() -> float:
        return time.perf_counter() - t_start

    try:
        bounds, base_plan, plan_source = _plan_and_bounds(
            p, prog, t_start + _LP_SHARE * time_limit_s, t_start + _ANONYMOUS_LP_SHARE * time_limit_s
        )
    except SolveError as e:
        if clock() < _ANONYMOUS_LP_SHARE * time_limit_s:
            raise
        return SolveResult(status="NO_SOLUTION", wall_time_s=clock(),
                           message=f"no roster within the time limit: {e}")
    stats = _problem_stats(p, bounds, plan_source)
    prog(0.05, 1.0, "checking each agent's rules")
    stats["t_prepare_lp_s"] = clock()
    problems = _precheck(p)
    stats["t_precheck_s"] = clock()
    if problems:
        return SolveResult(
            status="INFEASIBLE",
            wall_time_s=clock(),
            message="no roster: " + "; ".join(problems),
            stats=stats,
        )
    hint = _start(p, base_plan, time_limit_s, stats, clock, prog)
    out = _shifts_from_start(p, base_plan, hint, time_limit_s, num_workers, progress, stats, clock)
    if isinstance(out, SolveResult):
        return out
    assign, slot_of = out
    meeting_times, meeting_names, absent = _attendance(p, assign, slot_of)
    prog(0.87, 1.0, "placing breaks")
    stats["t_pass1_s"] = clock()
    assign, p2, meeting_times = _breaks_and_cover(
        p, base_plan, assign, meeting_times, time_limit_s, num_workers, stats, clock
    )
    meeting_names, absent = _attendees(p, meeting_times, slot_of)
    res = _result(p, bounds, Scoring(p, base_plan), assign, p2,
                  (meeting_times, meeting_names, absent), stats)
    res.wall_time_s = clock()
    prog(1.0, 1.0, "done")
    return res


def _problem_stats(p: _Problem, bounds: _Bounds, plan_source: str) -> dict:
    """The stats of the problem and its bounds."""
    return {
        "agents": len(p.agents),
        "queues": p.queues,
        "classes": len(p.classes),
        "options": len(p.options),
        "candidates": int(sum(len(c) for c in p.cand)),
        "lp_bound": bounds.lp.value,
        "lp_bound_contract_hours": bounds.contract.value,
        "lp_bound_meetings": bounds.meetings.value,
        "lp_bound_weekends": bounds.weekends.value,
        "bound_above_min_rate": bounds.above_min_rate,
        "lp_shortfall_h": bounds.lp.shortfall_h,
        "plan_source": plan_source,
        "interval_min": p.week.step_min,
        "unit_min": p.week.unit_min,
    }


def _result(
    p: _Problem, bounds: _Bounds, scoring: Scoring, assign: list[dict[int, int]], p2: _Pass2,
    attendance: tuple, stats: dict,
) -> SolveResult:
    """The roster's frames, objective (priced by ``scoring``), bound and status.
    ``attendance`` is (meeting times, meeting names, absent members)."""
    meeting_times, meeting_names, absent = attendance
    shifts, breaks = _frames(p, assign, p2.breaks, meeting_times, meeting_names)
    coverage = _coverage_frame(p, assign, p2.served)
    score = scoring.evaluate(
        assign, _on_phone_units(p, assign, p2.breaks, meeting_times), len(absent)
    )
    stats["objective_by_part"] = {
        "wages": score.wages, "unmet requirement": score.unmet,
        "meeting absence": score.absence, **score.soft,
    }
    prows = _penalty_rows(p, scoring, assign, p2.short_units, absent)
    penalties = pd.DataFrame(prows, columns=list(PENALTY_COLUMNS))
    wages = float(shifts["cost"].sum())
    objective = wages + float(penalties["cost"].sum())
    bound = min(bounds.value, objective)
    stats.update(wages=wages, penalty_cost=float(penalties["cost"].sum()))
    status = "OPTIMAL" if objective - bound <= 1e-9 * max(1.0, abs(objective)) else "FEASIBLE"
    res = SolveResult(
        status=status,
        objective=objective,
        bound=bound,
        shifts=shifts,
        breaks=breaks,
        coverage=coverage,
        penalties=penalties,
        stats=stats,
    )
    res.message = (
        f"{len(shifts)} shifts for {sum(1 for a in assign if a)} of {len(p.agents)} agents; "
        f"wages {wages:,.2f}, penalties {stats['penalty_cost']:,.2f}"
    )
    return res


def _start(p: _Problem, base_plan: dict[int, int], time_limit_s: float, stats: dict, clock,
           prog) -> list[dict[int, int]]:
    """A roster that keeps each agent's rules, built from the plan and improved by the
    searches in turn (each within its share of ``time_limit_s``).  Their counts and
    finishing times go to ``stats``."""
    prog(0.06, 1.0, "matching agents to the plan's shifts")

    def budget(share: float) -> float:
        """The stage's share of the limit, within what leaves the later stages
        ``_LATER_SHARE`` of it."""
        return max(0.0, min(share * time_limit_s,
                            (1 - _LATER_SHARE) * time_limit_s - clock()))

    days = _plan_days(p, base_plan, budget(_PLAN_DAYS_SHARE))
    start = _plan_starts(p, base_plan, days) if days is not None else None
    if start is not None:
        start, stats["plan_gap_moves"] = _fill_plan_gaps(p, start, base_plan)
    stats["plan_matched"] = days is not None
    stats["t_plan_match_s"] = clock()
    hint, n_rounds = _local_search(p, base_plan, budget(_LOCAL_SEARCH_SHARE), start=start)
    stats["local_search_rounds"] = n_rounds
    stats["local_search_s"] = clock()
    if not _crew_breach(p, hint) and _weeks_kept(p, hint, range(len(p.agents))):
        stats["t_feasible_s"] = clock()  # the first roster that keeps every rule
    # Single-shift moves price breaks at their average share.  From the plan's own
    # starts they lost more than they won (on the 400-agent benchmark, unmet
    # requirement after the breaks went from 47 to 117 agent-hours): there they only
    # mend a breach of the lead rules.  A start built without the plan gets the sweeps.
    swap_s = budget(_SWAP_SEARCH_SHARE) if start is None else 0.0
    hint, n_sweeps = _swap_search(p, hint, base_plan, swap_s)
    stats["swap_search_sweeps"] = n_sweeps
    stats["swap_search_s"] = clock()
    hint, n_rounds = _rematch_starts(p, hint, base_plan, budget(_REMATCH_SHARE))
    stats["rematch_rounds"] = n_rounds
    stats["rematch_s"] = clock()
    hint, stats["day_exchanges"] = _exchange_days(p, hint, base_plan, budget(_DAY_EXCHANGE_SHARE))
    stats["day_exchange_s"] = clock()
    hint, stats["weeks_rehanded"] = _match_weeks(p, hint, base_plan, budget(_WEEK_MATCH_SHARE))
    stats["week_match_s"] = clock()
    hint, stats["meeting_mend_moves"] = _mend_meeting_absences(p, hint, base_plan)
    stats["meeting_mend_s"] = clock()
    return hint


def _shifts_from_start(
    p: _Problem, base_plan: dict[int, int], hint: list[dict[int, int]], time_limit_s: float,
    num_workers: int, progress, stats: dict, clock,
) -> tuple[list[dict[int, int]], dict] | SolveResult:
    """The week's shifts: the start itself when it keeps every rule on a large team,
    else pass 1 from it.  Returns (assignment, meeting slot by activity name), or the
    SolveResult saying why there is no roster."""
    # Pass 1, on a large team only to repair a start that breaks a rule.  From the
    # 400-agent benchmark's legal start its search never began within its time (with
    # and without meetings), while building and loading its model took 7 s of the 60 s,
    # 14 s with meetings, which pass 2 puts to better use.  On small teams it searches.
    kept = False  # the start is the roster
    if stats["candidates"] > _PASS1_MAX_CANDIDATES and not _crew_breach(p, hint):
        kept = _weeks_kept(p, hint, range(len(p.agents)))
        if kept:
            stats["pass1_status"] = "not run (the start keeps every rule)"
    if kept:
        stats.setdefault("t_feasible_s", clock())
        _meeting_fits(p)  # sets the slot of every meeting
        return hint, {act.name: p.meeting_slot.get(act.name) for act in p.activities}
    return _pass1(p, base_plan, hint, time_limit_s, num_workers, progress, stats, clock)


def _pass1(
    p: _Problem, base_plan: dict[int, int], hint: list[dict[int, int]], time_limit_s: float,
    num_workers: int, progress, stats: dict, clock,
) -> tuple[list[dict[int, int]], dict] | SolveResult:
    """Pass 1 from the start (:func:`_shifts_from_start`)."""
    prog = progress or (lambda done, total, message="": None)
    prog(0.1, 1.0, "building the roster model")
    pass1 = _build_pass1(p, base_plan)
    stats["t_build_s"] = clock()
    hint_cost = _complete_hint(pass1, hint, num_workers,
                               min(5.0, max(0.1, 0.2 * (time_limit_s - clock()))))
    stats["t_hint_s"] = clock()
    stats["greedy_cost_pass1"] = hint_cost
    reserve = _report_s(time_limit_s) + 0.05 * time_limit_s  # frames and reports after
    remaining = max(0.1, time_limit_s - clock() - reserve)
    t1 = min(_PASS1_SHARE * remaining, _PASS1_MAX_S)
    s1, st1 = _solve(pass1.model, max(0.1, t1), num_workers, progress, 0.15, 0.85, "shifts")
    status1 = _STATUS.get(st1, "NO_SOLUTION")
    kept = False
    if status1 == "NO_SOLUTION" and not _crew_breach(p, hint):
        # out of time before the search started: the start keeps every rule
        kept = _weeks_kept(p, hint, range(len(p.agents)))
        stats["pass1_from_start"] = kept
    left = time_limit_s - clock() - reserve
    if not kept and status1 == "NO_SOLUTION" and left > 2.0:
        # the start breaks a crew rule and the short solve found no roster: pass 1
        # gets the time left but a fifth, kept for the breaks
        s1, st1 = _solve(pass1.model, 0.8 * left, num_workers, progress, 0.15, 0.85, "shifts")
        status1 = _STATUS.get(st1, "NO_SOLUTION")
        stats["pass1_retried"] = True
    stats.update(
        pass1_status="no solution in its time: the start is kept" if kept else status1,
        pass1_wall_s=s1.wall_time,
        pass1_objective=s1.objective_value / 100 if status1 in ("OPTIMAL", "FEASIBLE") else None,
        pass1_bound=s1.best_objective_bound / 100,
        variables=len(pass1.model.proto.variables),
        constraints=len(pass1.model.proto.constraints),
    )
    if kept or status1 in ("OPTIMAL", "FEASIBLE"):
        stats.setdefault("t_feasible_s", clock())
    if kept:
        _meeting_fits(p)  # sets the slot of every meeting
        return hint, {act.name: p.meeting_slot.get(act.name) for act in p.activities}
    if status1 not in ("OPTIMAL", "FEASIBLE"):
        return SolveResult(
            status=status1,
            wall_time_s=clock(),
            message=_explain(p, base_plan, status1, num_workers),
            stats=stats,
        )
    assign = [
        {o.day: o.index for o, v in zip(av.options, av.x, strict=True) if s1.value(v)}
        for av in pass1.avs
    ]
    slot_of = {
        act.name: slots[next(j for j, v in enumerate(y) if s1.value(v))]
        for act, slots, y, _ in pass1.meetings
    }
    return assign, slot_of


def _breaks_and_cover(
    p: _Problem, base_plan: dict[int, int], assign: list[dict[int, int]], meeting_times: dict,
    time_limit_s: float, num_workers: int, stats: dict, clock,
) -> tuple[list[dict[int, int]], _Pass2, dict]:
    """Pass 2 places the breaks; then shifts are added or moved, and breaks moved, where
    requirement is left unmet (:func:`_cover_unmet`), shifts added with the breaks
    around them placed again (:func:`_add_with_breaks_moved`), and the moves improve
    the roster in the time left (:func:`_improve`).  Returns the final assignment, its
    placed breaks and the meetings' times by attending member (those of pass 2 alone
    if a changed week breaks a rule: then no change is kept)."""
    # kept for the changes after pass 2, their pricing and breaks (1 s), and 1 s for
    # pass 2 running over
    step_s = _COVER_SHIFTS_SHARE * time_limit_s
    add_s = _ADD_SHARE * time_limit_s
    moves_s = _MOVES_SHARE * time_limit_s
    report_s = _report_s(time_limit_s)
    slack = min(2.0, 0.1 * time_limit_s)
    pass2_s = time_limit_s - clock() - report_s - step_s - add_s - moves_s - slack
    # one day at a time: on the 400-agent benchmark, 6 s leave 150-300 unmet agent-hours
    # by day and 320-440 in one model (equal at 12 s).  No hint from pass 1's break
    # counts: handed to the agents in order, they led CP-SAT to three times the unmet
    p2 = _place_breaks_by_day(p, assign, meeting_times, max(0.1, pass2_s), num_workers)
    stats["t_pass2_s"] = clock()
    stats.update(pass2_status=p2.status, pass2_wall_s=p2.wall_s)
    # shifts added or moved, and breaks moved, where the placed breaks leave requirement
    # unmet, the new shifts' breaks placed among the others'; then shifts added with
    # the breaks around them placed again.  The weeks that changed are checked again
    left = time_limit_s - clock() - report_s - moves_s
    more, guess, counts = _cover_unmet(
        p, assign, base_plan, p2, meeting_times, max(0.0, min(step_s, left - add_s - slack / 2))
    )
    placed = p2
    if counts:
        left = max(0.1, time_limit_s - clock() - report_s - add_s - moves_s)
        placed = _place_new_breaks(p, assign, more, p2, meeting_times, left, num_workers, guess)
    stats["t_cover_shifts_s"] = clock()
    left = time_limit_s - clock() - report_s - moves_s - slack / 4
    if left > 0.5:
        more, placed, counts["added with breaks moved"] = _add_with_breaks_moved(
            p, more, base_plan, placed, meeting_times, min(add_s, left), num_workers
        )
    stats["t_add_s"] = clock()
    left = time_limit_s - clock() - report_s - slack / 4
    times = meeting_times
    if left > 0.2:
        more, placed, times, stats["moves"] = _improve(
            p, base_plan, more, placed, meeting_times, min(moves_s, left), num_workers
        )
    stats["t_moves_s"] = clock()
    changed = [ai for ai, (a, b) in enumerate(zip(assign, more, strict=True)) if a != b]
    if not _weeks_kept(p, more, changed):
        # a week the checks let through breaks a rule: no change is kept
        stats["cover_rejected"] = True
        counts = Counter()
    else:
        assign, p2, meeting_times = more, placed, times
    stats.update(
        cover_shifts_added=counts["added"],
        cover_shifts_moved=counts["moved"],
        cover_breaks_moved=counts["breaks"],
        shifts_added_with_breaks_moved=counts["added with breaks moved"],
    )
    return assign, p2, meeting_times


def _improve(
    p: _Problem, plan: dict[int, int], assign: list[dict[int, int]], placed: _Pass2,
    meeting_times: dict, time_budget_s: float, num_workers: int,
) -> tuple[list[dict[int, int]], _Pass2, dict, dict]:
    """The moves of :mod:`solver.roster.moves` and :mod:`solver.roster.lns` on the
    roster with its breaks placed, for ``time_budget_s``, each given its share of the
    time by what it recently bought (:class:`Scheduler`).  Returns the assignment, its
    breaks, the meetings' times and, per move, its tries, changes made, time and gain."""
    state = RosterState(p, Scoring(p, plan), assign, placed.breaks, meeting_times)
    moves = [ChangeShift(), MoveDayOff(), ExchangeDays(), AddShift(), RemoveShift(),
             ReplaceBreaks(0.5, num_workers), MoveMeeting(1.0, num_workers),
             FreeAndSolve(1.0, num_workers)]
    scheduler = Scheduler(moves, np.random.default_rng(0))
    saved = scheduler.run(state, time_budget_s)
    if saved <= 0:
        return assign, placed, meeting_times, _move_stats(scheduler)
    served, short = _serve(p, np.rint(state.on).astype(int))
    p2 = _Pass2(state.breaks, short, served, placed.status, placed.wall_s)
    return state.assign, p2, state.meeting_times, _move_stats(scheduler)


def _move_stats(scheduler: Scheduler) -> dict:
    return {name: st.as_dict() for name, st in scheduler.stats.items()}


def _attendees(p: _Problem, meeting_times: dict, slot_of: dict
               ) -> tuple[dict[int, str], list[int]]:
    """The meeting's name by attending member, and the members absent (of the meetings
    with a slot)."""
    names, absent = {}, []
    for act in p.activities:
        if slot_of.get(act.name) is None:
            continue
        for ai in _meeting_members(p, act):
            if ai in meeting_times:
                names[ai] = act.name
            else:
                absent.append(ai)
    return names, absent


def _report_s(time_limit_s: float) -> float:
    """Time kept for the frames and report after the last solve [s]."""
    return min(_REPORT_S, 0.1 * time_limit_s + 0.2)
