"""Never leak: whole pytest runs of the shared_memory properties leave no block in /dev/shm, no
resource-tracker warning, no process and no scratch file (see ``tests/test_cleanup.py``, whose
runs and checks these are: a new ``psm_*`` entry still there once the run's processes are gone and
mapped by no live process is a leak, and so is a "leaked ... objects" warning of a tracker).

The runs cover an example that passes (blocks, lists, managers), one that fails (the real
ShareableList's indices below -len, a divergence of CPython), and one that deadlocks (a child
whose attach never returns), after which the example's ledger is swept on a new crew.
"""

import sys

import pytest

from tests import test_cleanup as cleanup
from tests.test_cleanup import assert_clean

kit_run = cleanup.kit_run  # the fixture: a started run, killed and cleaned afterwards

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="finds a run's processes in /proc and its blocks in /dev/shm "
                                       "(Linux only)")

PROPERTIES = """
from ipc_spec.suite.test_shared_memory import SharedMemoryProperties


class TestSharedMemory(SharedMemoryProperties):
    pass
"""


def test_shared_memory_run(kit_run, start_method):
    """Blocks attached by children, lists, managers ended both ways: nothing is left."""
    run = kit_run(start_method, "-k", "block or manager or track", source=PROPERTIES)
    assert run.finish() == 0, run.output()
    assert_clean(run)


def test_shared_memory_failing_run(kit_run, start_method):
    """A property that fails (and is shrunk): every example still unlinks what it made."""
    run = kit_run(start_method, "-k", "list_bounds", "--ipc-strict", source=PROPERTIES)
    assert run.finish() == 1, run.output()
    assert "shared_memory.list_index" in run.output(), run.output()
    assert_clean(run)


def test_shared_memory_deadlocked_run(kit_run, start_method):
    """A child whose attach never returns: a Deadlock naming the step, and the example's blocks
    are swept on a new crew. Under fork the killed worker had a resource tracker of its own
    (nothing had started one in the host before it was forked), which reclaims the block and may
    say so as the worker dies: that warning is expected there, nothing else is."""
    run = kit_run(start_method, "-k", "block", "--ipc-deadline=2",
                  "--ipc-impl=tests.broken.shared_memory:attach_hangs", source=PROPERTIES)
    assert run.finish() == 1, run.output()
    text = run.output()
    assert "Deadlock: the example did not finish" in text, text
    assert "ctx.shared_memory:child!(" in text, text
    assert_clean(run, allow_warnings=start_method == "fork")
