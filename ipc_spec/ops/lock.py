"""Worker-side operations of the Lock family (standard library only), used by the Semaphore family
too: a critical section under a lock or a semaphore, run as ``macro(obj, "lock:critical", ...)``
(checked by ``ipc_spec.specs.lock.check_holders`` and ``check_counter``)."""

import time

from .._child import clock


def _critical_section(counter, hold):
    """Read ``counter.value``, hold ``hold`` seconds, write it back plus one; ``(enter, exit)``."""
    enter = clock()
    if counter is not None:
        value = counter.value
    if hold:
        time.sleep(hold)
    if counter is not None:
        counter.value = value + 1
    return enter, clock()


def critical(obj, counter=None, hold=0.0, use_with=False):
    """One critical section under ``obj`` (a Lock, RLock or Semaphore; ipc_spec.specs.lock).

    Acquires ``obj`` (``acquire()``, or ``with obj:`` when ``use_with``), then reads
    ``counter.value`` (the kit's own shared cells, if given), sleeps ``hold`` seconds, writes back
    the value read plus one, and releases. Returns the clock times ``(enter, exit)`` taken just
    after the acquire returned and just before the release began: an interval inside the one in
    which this process held ``obj``. Raises RuntimeError, after releasing, if ``acquire()``
    returned anything but True.
    """
    if use_with:
        with obj:
            return _critical_section(counter, hold)
    got = obj.acquire()
    try:
        enter, leave = _critical_section(counter, hold)
    finally:
        obj.release()
    if got is not True:  # reported once the lock is released, so that nobody waits for ever
        raise RuntimeError("acquire() returned %r, not True" % (got,))
    return (enter, leave)
