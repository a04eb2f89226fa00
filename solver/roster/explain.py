"""Why there is no roster: each agent's rules checked alone, and the crew rules that clash."""

from __future__ import annotations

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from solver.roster import rules
from solver.roster.data import ShiftOption, Week, fmt_min
from solver.roster.history import NO_HISTORY, AgentHistory
from solver.roster.problem import _Problem
from solver.roster.shift_model import _build_pass1
from wfm.types import WEEKDAYS, Agent, Contract


def _describe_rule(name: str, a: Agent, c: Contract, week: Week,
                   h: AgentHistory = NO_HISTORY) -> str:
    if name == "max consecutive days" and h.trailing_days:
        return (f"at most {c.max_consecutive_days} days in a row (after {h.trailing_days} "
                "worked up to the week start)")
    if name == "min rest" and h.last_end_min is not None:
        end = week.start + pd.Timedelta(minutes=h.last_end_min)
        return f"{c.min_rest_h:g} h rest between shifts (the last shift before the week ends {end:%a %d %b %H:%M})"
    if name == "weekly hours":
        return f"weekly hours ({c.min_hours_week:g}-{c.max_hours_week:g} h)"
    if name == "days per week":
        return f"days per week ({c.min_days_week}-{c.max_days_week})"
    if name == "max consecutive days":
        return f"at most {c.max_consecutive_days} days in a row"
    if name == "min rest":
        return f"{c.min_rest_h:g} h rest between shifts"
    if name == "two consecutive days off":
        return "two consecutive days off"
    if name == "weekend limit":
        return f"at most {c.max_weekend_days} weekend days"
    if name == "availability":
        win = ", ".join(
            f"{WEEKDAYS[w.day]} {fmt_min(w.start_min)}-{fmt_min(w.end_min)}" for w in a.availability
        )
        return f"availability ({win})"
    if name == "time off":
        return "time off (" + ", ".join(str(d) for d in a.time_off) + ")"
    return name


def _agent_feasible(p: _Problem, ai: int, options: list[ShiftOption], names, *,
                    contract: Contract | None = None, forced: int = 0,
                    time_limit_s: float = 5.0) -> bool | None:
    """Whether agent ``ai`` has a week among ``options`` (the first ``forced`` of them
    worked) that keeps the hard rules ``names`` of ``contract`` (its own by default);
    None if the solve could not tell in ``time_limit_s``."""
    a = p.agents[ai]
    m = cp_model.CpModel()
    av = rules.AgentVars.create(m, a, contract or p.contracts[a.contract], p.week, options,
                                p.history_of(ai))
    rules.one_shift_per_day(m, av)
    for v in av.x[:forced]:
        m.add(v == 1)
    for name in names:
        rules.AGENT_HARD_RULES[name](m, av)
    s = cp_model.CpSolver()
    s.parameters.num_workers = 1
    s.parameters.max_time_in_seconds = time_limit_s
    st = s.solve(m)
    if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return False if st == cp_model.INFEASIBLE else None


def _agent_check(p: _Problem, ai: int, options: list[ShiftOption]) -> list[str] | None:
    """None if the agent can be rostered alone; else a minimal set of clashing rules.

    A deletion filter over the hard agent rules: drop each rule in turn and keep it
    out if the rest is still infeasible; what remains clashes, and dropping any one of
    those rules would make the agent feasible.
    """
    names = list(rules.AGENT_HARD_RULES)
    ok = _agent_feasible(p, ai, options, names)
    if ok is None:
        return ["(undecided within 5 s)"]
    if ok:
        return None
    keep = list(names)
    for name in names:
        trial = [n for n in keep if n != name]
        if _agent_feasible(p, ai, options, trial) is False:
            keep = trial
    return keep or ["one shift per day"]


def _precheck(p: _Problem) -> list[str]:
    """Check each distinct agent profile alone; return one sentence per agent that cannot work."""
    problems = []
    seen: dict = {}
    for ai, a in enumerate(p.agents):
        c = p.contracts[a.contract]
        key = (a.contract, a.availability, a.time_off, tuple(p.cand[ai]), p.history_of(ai))
        if key not in seen:
            opts = [p.options[i] for i in p.cand[ai]]
            clash = _agent_check(p, ai, opts)
            if clash is not None and not a.availability and not a.time_off:
                seen[key] = clash
            elif clash is not None:
                # explain against all shifts of the templates (hourly), not only candidates
                fits = [
                    o
                    for o in p.options
                    if o.paid_min <= c.max_hours_week * 60 + 1e-9
                    and (o.start_min - o.template.earliest_start_min) % 60 == 0
                ]
                seen[key] = _agent_check(p, ai, fits) or clash
            else:
                seen[key] = None
        clash = seen[key]
        if clash:
            what = " vs ".join(_describe_rule(n, a, c, p.week, p.history_of(ai)) for n in clash)
            problems.append(f"agent {a.id} (contract '{a.contract}'): {what}")
    return problems


def _lead_gaps(p: _Problem) -> list[str]:
    """Open intervals that no team lead can cover with any of its candidate shifts."""
    open_t = np.flatnonzero(p.total_units() > 0)
    covered = np.zeros(p.week.n_intervals, bool)
    for ai, a in enumerate(p.agents):
        if a.is_lead:
            for i in p.cand[ai]:
                for t, _ in p.options[i].cover:
                    covered[t] = True
    gaps = [int(t) for t in open_t if not covered[t]]
    return _ranges(gaps, p.week)


def _ranges(ts: list[int], week: Week) -> list[str]:
    out = []
    for t in ts:
        if out and out[-1][1] == t - 1:
            out[-1][1] = t
        else:
            out.append([t, t])
    text = []
    for a, b in out:
        s = week.timestamp(a * week.step_min)
        e = week.timestamp((b + 1) * week.step_min)
        text.append(f"{WEEKDAYS[s.weekday()]} {s:%H:%M}-{e:%H:%M}")
    return text


def _explain(p: _Problem, plan, status: str, num_workers: int) -> str:
    if status != "INFEASIBLE":
        return "no roster found within the time limit (the model is not proven infeasible)"
    parts = []
    gaps = _lead_gaps(p)
    if gaps and p.lead_ratio > 0:
        parts.append(
            "rule 'lead on shift': no team lead can be on shift in "
            + ", ".join(gaps[:6])
            + (" ..." if len(gaps) > 6 else "")
        )
    pass1 = _build_pass1(p, plan, crew_lits=True)
    pass1.model.add_assumptions(list(pass1.lits.values()))
    s = cp_model.CpSolver()
    s.parameters.num_workers = num_workers
    s.parameters.max_time_in_seconds = 20.0
    st = s.solve(pass1.model)
    if st == cp_model.INFEASIBLE:
        core = set(s.sufficient_assumptions_for_infeasibility())
        names = [n for n, lit in pass1.lits.items() if lit.index in core]
        if names:
            parts.append("clashing: " + " vs ".join(names))
    return "no roster: " + ("; ".join(parts) if parts else "the rules clash")
