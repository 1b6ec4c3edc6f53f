"""Everything a property needs, in one import: ``from ipc_spec.authoring import *``.

A property test is a Hypothesis test that takes the ``ipc_env`` fixture (an
:class:`~ipc_spec.harness.Env`: the implementation under test in one start method) and declares
the clauses it checks with :func:`checks`. It draws a scenario, runs it with ``ipc_env.run`` (or
``ipc_env.allocate`` and several ``run`` calls: phases), and checks the history it gets back with
functions that raise through :func:`expect`. The kit gives it workers, banks of objects, deadlines,
deadlock reports, the verdict table and the report.

- objects: :class:`Make` (``Make("Lock")``, or ``Make(factory, ...)`` with a module-level
  ``factory(ctx, ...)``), :class:`Cells` (instruments of the kit's own), :class:`Ref`;
- steps: :func:`call`, :func:`read`, :func:`write`, :func:`macro`, :func:`die`; phases:
  :func:`on`, :func:`merged`; faults (``ipc_env.run(..., faults=[...])``, the nemesis):
  :func:`fault`, and the strategy :func:`faults`;
- clauses: :func:`declare`, :func:`checks`, :func:`expect`, and the checks of ``ipc_spec.specs``;
- settings and strategies: :func:`property_settings`, :func:`share_of_profile`, :func:`pauses`, :func:`timeouts`,
  :data:`NEVER`.
"""

from ._child import Ref
from .harness import Env
from .history import Fault, History, Op, Step, call, die, fault, macro, merged, on, read, write
from .objects import Cells, Make, part
from .profiles import property_settings, share_of_profile
from .specs import (LATE, check_timed_out, declare, expect, late, not_before, not_late, raised,
                    returned)
from .strategies import NEVER, TIMEOUTS, faults, pauses, random_programs, timeouts, two_procs

__all__ = ["Ref", "Env", "Fault", "History", "Op", "Step", "call", "die", "fault", "faults", "macro",
           "merged", "on", "read",
           "write", "Cells", "Make", "part", "LATE", "check_timed_out", "declare", "expect", "late",
           "not_before", "not_late", "raised", "returned", "NEVER", "TIMEOUTS", "pauses",
           "timeouts", "random_programs", "two_procs", "checks", "property_settings",
           "share_of_profile"]


def checks(*clauses):
    """``@checks("barrier.indices", "barrier.release")``: the clauses this property test checks.
    The first is the one a deadlock or a dead worker breaks. Outermost, above ``@given``."""

    def mark(test):
        test.ipc_clauses = tuple(clauses)
        return test

    return mark
