"""Each Lock and RLock property fails on a lock broken in the way it checks."""

import pytest

from ipc_spec.authoring import History, Op, macro, read
from ipc_spec.errors import SpecViolation
from ipc_spec.specs import lock as spec
from ipc_spec.suite import test_lock
from tests.broken import lock as broken
from tests.selfcheck import DEADLOCK, property_catches

props = test_lock.TestLock()  # not bound to a Test* name here: pytest would collect it

CASES = [
    (props.test_exclusion, broken.two_holders, "lock.exclusion"),
    (props.test_exclusion, broken.two_owners, "rlock.exclusion"),
    (props.test_exclusion, broken.acquire_returns_none, "lock.exclusion"),
    (props.test_nonblocking, broken.nonblocking_succeeds, "lock.nonblocking"),
    (props.test_nonblocking, broken.nonblocking_blocks, ("lock.nonblocking", DEADLOCK)),
    (props.test_nonblocking, broken.nonblocking_waits, ("lock.nonblocking", DEADLOCK)),
    (props.test_nonblocking, broken.owner_only_release, "lock.release_any"),
    (props.test_timeout, broken.short_timeout, "lock.timeout"),
    (props.test_timeout, broken.negative_timeout_blocks, ("lock.negative_timeout", DEADLOCK)),
    (props.test_timeout, broken.rlock_short_timeout, "rlock.timeout"),
    (props.test_timeout, broken.rlock_negative_timeout_blocks, ("rlock.negative_timeout", DEADLOCK)),
    (props.test_release_unlocked, broken.silent_release, "lock.release_unlocked"),
    (props.test_context, broken.exit_keeps_locked, "lock.context"),
    (props.test_rlock_reentrant, broken.not_reentrant, ("rlock.reentrant", DEADLOCK)),
    (props.test_rlock_reentrant, broken.frees_after_one_release, "rlock.depth"),
    (props.test_rlock_release, broken.non_owner_release_silent, "rlock.not_owner"),
    (props.test_rlock_release, broken.unowned_release_silent, "rlock.unowned"),
    (props.test_linearizable, broken.nonblocking_succeeds, "lock.linearizable"),
    (props.test_linearizable, broken.unowned_release_silent, "rlock.linearizable"),
    (props.test_lock_machine, broken.nonblocking_succeeds, "lock.nonblocking"),
    (props.test_lock_machine, broken.silent_release, "lock.release_unlocked"),
    (props.test_lock_machine, broken.short_timeout, "lock.timeout"),
]


test_property_catches = property_catches(CASES)


# The two checks of mutual exclusion, on written histories: each fails on its own (a broken lock
# fails the first one it meets, so the suite alone would not show that the second can fail).

def _section(proc, enter, leave):
    return Op(proc, 0, macro("l", "lock:critical"), enter, leave, (enter, leave), None)


def test_holders_check_fails_on_overlap():
    history = History([_section(0, 1.0, 2.0), _section(1, 1.5, 2.5), _section(2, 2.5, 3.0)])
    spec.check_holders(history, "l", 2, "lock.exclusion")
    with pytest.raises(SpecViolation) as info:
        spec.check_holders(history, "l", 1, "lock.exclusion")
    assert info.value.prop == "lock.exclusion"


def test_counter_check_fails_on_lost_update():
    history = History([Op(0, 0, read("n", "value"), 1.0, 1.0, 2, None)])
    spec.check_counter(history, "n", 2, "lock.exclusion")
    with pytest.raises(SpecViolation) as info:
        spec.check_counter(history, "n", 3, "lock.exclusion")
    assert info.value.prop == "lock.exclusion"
