"""Worker-side operations of the Listener family (standard library only): a worker keeps the
Listeners and Connections of one example here by label, across the phases of the example, and
:func:`done`, the last step of every example, closes them.

The implementation's ``Listener``, ``Client`` and ``wait`` are the context's attributes of those
names where it has them (a broken implementation sets them), else those of its package's
``connection`` module (``multiprocessing.connection``, ``multiprocess.connection``, ...).

What the kit needs for itself is the operating system's: a Listener's address reaches the process
that connects through a *mailbox*, instrument cells of the kit (:func:`post`, :func:`fetch`); the
kit learns a Connection's own socket address with ``socket.getsockname`` on a duplicate of its
descriptor; whether something still listens at an address, with a socket of its own; and a
hostile peer (:func:`hostile_client`, :func:`hostile_listener`) is a plain socket that speaks the
Connection's framing (a 4-byte big-endian length, then the message) and nothing else.
"""

import ast
import errno
import importlib
import os
import select
import socket
import struct

from .. import _wire
from . import process as _process

#: Seconds a hostile peer or a probe waits for the other side before giving up.
PEER_TIMEOUT = 30.0
#: Bytes a mailbox cell carries (7 of its 8, so that a cell is never negative).
_PER_CELL = 7
_FRAME = struct.Struct("!i")

_listeners = {}  # label -> Listener
_conns = {}  # label -> Connection
_sockets = []  # the kit's own sockets of this example (hostile peers, a hostile listener)
_paths = []  # the AF_UNIX paths made for this example, removed at its end
_serial = [0]


def api(ctx, name):
    """The implementation's ``Listener``, ``Client`` or ``wait``."""
    try:
        return getattr(ctx, name)
    except AttributeError:
        pass
    return getattr(importlib.import_module(_process._package(ctx) + ".connection"), name)




def _unique():
    _serial[0] += 1
    return "ipc-spec-%d-%d-%s" % (os.getpid(), _serial[0], os.urandom(4).hex())


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_address(kind):
    """A fresh address of ``kind``: ``"path"`` (a file name in the harness's directory),
    ``"abstract"`` (Linux's abstract namespace: a string that starts with a NUL byte), ``"inet"``
    (a free port on the loopback interface), ``"inet0"`` (port 0: any free port), or None."""
    if kind is None:
        return None
    if kind == "path":
        path = os.path.join(_wire.scratch_dir(), _unique())
        _paths.append(path)
        return path
    if kind == "abstract":
        return "\0" + _unique()
    if kind == "inet":
        return ("127.0.0.1", _free_port())
    if kind == "inet0":
        return ("127.0.0.1", 0)
    raise ValueError("unknown kind of address: %r" % (kind,))


def _key(ctx, spec):
    """An authkey from its description in a step: None, bytes, or ``"own"``, this process's
    ``current_process().authkey``."""
    if spec == "own":
        return own_key(ctx)
    return spec


def own_key(ctx):
    """This process's ``current_process().authkey``, as bytes."""
    return bytes(importlib.import_module(_process._package(ctx)).current_process().authkey)


# -- the mailbox -------------------------------------------------------------------------------


def post(box, address):
    """Write ``address`` (its ``repr``) into the cells ``box``: cell 0 its length in bytes, then
    seven bytes a cell."""
    data = repr(address).encode("utf-8")
    cells = -(-len(data) // _PER_CELL)
    if 1 + cells > len(box):
        raise ValueError("an address of %d bytes does not fit %d cells" % (len(data), len(box)))
    for i in range(cells):
        box[1 + i] = int.from_bytes(data[i * _PER_CELL:(i + 1) * _PER_CELL], "big")
    box[0] = len(data)


def fetch(box):
    """The address last posted in ``box``."""
    size = box[0]
    if size <= 0:
        raise LookupError("no address was posted")
    data = b""
    for i in range(-(-size // _PER_CELL)):
        part = min(_PER_CELL, size - i * _PER_CELL)
        data += box[1 + i].to_bytes(part, "big")
    return ast.literal_eval(data.decode("utf-8"))


# -- the scenario objects built in the kit's host -----------------------------------------------


def pair(ctx, family):
    """A connected pair ``{"a": accepted, "b": client}``: ``Listener(family=family)``, then
    ``Client(listener.address)`` and ``accept()``, without authentication (which needs the two
    sides at once); the listener is closed once it accepted."""
    listener = api(ctx, "Listener")(family=family)
    try:
        client = api(ctx, "Client")(listener.address)
        accepted = listener.accept()
    finally:
        listener.close()
    return {"a": accepted, "b": client}


pair.clause = "connection"


def socket_pair(ctx):
    """``socket.socketpair()`` as ``{"a": ..., "b": ...}``: sockets for ``connection.wait``."""
    a, b = socket.socketpair()
    return {"a": a, "b": b}


socket_pair.clause = "listener"


# -- the worker's steps ------------------------------------------------------------------------


def _fresh(ctx):
    """Close what an earlier example left (one that failed before its last phase, ``done``)."""
    if _listeners or _conns or _sockets:
        done(ctx)


def listen(ctx, box, label, family=None, kind=None, key=None):
    """``Listener(address, family, authkey=key)`` with a fresh address of ``kind``
    (:func:`make_address`), kept as ``label``; posts ``listener.address`` in ``box``. Answers
    ``(address given, listener.address)``."""
    _fresh(ctx)
    kwargs = {"family": family, "authkey": _key(ctx, key)}
    for attempt in range(3):
        address = make_address(kind)
        try:
            listener = api(ctx, "Listener")(address, **kwargs)
            break
        except OSError as exc:
            if kind != "inet" or attempt == 2 or "in use" not in str(exc):
                raise
    _listeners[label] = listener
    post(box, listener.address)
    return address, listener.address




def local_address(conn):
    """The address of the socket under Connection ``conn``, by the operating system."""
    sock = socket.socket(fileno=os.dup(conn.fileno()))
    try:
        return sock.getsockname()
    finally:
        sock.close()




def serve(ctx, label, conn, count):
    """``listener.accept()`` (kept as ``conn``), then ``count`` times: ``recv()`` a message and
    ``send(("back", message))``. Answers ``(last_accepted, messages received)``."""
    listener = _listeners[label]
    _conns[conn] = accepted = listener.accept()
    last = listener.last_accepted
    got = []
    for _ in range(count):
        message = accepted.recv()
        got.append(message)
        accepted.send(("back", message))
    return last, tuple(got)


def talk(ctx, box, conn, messages, key=None, family=None):
    """``Client(address posted in box, [family,] authkey=key)`` (kept as ``conn``), then for each
    message ``send()`` it and ``recv()`` the reply. Answers ``(the client socket's own address,
    replies)``."""
    kwargs = {"authkey": _key(ctx, key)}
    if family is not None:
        kwargs["family"] = family
    address = fetch(box)
    try:
        _conns[conn] = client = api(ctx, "Client")(address, **kwargs)
    except Exception:
        _unblock(address)
        raise
    local = local_address(client)
    back = []
    for message in messages:
        client.send(message)
        back.append(client.recv())
    return local, tuple(back)






def _unblock(address):
    """A socket of the kit's own connects to ``address`` and closes: an ``accept()`` that waits
    there for a Client that failed returns (or raises), instead of waiting for ever."""
    try:
        with _kit_socket(address) as sock:
            sock.connect(address)
    except OSError:
        pass


def close(ctx, label):
    """``listener.close()`` of the Listener ``label`` (it stays known, for later steps)."""
    _listeners[label].close()




def listening(ctx, box):
    """Whether something listens at the address posted in ``box``, by a socket of the kit's own
    that connects without blocking (and closes at once): True when it connects, or when the
    listener's queue is full (EAGAIN, AF_UNIX); False when the connection is refused or the address
    is gone."""
    address = fetch(box)
    family = socket.AF_INET if type(address) is tuple else socket.AF_UNIX
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setblocking(False)
        code = sock.connect_ex(address)
        if code == errno.EINPROGRESS:
            poller = select.poll()
            poller.register(sock, select.POLLOUT)
            poller.poll(PEER_TIMEOUT * 1000.0)
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    return code in (0, errno.EAGAIN, errno.EWOULDBLOCK)


def accept_closed(ctx, box, label):
    """``accept()`` on the Listener ``label`` once it was closed, made only when nothing listens
    at its address any more (:func:`listening`), so that an accept() that would wait is not made.
    Answers True once it returned a Connection; raises what accept() raised."""
    if listening(ctx, box):
        return "still listening"
    conn = _listeners[label].accept()
    conn.close()
    return True


def connect_closed(ctx, box):
    """``Client(address)`` to the address posted in ``box`` of a Listener that was closed, made
    only when nothing listens there any more (:func:`listening`): a Client to a Listener that
    still listens and never accepts may wait. Answers True once it returned a Connection; raises
    what Client() raised."""
    if listening(ctx, box):
        return "still listening"
    api(ctx, "Client")(fetch(box)).close()
    return True


def context(ctx, box, label, family=None, kind=None):
    """``with Listener(address, family) as entered:`` and, inside, ``with Client(address) as
    client:`` and ``with listener.accept() as accepted:`` with one message each way. Answers what
    each ``with`` gave (whether it was the object itself), what arrived, and afterwards whether
    the kit still reaches the listener's address, and whether each Connection is closed."""
    _fresh(ctx)
    listener = api(ctx, "Listener")(make_address(kind), family=family)
    _listeners[label] = listener
    post(box, listener.address)
    with listener as entered:
        client = api(ctx, "Client")(listener.address)
        with client as client_entered:
            accepted = listener.accept()
            with accepted as accepted_entered:
                client.send("ping")
                got = accepted.recv()
                accepted.send("pong")
                back = client.recv()
            accepted_closed = accepted.closed
        client_closed = client.closed
    return (("listener", entered is listener), ("client", client_entered is client),
            ("accepted", accepted_entered is accepted), ("messages", (got, back)),
            ("listening", listening(ctx, box)), ("client_closed", client_closed),
            ("accepted_closed", accepted_closed))


# -- hostile peers -----------------------------------------------------------------------------


def _frame(data):
    return _FRAME.pack(len(data)) + data


def _read_frame(sock):
    header = _process._recv_exact(sock, _FRAME.size)
    if header is None:
        return None
    return _process._recv_exact(sock, _FRAME.unpack(header)[0])


def _kit_socket(address):
    family = socket.AF_INET if type(address) is tuple else socket.AF_UNIX
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(PEER_TIMEOUT)
    _sockets.append(sock)
    return sock


def hostile_client(ctx, box, how, data=b""):
    """A peer of the kit's own connects to the address posted in ``box`` and does not
    authenticate: ``"answer"`` reads the challenge and answers ``data`` (not its digest);
    ``"oversize"`` reads it and sends a header that announces a message of 1 GiB; ``"close"`` reads
    it and closes; ``"silent"`` closes without reading. Then it closes, and answers what it read
    after its answer (None: end-of-file, else the bytes of the next message)."""
    sock = _kit_socket(fetch(box))
    sock.connect(fetch(box))
    after = None
    if how != "silent":
        _read_frame(sock)
    if how == "answer":
        sock.sendall(_frame(data))
        after = _read_frame(sock)
    elif how == "oversize":
        sock.sendall(_FRAME.pack(1 << 30))
    sock.close()
    return after


def hostile_listen(ctx, box):
    """A listening socket of the kit's own on a fresh AF_UNIX path, posted in ``box``."""
    _fresh(ctx)
    address = make_address("path")
    sock = _kit_socket(address)
    sock.bind(address)
    sock.listen(1)
    post(box, address)
    return address


def hostile_listener(ctx, how, data=b""):
    """The kit's listening socket accepts one connection and does not authenticate: ``"greet"``
    sends ``data`` as its first message instead of a challenge, and keeps the connection open;
    ``"close"`` closes it at once."""
    conn, _ = _sockets[-1].accept()
    _sockets.append(conn)
    if how == "greet":
        conn.sendall(_frame(data))
    else:
        conn.close()


def hostile_heard(ctx):
    """How many bytes the client of :func:`hostile_listener` sent it, read without waiting (0
    when it closed the connection itself)."""
    conn = _sockets[-1]
    if conn.fileno() < 0:
        return 0
    heard = 0
    while _process._readable(conn, 0):
        chunk = conn.recv(65536)
        if not chunk:
            break
        heard += len(chunk)
    return heard


# -- connection.wait over several kinds of objects --------------------------------------------


def wait_mixed(ctx, timeout, *items):
    """The implementation's ``connection.wait(objects, timeout)`` over ``items``: objects (a
    Connection, a socket) or ``("sentinel", label)``, the sentinel of a child of this worker
    (``ipc_spec.ops.process``). Answers the sorted positions of what it returned (-1 for an object
    not listed)."""
    objects = [_process._children[item[1]].proc.sentinel if type(item) is tuple else item
               for item in items]
    ready = api(ctx, "wait")(objects, timeout)
    found = []
    for obj in ready:
        where = [i for i, o in enumerate(objects) if o is obj or o == obj]
        found.append(where[0] if where else -1)
    return sorted(found)


def send_byte(ctx, obj):
    """One byte to ``obj``: ``send_bytes`` on a Connection, ``sendall`` on a socket."""
    if hasattr(obj, "send_bytes"):
        obj.send_bytes(b"x")
    else:
        obj.sendall(b"x")


# -- in a child (``ipc_spec.ops.process``'s ``call``) and its parent -----------------------------


def child_client(ctx, address, new_key=None):
    """In a child: ``current_process().authkey`` as it inherited it; then (if ``new_key``) set to
    ``new_key``; then ``Client(address, authkey=current_process().authkey)``, and one message each
    way. Answers ``(inherited key, outcome)``: ``("ok", reply)`` or ``("error",
    exception type)``."""
    me = importlib.import_module(_process._package(ctx)).current_process()
    inherited = bytes(me.authkey)
    if new_key is not None:
        me.authkey = new_key
    try:
        conn = api(ctx, "Client")(address, authkey=bytes(me.authkey))
        conn.send("from the child")
        reply = conn.recv()
        conn.close()
    except Exception as exc:
        return inherited, ("error", type(exc).__name__)
    return inherited, ("ok", reply)


def accept_child(ctx, box, label, child, new_key=None):
    """Tell child ``child`` to run :func:`child_client` (the ``call`` of ``ipc_spec.ops.process``),
    and meanwhile ``accept()`` on the Listener ``label`` and exchange one message. Answers the
    outcome of accept (``("ok", message)`` or ``("error", exception type)``), then the child's
    answer, and this worker's own ``current_process().authkey``."""
    _process.ask(child, "listener:child_client", fetch(box), new_key)
    try:
        conn = _listeners[label].accept()
        got = conn.recv()
        conn.send("from the parent")
        conn.close()
        mine = ("ok", got)
    except Exception as exc:
        mine = ("error", type(exc).__name__)
    answer = _process.answer(child)
    return mine, answer, own_key(ctx)


# -- the end of every example ------------------------------------------------------------------


def done(ctx):
    """Close every Listener and Connection of the example and the kit's own sockets, and remove
    the AF_UNIX paths made for it. Answers the labels of the example's Listeners."""
    for label in sorted(_conns):
        try:
            _conns[label].close()
        except Exception:
            pass
    for label in sorted(_listeners):
        try:
            _listeners[label].close()
        except Exception:
            pass
    for sock in _sockets:
        sock.close()
    for path in _paths:
        if os.path.exists(path):
            os.unlink(path)
    labels = sorted(_listeners)
    _conns.clear()
    _listeners.clear()
    del _sockets[:], _paths[:]
    return labels
