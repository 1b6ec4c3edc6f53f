"""Broken Semaphores and BoundedSemaphores, one broken promise each (the acquire/release mixins are
those of the broken Locks): ``@breaks("Semaphore")`` (or ``"BoundedSemaphore"``) makes each class an
implementation, bound here in snake case (``ExtraHolder`` -> ``extra_holder``)."""

from multiprocessing.synchronize import (SEM_VALUE_MAX, SEMAPHORE, BoundedSemaphore, Semaphore,
                                         SemLock)

from . import breaks
from .lock import (AcquireReturnsNoneMixin, NegativeTimeoutBlocksMixin, NonBlockingSucceedsMixin,
                   OwnerOnlyReleaseMixin, ShortTimeoutMixin, _Release)


class _KeepsInitial(object):
    """Remembers its initial value, also in processes it is pickled to."""

    def __init__(self, value=1, *, ctx):
        super().__init__(value, ctx=ctx)
        self._initial = value

    def __getstate__(self):
        return (super().__getstate__(), self._initial)

    def __setstate__(self, state):
        self._initial = state[1]
        super().__setstate__(state[0])


@breaks("Semaphore")
class ExtraHolder(Semaphore):
    """Admits one holder more than its value."""

    def __init__(self, value=1, *, ctx):
        SemLock.__init__(self, SEMAPHORE, value + 1, SEM_VALUE_MAX, ctx=ctx)


@breaks("Semaphore")
class StaleValue(_KeepsInitial, Semaphore):
    """``get_value()`` always reports the initial value."""

    def get_value(self):
        return self._initial


@breaks("Semaphore")
class AcquireReturnsNone(AcquireReturnsNoneMixin, Semaphore):
    pass


@breaks("Semaphore")
class NonblockingSucceeds(NonBlockingSucceedsMixin, Semaphore):
    pass


@breaks("Semaphore")
class ShortTimeout(ShortTimeoutMixin, Semaphore):
    pass


@breaks("Semaphore")
class NegativeTimeoutBlocks(NegativeTimeoutBlocksMixin, Semaphore):
    pass


@breaks("Semaphore")
class OwnerOnlyRelease(OwnerOnlyReleaseMixin, Semaphore):
    pass


@breaks("BoundedSemaphore")
class AcceptsOverRelease(BoundedSemaphore):
    """No bound: releases above the initial value pass."""

    def __init__(self, value=1, *, ctx):
        SemLock.__init__(self, SEMAPHORE, value, SEM_VALUE_MAX, ctx=ctx)


@breaks("BoundedSemaphore")
class RaisesButCounts(_KeepsInitial, _Release, BoundedSemaphore):
    """An over-release raises ValueError, but only after incrementing the counter."""

    def __init__(self, value=1, *, ctx):
        SemLock.__init__(self, SEMAPHORE, value, SEM_VALUE_MAX, ctx=ctx)
        self._initial = value

    def _release(self, real):
        over = self._semlock._get_value() >= self._initial
        real()
        if over:
            raise ValueError("semaphore or lock released too many times")
