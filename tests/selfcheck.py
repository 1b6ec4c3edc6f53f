"""What every self-test does: run a property on a broken implementation and insist that it fails
with the expected violation."""

import pytest
from hypothesis import Phase, settings
from hypothesis.errors import Flaky
from hypothesis.internal.conjecture import engine

from ipc_spec.errors import Deadlock, Failure, SpecViolation

#: Seconds an example may take in self-tests: broken implementations that deadlock are expected,
#: and every shrinking step that deadlocks costs this much.
SELFTEST_DEADLINE = 2.0

DEADLOCK = "deadlock"

#: Seconds a self-test may shrink: it must show that the property fails, and a failure's minimal form
#: is the conformance run's business.
SELFTEST_SHRINK_SECONDS = 3


def case_ids(cases):
    """Test ids for a table of ``(property test, implementation, ...)`` cases: ``name-impl``."""
    return ["%s-%s" % (case[0].__name__[5:], case[1].__name__) for case in cases]


def deadline_for(expected, no_hang):
    """The example deadline of a case: :data:`SELFTEST_DEADLINE` when a deadlock is an expected
    outcome, else ``no_hang`` (generous, so that a loaded machine cannot turn the expected
    violation into a Deadlock)."""
    expected = (expected,) if isinstance(expected, str) else expected
    return SELFTEST_DEADLINE if DEADLOCK in expected else no_hang


def _matches(error, expected):
    if DEADLOCK in expected and isinstance(error, Deadlock):
        return True
    return isinstance(error, SpecViolation) and error.prop in expected


def assert_catches(prop, env, expected, monkeypatch):
    """``prop`` (a property test function) fails on ``env`` with a SpecViolation of one of the
    ``expected`` property names, or with a Deadlock if ``expected`` includes :data:`DEADLOCK`.

    A failure Hypothesis calls flaky (its final replay passed: a loaded machine can hide a timing
    bug once) counts when the failure it saw is the expected one."""
    expected = (expected,) if isinstance(expected, str) else tuple(expected)
    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", SELFTEST_SHRINK_SECONDS)
    with pytest.raises((Failure, Flaky)) as info, env.examples_of(prop):
        prop(ipc_env=env)
    error = info.value
    if isinstance(error, Flaky):
        seen = [e for e in getattr(error, "exceptions", ()) if _matches(e, expected)]
        assert seen, "expected a violation of %s, got %r" % (expected, error)
        return seen[0]
    assert _matches(error, expected), "expected a violation of %s, got %s" % (expected, error)
    return error


def property_catches(cases, deadline=SELFTEST_DEADLINE):
    """The self-test of a table of ``(property test, broken implementation, expected)`` cases: each
    case, under every start method, must fail as :func:`assert_catches` says."""

    @pytest.mark.parametrize("prop, impl, expected", cases,
                             ids=["%s-%s" % (p.__name__[5:], i.__name__) for p, i, _ in cases])
    def test_property_catches(prop, impl, expected, make_env, monkeypatch):
        assert_catches(prop, make_env(impl, deadline=deadline), expected, monkeypatch)

    return test_property_catches


#: Deadline for cases that must end in a violation, never in a deadlock: generous, so that a loaded
#: machine cannot turn the expected violation into a Deadlock.
NO_HANG_DEADLINE = 20.0


def check_case(prop, impl, expected, make_env, monkeypatch, examples, late=None, delay=None):
    """One case of a family's table: ``prop`` may take ``examples`` examples (unshrunk) to fail on
    ``impl`` as :func:`assert_catches` says. With ``late``, the LATE bound is scaled down to it,
    for an implementation ``delay`` s late (more than twice as much)."""
    if late is not None:
        import ipc_spec.specs

        assert delay > 2 * late
        monkeypatch.setattr(ipc_spec.specs, "LATE", late)
    catching(monkeypatch, prop, examples)
    assert_catches(prop, make_env(impl, deadline=deadline_for(expected, NO_HANG_DEADLINE)),
                   expected, monkeypatch)


def with_settings(monkeypatch, prop, **changes):
    """Run ``prop`` in this test with its own settings but for ``changes`` (Hypothesis keeps a
    test's settings in this attribute; the property's own decorators fixed them at import)."""
    test = prop.__func__
    monkeypatch.setattr(test, "_hypothesis_internal_use_settings",
                        settings(test._hypothesis_internal_use_settings, **changes))


def catching(monkeypatch, prop, examples):
    """Let ``prop`` take up to ``examples`` examples to catch a broken implementation, and stop at
    the first failure without shrinking it (its minimal form is the conformance run's business)."""
    phases = [p for p in prop.__func__._hypothesis_internal_use_settings.phases
              if p != Phase.shrink]
    with_settings(monkeypatch, prop, max_examples=examples, phases=phases)
