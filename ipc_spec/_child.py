"""The code that runs inside worker processes.

Every worker imports this module, and under spawn and forkserver it is paid for at every process
start, so it imports only the standard library and nothing of ``ipc_spec`` but the (empty) package
and the kit's plumbing (:mod:`ipc_spec._wire`).

A worker is started by the host (:mod:`ipc_spec._host`) with a *bank*: the shared objects it may
use, inherited at process start as ``multiprocessing`` requires. It connects to the harness's own
socket, says who it is, and serves examples until told to stop. For each example the harness sends
``(names, program)``: ``names`` maps the scenario's object names to bank slots, to instrument
cells on the crew's board, or to objects sent with the example (pickled: a Manager's proxies),
``program`` is the list of steps this worker runs. The worker answers
with what each step did (see :func:`run_step`), and keeps the number of the step it is in on the
board, for deadlock reports.

A worker a fault may strike (``ipc_spec.nemesis``) is sent ``(names, program, parks)``: it sends the
record of each step as the step ends, keeps its stage inside the step on the board, waits before
each step in ``parks`` for the harness's signal, and turns a SIGINT into the ``KeyboardInterrupt``
of the call it strikes (see :func:`_faulted`).

A step is ``(name, call, args, kwargs, pause)``. ``pause`` seconds are slept first (to perturb the
schedule, never to synchronise); ``call`` is one of:

- ``"method"``: ``getattr(obj, "method")(*args, **kwargs)``;
- ``".attr"``: read ``obj.attr``;  ``".attr="``: ``obj.attr = args[0]``;
- ``"@family:function"``: a compound operation that must run in the worker (a critical section, a
  digest of what arrived), ``function(obj, *args, **kwargs)`` of ``ipc_spec.ops.<family>`` (see
  :func:`operation`); ``"@name"``: one of the kit's own at the end of this module (``op_name``);
- ``"pause"``: nothing but the pause (``name`` is ignored);
- ``"die"``: after the pause, send what was done so far and kill this process with SIGKILL (fault
  injection: the crew is replaced after such an example).

An argument that is a :class:`Ref` stands for the object of that name (to pass one shared object to
another's method, e.g. ``conn.send(lock)``).
"""

import faulthandler
import os
import pickle
import signal
import sys
import threading
import time
import traceback

from . import _wire

clock = _wire.clock  # CLOCK_MONOTONIC: one clock for every process of the machine

# What the running example has recorded so far besides its steps (see ``mark``).
_marks = []


def mark(label):
    """Record ``label`` with the current time in the running example (e.g. a Barrier's action)."""
    _marks.append((label, clock()))


class Ref(object):
    """A step argument that stands for the scenario's object ``name``."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return (Ref, (self.name,))

    def __repr__(self):
        return self.name


class Opaque(object):
    """Stands in for a result that is not plain data (a lock, a ctypes object)."""

    __slots__ = ("type", "text")

    def __init__(self, type_, text):
        self.type = type_
        self.text = text

    def __reduce__(self):
        return (Opaque, (self.type, self.text))

    def __eq__(self, other):
        return isinstance(other, Opaque) and (self.type, self.text) == (other.type, other.text)

    def __hash__(self):
        return hash((self.type, self.text))

    def __repr__(self):
        return "<%s %s>" % (self.type, self.text)


_PLAIN = (type(None), bool, int, float, complex, str, bytes)


def portable(value):
    """``value`` as plain data that can cross a pipe and be compared in the parent."""
    if isinstance(value, _PLAIN):
        return value
    if type(value) in (list, tuple):
        return type(value)(portable(v) for v in value)
    text = repr(value)
    if len(text) > 200:
        text = text[:200] + "..."
    return Opaque(type(value).__name__, text)


_OPERATIONS = {}


def operation(name):
    """The worker-side operation ``name``: ``family:function`` is ``function`` of the module
    ``ipc_spec.ops.<family>``, and ``package.module:function`` that of any importable module (a
    user's own), imported on first use (so a worker pays only for the families its examples use);
    a bare name is one of this module's ``op_`` functions."""
    found = _OPERATIONS.get(name)
    if found is None:
        module, _, function = name.rpartition(":")
        if module:
            import importlib

            if "." not in module:
                module = "ipc_spec.ops." + module
            found = getattr(importlib.import_module(module), function)
        else:
            found = globals()["op_" + name]
        _OPERATIONS[name] = found
    return found


def run_step(objects, step, started=None, guard=None):
    """Run one step; returns ``(start, end, result, error)``, ``error`` being ``(type, message)``.

    ``started(start)`` is called just before the call (the nemesis reads it on the board);
    ``guard`` is the :class:`Interruptible` of a process a SIGINT may strike: the call is then the
    only place its ``KeyboardInterrupt`` is raised, and it is the call's outcome.
    """
    name, call, args, kwargs, pause = step
    if pause:
        time.sleep(pause)
    obj = objects.get(name)
    if args and any(type(a) is Ref for a in args):
        args = [objects[a.name] if type(a) is Ref else a for a in args]
    if kwargs and any(type(a) is Ref for a in kwargs.values()):
        kwargs = {k: objects[a.name] if type(a) is Ref else a for k, a in kwargs.items()}
    start = clock()
    if started is not None:
        started(start)
    try:
        if guard is not None:
            guard.armed = True
        if call == "pause":
            result = None
        elif call.startswith("@"):
            result = operation(call[1:])(obj, *args, **kwargs)
        elif call.startswith("."):
            if call.endswith("="):
                setattr(obj, call[1:-1], args[0])
                result = None
            else:
                result = getattr(obj, call[1:])
        else:
            result = getattr(obj, call)(*args, **kwargs)
        if guard is not None:
            guard.armed = False
        error = None
    except (Exception, KeyboardInterrupt) as exc:  # the outcome of the step, recorded, never raised
        if guard is not None:
            guard.armed = False
        result, error = None, (type(exc).__name__, str(exc)[:500])
    end = clock()
    return start, end, portable(result), error


class Interruptible(object):
    """SIGINT for a process a fault may strike: raised as ``KeyboardInterrupt`` while ``armed``
    (inside a call, or waiting for the fault before a step), else noted in ``hit`` and acted on
    between steps, so that the kit's own messages are never cut in half."""

    def __init__(self):
        self.armed = False
        self.hit = []

    def __call__(self, signum, frame):
        self.hit.append(clock())
        if self.armed:
            self.armed = False
            raise KeyboardInterrupt()


#: Seconds a process waits for a fault before a step; the harness sends it at once, so this is only
#: reached if the harness is gone (the process then goes on with the step).
PARK_LIMIT = 120.0


def _park(guard, board, index):
    """Wait, before a step, for the signal of a fault (``guard`` raises SIGINT's here). Armed
    before the board says so, and the loop also checks ``guard.hit``: a SIGINT that comes in
    between is never slept through."""
    limit = clock() + PARK_LIMIT
    guard.armed = True
    try:
        board.set_stage(index, _wire.PARKED, clock())
        while not guard.hit and clock() < limit:
            time.sleep(0.001)
    finally:
        guard.armed = False


def _faulted(board, index, conn, objects, program, parks):
    """Run ``program`` in a process a fault may strike: each step's record is sent as it ends (a
    SIGKILL loses nothing done before it), the stage of each step is on the board, and a SIGINT
    ends the program as a ``KeyboardInterrupt`` in the step it struck. Returns whether a SIGINT
    came."""
    guard = Interruptible()
    old = signal.signal(signal.SIGINT, guard)
    records = []
    try:
        for number, step in enumerate(program):
            board.set_stage(index, _wire.OUTSIDE, clock())
            board.set_status(index, number)
            if not guard.hit and number in parks:
                try:
                    _park(guard, board, index)
                except KeyboardInterrupt:
                    pass
            if guard.hit:  # struck between steps, or while waiting before this one
                now = clock()
                records.append((now, now, None, ("KeyboardInterrupt", "before the step began")))
            else:
                records.append(run_step(objects, step, lambda t: board.set_stage(
                    index, _wire.IN_CALL, t), guard))
            sent = len(_marks)
            _wire.send(conn, ("step", number, records[-1], list(_marks[:sent])))
            del _marks[:sent]
            if guard.hit:
                break
        board.set_stage(index, _wire.OUTSIDE, clock())
    finally:
        signal.signal(signal.SIGINT, old)
    return bool(guard.hit)


def _gone(pid):
    """Whether process ``pid`` has exited (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _watch_parent(parent, owner):
    """End this worker once the process that started it (``parent``), or the harness process that
    owns it (``owner``: under forkserver the parent is the server, which outlives the harness), goes
    away: no orphans, even after SIGKILL."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent or (owner is not None and owner != parent and _gone(owner)):
            os._exit(70)


def probe(bank):
    """The target of a process that only checks that ``bank`` reached it (see ``_host._probe``)."""


class Unsent(Exception):
    """A sent object (``("sent", id, pickled)``) could not be unpickled in this worker."""


def _used(program):
    """The names of the objects ``program``'s steps use, as their steps spell them."""
    used = set()
    for step in program:
        used.add(step[0])
        used.update(a.name for a in step[2] if type(a) is Ref)
        used.update(a.name for a in step[3].values() if type(a) is Ref)
    return used


def _objects(board, bank, names, program=(), sent=None):
    """The example's objects by name: bank slots, the kit's instrument cells on the board, and
    sent objects (``("sent", id, pickled)``), unpickled once per example by the workers whose
    ``program`` uses them and kept in ``sent`` (id -> object) while its ids are in ``names``."""
    objects = {}
    ids = {where[1] for where in names.values() if where[0] == "sent"}
    sent = {} if sent is None else sent
    if sent:
        for sid in [sid for sid in sent if sid not in ids]:  # a past example's: let them go
            del sent[sid]
    used = _used(program) if ids else ()
    for name, where in names.items():
        if where[0] == "cells":
            objects[name] = board.cells(where[1], where[2])
            continue
        if where[0] == "sent":
            obj = sent.get(where[1])
            if obj is None:
                if not any(u == name or u.startswith(name + ".") for u in used):
                    continue
                try:
                    obj = sent[where[1]] = pickle.loads(where[2])
                except Exception as exc:
                    raise Unsent(name, "%s: %s" % (type(exc).__name__, exc)) from None
        else:
            obj = bank[where[1]][where[2]]
        if type(obj) is dict:  # a compound object: its parts are name.part
            for part, value in obj.items():
                objects[name + "." + part if part else name] = value
        else:
            objects[name] = obj
    return objects


def stderr_path(board_path, index):
    """The file worker ``index`` of the crew whose board is ``board_path`` writes its stderr to."""
    return "%s.stderr-%d" % (board_path, index)


def _stderr_to(path):
    """Write this process's Python stderr (``sys.stderr``: tracebacks, warnings, and a traceback
    of every thread on a fatal signal, by ``faulthandler``) to the file ``path``, so that the
    harness can say what a worker that died wrote. File descriptor 2 is left as it was: the
    processes a worker starts (a resource tracker, a fork server, a pool's processes) write to the
    run's stderr, where the cleanup tests look for a tracker's "leaked" warnings."""
    try:
        stream = open(path, "w", buffering=1, encoding="utf-8", errors="backslashreplace")
    except OSError:
        return
    try:
        sys.stderr.flush()
    except Exception:
        pass
    sys.stderr = stream
    faulthandler.enable(file=stream)


def serve(index, crew, address, board_path, bank, owner=None):
    """Worker main loop: connect to the harness at ``address`` (a socket of the kit's own, see
    ``ipc_spec._wire``), say who it is, then run the programs it is sent until told to leave.
    ``board.status(index)`` holds the step being run, for hang reports."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the harness's to handle
    _stderr_to(stderr_path(board_path, index))
    watchdog = threading.Thread(target=_watch_parent, args=(os.getppid(), owner),
                                name="ipc-spec-watchdog")
    watchdog.daemon = True
    watchdog.start()
    try:
        board = _wire.Board(board_path)
        conn = _wire.connect(address)
        _wire.send(conn, ("hello", crew, index, os.getpid()))
    except OSError:  # the crew was given up before this worker started: nobody waits for it
        return
    sent = {}  # id -> a sent object this worker unpickled, while examples name it
    while True:
        try:
            message = _wire.recv(conn)
        except (EOFError, OSError):
            return _run_leave_hooks()
        if message is None:
            return _run_leave_hooks()
        interrupted = False
        try:
            names, program = message[:2]
            try:
                objects = _objects(board, bank, names, program, sent)
            except Unsent as exc:  # the example cannot run here: the harness hears which object
                _wire.send(conn, ("unsent",) + exc.args)
                continue
            del _marks[:]
            records = []  # a process a fault may strike has sent each record already
            if len(message) > 2:  # a fault may strike this process: message[2] are its parks
                interrupted = _faulted(board, index, conn, objects, program, message[2])
            else:
                for number, step in enumerate(program):
                    board.set_status(index, number)
                    if step[1] == "die":  # fault injection: report what was done, SIGKILL self
                        if step[4]:
                            time.sleep(step[4])
                        mark("died")
                        _wire.send(conn, ("died", records, list(_marks)))
                        os.kill(os.getpid(), signal.SIGKILL)
                    records.append(run_step(objects, step))
            board.set_status(index, -1)
            reply = ("interrupted" if interrupted else "done", records, list(_marks))
        except BaseException:
            reply = ("crash", traceback.format_exc())
        try:
            _wire.send(conn, reply)
        except Exception:
            _wire.send(conn, ("crash", traceback.format_exc()))
        sys.stdout.flush()
        if interrupted:  # as a program ends on an uncaught KeyboardInterrupt: exit status 1
            sys.exit(1)
        if _leaving:
            return _run_leave_hooks()


_leaving = []
#: What an operation asked to be done before this worker leaves the normal way (:func:`at_leave`).
_leave_hooks = []


def _run_leave_hooks():
    for hook in _leave_hooks:
        try:
            hook()
        except Exception:
            pass


def at_leave(hook):
    """Call ``hook()`` before this worker leaves the normal way (told to, or its harness gone;
    once, whatever it raises): for an
    operation that keeps something whose end a normal exit would wait for (an executor's
    processes, which ``multiprocessing`` joins at exit)."""
    if hook not in _leave_hooks:
        _leave_hooks.append(hook)


def op_leave(obj):
    """End this worker once the example's reply is sent, the normal way (as a process that ends
    after its work: ``multiprocessing`` flushes its queues on the way out)."""
    _leaving.append(True)


# -- operations of the kit's own, run as steps "@name" --------------------------------------------


def op_await_attr(obj, attr, target, timeout=10.0):
    """Poll ``obj.attr`` until it is at least ``target`` (True), or ``timeout`` passes (False).

    For waiting on a state the primitive itself reports (``Barrier.n_waiting``), not on time.
    """
    limit = clock() + timeout
    while getattr(obj, attr) < target:
        if clock() > limit:
            return False
        time.sleep(0.0005)
    return True


# -- the kit's own instruments (``harness.Cells``): gates and flags that trust no primitive ---------


def op_cell_mark(cells, index=0, value=1):
    """``cells[index] = value``: announce something (a waiter about to wait, a gate opened)."""
    cells[index] = value


def op_cell_wait(cells, timeout, index=0):
    """Poll ``cells[index]`` until it is non-zero (True) or ``timeout`` passes (False)."""
    limit = clock() + timeout
    while not cells[index]:
        if clock() > limit:
            return False
        time.sleep(0.0005)
    return True


def op_cells_await(cells, count, timeout):
    """Poll until ``cells[0:count]`` are all non-zero (True) or ``timeout`` passes (False): for
    waiting until ``count`` processes have each announced themselves in their own cell."""
    limit = clock() + timeout
    while not all(cells[:count]):
        if clock() > limit:
            return False
        time.sleep(0.0005)
    return True
