"""Pipe and Connection properties (see ``ipc_spec.specs.connection`` for the semantics checked).

The properties are methods of :class:`ConnectionProperties`, bound to a *flavour*: an object that
builds the pair of Connections (``flavour.pipe(duplex)``: a scenario object whose ends are
``<name>.a``, ``conn1``, and ``<name>.b``, ``conn2``; in a one-way pair ``b`` sends and ``a``
receives, in a duplex one either end may be the sender). :class:`TestConnection` binds them to the
native ``ctx.Pipe``; :class:`TestListenerConnection` and :class:`TestInetConnection` to the
Connections of a Listener and its Client, over AF_UNIX and AF_INET (rows ``listener:connection.*``
and ``listener_inet:connection.*``).
"""

from hypothesis import example, given
from hypothesis import strategies as st

from ipc_spec.authoring import (Make, Ref, call, checks, macro, pauses, property_settings,
                                share_of_profile, timeouts)
from ipc_spec.ops import connection as ops
from ipc_spec.ops import listener as listener_ops
from ipc_spec.specs import connection as spec


class Native(object):
    """``ctx.Pipe(duplex=...)``, one scenario object (:func:`ipc_spec.specs.connection.pipe`); a
    pipe serves one example (no documented reset)."""

    name = "native"

    @staticmethod
    def pipe(duplex=True):
        return Make(spec.pipe, duplex)


@st.composite
def directions(draw):
    """``(duplex, sender end, receiver end)`` of the pipe ``p``."""
    duplex = draw(st.booleans())
    if duplex and draw(st.booleans()):
        return True, "p.a", "p.b"
    return duplex, "p.b", "p.a"


# -- messages: order and equality --------------------------------------------------------------

_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.complex_numbers()
            | st.text(max_size=12) | st.binary(max_size=24))
_KEYS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)


def payloads():
    """Picklable values: scalars (any float, -0.0 and NaN included), bytearrays, and lists,
    tuples, dicts, sets and frozensets of them, nested."""
    return st.recursive(
        _SCALARS | st.binary(max_size=24).map(bytearray),
        lambda inner: (st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple)
                       | st.dictionaries(_KEYS, inner, max_size=4) | st.sets(_KEYS, max_size=4)
                       | st.frozensets(_KEYS, max_size=4)),
        max_leaves=8)


@st.composite
def message_plans(draw):
    duplex, sender, receiver = draw(directions())
    forward = draw(st.lists(st.tuples(payloads(), pauses(), pauses()), min_size=2, max_size=6))
    backward = draw(st.lists(st.tuples(payloads(), pauses(), pauses()), max_size=3)) if duplex else []
    return duplex, sender, receiver, forward, backward


# -- large messages ----------------------------------------------------------------------------

#: Message sizes: empty, within, at and beyond the pipe's buffer, and up to tens of MiB (only the
#: first message of an example may be one of the two largest, to keep examples fast).
SMALL_BLOBS = (0, 1, 4093, (64 << 10) + 7, (1 << 20) + 3)
BLOB_SIZES = SMALL_BLOBS + ((16 << 20) + 5, 40 << 20)


def blobs(sizes):
    return st.tuples(st.sampled_from(sizes), st.booleans(), st.integers(0, 1 << 16), pauses())


@st.composite
def blob_plans(draw):
    duplex, sender, receiver = draw(directions())
    first = draw(blobs(BLOB_SIZES))
    return duplex, sender, receiver, [first] + draw(st.lists(blobs(SMALL_BLOBS), max_size=2))


# -- bytes: send_bytes slices, recv_bytes_into, BufferTooShort, bad arguments, maxlength ---------

FILL = 0xEE


@st.composite
def slice_exchanges(draw):
    data = draw(st.binary(max_size=96))
    offset = draw(st.none() | st.integers(0, len(data)))
    size = draw(st.none() | st.integers(0, len(data) - (offset or 0)))
    return ("slice", data, offset, size)


@st.composite
def into_exchanges(draw):
    """A message and a recv_bytes_into buffer: a bytearray, or an array of 4-byte ints with offsets
    and lengths in whole items (see the spec's note on unaligned ones)."""
    typecode = draw(st.sampled_from(["B", "i"]))
    unit = 1 if typecode == "B" else 4
    n = unit * draw(st.integers(0, 64 // unit))
    data = draw(st.binary(min_size=n, max_size=n))
    offset = draw(st.none() | st.integers(0, 32 // unit).map(lambda i: i * unit))
    start = offset or 0
    if n == 0 or draw(st.booleans()):  # room for the message, and some to spare
        length = max(start + unit, start + n + unit * draw(st.integers(0, 6)))
    else:  # short of it (BufferTooShort), with offset < length still
        length = start + unit * draw(st.integers(1, max(1, n // unit - 1)))
    return ("into", data, length, offset, typecode)


@st.composite
def limit_exchanges(draw):
    """recv_bytes(maxlength) of a message no longer than maxlength."""
    data = draw(st.binary(max_size=48))
    return ("limit", data, len(data) + draw(st.integers(0, 3)))


@st.composite
def bad_sends(draw):
    data = draw(st.binary(max_size=24))
    n = len(data)
    offset, size = draw(st.one_of(
        st.tuples(st.integers(-5, -1), st.none() | st.integers(0, n)),
        st.tuples(st.integers(n + 1, n + 5), st.none()),
        st.tuples(st.integers(0, n), st.integers(-5, -1)),
        st.integers(0, n).flatmap(lambda o: st.tuples(st.just(o), st.integers(n - o + 1, n - o + 5))),
    ))
    return ("bad_send", data, offset, size)


@st.composite
def bad_intos(draw):
    length = draw(st.integers(1, 32))
    offset = draw(st.integers(-5, -1) | st.integers(length + 1, length + 5))
    return ("bad_into", length, offset)


@st.composite
def byte_plans(draw):
    duplex, sender, receiver = draw(directions())
    kinds = (slice_exchanges(), into_exchanges(), limit_exchanges())
    every = [draw(kind) for kind in kinds]  # each kind at least once, in any order
    exchanges = draw(st.permutations(every + draw(st.lists(st.one_of(*kinds), max_size=4))))
    refusals = draw(st.lists(bad_sends(), min_size=1, max_size=2)) + draw(
        st.lists(bad_intos(), min_size=1, max_size=2))
    too_long = draw(st.none() | st.binary(min_size=1, max_size=48).flatmap(
        lambda d: st.tuples(st.just(d), st.integers(0, len(d) - 1))))
    return duplex, sender, receiver, exchanges, refusals, too_long


def _send_kwargs(offset, size):
    return dict(([("offset", offset)] if offset is not None else [])
                + ([("size", size)] if size is not None else []))


#: The documented cases at their boundaries, in one example: a slice from the middle, a message
#: into a buffer from an offset (a bytearray, an array of ints), one a byte too long for its
#: buffer, recv_bytes(maxlength) of a message exactly that long, offsets and sizes just outside,
#: and a message one byte longer than maxlength.
BYTES_EXAMPLE = (False, "p.b", "p.a", [
    ("slice", b"0123456789", 2, 3),
    ("into", b"abcd", 12, 4, "B"),
    ("into", b"abcdefgh", 12, 4, "i"),
    ("into", b"abcde", 8, 4, "B"),
    ("limit", b"xyz", 3),
], [("bad_send", b"abc", 4, None), ("bad_send", b"abc", 1, 3), ("bad_into", 8, 9)], (b"0123", 3))


# -- one-way pipes -----------------------------------------------------------------------------


@st.composite
def one_way_plans(draw):
    sends = draw(st.lists(st.sampled_from(["send", "send_bytes"]), min_size=1, max_size=2))
    polls = draw(st.lists(st.sampled_from([(), (0,), (0.01,)]), min_size=1, max_size=2))
    reads = draw(st.lists(st.sampled_from(["recv", "recv_bytes", "recv_bytes_into"]), max_size=2))
    payload = draw(st.binary(max_size=32))
    return sends, polls, reads, payload


def _wrong_read(end, name):
    if name == "recv_bytes_into":
        return call(end, name, bytearray(16))
    return call(end, name)


# -- poll ----------------------------------------------------------------------------------------


@st.composite
def poll_plans(draw):
    duplex, sender, receiver = draw(directions())
    waits = draw(st.tuples(timeouts(high=0.05), timeouts(high=0.05), timeouts(high=0.05)))
    return duplex, sender, receiver, waits, draw(pauses()), draw(st.binary(max_size=32))


# -- end of file -------------------------------------------------------------------------------


@st.composite
def eof_plans(draw):
    duplex, sender, receiver = draw(directions())
    messages = draw(st.lists(st.binary(max_size=48), max_size=4))
    finals = draw(st.lists(st.sampled_from(["recv", "recv_bytes", "recv_bytes_into"]), min_size=1,
                           max_size=2))
    return duplex, sender, receiver, messages, finals, draw(pauses()), draw(pauses())


# -- multiprocessing.connection.wait ------------------------------------------------------------

ENDS = ("p0.a", "p0.b", "p1.a", "p1.b")
PEER = {"p0.a": "p0.b", "p0.b": "p0.a", "p1.a": "p1.b", "p1.b": "p1.a"}


@st.composite
def wait_plans(draw):
    listed = draw(st.lists(st.sampled_from(ENDS), min_size=1, max_size=4, unique=True))
    ready = draw(st.lists(st.sampled_from(listed), unique=True))
    timeout = draw(st.sampled_from([None, -1.0, 0.0, 0.01, 0.02, 0.05]))
    if timeout is None and not ready:
        timeout = 0.01
    target = draw(st.sampled_from(listed))
    return listed, ready, timeout, target, draw(timeouts(high=0.05)), draw(pauses())


class ConnectionProperties(object):
    """The Pipe / Connection properties, for any flavour (class attribute ``flavour``)."""

    flavour = Native

    def pipes(self):
        """Both kinds of pair, to provision."""
        return [self.flavour.pipe(True), self.flavour.pipe(False)]

    @checks("connection.equality", "connection.order")
    @property_settings()
    @given(message_plans())
    @example(plan=(False, "p.b", "p.a", [((1, "one"), 0.0, 0.0), ([2.5, -0.0], 0.0, 0.0)], []))
    def test_messages(self, ipc_env, plan):
        """Objects sent with send() arrive through recv() equal and in the order sent, in each
        direction of a duplex pipe and through a one-way one. Each message is ``[number, payload]``,
        so that a reordering shows even among equal payloads."""
        duplex, sender, receiver, forward, backward = plan
        ipc_env.provision(self.pipes(), 2)
        programs = [
            [call(sender, "send", [i, m], pause=p) for i, (m, p, _) in enumerate(forward)]
            + [macro(sender, "connection:recv_canon", pause=q) for _, _, q in backward],
            [macro(receiver, "connection:recv_canon", pause=q) for _, _, q in forward]
            + [call(receiver, "send", [i, m], pause=p) for i, (m, p, _) in enumerate(backward)],
        ]
        history = ipc_env.run({"p": self.flavour.pipe(duplex)}, programs)
        for direction, (src, dst), items in (("forward", (0, 1), forward),
                                             ("backward", (1, 0), backward)):
            if not items:
                continue
            sends = [op for op in history.of(src) if op.call == "send"]
            recvs = [op for op in history.of(dst) if op.call == "@connection:recv_canon"]
            spec.check_messages(history, sends, recvs,
                                [ops.conn_canon([i, m]) for i, (m, _, _) in enumerate(items)],
                                "%s messages" % direction)

    @checks("connection.intact")
    @property_settings()
    @given(blob_plans())
    @example(plan=(False, "p.b", "p.a", [((1 << 20) + 3, True, 7, 0.0),
                                         ((1 << 20) + 3, False, 8, 0.0)]))
    def test_large_messages(self, ipc_env, plan):
        """Messages from empty to 40 MiB, sent with send() or send_bytes() while the receiver
        reads, arrive intact (same length and SHA-256): far beyond the pipe's buffer, a message is
        still one complete message."""
        duplex, sender, receiver, messages = plan
        ipc_env.provision(self.pipes(), 2)
        programs = [
            [macro(sender, "connection:send_blob", seed, size, raw=raw)
             for size, raw, seed, _ in messages],
            [macro(receiver, "connection:recv_blob", raw=raw, pause=p)
             for _, raw, _, p in messages],
        ]
        history = ipc_env.run({"p": self.flavour.pipe(duplex)}, programs)
        spec.check_blobs(history, history.of(0), history.of(1))

    @checks("connection.send_bytes", "connection.recv_bytes_into", "connection.buffer_too_short",
            "connection.bad_arguments", "connection.maxlength")
    @property_settings()
    @given(byte_plans())
    @example(plan=BYTES_EXAMPLE)
    def test_bytes(self, ipc_env, plan):
        """send_bytes(buf, offset, size) sends buf[offset:offset+size]; recv_bytes_into(buf,
        offset) writes the message from offset and returns its length, or raises BufferTooShort
        carrying the whole message; offsets and sizes outside the buffer raise ValueError;
        recv_bytes(maxlength) returns a message no longer than maxlength and raises OSError for a
        longer one."""
        duplex, sender, receiver, exchanges, refusals, too_long = plan
        ipc_env.provision(self.pipes(), 2)
        objects = ipc_env.allocate({"p": self.flavour.pipe(duplex),
                                    "q": self.flavour.pipe(duplex)}, 2)
        # The calls that must be refused go to pipe q, which carries nothing else: whether a
        # refused call still sends or reads is not documented, so it must not matter. q also
        # carries one spare message per refused recv_bytes_into, so that one that wrongly reads
        # never blocks.
        q_sender, q_receiver = "q" + sender[1:], "q" + receiver[1:]

        # Phase 1: the sender sends every message (a few KiB: within any pipe's buffer) and makes
        # the sends it must refuse; meanwhile the receiver makes the recv_bytes_into calls it must
        # refuse.
        sends = [call(sender, "send_bytes", ex[1], **_send_kwargs(ex[2], ex[3])) if ex[0] == "slice"
                 else call(sender, "send_bytes", ex[1]) for ex in exchanges]
        if too_long is not None:
            sends.append(call(sender, "send_bytes", too_long[0]))
        bad_sends_ = [call(q_sender, "send_bytes", r[1], **_send_kwargs(r[2], r[3]))
                      for r in refusals if r[0] == "bad_send"]
        bad_intos_ = [call(q_receiver, "recv_bytes_into", bytearray(r[1]), r[2])
                      for r in refusals if r[0] == "bad_into"]
        spares = [call(q_sender, "send_bytes", b"spare-%d" % i) for i in range(len(bad_intos_))]
        first = ipc_env.run(objects, [sends + bad_sends_ + spares, bad_intos_])
        done = first.of(0)
        spec.check_bad_arguments(first, done[len(sends):len(sends) + len(bad_sends_)] + first.of(1))
        spec.returned(first, done[:len(sends)] + done[len(sends) + len(bad_sends_):],
                      "connection.send_bytes", "send_bytes with a valid offset and size")

        # Phase 2: the receiver reads every message sent, in order, then the one too long.
        reads = []
        for ex in exchanges:
            if ex[0] == "slice":
                reads.append(call(receiver, "recv_bytes"))
            elif ex[0] == "limit":
                reads.append(call(receiver, "recv_bytes", ex[2]))
            else:
                reads.append(macro(receiver, "connection:recv_into", ex[2], ex[3], ex[4], FILL))
        if too_long is not None:
            reads.append(call(receiver, "recv_bytes", too_long[1]))
        second = ipc_env.run(objects, [reads])
        done = second.of(0)
        for op, ex in zip(done, exchanges):
            if ex[0] == "slice":
                spec.check_received_bytes(second, op, spec.sent_slice(ex[1], ex[2], ex[3]),
                                          "connection.send_bytes",
                                          "send_bytes(%d bytes, offset=%r, size=%r)"
                                          % (len(ex[1]), ex[2], ex[3]))
            elif ex[0] == "limit":
                spec.check_received_bytes(second, op, ex[1], "connection.maxlength",
                                          "recv_bytes(%d) of a %d-byte message"
                                          % (ex[2], len(ex[1])))
            else:
                spec.check_into(second, op, ex[1], ex[2], ex[3], FILL)
        if too_long is not None:
            spec.check_maxlength(second, done[-1])

    @checks("connection.one_way")
    @property_settings()
    @given(one_way_plans())
    @example(plan=(["send"], [()], ["recv"], b"x"))
    def test_one_way(self, ipc_env, plan):
        """In Pipe(duplex=False), conn1 (``a``) only receives and conn2 (``b``) only sends:
        sending on ``a``, and polling or reading on ``b``, is refused (CPython: OSError); ``b``
        still sends to ``a``."""
        sends, polls, reads, payload = plan
        ipc_env.provision(self.pipes(), 2)
        objects = ipc_env.allocate({"p": self.flavour.pipe(False)}, 2)
        first = ipc_env.run(objects, [
            [call("p.a", name, payload) for name in sends],
            [call("p.b", "poll", *args) for args in polls],
        ])
        spec.check_refused(first, first.ops, "Pipe(duplex=False)")
        if reads:  # a read that is not refused would block: only once polling was refused
            second = ipc_env.run(objects, [[_wrong_read("p.b", name) for name in reads]])
            spec.check_refused(second, second.ops, "Pipe(duplex=False)")
        third = ipc_env.run(objects, [[call("p.b", "send_bytes", payload)],
                                      [call("p.a", "recv_bytes")]])
        spec.returned(third, third.of(0), "connection.one_way", "send_bytes on the sending end")
        spec.check_received_bytes(third, third.of(1)[0], payload, "connection.one_way",
                                  "the receiving end of Pipe(duplex=False)")

    @checks("connection.poll_timeout", "connection.poll_data")
    @property_settings()
    @given(poll_plans())
    @example(plan=(False, "p.b", "p.a", (0.01, 0.01, 0.01), 0.0, b"x"))
    def test_poll(self, ipc_env, plan):
        """poll() answers at once and poll(timeout) blocks at most ``timeout``: False only while
        nothing has arrived, and then not before the timeout; True as soon as a message is waiting,
        and False again once it was read."""
        duplex, sender, receiver, (t1, t2, t3), pause, payload = plan
        ipc_env.provision(self.pipes(), 2)
        objects = ipc_env.allocate({"p": self.flavour.pipe(duplex)}, 2)
        empty = ipc_env.run(objects, [[call(receiver, "poll"), call(receiver, "poll", t1)]])
        spec.check_poll_empty(empty, empty.ops[0], None)
        spec.check_poll_empty(empty, empty.ops[1], t1)

        sent = ipc_env.run(objects, [[call(sender, "send_bytes", payload)]])
        spec.returned(sent, sent.ops, "connection.poll_data", "send_bytes")
        ready = ipc_env.run(objects, [[call(receiver, "poll"), call(receiver, "poll", t1),
                                       call(receiver, "poll", None), call(receiver, "recv_bytes"),
                                       call(receiver, "poll", t2)]])
        for op, timeout in zip(ready.ops, (None, t1, None)):
            spec.check_poll_ready(ready, op, timeout)
        spec.check_received_bytes(ready, ready.ops[3], payload, "connection.poll_data",
                                  "the message poll() saw")
        spec.check_poll_empty(ready, ready.ops[4], t2)

        race = ipc_env.run(objects, [[call(sender, "send_bytes", payload, pause=pause)],
                                     [call(receiver, "poll", t3)]])
        spec.check_poll_race(race, race.of(1)[0], t3, race.of(0))

    @checks("connection.eof")
    @share_of_profile(0.5)
    @given(eof_plans())
    @example(plan=(False, "p.b", "p.a", [b"last words"], ["recv_bytes"], 0.0, 0.0))
    def test_eof(self, ipc_env, plan):
        """Once every copy of one end is closed (each process closes the end it does not use, the
        sender closes its own after sending), the other end still receives what was sent, in
        order, and then every read raises EOFError. Every example starts new processes (no other
        process may hold a copy of an end): half the profile's examples."""
        duplex, sender, receiver, messages, finals, close_pause, read_pause = plan
        programs = [
            [call(receiver, "close")] + [call(sender, "send_bytes", m) for m in messages]
            + [call(sender, "close", pause=close_pause)],
            [call(sender, "close")] + [call(receiver, "recv_bytes") for _ in messages]
            + [_wrong_read(receiver, name)._replace(pause=read_pause if i == 0 else 0.0)
               for i, name in enumerate(finals)],
        ]
        history = ipc_env.run({"p": self.flavour.pipe(duplex)}, programs, fresh=True)
        reader = history.of(1)[1:]
        spec.check_eof(history, history.of(0), reader[:len(messages)], messages,
                       reader[len(messages):])

    @checks("connection.wait_timeout", "connection.wait_ready")
    @property_settings()
    @given(wait_plans())
    @example(plan=(["p0.a", "p0.b", "p1.a"], ["p1.a"], 0.01, "p0.b", 0.01, 0.0))
    @example(plan=(["p0.a", "p1.b"], [], 0.01, "p0.a", 0.01, 0.01))
    def test_wait(self, ipc_env, plan):
        """multiprocessing.connection.wait(object_list, timeout), taken from the connections' own
        implementation, returns exactly the listed connections with data waiting, at once; [] only
        once the timeout passed (a negative timeout is zero); while a message is on its way, only
        what was sent to."""
        listed, ready, timeout, target, race_timeout, pause = plan
        duplex = self.flavour.pipe(True)
        ipc_env.provision([duplex], 2)
        objects = ipc_env.allocate({"p0": duplex, "p1": duplex}, 2)
        refs = [Ref(end) for end in listed]
        if ready:
            sent = ipc_env.run(objects, [[call(PEER[end], "send_bytes", b"x") for end in ready]])
            spec.returned(sent, sent.ops, "connection.wait_ready", "send_bytes")
        settled = ipc_env.run(objects, [[macro(listed[0], "connection:wait", timeout, *refs)]
                                        + [call(end, "recv_bytes") for end in ready]])
        spec.check_wait_settled(settled, settled.ops[0], len(listed),
                                [listed.index(end) for end in ready], timeout)

        race = ipc_env.run(objects, [[call(PEER[target], "send_bytes", b"y", pause=pause)],
                                     [macro(listed[0], "connection:wait", race_timeout, *refs)]])
        spec.check_wait_race(race, race.of(1)[0], len(listed), race_timeout,
                             {listed.index(target): race.of(0)[0]})


class TestConnection(ConnectionProperties):
    """The native Pipe."""

    flavour = Native


class ListenerPairs(Native):
    """The Connections ``Listener(family=...).accept()`` and ``Client(listener.address)`` return
    (``ipc_spec.ops.listener.pair``): the ends of one duplex channel, over AF_UNIX."""

    name = "listener"
    family = "AF_UNIX"

    @classmethod
    def pipe(cls, duplex=True):
        return Make(listener_ops.pair, cls.family)


class InetPairs(ListenerPairs):
    """The same over AF_INET, on the loopback interface."""

    name = "listener_inet"
    family = "AF_INET"


class TestListenerConnection(ConnectionProperties):
    """A Listener's and a Client's Connections, over AF_UNIX. They are duplex: the one-way
    property is the Pipe's alone."""

    flavour = ListenerPairs
    test_one_way = None


class TestInetConnection(TestListenerConnection):
    """A Listener's and a Client's Connections, over AF_INET."""

    flavour = InetPairs
