"""The ways an example can fail. Pure: no ``multiprocessing`` here.

Every failure of the implementation under test is an ``AssertionError`` (so pytest and Hypothesis
treat it as a falsified property); a fault of the kit itself is a ``HarnessError``.
"""


class Failure(AssertionError):
    """The implementation under test did not keep a promise."""


class SpecViolation(Failure):
    """A recorded history breaks a documented property.

    ``prop`` names the property (``"barrier.indices"``); the message says what was promised and
    what happened, followed by the operations that show it.
    """

    def __init__(self, prop, message, history=None, ops=None):
        self.prop = prop
        self.history = history
        self.ops = ops
        text = "%s: %s" % (prop, message)
        if history is not None:
            text += "\n" + history.format(ops)
        super().__init__(text)


_VIOLATIONS = {}


def violation_type(prop):
    """The :class:`SpecViolation` subclass for ``prop``, one per property name.

    Hypothesis tells failures apart by exception type and the line that raised it; all checks raise
    through one helper, so without a type per property it would take a violation of one clause
    for the same bug as another's, and could shrink from one to the other.
    """
    cls = _VIOLATIONS.get(prop)
    if cls is None:
        cls = _VIOLATIONS[prop] = type("SpecViolation[%s]" % prop, (SpecViolation,), {})
    return cls


class Deadlock(Failure):
    """An example did not finish by its deadline; the message says who waited on what."""


class WorkerDied(Failure):
    """A worker process ended in the middle of an example (crashed, or killed)."""


class HarnessError(RuntimeError):
    """The kit itself failed (a bug in a scenario or in the harness), not the implementation."""


class ImplementationWarning(UserWarning):
    """The implementation misbehaved outside every clause (a process start that failed once and
    then went through); the kit went on, and says so in pytest's warnings summary."""


class UsageError(Exception):
    """Bad input from the user: an unknown start method, an implementation that does not import."""


class Unsupported(Exception):
    """The implementation under test lacks a primitive a scenario needs (reported as a skip)."""
