"""Each Process property fails on a Process broken in the way it checks."""

import pytest

from ipc_spec.suite import test_process
from tests.broken import process as broken
from tests.selfcheck import DEADLOCK, case_ids, check_case

props = test_process.TestProcess()  # not bound to a Test* name here: pytest would collect it


CASES = [
    (props.test_lifecycle, broken.signal_exitcode_positive, ("process.exitcode", "process.terminate")),
    (props.test_lifecycle, broken.exitcode_early, "process.exitcode"),
    (props.test_exit_without_code, broken.bare_exit_is_one, "process.exit_none"),
    (props.test_lifecycle, broken.terminate_kills, "process.terminate"),
    (props.test_lifecycle, broken.join_returns_early, "process.join"),
    (props.test_lifecycle, broken.join_hangs, DEADLOCK),
    (props.test_lifecycle, broken.alive_forever, "process.is_alive"),
    (props.test_lifecycle, broken.dead_while_running, "process.is_alive"),
    (props.test_lifecycle, broken.pid_off, "process.identity"),
    (props.test_lifecycle, broken.name_ignored, "process.identity"),
    (props.test_parent, broken.no_parent, "process.parent"),
    (props.test_join_timeout, broken.join_timeout_short, "process.join_timeout"),
    (props.test_join_timeout, broken.sentinel_always_ready, "process.sentinel"),
    (props.test_close, broken.close_unchecked, "process.close"),
    (props.test_close, broken.closed_still_works, "process.close"),
    (props.test_active_children, broken.unlisted, "process.active_children"),
    (props.test_daemon, broken.daemon_orphans, "process.daemon"),
    (props.test_daemon, broken.daemon_may_have_children, "process.daemon"),
]

#: The LATE bound (5 s) is too generous for a self-test to wait out: these cases scale it down to
#: LATE_SCALED and check that a Process slower than that by broken.DELAY - LATE_SCALED (or never
#: ready) is caught.
LATE_SCALED = 0.04
LATE_CASES = [
    (props.test_join_timeout, broken.join_timeout_late, "process.join_timeout"),
    (props.test_join_timeout, broken.sentinel_never_ready, "process.sentinel"),
    (props.test_active_children, broken.sentinel_never_ready, "process.sentinel"),
]


#: Examples a property may take to catch a broken implementation: more than a conformance run's
#: share, since a break shows only in examples that end a child in one way of seven, or name it.
CATCH_EXAMPLES = 60


@pytest.mark.parametrize("prop, impl, expected", CASES, ids=case_ids(CASES))
def test_property_catches(prop, impl, expected, make_env, monkeypatch):
    check_case(prop, impl, expected, make_env, monkeypatch, CATCH_EXAMPLES)


@pytest.mark.parametrize("prop, impl, expected", LATE_CASES, ids=case_ids(LATE_CASES))
def test_property_catches_late(prop, impl, expected, make_env, monkeypatch):
    check_case(prop, impl, expected, make_env, monkeypatch, CATCH_EXAMPLES, LATE_SCALED,
               broken.DELAY)
