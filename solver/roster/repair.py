"""Repair, not rebuild: a published roster mended for what changed, touching few agents.

Once a roster is published, agents fall sick, time off is approved, a day's volume comes
in high, two agents ask to swap a day.  :func:`repair_roster` keeps every shift it can:

1. **Swaps** are checked first, each against every hard rule of both agents' weeks
   with the swapped shifts; a swap that breaks one is refused with the rule and kept
   out, one that keeps them all is made.
2. **Free agent-days.**  The days named by an absence or a requirement update are
   free for every agent; every other day keeps its published shift.  An absent
   agent's contract minimums are lowered by the hours and days its absence takes.
3. **One CP-SAT** over the free agent-days: for each agent its published shift of the
   day, a day off or another candidate shift, with every hard rule of its week (the
   fixed days included), coverage of the free days' requirement (breaks at their
   expected share), wages, and a price per changed agent-day; hinted with the
   published roster.
4. **Breaks** of the new shifts are placed among the kept shifts' breaks; the kept
   shifts keep their rows, breaks and meetings exactly as published.

The result lists every change (agent, day, old shift, new shift) for the people it
affects; a repair that cannot keep a rule names the agent and the rule.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from solver.result import SolveResult
from solver.roster import rules
from solver.roster.break_placement import _place_breaks_among
from solver.roster.cpsat import _STATUS
from solver.roster.data import BreakSlot, ShiftOption
from solver.roster.explain import _agent_feasible
from solver.roster.problem import _candidates, _prepare, _Problem
from solver.roster.repair_greedy import greedy_repair
from solver.roster.repair_model import (
    GROUP_SIZE,
    _agent_options,
    _repair_lns,
    _RepairModel,
    _solve_from_published,
)
from solver.roster.report import _coverage_frame, _frames
from solver.roster.scoring import (
    Scoring,
    _crew_breach,
    _on_phone_units,
    _serve,
)
from wfm.changes import Absence, RequirementUpdate, ShiftSwap
from wfm.errors import DataError, InputError
from wfm.roster_diff import roster_changes
from wfm.types import Contract, ServiceTarget

__all__ = ["RepairResult", "repair_roster", "SWAP_COLUMNS"]

#: One row per requested swap.
SWAP_COLUMNS = ("agent_a", "agent_b", "day", "accepted", "reason")

_MEETING_KINDS = ("meeting", "training")
_REPLAN = ("named days", "rest of week")
_RESERVE_S = 3.0  # kept from the solve for the new shifts' breaks and the result frames
#: Above this many agents the repair's CP-SAT frees a group of agents at a time.
_WHOLE_MAX = 2 * GROUP_SIZE


@dataclass
class RepairResult(SolveResult):
    """A :class:`SolveResult` of the repaired roster, with what changed.

    Attributes
    ----------
    changes : DataFrame
        :data:`wfm.roster_diff.CHANGE_COLUMNS`: every agent-day whose shift differs from
        the published roster, with the old and the new shift.
    swaps : DataFrame
        :data:`SWAP_COLUMNS`: each requested swap, accepted or refused with the reason.
    """

    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    swaps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(SWAP_COLUMNS)))


@dataclass(frozen=True)
class _Pricing:
    """What a change costs: ``price`` per changed agent-day, at most ``max_changes`` of
    them, and the soft rules of each agent's week as ``scoring`` prices them."""

    price: float
    max_changes: int | None
    scoring: Scoring


@dataclass
class _Published:
    """The published roster read onto the problem's shift options."""

    assign: list  # per agent: day -> option index
    rows: dict  # (agent, day) -> position in the published shifts frame
    breaks: dict  # (agent, day) -> list of BreakSlot
    meeting_times: dict  # agent -> (abs_start, length) of its team's meeting
    meeting_names: dict  # agent -> meeting name


def repair_roster(
    published, changes: Sequence, agents, contracts, templates, requirements: pd.DataFrame, *,
    week_start=None, previous: pd.DataFrame | None = None, weights=None,
    change_cost: float | None = None, max_changes: int | None = None,
    replan: str = "named days", cover: str = "staff_needed",
    target: ServiceTarget | None = None, lead_ratio: int = 15, time_limit_s: float = 15.0,
    num_workers: int = 2, pooled_requirements: pd.DataFrame | None = None,
) -> RepairResult:
    """Mend a published roster for absences, time off, new requirement and swaps.

    Parameters
    ----------
    published : SolveResult or StoredRoster
        The roster as published (its ``shifts`` and ``breaks``).
    changes : sequence of Absence, RequirementUpdate, ShiftSwap
        What happened (:mod:`wfm.changes`).
    agents, contracts, templates
        As for :func:`solver.build_roster`.
    requirements : DataFrame
        The week's requirement as it now stands (``queue``, ``interval_start``, the
        ``cover`` column): only the days an absence or an update names are re-planned.
    pooled_requirements, week_start, previous
        As for :func:`solver.build_roster` (queue sets' requirement; week start;
        shifts worked before the week).
    weights : mapping, optional
        Prices of the unmet requirement and the soft rules, as for
        :func:`solver.build_roster`.  The soft rules (preferences, start consistency,
        evening and weekend fairness at the published roster's fair shares, overtime)
        are priced on each agent's whole week, as :class:`solver.roster.scoring.Scoring`
        prices them.
    change_cost : float, optional
        Price of changing one agent's day [currency]; by default two agent-hours of
        unmet requirement.  Higher keeps more of the published roster.
    max_changes : int, optional
        At most this many agent-days changed (the absent days themselves not counted);
        with a low ``change_cost`` the budget, not the price, sets how much changes.
    replan : {"named days", "rest of week"}
        The days every agent's shift may change on: the days an absence or an update
        names, or every day from the first of them to the end of the week (the days
        before it, already worked, stay as published).
    cover, target, lead_ratio, time_limit_s, num_workers
        As for :func:`solver.build_roster`; ``time_limit_s`` caps the whole repair.

    Returns
    -------
    RepairResult
        The repaired roster (every untouched shift row as published), its coverage,
        the unmet requirement and changed days as penalties, ``changes`` and ``swaps``.
        ``INFEASIBLE`` with the agent and the rule when a rule cannot be kept.
    """
    t0 = time.perf_counter()
    if time_limit_s <= 0:
        raise InputError("time_limit_s", time_limit_s, "seconds > 0")
    p = _prepare(requirements, agents, contracts, templates, (), weights, week_start, None,
                 cover, target or ServiceTarget(), previous, pooled=pooled_requirements)
    p.lead_ratio = int(lead_ratio)
    price = 2 * p.weights["unmet requirement"] if change_cost is None else float(change_cost)
    if not (math.isfinite(price) and price >= 0):
        raise InputError("change_cost", change_cost, "a price >= 0")
    _check_options(max_changes, replan)
    pub = _read_published(p, published)
    _candidates(p, {i for days in pub.assign for i in days.values()}, grid_min=60)
    absent, free_days, swaps = _sort_changes(p, changes)
    if replan == "rest of week" and free_days:
        free_days = set(range(min(free_days), 7))
    swap_rows = [_apply_swap(p, pub, s) for s in swaps]
    contracts_now = _relaxed_contracts(p, pub, absent)
    suspects = {ai for ai, _ in absent} | {
        ai for ai, days in enumerate(pub.assign)
        if any(d not in free_days and i not in p.allowed[ai] for d, i in days.items())}
    problems = _infeasible_agents(p, pub, absent, free_days, contracts_now, suspects)
    if problems:
        return RepairResult(status="INFEASIBLE", wall_time_s=time.perf_counter() - t0,
                            message="no repair: " + "; ".join(problems),
                            swaps=pd.DataFrame(swap_rows, columns=list(SWAP_COLUMNS)))
    pricing = _Pricing(price, max_changes, Scoring(p, Counter(
        i for days in pub.assign for i in days.values())))
    return _search(p, pub, published, (absent, free_days, swaps), swap_rows, contracts_now,
                   pricing, time_limit_s, num_workers, t0)


def _check_options(max_changes, replan) -> None:
    if max_changes is not None and (isinstance(max_changes, bool) or int(max_changes) != max_changes
                                    or max_changes < 0):
        raise InputError("max_changes", max_changes, "a whole number of agent-days >= 0")
    if replan not in _REPLAN:
        raise InputError("replan", replan, " or ".join(repr(r) for r in _REPLAN))


def _search(p, pub, published, sorted_changes, swap_rows, contracts_now, pricing, time_limit_s,
            num_workers, t0) -> RepairResult:
    """The greedy, then CP-SAT from it, then the repaired roster's frames."""
    absent, free_days, swaps = sorted_changes
    start = [{d: i for d, i in days.items() if (ai, d) not in absent}
             for ai, days in enumerate(pub.assign)]
    times = {"t_prepare_s": time.perf_counter() - t0}
    start, moved = greedy_repair(p, start, pub.assign, pub.breaks, pub.meeting_times, free_days,
                                 absent, pricing, 0.25 * time_limit_s)
    times["t_greedy_s"] = time.perf_counter() - t0
    free_of = [free_days | m for m in moved]  # each agent's days that may change
    if len(p.agents) > _WHOLE_MAX:
        return _search_by_groups(p, pub, published, (absent, free_of, swaps), swap_rows,
                                 contracts_now, pricing, start, time_limit_s, num_workers, t0,
                                 times)
    model = _RepairModel(p, pub, absent, free_of, contracts_now, pricing, start)
    times["t_model_s"] = time.perf_counter() - t0
    # the rest of the time to the solve, less what placing breaks and the frames take
    left = time_limit_s - (time.perf_counter() - t0)
    s, st = _solve_from_published(model.m, max(0.5, left - _reserve_s(time_limit_s)),
                                  num_workers)
    times["t_solve_s"] = time.perf_counter() - t0
    status = _STATUS.get(st, "NO_SOLUTION")
    if status not in ("OPTIMAL", "FEASIBLE") and _crew_breach(p, start) == 0:
        status = "GREEDY"  # CP-SAT found nothing in its time; the greedy's roster keeps every rule
    if status not in ("OPTIMAL", "FEASIBLE", "GREEDY"):
        why = ("every agent's week can be kept legal, so the team-lead rules cannot be met "
               "on the free days" if status == "INFEASIBLE"
               else f"no repair found in {time_limit_s:g} s")
        return RepairResult(status=status, wall_time_s=time.perf_counter() - t0,
                            message=f"no repair ({status}): {why}",
                            swaps=pd.DataFrame(swap_rows, columns=list(SWAP_COLUMNS)))
    solved = ((start, None) if status == "GREEDY" else
              (model.assignment(s), s.best_objective_bound / 100 + model.fixed_cost))
    out = _solved(p, pub, published, solved, status, (absent, free_of, swaps), swap_rows,
                  time_limit_s - (time.perf_counter() - t0), num_workers, pricing, t0)
    out.stats["variables"] = len(model.m.proto.variables)
    out.stats.update(times, t_result_s=out.wall_time_s)
    return out


def _search_by_groups(p, pub, published, sorted_changes, swap_rows, contracts_now, pricing,
                      start, time_limit_s, num_workers, t0, times) -> RepairResult:
    """CP-SAT a group of agents at a time from the greedy's roster (:func:`_repair_lns`);
    a roster that still breaks the lead rules is no repair."""
    absent, free_of, _ = sorted_changes
    left = time_limit_s - (time.perf_counter() - t0) - _reserve_s(time_limit_s)
    assign, lns = _repair_lns(p, pub, absent, free_of, contracts_now, pricing, start,
                              max(0.5, left), num_workers)
    times["t_solve_s"] = time.perf_counter() - t0
    if _crew_breach(p, assign) > 0:
        return RepairResult(status="INFEASIBLE", wall_time_s=time.perf_counter() - t0,
                            message="no repair (INFEASIBLE): the team-lead rules are not met "
                                    f"on the free days after {lns['rounds']} rounds",
                            swaps=pd.DataFrame(swap_rows, columns=list(SWAP_COLUMNS)))
    out = _solved(p, pub, published, (assign, None), "GROUPS", sorted_changes, swap_rows,
                  time_limit_s - (time.perf_counter() - t0), num_workers, pricing, t0)
    out.stats.update(times, t_result_s=out.wall_time_s, search=lns)
    out.stats["repaired_by"] = (f"CP-SAT over groups of {GROUP_SIZE} agents ({lns['rounds']} "
                                f"rounds, {lns['improved']} improved)")
    return out


def _reserve_s(time_limit_s: float) -> float:
    """Time kept from the solve for the new shifts' breaks and the result frames [s]."""
    return max(_RESERVE_S, 0.25 * time_limit_s)


def _solved(p, pub, published, solved, status, sorted_changes, swap_rows, time_left,
            num_workers, pricing, t0) -> RepairResult:
    """The repaired roster from ``solved``: (the roster, the model's bound with its fixed
    wages, or None when there is none)."""
    absent, free_of, _ = sorted_changes
    free_days = set().union(*free_of) if free_of else set()
    greedy = status == "GREEDY"
    assign, model_bound = solved
    out = _result(p, pub, published, assign, sorted_changes, time_left, num_workers, pricing)
    out.status = "FEASIBLE" if status in ("GREEDY", "GROUPS") else status
    out.stats["repaired_by"] = "greedy (CP-SAT found no solution in its time)" if greedy else "CP-SAT"
    # the model's bound, with the fixed wages and the unmet requirement of the days it
    # does not re-plan; its coverage takes breaks at their expected share
    fixed_unmet = out.stats.pop("_fixed_unmet")
    out.bound = math.nan if model_bound is None else model_bound + fixed_unmet
    out.swaps = pd.DataFrame(swap_rows, columns=list(SWAP_COLUMNS))
    out.stats.update({"free_days": sorted(free_days), "absent_agent_days": len(absent)})
    out.wall_time_s = time.perf_counter() - t0
    out.message = _message(out, status, absent)
    return out


def _read_published(p: _Problem, published) -> _Published:
    """Each published shift as (agent, day, option), its breaks as slots of that option."""
    shifts, breaks = published.shifts, published.breaks
    for col in ("shift_id", "agent_id", "template", "start"):
        if col not in shifts.columns:
            raise DataError(f"published roster: missing column '{col}'", column=col)
    index = {(o.template.name, o.abs_start): o for o in p.options}
    agent_ix = {a.id: ai for ai, a in enumerate(p.agents)}
    pub = _Published([{} for _ in p.agents], {}, {}, {}, {})
    by_sid = {}
    for pos, r in enumerate(shifts.itertuples(index=False)):
        ai = agent_ix.get(str(r.agent_id))
        if ai is None:
            raise DataError("published roster: agent not in the agents list", row=pos,
                            column="agent_id", value=r.agent_id)
        abs_start = int((pd.Timestamp(r.start) - p.week.start).total_seconds() // 60)
        o = index.get((str(r.template), abs_start))
        if o is None:
            raise DataError("published roster: no such shift of the templates in this week",
                            row=pos, column="start", value=r.start)
        pub.assign[ai][o.day] = o.index
        pub.rows[(ai, o.day)] = pos
        by_sid[str(r.shift_id)] = (ai, o)
    for r in breaks.itertuples(index=False):
        ai, o = by_sid.get(str(r.shift_id), (None, None))
        if o is None:
            continue
        start = int((pd.Timestamp(r.start) - p.week.start).total_seconds() // 60)
        if r.kind in _MEETING_KINDS:
            _note_meeting(p, pub, ai, start, pd.Timestamp(r.end), str(r.name))
        else:
            pub.breaks.setdefault((ai, o.day), []).append(_slot_of(p, o, start - o.abs_start, r))
    return pub


def _slot_of(p: _Problem, o: ShiftOption, offset: int, row) -> BreakSlot:
    """The published break as a slot of its shift: one of the option's positions, or,
    for a break placed on a finer grid than this requirement's, a slot at its time."""
    for slots in o.breaks:
        for sl in slots:
            if sl.offset_min == offset and sl.name == str(row.name):
                return sl
    rules_ = [k for k, b in enumerate(o.template.breaks) if b.name == str(row.name)]
    if not rules_ or not 0 <= offset < o.length_min:
        raise DataError(f"published roster: break '{row.name}' at {row.start} is not a break "
                        f"of template {o.template.name}", column="start", value=row.start)
    length = int((pd.Timestamp(row.end) - pd.Timestamp(row.start)).total_seconds() // 60)
    return BreakSlot(rules_[0], str(row.name), offset, length, bool(row.paid),
                     p.week.cover(o.abs_start + offset, length))


def _note_meeting(p: _Problem, pub: _Published, ai: int, start: int, end, name: str) -> None:
    """The meeting of an agent's team (or its own), for every member of that team."""
    length = int((end - p.week.timestamp(start)).total_seconds() // 60)
    team = p.agents[ai].team
    members = [j for j, a in enumerate(p.agents) if team and a.team == team] or [ai]
    for j in members:
        pub.meeting_times.setdefault(j, (start, length))
        pub.meeting_names.setdefault(j, name)


def _sort_changes(p: _Problem, changes) -> tuple[dict, set, list]:
    """(absent agent-days -> reason, free days, swaps) from the changes, checked."""
    agent_ix = {a.id: ai for ai, a in enumerate(p.agents)}
    days_of = {p.week.date(d): d for d in range(7)}
    absent, free, swaps = {}, set(), []

    def day(d, what):
        if d not in days_of:
            raise InputError(f"{what}: day", d, f"a day of the week of {p.week.start:%Y-%m-%d}")
        return days_of[d]

    for ch in changes:
        if isinstance(ch, Absence):
            if ch.agent_id not in agent_ix:
                raise InputError("absence: agent_id", ch.agent_id, "an agent of the roster")
            for d in ch.days:
                absent[(agent_ix[ch.agent_id], day(d, "absence"))] = ch.reason
                free.add(day(d, "absence"))
        elif isinstance(ch, RequirementUpdate):
            free.update(day(d, "requirement update") for d in ch.days)
        elif isinstance(ch, ShiftSwap):
            for aid in (ch.agent_a, ch.agent_b):
                if aid not in agent_ix:
                    raise InputError("swap: agent", aid, "an agent of the roster")
            swaps.append((agent_ix[ch.agent_a], agent_ix[ch.agent_b], day(ch.day, "swap")))
        else:
            raise InputError("changes", ch, "Absence, RequirementUpdate or ShiftSwap objects")
    return absent, free, swaps


def _week_breaks(p: _Problem, ai: int, week: dict, contract: Contract | None = None) -> list[str]:
    """The hard rules a fixed week of agent ``ai`` breaks, each checked on its own."""
    a = p.agents[ai]
    c = contract or p.contracts[a.contract]
    opts = [p.options[i] for i in week.values()]
    broken = []
    if any(i not in p.allowed[ai] for i in week.values()):
        broken.append("availability, time off or rest after the week before")
    broken += [name for name in rules.AGENT_HARD_RULES
               if _agent_feasible(p, ai, opts, [name], contract=c, forced=len(opts),
                                  time_limit_s=2.0) is not True]
    return broken


def _apply_swap(p: _Problem, pub: _Published, swap: tuple[int, int, int]) -> tuple:
    """Make a swap if both weeks keep every hard rule; the row says what was decided."""
    a, b, d = swap
    wa, wb = dict(pub.assign[a]), dict(pub.assign[b])
    ia, ib = wa.pop(d, None), wb.pop(d, None)
    ids = (p.agents[a].id, p.agents[b].id, p.week.date(d))
    if ia is None and ib is None:
        return (*ids, False, "neither agent works that day")
    if ib is not None:
        wa[d] = ib
    if ia is not None:
        wb[d] = ia
    reasons = [f"{p.agents[x].id}: {r}" for x, w in ((a, wa), (b, wb)) for r in _week_breaks(p, x, w)]
    if reasons:
        return (*ids, False, "; ".join(reasons))
    ba, bb = pub.breaks.pop((a, d), None), pub.breaks.pop((b, d), None)
    pub.assign[a], pub.assign[b] = wa, wb
    for x, brk in ((a, bb), (b, ba)):
        if brk is not None:
            pub.breaks[(x, d)] = brk
    pub.rows.pop((a, d), None)  # the swapped shifts are new rows for both
    pub.rows.pop((b, d), None)
    return (*ids, True, "")


def _relaxed_contracts(p: _Problem, pub: _Published, absent: dict) -> list[Contract]:
    """Each agent's contract, its weekly minimums lowered by what its absences take."""
    out = []
    for ai, a in enumerate(p.agents):
        c = p.contracts[a.contract]
        lost = [pub.assign[ai][d] for (x, d) in absent if x == ai and d in pub.assign[ai]]
        if lost:
            hours = sum(p.options[i].paid_min for i in lost) / 60
            c = dataclasses.replace(c, min_hours_week=max(0.0, c.min_hours_week - hours),
                                    min_days_week=max(0, c.min_days_week - len(lost)))
        out.append(c)
    return out


def _infeasible_agents(p, pub, absent, free, contracts_now, who) -> list[str]:
    """One sentence per agent of ``who`` whose week no choice on the free days makes
    legal (the others can keep their published week)."""
    out = []
    for ai in sorted(who):
        a = p.agents[ai]
        fixed, cand = _agent_options(p, pub, ai, absent, free)
        opts = [p.options[i] for i in fixed + cand]
        if _agent_feasible(p, ai, opts, list(rules.AGENT_HARD_RULES), contract=contracts_now[ai],
                           forced=len(fixed), time_limit_s=2.0):
            continue
        week = {p.options[i].day: i for i in fixed}
        broken = _week_breaks(p, ai, week, contracts_now[ai]) or ["its rules together"]
        out.append(f"agent {a.id} (contract '{a.contract}'): its fixed days break "
                   + ", ".join(broken) + " whatever the free days hold")
    return out


def _result(p, pub, published, assign, sorted_changes, time_left, num_workers,
            pricing: _Pricing) -> RepairResult:
    """Frames of the repaired roster: kept rows as published, new shifts with new breaks."""
    absent, free_of, swaps = sorted_changes
    kept = [{d: i for d, i in days.items() if pub.assign[ai].get(d) == i and (ai, d) in pub.rows}
            for ai, days in enumerate(assign)]
    new = [{d: i for d, i in days.items() if d not in kept[ai]} for ai, days in enumerate(assign)]
    placed = _repaired_breaks(p, pub, kept, new, time_left, num_workers)
    served, short = _serve(p, _on_phone_units(p, assign, placed, pub.meeting_times))
    ns, nb = _frames(p, new, placed, pub.meeting_times, pub.meeting_names)
    ids = {old: f"R{old[1:]}" for old in ns["shift_id"]}
    ns["shift_id"] = ns["shift_id"].map(ids)
    nb["shift_id"] = nb["shift_id"].map(ids)
    rows = sorted(pub.rows[(ai, d)] for ai, days in enumerate(kept) for d in days)
    ks = published.shifts.iloc[rows]
    kb = published.breaks[published.breaks["shift_id"].isin(set(ks["shift_id"]))]
    shifts = pd.concat([ks, ns], ignore_index=True) if len(ns) else ks.reset_index(drop=True)
    breaks = pd.concat([kb, nb], ignore_index=True) if len(nb) else kb.reset_index(drop=True)
    changes = _changes_with_cause(p, published, shifts, breaks, absent, swaps)
    repaired = [(ai, d) for ai in range(len(p.agents)) for d in sorted(free_of[ai])
                if (ai, d) not in absent and assign[ai].get(d) != pub.assign[ai].get(d)]
    days = set().union(*free_of) if free_of else set()
    free_t = np.array([(t * p.week.step_min) // 1440 in days for t in range(p.week.n_intervals)])
    unmet_u = sum(short.values())
    fixed_u = sum(u for (_q, t), u in short.items() if not free_t[t])
    h = p.week.unit_min / 60
    w = p.weights["unmet requirement"]
    soft = _soft_rows(p, pricing.scoring, assign)
    pen = pd.DataFrame([("unmet requirement", "all queues", unmet_u * h, "agent-h", unmet_u * h * w),
                        ("changed shift", "agent-days", len(repaired), "days",
                         len(repaired) * pricing.price)] + soft,
                       columns=["rule", "subject", "amount", "unit", "cost"])
    return RepairResult(status="FEASIBLE", objective=float(shifts["cost"].sum() + pen["cost"].sum()),
                        shifts=shifts, breaks=breaks, coverage=_coverage_frame(p, assign, served),
                        penalties=pen, changes=changes,
                        stats={"changed_agent_days": len(repaired), "unmet_h": unmet_u * h,
                               "_fixed_unmet": fixed_u * h * w,
                               **_soft_stats(p, pricing.scoring, pub.assign, soft)})


def _soft_rows(p: _Problem, scoring: Scoring, assign) -> list[tuple]:
    """Penalty rows of every soft rule each agent's week bends (:meth:`Scoring.soft_terms`)."""
    return [(x.rule, x.subject, round(x.amount, 4), x.unit, round(x.cost, 2))
            for ai, days in enumerate(assign)
            for x in scoring.soft_terms(ai, [p.options[i] for i in days.values()])]


def _soft_stats(p: _Problem, scoring: Scoring, published_assign, soft_after: list) -> dict:
    """The soft-rule cost of the published roster and of the repaired one, in all and by
    rule [currency]."""
    before = _soft_rows(p, scoring, published_assign)
    by_rule = {}
    for k, rows in enumerate((before, soft_after)):
        for rule, _s, _a, _u, cost in rows:
            by_rule.setdefault(rule, [0.0, 0.0])[k] += cost
    return {"soft_cost_before": round(sum(r[4] for r in before), 2),
            "soft_cost_after": round(sum(r[4] for r in soft_after), 2),
            "soft_cost_by_rule": {r: (round(b, 2), round(a, 2)) for r, (b, a) in sorted(by_rule.items())}}


def _repaired_breaks(p, pub, kept, new, time_left, num_workers) -> dict:
    """Breaks of every shift: the kept and swapped shifts' as published, the new shifts'
    placed among them."""
    placed = {k: v for k, v in pub.breaks.items() if k[1] in kept[k[0]]}
    moved = {(ai, d): pub.breaks[(ai, d)] for ai, days in enumerate(new) for d, i in days.items()
             if pub.assign[ai].get(d) == i and (ai, d) in pub.breaks}
    placed.update(moved)
    todo = [{d: i for d, i in days.items() if (ai, d) not in moved} for ai, days in enumerate(new)]
    if any(todo):
        rest = [{**k, **{d: i for d, i in n.items() if (ai, d) in moved}}
                for ai, (k, n) in enumerate(zip(kept, new, strict=True))]
        r, _ = _place_breaks_among(p, todo, rest, placed, pub.meeting_times,
                                   max(0.3, min(2.0, time_left - 1.0)), num_workers)
        placed.update(r.breaks)
    return placed


def _changes_with_cause(p, published, shifts, breaks, absent, swaps) -> pd.DataFrame:
    """The diff of the two rosters, each change with its cause (absence, swap, repair)."""
    out = roster_changes(published.shifts, shifts, published.breaks, breaks)
    why = {(p.agents[ai].id, p.week.date(d)): f"absent ({r})" for (ai, d), r in absent.items()}
    for a, b, d in swaps:
        for x in (a, b):
            why.setdefault((p.agents[x].id, p.week.date(d)), "swap")
    out["cause"] = [why.get((r.agent_id, r.day), "repair") for r in out.itertuples()]
    return out


def _message(out: RepairResult, status: str, absent: dict) -> str:
    limit = {"OPTIMAL": "", "FEASIBLE": " (time limit: best repair found, not proven best)",
             "GREEDY": " (the greedy's: CP-SAT found no solution in its time, no bound)",
             "GROUPS": " (time limit: best repair found a group of agents at a time, no bound)",
             }[status]
    rep = out.changes[out.changes["cause"] == "repair"] if len(out.changes) else out.changes
    return (f"repair{limit}: {len(absent)} agent-days absent, {len(rep)} agent-days of "
            f"{rep['agent_id'].nunique() if len(rep) else 0} agents changed to cover them; "
            f"{out.stats['unmet_h']:.2f} agent-h of requirement unmet; soft rules (preferences, "
            f"fairness) cost {out.stats['soft_cost_after']:,.2f}, "
            f"{out.stats['soft_cost_before']:,.2f} as published")
