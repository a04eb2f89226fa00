"""Named-agent rostering with CP-SAT: contracts, labour rules, availability, fairness, activities.

:func:`build_roster` turns a shift plan (or a requirement) into a roster of named
agents.  The package has one module per part of the engine:

===================  ==================================================================
``data``             shift options, the week's intervals, input checks
``rules``            one function per contract, labour and crew rule (CP-SAT terms)
``problem``          the problem: agents, options, requirement, prices, candidates
``lp``               LP relaxations of anonymous shift covering, and their rounding
``plan_bounds``      the roster's lower bounds and the plan it starts from
``meetings``         meeting slots, members, the shifts that hold them, attendance
``scoring``          the objective of a roster in one place: wages, unmet requirement,
                     each soft rule, meeting absences; deltas of a change; week legality
``plan_match``       the start: the plan's shifts matched to agents
``best_response``    the start built and improved one agent at a time
``improve``          moves on the shifts of a legal roster (before breaks)
``shift_model``      pass 1, the CP-SAT model of all shifts, and each agent's own model
``break_placement``  pass 2, breaks on fixed shifts
``unmet_cover``      changes after pass 2 where the placed breaks leave requirement unmet
``moves``            moves on the roster with its breaks placed (propose / delta / apply)
                     and the scheduler that shares their time by what they bought
``lns``              the moves that solve a small CP-SAT: breaks in a window, a meeting
                     moved, a group of agents freed on a day and solved again
``explain``          why there is no roster
``history``          what each agent worked before the week (rest, runs of days)
``repair``           a published roster mended for absences, new requirement and swaps
``report``           the result frames
``build``            :func:`build_roster`: the stages in order, within the time limit
===================  ==================================================================

The stages:

1. **Bounds and plan** (``plan_bounds``).  LP relaxations of the anonymous
   shift-covering problem (:func:`solver.roster.lp.lp_bound`): the anonymous bound,
   and one with valid cuts for the contracts (and the meetings, with the members no
   slot suits counted absent, and the weekend fairness the day patterns of
   one-template contracts bend) that is the reported bound.  Meetings are set where
   the LP's prices make them cheapest; the rounded LP is the plan when none is given.
2. **Start** (``plan_match``, ``best_response``, ``improve``).  The plan's shifts are
   matched to agents: days and templates by CP-SAT, start times by a small MILP for
   the leads and the Hungarian method for the others; shifts left off the plan move
   onto its free starts through exchanges with other agents; a breach of the lead
   rules left is mended by single-shift moves, and agents of one skill set exchange
   shifts where that lowers wages and soft rules, then working days, and whole weeks
   go to the agents of one contract they suit best; a member kept from its meeting by
   the rest after the day before exchanges both days' shifts with an agent of its
   kind.
3. **Shifts and meetings, pass 1** (``shift_model``).  One boolean per agent and
   candidate shift; every contract and labour rule is a function of ``rules``.
   Agents are aggregated into classes of equal skills and lead status for coverage,
   breaks at their expected share, skills by Hall's condition.  Hinted with the
   start.  On a large team a start that keeps every rule is the roster, each agent's
   week priced by its own small model, and pass 1 only repairs a start.
4. **Breaks, pass 2** (``break_placement``).  With the shifts fixed, each agent's
   breaks are placed (in order, with their gaps, clear of meetings), one day at a
   time, lowest-volume positions preferred.
5. **Unmet requirement** (``unmet_cover``).  Shifts are added or moved, and breaks
   moved, where the placed breaks leave requirement unmet; then shifts are added
   where, with the breaks around them placed again, the breaks they let move meet it.
6. **Moves** (``moves``, ``lns``).  In the time left, moves change shifts, days,
   breaks and meetings where that lowers the objective, each given a share of the
   time by what it recently bought.

Every stage prices through :class:`solver.roster.scoring.Scoring`.  ``time_limit_s``
caps the wall time, model building included.

Before the big solve each distinct agent profile is checked on its own (contract vs
availability vs time off); an agent who cannot be rostered is named with the rules that
clash.  If the crew rules (team leads) make the model infeasible, CP-SAT assumptions
name the rules and agents involved (``explain``).
"""

from solver.roster.build import build_roster
from solver.roster.problem import ALL_QUEUES
from solver.roster.repair import RepairResult, repair_roster
from solver.roster.report import schedule_table

__all__ = ["build_roster", "repair_roster", "RepairResult", "schedule_table", "ALL_QUEUES"]
