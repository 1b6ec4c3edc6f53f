"""Queue, JoinableQueue and SimpleQueue, as documented for ``multiprocessing`` ("Pipes and Queues").

The three types are multi-producer, multi-consumer FIFO queues; an item put is pickled, and what is
got is an equal copy.

``Queue([maxsize])``:

- ``put(obj, block=True, timeout=None)``: with ``block`` and no ``timeout``, blocks until a free
  slot is available; with a positive ``timeout``, blocks at most that long and raises
  ``queue.Full`` if no slot became free; with ``block=False``, puts the item if a free slot is
  immediately available, else raises ``queue.Full`` (``timeout`` is ignored). ``put_nowait(obj)``
  is ``put(obj, False)``. On a queue this process has closed, ``ValueError`` (since 3.8).
- ``get(block=True, timeout=None)``: removes and returns an item; with ``block`` and no ``timeout``,
  blocks until one is available; with a positive ``timeout``, blocks at most that long and raises
  ``queue.Empty`` if none was available; with ``block=False``, returns an item if one is
  immediately available, else raises ``queue.Empty``. ``get_nowait()`` is ``get(False)``. On a
  queue this process has closed, ``ValueError`` (since 3.8).
- A put is pickled and flushed to a pipe by a background *feeder* thread, with two documented
  consequences: (1) right after a put on an empty queue, ``empty()`` may still return True and
  ``get_nowait()`` may still raise ``queue.Empty``; (2) items put by *different* processes may be
  received out of order, but items put by the same process are always received in the order it
  put them. So the kit checks FIFO per producer process (``queue.fifo``), never across producers
  (a flavour without a feeder thread may promise more: see "FIFO scope" below), and a
  ``get(block=False)`` that raises Empty while items are in flight is no violation.
- Nothing is lost or duplicated (``queue.delivery``): the multiset of items got equals the multiset
  of items put, for any picklable payload, including payloads far larger than the pipe's buffer.
  Checked with consumers that ``get`` with a long timeout, so the check never depends on timing.
- A process that put items does not terminate until its buffered items are flushed to the pipe
  (unless it called ``cancel_join_thread()``): items put right before a process exits are still
  delivered (``queue.exit_flush``).
- ``close()``: no more data will be put by the *current* process; the feeder thread quits once it
  has flushed all buffered data, so items put before ``close()`` are delivered; afterwards ``put``
  and ``get`` in that process raise ``ValueError`` (3.8+), and ``join_thread()`` (only after
  ``close()``) returns once the buffer is flushed (``queue.closed``). Other processes go on using
  the queue.
- ``qsize()``, ``empty()`` and ``full()`` are documented as *not reliable*: the kit asserts only
  their types (``queue.introspection``): ``empty()`` and ``full()`` return a bool, ``qsize()`` an
  int >= 0 or raises ``NotImplementedError`` (documented on macOS, where ``sem_getvalue()`` is
  missing). Their values are recorded, never checked.

``JoinableQueue([maxsize])`` is a Queue with ``task_done()`` and ``join()``
(``joinablequeue.join``, ``joinablequeue.task_done``): the count of unfinished tasks goes up at
every put and down at every ``task_done()``; ``join()`` blocks until it is zero, so a ``join()``
returns only after one ``task_done()`` per item put (it ends after the last of them began);
``task_done()`` raises ``ValueError`` when called more times than items were put.

``SimpleQueue()`` is "very close to a locked Pipe": ``put(item)``, ``get()`` (no timeout),
``empty()`` (no reliability caveat), ``close()`` (3.9+). It has no feeder thread (``put`` writes to
the pipe under a lock before it returns), so caveat (2) does not apply: items come out in the order
they were put, across producers too (``simplequeue.fifo``); delivery as above
(``simplequeue.delivery``); ``empty()`` is True on a fresh queue and
after every item was got, False after puts that returned and before any get
(``simplequeue.empty``); after ``close()``, ``empty()`` in that process raises ``OSError``
("Always raises an OSError if the SimpleQueue is closed", documented since 2024 for 3.9+;
``simplequeue.close``). Nothing else is promised after ``close()`` ("must not be used anymore").

Histories use the worker-side operations of ``ipc_spec.ops.queue``: ``queue:put`` (args
``producer, seq``; the item put is the tagged tuple ``(producer, seq, payload)``) and ``queue:get``
(result ``(producer, seq, fingerprint of the payload)``), so big payloads never cross back to the
parent: items are compared by tag and fingerprint.

``queue.linearizable``: every history is also checked against the sequential models below
(:class:`Queue`: FIFO per producing process, with the documented caveats; :class:`SimpleQueue`:
one FIFO order; :class:`JoinableQueue`) by ``ipc_spec.linearizability``: each operation must
appear to take effect at one instant between its start and its end (:func:`check_linearizable`).
Where a history allows it (a global FIFO, puts and gets of items put once), the models decide it
in polynomial time (:meth:`Queue.decide`).

FIFO scope (:data:`PER_PRODUCER`, :data:`GLOBAL`) is what differs between flavours of the same
semantics: ``multiprocessing.Queue`` promises FIFO per producer only (its feeder thread), while a
Manager's ``Queue()`` is one ``queue.Queue`` in the server process, one FIFO for all producers.
The checks and models take the scope as a parameter; a flavour states its own.

There is no documented reset: a queue serves one example.

Not promised, so not checked:

- the values of ``qsize()``, ``empty()`` and ``full()`` of a Queue (documented as not reliable);
- the order across producers of a ``multiprocessing.Queue``, and whether a ``get(block=False)``
  finds an item that is still in a feeder thread;
- what an unpicklable object does (it fails in the feeder thread, not in ``put()``), and the state
  of a queue after a process using it was killed (documented: it may be corrupted);
- anything about a SimpleQueue after ``close()`` but ``empty()`` ("must not be used anymore").
"""

import bisect

from ..history import History, Step
from ..linearizability import Result, is_linearizable
from ..models import _REQUIRED, Model, portable_key, show_key
from . import check_timed_out, declare, expect, returned

CLAUSES = declare(
    "queue",
    fifo="items put by one process are got in the order it put them (and, where the flavour's "
         "queue is one FIFO for all producers, items put one after the other by any processes)",
    delivery="every item put is got exactly once, as an equal copy, whatever its size (far above "
             "the pipe's buffer too): a get with a long timeout never raises Empty while an item "
             "is in the queue",
    exit_flush="a process that put items does not terminate before its buffered items are flushed "
               "to the pipe: items put right before it exits are delivered",
    full="on a full bounded queue, put(block=False) and put_nowait() raise queue.Full and "
         "put(timeout=t) raises Full, not before t; once a get freed a slot a put succeeds",
    get_timeout="on an empty queue, get(timeout=t) raises queue.Empty, not before t, and "
                "get(block=False) and get_nowait() raise Empty",
    closed="after close(), the items the process put before are flushed and delivered, put() and "
           "get() in that process raise ValueError, join_thread() returns, and other processes "
           "go on using the queue",
    introspection="empty() and full() return a bool, and qsize() an int >= 0 or raises "
                  "NotImplementedError (their values are documented as not reliable)",
    linearizable="the operations on a queue have the outcomes of some order of them that keeps "
                 "their real-time order, run on the sequential model of its kind (FIFO per "
                 "producer for a multiprocessing Queue or JoinableQueue, one FIFO for SimpleQueue)",
)

JOINABLE_CLAUSES = declare(
    "joinablequeue",
    join="join() blocks until task_done() was called once for every item put: it returns only "
         "after the last of those task_done() calls began",
    task_done="task_done() raises ValueError when called more times than there were items put",
)

SIMPLE_CLAUSES = declare(
    "simplequeue",
    fifo="items are got in the order they were put, across producers: an item whose put began "
         "after another's put returned is got after it",
    delivery="every item put is got exactly once, as an equal copy, whatever its size",
    empty="empty() is True on a fresh queue and once every item was got, and False once puts "
          "returned and before any get",
    close="close() returns, and afterwards empty() in that process raises OSError",
)

GET = "@queue:get"
PUT = "@queue:put"

#: FIFO scopes: items of each producer in the order it put them (``multiprocessing.Queue``, whose
#: feeder thread flushes each process's items on its own), or one order for all (a queue without a
#: feeder thread: SimpleQueue, a Manager's queue).
PER_PRODUCER = "producer"
GLOBAL = "global"


def tag(op):
    """``(producer, seq)`` of the item a ``queue:get`` op returned."""
    return op.result[0], op.result[1]


def _tag_text(t):
    return "item %d of producer %s" % (t[1], t[0]) if t[0] is not None else "an untagged item"


def tagged_gets(history, obj):
    """The ``queue:get`` ops on ``obj`` that returned an item, by start time."""
    return [op for op in history.select(obj, GET) if op.ok]


def puts_of(history, obj, tags):
    """The ``queue:put`` ops on ``obj`` that put the items ``tags``."""
    tags = set(tags)
    return [op for op in history.select(obj, PUT) if tuple(op.step.args[:2]) in tags]


def check_fifo(history, obj, prop="queue.fifo", across_producers=False):
    """Items of one producer come out in the order it put them: no get of its item ``j`` ends before
    a get of its item ``i < j`` begins (the same process or another).

    With ``across_producers`` (the :data:`GLOBAL` scope: a SimpleQueue, which has no feeder thread,
    its put writes the item to the pipe before it returns; a Manager's queue), items of any
    producers come out in the order they were put: if a put ended before another began, no get of
    the later item ends before a get of the earlier one begins."""
    if across_producers:
        puts = {}
        for op in history.select(obj, PUT):
            if op.ok:
                puts[tuple(op.step.args[:2])] = op
        got = [op for op in tagged_gets(history, obj) if tag(op) in puts]
        for a in got:
            for b in got:
                pa, pb = puts[tag(a)], puts[tag(b)]
                if a.end < b.start and pb.end < pa.start:
                    expect(False, prop,
                           "%s was got (by process %d) before %s (by process %d), but it was put "
                           "after it: its put began once the other's had returned"
                           % (_tag_text(tag(a)), a.proc, _tag_text(tag(b)), b.proc),
                           history, [pb, pa, a, b])
    by_producer = {}
    for op in tagged_gets(history, obj):
        if op.result[0] is not None:
            by_producer.setdefault(op.result[0], []).append(op)
    for producer, ops in sorted(by_producer.items(), key=lambda kv: repr(kv[0])):
        for a in ops:
            for b in ops:
                if a.end < b.start and a.result[1] > b.result[1]:
                    expect(False, prop,
                           "items of producer %s came out of order: item %d was got (by process "
                           "%d) before item %d (by process %d), but the producer put %d first"
                           % (producer, a.result[1], a.proc, b.result[1], b.proc, b.result[1]),
                           history, [a, b] + puts_of(history, obj, [tag(a), tag(b)]))


def check_delivery(history, obj, expected, prop="queue.delivery",
                   what="every item put is got exactly once, intact"):
    """The items got from ``obj`` are exactly ``expected`` (tag -> fingerprint), each once.

    Every ``queue:get`` op must have returned: with a long timeout, an Empty means a lost item.
    """
    gets = history.select(obj, GET)
    seen = {}
    problems = []
    culprits = []
    for op in gets:
        if not op.ok:
            problems.append("process %d: %s raised %s" % (op.proc, op.step.describe(), op.error))
            culprits.append(op)
        else:
            seen.setdefault(tag(op), []).append(op)
    for t, ops in sorted(seen.items(), key=repr):
        if t not in expected:
            problems.append("%s was got but never put" % _tag_text(t))
            culprits.extend(ops)
            continue
        if len(ops) > 1:
            problems.append("%s was got %d times (by processes %s)"
                            % (_tag_text(t), len(ops), ", ".join(str(o.proc) for o in ops)))
            culprits.extend(ops)
        bad = [o for o in ops if o.result[2] != expected[t]]
        if bad:
            problems.append("%s came out changed: fingerprint %s, put as %s"
                            % (_tag_text(t), bad[0].result[2], expected[t]))
            culprits.extend(bad)
    lost = sorted((t for t in expected if t not in seen), key=repr)
    if lost:
        problems.append("lost (put, never got): %s" % ", ".join(_tag_text(t) for t in lost))
        culprits.extend(puts_of(history, obj, lost))
    expect(not problems, prop, "%s; %d items put, %d got:\n  %s" % (
        what, len(expected), sum(len(v) for v in seen.values()), "\n  ".join(problems)),
        history, sorted({id(o): o for o in culprits}.values(), key=lambda o: o.start) or None)


def check_gave_up(history, timed, prop="queue.get_timeout", error="Empty"):
    """Every op in ``timed`` (pairs ``(op, timeout)``) raised ``error``: an op with a timeout not
    before it expired, nor more than ``ipc_spec.specs.LATE`` after; an op without one
    (``block=False``: a zero timeout) within ``LATE`` (:func:`ipc_spec.specs.check_timed_out`)."""
    what = "nothing to get" if error == "Empty" else "no free slot"
    for op, timeout in timed:
        check_timed_out(history, [op], timeout or 0.0, prop, what, error=error)


def check_nothing_left(history, ops, prop="queue.delivery"):
    """``ops`` are gets run once every item put was got (in an earlier phase): each must find
    nothing, or an item was duplicated (or a refused put slipped in)."""
    for op in ops:
        expect(op.error == "Empty", prop, "once every item put was got, %s returned %s: the "
               "queue held more than was put" % (op.step.describe(), op.outcome()), history, [op])


def check_introspection(history, obj, prop="queue.introspection"):
    """``empty()``/``full()`` returned a bool; ``qsize()`` an int >= 0, or raised
    NotImplementedError. Their values are not reliable (documented) and are not checked."""
    for op in history.select(obj):
        if op.call in ("empty", "full"):
            returned(history, [op], prop, "%s() answers" % op.call)
            expect(type(op.result) is bool, prop, "%s() returned %r, not True or False"
                   % (op.call, op.result), history, [op])
        elif op.call == "qsize":
            if op.error == "NotImplementedError":
                continue
            returned(history, [op], prop, "qsize() answers (or raises NotImplementedError)")
            expect(type(op.result) is int and op.result >= 0, prop,
                   "qsize() returned %r, not a size" % (op.result,), history, [op])


def check_join(history, obj, prop="joinablequeue.join"):
    """Every ``join()`` on ``obj`` returned, and ended after the start of the last ``task_done()``
    of the history (the one that brought the count of unfinished tasks to zero)."""
    joins = history.select(obj, "join")
    dones = history.select(obj, "task_done")
    returned(history, dones, prop, "task_done() for an item got")
    returned(history, joins, prop, "join() once every task is done")
    if not dones:
        return
    last = max(dones, key=lambda o: o.start)
    for op in joins:
        expect(op.end >= last.start, prop,
               "join() returned (process %d, at %.1f ms) before the last task_done() began "
               "(process %d, at %.1f ms): %d task_done() calls were needed"
               % (op.proc, (op.end - history.origin) * 1e3, last.proc,
                  (last.start - history.origin) * 1e3, len(dones)), history, [op, last])


def check_values(history, ops, want, prop, what):
    """Every op in ``ops`` returned ``want``."""
    returned(history, ops, prop, what)
    for op in ops:
        expect(op.result == want, prop, "%s: %s returned %r, expected %r"
               % (what, op.step.describe(), op.result, want), history, [op])


class QueueModel(object):
    """What a Queue may hold by its documentation: with the :data:`PER_PRODUCER` scope, each
    producer's items in the order it put them, and no order across producers; with
    :data:`GLOBAL`, all items in the order they were put. For stateful tests that run one phase
    at a time (the puts of a phase by one process, or racing no other put)."""

    def __init__(self, fifo=PER_PRODUCER):
        if fifo not in (PER_PRODUCER, GLOBAL):
            raise ValueError("fifo is %r or %r" % (PER_PRODUCER, GLOBAL))
        self.fifo = fifo
        self.items = {}  # producer -> [(seq, fingerprint)] in put order
        self.order = []  # (producer, seq) of the items held, in put order
        self.taken = set()

    def put(self, producer, seq, fingerprint):
        self.items.setdefault(producer, []).append((seq, fingerprint))
        self.order.append((producer, seq))

    def __len__(self):
        return sum(len(v) for v in self.items.values())

    def heads(self):
        """``{tag: fingerprint}`` of the items that may come out next."""
        if self.fifo == GLOBAL:
            if not self.order:
                return {}
            first = self.order[0]
            return {first: self.items[first[0]][0][1]}
        return {(p, v[0][0]): v[0][1] for p, v in self.items.items() if v}

    def rank(self, t):
        """A sort key that puts the items of concurrent gets in an order the model takes them in
        (once their real-time order was checked): by producer and sequence number, or by put
        order with the :data:`GLOBAL` scope."""
        if self.fifo == GLOBAL:
            return (self.order.index(t) if t in self.order else len(self.order), repr(t[0]), t[1])
        return (0, repr(t[0]), t[1])

    def take(self, history, op, may_be_empty=False, fifo="queue.fifo", delivery="queue.delivery"):
        """Check ``op`` (a ``queue:get`` of one phase) against the model and update it.

        A get that raised Empty while items were in the queue breaks ``delivery``, unless
        ``may_be_empty`` (a ``get(block=False)``: documented caveat (1)). Getting an item while an
        earlier one (of that producer; of any, with the :data:`GLOBAL` scope) is still in the
        queue breaks ``fifo``.
        """
        if not op.ok:
            expect(op.error == "Empty" and (may_be_empty or not len(self)), delivery,
                   "%s raised %s while %d items were in the queue" % (
                       op.step.describe(), op.error, len(self)), history, [op])
            return
        t = tag(op)
        heads = self.heads()
        if t in heads:
            expect(op.result[2] == heads[t], delivery, "%s came out changed: fingerprint %s, put "
                   "as %s" % (_tag_text(t), op.result[2], heads[t]), history, [op])
            self.items[t[0]].pop(0)
            self.order.remove(t)
            self.taken.add(t)
            return
        if self.fifo == GLOBAL:
            expect(t not in self.order, fifo, "%s came out before %s, which was put earlier (and "
                   "was overtaken, or lost)" % (_tag_text(t), _tag_text(self.order[0])
                                                if self.order else "?"), history, [op])
        waiting = [s for s, _ in self.items.get(t[0], ())]
        expect(t[1] not in waiting, fifo, "%s came out before the producer's earlier item %d "
               "(which was overtaken, or lost)" % (_tag_text(t), waiting[0] if waiting else -1),
               history, [op])
        expect(False, delivery, "%s was got, but it %s" % (
            _tag_text(t), "had been got already" if t in self.taken else "was never put"),
            history, [op])


def as_calls(history, obj, fingerprints):
    """The ops on ``obj`` as the plain calls the operations made, for the models below:
    ``queue:put`` becomes ``put``/``put_nowait`` of the item ``(producer, seq, fingerprint)`` (what
    ``queue:get`` answers for the item), ``queue:get`` becomes ``get``/``get_nowait`` with its
    arguments; other macros (``@leave``) are left out. ``fingerprints`` maps tags to fingerprints
    (None for a put expected to fail)."""
    ops = []
    for op in history.ops:
        if op.obj != obj:
            continue
        step = op.step
        if op.call == PUT:
            kwargs = dict(step.kwargs)
            method = kwargs.pop("method", "put")
            extra = tuple(kwargs.pop("args", ()))
            kwargs.pop("blob", None)
            producer, seq = step.args[:2]
            item = (producer, seq, fingerprints.get((producer, seq)))
            step = Step(obj, method, (item,) + extra, kwargs, step.pause)
        elif op.call == GET:
            kwargs = dict(step.kwargs)
            method = kwargs.pop("method", "get")
            step = Step(obj, method, step.args, kwargs, step.pause)
        elif op.call.startswith("@"):
            continue
        ops.append(op._replace(step=step))
    return History(ops, history.marks, history.origin, history.procs)


def check_linearizable(history, obj, model, fingerprints, prop="queue.linearizable"):
    """The ops on ``obj`` linearize for ``model`` (one of the models below): each appears to take
    effect at one instant between its start and its end, in an order the model accepts."""
    from ..linearizability import check_linearizable as check

    check(as_calls(history, obj, fingerprints), {obj: model}, prop)


# -- sequential models (for ipc_spec.linearizability) -------------------------------------------

_GET_PARAMS = (("block", True), ("timeout", None))
_PUT_PARAMS = (("obj", _REQUIRED), ("block", True), ("timeout", None))
_NONE = ()
_PUTS = ("put", "put_nowait")
_GETS = ("get", "get_nowait")


def _may_give_up(bound):
    """A get/put with these arguments may return without success: it does not block, or it has a
    timeout (a negative one counts as zero in ``multiprocessing``)."""
    return not bound["block"] or bound["timeout"] is not None


def _show_items(keys):
    return "[%s]" % ", ".join(show_key(k) for k in keys)


def _describe(op):
    return "process %d: %s %s" % (op.proc, op.step.describe(), op.outcome())


class Queue(Model):
    """``multiprocessing.Queue(maxsize=0)``, as documented, caveats included.

    - ``put(obj, block=True, timeout=None)`` adds ``obj``. With ``maxsize > 0`` the queue holds at
      most ``maxsize`` items: a put that gives up (``block`` False, or a ``timeout`` given) raises
      Full, and only when the queue is full. ``put_nowait(obj)`` is ``put(obj, False)``.
    - ``get(block=True, timeout=None)`` removes and returns an item; a get that may give up raises
      Empty. ``get_nowait()`` is ``get(False)``.
    - Documented caveats, which this model allows for: items are pickled and flushed to the pipe
      later by a feeder thread, so (1) "after putting an object on an empty queue there may be an
      infinitesimal delay" before ``get_nowait`` can return it: a get that may give up may raise
      Empty whatever the queue holds; (2) "if multiple processes are enqueuing objects, it is
      possible for the objects to be received at the other end out-of-order", while "objects
      enqueued by the same process will always be in the expected order with respect to each
      other": the queue is FIFO per producing process, not globally. With ``fifo="global"`` (for a
      queue without a feeder thread: a Manager's) items come out in one FIFO order and Empty
      means empty.
    - ``qsize()``, ``empty()`` and ``full()`` are documented as not reliable: accepted whatever they
      say, without effect; so are ``join_thread()`` and ``cancel_join_thread()``.
    - ``close()`` means "no more data will be put on this queue by the current process"; afterwards
      that process's calls may raise (put raises ValueError from 3.8 on; get raises OSError on 3.8,
      where close also closes the reader): from a process that closed the queue, an error is
      accepted as a call without effect, and a call that succeeds is read normally.
    - ``maxsize`` is counted exactly (a bounded semaphore taken by ``put`` and given back by
      ``get``): a put succeeds only below it, whatever the feeder thread has flushed.

    The state is ``(queues, size, unfinished, closed)``: ``queues`` is a frozenset of the possible
    contents (each a sorted tuple of ``(producer, items)``; with per-producer FIFO, which producer
    a returned item came from can be ambiguous, and the model keeps every possibility), ``size``
    the number of items, ``unfinished`` the count :class:`JoinableQueue` uses, ``closed`` the
    processes that closed the queue.

    With a global FIFO and no bound, histories of puts and gets of items put once are decided in
    polynomial time (:meth:`decide`).
    """

    name = "Queue"
    joinable = False

    def __init__(self, maxsize=0, fifo=PER_PRODUCER):
        if fifo not in (PER_PRODUCER, GLOBAL):
            raise ValueError("fifo is 'producer' (documented for multiprocessing.Queue) or 'global'")
        Model.__init__(self, maxsize=maxsize, fifo=fifo)
        self.maxsize = maxsize
        self.fifo = fifo
        self.per_producer = fifo == PER_PRODUCER

    def relaxed(self):
        """The same model with FIFO order per producing process only."""
        return type(self)(self.maxsize, PER_PRODUCER)

    def init(self):
        return (frozenset([()]), 0, 0, frozenset())

    def show(self, state):
        queues, size, unfinished, closed = state

        def contents(queue):
            if not self.per_producer:
                return _show_items(queue[0][1]) if queue else "[]"
            return "{%s}" % "; ".join("from process %d: %s" % (who, _show_items(items))
                                      for who, items in queue)

        texts = sorted(contents(q) for q in queues)
        if len(texts) == 1:
            text = "%d items %s" % (size, texts[0])
        else:
            text = "%d items, one of: %s" % (size, " or ".join(texts))
        if self.joinable:
            text += "; %d unfinished tasks" % unfinished
        if closed:
            text += "; closed in process %s" % ", ".join(str(p) for p in sorted(closed))
        return text

    def _full(self, size):
        return self.maxsize > 0 and size >= self.maxsize

    def step(self, state, op):
        queues, size, unfinished, closed = state
        call = op.call
        if op.error is not None and op.proc in closed and call in ("put", "put_nowait", "get",
                                                                   "get_nowait"):
            return True, state
        if call in ("put", "put_nowait"):
            bound = self.bind(op, _PUT_PARAMS if call == "put" else (("obj", _REQUIRED),), state)
            if bound is None:
                return True, state
            if call == "put_nowait":
                bound.update(block=False, timeout=None)
            if op.error is not None:
                return (op.error == "Full" and self._full(size) and _may_give_up(bound)), state
            if self._full(size):
                return False, state
            item = portable_key(bound["obj"])
            producer = op.proc if self.per_producer else None
            after = frozenset(_append(q, producer, item) for q in queues)
            return True, (after, size + 1, unfinished + 1, closed)
        if call in ("get", "get_nowait"):
            bound = self.bind(op, _GET_PARAMS if call == "get" else _NONE, state)
            if bound is None:
                return True, state
            if call == "get_nowait":
                bound.update(block=False, timeout=None)
            if op.error is not None:
                if op.error != "Empty" or not _may_give_up(bound):
                    return False, state
                return (self.per_producer or size == 0), state
            item = portable_key(op.result)
            after = frozenset(rest for q in queues for rest in _take(q, item))
            if not after:
                return False, state
            return True, (after, size - 1, unfinished, closed)
        if call in ("qsize", "empty", "full", "join_thread", "cancel_join_thread"):
            return True, state
        if call == "close":
            return True, (queues, size, unfinished, closed | frozenset([op.proc]))
        if self.joinable:
            if call == "task_done":
                if self.bind(op, _NONE, state) is None:
                    return True, state
                if op.error is None:
                    if unfinished == 0:
                        return False, state
                    return True, (queues, size, unfinished - 1, closed)
                return op.error == "ValueError" and unfinished == 0, state
            if call == "join":
                if self.bind(op, _NONE, state) is None:
                    return True, state
                return op.error is None and unfinished == 0, state
        raise self.unknown(op)

    def decide(self, ops, budget):
        """Decide a history of a global FIFO queue in polynomial time, when it allows it.

        A queue history in which every item is put once, with only puts and gets that returned, is
        linearizable for a FIFO queue exactly when (Henzinger, Sezgin & Vafeiadis, "Aspect-oriented
        linearizability proofs", CONCUR 2013) no item is got that was not put before, none is got
        twice, and no two items ``a``, ``b`` whose puts are ordered in real time (``put(a)`` ended
        before ``put(b)`` began) come out the other way round: ``b`` got while ``a`` never is, or
        ``get(b)`` ending before ``get(a)`` begins. The first two, and the order of items put by
        one process, are checked by the checker's search with the per-producer variant of this
        model (cheap: items of different producers need no order); the order across producers by
        a scan.

        Returns None when the shortcut does not apply (per-producer FIFO, a bounded queue, other
        calls, errors, an item put twice); else a :class:`~ipc_spec.linearizability.Result`, whose
        failure names the per-producer ``model`` (its search shows the context) or gives the
        ``reason``: two puts ordered in real time whose items came out the other way round.
        """
        if self.fifo != GLOBAL or self.maxsize != 0:
            return None
        puts, gets, twice = {}, {}, False
        for op in ops:
            if op.error is not None:
                return None
            if op.call in _PUTS:
                if op.step.args:
                    item = op.step.args[0]
                elif "obj" in op.step.kwargs:
                    item = op.step.kwargs["obj"]
                else:
                    return None
                key = portable_key(item)
                if key in puts:
                    return None
                puts[key] = op
            elif op.call in _GETS:
                key = portable_key(op.result)
                twice = twice or key in gets
                gets[key] = op
            else:
                return None
        relaxed = self.relaxed()
        if twice or not is_linearizable(ops, relaxed, budget):
            return Result(False, model=relaxed)
        # puts by end time; for each got item b, every a whose put ended before put(b) began must
        # be got, by a get that did not begin after get(b) ended
        by_end = sorted(puts.items(), key=lambda kv: kv[1].end)
        ends = [op.end for _, op in by_end]
        latest = []  # latest[k]: the latest get start among the first k puts (inf: one never got)
        running = float("-inf")
        for key, _ in by_end:
            latest.append(running)
            got = gets.get(key)
            running = max(running, got.start if got is not None else float("inf"))
        latest.append(running)
        for key, got in gets.items():
            before = bisect.bisect_left(ends, puts[key].start)  # puts that ended before it began
            if latest[before] > got.end:
                for other, put in by_end[:before]:
                    earlier = gets.get(other)
                    if earlier is None or earlier.start > got.end:
                        return Result(False, reason=_order_reason(put, puts[key], earlier, got))
        return Result(True)


def _order_reason(put_a, put_b, get_a, get_b):
    """Why a FIFO history fails: ``put_a`` ended before ``put_b`` began, but ``get_b`` came first
    (``get_a`` ended after it, or is None: ``a`` was never got)."""
    return ("a FIFO queue gives items in the order they were put. %s ended before %s began, but %s"
            % (_describe(put_a), _describe(put_b), (
                "the first item was never got, while %s" % _describe(get_b)
                if get_a is None else "%s ended before %s began" % (
                    _describe(get_b), _describe(get_a)))))


def _append(queues, producer, item):
    """``queues`` (a sorted tuple of ``(producer, items)``) with ``item`` added to ``producer``'s."""
    out = []
    done = False
    for who, items in queues:
        if who == producer:
            out.append((who, items + (item,)))
            done = True
        else:
            out.append((who, items))
    if not done:
        out.append((producer, (item,)))
        out.sort(key=lambda pair: (pair[0] is not None, pair[0] or 0))
    return tuple(out)


def _take(queues, item):
    """Every way ``item`` can be the next one out of ``queues``: the head of some producer's
    items."""
    for i, (who, items) in enumerate(queues):
        if items[0] == item:
            rest = items[1:]
            if rest:
                yield queues[:i] + ((who, rest),) + queues[i + 1:]
            else:
                yield queues[:i] + queues[i + 1:]


class JoinableQueue(Queue):
    """``multiprocessing.JoinableQueue(maxsize=0)``: a :class:`Queue` that counts unfinished tasks.

    - Every successful ``put`` adds one unfinished task; ``task_done()`` removes one, and raises
      ValueError when "called more times than there were items placed in the queue".
    - ``join()`` "blocks until all items in the queue have been gotten and processed": it returns
      only at a point where the count of unfinished tasks is zero.
    """

    name = "JoinableQueue"
    joinable = True


class SimpleQueue(Queue):
    """``multiprocessing.SimpleQueue``: a FIFO queue, "very close to a locked Pipe".

    - ``put(obj)`` appends ``obj``; ``get()`` blocks until there is an item and returns the oldest.
      There is no feeder thread: ``put`` writes to the pipe, under a lock, before it returns, so the
      queue is FIFO across processes (``fifo="global"``, the default), unlike :class:`Queue`.
    - ``empty()`` is True exactly when no item is left (documented without the "not reliable" of
      ``Queue.empty``).
    - ``close()`` (3.9+) closes the queue *in the calling process*; afterwards that process's calls
      may raise (``empty`` is documented to raise OSError): any error is accepted from a process
      that closed the queue, as a call without effect, and a call that succeeds anyway is read
      normally.

    Cost: with a global FIFO, puts that overlap can be ordered in many ways. When a history has
    only ``put`` and ``get`` calls, no errors, and every item put once, the model decides it in
    polynomial time (:meth:`Queue.decide`); otherwise the search may give up on long histories in
    which many processes put at once (``fifo="producer"`` is then the weaker, cheap check: FIFO per
    producing process).

    The state is the :class:`Queue` state.
    """

    name = "SimpleQueue"

    def __init__(self, fifo=GLOBAL):
        Queue.__init__(self, 0, fifo)
        self.params = {"fifo": fifo} if fifo != GLOBAL else {}

    def relaxed(self):
        return SimpleQueue(fifo=PER_PRODUCER)

    def step(self, state, op):
        call = op.call
        if call == "put":
            if (len(op.step.args) + len(op.step.kwargs) != 1 or op.error == "TypeError") and \
                    self.bind(op, (("obj", _REQUIRED),), state) is None:
                return True, state
            return Queue.step(self, state, op)
        if call == "get":
            if (op.step.args or op.step.kwargs or op.error == "TypeError") and \
                    self.bind(op, _NONE, state) is None:
                return True, state
            if op.error is not None and op.proc not in state[3]:
                return False, state  # get() blocks: no Empty
            return Queue.step(self, state, op)
        if call == "empty":
            if self.bind(op, _NONE, state) is None:
                return True, state
            if op.error is not None:
                return op.proc in state[3], state
            return op.result is (state[1] == 0), state
        if call == "close":
            return Queue.step(self, state, op)
        raise self.unknown(op)


#: One model of each kind, with default parameters (call one for others: ``MODELS["Queue"](2)``).
MODELS = {"Queue": Queue(), "SimpleQueue": SimpleQueue(), "JoinableQueue": JoinableQueue()}
