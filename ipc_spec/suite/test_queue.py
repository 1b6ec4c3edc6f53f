"""Queue, JoinableQueue and SimpleQueue properties (see ``ipc_spec.specs.queue`` for the semantics
checked).

The properties are methods of :class:`QueueProperties`, bound to a *flavour*: an object that builds
the queues (``flavour.queue(maxsize=None)``, ``flavour.joinable_queue()``,
``flavour.simple_queue()``) and states what differs between implementations of the same semantics:
``queue_fifo``, the FIFO scope of its Queue and JoinableQueue (``spec.PER_PRODUCER`` for
``multiprocessing.Queue``, whose feeder thread orders each producer's items only;
``spec.GLOBAL`` for a queue that is one FIFO for all producers, as a Manager's is).
:class:`TestQueue` binds them to the native ``ctx.Queue``, ``ctx.JoinableQueue`` and
``ctx.SimpleQueue``.

Items are tagged ``(producer, seq, payload)`` and put with the worker-side operation ``queue:put``
(``ipc_spec.ops.queue``); consumers ``queue:get`` them and answer with the tag and a fingerprint of
the payload, so payloads of several MiB (built in the producer from a drawn seed and size) never
cross the harness's pipe.
"""

import functools
import sys

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from ipc_spec.authoring import (Cells, Make, call, checks, macro, merged, on, pauses,
                                property_settings, raised, returned, share_of_profile,
                                timeouts)
from ipc_spec.ops import queue as ops
from ipc_spec.ops import manager
from ipc_spec.specs import queue as spec

MAXSIZE = 3
PIPE_BUFFER = 65536  # bytes a pipe holds on Linux before its writer blocks
BLOB_SIZES = (0, 1, PIPE_BUFFER - 1, PIPE_BUFFER, PIPE_BUFFER + 1, 300000, 1 << 20, (4 << 20) + 3)

#: The kinds of queue the strategies draw (by name; :meth:`QueueProperties.make` builds one).
BOUNDED = "Queue(%d)" % MAXSIZE
KINDS = ("Queue", BOUNDED, "JoinableQueue")


class Native(object):
    """``ctx.Queue``, ``ctx.JoinableQueue`` and ``ctx.SimpleQueue``. A queue has no documented
    reset: each serves one example."""

    name = "native"
    #: FIFO scope of Queue and JoinableQueue: "objects enqueued by the same process will always be
    #: in the expected order with respect to each other", while those of different processes may
    #: be received out of order (the feeder thread). A SimpleQueue is one FIFO in every flavour.
    queue_fifo = spec.PER_PRODUCER
    #: The kinds the flavour has (``"SimpleQueue"`` and :data:`KINDS`).
    kinds = ("SimpleQueue",) + KINDS

    @staticmethod
    def queue(maxsize=None):
        return Make("Queue") if maxsize is None else Make("Queue", maxsize)

    @staticmethod
    def joinable_queue():
        return Make("JoinableQueue")

    @staticmethod
    def simple_queue():
        return Make("SimpleQueue")


def long_timeout(env):
    """A get's timeout when an item is certainly coming: an Empty then means the item was lost.
    A quarter of the example's deadline (the shorter one the harness gives examples after a first
    deadlock, if so), so that a lost item is reported as such, not as a hang."""
    return env.budget() / 4


# -- payloads ----------------------------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=16), st.binary(max_size=32))
values = st.recursive(
    scalars,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.tuples(kids, kids),
                           st.dictionaries(st.one_of(st.text(max_size=6), st.integers()), kids,
                                           max_size=4)),
    max_leaves=10)
#: ``(seed, size)``: bytes built in the producer by ``ops.queue_blob``.
blobs = st.tuples(st.integers(0, 1000), st.sampled_from(BLOB_SIZES))
#: ``("value", payload)`` or ``("blob", (seed, size))``; shrinks towards small plain values.
items = st.one_of(values.map(lambda v: ("value", v)), values.map(lambda v: ("value", v)),
                  blobs.map(lambda b: ("blob", b)))


@functools.lru_cache(maxsize=32)
def blob_fingerprint(seed, size):
    return ops.queue_fingerprint(ops.queue_blob(seed, size))


def fingerprint(item):
    kind, value = item
    return blob_fingerprint(*value) if kind == "blob" else ops.queue_fingerprint(value)


def put_step(obj, producer, seq, item, pause=0.0, **kwargs):
    """The step that puts the tagged ``item`` (``kwargs``: ``method``, ``args`` of the put)."""
    kind, value = item
    if kind == "blob":
        return macro(obj, "queue:put", producer, seq, blob=value, pause=pause, **kwargs)
    return macro(obj, "queue:put", producer, seq, value, pause=pause, **kwargs)


# -- many producers, many consumers --------------------------------------------------------------

#: How a producer puts: ``put(x)``, ``put_nowait(x)`` (unbounded queues), ``put(x, True, long)``.
PUT_WAYS = ("put", "put_nowait", "put_timeout")


@st.composite
def transfer_plans(draw, kinds, max_items=6, phased_ok=True):
    kind = draw(st.sampled_from(kinds))
    producers = draw(st.integers(1, 3))
    consumers = draw(st.integers(1, 3))
    plan = [draw(st.lists(st.tuples(items, pauses(), st.sampled_from(PUT_WAYS)),
                          max_size=max_items)) for _ in range(producers)]
    total = sum(len(row) for row in plan)
    owners = draw(st.lists(st.integers(0, consumers - 1), min_size=total, max_size=total))
    get_pauses = draw(st.lists(pauses(), min_size=total, max_size=total))
    phased = phased_ok and kind != BOUNDED and draw(st.booleans())
    return kind, plan, consumers, owners, get_pauses, phased


def transfer_programs(plan, consumers, owners, get_pauses, get_step, put_kwargs):
    """Producer programs (process ``p`` puts items tagged ``(p, seq)``), consumer programs, and the
    fingerprint expected of each tag."""
    expected = {}
    producers = []
    for p, row in enumerate(plan):
        program = []
        for seq, (item, pause, way) in enumerate(row):
            expected[(p, seq)] = fingerprint(item)
            program.append(put_step("q", p, seq, item, pause, **put_kwargs(way)))
        producers.append(program)
    takers = [[] for _ in range(consumers)]
    for owner, pause in zip(owners, get_pauses):
        takers[owner].append(get_step(pause))
    return producers, takers, expected


def check_transfer(history, expected, fifo, delivery, across_producers=False):
    returned(history, history.select("q", spec.PUT), delivery, "a put on a queue with room")
    spec.check_fifo(history, "q", fifo, across_producers)
    spec.check_delivery(history, "q", expected, delivery)


@st.composite
def exit_plans(draw):
    producers = draw(st.integers(1, 2))
    consumers = draw(st.integers(1, 2))
    plan = [draw(st.lists(st.tuples(items, pauses(), st.just("put")), min_size=1, max_size=4))
            for _ in range(producers)]
    total = sum(len(row) for row in plan)
    owners = draw(st.lists(st.integers(0, consumers - 1), min_size=total, max_size=total))
    get_pauses = draw(st.lists(pauses(), min_size=total, max_size=total))
    return plan, consumers, owners, get_pauses


# -- bounded queues: Full ----------------------------------------------------------------------

#: Ways to put on a full queue: (method, args as a function of the timeout, timeout that applies).
FULL_WAYS = {
    "put_nowait": ("put_nowait", lambda t: (), lambda t: None),
    "put(block=False)": ("put", lambda t: (False,), lambda t: None),
    "put(block=False, timeout)": ("put", lambda t: (False, t), lambda t: None),
    "put(timeout)": ("put", lambda t: (True, t), lambda t: t),
}
FILL_WAYS = ("put", "put_nowait", "put_timeout")


@st.composite
def full_plans(draw):
    fillers = draw(st.integers(1, MAXSIZE))
    fill = draw(st.lists(st.tuples(st.integers(0, fillers - 1), st.sampled_from(FILL_WAYS),
                                   pauses()), min_size=MAXSIZE, max_size=MAXSIZE))
    tries = draw(st.lists(st.tuples(st.sampled_from(sorted(FULL_WAYS)), timeouts(high=0.1),
                                    pauses()), min_size=1, max_size=3))
    getter, putter, drainer = draw(st.lists(st.integers(0, 3), min_size=3, max_size=3))
    return fill, tries, getter, putter, drainer


# -- Empty ---------------------------------------------------------------------------------------

#: Ways to get from an empty queue: (args as a function of the timeout, macro kwargs, timeout that
#: applies).
EMPTY_WAYS = {
    "get(timeout)": (lambda t: (), lambda t: {"timeout": t}, lambda t: t),
    "get(True, timeout)": (lambda t: (True, t), lambda t: {}, lambda t: t),
    "get(block=False)": (lambda t: (False,), lambda t: {}, lambda t: None),
    "get(block=False, timeout)": (lambda t: (False, t), lambda t: {}, lambda t: None),
    "get_nowait": (lambda t: (), lambda t: {"method": "get_nowait"}, lambda t: None),
}


@st.composite
def empty_plans(draw):
    drained = draw(st.integers(0, 3))
    procs = draw(st.integers(1, 4))
    tries = [draw(st.lists(st.tuples(st.sampled_from(sorted(EMPTY_WAYS)), timeouts(), pauses()),
                           min_size=1, max_size=2)) for _ in range(procs)]
    return drained, tries


# -- close ---------------------------------------------------------------------------------------

AFTER_CLOSE = {
    "put": call("q", "put", (0, 99, None)),
    "put_nowait": call("q", "put_nowait", (0, 99, None)),
    "get(timeout)": call("q", "get", timeout=0.01),
    "get_nowait": call("q", "get_nowait"),
}


@st.composite
def close_plans(draw):
    plan = draw(st.lists(st.tuples(items, pauses()), max_size=4))
    join = draw(st.booleans())
    after = draw(st.lists(st.sampled_from(sorted(AFTER_CLOSE)), min_size=1, max_size=4))
    get_pauses = draw(st.lists(pauses(), min_size=len(plan), max_size=len(plan)))
    return plan, join, after, get_pauses


# -- JoinableQueue -------------------------------------------------------------------------------


#: Seconds the last task waits for a joiner's word (see test_join) before it is done anyway.
GATE = 0.1
#: The gate: a cell of the kit's own shared memory, never a primitive of the implementation.
GATE_CELL = Cells(1)


@st.composite
def join_plans(draw):
    producers = draw(st.integers(1, 2))
    count = draw(st.integers(1, 6))
    put_owners = draw(st.lists(st.integers(0, producers - 1), min_size=count, max_size=count))
    consumers = draw(st.integers(1, 3))
    get_owners = draw(st.lists(st.integers(0, consumers - 1), min_size=count - 1,
                               max_size=count - 1))
    done_pauses = draw(st.lists(pauses(), min_size=count, max_size=count))
    joiners = draw(st.lists(pauses(), min_size=1, max_size=2))
    gated = draw(st.booleans().map(lambda b: not b))  # shrinks towards True
    return put_owners, get_owners, consumers, done_pauses, joiners, gated


# -- SimpleQueue ---------------------------------------------------------------------------------


@st.composite
def simple_empty_plans(draw):
    readers = draw(st.integers(1, 3))
    count = draw(st.integers(1, 6))
    owners = draw(st.lists(st.integers(0, 2), min_size=count, max_size=count))
    payloads = draw(st.lists(values, min_size=count, max_size=count))
    return readers, owners, payloads


# -- linearizability -----------------------------------------------------------------------------

#: What a process may do in a mixed scenario, by kind: nothing that could block for ever.
MIXED_WAYS = {
    "Queue": ("put", "put_nowait", "get(timeout)", "get_nowait"),
    BOUNDED: ("put_nowait", "put(timeout)", "get(timeout)", "get_nowait"),
    "JoinableQueue": ("put", "put_nowait", "get(timeout)", "get_nowait", "task_done"),
    "SimpleQueue": ("put", "get"),
}


@st.composite
def mixed_plans(draw):
    kind = draw(st.sampled_from(sorted(MIXED_WAYS)))
    procs = draw(st.integers(2, 4))
    programs = [draw(st.lists(st.tuples(st.sampled_from(MIXED_WAYS[kind]), timeouts(high=0.05),
                                        pauses()), min_size=1, max_size=5))
                for _ in range(procs)]
    if kind == "SimpleQueue":
        # A get() there waits for ever: every process puts first (a small put never blocks), and
        # there are no more gets than puts, so that every get finds an item whatever the schedule.
        room = sum(way == "put" for row in programs for way, _, _ in row)
        kept = []
        for row in programs:
            mine = [step for step in row if step[0] == "put"]
            for step in row:
                if step[0] == "get" and room:
                    room -= 1
                    mine.append(step)
            kept.append(mine)
        programs = kept
    return kind, programs


def mixed_step(way, p, seq, timeout, pause):
    if way == "put":
        return put_step("q", p, seq, ("value", seq), pause)
    if way == "put_nowait":
        return put_step("q", p, seq, ("value", seq), pause, method="put_nowait")
    if way == "put(timeout)":
        return put_step("q", p, seq, ("value", seq), pause, args=(True, timeout))
    if way == "get(timeout)":
        return macro("q", "queue:get", timeout=timeout, pause=pause)
    if way == "get_nowait":
        return macro("q", "queue:get", method="get_nowait", pause=pause)
    if way == "get":
        return macro("q", "queue:get", pause=pause)
    return call("q", "task_done", pause=pause)


# -- stateful --------------------------------------------------------------------------------------

STATEFUL_PROCS = 3
stateful_procs = st.integers(0, STATEFUL_PROCS - 1)


class QueueMachine(RuleBasedStateMachine):
    """A Queue of ``flavour`` (``flavour.queue()``) driven one phase at a time in ``env``: puts,
    gets, get_nowait()s, a put racing a get and racing gets from different processes, checked
    against a model of what the queue may hold (:class:`~ipc_spec.specs.queue.QueueModel`, with
    the flavour's FIFO scope); at the end the queue holds exactly what the model holds."""

    def __init__(self, env, flavour):
        super().__init__()
        self.env = env
        self.flavour = flavour
        self.make = flavour.queue()
        self.objects = env.allocate({"q": self.make}, STATEFUL_PROCS)
        self.model = spec.QueueModel(flavour.queue_fifo)
        self.seq = [0] * STATEFUL_PROCS
        self.fingerprints = {}
        self.histories = []
        self.clean = True  # no step failed: teardown may check what is left

    def taking(self, **kwargs):
        return macro("q", "queue:get", **kwargs)

    def waiting(self):
        """A get for an item that is in the queue."""
        return self.taking(timeout=long_timeout(self.env))

    def run(self, programs):
        self.clean = False
        history = self.env.run(self.objects, programs)
        self.histories.append(history)
        return history

    def new_item(self, p, value):
        seq = self.seq[p]
        self.seq[p] += 1
        self.fingerprints[(p, seq)] = ops.queue_fingerprint(value)
        self.model.put(p, seq, self.fingerprints[(p, seq)])
        return put_step("q", p, seq, ("value", value))

    @rule(p=stateful_procs, batch=st.lists(values, min_size=1, max_size=4))
    def put(self, p, batch):
        history = self.run(on({p: [self.new_item(p, v) for v in batch]}))
        returned(history, history.ops, "queue.delivery", "a put on an unbounded queue")
        self.clean = True

    @rule(p=stateful_procs, n=st.integers(1, 3), timeout=timeouts(high=0.05))
    def get(self, p, n, timeout):
        # No preconditions on the model anywhere: what Hypothesis draws must not depend on
        # outcomes. A get with a long timeout per item the model holds (at most n), else one
        # that must raise Empty, not before its timeout.
        n = min(n, len(self.model))
        if n:
            history = self.run(on({p: [self.waiting()] * n}))
            for op in history.ops:
                self.model.take(history, op)
        else:
            history = self.run(on({p: [self.taking(timeout=timeout)]}))
            self.model.take(history, history.ops[0])
            spec.check_gave_up(history, [(history.ops[0], timeout)], "queue.get_timeout")
        self.clean = True

    @rule(p=stateful_procs)
    def get_nowait(self, p):
        # Only on an empty queue, where it must raise Empty: with items in flight its outcome
        # would depend on the schedule (caveat (1); test_linearizable covers that case), and so
        # would the model from then on.
        if len(self.model):
            return
        history = self.run(on({p: [self.taking(method="get_nowait")]}))
        self.model.take(history, history.ops[0])
        spec.check_gave_up(history, [(history.ops[0], None)], "queue.get_timeout")
        self.clean = True

    @rule(p=stateful_procs, q=stateful_procs, value=values)
    def put_racing_get(self, p, q, value):
        assume(p != q)
        programs = [[] for _ in range(STATEFUL_PROCS)]
        programs[p] = [self.new_item(p, value)]
        programs[q] = [self.waiting()]
        history = self.run(programs)
        returned(history, history.of(p), "queue.delivery", "a put on an unbounded queue")
        self.model.take(history, history.of(q)[0])
        self.clean = True

    @rule(n=st.integers(2, STATEFUL_PROCS))
    def racing_gets(self, n):
        n = min(n, len(self.model))
        if n < 2:
            return
        history = self.run([[self.waiting()] for _ in range(n)])
        spec.check_fifo(history, "q", across_producers=self.flavour.queue_fifo == spec.GLOBAL)
        # Concurrent gets: take them in the order the model holds their items (their real-time
        # order was just checked), the failed ones last.
        for op in sorted(history.ops, key=lambda o: (0, self.model.rank(spec.tag(o)))
                         if o.ok else (1, ())):
            self.model.take(history, op)
        self.clean = True

    def teardown(self):
        env = self.env
        if not self.clean or env.crew is not self.objects.crew:
            return  # a step failed (and may have killed the crew): that is the report
        left = len(self.model)
        history = env.run(self.objects, [[self.waiting()] * left])
        for op in history.ops:
            self.model.take(history, op)
        rest = env.run(self.objects, [[self.taking(timeout=0.01)]])
        spec.check_nothing_left(rest, rest.ops, "queue.delivery")
        spec.check_linearizable(merged(*(self.histories + [history, rest])), "q",
                                spec.Queue(fifo=self.flavour.queue_fifo), self.fingerprints)


# -- the properties --------------------------------------------------------------------------------


class QueueProperties(object):
    """The Queue, JoinableQueue and SimpleQueue properties, for any flavour (class attribute
    ``flavour``)."""

    flavour = Native

    def make(self, kind):
        """The flavour's ``Make`` of a kind the strategies draw: ``"Queue"``, ``"Queue(3)"``,
        ``"JoinableQueue"`` or ``"SimpleQueue"``."""
        flavour = self.flavour
        if kind == "Queue":
            return flavour.queue()
        if kind == BOUNDED:
            return flavour.queue(MAXSIZE)
        if kind == "JoinableQueue":
            return flavour.joinable_queue()
        if kind == "SimpleQueue":
            return flavour.simple_queue()
        raise KeyError(kind)

    def model(self, kind):
        """The sequential model (``ipc_spec.specs.queue``) a kind's histories must linearize for,
        with the flavour's FIFO scope (a SimpleQueue is one FIFO in every flavour)."""
        fifo = self.flavour.queue_fifo
        if kind == "Queue":
            return spec.Queue(fifo=fifo)
        if kind == BOUNDED:
            return spec.Queue(MAXSIZE, fifo)
        if kind == "JoinableQueue":
            return spec.JoinableQueue(fifo=fifo)
        if kind == "SimpleQueue":
            return spec.SimpleQueue()
        raise KeyError(kind)

    def across_producers(self):
        """Whether the flavour's Queue and JoinableQueue are one FIFO for all producers."""
        return self.flavour.queue_fifo == spec.GLOBAL

    # -- many producers, many consumers -----------------------------------------------------------

    @checks("queue.delivery", "queue.fifo", "queue.linearizable")
    @property_settings()
    @given(transfer_plans(KINDS))
    def test_delivery(self, ipc_env, scenario):
        """Several producers put bursts of picklable items, some far above the pipe's 64 KiB buffer
        (up to 4 MiB), while (or after) several consumers get them with a long timeout: every item
        comes out exactly once, intact, and each producer's items in the order it put them."""
        kind, plan, consumers, owners, get_pauses, phased = scenario
        ipc_env.provision([self.make(k) for k in KINDS], 6)
        long = long_timeout(ipc_env)
        bounded = kind == BOUNDED

        def put_kwargs(way):
            if way == "put_timeout":
                return {"args": (True, long)}
            if way == "put_nowait" and not bounded:
                return {"method": "put_nowait"}
            return {}

        producers, takers, expected = transfer_programs(
            plan, consumers, owners, get_pauses,
            lambda pause: macro("q", "queue:get", timeout=long, pause=pause), put_kwargs)
        objects = ipc_env.allocate({"q": self.make(kind)}, len(producers) + consumers)
        if phased:
            history = merged(ipc_env.run(objects, producers),
                             ipc_env.run(objects, [[] for _ in producers] + takers))
        else:
            history = ipc_env.run(objects, producers + takers)
        check_transfer(history, expected, "queue.fifo", "queue.delivery", self.across_producers())
        rest = ipc_env.run(objects, [[macro("q", "queue:get", timeout=0.01)]])
        spec.check_nothing_left(rest, rest.ops, "queue.delivery")
        spec.check_linearizable(merged(history, rest), "q", self.model(kind), expected)

    @checks("queue.exit_flush", "queue.fifo", "queue.linearizable")
    @share_of_profile(0.5)
    @given(exit_plans())
    def test_exit_flush(self, ipc_env, scenario):
        """Producers put items (some of several MiB) and exit right after, the normal way: a process
        does not terminate before its buffered items are flushed, so consumers get every item.

        Every example starts new processes (``fresh=True``): half the profile's examples."""
        plan, consumers, owners, get_pauses = scenario
        long = long_timeout(ipc_env)
        producers, takers, expected = transfer_programs(
            plan, consumers, owners, get_pauses,
            lambda pause: macro("q", "queue:get", timeout=long, pause=pause), lambda way: {})
        for program in producers:
            program.append(macro("q", "leave"))
        history = ipc_env.run({"q": self.make("Queue")}, producers + takers, fresh=True)
        check_transfer(history, expected, "queue.fifo", "queue.exit_flush", self.across_producers())
        spec.check_linearizable(history, "q", self.model("Queue"), expected)

    # -- bounded queues: Full ---------------------------------------------------------------------

    @checks("queue.full", "queue.introspection", "queue.fifo", "queue.delivery",
            "queue.linearizable")
    @property_settings()
    @given(full_plans())
    def test_full(self, ipc_env, scenario):
        """On a Queue(3) that holds 3 items, put_nowait() and put(block=False) raise Full, and
        put(timeout=t) raises Full not before t; once an item is got a slot is free again. empty(),
        full() and qsize() answer with a bool, a bool, and a size (values not checked:
        unreliable)."""
        fill, tries, getter, putter, drainer = scenario
        bounded = self.make(BOUNDED)
        ipc_env.provision([bounded], 4)
        long = long_timeout(ipc_env)
        objects = ipc_env.allocate({"q": bounded}, 4)
        expected = {}
        programs = [[] for _ in range(MAXSIZE)]
        for seq, (proc, way, pause) in enumerate(fill):
            kwargs = {"method": "put_nowait"} if way == "put_nowait" else (
                {"args": (True, long)} if way == "put_timeout" else {})
            programs[proc].append(put_step("q", proc, seq, ("value", seq), pause, **kwargs))
            expected[(proc, seq)] = fingerprint(("value", seq))
        filled = ipc_env.run(objects, programs)
        returned(filled, filled.ops, "queue.full", "a put while a slot is free")

        programs = []
        for i, (way, timeout, pause) in enumerate(tries):
            method, args, _ = FULL_WAYS[way]
            programs.append([put_step("q", i, 100 + i, ("value", None), pause, method=method,
                                      args=args(timeout))])
        programs.append([call("q", "full"), call("q", "qsize"), call("q", "empty")])
        refused = ipc_env.run(objects, programs)
        timed = []
        for op, (way, timeout, _) in zip([refused.of(i)[0] for i in range(len(tries))], tries):
            timed.append((op, FULL_WAYS[way][2](timeout)))
        spec.check_gave_up(refused, timed, "queue.full", error="Full")
        spec.check_introspection(refused, "q")

        got = ipc_env.run(objects, on({getter: [macro("q", "queue:get", timeout=long)]}))
        again = ipc_env.run(objects, on({putter: [
            put_step("q", putter, 200, ("value", 200), method="put_nowait"),
            put_step("q", putter, 201, ("value", 201), method="put_nowait")]}))
        freed, refused_again = again.of(putter)
        returned(again, [freed], "queue.full", "put_nowait() once a get has freed a slot")
        spec.check_gave_up(again, [(refused_again, None)], "queue.full", error="Full")
        expected[(putter, 200)] = fingerprint(("value", 200))

        drained = ipc_env.run(objects, on({drainer: [macro("q", "queue:get", timeout=long)]
                                           * MAXSIZE}))
        history = merged(filled, refused, got, again, drained)
        spec.check_fifo(history, "q", across_producers=self.across_producers())
        spec.check_delivery(history, "q", expected)
        rest = ipc_env.run(objects, [[macro("q", "queue:get", timeout=0.01)]])
        spec.check_nothing_left(rest, rest.ops, "queue.full")
        spec.check_linearizable(merged(history, rest), "q", self.model(BOUNDED), expected)

    # -- Empty ------------------------------------------------------------------------------------

    @checks("queue.get_timeout", "queue.delivery", "queue.linearizable")
    @property_settings()
    @given(empty_plans())
    def test_get_timeout(self, ipc_env, scenario):
        """On an empty queue (fresh, or after its items were got), get(timeout=t) raises Empty not
        before t (nor much later), and get(block=False) / get_nowait() raise Empty."""
        drained, tries = scenario
        queue = self.make("Queue")
        ipc_env.provision([queue], 4)
        long = long_timeout(ipc_env)
        objects = ipc_env.allocate({"q": queue}, 4)
        expected = {(0, s): fingerprint(("value", s)) for s in range(drained)}
        phases = []
        if drained:
            before = ipc_env.run(objects, [
                [put_step("q", 0, seq, ("value", seq)) for seq in range(drained)],
                [macro("q", "queue:get", timeout=long)] * drained])
            spec.check_delivery(before, "q", expected)
            phases.append(before)
        programs = []
        for row in tries:
            programs.append([macro("q", "queue:get", *EMPTY_WAYS[way][0](t), pause=pause,
                                   **EMPTY_WAYS[way][1](t)) for way, t, pause in row])
        history = ipc_env.run(objects, programs)
        timed = []
        for p, row in enumerate(tries):
            for op, (way, t, _) in zip(history.of(p), row):
                timed.append((op, EMPTY_WAYS[way][2](t)))
        spec.check_gave_up(history, timed, "queue.get_timeout")
        spec.check_linearizable(merged(*(phases + [history])), "q", self.model("Queue"), expected)

    # -- close ------------------------------------------------------------------------------------

    @checks("queue.closed", "queue.fifo", "queue.linearizable")
    @property_settings()
    @given(close_plans())
    def test_close(self, ipc_env, scenario):
        """A process puts items, close()s the queue (and maybe join_thread()s): the items put before
        close() are all delivered; in that process put() and get() then raise ValueError; another
        process can still put and get."""
        plan, join, after, get_pauses = scenario
        queue = self.make("Queue")
        ipc_env.provision([queue], 3)
        long = long_timeout(ipc_env)
        objects = ipc_env.allocate({"q": queue}, 3)
        closer = [put_step("q", 0, seq, item, pause) for seq, (item, pause) in enumerate(plan)]
        closer.append(call("q", "close"))
        if join:
            closer.append(call("q", "join_thread"))
        closer.extend(AFTER_CLOSE[way] for way in after)
        taker = [macro("q", "queue:get", timeout=long, pause=p) for p in get_pauses]
        first = ipc_env.run(objects, [closer, taker])
        expected = {(0, seq): fingerprint(item) for seq, (item, _) in enumerate(plan)}
        mine = first.of(0)
        returned(first, mine[:len(plan)], "queue.closed", "a put before close()")
        returned(first, [op for op in mine if op.call in ("close", "join_thread")],
                 "queue.closed", "close(), then join_thread()")
        raised(first, mine[len(plan) + 1 + join:], "ValueError", "queue.closed",
               "put/get in the process that closed the queue (3.8+)")

        other = ipc_env.run(objects, on({2: [put_step("q", 2, 0, ("value", "other")),
                                              macro("q", "queue:get", timeout=long)]}))
        returned(other, other.ops, "queue.closed", "another process puts and gets after close()")
        expected[(2, 0)] = fingerprint(("value", "other"))
        history = merged(first, other)
        spec.check_fifo(history, "q", across_producers=self.across_producers())
        spec.check_delivery(history, "q", expected, "queue.closed",
                            "items put before close() are flushed and got, each once")
        spec.check_linearizable(history, "q", self.model("Queue"), expected)

    # -- JoinableQueue ----------------------------------------------------------------------------

    @checks("joinablequeue.join", "joinablequeue.task_done", "queue.delivery",
            "queue.linearizable")
    @property_settings()
    @given(join_plans())
    def test_join(self, ipc_env, scenario):
        """JoinableQueue: join() on a fresh queue returns, and task_done() raises ValueError; after
        items are put, each join() returns only once a task_done() was called for every item (it
        ends after the last task_done() began); then an extra task_done() raises ValueError again.

        The last task may first wait (the gate: a cell of the kit's own) for a joiner to set it
        once its join() returned: a correct join() cannot return before that task is done, so the
        wait just times out; a join() that returns early opens the gate, and is then seen
        returning before the last task_done() began, whatever the schedule."""
        put_owners, get_owners, consumers, done_pauses, joiners, gated = scenario
        joinable = self.make("JoinableQueue")
        ipc_env.provision([joinable], 6)
        long = long_timeout(ipc_env)
        procs = max(max(put_owners) + 1, len(joiners) + consumers + 1)
        objects = ipc_env.allocate({"q": joinable, "g": GATE_CELL}, procs)

        fresh = ipc_env.run(objects, [[call("q", "join"), call("q", "task_done")]])
        returned(fresh, fresh.ops[:1], "joinablequeue.join", "join() with no unfinished task")
        raised(fresh, fresh.ops[1:], "ValueError", "joinablequeue.task_done",
               "task_done() with no item ever put")

        programs = [[] for _ in range(max(put_owners) + 1)]
        expected = {}
        for seq, p in enumerate(put_owners):
            programs[p].append(put_step("q", p, seq, ("value", seq)))
            expected[(p, seq)] = fingerprint(("value", seq))
        put = ipc_env.run(objects, programs)
        returned(put, put.ops, "queue.delivery", "a put on an unbounded queue")

        # Joiners first (the harness hands programs out in process order), then the consumers,
        # then the one that does the last task.
        programs = [[call("q", "join", pause=pause)] + ([macro("g", "cell_mark")] if gated else [])
                    for pause in joiners]
        programs += [[] for _ in range(consumers)]
        for owner, pause in zip(get_owners, done_pauses):
            programs[len(joiners) + owner] += [macro("q", "queue:get", timeout=long),
                                               call("q", "task_done", pause=pause)]
        programs.append(([macro("g", "cell_wait", GATE)] if gated else [])
                        + [macro("q", "queue:get", timeout=long),
                           call("q", "task_done", pause=done_pauses[-1])])
        worked = ipc_env.run(objects, programs)
        spec.check_delivery(merged(put, worked), "q", expected)
        spec.check_join(worked, "q")

        after = ipc_env.run(objects, [[call("q", "join")],
                                      [call("q", "join"), call("q", "task_done")]])
        returned(after, after.ops[:2], "joinablequeue.join", "join() once every task is done")
        raised(after, after.ops[2:], "ValueError", "joinablequeue.task_done",
               "task_done() called more times than items were put")
        spec.check_linearizable(merged(fresh, put, worked, after), "q",
                                self.model("JoinableQueue"), expected)

    # -- SimpleQueue ------------------------------------------------------------------------------

    @checks("simplequeue.delivery", "simplequeue.fifo", "queue.linearizable")
    @property_settings()
    @given(transfer_plans(("SimpleQueue",), phased_ok=False))
    def test_simple_delivery(self, ipc_env, scenario):
        """SimpleQueue: several producers put bursts of items (some far above the pipe's buffer)
        while several consumers get() them: every item comes out exactly once, intact, and in the
        order the items were put (an item put after another's put returned comes out after it)."""
        _, plan, consumers, owners, get_pauses, _ = scenario
        simple = self.make("SimpleQueue")
        ipc_env.provision([simple], 6)
        producers, takers, expected = transfer_programs(
            plan, consumers, owners, get_pauses,
            lambda pause: macro("q", "queue:get", pause=pause), lambda way: {})
        objects = ipc_env.allocate({"q": simple}, len(producers) + consumers)
        history = ipc_env.run(objects, producers + takers)
        check_transfer(history, expected, "simplequeue.fifo", "simplequeue.delivery",
                       across_producers=True)
        rest = ipc_env.run(objects, [[call("q", "empty")]])
        spec.check_values(rest, rest.ops, True, "simplequeue.delivery",
                          "nothing is left once every item put was got (no duplicate)")
        spec.check_linearizable(merged(history, rest), "q", self.model("SimpleQueue"), expected)

    @checks("simplequeue.delivery", "simplequeue.empty", "simplequeue.fifo", "queue.linearizable")
    @property_settings()
    @given(simple_empty_plans())
    def test_simple_empty(self, ipc_env, scenario):
        """SimpleQueue.empty() is True on a fresh queue, False in every process once puts returned
        (and before any get), and True again once every item was got."""
        readers, owners, payloads = scenario
        simple = self.make("SimpleQueue")
        ipc_env.provision([simple], 3)
        objects = ipc_env.allocate({"q": simple}, 3)
        look = [[call("q", "empty")] for _ in range(readers)]
        fresh = ipc_env.run(objects, look)
        spec.check_values(fresh, fresh.ops, True, "simplequeue.empty", "empty() on a fresh queue")
        programs = [[] for _ in range(max(owners) + 1)]
        expected = {}
        for seq, (p, payload) in enumerate(zip(owners, payloads)):
            programs[p].append(put_step("q", p, seq, ("value", payload)))
            expected[(p, seq)] = fingerprint(("value", payload))
        put = ipc_env.run(objects, programs)
        returned(put, put.ops, "simplequeue.delivery", "put()")
        full = ipc_env.run(objects, look)
        spec.check_values(full, full.ops, False, "simplequeue.empty",
                          "empty() after %d puts returned, before any get" % len(owners))
        got = ipc_env.run(objects, [[macro("q", "queue:get")] * len(owners)])
        spec.check_delivery(merged(put, got), "q", expected, "simplequeue.delivery")
        spec.check_fifo(merged(put, got), "q", "simplequeue.fifo", across_producers=True)
        drained = ipc_env.run(objects, look)
        spec.check_values(drained, drained.ops, True, "simplequeue.empty",
                          "empty() once every item was got")
        spec.check_linearizable(merged(fresh, put, full, got, drained), "q",
                                self.model("SimpleQueue"), expected)

    @pytest.mark.skipif(sys.version_info < (3, 9),
                        reason="SimpleQueue.close() is new in Python 3.9")
    @checks("simplequeue.close", "queue.linearizable")
    @property_settings()
    @given(st.integers(0, 2), st.booleans())
    def test_simple_close(self, ipc_env, puts, empty_first):
        """SimpleQueue.close() returns, and afterwards empty() in that process raises OSError
        (documented: "Always raises an OSError if the SimpleQueue is closed")."""
        simple = self.make("SimpleQueue")
        ipc_env.provision([simple], 2)
        objects = ipc_env.allocate({"q": simple}, 2)
        steps = [put_step("q", 0, seq, ("value", seq)) for seq in range(puts)]
        if empty_first:
            steps.append(call("q", "empty"))
        steps += [call("q", "close"), call("q", "empty")]
        history = ipc_env.run(objects, [steps])
        mine = history.of(0)
        returned(history, mine[:-1], "simplequeue.close", "put(), empty() and close()")
        raised(history, mine[-1:], "OSError", "simplequeue.close", "empty() after close()")
        spec.check_linearizable(history, "q", self.model("SimpleQueue"),
                                {(0, seq): fingerprint(("value", seq)) for seq in range(puts)})

    # -- linearizability --------------------------------------------------------------------------

    @checks("queue.linearizable")
    @property_settings()
    @given(mixed_plans())
    def test_linearizable(self, ipc_env, scenario):
        """Processes mix puts, gets (with timeouts, non-blocking) and task_done() on one queue of
        each kind, then one process gets what is left: the whole history linearizes for the kind's
        model in ``ipc_spec.specs.queue`` (FIFO per producer for Queue and JoinableQueue, one FIFO
        for SimpleQueue, Full only when full, task_done() never below zero)."""
        kind, plan = scenario
        assume(kind in self.flavour.kinds)
        ipc_env.provision([self.make(k) for k in self.flavour.kinds], 4)
        long = long_timeout(ipc_env)
        objects = ipc_env.allocate({"q": self.make(kind)}, len(plan))
        fingerprints = {}
        programs = []
        for p, row in enumerate(plan):
            programs.append([mixed_step(way, p, seq, t, pause)
                             for seq, (way, t, pause) in enumerate(row)])
            for seq, (way, _, _) in enumerate(row):
                if way.startswith("put"):
                    fingerprints[(p, seq)] = fingerprint(("value", seq))
        history = ipc_env.run(objects, programs)
        puts = sum(op.ok for op in history.select("q", spec.PUT))
        gets = sum(op.ok for op in history.select("q", spec.GET))
        left = max(0, puts - gets)
        if kind == "SimpleQueue":
            drain = ipc_env.run(objects, [[macro("q", "queue:get")] * left + [call("q", "empty")]])
        else:
            drain = ipc_env.run(objects, [[macro("q", "queue:get", timeout=long)] * left
                                          + [macro("q", "queue:get", timeout=0.01)]])
        spec.check_linearizable(merged(history, drain), "q", self.model(kind), fingerprints)

    # -- stateful ---------------------------------------------------------------------------------

    @checks("queue.delivery", "queue.fifo", "queue.get_timeout", "queue.linearizable")
    def test_stateful(self, ipc_env):
        """A Queue driven one phase at a time by a Hypothesis state machine (:class:`QueueMachine`):
        puts, gets, get_nowait()s, a put racing a get and racing gets from different processes,
        checked against a model that keeps each producer's items in order (and no order across
        producers, unless the flavour's queue is one FIFO); at the end the queue holds exactly what
        the model holds."""
        ipc_env.provision([self.flavour.queue()], STATEFUL_PROCS)
        flavour = self.flavour
        run_state_machine_as_test(lambda: QueueMachine(ipc_env, flavour),
                                  settings=property_settings(stateful_step_count=15))


class TestQueue(QueueProperties):
    """The native Queue, JoinableQueue and SimpleQueue."""

    flavour = Native


class Managed(Native):
    """``manager.Queue([maxsize])`` and ``manager.JoinableQueue()``: proxies of a ``queue.Queue``
    in the manager's process (SyncManager registers both typeids to ``queue.Queue``). A put
    returns once the item is in the server's queue (no feeder thread), so the queue is one FIFO for
    all producers. ``queue.Queue`` has no ``close()`` or ``join_thread()``, and the manager no
    SimpleQueue: those properties are not run."""

    name = "manager"
    queue_fifo = spec.GLOBAL
    kinds = KINDS
    not_promised = {
        "queue.closed": "a Manager's Queue is a queue.Queue, which has no close()",
        "simplequeue.delivery": "SyncManager has no SimpleQueue",
        "simplequeue.fifo": "SyncManager has no SimpleQueue",
        "simplequeue.empty": "SyncManager has no SimpleQueue",
        "simplequeue.close": "SyncManager has no SimpleQueue",
    }

    @staticmethod
    def queue(maxsize=None):
        return (Make(manager.managed_Queue) if maxsize is None
                else Make(manager.managed_Queue, maxsize))

    @staticmethod
    def joinable_queue():
        return Make(manager.managed_JoinableQueue)

    @staticmethod
    def simple_queue():
        raise NotImplementedError("SyncManager has no SimpleQueue")


class TestManagerQueue(QueueProperties):
    """A Manager's Queue and JoinableQueue proxies."""

    flavour = Managed
    test_close = None
    test_simple_delivery = None
    test_simple_empty = None
    test_simple_close = None
