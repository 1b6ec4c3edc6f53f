"""Each Condition property fails on a Condition broken in the way it checks."""

from ipc_spec.suite import test_condition
from tests.broken import condition as broken
from tests.selfcheck import DEADLOCK, property_catches

props = test_condition.TestCondition()  # not bound to a Test* name here: pytest would collect it

CASES = [
    (props.test_notify, broken.notify_wakes_all, "condition.notify"),
    (props.test_notify, broken.notify_wakes_one, "condition.notify"),
    (props.test_notify_all, broken.notify_all_wakes_one, "condition.notify_all"),
    (props.test_wait_timeout, broken.short_wait, "condition.wait_timeout"),
    (props.test_notify, broken.short_wait, "condition.wait_timeout"),
    (props.test_wait_timeout, broken.timeout_returns_true, "condition.wait_timeout"),
    (props.test_wait_timeout, broken.ignores_timeout, DEADLOCK),
    (props.test_wait_timeout, broken.no_reacquire, "condition.reacquire"),
    (props.test_notify, broken.no_reacquire, "condition.reacquire"),
    (props.test_lock, broken.no_reacquire, "condition.reacquire"),
    (props.test_lock, broken.shallow_rlock_wait, DEADLOCK),
    (props.test_lock, broken.loses_recursion, "condition.rlock"),
    (props.test_rlock_timeout, broken.loses_recursion, "condition.rlock"),
    (props.test_rlock_timeout, broken.timeout_returns_true, "condition.rlock"),
    (props.test_lock, broken.ignores_lock, "condition.lock"),
    (props.test_wait_for, broken.wait_for_no_recheck, "condition.wait_for"),
    (props.test_wait_for, broken.wait_for_returns_true, "condition.wait_for"),
    (props.test_wait_for, broken.wait_for_ignores_timeout, DEADLOCK),
    (props.test_wait_for, broken.wait_for_unlocked_predicate, "condition.wait_for"),
    (props.test_unlocked, broken.unchecked_wait, "condition.unlocked"),
    (props.test_unlocked, broken.unchecked_notify, "condition.unlocked"),
]


test_property_catches = property_catches(CASES)
