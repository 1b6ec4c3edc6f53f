"""A partial implementation gets a verdict per feature: an object it cannot build fails the
family's ``construct`` clause, one it cannot hand to a process fails ``inherit``, and only the
examples that need it are left out (``harness.Env.check_lacks``)."""

import pytest

from ipc_spec.suite import test_barrier, test_connection, test_event, test_lock, test_queue
from ipc_spec.suite import test_value
from tests.broken import lacking as broken
from tests.selfcheck import property_catches

# Property classes' instances, not bound to Test* names here: pytest would collect them.
barrier = test_barrier.TestBarrier()
lock = test_lock.TestLock()
event = test_event.TestEvent()
queue = test_queue.TestQueue()
connection = test_connection.TestConnection()
value = test_value.TestValue()

CONSTRUCT = [
    (barrier.test_abort, broken.no_barrier, "barrier.construct"),
    (lock.test_nonblocking, broken.no_lock, "lock.construct"),
    (event.test_set_wakes_all, broken.no_event, "event.construct"),
    (queue.test_delivery, broken.no_queue, "queue.construct"),
    (connection.test_messages, broken.no_pipe, "connection.construct"),
    (value.test_exclusion, broken.no_value, "value.construct"),
    # A part of a compound object: only the examples that use a 64-bit typecode are left out.
    (value.test_values, broken.no_64_bit_values, "value.typecodes"),
    (value.test_arrays, broken.no_64_bit_arrays, "array.typecodes"),
]

#: Under fork nothing is pickled, so anything reaches a worker: these run under spawn and
#: forkserver only.
INHERIT = [
    (barrier.test_abort, broken.barrier_stays, "barrier.inherit"),
    (lock.test_nonblocking, broken.lock_stays, "lock.inherit"),
    (event.test_set_wakes_all, broken.event_stays, "event.inherit"),
    (queue.test_delivery, broken.queue_stays, "queue.inherit"),
]

test_construct_is_a_verdict = property_catches(CONSTRUCT)
test_inherit_is_a_verdict = pytest.mark.ipc_methods("spawn", "forkserver")(property_catches(INHERIT))
CASES = CONSTRUCT + INHERIT
