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
        text = "%s: %s" % (prop, message)
        if history is not None:
            text += "\n" + history.format(ops)
        super().__init__(text)


class Deadlock(Failure):
    """An example did not finish by its deadline; the message says who waited on what."""


class WorkerDied(Failure):
    """A worker process ended in the middle of an example (crashed, or killed)."""


class HarnessError(RuntimeError):
    """The kit itself failed (a bug in a scenario or in the harness), not the implementation."""


class UsageError(Exception):
    """Bad input from the user: an unknown start method, an implementation that does not import."""


class Unsupported(Exception):
    """The implementation under test lacks a primitive a scenario needs (reported as a skip)."""
