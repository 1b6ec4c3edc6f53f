"""Sequential specifications of the primitives, for the linearizability checker.

Pure: no ``multiprocessing`` here. A :class:`Model` says what one object does when its operations
run one at a time, in the style of Porcupine's models: :meth:`Model.init` gives the initial state,
:meth:`Model.step` takes a state and one recorded :class:`~ipc_spec.history.Op` and answers whether
that op, with the outcome it had, is possible in that state, and the state after it. States are
hashable (the checker memoizes them). :func:`ipc_spec.linearizability.check_linearizable` then asks
whether the ops of a concurrent history can be put in one order, consistent with their real-time
order, that the model accepts step by step.

How a model reads an op: ``op.call`` is the method name, ``".attr"`` / ``".attr="`` an attribute read
or write, ``"@name"`` a macro of ``ipc_spec._child``; ``op.step.args`` and ``op.step.kwargs`` are
bound to the documented signature, so ``acquire(False)`` and ``acquire(block=False)`` mean the same;
``op.result`` is what the call returned (as ``_child.portable`` made it: lists, tuples and plain
values as they are, anything else an ``Opaque`` holding its type name and repr); ``op.error`` is the
exception's type name (``"Empty"``, ``"ValueError"``) or None; ``op.proc`` is the process that ran
it. Items are compared in that portable form, so a dict put on a queue matches the ``Opaque`` a
``get`` returned for it when their reprs agree.

What the models promise is what the documentation promises (``Doc/library/multiprocessing.rst``,
and ``threading.rst`` for the semantics it refers to). Each model's docstring says which documented
caveats it allows for. Every op is linearized at one point between its start and its end; an op that
gave up (a non-blocking or timed-out ``acquire``, ``get``, ``put``) is linearized at a point where
giving up was allowed. Calls a model cannot interpret are a fault of the scenario, not of the
implementation: they raise :class:`~ipc_spec.errors.HarnessError`.

``MODELS`` holds one model of each primitive with the default parameters; calling a model gives one
of the same kind with other parameters: ``MODELS["Semaphore"](3)`` is ``Semaphore(3)``.
"""

import math
import struct

from .errors import HarnessError

__all__ = ["Model", "Lock", "RLock", "Semaphore", "BoundedSemaphore", "Queue", "SimpleQueue",
           "JoinableQueue", "Connection", "Value", "Event", "MODELS", "portable_key", "show_key",
           "bind"]


# -- reading ops ------------------------------------------------------------------------------

_REQUIRED = object()

#: Keyword names accepted for the same parameter (``threading`` spells ``block`` ``blocking``).
_ALIASES = {"blocking": "block"}


class Unbound(HarnessError):
    """An op's arguments do not fit the documented signature the model reads them with."""


def bind(op, params):
    """``op``'s arguments as a dict, bound to ``params``: a sequence of ``(name, default)``, a
    default of ``_REQUIRED`` marking a required parameter. Raises :class:`Unbound` when they do
    not fit."""
    args, kwargs = op.step.args, op.step.kwargs
    if len(args) > len(params):
        raise Unbound("%s takes at most %d arguments" % (op.call, len(params)))
    bound = {}
    for (name, _), value in zip(params, args):
        bound[name] = value
    names = set(name for name, _ in params)
    for key, value in kwargs.items():
        key = _ALIASES.get(key, key)
        if key not in names or key in bound:
            raise Unbound("%s got an unexpected or repeated argument %r" % (op.call, key))
        bound[key] = value
    for name, default in params:
        if name not in bound:
            if default is _REQUIRED:
                raise Unbound("%s is missing its argument %r" % (op.call, name))
            bound[name] = default
    return bound


_PLAIN = (type(None), bool, int, float, complex, str, bytes)


def portable_key(value):
    """A hashable key for ``value`` as it looks once it has crossed the harness's pipe.

    Mirrors ``ipc_spec._child.portable`` (which this pure module may not import): plain values and
    lists and tuples of them keep their value, anything else becomes its type name and (truncated)
    repr, as an ``Opaque`` result carries them. Keys carry the type, so ``1``, ``1.0`` and ``True``
    differ; NaN equals NaN.
    """
    if isinstance(value, _PLAIN):
        if isinstance(value, float) and value != value:
            return ("float", "nan")
        return (type(value).__name__, value)
    if type(value) in (list, tuple):
        return (type(value).__name__, tuple(portable_key(v) for v in value))
    if type(value).__name__ == "Opaque" and hasattr(value, "type") and hasattr(value, "text"):
        return ("<opaque>", value.type, value.text)
    text = repr(value)
    if len(text) > 200:
        text = text[:200] + "..."
    return ("<opaque>", type(value).__name__, text)


def show_key(key):
    """A :func:`portable_key` as the value it stands for would print."""
    kind = key[0]
    if kind == "<opaque>":
        return key[2]
    if kind in ("list", "tuple"):
        items = [show_key(k) for k in key[1]]
        if kind == "list":
            return "[%s]" % ", ".join(items)
        return "(%s)" % (items[0] + "," if len(items) == 1 else ", ".join(items))
    if key == ("float", "nan"):
        return "nan"
    return repr(key[1])


def _show_items(keys):
    return "[%s]" % ", ".join(show_key(k) for k in keys)


def _may_give_up(bound):
    """An acquire/get/put with these arguments may return without success: it does not block, or
    it has a timeout (a negative one counts as zero in ``multiprocessing``)."""
    return not bound["block"] or bound["timeout"] is not None


_ACQUIRE = (("block", True), ("timeout", None))
_GET = (("block", True), ("timeout", None))
_PUT = (("obj", _REQUIRED), ("block", True), ("timeout", None))
_NONE = ()


class Model(object):
    """A sequential specification: :meth:`init` and :meth:`step`, nothing else is required.

    Subclasses set :attr:`name`, take their parameters in ``__init__`` (stored in
    :attr:`params`, for messages), and implement :meth:`init` and :meth:`step`. ``step`` must
    not change ``state`` (states are shared by the checker's memo); it returns a new one.
    """

    name = "Model"

    def __init__(self, **params):
        self.params = params

    def init(self):
        """The state of a new object."""
        raise NotImplementedError

    def step(self, state, op):
        """``(ok, new_state)``: whether ``op``, with its recorded outcome, can happen in ``state``,
        and the state after it (``state`` itself when not ok)."""
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        """A model of the same kind with other parameters: ``MODELS["Semaphore"](3)``."""
        return type(self)(*args, **kwargs)

    def show(self, state):
        """``state`` for a person to read (in violation messages)."""
        return repr(state)

    def describe(self):
        """The model as a call, for messages: ``Semaphore(value=3)``."""
        params = ", ".join("%s=%r" % kv for kv in sorted(self.params.items()))
        return "%s(%s)" % (self.name, params)

    def __repr__(self):
        return "<model %s>" % self.describe()

    # helpers for subclasses

    def unknown(self, op):
        """The error for a call this model cannot interpret."""
        return HarnessError("the %s model cannot interpret %s (process %d): a scenario should only "
                            "check histories of the documented calls it models"
                            % (self.describe(), op.step.describe(), op.proc))

    def bind(self, op, params, state):
        """``bind(op, params)``, or None when the op raised TypeError: a call with arguments the
        implementation does not take (``acquire(blocking=False)`` on a ``multiprocessing`` lock),
        which had no effect. Raises HarnessError when the arguments of an op that did not raise
        TypeError do not fit the documented signature."""
        if op.error == "TypeError":
            return None
        try:
            return bind(op, params)
        except Unbound as exc:
            raise HarnessError("the %s model cannot read %s (process %d): %s"
                               % (self.describe(), op.step.describe(), op.proc, exc))


# -- locks and semaphores ----------------------------------------------------------------------


class Lock(Model):
    """``multiprocessing.Lock``: a non-recursive lock, held or free.

    - ``acquire(block=True, timeout=None)`` returns True when it takes the lock, which must be free.
      It returns False only when the lock is held and the call may give up: ``block`` is False, or a
      ``timeout`` is given (a timed-out acquire is linearized at a point where the lock was held).
      ``__enter__`` is ``acquire()``.
    - ``release()`` frees a held lock; any process may release it, not only the one that acquired
      it. On a free lock it raises ValueError (``multiprocessing`` differs from ``threading`` here).
      ``__exit__`` is ``release()``.

    Note: CPython checks the value and then posts the semaphore, not atomically, so two *concurrent*
    releases of a held lock may both succeed, which no order of them explains; scenarios that are
    to pass on CPython should not race two releases.
    """

    name = "Lock"

    def init(self):
        return False  # held

    def show(self, held):
        return "held" if held else "free"

    def step(self, held, op):
        call = op.call
        if call in ("acquire", "__enter__"):
            bound = self.bind(op, _ACQUIRE if call == "acquire" else _NONE, held)
            if bound is None:
                return True, held
            bound.setdefault("block", True)
            bound.setdefault("timeout", None)
            if op.error is not None:
                return False, held
            if op.result is True or (call == "__enter__" and op.result is not False):
                return (not held), True  # when held, True is the state unchanged
            if op.result is False:
                return held and _may_give_up(bound), held
            return False, held
        if call in ("release", "__exit__"):
            if call == "release" and self.bind(op, _NONE, held) is None:
                return True, held
            if op.error is None:
                return held, False
            return op.error == "ValueError" and not held, held
        raise self.unknown(op)


class RLock(Model):
    """``multiprocessing.RLock``: a recursive lock owned by one process (``op.proc``).

    - ``acquire(block=True, timeout=None)`` returns True when the lock is free or already owned by
      the caller (the recursion level goes up by one); False only when another process owns it and
      the call may give up (``block`` False or a ``timeout`` given).
    - ``release()`` by the owner lowers the recursion level; the lock is free at level zero.
      ``release()`` by a process that does not own it, or of a free lock, raises (AssertionError in
      CPython's ``multiprocessing``, RuntimeError in ``threading``: any error type is accepted).
    - ``__enter__`` / ``__exit__`` are ``acquire()`` / ``release()``.

    The state is ``(owner, level)``; ``owner`` is None when free.
    """

    name = "RLock"

    def init(self):
        return (None, 0)

    def show(self, state):
        owner, level = state
        return "owned by process %d at level %d" % (owner, level) if level else "free"

    def step(self, state, op):
        owner, level = state
        call = op.call
        if call in ("acquire", "__enter__"):
            bound = self.bind(op, _ACQUIRE if call == "acquire" else _NONE, state)
            if bound is None:
                return True, state
            bound.setdefault("block", True)
            bound.setdefault("timeout", None)
            if op.error is not None:
                return False, state
            if op.result is True or (call == "__enter__" and op.result is not False):
                if level == 0 or owner == op.proc:
                    return True, (op.proc, level + 1)
                return False, state
            if op.result is False:
                return level > 0 and owner != op.proc and _may_give_up(bound), state
            return False, state
        if call in ("release", "__exit__"):
            if call == "release" and self.bind(op, _NONE, state) is None:
                return True, state
            mine = level > 0 and owner == op.proc
            if op.error is None:
                if not mine:
                    return False, state
                return True, ((owner, level - 1) if level > 1 else (None, 0))
            return not mine, state
        raise self.unknown(op)


class Semaphore(Model):
    """``multiprocessing.Semaphore(value=1)``: a counter that ``acquire`` lowers and ``release``
    raises.

    - ``acquire(block=True, timeout=None)`` returns True when the counter is above zero (and lowers
      it); False only at zero when the call may give up (``block`` False or a ``timeout`` given).
    - ``release()`` raises the counter by one and never fails (a plain Semaphore has no bound).
    - ``get_value()`` returns the counter. It raises NotImplementedError where the platform has no
      ``sem_getvalue`` (macOS): that is accepted, as a call without effect.
    - ``__enter__`` / ``__exit__`` are ``acquire()`` / ``release()``.
    """

    name = "Semaphore"
    bounded = False

    def __init__(self, value=1):
        if value < 0:
            raise ValueError("a semaphore's initial value must be >= 0")
        Model.__init__(self, value=value)
        self.value = value

    def init(self):
        return self.value

    def show(self, count):
        return "counter %d" % count

    def step(self, count, op):
        call = op.call
        if call in ("acquire", "__enter__"):
            bound = self.bind(op, _ACQUIRE if call == "acquire" else _NONE, count)
            if bound is None:
                return True, count
            bound.setdefault("block", True)
            bound.setdefault("timeout", None)
            if op.error is not None:
                return False, count
            if op.result is True or (call == "__enter__" and op.result is not False):
                return (True, count - 1) if count > 0 else (False, count)
            if op.result is False:
                return count == 0 and _may_give_up(bound), count
            return False, count
        if call in ("release", "__exit__"):
            if call == "release" and self.bind(op, _NONE, count) is None:
                return True, count
            if op.error is None:
                if self.bounded and count >= self.value:
                    return False, count
                return True, count + 1
            if self.bounded:
                return op.error == "ValueError" and count >= self.value, count
            return False, count
        if call == "get_value":
            if self.bind(op, _NONE, count) is None or op.error == "NotImplementedError":
                return True, count
            return op.error is None and op.result == count and type(op.result) is int, count
        raise self.unknown(op)


class BoundedSemaphore(Semaphore):
    """``multiprocessing.BoundedSemaphore(value=1)``: a :class:`Semaphore` whose ``release()``
    raises ValueError when the counter is already at the initial value (and leaves it there).

    Note: as for :class:`Lock`, CPython checks the bound and then posts, not atomically: two
    concurrent releases at ``value - 1`` may both succeed. Scenarios that are to pass on CPython
    should not race over-releases.
    """

    name = "BoundedSemaphore"
    bounded = True


# -- queues ------------------------------------------------------------------------------------


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
      queue without a feeder thread) items come out in one FIFO order and Empty means empty.
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
    """

    name = "Queue"
    joinable = False

    def __init__(self, maxsize=0, fifo="producer"):
        if fifo not in ("producer", "global"):
            raise ValueError("fifo is 'producer' (documented for multiprocessing.Queue) or 'global'")
        Model.__init__(self, maxsize=maxsize, fifo=fifo)
        self.maxsize = maxsize
        self.fifo = fifo
        self.per_producer = fifo == "producer"

    def relaxed(self):
        """The same model with FIFO order per producing process only."""
        return type(self)(self.maxsize, "producer")

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
            bound = self.bind(op, _PUT if call == "put" else (("obj", _REQUIRED),), state)
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
            bound = self.bind(op, _GET if call == "get" else _NONE, state)
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
    only ``put`` and ``get`` calls, no errors, and every item put once, the checker decides it in
    polynomial time (see ``ipc_spec.linearizability``); otherwise the search may give up on long
    histories in which many processes put at once (``fifo="producer"`` is then the weaker, cheap
    check: FIFO per producing process).

    The state is the :class:`Queue` state.
    """

    name = "SimpleQueue"

    def __init__(self, fifo="global"):
        Queue.__init__(self, 0, fifo)
        self.params = {"fifo": fifo} if fifo != "global" else {}

    def relaxed(self):
        return SimpleQueue(fifo="producer")

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


# -- connections -------------------------------------------------------------------------------


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


# -- shared values -----------------------------------------------------------------------------


def _int_coercer(code):
    bits = struct.calcsize(code) * 8
    signed = code.islower()

    def coerce(value):
        if type(value) is bool or not isinstance(value, int):
            raise TypeError("an integer is required")
        value &= (1 << bits) - 1
        if signed and value >= 1 << (bits - 1):
            value -= 1 << bits
        return value

    return coerce


def _float32(value):
    if not isinstance(value, (int, float)) or type(value) is bool:
        raise TypeError("a float is required")
    try:
        return struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def _float64(value):
    if not isinstance(value, (int, float)) or type(value) is bool:
        raise TypeError("a float is required")
    return float(value)


def _char(value):
    if type(value) is not bytes or len(value) != 1:
        raise TypeError("one byte is required")
    return value


def _wchar(value):
    if type(value) is not str or len(value) != 1:
        raise TypeError("one character is required")
    return value


def _same(value):
    return value


#: What a new Value of each typecode holds when no value is given (ctypes zero-fills).
_ZERO = {"f": 0.0, "d": 0.0, "c": b"\x00", "u": "\x00", "?": False}

_COERCE = {"f": _float32, "d": _float64, "c": _char, "u": _wchar, "?": bool}
for _code in "bBhHiIlLqQ":
    _COERCE[_code] = _int_coercer(_code)


class Value(Model):
    """``multiprocessing.Value(typecode, value)``: one shared ctypes value.

    - Reading ``.value`` returns the last value written; writing ``.value = v`` stores ``v`` as the
      type holds it (``typecode``: an ``array``-module code as ``multiprocessing.sharedctypes`` maps
      them: integers wrap to their width like ctypes does, ``'f'`` rounds to single precision,
      ``'c'`` is one byte, ``'u'`` one character, ``'?'`` a bool; None stores what was written;
      ``coerce`` may give a function of its own). A write that raised (a value of the wrong type)
      stored nothing.
    - The macro ``@incr`` (``_child.op_incr(obj, times=1, locked=True, pause=0.0)``) adds ``times``,
      one increment at a time. With ``locked=True`` each increment holds ``get_lock()`` and is
      atomic, so one increment (``times=1``) is an atomic step; the macro's result is read after
      the lock is released, so other processes' increments may be in it: the model does not check
      it. Several increments (``times > 1``) are not one atomic step (others may see the value
      between them), and with ``locked=False`` increments may be lost: after such a macro the value
      is unknown (any read is accepted) until the next write. (A read does not pin it down: the
      macro may still be running, and change the value again.)
    - ``get_lock()`` and ``get_obj()`` are accepted without effect.

    Reads and writes are linearizable for a synchronized Value (the default ``lock=True``: each
    access holds the lock); for ``RawValue`` and ``lock=False`` the documentation promises no
    process-safety, so a scenario that checks those does so on its own terms.
    """

    name = "Value"
    UNKNOWN = ("<unknown>",)

    def __init__(self, typecode=None, value=None, coerce=None):
        Model.__init__(self, typecode=typecode, value=value)
        if coerce is None:
            coerce = _COERCE.get(typecode, _same) if typecode is not None else _same
        self.coerce = coerce
        self.value = coerce(_ZERO.get(typecode, 0) if value is None else value)

    def init(self):
        return portable_key(self.value)

    def show(self, state):
        return "value unknown" if state == self.UNKNOWN else "value %s" % show_key(state)

    def _known(self, state):
        return state != self.UNKNOWN

    def step(self, state, op):
        call = op.call
        if call == ".value":
            if op.error is not None:
                return False, state
            if not self._known(state):
                return True, state
            return portable_key(op.result) == state, state
        if call == ".value=":
            if op.error is not None:
                return True, state
            try:
                value = self.coerce(op.step.args[0])
            except (TypeError, ValueError, OverflowError):
                return False, state
            return True, portable_key(value)
        if call == "@incr":
            bound = self.bind(op, (("times", 1), ("locked", True), ("pause", 0.0)), state)
            if bound is None:
                return True, state
            if op.error is not None:
                return False, state
            if (not bound["locked"] or bound["times"] != 1 or not self._known(state)
                    or state[0] not in ("int", "float")):
                return True, self.UNKNOWN
            try:
                value = self.coerce(state[1] + bound["times"])
            except (TypeError, ValueError, OverflowError):
                return True, self.UNKNOWN
            return True, portable_key(value)
        if call in ("get_lock", "get_obj"):
            return True, state
        raise self.unknown(op)


# -- events ------------------------------------------------------------------------------------


class Event(Model):
    """``multiprocessing.Event``: a flag, initially false.

    ``set()`` and ``clear()`` set and clear it; ``is_set()`` returns it; ``wait(timeout=None)``
    returns True when the flag is set (at a point of the call), False only when it is clear and a
    ``timeout`` was given.
    """

    name = "Event"

    def __init__(self):
        Model.__init__(self)

    def init(self):
        return False

    def show(self, flag):
        return "set" if flag else "clear"

    def step(self, flag, op):
        call = op.call
        if call in ("set", "clear"):
            if self.bind(op, _NONE, flag) is None:
                return True, flag
            return op.error is None, call == "set"
        if call == "is_set":
            if self.bind(op, _NONE, flag) is None:
                return True, flag
            return op.error is None and op.result is flag, flag
        if call == "wait":
            bound = self.bind(op, (("timeout", None),), flag)
            if bound is None:
                return True, flag
            if op.error is not None:
                return False, flag
            if op.result is True:
                return flag, flag
            return op.result is False and not flag and bound["timeout"] is not None, flag
        raise self.unknown(op)


#: One model of each primitive, with default parameters (call one for others: ``MODELS["Queue"](2)``).
MODELS = {
    "Lock": Lock(),
    "RLock": RLock(),
    "Semaphore": Semaphore(),
    "BoundedSemaphore": BoundedSemaphore(),
    "Queue": Queue(),
    "SimpleQueue": SimpleQueue(),
    "JoinableQueue": JoinableQueue(),
    "Connection": Connection(),
    "Value": Value(),
    "Event": Event(),
}
