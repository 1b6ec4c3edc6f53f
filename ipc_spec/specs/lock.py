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
  ``threading`` raises RuntimeError).
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
models ``ipc_spec.models.Lock`` and ``RLock`` (checked by ``ipc_spec.linearizability``, on random
programs of non-blocking and timed acquires and releases).

Not promised, so not checked (recorded where the suite sees it):

- What ``__enter__`` returns (CPython: True) and ``__exit__`` returns (CPython: None, so an
  exception propagates).
- Releasing a held Lock twice *concurrently* from two processes: CPython checks "unlocked" and then
  posts the semaphore as two steps ("not an absolute guarantee" in its source), so both releases can
  succeed and leave the lock admitting two holders. The suite never does this.
- macOS: ``sem_timedwait`` is missing and ``acquire(timeout=...)`` is emulated by a sleeping loop
  (documented); the bounds checked here still apply.
"""

# ``raised`` and ``returned`` are also the suite's, through this module.
from . import expect, not_before, not_late, raised, returned  # noqa: F401

#: Step name of the critical-section macro (``ipc_spec._child.op_critical``).
CRITICAL = "@critical"


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


def check_timed_out(history, ops, timeout, prop, what):
    """Every op in ``ops`` (an acquire with ``timeout`` that cannot succeed) returned False, not
    before ``timeout`` seconds and not more than ``LATE`` after."""
    check_results(history, ops, False, prop, what)
    for op in ops:
        not_before(history, op, timeout, op.start, prop, what)
        not_late(history, op, timeout, op.start, prop, what)


def check_prompt(history, ops, prop, what):
    """Every op in ``ops`` (one that must not block) returned within ``LATE`` seconds."""
    for op in ops:
        not_late(history, op, 0.0, op.start, prop, what)
