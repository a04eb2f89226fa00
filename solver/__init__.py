"""OR-Tools models: shift planning with breaks, named-agent rostering and its repair."""

from solver.roster import build_roster, repair_roster  # noqa: F401
from solver.shifts import plan_shifts  # noqa: F401
