"""Hypothesis strategies shared by the property tests."""

from hypothesis import strategies as st

#: Seconds a process pauses before a step, to perturb the schedule (never to synchronise).
#: Shrinks towards no pause at all.
PAUSES = (0.0, 0.0001, 0.0005, 0.002)


def pauses():
    return st.sampled_from(PAUSES)


def timeouts(low=0.01, high=0.25):
    """Timeouts short enough to keep examples fast, long enough to be measured exactly."""
    return st.sampled_from([t for t in (0.01, 0.02, 0.05, 0.1, 0.25) if low <= t <= high])
