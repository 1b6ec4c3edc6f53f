"""Worker-side operations of the Process family (standard library only): a worker is the parent of
the ``Process`` objects under test, which it starts with the implementation's context (the object
``ctx`` of the scenario) and keeps here by label, for the steps of one program.

The kit's own plumbing is the operating system's. Every child runs :func:`child`: it connects to a
TCP socket on the loopback interface that its worker listens on, tells what it sees of itself
(``os.getpid()``, its ``current_process()``, its ``parent_process()``), then waits for one command
(end in a given way, or start a process of its own). So the worker knows that a child is running,
and tells it when and how to end, without any primitive of the implementation; a child whose
worker is gone reads end-of-file and exits. :func:`ended` waits for a child's end with ``poll``
on that socket and ``os.waitid(WNOWAIT)`` (``/proc`` where there is no ``waitid``), which leave the
child for its ``Process`` to reap.
:func:`reap`, the last step of every program, kills what is left with ``os.kill`` and makes sure
it is reaped (by ``join`` first, so that the implementation's own bookkeeping stays true, then by
``os.waitpid``).
"""

import os
import pickle
import select
import signal
import socket
import struct
import sys
import time

#: Seconds a child takes to reach its worker, and a worker waits for it, before giving up.
CONNECT_TIMEOUT = 30.0
#: Seconds :func:`reap` gives a killed child's ``join`` before reaping it with ``os.waitpid``.
REAP_JOIN = 5.0
#: The exit status of a child whose worker went away.
ORPHANED = 70

_HEADER = struct.Struct("!I")
_children = {}  # label -> _Child, for the worker's current program
_pending = {}  # label -> (socket, facts) of children that called in before they were awaited
_listener = []  # [socket] once listening, in the process that listens
_mine = []  # in a child: the socket to its worker, open until the child's last instant


class ChildLost(Exception):
    """A child ended, or never called in, before it said what it sees."""


class _Child(object):
    __slots__ = ("proc", "sock", "facts")

    def __init__(self, proc, sock, facts):
        self.proc = proc
        self.sock = sock
        self.facts = facts


def _send(sock, obj):
    data = pickle.dumps(obj)
    sock.sendall(_HEADER.pack(len(data)) + data)


def _recv_exact(sock, size):
    chunks = []
    while size:
        chunk = sock.recv(size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _recv(sock):
    """One message, or None at end-of-file."""
    header = _recv_exact(sock, _HEADER.size)
    if header is None:
        return None
    data = _recv_exact(sock, _HEADER.unpack(header)[0])
    return None if data is None else pickle.loads(data)


def _readable(handle, timeout):
    """Whether ``handle`` (a socket or a descriptor) is readable, or at end-of-file, within
    ``timeout`` s. ``poll``, not ``select``: a worker that holds a large bank has descriptors past
    ``select``'s limit of 1024."""
    if not hasattr(select, "poll"):  # pragma: no cover - Windows
        return bool(select.select([handle], [], [], timeout)[0])
    poller = select.poll()
    poller.register(handle, select.POLLIN)
    return bool(poller.poll(max(0.0, timeout) * 1000.0))


def _package(ctx):
    """The name of the package ``ctx`` comes from (``multiprocessing``, ``multiprocess``,
    ``billiard``): where its ``current_process`` and ``active_children`` are."""
    import importlib

    for cls in type(ctx).__mro__:
        name = cls.__module__.split(".")[0]
        if name in ("builtins", "tests", "ipc_spec"):
            continue
        try:
            if hasattr(importlib.import_module(name), "active_children"):
                return name
        except ImportError:
            pass
    return "multiprocessing"


def _port():
    if not _listener:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        _listener.append(sock)
    return _listener[0].getsockname()[1]


# -- the child ---------------------------------------------------------------------------------


def child(port, label, package, ctx):
    """The target of every Process under test. Connects to its worker, says what it sees, then
    obeys: ``("end", how, arg)`` ends it (``"return"``, ``"exit"`` with ``sys.exit(arg)``,
    ``"raise"``, ``"signal"`` with ``os.kill(os.getpid(), arg)``); ``("spawn", label, daemon)``
    starts a process of its own, running this function too, and answers what happened;
    ``("call", "<family>:<function>", args)`` answers ``ipc_spec.ops.<family>.<function>(ctx,
    *args)`` (another family's operation run in a child)."""
    # A forked child must not hold its siblings' sockets open, nor a forked grandchild its parent's.
    held = [kept.sock for kept in _children.values()] + [conn for conn, _ in _pending.values()]
    for sock in held + _listener + _mine:
        sock.close()
    _children.clear()
    _pending.clear()
    del _listener[:], _mine[:]
    sys.stderr = open(os.devnull, "w")  # the traceback of a planned exception is not news
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_TIMEOUT)
    except OSError:  # the worker is gone
        os._exit(ORPHANED)
    sock.settimeout(None)
    _mine.append(sock)  # closed by the kernel as the process ends, not when this function returns
    import importlib

    mp = importlib.import_module(package)
    me = mp.current_process()
    finder = getattr(mp, "parent_process", None)
    parent = finder() if finder is not None else None
    _send(sock, {"label": label, "pid": os.getpid(), "name": me.name, "daemon": me.daemon,
                 "current_pid": me.pid, "parent_pid": None if parent is None else parent.pid,
                 "has_parent_process": finder is not None, "authkey": bytes(me.authkey)})
    while True:
        command = _recv(sock)
        if command is None:
            os._exit(ORPHANED)
        if command[0] == "call":
            _, function, args = command
            module, name = function.split(":")
            found = getattr(importlib.import_module("ipc_spec.ops." + module), name)
            _send(sock, found(ctx, *args))
            continue
        if command[0] == "spawn":
            _, glabel, daemon = command
            try:
                grandchild = ctx.Process(target=child, args=(port, glabel, package, ctx))
                grandchild.daemon = daemon
                grandchild.start()
            except Exception as exc:
                _send(sock, ("refused", type(exc).__name__))
            else:
                _send(sock, ("started", grandchild.pid))
            continue
        _, how, arg = command
        if how == "return":
            return
        if how == "exit":
            sys.exit(arg)
        if how == "exit_bare":
            sys.exit()
        if how == "raise":
            raise RuntimeError("raised in the child, as planned")
        if how == "signal":
            os.kill(os.getpid(), arg)
            while True:  # a signal whose default action ends the process ends it here
                time.sleep(1.0)


# -- the worker's steps ------------------------------------------------------------------------


def _await(label):
    """The socket and facts of child ``label``, once it called in; ChildLost if it did not within
    CONNECT_TIMEOUT. (Whether it died first is not asked of its Process: a child that never calls
    in holds its step until the example's deadline, which names it.)"""
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while label not in _pending:
        left = deadline - time.monotonic()
        if left <= 0 or not _readable(_listener[0], left):
            raise ChildLost("child %s did not call in within %.0f s" % (label, CONNECT_TIMEOUT))
        conn, _ = _listener[0].accept()
        conn.settimeout(CONNECT_TIMEOUT)
        facts = _recv(conn)
        conn.settimeout(None)
        if facts is None:
            conn.close()
            continue
        _pending[facts["label"]] = (conn, facts)
    return _pending.pop(label)


def start(ctx, label, daemon=None, title=None, authkey=None):
    """Make ``ctx.Process`` (named ``title`` if given, ``daemon`` and ``authkey`` set if not None)
    and start it; return once the child called in: what the parent saw before ``start()``
    (``pid``, ``exitcode``, ``is_alive()``, ``authkey``), ``is_alive()`` as ``start()`` returned,
    ``pid``, ``ident``, ``name``, ``daemon``, the worker's pid and ``current_process().authkey``,
    and what the child saw of itself."""
    _children.pop(label, None)
    port = _port()
    creator = _become_parent(ctx)
    kwargs = {} if title is None else {"name": title}
    proc = ctx.Process(target=child, args=(port, label, _package(ctx), ctx), **kwargs)
    before = {"pid": proc.pid, "exitcode": proc.exitcode, "alive": proc.is_alive(),
              "authkey": bytes(proc.authkey)}
    if daemon is not None:
        proc.daemon = daemon
    if authkey is not None:
        proc.authkey = authkey
    proc.start()
    alive = proc.is_alive()
    sock, facts = _await(label)
    _children[label] = _Child(proc, sock, facts)
    return _pairs({"before": before, "alive": alive, "pid": proc.pid, "ident": proc.ident,
            "name": proc.name, "daemon": proc.daemon, "worker": os.getpid(), "creator_daemon": creator,
            "worker_authkey": bytes(_current(ctx).authkey), "child": facts})


def _current(ctx):
    import importlib

    return importlib.import_module(_package(ctx)).current_process()


def ask(label, function, *args):
    """Ask child ``label`` to run another family's operation (``"<family>:<function>"``) with
    ``args``; its answer is read by :func:`answer`."""
    _send(_children[label].sock, ("call", function, args))


def answer(label):
    """What child ``label`` answered to :func:`ask`."""
    got = _recv(_children[label].sock)
    if got is None:
        raise ChildLost("child %s ended instead of answering" % label)
    return got


def _become_parent(ctx):
    """The worker's own daemon flag, once it is False. The kit's host starts its workers daemonic
    (so that they end with it), and a daemonic process may not create children: the first time, a
    worker sets ``current_process().daemon = False``, the documented attribute."""
    import importlib

    me = importlib.import_module(_package(ctx)).current_process()
    if me.daemon:
        me.daemon = False
    return me.daemon


def _pairs(record):
    """A dict as sorted ``(key, value)`` pairs, nested dicts too: plain data for the history."""
    return tuple(sorted((k, _pairs(v) if type(v) is dict else v) for k, v in record.items()))


def end(ctx, label, how, arg=None):
    """Tell child ``label`` to end: ``how`` is ``"return"``, ``"exit"`` (``sys.exit(arg)``),
    ``"raise"`` or ``"signal"`` (signal number ``arg``)."""
    _send(_children[label].sock, ("end", how, arg))


def spawn(ctx, label, glabel, daemon=True):
    """Ask child ``label`` to start a process ``glabel`` of its own (``daemon``); answers
    ``("started", pid)`` once that grandchild called in, or ``("refused", exception type)``."""
    parent = _children[label]
    _send(parent.sock, ("spawn", glabel, daemon))
    answer = _recv(parent.sock)
    if answer is None:
        raise ChildLost("child %s ended instead of answering" % label)
    if answer[0] == "started":
        sock, facts = _await(glabel)
        _children[glabel] = _Child(None, sock, facts)
    return answer


def gone(ctx, label):
    """Whether the process ``label`` has ended, by the operating system: its socket is at
    end-of-file (the kernel closes a process's descriptors as it ends)."""
    sock = _children[label].sock
    if not _readable(sock, 0):
        return False
    return sock.recv(1, socket.MSG_PEEK) == b""


def ended(ctx, label, timeout=CONNECT_TIMEOUT):
    """Wait, by the operating system, until child ``label`` has ended and is waitable (its socket
    at end-of-file, then ``os.waitid`` with WNOWAIT, which leaves it for its Process to reap);
    True, or False if its socket stayed open for ``timeout`` s."""
    kept = _children[label]
    if not _readable(kept.sock, timeout):
        return False
    if kept.sock.recv(1, socket.MSG_PEEK) != b"":
        return False  # it said something instead of ending
    _exited(kept.facts["pid"], timeout)
    return True


def _exited(pid, timeout):
    """Return once process ``pid``, whose descriptors are closed, has exited, without reaping it:
    ``os.waitid`` with WNOWAIT where there is one; else (PyPy 3.9) ``/proc/<pid>/stat`` read every
    millisecond until it shows a zombie or is gone, for at most ``timeout`` s; else at once."""
    if hasattr(os, "waitid"):
        try:
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        except ChildProcessError:  # not this process's child (forkserver), or reaped already
            pass
        return
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        try:
            with open("/proc/%d/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):  # reaped, or no /proc
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.001)


def join(ctx, label, timeout=None):
    """``proc.join()``, or ``proc.join(timeout)``; answers what it returned, and whether the child
    had ended when it returned (:func:`gone`, by the operating system)."""
    proc = _children[label].proc
    result = proc.join() if timeout is None else proc.join(timeout)
    return result, gone(ctx, label)


def alive(ctx, label):
    """``proc.is_alive()``."""
    return _children[label].proc.is_alive()


def exitcode(ctx, label):
    """``proc.exitcode``."""
    return _children[label].proc.exitcode


def method(ctx, label, name):
    """``proc.<name>()``: ``terminate``, ``kill`` or ``close``. When ``terminate()`` or ``kill()``
    raises, the kit kills the child itself (SIGKILL, ``os.kill``) before the exception is the
    step's outcome, so that the program's later steps do not wait for a child nobody ended."""
    kept = _children[label]
    try:
        return getattr(kept.proc, name)()
    except Exception:
        if name in ("terminate", "kill"):
            try:
                os.kill(kept.facts["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass
        raise


def sentinel(ctx, label, timeout=0.0):
    """Whether ``proc.sentinel`` is ready, by ``poll`` within ``timeout`` s."""
    handle = _children[label].proc.sentinel
    return _readable(handle, timeout)


def wait(ctx, timeout, *labels):
    """The implementation's ``connection.wait`` over the sentinels of ``labels`` with ``timeout``;
    answers the sorted labels whose sentinel it returned."""
    import importlib

    found = importlib.import_module(_package(ctx) + ".connection").wait
    handles = {_children[label].proc.sentinel: label for label in labels}
    return sorted(handles.get(h, "?") for h in found(list(handles), timeout))


def active(ctx):
    """The labels of this program's children that the implementation's ``active_children()``
    lists (by identity), sorted."""
    import importlib

    listed = importlib.import_module(_package(ctx)).active_children()
    return sorted(label for label, kept in _children.items()
                  if kept.proc is not None and any(p is kept.proc for p in listed))


def reap(ctx):
    """End the program: kill (``os.kill``, SIGKILL) every child or grandchild still running,
    reap every child, close every socket. Answers the labels that were still running."""
    running = []
    for label, kept in sorted(_children.items()):
        if not gone(ctx, label):
            running.append(label)
            try:
                os.kill(kept.facts["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass
    for label, kept in sorted(_children.items()):
        if kept.proc is not None:
            _reap(kept)
        kept.sock.close()
    _children.clear()
    for conn, _ in _pending.values():
        conn.close()
    _pending.clear()
    return running


def _reap(kept):
    pid = kept.facts["pid"]
    try:
        kept.proc.join(REAP_JOIN)
    except Exception:  # closed, or broken: the operating system reaps it below
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # join reaped it
        pass
