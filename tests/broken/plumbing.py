"""Implementations whose plumbing is broken: the parts an older harness used for itself.

Each breaks a primitive everywhere in the implementation, not only in the objects the suite asks
for: every ``Pipe()`` (with or without ``duplex``), every ``RawValue``, every ``RawArray``. The
harness must go on working (its replies, status, clock and instruments are the operating system's,
see ``ipc_spec._wire``): only the properties about the broken primitive may fail, and none may hang
past its deadline (``tests/test_selftest_plumbing.py``).
"""

import pickle
import time
from multiprocessing.sharedctypes import typecode_to_type

from . import Broken
from .connection import PollTrueOnNothing, _real_wait, _registered  # noqa: F401
from multiprocessing.connection import Connection


def _every_pipe(cls):
    def Pipe(real, *args, **kwargs):
        ends = real.Pipe(*args, **kwargs)
        for end in ends:
            end.__class__ = cls
        return ends

    return Pipe


@_registered
class RecvHangs(Connection):
    """recv() and recv_bytes() never return."""

    def recv(self):
        while True:
            time.sleep(1)

    def recv_bytes(self, maxlength=None):
        return self.recv()


@_registered
class LossyPickler(Connection):
    """send() pickles with a pickler that turns every tuple into a list (what a broken
    ``ForkingPickler`` does to every message)."""

    def send(self, obj):
        self.send_bytes(pickle.dumps(_lists(obj)))


def _lists(value):
    if isinstance(value, (tuple, list)):
        return [_lists(v) for v in value]
    return value


def _private_value(ctx, typecode_or_type, *args):
    """A ctypes object in the process's own memory: a child gets a copy."""
    return typecode_to_type.get(typecode_or_type, typecode_or_type)(*args)


def _private_array(ctx, typecode_or_type, size_or_initializer):
    ctype = typecode_to_type.get(typecode_or_type, typecode_or_type)
    if isinstance(size_or_initializer, int):
        return (ctype * size_or_initializer)()
    init = list(size_or_initializer)
    return (ctype * len(init))(*init)


_starts = {}  # (the start that fails, start method) -> starts tried in this process


def _flaky(ctx, failing, args, kwargs):
    key = (failing, ctx.get_start_method())
    _starts[key] = _starts.get(key, 0) + 1
    if _starts[key] == failing:
        if failing > 1:
            time.sleep(1.0)  # to perturb the schedule: the processes started so far call in
        raise RuntimeError("Lock objects should only be shared between processes through "
                           "inheritance")
    return ctx.Process(*args, **kwargs)


def _flaky_process(ctx, *args, **kwargs):
    """A real Process, except that the first one a process asks for under a start method fails
    to come (as PyPy's start did once, under forkserver, pickling a Queue's lock). The failure is
    raised here and not from ``start()``: a Process is pickled whole under spawn."""
    return _flaky(ctx, 1, args, kwargs)


def _flaky_second(ctx, *args, **kwargs):
    """A real Process, except that the second one a process asks for under a start method fails
    to come: the first, started, is killed with the failed start, maybe after it called in (as
    PyPy's start did under forkserver, pickling a ``_DupFd``)."""
    return _flaky(ctx, 2, args, kwargs)


_workers = {}  # (crew, worker index, start method) -> starts of that worker in this process


def _respawn_failing(times):
    def Process(ctx, *args, **kwargs):
        """A real Process, except that starting a crew's worker in place of one that died fails
        ``times`` times in a row (a worker is known by its index and crew, its first arguments)."""
        worker = kwargs.get("args", ())[:2]
        if not str(kwargs.get("name", "")).startswith("ipc-spec-worker-"):
            return ctx.Process(*args, **kwargs)
        key = tuple(worker) + (ctx.get_start_method(),)
        _workers[key] = _workers.get(key, 0) + 1
        if 1 < _workers[key] <= 1 + times:
            raise pickle.PicklingError("Can't pickle <class 'multiprocessing.synchronize."
                                       "Condition'>: it's not found as multiprocessing."
                                       "synchronize.Condition")
        return ctx.Process(*args, **kwargs)
    return Process


#: Every Connection's poll() says there is something to read, always.
poll_lies = Broken("plumbing.PollLies", Pipe=_every_pipe(PollTrueOnNothing))
#: Every Connection's recv() blocks for ever.
recv_hangs = Broken("plumbing.RecvHangs", Pipe=_every_pipe(RecvHangs))
#: Every Connection's send() pickles tuples as lists.
lossy_pickler = Broken("plumbing.LossyPickler", Pipe=_every_pipe(LossyPickler))
#: Every RawValue is private to the process that holds it.
private_raw_value = Broken("plumbing.PrivateRawValue", RawValue=_private_value)
#: The first Process in a process (per start method) fails to start; every later one works.
flaky_start = Broken("plumbing.FlakyStart", Process=_flaky_process)
#: The second Process in a process (per start method) fails to start; every other one works.
flaky_second_start = Broken("plumbing.FlakySecondStart", Process=_flaky_second)
#: Every RawArray is private to the process that holds it.
private_raw_array = Broken("plumbing.PrivateRawArray", RawArray=_private_array)
#: Starting a worker in place of one that died fails once, then works (PyPy 7.3.11 under
#: forkserver once failed to pickle a Queue's Condition there).
flaky_respawn = Broken("plumbing.FlakyRespawn", Process=_respawn_failing(1))
#: Starting a worker in place of one that died always fails: every crew is given up at its first
#: death, and a new one takes over.
failing_respawn = Broken("plumbing.FailingRespawn", Process=_respawn_failing(10 ** 6))
