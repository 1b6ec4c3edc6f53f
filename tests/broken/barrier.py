"""Broken Barriers, one broken promise each: ``@breaks("Barrier")`` makes each class an
implementation, bound here in snake case (``DuplicateIndex`` -> ``duplicate_index``)."""

from multiprocessing.synchronize import Barrier

from . import breaks


@breaks("Barrier")
class DuplicateIndex(Barrier):
    """Two waiters of a generation get the same index."""

    def wait(self, timeout=None):
        index = super().wait(timeout)
        return max(0, index - 1)


@breaks("Barrier")
class ActionPerWaiter(Barrier):
    """Runs the action in every waiter, not once per generation."""

    def wait(self, timeout=None):
        index = super().wait(timeout)
        if self._action:
            self._action()
        return index


@breaks("Barrier")
class EarlyRelease(Barrier):
    """Lets waiters through once all but one have arrived."""

    def __init__(self, parties, action=None, timeout=None, *, ctx):
        super().__init__(max(1, parties - 1), action, timeout, ctx=ctx)


@breaks("Barrier")
class ShortTimeout(Barrier):
    """Gives up after a third of the timeout."""

    def wait(self, timeout=None):
        if timeout is None:
            timeout = self._timeout
        return super().wait(None if timeout is None else timeout / 3)


@breaks("Barrier")
class TimeoutKeepsWorking(Barrier):
    """A timed-out wait raises, but the barrier is not left broken."""

    def wait(self, timeout=None):
        try:
            return super().wait(timeout)
        except Exception:
            with self._cond:
                if self._state == -2:  # broken: quietly repair
                    self._state = 0
                    self._count = 0
            raise


@breaks("Barrier")
class AbortIgnored(Barrier):
    """abort() does nothing: waiters stay blocked."""

    def abort(self):
        pass


@breaks("Barrier")
class ResetKeepsBroken(Barrier):
    """reset() wakes the waiters but leaves the barrier broken."""

    def reset(self):
        super().reset()
        self.abort()


@breaks("Barrier")
class NoWaitingCount(Barrier):
    """n_waiting is always 0."""

    @property
    def n_waiting(self):
        return 0


@breaks("Barrier")
class WrongParties(Barrier):
    """parties is one more than the barrier was made with."""

    @property
    def parties(self):
        return self._parties + 1
