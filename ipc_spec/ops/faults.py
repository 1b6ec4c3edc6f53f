"""Worker-side operations of the fault properties (standard library only): called as
``macro(obj, "faults:<function>", ...)``; see ``ipc_spec.specs.faults``."""


def locked_wait(cond, timeout):
    """``with cond: return cond.wait(timeout)`` (a waiter a fault may strike inside ``wait``)."""
    with cond:
        return cond.wait(timeout)


def timed_wait(cond, lock_timeout, timeout):
    """Take ``cond``'s lock within ``lock_timeout`` (else return ``"no lock"``), then return
    ``cond.wait(timeout)`` and release: every part of it has a documented timeout."""
    if not cond.acquire(True, lock_timeout):
        return "no lock"
    try:
        return cond.wait(timeout)
    finally:
        cond.release()


def timed_notify(cond, lock_timeout):
    """Take ``cond``'s lock within ``lock_timeout`` (else return ``"no lock"``), ``notify_all()``,
    release; returns True."""
    if not cond.acquire(True, lock_timeout):
        return "no lock"
    try:
        cond.notify_all()
    finally:
        cond.release()
    return True


def raw(obj, index=None):
    """What ``obj.get_obj()`` holds (``[index]`` of an Array), read without its lock."""
    inner = obj.get_obj()
    return inner.value if index is None else inner[index]
