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
sequential models ``ipc_spec.models.Semaphore`` and ``BoundedSemaphore``.

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

from . import expect, raised  # noqa: F401
# The Lock checks apply to semaphores as they are; the suite reaches them through this module.
from .lock import check_count, check_holders, check_prompt, check_results, check_timed_out  # noqa: F401


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
