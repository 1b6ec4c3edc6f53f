"""Worker-side operations of the shared_memory family (standard library only, and the
implementation's own module): a worker creates the blocks and lists of an example and keeps them
here by label, for the steps of one program; a *child* (a ``ctx.Process`` of the worker, started
with the start method under test) attaches to them by name, reads, writes, and says what it saw.

The implementation is found from the context (the scenario's object ``ctx``): ``ctx.SharedMemory``,
``ctx.ShareableList`` and ``ctx.SharedMemoryManager`` where the context has them (a broken
implementation overrides them there), else ``<package>.shared_memory`` and ``<package>.managers``
of the context's package. An implementation without them makes the step raise: that is the step's
outcome, never the worker's end.

The kit's plumbing is the operating system's: what is in the system's shared memory is read with
``os.path.exists`` on ``/dev/shm/<name>``; a child reports over a loopback socket of the kit's own
(the Process family's listener, ``ipc_spec.ops.process``); a program run as a separate Python
process (:func:`program`) is started with ``subprocess``. Every name a step creates, and every
manager process a step starts, goes to the example's *ledger* (a file named by :func:`begin`), so
that :func:`sweep` can remove them after an example whose workers were killed; :func:`reap`, the
last step of every program, closes and unlinks what the program left.
"""

import importlib
import os
import pickle
import signal
import subprocess
import sys

from ipc_spec.ops import process as _process

#: Where POSIX shared memory lives on Linux: a block named ``n`` is the file ``/dev/shm/n``.
SHM_DIR = "/dev/shm"
#: Seconds a child, a manager or a separate program gets before the step gives up on it.
WAIT = 30.0

_held = {}  # label -> [object, kind, created by this program, unlinked by this program]
_managers = {}  # label -> a started SharedMemoryManager (or one entered as a context manager)
_ledger = []  # [path] of the current example's ledger


# -- finding the implementation ---------------------------------------------------------------


def module(ctx):
    """The implementation's ``shared_memory`` module (ImportError if it has none)."""
    return importlib.import_module(_process._package(ctx) + ".shared_memory")


def shared_memory_class(ctx):
    found = getattr(ctx, "SharedMemory", None)
    return found if found is not None else module(ctx).SharedMemory


def shareable_list_class(ctx):
    found = getattr(ctx, "ShareableList", None)
    return found if found is not None else module(ctx).ShareableList


def manager_class(ctx):
    found = getattr(ctx, "SharedMemoryManager", None)
    if found is not None:
        return found
    return importlib.import_module(_process._package(ctx) + ".managers").SharedMemoryManager


def on_system(name):
    """Whether the system's shared memory holds a block named ``name`` (the operating system's
    view, not the implementation's)."""
    return os.path.exists(os.path.join(SHM_DIR, name.lstrip("/")))


def _note(kind, value):
    if _ledger:
        with open(_ledger[0], "a") as f:
            f.write("%s %s\n" % (kind, value))


# -- the worker's steps: SharedMemory ------------------------------------------------------------


def begin(ctx, ledger):
    """The first step of every program: the example's ledger file (see :func:`sweep`)."""
    del _ledger[:]
    _ledger.append(ledger)


def create(ctx, label, size, called=None, track=None):
    """``SharedMemory(called, create=True, size=size)`` (``track=track`` if given); answers its name,
    ``size``, the type of ``buf``, ``len(buf)``, and whether ``buf`` is read-only."""
    kwargs = {} if track is None else {"track": track}
    shm = shared_memory_class(ctx)(called, create=True, size=size, **kwargs)
    _note("name", shm.name)
    _held[label] = [shm, "shm", True, False]
    return _facts(shm)


def _facts(shm):
    buf = shm.buf
    return (shm.name, shm.size, type(buf).__name__, len(buf), buf.readonly)


def attach(ctx, label, name):
    """``SharedMemory(name)``: answers as :func:`create` does."""
    shm = shared_memory_class(ctx)(name)
    _held[label] = [shm, "shm", False, False]
    return _facts(shm)


def write(ctx, label, offset, data):
    """``buf[offset:offset + len(data)] = data``."""
    _held[label][0].buf[offset:offset + len(data)] = data


def read(ctx, label, offset, length):
    """``bytes(buf[offset:offset + length])``."""
    return bytes(_held[label][0].buf[offset:offset + length])


def assign(ctx, label, attr, value):
    """``obj.<attr> = value`` on a block or a list (a read-only attribute must refuse it)."""
    setattr(_held[label][0], attr, value)


def close(ctx, label):
    """``close()`` of the block (of a list's ``shm``)."""
    _shm(label).close()


def unlink(ctx, label):
    """``unlink()`` of the block (of a list's ``shm``)."""
    _shm(label).unlink()
    _held[label][3] = True


def _shm(label):
    obj, kind = _held[label][:2]
    return obj.shm if kind == "list" else obj


def exists(ctx, label):
    """Whether the system holds the block of ``label`` (by its name, ``os.path.exists``)."""
    return on_system(_shm(label).name)


def named(ctx, name):
    """Whether the system holds a block named ``name``."""
    return on_system(name)


# -- ShareableList -----------------------------------------------------------------------------


def make_list(ctx, label, values):
    """``ShareableList(values)``: answers the name of its ``shm``, whether ``shm`` is a SharedMemory
    of the implementation, ``len()``, and ``shm.size``."""
    sl = shareable_list_class(ctx)(values)
    _note("name", sl.shm.name)
    _held[label] = [sl, "list", True, False]
    return _list_facts(ctx, sl)


def _list_facts(ctx, sl):
    return (sl.shm.name, isinstance(sl.shm, module(ctx).SharedMemory), len(sl), sl.shm.size)


def attach_list(ctx, label, name):
    """``ShareableList(name=name)``: answers as :func:`make_list` does."""
    sl = shareable_list_class(ctx)(name=name)
    _held[label] = [sl, "list", False, False]
    return _list_facts(ctx, sl)


def items(ctx, label):
    """Every item, by its index from 0: ``[l[0], l[1], ...]`` up to ``len(l)``."""
    sl = _held[label][0]
    return [sl[i] for i in range(len(sl))]


def get(ctx, label, index):
    """``l[index]``."""
    return _held[label][0][index]


def put(ctx, label, index, value):
    """``l[index] = value``."""
    _held[label][0][index] = value


def count(ctx, label, value):
    """``l.count(value)``."""
    return _held[label][0].count(value)


def index(ctx, label, value):
    """``l.index(value)``."""
    return _held[label][0].index(value)


def list_format(ctx, label):
    """``l.format``."""
    return _held[label][0].format


# -- children ----------------------------------------------------------------------------------


def child(ctx, label, task, *args):
    """Start ``ctx.Process`` running :func:`_child_main`: in the child, :func:`task` (a function of
    this module, by name) runs with ``args`` and says what it saw; answers that once the child has
    ended and was joined. The worker's blocks stay open in the worker meanwhile."""
    port = _process._port()
    _process._become_parent(ctx)
    proc = ctx.Process(target=_child_main, args=(port, label, ctx, task, args))
    proc.start()
    try:
        _sock, facts = _process._await(label)
        _sock.close()
    finally:
        proc.join(WAIT)
        if proc.exitcode is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.join()
    if facts.get("error"):
        raise ChildFailed(facts["error"])
    return facts["result"]


class ChildFailed(Exception):
    """A child's task raised: the message names the exception."""


def _child_main(port, label, ctx, task, args):
    for sock in _process._listener:  # a forked child holds its worker's listener: not its own
        sock.close()
    del _process._listener[:]
    _held.clear()  # a forked child's copies of its worker's blocks are the worker's to close
    _managers.clear()
    import socket

    sock = socket.create_connection(("127.0.0.1", port), timeout=_process.CONNECT_TIMEOUT)
    try:
        result, error = globals()[task](ctx, *args), None
    except Exception as exc:
        result, error = None, "%s: %s" % (type(exc).__name__, exc)
    _process._send(sock, {"label": label, "result": result, "error": error})
    sock.close()


def peer_block(ctx, name, offset, length, data_offset, data):
    """In a child: attach to block ``name``, read ``length`` bytes at ``offset``, write ``data``
    at ``data_offset``, close. Answers the name and size seen and the bytes read."""
    shm = shared_memory_class(ctx)(name)
    try:
        seen = (shm.name, shm.size, bytes(shm.buf[offset:offset + length]))
        shm.buf[data_offset:data_offset + len(data)] = data
    finally:
        shm.close()
    return seen


def peer_list(ctx, name, writes, queries):
    """In a child: attach to list ``name``; answers its facts (as :func:`make_list`), every item,
    the items by negative index, then, after ``l[i] = v`` for each ``(i, v)`` of ``writes``, the
    outcome of each query (``("count", v)``, ``("index", v)``: ``("ok", result)`` or
    ``("raised", type name)``) and ``format``; closes."""
    sl = shareable_list_class(ctx)(name=name)
    try:
        facts = _list_facts(ctx, sl)
        n = len(sl)
        seen = [sl[i] for i in range(n)]
        backwards = [sl[i] for i in range(-n, 0)]
        for i, value in writes:
            sl[i] = value
        answers = []
        for what, value in queries:
            try:
                answers.append(("ok", getattr(sl, what)(value)))
            except Exception as exc:
                answers.append(("raised", type(exc).__name__))
        return facts, seen, backwards, answers, sl.format
    finally:
        sl.shm.close()


# -- SharedMemoryManager ---------------------------------------------------------------------


def manager(ctx, label, entered=False):
    """Start ``SharedMemoryManager(ctx=ctx)``: ``start()``, or ``__enter__()`` (a ``with``
    statement's entry) if ``entered``. Its process goes to the ledger."""
    _process._become_parent(ctx)
    before = set(_children_pids())
    smm = manager_class(ctx)(ctx=ctx)
    if entered:
        smm.__enter__()
    else:
        smm.start()
    for pid in set(_children_pids()) - before:
        _note("pid", pid)
    _managers[label] = (smm, entered)


def managed(ctx, label, mlabel, kind, arg):
    """``smm.SharedMemory(arg)`` (``kind`` ``"shm"``) or ``smm.ShareableList(arg)``; answers the
    name of the block and whether the system holds it."""
    smm = _managers[mlabel][0]
    if kind == "shm":
        obj = smm.SharedMemory(arg)
        name = obj.name
    else:
        obj = smm.ShareableList(arg)
        name = obj.shm.name
    _note("name", name)
    _held[label] = [obj, "list" if kind == "list" else "shm", True, False]
    return name, on_system(name)


def end_manager(ctx, mlabel):
    """End manager ``mlabel`` as it began: ``shutdown()``, or ``__exit__(None, None, None)`` (the
    end of its ``with`` block)."""
    smm, entered = _managers.pop(mlabel)
    if entered:
        smm.__exit__(None, None, None)
    else:
        smm.shutdown()


def _children_pids():
    """The pids of this process's children, from ``/proc`` (the operating system's view)."""
    me = str(os.getpid())
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == me:
            found.append(int(pid))
    return found


# -- a separate program: the resource tracker at exit -----------------------------------------


def program(ctx, track):
    """Run a separate Python process (``subprocess``: not a process of the kit's program, so it
    gets a resource tracker of its own) that creates a 16-byte block with ``track`` (the default
    if None) and exits without unlinking it. Answers the block's name and whether the system held
    it once that process and every process holding its standard error (its resource tracker) had
    exited; a block left there is then unlinked with ``os.unlink``."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    code = ("import pickle, sys; from ipc_spec.ops import shared_memory as ops; "
            "ops._orphan(pickle.loads(sys.stdin.buffer.read()), %r)" % (track,))
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(pickle.dumps(ctx), timeout=WAIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    text = out.decode("utf-8", "replace").strip()
    if proc.returncode != 0 or not text.startswith("name "):
        raise ChildFailed("the program ended with %s: %s" % (
            proc.returncode, err.decode("utf-8", "replace")[-500:]))
    name = text.split()[1]
    _note("name", name)
    left = on_system(name)
    if left:
        os.unlink(os.path.join(SHM_DIR, name.lstrip("/")))
    return name, left


def _orphan(ctx, track):
    """The separate program of :func:`program`: create a block, say its name, exit."""
    kwargs = {} if track is None else {"track": track}
    shm = shared_memory_class(ctx)(create=True, size=16, **kwargs)
    sys.stdout.write("name %s\n" % shm.name)
    sys.stdout.flush()
    shm.close()


# -- the end of a program -----------------------------------------------------------------------


def reap(ctx):
    """End the program: shut down the managers still running, close every block and list held,
    unlink (through the implementation) each one this program or its managers created and the
    program did not unlink, and remove with ``os.unlink`` any of them the system still holds.
    Answers the labels it unlinked."""
    unlinked = []
    for smm, _ in list(_managers.values()):
        try:
            smm.shutdown()
        except Exception:
            pass
    _managers.clear()
    for label, (obj, kind, created, gone) in sorted(_held.items()):
        shm = obj.shm if kind == "list" else obj
        try:
            shm.close()
        except Exception:
            pass
        if created and not gone:
            try:
                shm.unlink()
                unlinked.append(label)
            except Exception:  # gone already (a manager's, after its shutdown), or broken
                pass
        if created and on_system(shm.name):
            os.unlink(os.path.join(SHM_DIR, shm.name.lstrip("/")))
    _held.clear()
    del _ledger[:]
    return unlinked


def sweep(ctx, ledger):
    """After an example whose workers were killed: kill the manager processes its ledger names,
    and unlink each block it names that the system still holds (through the implementation, so
    that its resource tracker forgets it; with ``os.unlink`` if that fails). Answers the names
    it unlinked. The implementation's own module's SharedMemory, not one its context overrides:
    the sweep must not run into what the example found broken."""
    try:
        with open(ledger) as f:
            entries = [line.split(None, 1) for line in f.read().splitlines() if line.strip()]
    except OSError:
        return []
    left = []
    for kind, value in entries:
        if kind == "pid":
            try:
                os.kill(int(value), signal.SIGKILL)
            except OSError:
                pass
    for kind, value in entries:
        if kind == "name" and on_system(value):
            left.append(value)
            try:
                shm = module(ctx).SharedMemory(value)
                shm.close()
                shm.unlink()
            except Exception:
                try:
                    os.unlink(os.path.join(SHM_DIR, value.lstrip("/")))
                except OSError:
                    pass
    return left
