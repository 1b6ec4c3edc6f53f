"""The kit trusts nothing it tests: an implementation whose plumbing is broken everywhere (every
Pipe, every RawValue, every RawArray: what an older harness used for its own replies, status and
instruments) fails the properties about that primitive only, within their deadlines, and every
other property still passes on it."""

import pytest

from ipc_spec.suite import test_barrier, test_condition, test_connection, test_event, test_lock
from ipc_spec.suite import test_value
from tests.broken import plumbing as broken
from tests.selfcheck import DEADLOCK, property_catches

CASES = [
    (test_connection.test_poll, broken.poll_lies, "connection.poll_data"),
    (test_connection.test_messages, broken.recv_hangs, DEADLOCK),
    (test_connection.test_messages, broken.lossy_pickler, "connection.equality"),
    # Under spawn and forkserver a private ctypes object cannot even be handed to a process.
    (test_value.test_values, broken.private_raw_value, ("value.shared", "value.inherit")),
    (test_value.test_arrays, broken.private_raw_array, ("array.shared", "array.inherit")),
]

test_property_catches = property_catches(CASES)

#: Properties that use none of the broken primitive (they once measured with RawValue counters,
#: RawArray gates, or ran the harness's own replies through Pipe): they must pass.
BYSTANDERS = [
    (test_barrier.test_generations, broken.poll_lies),
    (test_event.test_set_wakes_all, broken.recv_hangs),
    (test_barrier.test_generations, broken.lossy_pickler),
    (test_lock.test_exclusion, broken.private_raw_value),
    (test_condition.test_notify, broken.private_raw_value),
    (test_value.test_exclusion, broken.private_raw_array),
]


@pytest.mark.parametrize("prop, impl", BYSTANDERS,
                         ids=["%s-%s" % (p.__name__[5:], i.__name__) for p, i in BYSTANDERS])
def test_bystander_passes(prop, impl, make_env):
    env = make_env(impl, deadline=30.0)
    with env.examples_of(prop):
        prop(ipc_env=env)
