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
  put them. So the kit checks FIFO per producer process (``queue.fifo``), never across producers,
  and a ``get(block=False)`` that raises Empty while items are in flight is no violation.
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
- Not asserted (documented only as caveats): an unpicklable object fails in the feeder thread, not
  in ``put()``; a process killed while using a queue may corrupt it.

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

Histories use the child macros ``@queue_put`` (args ``producer, seq``; the item put is the tagged
tuple ``(producer, seq, payload)``) and ``@queue_get`` (result ``(producer, seq, fingerprint of the
payload)``), so big payloads never cross back to the parent: items are compared by tag and
fingerprint.

``queue.linearizable``: every history is also checked against the sequential models of
``ipc_spec.models`` (``Queue``: FIFO per producing process, with the documented caveats;
``SimpleQueue``: one FIFO order) by ``ipc_spec.linearizability``: each operation must appear to
take effect at one instant between its start and its end (:func:`check_linearizable`).
"""

from ..history import History, Step
from . import expect, not_before, not_late, raised, returned

GET = "@queue_get"
PUT = "@queue_put"


def tag(op):
    """``(producer, seq)`` of the item a ``@queue_get`` op returned."""
    return op.result[0], op.result[1]


def _tag_text(t):
    return "item %d of producer %s" % (t[1], t[0]) if t[0] is not None else "an untagged item"


def tagged_gets(history, obj):
    """The ``@queue_get`` ops on ``obj`` that returned an item, by start time."""
    return [op for op in history.select(obj, GET) if op.ok]


def puts_of(history, obj, tags):
    """The ``@queue_put`` ops on ``obj`` that put the items ``tags``."""
    tags = set(tags)
    return [op for op in history.select(obj, PUT) if tuple(op.step.args[:2]) in tags]


def check_fifo(history, obj, prop="queue.fifo", across_producers=False):
    """Items of one producer come out in the order it put them: no get of its item ``j`` ends before
    a get of its item ``i < j`` begins (the same process or another).

    With ``across_producers`` (SimpleQueue, which has no feeder thread: its put writes the item to
    the pipe before it returns), items of any producers come out in the order they were put: if a
    put ended before another began, no get of the later item ends before a get of the earlier one
    begins."""
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

    Every ``@queue_get`` op must have returned: with a long timeout, an Empty means a lost item.
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
    (``block=False``) within ``LATE``."""
    for op, timeout in timed:
        raised(history, [op], error, prop, "nothing to get/no free slot")
        if timeout is not None:
            not_before(history, op, timeout, op.start, prop, op.step.describe())
        not_late(history, op, timeout or 0.0, op.start, prop, op.step.describe())


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
    """What a Queue may hold by its documentation: each producer's items in the order it put them,
    and no order across producers. For stateful tests that run one phase at a time."""

    def __init__(self):
        self.items = {}  # producer -> [(seq, fingerprint)] in put order
        self.taken = set()

    def put(self, producer, seq, fingerprint):
        self.items.setdefault(producer, []).append((seq, fingerprint))

    def __len__(self):
        return sum(len(v) for v in self.items.values())

    def heads(self):
        return {(p, v[0][0]): v[0][1] for p, v in self.items.items() if v}

    def take(self, history, op, may_be_empty=False, fifo="queue.fifo", delivery="queue.delivery"):
        """Check ``op`` (a ``@queue_get`` of one phase) against the model and update it.

        A get that raised Empty while items were in the queue breaks ``delivery``, unless
        ``may_be_empty`` (a ``get(block=False)``: documented caveat (1)). Getting an item of a
        producer while an earlier item of that producer is still in the queue breaks ``fifo``.
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
            self.taken.add(t)
            return
        waiting = [s for s, _ in self.items.get(t[0], ())]
        expect(t[1] not in waiting, fifo, "%s came out before the producer's earlier item %d "
               "(which was overtaken, or lost)" % (_tag_text(t), waiting[0] if waiting else -1),
               history, [op])
        expect(False, delivery, "%s was got, but it %s" % (
            _tag_text(t), "had been got already" if t in self.taken else "was never put"),
            history, [op])


def as_calls(history, obj, fingerprints):
    """The ops on ``obj`` as the plain calls the macros made, for ``ipc_spec.models``:
    ``@queue_put`` becomes ``put``/``put_nowait`` of the item ``(producer, seq, fingerprint)`` (what
    ``@queue_get`` answers for the item), ``@queue_get`` becomes ``get``/``get_nowait`` with its
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
    """The ops on ``obj`` linearize for ``model`` (an ``ipc_spec.models`` Model): each appears to
    take effect at one instant between its start and its end, in an order the model accepts."""
    from ..linearizability import check_linearizable as check

    check(as_calls(history, obj, fingerprints), {obj: model}, prop)
