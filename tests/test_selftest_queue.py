"""Each Queue, JoinableQueue and SimpleQueue property fails on a queue broken the way it checks."""

import sys

from ipc_spec.suite import test_queue
from tests.broken import queue as broken
from tests.selfcheck import DEADLOCK, property_catches

props = test_queue.TestQueue()  # not bound to a Test* name here: pytest would collect it

CASES = [
    (props.test_delivery, broken.drops_every_third, ("queue.delivery", DEADLOCK)),
    (props.test_delivery, broken.drops_big, ("queue.delivery", DEADLOCK)),
    (props.test_delivery, broken.duplicates, "queue.delivery"),
    (props.test_delivery, broken.swaps_pairs, ("queue.fifo", "queue.delivery")),  # holds an item back
    (props.test_exit_flush, broken.no_flush_on_exit, ("queue.exit_flush", DEADLOCK)),
    (props.test_full, broken.full_passes, "queue.full"),
    (props.test_full, broken.full_blocks, DEADLOCK),
    (props.test_full, broken.short_put_timeout, "queue.full"),
    (props.test_full, broken.get_keeps_slot, "queue.full"),
    (props.test_full, broken.sizes_not_bools, "queue.introspection"),
    (props.test_full, broken.qsize_unknown, "queue.introspection"),
    (props.test_get_timeout, broken.short_get_timeout, "queue.get_timeout"),
    (props.test_get_timeout, broken.empty_returns_none, "queue.get_timeout"),
    (props.test_get_timeout, broken.get_timeout_ignored, DEADLOCK),
    (props.test_close, broken.close_ignored, "queue.closed"),
    (props.test_close, broken.close_discards, "queue.closed"),
    (props.test_close, broken.close_stops_everyone, "queue.closed"),
    (props.test_close, broken.join_thread_fails, "queue.closed"),
    (props.test_join, broken.join_off_by_one, "joinablequeue.join"),
    (props.test_join, broken.task_done_unchecked, "joinablequeue.task_done"),
    (props.test_simple_delivery, broken.simple_drops_every_third,
     ("simplequeue.delivery", DEADLOCK)),
    # The extra item leaves a later put of a big payload without a reader: a hang.
    (props.test_simple_delivery, broken.simple_duplicates, ("simplequeue.delivery", DEADLOCK)),
    # The item a swapping get holds back is got out of order, or missed by another process's get(),
    # which then waits for ever.
    (props.test_simple_delivery, broken.simple_swaps_pairs, ("simplequeue.fifo", DEADLOCK)),
    (props.test_simple_empty, broken.simple_empty_always_true, "simplequeue.empty"),
    (props.test_simple_empty, broken.simple_empty_never_true, "simplequeue.empty"),
    (props.test_linearizable, broken.swaps_pairs, "queue.linearizable"),
    (props.test_linearizable, broken.duplicates, "queue.linearizable"),
    # The item a swapping get holds back is either got out of order, or missed by another process.
    (props.test_stateful, broken.swaps_pairs, ("queue.fifo", "queue.delivery")),
    # A lost item shows as a later one of its producer overtaking it, or as a get that times out.
    (props.test_stateful, broken.drops_every_third, ("queue.delivery", "queue.fifo", DEADLOCK)),
]
if sys.version_info >= (3, 9):  # SimpleQueue.close() is new in Python 3.9
    CASES.append((props.test_simple_close, broken.simple_close_noop, "simplequeue.close"))


test_property_catches = property_catches(CASES)
