"""The kit's own plumbing, on the operating system alone: messages over sockets, and a shared board.

Nothing here goes through the implementation under test (its ``Connection``, ``RawArray`` or
pickler): a broken implementation cannot make the harness believe a reply arrived, lose a status,
or hang it. Standard library only; every worker imports this module.

- **Messages** are the standard library's ``pickle`` of plain data, framed by an 8-byte length, over
  stream sockets (AF_UNIX). :func:`recv` takes a deadline; past it, it raises :class:`Timeout`.
- **The board** is a small file mapped with ``mmap`` by the harness and by every worker of a crew:
  one 64-bit slot per worker for the step it is in (for deadlock reports), then the cells of the
  kit's instruments (:class:`~ipc_spec.objects.Cells`), then, per worker, where it is inside its step
  and since when (a *stage* and a time, for the nemesis: ``ipc_spec.nemesis``).
"""

import mmap
import os
import pickle
import select
import socket
import struct
import time

clock = time.monotonic  # CLOCK_MONOTONIC: one clock for every process of the machine

_HEADER = struct.Struct("!Q")
_SLOT = struct.Struct("q")
_STAGE = struct.Struct("qd")
#: Status slots on a board: the most workers a crew may have.
MAX_WORKERS = 64
#: Instrument cells on a board: what one example's :class:`~ipc_spec.objects.Cells` may hold.
MAX_CELLS = 1024
#: A worker's stage inside its current step (:meth:`Board.stage`): pausing or between steps, inside
#: the call, or waiting for a fault before the step begins.
OUTSIDE, IN_CALL, PARKED = 0, 1, 2
#: The environment variable that names the harness's own directory (its sockets and boards), set
#: by the host process for every process it starts; files the kit makes for an example go there, so
#: that they go with the directory whatever becomes of the process that made them.
SCRATCH_VARIABLE = "IPC_SPEC_SCRATCH"


def scratch_dir():
    """The harness's directory (:data:`SCRATCH_VARIABLE`), or the temporary directory outside a
    harness."""
    import tempfile

    return os.environ.get(SCRATCH_VARIABLE) or tempfile.gettempdir()


class Timeout(Exception):
    """Nothing (or not all of a message) arrived by the deadline."""


def send(sock, obj):
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)


def _exactly(sock, size, deadline):
    chunks = []
    while size:
        if deadline is not None:
            left = deadline - clock()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                raise Timeout()
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise EOFError("the peer closed the connection")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def recv(sock, deadline=None):
    """The next message on ``sock``; ``deadline`` (on :data:`clock`) bounds the wait for all of it.
    Raises :class:`Timeout`, or EOFError when the peer is gone."""
    (size,) = _HEADER.unpack(_exactly(sock, _HEADER.size, deadline))
    return pickle.loads(_exactly(sock, size, deadline))


def readable(socks, deadline):
    """Those of ``socks`` with something to read (or closed), waiting until ``deadline`` at most."""
    left = max(0.0, deadline - clock())
    return select.select(socks, [], [], left)[0]


def connect(address, timeout=60.0):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(address)
    sock.settimeout(None)
    return sock


class Board(object):
    """The shared board of one crew (see the module docstring), by its file's path."""

    SIZE = _SLOT.size * (MAX_WORKERS + MAX_CELLS) + _STAGE.size * MAX_WORKERS

    def __init__(self, path, create=False):
        self.path = path
        flags = os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0)
        fd = os.open(path, flags, 0o600)
        try:
            if create:
                os.ftruncate(fd, self.SIZE)
            self.map = mmap.mmap(fd, self.SIZE)
        finally:
            os.close(fd)

    def status(self, worker):
        return _SLOT.unpack_from(self.map, _SLOT.size * worker)[0]

    def set_status(self, worker, value):
        _SLOT.pack_into(self.map, _SLOT.size * worker, value)

    def stage(self, worker):
        """``(stage, since)``: :data:`OUTSIDE`, :data:`IN_CALL` or :data:`PARKED`, and the clock
        time it began (written by the worker before the status of a new step is read)."""
        return _STAGE.unpack_from(self.map, _SLOT.size * (MAX_WORKERS + MAX_CELLS)
                                  + _STAGE.size * worker)

    def set_stage(self, worker, stage, since):
        _STAGE.pack_into(self.map, _SLOT.size * (MAX_WORKERS + MAX_CELLS) + _STAGE.size * worker,
                         stage, since)

    def clear_cells(self, count):
        start = _SLOT.size * MAX_WORKERS
        self.map[start:start + _SLOT.size * count] = bytes(_SLOT.size * count)

    def cells(self, offset, count):
        return CellView(self.map, _SLOT.size * (MAX_WORKERS + offset), count)

    def close(self):
        try:
            self.map.close()
        except (BufferError, ValueError):
            pass


class CellView(object):
    """``count`` shared 64-bit integers on a board: ``.value`` is the first; ``cells[i]``,
    ``cells[i:j]`` (a list), ``len(cells)``. Plain memory: no lock, no atomic read-modify-write."""

    __slots__ = ("map", "base", "count")

    def __init__(self, map_, base, count):
        self.map = map_
        self.base = base
        self.count = count

    def _at(self, i):
        if not -self.count <= i < self.count:
            raise IndexError("cell %d of %d" % (i, self.count))
        return self.base + _SLOT.size * (i % self.count)

    def __len__(self):
        return self.count

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self.count))]
        return _SLOT.unpack_from(self.map, self._at(i))[0]

    def __setitem__(self, i, value):
        _SLOT.pack_into(self.map, self._at(i), value)

    @property
    def value(self):
        return self[0]

    @value.setter
    def value(self, value):
        self[0] = value

    def __repr__(self):
        return "<cells %s>" % self[:]
