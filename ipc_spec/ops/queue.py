"""Worker-side operations of the Queue family (Queue, JoinableQueue, SimpleQueue; standard library
only): put a tagged item (``macro(q, "queue:put", producer, seq, payload)``), get one and
answer with its tag and a fingerprint of its payload (``macro(q, "queue:get", ...)``), so that
big payloads never cross the harness's pipe. The parent uses :func:`queue_blob` and
:func:`queue_fingerprint` too, to know the fingerprint of what it asked a producer to put.
"""


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


def put(obj, producer, seq, payload=None, blob=None, method="put", args=(), **kwargs):
    """``obj.<method>((producer, seq, payload), *args, **kwargs)``: put a tagged item. With
    ``blob=(seed, size)`` the payload is ``queue_blob(seed, size)``, built here."""
    if blob is not None:
        payload = queue_blob(*blob)
    return getattr(obj, method)((producer, seq, payload), *args, **kwargs)


def get(obj, *args, **kwargs):
    """``obj.get(*args, **kwargs)`` (or ``method=``, e.g. ``get_nowait``), answering with
    ``(producer, seq, fingerprint of the payload)`` for a tagged item, ``(None, None,
    fingerprint)`` for any other item: big payloads need not cross back to the parent."""
    method = kwargs.pop("method", "get")
    item = getattr(obj, method)(*args, **kwargs)
    if type(item) is tuple and len(item) == 3:
        return (item[0], item[1], queue_fingerprint(item[2]))
    return (None, None, queue_fingerprint(item))
