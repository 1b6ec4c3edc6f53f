"""Each Semaphore and BoundedSemaphore property fails on a semaphore broken in the way it checks."""

from ipc_spec.suite import test_semaphore
from tests.broken import semaphore as broken
from tests.selfcheck import DEADLOCK, property_catches

props = test_semaphore.TestSemaphore()  # not bound to a Test* name here: pytest would collect it

CASES = [
    (props.test_bound, broken.extra_holder, "semaphore.bound"),
    (props.test_value, broken.stale_value, "semaphore.value"),
    (props.test_nonblocking, broken.nonblocking_succeeds, "semaphore.nonblocking"),
    (props.test_nonblocking, broken.owner_only_release, "semaphore.release_any"),
    (props.test_timeout, broken.short_timeout, "semaphore.timeout"),
    (props.test_timeout, broken.negative_timeout_blocks, ("semaphore.negative_timeout", DEADLOCK)),
    (props.test_bounded, broken.accepts_over_release, "boundedsemaphore.over_release"),
    (props.test_bounded, broken.raises_but_counts, "boundedsemaphore.bound"),
    (props.test_linearizable, broken.nonblocking_succeeds, "semaphore.linearizable"),
    (props.test_linearizable, broken.accepts_over_release, "boundedsemaphore.linearizable"),
    (props.test_semaphore_machine, broken.nonblocking_succeeds, "semaphore.nonblocking"),
    (props.test_semaphore_machine, broken.stale_value, "semaphore.value"),
    (props.test_semaphore_machine, broken.short_timeout, "semaphore.timeout"),
    (props.test_semaphore_machine, broken.acquire_returns_none, "semaphore.bound"),
]


test_property_catches = property_catches(CASES)
