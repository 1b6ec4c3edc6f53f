"""Crews of worker processes and their banks of objects, as the harness (pytest's process) sees them.

The processes and the objects live in the host (:mod:`ipc_spec._host`); the harness keeps, for each
crew, which objects are handed out and which came back, talks to the workers on its own socket, and
reads their status on the crew's board (:mod:`ipc_spec._wire`). Nothing here calls the
implementation under test.
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import warnings
from typing import Any, Dict, List, Optional

from . import _child, _wire
from .errors import HarnessError, ImplementationWarning
from .objects import Make

#: Fresh objects of each kind a crew gets when an example first asks for it; the next crew gets twice
#: as many of a kind half used (up to BANK_MAX), half as many of a kind not used at all.
BANK_START = 32
BANK_MAX = 256
#: Objects of a kind announced by ``Env.provision`` but not yet asked for by an example.
BANK_PROVISIONED = 16
#: The same for a kind whose objects nearly always come back (``Make.recycled``).
RECYCLED_START = 4
RECYCLED_PROVISIONED = 2
#: Seconds a crew's workers may take to start, and the host to answer a request that builds objects
#: or starts processes (spawn under load is slow, but not this slow).
START_TIMEOUT = 120.0
#: Seconds a worker gets to leave once asked before it is killed.
STOP_TIMEOUT = 5.0
#: Characters of a worker's stderr a failure's message quotes at most (its end).
STDERR_LIMIT = 4000


def bank_sizes(make: Make):
    """``(start, provisioned)``: how many objects of ``make``'s kind a first bank holds when an
    example asks for it, and when it is only announced."""
    if make.recycled:
        return RECYCLED_START, RECYCLED_PROVISIONED
    return BANK_START, BANK_PROVISIONED


class HostGone(HarnessError):
    """The host process did not answer in time, or died; it was killed, and is started anew on the
    next request."""


class Host(object):
    """The harness's end of the host process (one per pytest process, shared by every env), and the
    socket on which workers call in."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ipc-spec-")
        self.address = os.path.join(self.dir, "workers")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.address)
        self.listener.listen(512)
        self.hellos: Dict[Any, Any] = {}  # (crew id, worker, pid) -> socket, not yet claimed
        self.crews = 0
        self.sock = None
        self.proc = None
        self.pending: List[Any] = []  # (request name, on_reply) of posted requests, in order
        self.pid = os.getpid()

    def _launch(self):
        ours, theirs = socket.socketpair()
        code = "from ipc_spec._host import main; main(%d)" % theirs.fileno()
        self.proc = subprocess.Popen([sys.executable, "-c", code], pass_fds=[theirs.fileno()],
                                     stdin=subprocess.DEVNULL)
        theirs.close()
        self.sock = ours
        self._exchange(("init", list(sys.path), os.getcwd(), self.dir), 60.0)

    def start(self) -> "Host":
        """Start the host process unless it runs."""
        if self.proc is None or self.proc.poll() is not None:
            self._launch()
        return self

    def call(self, *request, timeout=START_TIMEOUT):
        """Send ``request`` and return the host's answer; :class:`HostGone` past ``timeout``."""
        return self.start()._exchange(request, timeout)

    def post(self, *request, on_reply):
        """Send ``request`` without waiting: ``on_reply(value)`` (None if the host failed on it)
        runs when its answer is read, at the latest by the next :meth:`call` or :meth:`drain`.
        For work whose answer is not needed at once (resetting recycled objects)."""
        self.start()
        try:
            _wire.send(self.sock, request)
        except OSError:
            self.kill()
            raise HostGone("the host process is gone (%s)" % request[0]) from None
        self.pending.append((request[0], on_reply))

    def drain(self, timeout=START_TIMEOUT):
        """Read the answers of every posted request."""
        while self.pending:
            name, on_reply = self.pending[0]
            status, value = self._receive(name, timeout)
            self.pending.pop(0)
            on_reply(value if status == "ok" else None)

    def _receive(self, name, timeout):
        try:
            return _wire.recv(self.sock, _wire.clock() + timeout)
        except (_wire.Timeout, EOFError, OSError) as exc:
            self.kill()
            raise HostGone("the host process did not answer %s within %.0f s (%s); it was killed"
                           % (name, timeout, type(exc).__name__ or exc)) from None

    def _exchange(self, request, timeout):
        try:
            _wire.send(self.sock, request)
        except OSError:
            self.kill()
            raise HostGone("the host process is gone (%s)" % request[0]) from None
        self.drain(timeout)
        status, value = self._receive(request[0], timeout)
        if status != "ok":
            raise HarnessError("the host process failed on %s:\n%s" % (request[0], value))
        return value

    def new_crew_id(self):
        self.crews += 1
        return self.crews

    def board_path(self, cid):
        return os.path.join(self.dir, "board-%d" % cid)

    def claim(self, cid, worker, pid, deadline):
        """The socket of worker ``worker`` of crew ``cid``, process ``pid``, once it called in; None
        if it has not by ``deadline``. A hello from another process in that place (one of a start
        that failed and was killed, which may have called in before it died) is closed."""
        key = (cid, worker, pid)
        while key not in self.hellos:
            if not _wire.readable([self.listener], deadline):
                return None
            conn, _ = self.listener.accept()
            try:
                hello, crew, index, its_pid = _wire.recv(conn, _wire.clock() + 10.0)
            except (_wire.Timeout, EOFError, OSError, ValueError):
                conn.close()
                continue
            self.hellos[(crew, index, its_pid)] = conn
        for stale in [k for k in self.hellos if k[:2] == key[:2] and k != key]:
            self.hellos.pop(stale).close()
        return self.hellos.pop(key)

    def forget(self, cid):
        for key in [k for k in self.hellos if k[0] == cid]:
            self.hellos.pop(key).close()

    def kill(self):
        """Kill the host (its workers notice and leave within about 0.5 s), and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.sock is not None:
            self.sock.close()
        self.sock = self.proc = None
        self.pending = []

    def close(self):
        """Stop the host: it kills and reaps every worker it started."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.sock.close()  # end of file: the host shuts its crews down and exits
                self.proc.wait(STOP_TIMEOUT * 2)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
        for conn in self.hellos.values():
            conn.close()
        self.hellos = {}
        if os.getpid() == self.pid:
            self.listener.close()
            shutil.rmtree(self.dir, ignore_errors=True)


_HOSTS: Dict[Optional[str], Host] = {}  # start method -> this process's host for it
_HOSTS_PID: List[int] = []


def host(method: Optional[str] = None) -> Host:
    """This process's host for start method ``method``, started on first use and closed at exit.

    Each start method has a host of its own, so that the objects a start method's crews hold are
    the only ones in the process its workers are forked from: a child forked from a process that
    holds Manager proxies reconnects to their manager once for each (``BaseProxy._after_fork``),
    about a millisecond apiece, and the banks of the other methods' Manager flavours made every
    fork worker's start cost seconds."""
    if _HOSTS_PID != [os.getpid()]:
        _HOSTS.clear()
        if not _HOSTS_PID:
            atexit.register(close_host)
        _HOSTS_PID[:] = [os.getpid()]
    if method not in _HOSTS:
        _HOSTS[method] = Host()
    return _HOSTS[method]


def close_host():
    """Close every host of this process."""
    if _HOSTS_PID == [os.getpid()]:
        while _HOSTS:
            _HOSTS.popitem()[1].close()


class Crew(object):
    """Worker processes started together with a bank of shared objects, held by the host.

    ``bank`` maps a :attr:`Make.key` to ``(make, count)``: up to ``count`` objects of that kind are
    built in the host and inherited by every worker (fewer under forkserver when they hold file
    descriptors, but never fewer than ``need`` says the next example takes). A kind the
    implementation cannot build, or hand to a process, is in :attr:`errors` with what happened.
    """

    def __init__(self, host: Host, impl: str, method: str, size: int, bank: Dict[Any, Any],
                 need: Optional[Dict[Any, int]] = None):
        self.host = host
        self.impl = impl
        self.method = method
        self.size = size
        self.keys = list(bank)
        self.index = {key: i for i, key in enumerate(self.keys)}
        self.cid = host.new_crew_id()
        self.board_path = host.board_path(self.cid)
        self.board = _wire.Board(self.board_path, create=True)
        for i in range(size):
            self.board.set_status(i, -1)
        need = need or {}
        kinds = list(bank.values())
        self.socks: List[Any] = [None] * size
        self.pids: List[Optional[int]] = [None] * size
        self.ready = False
        self.dead = set()  # workers that died as planned (a "die" step), to be replaced
        try:
            counts, errors, parts, pids, flukes = host.call(
                "crew", self.cid, impl, method, size, kinds, [need.get(k, 0) for k in self.keys],
                host.address, self.board.path, os.getpid())
        except BaseException:
            self.board.close()
            os.unlink(self.board.path)
            raise
        for text in flukes:
            warnings.warn(ImplementationWarning(
                "%s under %r failed to start a crew's worker and then started it: %s"
                % (impl, method, text)), stacklevel=2)
        self.counts = dict(zip(self.keys, counts))
        #: key -> (how, what happened) for kinds this crew lacks: ``"absent"`` (the implementation
        #: has no such factory), ``"construct"`` (building one raised), ``"inherit"`` (it could not
        #: be handed to a process at its start).
        self.errors = {self.keys[k]: error for k, error in errors.items()}
        #: key -> {part: (clause, what happened)}: parts of compound objects the implementation
        #: could not build (``objects.Lacking``).
        self.parts = {self.keys[k]: lacking for k, lacking in parts.items()}
        self.pids = list(pids)
        self.used = {key: 0 for key in self.keys}  # objects handed out, from the start of the bank
        self.free = {key: [] for key in self.keys}  # recycled objects, handed out again first

    # -- workers -------------------------------------------------------------------------------

    def await_ready(self, workers=None, timeout=START_TIMEOUT):
        """Wait until every worker (or those given) called in; returns the workers that did not, and
        kills nothing."""
        workers = range(self.size) if workers is None else workers
        deadline = _wire.clock() + timeout
        missing = []
        for i in workers:
            got = None
            while got is None and _wire.clock() < deadline:
                got = self.host.claim(self.cid, i, self.pids[i],
                                      min(deadline, _wire.clock() + 0.25))
                if got is None and self.exited(i):
                    break
            if got is None:
                missing.append(i)
                continue
            self.socks[i] = got
        if not missing and len(workers) == self.size:
            self.ready = True
        return missing

    def exited(self, i) -> bool:
        """Whether worker ``i`` has ended (asked of the host)."""
        return self.host.call("exitcodes", self.cid).get(i) is not None

    def respawn(self):
        """Replace the workers that died as planned by new ones inheriting the same bank; returns
        their indices (they still have to call in), or None when one could not be started: the
        crew is then to be given up (an :class:`ImplementationWarning` says why)."""
        dead, self.dead = sorted(self.dead), set()
        for i in dead:
            if self.socks[i] is not None:
                self.socks[i].close()
                self.socks[i] = None
            if self.board is not None:  # what the dead worker left there is not the new one's
                self.board.set_status(i, -1)
                self.board.set_stage(i, _wire.OUTSIDE, 0.0)
        pids, flukes, failed = self.host.call("respawn", self.cid, dead)
        for text in flukes:
            warnings.warn(ImplementationWarning(
                "%s under %r failed to start a crew's worker again and then started it: %s"
                % (self.impl, self.method, text)), stacklevel=2)
        if failed is not None:
            warnings.warn(ImplementationWarning(
                "%s under %r could not start a crew's worker again (each attempt raised), so a "
                "new crew takes over: %s" % (self.impl, self.method, failed)),
                stacklevel=2)
            return None
        for i, pid in zip(dead, pids):
            self.pids[i] = pid
        return dead

    def alive(self) -> bool:
        return all(s is not None for i, s in enumerate(self.socks) if i not in self.dead)

    def status(self, i) -> int:
        """The step worker ``i`` is in (-1: none)."""
        return self.board.status(i)

    # -- the bank ------------------------------------------------------------------------------

    def short(self, makes) -> Dict[Any, int]:
        """The kinds among ``makes`` this crew has too few unused objects of, with how many are
        needed (a kind in :attr:`errors` is never short: asking for it fails the example)."""
        self.host.drain()  # objects given back come first
        need: Dict[Any, int] = {}
        for make in makes:
            if not isinstance(make, Make):
                continue
            need[make.key] = need.get(make.key, 0) + 1
        return {key: n for key, n in need.items()
                if key not in self.index
                or (key not in self.errors
                    and self.used[key] + n > self.counts[key] + len(self.free[key]))}

    def take(self, make: Make):
        """The bank slot of an unused (or recycled) object of ``make``'s kind (the caller checked
        :meth:`short`)."""
        if self.free[make.key]:
            return ("bank", self.index[make.key], self.free[make.key].pop())
        slot = self.used[make.key]
        self.used[make.key] = slot + 1
        return ("bank", self.index[make.key], slot)

    def give_back(self, lent, counted):
        """Recycle the objects ``lent`` (``(make, slot)`` pairs) that their reset brings back to
        their initial state: one request to the host for them all, whose answer is read later
        (:meth:`Host.post`; :meth:`short` reads it first); ``counted(n)`` is told how many."""

        def done(answers):
            answers = answers or []
            for (make, slot), ok in zip(lent, answers):
                if ok is True:
                    self.free[make.key].append(slot[2])
            counted(sum(1 for ok in answers if ok is True))

        self.host.post("reset", [(self.cid, slot[1], slot[2]) for _, slot in lent], on_reply=done)

    # -- the end -------------------------------------------------------------------------------

    def _close_socks(self, leave):
        """Close the harness's ends; with ``leave``, first ask those workers to leave. Returns the
        workers that were asked (the host kills the others: they have run nothing)."""
        told = []
        for i, sock in enumerate(self.socks):
            if sock is None:
                continue
            if leave:
                try:
                    _wire.send(sock, None)
                    told.append(i)
                except OSError:
                    pass
            sock.close()
        self.socks = [None] * self.size
        self.host.forget(self.cid)
        return told

    def stderr(self, i, limit=STDERR_LIMIT) -> str:
        """The end (``limit`` characters at most) of what worker ``i`` wrote to its stderr."""
        try:
            with open(_child.stderr_path(self.board_path, i), "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - limit))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def said(self, i) -> str:
        """What worker ``i`` wrote to its stderr, as the end of a failure's message."""
        text = self.stderr(i).rstrip()
        if not text:
            return "; it wrote nothing to its stderr"
        return "; the end of its stderr:\n" + "\n".join("  | " + line for line in text.splitlines())

    def _drop_board(self):
        if self.board is not None:
            self.board.close()
            try:
                os.unlink(self.board.path)
            except OSError:
                pass
            self.board = None
            for i in range(self.size):
                try:
                    os.unlink(_child.stderr_path(self.board_path, i))
                except OSError:
                    pass

    def release(self):
        """Ask the workers to leave (they exit once their current example is over); the host reaps
        them."""
        told = self._close_socks(leave=True)
        self._drop_board()
        self._tell("retire", self.cid, told)

    def stop(self):
        """Ask the workers to leave, then make sure they did."""
        told = self._close_socks(leave=True)
        self._drop_board()
        self._tell("stop", self.cid, STOP_TIMEOUT, told, timeout=STOP_TIMEOUT * 3)

    def kill(self):
        """SIGKILL every worker (the harness does it itself: it knows their pids), then have the
        host reap them."""
        for pid in self.pids:
            if pid is not None:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        self._close_socks(leave=False)
        self._drop_board()
        self._tell("kill", self.cid, timeout=STOP_TIMEOUT * 3)

    def _tell(self, *request, timeout=START_TIMEOUT):
        try:
            self.host.call(*request, timeout=timeout)
        except HarnessError:  # a host that cannot reap was killed: its workers leave by themselves
            pass
