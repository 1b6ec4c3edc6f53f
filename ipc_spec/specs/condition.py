"""Condition, as documented for ``threading.Condition`` and ``multiprocessing.Condition``.

``multiprocessing.Condition([lock])`` is documented as "an alias for ``threading.Condition``"; if
*lock* is given it should be a ``multiprocessing`` ``Lock`` or ``RLock`` (``wait_for`` exists since
3.3). The semantics checked, from the ``threading`` documentation:

- **The lock.** A condition is always associated with a lock: the one passed in, else a new
  ``RLock``. ``acquire()`` and ``release()`` call the lock's own methods, so holding the condition
  is holding that lock, and holding that lock is holding the condition.
- **wait(timeout=None)** must be called with the lock held. It releases the lock, blocks until
  awakened by a ``notify()`` or ``notify_all()`` for the same condition in another process, or until
  the optional timeout occurs, then re-acquires the lock and returns. An RLock held recursively is
  released completely, and its recursion level is restored when it is re-acquired. It returns True
  unless the given timeout expired, in which case False. An awakened waiter does not return before
  it has re-acquired the lock, so not before the notifier releases it.
- **wait_for(predicate, timeout=None)** calls ``wait()`` as often as needed until the predicate is
  satisfied or the timeout occurs; the predicate is evaluated with the lock held, and the return
  value is its last return value, which is falsy only if the method timed out.
- **notify(n=1)** must be called with the lock held. It wakes up at most *n* of the waiting
  processes, and is a no-op if none waits. **notify_all()** wakes them all.

Documented, but read with care:

- *Exactly n.* The docs say "the current implementation wakes up exactly *n* threads, if at least
  *n* threads are waiting", and warn that a future implementation "may occasionally wake up more
  than *n*" (which contradicts "at most *n*"; this kit holds to "at most *n*"). The kit checks that
  ``notify(n)`` wakes exactly ``min(n, waiting)``: at most *n* always, and at least
  ``min(n, waiting)`` only when no waiter's own timeout could have expired before the ``notify()``
  was over (a waiter whose timeout expires as it is notified may use up the notification, in
  ``threading`` and in ``multiprocessing`` alike; such examples check the upper bound only).
- *The exception.* ``threading`` documents ``RuntimeError`` for ``wait()``/``notify()``/
  ``notify_all()`` without the lock; ``multiprocessing``'s implementation raises ``AssertionError``
  (its checks are ``assert`` statements, so under ``python -O`` it raises nothing at all). The kit
  accepts either type and records which one it saw (a Hypothesis event: see
  ``--hypothesis-show-statistics``). It also checks the case of the lock held by
  another process, which ``multiprocessing`` detects; ``threading.Condition`` over a plain ``Lock``
  cannot tell who holds it and does not raise in that case. (Which types count, and whether a
  lock held elsewhere is detected, are attributes of the flavour under test.)

No documented reset: a Condition serves one example.

Not promised, so not checked: spurious wake-ups (none are documented, so none are allowed:
an unnotified ``wait`` must return False), the order in which waiters are woken (unspecified), and
``wait_for`` without the lock (the docs say the lock must be held, not that it raises: a predicate
that is already true returns without waiting, and without any check). Nor the one difference
``multiprocessing`` documents for ``Condition`` besides its lock: SIGINT interrupts a blocked
``acquire()`` or ``wait()`` with ``KeyboardInterrupt`` (``threading`` ignores it there).
"""

from ..errors import HarnessError
from . import check_timed_out as _check_timed_out
from . import declare, expect, not_before, not_late, returned

CLAUSES = declare(
    "condition",
    notify="notify(n) wakes at most n of the waiting processes, exactly min(n, waiting) when all "
           "were surely waiting, and the others time out",
    notify_all="notify_all() wakes every waiting process",
    wait_timeout="wait(timeout) that nobody notifies returns False, not before its timeout and "
                 "not more than LATE after it",
    reacquire="wait() re-acquires the lock before it returns, so a woken waiter returns only once "
              "the notifier has released it, and holds it again",
    wait_for="wait_for(predicate, timeout) returns the predicate's last return value, falsy only "
             "once the timeout expired, and evaluates the predicate with the lock held",
    unlocked="wait(), notify() and notify_all() by a process that does not hold the lock raise",
    lock="Condition(lock) uses that lock: holding the condition is holding the lock, and "
         "holding the lock is holding the condition",
    rlock="wait() releases an RLock held recursively completely, and restores its recursion "
          "level when it re-acquires it",
)

#: The exception types accepted from wait()/notify()/notify_all() without the lock: the one
#: ``threading`` documents, and the one ``multiprocessing`` raises.
UNLOCKED_ERRORS = ("RuntimeError", "AssertionError")

#: What the wait_for predicate marks when it finds the condition's lock free (see
#: ``ipc_spec.ops.condition``).
PREDICATE_UNLOCKED = "cond-predicate-unlocked"


def timeout_of(op):
    """The ``timeout`` a ``wait`` step passed, positional or keyword (None if none)."""
    if "timeout" in op.step.kwargs:
        return op.step.kwargs["timeout"]
    return op.step.args[0] if op.step.args else None


def check_results(history, ops, want, prop, what):
    """Every op in ``ops`` returned exactly ``want`` (same type: True is not 1)."""
    returned(history, ops, prop, what)
    for op in ops:
        expect(type(op.result) is type(want) and op.result == want, prop,
               "%s: %s returned %r, expected %r" % (what, op.step.describe(), op.result, want),
               history, [op])


def check_notify(history, waits, notify, release, n, timeout, registered, prop="condition.notify"):
    """``waits`` are ``wait(timeout)`` calls that all began (with the lock held) before ``notify``
    (``notify(n)``, or ``notify_all()`` when ``n`` is None) was called, under the lock that
    ``release`` then released; no other notification happened.

    Checks: at most ``n`` waits returned True (for ``notify(n)``); exactly ``min(n, len(waits))``
    did when every waiter was surely still waiting through the notify (``registered``: the notifier
    saw them all begin; and no waiter's timeout could have run out before the notify ended). The
    others timed out: False, not before their timeout. A woken waiter returned only after the
    notifier began to release the lock (it re-acquires the lock first). Whether the releases
    succeed is ``check_released``'s.
    """
    returned(history, waits, prop, "a wait under the lock")
    for op in waits:
        expect(type(op.result) is bool, prop, "wait() returned %r, not a bool" % (op.result,),
               history, [op])
    woken = [op for op in waits if op.result is True]
    for op in woken:
        expect(op.end >= release.start, "condition.reacquire",
               "a notified wait() returned before the notifier released the lock: it cannot have "
               "re-acquired it", history, [op, release])
    for op in waits:
        if op.result is False:
            not_before(history, op, timeout, op.start, "condition.wait_timeout",
                       "an un-notified wait(%.3g) returned False" % timeout)
    returned(history, [notify], prop, "notify while holding the lock")
    limit = len(waits) if n is None else n
    call = "notify_all()" if n is None else "notify(%d)" % n
    if n is not None:
        expect(len(woken) <= n, prop,
               "%s woke %d of %d waiters: more than %d" % (call, len(woken), len(waits), n),
               history, woken + [notify])
    sure = registered and all(op.start + timeout >= notify.end for op in waits)
    if sure:
        want = min(limit, len(waits))
        expect(len(woken) == want, prop,
               "%s woke %d of %d waiters, not %d (every waiter was waiting, its %.3g s timeout "
               "still running, until the notify was over)" % (
                   call, len(woken), len(waits), want, timeout),
               history, waits + [notify])


def check_timed_out(history, waits, prop="condition.wait_timeout"):
    """Each op in ``waits`` is a ``wait(timeout)`` (positional or keyword) nobody notified: it
    returned False, not before its timeout, and not more than LATE seconds after it
    (:func:`ipc_spec.specs.check_timed_out`, each with its own timeout)."""
    returned(history, waits, prop, "a wait under the lock")
    for op in waits:
        timeout = timeout_of(op)
        if timeout is None:
            raise HarnessError("check_timed_out: %s has no timeout" % op.step.describe())
        _check_timed_out(history, [op], timeout, prop,
                         "wait(%.3g), which nobody notified, must time out with False" % timeout)


def check_released(history, releases, prop="condition.reacquire"):
    """Each op in ``releases`` returned: releases by waiters after their ``wait()`` and by whoever
    held the lock alongside them. Each waiter held the lock again when its wait returned (with a
    plain Lock, a waiter that did not may release another process's hold instead, making that
    process's release fail)."""
    for op in releases:
        expect(op.ok, prop, "%s raised %s: %s; but every releasing process should hold the lock, "
               "as wait() re-acquires it before it returns" % (
                   op.step.describe(), op.error, op.message), history, [op])


def check_wait_for(history, ops, targets, timeouts, prop="condition.wait_for"):
    """``ops`` are ``@condition:wait_for`` macros (see ``ipc_spec.ops.condition``): op ``i``
    waited for the shared value to reach ``targets[i]``, with ``timeouts[i]``; its result is
    ``(returned, last, calls)``.

    Checks: wait_for returned the predicate's last return value (which is truthy only once the
    value has reached the target); a falsy value only once its timeout had expired (so it
    re-checked the predicate after every wake-up that was not the timeout); never more than LATE
    after the timeout; and the predicate never ran without the lock (``PREDICATE_UNLOCKED`` marks).
    """
    returned(history, ops, prop, "wait_for under the lock")
    for op, target, timeout in zip(ops, targets, timeouts):
        result, last, calls = op.result
        expect(type(result) is type(last) and result == last, prop,
               "wait_for returned %r, but the predicate's last return value was %r (%d calls)"
               % (result, last, calls), history, [op])
        if not result:
            not_before(history, op, timeout, op.start, prop,
                       "wait_for(predicate, %.3g) returned a false value %r (target %d not "
                       "reached)" % (timeout, result, target))
        not_late(history, op, timeout, op.start, prop, "wait_for(predicate, %.3g)" % timeout)
    unlocked = [m for m in history.marks if m.label == PREDICATE_UNLOCKED]
    expect(not unlocked, prop,
           "wait_for evaluated the predicate %d time(s) without holding the lock (in process %s)"
           % (len(unlocked), sorted({m.proc for m in unlocked})), history)


def check_unlocked(history, ops, prop="condition.unlocked", errors=UNLOCKED_ERRORS):
    """Each op in ``ops`` (wait/notify/notify_all by a process that does not hold the lock) raised
    one of ``errors`` (type names; by default RuntimeError, ``threading``'s documented type, or
    AssertionError, ``multiprocessing``'s). Returns the sorted list of the type names seen."""
    for op in ops:
        expect(op.error in errors, prop,
               "%s without holding the lock: expected %s, got %s" % (
                   op.step.describe(), " or ".join(errors), op.outcome()), history, [op])
    return sorted({op.error for op in ops})

