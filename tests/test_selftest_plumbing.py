"""The kit trusts nothing it tests: an implementation whose plumbing is broken everywhere (every
Pipe, every RawValue, every RawArray: what an older harness used for its own replies, status and
instruments) fails the properties about that primitive only, within their deadlines, and every
other property still passes on it."""

import pytest

from ipc_spec.errors import ImplementationWarning
from ipc_spec.suite import test_barrier, test_condition, test_connection, test_event, test_lock
from ipc_spec.suite import test_faults, test_value
from tests.broken import plumbing as broken
from tests.selfcheck import DEADLOCK, property_catches

# Property classes' instances, not bound to Test* names here: pytest would collect them.
barrier_props = test_barrier.TestBarrier()
connection_props = test_connection.TestConnection()
lock_props = test_lock.TestLock()
value_props = test_value.TestValue()
event_props = test_event.TestEvent()
condition_props = test_condition.TestCondition()

CASES = [
    (connection_props.test_poll, broken.poll_lies, "connection.poll_data"),
    (connection_props.test_messages, broken.recv_hangs, DEADLOCK),
    (connection_props.test_messages, broken.lossy_pickler, "connection.equality"),
    # Under spawn and forkserver a private ctypes object cannot even be handed to a process.
    (value_props.test_values, broken.private_raw_value, ("value.shared", "value.inherit")),
    (value_props.test_arrays, broken.private_raw_array, ("array.shared", "array.inherit")),
]

test_property_catches = property_catches(CASES)

#: Properties that use none of the broken primitive (they once measured with RawValue counters,
#: RawArray gates, or ran the harness's own replies through Pipe): they must pass.
BYSTANDERS = [
    (barrier_props.test_generations, broken.poll_lies),
    (event_props.test_set_wakes_all, broken.recv_hangs),
    (barrier_props.test_generations, broken.lossy_pickler),
    (lock_props.test_exclusion, broken.private_raw_value),
    (condition_props.test_notify, broken.private_raw_value),
    (value_props.test_exclusion, broken.private_raw_array),
]


@pytest.mark.parametrize("prop, impl", BYSTANDERS,
                         ids=["%s-%s" % (p.__name__[5:], i.__name__) for p, i in BYSTANDERS])
def test_bystander_passes(prop, impl, make_env):
    env = make_env(impl, deadline=30.0)
    with env.examples_of(prop):
        prop(ipc_env=env)


@pytest.mark.parametrize("impl", [broken.flaky_start, broken.flaky_second_start],
                         ids=["first", "second"])
def test_start_that_fails_once(impl, make_env):
    """A crew whose first or second worker's start fails for no object's sake is started again:
    its properties pass (the harness talks to the new workers, never to one of the failed start,
    killed, that called in before it died), and the failure is reported as an
    ImplementationWarning, not lost."""
    env = make_env(impl, deadline=30.0)
    with pytest.warns(ImplementationWarning, match="failed to start a crew's worker"):
        with env.examples_of(lock_props.test_nonblocking):
            lock_props.test_nonblocking(ipc_env=env)


fault_props = test_faults.TestFaults()


@pytest.mark.parametrize("impl, says", [
    (broken.flaky_respawn, "failed to start a crew's worker again and then started it"),
    (broken.failing_respawn, "could not start a crew's worker again"),
], ids=["once", "always"])
def test_respawn_that_fails(impl, says, make_env):
    """A worker started in place of one that died (the faults family's victims) whose start
    raises is started again; when it never starts, the crew is given up and a new one serves the
    next example. Either way the properties pass, and the failure is an ImplementationWarning,
    not a HarnessError."""
    env = make_env(impl, deadline=30.0)
    with pytest.warns(ImplementationWarning, match=says):
        with env.examples_of(fault_props.test_queue_producer_killed):
            fault_props.test_queue_producer_killed(ipc_env=env)
