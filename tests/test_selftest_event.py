"""Each Event property fails on an Event broken in the way it checks."""

import pytest

import ipc_spec.specs
from ipc_spec.suite import test_event
from tests.broken import event as broken
from tests.selfcheck import DEADLOCK, assert_catches, case_ids, deadline_for

props = test_event.TestEvent()  # not bound to a Test* name here: pytest would collect it

#: Deadline for cases that must end in a violation, never in a deadlock: generous, so that a
#: loaded machine cannot turn the expected violation into a Deadlock.
NO_HANG_DEADLINE = 10.0

CASES = [
    (props.test_set_wakes_all, broken.wakes_one, ("event.wakes_all", DEADLOCK)),
    (props.test_set_wakes_all, broken.returns_none, "event.wakes_all"),
    (props.test_set_wakes_all, broken.set_raises, "event.wakes_all"),
    (props.test_set_wakes_all, broken.never_blocks, "event.wait_blocks"),
    (props.test_wait_timeout, broken.short_timeout, "event.timeout"),
    (props.test_wait_timeout, broken.true_on_timeout, "event.timeout"),
    (props.test_wait_timeout, broken.never_blocks, "event.timeout"),
    (props.test_wait_timeout, broken.returns_none, "event.timeout"),
    (props.test_wait_timeout, broken.raises_on_timeout, "event.timeout"),
    (props.test_wait_timeout, broken.set_raises, "event.timeout"),
    (props.test_wait_timeout, broken.forgets, "event.timeout"),
    (props.test_set_before_wait, broken.forgets, ("event.already_set", DEADLOCK)),
    (props.test_clear_and_is_set, broken.initially_set, "event.is_set"),
    (props.test_clear_and_is_set, broken.local_flag, "event.is_set"),
    (props.test_clear_and_is_set, broken.clear_ignored, "event.clear"),
    (props.test_clear_and_is_set, broken.wait_remembers, "event.clear"),
    (props.test_clear_and_is_set, broken.raises_on_timeout, "event.clear"),
    (props.test_clear_and_is_set, broken.short_timeout, "event.timeout"),
]

#: The LATE bound (5 s) is too generous for a self-test to wait out: these cases scale it down to
#: LATE_SCALED and check that an Event slower than that by broken.DELAY - LATE_SCALED is caught.
LATE_SCALED = 0.04
LATE_CASES = [
    (props.test_wait_timeout, broken.late_timeout, "event.timeout"),
    (props.test_set_before_wait, broken.slow_when_set, "event.already_set"),
    (props.test_clear_and_is_set, broken.late_timeout, "event.timeout"),
]



@pytest.mark.parametrize("prop, impl, expected", CASES, ids=case_ids(CASES))
def test_property_catches(prop, impl, expected, make_env, monkeypatch):
    assert_catches(prop, make_env(impl, deadline=deadline_for(expected, NO_HANG_DEADLINE)), expected, monkeypatch)


@pytest.mark.parametrize("prop, impl, expected", LATE_CASES, ids=case_ids(LATE_CASES))
def test_property_catches_late(prop, impl, expected, make_env, monkeypatch):
    assert broken.DELAY > 2 * LATE_SCALED
    monkeypatch.setattr(ipc_spec.specs, "LATE", LATE_SCALED)
    assert_catches(prop, make_env(impl, deadline=deadline_for(expected, NO_HANG_DEADLINE)), expected, monkeypatch)
