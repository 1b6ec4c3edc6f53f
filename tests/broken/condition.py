"""Broken Conditions, one broken promise each: ``@breaks("Condition")`` makes each class an
implementation, bound here in snake case (``NotifyWakesAll`` -> ``notify_wakes_all``)."""

import sys

from multiprocessing.synchronize import Condition

from . import Broken, breaks


def _level(cond):
    """How many times this process holds the condition's lock (1 for a held plain Lock)."""
    return cond._lock._semlock._count()


@breaks("Condition")
class NotifyWakesAll(Condition):
    """notify(n) wakes every waiter, not at most n."""

    def notify(self, n=1):
        super().notify(sys.maxsize)


@breaks("Condition")
class NotifyWakesOne(Condition):
    """notify(n) wakes at most one waiter, whatever n; notify_all() still wakes all."""

    def notify(self, n=1):
        super().notify(min(n, 1))

    def notify_all(self):
        super().notify(sys.maxsize)


@breaks("Condition")
class NotifyAllWakesOne(Condition):
    """notify_all() wakes a single waiter."""

    def notify_all(self):
        self.notify(1)


@breaks("Condition")
class ShortWait(Condition):
    """wait(timeout) gives up after a tenth of the timeout."""

    def wait(self, timeout=None):
        return super().wait(None if timeout is None else timeout / 10)


@breaks("Condition")
class TimeoutReturnsTrue(Condition):
    """wait(timeout) returns True even when the timeout expired."""

    def wait(self, timeout=None):
        super().wait(timeout)
        return True


@breaks("Condition")
class IgnoresTimeout(Condition):
    """wait(timeout) waits for a notification however long it takes."""

    def wait(self, timeout=None):
        return super().wait(None)


@breaks("Condition")
class NoReacquire(Condition):
    """wait() returns without re-acquiring the lock."""

    def wait(self, timeout=None):
        assert self._lock._semlock._is_mine(), "must acquire() condition before using wait()"
        self._sleeping_count.release()
        for _ in range(_level(self)):
            self._lock.release()
        try:
            return self._wait_semaphore.acquire(True, timeout)
        finally:
            self._woken_count.release()


class ShallowRLockWait(Condition):
    """wait() releases one level of a recursively held RLock, so the lock stays held."""

    def wait(self, timeout=None):
        assert self._lock._semlock._is_mine(), "must acquire() condition before using wait()"
        self._sleeping_count.release()
        self._lock.release()  # one level only
        try:
            return self._wait_semaphore.acquire(True, timeout)
        finally:
            self._woken_count.release()
            self._lock.acquire()


#: Bound by hand: the snake case of its class's name would be ``shallow_r_lock_wait``.
shallow_rlock_wait = Broken("condition.ShallowRLockWait",
                            Condition=lambda ctx, *a, **k: ShallowRLockWait(*a, ctx=ctx, **k))


@breaks("Condition")
class LosesRecursion(Condition):
    """wait() re-acquires an RLock once, not to its former recursion level."""

    def wait(self, timeout=None):
        level = _level(self) if self._lock._semlock._is_mine() else 1
        result = super().wait(timeout)
        for _ in range(level - 1):
            self._lock.release()
        return result


@breaks("Condition")
class WaitForNoRecheck(Condition):
    """wait_for() waits once and returns whatever the predicate says after the first wake-up."""

    def wait_for(self, predicate, timeout=None):
        result = predicate()
        if not result:
            self.wait(timeout)
            result = predicate()
        return result


@breaks("Condition")
class WaitForReturnsTrue(Condition):
    """wait_for() returns True or False rather than the predicate's last value."""

    def wait_for(self, predicate, timeout=None):
        return True if super().wait_for(predicate, timeout) else False


@breaks("Condition")
class WaitForIgnoresTimeout(Condition):
    """wait_for() waits until the predicate is true, however long it takes."""

    def wait_for(self, predicate, timeout=None):
        return super().wait_for(predicate, None)


@breaks("Condition")
class WaitForUnlockedPredicate(Condition):
    """wait_for() evaluates the predicate after letting go of the lock."""

    def wait_for(self, predicate, timeout=None):
        def unlocked():
            level = _level(self)
            for _ in range(level):
                self._lock.release()
            try:
                return predicate()
            finally:
                for _ in range(level):
                    self._lock.acquire()
        return super().wait_for(unlocked, timeout)


@breaks("Condition")
class UncheckedWait(Condition):
    """wait() without the lock waits (and times out) instead of raising."""

    def wait(self, timeout=None):
        if not self._lock._semlock._is_mine():
            return self._wait_semaphore.acquire(True, timeout)
        return super().wait(timeout)


@breaks("Condition")
class UncheckedNotify(Condition):
    """notify() and notify_all() without the lock do nothing instead of raising."""

    def notify(self, n=1):
        if self._lock._semlock._is_mine():
            super().notify(n)


@breaks("Condition")
class IgnoresLock(Condition):
    """Condition(lock) ignores the lock it is given and uses one of its own."""

    def __init__(self, lock=None, *, ctx):
        super().__init__(None, ctx=ctx)
