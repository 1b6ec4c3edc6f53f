"""Broken Locks and RLocks, one broken promise each: ``@breaks("Lock")`` (or ``"RLock"``) makes
each class an implementation, bound here in snake case (``TwoHolders`` -> ``two_holders``).

They subclass the real classes of ``multiprocessing.synchronize``. A SemLock sets its ``acquire``
and ``release`` as instance attributes in ``_make_methods`` (in ``__init__``, and again when it is
unpickled in a spawned process), so the mixins below replace them there; their state stays what
the real class pickles.
"""

from multiprocessing.synchronize import RECURSIVE_MUTEX, SEMAPHORE, Lock, RLock, SemLock

from . import breaks

# -- mixins, each breaking one promise of acquire() or release() (Semaphores use them too) ---------


class _Acquire(object):
    """Replaces ``acquire`` by ``self._acquire(real_acquire, block, timeout)``."""

    def _make_methods(self):
        super()._make_methods()
        real = self._semlock.acquire

        def acquire(block=True, timeout=None):
            return self._acquire(real, block, timeout)

        self.acquire = acquire


class _Release(object):
    """Replaces ``release`` by ``self._release(real_release)``."""

    def _make_methods(self):
        super()._make_methods()
        real = self._semlock.release

        def release():
            return self._release(real)

        self.release = release


class ShortTimeoutMixin(_Acquire):
    """Gives up after a third of the timeout."""

    def _acquire(self, real, block, timeout):
        return real(block, None if timeout is None else timeout / 3)


class NegativeTimeoutBlocksMixin(_Acquire):
    """Reads negative timeouts as ``threading`` does: -1 blocks forever, others raise ValueError."""

    def _acquire(self, real, block, timeout):
        if block and timeout is not None and timeout < 0:
            if timeout != -1:
                raise ValueError("timeout value must be a non-negative number")
            timeout = None
        return real(block, timeout)


class NonBlockingSucceedsMixin(_Acquire):
    """``acquire(False)`` returns True even when it could not acquire."""

    def _acquire(self, real, block, timeout):
        result = real(block, timeout)
        return True if not block else result


class NonBlockingBlocksMixin(_Acquire):
    """``acquire(False)`` blocks like ``acquire()``."""

    def _acquire(self, real, block, timeout):
        return real(True, timeout if block else None)


class NonBlockingWaitsMixin(_Acquire):
    """``acquire(False, timeout)`` waits for the timeout instead of ignoring it."""

    def _acquire(self, real, block, timeout):
        return real(True if timeout is not None else block, timeout)


class AcquireReturnsNoneMixin(_Acquire):
    """A blocking ``acquire()`` acquires but returns None, not True (a wrapper that forgot to
    return the result)."""

    def _acquire(self, real, block, timeout):
        result = real(block, timeout)
        return None if block and timeout is None else result


class OwnerOnlyReleaseMixin(_Acquire, _Release):
    """``release()`` raises ValueError in a process that has not acquired (in this process)."""

    def _make_methods(self):
        self._mine = 0  # acquisitions made in this process, not yet released here
        super()._make_methods()

    def _acquire(self, real, block, timeout):
        result = real(block, timeout)
        if result:
            self._mine += 1
        return result

    def _release(self, real):
        if self._mine == 0 and self._semlock._is_zero():
            raise ValueError("released by a process that did not acquire")
        real()
        self._mine = max(0, self._mine - 1)


# -- Lock ----------------------------------------------------------------------------------------


@breaks("Lock")
class TwoHolders(Lock):
    """Admits two holders at once: a Semaphore(2) dressed as a Lock."""

    def __init__(self, *, ctx):
        SemLock.__init__(self, SEMAPHORE, 2, 2, ctx=ctx)


@breaks("Lock")
class AcquireReturnsNone(AcquireReturnsNoneMixin, Lock):
    pass


@breaks("Lock")
class ShortTimeout(ShortTimeoutMixin, Lock):
    pass


@breaks("Lock")
class NegativeTimeoutBlocks(NegativeTimeoutBlocksMixin, Lock):
    pass


@breaks("Lock")
class NonblockingSucceeds(NonBlockingSucceedsMixin, Lock):
    pass


@breaks("Lock")
class NonblockingBlocks(NonBlockingBlocksMixin, Lock):
    pass


@breaks("Lock")
class NonblockingWaits(NonBlockingWaitsMixin, Lock):
    pass


@breaks("Lock")
class OwnerOnlyRelease(OwnerOnlyReleaseMixin, Lock):
    pass


@breaks("Lock")
class SilentRelease(_Release, Lock):
    """``release()`` of an unlocked lock passes silently (and changes nothing)."""

    def _release(self, real):
        try:
            real()
        except ValueError:
            pass


@breaks("Lock")
class ExitKeepsLocked(Lock):
    """Leaving a ``with`` block does not release the lock."""

    def __exit__(self, *args):
        return None


# -- RLock ---------------------------------------------------------------------------------------


@breaks("RLock")
class NotReentrant(RLock):
    """A plain lock: its owner blocks (or fails) when it acquires it again."""

    def __init__(self, *, ctx):
        SemLock.__init__(self, SEMAPHORE, 1, 1, ctx=ctx)


@breaks("RLock")
class TwoOwners(RLock):
    """Two processes can own it at once."""

    def __init__(self, *, ctx):
        SemLock.__init__(self, RECURSIVE_MUTEX, 2, 2, ctx=ctx)


@breaks("RLock")
class FreesAfterOneRelease(_Release, RLock):
    """One release by the owner unlocks it, whatever the recursion level."""

    def _release(self, real):
        for _ in range(max(1, self._semlock._count())):
            real()


@breaks("RLock")
class NonOwnerReleaseSilent(_Release, RLock):
    """``release()`` by a process that does not own it passes silently (the owner keeps it)."""

    def _release(self, real):
        try:
            real()
        except AssertionError:
            if not self._semlock._is_zero():  # unowned: that error stays
                raise


@breaks("RLock")
class UnownedReleaseSilent(_Release, RLock):
    """``release()`` of an RLock nobody owns passes silently."""

    def _release(self, real):
        try:
            real()
        except AssertionError:
            if self._semlock._is_zero():  # owned by another process: that error stays
                raise


@breaks("RLock")
class RlockShortTimeout(ShortTimeoutMixin, RLock):
    pass


@breaks("RLock")
class RlockNegativeTimeoutBlocks(NegativeTimeoutBlocksMixin, RLock):
    pass
