"""Each fault-injection property fails on an implementation that breaks what survivors count on."""

import multiprocessing

from ipc_spec.suite import test_faults
from tests.broken import barrier, connection, event, lock, queue
from tests.selfcheck import DEADLOCK, property_catches

props = test_faults.TestFaults()  # not bound to a Test* name here: pytest would collect it

CASES = [
    (props.test_lock_holder_killed, lock.short_timeout, "faults.lock_holder_killed"),
    (props.test_barrier_party_killed, barrier.short_timeout, "faults.barrier_party_killed"),
    (props.test_event_setter_killed, event.true_on_timeout, "faults.event_setter_killed"),
    (props.test_pipe_peer_killed, connection.no_eof, "faults.pipe_peer_killed"),
    (props.test_queue_producer_killed, queue.duplicates, "faults.queue_producer_killed"),
    # Built on CPython's Queue, whose own hang (below) may come first.
    (props.test_queue_producer_killed_mid_message, queue.duplicates,
     ("faults.queue_producer_killed_mid_message", DEADLOCK)),
    # CPython itself breaks this one (a known divergence, gh-87971): its Queue is the broken one.
    (props.test_queue_producer_killed_mid_message, multiprocessing,
     ("faults.queue_producer_killed_mid_message", DEADLOCK)),
]


test_property_catches = property_catches(CASES)
