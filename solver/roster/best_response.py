"""The start built and improved one agent at a time (best response by each agent's small model)."""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.sat.python import cp_model

from solver.roster.problem import ALL_QUEUES, _Problem
from solver.roster.scoring import Scoring, _week_ok
from solver.roster.shift_model import _agent_model

#: Hours above its contract minimum an agent may take in the first round of the start.
_FIRST_ROUND_EXTRA_H = 2.0


def _local_search(
    p: _Problem,
    plan: dict[int, int],
    time_budget_s: float,
    rounds: int | None = None,
    start: list[dict[int, int]] | None = None,
) -> tuple[list[dict[int, int]], int]:
    """A legal roster, built and improved one agent at a time (best response).

    Round 1 builds: leads first, then agents with limited availability, full time,
    part time.  Each agent takes the legal week (every hard rule of its contract, via a
    small CP-SAT model) that maximises the value of the requirement it covers (priced
    like unmet requirement, breaks as their average share) less its wages and its soft
    penalties; leads also cover the remaining need for leads, and other agents avoid
    intervals without room under the lead ratio.  Later rounds take each agent out in
    turn and re-solve its week against what the others leave, until ``time_budget_s``
    or ``rounds`` is reached or a round changes nothing.

    Returns
    -------
    assignment : list of dict day -> option index
    rounds : int
        Rounds completed.
    """
    t0 = time.perf_counter()
    br = _BestResponse(p, plan)
    done = 0
    placed = set()
    for ai in br.order if start is not None else ():
        if _week_ok(p, ai, {d: p.options[i] for d, i in start[ai].items()}):
            br.add(ai, list(start[ai].values()))
            placed.add(ai)
    max_rounds = rounds if rounds is not None else 1000
    while done < max_rounds:
        changed = 0
        for ai in br.order:
            if done > 0 and time.perf_counter() - t0 > time_budget_s:
                break
            if done == 0 and ai in placed:
                continue
            before = sorted(br.assign[ai].values())
            br.remove(ai)
            chosen = br.best_week(ai, full=done > 0)
            if chosen is None:
                chosen = before
            br.add(ai, chosen)
            changed += sorted(chosen) != before
        done += 1
        if changed == 0 or time.perf_counter() - t0 > time_budget_s:
            break
    return br.assign, done


class _BestResponse:
    """The state of :func:`_local_search`: the roster so far, the requirement it leaves
    (per queue and interval, on-phone units at their average share) and the leads and
    other agents on shift; each agent's week is taken out and put back in turn."""

    def __init__(self, p: _Problem, plan: dict[int, int]):
        self.p = p
        week = p.week
        self.resid = p.req_units.astype(float).copy()
        self.total = p.req_units.sum(axis=0)
        self.supervised = p.lead_ratio > 0 and any(a.is_lead for a in p.agents)
        scoring = Scoring(p, plan)
        self.price = scoring.unit_price
        qidx = {q: i for i, q in enumerate(p.queues)}
        self.fair_e, self.fair_w = scoring.fair_e, scoring.fair_w
        self.lead_units = np.zeros(week.n_intervals)
        self.other_units = np.zeros(week.n_intervals)
        self.open_units = np.where(self.total > 0, float(week.units_per_interval), 0.0)
        self.order = sorted(range(len(p.agents)), key=self._rank)
        self.arrays = {}
        for i in {i for c in p.cand for i in c}:
            o = p.options[i]
            on_phone = 1.0 - sum(b[0].length_min for b in o.breaks) / o.length_min
            idx = np.array([t for t, _ in o.cover], int)
            units = np.array([u for _, u in o.cover], float)
            self.arrays[i] = (idx, units, units * on_phone)
        self.qs_of = []
        for ai in range(len(p.agents)):
            qs = [qidx[q] for q in p.classes[p.class_of[ai]][0] if q in qidx]
            self.qs_of.append([0] if p.queues == [ALL_QUEUES] else qs)
        # each meeting at a slot chosen up front; members are paid (the absence price) to fit it
        self.meeting_bonus = scoring.fits
        self.absence = p.weights["meeting absence"]
        self.assign: list[dict[int, int]] = [{} for _ in p.agents]
        self.taken: list[dict] = [{} for _ in p.agents]  # per agent: t -> units per queue
        self.models: dict = {}

    def _rank(self, ai):
        a = self.p.agents[ai]
        c = self.p.contracts[a.contract]
        return (not a.is_lead, not a.availability, c.employment != "full_time", ai)

    def remove(self, ai: int) -> None:
        """Take the agent's week out."""
        a = self.p.agents[ai]
        for i in self.assign[ai].values():
            idx, units, _ = self.arrays[i]
            if a.is_lead:
                self.lead_units[idx] -= units
            else:
                self.other_units[idx] -= units
        for t, got in self.taken[ai].items():
            self.resid[:, t] += got
        self.assign[ai] = {}
        self.taken[ai] = {}

    def add(self, ai: int, chosen) -> None:
        """Put the agent's week in: its shifts take the requirement left, the queue
        with most left first."""
        a = self.p.agents[ai]
        qs = self.qs_of[ai]
        resid = self.resid
        Q = len(self.p.queues)
        for i in chosen:
            o = self.p.options[i]
            self.assign[ai][o.day] = i
            idx, units, on = self.arrays[i]
            if a.is_lead:
                self.lead_units[idx] += units
            else:
                self.other_units[idx] += units
            for t, take in zip(idx, on, strict=True):
                got = self.taken[ai].setdefault(int(t), np.zeros(Q))
                for q in sorted(qs, key=lambda q, t=t: -resid[q, t]):
                    d = min(take, resid[q, t])
                    if d > 0:
                        resid[q, t] -= d
                        got[q] += d
                        take -= d
                    if take <= 0:
                        break

    def best_week(self, ai: int, full: bool) -> list[int] | None:
        """The agent's best legal week against what the others leave; ``full`` (after
        the first round) with every soft rule and no cap on its hours."""
        p = self.p
        if not p.cand[ai]:
            return []
        c = p.contracts[p.agents[ai].contract]
        # the first round keeps each agent near its minimum hours, so that the agents
        # placed early do not take the hours the later ones must work anyway
        cap = (
            None
            if full or c.min_hours_week <= 0
            else math.ceil((c.min_hours_week + _FIRST_ROUND_EXTRA_H) * 60 - 1e-9)
        )
        if cap is not None and cap >= c.max_hours_week * 60:
            cap = None
        return self._best_response(ai, full, cap) or (
            self._best_response(ai, full, None) if cap is not None else None
        )

    def _model(self, ai: int, full: bool, cap: int | None):
        """The agent's own model, shared by agents of one profile."""
        p = self.p
        a = p.agents[ai]
        key = (
            (ai, full, cap)
            if a.preferred_start_min is not None or a.preferred_days_off or a.preferred_shifts
            else (
                a.contract,
                a.time_off,
                a.availability,
                tuple(p.cand[ai]),
                self.fair_e[ai],
                self.fair_w[ai],
                full,
                cap,
            )
        )
        if key not in self.models:
            self.models[key] = _agent_model(p, ai, (self.fair_e[ai], self.fair_w[ai]), full, cap)
        return self.models[key]

    def _coefs(self, ai: int) -> list[int]:
        """Value of each candidate shift of the agent [cents]: the requirement it covers
        (and the leads still needed, for a lead), its meeting, less its wages."""
        p = self.p
        week = p.week
        a = p.agents[ai]
        qs = self.qs_of[ai]
        avail = self.resid[qs].sum(axis=0) if qs else np.zeros(week.n_intervals)
        lead_units, other_units = self.lead_units, self.other_units
        if self.supervised:
            # before the other agents are placed, expect them at the requirement plus breaks
            expected = np.maximum(other_units, 1.2 * self.total)
            need_leads = np.maximum(
                self.open_units,
                np.ceil(expected / week.units_per_interval / p.lead_ratio)
                * week.units_per_interval,
            )
            room = lead_units * p.lead_ratio - other_units
        coefs = []
        for i in p.cand[ai]:
            idx, units, on = self.arrays[i]
            gain = np.minimum(on, avail[idx]).sum() * self.price
            if self.supervised and a.is_lead:
                gain += (
                    np.minimum(units, np.maximum(0, need_leads[idx] - lead_units[idx])).sum() * 1e3
                )
            elif self.supervised and (room[idx] < units).any():
                gain -= 1e5  # would break the lead ratio
            if i in self.meeting_bonus.get(ai, ()):
                gain += self.absence
            coefs.append(int(round((gain - p.shift_cost(ai, p.options[i])) * 100)))
        return coefs

    def _best_response(self, ai: int, full: bool, cap: int | None) -> list[int] | None:
        am = self._model(ai, full, cap)
        coefs = self._coefs(ai)
        m = am.model
        m.clear_objective()
        m.maximize(cp_model.LinearExpr.weighted_sum(am.av.x, coefs) - am.penalty)
        s = cp_model.CpSolver()
        s.parameters.num_workers = 1
        s.parameters.max_time_in_seconds = 1.0
        s.parameters.cp_model_presolve = False
        st = s.solve(m)
        if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return [i for i, x in zip(self.p.cand[ai], am.av.x, strict=True) if s.value(x)]
