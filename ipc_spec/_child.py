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
- ``"pause"``: nothing but the pause (``name`` is ignored);
- ``"die"``: after the pause, send what was done so far and kill this process with SIGKILL (fault
  injection: the crew is replaced after such an example).

An argument that is a :class:`Ref` stands for the object of that name (to pass one shared object to
another's method, e.g. ``conn.send(lock)``).
"""

import os
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


_OPERATIONS = {}


def operation(name):
    """The worker-side operation ``name``: ``family:function`` is ``function`` of the module
    ``ipc_spec.ops.<family>``, imported on first use (so a worker pays only for the families its
    examples use); a bare name is one of this module's ``op_`` functions."""
    found = _OPERATIONS.get(name)
    if found is None:
        family, _, function = name.rpartition(":")
        if family:
            import importlib

            found = getattr(importlib.import_module("ipc_spec.ops." + family), function)
        else:
            found = globals()["op_" + name]
        _OPERATIONS[name] = found
    return found


def run_step(objects, step):
    """Run one step; returns ``(start, end, result, error)``, ``error`` being ``(type, message)``."""
    name, call, args, kwargs, pause = step
    if pause:
        time.sleep(pause)
    obj = objects.get(name)
    if args and any(type(a) is Ref for a in args):
        args = [objects[a.name] if type(a) is Ref else a for a in args]
    if kwargs and any(type(a) is Ref for a in kwargs.values()):
        kwargs = {k: objects[a.name] if type(a) is Ref else a for k, a in kwargs.items()}
    start = clock()
    try:
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
        error = None
    except Exception as exc:  # the outcome of the step, recorded, never raised here
        result, error = None, (type(exc).__name__, str(exc)[:500])
    end = clock()
    return start, end, portable(result), error


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


def _objects(board, bank, names):
    """The example's objects by name: bank slots, and the kit's instrument cells on the board."""
    objects = {}
    for name, where in names.items():
        if where[0] == "cells":
            objects[name] = board.cells(where[1], where[2])
            continue
        obj = bank[where[1]][where[2]]
        if type(obj) is dict:  # a compound object: its parts are name.part
            for part, value in obj.items():
                objects[name + "." + part if part else name] = value
        else:
            objects[name] = obj
    return objects


def serve(index, crew, address, board_path, bank, owner=None):
    """Worker main loop: connect to the harness at ``address`` (a socket of the kit's own, see
    ``ipc_spec._wire``), say who it is, then run the programs it is sent until told to leave.
    ``board.status(index)`` holds the step being run, for hang reports."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the harness's to handle
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
    while True:
        try:
            message = _wire.recv(conn)
        except (EOFError, OSError):
            return
        if message is None:
            return
        try:
            names, program = message
            objects = _objects(board, bank, names)
            del _marks[:]
            records = []
            for number, step in enumerate(program):
                board.set_status(index, number)
                if step[1] == "die":  # fault injection: report what was done, then SIGKILL self
                    if step[4]:
                        time.sleep(step[4])
                    mark("died")
                    _wire.send(conn, ("died", records, list(_marks)))
                    os.kill(os.getpid(), signal.SIGKILL)
                records.append(run_step(objects, step))
            board.set_status(index, -1)
            reply = ("done", records, list(_marks))
        except BaseException:
            reply = ("crash", traceback.format_exc())
        try:
            _wire.send(conn, reply)
        except Exception:
            _wire.send(conn, ("crash", traceback.format_exc()))
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


def _critical_section(counter, hold):
    """Read ``counter.value``, hold ``hold`` seconds, write it back plus one; ``(enter, exit)``."""
    enter = clock()
    if counter is not None:
        value = counter.value
    if hold:
        time.sleep(hold)
    if counter is not None:
        counter.value = value + 1
    return enter, clock()


def op_critical(obj, counter=None, hold=0.0, use_with=False):
    """One critical section under ``obj`` (a Lock, RLock or Semaphore; ipc_spec.specs.lock).

    Acquires ``obj`` (``acquire()``, or ``with obj:`` when ``use_with``), then reads ``counter.value``
    (a shared RawValue, if given), sleeps ``hold`` seconds, writes back the value read plus one, and
    releases. Returns the clock times ``(enter, exit)`` taken just after the acquire returned and
    just before the release began: an interval inside the one in which this process held ``obj``.
    Raises RuntimeError, after releasing, if ``acquire()`` returned anything but True.
    """
    if use_with:
        with obj:
            return _critical_section(counter, hold)
    got = obj.acquire()
    try:
        enter, leave = _critical_section(counter, hold)
    finally:
        obj.release()
    if got is not True:  # reported once the lock is released, so that nobody waits for ever
        raise RuntimeError("acquire() returned %r, not True" % (got,))
    return (enter, leave)


# -- Queue, SimpleQueue, JoinableQueue (ipc_spec.specs.queue) ---------------------------------


def queue_blob(seed, size):
    """``size`` bytes that depend on ``seed``: a big payload built cheaply in the process that puts
    it, instead of crossing the harness's pipe."""
    import hashlib

    unit = hashlib.sha256(b"ipc-spec-blob-%d" % seed).digest() * 32  # 1 KiB
    return (unit * (size // len(unit) + 1))[:size]


def queue_fingerprint(value):
    """A short digest of ``value``, the same in every process for values that are equal and of the
    same types (a pickle round trip keeps both); dicts and sets in any order."""
    import hashlib

    digest = hashlib.sha1()
    _queue_digest(digest, value)
    return digest.hexdigest()[:20]


def _queue_digest(digest, value):
    kind = type(value)
    if kind is list or kind is tuple:
        digest.update(b"%s%d[" % (kind.__name__.encode(), len(value)))
        for item in value:
            _queue_digest(digest, item)
        digest.update(b"]")
    elif kind is dict:
        parts = sorted(queue_fingerprint(k) + queue_fingerprint(v) for k, v in value.items())
        digest.update(("dict%d[%s]" % (len(parts), ",".join(parts))).encode())
    elif kind is set or kind is frozenset:
        parts = sorted(queue_fingerprint(v) for v in value)
        digest.update(("%s%d[%s]" % (kind.__name__, len(parts), ",".join(parts))).encode())
    elif kind is bytes:
        digest.update(b"bytes%d:" % len(value))
        digest.update(value)
    elif kind is str:
        data = value.encode("utf-8", "surrogatepass")
        digest.update(b"str%d:" % len(data))
        digest.update(data)
    else:  # None, bool, int, float (repr keeps -0.0 and every bit), complex
        digest.update(("%s:%r;" % (kind.__name__, value)).encode())


def op_queue_put(obj, producer, seq, payload=None, blob=None, method="put", args=(), **kwargs):
    """``obj.<method>((producer, seq, payload), *args, **kwargs)``: put a tagged item. With
    ``blob=(seed, size)`` the payload is ``queue_blob(seed, size)``, built here."""
    if blob is not None:
        payload = queue_blob(*blob)
    return getattr(obj, method)((producer, seq, payload), *args, **kwargs)


def op_queue_get(obj, *args, **kwargs):
    """``obj.get(*args, **kwargs)`` (or ``method=``, e.g. ``get_nowait``), answering with
    ``(producer, seq, fingerprint of the payload)`` for a tagged item, ``(None, None,
    fingerprint)`` for any other item: big payloads need not cross back to the parent."""
    method = kwargs.pop("method", "get")
    item = getattr(obj, method)(*args, **kwargs)
    if type(item) is tuple and len(item) == 3:
        return (item[0], item[1], queue_fingerprint(item[2]))
    return (None, None, queue_fingerprint(item))


# -- Condition macros (ipc_spec.specs.condition) ----------------------------------------------


def op_cond_bump(cond, value, notify_all=True):
    """Holding ``cond``: add one to the shared ``value.value``, then ``notify_all()`` (or
    ``notify()``). Returns the new value."""
    with cond:
        value.value += 1
        if notify_all:
            cond.notify_all()
        else:
            cond.notify()
        return value.value


def op_cond_wait_for(cond, value, count, lock, target, timeout):
    """Holding ``cond``: add one to ``count.value`` (so another process can see this one is about
    to wait), then ``cond.wait_for(predicate, timeout)``.

    The predicate returns ``value.value`` once it is at least ``target`` (>= 1, so truthy), else
    None. When ``lock`` (the condition's plain, non-recursive Lock) is given, the predicate also
    checks that it runs with the lock held: if ``lock.acquire(False)`` succeeds the lock was free,
    and it marks ``"cond-predicate-unlocked"``.

    Returns ``(result, last, calls)``: what ``wait_for`` returned, what the predicate returned last,
    and how many times it was called.
    """
    state = [None, 0]  # last value, calls

    def predicate():
        state[1] += 1
        if lock is not None and lock.acquire(False):
            lock.release()
            mark("cond-predicate-unlocked")
        current = value.value
        state[0] = current if current >= target else None
        return state[0]

    with cond:
        count.value += 1
        result = cond.wait_for(predicate, timeout)
    return (result, state[0], state[1])


# -- Value / Array macros (ipc_spec.specs.value) ----------------------------------------------


def op_value_incr_with(obj, times=1, pause=0.0):
    """``times`` increments of ``obj.value``, each inside ``with obj:`` (a synchronized wrapper is a
    context manager holding its lock), pausing ``pause`` s between the read and the write."""
    for _ in range(times):
        with obj:
            value = obj.value
            if pause:
                time.sleep(pause)
            obj.value = value + 1
    return obj.value


def op_value_lock_call(obj, method, *args):
    """``obj.get_lock().<method>(*args)``."""
    return getattr(obj.get_lock(), method)(*args)


def op_value_reentrant(obj):
    """Take ``obj.get_lock()``, then try it again without blocking: True if the holder could take it
    again (a recursive lock). Releases what it took. Without ``obj.get_lock``: AttributeError."""
    lock = obj.get_lock()
    lock.acquire()
    try:
        again = lock.acquire(False)
        if again:
            lock.release()
    finally:
        lock.release()
    return again


# -- Pipe / Connection macros (ipc_spec.specs.connection) -------------------------------------


def conn_canon(value):
    """``value`` as plain nested tuples that compare equal exactly when two values are equal and of
    the same types: ``(type name, content)``, floats by ``repr`` (so -0.0 and NaN compare), dicts
    in their order, sets sorted. The same in every process, so a parent can compare what was sent
    with what arrived without the value crossing back."""
    kind = type(value)
    if kind is list or kind is tuple:
        return (kind.__name__, tuple(conn_canon(v) for v in value))
    if kind is dict:
        return ("dict", tuple((conn_canon(k), conn_canon(v)) for k, v in value.items()))
    if kind is set or kind is frozenset:
        return (kind.__name__, tuple(sorted((conn_canon(v) for v in value), key=repr)))
    if kind is float or kind is complex:
        return (kind.__name__, repr(value))
    if kind is bytearray:
        return ("bytearray", bytes(value))
    if value is None or kind in (bool, int, str, bytes):
        return (kind.__name__, value)
    return (kind.__name__ + "?", repr(value)[:200])


def op_recv_canon(conn):
    """``conn.recv()``, answered as :func:`conn_canon` of what arrived."""
    return conn_canon(conn.recv())


def conn_blob(seed, size):
    """``size`` bytes expanded from ``seed`` (SHAKE-128: every block differs, about 0.1 s for
    40 MiB): a big message built where it is sent instead of crossing the harness's pipe."""
    import hashlib

    return hashlib.shake_128(b"ipc-spec-conn-%d" % seed).digest(size)


def conn_digest(data):
    """``(length, digest)`` of a bytes-like message: what crosses back instead of the message."""
    import hashlib

    return (len(data), hashlib.sha256(data).hexdigest()[:32])


def op_send_blob(conn, seed, size, raw=False):
    """Send ``conn_blob(seed, size)`` with ``send_bytes`` (``raw``) or ``send``; returns its
    :func:`conn_digest`. If the send raises ValueError (documented for messages of about 32 MiB
    and more on some systems) an empty message is sent instead the same way, so the receiver is
    not left waiting, and the ValueError is raised as the step's outcome."""
    data = conn_blob(seed, size)
    send = conn.send_bytes if raw else conn.send
    try:
        send(data)
    except ValueError:
        send(b"")
        raise
    return conn_digest(data)


def op_recv_blob(conn, raw=False):
    """``conn.recv_bytes()`` (``raw``) or ``conn.recv()``, answered as the :func:`conn_digest` of the
    message; ``(type name, None)`` if ``recv()`` returned something that is not bytes."""
    data = conn.recv_bytes() if raw else conn.recv()
    if type(data) is not bytes:
        return (type(data).__name__, None)
    return conn_digest(data)


def op_recv_into(conn, size, offset=None, typecode="B", fill=0xEE):
    """``conn.recv_bytes_into(buf[, offset])`` into a fresh buffer of ``size`` bytes filled with
    ``fill``: a bytearray (typecode ``"B"``) or an ``array.array`` of ``typecode``.

    Answers ``("ok", count, bytes of the whole buffer)``, or ``("BufferTooShort", e.args[0])`` when
    that exception (by name: the implementation's own class) is raised; other exceptions are the
    step's outcome."""
    import array

    data = bytes([fill]) * size
    if typecode == "B":
        buf = bytearray(data)
    else:
        buf = array.array(typecode)
        buf.frombytes(data)
    try:
        if offset is None:
            count = conn.recv_bytes_into(buf)
        else:
            count = conn.recv_bytes_into(buf, offset)
    except Exception as exc:
        if type(exc).__name__ != "BufferTooShort":
            raise
        message = exc.args[0] if exc.args else None
        return ("BufferTooShort", bytes(message) if message is not None else None)
    return ("ok", count, bytes(buf) if typecode == "B" else buf.tobytes())


def conn_wait_function(conn):
    """The ``wait`` of the implementation ``conn`` comes from: the ``wait`` attribute of the module
    of ``type(conn)``, or of the first class in its MRO whose module has one (a subclass defined
    elsewhere inherits its base's), else ``multiprocessing.connection.wait``."""
    for cls in type(conn).__mro__:
        found = getattr(sys.modules.get(cls.__module__), "wait", None)
        if callable(found):
            return found
    from multiprocessing.connection import wait

    return wait


def op_wait(obj, timeout, *conns):
    """``wait(list(conns), timeout)`` with the ``wait`` of ``obj``'s implementation
    (:func:`conn_wait_function`); answers the sorted positions in ``conns`` of the objects it
    returned (-1 for an object that was not in the list)."""
    ready = conn_wait_function(obj)(list(conns), timeout)
    found = []
    for item in ready:
        where = [i for i, c in enumerate(conns) if c is item]
        found.append(where[0] if where else -1)
    return sorted(found)


# -- Value / Array macros, continued (ipc_spec.specs.value) ------------------------------------


def op_value_gate(gate, index, count, timeout=10.0):
    """Set ``gate[index]`` (a shared int array) to 1, then poll until ``gate[0:count]`` are all 1
    (True) or ``timeout`` passes (False): lines processes up so that what they do next overlaps."""
    gate[index] = 1
    limit = clock() + timeout
    while sum(gate[:count]) < count:
        if clock() > limit:
            return False
        time.sleep(0.0005)
    return True


def op_value_hold(obj, flags, use_with=False, timeout=10.0):
    """Inside ``with obj:`` (or ``with obj.get_lock():``) set ``flags[0]``, then poll until another
    process sets ``flags[1]`` (True) or ``timeout`` passes (False); then leave."""
    with (obj if use_with else obj.get_lock()):
        flags[0] = 1
        limit = clock() + timeout
        while not flags[1]:
            if clock() > limit:
                return False
            time.sleep(0.0005)
    return True


def op_value_try(obj, flags, timeout=10.0):
    """Once ``flags[0]`` is set (else None after ``timeout``): ``obj.get_lock().acquire(False)``,
    released at once if taken; set ``flags[1]``; return what the acquire returned."""
    limit = clock() + timeout
    while not flags[0]:
        if clock() > limit:
            return None
        time.sleep(0.0005)
    lock = obj.get_lock()
    got = lock.acquire(False)
    if got:
        lock.release()
    flags[1] = 1
    return got
