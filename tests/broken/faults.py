"""Broken implementations for the fault properties (``ipc_spec.suite.test_faults``): each breaks one
promise that the survivors of a killed process count on, and nothing else. ``@breaks(...)`` binds
each class here in snake case (``LateEmpty`` -> ``late_empty``); the implementations that replace
several factories at once are plain ``Broken`` lines.

**The kill-safe base.** CPython's own Barrier, Event and Condition hang once a process is killed
asleep inside ``Condition.wait()`` (the next ``notify()`` waits for ever for the dead sleeper to say
it woke), or inside a ``notify()`` waiting so, holding the lock everyone needs next:
``faults.barrier_party_killed``, ``faults.event_setter_killed`` and
``faults.condition_waiter_killed`` fail on CPython that way. A broken class built on them would be
caught by that hang before its own bug could show, so the broken Barriers, Events and Conditions
here are built on ``kill_safe``: CPython's Barrier and Condition over :class:`KillSafeCondition`,
whose notify() does not wait for the sleepers, and an Event without a lock (:class:`KillSafeEvent`);
they fail with their own violation.

Where a broken implementation already exists in a sibling module, it is reused (composed, when the
fault properties draw several kinds of object: a Lock and a Semaphore, a Value and an Array).
"""

import time
from multiprocessing.connection import Connection
from multiprocessing.queues import JoinableQueue, Queue, SimpleQueue
from multiprocessing.synchronize import (Barrier, BoundedSemaphore, Condition, Event, Lock, RLock,
                                         Semaphore)
from queue import Empty
from threading import BrokenBarrierError

from . import Broken, breaks
from . import barrier, condition, connection, event, lock, queue, value

#: Seconds the deliberately late implementations below overstay a timeout: more than twice the LATE
#: their self-tests allow (``tests/test_selftest_faults.py``).
DELAY = 0.1


# -- the kill-safe base --------------------------------------------------------------------------


class KillSafeCondition(Condition):
    """CPython's Condition, except that notify() does not wait for the sleepers it wakes to say they
    woke: a sleeper killed inside wait() leaves a spare wake-up (a later wait() may return early, as
    a condition variable's may), not a notify() blocked for ever holding the lock. Not a broken
    implementation: the base of those below. (A process killed in the microseconds it holds the
    lock still leaves it held, and no wait() can return without it.)"""

    def wait(self, timeout=None):
        assert self._lock._semlock._is_mine(), "must acquire() condition before using wait()"
        self._sleeping_count.release()
        count = self._lock._semlock._count()
        for _ in range(count):
            self._lock.release()
        woke = False
        try:
            woke = self._wait_semaphore.acquire(True, timeout)
            return woke
        finally:
            if not woke:  # not notified: the next notify() counts this sleeper out
                self._woken_count.release()
            for _ in range(count):
                self._lock.acquire()

    def notify(self, n=1):
        assert self._lock._semlock._is_mine(), "lock is not owned"
        while self._woken_count.acquire(False):
            self._sleeping_count.acquire(False)
        sleepers = 0
        while sleepers < n and self._sleeping_count.acquire(False):
            self._wait_semaphore.release()
            sleepers += 1


class KillSafeEvent(Event):
    """An Event with no lock to be left held: its flag is a shared int, and a semaphore holds a
    token while it is set, for waiters to wake on (each takes the token and puts it back)."""

    def __init__(self, *, ctx):
        super().__init__(ctx=ctx)
        self._set = ctx.RawValue("i", 0)

    def is_set(self):
        return bool(self._set.value)

    def set(self):
        self._set.value = 1
        self._flag.acquire(False)
        self._flag.release()

    def clear(self):
        self._set.value = 0
        while self._flag.acquire(False):
            pass

    def wait(self, timeout=None):
        if not self._set.value and self._flag.acquire(True, timeout):
            self._flag.release()
        return bool(self._set.value)


class KillSafeBarrier(Barrier):
    """CPython's Barrier over a :class:`KillSafeCondition` (its waits already wait again after an
    early wake-up)."""

    def __init__(self, parties, action=None, timeout=None, *, ctx):
        super().__init__(parties, action, timeout, ctx=ctx)
        self._cond = KillSafeCondition(ctx.RLock(), ctx=ctx)


#: Barrier, Event and Condition that survive a sleeper's death (and a killed notifier's, but for one
#: killed in the microseconds it holds the lock): what the fault properties of those three ask of an
#: implementation (their self-tests check that they pass on it).
kill_safe = Broken("faults.KillSafe",
                   Barrier=lambda ctx, *a, **k: KillSafeBarrier(*a, ctx=ctx, **k),
                   Event=lambda ctx: KillSafeEvent(ctx=ctx),
                   Condition=lambda ctx, *a, **k: KillSafeCondition(*a, ctx=ctx, **k))


# -- Lock, RLock, Semaphore, BoundedSemaphore ----------------------------------------------------


class LateTimeoutMixin(lock._Acquire):
    """A timed acquire() that fails returns False DELAY seconds after its timeout."""

    def _acquire(self, real, block, timeout):
        result = real(block, timeout)
        if not result and block and timeout is not None:
            time.sleep(DELAY)
        return result


_KINDS = {"Lock": Lock, "RLock": RLock, "Semaphore": Semaphore,
          "BoundedSemaphore": BoundedSemaphore}


def _locks(name, mixin):
    """A broken implementation whose Lock, RLock, Semaphore and BoundedSemaphore all have
    ``mixin``: module-level classes ``<name><kind>``, so that they pickle by name."""
    classes = {}
    for kind, base in _KINDS.items():
        cls = type(name + kind, (mixin, base), {"__module__": __name__, "__doc__": mixin.__doc__})
        globals()[cls.__name__] = classes[kind] = cls
    return Broken("faults." + name,
                  Lock=lambda ctx: classes["Lock"](ctx=ctx),
                  RLock=lambda ctx: classes["RLock"](ctx=ctx),
                  Semaphore=lambda ctx, value=1: classes["Semaphore"](value, ctx=ctx),
                  BoundedSemaphore=lambda ctx, value=1: classes["BoundedSemaphore"](value, ctx=ctx))


#: lock.ShortTimeout's bug (acquire(timeout=t) gives up after t/3) in all four kinds.
short_timeout_locks = _locks("ShortTimeout", lock.ShortTimeoutMixin)
#: LateTimeoutMixin in all four kinds: a failed acquire(timeout=t) returns at t + DELAY.
late_timeout_locks = _locks("LateTimeout", LateTimeoutMixin)


# -- Barrier -------------------------------------------------------------------------------------


@breaks("Barrier")
class BarrierShortTimeout(barrier.ShortTimeout, KillSafeBarrier):
    """barrier.ShortTimeout (gives up after a third of the timeout) on the kill-safe base."""


@breaks("Barrier")
class BarrierLateTimeout(KillSafeBarrier):
    """wait() that ends in BrokenBarrierError raises it DELAY seconds late."""

    def wait(self, timeout=None):
        try:
            return super().wait(timeout)
        except BrokenBarrierError:
            time.sleep(DELAY)
            raise


# -- Event ---------------------------------------------------------------------------------------


@breaks("Event")
class EventTrueOnTimeout(event.TrueOnTimeout, KillSafeEvent):
    """event.TrueOnTimeout (wait(timeout) returns True when it times out) on the kill-safe base."""


@breaks("Event")
class EventLocalFlag(event.LocalFlag, KillSafeEvent):
    """event.LocalFlag (is_set() reports what this process last did with set() and clear()) on
    the kill-safe base."""


@breaks("Event")
class EventLateTimeout(event.LateTimeout, KillSafeEvent):
    """event.LateTimeout (wait(timeout) returns False event.DELAY seconds late) on the kill-safe
    base."""


# -- Condition -----------------------------------------------------------------------------------


@breaks("Condition")
class ConditionIgnoresTimeout(condition.IgnoresTimeout, KillSafeCondition):
    """condition.IgnoresTimeout (wait(timeout) waits for a notification however long it takes) on
    the kill-safe base."""


@breaks("Condition")
class ConditionLateTimeout(KillSafeCondition):
    """wait(timeout) that times out returns False DELAY seconds late."""

    def wait(self, timeout=None):
        result = super().wait(timeout)
        if not result and timeout is not None:
            time.sleep(DELAY)
        return result


# -- Pipe ----------------------------------------------------------------------------------------


@breaks("Pipe", build=connection._ends)
@connection._registered
class EmptyAtEof(Connection):
    """The first recv_bytes() at end of file returns b"" (an empty message nobody sent); only the
    next one raises EOFError. (faults.pipe_peer_killed mostly misses it: see its self-test.)"""

    def recv_bytes(self, maxlength=None):
        try:
            return super().recv_bytes(maxlength)
        except EOFError:
            if getattr(self, "_ipc_eof", False):
                raise
            self._ipc_eof = True
            return b""


@breaks("Pipe", build=connection._ends)
@connection._registered
class ResetAtEof(Connection):
    """recv_bytes() at end of file raises ConnectionResetError instead of EOFError."""

    def recv_bytes(self, maxlength=None):
        try:
            return super().recv_bytes(maxlength)
        except EOFError:
            raise ConnectionResetError("the peer is gone") from None


# -- Queue and JoinableQueue ---------------------------------------------------------------------


class _LateEmpty(object):
    """get(timeout=t) that finds nothing raises Empty DELAY seconds after its timeout."""

    def get(self, block=True, timeout=None):
        try:
            return super().get(block, timeout)
        except Empty:
            if block and timeout is not None:
                time.sleep(DELAY)
            raise


class LateEmpty(_LateEmpty, Queue):
    pass


class JoinableLateEmpty(_LateEmpty, JoinableQueue):
    pass


class JoinableShortGetTimeout(queue._ShortGetTimeout, JoinableQueue):
    pass


def _both(name, plain, joinable):
    """An implementation whose Queue is ``plain`` and whose JoinableQueue is ``joinable``."""
    return Broken("faults." + name,
                  Queue=lambda ctx, *a, **k: plain(*a, ctx=ctx, **k),
                  JoinableQueue=lambda ctx, *a, **k: joinable(*a, ctx=ctx, **k))


late_empty = _both("LateEmpty", LateEmpty, JoinableLateEmpty)
#: queue.ShortGetTimeout's bug (get(timeout=t) gives up after t/1000) in both kinds.
short_get_timeout = _both("ShortGetTimeout", queue.ShortGetTimeout, JoinableShortGetTimeout)


@breaks("JoinableQueue")
class TaskDoneLocal(JoinableQueue):
    """task_done() raises ValueError in a process with no unfinished item of its own get(): nobody
    can finish the items a killed worker got."""

    def get(self, block=True, timeout=None):
        item = super().get(block, timeout)
        self._ipc_open = getattr(self, "_ipc_open", 0) + 1
        return item

    def task_done(self):
        if not getattr(self, "_ipc_open", 0):
            raise ValueError("task_done() called too many times")
        super().task_done()
        self._ipc_open -= 1


# -- SimpleQueue ---------------------------------------------------------------------------------


@breaks("SimpleQueue")
class SimpleSharedLock(SimpleQueue):
    """put() takes the lock that get() holds while it blocks: a consumer killed inside get() leaves
    every put() blocked for ever."""

    def __init__(self, *, ctx):
        super().__init__(ctx=ctx)
        self._wlock = self._rlock


# -- Value and Array -----------------------------------------------------------------------------


class LateRLock(LateTimeoutMixin, RLock):
    pass


def _locked(name, make_lock):
    """An implementation whose Value and Array get ``make_lock(ctx)`` for their default lock."""

    def lock_for(ctx, lock):
        return make_lock(ctx) if lock is True or lock is None else lock

    return Broken("faults." + name,
                  Value=lambda ctx, code, *args, lock=True: ctx.Value(code, *args,
                                                                      lock=lock_for(ctx, lock)),
                  Array=lambda ctx, code, init, *, lock=True: ctx.Array(code, init,
                                                                        lock=lock_for(ctx, lock)))


#: value.DummyLock (a lock that excludes nobody: acquire() is always True) in Value and Array.
value_dummy_lock = _locked("ValueDummyLock", lambda ctx: value.DummyLock())
#: Value and Array whose get_lock() is lock.RlockShortTimeout: acquire(True, t) gives up at t/3.
value_short_timeout = _locked("ValueShortTimeout", lambda ctx: lock.RlockShortTimeout(ctx=ctx))
#: Value and Array whose get_lock() returns False DELAY seconds late from a failed acquire(True, t).
value_late_timeout = _locked("ValueLateTimeout", lambda ctx: LateRLock(ctx=ctx))


# -- a manager's proxies once its server was killed (faults.manager_killed) ---------------------

import threading as _threading  # noqa: E402
import queue as _queue  # noqa: E402
from multiprocessing.managers import (AcquirerProxy, BaseProxy, DictProxy, EventProxy,  # noqa: E402
                                      MakeProxyType, SyncManager)

_GONE = (OSError, EOFError)
QueueProxy = MakeProxyType("QueueProxy", ("empty", "full", "get", "get_nowait", "join", "put",
                                          "put_nowait", "qsize", "task_done"))


class _Retrying(object):
    """A call the server's end broke is tried again, on a new connection, for ever."""

    def _callmethod(self, methodname, args=(), kwds={}):
        while True:
            try:
                return BaseProxy._callmethod(self, methodname, args, kwds)
            except _GONE:
                self._tls.__dict__.pop("connection", None)
                time.sleep(0.01)


class _Silent(object):
    """A call the server's end broke returns None."""

    def _callmethod(self, methodname, args=(), kwds={}):
        try:
            return BaseProxy._callmethod(self, methodname, args, kwds)
        except _GONE:
            return None


class _Slow(object):
    """A call the server's end broke raises ``DELAY`` s later."""

    def _callmethod(self, methodname, args=(), kwds={}):
        try:
            return BaseProxy._callmethod(self, methodname, args, kwds)
        except _GONE:
            time.sleep(DELAY)
            raise


class _EarlyGet(object):
    """``get()`` of a Queue raises Empty at once, waiting for nothing."""

    def get(self, block=True, timeout=None):
        raise Empty


class _SyncFactory(object):
    """``SyncManager(ctx, **kwargs)`` of a broken implementation: this module's ``<name>Manager``
    (pickles by name: a spawned worker is handed the context)."""

    def __init__(self, name):
        self.name = name

    def __call__(self, real, ctx=None, **kwargs):
        return globals()[self.name + "Manager"](ctx=real, **kwargs)


def _managed(name, mixin, typeids=("Queue", "Lock", "Event", "dict")):
    """The implementation ``faults.<name>``: a SyncManager subclass whose proxies of ``typeids``
    have ``mixin`` first in their bases (classes bound in this module by name)."""
    served = {"Queue": (_queue.Queue, QueueProxy), "Lock": (_threading.Lock, AcquirerProxy),
              "Event": (_threading.Event, EventProxy), "dict": (dict, DictProxy)}
    manager = type(name + "Manager", (SyncManager,), {"__module__": __name__})
    for typeid in typeids:
        referent, proxy = served[typeid]
        proxytype = type(name + proxy.__name__, (mixin, proxy), {"__module__": __name__})
        globals()[proxytype.__name__] = proxytype
        manager.register(typeid, referent, proxytype)
    globals()[manager.__name__] = manager
    return Broken("faults." + name, SyncManager=_SyncFactory(name))


retrying_manager = _managed("Retrying", _Retrying)
silent_manager = _managed("Silent", _Silent)
slow_manager = _managed("Slow", _Slow)
early_get_manager = _managed("EarlyGet", _EarlyGet, ("Queue",))
