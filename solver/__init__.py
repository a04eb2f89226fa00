"""OR-Tools models: shift planning with breaks, named-agent rostering."""

from solver.shifts import plan_shifts  # noqa: F401
