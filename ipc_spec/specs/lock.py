"""Lock and RLock, as documented for ``multiprocessing.Lock`` and ``multiprocessing.RLock``
("close analogs" of ``threading.Lock`` and ``threading.RLock``, except as noted there).

``Lock()`` is a non-recursive lock shared by processes:

- Mutual exclusion: once a process or thread has acquired it, every later attempt to acquire it,
  from any process or thread (the holder included), blocks until it is released
  (``lock.exclusion``). So a read-modify-write of shared memory done under the lock is never lost.
- ``acquire(block=True, timeout=None)``: with ``block`` true, blocks until the lock is unlocked,
  locks it and returns True. With ``block`` false it does not block: False if the lock is locked,
  else it locks it and returns True; ``timeout`` is then ignored (``lock.nonblocking``).
- With a positive ``timeout``, blocks at most ``timeout`` seconds while the lock cannot be
  acquired; returns True if it acquired the lock, False once the timeout elapsed
  (``lock.timeout``: checked as: never before ``timeout``, and not more than
  :data:`~ipc_spec.specs.LATE` after it). ``timeout=None`` blocks forever.
- A negative ``timeout`` is equivalent to a timeout of zero (``lock.negative_timeout``): an
  ``acquire(True, -1)`` on a locked lock returns False at once (checked: within ``LATE``), on an
  unlocked one it locks it and returns True. This differs from ``threading.Lock``, where -1 means
  "forever" and other negative values raise ValueError.
- ``release()`` may be called from any process or thread, not only the one that acquired the lock
  (``lock.release_any``); on an unlocked lock it raises ValueError (``lock.release_unlocked``;
  ``threading`` raises RuntimeError), and the lock stays unlocked.
- Context manager: ``with lock:`` acquires on entry and releases on exit, also when the block is
  left by an exception (``lock.context``).

``RLock()`` is a recursive lock:

- A process that owns it may acquire it again without blocking, each acquire returning True
  (``rlock.reentrant``); it must release it once per acquire, and the lock is unlocked (and can be
  acquired by another process) only after the last of those releases (``rlock.depth``).
- Other processes are excluded while it is owned (``rlock.exclusion``), and ``acquire(False)`` from
  them returns False without changing the recursion level.
- ``timeout`` behaves as for ``Lock.acquire`` (``rlock.timeout``, ``rlock.negative_timeout``).
- ``release()`` by a process other than the owner (``rlock.not_owner``), or of an unowned lock
  (``rlock.unowned``), raises AssertionError (documented for ``multiprocessing``; ``threading``
  raises RuntimeError), and leaves the lock as it was.

Both are linearizable (``lock.linearizable``, ``rlock.linearizable``): the outcomes of concurrent
operations are those of some order of them that keeps their real-time order, run on the sequential
models :class:`Lock` and :class:`RLock` below (checked by ``ipc_spec.linearizability``, on random
programs of non-blocking and timed acquires and releases).

Documented reset: a Lock or RLock nobody holds is in its initial state (:func:`reset`).

Flavours differ in the error types: ``threading.Lock`` (a Manager's ``Lock()`` proxy) raises
RuntimeError where ``multiprocessing.Lock`` raises ValueError on releasing an unlocked lock, and
``threading.RLock`` raises RuntimeError where ``multiprocessing.RLock`` raises AssertionError on a
release by a non-owner or of an unowned RLock. The clauses name no type; a flavour states its own.

Not promised, so not checked (recorded where the suite sees it):

- What ``__enter__`` returns (CPython: True) and ``__exit__`` returns (CPython: None, so an
  exception propagates).
- Releasing a held Lock twice *concurrently* from two processes: CPython checks "unlocked" and then
  posts the semaphore as two steps ("not an absolute guarantee" in its source), so both releases can
  succeed and leave the lock admitting two holders. The suite never does this.
- macOS: ``sem_timedwait`` is missing and ``acquire(timeout=...)`` is emulated by a sleeping loop
  (documented); the bounds checked here still apply.
"""

from ..history import call
from ..models import Model
from . import declare, expect, not_late, returned

CLAUSES = declare(
    "lock",
    exclusion="once a process has acquired the Lock, every other acquire blocks until it is "
              "released: no two critical sections under it overlap, and no update made under it is "
              "lost",
    nonblocking="acquire(False) never blocks and ignores its timeout: False if the lock is locked, "
                "else it locks it and returns True",
    timeout="acquire(timeout=t), t positive, blocks at most t seconds while the lock is held: True "
            "if it acquired the lock, False once t elapsed, never before",
    negative_timeout="a negative timeout counts as zero: acquire(True, -1) returns False at once "
                     "on a locked lock, and locks an unlocked one (True)",
    release_any="release() may be called by any process, not only the one that acquired the lock, "
                "and unlocks it",
    release_unlocked="release() of an unlocked lock raises an error (ValueError for "
                     "multiprocessing.Lock, RuntimeError for threading.Lock) and leaves it unlocked",
    context="with lock: acquires the lock on entry and releases it on exit, also when the block "
            "is left by an exception",
    linearizable="concurrent acquires and releases of a Lock have the outcomes of some order of "
                 "them that keeps their real-time order, run on the sequential Lock model",
)

RLOCK_CLAUSES = declare(
    "rlock",
    exclusion="while a process owns the RLock no other process acquires it: critical sections "
              "under it never overlap, and others' acquire(False) returns False",
    reentrant="the process that owns the RLock acquires it again without blocking, each acquire "
              "returning True",
    depth="the owner releases the RLock once per acquire, and it is free for other processes only "
          "after the last of those releases",
    timeout="acquire(timeout=t), t positive, blocks at most t seconds while another process owns "
            "the RLock: True if it acquired it, False once t elapsed, never before",
    negative_timeout="a negative timeout counts as zero: acquire(True, -1) returns False at once "
                     "while another process owns the RLock, and takes a free one (True)",
    not_owner="release() by a process that does not own the RLock raises an error (AssertionError "
              "for multiprocessing.RLock, RuntimeError for threading.RLock) and leaves it owned",
    unowned="release() of an RLock nobody owns raises an error (AssertionError for "
            "multiprocessing.RLock, RuntimeError for threading.RLock) and leaves it free",
    linearizable="concurrent acquires and releases of an RLock have the outcomes of some order of "
                 "them that keeps their real-time order, run on the sequential RLock model",
)


def reset(lock, *args, **kwargs) -> bool:
    """A Lock or RLock is in its initial state when nobody holds it: a non-blocking ``acquire()``
    succeeds (and is undone). One a process kept, or died holding, is not reused."""
    if lock.acquire(False) is not True:
        return False
    lock.release()
    return True


# -- steps the Lock and Semaphore properties share (pure: plain data, no Hypothesis) ------------

#: Step name of the critical-section macro (``ipc_spec.ops.lock.critical``).
CRITICAL = "@lock:critical"
#: Seconds a process holds the lock inside a critical section (a perturbation, never a sync).
HOLDS = (0.0, 0.0005, 0.002, 0.01)
#: A timeout passed with ``block=False``: it must be ignored; honoured, it outlasts any deadline.
IGNORED_TIMEOUT = 3600.0
#: What a random program does: never a blocking ``acquire()`` (a program could then wait forever).
RANDOM_OPS = ("nonblocking", "timeout", "negative", "release")


def others(procs, me):
    """The processes of ``range(procs)`` but ``me``."""
    return [p for p in range(procs) if p != me]


def nonblocking_acquire(obj, form, pause=0.0):
    """``acquire(False)``, spelt ``form``: ``"positional"``, ``"keyword"`` (``block=False``) or
    ``"timeout"`` (``acquire(False, IGNORED_TIMEOUT)``)."""
    if form == "positional":
        return call(obj, "acquire", False, pause=pause)
    if form == "keyword":
        return call(obj, "acquire", block=False, pause=pause)
    return call(obj, "acquire", False, IGNORED_TIMEOUT, pause=pause)


def timed_acquire(obj, form, timeout, pause=0.0):
    """An acquire with a timeout, spelt ``form``: ``"keyword"`` (``timeout=t``), ``"positional"``
    (``acquire(True, t)``), ``"negative"`` (``timeout=-t``) or ``"minus_one"``
    (``acquire(True, -1)``)."""
    if form == "keyword":
        return call(obj, "acquire", timeout=timeout, pause=pause)
    if form == "positional":
        return call(obj, "acquire", True, timeout, pause=pause)
    if form == "negative":
        return call(obj, "acquire", timeout=-timeout, pause=pause)
    return call(obj, "acquire", True, -1, pause=pause)


def threading_spelling(step):
    """``step`` spelt for a ``threading`` Lock, RLock or Semaphore (a Manager's proxies), with the
    meaning it has in ``multiprocessing``: ``acquire(block=b)`` is ``acquire(b)`` (threading's
    keyword is ``blocking``); ``acquire(False, t)`` is ``acquire(False)`` (threading refuses a
    timeout without blocking, multiprocessing ignores it); a negative timeout is 0
    (``multiprocessing`` waits zero seconds; ``threading`` waits forever for -1 and refuses any
    other). Every other step is unchanged."""
    if step.call != "acquire":
        return step
    args, kwargs = list(step.args), dict(step.kwargs)
    if "block" in kwargs:
        args.insert(0, kwargs.pop("block"))
    if args and args[0] is False:
        del args[1:]
        kwargs.pop("timeout", None)
    elif len(args) > 1 and args[1] is not None and args[1] < 0:
        args[1] = 0.0
    elif kwargs.get("timeout") is not None and kwargs["timeout"] < 0:
        kwargs["timeout"] = 0.0
    return step._replace(args=tuple(args), kwargs=kwargs)


def random_op(obj, what, timeout, pause):
    """One step of a random program: ``what`` is one of :data:`RANDOM_OPS` or ``"get_value"``."""
    if what == "release":
        return call(obj, "release", pause=pause)
    if what == "get_value":
        return call(obj, "get_value", pause=pause)
    if what == "nonblocking":
        return call(obj, "acquire", False, pause=pause)
    if what == "negative":
        return call(obj, "acquire", True, -1, pause=pause)
    return call(obj, "acquire", timeout=timeout, pause=pause)


# -- checks --------------------------------------------------------------------------------------


def sections(history, obj):
    """The ``(op, enter, exit)`` of every critical section on ``obj``, by entry time."""
    ops = history.select(obj, CRITICAL)
    return sorted(((op, op.result[0], op.result[1]) for op in ops), key=lambda s: s[1])


def check_holders(history, obj, limit, prop):
    """At no instant were more than ``limit`` processes inside a critical section on ``obj``.

    Each section's ``(enter, exit)`` lies inside the time its process held ``obj``, on the clock all
    processes share; sections that merely touch (one's exit equals another's entry) do not overlap.
    """
    ops = history.select(obj, CRITICAL)
    returned(history, ops, prop, "every critical section completes")
    events = []
    for op, enter, leave in sections(history, obj):
        events.append((enter, 1, op))
        events.append((leave, 0, op))
    events.sort(key=lambda e: (e[0], e[1]))  # at equal times, exits first
    inside = []
    for _, entering, op in events:
        if not entering:
            inside.remove(op)
            continue
        inside.append(op)
        expect(len(inside) <= limit, prop,
               "%d processes were inside critical sections on %s at once; at most %d may hold it"
               % (len(inside), obj, limit), history, sorted(inside, key=lambda o: o.start))


def check_counter(history, counter, expected, prop, obj=None):
    """Every read of ``counter.value`` saw ``expected``: no increment made under the lock was lost."""
    reads = history.select(counter, ".value")
    returned(history, reads, prop, "reading the counter")
    for op in reads:
        expect(op.result == expected, prop,
               "%d read-modify-writes of %s were made under %s, but it holds %r: updates were lost, "
               "so two processes were in the critical section at once"
               % (expected, counter, obj or "the lock", op.result), history, [op])


def check_results(history, ops, want, prop, what):
    """Every op in ``ops`` returned ``want``."""
    returned(history, ops, prop, what)
    for op in ops:
        expect(type(op.result) is type(want) and op.result == want, prop,
               "%s: expected %r from %s, got %r" % (what, want, op.step.describe(), op.result),
               history, [op])


def check_count(history, ops, want, prop, what):
    """Exactly ``want`` of ``ops`` (concurrent non-blocking acquires) returned True, the rest False."""
    check_results(history, [op for op in ops if op.result is not True], False, prop, what)
    winners = [op for op in ops if op.result is True]
    expect(len(winners) == want, prop, "%s: %d of %d returned True, expected %d"
           % (what, len(winners), len(ops), want), history, ops)


def check_prompt(history, ops, prop, what):
    """Every op in ``ops`` (one that must not block) returned within ``LATE`` seconds."""
    for op in ops:
        not_late(history, op, 0.0, op.start, prop, what)


def check_linearizable(history, obj, model, prop):
    """The ops on ``obj`` linearize for ``model`` (:class:`Lock`, :class:`RLock`, a Semaphore
    model): each appears to take effect at one instant between its start and its end, in an order
    the model accepts step by step."""
    from ..linearizability import check_linearizable as check

    check(history, {obj: model}, prop)


# -- sequential models (for ``ipc_spec.linearizability``) -----------------------------------------

#: ``acquire``'s documented parameters, and none (``release()``, ``__enter__``).
ACQUIRE = (("block", True), ("timeout", None))
NO_ARGS = ()


def may_give_up(bound):
    """An acquire with these arguments may return without success: it does not block, or it has a
    timeout (a negative one counts as zero in ``multiprocessing``)."""
    return not bound["block"] or bound["timeout"] is not None


class Lock(Model):
    """``multiprocessing.Lock``: a non-recursive lock, held or free.

    - ``acquire(block=True, timeout=None)`` returns True when it takes the lock, which must be free.
      It returns False only when the lock is held and the call may give up: ``block`` is False, or a
      ``timeout`` is given (a timed-out acquire is linearized at a point where the lock was held).
      ``__enter__`` is ``acquire()``.
    - ``release()`` frees a held lock; any process may release it, not only the one that acquired
      it. On a free lock it raises ``release_unlocked_error`` (ValueError in ``multiprocessing``,
      RuntimeError in ``threading``: a flavour says which). ``__exit__`` is ``release()``.

    Note: CPython checks the value and then posts the semaphore, not atomically, so two *concurrent*
    releases of a held lock may both succeed, which no order of them explains; scenarios that are
    to pass on CPython should not race two releases.
    """

    name = "Lock"

    def __init__(self, release_unlocked_error="ValueError"):
        # The parameter shows in messages only when it is not multiprocessing's.
        params = {} if release_unlocked_error == "ValueError" else {
            "release_unlocked_error": release_unlocked_error}
        Model.__init__(self, **params)
        self.release_unlocked_error = release_unlocked_error

    def init(self):
        return False  # held

    def show(self, held):
        return "held" if held else "free"

    def step(self, held, op):
        call = op.call
        if call in ("acquire", "__enter__"):
            bound = self.bind(op, ACQUIRE if call == "acquire" else NO_ARGS, held)
            if bound is None:
                return True, held
            bound.setdefault("block", True)
            bound.setdefault("timeout", None)
            if op.error is not None:
                return False, held
            if op.result is True or (call == "__enter__" and op.result is not False):
                return (not held), True  # when held, True is the state unchanged
            if op.result is False:
                return held and may_give_up(bound), held
            return False, held
        if call in ("release", "__exit__"):
            if call == "release" and self.bind(op, NO_ARGS, held) is None:
                return True, held
            if op.error is None:
                return held, False
            return op.error == self.release_unlocked_error and not held, held
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
            bound = self.bind(op, ACQUIRE if call == "acquire" else NO_ARGS, state)
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
                return level > 0 and owner != op.proc and may_give_up(bound), state
            return False, state
        if call in ("release", "__exit__"):
            if call == "release" and self.bind(op, NO_ARGS, state) is None:
                return True, state
            mine = level > 0 and owner == op.proc
            if op.error is None:
                if not mine:
                    return False, state
                return True, ((owner, level - 1) if level > 1 else (None, 0))
            return not mine, state
        raise self.unknown(op)
