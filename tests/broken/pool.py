"""Broken Pools, one broken promise each (``tests/test_selftest_pool.py``).

Each is a subclass of ``multiprocessing.pool.Pool`` at the module's top level, given to the kit as
the context's ``Pool`` by a factory that pickles by name (a spawned worker is handed the context).
"""

import sys
import time
from multiprocessing import TimeoutError as _TimeoutError
from multiprocessing.pool import Pool

from . import Broken, _snake

#: Seconds a late get(timeout) overstays (a self-test scales the LATE bound below it).
DELAY = 0.3


class _Factory(object):
    """``Pool(ctx, ...)`` of a broken implementation: the class named ``name`` of this module."""

    def __init__(self, name):
        self.name = name

    def __call__(self, ctx, processes=None, initializer=None, initargs=(), maxtasksperchild=None):
        cls = getattr(sys.modules[__name__], self.name)
        return cls(processes, initializer, initargs, maxtasksperchild, context=ctx)


def _broken(cls):
    """Bind the implementation ``pool.<Name>`` as ``<name>`` in this module."""
    setattr(sys.modules[__name__], _snake(cls.__name__),
            Broken("pool." + cls.__name__, Pool=_Factory(cls.__name__)))
    return cls


class _Result(object):
    """An AsyncResult with some methods replaced (by subclasses)."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)


@_broken
class ReversedMap(Pool):
    """``map`` gives its results in reverse order."""

    def map(self, func, iterable, chunksize=None):
        return list(reversed(Pool.map(self, func, iterable, chunksize)))


@_broken
class DuplicateUnordered(Pool):
    """``imap_unordered`` gives the first result again in place of the last."""

    def imap_unordered(self, func, iterable, chunksize=1):
        got = list(Pool.imap_unordered(self, func, iterable, chunksize))
        if len(got) > 1:
            got[-1] = got[0]
        return iter(got)


class _Twice(object):
    def __init__(self, function):
        self.function = function

    def __call__(self, value):
        self.function(value)
        self.function(value)


@_broken
class CallbackTwice(Pool):
    """``apply_async`` calls its callback twice."""

    def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):
        twice = _Twice(callback) if callback is not None else None
        return Pool.apply_async(self, func, args, kwds, twice, error_callback)


class _RaisesRuntime(_Result):
    def get(self, timeout=None):
        try:
            return self._real.get(timeout)
        except _TimeoutError:
            raise
        except Exception as exc:
            raise RuntimeError(str(exc))


@_broken
class ErrorAsRuntime(Pool):
    """A task's exception is raised again as RuntimeError, by ``get()`` and ``apply``."""

    def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):
        return _RaisesRuntime(Pool.apply_async(self, func, args, kwds, callback, error_callback))

    def apply(self, func, args=(), kwds={}):
        return self.apply_async(func, args, kwds).get()


class _EarlyTimeout(_Result):
    def get(self, timeout=None):
        if timeout is not None and not self._real.ready():
            self._real.wait(timeout / 2)
            if not self._real.ready():
                raise _TimeoutError
        return self._real.get(timeout)

    def wait(self, timeout=None):
        return self._real.wait(timeout if timeout is None else timeout / 2)


@_broken
class EarlyTimeout(Pool):
    """``get(timeout)`` and ``wait(timeout)`` of an unfinished task give up after half the
    timeout."""

    def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):
        return _EarlyTimeout(Pool.apply_async(self, func, args, kwds, callback, error_callback))


class _LateTimeout(_Result):
    def get(self, timeout=None):
        if timeout is not None and not self._real.ready():
            self._real.wait(timeout + DELAY)
        return self._real.get(timeout)


@_broken
class LateTimeout(Pool):
    """``get(timeout)`` of an unfinished task raises ``DELAY`` s after its timeout."""

    def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):
        return _LateTimeout(Pool.apply_async(self, func, args, kwds, callback, error_callback))


class _ReadyEarly(_Result):
    def ready(self):
        return True


@_broken
class ReadyEarly(Pool):
    """``ready()`` is True before the task has finished."""

    def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):
        return _ReadyEarly(Pool.apply_async(self, func, args, kwds, callback, error_callback))


class _CallsTwice(object):
    """An initializer called twice in a row (pickles by name with its function)."""

    def __init__(self, function):
        self.function = function

    def __call__(self, *args):
        self.function(*args)
        self.function(*args)


@_broken
class InitializerTwice(Pool):
    """Each worker process calls the initializer twice."""

    def __init__(self, processes=None, initializer=None, initargs=(), maxtasksperchild=None,
                 context=None):
        if initializer is not None:
            initializer = _CallsTwice(initializer)
        Pool.__init__(self, processes, initializer, initargs, maxtasksperchild, context)


@_broken
class IgnoresMaxTasks(Pool):
    """``maxtasksperchild`` is ignored: workers live for ever."""

    def __init__(self, processes=None, initializer=None, initargs=(), maxtasksperchild=None,
                 context=None):
        Pool.__init__(self, processes, initializer, initargs, None, context)


@_broken
class CloseIgnored(Pool):
    """After ``close()``, ``apply_async`` still takes tasks."""

    def _check_running(self):
        pass


@_broken
class ExitKeepsWorkers(Pool):
    """Leaving the ``with`` block leaves the worker processes running."""

    def __exit__(self, *exc):
        return None


@_broken
class JoinReturnsEarly(Pool):
    """``join()`` returns without waiting for the worker processes to exit."""

    def join(self):
        return None


@_broken
class ReadyAfterWait(Pool):
    """``ready()`` is True once ``wait(timeout)`` returned, the task finished or not."""

    def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):
        return _ReadyAfterWait(Pool.apply_async(self, func, args, kwds, callback, error_callback))


class _ReadyAfterWait(_Result):
    waited = False

    def wait(self, timeout=None):
        self.waited = True
        return self._real.wait(timeout)

    def ready(self):
        return self.waited or self._real.ready()


@_broken
class ExtraProcess(Pool):
    """The pool starts one process more than it is asked for."""

    def __init__(self, processes=None, initializer=None, initargs=(), maxtasksperchild=None,
                 context=None):
        Pool.__init__(self, processes + 1, initializer, initargs, maxtasksperchild, context)


class _Iterator(object):
    """An imap iterator with ``next(timeout)`` replaced (by subclasses)."""

    def __init__(self, real):
        self._real = real

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def next(self, timeout=None):
        return self._real.next(timeout)


class _Listed(_Iterator):
    def next(self, timeout=None):
        if not self._real:
            raise StopIteration
        return self._real.pop(0)


@_broken
class EagerImap(Pool):
    """``imap`` gives no result before every task has ended (it is ``map``)."""

    def imap(self, func, iterable, chunksize=1):
        return _Listed(Pool.map(self, func, iterable, chunksize))


class _ImapWraps(Pool):
    """imap's iterator is ``wrapper`` (an _Iterator subclass) over the real one."""

    wrapper = _Iterator

    def imap(self, func, iterable, chunksize=1):
        return self.wrapper(Pool.imap(self, func, iterable, chunksize))


class _EarlyNext(_Iterator):
    def next(self, timeout=None):
        return self._real.next(timeout if timeout is None else timeout / 2)


@_broken
class ImapNextEarly(_ImapWraps):
    """``next(timeout)`` of imap's iterator gives up after half its timeout."""

    wrapper = _EarlyNext


class _LateNext(_Iterator):
    def next(self, timeout=None):
        try:
            return self._real.next(timeout)
        except _TimeoutError:
            time.sleep(DELAY)
            raise


@_broken
class ImapNextLate(_ImapWraps):
    """``next(timeout)`` of imap's iterator raises ``DELAY`` s after its timeout."""

    wrapper = _LateNext


class _LostAsNone(_Result):
    def get(self, timeout=None):
        try:
            return self._real.get(timeout)
        except _TimeoutError:
            return None


@_broken
class LostAsNone(Pool):
    """``get(timeout)`` of an unfinished task returns None by its timeout, raising nothing."""

    def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):
        return _LostAsNone(Pool.apply_async(self, func, args, kwds, callback, error_callback))


@_broken
class TerminateIgnored(Pool):
    """``terminate()`` does nothing: the worker processes go on."""

    def terminate(self):
        return None


class _IgnoresTimeout(_Result):
    def get(self, timeout=None):
        return self._real.get()


@_broken
class IgnoresTimeout(Pool):
    """``get(timeout)`` waits for the task, whatever its timeout."""

    def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):
        return _IgnoresTimeout(Pool.apply_async(self, func, args, kwds, callback, error_callback))
