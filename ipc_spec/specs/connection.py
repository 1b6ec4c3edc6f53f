"""Pipe and Connection, as documented in ``multiprocessing`` ("Pipes and Queues", "Connection
Objects", ``multiprocessing.connection.wait``).

``Pipe(duplex=True)`` returns ``(conn1, conn2)``, two Connection objects, the ends of one pipe:

- **duplex** (default): either end can send to the other.
  **one-way** (``duplex=False``): ``conn1`` can only be used for receiving and ``conn2`` only for
  sending. The docs do not say how a use in the wrong direction is refused; CPython 3.8-3.13 raise
  OSError ("connection is read-only" / "write-only"). The kit asserts that it raises, and that the
  right direction still works.
- ``send(obj)`` sends a picklable object, ``recv()`` returns an object sent from the other end with
  ``send``: messages arrive **in order** and **equal** to what was sent. Very large pickles
  ("approximately 32 MiB+, though it depends on the OS") *may* raise ValueError: the kit accepts a
  ValueError from a send of 16 MiB or more and requires every other message of any size (it sends
  up to 40 MiB) to arrive **intact**.
- ``send_bytes(buf[, offset[, size]])`` sends byte data as one message: from position ``offset``,
  ``size`` bytes (all the rest if not given), i.e. ``buf[offset:offset + size]``;
  ``recv_bytes([maxlength])`` returns one complete message. If the message is longer than
  ``maxlength`` it raises OSError and "the connection will no longer be readable" (what a later
  read does is not documented: recorded, not asserted; CPython marks the end unreadable, or closes
  it if it is read-only).
- ``recv_bytes_into(buf[, offset])`` reads one complete message into ``buf`` from position
  ``offset`` and returns its length in bytes. ``offset`` must be a non-negative integer less than
  ``len(buf)`` in bytes. If the buffer is too short, BufferTooShort is raised and ``e.args[0]`` is
  the complete message.
- Offsets and sizes that cannot be honoured (``offset`` < 0 or past the end of the buffer,
  ``size`` < 0 or past the end) raise **ValueError**. The docs state the constraint for
  ``recv_bytes_into`` but name no exception; ValueError is what CPython 3.8-3.13 raise (and test),
  and the kit's brief (issue 3) makes it the contract. Whether a refused call still sends or
  reads is not documented: the kit makes such calls on a pipe that carries nothing else. CPython
  accepts ``offset == len(buf)`` in ``recv_bytes_into`` (the docs say it must be less): not
  generated.
- ``poll([timeout])`` returns whether there is data to read: without a timeout at once; with one,
  blocking at most that long. The kit asserts: False only when nothing arrived during the call,
  and then not before the timeout (nor :data:`~ipc_spec.specs.LATE` after it); True when data is
  there; True only when something was sent.
- ``recv()`` / ``recv_bytes()`` / ``recv_bytes_into()`` raise **EOFError** "if there is nothing
  left to receive and the other end was closed" (every copy of it, in every process): messages
  sent before the close are still received first.
- ``multiprocessing.connection.wait(object_list, timeout=None)`` waits till an object in the list
  is ready and returns the list of those that are: a Connection is ready when there is data to
  read or the other end was closed. It blocks at most ``timeout`` seconds (None: no limit; a
  negative timeout is a zero timeout). The kit asserts: only listed, ready objects are returned;
  all of those that were ready before the call began; ``[]`` only after the timeout (and not
  :data:`~ipc_spec.specs.LATE` after it).

The scenario object is :func:`pipe`: ``Pipe(duplex=...)`` as one object whose ends are ``.a``
(``conn1``) and ``.b`` (``conn2``). No documented operation brings a pipe back to its initial
state (nothing tells that no message is in flight, or that no copy of an end was closed), so a
pipe serves one example. :class:`Connection` is the sequential model of a pipe's two ends, for the
linearizability checker.

Not promised, so not checked: how a use of a one-way end in the wrong direction is refused (which
exception); what a read does after ``recv_bytes(maxlength)`` refused a longer message; whether a
call refused for a bad offset or size still sends or reads; reading from or writing to the same end
from two processes at once ("data in a pipe may become corrupted"), which no scenario does.
Recorded, not asserted (CPython 3.8-3.13 deviate from the plain reading of the docs): with an
``array.array`` of items wider than a byte, ``recv_bytes_into`` writes at ``offset`` rounded down
to a whole item, and a message whose length is not a whole number of items is cut to whole items
while the full length is returned. The kit generates aligned offsets and lengths for such arrays.
"""

from collections import Counter

from ..errors import HarnessError
from ..models import _NONE, _REQUIRED, Model, portable_key, show_key
from . import declare, expect, not_before, not_late, raised, returned

CLAUSES = declare(
    "connection",
    equality="an object sent with send() is returned by recv() at the other end equal to it, of "
             "the same types",
    order="messages arrive at the other end in the order they were sent",
    intact="a message of any size arrives complete and intact (only a send of about 32 MiB or "
           "more may raise ValueError instead)",
    send_bytes="send_bytes(buf, offset, size) sends buf[offset:offset + size] as one message",
    recv_bytes_into="recv_bytes_into(buf, offset) writes the whole message into buf from offset "
                    "and returns its length in bytes",
    buffer_too_short="recv_bytes_into a buffer too short for the message raises BufferTooShort, "
                     "whose args[0] is the complete message",
    bad_arguments="an offset or size send_bytes or recv_bytes_into cannot honour (outside the "
                  "buffer) raises ValueError",
    maxlength="recv_bytes(maxlength) returns a message no longer than maxlength and raises OSError "
              "for a longer one",
    one_way="in Pipe(duplex=False) conn1 can only receive and conn2 only send: a use in the wrong "
            "direction is refused, the right direction works",
    poll_data="poll() returns whether there is data to read: True when a message is waiting, "
              "False only when none has arrived",
    poll_timeout="poll(timeout) blocks at most timeout seconds, and returns False no sooner",
    eof="once every copy of the other end is closed, reads return what was sent, in order, then "
        "raise EOFError",
    wait_ready="connection.wait(object_list, timeout) returns the listed objects that are ready "
               "(data to read), every one that was ready when it was called",
    wait_timeout="connection.wait(object_list, timeout) blocks at most timeout seconds (a negative "
                 "one is zero), and returns [] no sooner",
)


def pipe(ctx, duplex=True):
    """``ctx.Pipe(duplex=duplex)`` as one scenario object ``{"a": conn1, "b": conn2}``: the ends are
    ``<name>.a`` and ``<name>.b``; in a one-way pipe ``b`` sends and ``a`` receives.

    ``duplex`` is passed by keyword, as the docs spell it; nothing depends on that any more. The
    harness's own plumbing is the operating system's (``ipc_spec._wire``), never the
    implementation's ``Pipe``: every ``Pipe`` a broken implementation replaces is an example's."""
    a, b = ctx.Pipe(duplex=duplex)
    return {"a": a, "b": b}


#: What an implementation that cannot build a Pipe, or hand one to a process, breaks.
pipe.clause = "connection"

#: A send of this many bytes or more may raise ValueError (the docs: "approximately 32 MiB+, though
#: it depends on the OS"); below it, a message must arrive intact.
MAY_BE_TOO_LARGE = 16 << 20


# -- what the docs promise, as functions -------------------------------------------------------


def sent_slice(data, offset=None, size=None):
    """What ``send_bytes(data, offset, size)`` sends: ``data[offset:offset + size]`` (from 0, to
    the end, when not given)."""
    start = 0 if offset is None else offset
    end = len(data) if size is None else start + size
    return bytes(data[start:end])


def send_args_valid(length, offset=None, size=None):
    """Whether ``send_bytes`` can honour ``offset`` and ``size`` for a buffer of ``length`` bytes."""
    start = 0 if offset is None else offset
    if start < 0 or start > length:
        return False
    return size is None or (size >= 0 and start + size <= length)


def into_offset_valid(length, offset):
    """Whether ``recv_bytes_into`` accepts ``offset`` for a buffer of ``length`` bytes (the docs:
    non-negative and less than the length; CPython also takes ``offset == length``)."""
    return offset is None or 0 <= offset <= length


def into_fits(length, message, offset=None):
    """Whether a message of ``message`` bytes fits a buffer of ``length`` bytes from ``offset``."""
    return (offset or 0) + message <= length


# -- checks ------------------------------------------------------------------------------------


def _show(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def check_messages(history, sends, recvs, expected, what="messages"):
    """``recvs`` (``connection:recv_canon`` macros, in program order) received ``expected`` (the
    :func:`~ipc_spec.ops.connection.conn_canon` of each payload sent by ``sends``, in order): equal
    messages, in order. A permutation of them is a ``connection.order`` violation, anything else a
    ``connection.equality`` one."""
    returned(history, sends, "connection.equality", "send() of a picklable object")
    returned(history, recvs, "connection.equality", "recv() of a sent object")
    got = [op.result for op in recvs]
    if got == list(expected):
        return
    first = next((i for i, (g, e) in enumerate(zip(got, expected)) if g != e),
                 min(len(got), len(expected)))
    expect(first < len(got) and first < len(expected), "connection.equality",
           "%s: %d messages received, %d sent" % (what, len(got), len(expected)), history, recvs)
    if Counter(got) == Counter(expected):
        at = list(expected).index(got[first])
        expect(False, "connection.order",
               "%s: recv() number %d returned the message sent as number %d, not in the order sent"
               % (what, first + 1, at + 1), history, [recvs[first], sends[at]])
    expect(False, "connection.equality",
           "%s: recv() number %d returned %s, not the object sent, %s" % (
               what, first + 1, _show(got[first]), _show(expected[first])),
           history, [recvs[first], sends[first]])


def check_blobs(history, sends, recvs):
    """Each ``connection:send_blob`` in ``sends`` and the matching ``connection:recv_blob`` in
    ``recvs`` (same order): the message arrived intact (same length and digest), unless the send
    raised ValueError at :data:`MAY_BE_TOO_LARGE` bytes or more, in which case an empty message
    stands in for it."""
    prop = "connection.intact"
    expect(len(sends) == len(recvs), prop, "%d sends but %d receives" % (len(sends), len(recvs)),
           history)
    for send, recv in zip(sends, recvs):
        size = send.step.args[1]
        returned(history, [recv], prop, "receiving a message of %d bytes" % size)
        if send.error == "ValueError" and size >= MAY_BE_TOO_LARGE:
            expect(recv.result[0] == 0, prop, "a send of %d bytes raised ValueError, yet %r arrived"
                   % (size, recv.result), history, [send, recv])
            continue
        returned(history, [send], prop, "sending a message of %d bytes" % size)
        expect(recv.result == send.result, prop,
               "a message of %d bytes arrived as (length, digest) %r, sent as %r" % (
                   size, recv.result, send.result), history, [send, recv])


def check_received_bytes(history, op, expected, prop, what):
    """``op`` (``recv_bytes``) returned exactly ``expected``."""
    returned(history, [op], prop, what)
    expect(op.result == expected, prop, "%s: received %s, expected %s" % (
        what, _show(op.result), _show(expected)), history, [op])


def check_into(history, op, message, length, offset, fill):
    """``op`` (``connection:recv_into`` of a ``length``-byte buffer filled with ``fill``, at
    ``offset``) of a ``message``: if it fits, the count is ``len(message)`` and the message is in
    the buffer from ``offset`` (``connection.recv_bytes_into``); if not, BufferTooShort carrying the
    whole message (``connection.buffer_too_short``). The rest of the buffer is not asserted."""
    start = offset or 0
    if into_fits(length, len(message), offset):
        prop = "connection.recv_bytes_into"
        returned(history, [op], prop, "recv_bytes_into a buffer that fits the message")
        expect(op.result[0] == "ok", prop, "a %d-byte message into %d bytes from %d raised "
               "BufferTooShort" % (len(message), length, start), history, [op])
        _, count, buf = op.result
        expect(count == len(message), prop, "recv_bytes_into returned %r for a %d-byte message"
               % (count, len(message)), history, [op])
        written = buf[start:start + len(message)]
        expect(written == message, prop, "the buffer holds %s from offset %d, not the message %s"
               % (_show(written), start, _show(message)), history, [op])
    else:
        prop = "connection.buffer_too_short"
        returned(history, [op], prop, "recv_bytes_into a buffer too short for the message")
        expect(op.result[0] == "BufferTooShort", prop,
               "a %d-byte message into %d bytes from offset %d: expected BufferTooShort, got %s"
               % (len(message), length, start, _show(op.result)), history, [op])
        expect(op.result[1] == message, prop, "BufferTooShort.args[0] is %s, not the whole "
               "message %s" % (_show(op.result[1]), _show(message)), history, [op])


def check_bad_arguments(history, ops):
    """Every op in ``ops`` (a ``send_bytes`` or ``recv_bytes_into`` with an offset or size it
    cannot honour) raised ValueError."""
    raised(history, ops, "ValueError", "connection.bad_arguments",
           "an offset or size outside the buffer")


def check_maxlength(history, op):
    """``op``, ``recv_bytes(maxlength)`` of a longer message, raised OSError."""
    raised(history, [op], "OSError", "connection.maxlength",
           "recv_bytes(maxlength) of a message longer than maxlength")


def check_refused(history, ops, what):
    """Every op in ``ops`` (a use of a one-way end in the wrong direction) raised something."""
    for op in ops:
        expect(not op.ok, "connection.one_way", "%s: %s was not refused: %s" % (
            what, op.step.describe(), op.outcome()), history, [op])


# -- poll ----------------------------------------------------------------------------------------


def check_poll_empty(history, op, timeout):
    """``op``, ``poll(timeout)`` (``poll()`` if None) while nothing was sent and none was sending:
    False (``connection.poll_data``), not before ``timeout`` and not :data:`~ipc_spec.specs.LATE`
    after it (``connection.poll_timeout``)."""
    returned(history, [op], "connection.poll_data", "poll() on an empty pipe")
    expect(op.result is False, "connection.poll_data",
           "poll() returned %r with nothing sent" % (op.result,), history, [op])
    seconds = timeout or 0.0
    not_before(history, op, seconds, op.start, "connection.poll_timeout", "poll(%r)" % (timeout,))
    not_late(history, op, seconds, op.start, "connection.poll_timeout", "poll(%r)" % (timeout,))


def check_poll_ready(history, op, timeout):
    """``op``, ``poll(timeout)`` while a sent message was waiting: True at once."""
    returned(history, [op], "connection.poll_data", "poll() with a message waiting")
    expect(op.result is True, "connection.poll_data",
           "poll(%r) returned %r with a message waiting" % (timeout, op.result), history, [op])
    not_late(history, op, 0.0, op.start, "connection.poll_data",
             "poll(%r) with a message waiting" % (timeout,))


def check_poll_race(history, op, timeout, sends):
    """``op``, ``poll(timeout)`` while ``sends`` (ops of another process) may be under way: False
    only if no send had ended when it began, and then not before ``timeout``; True only if a send
    had begun by the time it returned."""
    returned(history, [op], "connection.poll_data", "poll(%r)" % (timeout,))
    if op.result:
        expect(any(s.start <= op.end for s in sends), "connection.poll_data",
               "poll(%r) returned True before anything was sent" % (timeout,), history, [op] + sends)
        return
    before = [s for s in sends if s.ok and s.end < op.start]
    expect(not before, "connection.poll_data",
           "poll(%r) returned False though a message had been sent before it began" % (timeout,),
           history, [op] + before)
    not_before(history, op, timeout, op.start, "connection.poll_timeout", "poll(%r)" % (timeout,))
    not_late(history, op, timeout, op.start, "connection.poll_timeout", "poll(%r)" % (timeout,))


# -- end of file ---------------------------------------------------------------------------------


def check_eof(history, writer_ops, recvs, expected, finals):
    """After the writer sent ``expected`` (bytes messages) and closed its end (every other copy of
    it closed too), ``recvs`` (``recv_bytes``) got those messages in order and every op in
    ``finals`` (a read with nothing left) raised EOFError."""
    prop = "connection.eof"
    returned(history, writer_ops, prop, "the writer's sends and closes")
    for i, (op, message) in enumerate(zip(recvs, expected)):
        check_received_bytes(history, op, message, prop,
                             "message %d, sent before the other end was closed" % (i + 1))
    raised(history, finals, "EOFError", prop,
           "a read with nothing left to receive and the other end closed")


# -- wait ----------------------------------------------------------------------------------------


def _wait_basics(history, op, listed):
    returned(history, [op], "connection.wait_ready", "wait()")
    got = op.result
    expect(all(0 <= i < listed for i in got), "connection.wait_ready",
           "wait() returned an object that was not in object_list", history, [op])
    expect(len(set(got)) == len(got), "connection.wait_ready",
           "wait() returned an object twice: positions %r" % (got,), history, [op])


def check_wait_settled(history, op, listed, ready, timeout):
    """``op`` (``connection:wait`` over ``listed`` objects) while exactly those at positions
    ``ready`` had data waiting and nothing else was sent: returns those, at once; ``[]`` if none,
    and only after the timeout (a negative one is zero) and not :data:`~ipc_spec.specs.LATE` after
    it."""
    _wait_basics(history, op, listed)
    want = sorted(ready)
    expect(op.result == want, "connection.wait_ready",
           "wait() returned positions %r; the ready ones were %r" % (op.result, want), history, [op])
    seconds = max(0.0, timeout) if timeout is not None else 0.0
    if want:
        not_late(history, op, 0.0, op.start, "connection.wait_ready",
                 "wait(timeout=%r) with objects ready" % (timeout,))
    else:
        not_before(history, op, seconds, op.start, "connection.wait_timeout",
                   "wait(timeout=%r) with nothing ready" % (timeout,))
        not_late(history, op, seconds, op.start, "connection.wait_timeout",
                 "wait(timeout=%r) with nothing ready" % (timeout,))


def check_wait_race(history, op, listed, timeout, sends):
    """``op`` (``connection:wait`` over ``listed`` objects, ``timeout`` > 0) while ``sends`` (a
    dict: the position of the object that a send makes ready -> that send op) may be under way: it
    returns only objects whose send had begun by the time it returned; ``[]`` only if no send had
    ended when it began, and then not before the timeout."""
    _wait_basics(history, op, listed)
    for i in op.result:
        send = sends.get(i)
        expect(send is not None and send.start <= op.end, "connection.wait_ready",
               "wait() returned position %d before anything was sent to it" % i, history,
               [op] + ([send] if send is not None else []))
    if op.result:
        return
    before = [s for s in sends.values() if s.ok and s.end < op.start]
    expect(not before, "connection.wait_ready",
           "wait() returned [] though a message had been sent before it began", history,
           [op] + before)
    not_before(history, op, timeout, op.start, "connection.wait_timeout", "wait(timeout=%r)" % timeout)
    not_late(history, op, timeout, op.start, "connection.wait_timeout", "wait(timeout=%r)" % timeout)


# -- the sequential model (for the linearizability checker) --------------------------------------


class Connection(Model):
    """The two ends of a ``multiprocessing.Pipe(duplex=True)``, checked as one object.

    Map the pipe's name to this model (``{"p": Connection()}``): the checker gives it the ops on
    its ends ``"p.a"`` and ``"p.b"`` (``Pipe()`` returns ``(a, b)``); other end names can be given
    with ``ends``. What one end sends the other receives, in order:

    - ``send(obj)`` and ``send_bytes(buf, offset=0, size=None)`` append a message for the other end
      (for ``send_bytes``, the bytes of ``buf[offset:offset + size]``). A send that raised (an
      object that does not pickle, a bad offset or size: ValueError) sent nothing.
    - ``recv()`` returns the oldest message sent by the other end; ``recv_bytes(maxlength=None)``
      its bytes; ``recv_bytes_into(buffer, offset=0)`` the number of bytes, and raises
      BufferTooShort when they do not fit in ``buffer`` after ``offset`` (the message is consumed:
      it is in the exception). A message of one kind received with the other (``send`` then
      ``recv_bytes``: the pickle; ``send_bytes`` then ``recv``: the unpickled bytes) is consumed
      with any outcome, as the model does not pickle.
    - ``recv_bytes(maxlength)`` of a longer message raises OSError, "and the connection will no
      longer be readable": from then on anything is accepted from receiving calls on that end.
    - ``poll(timeout=0.0)`` returns whether there is anything to read: True when a message is
      waiting, False only when none is.
    - EOF: "``recv`` raises EOFError if there is nothing left to receive and the other end was
      closed", and ``poll`` is then True. Every copy of the other end must be closed, which the model
      cannot see; it accepts EOFError (and ``poll`` True) on an end with nothing to receive once some
      process has closed the other end in the history (so a scenario that relies on EOF must record
      the close).
    - ``close()`` closes the end *in the calling process* only (every process has its own copy); that
      process's later calls on it may raise (any error accepted, without effect). ``.closed`` is
      True after the calling process closed it; ``.readable`` / ``.writable`` follow ``duplex``.
    - ``duplex=False``: ``a`` can only receive and ``b`` only send; sending on ``a`` or receiving
      on ``b`` must raise (OSError in CPython; any error accepted).
    - ``fileno()`` is accepted without effect.

    "Data in a pipe may become corrupted if two processes (or threads) try to read from or write to
    the same end of the pipe at the same time": the model assumes a scenario does not do that.

    The state is ``(to_b, to_a, unreadable, peer_closed, closed)``: the messages in flight each way
    (oldest first, each ``(kind, key)`` with kind ``"obj"`` or ``"bytes"``), the ends no longer
    readable, the ends some process closed, and the ``(process, end)`` pairs closed.
    """

    name = "Connection"

    def __init__(self, duplex=True, ends=("a", "b")):
        Model.__init__(self, duplex=duplex, ends=tuple(ends))
        self.duplex = duplex
        self.ends = tuple(ends)

    def init(self):
        return ((), (), frozenset(), frozenset(), frozenset())

    def show(self, state):
        to_b, to_a, unreadable, peer_closed, closed = state

        def messages(queue):
            return "[%s]" % ", ".join(("bytes " if kind == "bytes" else "") + show_key(key)
                                      for kind, key in queue)

        a, b = self.ends
        text = "%s -> %s: %s; %s -> %s: %s" % (a, b, messages(to_b), b, a, messages(to_a))
        for end in sorted(unreadable):
            text += "; %s no longer readable" % self.ends[end]
        for end in sorted(peer_closed):
            text += "; %s closed in process %s" % (self.ends[end], ", ".join(
                str(p) for p, e in sorted(closed) if e == end))
        return text

    def _end(self, op):
        """0 for the first end, 1 for the second."""
        obj = op.obj
        for i, end in enumerate(self.ends):
            if obj == end or obj.endswith("." + end):
                return i
        raise HarnessError("the %s model has no end %r (its ends are %s)"
                           % (self.describe(), obj, ", ".join(self.ends)))

    def step(self, state, op):
        to_b, to_a, unreadable, peer_closed, closed = state
        call = op.call
        end = self._end(op)
        inbox = to_a if end == 0 else to_b
        if call in (".closed", ".readable", ".writable", "fileno"):
            if call == ".closed":
                return op.error is None and op.result is ((op.proc, end) in closed), state
            if call == ".readable":
                return op.error is None and op.result is (self.duplex or end == 0), state
            if call == ".writable":
                return op.error is None and op.result is (self.duplex or end == 1), state
            return True, state
        if call == "close":
            return True, (to_b, to_a, unreadable, peer_closed | frozenset([end]),
                          closed | frozenset([(op.proc, end)]))
        if op.error is not None and (op.proc, end) in closed:
            return True, state
        sending = call in ("send", "send_bytes")
        receiving = call in ("recv", "recv_bytes", "recv_bytes_into", "poll")
        if not (sending or receiving):
            raise self.unknown(op)
        if not self.duplex and (end == 0) == sending:
            return op.error is not None, state  # the wrong direction of a one-way pipe
        if sending:
            if call == "send":
                bound = self.bind(op, (("obj", _REQUIRED),), state)
                message = None if bound is None else ("obj", portable_key(bound["obj"]))
            else:
                bound = self.bind(op, (("buf", _REQUIRED), ("offset", 0), ("size", None)), state)
                message = None if bound is None else _bytes_message(bound)
            if bound is None or op.error is not None:
                return True, state
            if message is None:  # a bad offset or size that did not raise
                return False, state
            if end == 0:
                return True, (to_b + (message,), to_a, unreadable, peer_closed, closed)
            return True, (to_b, to_a + (message,), unreadable, peer_closed, closed)
        if end in unreadable:
            return True, state
        eof = (1 - end) in peer_closed and not inbox
        if call == "poll":
            bound = self.bind(op, (("timeout", 0.0),), state)
            if bound is None:
                return True, state
            if op.error is not None:
                return False, state
            if op.result is True:
                return bool(inbox) or eof, state
            return op.result is False and not inbox, state
        if call == "recv_bytes_into":
            bound = self.bind(op, (("buffer", _REQUIRED), ("offset", 0)), state)
        elif call == "recv_bytes":
            bound = self.bind(op, (("maxlength", None),), state)
        else:
            bound = self.bind(op, _NONE, state)
        if bound is None:
            return True, state
        if not inbox:
            return op.error == "EOFError" and eof, state
        (kind, key), rest = inbox[0], inbox[1:]
        consumed = (to_b, rest) if end == 0 else (rest, to_a)
        after = consumed + (unreadable, peer_closed, closed)
        if call == "recv":
            if kind != "obj":
                return True, after
            return op.error is None and portable_key(op.result) == key, after
        size = len(key[1]) if kind == "bytes" else None
        if call == "recv_bytes":
            maxlength = bound["maxlength"]
            if op.error is not None:
                if op.error in _OS_ERRORS and maxlength is not None and (
                        size is None or size > maxlength):
                    return True, consumed + (unreadable | frozenset([end]), peer_closed, closed)
                return False, state
            if kind != "bytes":
                return type(op.result) is bytes, after
            return portable_key(op.result) == key and (maxlength is None or size <= maxlength), after
        # recv_bytes_into
        space = _nbytes(bound["buffer"])
        offset = bound["offset"]
        if space is not None and not 0 <= offset <= space:
            return op.error == "ValueError", state  # checked before anything is read
        if op.error == "BufferTooShort":
            return (size is None or space is None or size > space - offset), after
        if op.error is not None:
            return False, state
        if kind != "bytes":
            return type(op.result) is int, after
        return op.result == size and (space is None or size <= space - offset), after


_OS_ERRORS = ("OSError", "IOError", "EnvironmentError")


def _nbytes(buffer):
    try:
        return memoryview(buffer).nbytes
    except TypeError:
        return None


def _bytes_message(bound):
    """The message ``send_bytes(buf, offset, size)`` sends, or None for a bad offset or size."""
    try:
        data = memoryview(bound["buf"]).cast("B")
    except TypeError:
        return None
    offset, size = bound["offset"], bound["size"]
    length = len(data)
    if offset < 0 or offset > length:
        return None
    if size is None:
        size = length - offset
    if size < 0 or offset + size > length:
        return None
    return ("bytes", portable_key(bytes(data[offset:offset + size])))


__all__ = [
    "CLAUSES", "pipe", "Connection", "MAY_BE_TOO_LARGE", "sent_slice", "send_args_valid",
    "into_offset_valid", "into_fits",
    "check_messages", "check_blobs", "check_received_bytes", "check_into", "check_bad_arguments",
    "check_maxlength", "check_refused", "check_poll_empty", "check_poll_ready", "check_poll_race",
    "check_eof", "check_wait_settled", "check_wait_race",
]
