"""Each ProcessPoolExecutor property fails on an executor broken in the way it checks."""

import sys

import pytest

from ipc_spec.suite import test_executor
from tests.broken import executor as broken
from tests.selfcheck import case_ids, check_case

props = test_executor.TestExecutor()  # not bound to a Test* name here: pytest would collect it

CASES = [
    (props.test_map, broken.map_reversed, "executor.map_order"),
    (props.test_submit, broken.error_as_runtime, "executor.errors"),
    (props.test_submit, broken.callback_twice, "executor.callbacks"),
    (props.test_timeout, broken.early_timeout, "executor.timeout"),
    (props.test_shutdown, broken.shutdown_no_wait, "executor.shutdown"),
    (props.test_initializer, broken.initializer_twice, "executor.initializer"),
]

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
def test_property_catches(prop, impl, expected, make_env, monkeypatch):
    check_case(prop, impl, expected, make_env, monkeypatch, CATCH_EXAMPLES)


@pytest.mark.parametrize("prop, impl, expected", LATE_CASES, ids=case_ids(LATE_CASES))
def test_property_catches_late(prop, impl, expected, make_env, monkeypatch):
    check_case(prop, impl, expected, make_env, monkeypatch, CATCH_EXAMPLES, LATE_SCALED,
               broken.DELAY)


def test_broken_pool_caught(make_env, monkeypatch, start_method):
    """Futures of a broken pool that raise RuntimeError (under fork, where CPython's executor
    notices a dead process every time: elsewhere it is a known divergence)."""
    if start_method != "fork":
        pytest.skip("CPython's executor may not notice the death under %s (a known divergence)"
                    % start_method)
    check_case(props.test_broken, broken.broken_as_runtime, "executor.broken", make_env,
               monkeypatch, CATCH_EXAMPLES)


def test_max_tasks_ignored_caught(make_env, monkeypatch, start_method):
    """An executor that ignores max_tasks_per_child (3.11; not under fork, as documented)."""
    if sys.version_info < (3, 11) or start_method == "fork":
        pytest.skip("max_tasks_per_child: 3.11, and not under fork")
    check_case(props.test_max_tasks_per_child, broken.ignores_max_tasks,
               "executor.max_tasks_per_child", make_env, monkeypatch, CATCH_EXAMPLES)
