"""The code that runs inside worker processes.

Every worker imports this module, and under spawn and forkserver it is paid for at every process
start, so it imports only the standard library and nothing of ``ipc_spec`` but the (empty) package.

A worker is started once with a *bank*: the shared objects it may use, inherited at process start as
``multiprocessing`` requires. It then serves examples until told to stop. For each example the parent
sends ``(names, program)``: ``names`` maps the scenario's object names to bank slots, ``program`` is the
list of steps this worker runs. The worker answers with what each step did; see :func:`run_step`.

A step is ``(name, call, args, kwargs, pause)``. ``pause`` seconds are slept first (to perturb the
schedule, never to synchronise); ``call`` is one of:

- ``"method"``: ``getattr(obj, "method")(*args, **kwargs)``;
- ``".attr"``: read ``obj.attr``;  ``".attr="``: ``obj.attr = args[0]``;
- ``"@macro"``: ``op_macro(obj, *args, **kwargs)``, one of the compound operations at the end of
  this module that must run in the child (a locked increment, a critical section);
- ``"pause"``: nothing but the pause (``name`` is ignored).

An argument that is a :class:`Ref` stands for the object of that name (to pass one shared object to
another's method, e.g. ``conn.send(lock)``).
"""

import os
import signal
import sys
import threading
import time
import traceback

clock = time.monotonic  # CLOCK_MONOTONIC: one clock for every process of the machine

# What the running example has recorded so far besides its steps (see ``mark``).
_marks = []


def mark(label):
    """Record ``label`` with the current time in the running example (e.g. a Barrier's action)."""
    _marks.append((label, clock()))


def barrier_action():
    """A picklable Barrier ``action`` that records each time it runs."""
    mark("action")


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


def run_step(objects, step):
    """Run one step; returns ``(start, end, result, error)``, ``error`` being ``(type, message)``."""
    name, call, args, kwargs, pause = step
    if pause:
        time.sleep(pause)
    obj = objects.get(name)
    if args and any(type(a) is Ref for a in args):
        args = [objects[a.name] if type(a) is Ref else a for a in args]
    start = clock()
    try:
        if call == "pause":
            result = None
        elif call.startswith("@"):
            result = globals()["op_" + call[1:]](obj, *args, **kwargs)
        elif call.startswith("."):
            if call.endswith("="):
                setattr(obj, call[1:-1], args[0])
                result = None
            else:
                result = getattr(obj, call[1:])
        else:
            result = getattr(obj, call)(*args, **kwargs)
        error = None
    except Exception as exc:  # the outcome of the step, recorded, never raised here
        result, error = None, (type(exc).__name__, str(exc)[:500])
    end = clock()
    return start, end, portable(result), error


def _watch_parent(parent):
    """End this worker if the process that started it goes away (no orphans, even after SIGKILL)."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(70)


def serve(index, conn, bank, status):
    """Worker main loop. ``status[index]`` holds the step being run, for hang reports."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    watchdog = threading.Thread(target=_watch_parent, args=(os.getppid(),), name="ipc-spec-watchdog")
    watchdog.daemon = True
    watchdog.start()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        try:
            names, program = message
            objects = {}
            for name, (key, slot) in names.items():
                obj = bank[key][slot]
                if type(obj) is dict:  # a compound object: its parts are name.part
                    for part, value in obj.items():
                        objects[name + "." + part if part else name] = value
                else:
                    objects[name] = obj
            del _marks[:]
            records = []
            for number, step in enumerate(program):
                status[index] = number
                records.append(run_step(objects, step))
            status[index] = -1
            reply = ("done", records, list(_marks))
        except BaseException:
            reply = ("crash", traceback.format_exc())
        try:
            conn.send(reply)
        except Exception:
            conn.send(("crash", traceback.format_exc()))
        sys.stdout.flush()
        if _leaving:
            return


_leaving = []


def op_leave(obj):
    """End this worker once the example's reply is sent, the normal way (as a process that ends
    after its work: ``multiprocessing`` flushes its queues on the way out)."""
    _leaving.append(True)


# -- macros: compound operations, run as steps "@name" ---------------------------------------


def op_incr(obj, times=1, locked=True, pause=0.0):
    """``times`` increments of ``obj.value``, each under ``obj.get_lock()`` when ``locked``."""
    for _ in range(times):
        if locked:
            with obj.get_lock():
                value = obj.value
                if pause:
                    time.sleep(pause)
                obj.value = value + 1
        else:
            value = obj.value
            if pause:
                time.sleep(pause)
            obj.value = value + 1
    return obj.value


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
