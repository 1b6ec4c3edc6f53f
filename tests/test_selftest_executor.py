"""Each ProcessPoolExecutor property fails on an executor broken in the way it checks."""

import sys

import pytest

from ipc_spec.suite import test_executor
from tests.broken import executor as broken
from tests.selfcheck import case_ids, check_case

props = test_executor.TestExecutor()  # not bound to a Test* name here: pytest would collect it

CASES = [
    (props.test_submit, broken.wrong_result, "executor.submit"),
    (props.test_map, broken.map_reversed, "executor.map_order"),
    (props.test_submit, broken.error_as_runtime, "executor.errors"),
    (props.test_submit, broken.callback_twice, "executor.callbacks"),
    (props.test_timeout, broken.early_timeout, "executor.timeout"),
    (props.test_timeout, broken.early_map_timeout, "executor.timeout"),
    (props.test_shutdown, broken.shutdown_no_wait, "executor.shutdown"),
    (props.test_initializer, broken.initializer_twice, "executor.initializer"),
    (props.test_broken, broken.broken_as_runtime, "executor.broken"),
    (props.test_max_tasks_per_child, broken.ignores_max_tasks, "executor.max_tasks_per_child"),
]


def _inapplicable(prop, start_method):
    """Why a case cannot run here, or None."""
    if prop == props.test_broken and start_method != "fork":
        return ("CPython's executor may not notice a process's death under %s (a known "
                "divergence): the break shows under fork" % start_method)
    if prop == props.test_max_tasks_per_child and (sys.version_info < (3, 11)
                                                   or start_method == "fork"):
        return "max_tasks_per_child is new in 3.11, and documented as incompatible with fork"
    return None

#: The LATE bound (5 s) is too generous for a self-test to wait out: these cases scale it down.
LATE_SCALED = 0.05
LATE_CASES = [
    (props.test_timeout, broken.late_timeout, "executor.timeout"),
]

#: Examples a property may take to catch a broken implementation.
CATCH_EXAMPLES = 40


@pytest.fixture(autouse=True)
def _takes_calls(start_method):
    if sys.implementation.name == "pypy" and start_method != "fork":
        pytest.skip("PyPy 7.3.11's executor takes no call under %s (a known divergence: "
                    "docs/reproducers/pypy_executor_spawn.py)" % start_method)


@pytest.mark.parametrize("prop, impl, expected", CASES, ids=case_ids(CASES))
def test_property_catches(prop, impl, expected, make_env, monkeypatch, start_method):
    reason = _inapplicable(prop, start_method)
    if reason:
        pytest.skip(reason)
    check_case(prop, impl, expected, make_env, monkeypatch, CATCH_EXAMPLES)


@pytest.mark.parametrize("prop, impl, expected", LATE_CASES, ids=case_ids(LATE_CASES))
def test_property_catches_late(prop, impl, expected, make_env, monkeypatch):
    check_case(prop, impl, expected, make_env, monkeypatch, CATCH_EXAMPLES, LATE_SCALED,
               broken.DELAY)


reusable = test_executor.TestReusableExecutor()

#: loky's get_reusable_executor, broken (over loky's own executor: these need loky installed).
REUSABLE_CASES = [
    (reusable.test_reusable, broken.not_reused, "executor.reusable"),
    (reusable.test_reusable, broken.broken_reused, "executor.reusable"),
]


@pytest.mark.parametrize("prop, impl, expected", REUSABLE_CASES, ids=case_ids(REUSABLE_CASES))
def test_reusable_catches(prop, impl, expected, make_env, monkeypatch):
    pytest.importorskip("loky")
    check_case(prop, impl, expected, make_env, monkeypatch, CATCH_EXAMPLES)
