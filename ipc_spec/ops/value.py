"""Worker-side operations of the Value / Array family (standard library only): called as
``macro(obj, "value:<function>", ...)``; see ``ipc_spec.specs.value``."""

import time

from .._child import clock


def incr(obj, times=1, locked=True, pause=0.0):
    """``times`` increments of ``obj.value``, each under ``obj.get_lock()`` when ``locked``,
    pausing ``pause`` s between the read and the write. Returns ``obj.value`` read at the end."""
    for _ in range(times):
        if locked:
            with obj.get_lock():
                value = obj.value
                if pause:
                    time.sleep(pause)
                obj.value = value + 1
        else:
            value = obj.value
            if pause:
                time.sleep(pause)
            obj.value = value + 1
    return obj.value


def incr_with(obj, times=1, pause=0.0):
    """``times`` increments of ``obj.value``, each inside ``with obj:`` (a synchronized wrapper is a
    context manager holding its lock), pausing ``pause`` s between the read and the write."""
    for _ in range(times):
        with obj:
            value = obj.value
            if pause:
                time.sleep(pause)
            obj.value = value + 1
    return obj.value


def lock_call(obj, method, *args):
    """``obj.get_lock().<method>(*args)``."""
    return getattr(obj.get_lock(), method)(*args)


def reentrant(obj):
    """Take ``obj.get_lock()``, then try it again without blocking: True if the holder could take it
    again (a recursive lock). Releases what it took. Without ``obj.get_lock``: AttributeError."""
    lock = obj.get_lock()
    lock.acquire()
    try:
        again = lock.acquire(False)
        if again:
            lock.release()
    finally:
        lock.release()
    return again


def gate(cells, index, count, timeout=10.0):
    """Set ``cells[index]`` (the kit's Cells) to 1, then poll until ``cells[0:count]`` are all 1
    (True) or ``timeout`` passes (False): lines processes up so that what they do next overlaps."""
    cells[index] = 1
    limit = clock() + timeout
    while sum(cells[:count]) < count:
        if clock() > limit:
            return False
        time.sleep(0.0005)
    return True


def hold(obj, flags, use_with=False, timeout=10.0):
    """Inside ``with obj:`` (or ``with obj.get_lock():``) set ``flags[0]``, then poll until another
    process sets ``flags[1]`` (True) or ``timeout`` passes (False); then leave."""
    with (obj if use_with else obj.get_lock()):
        flags[0] = 1
        limit = clock() + timeout
        while not flags[1]:
            if clock() > limit:
                return False
            time.sleep(0.0005)
    return True


def try_lock(obj, flags, timeout=10.0):
    """Once ``flags[0]`` is set (else None after ``timeout``): ``obj.get_lock().acquire(False)``,
    released at once if taken; set ``flags[1]``; return what the acquire returned."""
    limit = clock() + timeout
    while not flags[0]:
        if clock() > limit:
            return None
        time.sleep(0.0005)
    lock = obj.get_lock()
    got = lock.acquire(False)
    if got:
        lock.release()
    flags[1] = 1
    return got


def listed(array, key):
    """``list(array[key])``: a slice of a Manager's Array proxy (an ``array.array`` from the
    server) as the list of its items."""
    return list(array[key])
