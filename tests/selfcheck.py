"""What every self-test does: run a property on a broken implementation and insist that it fails
with the expected violation."""

import pytest

from ipc_spec.errors import Deadlock, Failure, SpecViolation

#: Seconds an example may take in self-tests: broken implementations that deadlock are expected,
#: and every shrinking step that deadlocks costs this much.
SELFTEST_DEADLINE = 2.0

DEADLOCK = "deadlock"

#: Seconds a self-test may shrink: it must show that the property fails, and a failure's minimal form
#: is the conformance run's business.
SELFTEST_SHRINK_SECONDS = 8


def assert_catches(prop, env, expected, monkeypatch):
    """``prop`` (a property test function) fails on ``env`` with a SpecViolation of one of the
    ``expected`` property names, or with a Deadlock if ``expected`` is :data:`DEADLOCK`."""
    expected = (expected,) if isinstance(expected, str) else tuple(expected)
    from hypothesis.internal.conjecture import engine

    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", SELFTEST_SHRINK_SECONDS)
    with pytest.raises(Failure) as info:
        prop(ipc_env=env)
    error = info.value
    if DEADLOCK in expected and isinstance(error, Deadlock):
        return error
    assert isinstance(error, SpecViolation), "expected a violation of %s, got %r" % (expected, error)
    assert error.prop in expected, "expected a violation of %s, got %s" % (expected, error)
    return error
