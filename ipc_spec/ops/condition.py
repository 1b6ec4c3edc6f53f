"""Worker-side operations of the Condition family (standard library only): called as
``macro(obj, "condition:<function>", ...)``; see ``ipc_spec.specs.condition``."""

from .._child import mark

#: What the wait_for predicate marks when it finds the condition's lock free
#: (``ipc_spec.specs.condition.PREDICATE_UNLOCKED``).
PREDICATE_UNLOCKED = "cond-predicate-unlocked"


def register(count):
    """Add one to ``count.value`` (the kit's Cells), with no lock of its own: a waiter calls it
    holding the condition, just before it waits, so that another process that sees the count and
    then takes the lock knows that this one is inside ``wait()``. Returns the new count."""
    count.value = count.value + 1
    return count.value


def bump(cond, value, notify_all=True):
    """Holding ``cond``: add one to the shared ``value.value``, then ``notify_all()`` (or
    ``notify()``). Returns the new value."""
    with cond:
        value.value += 1
        if notify_all:
            cond.notify_all()
        else:
            cond.notify()
        return value.value


def wait_for(cond, value, count, lock, target, timeout):
    """Holding ``cond``: add one to ``count.value`` (so another process can see this one is about
    to wait), then ``cond.wait_for(predicate, timeout)``.

    The predicate returns ``value.value`` once it is at least ``target`` (>= 1, so truthy), else
    None. When ``lock`` (the condition's plain, non-recursive Lock) is given, the predicate also
    checks that it runs with the lock held: if ``lock.acquire(False)`` succeeds the lock was free,
    and it marks :data:`PREDICATE_UNLOCKED`.

    Returns ``(result, last, calls)``: what ``wait_for`` returned, what the predicate returned last,
    and how many times it was called.
    """
    state = [None, 0]  # last value, calls

    def predicate():
        state[1] += 1
        if lock is not None and lock.acquire(False):
            lock.release()
            mark(PREDICATE_UNLOCKED)
        current = value.value
        state[0] = current if current >= target else None
        return state[0]

    with cond:
        count.value += 1
        result = cond.wait_for(predicate, timeout)
    return (result, state[0], state[1])
