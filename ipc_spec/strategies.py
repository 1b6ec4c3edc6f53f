"""Hypothesis strategies shared by the property tests."""

from hypothesis import strategies as st

#: Seconds a process pauses before a step, to perturb the schedule (never to synchronise).
#: Shrinks towards no pause at all.
PAUSES = (0.0, 0.0001, 0.0005, 0.002)


def pauses():
    return st.sampled_from(PAUSES)


#: Seconds of the timeouts properties draw: short enough to keep examples fast (an example that
#: times out waits that long), long enough to be measured exactly. Whether a call waits out its
#: timeout, and no less, does not depend on its length; a loaded machine's lateness is bounded
#: apart (``specs.LATE``).
TIMEOUTS = (0.005, 0.01, 0.02, 0.05)
#: A timeout that never expires within an example (the harness's deadline comes first): for a
#: call that must succeed, or to override a short default timeout.
NEVER = 300.0


def timeouts(low=0.005, high=0.05):
    """A timeout among :data:`TIMEOUTS`, from ``low`` to ``high`` seconds."""
    return st.sampled_from([t for t in TIMEOUTS if low <= t <= high])
