"""Broken Pipes, Connections and connection.wait, and synchronization objects or queues that break
the inheritance rule: one broken promise each. ``@breaks("Pipe", build=_ends)`` makes each
Connection subclass an implementation whose ``Pipe`` gives ends of that class, bound here in snake
case (``HoldFirst`` -> ``hold_first``).

**Which Pipes are broken.** Every ``Pipe`` of the implementation: the harness uses none for itself
(its plumbing is the operating system's, ``ipc_spec._wire``), and the standard library's queues
make their pipes with ``multiprocessing.connection.Pipe``, not through the context, so the only
``Pipe`` calls are the suite's (``ipc_spec.specs.connection.pipe``, which passes ``duplex=`` by
keyword; nothing here depends on that).

**Pickling.** A broken end is a real Connection whose class was switched to a subclass defined
here. ``multiprocessing.reduction.register`` maps exact types, so the stdlib reducer for
Connection (a duplicated file descriptor) does not apply to a subclass: each subclass is
registered with :func:`_reduce`, which duplicates the descriptor the same way and rebuilds an
instance of the subclass, so the ends reach spawn and forkserver workers intact.

**connection.wait.** The kit takes ``wait`` from the module of the connection's class (see
``ipc_spec.ops.connection.conn_wait_function``): this module's :func:`wait` is the real one except
for the classes that break it.
"""

import multiprocessing.connection
from multiprocessing import reduction
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Lock

from . import Broken, breaks

_real_wait = multiprocessing.connection.wait
_NOTHING = object()


# -- plumbing: pickling the subclasses, replacing the example's Pipe ---------------------------


def _rebuild(cls, dup, readable, writable):
    conn = Connection(dup.detach(), readable, writable)
    conn.__class__ = cls
    return conn


def _reduce(conn):
    return _rebuild, (type(conn), reduction.DupFd(conn.fileno()), conn.readable, conn.writable)


def _registered(cls):
    reduction.register(cls, _reduce)
    return cls


def _ends(cls, real, *args, **kwargs):
    """``real.Pipe(*args, **kwargs)`` (``real``: the real context), its ends switched to ``cls``."""
    ends = real.Pipe(*args, **kwargs)
    for end in ends:
        end.__class__ = cls
    return ends


def _two_way(real, *args, **kwargs):
    """``Pipe`` that is duplex whatever the caller asked."""
    return real.Pipe(duplex=True)


def _nbytes(buf):
    with memoryview(buf) as m:
        return m.nbytes


def _write_at(buf, offset, data):
    with memoryview(buf) as m, m.cast("B") as b:
        b[offset:offset + len(data)] = data


# -- order and equality ------------------------------------------------------------------------


@breaks("Pipe", build=_ends)
@_registered
class HoldFirst(Connection):
    """Holds the first object sent back and sends it right after the second."""

    def send(self, obj):
        if not getattr(self, "_started", False):
            self._started = True
            self._held = obj
            return
        super().send(obj)
        held, self._held = getattr(self, "_held", _NOTHING), _NOTHING
        if held is not _NOTHING:
            super().send(held)


def _json_like(value):
    if type(value) in (list, tuple):
        return [_json_like(v) for v in value]
    if type(value) is dict:
        return {k: _json_like(v) for k, v in value.items()}
    return value


@breaks("Pipe", build=_ends)
@_registered
class TuplesAsLists(Connection):
    """Sends tuples as lists (as a JSON transport would)."""

    def send(self, obj):
        super().send(_json_like(obj))


# -- large messages ----------------------------------------------------------------------------


@breaks("Pipe", build=_ends)
@_registered
class TruncatesBig(Connection):
    """Cuts every message (pickled or raw) to its first MiB."""

    def _send_bytes(self, buf):
        super()._send_bytes(buf[:1 << 20] if len(buf) > 1 << 20 else buf)


# -- bytes -------------------------------------------------------------------------------------


@breaks("Pipe", build=_ends)
@_registered
class SliceIgnoresSize(Connection):
    """send_bytes(buf, offset, size) sends everything from ``offset`` on, whatever ``size``."""

    def send_bytes(self, buf, offset=0, size=None):
        if not _send_args_valid(_nbytes(buf), offset, size):
            return super().send_bytes(buf, offset, size)  # the real refusal
        return super().send_bytes(buf, offset)


def _send_args_valid(n, offset, size):
    return 0 <= offset <= n and (size is None or (size >= 0 and offset + size <= n))


@breaks("Pipe", build=_ends)
@_registered
class IntoIgnoresOffset(Connection):
    """recv_bytes_into(buf, offset) writes the message at the start of ``buf`` (it still checks
    the offset, and raises BufferTooShort when the message does not fit from it)."""

    def recv_bytes_into(self, buf, offset=0):
        if not 0 <= offset <= _nbytes(buf):
            return super().recv_bytes_into(buf, offset)  # the real refusal
        data = self.recv_bytes()
        if offset + len(data) > _nbytes(buf):
            raise multiprocessing.BufferTooShort(data)
        _write_at(buf, 0, data)
        return len(data)


@breaks("Pipe", build=_ends)
@_registered
class TruncatingInto(Connection):
    """recv_bytes_into a buffer too short for the message writes what fits and returns that many
    bytes, instead of raising BufferTooShort."""

    def recv_bytes_into(self, buf, offset=0):
        if not 0 <= offset <= _nbytes(buf):
            return super().recv_bytes_into(buf, offset)  # the real refusal
        data = self.recv_bytes()
        data = data[:_nbytes(buf) - offset]
        _write_at(buf, offset, data)
        return len(data)


@breaks("Pipe", build=_ends)
@_registered
class ClampsOffsets(Connection):
    """Offsets and sizes outside the buffer are clamped into it instead of raising ValueError."""

    def send_bytes(self, buf, offset=0, size=None):
        n = _nbytes(buf)
        offset = min(max(offset, 0), n)
        if size is not None:
            size = min(max(size, 0), n - offset)
        return super().send_bytes(buf, offset, size)

    def recv_bytes_into(self, buf, offset=0):
        return super().recv_bytes_into(buf, min(max(offset, 0), _nbytes(buf)))


@breaks("Pipe", build=_ends)
@_registered
class IgnoresMaxlength(Connection):
    """recv_bytes(maxlength) returns a message longer than ``maxlength``."""

    def recv_bytes(self, maxlength=None):
        return super().recv_bytes()


@breaks("Pipe", build=_ends)
@_registered
class StrictMaxlength(Connection):
    """recv_bytes(maxlength) raises OSError for a message exactly ``maxlength`` long, too."""

    def recv_bytes(self, maxlength=None):
        if maxlength is None:
            return super().recv_bytes()
        data = super().recv_bytes()
        if len(data) >= maxlength:
            raise OSError("bad message length")
        return data


# -- poll --------------------------------------------------------------------------------------


@breaks("Pipe", build=_ends)
@_registered
class EarlyPoll(Connection):
    """poll(timeout) does not wait for the timeout: it answers at once (a wide margin, so that no
    scheduling delay on a loaded machine can hide the early return)."""

    def poll(self, timeout=0.0):
        return super().poll(0.0 if timeout else timeout)


@breaks("Pipe", build=_ends)
@_registered
class PollTrueOnNothing(Connection):
    """poll() says there is data when there is none."""

    def poll(self, timeout=0.0):
        return True


@breaks("Pipe", build=_ends)
@_registered
class BlindPoll(Connection):
    """poll() and poll(0) never see a waiting message."""

    def poll(self, timeout=0.0):
        if timeout is not None and timeout <= 0:
            return False
        return super().poll(timeout)


# -- end of file -------------------------------------------------------------------------------


@breaks("Pipe", build=_ends)
@_registered
class NoEof(Connection):
    """Reads at end of file return nothing (None, or 0 bytes) instead of raising EOFError."""

    def recv(self):
        try:
            return super().recv()
        except EOFError:
            return None

    def recv_bytes(self, maxlength=None):
        try:
            return super().recv_bytes(maxlength)
        except EOFError:
            return None

    def recv_bytes_into(self, buf, offset=0):
        try:
            return super().recv_bytes_into(buf, offset)
        except EOFError:
            return 0


# -- connection.wait ---------------------------------------------------------------------------


@breaks("Pipe", build=_ends)
@_registered
class EarlyWait(Connection):
    """connection.wait over these does not wait for its timeout: it answers at once (see
    :func:`wait`)."""


@breaks("Pipe", build=_ends)
@_registered
class WaitAll(Connection):
    """connection.wait over these returns every object it was given once any is ready."""


def wait(object_list, timeout=None):
    """This implementation's ``multiprocessing.connection.wait``: the real one, broken for lists
    holding an :class:`EarlyWait` or a :class:`WaitAll`."""
    classes = {type(obj) for obj in object_list}
    if EarlyWait in classes and timeout is not None:
        timeout = 0
    ready = _real_wait(object_list, timeout)
    if WaitAll in classes and ready:
        return list(object_list)
    return ready


# -- the inheritance rule ----------------------------------------------------------------------


@breaks("Lock")
class FreeLock(Lock):
    """A Lock that pickles at any time (no "only through inheritance" RuntimeError)."""

    def __getstate__(self):
        sl = self._semlock
        return (sl.handle, sl.kind, sl.maxvalue, sl.name)


@breaks("Queue")
class EagerQueue(Queue):
    """A Queue whose put() pickles the object itself, raising there, instead of leaving it to the
    feeder thread."""

    def put(self, obj, block=True, timeout=None):
        reduction.ForkingPickler.dumps(obj)
        return super().put(obj, block, timeout)


#: Pipe(duplex=False) gives a duplex pair: neither end refuses the wrong direction.
two_way = Broken("connection.TwoWay", Pipe=_two_way)
