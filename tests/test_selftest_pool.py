"""Each Pool property fails on a Pool broken in the way it checks."""

import pytest

from ipc_spec.suite import test_pool
from tests.broken import pool as broken
from tests.selfcheck import DEADLOCK, case_ids, check_case

props = test_pool.TestPool()  # not bound to a Test* name here: pytest would collect it

CASES = [
    (props.test_map, broken.reversed_map, "pool.map_order"),
    (props.test_map, broken.duplicate_unordered, "pool.unordered"),
    (props.test_apply, broken.callback_twice, "pool.callbacks"),
    (props.test_apply, broken.error_as_runtime, "pool.errors"),
    (props.test_get_timeout, broken.early_timeout, "pool.get_timeout"),
    (props.test_get_timeout, broken.ready_early, "pool.get_timeout"),
    (props.test_get_timeout, broken.ready_after_wait, "pool.get_timeout"),
    (props.test_imap_held, broken.eager_imap, "pool.imap_lazy"),
    (props.test_imap_held, broken.imap_next_early, "pool.imap_lazy"),
    (props.test_workers, broken.initializer_twice, "pool.initializer"),
    (props.test_workers, broken.extra_process, "pool.initializer"),
    (props.test_workers, broken.ignores_max_tasks, "pool.maxtasksperchild"),
    (props.test_lifecycle, broken.close_ignored, "pool.lifecycle"),
    (props.test_worker_killed, broken.lost_as_none, "pool.worker_killed"),
    (props.test_worker_killed, broken.early_timeout, "pool.worker_killed"),
    # join() after a terminate() that stopped nothing raises "Pool is still running".
    (props.test_worker_killed, broken.terminate_ignored, "pool.worker_killed"),
    (props.test_lifecycle, broken.join_returns_early, "pool.lifecycle"),
]

#: The LATE bound (5 s) is too generous for a self-test to wait out: these cases scale it down to
#: LATE_SCALED and check that a Pool slower than that by broken.DELAY - LATE_SCALED (or never done)
#: is caught.
LATE_SCALED = 0.05
LATE_CASES = [
    (props.test_get_timeout, broken.late_timeout, "pool.get_timeout"),
    (props.test_imap_held, broken.imap_next_late, "pool.imap_lazy"),
    (props.test_lifecycle, broken.exit_keeps_workers, "pool.lifecycle"),
    (props.test_worker_killed, broken.late_timeout, "pool.worker_killed"),
]

#: Examples a property may take to catch a broken implementation.
CATCH_EXAMPLES = 40


@pytest.mark.parametrize("prop, impl, expected", CASES, ids=case_ids(CASES))
def test_property_catches(prop, impl, expected, make_env, monkeypatch):
    check_case(prop, impl, expected, make_env, monkeypatch, CATCH_EXAMPLES)


@pytest.mark.parametrize("prop, impl, expected", LATE_CASES, ids=case_ids(LATE_CASES))
def test_property_catches_late(prop, impl, expected, make_env, monkeypatch):
    check_case(prop, impl, expected, make_env, monkeypatch, CATCH_EXAMPLES, LATE_SCALED,
               broken.DELAY)


def test_timeout_ignored_is_a_deadlock(make_env, monkeypatch):
    """A get(timeout) that waits for the task whatever its timeout: the example never ends."""
    check_case(props.test_get_timeout, broken.ignores_timeout, DEADLOCK, make_env, monkeypatch, 3)
