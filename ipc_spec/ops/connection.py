"""Worker-side operations of the Pipe / Connection family (standard library only): what must run
where a message is received or sent (a canonical form or a digest of what arrived, a big message
built where it is sent, a buffer for ``recv_bytes_into``, the implementation's own
``connection.wait``). The parent imports :func:`conn_canon` too, to compute what must arrive."""

import sys


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


def recv_canon(conn):
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


def send_blob(conn, seed, size, raw=False):
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


def recv_blob(conn, raw=False):
    """``conn.recv_bytes()`` (``raw``) or ``conn.recv()``, answered as the :func:`conn_digest` of the
    message; ``(type name, None)`` if ``recv()`` returned something that is not bytes."""
    data = conn.recv_bytes() if raw else conn.recv()
    if type(data) is not bytes:
        return (type(data).__name__, None)
    return conn_digest(data)


def recv_into(conn, size, offset=None, typecode="B", fill=0xEE):
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
    from multiprocessing.connection import wait as found

    return found


def wait(obj, timeout, *conns):
    """``wait(list(conns), timeout)`` with the ``wait`` of ``obj``'s implementation
    (:func:`conn_wait_function`); answers the sorted positions in ``conns`` of the objects it
    returned (-1 for an object that was not in the list)."""
    ready = conn_wait_function(obj)(list(conns), timeout)
    found = []
    for item in ready:
        where = [i for i, c in enumerate(conns) if c is item]
        found.append(where[0] if where else -1)
    return sorted(found)
