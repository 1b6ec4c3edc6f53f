"""Broken ProcessPoolExecutors, one broken promise each (``tests/test_selftest_executor.py``).

Each is a subclass of ``concurrent.futures.ProcessPoolExecutor`` at the module's top level, given
to the kit as the context's ``ProcessPoolExecutor`` (``ipc_spec.ops.executor.make`` uses a
context's own where it has one) by a factory that pickles by name.
"""

import sys
import time
from concurrent.futures import ProcessPoolExecutor, TimeoutError as _TimeoutError
from concurrent.futures.process import BrokenProcessPool

from . import Broken, _snake
from .pool import _CallsTwice

#: Seconds a late result(timeout) overstays (a self-test scales the LATE bound below it).
DELAY = 0.3


class _Factory(object):
    """``ProcessPoolExecutor(ctx, max_workers, **kwargs)`` of a broken implementation: the class
    named ``name`` of this module, over the real context."""

    def __init__(self, name):
        self.name = name

    def __call__(self, ctx, max_workers=None, **kwargs):
        return getattr(sys.modules[__name__], self.name)(max_workers, mp_context=ctx, **kwargs)


def _broken(cls):
    """Bind the implementation ``executor.<Name>`` as ``<name>`` in this module."""
    setattr(sys.modules[__name__], _snake(cls.__name__),
            Broken("executor." + cls.__name__, ProcessPoolExecutor=_Factory(cls.__name__)))
    return cls


class _Future(object):
    """Replace a future's ``result`` (and ``add_done_callback``) by a subclass's own."""

    def __init__(self, future):
        self.real_result = future.result
        self.real_add = future.add_done_callback
        future.result = self.result
        future.add_done_callback = self.add_done_callback
        self.future = future

    def result(self, timeout=None):
        return self.real_result(timeout)

    def add_done_callback(self, fn):
        return self.real_add(fn)


class _SubmitWraps(ProcessPoolExecutor):
    """submit() returns futures whose methods ``wrapper`` (a _Future subclass) replaces."""

    wrapper = _Future

    def submit(self, fn, *args, **kwargs):
        future = ProcessPoolExecutor.submit(self, fn, *args, **kwargs)
        self.wrapper(future)
        return future


class _WrongResult(_Future):
    def result(self, timeout=None):
        got = self.real_result(timeout)
        return got + 1 if isinstance(got, int) else got


@_broken
class WrongResult(_SubmitWraps):
    """``result()`` of a call that returned a number gives one more."""

    wrapper = _WrongResult


@_broken
class MapReversed(ProcessPoolExecutor):
    """``map()`` gives its results in reverse order."""

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        return iter(list(ProcessPoolExecutor.map(self, fn, *iterables, timeout=timeout,
                                                 chunksize=chunksize))[::-1])


class _RuntimeResult(_Future):
    def result(self, timeout=None):
        try:
            return self.real_result(timeout)
        except (_TimeoutError, BrokenProcessPool):
            raise
        except Exception as exc:
            raise RuntimeError(str(exc))


@_broken
class ErrorAsRuntime(_SubmitWraps):
    """``result()`` raises a call's exception again as RuntimeError."""

    wrapper = _RuntimeResult


class _CallbackTwice(_Future):
    def add_done_callback(self, fn):
        self.real_add(fn)
        self.real_add(fn)


@_broken
class CallbackTwice(_SubmitWraps):
    """``add_done_callback(fn)`` calls ``fn`` twice."""

    wrapper = _CallbackTwice


class _EarlyResult(_Future):
    def result(self, timeout=None):
        if timeout is not None and not self.future.done():
            time.sleep(timeout / 2)
            if not self.future.done():
                raise _TimeoutError()
        return self.real_result(timeout)


@_broken
class EarlyTimeout(_SubmitWraps):
    """``result(timeout)`` of an unfinished call gives up after half its timeout."""

    wrapper = _EarlyResult


class _LateResult(_Future):
    def result(self, timeout=None):
        if timeout is not None and not self.future.done():
            time.sleep(timeout + DELAY)
        return self.real_result(timeout)


@_broken
class LateTimeout(_SubmitWraps):
    """``result(timeout)`` of an unfinished call raises ``DELAY`` s after its timeout."""

    wrapper = _LateResult


@_broken
class EarlyMapTimeout(ProcessPoolExecutor):
    """``map(timeout)``'s iterator gives up after half its timeout."""

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        return ProcessPoolExecutor.map(self, fn, *iterables, chunksize=chunksize,
                                       timeout=timeout if timeout is None else timeout / 2)


class _BrokenAsRuntime(_Future):
    def result(self, timeout=None):
        try:
            return self.real_result(timeout)
        except BrokenProcessPool as exc:
            raise RuntimeError(str(exc))


@_broken
class BrokenAsRuntime(_SubmitWraps):
    """A future of a broken pool raises RuntimeError, not BrokenProcessPool."""

    wrapper = _BrokenAsRuntime


@_broken
class ShutdownNoWait(ProcessPoolExecutor):
    """``shutdown(wait=True)`` returns at once, as ``shutdown(wait=False)`` does."""

    def shutdown(self, wait=True, **kwargs):
        return ProcessPoolExecutor.shutdown(self, wait=False, **kwargs)


@_broken
class InitializerTwice(ProcessPoolExecutor):
    """Each process calls the initializer twice."""

    def __init__(self, max_workers=None, initializer=None, **kwargs):
        if initializer is not None:
            initializer = _CallsTwice(initializer)
        ProcessPoolExecutor.__init__(self, max_workers, initializer=initializer, **kwargs)


@_broken
class IgnoresMaxTasks(ProcessPoolExecutor):
    """``max_tasks_per_child`` is ignored: processes live for ever."""

    def __init__(self, max_workers=None, max_tasks_per_child=None, **kwargs):
        ProcessPoolExecutor.__init__(self, max_workers, **kwargs)


# -- loky's get_reusable_executor (the reusable flavour) -------------------------------------------


class _Reusable(object):
    """A broken ``get_reusable_executor(max_workers, context, **kwargs)``, over loky's own
    ``ProcessPoolExecutor`` and ``"loky"`` context (pickles by name)."""

    made = []  # in the kit worker: the executors made, the last one current

    def __call__(self, real, max_workers, context=None, **kwargs):
        raise NotImplementedError

    def new(self, max_workers, **kwargs):
        import loky
        from loky.backend import get_context

        executor = loky.ProcessPoolExecutor(max_workers, context=get_context("loky"), **kwargs)
        self.made.append(executor)
        return executor


class _NotReused(_Reusable):
    """Each call shuts the last executor down and makes a new one."""

    def __call__(self, real, max_workers, context=None, **kwargs):
        while self.made:
            self.made.pop().shutdown(wait=True)
        return self.new(max_workers, **kwargs)


class _BrokenReused(_Reusable):
    """The first executor is returned for ever, broken or not."""

    def __call__(self, real, max_workers, context=None, **kwargs):
        return self.made[0] if self.made else self.new(max_workers, **kwargs)


not_reused = Broken("executor.NotReused", get_reusable_executor=_NotReused())
broken_reused = Broken("executor.BrokenReused", get_reusable_executor=_BrokenReused())
