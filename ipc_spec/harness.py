"""Runs scenarios across real processes and records what happened.

A *scenario* is a set of named shared objects (each described by a :class:`Make`) and one program of
:class:`~ipc_spec.history.Step` per process. :meth:`Env.run` runs it and returns a
:class:`~ipc_spec.history.History`, or raises :class:`~ipc_spec.errors.Deadlock` when it does not
finish by its deadline.

Workers are reused. ``multiprocessing`` lets its synchronisation objects reach a process only when
the process starts, so a :class:`Crew` of workers is started with a *bank* of fresh objects of each
kind the scenarios ask for, and every example draws objects no other example is using. Unless it is
recycled (below), no object is used by two examples, so no state can leak from one to the next. When
the bank lacks a kind, or runs dry, the crew is replaced by a new one with a larger bank; a
deadlocked crew is killed and replaced too.

An object whose kind has a documented way back to its initial state (:data:`RESET`: a Barrier with
no waiter that is not broken, an Event after ``clear()``, a Lock nobody holds, a Semaphore at its
initial value) is *recycled*: once an example that used it
has passed (:meth:`Env.settle`), the parent checks that state through the primitive's own API, and
the object serves a later example. Objects of a failed or deadlocked example are never reused.
"""

import contextlib
import functools
import os
import sys
import time
import types
from typing import Any, Dict, List, Optional, Sequence

from . import _child
from .errors import Deadlock, HarnessError, Unsupported, WorkerDied
from .history import History, Mark, Op, Step

#: Fresh objects of each kind a crew gets when an example first asks for it; the next crew gets twice
#: as many of a kind half used (up to BANK_MAX), half as many of a kind not used at all.
BANK_START = 32
BANK_MAX = 256
#: Objects of a kind announced by ``Env.provision`` but not yet asked for by an example.
BANK_PROVISIONED = 16
#: The same for a kind whose objects nearly always come back (see :data:`RESET` and
#: :data:`COME_BACK`).
RECYCLED_START = 4
RECYCLED_PROVISIONED = 2
#: Seconds a crew's workers may take to start (spawn under load is slow, but not this slow).
START_TIMEOUT = 120.0
#: Descriptors a forkserver crew's bank may hold: forkserver passes a child's descriptors in one
#: message, and refuses past about 250 (``multiprocessing.forkserver.MAXFDS_TO_SEND``).
FORKSERVER_FDS = 160
#: Seconds a worker gets to leave once asked before it is terminated.
STOP_TIMEOUT = 5.0


def _idle_barrier(barrier, *args, **kwargs) -> bool:
    """A Barrier is back in its initial state once its last generation is over: "the barrier can be
    reused any number of times"; one that is broken, or has a waiter, is not reused."""
    return not barrier.broken and barrier.n_waiting == 0


def _cleared_event(event) -> bool:
    """``clear()`` resets an Event's flag to false, its only state."""
    event.clear()
    return not event.is_set()


def _unheld(lock) -> bool:
    """A Lock or RLock is in its initial state when nobody holds it: a non-blocking ``acquire()``
    succeeds (and is undone). One a process kept, or died holding, is not reused."""
    if lock.acquire(False) is not True:
        return False
    lock.release()
    return True


def _at_value(semaphore, value=1) -> bool:
    """A Semaphore or BoundedSemaphore is in its initial state when its counter is back at the
    ``value`` it was made with: exactly ``value`` non-blocking ``acquire()`` calls succeed (all are
    undone). ``get_value()`` would say it in one call, but is missing on macOS."""
    taken = 0
    try:
        while taken <= value and semaphore.acquire(False) is True:
            taken += 1
    finally:
        for _ in range(taken):
            semaphore.release()
    return taken == value


#: Kinds (context attribute names) whose objects are recycled after a passing example: each maps to
#: a function ``reset(obj, *args, **kwargs)`` (the object and the arguments it was made with) that
#: brings the object back to its initial state by documented operations and returns whether it is.
#: A callable factory opts in with a ``reset`` attribute of the same form.
RESET = {"Barrier": _idle_barrier, "Event": _cleared_event, "Lock": _unheld, "RLock": _unheld,
         "Semaphore": _at_value, "BoundedSemaphore": _at_value}
#: Recycled kinds whose objects a passing example nearly always leaves reusable, and so start with
#: small banks (as do callable factories with a ``reset``). Many properties end with a lock held or
#: a semaphore off its initial value: those kinds keep ordinary banks, which recycling then spares.
COME_BACK = {"Barrier", "Event"}


class Make(object):
    """How to build one shared object: ``Make("Barrier", 3, action=f)`` is ``ctx.Barrier(3, action=f)``.

    ``factory`` is the name of a context attribute, or a callable ``factory(ctx, *args, **kwargs)``
    (a module-level function, so that it pickles by name). A callable may return a dict: its entries
    are then reachable as ``name.key`` (``""`` is ``name`` itself), e.g. a Condition and its lock.
    """

    __slots__ = ("factory", "args", "kwargs", "key", "reset")

    def __init__(self, factory, *args, **kwargs):
        self.factory = factory
        self.args = args
        self.kwargs = kwargs
        self.key = (factory, args, tuple(sorted(kwargs.items())))
        #: ``reset(obj, *args, **kwargs) -> bool``, or None if objects of this kind serve one example
        #: only.
        self.reset = RESET.get(factory) if isinstance(factory, str) else getattr(factory, "reset", None)

    def build(self, ctx):
        if callable(self.factory):
            return self.factory(ctx, *self.args, **self.kwargs)
        return getattr(ctx, self.factory)(*self.args, **self.kwargs)

    def __repr__(self):
        name = getattr(self.factory, "__name__", self.factory)
        parts = [repr(a) for a in self.args]
        parts += ["%s=%s" % (k, getattr(v, "__name__", repr(v))) for k, v in sorted(self.kwargs.items())]
        return "%s(%s)" % (name, ", ".join(parts))


def _descriptors(obj) -> int:
    """About how many file descriptors pickling ``obj`` for a child passes: its Connections, one
    level down too (a Queue's pipe ends)."""
    count = 0
    for part in (obj.values() if type(obj) is dict else (obj,)):
        if hasattr(part, "fileno"):
            count += 1
            continue
        try:
            fields = vars(part).values()
        except TypeError:
            continue
        count += sum(1 for value in fields if hasattr(value, "fileno"))
    return count


def _build_bank(ctx, method, kinds, need):
    """The bank's objects, kind by kind. Under forkserver, objects holding file descriptors are
    built one of each kind in turn, so that the descriptor budget is shared fairly."""
    objects = [[] for _ in kinds]
    descriptors = 0
    for (make, count), built in zip(kinds, objects):  # what the next example takes, come what may
        for _ in range(min(count, need.get(make.key, 0))):
            obj = make.build(ctx)
            built.append(obj)
            descriptors += _descriptors(obj)
    full = set()
    while True:
        grew = False
        for k, ((make, count), built) in enumerate(zip(kinds, objects)):
            if k in full or len(built) >= count:
                continue
            obj = make.build(ctx)
            more = _descriptors(obj)
            if built and more and method == "forkserver" and descriptors + more > FORKSERVER_FDS:
                full.add(k)
                continue
            built.append(obj)
            descriptors += more
            grew = True
        if not grew:
            return objects


def plumbing(ctx):
    """The context the harness runs its own processes, pipes and status array on: the context under
    test, unless it names another (a broken implementation keeps the harness on the real one)."""
    return getattr(ctx, "ipc_spec_plumbing", ctx)


class _QuietMain(object):
    """While starting a spawn or forkserver child, hide ``__main__`` so the child does not re-run it.

    Under the ``pytest`` console script ``__main__`` is pytest's own script, and a child that re-runs
    it imports pytest (0.4 s a process). Workers need nothing from ``__main__``: their target and
    everything they use pickle by reference to importable modules.
    """

    def __init__(self, method):
        self.active = method != "fork"

    def __enter__(self):
        if self.active:
            self.saved = sys.modules["__main__"]
            sys.modules["__main__"] = types.ModuleType("__main__")

    def __exit__(self, *exc):
        if self.active:
            sys.modules["__main__"] = self.saved


class Crew(object):
    """Worker processes started together with a bank of shared objects.

    ``bank`` maps a :attr:`Make.key` to ``(make, count)``: ``count`` objects of that kind are built
    in the parent and inherited by every worker (fewer under forkserver when they hold file
    descriptors, but never fewer than ``need`` says the next example takes).
    """

    def __init__(self, ctx, method: str, size: int, bank: Dict[Any, Any],
                 need: Optional[Dict[Any, int]] = None):
        self.ctx = ctx
        self.method = method
        self.size = size
        self.keys = list(bank)
        self.index = {key: i for i, key in enumerate(self.keys)}
        self.objects = _build_bank(ctx, method, list(bank.values()), need or {})
        self.used = {key: 0 for key in self.keys}  # objects handed out, from the start of the bank
        self.free = {key: [] for key in self.keys}  # recycled objects, handed out again first
        self.ready = False
        self.status = plumbing(ctx).RawArray("i", [-1] * size)
        self.conns = []
        self.procs = []
        self.dead = set()  # workers that died as planned (a "die" step), to be replaced
        try:
            for i in range(size):
                conn, proc = self._start(i)
                self.conns.append(conn)
                self.procs.append(proc)
        except BaseException:
            self.kill()
            raise

    def _start(self, i):
        parent_end, child_end = plumbing(self.ctx).Pipe()
        proc = plumbing(self.ctx).Process(target=_child.serve, name="ipc-spec-worker-%d" % i,
                                args=(i, child_end, self.objects, self.status, os.getpid()))
        proc.daemon = True
        with _QuietMain(self.method):
            proc.start()
        child_end.close()
        return parent_end, proc

    def respawn(self):
        """Replace the workers that died as planned by new ones inheriting the same bank; returns
        their indices (they still have to answer a first round trip)."""
        dead, self.dead = sorted(self.dead), set()
        for i in dead:
            self.procs[i].join(1.0)
            if self.procs[i].is_alive():
                self.procs[i].kill()
                self.procs[i].join()
            self.conns[i].close()
            self.conns[i], self.procs[i] = self._start(i)
        return dead

    def short(self, makes) -> Dict[Any, int]:
        """The kinds among ``makes`` this crew has too few unused objects of, with how many are
        needed."""
        need: Dict[Any, int] = {}
        for make in makes:
            need[make.key] = need.get(make.key, 0) + 1
        return {key: n for key, n in need.items()
                if key not in self.index
                or self.used[key] + n > len(self.objects[self.index[key]]) + len(self.free[key])}

    def take(self, make: Make):
        """The bank slot of an unused (or recycled) object of ``make``'s kind (the caller checked
        :meth:`short`)."""
        if self.free[make.key]:
            return self.index[make.key], self.free[make.key].pop()
        slot = self.used[make.key]
        self.used[make.key] = slot + 1
        return self.index[make.key], slot

    def give_back(self, make: Make, slot) -> bool:
        """Recycle the object in ``slot`` if ``make.reset`` brings it back to its initial state."""
        kind, index = slot
        try:
            ok = make.reset(self.objects[kind][index], *make.args, **make.kwargs)
        except Exception:  # a primitive whose reset fails is simply not reused
            ok = False
        if ok is True:
            self.free[make.key].append(index)
        return ok is True

    def alive(self) -> bool:
        return all(p.is_alive() for i, p in enumerate(self.procs) if i not in self.dead)

    def release(self):
        """Ask the workers to leave (they exit once their current example is over)."""
        for conn in self.conns:
            try:
                conn.send(None)
            except Exception:
                pass

    def reaped(self) -> bool:
        """True (and the crew's resources released) once every worker has exited."""
        if any(p.is_alive() for p in self.procs):  # is_alive() reaps the ones that exited
            return False
        self.kill()
        return True

    def stop(self):
        """Ask the workers to leave, then make sure they did."""
        self.release()
        deadline = time.monotonic() + STOP_TIMEOUT
        for proc in self.procs:
            proc.join(max(0.0, deadline - time.monotonic()))
        self.kill()

    def kill(self):
        """Terminate, then kill, then reap every worker; release the bank."""
        for proc in self.procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self.procs:
            proc.join(1.0)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for conn in self.conns:
            conn.close()
        for proc in self.procs:
            if hasattr(proc, "close"):
                proc.close()
        self.procs = []
        self.conns = []
        self.objects = []
        self.status = None


def _bank_sizes(make: Make):
    """``(start, provisioned)``: how many objects of ``make``'s kind a first bank holds when an
    example asks for it, and when it is only announced (fewer for a kind whose objects nearly always
    come back: :data:`COME_BACK`, or a callable factory with a ``reset``)."""
    if make.reset is not None and (callable(make.factory) or make.factory in COME_BACK):
        return RECYCLED_START, RECYCLED_PROVISIONED
    return BANK_START, BANK_PROVISIONED


def _unsupported(reason):
    raise Unsupported(reason)


class Objects(object):
    """Objects allocated to one example: where each name lives in its crew's bank."""

    __slots__ = ("crew", "names")

    def __init__(self, crew, names):
        self.crew = crew
        self.names = names


class Env(object):
    """One implementation in one start method, as a property test sees it.

    ``ctx`` is the implementation's context (``multiprocessing.get_context(method)`` or an
    equivalent); ``deadline`` bounds every example in seconds.
    """

    def __init__(self, ctx, method: str, impl: str = "multiprocessing", deadline: float = 30.0,
                 skip=None):
        self.ctx = ctx
        #: Called with a reason when the implementation lacks a primitive a scenario needs (the
        #: plugin passes ``pytest.skip``); by default :class:`Unsupported` is raised.
        self.skip = skip or _unsupported
        self.method = method
        self.impl = impl
        self.deadline = deadline
        self.crew: Optional[Crew] = None
        self.standby: Optional[Crew] = None
        self.retired: List[Crew] = []  # asked to leave, not yet reaped
        #: After a first deadlock, Hypothesis shrinks by running smaller examples that may deadlock
        #: too: each of those gets a quarter of its deadline, so shrinking does not multiply the wait.
        self.hung = False
        self.want: Dict[Any, Any] = {}
        self.size = 1
        self.crews_started = 0
        self.examples = 0
        self.recycled = 0
        #: Recyclable objects handed out since the last :meth:`settle`: ``(crew, make, slot)``.
        self.lent: List[Any] = []
        if method == "forkserver" and hasattr(ctx, "set_forkserver_preload"):
            ctx.set_forkserver_preload([_child.__name__])

    # -- crews -----------------------------------------------------------------------------------

    def provision(self, makes: Sequence[Make] = (), procs: int = 0):
        """Tell the harness up front which kinds of object and how many processes examples will
        use, so that one crew serves them all instead of one crew per new kind."""
        for make in makes:
            self.want.setdefault(make.key, (make, _bank_sizes(make)[1]))
        self.size = max(self.size, procs)

    def _crew_for(self, objects: Dict[str, Make], procs: int) -> Crew:
        for make in objects.values():
            if isinstance(make.factory, str) and not hasattr(self.ctx, make.factory):
                self.skip("implementation %s has no %s under start method %r"
                          % (self.impl, make.factory, self.method))
            start = _bank_sizes(make)[0]
            if self.want.get(make.key, (None, 0))[1] < start:
                self.want[make.key] = (make, start)
        self.size = max(self.size, procs)
        crew = self.crew
        if crew is not None and crew.dead:
            self._await_ready(crew, crew.respawn())
        if crew is not None and crew.size >= procs and crew.alive():
            short = crew.short(objects.values())
            if not short:
                self._prepare_standby(crew)
                return crew
            for key, need in short.items():
                if key in crew.index:  # ran dry: next time, twice as many
                    make, count = self.want[key]
                    self.want[key] = (make, min(BANK_MAX, max(count * 2, need)))
        if self.crew is not None:  # retire it: its workers exit while the next crew works
            self.crew.release()
            self.retired = [c for c in self.retired if not c.reaped()] + [self.crew]
            self.crew = None
        standby, self.standby = self.standby, None
        if (standby is not None and standby.size >= procs and standby.alive()
                and not standby.short(objects.values())):
            self.crew = standby
        else:
            if standby is not None:
                standby.stop()
            need: Dict[Any, int] = {}
            for make in objects.values():
                need[make.key] = need.get(make.key, 0) + 1
            self.crew = self._new_crew(self.size, dict(self.want), need)
        self._await_ready(self.crew)
        return self.crew

    def _new_crew(self, size, bank, need=None):
        try:
            crew = Crew(self.ctx, self.method, size, bank, need)
        except AttributeError as exc:  # a factory needs what this implementation lacks
            self.skip("implementation %s under start method %r: %s" % (self.impl, self.method, exc))
            raise
        self.crews_started += 1
        return crew

    def _prepare_standby(self, crew: Crew):
        """Once a kind in the bank is half used, start the next crew (with twice as many of that
        kind) in the background, so that its start-up overlaps the examples still to run."""
        if self.standby is not None:
            return
        low = [key for key in crew.keys  # recycled objects count as unused
               if 2 * (crew.used[key] - len(crew.free[key])) >= len(crew.objects[crew.index[key]])]
        if not low:
            return
        for key in crew.keys:  # size the next bank by what this one's examples used
            make, count = self.want[key]
            used = crew.used[key]
            if key in low:
                count = min(BANK_MAX, 2 * count)
            elif used == 0:
                count = max(_bank_sizes(make)[1], count // 2)
            self.want[key] = (make, count)
        self.standby = self._new_crew(self.size, dict(self.want))

    def _await_ready(self, crew: Crew, workers: Optional[Sequence[int]] = None):
        """Round-trip an empty program through every worker (or those given), so that start-up
        never eats a deadline."""
        if crew.ready and workers is None:
            return
        workers = range(crew.size) if workers is None else workers
        for i in workers:
            crew.conns[i].send(({}, []))
        deadline = time.monotonic() + START_TIMEOUT
        for i in workers:
            conn = crew.conns[i]
            if not conn.poll(max(0.0, deadline - time.monotonic())):
                crew.kill()
                self.crew = None
                raise HarnessError("worker %d did not start within %.0f s (%s)"
                                   % (i, START_TIMEOUT, self.method))
            self._reply(crew, i, conn)
        crew.ready = True

    def _reply(self, crew: Crew, i: int, conn):
        try:
            reply = conn.recv()
        except (EOFError, OSError):
            proc = crew.procs[i]
            proc.join(1.0)
            crew.kill()
            self.crew = None
            raise WorkerDied("worker process %d ended unexpectedly (exit code %s) under %s; "
                             "its stderr is in the captured output"
                             % (i, proc.exitcode, self.method))
        if reply[0] == "died":  # a planned death (a "die" step): replaced before the next example
            crew.dead.add(i)
        if reply[0] == "crash":
            crew.kill()
            self.crew = None
            raise HarnessError("worker %d failed outside any step:\n%s" % (i, reply[1]))
        return reply

    def close(self):
        """Stop every crew this env started, and reap every worker."""
        crews = self.retired + [c for c in (self.crew, self.standby) if c is not None]
        self.crew = self.standby = None
        self.retired = []
        for crew in crews:
            crew.release()
        for crew in crews:
            crew.stop()

    # -- examples --------------------------------------------------------------------------------

    def budget(self, deadline: Optional[float] = None) -> float:
        """The deadline in force for the next example asking for ``deadline`` (the env's default if
        None): a quarter of it, at least 0.5 s, once an example of this env has deadlocked."""
        asked = self.deadline if deadline is None else deadline
        return min(asked, max(0.5, asked / 4)) if self.hung else asked

    def allocate(self, objects: Dict[str, Make], procs: int) -> "Objects":
        """Fresh objects for one example that runs in phases (several :meth:`run` calls on the same
        objects, each phase over before the next starts), on up to ``procs`` processes."""
        crew = self._crew_for(objects, procs)
        names = {}
        for name, make in objects.items():
            names[name] = slot = crew.take(make)
            if make.reset is not None:
                self.lent.append((crew, make, slot))
        return Objects(crew, names)

    def settle(self, passed: bool):
        """The example that used the objects handed out since the last call is over: if it
        ``passed``, recycle those that can be (see :data:`RESET`); if not, none is reused."""
        lent, self.lent = self.lent, []
        if not passed:
            return
        for crew, make, slot in lent:
            if crew is self.crew and crew.give_back(make, slot):
                self.recycled += 1

    def run(self, objects, programs: Sequence[Sequence[Step]],
            deadline: Optional[float] = None, fresh: bool = False) -> History:
        """Run one example, or one phase of one: every program in its own worker, all at once.

        ``objects`` is a dict of name -> :class:`Make` (objects in their initial state, for this call
        alone: fresh, or recycled after a passing example) or what
        :meth:`allocate` returned. Returns the history; raises :class:`Deadlock` if the programs are
        not over within ``deadline`` seconds (the env's default if None), after killing the crew.

        ``fresh=True`` runs the example on new processes that hold nothing but its own objects, and
        stops them afterwards (waiting for them to exit): for properties about process start or
        exit, and for end-of-file on a Connection, which needs every other copy of the peer end
        closed. The parent closes its own copies of Connections once the workers have started.
        """
        if fresh:
            return self._run_fresh(objects, programs, deadline)
        procs = len(programs)
        if not isinstance(objects, Objects):
            objects = self.allocate(objects, procs)
        crew = objects.crew
        if crew is not self.crew or procs > crew.size:
            raise HarnessError("objects allocated for another crew, or for fewer processes")
        names = objects.names
        wire = [[tuple(step) for step in program] for program in programs]
        self.examples += 1
        asked = self.deadline if deadline is None else deadline
        budget = self.budget(asked)
        origin = _child.clock()
        busy = [i for i in range(procs) if programs[i]]  # an empty program: the worker sits out
        ops: List[Op] = []
        marks: List[Mark] = []
        try:
            for i in busy:
                crew.conns[i].send((names, wire[i]))
            limit = origin + budget
            for i in busy:
                conn = crew.conns[i]
                if not conn.poll(max(0.0, limit - _child.clock())):
                    self._deadlock(crew, programs, budget, asked, origin, ops, marks, i)
                reply = self._reply(crew, i, conn)
                self._collect(i, programs[i], reply, ops, marks)
        except BaseException:
            # Interrupted (Ctrl-C, pytest-timeout, a deadlock): the workers may still be busy with
            # this example, so the crew can serve no other.
            if self.crew is crew:
                crew.kill()
                self.crew = None
            self.hung = True
            raise
        return History(ops, marks, origin, procs)

    def _run_fresh(self, objects, programs, deadline):
        saved, self.crew = self.crew, None
        try:
            bank = {}
            for make in objects.values():
                old = bank.get(make.key, (make, 0))[1]
                bank[make.key] = (make, old + 1)
            crew = self.crew = self._new_crew(len(programs), bank)
            self._await_ready(crew)
            for kind in crew.objects:
                for obj in kind:
                    for part in (obj.values() if type(obj) is dict else (obj,)):
                        if hasattr(part, "recv_bytes") and hasattr(part, "close"):
                            part.close()
            allocated = Objects(crew, {name: crew.take(make) for name, make in objects.items()})
            history = self.run(allocated, programs, deadline)
            self.crew = None
            crew.stop()
            return history
        finally:
            if self.crew is not None:
                self.crew.kill()
            self.crew = saved

    @contextlib.contextmanager
    def examples_of(self, test, known=False):
        """While in this block, each example of ``test`` (a Hypothesis ``@given`` function) tells
        this env whether it passed, so that its objects can be recycled (:meth:`settle`). Without
        it, no object is reused.

        The deadlines start at their full length, whatever an earlier test did; ``known=True`` (a
        known divergence, expected to fail, maybe by hanging) shortens them from the first example,
        as after a deadlock (:meth:`budget`): a hang it is known for costs a quarter of the wait.
        """
        self.hung = known
        hyp = getattr(test, "hypothesis", None)
        if hyp is None or not hasattr(hyp, "inner_test"):
            yield
            return
        inner = hyp.inner_test

        @functools.wraps(inner)
        def example(*args, **kwargs):
            try:
                result = inner(*args, **kwargs)
            except BaseException:
                self.settle(False)
                raise
            self.settle(True)
            return result

        hyp.inner_test = example
        try:
            yield
        finally:
            hyp.inner_test = inner
            self.settle(False)

    @staticmethod
    def _collect(i, program, reply, ops, marks):
        _, records, proc_marks = reply
        for index, (step, (start, end, result, error)) in enumerate(zip(program, records)):
            kind, message = error if error else (None, "")
            ops.append(Op(i, index, step, start, end, result, kind, message))
        marks.extend(Mark(i, label, t) for label, t in proc_marks)

    def _deadlock(self, crew, programs, budget, asked, origin, ops, marks, first):
        """Say who is waiting on what, kill the crew, raise :class:`Deadlock`."""
        now = _child.clock()
        lines = ["the example did not finish within %.3g s under start method %r; "
                 "the workers were killed" % (budget, self.method)]
        for i, program in enumerate(programs):
            if not program:
                continue
            if i < first:
                lines.append("  process %d: finished its %d steps" % (i, len(program)))
                continue
            if crew.conns[i].poll(0):
                try:
                    self._collect(i, program, crew.conns[i].recv(), ops, marks)
                    lines.append("  process %d: finished its %d steps" % (i, len(program)))
                    continue
                except Exception:
                    pass
            at = crew.status[i]
            if 0 <= at < len(program):
                lines.append("  process %d: blocked in step %d of %d: %s (waiting %.3g s)" % (
                    i, at + 1, len(program), program[at].describe(), now - origin))
            else:
                lines.append("  process %d: never reported back (%d steps)" % (i, len(program)))
        crew.kill()
        self.crew = None
        if budget < asked:
            lines[0] += " (a quarter of the %.3g s deadline, as an earlier example deadlocked)" % asked
        self.hung = True
        done = History(ops, marks, origin, len(programs))
        if ops:
            lines.append("what the finished steps did:")
            lines.append(done.format())
        raise Deadlock("\n".join(lines))
