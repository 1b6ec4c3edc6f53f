"""Each Barrier property fails on a Barrier broken in the way it checks."""

from ipc_spec.suite import test_barrier
from tests.broken import barrier as broken
from tests.selfcheck import DEADLOCK, property_catches

props = test_barrier.TestBarrier()  # not bound to a Test* name here: pytest would collect it

CASES = [
    (props.test_generations, broken.duplicate_index, "barrier.indices"),
    (props.test_generations, broken.action_per_waiter, "barrier.action"),
    # A generation of one fewer: wrong indices, an early release, or the action run too often.
    (props.test_generations, broken.early_release,
     ("barrier.indices", "barrier.release", "barrier.action", DEADLOCK)),
    (props.test_timeout, broken.short_timeout, "barrier.timeout"),
    (props.test_timeout, broken.timeout_keeps_working, "barrier.timeout"),
    (props.test_abort, broken.abort_ignored, ("barrier.abort", DEADLOCK)),
    (props.test_reset, broken.reset_keeps_broken, "barrier.reset"),
    (props.test_reset, broken.no_waiting_count, "barrier.n_waiting"),
    (props.test_reset, broken.wrong_parties, "barrier.attributes"),
]


test_property_catches = property_catches(CASES)
