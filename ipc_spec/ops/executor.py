"""Worker-side operations of the executor family (standard library only, but for the executor
under test): called as ``macro("ctx", "executor:<function>", ...)`` on the implementation's
context; see ``ipc_spec.specs.executor``.

The executor is ``concurrent.futures.ProcessPoolExecutor(..., mp_context=ctx)``, or, for loky's
contexts, ``loky.ProcessPoolExecutor(..., context=ctx)``, or the context's own
``ProcessPoolExecutor`` where it has one (a broken implementation's) (:func:`make`). The kit worker that runs
these operations owns it: the result properties share one per size per worker (:func:`_shared`),
the others make their own. Every executor process runs ``ipc_spec.ops.pool.init`` first (its
watchdog ends it once the kit worker is gone); the tasks are those of ``ipc_spec.ops.pool``.
"""

import concurrent.futures
import os
import shutil
import signal
import socket
import tempfile
import time
import weakref

from .. import _wire
from .._child import at_leave, clock
from . import pool as _pool
from . import process as _process

_shared = {}  # max_workers -> this worker's executor of that size
_made = weakref.WeakSet()  # every executor make() gave that may still run


def _shutdown_made():
    """Before the worker leaves: ``shutdown()`` of every executor it made. Its processes are
    non-daemonic children, which ``multiprocessing`` joins as the worker exits, before the
    executor's own exit hook (a ``threading`` one) could tell them to end: the worker would wait
    for ever (until the host kills it)."""
    for executor in list(_made):
        executor.shutdown(wait=True)
    _shared.clear()


def _kept(executor):
    _made.add(executor)
    at_leave(_shutdown_made)
    return executor


def is_loky(ctx):
    return type(ctx).__module__.split(".")[0] == "loky"


class NotApplicable(Exception):
    """The context is neither the standard library's nor loky's, and has no executor of its own:
    ``concurrent.futures`` documents ``mp_context`` as a multiprocessing context."""


def _applies(ctx):
    import multiprocessing.context

    return (getattr(ctx, "ProcessPoolExecutor", None) is not None or is_loky(ctx)
            or isinstance(ctx, multiprocessing.context.BaseContext))


class Reusable(object):
    """The object of the reusable flavour: the context ``ctx``, whose executors are
    ``loky.get_reusable_executor(max_workers, context=ctx, ...)`` (loky's one executor per
    thread, reused while its arguments are the same)."""

    def __init__(self, ctx):
        self.ctx = ctx


def _reusable(ctx, max_workers, initargs):
    own = getattr(ctx, "get_reusable_executor", None)  # an implementation's own (a broken one's)
    if own is None:
        import loky

        own = loky.get_reusable_executor
    return own(max_workers, context=ctx, initializer=_pool.init, initargs=initargs)


def make(ctx, max_workers, token=None, max_tasks=None):
    """A new executor of ``max_workers`` processes made by ``ctx``, whose processes run
    ``ipc_spec.ops.pool.init(owner, token)`` first; ``max_tasks``: ``max_tasks_per_child``. For
    the reusable flavour (:class:`Reusable`), loky's reusable executor with those arguments."""
    if isinstance(ctx, Reusable):
        if not is_loky(ctx.ctx) and getattr(ctx.ctx, "get_reusable_executor", None) is None:
            raise NotApplicable("get_reusable_executor is loky's, and %s.%s is not a loky "
                                "context" % (type(ctx.ctx).__module__, type(ctx.ctx).__name__))
        if max_tasks is not None:
            raise NotApplicable("loky's get_reusable_executor takes no max_tasks_per_child")
        _process._become_parent(ctx.ctx)
        return _kept(_reusable(ctx.ctx, max_workers, (os.getpid(), token)))
    if not _applies(ctx):
        raise NotApplicable("%s.%s is not a multiprocessing context: concurrent.futures' "
                            "mp_context is documented as one, and the implementation has no "
                            "ProcessPoolExecutor of its own" % (type(ctx).__module__,
                                                                type(ctx).__name__))
    _process._become_parent(ctx)
    kwargs = {"initializer": _pool.init, "initargs": (os.getpid(), token)}
    if max_tasks is not None:
        kwargs["max_tasks_per_child"] = max_tasks
    own = getattr(ctx, "ProcessPoolExecutor", None)  # an implementation's own (a broken one's)
    if own is not None:
        return _kept(own(max_workers, **kwargs))
    if is_loky(ctx):
        import loky

        return _kept(loky.ProcessPoolExecutor(max_workers, context=ctx, **kwargs))
    return _kept(concurrent.futures.ProcessPoolExecutor(max_workers, mp_context=ctx, **kwargs))


def _executor(ctx, max_workers):
    if isinstance(ctx, Reusable):  # loky's one per thread, resized to max_workers
        return make(ctx, max_workers)
    executor = _shared.get(max_workers)
    if executor is None:
        executor = _shared[max_workers] = make(ctx, max_workers)
    return executor


def _names(exc):
    """The names of the classes of ``exc``, most derived first (a subclass of the documented
    exception is that exception)."""
    return [cls.__name__ for cls in type(exc).__mro__]


def _outcome(call, *args, **kwargs):
    """``("value", result)`` or ``("error", type name, args, class names)``."""
    try:
        return ("value", call(*args, **kwargs))
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return ("error", type(exc).__name__, list(exc.args), _names(exc))


def submit(ctx, max_workers, items):
    """Each item as ``submit(task, item)`` with a done callback; once all are done, for each:
    ``done()``, ``result()``'s and ``exception()``'s outcome; then another done callback added to
    each (the future is done: it must be called at once).

    Returns ``[outcomes, calls, called at once]``: per item ``[done, result outcome, exception's
    type name or None]``; the first callbacks called ``[index, called in this process, given
    its future]``, once they had ``CALLBACK_LIMIT`` s; per item whether the second callback had
    been called when ``add_done_callback`` returned."""
    executor = _executor(ctx, max_workers)
    me, calls = os.getpid(), []
    futures = [executor.submit(_pool.task, item) for item in items]

    def recorder(index):
        return lambda future: calls.append([index, os.getpid() == me, future is futures[index]])

    for index, future in enumerate(futures):
        future.add_done_callback(recorder(index))
    concurrent.futures.wait(futures)
    outcomes = []
    for future in futures:
        exc = future.exception()
        outcomes.append([future.done(), _outcome(future.result),
                         None if exc is None else type(exc).__name__])
    end = time.monotonic() + _pool.CALLBACK_LIMIT
    while len(calls) < len(items) and time.monotonic() < end:
        time.sleep(0.001)
    first = list(calls)
    at_once = []
    for future in futures:
        seen = []
        future.add_done_callback(seen.append)
        at_once.append(len(seen) == 1)
    return [outcomes, first, at_once]


def map(ctx, max_workers, items, chunksize=1):
    """``list(executor.map(task, items, chunksize=chunksize))``."""
    return list(_executor(ctx, max_workers).map(_pool.task, items, chunksize=chunksize))


class _Gate(object):
    """A file a task waits for (``ipc_spec.ops.pool.wait_for``), in a directory of its own under
    the harness's scratch directory."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="pool-gate-", dir=_wire.scratch_dir())
        self.path = os.path.join(self.dir, "go")
        return self

    def open(self):
        with open(self.path, "w"):
            pass

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)


def result_timeout(ctx, max_workers, timeout):
    """A task held at a gate: ``result(timeout)`` (its outcome and seconds), ``done()``; then the
    gate opened and ``result()``. Returns ``[outcome, seconds, done, last outcome]``."""
    executor = _executor(ctx, max_workers)
    with _Gate() as gate:
        future = executor.submit(_pool.wait_for, gate.path)
        start = clock()
        got = _outcome(future.result, timeout)
        seconds = clock() - start
        done = future.done()
        gate.open()
        last = _outcome(future.result)
    return [got, seconds, done, last]


def map_timeout(ctx, max_workers, timeout):
    """``executor.map(wait_for, [gate], timeout=timeout)`` and its first ``next()``, whose outcome
    and seconds since the ``map()`` call are returned with the outcome of a later ``result()``
    once the gate is open: ``[outcome, seconds, "released" or the last outcome]``."""
    executor = _executor(ctx, max_workers)
    with _Gate() as gate:
        start = clock()
        results = executor.map(_pool.wait_for, [gate.path], timeout=timeout)
        got = _outcome(next, results)
        seconds = clock() - start
        gate.open()
        last = _outcome(executor.submit(_pool.whoami).result)
    return [got, seconds, last[0]]


def shutdown(ctx, max_workers, delays, cancel, within):
    """A new executor: one ``whoami(delay)`` task per delay, then ``shutdown(wait=True)`` (with
    ``cancel_futures=True`` if ``cancel``), then ``submit()`` again.

    Returns ``[per task: [done, cancelled, result outcome], the refused submit's outcome, the pids
    that ran tasks, seconds after shutdown() until they had all exited (None: not within
    ``within``)]``."""
    executor = make(ctx, max_workers)
    futures = [executor.submit(_pool.whoami, delay) for delay in delays]
    try:
        if cancel:
            executor.shutdown(wait=True, cancel_futures=True)
        else:
            executor.shutdown(wait=True)
        outcomes = [[f.done(), f.cancelled(), _outcome(f.result, 0)] for f in futures]
        refused = _outcome(executor.submit, _pool.whoami)
    finally:
        executor.shutdown(wait=False)
    pids = sorted(set(o[2][1][0] for o in outcomes if o[2][0] == "value"))
    return [outcomes, refused, pids, _pool._all_gone(pids, within)]


def die(how):
    """A task that ends its own process abruptly: ``os._exit(3)`` or SIGKILL."""
    if how == "exit":
        os._exit(3)
    os.kill(os.getpid(), signal.SIGKILL)


def broken(ctx, max_workers, pending, how, within):
    """A new executor: ``pending`` tasks held at a gate (at most ``max_workers - 1``, so that a
    process is left to run the next one), then one that ends its process ``how`` (:func:`die`):
    every future must be done, with BrokenProcessPool, within ``within`` s of the killing task's
    submission; then ``submit()`` again.

    Returns ``[per future: its outcome (None: not done in time), seconds until all were done, the
    later submit's outcome]``."""
    executor = make(ctx, max_workers)
    try:
        with _Gate() as gate:
            futures = [executor.submit(_pool.wait_for, gate.path)
                       for _ in range(min(pending, max_workers - 1))]
            start = clock()
            futures.append(executor.submit(die, how))
            done, _ = concurrent.futures.wait(futures, timeout=within)
            seconds = clock() - start
            outcomes = [_outcome(f.result, 0) if f in done else None for f in futures]
            again = _outcome(executor.submit, _pool.whoami)
            gate.open()
    finally:
        executor.shutdown(wait=True)
    return [outcomes, seconds, again]


def workers(ctx, max_workers, token, max_tasks, delays, within):
    """A new executor (``initializer`` with ``token``, and ``max_tasks_per_child=max_tasks`` unless
    None): one ``whoami(delay)`` task per delay, the results of those done within ``within`` s,
    then ``shutdown()`` (if some were not done: ``shutdown(wait=False)``, as waiting would hang).

    Returns ``[results, seconds after shutdown() until its processes had all exited (None: not
    within ``within``), how many tasks were not done in time]``."""
    executor = make(ctx, max_workers, token, max_tasks)
    futures = [executor.submit(_pool.whoami, d) for d in delays]
    done, late = concurrent.futures.wait(futures, timeout=within)
    seen = [list(f.result()) for f in futures if f in done]
    executor.shutdown(wait=not late)
    gone = _pool._all_gone(set(pid for pid, _, _ in seen), within) if not late else None
    return [seen, gone, len(late)]


def _isolated_main(port, function, ctx, args):
    """The child of :func:`isolated`: run ``function(ctx, *args)`` of this module, send its outcome to
    the kit worker's socket, and leave by ``os._exit`` (a hung executor's threads are not
    joined)."""
    sock = socket.create_connection(("127.0.0.1", port))
    try:
        _wire.send(sock, ("value", globals()[function](ctx, *args)))
    except BaseException as exc:
        _wire.send(sock, ("error", type(exc).__name__, str(exc)))
    finally:
        sock.close()
        os._exit(0)


def isolated(ctx, within, function, *args):
    """``function(ctx, *args)`` (an operation of this module) run in a child of the kit worker made by
    ``ctx.Process``, so that an executor that hangs cannot hang the worker: the outcome it sends,
    or ``("hung", seconds)`` once it has sent nothing for ``within`` s (the child is then killed,
    and its executor's processes end with it, by their watchdog)."""
    _process._become_parent(ctx)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    child = ctx.Process(target=_isolated_main,
                        args=(listener.getsockname()[1], function, ctx, args))
    child.start()
    start = clock()
    try:
        if not _wire.readable([listener], start + within):
            raise _wire.Timeout()
        conn, _ = listener.accept()
        try:
            got = _wire.recv(conn, start + within)
        finally:
            conn.close()
    except (_wire.Timeout, EOFError, OSError):
        got = ("hung", clock() - start)
        try:
            os.kill(child.pid, signal.SIGKILL)
        except OSError:
            pass
    finally:
        listener.close()
    child.join()
    return got


def reusable(ctx, sizes, within):
    """``get_reusable_executor(size, ...)`` for each size in turn, with the same other arguments,
    each running one task; then one of its processes killed inside a task (:func:`die`) and
    ``get_reusable_executor`` asked again, running a task.

    Returns ``[per size: [the same object as the first, the task's outcome], the killed task's
    outcome, whether the last is another object, its task's outcome]``."""
    if not isinstance(ctx, Reusable):
        raise NotApplicable("the property is the reusable flavour's")
    first = make(ctx, sizes[0])
    rounds = []
    for size in sizes:
        executor = make(ctx, size)
        rounds.append([executor is first, _outcome(
            lambda: executor.submit(_pool.task, (size, 0.0, None)).result(within))])
    killed = _outcome(lambda: executor.submit(die, "kill").result(within))
    after = make(ctx, sizes[-1])
    return [rounds, killed, after is not first,
            _outcome(lambda: after.submit(_pool.task, (7, 0.0, None)).result(within))]
