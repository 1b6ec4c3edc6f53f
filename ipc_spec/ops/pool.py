"""Worker-side operations of the Pool family (standard library only): called as
``macro("ctx", "pool:<function>", ...)`` on the implementation's context; see
``ipc_spec.specs.pool``.

The kit worker that runs them is the Pool's owner. Properties about results use one Pool per
number of processes per worker (:func:`_pool`), kept across examples; properties about the workers'
lives make their own. Every Pool's processes run :func:`init` first (the kit's initializer, which
also runs the one a property passes): a thread there ends the process once its owner is gone, so
that no pool process outlives a kit worker that was killed. Tasks (:func:`task`, :func:`star`,
:func:`whoami`, :func:`wait_for`) are functions of this module, found by name in the pool's
processes.
"""

import os
import shutil
import signal
import tempfile
import threading
import time

from .. import _wire
from .._child import _gone, _watch_parent, clock
from . import process as _process

#: Seconds :func:`wait_for` waits for its gate at most (a broken pool that ignores a timeout then
#: hangs past the kit's deadline, which reports it).
GATE_LIMIT = 60.0
#: Seconds a new pool's first task has to begin (spawn under load is slow, but not this slow).
BEGIN_LIMIT = 30.0
#: Seconds the callbacks of finished tasks have to be called, at most.
CALLBACK_LIMIT = 5.0

_pools = {}  # processes -> this worker's Pool of that size
_init = {"token": None, "count": 0}  # what init() did in this pool process
_watching = []


class TaskError(Exception):
    """What :func:`task` raises when told to fail (its argument: the task's value)."""


ERRORS = {"ValueError": ValueError, "KeyError": KeyError, "TaskError": TaskError}


def init(owner, token=None, record=None):
    """The initializer of every pool process the kit makes: counts its calls and keeps ``token``
    (what a property's initializer would do), appends this process's pid to the file ``record``
    if one is named (one line, ``O_APPEND``), and, the first time, starts the thread that ends
    this process once ``owner`` (the kit worker that made the pool) is gone."""
    _init["token"] = token
    _init["count"] += 1
    if record is not None:
        fd = os.open(record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, b"%d\n" % os.getpid())
        finally:
            os.close(fd)
    if not _watching:
        watchdog = threading.Thread(target=_watch_parent, args=(os.getppid(), owner),
                                    name="ipc-spec-pool-watchdog")
        watchdog.daemon = True
        watchdog.start()
        _watching.append(watchdog)


def result_of(value):
    """What :func:`task` returns for ``value`` (``ipc_spec.specs.pool.result_of`` says the same)."""
    return 2 * value + 1


def task(item):
    """``item`` is ``(value, delay, fail)``: sleep ``delay`` s (to vary the order tasks end in),
    then raise ``ERRORS[fail](value)`` if ``fail``, else return ``2 * value + 1``."""
    value, delay, fail = item
    if delay:
        time.sleep(delay)
    if fail:
        raise ERRORS[fail](value)
    return result_of(value)


def star(value, delay, fail):
    """:func:`task` with its item spread over three arguments (for ``starmap``)."""
    return task((value, delay, fail))


def whoami(delay=0.0):
    """``(pid, token, count)`` of the pool process that runs it, after ``delay`` s: which process,
    and what :func:`init` did in it."""
    if delay:
        time.sleep(delay)
    return (os.getpid(), _init["token"], _init["count"])


def wait_for(path, limit=GATE_LIMIT):
    """Return ``"released"`` once ``path`` exists (polled every millisecond), or ``"limit"`` after
    ``limit`` s."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if os.path.exists(path):
            return "released"
        time.sleep(0.001)
    return "limit"


def held(item):
    """``item`` is ``(value, gate, limit)``: with a gate (a directory), :func:`wait_for` its
    ``go`` file (at most ``limit`` s), then make its ``ended`` file; return ``2 * value + 1``, or
    ``"limit"`` if the gate stayed shut."""
    value, gate, limit = item
    if gate is None:
        return result_of(value)
    outcome = wait_for(os.path.join(gate, "go"), limit)
    with open(os.path.join(gate, "ended"), "w"):
        pass
    return result_of(value) if outcome == "released" else outcome


def _pool(ctx, processes):
    """This worker's ``ctx.Pool(processes)``, made on first use."""
    pool = _pools.get(processes)
    if pool is None:
        _process._become_parent(ctx)
        pool = ctx.Pool(processes, init, (os.getpid(),))
        _pools[processes] = pool
    return pool


def _outcome(call, *args, **kwargs):
    """``("value", result)`` or ``("error", type name, args)`` of ``call(*args, **kwargs)``."""
    try:
        return ("value", call(*args, **kwargs))
    except Exception as exc:
        return ("error", type(exc).__name__, list(exc.args))


def map(ctx, processes, method, items, chunksize=None):
    """``pool.<method>(task, items[, chunksize])`` as a list: ``map``, ``map_async`` (``get()``),
    ``starmap`` and ``starmap_async`` (over :func:`star`), ``imap``, ``imap_unordered``."""
    pool = _pool(ctx, processes)
    kwargs = {} if chunksize is None else {"chunksize": chunksize}
    if method.startswith("starmap"):
        items = [tuple(item) for item in items]
        function = star
    else:
        function = task
    if method.endswith("_async"):
        return getattr(pool, method)(function, items, **kwargs).get()
    return list(getattr(pool, method)(function, items, **kwargs))


def apply(ctx, processes, items, sync=False):
    """Each item as one task: ``pool.apply(task, (item,))`` (``sync``), or
    ``pool.apply_async(task, (item,), callback, error_callback)`` and then, for each result in
    turn, ``wait()``, ``ready()``, ``successful()`` and ``get(0)``.

    Returns ``(outcomes, calls)``: per item, ``[outcome]`` (sync) or ``[ready, successful,
    outcome]`` (``successful()``'s own outcome); and the callbacks called, once each finished
    task's callback had ``CALLBACK_LIMIT`` s: ``[item index, "callback" or "error_callback",
    result or (type name, args), called in this process]``."""
    pool = _pool(ctx, processes)
    me = os.getpid()
    calls = []

    def recorder(index, kind):
        def record(value):
            if isinstance(value, BaseException):
                value = [type(value).__name__, list(value.args)]
            calls.append([index, kind, value, os.getpid() == me])
        return record

    if sync:
        return [[_outcome(pool.apply, task, (item,))] for item in items], []
    results = [pool.apply_async(task, (item,), callback=recorder(i, "callback"),
                                error_callback=recorder(i, "error_callback"))
               for i, item in enumerate(items)]
    outcomes = []
    for result in results:
        result.wait()
        outcomes.append([result.ready(), _outcome(result.successful), _outcome(result.get, 0)])
    end = time.monotonic() + CALLBACK_LIMIT
    while len(calls) < len(items) and time.monotonic() < end:
        time.sleep(0.001)
    return outcomes, list(calls)


def get_timeout(ctx, processes, timeout, wait_timeout):
    """A task that runs until this operation lets it go (:func:`wait_for` a file in a directory of
    its own, in the harness's scratch directory, which goes with the harness): ``get(timeout)``, ``ready()``, ``wait(wait_timeout)``, ``ready()``; then the task is
    let go and ``get()`` waited for.

    Returns ``[get's outcome, its seconds, ready, wait's return, its seconds, ready, the last
    get()'s outcome]`` (seconds on the kit's clock)."""
    pool = _pool(ctx, processes)
    gate = tempfile.mkdtemp(prefix="pool-gate-", dir=_wire.scratch_dir())
    path = os.path.join(gate, "go")
    try:
        result = pool.apply_async(wait_for, (path,))
        start = clock()
        got = _outcome(result.get, timeout)
        got_seconds = clock() - start
        ready = result.ready()
        start = clock()
        waited = result.wait(wait_timeout)
        waited_seconds = clock() - start
        still = result.ready()
        with open(path, "w"):
            pass
        last = _outcome(result.get)
    finally:
        shutil.rmtree(gate, ignore_errors=True)
    return [got, got_seconds, ready, waited, waited_seconds, still, last]


def imap_held(ctx, processes, method, count, held_index, timeout, within):
    """``pool.<method>(held, tasks, 1)`` (``imap`` or ``imap_unordered``) of ``count`` tasks, task
    ``held_index`` held at a gate (:func:`held`, at most ``within`` s): ``next(within)`` for each
    result that needs no held task (``imap``: those before it; ``imap_unordered``, held its last
    task: all the others), then ``next(timeout)``; then the gate opened and ``next(within)`` until
    StopIteration (or another error), at most ``count + 1`` times.

    Returns ``[per result before: [outcome, whether the held task had ended], next(timeout)'s
    outcome, its seconds, whether the held task had ended, the outcomes after]``."""
    pool = _pool(ctx, processes)
    gate = tempfile.mkdtemp(prefix="pool-gate-", dir=_wire.scratch_dir())
    ended = os.path.join(gate, "ended")
    try:
        tasks = [(i, gate if i == held_index else None, within) for i in range(count)]
        results = getattr(pool, method)(held, tasks, 1)
        ahead = held_index if method == "imap" else count - 1
        before = [[_outcome(results.next, within), os.path.exists(ended)] for _ in range(ahead)]
        start = clock()
        pending = _outcome(results.next, timeout)
        seconds = clock() - start
        ended_then = os.path.exists(ended)
        with open(os.path.join(gate, "go"), "w"):
            pass
        rest = []
        while len(rest) <= count:
            rest.append(_outcome(results.next, within))
            if rest[-1][0] == "error":
                break
    finally:
        shutil.rmtree(gate, ignore_errors=True)
    return [before, pending, seconds, ended_then, rest]


def report_and_wait(gate, limit=GATE_LIMIT):
    """Write this process's pid to ``<gate>/pid``, then :func:`wait_for` ``<gate>/go``."""
    temporary = os.path.join(gate, "pid.tmp")
    with open(temporary, "w") as f:
        f.write(str(os.getpid()))
    os.rename(temporary, os.path.join(gate, "pid"))
    return wait_for(os.path.join(gate, "go"), limit)


def worker_killed(ctx, processes, timeout, later, within):
    """A new ``ctx.Pool(processes)`` whose process running a task (:func:`report_and_wait`) is
    killed (SIGKILL, by ``os.kill``) once that task has begun; then that task's ``get(timeout)``
    and ``ready()``; ``later`` more tasks (:func:`whoami`), each ``get(within)``; then
    ``terminate()`` and ``join()``.

    Returns ``[the killed pid (None: the task had not begun within BEGIN_LIMIT s), get's outcome,
    its seconds, ready(), the later tasks' outcomes, seconds from the terminate() call until every
    process seen had exited (None: not within ``within`` s)]``."""
    _process._become_parent(ctx)
    pool = ctx.Pool(processes, init, (os.getpid(),))
    gate = tempfile.mkdtemp(prefix="pool-gate-", dir=_wire.scratch_dir())
    seen = set()
    try:
        lost = pool.apply_async(report_and_wait, (gate,))
        pid_file = os.path.join(gate, "pid")
        end = time.monotonic() + BEGIN_LIMIT
        while not os.path.exists(pid_file) and time.monotonic() < end:
            time.sleep(0.001)
        if not os.path.exists(pid_file):
            return [None, None, None, None, [], None]
        with open(pid_file) as f:
            victim = int(f.read())
        seen.add(victim)
        os.kill(victim, signal.SIGKILL)
        _all_gone([victim], within)
        start = clock()
        got = _outcome(lost.get, timeout)
        seconds = clock() - start
        ready = lost.ready()
        results = [pool.apply_async(whoami) for _ in range(later)]
        afterwards = [_outcome(result.get, within) for result in results]
        seen.update(outcome[1][0] for outcome in afterwards if outcome[0] == "value")
        watched = []
        watcher = threading.Thread(target=lambda: watched.append(_all_gone(seen, within)),
                                   name="ipc-spec-pool-watcher")
        watcher.daemon = True
        watcher.start()
        pool.terminate()
        pool.join()
        watcher.join()
        return [victim, got, seconds, ready, afterwards, watched[0]]
    finally:
        with open(os.path.join(gate, "go"), "w"):
            pass
        pool.terminate()
        for pid in seen:  # a pool that did not end them: the kit's own cleanup
            if not _gone(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        shutil.rmtree(gate, ignore_errors=True)


def _all_gone(pids, within):
    """Seconds until every process of ``pids`` has exited (polled every millisecond), or None if
    some still ran after ``within`` s."""
    start = time.monotonic()
    while True:
        if all(_gone(pid) for pid in pids):
            return time.monotonic() - start
        if time.monotonic() - start > within:
            return None
        time.sleep(0.001)


def workers(ctx, processes, token, maxtasks, delays, within):
    """A new ``ctx.Pool(processes, initializer, (token,), maxtasks)``: one task per delay
    (:func:`whoami`, ``apply_async``), every result got, then ``close()`` and ``join()``.

    Returns ``[results, the pids of the processes that ran the initializer (read after join()),
    seconds after join() until they had all exited (None: not within ``within`` s)]``."""
    _process._become_parent(ctx)
    folder = tempfile.mkdtemp(prefix="pool-record-", dir=_wire.scratch_dir())
    record = os.path.join(folder, "started")
    pool = ctx.Pool(processes, init, (os.getpid(), token, record), maxtasks)
    try:
        results = [pool.apply_async(whoami, (delay,)) for delay in delays]
        seen = [list(result.get()) for result in results]
        pool.close()
        pool.join()
        started = _started(record)
        pids = set(started) | set(pid for pid, _, _ in seen)
        return [seen, started, _all_gone(pids, within)]
    finally:
        pool.terminate()
        shutil.rmtree(folder, ignore_errors=True)


def _started(record):
    """The pids :func:`init` wrote to ``record``, in order (none if it was never written)."""
    try:
        with open(record) as f:
            return [int(line) for line in f.read().split()]
    except FileNotFoundError:
        return []


def lifecycle(ctx, processes, how, delays, within):
    """A new ``ctx.Pool(processes)`` ended ``how``:

    - ``"with"``: ``with ctx.Pool(...) as pool: pool.map(whoami, delays)``;
    - ``"terminate"``: ``pool.map(whoami, delays)``, then ``terminate()`` and ``join()``;
    - ``"close"``: one ``apply_async(whoami, (delay,))`` per delay, ``close()``, another
      ``apply_async`` (which must be refused), ``join()``, then ``ready()`` of the first ones.

    Returns ``[the pool processes seen, seconds after the end until they had all exited (None: not
    within ``within`` s), the refused call's outcome, ready() of each task after join()]``."""
    _process._become_parent(ctx)
    refused, ready = None, []
    if how == "with":
        with ctx.Pool(processes, init, (os.getpid(),)) as pool:
            seen = pool.map(whoami, delays)
    else:
        pool = ctx.Pool(processes, init, (os.getpid(),))
        try:
            if how == "terminate":
                seen = pool.map(whoami, delays)
                pool.terminate()
                pool.join()
            else:
                results = [pool.apply_async(whoami, (delay,)) for delay in delays]
                pool.close()
                refused = _outcome(pool.apply_async, whoami, (0.0,))
                pool.join()
                ready = [result.ready() for result in results]
                seen = [result.get(0) for result in results if result.ready()]
        finally:
            pool.terminate()
    pids = sorted(set(pid for pid, _, _ in seen))
    return [pids, _all_gone(pids, within), refused, ready]
