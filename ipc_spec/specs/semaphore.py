"""Semaphore and BoundedSemaphore, as documented for ``multiprocessing.Semaphore`` and
``multiprocessing.BoundedSemaphore`` ("close analogs" of ``threading.Semaphore`` and
``threading.BoundedSemaphore``; the one stated difference is that ``acquire``'s first argument is
named ``block``).

``Semaphore(value=1)`` manages a counter shared by processes, ``value`` at first:

- ``acquire(block=True, timeout=None)``: if the counter is above zero, decrements it and returns
  True; if it is zero, blocks until a ``release()`` makes it positive. So at no instant do more than
  ``value`` processes hold the semaphore, when each releases only what it acquired
  (``semaphore.bound``).
- With ``block`` false it does not block: False at zero, and ``timeout`` is ignored; concurrent
  non-blocking acquires of a counter at ``n`` succeed exactly ``min(n, tries)`` times
  (``semaphore.nonblocking``).
- ``timeout`` is read as for ``Lock.acquire`` (documented for Lock, and this class is its analog):
  positive, at most that long, False once it elapsed (``semaphore.timeout``: never before it, not
  more than :data:`~ipc_spec.specs.LATE` after); negative, the same as zero
  (``semaphore.negative_timeout``: at zero, False at once; else True).
- ``release()`` increments the counter, waking one blocked acquirer; any process may call it, not
  only one that acquired (``semaphore.release_any``), and an (unbounded) semaphore may be released
  above its initial value.

``BoundedSemaphore(value=1)`` is a Semaphore whose ``release()`` raises ValueError if it would take
the counter above the initial value (``boundedsemaphore.over_release``), so the counter never
exceeds it (``boundedsemaphore.bound``), whatever the initial value.

Both are linearizable (``semaphore.linearizable``, ``boundedsemaphore.linearizable``) for the
sequential models :class:`Semaphore` and :class:`BoundedSemaphore` below.

Documented reset: a Semaphore or BoundedSemaphore whose counter is back at the value it was made
with is in its initial state (:func:`reset`).

Recorded, not promised:

- ``get_value()`` (``semaphore.value``): not in the documentation of ``multiprocessing``, but a
  public method of ``multiprocessing.synchronize.Semaphore`` that returns the counter. The suite
  checks that it matches the count when no operation is in progress, and reports it as skipped
  where it raises NotImplementedError (CPython on macOS, which lacks ``sem_getvalue``).
- macOS: BoundedSemaphore "is indistinguishable from Semaphore" there (documented), since its
  bound is checked with ``sem_getvalue``: over-releases pass. Those properties fail there, as they
  should: the documented semantics do not hold.
- CPython checks the bound and then posts the semaphore as two steps, so two releases racing
  at ``value - 1`` can both pass and leave the counter above the bound; the suite never races
  releases near the bound (every over-release it makes meets a counter already at the bound).
- ``release(n)``: ``threading.Semaphore.release`` takes a count since 3.9; the ``multiprocessing``
  one takes none. Not checked.
- ``Semaphore(-1)``: ``threading`` raises ValueError; CPython ``multiprocessing`` raises OSError
  (EINVAL from ``sem_open``). Not checked.
"""

from ..models import Model
from . import declare, expect
# The Lock checks, steps and model helpers apply to semaphores as they are; the suite reaches the
# checks through this module.
from .lock import (ACQUIRE, NO_ARGS, check_count, check_holders, check_linearizable,  # noqa: F401
                   check_prompt, check_results, may_give_up)

CLAUSES = declare(
    "semaphore",
    bound="at no instant do more than value processes hold the Semaphore (each releasing only what "
          "it acquired), and acquire() with the counter above zero returns True",
    nonblocking="acquire(False) never blocks and ignores its timeout: concurrent non-blocking "
                "acquires of a counter at n succeed exactly min(n, tries) times, the others return "
                "False",
    timeout="acquire(timeout=t), t positive, blocks at most t seconds at zero: True if it took a "
            "unit, False once t elapsed, never before",
    negative_timeout="a negative timeout counts as zero: acquire(True, -1) returns False at once "
                     "at zero, and takes a unit (True) above zero",
    release_any="release() increments the counter, waking one acquirer, from any process, not "
                "only one that acquired, and above the initial value too",
    value="get_value() (public, not in the documentation) returns the counter when no operation "
          "is in progress, in every process",
    linearizable="concurrent acquires, releases and get_value() of a Semaphore have the outcomes "
                 "of some order of them that keeps their real-time order, run on the sequential "
                 "Semaphore model",
)

BOUNDED_CLAUSES = declare(
    "boundedsemaphore",
    over_release="release() of a BoundedSemaphore raises ValueError when it would take the counter "
                 "above its initial value, from any process; releases below it pass",
    bound="the counter of a BoundedSemaphore never exceeds its initial value: after refused "
          "releases, exactly value of value + 1 concurrent acquire(False) succeed",
    linearizable="concurrent acquires, releases and get_value() of a BoundedSemaphore have the "
                 "outcomes of some order of them that keeps their real-time order, run on the "
                 "sequential BoundedSemaphore model",
)


def reset(semaphore, value=1, *args, **kwargs) -> bool:
    """A Semaphore or BoundedSemaphore is in its initial state when its counter is back at the
    ``value`` it was made with: exactly ``value`` non-blocking ``acquire()`` calls succeed (all are
    undone). ``get_value()`` would say it in one call, but is missing on macOS."""
    taken = 0
    try:
        while taken <= value and semaphore.acquire(False) is True:
            taken += 1
    finally:
        for _ in range(taken):
            semaphore.release()
    return taken == value


def check_values(history, obj, want, prop):
    """Every ``get_value()`` of ``obj`` in ``history`` returned ``want``."""
    ops = history.select(obj, "get_value")
    check_results(history, ops, want, prop, "get_value() when no operation is in progress")


def unsupported(history, obj):
    """The message of the NotImplementedError a ``get_value()`` of ``obj`` raised, or None."""
    for op in history.select(obj, "get_value"):
        if op.error == "NotImplementedError":
            return op.message or "get_value() raised NotImplementedError"
    return None


def check_winners(history, ops, available, prop_fewer, prop_more, what):
    """Of ``ops`` (concurrent ``acquire(False)`` on a counter at ``available``), exactly
    ``min(available, len(ops))`` returned True: fewer breaks ``prop_fewer``, more ``prop_more``."""
    want = min(available, len(ops))
    check_results(history, [op for op in ops if op.result is not True], False, prop_more, what)
    winners = sum(1 for op in ops if op.result is True)
    expect(winners >= want, prop_fewer, "%s: %d of %d returned True, expected %d"
           % (what, winners, len(ops), want), history, ops)
    expect(winners <= want, prop_more, "%s: %d of %d returned True, expected %d"
           % (what, winners, len(ops), want), history, ops)


# -- sequential models (for ``ipc_spec.linearizability``) -----------------------------------------


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
            bound = self.bind(op, ACQUIRE if call == "acquire" else NO_ARGS, count)
            if bound is None:
                return True, count
            bound.setdefault("block", True)
            bound.setdefault("timeout", None)
            if op.error is not None:
                return False, count
            if op.result is True or (call == "__enter__" and op.result is not False):
                return (True, count - 1) if count > 0 else (False, count)
            if op.result is False:
                return count == 0 and may_give_up(bound), count
            return False, count
        if call in ("release", "__exit__"):
            if call == "release" and self.bind(op, NO_ARGS, count) is None:
                return True, count
            if op.error is None:
                if self.bounded and count >= self.value:
                    return False, count
                return True, count + 1
            if self.bounded:
                return op.error == "ValueError" and count >= self.value, count
            return False, count
        if call == "get_value":
            if self.bind(op, NO_ARGS, count) is None or op.error == "NotImplementedError":
                return True, count
            return op.error is None and op.result == count and type(op.result) is int, count
        raise self.unknown(op)


class BoundedSemaphore(Semaphore):
    """``multiprocessing.BoundedSemaphore(value=1)``: a :class:`Semaphore` whose ``release()``
    raises ValueError when the counter is already at the initial value (and leaves it there).

    Note: as for the Lock model, CPython checks the bound and then posts, not atomically: two
    concurrent releases at ``value - 1`` may both succeed. Scenarios that are to pass on CPython
    should not race over-releases.
    """

    name = "BoundedSemaphore"
    bounded = True
