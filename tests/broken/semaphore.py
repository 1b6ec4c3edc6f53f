"""Broken Semaphores and BoundedSemaphores, one broken promise each (the acquire/release mixins are
those of the broken Locks)."""

from multiprocessing.synchronize import (SEM_VALUE_MAX, SEMAPHORE, BoundedSemaphore, Semaphore,
                                         SemLock)

from . import Broken
from .lock import (AcquireReturnsNoneMixin, NegativeTimeoutBlocksMixin, NonBlockingSucceedsMixin, OwnerOnlyReleaseMixin,
                   ShortTimeoutMixin, _Release)


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


class ExtraHolder(Semaphore):
    """Admits one holder more than its value."""

    def __init__(self, value=1, *, ctx):
        SemLock.__init__(self, SEMAPHORE, value + 1, SEM_VALUE_MAX, ctx=ctx)


class StaleValue(_KeepsInitial, Semaphore):
    """``get_value()`` always reports the initial value."""

    def get_value(self):
        return self._initial


class AcquireReturnsNone(AcquireReturnsNoneMixin, Semaphore):
    pass


class NonBlockingSucceeds(NonBlockingSucceedsMixin, Semaphore):
    pass


class ShortTimeout(ShortTimeoutMixin, Semaphore):
    pass


class NegativeTimeoutBlocks(NegativeTimeoutBlocksMixin, Semaphore):
    pass


class OwnerOnlyRelease(OwnerOnlyReleaseMixin, Semaphore):
    pass


class AcceptsOverRelease(BoundedSemaphore):
    """No bound: releases above the initial value pass."""

    def __init__(self, value=1, *, ctx):
        SemLock.__init__(self, SEMAPHORE, value, SEM_VALUE_MAX, ctx=ctx)


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


def _sem(cls):
    return Broken("semaphore." + cls.__name__,
                  Semaphore=lambda ctx, *a, **k: cls(*a, ctx=ctx, **k))


def _bounded(cls):
    return Broken("boundedsemaphore." + cls.__name__,
                  BoundedSemaphore=lambda ctx, *a, **k: cls(*a, ctx=ctx, **k))


extra_holder = _sem(ExtraHolder)
stale_value = _sem(StaleValue)
acquire_returns_none = _sem(AcquireReturnsNone)
nonblocking_succeeds = _sem(NonBlockingSucceeds)
short_timeout = _sem(ShortTimeout)
negative_timeout_blocks = _sem(NegativeTimeoutBlocks)
owner_only_release = _sem(OwnerOnlyRelease)
accepts_over_release = _bounded(AcceptsOverRelease)
raises_but_counts = _bounded(RaisesButCounts)
